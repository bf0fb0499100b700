/*
 * geo/weights.c — queen and rook contiguity weights from polygon boundaries.
 *
 * (kNN, distance band, islands, summaries and file output are in weights_io.c.)
 *
 * Contiguity hashes vertices instead of intersecting polygons: every vertex gets
 * the key of its grid cell (cell size = snap tolerance; with snap 0 a hash of the
 * exact coordinates), the (key, area, point) records are radix-sorted, and each
 * run of equal keys is compared with itself and with the runs of its upper/right
 * neighbour cells (half of the 3x3 block, so each cell pair is visited once).
 * Vertex pairs of different areas closer than the tolerance are the matches:
 * queen keeps their area pairs, rook keeps an area pair only when two matches
 * are consecutive on both rings (a shared segment, not just a shared point).
 *
 * Every step ends in a sorted set (stable LSD radix sort in weights_sort.c, then
 * dedupe), so the result does not depend on the number of OpenMP threads.  Row neighbours come
 * out ascending without a per-row sort because pairs are filled in (i,j) order.
 */
#include "weights.h"
#include "weights_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WT_EXACT_KEY_BITS 40	/* snap 0: hashed key width; collisions are re-checked */

/* A per-thread growable output buffer. */
typedef struct wt_buf
{
	weights_rec	   *r;
	size_t		len,
				cap;
} wt_buf;

/* Append one record; 0 or -1 on overflow/allocation failure. */
static int
wt_push(wt_buf *b, uint64_t key, uint32_t p, uint32_t q)
{
	if (b->len == b->cap)
	{
		size_t		nc = b->cap ? b->cap * 2 : 1024;
		weights_rec	   *r;

		if (nc > SIZE_MAX / sizeof(weights_rec))
			return -1;
		r = realloc(b->r, nc * sizeof(weights_rec));
		if (r == NULL)
			return -1;
		b->r = r;
		b->cap = nc;
	}
	b->r[b->len].key = key;
	b->r[b->len].p = p;
	b->r[b->len].q = q;
	b->len++;
	return 0;
}

/* ---- contiguity ---- */

/* End of ring r without its closing point (a last point equal to the first). */
static size_t
wt_ring_end(const geo_polys *p, size_t r)
{
	size_t		s = p->pt_off[r],
				e = p->pt_off[r + 1];

	if (e - s >= 2 && p->xy[2 * s] == p->xy[2 * (e - 1)] &&
		p->xy[2 * s + 1] == p->xy[2 * (e - 1) + 1])
		e--;
	return e;
}

/* Ring-neighbours of point pt of area a: *succ and *pred on the ring, closing point excluded. */
static void
wt_ring_step(const geo_polys *p, uint32_t a, uint32_t pt, uint32_t *succ, uint32_t *pred)
{
	size_t		lo = p->ring_off[a],
				hi = p->ring_off[a + 1];
	size_t		s,
				e;

	while (hi - lo > 1)			/* last ring r with pt_off[r] <= pt */
	{
		size_t		mid = lo + (hi - lo) / 2;

		if (p->pt_off[mid] <= pt)
			lo = mid;
		else
			hi = mid;
	}
	s = p->pt_off[lo];
	e = wt_ring_end(p, lo);
	*succ = (uint32_t) (pt + 1 < e ? pt + 1 : s);
	*pred = (uint32_t) (pt > s ? pt - 1 : e - 1);
}

/* Hash of exact coordinates (for snap 0); -0.0 and 0.0 hash alike. */
static inline uint64_t
wt_exact_key(double x, double y)
{
	uint64_t	a,
				b;

	x += 0.0;
	y += 0.0;
	memcpy(&a, &x, 8);
	memcpy(&b, &y, 8);
	a ^= b * 0x9e3779b97f4a7c15ULL + (a << 6);
	a ^= a >> 31;
	a *= 0xbf58476d1ce4e5b9ULL;
	a ^= a >> 29;
	return a >> (64 - WT_EXACT_KEY_BITS);
}

typedef struct wt_ctx
{
	const geo_polys *p;
	const weights_rec *v;			/* sorted vertex records */
	const uint32_t *rs;			/* run starts, nruns+1 */
	size_t		nruns;
	double		tol2;
	int			exact,
				rook;
	uint64_t	col;			/* key step to the next grid column */
} wt_ctx;

/* Compare run a with run b (or with itself when a == b) and emit matches. */
static int
wt_match_runs(const wt_ctx *c, size_t a, size_t b, wt_buf *out)
{
	const double *xy = c->p->xy;

	for (uint32_t i = c->rs[a]; i < c->rs[a + 1]; i++)
	{
		const weights_rec *vi = &c->v[i];

		for (uint32_t j = (a == b ? i + 1 : c->rs[b]); j < c->rs[b + 1]; j++)
		{
			const weights_rec *vj = &c->v[j];
			double		dx,
						dy;

			if (vi->p == vj->p)
				continue;
			dx = xy[2 * (size_t) vi->q] - xy[2 * (size_t) vj->q];
			dy = xy[2 * (size_t) vi->q + 1] - xy[2 * (size_t) vj->q + 1];
			if (c->exact ? (dx != 0 || dy != 0) : (dx * dx + dy * dy > c->tol2))
				continue;
			if (vi->p < vj->p ?
				wt_push(out, (uint64_t) vi->p << 32 | vj->p,
						c->rook ? vi->q : 0, c->rook ? vj->q : 0) :
				wt_push(out, (uint64_t) vj->p << 32 | vi->p,
						c->rook ? vj->q : 0, c->rook ? vi->q : 0))
				return -1;
		}
	}
	return 0;
}

/* Match runs [r0,r1): each run with itself, the cell above, and the three cells
 * of the next column (found by a pointer that only moves forward). */
static int
wt_match_chunk(const wt_ctx *c, size_t r0, size_t r1, wt_buf *out)
{
	size_t		ptr = 0;

	for (size_t r = r0; r < r1; r++)
	{
		uint64_t	k = c->v[c->rs[r]].key,
					lo;

		if (wt_match_runs(c, r, r, out) != 0)
			return -1;
		if (c->exact)
			continue;
		if (r + 1 < c->nruns && c->v[c->rs[r + 1]].key == k + 1 &&
			wt_match_runs(c, r, r + 1, out) != 0)
			return -1;
		lo = k + c->col - 1;
		if (r == r0)
		{
			size_t		a = r + 1,
						b = c->nruns;

			while (a < b)		/* first run with key >= lo */
			{
				size_t		m = a + (b - a) / 2;

				if (c->v[c->rs[m]].key < lo)
					a = m + 1;
				else
					b = m;
			}
			ptr = a;
		}
		while (ptr < c->nruns && c->v[c->rs[ptr]].key < lo)
			ptr++;
		for (size_t q = ptr; q < c->nruns && c->v[c->rs[q]].key <= lo + 2; q++)
		{
			if (wt_match_runs(c, r, q, out) != 0)
				return -1;
		}
	}
	return 0;
}

/* qsort order of matches within one area pair: by point of i, then point of j. */
static int
wt_cmp_match(const void *a, const void *b)
{
	const weights_rec *x = a,
			   *y = b;

	if (x->p != y->p)
		return x->p < y->p ? -1 : 1;
	return x->q < y->q ? -1 : (x->q > y->q ? 1 : 0);
}

/* Do the matches m[0..len) of one area pair (i,j) include a shared segment:
 * u -> succ(u) on i's ring matched to v -> succ/pred(v) on j's ring, both distinct points? */
static int
wt_group_is_rook(const geo_polys *p, weights_rec *m, size_t len)
{
	uint32_t	ai = (uint32_t) (m[0].key >> 32),
				aj = (uint32_t) m[0].key;
	const double *xy = p->xy;

	qsort(m, len, sizeof(weights_rec), wt_cmp_match);
	for (size_t k = 0; k < len; k++)
	{
		uint32_t	su,
					pu,
					sv,
					pv;
		size_t		lo = 0,
					hi = len;

		wt_ring_step(p, ai, m[k].p, &su, &pu);
		wt_ring_step(p, aj, m[k].q, &sv, &pv);
		if (xy[2 * (size_t) su] == xy[2 * (size_t) m[k].p] &&
			xy[2 * (size_t) su + 1] == xy[2 * (size_t) m[k].p + 1])
			continue;			/* degenerate edge: a repeated point is no segment */
		while (lo < hi)
		{
			size_t		mid = lo + (hi - lo) / 2;

			if (m[mid].p < su)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < len && m[lo].p == su; lo++)
		{
			uint32_t	v2 = m[lo].q;

			if ((v2 == sv || v2 == pv) && v2 != m[k].q &&
				(xy[2 * (size_t) v2] != xy[2 * (size_t) m[k].q] ||
				 xy[2 * (size_t) v2 + 1] != xy[2 * (size_t) m[k].q + 1]))
				return 1;
		}
	}
	return 0;
}

/* Turn sorted matches into unique area pairs in place (rook: only pairs with a
 * shared segment).  Returns the number of pairs kept, or SIZE_MAX on failure. */
static size_t
wt_reduce_matches(const geo_polys *p, weights_rec *m, size_t len, int rook)
{
	size_t		ng = 0,
				kept = 0;
	size_t	   *gs;
	unsigned char *ok;

	for (size_t k = 0; k < len; k++)
		if (k == 0 || m[k].key != m[k - 1].key)
			ng++;
	gs = malloc((ng + 1) * sizeof(size_t));
	ok = malloc(ng ? ng : 1);
	if (gs == NULL || ok == NULL)
	{
		free(gs);
		free(ok);
		return SIZE_MAX;
	}
	ng = 0;
	for (size_t k = 0; k < len; k++)
		if (k == 0 || m[k].key != m[k - 1].key)
			gs[ng++] = k;
	gs[ng] = len;
#pragma omp parallel for schedule(dynamic, 1024)
	for (size_t g = 0; g < ng; g++)
		ok[g] = !rook || wt_group_is_rook(p, m + gs[g], gs[g + 1] - gs[g]);
	for (size_t g = 0; g < ng; g++)
		if (ok[g])
			m[kept++].key = m[gs[g]].key;
	free(gs);
	free(ok);
	return kept;
}

/*
 * Vertex records of all areas, sorted by cell key: finite points only, closing
 * points left out.  *nv gets the count, *bits_y the width of the y part of a grid
 * key (0 for snap 0).  NULL with err set on failure.
 */
static weights_rec *
wt_vertices(const geo_polys *p, double snap, size_t *nv, int *bits_y, char *err, size_t errlen)
{
	double		xmin = INFINITY,
				ymin = INFINITY,
				xmax = -INFINITY,
				ymax = -INFINITY,
				x0 = 0,
				y0 = 0;
	size_t		n = p->n;
	size_t	   *cnt = calloc(n + 1, sizeof(size_t));
	weights_rec	   *v = NULL;
	int			by = 0;

	if (cnt == NULL)
		goto oom;
	/* pass 1 counts each area's vertices (and the extent), pass 2 writes them */
	for (int pass = 0; pass < 2; pass++)
	{
#pragma omp parallel for schedule(dynamic, 256) \
	reduction(min:xmin,ymin) reduction(max:xmax,ymax)
		for (size_t a = 0; a < n; a++)
		{
			size_t		o = pass ? cnt[a] : 0;

			for (size_t r = p->ring_off[a]; r < p->ring_off[a + 1]; r++)
			{
				size_t		e = wt_ring_end(p, r);

				for (size_t i = p->pt_off[r]; i < e; i++)
				{
					double		x = p->xy[2 * i],
								y = p->xy[2 * i + 1];

					if (!isfinite(x) || !isfinite(y))
						continue;
					if (pass == 0)
					{
						xmin = fmin(xmin, x);
						xmax = fmax(xmax, x);
						ymin = fmin(ymin, y);
						ymax = fmax(ymax, y);
						o++;
						continue;
					}
					v[o].key = snap > 0 ?
						(uint64_t) floor((x - x0) / snap) << by | (uint64_t) floor((y - y0) / snap) :
						wt_exact_key(x, y);
					v[o].p = (uint32_t) a;
					v[o++].q = (uint32_t) i;
				}
			}
			if (pass == 0)
				cnt[a + 1] = o;
		}
		if (pass == 1)
			break;
		for (size_t a = 0; a < n; a++)
			cnt[a + 1] += cnt[a];
		*nv = cnt[n];
		x0 = xmin;				/* the reduction variables are private in the loop */
		y0 = ymin;
		if (snap > 0 && *nv > 0)
		{
			/* cell (cx, cy) -> cx << by | cy, with room for cx+1 and cy+1 */
			double		cx = floor((xmax - xmin) / snap) + 2,
						cy = floor((ymax - ymin) / snap) + 2;

			while (by < 62 && ldexp(1.0, by) < cy)
				by++;
			if (!(cx < 4e9) || !(cy < 4e9) || cx * ldexp(1.0, by) >= ldexp(1.0, 63))
			{
				weights_int_err(err, errlen, "snap tolerance %g m is too fine for the layer's extent", snap);
				free(cnt);
				return NULL;
			}
		}
		v = malloc((*nv ? *nv : 1) * sizeof(weights_rec));
		if (v == NULL)
			goto oom;
	}
	free(cnt);
	cnt = NULL;
	if (weights_int_sort_owned(&v, *nv) != 0)
		goto oom;
	*bits_y = by;
	return v;

oom:
	weights_int_err(err, errlen, "out of memory for contiguity (%zu vertices)", *nv);
	free(cnt);
	free(v);
	return NULL;
}

/*
 * Matches between vertices of different areas, sorted by area pair; each thread
 * takes one block of runs.  *nm gets the count; NULL on allocation failure.
 */
static weights_rec *
wt_matches(wt_ctx *c, size_t *nm)
{
	wt_buf		bufs[WEIGHTS_MAX_THREADS];
	weights_rec	   *m = NULL;
	int			nth = omp_get_max_threads(),
				failed = 0;

	if (nth > WEIGHTS_MAX_THREADS)
		nth = WEIGHTS_MAX_THREADS;
	memset(bufs, 0, sizeof(bufs));
#pragma omp parallel num_threads(nth)
	{
		int			t = omp_get_thread_num(),
					nt = omp_get_num_threads();
		size_t		r0 = c->nruns * (size_t) t / (size_t) nt,
					r1 = c->nruns * (size_t) (t + 1) / (size_t) nt;
		wt_buf		local = {NULL, 0, 0};	/* not in bufs[]: no false sharing */

		if (wt_match_chunk(c, r0, r1, &local) != 0)
		{
#pragma omp atomic write
			failed = 1;
		}
		bufs[t] = local;
	}
	*nm = 0;
	for (int t = 0; t < nth; t++)
	{
		if (bufs[t].len > SIZE_MAX / sizeof(weights_rec) - *nm)
			failed = 1;
		else
			*nm += bufs[t].len;
	}
	if (!failed)
		m = malloc((*nm ? *nm : 1) * sizeof(weights_rec));
	*nm = 0;
	for (int t = 0; t < nth; t++)
	{
		if (m != NULL && bufs[t].len)
			memcpy(m + *nm, bufs[t].r, bufs[t].len * sizeof(weights_rec));
		*nm += bufs[t].len;
		free(bufs[t].r);
	}
	if (m != NULL && weights_int_sort_owned(&m, *nm) != 0)
	{
		free(m);
		m = NULL;
	}
	return m;
}

/*
 * Queen or rook contiguity of the areas of p (see the header).  Areas are rows
 * in p's order; empty areas and non-finite vertices simply have no matches.
 * Returns NULL with err set on bad input or allocation failure.
 */
weights *
weights_contiguity(const geo_polys *p, const weights_spec *spec, char *err, size_t errlen)
{
	size_t		nv = 0,
				nruns = 0,
				nm = 0,
				np;
	weights_rec	   *v,
			   *m;
	uint32_t   *rs;
	int			bits_y = 0;
	weights    *w;
	wt_ctx		c;

	if (p == NULL || spec == NULL ||
		(spec->kind != WEIGHTS_QUEEN && spec->kind != WEIGHTS_ROOK))
	{
		weights_int_err(err, errlen, "contiguity needs polygons and a queen or rook spec");
		return NULL;
	}
	if (!(spec->snap >= 0) || !isfinite(spec->snap))
	{
		weights_int_err(err, errlen, "invalid snap tolerance: %g", spec->snap);
		return NULL;
	}
	if (p->n > UINT32_MAX - 1 || p->npts >= UINT32_MAX)
	{
		weights_int_err(err, errlen, "layer too large for weights: %zu areas, %zu points", p->n, p->npts);
		return NULL;
	}
	v = wt_vertices(p, spec->snap, &nv, &bits_y, err, errlen);
	if (v == NULL)
		return NULL;

	/* runs of equal keys */
	for (size_t i = 0; i < nv; i++)
		nruns += i == 0 || v[i].key != v[i - 1].key;
	rs = malloc((nruns + 1) * sizeof(uint32_t));
	if (rs == NULL)
	{
		free(v);
		weights_int_err(err, errlen, "out of memory for contiguity (%zu vertices)", nv);
		return NULL;
	}
	nruns = 0;
	for (size_t i = 0; i < nv; i++)
		if (i == 0 || v[i].key != v[i - 1].key)
			rs[nruns++] = (uint32_t) i;
	rs[nruns] = (uint32_t) nv;

	c.p = p;
	c.v = v;
	c.rs = rs;
	c.nruns = nruns;
	c.tol2 = spec->snap * spec->snap;
	c.exact = spec->snap == 0;
	c.rook = spec->kind == WEIGHTS_ROOK;
	c.col = (uint64_t) 1 << bits_y;
	m = wt_matches(&c, &nm);
	free(rs);
	free(v);
	np = m ? wt_reduce_matches(p, m, nm, c.rook) : SIZE_MAX;
	if (np == SIZE_MAX)
	{
		free(m);
		weights_int_err(err, errlen, "out of memory matching %zu vertices", nv);
		return NULL;
	}
	w = weights_int_from_pairs(p->n, m, np, err, errlen);
	free(m);
	return w;
}
