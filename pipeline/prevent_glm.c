/*
 * pipeline/prevent_glm.c — Poisson regression with log link and offset, by iteratively
 * reweighted least squares, each step a weighted least-squares solve by Householder QR
 * (GSL), as R's glm.fit does it (Cdqrls).  Contract in pipeline/prevent.h.
 *
 * One IRLS step for the canonical log link is a Newton step: with μ the current means,
 * working weights w = μ and working response z = η − offset + (y − μ)/μ, the new β solves
 * min ‖√w (z − Xβ)‖².  The covariance of β̂ is (X'WX)⁻¹ = R⁻¹R⁻ᵀ from the QR of √W X at the
 * final μ.
 */
#include "prevent.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* R's glm.control() default: what we accept when the tighter tolerance is out of reach */
#define GLM_R_EPSILON	1e-8
/* a column whose QR diagonal falls below this share of its norm is collinear */
#define GLM_RANK_TOL	1e-10

typedef struct glm_work
{
	gsl_matrix *A;				/* √w X, then its QR */
	gsl_vector *tau, *b, *res, *beta;
	double	   *eta, *mu, *colnorm, *beta_old;
} glm_work;

static void
work_free(glm_work *g)
{
	if (g->A)
		gsl_matrix_free(g->A);
	if (g->tau)
		gsl_vector_free(g->tau);
	if (g->b)
		gsl_vector_free(g->b);
	if (g->res)
		gsl_vector_free(g->res);
	if (g->beta)
		gsl_vector_free(g->beta);
	free(g->eta);
	free(g->mu);
	free(g->colnorm);
	free(g->beta_old);
	memset(g, 0, sizeof(*g));
}

static int
work_alloc(glm_work *g, size_t n, size_t p)
{
	memset(g, 0, sizeof(*g));
	g->A = gsl_matrix_alloc(n, p);
	g->tau = gsl_vector_alloc(p);
	g->b = gsl_vector_alloc(n);
	g->res = gsl_vector_alloc(n);
	g->beta = gsl_vector_alloc(p);
	g->eta = malloc(n * sizeof(double));
	g->mu = malloc(n * sizeof(double));
	g->colnorm = malloc(p * sizeof(double));
	g->beta_old = malloc(p * sizeof(double));
	if (!g->A || !g->tau || !g->b || !g->res || !g->beta || !g->eta || !g->mu || !g->colnorm ||
		!g->beta_old)
	{
		work_free(g);
		return -1;
	}
	return 0;
}

/* Poisson deviance 2 Σ [y log(y/μ) − (y − μ)], y log y = 0 at y = 0. */
static double
deviance(size_t n, const double *y, const double *mu)
{
	double		d = 0;

	for (size_t i = 0; i < n; i++)
		d += 2.0 * ((y[i] > 0 ? y[i] * log(y[i] / mu[i]) : 0.0) - (y[i] - mu[i]));
	return d;
}

/* Fill A = √μ X (and b = √μ z when z_too), then QR-decompose A in place and check the rank.
 * Returns 0, -1 (collinear: *bad = the column), -2 (GSL failure). */
static int
weighted_qr(glm_work *g, size_t n, size_t p, const double *X, const double *y,
			const double *offset, int z_too, size_t *bad)
{
	for (size_t i = 0; i < n; i++)
	{
		double		sw = sqrt(g->mu[i]);

		for (size_t j = 0; j < p; j++)
			gsl_matrix_set(g->A, i, j, sw * X[i * p + j]);
		if (z_too)
			gsl_vector_set(g->b, i, sw * (g->eta[i] - (offset ? offset[i] : 0.0) +
										  (y[i] - g->mu[i]) / g->mu[i]));
	}
	for (size_t j = 0; j < p; j++)
	{
		gsl_vector_view col = gsl_matrix_column(g->A, j);

		g->colnorm[j] = gsl_blas_dnrm2(&col.vector);
	}
	if (gsl_linalg_QR_decomp(g->A, g->tau) != GSL_SUCCESS)
		return -2;
	for (size_t j = 0; j < p; j++)
		if (!(fabs(gsl_matrix_get(g->A, j, j)) > GLM_RANK_TOL * g->colnorm[j]))
		{
			*bad = j;
			return -1;
		}
	return 0;
}

/* η = Xβ + offset, μ = exp(η); returns the deviance. */
static double
update_mu(glm_work *g, size_t n, size_t p, const double *X, const double *y, const double *offset,
		  const double *beta)
{
	for (size_t i = 0; i < n; i++)
	{
		double		e = offset ? offset[i] : 0.0;

		for (size_t j = 0; j < p; j++)
			e += X[i * p + j] * beta[j];
		g->eta[i] = e;
		g->mu[i] = exp(e);
	}
	return deviance(n, y, g->mu);
}

static int
check_input(size_t n, size_t p, const double *X, const double *y, const double *offset,
			char *err, size_t errlen)
{
	if (p == 0 || n <= p)
		return snprintf(err, errlen, "prevent: %zu areas for %zu coefficients: the model needs more areas "
						"than coefficients", n, p), -1;
	for (size_t i = 0; i < n; i++)
	{
		if (!(y[i] >= 0) || !isfinite(y[i]) || (offset && !isfinite(offset[i])))
			return snprintf(err, errlen, "prevent: area %zu has count %g and offset %g", i, y[i],
							offset ? offset[i] : 0.0), -1;
		for (size_t j = 0; j < p; j++)
			if (!isfinite(X[i * p + j]))
				return snprintf(err, errlen, "prevent: area %zu has no value for term %zu", i, j), -1;
	}
	return 0;
}

/* The covariance from the QR in g->A (R⁻¹R⁻ᵀ), its diagonal into m->se, and the tests. */
static void
fill_inference(const glm_work *g, size_t p, prevent_model *m)
{
	double		Rinv[PREVENT_MAX_COV + 1][PREVENT_MAX_COV + 1];

	/* R⁻¹ by back substitution, column by column */
	for (size_t c = 0; c < p; c++)
		for (size_t r = p; r-- > 0;)
		{
			double		s = (r == c) ? 1.0 : 0.0;

			if (r > c)
			{
				Rinv[r][c] = 0.0;
				continue;
			}
			for (size_t k = r + 1; k <= c; k++)
				s -= gsl_matrix_get(g->A, r, k) * Rinv[k][c];
			Rinv[r][c] = s / gsl_matrix_get(g->A, r, r);
		}
	for (size_t j = 0; j < p; j++)
	{
		double		v = 0, sq = sqrt(m->phi);

		for (size_t k = j; k < p; k++)
			v += Rinv[j][k] * Rinv[j][k];
		m->se[j] = sqrt(v);
		m->zval[j] = m->beta[j] / m->se[j];
		m->pval[j] = erfc(fabs(m->zval[j]) / M_SQRT2);
		m->se_quasi[j] = m->se[j] * sq;
		m->pval_quasi[j] = 2.0 * gsl_cdf_tdist_Q(fabs(m->beta[j] / m->se_quasi[j]), (double) m->df);
	}
}

int
prevent_glm_poisson(size_t n, size_t p, const double *X, const double *y, const double *offset,
					const prevent_options *o, const char *const *names, prevent_model *m,
					double *mu, char *err, size_t errlen)
{
	glm_work	g;
	double		dev = 0, devold, change = INFINITY, sy = 0, sn = 0;
	size_t		bad = 0;
	int			rc = -1, q, iter;

	gsl_set_error_handler_off();
	if (p > PREVENT_MAX_COV + 1)
		return snprintf(err, errlen, "prevent: at most %d indicators", PREVENT_MAX_COV), -1;
	if (check_input(n, p, X, y, offset, err, errlen) != 0)
		return -1;
	if (work_alloc(&g, n, p) != 0)
		return snprintf(err, errlen, "prevent: out of memory for %zu areas", n), -1;

	/* R's poisson()$initialize: μ = y + 0.1 */
	for (size_t i = 0; i < n; i++)
	{
		g.mu[i] = y[i] + 0.1;
		g.eta[i] = log(g.mu[i]);
	}
	devold = deviance(n, y, g.mu);
	for (size_t j = 0; j < p; j++)
		g.beta_old[j] = NAN;
	for (iter = 1; iter <= o->max_iter; iter++)
	{
		if ((q = weighted_qr(&g, n, p, X, y, offset, 1, &bad)) != 0)
			goto qr_failed;
		if (gsl_linalg_QR_lssolve(g.A, g.tau, g.b, g.beta, g.res) != GSL_SUCCESS)
		{
			snprintf(err, errlen, "prevent: the least-squares step failed");
			goto done;
		}
		dev = update_mu(&g, n, p, X, y, offset, g.beta->data);
		/* an overflowing step: halve it towards the previous β, as glm.fit does */
		for (int h = 0; !isfinite(dev) && h < 30 && !isnan(g.beta_old[0]); h++)
		{
			for (size_t j = 0; j < p; j++)
				g.beta->data[j] = 0.5 * (g.beta->data[j] + g.beta_old[j]);
			dev = update_mu(&g, n, p, X, y, offset, g.beta->data);
		}
		if (!isfinite(dev))
		{
			snprintf(err, errlen, "prevent: the fit diverged (deviance not finite at iteration %d)", iter);
			goto done;
		}
		change = fabs(dev - devold) / (fabs(dev) + 0.1);
		if (change < o->tol)
			break;
		devold = dev;
		memcpy(g.beta_old, g.beta->data, p * sizeof(double));
	}
	if (iter > o->max_iter)
	{
		if (!(change < GLM_R_EPSILON))
		{
			snprintf(err, errlen, "prevent: no convergence in %d iterations (relative deviance change %.2g)",
					 o->max_iter, change);
			goto done;
		}
		iter = o->max_iter;
	}

	/* inference at the final μ */
	if ((q = weighted_qr(&g, n, p, X, y, offset, 0, &bad)) != 0)
		goto qr_failed;
	m->iterations = iter;
	m->nobs = n;
	m->df = n - p;
	m->deviance = dev;
	m->pearson = 0;
	m->loglik = 0;
	for (size_t i = 0; i < n; i++)
	{
		double		r = y[i] - g.mu[i];

		m->pearson += r * r / g.mu[i];
		m->loglik += (y[i] > 0 ? y[i] * log(g.mu[i]) : 0.0) - g.mu[i] - lgamma(y[i] + 1.0);
		sy += y[i];
		sn += offset ? exp(offset[i]) : 1.0;
	}
	m->phi = m->pearson / (double) m->df;
	m->aic = -2.0 * m->loglik + 2.0 * (double) p;
	/* null model: intercept and the same offset, μ0_i = exp(offset_i) Σy / Σexp(offset) */
	m->null_deviance = 0;
	for (size_t i = 0; i < n; i++)
	{
		double		m0 = (offset ? exp(offset[i]) : 1.0) * sy / sn;

		m->null_deviance += 2.0 * ((y[i] > 0 ? y[i] * log(y[i] / m0) : 0.0) - (y[i] - m0));
	}
	memcpy(m->beta, g.beta->data, p * sizeof(double));
	fill_inference(&g, p, m);
	if (mu)
		memcpy(mu, g.mu, n * sizeof(double));
	rc = 0;
	goto done;

qr_failed:
	if (q == -1 && names)
		snprintf(err, errlen, "prevent: %s is constant or a combination of the other indicators "
				 "over the fitted areas", names[bad]);
	else if (q == -1)
		snprintf(err, errlen, "prevent: column %zu is constant or a combination of the other columns", bad);
	else
		snprintf(err, errlen, "prevent: the QR decomposition failed");
done:
	work_free(&g);
	return rc;
}
