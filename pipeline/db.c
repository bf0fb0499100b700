/*
 * pipeline/db.c — libpq access: connect, checked statements, COPY in, run log, run lock.
 */
#include "db.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libpq messages end in a newline; keep our errors to one line. */
static void
set_err(char *err, size_t errlen, const char *what, const char *pqmsg)
{
	size_t		n;

	snprintf(err, errlen, "%s: %s", what, pqmsg && *pqmsg ? pqmsg : "unknown error");
	n = strlen(err);
	while (n > 0 && (err[n - 1] == '\n' || err[n - 1] == ' '))
		err[--n] = '\0';
	for (char *p = err; *p; p++)
		if (*p == '\n')
			*p = ' ';
}

/* Server notices go to the log as one line, not to stderr in libpq's own format. */
static void
notice_to_log(void *arg, const char *msg)
{
	char		line[512];
	size_t		n;

	(void) arg;
	snprintf(line, sizeof(line), "%s", msg ? msg : "");
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == ' '))
		line[--n] = '\0';
	for (char *p = line; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	if (strncmp(line, "WARNING:", 8) == 0)
		log_warn("database: %s", line);
	else
		log_debug("database: %s", line);
}

PGconn *
db_connect(const char *conninfo, char *err, size_t errlen)
{
	PGconn	   *c = PQconnectdb(conninfo ? conninfo : "");

	if (!c)
	{
		snprintf(err, errlen, "cannot connect: out of memory");
		return NULL;
	}
	if (PQstatus(c) != CONNECTION_OK)
	{
		set_err(err, errlen, "cannot connect to database", PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	PQsetNoticeProcessor(c, notice_to_log, NULL);
	/*
	 * Predictable text output regardless of server settings.  No JIT: vsp's statements are
	 * scans and COPYs whose estimated cost at national scale triggers it, and compiling
	 * costs more than it saves (0.36 s against 0.11 s for the trend's previous scores).
	 */
	if (db_exec(c, "SET datestyle = 'ISO, YMD'; SET client_encoding = 'UTF8'; "
				"SET extra_float_digits = 3; SET application_name = 'vsp'; SET jit = off",
				err, errlen) != 0)
	{
		PQfinish(c);
		return NULL;
	}
	return c;
}

void
db_close(PGconn *c)
{
	PGTransactionStatusType ts;

	if (!c)
		return;
	/*
	 * Give up the run lock before hanging up: the server drops a session's advisory locks only
	 * when its backend exits, a moment after PQfinish, and a run or import started right after
	 * this one would find the lock still held (exit 75).  An open transaction is rolled back,
	 * as closing would.
	 */
	ts = PQtransactionStatus(c);
	if (PQstatus(c) == CONNECTION_OK && (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR))
		PQclear(PQexec(c, "ROLLBACK"));
	if (PQstatus(c) == CONNECTION_OK && PQtransactionStatus(c) == PQTRANS_IDLE)
		PQclear(PQexec(c, "SELECT pg_advisory_unlock_all()"));
	PQfinish(c);
}

int
db_exec(PGconn *c, const char *sql, char *err, size_t errlen)
{
	PGresult   *r = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(r);

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
	{
		set_err(err, errlen, "query failed", PQerrorMessage(c));
		PQclear(r);
		return -1;
	}
	PQclear(r);
	return 0;
}

PGresult *
db_query(PGconn *c, const char *sql, int nparams, const char *const *params, char *err,
		 size_t errlen)
{
	PGresult   *r = PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(r);

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
	{
		set_err(err, errlen, "query failed", PQerrorMessage(c));
		PQclear(r);
		return NULL;
	}
	return r;
}

char *
db_quote_qualified(PGconn *c, const char *name, char *err, size_t errlen)
{
	const char *dot = strchr(name, '.');
	char	   *a = NULL, *b = NULL, *out = NULL;
	size_t		len;

	if (dot)
	{
		a = PQescapeIdentifier(c, name, (size_t) (dot - name));
		b = PQescapeIdentifier(c, dot + 1, strlen(dot + 1));
	}
	else
		b = PQescapeIdentifier(c, name, strlen(name));
	if (!b || (dot && !a))
	{
		set_err(err, errlen, "cannot quote identifier", PQerrorMessage(c));
		goto done;
	}
	len = (a ? strlen(a) + 1 : 0) + strlen(b) + 1;
	if (!(out = malloc(len)))
	{
		snprintf(err, errlen, "cannot quote identifier: out of memory");
		goto done;
	}
	snprintf(out, len, "%s%s%s", a ? a : "", a ? "." : "", b);
done:
	PQfreemem(a);
	PQfreemem(b);
	return out;
}

int
db_copy_in_begin(PGconn *c, const char *copy_sql, char *err, size_t errlen)
{
	PGresult   *r = PQexec(c, copy_sql);

	if (PQresultStatus(r) != PGRES_COPY_IN)
	{
		set_err(err, errlen, "copy failed", PQerrorMessage(c));
		PQclear(r);
		return -1;
	}
	PQclear(r);
	return 0;
}

int
db_copy_put(PGconn *c, const char *buf, size_t len, char *err, size_t errlen)
{
	if (len > INT32_MAX || PQputCopyData(c, buf, (int) len) != 1)
	{
		set_err(err, errlen, "copy failed", PQerrorMessage(c));
		return -1;
	}
	return 0;
}

int
db_copy_in_end(PGconn *c, char *err, size_t errlen)
{
	PGresult   *r;
	int			ok;

	if (PQputCopyEnd(c, NULL) != 1)
	{
		set_err(err, errlen, "copy failed", PQerrorMessage(c));
		return -1;
	}
	r = PQgetResult(c);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		set_err(err, errlen, "copy failed", PQerrorMessage(c));
	PQclear(r);
	/* drain: libpq requires reading until NULL */
	while ((r = PQgetResult(c)) != NULL)
		PQclear(r);
	return ok ? 0 : -1;
}

int
db_try_run_lock(PGconn *c, int64_t *holder, char *err, size_t errlen)
{
	char		key[32];
	const char *p[1] = {key};
	PGresult   *r;
	int			got;

	*holder = 0;
	snprintf(key, sizeof(key), "%lld", (long long) DB_RUN_LOCK_KEY);
	if (!(r = db_query(c, "SELECT pg_try_advisory_lock($1::bigint)", 1, p, err, errlen)))
		return -1;
	got = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	if (got)
		return 1;
	r = db_query(c, "SELECT run_id FROM vsp.runs WHERE status = 'running' ORDER BY run_id DESC LIMIT 1",
				 0, NULL, err, errlen);
	if (r && PQntuples(r) == 1)
		*holder = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return 0;
}

int
db_fail_stale_runs(PGconn *c, char *err, size_t errlen)
{
	return db_exec(c, "UPDATE vsp.runs SET status = 'failed', ended_at = now(), "
				   "message = 'interrupted: process ended without finishing' "
				   "WHERE status = 'running'", err, errlen);
}

int64_t
db_run_begin(PGconn *c, const char *as_of, const char *level, const char *version,
			 const char *config_sha256, char *err, size_t errlen)
{
	const char *p[4] = {as_of, level, version, config_sha256};
	PGresult   *r = db_query(c, "INSERT INTO vsp.runs (as_of, level, vsp_version, config_sha256) "
							 "VALUES ($1::date, $2, $3, $4) RETURNING run_id", 4, p, err, errlen);
	int64_t		id;

	if (!r)
		return -1;
	id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return id;
}

int
db_run_finish(PGconn *c, int64_t run_id, const char *status, const char *counts_json,
			  const char *seconds_json, const char *message, char *err, size_t errlen)
{
	char		id[32];
	const char *p[5] = {id, status, counts_json, seconds_json, message};
	PGresult   *r;

	snprintf(id, sizeof(id), "%lld", (long long) run_id);
	r = db_query(c, "UPDATE vsp.runs SET status = $2, ended_at = now(), counts = $3::jsonb, "
				 "seconds = $4::jsonb, message = $5 WHERE run_id = $1::bigint", 5, p, err, errlen);
	if (!r)
		return -1;
	PQclear(r);
	return 0;
}

int
db_is_down(PGconn *c)
{
	PGresult   *r;

	if (!c || PQstatus(c) != CONNECTION_OK)
		return 1;
	/*
	 * A write to a connection whose server went away fails without changing PQstatus (libpq
	 * waits to read the server's last words), so the status alone says "up" after the server
	 * was stopped.  An empty query settles it: it reaches the server and back, even inside an
	 * aborted transaction, and on a dead connection it leaves CONNECTION_BAD.
	 */
	r = PQexec(c, "");
	PQclear(r);
	return PQstatus(c) != CONNECTION_OK;
}
