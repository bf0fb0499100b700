/*
 * pipeline/prevent.c — the prevention view per area: expected households with a signal from
 * the Poisson model, SIR with its exact interval, exact Poisson test with Benjamini–Hochberg
 * flags, empirical-Bayes SIR, map class and drivers in words.  Contract in prevent.h; the
 * regression itself is in prevent_glm.c, the database side in prevent_db.c.
 */
#include "prevent.h"
#include "score.h"

#include <ctype.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
prevent_options_default(prevent_options *o)
{
	memset(o, 0, sizeof(*o));
	o->fdr_q = 0.05;
	o->level = 0.95;
	o->max_iter = 100;
	o->tol = 1e-12;
	o->driver_min = log(1.05);
	o->max_drivers = 3;
	o->exclude_excess = 1;
}

void
prevent_garwood(double O, double E, double level, double *lo, double *hi)
{
	double		a = (1.0 - level) / 2.0;

	gsl_set_error_handler_off();
	*lo = O > 0 ? gsl_cdf_chisq_Pinv(a, 2.0 * O) / 2.0 / E : 0.0;
	*hi = gsl_cdf_chisq_Pinv(1.0 - a, 2.0 * (O + 1.0)) / 2.0 / E;
}

double
prevent_poisson_p(double O, double E)
{
	unsigned	k = (unsigned) O;
	double		below, above, p;

	gsl_set_error_handler_off();
	below = gsl_cdf_poisson_P(k, E);	/* P(X <= O) */
	above = k == 0 ? 1.0 : gsl_cdf_poisson_Q(k - 1, E);	/* P(X >= O) */
	p = 2.0 * (below < above ? below : above);
	return p > 1.0 ? 1.0 : p;
}

int
prevent_map_class(int flag, double sir_eb)
{
	if (flag > 0)
		return 3;
	if (flag < 0)
		return -3;
	if (isnan(sir_eb))
		return 0;
	if (sir_eb >= 1.25)
		return 2;
	if (sir_eb >= 1.1)
		return 1;
	if (sir_eb <= 0.8)
		return -2;
	if (sir_eb <= 0.9)
		return -1;
	return 0;
}

const char *
prevent_label(const char *name)
{
	static const char *const words[][2] = {
		{"pct_low_income", "laag inkomen"},
		{"pct_rent_corporation", "huur corporatie"},
		{"pct_single_parent", "eenoudergezinnen"},
		{"pct_benefits", "uitkering"},
		{"avg_income", "gemiddeld inkomen"},
		{"pct_high_income", "hoog inkomen"},
		{"avg_woz", "WOZ-waarde"},
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(name, words[i][0]) == 0)
			return words[i][1];
	return name;
}

const char *
prevent_note(const prevent_result *r, size_t i, char *buf, size_t len)
{
	if (r->status[i] == PREVENT_NO_HOUSEHOLDS)
		snprintf(buf, len, "no households");
	else if (r->status[i] == PREVENT_NO_INDICATORS)
		snprintf(buf, len, "indicator missing: %s", r->m.terms[r->missing[i] + 1]);
	else if (!r->in_fit[i])
		snprintf(buf, len, "excess in the first fit: not used for the expectation");
	else
		snprintf(buf, len, "%s", "");
	return buf;
}

int
prevent_parse_covariates(const char *list, char ***names, size_t *k, char *err, size_t errlen)
{
	size_t		len = strlen(list), cnt = 0;
	char	  **v, *buf, *save = NULL;

	*names = NULL;
	*k = 0;
	if (!(v = malloc((PREVENT_MAX_COV + 1) * sizeof(char *) + len + 1)))
		return snprintf(err, errlen, "prevent: out of memory"), -1;
	buf = (char *) (v + PREVENT_MAX_COV + 1);
	memcpy(buf, list, len + 1);
	for (char *t = strtok_r(buf, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save))
	{
		int			ok = (islower((unsigned char) t[0]) || t[0] == '_') && strlen(t) < 64;

		for (const char *c = t; ok && *c; c++)
			ok = islower((unsigned char) *c) || isdigit((unsigned char) *c) || *c == '_';
		for (size_t j = 0; ok && j < cnt; j++)
			if (strcmp(v[j], t) == 0)
			{
				snprintf(err, errlen, "prevent: indicator %s is named twice", t);
				free(v);
				return -1;
			}
		if (!ok || cnt == PREVENT_MAX_COV)
		{
			if (ok)
				snprintf(err, errlen, "prevent: at most %d indicators", PREVENT_MAX_COV);
			else
				snprintf(err, errlen, "prevent: \"%s\" is not a column name (lower case, digits, _)", t);
			free(v);
			return -1;
		}
		v[cnt++] = t;
	}
	if (cnt == 0)
	{
		free(v);
		return snprintf(err, errlen, "prevent: no indicators named"), -1;
	}
	*names = v;
	*k = cnt;
	return 0;
}

void
prevent_result_free(prevent_result *r)
{
	if (!r)
		return;
	if (r->m.terms)
		for (size_t j = 0; j < r->m.p; j++)
			free(r->m.terms[j]);
	free(r->m.terms);
	free(r->m.beta);
	free(r->m.se);
	free(r->m.zval);
	free(r->m.pval);
	free(r->m.se_quasi);
	free(r->m.pval_quasi);
	free(r->m.xmean);
	if (r->drivers)
		for (size_t i = 0; i < r->n; i++)
			free(r->drivers[i]);
	free(r->drivers);
	free(r->status);
	free(r->missing);
	free(r->in_fit);
	free(r->expected);
	free(r->sir);
	free(r->sir_lo);
	free(r->sir_hi);
	free(r->pval);
	free(r->sir_eb);
	free(r->flag);
	free(r->map_class);
	memset(r, 0, sizeof(*r));
}

static int
alloc_result(prevent_result *r, size_t n, size_t k, const char *const *names)
{
	size_t		nn = n ? n : 1, p = k + 1;
	prevent_model *m = &r->m;

	r->n = n;
	m->p = p;
	r->status = calloc(nn, sizeof(int));
	r->missing = calloc(nn, sizeof(int));
	r->in_fit = calloc(nn, 1);
	r->flag = calloc(nn, sizeof(int));
	r->map_class = calloc(nn, sizeof(int));
	r->drivers = calloc(nn, sizeof(char *));
	r->expected = malloc(nn * sizeof(double));
	r->sir = malloc(nn * sizeof(double));
	r->sir_lo = malloc(nn * sizeof(double));
	r->sir_hi = malloc(nn * sizeof(double));
	r->pval = malloc(nn * sizeof(double));
	r->sir_eb = malloc(nn * sizeof(double));
	m->terms = calloc(p, sizeof(char *));
	m->beta = calloc(p, sizeof(double));
	m->se = calloc(p, sizeof(double));
	m->zval = calloc(p, sizeof(double));
	m->pval = calloc(p, sizeof(double));
	m->se_quasi = calloc(p, sizeof(double));
	m->pval_quasi = calloc(p, sizeof(double));
	m->xmean = calloc(k, sizeof(double));
	if (!r->status || !r->missing || !r->in_fit || !r->flag || !r->map_class || !r->drivers || !r->expected ||
		!r->sir || !r->sir_lo || !r->sir_hi || !r->pval || !r->sir_eb || !m->terms || !m->beta ||
		!m->se || !m->zval || !m->pval || !m->se_quasi || !m->pval_quasi || !m->xmean)
		return -1;
	for (size_t j = 0; j < p; j++)
		if (!(m->terms[j] = strdup(j == 0 ? "(Intercept)" : names[j - 1])))
			return -1;
	for (size_t i = 0; i < n; i++)
		r->expected[i] = r->sir[i] = r->sir_lo[i] = r->sir_hi[i] = r->pval[i] = r->sir_eb[i] = NAN;
	return 0;
}

/* "laag inkomen +, huur corporatie +": the largest |β_k (x_ik − x̄_k)|, sign = effect on E. */
static char *
driver_text(const prevent_input *in, const prevent_options *o, const prevent_model *m, size_t i)
{
	double		c[PREVENT_MAX_COV];
	int			used[PREVENT_MAX_COV] = {0};
	char		buf[512];
	size_t		pos = 0;

	buf[0] = '\0';
	for (size_t j = 0; j < in->k; j++)
		c[j] = m->beta[j + 1] * (in->x[j][i] - m->xmean[j]);
	for (int d = 0; d < o->max_drivers; d++)
	{
		long		best = -1;

		for (size_t j = 0; j < in->k; j++)
			if (!used[j] && fabs(c[j]) >= o->driver_min && (best < 0 || fabs(c[j]) > fabs(c[best])))
				best = (long) j;
		if (best < 0)
			break;
		used[best] = 1;
		pos += (size_t) snprintf(buf + pos, pos < sizeof(buf) ? sizeof(buf) - pos : 0, "%s%s %c",
								 pos ? ", " : "", prevent_label(in->names[best]), c[best] > 0 ? '+' : '-');
	}
	return strdup(buf);
}

/* Status per area; returns the number that can be fitted, or (size_t) -1 on a bad count. */
static size_t
classify(const prevent_input *in, prevent_result *r, char *err, size_t errlen)
{
	size_t		nfit = 0;

	for (size_t i = 0; i < in->n; i++)
	{
		double		y = in->count[i], n = in->pop ? in->pop[i] : NAN;

		if (!(y >= 0) || !isfinite(y) || y != floor(y) || y > 4e9)
		{
			if (in->codes)
				snprintf(err, errlen, "prevent: area %s has count %g; the model needs whole numbers >= 0",
						 in->codes[i], y);
			else
				snprintf(err, errlen, "prevent: area %zu has count %g; the model needs whole numbers >= 0",
						 i, y);
			return (size_t) -1;
		}
		r->status[i] = PREVENT_FITTED;
		r->missing[i] = -1;
		if (!(n > 0) || !isfinite(n))
			r->status[i] = PREVENT_NO_HOUSEHOLDS;
		else
			for (size_t j = 0; j < in->k; j++)
				if (!isfinite(in->x[j][i]))
				{
					r->status[i] = PREVENT_NO_INDICATORS;
					r->missing[i] = (int) j;
					break;
				}
		nfit += r->status[i] == PREVENT_FITTED;
	}
	return nfit;
}

/* Fit the model on the areas with in_fit set; the expectation of every area with status
 * PREVENT_FITTED into r->expected. */
static int
fit(const prevent_input *in, const prevent_options *o, prevent_result *r, char *err, size_t errlen)
{
	size_t		p = in->k + 1, f = 0, nuse = 0;
	double	   *X, *y, *off;
	int			rc = -1;

	for (size_t i = 0; i < in->n; i++)
		nuse += r->in_fit[i];
	X = malloc(nuse * p * sizeof(double));
	y = malloc(nuse * sizeof(double));
	off = malloc(nuse * sizeof(double));
	if (!X || !y || !off)
	{
		snprintf(err, errlen, "prevent: out of memory for %zu areas", nuse);
		goto done;
	}
	for (size_t i = 0; i < in->n; i++)
		if (r->in_fit[i])
		{
			X[f * p] = 1.0;
			for (size_t j = 0; j < in->k; j++)
				X[f * p + j + 1] = in->x[j][i];
			y[f] = in->count[i];
			off[f] = log(in->pop[i]);
			f++;
		}
	if (prevent_glm_poisson(nuse, p, X, y, off, o, (const char *const *) r->m.terms, &r->m, NULL,
							err, errlen) != 0)
		goto done;
	/* E = exp(log n + Xβ), summed in the order prevent_glm_poisson uses */
	for (size_t i = 0; i < in->n; i++)
		if (r->status[i] == PREVENT_FITTED)
		{
			double		e = log(in->pop[i]) + r->m.beta[0];

			for (size_t j = 0; j < in->k; j++)
				e += in->x[j][i] * r->m.beta[j + 1];
			r->expected[i] = exp(e);
		}
	rc = 0;
done:
	free(X);
	free(y);
	free(off);
	return rc;
}

/* SIR, interval, p-value and BH flags of every area with an expectation. */
static int
area_tests(const prevent_input *in, const prevent_options *o, prevent_result *r, int *keep)
{
	r->n_hidden = r->n_excess = 0;
	for (size_t i = 0; i < in->n; i++)
	{
		double		O = in->count[i], E = r->expected[i];

		r->flag[i] = 0;
		if (r->status[i] != PREVENT_FITTED)
			continue;
		r->sir[i] = O / E;
		prevent_garwood(O, E, o->level, &r->sir_lo[i], &r->sir_hi[i]);
		r->pval[i] = prevent_poisson_p(O, E);
	}
	/* BH over the areas with an expectation (NaN p of the others is ignored) */
	score_fdr_bh(in->n, r->pval, o->fdr_q, keep);
	for (size_t i = 0; i < in->n; i++)
		if (r->status[i] == PREVENT_FITTED && keep[i])
		{
			r->flag[i] = in->count[i] < r->expected[i] ? -1 : 1;
			r->n_hidden += r->flag[i] < 0;
			r->n_excess += r->flag[i] > 0;
		}
	return 0;
}

int
prevent_compute(const prevent_input *in, const prevent_options *o, prevent_result *r,
				char *err, size_t errlen)
{
	size_t		nfit, excluded[3] = {0, 0, 0};
	int		   *keep = NULL;
	double		m1000, a1000;

	memset(r, 0, sizeof(*r));
	if (in->k < 1 || in->k > PREVENT_MAX_COV || !in->x || !in->names || !in->count)
		return snprintf(err, errlen, "prevent: between 1 and %d indicators are needed", PREVENT_MAX_COV), -1;
	r->fdr_q = o->fdr_q;
	if (alloc_result(r, in->n, in->k, in->names) != 0 || !(keep = calloc(in->n ? in->n : 1, sizeof(int))))
	{
		snprintf(err, errlen, "prevent: out of memory for %zu areas", in->n);
		goto fail;
	}
	if ((nfit = classify(in, r, err, errlen)) == (size_t) -1)
		goto fail;
	for (size_t i = 0; i < in->n; i++)
	{
		excluded[r->status[i]]++;
		r->in_fit[i] = r->status[i] == PREVENT_FITTED;
	}
	if (nfit <= in->k + 1)
	{
		snprintf(err, errlen, "prevent: only %zu areas have households and every indicator (%zu without "
				 "households, %zu with an indicator missing); the model needs more than %zu",
				 nfit, excluded[PREVENT_NO_HOUSEHOLDS], excluded[PREVENT_NO_INDICATORS], in->k + 1);
		goto fail;
	}
	r->n_fitted = nfit;
	if (fit(in, o, r, err, errlen) != 0)
		goto fail;
	area_tests(in, o, r, keep);
	/* second stage: the expectation of the areas without significant excess */
	if (o->exclude_excess && r->n_excess > 0 && nfit - r->n_excess > in->k + 1)
	{
		for (size_t i = 0; i < in->n; i++)
			if (r->flag[i] > 0)
				r->in_fit[i] = 0;
		r->n_left_out = r->n_excess;
		if (fit(in, o, r, err, errlen) != 0)
			goto fail;
		area_tests(in, o, r, keep);
	}

	/* drivers: deviations from the mean indicator of the areas with an expectation */
	for (size_t j = 0; j < in->k; j++)
	{
		for (size_t i = 0; i < in->n; i++)
			if (r->status[i] == PREVENT_FITTED)
				r->m.xmean[j] += in->x[j][i];
		r->m.xmean[j] /= (double) nfit;
	}
	for (size_t i = 0; i < in->n; i++)
		if (r->status[i] == PREVENT_FITTED && !(r->drivers[i] = driver_text(in, o, &r->m, i)))
		{
			snprintf(err, errlen, "prevent: out of memory");
			goto fail;
		}
	/* EB SIR: Marshall's global estimator with E as the population (spdep EBest(O, E)) */
	if (score_eb_global(in->n, in->count, r->expected, r->sir_eb, &m1000, &a1000) != 0)
	{
		snprintf(err, errlen, "prevent: empirical Bayes failed");
		goto fail;
	}
	r->eb_m = m1000 / 1000.0;
	r->eb_a = a1000 / 1e6;
	for (size_t i = 0; i < in->n; i++)
	{
		if (r->status[i] != PREVENT_FITTED)
		{
			r->sir_eb[i] = NAN;
			continue;
		}
		r->sir_eb[i] /= 1000.0;
		r->map_class[i] = prevent_map_class(r->flag[i], r->sir_eb[i]);
	}
	free(keep);
	return 0;
fail:
	free(keep);
	prevent_result_free(r);
	return -1;
}

/* area indices of the flagged areas of one sign, most significant first */
static size_t
flagged(const prevent_result *r, int sign, size_t *idx)
{
	size_t		m = 0;

	for (size_t i = 0; i < r->n; i++)
		if (r->flag[i] == sign)
		{
			size_t		k = m++;

			for (; k > 0 && r->pval[idx[k - 1]] > r->pval[i]; k--)
				idx[k] = idx[k - 1];
			idx[k] = i;
		}
	return m;
}

void
prevent_write_summary(FILE *f, const prevent_result *r, const char *const *codes,
					  const unsigned char *suppressed)
{
	const prevent_model *m = &r->m;
	int			quasi = m->phi > 1.0;
	size_t	   *idx = malloc((r->n ? r->n : 1) * sizeof(size_t));

	fprintf(f, "\n## Prevention view: expected risk from CBS indicators\n\n");
	fprintf(f, "Poisson regression of households with a signal on");
	for (size_t j = 1; j < m->p; j++)
		fprintf(f, "%s `%s`", j > 1 ? "," : "", m->terms[j]);
	fprintf(f, ", offset log(households): %zu areas with an expectation, %zu without (no households or an "
			"indicator missing). The model is fitted on %zu areas", r->n_fitted, r->n - r->n_fitted, m->nobs);
	if (r->n_left_out)
		fprintf(f, " — %zu areas with significant excess in a first fit are left out, as the indicators do "
				"not explain them", r->n_left_out);
	fprintf(f, ". Deviance %.2f on %zu df (null %.2f); dispersion φ = %.3f%s.\n\n", m->deviance, m->df,
			m->null_deviance, m->phi, quasi ? " — the standard errors are quasi-Poisson (× √φ)" : "");
	fprintf(f, "| term | estimate | std. error | p |\n|---|---:|---:|---:|\n");
	for (size_t j = 0; j < m->p; j++)
		fprintf(f, "| %s | %.6g | %.4g | %.3g |\n", m->terms[j], m->beta[j],
				quasi ? m->se_quasi[j] : m->se[j], quasi ? m->pval_quasi[j] : m->pval[j]);
	if (!idx)
		return;
	for (int sign = -1; sign <= 1; sign += 2)
	{
		size_t		nf = flagged(r, sign, idx);

		fprintf(f, "\n**%s** (Benjamini–Hochberg q = %.2f): %zu areas\n", sign < 0 ?
				"Hidden need — significantly fewer signals than expected" :
				"Excess — significantly more signals than expected", r->fdr_q, nf);
		if (nf)
			fprintf(f, "\n| area | expected | SIR | drivers |\n|---|---:|---:|---|\n");
		for (size_t k = 0; k < nf && k < 20; k++)
		{
			size_t		i = idx[k];

			if (suppressed && suppressed[i])
				fprintf(f, "| %s | %.1f | (suppressed) | %s |\n", codes[i], r->expected[i], r->drivers[i]);
			else
				fprintf(f, "| %s | %.1f | %.2f | %s |\n", codes[i], r->expected[i], r->sir[i], r->drivers[i]);
		}
		if (nf > 20)
			fprintf(f, "\n… and %zu more (area list, columns hidden_need and excess)\n", nf - 20);
	}
	free(idx);
}
