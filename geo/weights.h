/*
 * geo/weights.h — spatial weights in compressed sparse rows.
 *
 * Row i's neighbours are nbr[off[i]] .. nbr[off[i+1]-1], sorted ascending, never i
 * itself (Gi* adds the self term where it needs it).  w[] holds the weight of each link:
 * 1.0 for contiguity/kNN/band (binary), inverse distance only when asked for (GWT).
 * All builders are deterministic for any OpenMP thread count.
 *
 * Memory: every weights_* builder returns a struct the caller frees with weights_free().
 * Errors: builders return NULL and write a one-line message into err (errlen bytes).
 */
#ifndef VSP_GEO_WEIGHTS_H
#define VSP_GEO_WEIGHTS_H

#include <stddef.h>
#include <stdint.h>
#include "polys.h"

typedef enum weights_kind
{
	WEIGHTS_QUEEN,
	WEIGHTS_ROOK,
	WEIGHTS_KNN,
	WEIGHTS_BAND
} weights_kind;

typedef struct weights_spec
{
	weights_kind kind;
	int			k;				/* KNN: number of neighbours; also island fallback k */
	double		band;			/* BAND: metres; <= 0 means smallest band giving everyone a neighbour */
	double		snap;			/* QUEEN/ROOK: snap tolerance in metres (0 = exact) */
	int			island_knn;		/* >0: give islands this many nearest neighbours (symmetrised) */
} weights_spec;

typedef struct weights
{
	size_t		n;
	size_t	   *off;			/* n+1 */
	uint32_t   *nbr;			/* off[n] */
	double	   *w;				/* off[n] */
	double		band_used;		/* BAND: the band actually applied (metres) */
} weights;

typedef struct weights_summary
{
	size_t		n, links;		/* links = off[n] (directed) */
	size_t		min_nb, max_nb;
	double		mean_nb;
	size_t		islands;		/* rows with no neighbour */
	size_t		components;		/* connected components (islands count as one each) */
} weights_summary;

/* Parse "queen", "rook", "knn:K", "band:METRES" (or "band" for the automatic band). 0 or -1. */
int			weights_parse_spec(const char *s, weights_spec *spec, char *err, size_t errlen);

/* Contiguity from polygon boundaries (queen: shared point; rook: shared segment), snapping
 * vertices to a grid of size spec->snap and checking neighbouring grid cells, so vertices
 * closer than the tolerance match even across a grid line. */
weights    *weights_contiguity(const geo_polys *p, const weights_spec *spec, char *err, size_t errlen);
/* k nearest neighbours of the points (x[i], y[i]) via a kd-tree; ties broken by lower index. */
weights    *weights_knn(const double *x, const double *y, size_t n, int k, char *err, size_t errlen);
/* All pairs within band metres (inclusive); band <= 0 picks the smallest band that gives every
 * point at least one neighbour (the largest nearest-neighbour distance). */
weights    *weights_band(const double *x, const double *y, size_t n, double band, char *err, size_t errlen);
/* Build according to spec (dispatches to the three above, then applies island_knn). */
weights    *weights_build(const geo_polys *p, const weights_spec *spec, char *err, size_t errlen);

/* Give every island its k nearest neighbours, symmetrically; returns a new struct or NULL. */
weights    *weights_fill_islands(const weights *w, const double *x, const double *y, int k,
								 char *err, size_t errlen);

void		weights_summarise(const weights *w, weights_summary *s);
/* GAL (binary) and GWT (with weights = distances) text formats read by GeoDa, PySAL, spdep.
 * ids[i] is the area id written for row i. 0 or -1 with err set. */
int			weights_write_gal(const weights *w, const char *const *ids, const char *path,
							  char *err, size_t errlen);
int			weights_write_gwt(const weights *w, const char *const *ids, const double *x,
							  const double *y, const char *path, char *err, size_t errlen);
void		weights_free(weights *w);

/* Weights kept between runs in the cache dir under key k (geo/cache.h), e.g. derived from the
 * prepared layer's key and the spec.  Load: 1 = *out holds the n-row weights, 0 = none kept,
 * -1 = damaged or not n rows (err).  Save: 0, or -1 with err. */
struct cache_key;
int			weights_cache_load(const char *dir, const struct cache_key *k, size_t n, weights **out,
							   char *err, size_t errlen);
int			weights_cache_save(const char *dir, const struct cache_key *k, const weights *w,
							   char *err, size_t errlen);

/* An n-row struct with room for m links, for builders that fill rows themselves:
 * off[] zeroed, w[] all 1.0, nbr[] unset, band_used 0.  NULL with err set on
 * overflow, allocation failure or n > UINT32_MAX-1.  Caller frees with weights_free(). */
weights    *weights_alloc(size_t n, size_t m, char *err, size_t errlen);

#endif
