/*
 * geo/weights_io.c — allocation, the spec parser, summaries, and the GAL/GWT writers.
 *
 * Contiguity lives in weights.c, point-based weights (kNN, band, islands) in
 * weights_points.c.
 *
 * GAL and GWT follow the GeoDa header form that spdep (read.gal, read.gwt2nb) and
 * PySAL read: "0 <n> <layer> <id field>", single-space separated.  GAL then has,
 * per area, "<id> <count>" and a line with the neighbour ids (empty for an
 * island); GWT has one "<id_i> <id_j> <distance>" line per link.
 */
#include "weights.h"
#include "weights_internal.h"

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
void
weights_int_err(char *err, size_t errlen, const char *fmt,...)
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

int
weights_int_cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *) a,
				y = *(const uint64_t *) b;

	return x < y ? -1 : (x > y);
}

/* Sort a row of neighbour indices ascending (rows are short: insertion sort). */
void
weights_int_sort_row(uint32_t *r, size_t len)
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
		weights_int_err(err, errlen, "too many areas for weights: %zu", n);
		return NULL;
	}
	if (cap > SIZE_MAX / sizeof(double))
	{
		weights_int_err(err, errlen, "too many weight links: %zu", m);
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL || (w->off = calloc(n + 1, sizeof(size_t))) == NULL ||
		(w->nbr = malloc(cap * sizeof(uint32_t))) == NULL ||
		(w->w = malloc(cap * sizeof(double))) == NULL)
	{
		weights_free(w);
		weights_int_err(err, errlen, "out of memory for weights (%zu areas, %zu links)", n, m);
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
		weights_int_err(err, errlen, "missing weights spec");
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
			weights_int_err(err, errlen, "invalid weights spec \"%s\": k must be an integer from 1 to 100000", s);
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
			weights_int_err(err, errlen, "invalid weights spec \"%s\": band must be a positive distance in metres", s);
			return -1;
		}
		out.kind = WEIGHTS_BAND;
	}
	else
	{
		weights_int_err(err, errlen, "unknown weights spec \"%s\" (expected queen, rook, knn:K, band or band:METRES)", s);
		return -1;
	}
	*spec = out;
	return 0;
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
			weights_int_err(err, errlen, "area id of row %zu is empty or contains white space", i);
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
		weights_int_err(err, errlen, "could not write \"%s\": %s", path, strerror(errno ? errno : EIO));
		unlink(path);
		return -1;
	}
	return 0;
}

/* Check the arguments, open path and write the GeoDa header line shared by GAL and GWT;
 * what ("gal", "gwt") names the format in errors.  NULL with err. */
static FILE *
wio_open(const weights *w, const char *const *ids, const char *path, const char *what,
		 char *err, size_t errlen)
{
	FILE	   *f;

	if (w == NULL || path == NULL || w->n == 0)
	{
		weights_int_err(err, errlen, "%s: nothing to write (no weights, rows or path)", what);
		return NULL;
	}
	if (wio_check_ids(ids, w->n, err, errlen) != 0)
		return NULL;
	f = fopen(path, "w");
	if (f == NULL)
	{
		weights_int_err(err, errlen, "could not open \"%s\": %s", path, strerror(errno));
		return NULL;
	}
	errno = 0;
	fprintf(f, "0 %zu %s %s\n", w->n, WIO_LAYER, WIO_IDFIELD);
	return f;
}

/* GAL: header, then per row "<id> <count>" and the neighbour ids. ids NULL = 1..n. */
int
weights_write_gal(const weights *w, const char *const *ids, const char *path,
				  char *err, size_t errlen)
{
	FILE	   *f = wio_open(w, ids, path, "gal", err, errlen);

	if (f == NULL)
		return -1;
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
	FILE	   *f = wio_open(w, ids, path, "gwt", err, errlen);

	if (f == NULL)
		return -1;
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
