/*
 * geo/weights_points.c — weights from representative points: k nearest neighbours,
 * distance band, the island fallback, and the weights_build() dispatcher.
 *
 * Rows are filled per point in parallel into fixed slots and sorted, so results are
 * identical for any thread count.  Contiguity lives in weights.c, the parser, summaries
 * and GAL/GWT writers in weights_io.c.
 */
#include "weights.h"
#include "weights_internal.h"
#include "kdtree.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * k nearest neighbours of each point, excluding itself; asymmetric, rows sorted
 * ascending, ties at the k-th distance to the lower index.  Points with
 * non-finite coordinates get no neighbours and are nobody's neighbour.
 */
weights *
weights_knn(const double *x, const double *y, size_t n, int k, char *err, size_t errlen)
{
	kdtree	   *t;
	weights    *w;
	size_t		kk = (size_t) k;
	int			failed = 0;

	if (k < 1 || kk >= n)
	{
		weights_int_err(err, errlen, "knn: k = %d must be at least 1 and less than the number of areas (%zu)", k, n);
		return NULL;
	}
	if (x == NULL || y == NULL || n > SIZE_MAX / kk)
	{
		weights_int_err(err, errlen, "knn: no points or too many links (%zu x %d)", n, k);
		return NULL;
	}
	w = weights_alloc(n, n * kk, err, errlen);
	if (w == NULL)
		return NULL;
	t = kdtree_build(x, y, n);
	if (t == NULL)
	{
		weights_free(w);
		weights_int_err(err, errlen, "knn: out of memory building the kd-tree of %zu points", n);
		return NULL;
	}
#pragma omp parallel
	{
		double	   *d2 = malloc(kk * sizeof(double));

		if (d2 == NULL)
		{
#pragma omp atomic write
			failed = 1;
		}
#pragma omp for schedule(dynamic, 512)
		for (size_t i = 0; i < n; i++)
		{
			if (d2 == NULL)
				continue;
			w->off[i + 1] = kdtree_knn(t, x[i], y[i], i, kk, w->nbr + i * kk, d2);
			weights_int_sort_row(w->nbr + i * kk, w->off[i + 1]);
		}
		free(d2);
	}
	kdtree_free(t);
	if (failed)
	{
		weights_free(w);
		weights_int_err(err, errlen, "knn: out of memory");
		return NULL;
	}
	/* off[i+1] holds row i's count: pack rows that came back short */
	for (size_t i = 0; i < n; i++)
	{
		size_t		c = w->off[i + 1];

		if (w->off[i] != i * kk)
			memmove(w->nbr + w->off[i], w->nbr + i * kk, c * sizeof(uint32_t));
		w->off[i + 1] = w->off[i] + c;
	}
	return w;
}

/* Radius-query callbacks: count, or collect, neighbours other than self. */
typedef struct wio_band_ctx
{
	uint32_t	self;
	size_t		count;
	uint32_t   *out;
} wio_band_ctx;

/* kdtree_radius callback: count neighbour i, storing it when c->out is set. */
static void
wio_band_cb(uint32_t i, double d2, void *ctx)
{
	wio_band_ctx *c = ctx;

	(void) d2;
	if (i == c->self)
		return;
	if (c->out)
		c->out[c->count] = i;
	c->count++;
}

/*
 * All pairs within band metres (inclusive) as symmetric binary weights.  band <= 0
 * uses the largest nearest-neighbour distance, nudged up so that the farthest
 * pair survives the squared comparison.  w->band_used is the band applied.
 */
weights *
weights_band(const double *x, const double *y, size_t n, double band, char *err, size_t errlen)
{
	kdtree	   *t;
	weights    *w = NULL;
	size_t	   *cnt;
	double		r = band;
	int			overflow = 0;

	if (isnan(band) || n > UINT32_MAX - 1 || (n > 0 && (x == NULL || y == NULL)))
	{
		weights_int_err(err, errlen, "band: invalid band %g or points", band);
		return NULL;
	}
	t = kdtree_build(x, y, n);
	cnt = calloc(n + 1, sizeof(size_t));
	if (t == NULL || cnt == NULL)
	{
		kdtree_free(t);
		free(cnt);
		weights_int_err(err, errlen, "band: out of memory for %zu points", n);
		return NULL;
	}
	if (band <= 0)
	{
		double		maxd2 = 0;

#pragma omp parallel for reduction(max:maxd2) schedule(dynamic, 512)
		for (size_t i = 0; i < n; i++)
		{
			uint32_t	j;
			double		d2;

			if (kdtree_knn(t, x[i], y[i], i, 1, &j, &d2) == 1 && d2 > maxd2)
				maxd2 = d2;
		}
		r = sqrt(maxd2);
		while (r * r < maxd2)
			r = nextafter(r, INFINITY);
	}
#pragma omp parallel for schedule(dynamic, 512)
	for (size_t i = 0; i < n; i++)
	{
		wio_band_ctx c = {(uint32_t) i, 0, NULL};

		kdtree_radius(t, x[i], y[i], r, wio_band_cb, &c);
		cnt[i + 1] = c.count;
	}
	for (size_t i = 0; i < n; i++)
	{
		if (cnt[i + 1] > SIZE_MAX - cnt[i])
			overflow = 1;
		else
			cnt[i + 1] += cnt[i];
	}
	if (overflow || (w = weights_alloc(n, cnt[n], err, errlen)) == NULL)
	{
		if (overflow)
			weights_int_err(err, errlen, "band: %g m gives too many links", r);
		kdtree_free(t);
		free(cnt);
		return NULL;
	}
	memcpy(w->off, cnt, (n + 1) * sizeof(size_t));
	free(cnt);
#pragma omp parallel for schedule(dynamic, 512)
	for (size_t i = 0; i < n; i++)
	{
		wio_band_ctx c = {(uint32_t) i, 0, w->nbr + w->off[i]};

		kdtree_radius(t, x[i], y[i], r, wio_band_cb, &c);
		weights_int_sort_row(c.out, c.count);
	}
	kdtree_free(t);
	w->band_used = r;
	return w;
}

/*
 * A copy of w in which every island (row without neighbours) is linked to its k
 * nearest points and those points back to it, so symmetric weights stay
 * symmetric.  Existing links keep their weight; new ones get 1.0.
 */
weights *
weights_fill_islands(const weights *w, const double *x, const double *y, int k,
					 char *err, size_t errlen)
{
	kdtree	   *t = NULL;
	uint64_t   *ex = NULL;
	uint32_t   *idx = NULL;
	double	   *d2 = NULL;
	size_t		n,
				nex = 0,
				nisl = 0,
				e = 0,
				m = 0;
	weights    *o = NULL;

	if (w == NULL || x == NULL || y == NULL || k < 1)
	{
		weights_int_err(err, errlen, "island fallback needs weights, points and k >= 1 (k = %d)", k);
		return NULL;
	}
	n = w->n;
	for (size_t i = 0; i < n; i++)
		nisl += w->off[i] == w->off[i + 1];
	if (nisl > SIZE_MAX / 2 / (size_t) k)
	{
		weights_int_err(err, errlen, "island fallback: too many links");
		return NULL;
	}
	t = kdtree_build(x, y, n);
	ex = malloc((2 * nisl * (size_t) k + 1) * sizeof(uint64_t));
	idx = malloc((size_t) k * sizeof(uint32_t));
	d2 = malloc((size_t) k * sizeof(double));
	if (t == NULL || ex == NULL || idx == NULL || d2 == NULL)
		goto oom;
	for (size_t i = 0; i < n; i++)
	{
		size_t		c;

		if (w->off[i] != w->off[i + 1])
			continue;
		c = kdtree_knn(t, x[i], y[i], i, (size_t) k, idx, d2);
		for (size_t a = 0; a < c; a++)
		{
			ex[nex++] = (uint64_t) i << 32 | idx[a];
			ex[nex++] = (uint64_t) idx[a] << 32 | i;
		}
	}
	qsort(ex, nex, sizeof(uint64_t), weights_int_cmp_u64);
	for (size_t u = 0; u < nex; u++)	/* dedupe: islands may pick each other */
		if (e == 0 || ex[u] != ex[e - 1])
			ex[e++] = ex[u];
	nex = e;
	/* two passes over the merge of each sorted row with its extra links: count, fill */
	for (int pass = 0; pass < 2; pass++)
	{
		e = 0;
		m = 0;
		for (size_t i = 0; i < n; i++)
		{
			size_t		a = w->off[i];

			if (pass == 1)
				o->off[i] = m;
			while (a < w->off[i + 1] || (e < nex && ex[e] >> 32 == i))
			{
				int			has_ex = e < nex && ex[e] >> 32 == i;
				uint32_t	col = has_ex ? (uint32_t) ex[e] : 0;
				int			old = a < w->off[i + 1] && (!has_ex || w->nbr[a] <= col);

				if (pass == 1)
				{
					o->nbr[m] = old ? w->nbr[a] : col;
					o->w[m] = old ? w->w[a] : 1.0;
				}
				m++;
				if (old && has_ex && w->nbr[a] == col)
					e++;		/* already linked: keep the existing weight */
				if (old)
					a++;
				else
					e++;
			}
		}
		if (pass == 0 && (o = weights_alloc(n, m, err, errlen)) == NULL)
			goto fail;
	}
	o->off[n] = m;
	o->band_used = w->band_used;
	kdtree_free(t);
	free(ex);
	free(idx);
	free(d2);
	return o;

oom:
	weights_int_err(err, errlen, "island fallback: out of memory for %zu areas", n);
fail:
	kdtree_free(t);
	free(ex);
	free(idx);
	free(d2);
	return NULL;
}

/* Build weights for p by spec: contiguity from rings, kNN/band from p->cx/cy,
 * then the island fallback when spec->island_knn > 0. */
weights *
weights_build(const geo_polys *p, const weights_spec *spec, char *err, size_t errlen)
{
	weights    *w = NULL,
			   *f;
	weights_summary s;

	if (p == NULL || spec == NULL)
	{
		weights_int_err(err, errlen, "weights: no areas or no spec");
		return NULL;
	}
	switch (spec->kind)
	{
		case WEIGHTS_QUEEN:
		case WEIGHTS_ROOK:
			w = weights_contiguity(p, spec, err, errlen);
			break;
		case WEIGHTS_KNN:
			w = weights_knn(p->cx, p->cy, p->n, spec->k, err, errlen);
			break;
		case WEIGHTS_BAND:
			w = weights_band(p->cx, p->cy, p->n, spec->band, err, errlen);
			break;
		default:
			weights_int_err(err, errlen, "weights: unknown kind %d", (int) spec->kind);
			return NULL;
	}
	if (w == NULL || spec->island_knn <= 0)
		return w;
	weights_summarise(w, &s);
	if (s.islands == 0)
		return w;
	f = weights_fill_islands(w, p->cx, p->cy, spec->island_knn, err, errlen);
	weights_free(w);
	return f;
}

