/*
 * pipeline/prevent.h — the prevention view: the risk an area is expected to have from its
 * CBS indicators, and where the observed signals fall short of it (or exceed it).
 *
 * Model (docs/methodology.md §5): households with a signal O_i ~ Poisson(μ_i) with
 * log μ_i = log n_i + β0 + Σ_k β_k x_ik (n_i households, x_ik the indicators), fitted by
 * iteratively reweighted least squares with a QR solve (GSL), as R's
 * glm(O ~ x1 + ... + offset(log(n)), family = poisson).  Overdispersion φ = Pearson χ²/df;
 * quasi-Poisson standard errors are the Poisson ones times √φ.
 *
 * Per area: expected E_i = μ_i, SIR = O/E with the exact (Garwood) 95 % interval, a
 * two-sided exact Poisson p-value, Benjamini–Hochberg at q over the fitted areas, the flags
 * "hidden need" (significantly fewer than expected) and "excess" (significantly more), the
 * empirical-Bayes SIR (Marshall 1991 on O and E), a map class, and the indicators that push
 * the area's expectation most away from the average, in words.
 *
 * Areas without households or with a missing (suppressed) indicator are left out of the fit
 * and keep NaN results with their status saying why — never imputed.
 *
 * Ownership: prevent_compute() fills a caller-declared prevent_result that the caller frees
 * with prevent_result_free() (NULL-safe, and safe on a zeroed struct).  Input arrays stay
 * the caller's.  Errors come back as -1 with a one-line message in err.
 */
#ifndef VSP_PREVENT_H
#define VSP_PREVENT_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PREVENT_MAX_COV 16

typedef enum prevent_status
{
	PREVENT_FITTED = 0,
	PREVENT_NO_HOUSEHOLDS,		/* households unknown or 0: no expectation */
	PREVENT_NO_INDICATORS		/* an indicator is missing or suppressed */
} prevent_status;

typedef struct prevent_options
{
	double		fdr_q;			/* Benjamini–Hochberg q for the flags (0.05) */
	double		level;			/* confidence of the SIR interval (0.95) */
	int			max_iter;		/* IRLS iterations (100) */
	double		tol;			/* |Δdeviance| / (|deviance| + 0.1) to stop (1e-12) */
	double		driver_min;		/* |β_k (x_ik − x̄_k)| to name a driver (log 1.05) */
	int			max_drivers;	/* drivers named per area (3) */
	int			exclude_excess;	/* two stages: refit without the areas with significant excess
								 * in the first fit (1, see prevent_compute) */
} prevent_options;

typedef struct prevent_input
{
	size_t		n;
	const double *count;		/* O_i: households with a signal, whole numbers >= 0 */
	const double *pop;			/* n_i: households; NaN or <= 0 = not fitted */
	size_t		k;				/* indicators, 1..PREVENT_MAX_COV */
	const double *const *x;		/* k arrays of n values; NaN = missing or suppressed */
	const char *const *names;	/* k indicator names (e.g. "pct_low_income") */
	const char *const *codes;	/* n area codes for messages, or NULL */
} prevent_input;

/* The fitted model; terms[0] is "(Intercept)", then the indicators in input order. */
typedef struct prevent_model
{
	size_t		p;				/* k + 1 */
	char	  **terms;
	double	   *beta;
	double	   *se;				/* Poisson (φ = 1) */
	double	   *zval, *pval;	/* Wald z, two-sided normal p */
	double	   *se_quasi;		/* se √φ, as R's quasipoisson */
	double	   *pval_quasi;		/* two-sided t with df */
	double	   *xmean;			/* k: mean indicator over the fitted areas */
	size_t		nobs, df;		/* fitted areas; nobs − p */
	double		deviance, null_deviance, pearson, phi, loglik, aic;
	int			iterations;
} prevent_model;

typedef struct prevent_result
{
	size_t		n;
	prevent_model m;
	int		   *status;			/* prevent_status */
	int		   *missing;		/* PREVENT_NO_INDICATORS: index of the first missing indicator */
	unsigned char *in_fit;		/* 1 = used to estimate β (fitted and not left out as excess) */
	double	   *expected;		/* E_i; NaN when not fitted */
	double	   *sir, *sir_lo, *sir_hi;	/* O/E and its exact interval */
	double	   *pval;			/* two-sided exact Poisson p of O given E */
	double	   *sir_eb;			/* empirical-Bayes SIR */
	int		   *flag;			/* -1 hidden need, +1 excess, 0 neither (after BH) */
	int		   *map_class;		/* -3..3, see prevent_map_class() */
	char	  **drivers;		/* "laag inkomen +, huur corporatie +"; NULL when not fitted */
	size_t		n_fitted;		/* areas with an expectation (status PREVENT_FITTED) */
	size_t		n_left_out;		/* of those, left out of the second fit as excess */
	size_t		n_hidden, n_excess;
	double		eb_m, eb_a;		/* global EB prior: mean SIR and variance a */
	double		fdr_q;
} prevent_result;

void		prevent_options_default(prevent_options *o);

/*
 * prevent_glm_poisson — Poisson regression with log link by IRLS.
 *
 * X is n x p row-major (the caller puts the intercept column in), y n counts (>= 0),
 * offset n values (log n_i; NULL = 0).  Starts at μ = y + 0.1 as R does and iterates
 * until |Δdev| / (|dev| + 0.1) < o->tol; the covariance and Pearson χ² are then taken at
 * the final μ.  Fills m (beta, se, zval, pval, se_quasi, pval_quasi, deviance,
 * null_deviance, pearson, phi, loglik, aic, iterations, nobs, df; terms and xmean are
 * left alone) — m's arrays must hold p values — and mu (n, may be NULL) with the fitted
 * means.  Returns 0, or -1 with err when p >= n, a column is constant or collinear with
 * the others (names[j] names it when names is not NULL, names[0] being the intercept),
 * the fit does not converge or memory runs out.
 */
int			prevent_glm_poisson(size_t n, size_t p, const double *X, const double *y,
								const double *offset, const prevent_options *o,
								const char *const *names, prevent_model *m, double *mu,
								char *err, size_t errlen);

/* Exact (Garwood 1936) interval for a Poisson mean given the count O, at confidence
 * level (e.g. 0.95), divided by E: the interval of SIR = O/E.  O = 0 gives lo = 0. */
void		prevent_garwood(double O, double E, double level, double *lo, double *hi);
/* Two-sided exact Poisson p of O given mean E: min(1, 2 min(P(X <= O), P(X >= O))) —
 * the test whose acceptance region is the Garwood interval. */
double		prevent_poisson_p(double O, double E);
/* Map class -3..3 of one area: ±3 for a flagged area (excess / hidden need), else from
 * the EB SIR: >= 1.25 → 2, >= 1.1 → 1, <= 0.8 → −2, <= 0.9 → −1, else 0; 0 for NaN. */
int			prevent_map_class(int flag, double sir_eb);
/* The word for an indicator in driver texts and legends ("laag inkomen"); unknown names
 * come back as they are. */
const char *prevent_label(const char *name);

/* Why area i is not (fully) in the model, into buf: "no households", "indicator missing:
 * pct_benefits", "excess in the first fit: not used for the expectation", or "".
 * Returns buf. */
const char *prevent_note(const prevent_result *r, size_t i, char *buf, size_t len);

/* Everything: fit, per-area figures, flags, EB, drivers.  With o->exclude_excess the model
 * is fitted twice: first on every area with households and indicators, then again without
 * the areas whose signals significantly exceed the first expectation (they are not explained
 * by the indicators — typically hotspots — and would raise everyone's expectation); every
 * figure comes from the second fit, which also gives those areas their expectation.  0, or
 * -1 with err (bad counts, too few areas with indicators, a fit that fails); r is then freed
 * already. */
int			prevent_compute(const prevent_input *in, const prevent_options *o,
							prevent_result *r, char *err, size_t errlen);
void		prevent_result_free(prevent_result *r);

/* Split "pct_low_income, avg_income" into names (each [a-z_][a-z0-9_]*, at most
 * PREVENT_MAX_COV, no repeats).  *names is one allocation the caller frees with free().
 * 0, or -1 with err naming the bad item. */
int			prevent_parse_covariates(const char *list, char ***names, size_t *k, char *err,
									 size_t errlen);

/*
 * prevent_load_indicators — the indicators per area from ref.pc6 (numeric columns named by
 * names), as household-weighted means over the area's PC6s.  pc6_area maps each row of
 * ref (pc6[nref], in the order given) to an area index or -1.  An area's indicator is
 * missing (NaN) when the PC6s with a known value hold less than min_coverage of the
 * households of its PC6s with known households.  x[j] (j < k) are allocated here, n long;
 * the caller frees each.  0; -1 with err on a database error or out of memory; -2 with err
 * when a column does not exist in ref.pc6 or is not numeric (a configuration error).
 */
int			prevent_load_indicators(PGconn *c, const char (*pc6)[7], size_t nref,
									const long *pc6_area, size_t n, const char *const *names,
									size_t k, double min_coverage, double **x, char *err,
									size_t errlen);
/* In the caller's transaction: the model of run_id into vsp.prevent_fit and
 * vsp.prevent_coef (replacing earlier rows of that run).  0 or -1 with err. */
int			prevent_write_db(PGconn *c, int64_t run_id, const char *level,
							 const prevent_result *r, char *err, size_t errlen);
/* The prevention section of summary.md: model, dispersion, flagged areas (codes and
 * expected counts only — no count of a suppressed area). */
void		prevent_write_summary(FILE *f, const prevent_result *r, const char *const *codes,
								  const unsigned char *suppressed);

#endif
