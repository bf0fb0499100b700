/*
 * pipeline/score.h — hotspot statistics per area: rates, empirical Bayes, Gi*, Local Moran,
 * Benjamini–Hochberg FDR, hotspot bins, trend against an earlier run, priority rank.
 *
 * Formulas (docs/methodology.md) follow R spdep localG(include.self), localmoran, EBest,
 * EBlocal and PySAL esda G_Local(star=True, transform='B'), Moran_Local.
 *
 * score_compute() reads score_input (caller-owned) and fills a score_result that the caller
 * frees with score_result_free().  Values that cannot be computed (islands, zero variance,
 * zero population) are NaN in the result arrays and flagged; writers turn NaN into empty
 * fields, never the text "nan".
 */
#ifndef VSP_SCORE_H
#define VSP_SCORE_H

#include <stddef.h>
#include <stdint.h>
#include "../geo/weights.h"

typedef enum score_variable
{
	SCORE_VAR_EB,				/* global EB rate (default) */
	SCORE_VAR_SPATIAL_EB,
	SCORE_VAR_RATE,				/* raw rate per 1,000 */
	SCORE_VAR_COUNT				/* households with a signal */
} score_variable;

typedef enum score_smooth
{
	SCORE_SMOOTH_NONE,
	SCORE_SMOOTH_EB,
	SCORE_SMOOTH_SPATIAL_EB
} score_smooth;

typedef enum score_trend
{
	TREND_NONE = 0,
	TREND_NEW,
	TREND_INTENSIFYING,
	TREND_PERSISTENT,
	TREND_DIMINISHING
} score_trend;

typedef struct score_options
{
	score_variable variable;
	int			permutations;	/* Local Moran (and optional Gi*) permutations; 0 = none */
	int			gi_permutations;	/* nonzero: also permutation pseudo-p for Gi* */
	uint64_t	seed;
	double		fdr_q;			/* > 0: apply Benjamini–Hochberg to the bins */
	double		lisa_alpha;		/* significance for LISA quadrant label (default 0.05) */
	/* priority: score = expected * (1 + w_bin*max(bin,0) + w_lisa*[HH] + w_trend*[new|intens.]) */
	double		w_bin, w_lisa, w_trend;
	int			seb_geoda;		/* spatial EB variance as spdep EBlocal(geoda = TRUE) (0) */
	double		trend_dz;		/* |change in Gi* z| that counts as intensifying/diminishing (0.5) */
} score_options;

typedef struct score_input
{
	size_t		n;
	const double *pop;			/* households per area (NaN or <= 0: no population) */
	const double *count;		/* households with a signal; or the value itself if pop == NULL */
	const weights *w;			/* binary contiguity/kNN/band weights, n rows */
	/* optional previous run, aligned to the same areas (NULL when there is none) */
	const double *prev_rate;	/* NaN where the area was absent */
	const double *prev_z;
	const int  *prev_bin;		/* 0 where the area was absent */
} score_input;

typedef struct score_result
{
	size_t		n;
	double	   *rate;			/* per 1,000 households (or the value when pop == NULL) */
	double	   *eb_rate;		/* global EB, per 1,000 */
	double	   *seb_rate;		/* spatial EB, per 1,000 */
	double	   *x;				/* the analysed variable */
	double	   *gi_z, *gi_p;	/* NaN for islands */
	double	   *gi_psim;		/* permutation pseudo-p for Gi*, NaN if not asked */
	int		   *gi_bin;			/* -3..3 after optional FDR */
	double	   *lisa_i, *lisa_p;	/* I and conditional-permutation pseudo-p */
	int		   *lisa_quad;		/* 0 none (not significant / island), 1 HH, 2 LH, 3 LL, 4 HL */
	double	   *d_rate, *d_z;	/* change against previous run (NaN when none) */
	int		   *trend;			/* score_trend */
	double	   *expected;		/* households * EB rate / 1000 */
	double	   *priority;		/* priority score */
	int		   *rank;			/* 1 = highest priority, ties by lower index */
	char	  **reasons;		/* per area, malloc'ed text such as "99 % hotspot, HH cluster, rising" */
	int		   *island;			/* 1 if the area has no neighbours */
	double		eb_m, eb_a;		/* global EB mean (per 1,000) and a ((per 1,000)^2); NaN if pop NULL */
	double		perm_seconds;	/* wall-clock seconds of the permutations (Gi* and Local Moran) */
} score_result;

void		score_options_default(score_options *o);

/* Individual steps, exported for tests and the `hotspots` command.
 * rates: rate_i = 1000*y_i/n_i. EB (Marshall 1991): see methodology.
 * Output arrays are caller-owned, n long.  Areas with pop NaN or <= 0 get NaN rates and are
 * left out of the EB sums.  score_eb_global: eb per 1,000 (spdep EBest * 1000), *m_out per
 * 1,000 and *a_out in (per 1,000)^2 when not NULL; -1 when pop is NULL or no area has
 * households.  score_eb_spatial: spdep EBlocal * 1000 (default variant); -1 when pop is
 * NULL or memory runs out. */
void		score_rates(size_t n, const double *y, const double *pop, double *rate);
int			score_eb_global(size_t n, const double *y, const double *pop, double *eb,
							double *m_out, double *a_out);
int			score_eb_spatial(size_t n, const double *y, const double *pop, const weights *w,
							 double *eb);
/* The same; geoda != 0 takes the local variance around the area's own local mean
 * (spdep EBlocal geoda = TRUE) instead of spdep's default (each member's local mean). */
int			score_eb_spatial_ex(size_t n, const double *y, const double *pop, const weights *w,
								int geoda, double *eb);
/* Mean and variance (divisor n, mean refined by a correction pass as R's mean()) of
 * x[0..n-1], n >= 1; returns 1 when all values are equal (zero variance), else 0. */
int			score_mean_var(size_t n, const double *x, double *mean, double *s2);
/* Gi* with self included, binary weights (w values ignored, self weight 1). NaN for islands. */
void		score_gi_star(size_t n, const double *x, const weights *w, double *z, double *p);
/* Local Moran I (spdep localmoran, unit weights row-standardised as spdep's style "W").
 * Scaling (n-1) z_i lag_i / sum z^2 as esda and spdep mlvar = FALSE (spdep's default
 * mlvar = TRUE is n/(n-1) times larger).  quad_raw (may be NULL): quadrant before any
 * significance test, z <= 0 and lag <= 0 counting as low; 0 and NaN I for islands and
 * constant x. */
void		score_local_moran(size_t n, const double *x, const weights *w, double *I, int *quad_raw);
/* Conditional permutation pseudo p-values ((M+1)/(P+1), folded, as esda); one xoshiro256++ per
 * area seeded from (seed, i), bit-identical for any thread count.  psim NaN for islands and
 * for all areas when x is constant or perms <= 0; 1 where z_i = 0 or the row links to every
 * other area.  Returns 0, or -1 when scratch memory runs out. */
int			score_lisa_perm(size_t n, const double *x, const weights *w, int perms, uint64_t seed,
							double *psim);
int			score_gi_perm(size_t n, const double *x, const weights *w, int perms, uint64_t seed,
						  double *psim);
/* Benjamini–Hochberg on p (NaN ignored): keep[i] = 1 if p[i] <= threshold at level q.
 * If memory runs out nothing is kept (keep all 0): the conservative failure. */
void		score_fdr_bh(size_t n, const double *p, double q, int *keep);
/* BH thresholds for nalpha levels at once (one sort): thr[a] = the largest p_(k) with
 * p_(k) <= k*alpha[a]/m over the m non-NaN p, or -1 when none qualifies (nothing survives).
 * Returns 0, or -1 when memory runs out. */
int			score_fdr_thresholds(size_t n, const double *p, const double *alpha, int nalpha,
								 double *thr);
/* ArcGIS-style bin: +-3 for p <= 0.01, +-2 for p <= 0.05, +-1 for p <= 0.10, sign of z;
 * 0 when z or p is NaN. */
int			score_bin(double z, double p);
/* Bins after FDR: bin[i] = score_bin demoted to the highest level L whose BH threshold at
 * alpha_L = (q/5, q, 2q) for L = (3, 2, 1) p[i] still meets, else 0.  0 or -1 (memory). */
int			score_bins_fdr(size_t n, const double *z, const double *p, double q, int *bin);

/* xoshiro256++ seeded through splitmix64 (both as published by Blackman & Vigna), and
 * Lemire's unbiased bounded integers.  Exported for tests and other samplers. */
typedef struct score_rng
{
	uint64_t	s[4];
} score_rng;
/* splitmix64: advance *state and return the next output. */
uint64_t	score_splitmix64(uint64_t *state);
/* State for stream `stream` (e.g. an area index) of `seed`: four consecutive splitmix64
 * outputs from position 4*stream of the sequence started at splitmix64(seed), so streams
 * never share a splitmix output. */
void		score_rng_seed(score_rng *g, uint64_t seed, uint64_t stream);
uint64_t	score_rng_next(score_rng *g);
/* Uniform integer in [0, range), range >= 1, without modulo bias. */
uint32_t	score_rng_below(score_rng *g, uint32_t range);

/* Everything, in order. Returns 0, or -1 with err set. */
int			score_compute(const score_input *in, const score_options *o, score_result *r,
						  char *err, size_t errlen);
void		score_result_free(score_result *r);
const char *score_quad_name(int quad);		/* "HH", "LH", "LL", "HL", "" */
const char *score_trend_name(int trend);	/* "new", "intensifying", ... , "" */

#endif
