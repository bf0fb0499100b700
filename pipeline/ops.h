/*
 * pipeline/ops.h — operations commands: preflight check, schema migrations, run notification.
 *
 * ops_check() and ops_migrate() are whole commands: they log through log.c, print their
 * report on the FILE given (stdout in main) and return an exit status from cli.h, like
 * run_nightly().  Nothing here prints personal data: reports name files, tables, roles,
 * migrations and area codes only.
 */
#ifndef VSP_OPS_H
#define VSP_OPS_H

#include "config.h"

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A sorted list of names; caller frees with ops_names_free() (NULL-safe). */
typedef struct ops_names
{
	char	  **v;
	size_t		n;
} ops_names;

void		ops_names_free(ops_names *n);

/*
 * The folder holding the migrations, first that exists of: $VSP_SQL_DIR, [database]
 * migrations (cfg may be NULL), <binary>/../share/vsp/sql (installed), <binary>/../sql
 * (the source tree), ./sql.  Writes the path into buf; 0, or -1 with a message in err.
 */
int			ops_sql_dir(const config *cfg, char *buf, size_t len, char *err, size_t errlen);

/* The migration versions in dir: files 0*.sql, without ".sql", in byte order.
 * 0, or -1 with a message in err (out is then empty). */
int			ops_list_migrations(const char *dir, ops_names *out, char *err, size_t errlen);

/* Versions recorded in public.vsp_schema_version.  *exists = 0 (and out empty) when the
 * table is missing.  0, or -1 with a message in err. */
int			ops_applied_migrations(PGconn *c, ops_names *out, int *exists, char *err, size_t errlen);

/* Is name in the sorted list? */
int			ops_names_has(const ops_names *n, const char *name);

/*
 * vsp check: each item as one line "ok   ITEM: detail" or "FAIL ITEM: reason" on out; items
 * that cannot be checked because an earlier one failed print "skip ITEM: reason".
 * Returns EXIT_OK when every item is ok, else EXIT_FAIL.  Makes no writes to the database;
 * probes the output folder with a temporary file it removes again.
 */
int			ops_check(const char *config_path, FILE *out);

/*
 * vsp migrate: apply the pending migrations of sqldir in order, each in its own
 * transaction together with its row in public.vsp_schema_version (created if missing).
 * Holds the run lock meanwhile.  dry_run lists the pending ones only.  conninfo "" = libpq
 * environment.  Returns EXIT_OK, EXIT_UNAVAILABLE, EXIT_LOCKED or EXIT_FAIL.
 */
int			ops_migrate(const char *conninfo, const char *sqldir, int dry_run, FILE *out);

/*
 * Run [notify] command (if set) with argv: command, run id ("" if none was recorded),
 * status (succeeded, failed, rejected-by-quality-gate, not-started), summary path ("" unless
 * succeeded), exit status.  No shell; stdin /dev/null, stdout to stderr; killed after
 * [notify] timeout seconds.  A failure is logged as a warning; nothing is returned.
 * finaldir is the published output folder (NULL unless the run succeeded).
 */
void		ops_notify_run(const config *cfg, int64_t run_id, int exit_status, const char *finaldir);
/* Has ops_notify_run() been called in this process? (main notifies runs that never started) */
int			ops_notified(void);

#endif
