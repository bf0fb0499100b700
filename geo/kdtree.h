/*
 * geo/kdtree.h — a static 2-d tree over points, for k-nearest-neighbour and radius queries.
 *
 * The tree keeps its own copy of an index permutation, not of the coordinates: the caller's
 * x/y arrays must outlive the tree.  Free with kdtree_free() (NULL is a no-op).
 */
#ifndef VSP_GEO_KDTREE_H
#define VSP_GEO_KDTREE_H

#include <stddef.h>
#include <stdint.h>

typedef struct kdtree kdtree;

/* Build over n points; NULL on allocation failure. Points with NaN coordinates are skipped. */
kdtree	   *kdtree_build(const double *x, const double *y, size_t n);
/* The k nearest points to (qx,qy), excluding index `skip` (pass SIZE_MAX for none), written
 * nearest first to idx[]/d2[] (squared distances); ties by lower index. Returns how many found. */
size_t		kdtree_knn(const kdtree *t, double qx, double qy, size_t skip, size_t k,
					   uint32_t *idx, double *d2);
/* Calls fn(i, d2, ctx) for every point within radius r of (qx,qy), inclusive. */
void		kdtree_radius(const kdtree *t, double qx, double qy, double r,
						  void (*fn) (uint32_t i, double d2, void *ctx), void *ctx);
void		kdtree_free(kdtree *t);

#endif
