/*
 * pipeline/db.h — the one module that owns the PostgreSQL connection.
 *
 * Every call checks its PGresult against the one status it expects and clears it on every
 * path.  Errors come back as -1 (or NULL) with "what failed: libpq's message" in err, one
 * line.  The caller owns the PGconn and closes it with db_close() (NULL is a no-op).
 * Identifiers from the config are always quoted with PQescapeIdentifier (db_quote_ident).
 */
#ifndef VSP_DB_H
#define VSP_DB_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

/* Advisory lock key for "one vsp run at a time" (ASCII "vsp run"). */
#define DB_RUN_LOCK_KEY 0x76737020727516LL

PGconn	   *db_connect(const char *conninfo, char *err, size_t errlen);
void		db_close(PGconn *c);
/* Run a statement without result rows (or whose rows are ignored). */
int			db_exec(PGconn *c, const char *sql, char *err, size_t errlen);
/* Run a parameterised statement; expects PGRES_TUPLES_OK or PGRES_COMMAND_OK.  The caller
 * PQclear()s the returned result.  NULL with err set on failure. */
PGresult   *db_query(PGconn *c, const char *sql, int nparams, const char *const *params,
					 char *err, size_t errlen);
/* Quote a possibly schema-qualified name ("vsp_source.signals" → "vsp_source"."signals")
 * with PQescapeIdentifier.  Caller frees with free().  NULL on error. */
char	   *db_quote_qualified(PGconn *c, const char *name, char *err, size_t errlen);

/* COPY ... FROM STDIN: begin with the COPY statement, put rows, end. */
int			db_copy_in_begin(PGconn *c, const char *copy_sql, char *err, size_t errlen);
int			db_copy_put(PGconn *c, const char *buf, size_t len, char *err, size_t errlen);
int			db_copy_in_end(PGconn *c, char *err, size_t errlen);

/* Try the run lock: 1 acquired, 0 held by another session (*holder = its running run id
 * or 0 if unknown), -1 error. */
int			db_try_run_lock(PGconn *c, int64_t *holder, char *err, size_t errlen);
/* Mark runs left 'running' by a killed process as failed (call while holding the lock). */
int			db_fail_stale_runs(PGconn *c, char *err, size_t errlen);
/* Insert a runs row with status running and commit it; returns the run id or -1. */
int64_t		db_run_begin(PGconn *c, const char *as_of, const char *level, const char *version,
						 const char *config_sha256, char *err, size_t errlen);
/* Set status, ended_at, counts and seconds (JSON objects as text) and message (may be NULL). */
int			db_run_finish(PGconn *c, int64_t run_id, const char *status, const char *counts_json,
						  const char *seconds_json, const char *message, char *err, size_t errlen);

/* Is the server still there?  Used to tell "database unavailable" from "bad query". */
int			db_is_down(PGconn *c);

#endif
