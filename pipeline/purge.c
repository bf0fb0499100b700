/*
 * pipeline/purge.c — vsp purge: retention terms applied in one transaction (see purge.h).
 *
 * Children are deleted explicitly before their runs, so every row is counted in its own
 * table rather than vanishing silently through ON DELETE CASCADE.  Source tables are named
 * by the config and quoted with PQescapeIdentifier; the columns they must have are those of
 * sql/001_platform.sql: signal table signaal_id, signaaldatum, ontvangen_op; case table
 * signaal_id, datum_afgesloten.
 */
#include "purge.h"
#include "util.h"
#include "cli.h"
#include "db.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <errno.h>
#include <dirent.h>

typedef struct purge_ctx
{
	PGconn	   *c;
	FILE	   *out;
	int			dry_run;
	long long	total;
	char		sqlstate[6];
	char		err[1024];
} purge_ctx;

/* One DELETE; prints "TABLE COUNT  what" and adds to the total.  0, or -1 with x->err and
 * x->sqlstate set (the server's primary message only: never a DETAIL with row values). */
static int
purge_step(purge_ctx *x, const char *table, const char *what, const char *sql, int nparams,
		   const char *const *params)
{
	PGresult   *r = PQexecParams(x->c, sql, nparams, NULL, params, NULL, NULL, 0);
	long long	n;

	if (PQresultStatus(r) != PGRES_COMMAND_OK)
	{
		const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);

		snprintf(x->sqlstate, sizeof(x->sqlstate), "%s", st ? st : "");
		snprintf(x->err, sizeof(x->err), "deleting from %s failed: %s", table,
				 msg ? msg : PQerrorMessage(x->c));
		for (char *p = x->err; *p; p++)
			if (*p == '\n')
				*p = ' ';
		PQclear(r);
		return -1;
	}
	n = atoll(PQcmdTuples(r));
	PQclear(r);
	x->total += n;
	fprintf(x->out, "%-22s %10lld  %s\n", table, n, what);
	log_info("%s %s: %lld rows %s", x->dry_run ? "would delete from" : "deleted from", table, n, what);
	return 0;
}

/* vsp's own tables: quarantine, outreach, area_scores, runs. */
static int
purge_vsp(purge_ctx *x, const config *cfg)
{
	char		q[16], o[16], res[16], what[160];
	const char *p2[2] = {q, res}, *p2o[2] = {o, res}, *p1[1] = {res};

	snprintf(q, sizeof(q), "%d", cfg->ret_quarantine_months);
	snprintf(o, sizeof(o), "%d", cfg->ret_outreach_months);
	snprintf(res, sizeof(res), "%d", cfg->ret_results_months);

	snprintf(what, sizeof(what), "quarantined rows older than %d months (or of runs purged below)",
			 cfg->ret_quarantine_months);
	if (purge_step(x, "vsp.quarantine", what,
				   "DELETE FROM vsp.quarantine q WHERE q.created_at < now() - make_interval(months => $1::int) "
				   "OR q.run_id IN (SELECT r.run_id FROM vsp.runs r WHERE r.status <> 'running' "
				   "AND r.started_at < now() - make_interval(months => $2::int))", 2, p2) != 0)
		return -1;
	snprintf(what, sizeof(what), "outreach rows of runs older than %d months", cfg->ret_outreach_months);
	if (purge_step(x, "vsp.outreach", what,
				   "DELETE FROM vsp.outreach o USING vsp.runs r WHERE o.run_id = r.run_id "
				   "AND r.status <> 'running' AND (r.started_at < now() - make_interval(months => $1::int) "
				   "OR r.started_at < now() - make_interval(months => $2::int))", 2, p2o) != 0)
		return -1;
	snprintf(what, sizeof(what), "area scores of runs older than %d months", cfg->ret_results_months);
	if (purge_step(x, "vsp.area_scores", what,
				   "DELETE FROM vsp.area_scores s USING vsp.runs r WHERE s.run_id = r.run_id "
				   "AND r.status <> 'running' AND r.started_at < now() - make_interval(months => $1::int)",
				   1, p1) != 0)
		return -1;
	snprintf(what, sizeof(what), "runs older than %d months", cfg->ret_results_months);
	return purge_step(x, "vsp.runs", what,
					  "DELETE FROM vsp.runs r WHERE r.status <> 'running' "
					  "AND r.started_at < now() - make_interval(months => $1::int)", 1, p1);
}

/* The platform's signals and cases (only with [retention] purge_source = true). */
static int
purge_source(purge_ctx *x, const config *cfg)
{
	char	   *s = NULL, *z = NULL, sql[1024], what[160], closed[16], unhandled[16];
	const char *pc[1] = {closed}, *pu[1] = {unhandled};
	int			rc = -1;

	snprintf(closed, sizeof(closed), "%d", cfg->ret_closed_months);
	snprintf(unhandled, sizeof(unhandled), "%d", cfg->ret_unhandled_months);
	if (!(s = db_quote_qualified(x->c, cfg->purge_signals_table, x->err, sizeof(x->err))) ||
		!(z = db_quote_qualified(x->c, cfg->purge_cases_table, x->err, sizeof(x->err))))
		goto done;

	/* signals whose every case was closed before the term (a case still open keeps them) */
	snprintf(sql, sizeof(sql),
			 "DELETE FROM %s s WHERE EXISTS (SELECT 1 FROM %s z WHERE z.signaal_id = s.signaal_id "
			 "AND z.datum_afgesloten < (current_date - make_interval(months => $1::int))::date) "
			 "AND NOT EXISTS (SELECT 1 FROM %s z WHERE z.signaal_id = s.signaal_id "
			 "AND (z.datum_afgesloten IS NULL "
			 "OR z.datum_afgesloten >= (current_date - make_interval(months => $1::int))::date))", s, z, z);
	snprintf(what, sizeof(what), "signals of cases closed more than %d months ago", cfg->ret_closed_months);
	if (purge_step(x, cfg->purge_signals_table, what, sql, 1, pc) != 0)
		goto done;
	snprintf(sql, sizeof(sql),
			 "DELETE FROM %s z WHERE z.datum_afgesloten < (current_date - make_interval(months => $1::int))::date",
			 z);
	snprintf(what, sizeof(what), "cases closed more than %d months ago", cfg->ret_closed_months);
	if (purge_step(x, cfg->purge_cases_table, what, sql, 1, pc) != 0)
		goto done;
	/* unhandled: no case at all; a signal without signaaldatum ages from its receipt */
	snprintf(sql, sizeof(sql),
			 "DELETE FROM %s s WHERE coalesce(s.signaaldatum, s.ontvangen_op::date) "
			 "< (current_date - make_interval(months => $1::int))::date "
			 "AND NOT EXISTS (SELECT 1 FROM %s z WHERE z.signaal_id = s.signaal_id)", s, z);
	snprintf(what, sizeof(what), "signals without a case, signaaldatum more than %d months ago",
			 cfg->ret_unhandled_months);
	if (purge_step(x, cfg->purge_signals_table, what, sql, 1, pu) != 0)
		goto done;
	rc = 0;
done:
	free(s);
	free(z);
	return rc;
}

/*
 * Output folders OUT/<YYYY-MM-DD>/ hold the household lists (addresses): they go after the
 * outreach term, like vsp.outreach.  The folder `latest` points at is always kept.  Returns
 * the number of folders deleted (or that would be), -1 when one cannot be removed.
 */
static long
purge_outputs(const config *cfg, int dry_run, FILE *out)
{
	DIR		   *d = opendir(cfg->output_dir);
	struct dirent *e;
	char		latest[64] = "", path[4096];
	int32_t		today, day;
	long		n = 0, failed = 0;
	ssize_t		len;
	int			y;
	unsigned	m, dd;

	if (!d)
		return 0;				/* no outputs yet */
	snprintf(path, sizeof(path), "%s/latest", cfg->output_dir);
	if ((len = readlink(path, latest, sizeof(latest) - 1)) > 0)
		latest[len] = '\0';
	if (util_parse_date(cfg->as_of, &today) != 0)
	{
		closedir(d);
		return -1;
	}
	/* the cut-off: the same day, ret_outreach_months calendar months back */
	util_civil_from_days(today, &y, &m, &dd);
	{
		int			months = y * 12 + (int) m - 1 - cfg->ret_outreach_months;

		today = util_days_from_civil(months / 12, (unsigned) (months % 12) + 1, dd > 28 ? 28 : dd);
	}
	while ((e = readdir(d)) != NULL)
	{
		if (strlen(e->d_name) != 10 || util_parse_date(e->d_name, &day) != 0 || day >= today ||
			strcmp(e->d_name, latest) == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", cfg->output_dir, e->d_name);
		if (!dry_run && util_rm_tree(path) != 0)
		{
			log_error("cannot remove output folder %s: %s", path, strerror(errno));
			failed++;
			continue;
		}
		n++;
	}
	closedir(d);
	fprintf(out, "  output folders (household lists) older than %d months in %s: %ld\n",
			cfg->ret_outreach_months, cfg->output_dir, n);
	log_info("%s %ld output folders", dry_run ? "would delete" : "deleted", n);
	return failed ? -1 : n;
}

int
purge_run(const config *cfg, int dry_run, FILE *out)
{
	purge_ctx	x;
	int64_t		holder = 0;
	int			lk, rc;
	char		e2[256];

	memset(&x, 0, sizeof(x));
	x.out = out;
	x.dry_run = dry_run;
	log_set_stage("purge");
	if (!(x.c = db_connect(cfg->conninfo, x.err, sizeof(x.err))))
	{
		log_error("%s", x.err);
		return EXIT_UNAVAILABLE;
	}
	if ((lk = db_try_run_lock(x.c, &holder, x.err, sizeof(x.err))) <= 0)
	{
		if (lk == 0)
			log_error("a vsp run holds the lock (run %lld): not purging", (long long) holder);
		else
			log_error("%s", x.err);
		db_close(x.c);
		return lk == 0 ? EXIT_LOCKED : EXIT_UNAVAILABLE;
	}
	fprintf(out, "vsp purge: %s\n", dry_run ? "dry run, rows that would be deleted (rolled back)" :
			"rows deleted");
	if (db_exec(x.c, "BEGIN", x.err, sizeof(x.err)) != 0 ||
		purge_vsp(&x, cfg) != 0 ||
		(cfg->purge_source && purge_source(&x, cfg) != 0) ||
		db_exec(x.c, dry_run ? "ROLLBACK" : "COMMIT", x.err, sizeof(x.err)) != 0)
	{
		log_error("%s", x.err);
		db_exec(x.c, "ROLLBACK", e2, sizeof(e2));
		/* insufficient_privilege: the role cannot do this (docs/operations.md, sql/roles.sql) */
		rc = db_is_down(x.c) || strcmp(x.sqlstate, "42501") == 0 ? EXIT_UNAVAILABLE : EXIT_FAIL;
		fprintf(out, "vsp purge: failed, nothing deleted\n");
		db_close(x.c);
		return rc;
	}
	if (purge_outputs(cfg, dry_run, out) < 0)
	{
		fprintf(out, "vsp purge: database purged, but an output folder could not be removed\n");
		db_close(x.c);
		return EXIT_CANTCREAT;
	}
	if (!cfg->purge_source)
		fprintf(out, "(source tables not purged: [retention] purge_source = false)\n");
	fprintf(out, "vsp purge: %lld rows %s\n", x.total, dry_run ? "would be deleted" : "deleted");
	log_info("%s %lld rows", dry_run ? "dry run: would delete" : "deleted", x.total);
	db_close(x.c);
	return EXIT_OK;
}
