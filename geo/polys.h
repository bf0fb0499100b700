/*
 * geo/polys.h — flat polygon rings, the hand-over format between area loading and weights.
 *
 * Areas come from GDAL as OGR geometries; weights and map rendering need only the
 * rings' coordinates.  Keeping them in three flat arrays (one allocation each) makes
 * contiguity building cache-friendly at national scale (450k polygons, ~10M vertices)
 * and lets tests build polygons without GDAL.
 *
 * Area i owns rings ring_off[i] .. ring_off[i+1]-1; ring r owns points
 * pt_off[r] .. pt_off[r+1]-1, stored as x,y pairs in xy[2*p], xy[2*p+1].
 * Rings may be closed (last point == first) or not; consumers must accept both.
 * Exterior rings and holes are not distinguished: contiguity only needs boundaries.
 * Coordinates are in the working CRS (metres).
 */
#ifndef VSP_GEO_POLYS_H
#define VSP_GEO_POLYS_H

#include <stddef.h>

typedef struct geo_polys
{
	size_t		n;			/* number of areas */
	size_t		nrings;		/* total rings */
	size_t		npts;		/* total points */
	size_t	   *ring_off;	/* n+1 */
	size_t	   *pt_off;		/* nrings+1 */
	double	   *xy;			/* 2*npts */
	double	   *cx, *cy;	/* n: representative point (point on surface), NaN if empty */
} geo_polys;

/* Builder: start empty, then add areas one at a time. Returns 0, or -1 on allocation failure. */
int			geo_polys_init(geo_polys *p);
/* Open a new area (must be called before adding its rings). */
int			geo_polys_begin_area(geo_polys *p);
/* Append one ring of npts points (xy holds 2*npts doubles) to the current area. */
int			geo_polys_add_ring(geo_polys *p, const double *xy, size_t npts);
/* Set the representative point of the current (last begun) area. */
void		geo_polys_set_point(geo_polys *p, double x, double y);
/* Close the builder: fixes the final offsets. Call once after the last area. */
int			geo_polys_finish(geo_polys *p);
/* Free the arrays (the struct itself is the caller's). NULL is a no-op. */
void		geo_polys_free(geo_polys *p);

#endif
