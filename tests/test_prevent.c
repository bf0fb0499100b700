/*
 * tests/test_prevent.c — the prevention model (pipeline/prevent*.c): Poisson regression
 * against closed forms and against R's glm() (tests/glm_check.R), the exact Poisson interval
 * and test, flags, empirical Bayes, drivers, exclusion of areas without indicators, errors.
 *
 * The R cross-check needs Rscript; it fails when R is missing and is skipped only when
 * VSP_NO_R=1.  The R script is found through VSP_SRCDIR, else next to this file.
 */
#include "testutil.h"

#include <unistd.h>

#include "../geo/synth.h"
#include "../pipeline/prevent.h"
#include "../pipeline/score.h"

static score_rng rng;

static double
unif(void)
{
	return (double) (score_rng_next(&rng) >> 11) * 0x1.0p-53;
}

/* Poisson variate by inversion (means well below 700) */
static double
rpois(double lambda)
{
	double		p = exp(-lambda), f = p, u = unif();
	int			k = 0;

	while (u > f && k < 10000)
	{
		k++;
		p *= lambda / k;
		f += p;
	}
	return k;
}

/* Gamma(shape, 1) for shape >= 1 (Marsaglia & Tsang), for overdispersed test data */
static double
rgamma1(double shape)
{
	double		d = shape - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);

	for (;;)
	{
		double		u1 = unif(), u2 = unif(), x, v;

		x = sqrt(-2.0 * log(u1 > 0 ? u1 : 1e-300)) * cos(2 * M_PI * u2);
		v = 1.0 + c * x;
		if (v <= 0)
			continue;
		v = v * v * v;
		if (log(unif() + 1e-300) < 0.5 * x * x + d * (1.0 - v + log(v)))
			return d * v;
	}
}

static void
test_garwood_and_p(void **state)
{
	double		lo, hi;

	(void) state;
	/* R: poisson.test(10)$conf.int = 4.795389 18.390356; poisson.test(0) upper 3.688879 */
	prevent_garwood(10, 1, 0.95, &lo, &hi);
	assert_close(lo, 4.795389, 1e-6);
	assert_close(hi, 18.390356, 1e-6);
	prevent_garwood(10, 2, 0.95, &lo, &hi);
	assert_close(hi, 18.390356 / 2, 1e-6);
	prevent_garwood(0, 1, 0.95, &lo, &hi);
	assert_true(lo == 0.0);
	assert_close(hi, 3.688879, 1e-6);
	/* two-sided central p: O = 0 gives 2 exp(-E); a count at its mean gives 1 */
	assert_rel(prevent_poisson_p(0, 3), 2 * exp(-3), 1e-12);
	assert_true(prevent_poisson_p(5, 5) == 1.0);
	/* 2 P(X >= 10 | 4) = 2 (1 - ppois(9, 4)) = 0.01626449 */
	assert_close(prevent_poisson_p(10, 4), 0.01626449, 1e-8);
	/* the test and the interval agree: p < 0.05 exactly when 1 is outside the interval */
	for (int O = 0; O <= 40; O++)
		for (double E = 0.5; E < 60; E *= 1.13)
		{
			prevent_garwood(O, E, 0.95, &lo, &hi);
			assert_int_equal(prevent_poisson_p(O, E) < 0.05, lo > 1.0 || hi < 1.0);
		}
}

static void
test_map_class_and_labels(void **state)
{
	(void) state;
	assert_int_equal(prevent_map_class(1, 0.5), 3);
	assert_int_equal(prevent_map_class(-1, 2.0), -3);
	assert_int_equal(prevent_map_class(0, 1.3), 2);
	assert_int_equal(prevent_map_class(0, 1.25), 2);
	assert_int_equal(prevent_map_class(0, 1.2), 1);
	assert_int_equal(prevent_map_class(0, 1.0), 0);
	assert_int_equal(prevent_map_class(0, 0.85), -1);
	assert_int_equal(prevent_map_class(0, 0.8), -2);
	assert_int_equal(prevent_map_class(0, NAN), 0);
	assert_string_equal(prevent_label("pct_low_income"), "laag inkomen");
	assert_string_equal(prevent_label("pct_rent_corporation"), "huur corporatie");
	assert_string_equal(prevent_label("my_column"), "my_column");
}

static void
test_parse_covariates(void **state)
{
	char	  **v;
	size_t		k;
	char		err[256];

	(void) state;
	assert_int_equal(prevent_parse_covariates("pct_low_income, avg_income,x2", &v, &k, err, sizeof(err)), 0);
	assert_int_equal(k, 3);
	assert_string_equal(v[0], "pct_low_income");
	assert_string_equal(v[2], "x2");
	free(v);
	assert_int_equal(prevent_parse_covariates("a, a", &v, &k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "twice"));
	assert_int_equal(prevent_parse_covariates("a; DROP TABLE", &v, &k, err, sizeof(err)), -1);
	assert_int_equal(prevent_parse_covariates("Pct", &v, &k, err, sizeof(err)), -1);
	assert_int_equal(prevent_parse_covariates(" , ", &v, &k, err, sizeof(err)), -1);
	assert_int_equal(prevent_parse_covariates("a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q", &v, &k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "at most"));
}

/* One binary indicator: the MLE is the group rates, SE(β1)² = 1/ΣO_1 + 1/ΣO_0. */
static void
test_glm_closed_form(void **state)
{
	enum {N = 40};
	double		y[N], pop[N], g[N], s0 = 0, s1 = 0, n0 = 0, n1 = 0;
	const double *x[1] = {g};
	const char *names[1] = {"group"};
	prevent_input in = {N, y, pop, 1, x, names, NULL};
	prevent_options o;
	prevent_result r;
	char		err[256];

	(void) state;
	score_rng_seed(&rng, 7, 0);
	for (int i = 0; i < N; i++)
	{
		g[i] = i % 2;
		pop[i] = 50 + 10 * (i % 7);
		y[i] = rpois(pop[i] * (g[i] ? 0.12 : 0.05));
		if (g[i])
			s1 += y[i], n1 += pop[i];
		else
			s0 += y[i], n0 += pop[i];
	}
	prevent_options_default(&o);
	o.exclude_excess = 0;		/* one fit on every area: the closed form */
	assert_int_equal(prevent_compute(&in, &o, &r, err, sizeof(err)), 0);
	assert_int_equal(r.m.p, 2);
	assert_string_equal(r.m.terms[0], "(Intercept)");
	assert_rel(r.m.beta[0], log(s0 / n0), 1e-12);
	assert_rel(r.m.beta[1], log((s1 / n1) / (s0 / n0)), 1e-12);
	assert_rel(r.m.se[0], sqrt(1 / s0), 1e-10);
	assert_rel(r.m.se[1], sqrt(1 / s0 + 1 / s1), 1e-10);
	/* with an intercept, observed and expected totals agree */
	{
		double		so = 0, se = 0;

		for (int i = 0; i < N; i++)
		{
			so += y[i];
			se += r.expected[i];
			assert_rel(r.sir[i], y[i] / r.expected[i], 1e-15);
		}
		assert_rel(se, so, 1e-12);
	}
	assert_int_equal(r.m.nobs, N);
	assert_int_equal(r.m.df, N - 2);
	assert_rel(r.m.phi, r.m.pearson / (N - 2), 1e-15);
	assert_rel(r.m.se_quasi[1], r.m.se[1] * sqrt(r.m.phi), 1e-15);
	prevent_result_free(&r);
	prevent_result_free(&r);	/* twice: a no-op */
	prevent_result_free(NULL);
}

static void
test_excluded_and_errors(void **state)
{
	enum {N = 30};
	double		y[N], pop[N], a[N], b[N];
	const double *x[2] = {a, b};
	const char *names[2] = {"pct_low_income", "pct_benefits"};
	const char *codes[N];
	char		cbuf[N][8], err[256];
	prevent_input in = {N, y, pop, 2, x, names, codes};
	prevent_options o;
	prevent_result r, r2;

	(void) state;
	score_rng_seed(&rng, 11, 0);
	for (int i = 0; i < N; i++)
	{
		snprintf(cbuf[i], sizeof(cbuf[i]), "A%02d", i);
		codes[i] = cbuf[i];
		pop[i] = 100 + i;
		a[i] = 10 + i % 9;
		b[i] = 5 + (i * 7) % 11;
		y[i] = rpois(pop[i] * 0.01 * a[i] / 10);
	}
	a[3] = NAN;					/* suppressed indicator */
	b[5] = NAN;
	pop[7] = 0;					/* no households */
	pop[8] = NAN;
	prevent_options_default(&o);
	o.exclude_excess = 0;
	assert_int_equal(prevent_compute(&in, &o, &r, err, sizeof(err)), 0);
	assert_int_equal(r.n_fitted, N - 4);
	assert_int_equal(r.status[3], PREVENT_NO_INDICATORS);
	assert_int_equal(r.missing[3], 0);
	assert_int_equal(r.missing[5], 1);
	assert_int_equal(r.status[7], PREVENT_NO_HOUSEHOLDS);
	assert_int_equal(r.status[8], PREVENT_NO_HOUSEHOLDS);
	assert_true(isnan(r.expected[3]) && isnan(r.sir[5]) && isnan(r.sir_eb[7]) && r.drivers[8] == NULL);
	assert_int_equal(r.flag[3], 0);
	/* the same fit as without those rows: drop them and compare */
	{
		double		y2[N], p2[N], a2[N], b2[N];
		const double *x2[2] = {a2, b2};
		prevent_input in2 = {0, y2, p2, 2, x2, names, NULL};

		for (int i = 0; i < N; i++)
			if (i != 3 && i != 5 && i != 7 && i != 8)
			{
				y2[in2.n] = y[i];
				p2[in2.n] = pop[i];
				a2[in2.n] = a[i];
				b2[in2.n] = b[i];
				in2.n++;
			}
		assert_int_equal(prevent_compute(&in2, &o, &r2, err, sizeof(err)), 0);
		for (size_t j = 0; j < 3; j++)
			assert_rel(r.m.beta[j], r2.m.beta[j], 1e-13);
		assert_rel(r.m.deviance, r2.m.deviance, 1e-13);
		prevent_result_free(&r2);
	}
	prevent_result_free(&r);

	/* a count that is not a whole number is an error naming the area */
	y[4] = 2.5;
	assert_int_equal(prevent_compute(&in, &o, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "A04"));
	y[4] = 2;
	/* an indicator that is a multiple of another */
	for (int i = 0; i < N; i++)
		b[i] = isnan(a[i]) ? 1 : 3 * a[i];
	b[5] = NAN;
	assert_int_equal(prevent_compute(&in, &o, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "pct_benefits is constant or a combination"));
	/* a constant one */
	for (int i = 0; i < N; i++)
		b[i] = 4;
	assert_int_equal(prevent_compute(&in, &o, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "pct_benefits"));
	/* too few areas with indicators */
	for (int i = 0; i < N; i++)
		a[i] = i < 3 ? 1 + i : NAN;
	assert_int_equal(prevent_compute(&in, &o, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "only"));
}

/* Planted under- and over-signalling on a known model: flagged, and drivers in words; the
 * two-stage fit equals one fit on the areas without first-stage excess. */
static void
test_flags_and_drivers(void **state)
{
	enum {N = 400};
	double		y[N], pop[N], low[N], rent[N];
	const double *x[2] = {low, rent};
	const char *names[2] = {"pct_low_income", "pct_rent_corporation"};
	prevent_input in = {N, y, pop, 2, x, names, NULL};
	prevent_options o;
	prevent_result r, r1, r2;
	char		err[256];
	int			hidden_planted = 0, excess_planted = 0, false_flags = 0;

	(void) state;
	score_rng_seed(&rng, 2024, 0);
	for (int i = 0; i < N; i++)
	{
		double		mu;

		pop[i] = 800 + floor(unif() * 1600);
		low[i] = 10 + 25 * unif();
		rent[i] = 20 + 50 * unif();
		mu = pop[i] * exp(-4.5 + 0.05 * low[i] + 0.01 * rent[i]);
		if (i < 10)
			mu *= 0.4;			/* under-signalling */
		else if (i < 20)
			mu *= 2.0;
		y[i] = rpois(mu);
	}
	low[N - 1] = 35;
	rent[N - 1] = 45;
	prevent_options_default(&o);
	assert_int_equal(o.exclude_excess, 1);
	assert_int_equal(prevent_compute(&in, &o, &r, err, sizeof(err)), 0);
	for (int i = 0; i < N; i++)
	{
		hidden_planted += i < 10 && r.flag[i] < 0;
		excess_planted += i >= 10 && i < 20 && r.flag[i] > 0;
		false_flags += i >= 20 && r.flag[i] != 0;
		assert_int_equal(r.map_class[i], prevent_map_class(r.flag[i], r.sir_eb[i]));
	}
	assert_true(hidden_planted >= 9);
	assert_true(excess_planted >= 9);
	print_message("planted: hidden %d/10, excess %d/10; false flags %d/380\n", hidden_planted, excess_planted, false_flags);
	assert_true(false_flags <= 4);	/* 1 % of 380 */
	assert_int_equal(r.n_hidden + r.n_excess, (size_t) (hidden_planted + excess_planted + false_flags));
	assert_close(r.m.beta[1], 0.05, 0.01);
	/* the last area has much more low income than the mean: named first, raising E */
	assert_non_null(r.drivers[N - 1]);
	assert_true(strncmp(r.drivers[N - 1], "laag inkomen +", 14) == 0);
	/* EB shrinks every SIR towards the prior mean */
	for (int i = 0; i < N; i++)
		assert_true(fabs(r.sir_eb[i] - r.eb_m) <= fabs(r.sir[i] - r.eb_m) + 1e-12);

	/* the second stage is one fit without the first stage's excess areas */
	o.exclude_excess = 0;
	assert_int_equal(prevent_compute(&in, &o, &r1, err, sizeof(err)), 0);
	assert_rel(r1.eb_m, 1.0, 1e-10);	/* one fit with an intercept: ΣO = ΣE */
	assert_true(r1.n_excess > 0 && r.n_left_out == r1.n_excess);
	{
		double		y2[N], p2[N], l2[N], t2[N];
		const double *x2[2] = {l2, t2};
		prevent_input in2 = {0, y2, p2, 2, x2, names, NULL};

		for (int i = 0; i < N; i++)
		{
			assert_int_equal(r.in_fit[i], r1.flag[i] <= 0);
			if (r1.flag[i] > 0)
			{
				char		note[128];

				assert_non_null(strstr(prevent_note(&r, (size_t) i, note, sizeof(note)), "excess"));
				continue;
			}
			y2[in2.n] = y[i];
			p2[in2.n] = pop[i];
			l2[in2.n] = low[i];
			t2[in2.n] = rent[i];
			in2.n++;
		}
		assert_int_equal(prevent_compute(&in2, &o, &r2, err, sizeof(err)), 0);
		for (int j = 0; j < 3; j++)
			assert_rel(r.m.beta[j], r2.m.beta[j], 1e-13);
		assert_rel(r.m.deviance, r2.m.deviance, 1e-13);
		for (int i = 0, k = 0; i < N; i++)
			if (r.in_fit[i])
				assert_rel(r.expected[i], r2.expected[k++], 1e-12);
			else
				assert_rel(r.expected[i], pop[i] * exp(r.m.beta[0] + r.m.beta[1] * low[i] + r.m.beta[2] * rent[i]),
						   1e-12);
		prevent_result_free(&r2);
	}
	prevent_result_free(&r1);
	prevent_result_free(&r);
}

static void
find_script(char *buf, size_t len)
{
	const char *src = getenv("VSP_SRCDIR");
	const char *slash = strrchr(__FILE__, '/');

	if (src && *src)
		snprintf(buf, len, "%s/tests/glm_check.R", src);
	else
		snprintf(buf, len, "%.*sglm_check.R", slash ? (int) (slash - __FILE__ + 1) : 0, __FILE__);
	if (access(buf, R_OK) != 0)
		snprintf(buf, len, "tests/glm_check.R");
}

/* read a CSV of numbers with a header; "NA" = NaN; the first `skip` columns are ignored */
static int
read_rows(const char *path, int skip, double *out, int maxrows, int ncol)
{
	FILE	   *f = fopen(path, "r");
	char		line[4096];
	int			rows = 0;

	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f))
	{
		fclose(f);
		return -1;
	}
	while (rows < maxrows && fgets(line, sizeof(line), f))
	{
		char	   *save = NULL, *t = strtok_r(line, ",\n", &save);

		for (int c = 0; t && c < skip + ncol; c++, t = strtok_r(NULL, ",\n", &save))
			if (c >= skip)
				out[rows * ncol + c - skip] = strcmp(t, "NA") == 0 ? NAN : strtod(t, NULL);
		rows++;
	}
	fclose(f);
	return rows;
}

/* R's glm on overdispersed data with three indicators and missing values: 1e-9 relative. */
static void
test_r_glm(void **state)
{
	enum {N = 300, K = 3};
	const char *nor = getenv("VSP_NO_R");
	double		y[N], pop[N], xv[K][N], coef[K + 1][6], fitv[7], area[N][6];
	const double *x[K] = {xv[0], xv[1], xv[2]};
	const char *names[K] = {"pct_low_income", "pct_rent_corporation", "avg_income"};
	prevent_input in = {N, y, pop, K, x, names, NULL};
	prevent_options o;
	prevent_result r;
	char	   *dir, script[4096], cmd[9000], path[4200], err[256];
	double		worst = 0;
	FILE	   *f;

	(void) state;
	if (nor && strcmp(nor, "1") == 0)
		skip();
	score_rng_seed(&rng, 99, 0);
	for (int i = 0; i < N; i++)
	{
		double		mu;

		pop[i] = 200 + floor(unif() * 3000);
		xv[0][i] = 8 + 30 * unif();
		xv[1][i] = 10 + 0.9 * xv[0][i] + 30 * unif();
		xv[2][i] = 60 - 0.8 * xv[0][i] + 8 * unif();
		mu = pop[i] * exp(-5 + 0.04 * xv[0][i] + 0.01 * xv[1][i] - 0.01 * xv[2][i]);
		y[i] = rpois(mu * rgamma1(4.0) / 4.0);	/* φ ≈ 1 + μ/4 */
	}
	xv[1][17] = NAN;
	xv[2][200] = NAN;
	pop[45] = 0;
	dir = test_tmpdir();
	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/data.csv", dir);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f, "y,n,%s,%s,%s\n", names[0], names[1], names[2]);
	for (int i = 0; i < N; i++)
	{
		fprintf(f, "%.17g,%.17g", y[i], pop[i]);
		for (int j = 0; j < K; j++)
			fprintf(f, isnan(xv[j][i]) ? ",NA" : ",%.17g", xv[j][i]);
		fprintf(f, "\n");
	}
	fclose(f);
	find_script(script, sizeof(script));
	snprintf(cmd, sizeof(cmd), "Rscript '%s' unit '%s' > '%s/r.log' 2>&1", script, dir, dir);
	if (system(cmd) != 0)
		fail_msg("glm cross-check needs Rscript (set VSP_NO_R=1 to skip): %s", cmd);
	snprintf(path, sizeof(path), "%s/r_coef.csv", dir);
	assert_int_equal(read_rows(path, 1, &coef[0][0], K + 1, 6), K + 1);
	snprintf(path, sizeof(path), "%s/r_fit.csv", dir);
	assert_int_equal(read_rows(path, 0, fitv, 1, 7), 1);
	snprintf(path, sizeof(path), "%s/r_area.csv", dir);
	assert_int_equal(read_rows(path, 0, &area[0][0], N, 6), N);

	prevent_options_default(&o);
	o.exclude_excess = 0;		/* R fits once */
	assert_int_equal(prevent_compute(&in, &o, &r, err, sizeof(err)), 0);
	assert_true(r.m.phi > 1.5);	/* the data are overdispersed */
	for (int j = 0; j <= K; j++)
	{
		double		got[6] = {r.m.beta[j], r.m.se[j], r.m.zval[j], r.m.pval[j], r.m.se_quasi[j],
		r.m.pval_quasi[j]};

		/* p-values far in the tail amplify the last bits of z: compare them as log p */
		for (int c = 0; c < 6; c++)
		{
			int			isp = c == 3 || c == 5;
			double		a = isp ? log(got[c]) : got[c], b = isp ? log(coef[j][c]) : coef[j][c];
			double		d = fabs(a - b) / fabs(b);

			if (c == 0 || c == 1 || c == 4)
				worst = d > worst ? d : worst;
			assert_rel(a, b, 1e-9);
		}
	}
	assert_rel(r.m.deviance, fitv[0], 1e-10);
	assert_rel(r.m.null_deviance, fitv[1], 1e-10);
	assert_int_equal(r.m.df, (size_t) fitv[2]);
	assert_rel(r.m.pearson, fitv[3], 1e-9);
	assert_rel(r.m.phi, fitv[4], 1e-9);
	assert_rel(r.m.loglik, fitv[5], 1e-10);
	assert_rel(r.m.aic, fitv[6], 1e-10);
	for (int i = 0; i < N; i++)
	{
		if (isnan(area[i][0]))
		{
			assert_true(isnan(r.expected[i]));
			continue;
		}
		assert_rel(r.expected[i], area[i][0], 1e-9);
		assert_rel(r.sir_lo[i], area[i][1], 1e-9);
		assert_rel(r.sir_hi[i], area[i][2], 1e-9);
		assert_rel(log(r.pval[i]), log(area[i][3]), 1e-9);
		assert_int_equal(r.flag[i] != 0, (int) area[i][4]);
		assert_rel(r.sir_eb[i], area[i][5], 1e-9);
	}
	print_message("glm vs R: %zu areas, phi %.3f, worst relative difference of estimates and (quasi) standard errors %.2g\n",
				  r.n_fitted, r.m.phi, worst);
	prevent_result_free(&r);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		print_message("cannot remove %s\n", dir);
	free(dir);
}

/* count lines of a file; -1 when it cannot be read */
static long
count_lines(const char *path)
{
	FILE	   *f = fopen(path, "r");
	long		n = 0;
	int			c;

	if (!f)
		return -1;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static int
same_file(const char *a, const char *b)
{
	FILE	   *f = fopen(a, "rb"), *g = fopen(b, "rb");
	int			same = f && g, c;

	while (same && (c = fgetc(f)) != EOF)
		same = c == fgetc(g);
	same = same && fgetc(g) == EOF;
	if (f)
		fclose(f);
	if (g)
		fclose(g);
	return same;
}

/* The synthetic city's indicators (suppressed for small PC6) and --thin. */
static void
test_synth_thin_and_indicators(void **state)
{
	synth_options so;
	char	   *dir = test_tmpdir(), a[4300], b[4300], p1[4400], p2[4400], err[256], line[512];
	FILE	   *f;
	long		rows = 0, thin_pc6 = 0, thin_pc4 = 0;

	(void) state;
	assert_non_null(dir);
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	synth_options_default(&so);
	so.outdir = a;
	assert_int_equal(synth_run(&so, NULL, err, sizeof(err)), 0);
	so.outdir = b;
	so.thin = "1315@0.25";
	assert_int_equal(synth_run(&so, NULL, err, sizeof(err)), 0);

	/* indicators do not depend on thinning; thinning removes signals */
	snprintf(p1, sizeof(p1), "%s/pc6.csv", a);
	snprintf(p2, sizeof(p2), "%s/pc6.csv", b);
	assert_true(same_file(p1, p2));
	snprintf(p1, sizeof(p1), "%s/signals.csv", a);
	snprintf(p2, sizeof(p2), "%s/signals.csv", b);
	assert_true(count_lines(p2) < count_lines(p1));
	snprintf(p1, sizeof(p1), "%s/truth_thinned.csv", a);
	assert_int_equal(count_lines(p1), 1);

	/* truth_thinned.csv: every PC6 of 1315 and the PC4 itself */
	snprintf(p2, sizeof(p2), "%s/truth_thinned.csv", b);
	assert_non_null(f = fopen(p2, "r"));
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "level,area_code,keep\n");
	while (fgets(line, sizeof(line), f))
	{
		if (strncmp(line, "pc6,1315", 8) == 0 && strstr(line, ",0.25\n"))
			thin_pc6++;
		else if (strcmp(line, "pc4,1315,0.25\n") == 0)
			thin_pc4++;
		else
			fail_msg("unexpected line in truth_thinned.csv: %s", line);
	}
	fclose(f);
	assert_int_equal(thin_pc4, 1);

	/* pc6.csv: five indicators; NULL for income figures under 10 households, all under 7 */
	snprintf(p1, sizeof(p1), "%s/pc6.csv", a);
	assert_non_null(f = fopen(p1, "r"));
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "pc6,pc4,buurt_code,wijk_code,gemeente_code,households,year,pct_low_income,"
						"pct_rent_corporation,pct_single_parent,pct_benefits,avg_income\n");
	while (fgets(line, sizeof(line), f))
	{
		char	   *fld[16];
		int			nf = 0, hh;

		for (char *c = line, *start = line;; c++)
			if (*c == ',' || *c == '\n' || !*c)
			{
				int			end = *c != ',';

				*c = '\0';
				fld[nf++] = start;
				start = c + 1;
				if (end || nf == 16)
					break;
			}
		assert_int_equal(nf, 12);
		hh = atoi(fld[5]);
		for (int k = 7; k < 12; k++)
		{
			int			known = hh >= 7 && !(hh < 10 && (k == 7 || k == 10 || k == 11));

			if (known != (fld[k][0] != '\0'))
				fail_msg("%s (%d households): indicator %d is \"%s\"", fld[0], hh, k, fld[k]);
			if (known && k < 11)
				assert_true(atof(fld[k]) >= 0 && atof(fld[k]) <= 100);
		}
		rows++;
	}
	fclose(f);
	assert_true(rows > 5000 && thin_pc6 > 50);

	/* bad specifications */
	so.outdir = b;
	so.thin = "9999";
	assert_int_equal(synth_run(&so, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no area 9999"));
	so.thin = "1.5";
	assert_int_equal(synth_run(&so, NULL, err, sizeof(err)), -1);
	so.thin = "0.2@1.5";
	assert_int_equal(synth_run(&so, NULL, err, sizeof(err)), -1);
	so.thin = "13a5";
	assert_int_equal(synth_run(&so, NULL, err, sizeof(err)), -1);
	snprintf(line, sizeof(line), "rm -rf '%s'", dir);
	if (system(line) != 0)
		print_message("cannot remove %s\n", dir);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_garwood_and_p),
		cmocka_unit_test(test_map_class_and_labels),
		cmocka_unit_test(test_parse_covariates),
		cmocka_unit_test(test_glm_closed_form),
		cmocka_unit_test(test_excluded_and_errors),
		cmocka_unit_test(test_flags_and_drivers),
		cmocka_unit_test(test_r_glm),
		cmocka_unit_test(test_synth_thin_and_indicators),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
