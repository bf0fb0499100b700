/*
 * geo/webmap_internal.h — shared between the geo/webmap*.c files only.
 */
#ifndef VSP_GEO_WEBMAP_INTERNAL_H
#define VSP_GEO_WEBMAP_INTERNAL_H

#include <stddef.h>

/*
 * Douglas-Peucker on the L >= 2 points xy (x,y pairs, metres) at tolerance tol: keep[k] = 1
 * for the points kept, the end points always.  tol <= 0 keeps every point.  A closed arc
 * (first point == last) first keeps its point farthest from the start; closed arcs keep at
 * least two interior points and `protect`ed arcs at least one (unless all are collinear),
 * so that no ring built from them collapses.  keep holds L bytes, stack 4*L+4 entries.
 */
void		webmap_simplify_arc(const double *xy, size_t L, double tol, int protect,
								unsigned char *keep, size_t *stack);

#endif
