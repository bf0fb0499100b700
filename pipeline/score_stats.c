/*
 * pipeline/score_stats.c — the per-area statistics of the score stage: raw rates,
 * global and spatial empirical Bayes, Getis-Ord Gi*, Local Moran's I, hotspot bins and
 * Benjamini–Hochberg FDR.
 *
 * The formulas and the references they are checked against (R spdep EBest, EBlocal,
 * localG with include.self, localmoran; PySAL esda) are in docs/methodology.md.  All
 * functions here are deterministic and allocation-free except the FDR ones, which sort a
 * copy of the p-values.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "score.h"

/* A population that can carry a rate: finite and positive. */
static int
pop_ok(double v)
{
	return isfinite(v) && v > 0.0;
}

/*
 * All-equal is tested directly rather than through s2 == 0, because rounding in the mean
 * can leave a tiny positive s2 for constant input.
 */
int
score_mean_var(size_t n, const double *x, double *mean, double *s2)
{
	double		sum = 0.0,
				corr = 0.0,
				ss = 0.0,
				m;
	int			constant = 1;
	size_t		i;

	for (i = 0; i < n; i++)
	{
		sum += x[i];
		if (x[i] != x[0])
			constant = 0;
	}
	m = sum / (double) n;
	for (i = 0; i < n; i++)
		corr += x[i] - m;
	m += corr / (double) n;
	for (i = 0; i < n; i++)
		ss += (x[i] - m) * (x[i] - m);
	*mean = m;
	*s2 = ss / (double) n;
	return constant;
}

/*
 * rate_i = 1000 * y_i / pop_i, NaN where pop_i is not positive or either value is not
 * finite.  With pop == NULL the value is copied: it is analysed as it is.
 */
void
score_rates(size_t n, const double *y, const double *pop, double *rate)
{
	for (size_t i = 0; i < n; i++)
	{
		if (pop == NULL)
			rate[i] = y[i];
		else if (pop_ok(pop[i]) && isfinite(y[i]))
			rate[i] = 1000.0 * y[i] / pop[i];
		else
			rate[i] = NAN;
	}
}

/*
 * Global empirical Bayes (Marshall 1991, as spdep EBest family "poisson"): over the N areas
 * with a population, m = sum y / sum pop, s2 = sum pop_i (r_i - m)^2 / sum pop,
 * a = max(0, s2 - m / nbar) with nbar = sum pop / N, EB_i = m + (r_i - m) a / (a + m / pop_i).
 * eb[] is per 1,000 (NaN for areas without a population); *m_out per 1,000 and *a_out in
 * (per 1,000)^2 when not NULL.  When a == 0 every area gets m (full shrinkage), also when
 * m == 0, where the formula itself would be 0/0.  Returns -1 when no area has a population.
 */
int
score_eb_global(size_t n, const double *y, const double *pop, double *eb,
				double *m_out, double *a_out)
{
	double		ysum = 0.0,
				nsum = 0.0,
				s2 = 0.0,
				m,
				a;
	size_t		valid = 0,
				i;

	if (pop == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (pop_ok(pop[i]) && isfinite(y[i]))
		{
			ysum += y[i];
			nsum += pop[i];
			valid++;
		}
	if (valid == 0 || !(nsum > 0.0))
		return -1;
	m = ysum / nsum;
	for (i = 0; i < n; i++)
		if (pop_ok(pop[i]) && isfinite(y[i]))
		{
			double		d = y[i] / pop[i] - m;

			s2 += pop[i] * (d * d / nsum);
		}
	a = s2 - m / (nsum / (double) valid);
	if (!(a > 0.0))
		a = 0.0;
	for (i = 0; i < n; i++)
	{
		if (pop_ok(pop[i]) && isfinite(y[i]))
		{
			double		r = y[i] / pop[i];
			double		shrink = a > 0.0 ? a / (a + m / pop[i]) : 0.0;

			eb[i] = 1000.0 * (m + (r - m) * shrink);
		}
		else
			eb[i] = NAN;
	}
	if (m_out)
		*m_out = 1000.0 * m;
	if (a_out)
		*a_out = 1e6 * a;
	return 0;
}

/* Local prior mean of area i: sum y / sum pop over the members of {i} + N(i) with a population. */
static double
local_mean(size_t i, const double *y, const double *pop, const weights *w, double *nsum_out,
		   size_t *cnt_out)
{
	double		ysum = 0.0,
				nsum = 0.0;
	size_t		cnt = 0;

	/* self first, then the neighbours: j == off[i+1] stands for i itself */
	for (size_t j = w->off[i]; j <= w->off[i + 1]; j++)
	{
		size_t		k = j < w->off[i + 1] ? w->nbr[j] : i;

		if (pop_ok(pop[k]) && isfinite(y[k]))
		{
			ysum += y[k];
			nsum += pop[k];
			cnt++;
		}
	}
	*nsum_out = nsum;
	*cnt_out = cnt;
	return cnt ? ysum / nsum : NAN;
}

/*
 * Spatial empirical Bayes (spdep EBlocal): the global estimator with the prior taken from
 * the neighbourhood N_i = {i} + neighbours of i (areas without a population left out):
 * m_i = sum y / sum pop, nbar_i = sum pop / |N_i|, a_i = max(0, C_i / sum pop - m_i / nbar_i),
 * EB_i = m_i + (r_i - m_i) a_i / (a_i + m_i / pop_i), eb[] per 1,000, NaN without population.
 * C_i = sum_{j in N_i} pop_j (r_j - m_j)^2 with each member's own local mean m_j, as spdep's
 * default computes it; geoda != 0 uses m_i instead (spdep geoda = TRUE, GeoDa, Marshall's
 * textbook form).  Returns -1 when pop is NULL or memory runs out.
 */
int
score_eb_spatial_ex(size_t n, const double *y, const double *pop, const weights *w,
					int geoda, double *eb)
{
	double	   *mloc;

	if (pop == NULL || w == NULL || n > SIZE_MAX / sizeof(double))
		return -1;
	mloc = malloc((n ? n : 1) * sizeof(double));
	if (mloc == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
	{
		double		nsum;
		size_t		cnt;

		mloc[i] = local_mean(i, y, pop, w, &nsum, &cnt);
	}
	for (size_t i = 0; i < n; i++)
	{
		double		nsum,
					c = 0.0,
					m,
					a,
					shrink;
		size_t		cnt;

		if (!pop_ok(pop[i]) || !isfinite(y[i]))
		{
			eb[i] = NAN;
			continue;
		}
		m = local_mean(i, y, pop, w, &nsum, &cnt);
		for (size_t j = w->off[i]; j <= w->off[i + 1]; j++)
		{
			size_t		k = j < w->off[i + 1] ? w->nbr[j] : i;

			if (pop_ok(pop[k]) && isfinite(y[k]))
			{
				double		d = y[k] / pop[k] - (geoda ? m : mloc[k]);

				c += pop[k] * (d * d);
			}
		}
		a = c / nsum - m / (nsum / (double) cnt);
		if (!(a > 0.0))
			a = 0.0;
		shrink = a > 0.0 ? a / (a + m / pop[i]) : 0.0;
		eb[i] = 1000.0 * (m + (y[i] / pop[i] - m) * shrink);
	}
	free(mloc);
	return 0;
}

int
score_eb_spatial(size_t n, const double *y, const double *pop, const weights *w,
				 double *eb)
{
	return score_eb_spatial_ex(n, y, pop, w, 0, eb);
}

/*
 * Gi* (Getis & Ord; spdep localG on include.self binary weights): with k_i neighbours,
 * W_i = S1_i = k_i + 1 and z_i = (x_i + sum_j x_j - W_i xbar) / (s sqrt((n S1_i - W_i^2)/(n-1))),
 * s^2 dividing by n.  Link weights are ignored (binary), so row-standardised input gives
 * the same z.  p = 2(1 - Phi(|z|)) = erfc(|z|/sqrt 2).  Islands, constant x, n < 2 and a
 * row linked to every other area (zero variance of the sum) give NaN z and p.
 */
void
score_gi_star(size_t n, const double *x, const weights *w, double *z, double *p)
{
	double		mean,
				s2;
	int			constant;

	if (n < 2)
	{
		for (size_t i = 0; i < n; i++)
			z[i] = p[i] = NAN;
		return;
	}
	constant = score_mean_var(n, x, &mean, &s2);
	for (size_t i = 0; i < n; i++)
	{
		size_t		k = w->off[i + 1] - w->off[i];
		double		wi = (double) k + 1.0;
		double		sum = x[i],
					var;

		if (k == 0 || constant)
		{
			z[i] = p[i] = NAN;
			continue;
		}
		for (size_t j = w->off[i]; j < w->off[i + 1]; j++)
			sum += x[w->nbr[j]];
		var = s2 * (((double) n * wi - wi * wi) / ((double) n - 1.0));
		if (!(var > 0.0))
		{
			z[i] = p[i] = NAN;
			continue;
		}
		z[i] = (sum - wi * mean) / sqrt(var);
		p[i] = erfc(fabs(z[i]) / sqrt(2.0));
	}
}

/*
 * Local Moran's I (esda Moran_Local; spdep localmoran with mlvar = FALSE) on the binary
 * links row-standardised: z = (x - xbar)/sd (sd dividing by n), lag_i = mean of the
 * neighbours' z, I_i = (n-1) z_i lag_i / sum z^2.  quad_raw (may be NULL) is the quadrant
 * before any significance test, counting z > 0 as high and z <= 0 as low as esda and
 * spdep do: 1 HH, 2 LH, 3 LL, 4 HL; islands and constant x get NaN and 0.
 */
void
score_local_moran(size_t n, const double *x, const weights *w, double *I, int *quad_raw)
{
	double		mean,
				s2,
				sd,
				zz = 0.0;
	int			constant;

	if (n < 2)
	{
		for (size_t i = 0; i < n; i++)
		{
			I[i] = NAN;
			if (quad_raw)
				quad_raw[i] = 0;
		}
		return;
	}
	constant = score_mean_var(n, x, &mean, &s2);
	sd = sqrt(s2);
	if (!constant && sd > 0.0)
		for (size_t i = 0; i < n; i++)
		{
			double		zi = (x[i] - mean) / sd;

			zz += zi * zi;
		}
	for (size_t i = 0; i < n; i++)
	{
		size_t		k = w->off[i + 1] - w->off[i];
		double		zi,
					lag = 0.0;

		if (k == 0 || constant || !(zz > 0.0))
		{
			I[i] = NAN;
			if (quad_raw)
				quad_raw[i] = 0;
			continue;
		}
		zi = (x[i] - mean) / sd;
		for (size_t j = w->off[i]; j < w->off[i + 1]; j++)
			lag += (x[w->nbr[j]] - mean) / sd;
		lag /= (double) k;
		I[i] = ((double) n - 1.0) * zi * lag / zz;
		if (quad_raw)
			quad_raw[i] = zi > 0.0 ? (lag > 0.0 ? 1 : 4) : (lag > 0.0 ? 2 : 3);
	}
}

int
score_bin(double z, double p)
{
	int			level;

	if (isnan(z) || isnan(p))
		return 0;
	if (p <= 0.01)
		level = 3;
	else if (p <= 0.05)
		level = 2;
	else if (p <= 0.10)
		level = 1;
	else
		return 0;
	return z > 0.0 ? level : (z < 0.0 ? -level : 0);
}

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

int
score_fdr_thresholds(size_t n, const double *p, const double *alpha, int nalpha,
					 double *thr)
{
	double	   *s;
	size_t		m = 0;

	if (n > SIZE_MAX / sizeof(double))
		return -1;
	s = malloc((n ? n : 1) * sizeof(double));
	if (s == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!isnan(p[i]))
			s[m++] = p[i];
	qsort(s, m, sizeof(double), cmp_double);
	for (int a = 0; a < nalpha; a++)
	{
		/* step-up: the largest k with p_(k) <= k alpha / m, scanning down */
		thr[a] = -1.0;
		for (size_t k = m; k >= 1; k--)
			if (s[k - 1] <= (double) k * alpha[a] / (double) m)
			{
				thr[a] = s[k - 1];
				break;
			}
	}
	free(s);
	return 0;
}

void
score_fdr_bh(size_t n, const double *p, double q, int *keep)
{
	double		thr;

	if (score_fdr_thresholds(n, p, &q, 1, &thr) != 0)
		thr = -1.0;				/* out of memory: keep nothing */
	for (size_t i = 0; i < n; i++)
		keep[i] = !isnan(p[i]) && p[i] <= thr;
}

/*
 * FDR only ever demotes: the final level is the smaller of the plain level (0.01/0.05/0.10)
 * and the highest level whose BH threshold p still meets, so a q above 0.05 cannot make a
 * bin more significant than the uncorrected one.
 */
int
score_bins_fdr(size_t n, const double *z, const double *p, double q, int *bin)
{
	double		alpha[3],
				thr[3];

	alpha[0] = q / 5.0;			/* level 3, "99 %" */
	alpha[1] = q;				/* level 2, "95 %" */
	alpha[2] = q * 2.0 < 1.0 ? q * 2.0 : 1.0;	/* level 1, "90 %" */
	if (score_fdr_thresholds(n, p, alpha, 3, thr) != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
	{
		int			b = score_bin(z[i], p[i]);
		int			lv = abs(b),
					fl;

		if (b == 0)
		{
			bin[i] = 0;
			continue;
		}
		fl = p[i] <= thr[0] ? 3 : p[i] <= thr[1] ? 2 : p[i] <= thr[2] ? 1 : 0;
		if (fl < lv)
			lv = fl;
		bin[i] = b > 0 ? lv : -lv;
	}
	return 0;
}
