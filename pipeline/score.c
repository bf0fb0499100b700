/*
 * pipeline/score.c — the score stage: runs the statistics of score_stats.c and
 * score_perm.c in order over the areas and adds what planners read: hotspot bins, LISA
 * labels, trend against the previous run, expected cases, priority, rank and reasons.
 *
 * Rules and their reasons are written up in docs/methodology.md ("Statistics").
 */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "score.h"
#include "util.h"

void
score_options_default(score_options *o)
{
	memset(o, 0, sizeof(*o));
	o->variable = SCORE_VAR_EB;
	o->permutations = 999;
	o->gi_permutations = 0;
	o->seed = UINT64_C(20240101);
	o->fdr_q = 0.0;
	o->lisa_alpha = 0.05;
	o->w_bin = 0.5;
	o->w_lisa = 0.5;
	o->w_trend = 0.25;
	o->trend_dz = 0.5;
}

const char *
score_quad_name(int quad)
{
	static const char *const names[] = {"", "HH", "LH", "LL", "HL"};

	return quad >= 1 && quad <= 4 ? names[quad] : "";
}

const char *
score_trend_name(int trend)
{
	switch (trend)
	{
		case TREND_NEW:
			return "new";
		case TREND_INTENSIFYING:
			return "intensifying";
		case TREND_PERSISTENT:
			return "persistent";
		case TREND_DIMINISHING:
			return "diminishing";
		default:
			return "";
	}
}

void
score_result_free(score_result *r)
{
	if (r == NULL)
		return;
	if (r->reasons)
		for (size_t i = 0; i < r->n; i++)
			free(r->reasons[i]);
	free(r->reasons);
	free(r->rate);
	free(r->eb_rate);
	free(r->seb_rate);
	free(r->x);
	free(r->gi_z);
	free(r->gi_p);
	free(r->gi_psim);
	free(r->gi_bin);
	free(r->lisa_i);
	free(r->lisa_p);
	free(r->lisa_quad);
	free(r->d_rate);
	free(r->d_z);
	free(r->trend);
	free(r->expected);
	free(r->priority);
	free(r->rank);
	free(r->island);
	memset(r, 0, sizeof(*r));
}

/* Structural check of the CSR rows against n: what the statistics index with. */
static int
check_weights(const weights *w, size_t n, char *err, size_t errlen)
{
	if (w == NULL || w->off == NULL || (w->n != n))
	{
		snprintf(err, errlen, "score: weights missing or not for %zu areas", n);
		return -1;
	}
	if (w->off[0] != 0)
	{
		snprintf(err, errlen, "score: weights offsets do not start at 0");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
	{
		if (w->off[i + 1] < w->off[i])
		{
			snprintf(err, errlen, "score: weights offsets decrease at row %zu", i);
			return -1;
		}
		for (size_t j = w->off[i]; j < w->off[i + 1]; j++)
			if (w->nbr[j] >= n || w->nbr[j] == i ||
				(j > w->off[i] && w->nbr[j] <= w->nbr[j - 1]))
			{
				snprintf(err, errlen,
						 "score: weights row %zu has a bad link (self, out of range or unsorted)",
						 i);
				return -1;
			}
	}
	return 0;
}

static int
check_input(const score_input *in, const score_options *o, char *err, size_t errlen)
{
	if (in == NULL || o == NULL || in->count == NULL)
	{
		snprintf(err, errlen, "score: no input");
		return -1;
	}
	if (in->n == 0)
	{
		snprintf(err, errlen, "score: no areas");
		return -1;
	}
	if (in->n > (size_t) INT_MAX)
	{
		snprintf(err, errlen, "score: too many areas (%zu)", in->n);
		return -1;
	}
	if (o->permutations < 0 || !(o->fdr_q >= 0.0 && o->fdr_q < 1.0) ||
		!(o->lisa_alpha > 0.0 && o->lisa_alpha <= 1.0) || !(o->trend_dz >= 0.0))
	{
		snprintf(err, errlen,
				 "score: options out of range (permutations >= 0, 0 <= fdr_q < 1, 0 < lisa_alpha <= 1, trend_dz >= 0)");
		return -1;
	}
	for (size_t i = 0; i < in->n; i++)
	{
		if (!isfinite(in->count[i]))
		{
			snprintf(err, errlen, "score: value of area %zu is not a finite number", i);
			return -1;
		}
		if (in->pop != NULL && in->count[i] < 0.0)
		{
			snprintf(err, errlen, "score: negative count in area %zu", i);
			return -1;
		}
	}
	return check_weights(in->w, in->n, err, errlen);
}

/*
 * Allocate every result array, zeroed.  n * element size is checked once for the widest
 * element (8 bytes) so no array size can wrap.
 */
static int
alloc_result(score_result *r, size_t n)
{
	memset(r, 0, sizeof(*r));
	r->n = n;
	if (n > SIZE_MAX / sizeof(double))
		return -1;
#define ALLOC(f) do { if ((r->f = calloc(n, sizeof(*r->f))) == NULL) return -1; } while (0)
	ALLOC(rate);
	ALLOC(eb_rate);
	ALLOC(seb_rate);
	ALLOC(x);
	ALLOC(gi_z);
	ALLOC(gi_p);
	ALLOC(gi_psim);
	ALLOC(gi_bin);
	ALLOC(lisa_i);
	ALLOC(lisa_p);
	ALLOC(lisa_quad);
	ALLOC(d_rate);
	ALLOC(d_z);
	ALLOC(trend);
	ALLOC(expected);
	ALLOC(priority);
	ALLOC(rank);
	ALLOC(reasons);
	ALLOC(island);
#undef ALLOC
	return 0;
}

/*
 * Trend of one area.  Only hotspots (bin >= 1) count.  new: hot now, not before;
 * intensifying / diminishing: hot both times and z moved by at least dz up / down (by the
 * bin when a z is missing); persistent: hot both times otherwise; diminishing also: hot
 * before, not now.  No previous run (prev_bin and prev_z NULL): none.
 */
static int
trend_of(const score_input *in, size_t i, int bin, double z, double dz_min)
{
	int			prev_bin,
				hot = bin >= 1,
				was;
	double		dz;

	if (in->prev_bin != NULL)
		prev_bin = in->prev_bin[i];
	else if (in->prev_z != NULL)
		prev_bin = score_bin(in->prev_z[i], erfc(fabs(in->prev_z[i]) / sqrt(2.0)));
	else
		return TREND_NONE;
	was = prev_bin >= 1;
	if (hot && !was)
		return TREND_NEW;
	if (!hot)
		return was ? TREND_DIMINISHING : TREND_NONE;
	dz = in->prev_z != NULL ? z - in->prev_z[i] : NAN;
	if (isfinite(dz))
	{
		if (dz >= dz_min)
			return TREND_INTENSIFYING;
		if (dz <= -dz_min)
			return TREND_DIMINISHING;
		return TREND_PERSISTENT;
	}
	if (bin > prev_bin)
		return TREND_INTENSIFYING;
	if (bin < prev_bin)
		return TREND_DIMINISHING;
	return TREND_PERSISTENT;
}

/* snprintf at buf + len, returning the new length, clamped so it never passes the end. */
static size_t
append(char *buf, size_t size, size_t len, const char *fmt,...)
{
	va_list		ap;
	int			k;

	if (len + 1 >= size)
		return len;
	va_start(ap, fmt);
	k = vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
	if (k < 0)
		return len;
	return (size_t) k >= size - len ? size - 1 : len + (size_t) k;
}

/* The reasons text of area i, malloc'ed; NULL when memory runs out. */
static char *
reasons_of(const score_result *r, size_t i, int no_pop, int flat)
{
	static const char *const conf[] = {"", "90", "95", "99"};
	static const char *const quad[] = {"", "HH cluster", "LH outlier", "LL cluster", "HL outlier"};
	char		buf[160];
	size_t		len = 0;
	int			b = r->gi_bin[i];

#define ADD(...) do { \
	if (len) \
		len = append(buf, sizeof(buf), len, "%s", ", "); \
	len = append(buf, sizeof(buf), len, __VA_ARGS__); \
} while (0)

	buf[0] = '\0';
	if (no_pop)
		ADD("no households");
	if (r->island[i])
		ADD("no neighbours");
	else if (flat)
		ADD("no variation");
	if (b != 0)
		ADD("%s %% %s", conf[abs(b)], b > 0 ? "hotspot" : "coldspot");
	if (r->lisa_quad[i] != 0)
		ADD("%s", quad[r->lisa_quad[i]]);
	switch (r->trend[i])
	{
		case TREND_NEW:
			ADD("new");
			break;
		case TREND_INTENSIFYING:
			ADD("rising");
			break;
		case TREND_PERSISTENT:
			ADD("persistent");
			break;
		case TREND_DIMINISHING:
			ADD("%s", b >= 1 ? "falling" : "no longer a hotspot");
			break;
		default:
			break;
	}
	if (len == 0)
		ADD("not significant");
#undef ADD
	return strdup(buf);
}

typedef struct rank_item
{
	double		p;
	size_t		i;
} rank_item;

/* Descending priority, NaN last, ties by lower index: a total order, so qsort is stable. */
static int
cmp_rank(const void *a, const void *b)
{
	const rank_item *x = a,
			   *y = b;
	int			xn = isnan(x->p),
				yn = isnan(y->p);

	if (xn != yn)
		return xn - yn;
	if (!xn && x->p != y->p)
		return x->p > y->p ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

static int
rank_areas(score_result *r)
{
	rank_item  *it;

	if (r->n > SIZE_MAX / sizeof(rank_item))
		return -1;
	it = malloc(r->n * sizeof(rank_item));
	if (it == NULL)
		return -1;
	for (size_t i = 0; i < r->n; i++)
	{
		it[i].p = r->priority[i];
		it[i].i = i;
	}
	qsort(it, r->n, sizeof(rank_item), cmp_rank);
	for (size_t k = 0; k < r->n; k++)
		r->rank[it[k].i] = (int) (k + 1);
	free(it);
	return 0;
}

/* The analysed variable; areas without households take the global mean rate (neutral). */
static void
choose_x(const score_input *in, const score_options *o, score_result *r)
{
	for (size_t i = 0; i < in->n; i++)
	{
		double		v;

		if (in->pop == NULL)
		{
			r->x[i] = in->count[i];
			continue;
		}
		switch (o->variable)
		{
			case SCORE_VAR_SPATIAL_EB:
				v = r->seb_rate[i];
				break;
			case SCORE_VAR_RATE:
				v = r->rate[i];
				break;
			case SCORE_VAR_COUNT:
				v = in->count[i];
				break;
			default:
				v = r->eb_rate[i];
				break;
		}
		r->x[i] = isnan(v) ? r->eb_m : v;
	}
}

/*
 * Everything, in order: rates, EB, analysed variable, Gi* and bins (FDR when fdr_q > 0),
 * optional Gi* permutations, Local Moran with permutations, trend, expected, priority, rank,
 * reasons.  On error r is freed (safe to score_result_free again) and err says why.
 */
int
score_compute(const score_input *in, const score_options *o, score_result *r,
			  char *err, size_t errlen)
{
	size_t		n;
	double		mean,
				s2,
				t_perm;
	int			flat;

	if (r == NULL)
	{
		snprintf(err, errlen, "score: no result struct");
		return -1;
	}
	memset(r, 0, sizeof(*r));
	if (check_input(in, o, err, errlen) != 0)
		return -1;
	n = in->n;
	if (alloc_result(r, n) != 0)
		goto oom;

	score_rates(n, in->count, in->pop, r->rate);
	if (in->pop != NULL)
	{
		if (score_eb_global(n, in->count, in->pop, r->eb_rate, &r->eb_m, &r->eb_a) != 0)
		{
			score_result_free(r);
			snprintf(err, errlen, "score: no area has households");
			return -1;
		}
		if (score_eb_spatial_ex(n, in->count, in->pop, in->w, o->seb_geoda, r->seb_rate) != 0)
			goto oom;
	}
	else
	{
		memcpy(r->eb_rate, in->count, n * sizeof(double));
		memcpy(r->seb_rate, in->count, n * sizeof(double));
		r->eb_m = r->eb_a = NAN;
	}
	choose_x(in, o, r);
	flat = score_mean_var(n, r->x, &mean, &s2);

	score_gi_star(n, r->x, in->w, r->gi_z, r->gi_p);
	if (o->fdr_q > 0.0)
	{
		if (score_bins_fdr(n, r->gi_z, r->gi_p, o->fdr_q, r->gi_bin) != 0)
			goto oom;
	}
	else
		for (size_t i = 0; i < n; i++)
			r->gi_bin[i] = score_bin(r->gi_z[i], r->gi_p[i]);
	t_perm = util_now();
	if (o->gi_permutations && o->permutations > 0)
	{
		if (score_gi_perm(n, r->x, in->w, o->permutations, o->seed, r->gi_psim) != 0)
			goto oom;
	}
	else
		for (size_t i = 0; i < n; i++)
			r->gi_psim[i] = NAN;

	score_local_moran(n, r->x, in->w, r->lisa_i, r->lisa_quad);
	if (score_lisa_perm(n, r->x, in->w, o->permutations, o->seed, r->lisa_p) != 0)
		goto oom;
	r->perm_seconds = util_now() - t_perm;
	for (size_t i = 0; i < n; i++)
		if (!(r->lisa_p[i] <= o->lisa_alpha))	/* NaN (no permutations) labels nothing */
			r->lisa_quad[i] = 0;

	for (size_t i = 0; i < n; i++)
	{
		int			hh,
					rising;
		double		pop = in->pop ? in->pop[i] : NAN;

		r->island[i] = in->w->off[i + 1] == in->w->off[i];
		r->d_rate[i] = in->prev_rate ? r->rate[i] - in->prev_rate[i] : NAN;
		r->d_z[i] = in->prev_z ? r->gi_z[i] - in->prev_z[i] : NAN;
		r->trend[i] = trend_of(in, i, r->gi_bin[i], r->gi_z[i], o->trend_dz);
		if (in->pop == NULL)
			r->expected[i] = in->count[i];
		else
			r->expected[i] = isfinite(pop) && pop > 0.0 ? pop * r->eb_rate[i] / 1000.0 : 0.0;
		hh = r->lisa_quad[i] == 1;
		rising = r->trend[i] == TREND_NEW || r->trend[i] == TREND_INTENSIFYING;
		r->priority[i] = r->expected[i] *
			(1.0 + o->w_bin * (r->gi_bin[i] > 0 ? r->gi_bin[i] : 0) +
			 o->w_lisa * hh + o->w_trend * rising);
	}
	if (rank_areas(r) != 0)
		goto oom;
	for (size_t i = 0; i < n; i++)
	{
		int			no_pop = in->pop != NULL && !(isfinite(in->pop[i]) && in->pop[i] > 0.0);

		r->reasons[i] = reasons_of(r, i, no_pop, flat);
		if (r->reasons[i] == NULL)
			goto oom;
	}
	return 0;

oom:
	score_result_free(r);
	snprintf(err, errlen, "score: out of memory for %zu areas", in->n);
	return -1;
}
