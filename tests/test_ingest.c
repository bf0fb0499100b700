/*
 * tests/test_ingest.c — ingest and cases against the real PostgreSQL: every reason code
 * lands in quarantine, every normalisation reaches the case, the window invariant, as-of
 * reproducibility, household grouping and follow-up.
 */
#include "dbutil.h"
#include "../pipeline/cases.h"
#include "../pipeline/config.h"
#include "../pipeline/db.h"
#include "../pipeline/ingest.h"

#include <omp.h>
#include <unistd.h>

static config cfg;

/* A reference of three PC6 (one without buurt) and a config for as-of 2026-10-31. */
static int
setup(void **state)
{
	PGconn	   *c = test_db();

	(void) state;
	test_sql(c, "TRUNCATE platform.signaal, platform.zaak, ref.pc6 RESTART IDENTITY");
	test_sql(c, "INSERT INTO ref.pc6 VALUES "
			 "('1315HR','1315','BU00340101','WK003401','GM0034',120,2024),"
			 "('1315AB','1315','BU00340101','WK003401','GM0034',80,2024),"
			 "('1316CD','1316',NULL,NULL,'GM0034',NULL,2024)");
	PQfinish(c);
	memset(&cfg, 0, sizeof(cfg));
	{
		char	   *dir = test_tmpdir(), path[4200], err[512];
		FILE	   *f;

		snprintf(path, sizeof(path), "%s/t.ini", dir);
		f = fopen(path, "w");
		fprintf(f, "[run]\nlevel = pc4\nwindow_days = 90\nstart_date = 2021-01-01\nmax_amount = 100000\n"
				"[areas]\nsource = x.gpkg\nid_field = pc4\n[privacy]\nkey_secret = t\n");
		fclose(f);
		if (config_load(path, &cfg, err, sizeof(err)) != 0)
			fail_msg("%s", err);
		snprintf(cfg.as_of, sizeof(cfg.as_of), "2026-10-31");
		free(dir);
	}
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	config_free(&cfg);
	return 0;
}

/* Insert one signal; NULLs as SQL NULL.  received defaults to the signal date + 1 day. */
static void
put(PGconn *c, const char *id, const char *partner, const char *amount, const char *ontstaan,
	const char *signaal, const char *pc, const char *nr, const char *toev, const char *bsn,
	const char *received, const char *status)
{
	const char *p[11] = {id, partner, amount, ontstaan, signaal, pc, nr, toev, bsn, received,
	status ? status : "Nog niet opgepakt"};
	PGresult   *r = PQexecParams(c,
								 "INSERT INTO platform.signaal (signaal_id, partner_type, bedrag, ontstaansdatum, "
								 "signaaldatum, postcode, huisnummer, toevoeging, bsn, ontvangen_op, status) "
								 "VALUES ($1,$2,$3::numeric,$4::date,$5::date,$6,$7,$8,$9,"
								 "coalesce($10::timestamptz, ($5::date + 1)::timestamp AT TIME ZONE 'Europe/Amsterdam'),$11)",
								 11, NULL, p, NULL, NULL, 0);

	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fail_msg("insert %s: %s", id, PQerrorMessage(c));
	PQclear(r);
}

static ingest_data
ingest_now(PGconn *c, ingest_ref *ref)
{
	ingest_data d;
	char		err[512];

	if (ingest_load_reference(c, ref, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	if (ingest_run(c, &cfg, ref, &d, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	return d;
}

static const ingest_quarantined *
quarantined(const ingest_data *d, const char *id)
{
	for (size_t i = 0; i < d->nquar; i++)
		if (strcmp(d->quar[i].id, id) == 0)
			return &d->quar[i];
	return NULL;
}

static const ingest_signal *
used(const ingest_data *d, const char *id)
{
	for (size_t i = 0; i < d->nsig; i++)
		if (strcmp(d->sig[i].id, id) == 0)
			return &d->sig[i];
	return NULL;
}

/* Every reason code, one row each with exactly that defect; the good twin of each is used. */
static void
test_reason_codes(void **state)
{
	static const struct
	{
		const char *id, *partner, *amount, *ontstaan, *signaal, *pc, *nr, *reason;
	}			rows[] = {
		{"ok1", "huur", "1200.00", "2026-08-01", "2026-10-01", "1315HR", "12", NULL},
		{"pm1", "huur", "100", NULL, "2026-10-01", "13X5AB", "1", "postcode_malformed"},
		{"pm2", "huur", "100", NULL, "2026-10-01", "0315AB", "1", "postcode_malformed"},
		{"pm3", "huur", "100", NULL, "2026-10-01", "1315SA", "1", "postcode_malformed"},
		{"pm4", "huur", "100", NULL, "2026-10-01", "1315SD", "1", "postcode_malformed"},
		{"pm5", "huur", "100", NULL, "2026-10-01", "1315SS", "1", "postcode_malformed"},
		{"pu1", "huur", "100", NULL, "2026-10-01", "9999ZZ", "1", "postcode_unknown"},
		{"hm1", "huur", "100", NULL, "2026-10-01", "1315HR", NULL, "huisnummer_missing"},
		{"hx1", "huur", "100", NULL, "2026-10-01", "1315HR", "abc", "huisnummer_malformed"},
		{"pt1", "telecom", "100", NULL, "2026-10-01", "1315HR", "3", "partner_unknown"},
		{"an1", "water", "-5.00", NULL, "2026-10-01", "1315HR", "3", "amount_negative"},
		{"aa1", "water", "2000000", NULL, "2026-10-01", "1315HR", "3", "amount_absurd"},
		{"df1", "zorg", "100", NULL, "2026-11-15", "1315HR", "3", "date_future"},
		{"db1", "zorg", "100", NULL, "2020-06-01", "1315HR", "3", "date_before_start"},
		{"oa1", "zorg", "100", "2026-10-05", "2026-10-01", "1315HR", "3", "ontstaan_after_signaal"},
		{"ok1", "huur", "1200.00", NULL, "2026-10-02", "1315HR", "12", "duplicate_id"},
	};
	PGconn	   *c = test_db();
	ingest_ref	ref;
	ingest_data d;
	size_t		n = sizeof(rows) / sizeof(rows[0]);

	(void) state;
	for (size_t i = 0; i < n; i++)
		put(c, rows[i].id, rows[i].partner, rows[i].amount, rows[i].ontstaan, rows[i].signaal, rows[i].pc,
			rows[i].nr, NULL, NULL, strcmp(rows[i].id, "df1") == 0 || strcmp(rows[i].id, "db1") == 0 ?
			"2026-10-20 12:00+02" : NULL, NULL);
	d = ingest_now(c, &ref);
	assert_int_equal(d.nread, n);
	assert_int_equal(d.nsig + d.nquar, d.nread);
	assert_int_equal(d.nsig, 1);
	assert_non_null(used(&d, "ok1"));
	for (size_t i = 1; i < n; i++)
	{
		const ingest_quarantined *q = NULL;

		for (size_t k = 0; k < d.nquar; k++)
			if (strcmp(d.quar[k].id, rows[i].id) == 0 && (q == NULL || d.quar[k].row_id == (int64_t) i + 1))
				q = &d.quar[k];
		if (!q)
			fail_msg("row %s not quarantined", rows[i].id);
		if (strcmp(signal_reason_code(q->reason), rows[i].reason) != 0)
			fail_msg("row %s: reason %s, expected %s", rows[i].id, signal_reason_code(q->reason), rows[i].reason);
	}
	/* the duplicate is the later row; its raw values are kept as JSON */
	assert_int_equal(d.by_reason[REASON_DUPLICATE_ID], 1);
	assert_non_null(strstr(quarantined(&d, "pm1")->raw_json, "\"postcode\":\"13X5AB\""));
	/* written to the table with one row per reason */
	{
		char		err[512];
		long		cnt;

		test_sql(c, "INSERT INTO vsp.runs (run_id, as_of, level, vsp_version, config_sha256) VALUES (1, '2026-10-31', 'pc4', 't', 'x')");
		if (ingest_write_quarantine(c, 1, &d, err, sizeof(err)) != 0)
			fail_msg("%s", err);
		cnt = test_sql_long(c, "SELECT count(*) FROM vsp.quarantine WHERE run_id = 1");
		assert_int_equal(cnt, (long) n - 1);
		cnt = test_sql_long(c, "SELECT count(DISTINCT reason) FROM vsp.quarantine");
		assert_int_equal(cnt, 11);
		cnt = test_sql_long(c, "SELECT count(*) FROM vsp.quarantine WHERE raw->>'postcode' = '0315AB' AND reason = 'postcode_malformed'");
		assert_int_equal(cnt, 1);
	}
	ingest_free(&d);
	ingest_ref_free(&ref);
	PQfinish(c);
}

/* Normalisations reach the used signal. */
static void
test_normalisations(void **state)
{
	static const struct
	{
		const char *id, *partner, *pc, *nr, *toev;
		const char *want_pc;
		int			want_nr;
		const char *want_toev;
		int			want_partner;
	}			rows[] = {
		{"n1", "woningcorporatie", "1315 hr", "12a", NULL, "1315HR", 12, "A", PARTNER_HUUR},
		{"n2", "Verhuurder", " 1315HR", "12-A", NULL, "1315HR", 12, "A", PARTNER_HUUR},
		{"n3", "zorgverzekeraar", "1315-HR", "12 bis", NULL, "1315HR", 12, "BIS", PARTNER_ZORG},
		{"n4", "drinkwater", "1315hr", "7", "b", "1315HR", 7, "B", PARTNER_WATER},
		{"n5", "gas", "1315 AB", "3", NULL, "1315AB", 3, "", PARTNER_ENERGIE},
		{"n6", "Elektriciteit", "1315AB", "4", NULL, "1315AB", 4, "", PARTNER_ENERGIE},
		{"n7", "warmte", "1315AB", "5", NULL, "1315AB", 5, "", PARTNER_ENERGIE},
		{"n8", "hypotheek", "1315AB", "6", NULL, "1315AB", 6, "", PARTNER_HYPOTHEEK},
		{"n9", "DUO", "1315AB", "8", NULL, "1315AB", 8, "", PARTNER_DUO},
		{"n10", "Dienst Toeslagen", "1315AB", "9", NULL, "1315AB", 9, "", PARTNER_TOESLAGEN},
		{"n11", "CAK Zorgverzekeringen", "1315AB", "10", NULL, "1315AB", 10, "", PARTNER_CAK},
	};
	PGconn	   *c = test_db();
	ingest_ref	ref;
	ingest_data d;

	(void) state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		put(c, rows[i].id, rows[i].partner, "250", NULL, "2026-10-01", rows[i].pc, rows[i].nr, rows[i].toev,
			NULL, NULL, NULL);
	d = ingest_now(c, &ref);
	assert_int_equal(d.nquar, 0);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
	{
		const ingest_signal *s = used(&d, rows[i].id);

		assert_non_null(s);
		assert_string_equal(s->r.pc6, rows[i].want_pc);
		assert_int_equal(s->r.huisnummer, rows[i].want_nr);
		assert_string_equal(s->r.toevoeging, rows[i].want_toev);
		assert_int_equal(s->r.partner, rows[i].want_partner);
	}
	ingest_free(&d);
	ingest_ref_free(&ref);
	PQfinish(c);
}

/* Rows in the window = used + quarantined; outside the window they are not read; a later
 * insert for a past date does not change the as-of result; same result for 1 and 2 threads. */
static void
test_window_and_as_of(void **state)
{
	PGconn	   *c = test_db();
	ingest_ref	ref;
	ingest_data d1, d2;

	(void) state;
	put(c, "w1", "huur", "100", NULL, "2026-08-01", "1315HR", "1", NULL, NULL, "2026-08-02 10:00+02", NULL);	/* before window */
	put(c, "w2", "huur", "100", NULL, "2026-08-05", "1315HR", "2", NULL, NULL, "2026-08-05 10:00+02", NULL);
	put(c, "w3", "huur", "100", NULL, "2026-10-31", "1315HR", "3", NULL, NULL, "2026-10-31 23:30+01", NULL);
	put(c, "w4", "huur", "-1", NULL, "2026-10-30", "1315HR", "4", NULL, NULL, "2026-10-30 10:00+01", NULL);
	put(c, "w5", "huur", "100", NULL, "2026-10-31", "1315HR", "5", NULL, NULL, "2026-11-01 00:30+01", NULL);	/* after */
	omp_set_num_threads(1);
	d1 = ingest_now(c, &ref);
	assert_int_equal(d1.nread, 3);	/* w2, w3, w4: window (2026-08-02, 2026-10-31] */
	assert_int_equal(d1.nsig + d1.nquar, d1.nread);
	assert_int_equal(d1.nquar, 1);
	ingest_ref_free(&ref);
	/* a signal arriving later, dated inside the window, must not change the as-of run */
	put(c, "w6", "zorg", "100", NULL, "2026-10-20", "1315AB", "1", NULL, NULL, "2026-11-03 09:00+01", NULL);
	omp_set_num_threads(2);
	d2 = ingest_now(c, &ref);
	assert_int_equal(d2.nread, d1.nread);
	assert_int_equal(d2.nsig, d1.nsig);
	for (size_t i = 0; i < d1.nsig; i++)
	{
		assert_string_equal(d1.sig[i].id, d2.sig[i].id);
		assert_memory_equal(&d1.sig[i].r, &d2.sig[i].r, sizeof(signal_row));
	}
	ingest_free(&d1);
	ingest_free(&d2);
	ingest_ref_free(&ref);
	PQfinish(c);
}

/* Households: BSN first, else address; latest amount per partner; months and runs;
 * follow-up from the zaak table and from the status. */
static void
test_cases(void **state)
{
	PGconn	   *c = test_db();
	ingest_ref	ref;
	ingest_data d;
	cases_data	cs;
	char		err[256];
	const cases_household *a = NULL, *b = NULL, *f = NULL;

	(void) state;
	/* household A by address: huur in Aug, Sep, Oct (repeats, growing), energie in Oct */
	put(c, "a1", "huur", "800", "2026-06-01", "2026-08-10", "1315HR", "12a", NULL, NULL, NULL, NULL);
	put(c, "a2", "huur", "1600", NULL, "2026-09-10", "1315 HR", "12-A", NULL, NULL, NULL, NULL);
	put(c, "a3", "verhuurder", "2400", NULL, "2026-10-10", "1315HR", "12", "a", NULL, NULL, NULL);
	put(c, "a4", "gas", "300", NULL, "2026-10-12", "1315HR", "12A", NULL, NULL, NULL, NULL);
	/* household B by BSN, moved between signals: zorg only, crisis */
	put(c, "b1", "zorg", "500", NULL, "2026-08-20", "1315AB", "3", NULL, "123456782", NULL, NULL);
	put(c, "b2", "zorg", "700", NULL, "2026-10-20", "1316CD", "9", NULL, "123456782", NULL, NULL);
	test_sql(c, "UPDATE platform.signaal SET crisissignaal = true WHERE signaal_id = 'b2'");
	/* household F: picked up by the municipality */
	put(c, "f1", "water", "90", NULL, "2026-10-01", "1315AB", "20", NULL, NULL, NULL, NULL);
	test_sql(c, "INSERT INTO platform.zaak (signaal_id, datum_opgepakt, contactpogingen, bereikt) "
			 "VALUES ('f1', '2026-10-05', 2, true)");
	d = ingest_now(c, &ref);
	assert_int_equal(d.nquar, 0);
	if (cases_build(&d, &cfg, &cs, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(cs.n, 3);
	for (size_t i = 0; i < cs.n; i++)
	{
		if (cs.hh[i].partners == ((1u << PARTNER_HUUR) | (1u << PARTNER_ENERGIE)))
			a = &cs.hh[i];
		else if (cs.hh[i].partners == (1u << PARTNER_ZORG))
			b = &cs.hh[i];
		else
			f = &cs.hh[i];
	}
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(f);
	assert_int_equal(a->npartners, 2);
	assert_int_equal(a->nsignals[PARTNER_HUUR], 3);
	assert_close(a->arrears, 2400 + 300, 1e-9);	/* latest per partner, not the sum of repeats */
	assert_int_equal(a->months, 3);
	assert_int_equal(a->longest_run, 3);
	assert_string_equal(a->toevoeging, "A");
	assert_int_equal(a->huisnummer, 12);
	assert_int_equal(b->months, 2);
	assert_int_equal(b->longest_run, 1);	/* Aug and Oct: not consecutive */
	assert_close(b->arrears, 700, 1e-9);
	assert_int_equal(b->crisis, 1);
	assert_string_equal(ref.pc6[b->pc6_idx], "1316CD");	/* the latest address */
	assert_int_equal(f->followup, 1);
	assert_int_equal(f->contact_attempts, 2);
	assert_int_equal(cs.n_followup, 1);
	/* outreach order: crisis first */
	assert_ptr_equal(&cs.hh[0], b);
	assert_true(a->risk > f->risk);
	/* keys: 16 hex digits, distinct, no trace of the BSN */
	assert_int_equal(strlen(a->key), 16);
	assert_string_not_equal(a->key, b->key);
	assert_null(strstr(b->key, "123456782"));
	cases_free(&cs);
	ingest_free(&d);
	ingest_ref_free(&ref);
	PQfinish(c);
}

/* At buurt level a PC6 without buurt is quarantined as area_unknown. */
static void
test_area_unknown_at_buurt(void **state)
{
	PGconn	   *c = test_db();
	ingest_ref	ref;
	ingest_data d;

	(void) state;
	put(c, "u1", "huur", "100", NULL, "2026-10-01", "1316CD", "1", NULL, NULL, NULL, NULL);
	put(c, "u2", "huur", "100", NULL, "2026-10-01", "1315HR", "1", NULL, NULL, NULL, NULL);
	config_set(&cfg.level, "buurt");
	d = ingest_now(c, &ref);
	config_set(&cfg.level, "pc4");
	assert_int_equal(d.nsig, 1);
	assert_int_equal(d.by_reason[REASON_AREA_UNKNOWN], 1);
	assert_string_equal(quarantined(&d, "u1") ? "u1" : "", "u1");
	ingest_free(&d);
	ingest_ref_free(&ref);
	PQfinish(c);
}

/* The run lock: a second session cannot take it while the first holds it. */
/* The signals read first and their postcodes looked up once the reference has loaded on a
 * second connection (or, without one, on the first at the join) give exactly what
 * ingest_run gives. */
static void
test_reference_alongside(void **state)
{
	PGconn	   *c = test_db(), *c2 = test_db();
	ingest_ref	r0, r1, r2;
	ingest_data d0, d1, d2;
	char		err[512];

	(void) state;
	put(c, "a1", "huur", "250", NULL, "2026-10-01", "1315HR", "12", NULL, NULL, NULL, NULL);
	put(c, "a2", "water", "90", NULL, "2026-10-02", "9999ZZ", "3", NULL, NULL, NULL, NULL);	/* unknown */
	put(c, "a3", "zorg", "-5", NULL, "2026-10-03", "1315AB", "4", NULL, NULL, NULL, NULL);	/* negative */
	put(c, "a1", "huur", "260", NULL, "2026-10-04", "1315HR", "12", NULL, NULL, NULL, NULL);	/* duplicate */
	d0 = ingest_now(c, &r0);
	for (int k = 0; k < 2; k++)
	{
		/* as run.c does: the signals first, then the reference (on c2, or on c at the join) */
		ingest_ref_job j;
		ingest_data *d = k ? &d2 : &d1;
		ingest_ref *r = k ? &r2 : &r1;

		if (ingest_read(c, &cfg, d, err, sizeof(err)) != 0)
			fail_msg("%s", err);
		assert_int_equal(d->nread, 4);
		assert_int_equal(d->nsig + d->nquar, 0);	/* nothing split before the lookups */
		ingest_ref_start(&j, k ? NULL : c2, r);
		if (ingest_ref_join(&j, c, err, sizeof(err)) != 0 || ingest_resolve(d, r, err, sizeof(err)) != 0)
			fail_msg("%s", err);
		assert_null(d->pending);
	}
	for (int k = 0; k < 2; k++)
	{
		const ingest_ref *r = k ? &r2 : &r1;
		const ingest_data *d = k ? &d2 : &d1;

		assert_int_equal(r->n, r0.n);
		for (size_t i = 0; i < r0.n; i++)
		{
			assert_string_equal(r->pc6[i], r0.pc6[i]);
			assert_true((r->buurt[i] == NULL) == (r0.buurt[i] == NULL));
			if (r0.buurt[i])
				assert_string_equal(r->buurt[i], r0.buurt[i]);
		}
		assert_int_equal(d->nread, 4);
		assert_int_equal(d->nsig, d0.nsig);
		assert_int_equal(d->nquar, d0.nquar);
		for (size_t i = 0; i < d0.nquar; i++)
		{
			assert_string_equal(d->quar[i].id, d0.quar[i].id);
			assert_int_equal(d->quar[i].reason, d0.quar[i].reason);
		}
		for (size_t i = 0; i < d0.nsig; i++)
		{
			assert_string_equal(d->sig[i].id, d0.sig[i].id);
			assert_int_equal(d->sig[i].pc6_idx, d0.sig[i].pc6_idx);
		}
	}
	assert_int_equal(d0.nsig, 1);
	assert_int_equal(d0.nquar, 3);
	assert_int_equal(d0.by_reason[REASON_POSTCODE_UNKNOWN], 1);
	ingest_free(&d0);
	ingest_free(&d1);
	ingest_free(&d2);
	ingest_ref_free(&r0);
	ingest_ref_free(&r1);
	ingest_ref_free(&r2);
	PQfinish(c2);
	PQfinish(c);
}

static void
test_lock(void **state)
{
	PGconn	   *a = test_db(), *b = test_db();
	int64_t		holder = 0;
	char		err[256];

	(void) state;
	assert_int_equal(db_try_run_lock(a, &holder, err, sizeof(err)), 1);
	test_sql(a, "INSERT INTO vsp.runs (run_id, as_of, level, vsp_version, config_sha256) VALUES (77, '2026-10-31', 'pc4', 't', 'x')");
	assert_int_equal(db_try_run_lock(b, &holder, err, sizeof(err)), 0);
	assert_int_equal(holder, 77);
	PQfinish(a);
	/* the lock goes with the session; its backend may take a moment to exit */
	{
		int			got = 0;

		for (int i = 0; i < 100 && got != 1; i++)
		{
			got = db_try_run_lock(b, &holder, err, sizeof(err));
			if (got != 1)
				usleep(20000);
		}
		assert_int_equal(got, 1);
	}
	PQfinish(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reason_codes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_normalisations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_and_as_of, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_area_unknown_at_buurt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reference_alongside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
