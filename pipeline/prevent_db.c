/*
 * pipeline/prevent_db.c — the prevention view's database side: indicators per area from
 * ref.pc6 (household-weighted over the area's PC6s, with a coverage rule instead of silent
 * imputation), and the fitted model into vsp.prevent_fit / vsp.prevent_coef.
 * Contract in prevent.h.
 */
#include "prevent.h"
#include "db.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Does ref.pc6 have every named column, each numeric?  0, -1 (database), -2 (with err). */
static int
check_columns(PGconn *c, const char *const *names, size_t k, char *err, size_t errlen)
{
	static const char *const numeric[] = {"numeric", "integer", "bigint", "smallint", "real",
	"double precision"};
	PGresult   *r = db_query(c, "SELECT column_name, data_type FROM information_schema.columns "
							 "WHERE table_schema = 'ref' AND table_name = 'pc6'", 0, NULL, err, errlen);

	if (!r)
		return -1;
	for (size_t j = 0; j < k; j++)
	{
		int			found = -1;

		for (int row = 0; row < PQntuples(r) && found < 0; row++)
			if (strcmp(PQgetvalue(r, row, 0), names[j]) == 0)
				found = row;
		if (found < 0)
		{
			snprintf(err, errlen, "prevent: [prevent] covariates: ref.pc6 has no column %s", names[j]);
			PQclear(r);
			return -2;
		}
		{
			int			ok = 0;

			for (size_t t = 0; t < sizeof(numeric) / sizeof(numeric[0]); t++)
				ok |= strcmp(PQgetvalue(r, found, 1), numeric[t]) == 0;
			if (ok)
				continue;
		}
		{
			snprintf(err, errlen, "prevent: [prevent] covariates: ref.pc6.%s is %s, not a number", names[j],
					 PQgetvalue(r, found, 1));
			PQclear(r);
			return -2;
		}
	}
	PQclear(r);
	return 0;
}

/* SELECT pc6, households, "a"::float8, ... FROM ref.pc6; NULL with err. */
static char *
build_query(PGconn *c, const char *const *names, size_t k, char *err, size_t errlen)
{
	size_t		cap = 128, pos;
	char	   *sql;

	for (size_t j = 0; j < k; j++)
		cap += 2 * strlen(names[j]) + 32;
	if (!(sql = malloc(cap)))
		return snprintf(err, errlen, "prevent: out of memory"), NULL;
	pos = (size_t) snprintf(sql, cap, "SELECT pc6, households");
	for (size_t j = 0; j < k; j++)
	{
		char	   *q = PQescapeIdentifier(c, names[j], strlen(names[j]));

		if (!q)
		{
			free(sql);
			return snprintf(err, errlen, "prevent: cannot quote %s: %s", names[j], PQerrorMessage(c)), NULL;
		}
		pos += (size_t) snprintf(sql + pos, cap - pos, ", %s::double precision", q);
		PQfreemem(q);
	}
	snprintf(sql + pos, cap - pos, " FROM ref.pc6");
	return sql;
}

static long
find_pc6(const char (*pc6)[7], size_t nref, const char *code)
{
	size_t		lo = 0, hi = nref;

	while (lo < hi)
	{
		size_t		mid = lo + (hi - lo) / 2;
		int			c = strcmp(pc6[mid], code);

		if (c == 0)
			return (long) mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

int
prevent_load_indicators(PGconn *c, const char (*pc6)[7], size_t nref, const long *pc6_area,
						size_t n, const char *const *names, size_t k, double min_coverage,
						double **x, char *err, size_t errlen)
{
	size_t		nn = n ? n : 1;
	double	   *hh_all = calloc(nn, sizeof(double)), *cov = calloc(nn * k, sizeof(double));
	PGresult   *r = NULL;
	char	   *sql = NULL;
	int			rc = -1;

	for (size_t j = 0; j < k; j++)
		x[j] = NULL;
	if (!hh_all || !cov)
	{
		snprintf(err, errlen, "prevent: out of memory");
		goto done;
	}
	for (size_t j = 0; j < k; j++)
		if (!(x[j] = calloc(nn, sizeof(double))))
		{
			snprintf(err, errlen, "prevent: out of memory");
			goto done;
		}
	if ((rc = check_columns(c, names, k, err, errlen)) != 0 || !(sql = build_query(c, names, k, err, errlen)))
	{
		rc = rc ? rc : -1;
		goto done;
	}
	rc = -1;
	if (!(r = db_query(c, sql, 0, NULL, err, errlen)))
		goto done;
	for (int row = 0; row < PQntuples(r); row++)
	{
		long		p = find_pc6(pc6, nref, PQgetvalue(r, row, 0)), a;
		double		h;

		if (p < 0 || (a = pc6_area[p]) < 0 || PQgetisnull(r, row, 1))
			continue;			/* not in this run's areas, or households suppressed */
		h = atof(PQgetvalue(r, row, 1));
		hh_all[a] += h;
		for (size_t j = 0; j < k; j++)
			if (!PQgetisnull(r, row, (int) j + 2))
			{
				x[j][a] += h * atof(PQgetvalue(r, row, (int) j + 2));
				cov[j * nn + (size_t) a] += h;
			}
	}
	/* household-weighted mean where the known PC6s hold enough of the households */
	for (size_t j = 0; j < k; j++)
		for (size_t a = 0; a < n; a++)
		{
			double		cj = cov[j * nn + a];

			x[j][a] = (cj > 0 && cj >= min_coverage * hh_all[a]) ? x[j][a] / cj : NAN;
		}
	rc = 0;
done:
	if (r)
		PQclear(r);
	free(sql);
	free(hh_all);
	free(cov);
	if (rc != 0)
		for (size_t j = 0; j < k; j++)
		{
			free(x[j]);
			x[j] = NULL;
		}
	return rc;
}

static void
num(char *buf, size_t len, double v)
{
	if (isfinite(v))
		snprintf(buf, len, "%.17g", v);
	else
		buf[0] = '\0';
}

int
prevent_write_db(PGconn *c, int64_t run_id, const char *level, const prevent_result *r,
				 char *err, size_t errlen)
{
	const prevent_model *m = &r->m;
	char		id[32], v[20][40], covs[1200];
	const char *p[22];
	size_t		pos = 0, nh = 0, ni = 0;
	PGresult   *res;

	snprintf(id, sizeof(id), "%lld", (long long) run_id);
	p[0] = id;
	if (!(res = db_query(c, "DELETE FROM vsp.prevent_coef WHERE run_id = $1::bigint", 1, p, err, errlen)))
		return -1;
	PQclear(res);
	if (!(res = db_query(c, "DELETE FROM vsp.prevent_fit WHERE run_id = $1::bigint", 1, p, err, errlen)))
		return -1;
	PQclear(res);

	/* names are checked identifiers: safe in an array literal */
	pos = (size_t) snprintf(covs, sizeof(covs), "{");
	for (size_t j = 1; j < m->p && pos < sizeof(covs); j++)
		pos += (size_t) snprintf(covs + pos, sizeof(covs) - pos, "%s%s", j > 1 ? "," : "", m->terms[j]);
	if (pos < sizeof(covs))
		snprintf(covs + pos, sizeof(covs) - pos, "}");
	for (size_t i = 0; i < r->n; i++)
	{
		nh += r->status[i] == PREVENT_NO_HOUSEHOLDS;
		ni += r->status[i] == PREVENT_NO_INDICATORS;
	}
	snprintf(v[0], sizeof(v[0]), "%zu", r->n);
	snprintf(v[1], sizeof(v[1]), "%zu", r->n_fitted);
	snprintf(v[2], sizeof(v[2]), "%zu", nh);
	snprintf(v[3], sizeof(v[3]), "%zu", ni);
	snprintf(v[4], sizeof(v[4]), "%zu", m->df);
	num(v[5], sizeof(v[5]), m->deviance);
	num(v[6], sizeof(v[6]), m->null_deviance);
	num(v[7], sizeof(v[7]), m->pearson);
	num(v[8], sizeof(v[8]), m->phi);
	num(v[9], sizeof(v[9]), m->loglik);
	num(v[10], sizeof(v[10]), m->aic);
	snprintf(v[11], sizeof(v[11]), "%d", m->iterations);
	num(v[12], sizeof(v[12]), r->fdr_q);
	snprintf(v[13], sizeof(v[13]), "%zu", r->n_hidden);
	snprintf(v[14], sizeof(v[14]), "%zu", r->n_excess);
	num(v[15], sizeof(v[15]), r->eb_m);
	num(v[16], sizeof(v[16]), r->eb_a);
	snprintf(v[17], sizeof(v[17]), "%zu", m->nobs);
	snprintf(v[18], sizeof(v[18]), "%zu", r->n_left_out);
	p[1] = level;
	p[2] = covs;
	for (int q = 0; q <= 18; q++)
		p[q + 3] = v[q][0] ? v[q] : NULL;
	res = db_query(c, "INSERT INTO vsp.prevent_fit (run_id, level, covariates, n_areas, n_fitted, "
				   "n_no_households, n_no_indicators, df, deviance, null_deviance, pearson_chi2, dispersion, "
				   "loglik, aic, iterations, fdr_q, n_hidden_need, n_excess, eb_mean, eb_var, n_used, "
				   "n_left_out) VALUES ($1::bigint, $2, $3::text[], $4::int, $5::int, $6::int, $7::int, "
				   "$8::int, $9::float8, $10::float8, $11::float8, $12::float8, $13::float8, $14::float8, "
				   "$15::int, $16::float8, $17::int, $18::int, $19::float8, $20::float8, $21::int, $22::int)",
				   22, p, err, errlen);
	if (!res)
		return -1;
	PQclear(res);
	for (size_t j = 0; j < m->p; j++)
	{
		p[1] = m->terms[j];
		snprintf(v[0], sizeof(v[0]), "%zu", j);
		num(v[1], sizeof(v[1]), m->beta[j]);
		num(v[2], sizeof(v[2]), m->se[j]);
		num(v[3], sizeof(v[3]), m->zval[j]);
		num(v[4], sizeof(v[4]), m->pval[j]);
		num(v[5], sizeof(v[5]), m->se_quasi[j]);
		num(v[6], sizeof(v[6]), m->pval_quasi[j]);
		for (int q = 0; q <= 6; q++)
			p[q + 2] = v[q][0] ? v[q] : NULL;
		res = db_query(c, "INSERT INTO vsp.prevent_coef (run_id, term, position, estimate, std_error, "
					   "z_value, p_value, quasi_std_error, quasi_p_value) VALUES ($1::bigint, $2, $3::int, "
					   "$4::float8, $5::float8, $6::float8, $7::float8, $8::float8, $9::float8)",
					   9, p, err, errlen);
		if (!res)
			return -1;
		PQclear(res);
	}
	return 0;
}
