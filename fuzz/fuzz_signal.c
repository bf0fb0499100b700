/*
 * fuzz/fuzz_signal.c — libFuzzer target for pipeline/signal.c.
 *
 * The input is one COPY-like line: fields separated by '\t', a field that is exactly
 * "\N" is SQL NULL (as COPY prints it), missing trailing fields are NULL.  The target
 * runs signal_check() and every normaliser on the fields and traps when an output
 * breaks its contract (shape of pc6/toevoeging, date round trip, limits of an accepted
 * row), so the fuzzer finds wrong answers as well as memory errors.  See fuzz/README.md.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "signal.h"

#define REQUIRE(c) do { if (!(c)) __builtin_trap(); } while (0)

static int
is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static void
check_pc6(signal_reason r, const char pc6[7])
{
	REQUIRE(r == SIGNAL_OK || r == REASON_POSTCODE_MISSING || r == REASON_POSTCODE_MALFORMED);
	if (r != SIGNAL_OK)
	{
		REQUIRE(pc6[0] == '\0');
		return;
	}
	REQUIRE(strlen(pc6) == 6);
	REQUIRE(pc6[0] >= '1' && pc6[0] <= '9');
	REQUIRE(is_digit(pc6[1]) && is_digit(pc6[2]) && is_digit(pc6[3]));
	REQUIRE(is_upper(pc6[4]) && is_upper(pc6[5]));
	REQUIRE(!(pc6[4] == 'S' && (pc6[5] == 'A' || pc6[5] == 'D' || pc6[5] == 'S')));
}

static void
check_huisnummer(signal_reason r, int32_t num, const char toev[8])
{
	size_t		n = strnlen(toev, 8);

	REQUIRE(r == SIGNAL_OK || r == REASON_HUISNUMMER_MISSING || r == REASON_HUISNUMMER_MALFORMED);
	REQUIRE(n < 8);
	if (r != SIGNAL_OK)
	{
		REQUIRE(num == 0 && n == 0);
		return;
	}
	REQUIRE(num >= 1 && num <= 99999);
	REQUIRE(n <= 4);
	for (size_t i = 0; i < n; i++)
		REQUIRE(is_upper(toev[i]) || is_digit(toev[i]));
}

static void
check_date(const char *s)
{
	int32_t		d = 0;
	int32_t		back = 0;
	char		out[11];

	if (signal_parse_date(s, &d) != 0)
		return;
	signal_format_date(d, out);
	REQUIRE(strlen(out) == 10);
	REQUIRE(strstr(s, out) != NULL);	/* the input is the date plus whitespace */
	REQUIRE(signal_parse_date(out, &back) == 0 && back == d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *f[SIG_NFIELDS];
	char	   *buf = malloc(size + 1);
	char	   *p;
	int			k;
	signal_rules rules;
	signal_row	row;
	signal_reason r;

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';

	/* split on tabs; "\N" is NULL; fields past the last tab are NULL */
	for (k = 0; k < SIG_NFIELDS; k++)
		f[k] = NULL;
	p = buf;
	for (k = 0; k < SIG_NFIELDS && p != NULL; k++)
	{
		char	   *tab = strchr(p, '\t');

		if (tab != NULL)
			*tab = '\0';
		f[k] = strcmp(p, "\\N") == 0 ? NULL : p;
		p = tab != NULL ? tab + 1 : NULL;
	}

	/* the whole row */
	rules.as_of = 19904;		/* 2024-06-30 */
	rules.start = 19723;		/* 2024-01-01 */
	rules.max_amount = 1e6;
	r = signal_check(f, &rules, &row);
	REQUIRE((int) r >= 0 && r < REASON_N);
	REQUIRE(r != REASON_POSTCODE_UNKNOWN && r != REASON_AREA_UNKNOWN && r != REASON_DUPLICATE_ID);
	REQUIRE(signal_reason_code(r) != NULL && signal_reason_text(r) != NULL);
	REQUIRE(row.crisis == 0 || row.crisis == 1);
	REQUIRE(row.status_followup == 0 || row.status_followup == 1);
	if (r == SIGNAL_OK)
	{
		check_pc6(SIGNAL_OK, row.pc6);
		check_huisnummer(SIGNAL_OK, row.huisnummer, row.toevoeging);
		REQUIRE(row.partner > PARTNER_UNKNOWN && row.partner < PARTNER_N);
		REQUIRE(row.amount >= 0.0 && row.amount <= rules.max_amount);
		REQUIRE(row.signaal >= rules.start && row.signaal <= rules.as_of);
		REQUIRE(row.ontstaan == INT32_MIN || row.ontstaan <= row.signaal);
	}
	(void) signal_check(f, NULL, NULL);

	/* every normaliser on every field, so each sees all shapes of input */
	for (k = 0; k < SIG_NFIELDS; k++)
	{
		char		pc6[7];
		char		toev[8];
		int32_t		num;
		double		amount;
		int			b = 5;
		signal_partner pt;

		check_pc6(signal_norm_postcode(f[k], pc6), pc6);
		r = signal_norm_huisnummer(f[k], f[(k + 1) % SIG_NFIELDS], &num, toev);
		check_huisnummer(r, num, toev);
		pt = signal_norm_partner(f[k]);
		REQUIRE(pt >= PARTNER_UNKNOWN && pt < PARTNER_N);
		REQUIRE(signal_partner_name(pt) != NULL);
		r = signal_parse_amount(f[k], &amount);
		REQUIRE(r == SIGNAL_OK || r == REASON_AMOUNT_MISSING || r == REASON_AMOUNT_MALFORMED);
		REQUIRE(amount == amount && amount < 1e308 && amount > -1e308);	/* finite */
		REQUIRE(signal_parse_bool(f[k], &b) == 0 ? (b == 0 || b == 1) : b == 5);
		(void) signal_status_followup(f[k]);
		if (f[k] != NULL)
			check_date(f[k]);
	}

	/* the formatter on any day number */
	if (size >= 4)
	{
		int32_t		d;
		char		out[11];
		size_t		n;

		memcpy(&d, data, sizeof d);
		signal_format_date(d, out);
		n = strnlen(out, sizeof out);
		REQUIRE(n == 0 || n == 10);
		if (n == 10)
		{
			int32_t		back = 0;

			REQUIRE(signal_parse_date(out, &back) == 0 && back == d);
		}
	}
	free(buf);
	return 0;
}
