/*
 * tests/test_signal.c — unit tests for pipeline/signal.c (normalisation and validation).
 *
 * Table-driven: each table row is one assertion, and a failing row prints its index and
 * the input so the table can be read as the specification.  No database needed.
 */
#include "testutil.h"

#include <limits.h>

#include "../pipeline/signal.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))
#define NUL ((const char *) 0)		/* an SQL NULL in a table */
/* short names for the reasons, to keep the tables one glance wide */
#define OK		SIGNAL_OK
#define HN_MISS	REASON_HUISNUMMER_MISSING
#define HN_BAD	REASON_HUISNUMMER_MALFORMED
#define AM_MISS	REASON_AMOUNT_MISSING
#define AM_BAD	REASON_AMOUNT_MALFORMED

/* days for a date literal the tests trust (itself tested in test_date_table) */
static int32_t
day(const char *s)
{
	int32_t		d = INT32_MIN;

	if (signal_parse_date(s, &d) != 0)
		fail_msg("test setup: bad date %s", s);
	return d;
}

static void
test_postcode_table(void **state)
{
	static const struct
	{
		const char *in;
		const char *out;
	}			ok[] = {
		{"1315 hr", "1315HR"}, {" 1315HR ", "1315HR"}, {"1315-HR", "1315HR"},
		{"1315hr", "1315HR"}, {"1315 HR", "1315HR"}, {"1315HR", "1315HR"},
		{"\t1315 hR\r\n", "1315HR"}, {"1000AA", "1000AA"}, {"9999zz", "9999ZZ"},
		{"1315 AS", "1315AS"}, {"1315SB", "1315SB"}, {"1315DS", "1315DS"},	/* not SA/SD/SS */
	};
	static const char *const missing[] = {NUL, "", "   ", "\t\n"};
	static const char *const malformed[] = {
		"0315AB", "0315 AB", "1315SA", "1315 sd", "1315-Ss", "131HR", "13155HR", "1315H",
		"1315HRX", "1315", "HR", "1315  HR", "1315 - HR", "1315--HR", "1315\tHR", "1315_HR",
		"1315.HR", "13 15HR", "1315H1", "131AHR", "A315HR", "-1315HR", "HR1315",
		"1315HR 1315HR", "1315 HRX", "1315HRXY", "1315AB12",
		"1315\xc3\x85" "B",		/* Å */
		"1315\xc2\xa0HR",		/* no-break space */
		"\xef\xbc\x91" "315HR",	/* fullwidth 1 */
	};
	char		out[7];

	(void) state;
	for (size_t i = 0; i < N_OF(ok); i++)
	{
		signal_reason r = signal_norm_postcode(ok[i].in, out);

		if (r != SIGNAL_OK || strcmp(out, ok[i].out) != 0)
			fail_msg("postcode [%s]: got %s \"%s\", want \"%s\"", ok[i].in,
					 signal_reason_code(r), out, ok[i].out);
	}
	for (size_t i = 0; i < N_OF(missing); i++)
	{
		strcpy(out, "junk!");
		if (signal_norm_postcode(missing[i], out) != REASON_POSTCODE_MISSING || out[0])
			fail_msg("postcode missing row %zu: not postcode_missing with out \"\"", i);
	}
	for (size_t i = 0; i < N_OF(malformed); i++)
	{
		strcpy(out, "junk!");
		if (signal_norm_postcode(malformed[i], out) != REASON_POSTCODE_MALFORMED || out[0])
			fail_msg("postcode [%s]: not postcode_malformed with out \"\"", malformed[i]);
	}
}

static void
test_huisnummer_table(void **state)
{
	static const struct
	{
		const char *in;
		const char *toev;
		signal_reason want;
		int32_t		num;
		const char *out;
	}			t[] = {
		{"12", NUL, OK, 12, ""}, {"12a", NUL, OK, 12, "A"}, {"12-A", NUL, OK, 12, "A"},
		{"12 bis", NUL, OK, 12, "BIS"}, {"12 A", NUL, OK, 12, "A"}, {"12-1", NUL, OK, 12, "1"},
		{"12 - a", NUL, OK, 12, "A"}, {"12a2", NUL, OK, 12, "A2"},
		{"12abcd", NUL, OK, 12, "ABCD"},	/* 4 = ddas AN4 */
		{" 7 ", "", OK, 7, ""}, {"1", NUL, OK, 1, ""}, {"99999", NUL, OK, 99999, ""},
		{"012", NUL, OK, 12, ""}, {"12", "a", OK, 12, "A"}, {"12", " 2 ", OK, 12, "2"},
		{"12", "bis", OK, 12, "BIS"}, {"12", "-a", OK, 12, "A"}, {"12", "- h", OK, 12, "H"},
		{"12", "   ", OK, 12, ""}, {"12", "-", OK, 12, ""},	/* a lone dash is "none" */
		{"12", "Abcd", OK, 12, "ABCD"}, {"12A", "a", OK, 12, "A"},	/* same both ways */
		{"12A", "", OK, 12, "A"},	/* empty field: glued suffix stays */
		{"12A", "B", OK, 12, "B"},	/* differ: separate field wins */
		{"12-1", "h", OK, 12, "H"}, {NUL, NUL, HN_MISS, 0, ""}, {"", NUL, HN_MISS, 0, ""},
		{"  ", "A", HN_MISS, 0, ""}, {NUL, "A", HN_MISS, 0, ""}, {"abc", NUL, HN_BAD, 0, ""},
		{"a12", NUL, HN_BAD, 0, ""}, {"0", NUL, HN_BAD, 0, ""}, {"000", "A", HN_BAD, 0, ""},
		{"100000", NUL, HN_BAD, 0, ""}, {"99999999999999999999999", NUL, HN_BAD, 0, ""},
		{"-12", NUL, HN_BAD, 0, ""}, {"12abcde", NUL, HN_BAD, 0, ""},
		{"12", "abcde", HN_BAD, 0, ""},
		{"12abcde", "A", HN_BAD, 0, ""},	/* both must be well-formed */
		{"12", "A!", HN_BAD, 0, ""}, {"12", "A 2", HN_BAD, 0, ""},
		{"12", "\xc3\xa9", HN_BAD, 0, ""}, {"12-", NUL, HN_BAD, 0, ""},
		{"12 -", NUL, HN_BAD, 0, ""}, {"12--A", NUL, HN_BAD, 0, ""},
		{"12/A", NUL, HN_BAD, 0, ""}, {"12,5", NUL, HN_BAD, 0, ""},
		{"12.0", NUL, HN_BAD, 0, ""}, {"12 A 2", NUL, HN_BAD, 0, ""},
		{"12\xc3\xa9", NUL, HN_BAD, 0, ""}, {"\xef\xbc\x91\xef\xbc\x92", NUL, HN_BAD, 0, ""},
	};

	(void) state;
	for (size_t i = 0; i < N_OF(t); i++)
	{
		int32_t		num = -7;
		char		out[8] = "junk!!!";
		signal_reason r = signal_norm_huisnummer(t[i].in, t[i].toev, &num, out);

		if (r != t[i].want || num != t[i].num || strcmp(out, t[i].out) != 0)
			fail_msg("huisnummer row %zu [%s|%s]: got %s %d \"%s\", want %s %d \"%s\"", i,
					 t[i].in ? t[i].in : "NULL", t[i].toev ? t[i].toev : "NULL",
					 signal_reason_code(r), (int) num, out,
					 signal_reason_code(t[i].want), (int) t[i].num, t[i].out);
	}
}

static void
test_partner_table(void **state)
{
	/* per partner: the ddas v1.2 EnumSignaalpartner value(s) first, then synonyms and spellings */
	static const struct
	{
		signal_partner want;
		const char *in[12];
	}			t[] = {
		{PARTNER_HUUR, {"Huur", "huur", "HUUR", "  huur  ", "hUuR", "woningcorporatie",
		"Woningbouwvereniging", "verhuurder", "Corporatie", "woningverhuurder"}},
		{PARTNER_ENERGIE, {"Energie", "energie", "gas", "Elektriciteit", "stroom", "warmte",
		"Energieleverancier", "eindelevering", "GAS"}},
		{PARTNER_WATER, {"Water", "water", "drinkwater", "Drinkwaterbedrijf", "waterbedrijf"}},
		{PARTNER_ZORG, {"Zorg", "zorg", "\tZorg\n", "Zorgverzekeraar", "zorgverzekering"}},
		{PARTNER_HYPOTHEEK, {"Hypotheek", "hypotheek"}},
		{PARTNER_DUO, {"DUO", "duo", "Duo"}},
		{PARTNER_TOESLAGEN, {"Belastingdienst", "Dienst Toeslagen", "toeslagen",
		"dienst toeslagen", "belastingdienst", "Belastingdienst/Toeslagen", "Dienst  Toeslagen"}},
		{PARTNER_CAK, {"CAK Zorgverzekeringen", "CAK Eigen bijdrage", "cak",
		"cak zorgverzekeringen", "cak eigen bijdrage", "CAK_Eigen_Bijdrage",
		"cak-zorgverzekeringen", " CAK   eigen\tbijdrage "}},
		{PARTNER_OVERIG, {"Overige", "overig", "overige", "OVERIG", "_Overige"}},
		{PARTNER_UNKNOWN, {"", "   ", "bank", "huurr", "hu ur", "zorg x", "toeslag", "dienst",
		"eigen bijdrage", "h\xc3\xbcur", "huur\xc2\xa0", "huur;"}},
		{PARTNER_UNKNOWN, {"-", "_", "cak zorgverzekeringen cak zorgverzekeringen "
		"cak zorgverzekeringen"}},	/* longer than any name: must not overflow */
	};
	static const char *const names[PARTNER_N] = {
		"huur", "energie", "water", "zorg", "hypotheek", "duo", "toeslagen", "cak", "overig"
	};

	(void) state;
	assert_int_equal(signal_norm_partner(NULL), PARTNER_UNKNOWN);
	for (size_t i = 0; i < N_OF(t); i++)
		for (size_t j = 0; j < N_OF(t[i].in) && t[i].in[j] != NULL; j++)
		{
			signal_partner p = signal_norm_partner(t[i].in[j]);

			if (p != t[i].want)
				fail_msg("partner [%s]: got %s, want %s", t[i].in[j], signal_partner_name(p),
						 signal_partner_name(t[i].want));
		}
	/* names: stable, and each reads back as the same partner */
	for (int p = 0; p < PARTNER_N; p++)
	{
		assert_string_equal(signal_partner_name((signal_partner) p), names[p]);
		assert_int_equal(signal_norm_partner(names[p]), p);
	}
	assert_string_equal(signal_partner_name(PARTNER_UNKNOWN), "unknown");
	assert_string_equal(signal_partner_name(PARTNER_N), "unknown");
}

static void
test_amount_table(void **state)
{
	static const struct
	{
		const char *in;
		signal_reason want;
		double		v;
	}			t[] = {
		{"1234.50", OK, 1234.5}, {"-5.00", OK, -5.0}, {"0", OK, 0.0}, {"0.00", OK, 0.0},
		{"-0.00", OK, 0.0}, {"5", OK, 5.0}, {"100000.01", OK, 100000.01}, {" 12.5 ", OK, 12.5},
		{"+7.25", OK, 7.25}, {"0.1234567890123456789012", OK, 0.12345678901234568},
		{"9999999999.99", OK, 9999999999.99}, {NUL, AM_MISS, 0}, {"", AM_MISS, 0},
		{"  ", AM_MISS, 0}, {"abc", AM_BAD, 0}, {"NaN", AM_BAD, 0}, {"Infinity", AM_BAD, 0},
		{"-Infinity", AM_BAD, 0}, {"1e3", AM_BAD, 0}, {"0x10", AM_BAD, 0}, {"12,50", AM_BAD, 0},
		{"1.", AM_BAD, 0}, {".5", AM_BAD, 0}, {"--5", AM_BAD, 0}, {"-", AM_BAD, 0},
		{"1 000", AM_BAD, 0}, {"1.2.3", AM_BAD, 0}, {"\xe2\x82\xac" "5", AM_BAD, 0},
		{"5 EUR", AM_BAD, 0},
	};

	(void) state;
	for (size_t i = 0; i < N_OF(t); i++)
	{
		double		v = -99;
		signal_reason r = signal_parse_amount(t[i].in, &v);

		if (r != t[i].want || fabs(v - t[i].v) > 1e-9 * (1 + fabs(t[i].v)) ||
			(v == 0.0 && signbit(v)))	/* "-0.00" is a plain zero */
			fail_msg("amount row %zu [%s]: got %s %.17g, want %s %.17g", i,
					 t[i].in ? t[i].in : "NULL", signal_reason_code(r), v,
					 signal_reason_code(t[i].want), t[i].v);
	}
	/* a huge number stays finite (so it is absurd, not inf) */
	{
		char		big[400];
		double		v = 0;

		memset(big, '9', sizeof big - 1);
		big[sizeof big - 1] = '\0';
		assert_int_equal(signal_parse_amount(big, &v), SIGNAL_OK);
		assert_true(isfinite(v) && v > 1e299);
	}
}

static void
test_bool_and_status(void **state)
{
	static const struct
	{
		const char *in;
		int			rc;
		int			v;
	}			b[] = {
		{"t", 0, 1}, {"f", 0, 0}, {"true", 0, 1}, {"false", 0, 0}, {"1", 0, 1}, {"0", 0, 0},
		{"T", 0, 1}, {"FALSE", 0, 0}, {" t ", 0, 1}, {"True", 0, 1}, {NUL, -1, 7}, {"", -1, 7},
		{"yes", -1, 7}, {"2", -1, 7}, {"tru", -1, 7}, {"truefalse", -1, 7}, {"\xc3\xbe", -1, 7},
	};
	static const struct
	{
		const char *in;
		int			followup;
	}			s[] = {
		{"Opgepakt", 1}, {"opgepakt", 1}, {" OPGEPAKT ", 1},
		{"Inwoner al bekend bij schuldhulpverlening", 1},
		{"inwoner  al bekend bij SCHULDHULPVERLENING", 1}, {"Nog niet opgepakt", 0},
		{"Niet opgepakt: herhaalde melding", 0}, {"Niet opgepakt: onterecht signaal", 0},
		{"Niet opgepakt: andere reden", 0}, {"Inwoner is overleden", 0},
		{"Persoon is geen inwoner (meer) in de gemeente", 0}, {NUL, 0}, {"", 0},
		{"opgepakt!", 0}, {"al bekend", 0},
	};

	(void) state;
	for (size_t i = 0; i < N_OF(b); i++)
	{
		int			v = 7;
		int			rc = signal_parse_bool(b[i].in, &v);

		if (rc != b[i].rc || v != b[i].v)
			fail_msg("bool row %zu [%s]: got %d/%d, want %d/%d", i, b[i].in ? b[i].in : "NULL",
					 rc, v, b[i].rc, b[i].v);
	}
	for (size_t i = 0; i < N_OF(s); i++)
		if (signal_status_followup(s[i].in) != s[i].followup)
			fail_msg("status row %zu [%s]: want %d", i, s[i].in ? s[i].in : "NULL",
					 s[i].followup);
}

static void
test_date_table(void **state)
{
	/* expected day numbers cross-checked with Python's datetime.date */
	static const struct
	{
		const char *in;
		int32_t		days;
	}			ok[] = {
		{"1970-01-01", 0}, {"1970-01-02", 1}, {"1969-12-31", -1}, {"2000-01-01", 10957},
		{"2000-02-29", 11016}, {"2000-03-01", 11017}, {"2021-01-01", 18628},
		{"2023-02-28", 19416}, {"2023-03-01", 19417}, {"2024-02-29", 19782},
		{"2024-03-01", 19783}, {"2024-12-31", 20088}, {"1900-02-28", -25509},
		{"1900-03-01", -25508}, {"2038-01-19", 24855}, {"0001-01-01", -719162},
		{"9999-12-31", 2932896}, {" 2024-01-01 ", 19723},
	};
	static const char *const bad[] = {
		"2023-02-29", "1900-02-29", "2100-02-29", "2024-02-30", "2024-04-31", "2024-06-31",
		"2024-09-31", "2024-11-31", "2024-01-32", "2024-13-01", "2024-00-10", "2024-01-00",
		"0000-01-01", "24-01-01", "2024/01/01", "2024-1-1", "20240101", "2024-01-01T00:00",
		"2024-01-01 BC", "12024-01-01", "2024-0a-01", "+024-01-01", "-024-01-01",
		"2024-01-1 ", "01-01-2024", "", "   ", NUL, "2024-\xd9\xa1" "1-01",
	};

	(void) state;
	for (size_t i = 0; i < N_OF(ok); i++)
	{
		int32_t		d = 12345;

		if (signal_parse_date(ok[i].in, &d) != 0 || d != ok[i].days)
			fail_msg("date [%s]: got %d, want %d", ok[i].in, (int) d, (int) ok[i].days);
	}
	for (size_t i = 0; i < N_OF(bad); i++)
	{
		int32_t		d = 12345;

		if (signal_parse_date(bad[i], &d) != -1 || d != 12345)	/* untouched on failure */
			fail_msg("date [%s]: accepted as %d", bad[i] ? bad[i] : "NULL", (int) d);
	}
}

/*
 * Walk the calendar day by day with a naive oracle (month lengths, leap rule) over the
 * whole supported range 0001-01-01..9999-12-31: signal_format_date must print the walked
 * date and signal_parse_date must read it back to the same day number.
 */
static void
test_date_round_trip(void **state)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int			y = 1,
				m = 1,
				d = 1;
	int32_t		lo = -719162,
				hi = 2932896;
	char		out[11],
				want[40];

	(void) state;
	for (int32_t n = lo; n <= hi; n++)
	{
		int32_t		back = INT32_MIN;
		int			leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

		snprintf(want, sizeof want, "%04d-%02d-%02d", y, m, d);
		signal_format_date(n, out);
		if (strcmp(out, want) != 0)
			fail_msg("format %d: got \"%s\", want \"%s\"", (int) n, out, want);
		if (signal_parse_date(want, &back) != 0 || back != n)
			fail_msg("parse %s: got %d, want %d", want, (int) back, (int) n);
		if (++d > mdays[m - 1] + (m == 2 && leap))
		{
			d = 1;
			if (++m > 12)
			{
				m = 1;
				y++;
			}
		}
	}
	assert_int_equal(y, 10000);
	/* outside 0001..9999 the output is empty, never garbage or an overflow */
	{
		const int32_t outside[] = {lo - 1, hi + 1, INT32_MIN, INT32_MAX, INT32_MIN + 1};

		for (size_t i = 0; i < N_OF(outside); i++)
		{
			memset(out, 'x', sizeof out);
			signal_format_date(outside[i], out);
			assert_string_equal(out, "");
		}
	}
}

static signal_rules
base_rules(void)
{
	signal_rules r;

	r.as_of = day("2024-06-30");
	r.start = day("2024-01-01");
	r.max_amount = 1000000.0;
	return r;
}

/* a row that passes every check under base_rules() */
static void
base_fields(const char *f[SIG_NFIELDS])
{
	static const char *const base[SIG_NFIELDS] = {
		[SIG_F_ID] = "S-1", [SIG_F_PARTNER] = "Huur", [SIG_F_AMOUNT] = "1234.50",
		[SIG_F_ONTSTAAN] = "2024-01-15", [SIG_F_SIGNAAL] = "2024-03-01", [SIG_F_CRISIS] = "t",
		[SIG_F_STATUS] = "Nog niet opgepakt", [SIG_F_BSN] = NULL, [SIG_F_POSTCODE] = " 1315 hr",
		[SIG_F_HUISNUMMER] = "12", [SIG_F_TOEVOEGING] = "a",
		[SIG_F_RECEIVED] = "2024-03-02 08:00:00+01", [SIG_F_ROWID] = "42",
	};

	memcpy(f, base, sizeof base);
}

static void
test_check_valid_row(void **state)
{
	const char *f[SIG_NFIELDS];
	signal_rules rules = base_rules();
	signal_row	row;

	(void) state;
	base_fields(f);
	assert_int_equal(signal_check(f, &rules, &row), SIGNAL_OK);
	assert_string_equal(row.pc6, "1315HR");
	assert_int_equal(row.huisnummer, 12);
	assert_string_equal(row.toevoeging, "A");
	assert_int_equal(row.partner, PARTNER_HUUR);
	assert_close(row.amount, 1234.5, 1e-9);
	assert_int_equal(row.ontstaan, day("2024-01-15"));
	assert_int_equal(row.signaal, day("2024-03-01"));
	assert_int_equal(row.crisis, 1);
	assert_int_equal(row.status_followup, 0);
	assert_true(row.row_id == 42);

	/* optional and boundary values that must pass */
	f[SIG_F_ONTSTAAN] = NULL;
	f[SIG_F_CRISIS] = "false";
	f[SIG_F_STATUS] = "Opgepakt";
	f[SIG_F_ROWID] = "9223372036854775807";
	f[SIG_F_TOEVOEGING] = NULL;
	assert_int_equal(signal_check(f, &rules, &row), SIGNAL_OK);
	assert_int_equal(row.ontstaan, INT32_MIN);
	assert_int_equal(row.crisis, 0);
	assert_int_equal(row.status_followup, 1);
	assert_true(row.row_id == INT64_MAX);
	assert_string_equal(row.toevoeging, "");

	f[SIG_F_ONTSTAAN] = "";					/* blank = NULL */
	f[SIG_F_AMOUNT] = "1000000.00";			/* exactly the maximum */
	f[SIG_F_SIGNAAL] = "2024-06-30";		/* exactly as_of */
	f[SIG_F_ROWID] = "-3";					/* never rejects: -1 */
	f[SIG_F_CRISIS] = "maybe";				/* never rejects: 0 */
	assert_int_equal(signal_check(f, &rules, &row), SIGNAL_OK);
	assert_int_equal(row.ontstaan, INT32_MIN);
	assert_true(row.row_id == -1);
	assert_int_equal(row.crisis, 0);

	f[SIG_F_SIGNAAL] = "2024-01-01";		/* exactly start */
	f[SIG_F_ONTSTAAN] = "2024-01-01";		/* same day as signaal */
	f[SIG_F_AMOUNT] = "-0.00";
	f[SIG_F_ROWID] = "99999999999999999999";	/* overflow: -1 */
	assert_int_equal(signal_check(f, &rules, &row), SIGNAL_OK);
	assert_true(row.row_id == -1);

	/* no start limit */
	rules.start = INT32_MIN;
	f[SIG_F_SIGNAAL] = "1990-01-01";
	f[SIG_F_ONTSTAAN] = NULL;
	assert_int_equal(signal_check(f, &rules, &row), SIGNAL_OK);

	/* NULL rules: no limits at all; NULL row: validate only */
	f[SIG_F_SIGNAAL] = "2099-01-01";
	f[SIG_F_AMOUNT] = "99999999999";
	assert_int_equal(signal_check(f, NULL, &row), SIGNAL_OK);
	assert_int_equal(signal_check(f, NULL, NULL), SIGNAL_OK);
	assert_int_equal(signal_check(NULL, &rules, &row), REASON_ID_MISSING);
	assert_true(row.row_id == -1);
}

/* Each reason reachable from signal_check, by a row that has exactly that one defect. */
#define D(field, value, reason) {SIG_F_##field, value, REASON_##reason}
#define REASON_OK SIGNAL_OK
static void
test_check_single_defects(void **state)
{
	static const struct
	{
		int			field;
		const char *value;
		signal_reason want;
	}			t[] = {
		D(ID, NUL, ID_MISSING), D(ID, "", ID_MISSING), D(ID, " \t", ID_MISSING),
		D(POSTCODE, NUL, POSTCODE_MISSING), D(POSTCODE, " ", POSTCODE_MISSING),
		D(POSTCODE, "0315AB", POSTCODE_MALFORMED), D(POSTCODE, "1315SS", POSTCODE_MALFORMED),
		D(POSTCODE, "1315H", POSTCODE_MALFORMED), D(HUISNUMMER, NUL, HUISNUMMER_MISSING),
		D(HUISNUMMER, "", HUISNUMMER_MISSING), D(HUISNUMMER, "abc", HUISNUMMER_MALFORMED),
		D(HUISNUMMER, "0", HUISNUMMER_MALFORMED), D(HUISNUMMER, "100000", HUISNUMMER_MALFORMED),
		D(TOEVOEGING, "abcde", HUISNUMMER_MALFORMED), D(PARTNER, NUL, PARTNER_UNKNOWN),
		D(PARTNER, "bank", PARTNER_UNKNOWN), D(AMOUNT, NUL, AMOUNT_MISSING),
		D(AMOUNT, "", AMOUNT_MISSING), D(AMOUNT, "abc", AMOUNT_MALFORMED),
		D(AMOUNT, "NaN", AMOUNT_MALFORMED), D(AMOUNT, "-5.00", AMOUNT_NEGATIVE),
		D(AMOUNT, "-0.01", AMOUNT_NEGATIVE), D(AMOUNT, "1000000.01", AMOUNT_ABSURD),
		D(SIGNAAL, NUL, DATE_MISSING), D(SIGNAAL, "", DATE_MISSING),
		D(SIGNAAL, "2023-02-29", DATE_MALFORMED), D(SIGNAAL, "01-03-2024", DATE_MALFORMED),
		D(ONTSTAAN, "2024-02-30", DATE_MALFORMED), D(ONTSTAAN, "yesterday", DATE_MALFORMED),
		D(SIGNAAL, "2024-07-01", DATE_FUTURE), D(SIGNAAL, "2023-12-31", DATE_BEFORE_START),
		D(ONTSTAAN, "2024-03-02", ONTSTAAN_AFTER_SIGNAAL),
		/* defects in fields that never reject */
		D(CRISIS, "maybe", OK), D(STATUS, NUL, OK), D(BSN, "not a bsn", OK),
		D(RECEIVED, NUL, OK), D(ROWID, NUL, OK), D(ROWID, "x", OK),
	};
	signal_rules rules = base_rules();
	int			seen[REASON_N] = {0};

	(void) state;
	for (size_t i = 0; i < N_OF(t); i++)
	{
		const char *f[SIG_NFIELDS];
		signal_row	row;
		signal_reason r;

		base_fields(f);
		f[t[i].field] = t[i].value;
		r = signal_check(f, &rules, &row);
		if (r != t[i].want)
			fail_msg("defect row %zu (field %d = [%s]): got %s, want %s", i, t[i].field,
					 t[i].value ? t[i].value : "NULL", signal_reason_code(r),
					 signal_reason_code(t[i].want));
		/* a rejected row still carries the fields that never reject */
		assert_true(row.row_id == (t[i].field == SIG_F_ROWID ? -1 : 42));
		seen[r] = 1;
	}
	/* every reason except the three owned by ingest/areas is reachable */
	for (int r = 0; r < REASON_N; r++)
	{
		int			other = (r == REASON_POSTCODE_UNKNOWN || r == REASON_AREA_UNKNOWN ||
							 r == REASON_DUPLICATE_ID);

		if (seen[r] == other)
			fail_msg("reason %s: reached %d, expected %d", signal_reason_code(r), seen[r], !other);
	}
}

/* The fixed order: repair one defect at a time and see the next reason come up. */
static void
test_check_order(void **state)
{
	static const struct
	{
		int			field;
		const char *fix;
		signal_reason next;
	}			steps[] = {
		{-1, NULL, REASON_ID_MISSING}, {SIG_F_ID, "S-9", REASON_POSTCODE_MALFORMED},
		{SIG_F_POSTCODE, "1315HR", REASON_HUISNUMMER_MALFORMED},
		{SIG_F_HUISNUMMER, "7", REASON_PARTNER_UNKNOWN},
		{SIG_F_PARTNER, "zorg", REASON_AMOUNT_NEGATIVE},
		{SIG_F_AMOUNT, "10", REASON_DATE_MALFORMED},	/* signaal malformed before ontstaan */
		{SIG_F_SIGNAAL, "2099-01-01", REASON_DATE_MALFORMED},	/* ontstaan bad before future */
		{SIG_F_ONTSTAAN, "2099-02-01", REASON_DATE_FUTURE},	/* future before ontstaan-after */
		{SIG_F_SIGNAAL, "2020-01-01", REASON_DATE_BEFORE_START},	/* before start, ditto */
		{SIG_F_SIGNAAL, "2024-05-01", REASON_ONTSTAAN_AFTER_SIGNAAL},
		{SIG_F_ONTSTAAN, "2024-04-01", SIGNAL_OK},
	};
	const char *f[SIG_NFIELDS] = {
		[SIG_F_ID] = NULL, [SIG_F_POSTCODE] = "0315AB", [SIG_F_HUISNUMMER] = "abc",
		[SIG_F_PARTNER] = "bank", [SIG_F_AMOUNT] = "-5.00", [SIG_F_SIGNAAL] = "2024-02-30",
		[SIG_F_ONTSTAAN] = "junk",
	};
	signal_rules rules = base_rules();

	(void) state;
	for (size_t i = 0; i < N_OF(steps); i++)
	{
		signal_reason r;

		if (steps[i].field >= 0)
			f[steps[i].field] = steps[i].fix;
		r = signal_check(f, &rules, NULL);
		if (r != steps[i].next)
			fail_msg("order step %zu: got %s, want %s", i, signal_reason_code(r),
					 signal_reason_code(steps[i].next));
	}
	/* missing beats malformed elsewhere: amount missing comes before dates */
	f[SIG_F_AMOUNT] = NULL;
	f[SIG_F_SIGNAAL] = NULL;
	assert_int_equal(signal_check(f, &rules, NULL), REASON_AMOUNT_MISSING);
	/* absurd amount comes before a missing date */
	f[SIG_F_AMOUNT] = "2000000";
	assert_int_equal(signal_check(f, &rules, NULL), REASON_AMOUNT_ABSURD);
}

static void
test_reason_codes(void **state)
{
	/* the stable code and a word the text must contain (the field it names) */
	static const char *const want[REASON_N][2] = {
		[SIGNAL_OK] = {"ok", "row"},
		[REASON_ID_MISSING] = {"id_missing", "id"},
		[REASON_POSTCODE_MISSING] = {"postcode_missing", "postcode"},
		[REASON_POSTCODE_MALFORMED] = {"postcode_malformed", "postcode"},
		[REASON_POSTCODE_UNKNOWN] = {"postcode_unknown", "postcode"},
		[REASON_AREA_UNKNOWN] = {"area_unknown", "area"},
		[REASON_HUISNUMMER_MISSING] = {"huisnummer_missing", "huisnummer"},
		[REASON_HUISNUMMER_MALFORMED] = {"huisnummer_malformed", "huisnummer"},
		[REASON_PARTNER_UNKNOWN] = {"partner_unknown", "signaalpartner"},
		[REASON_AMOUNT_MISSING] = {"amount_missing", "bedrag"},
		[REASON_AMOUNT_NEGATIVE] = {"amount_negative", "bedrag"},
		[REASON_AMOUNT_ABSURD] = {"amount_absurd", "bedrag"},
		[REASON_DATE_MISSING] = {"date_missing", "signaaldatum"},
		[REASON_DATE_MALFORMED] = {"date_malformed", "datum"},
		[REASON_DATE_FUTURE] = {"date_future", "signaaldatum"},
		[REASON_DATE_BEFORE_START] = {"date_before_start", "signaaldatum"},
		[REASON_ONTSTAAN_AFTER_SIGNAAL] = {"ontstaan_after_signaal", "ontstaansdatum"},
		[REASON_DUPLICATE_ID] = {"duplicate_id", "id"},
		[REASON_AMOUNT_MALFORMED] = {"amount_malformed", "bedrag"},
	};

	(void) state;
	for (int r = 0; r < REASON_N; r++)
	{
		const char *code = signal_reason_code((signal_reason) r);
		const char *text = signal_reason_text((signal_reason) r);

		assert_non_null(want[r][0]);
		assert_string_equal(code, want[r][0]);
		for (const char *c = code; *c; c++)
			assert_true((*c >= 'a' && *c <= 'z') || *c == '_');
		assert_true(strlen(text) > 10);
		if (strstr(text, want[r][1]) == NULL)
			fail_msg("text for %s does not name its field (%s): %s", code, want[r][1], text);
		for (int q = 0; q < r; q++)
		{
			assert_string_not_equal(code, signal_reason_code((signal_reason) q));
			assert_string_not_equal(text, signal_reason_text((signal_reason) q));
		}
	}
	assert_string_equal(signal_reason_code(REASON_N), "unknown");
	assert_string_equal(signal_reason_code((signal_reason) -1), "unknown");
	assert_string_equal(signal_reason_text((signal_reason) 999), "unknown reason");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_postcode_table),
		cmocka_unit_test(test_huisnummer_table),
		cmocka_unit_test(test_partner_table),
		cmocka_unit_test(test_amount_table),
		cmocka_unit_test(test_bool_and_status),
		cmocka_unit_test(test_date_table),
		cmocka_unit_test(test_date_round_trip),
		cmocka_unit_test(test_check_valid_row),
		cmocka_unit_test(test_check_single_defects),
		cmocka_unit_test(test_check_order),
		cmocka_unit_test(test_reason_codes),
	};

	return cmocka_run_group_tests_name("signal", tests, NULL, NULL);
}
