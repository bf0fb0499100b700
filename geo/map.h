/*
 * geo/map.h — printable hotspot maps (PNG, SVG, PDF) drawn with Cairo.
 *
 * One layout on an A3 landscape page (420 x 297 mm): title and subtitle at
 * the top, the map frame on the left with the areas filled by Gi* hotspot
 * bin (ColorBrewer RdBu, 7 classes), suppressed areas hatched, islands
 * outlined with a dashed grey line, optional area labels; a panel on the
 * right with the legend (count of areas per class), north arrow and metric
 * scale bar; the data note at the bottom.  The layout is drawn once in page
 * points and only the Cairo surface differs between the three formats, so
 * the PNG is a raster of exactly what the PDF shows.
 *
 * Output is deterministic: the same input gives byte-identical files (the
 * PDF carries no creation date, SVG surface ids are normalised).
 */
#ifndef VSP_GEO_MAP_H
#define VSP_GEO_MAP_H

#include <stddef.h>

#include "polys.h"

/* page size in PostScript points (A3 landscape) and the PNG raster size (~150 dpi) */
#define MAP_PAGE_W_PT	1190.55
#define MAP_PAGE_H_PT	841.89
#define MAP_PNG_WIDTH	2480
#define MAP_PNG_HEIGHT	1754

typedef struct map_spec
{
	const geo_polys *polys;				/* areas in RD New metres (EPSG:28992) */
	const int  *bin;					/* n: -3..3 (hot 99/95/90 %, 0 not significant, cold 90/95/99 %) */
	const unsigned char *suppressed;	/* n or NULL: 1 = below disclosure threshold, hatched */
	const unsigned char *include;		/* n or NULL: NULL = all; else only include[i] != 0 drawn, extent fitted to them */
	const unsigned char *island;		/* n or NULL: 1 = no neighbours, dashed grey outline + legend entry */
	const char *const *labels;			/* n or NULL: label per area (entries may be NULL), drawn at cx/cy where they fit */
	const char *title;					/* may be NULL */
	const char *subtitle;				/* may be NULL: as-of date, method */
	const char *note;					/* may be NULL: data note (source, method, threshold); '\n' forces a break */
	/* another classification than Gi* bins on the same 7-class scale (all may be NULL) */
	const char *legend_title;			/* NULL: "Hotspots (Getis-Ord Gi*)" */
	const char *const *class_labels;	/* 7 legend texts, index bin + 3; NULL: hotspot/coldspot 90-99 % */
	const char *island_label;			/* NULL: "geen buren / no neighbours" (the dashed-outline entry) */
} map_spec;

/*
 * map_render — draw the map described by m and write it to path.
 *
 * The format follows the extension of path (case-insensitive): ".png"
 * (MAP_PNG_WIDTH x MAP_PNG_HEIGHT pixels, RGB), ".svg" or ".pdf" (A3
 * landscape, in points).  The file is written to path directly; the caller
 * handles temporary names and renames, and removes the file at path if -1 is
 * returned (a failed PDF may have been partly written).
 *
 * Returns 0 on success.  On failure returns -1 and puts a one-line lowercase
 * message in err (errlen bytes, may be NULL/0), e.g. when the extension is
 * unknown, a bin is outside -3..3, the polygon offsets are inconsistent, or
 * the path cannot be written.  Nothing in m is modified or kept.
 */
int			map_render(const map_spec *m, const char *path, char *err, size_t errlen);

/*
 * map_frame_rect — the map frame (where areas are drawn) in page points, origin
 * top-left, y down.  Multiply by MAP_PNG_WIDTH / MAP_PAGE_W_PT for PNG pixels.
 * Any argument may be NULL.
 */
void		map_frame_rect(double *x, double *y, double *w, double *h);

#endif
