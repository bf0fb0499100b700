/*
 * geo/synth_load.c — load the synthetic CSV files into PostgreSQL.
 *
 * One transaction: TRUNCATE platform.signaal, platform.zaak, ref.pc6 RESTART IDENTITY,
 * then COPY ... FROM STDIN WITH (FORMAT csv, HEADER) for each file, streamed with
 * PQputCopyData, then setval() so the bigserial sequences continue after the
 * explicit row_id / zaak_id values.  Any failure rolls everything back: the database
 * holds either the previous data or the new data, never a mix.  Every PGresult is
 * cleared and the connection finished on every path.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <libpq-fe.h>

#include "synth_int.h"

/* Copy libpq's message, first line only, into err after a prefix. */
static void
pg_error(char *err, size_t errlen, const char *what, const char *msg)
{
	size_t		n = msg ? strcspn(msg, "\n") : 0;

	snprintf(err, errlen, "%s: %.*s", what, (int) n, msg ? msg : "");
}

/* Run a command that must return `want`; 0 or -1 with a message. */
static int
run(PGconn *conn, const char *what, const char *sql, ExecStatusType want, char *err, size_t errlen)
{
	PGresult   *res = PQexec(conn, sql);
	int			rc = 0;

	if (PQresultStatus(res) != want)
	{
		pg_error(err, errlen, what, PQerrorMessage(conn));
		rc = -1;
	}
	PQclear(res);
	return rc;
}

/* Stream one file through COPY ... FROM STDIN. */
static int
copy_file(PGconn *conn, const char *what, const char *sql, const char *path, char *err, size_t errlen)
{
	PGresult   *res;
	FILE	   *f;
	char		buf[1 << 16];
	size_t		n;
	int			rc = 0;

	f = fopen(path, "r");
	if (!f)
	{
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_COPY_IN)
	{
		pg_error(err, errlen, what, PQerrorMessage(conn));
		PQclear(res);
		fclose(f);
		return -1;
	}
	PQclear(res);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (PQputCopyData(conn, buf, (int) n) != 1)
		{
			pg_error(err, errlen, what, PQerrorMessage(conn));
			rc = -1;
			break;
		}
	if (rc == 0 && ferror(f))
	{
		snprintf(err, errlen, "cannot read %s", path);
		rc = -1;
	}
	fclose(f);
	if (PQputCopyEnd(conn, rc == 0 ? NULL : "synth: aborted") != 1 && rc == 0)
	{
		pg_error(err, errlen, what, PQerrorMessage(conn));
		rc = -1;
	}
	while ((res = PQgetResult(conn)) != NULL)
	{
		if (PQresultStatus(res) != PGRES_COMMAND_OK && rc == 0)
		{
			pg_error(err, errlen, what, PQresultErrorMessage(res));
			rc = -1;
		}
		PQclear(res);
	}
	return rc;
}

/* See synth_int.h. */
int
synth_load_pg(const char *conninfo, const char *pc6_csv, const char *signals_csv,
			  const char *zaak_csv, char *err, size_t errlen)
{
	PGconn	   *conn = PQconnectdb(conninfo);
	int			rc = -1;

	if (PQstatus(conn) != CONNECTION_OK)
	{
		pg_error(err, errlen, "cannot connect to the database", PQerrorMessage(conn));
		PQfinish(conn);
		return -1;
	}
	if (run(conn, "begin", "BEGIN", PGRES_COMMAND_OK, err, errlen) != 0)
		goto done;
	if (run(conn, "truncate", "TRUNCATE platform.signaal, platform.zaak, ref.pc6 RESTART IDENTITY",
			PGRES_COMMAND_OK, err, errlen) != 0 ||
		copy_file(conn, "copy ref.pc6", "COPY ref.pc6 (pc6, pc4, buurt_code, wijk_code, gemeente_code, "
				  "households, year, pct_low_income, pct_rent_corporation, pct_single_parent, "
				  "pct_benefits, avg_income) FROM STDIN WITH (FORMAT csv, HEADER)",
				  pc6_csv, err, errlen) != 0 ||
		copy_file(conn, "copy platform.signaal", "COPY platform.signaal (row_id, signaal_id, partner_type, bedrag, "
				  "ontstaansdatum, signaaldatum, crisissignaal, status, bsn, naam, postcode, "
				  "huisnummer, toevoeging, ontvangen_op) FROM STDIN WITH (FORMAT csv, HEADER)",
				  signals_csv, err, errlen) != 0 ||
		copy_file(conn, "copy platform.zaak", "COPY platform.zaak (zaak_id, signaal_id, datum_opgepakt, "
				  "contactpogingen, bereikt, resultaat, datum_afgesloten) "
				  "FROM STDIN WITH (FORMAT csv, HEADER)", zaak_csv, err, errlen) != 0 ||
		run(conn, "setval", "SELECT setval(pg_get_serial_sequence('platform.signaal', 'row_id'), "
			"coalesce(max(row_id), 1), max(row_id) IS NOT NULL) FROM platform.signaal",
			PGRES_TUPLES_OK, err, errlen) != 0 ||
		run(conn, "setval", "SELECT setval(pg_get_serial_sequence('platform.zaak', 'zaak_id'), "
			"coalesce(max(zaak_id), 1), max(zaak_id) IS NOT NULL) FROM platform.zaak",
			PGRES_TUPLES_OK, err, errlen) != 0 ||
		run(conn, "commit", "COMMIT", PGRES_COMMAND_OK, err, errlen) != 0)
	{
		PQclear(PQexec(conn, "ROLLBACK"));
		goto done;
	}
	rc = 0;
done:
	PQfinish(conn);
	return rc;
}
