/*
 * geo/map_internal.h — shared between geo/map.c (entry point, output
 * surfaces), geo/map_draw.c (frame content: areas, hatching, labels) and
 * geo/map_legend.c (title, legend, scale bar, north arrow, note).
 *
 * Not for use outside geo/map*.c: the public contract is geo/map.h.
 */
#ifndef VSP_GEO_MAP_INTERNAL_H
#define VSP_GEO_MAP_INTERNAL_H

#include <stddef.h>

#include <cairo.h>

#include "map.h"

/* page regions in points, origin top-left */
typedef struct map_layout
{
	double		pw,
				ph;				/* page */
	double		margin;
	double		fx,
				fy,
				fw,
				fh;				/* map frame */
	double		lx,
				ly,
				lw,
				lh;				/* right-hand panel: legend, north arrow, scale bar */
	double		ny;				/* first baseline of the data note */
} map_layout;

/* what was drawn, for the legend and the scale bar */
typedef struct map_stats
{
	size_t		nbin[7];		/* areas per bin, index bin + 3 */
	size_t		nsupp;			/* suppressed areas drawn */
	size_t		nisland;		/* island areas drawn */
	size_t		ndrawn;			/* areas drawn */
	double		scale;			/* page points per metre; 0 if nothing could be drawn */
} map_stats;

/* RdBu 7-class fill colours (sRGB 0..1), index bin + 3 (0 = cold 99 %, 6 = hot 99 %) */
extern const double map_palette[7][3];

/*
 * Format a one-line message into err (errlen bytes; err NULL or errlen 0:
 * nothing written).  Always returns -1, so callers can "return map_err(...)".
 */
int			map_err(char *err, size_t errlen, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));

/*
 * Draw the whole page onto cr, whose user unit must be one page point (A3
 * landscape, origin top-left).  m must have passed the input checks of
 * map_render.  Returns 0, or -1 with a message (allocation failure, or cr in
 * an error state afterwards).  Source, font and line settings of cr are
 * changed.
 */
int			map_draw(cairo_t *cr, const map_spec *m, char *err, size_t errlen);

/* fill the page layout (pure function of the page size) */
void		map_layout_get(map_layout *l);

/* select the sans-serif toy font at size points, bold if bold != 0 */
void		map_font(cairo_t *cr, double size, int bold);

/*
 * Draw s with its baseline at y; align 0 = x is the left edge, 1 = centre,
 * 2 = right edge.  Returns the advance width in points.  s NULL is a no-op.
 */
double		map_text(cairo_t *cr, double x, double y, const char *s, int align);

/* stroke the suppression hatch (45 degree lines) over the rectangle; clip first */
void		map_hatch(cairo_t *cr, double x0, double y0, double x1, double y1);

/* set the dashed grey line used for island outlines */
void		map_island_line(cairo_t *cr);

/*
 * Draw title, subtitle, legend, north arrow, scale bar and data note.
 * Returns 0, or -1 with a message in err on allocation failure.
 */
int			map_draw_furniture(cairo_t *cr, const map_layout *l, const map_spec *m,
							   const map_stats *st, char *err, size_t errlen);

#endif
