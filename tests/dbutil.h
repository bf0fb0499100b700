/*
 * tests/dbutil.h — helpers for suites that talk to the private PostgreSQL started by
 * scripts/run-tests.sh (PGHOST etc. in the environment; a fresh database per suite).
 */
#ifndef VSP_TEST_DBUTIL_H
#define VSP_TEST_DBUTIL_H

#include "testutil.h"
#include <libpq-fe.h>

static inline PGconn *
test_db(void)
{
	PGconn	   *c = PQconnectdb("");

	if (PQstatus(c) != CONNECTION_OK)
	{
		char		msg[512];

		snprintf(msg, sizeof(msg), "%s", PQerrorMessage(c));
		PQfinish(c);
		fail_msg("no test database (run through make test): %s", msg);
	}
	return c;
}

/* Run SQL that must succeed. */
static inline void
test_sql(PGconn *c, const char *sql)
{
	PGresult   *r = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(r);

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		fail_msg("SQL failed: %s: %s", sql, PQerrorMessage(c));
	PQclear(r);
}

/* First column of the first row as a long (fails on NULL or no rows). */
static inline long
test_sql_long(PGconn *c, const char *sql)
{
	PGresult   *r = PQexec(c, sql);
	long		v;

	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) < 1 || PQgetisnull(r, 0, 0))
		fail_msg("SQL gave no value: %s: %s", sql, PQerrorMessage(c));
	v = strtol(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return v;
}

/* First column of the first row as malloc'ed text ("" for no rows, NULL for SQL NULL). */
static inline char *
test_sql_text(PGconn *c, const char *sql)
{
	PGresult   *r = PQexec(c, sql);
	char	   *v;

	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("SQL failed: %s: %s", sql, PQerrorMessage(c));
	v = PQntuples(r) < 1 ? strdup("") : PQgetisnull(r, 0, 0) ? NULL : strdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

#endif
