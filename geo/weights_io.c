/*
 * geo/weights_io.c — point-based weights (kNN, distance band, island fallback),
 * the spec parser, summaries, and the GAL/GWT text writers.
 *
 * Contiguity lives in weights.c; everything here works on representative points
 * through the kd-tree or on finished CSR structs.  Rows are filled per point in
 * parallel into fixed slots, so results are identical for any thread count.
 *
 * GAL and GWT follow the GeoDa header form that spdep (read.gal, read.gwt2nb) and
 * PySAL read: "0 <n> <layer> <id field>", single-space separated.  GAL then has,
 * per area, "<id> <count>" and a line with the neighbour ids (empty for an
 * island); GWT has one "<id_i> <id_j> <distance>" line per link.
 */
#include "weights.h"
#include "kdtree.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WIO_LAYER "vsp"			/* layer and id-field tokens of the GeoDa header */
#define WIO_IDFIELD "area_id"

/* Write a one-line message into the caller's buffer (if any). */
static void
wio_err(char *err, size_t errlen, const char *fmt,...)
{
	va_list		ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* qsort orders for unsigned integers. */
static int
wio_cmp_u32(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *) a,
				y = *(const uint32_t *) b;

	return x < y ? -1 : (x > y);
}

static int
wio_cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *) a,
				y = *(const uint64_t *) b;

	return x < y ? -1 : (x > y);
}

/* Sort a row of neighbour indices ascending (rows are short: insertion sort). */
static void
wio_sort_row(uint32_t *r, size_t len)
{
	if (len > 32)
	{
		qsort(r, len, sizeof(uint32_t), wio_cmp_u32);
		return;
	}
	for (size_t i = 1; i < len; i++)
	{
		uint32_t	v = r[i];
		size_t		j = i;

		for (; j > 0 && r[j - 1] > v; j--)
			r[j] = r[j - 1];
		r[j] = v;
	}
}

/* See weights.h: n rows, room for m links, off zeroed, w[] = 1.0. */
weights *
weights_alloc(size_t n, size_t m, char *err, size_t errlen)
{
	weights    *w;
	size_t		cap = m ? m : 1;

	if (n > UINT32_MAX - 1)
	{
		wio_err(err, errlen, "too many areas for weights: %zu", n);
		return NULL;
	}
	if (cap > SIZE_MAX / sizeof(double))
	{
		wio_err(err, errlen, "too many weight links: %zu", m);
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL || (w->off = calloc(n + 1, sizeof(size_t))) == NULL ||
		(w->nbr = malloc(cap * sizeof(uint32_t))) == NULL ||
		(w->w = malloc(cap * sizeof(double))) == NULL)
	{
		weights_free(w);
		wio_err(err, errlen, "out of memory for weights (%zu areas, %zu links)", n, m);
		return NULL;
	}
	w->n = n;
	for (size_t i = 0; i < m; i++)
		w->w[i] = 1.0;
	return w;
}

/* Free a weights struct. NULL is a no-op. */
void
weights_free(weights *w)
{
	if (w == NULL)
		return;
	free(w->off);
	free(w->nbr);
	free(w->w);
	free(w);
}

/*
 * Parse "queen", "rook", "knn:K", "band:METRES" or "band" (automatic band).  On
 * success *spec is set whole: kind, k or band, and snap = island_knn = 0 for the
 * caller to override (callers declare the spec uninitialised).  -1 with a message
 * naming the bad value, *spec untouched.
 */
int
weights_parse_spec(const char *s, weights_spec *spec, char *err, size_t errlen)
{
	weights_spec out = {WEIGHTS_QUEEN, 0, 0, 0, 0};
	char	   *end;

	if (s == NULL || spec == NULL)
	{
		wio_err(err, errlen, "missing weights spec");
		return -1;
	}
	if (strcmp(s, "queen") == 0 || strcmp(s, "rook") == 0)
		out.kind = s[0] == 'q' ? WEIGHTS_QUEEN : WEIGHTS_ROOK;
	else if (strcmp(s, "band") == 0)
		out.kind = WEIGHTS_BAND;
	else if (strncmp(s, "knn:", 4) == 0)
	{
		long		k;

		errno = 0;
		k = strtol(s + 4, &end, 10);
		if (!isdigit((unsigned char) s[4]) || *end != '\0' || errno != 0 || k < 1 || k > 100000)
		{
			wio_err(err, errlen, "invalid weights spec \"%s\": k must be an integer from 1 to 100000", s);
			return -1;
		}
		out.kind = WEIGHTS_KNN;
		out.k = (int) k;
	}
	else if (strncmp(s, "band:", 5) == 0)
	{
		errno = 0;
		out.band = strtod(s + 5, &end);
		if (end == s + 5 || *end != '\0' || errno != 0 || !isfinite(out.band) || out.band <= 0)
		{
			wio_err(err, errlen, "invalid weights spec \"%s\": band must be a positive distance in metres", s);
			return -1;
		}
		out.kind = WEIGHTS_BAND;
	}
	else
	{
		wio_err(err, errlen, "unknown weights spec \"%s\" (expected queen, rook, knn:K, band or band:METRES)", s);
		return -1;
	}
	*spec = out;
	return 0;
}

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
		wio_err(err, errlen, "knn: k = %d must be at least 1 and less than the number of areas (%zu)", k, n);
		return NULL;
	}
	if (x == NULL || y == NULL || n > SIZE_MAX / kk)
	{
		wio_err(err, errlen, "knn: no points or too many links (%zu x %d)", n, k);
		return NULL;
	}
	w = weights_alloc(n, n * kk, err, errlen);
	if (w == NULL)
		return NULL;
	t = kdtree_build(x, y, n);
	if (t == NULL)
	{
		weights_free(w);
		wio_err(err, errlen, "knn: out of memory building the kd-tree of %zu points", n);
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
			wio_sort_row(w->nbr + i * kk, w->off[i + 1]);
		}
		free(d2);
	}
	kdtree_free(t);
	if (failed)
	{
		weights_free(w);
		wio_err(err, errlen, "knn: out of memory");
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
		wio_err(err, errlen, "band: invalid band %g or points", band);
		return NULL;
	}
	t = kdtree_build(x, y, n);
	cnt = calloc(n + 1, sizeof(size_t));
	if (t == NULL || cnt == NULL)
	{
		kdtree_free(t);
		free(cnt);
		wio_err(err, errlen, "band: out of memory for %zu points", n);
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
			wio_err(err, errlen, "band: %g m gives too many links", r);
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
		wio_sort_row(c.out, c.count);
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
		wio_err(err, errlen, "island fallback needs weights, points and k >= 1 (k = %d)", k);
		return NULL;
	}
	n = w->n;
	for (size_t i = 0; i < n; i++)
		nisl += w->off[i] == w->off[i + 1];
	if (nisl > SIZE_MAX / 2 / (size_t) k)
	{
		wio_err(err, errlen, "island fallback: too many links");
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
	qsort(ex, nex, sizeof(uint64_t), wio_cmp_u64);
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
	wio_err(err, errlen, "island fallback: out of memory for %zu areas", n);
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
		wio_err(err, errlen, "weights: no areas or no spec");
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
			wio_err(err, errlen, "weights: unknown kind %d", (int) spec->kind);
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

/* Union-find root with path halving. */
static uint32_t
wio_root(uint32_t *par, uint32_t i)
{
	while (par[i] != i)
	{
		par[i] = par[par[i]];
		i = par[i];
	}
	return i;
}

/*
 * Counts, neighbour statistics, islands and connected components (links taken as
 * undirected).  components is 0 if memory for the union-find ran out.
 */
void
weights_summarise(const weights *w, weights_summary *s)
{
	uint32_t   *par;

	memset(s, 0, sizeof(*s));
	if (w == NULL || w->n == 0)
		return;
	s->n = w->n;
	s->links = w->off[w->n];
	s->min_nb = SIZE_MAX;
	for (size_t i = 0; i < w->n; i++)
	{
		size_t		c = w->off[i + 1] - w->off[i];

		s->min_nb = c < s->min_nb ? c : s->min_nb;
		s->max_nb = c > s->max_nb ? c : s->max_nb;
		s->islands += c == 0;
	}
	s->mean_nb = (double) s->links / (double) w->n;
	par = malloc(w->n * sizeof(uint32_t));
	if (par == NULL)
		return;
	for (size_t i = 0; i < w->n; i++)
		par[i] = (uint32_t) i;
	for (size_t i = 0; i < w->n; i++)
	{
		for (size_t a = w->off[i]; a < w->off[i + 1]; a++)
		{
			uint32_t	ri = wio_root(par, (uint32_t) i),
						rj = wio_root(par, w->nbr[a]);

			if (ri != rj)
				par[ri > rj ? ri : rj] = ri < rj ? ri : rj;
		}
	}
	for (size_t i = 0; i < w->n; i++)
		s->components += par[i] == i;
	free(par);
}

/* Check the ids can be written as single tokens; 0 or -1 with err set. */
static int
wio_check_ids(const char *const *ids, size_t n, char *err, size_t errlen)
{
	if (ids == NULL)
		return 0;
	for (size_t i = 0; i < n; i++)
	{
		if (ids[i] == NULL || ids[i][0] == '\0' || strpbrk(ids[i], " \t\r\n") != NULL)
		{
			wio_err(err, errlen, "area id of row %zu is empty or contains white space", i);
			return -1;
		}
	}
	return 0;
}

/* Write the id of row i (1-based row numbers when ids is NULL). */
static void
wio_put_id(FILE *f, const char *const *ids, size_t i)
{
	if (ids)
		fputs(ids[i], f);
	else
		fprintf(f, "%zu", i + 1);
}

/* Finish a written file: report any write error and remove the partial file. */
static int
wio_close(FILE *f, const char *path, char *err, size_t errlen)
{
	int			bad = ferror(f);

	if (fclose(f) != 0 || bad)
	{
		wio_err(err, errlen, "could not write \"%s\": %s", path, strerror(errno ? errno : EIO));
		unlink(path);
		return -1;
	}
	return 0;
}

/* GAL: header, then per row "<id> <count>" and the neighbour ids. ids NULL = 1..n. */
int
weights_write_gal(const weights *w, const char *const *ids, const char *path,
				  char *err, size_t errlen)
{
	FILE	   *f;

	if (w == NULL || path == NULL || w->n == 0)
	{
		wio_err(err, errlen, "gal: nothing to write (no weights, rows or path)");
		return -1;
	}
	if (wio_check_ids(ids, w->n, err, errlen) != 0)
		return -1;
	f = fopen(path, "w");
	if (f == NULL)
	{
		wio_err(err, errlen, "could not open \"%s\": %s", path, strerror(errno));
		return -1;
	}
	errno = 0;
	fprintf(f, "0 %zu %s %s\n", w->n, WIO_LAYER, WIO_IDFIELD);
	for (size_t i = 0; i < w->n; i++)
	{
		wio_put_id(f, ids, i);
		fprintf(f, " %zu\n", w->off[i + 1] - w->off[i]);
		for (size_t a = w->off[i]; a < w->off[i + 1]; a++)
		{
			if (a > w->off[i])
				fputc(' ', f);
			wio_put_id(f, ids, w->nbr[a]);
		}
		fputc('\n', f);
	}
	return wio_close(f, path, err, errlen);
}

/* GWT: header, then "<id_i> <id_j> <value>" per link; value is the distance between
 * the points when x and y are given, else the stored weight. ids NULL = 1..n. */
int
weights_write_gwt(const weights *w, const char *const *ids, const double *x,
				  const double *y, const char *path, char *err, size_t errlen)
{
	FILE	   *f;

	if (w == NULL || path == NULL || w->n == 0)
	{
		wio_err(err, errlen, "gwt: nothing to write (no weights, rows or path)");
		return -1;
	}
	if (wio_check_ids(ids, w->n, err, errlen) != 0)
		return -1;
	f = fopen(path, "w");
	if (f == NULL)
	{
		wio_err(err, errlen, "could not open \"%s\": %s", path, strerror(errno));
		return -1;
	}
	errno = 0;
	fprintf(f, "0 %zu %s %s\n", w->n, WIO_LAYER, WIO_IDFIELD);
	for (size_t i = 0; i < w->n; i++)
	{
		for (size_t a = w->off[i]; a < w->off[i + 1]; a++)
		{
			uint32_t	j = w->nbr[a];
			double		v = (x && y) ? hypot(x[i] - x[j], y[i] - y[j]) : w->w[a];

			wio_put_id(f, ids, i);
			fputc(' ', f);
			wio_put_id(f, ids, j);
			fprintf(f, " %.12g\n", v);
		}
	}
	return wio_close(f, path, err, errlen);
}
