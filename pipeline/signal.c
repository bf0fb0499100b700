/*
 * pipeline/signal.c — normalise and validate one signal row.
 *
 * Every function here is pure: no I/O, no allocation, no global mutable state, no
 * locale (character classes are ASCII-only macros, so a byte >= 0x80 is simply "not a
 * letter/digit/space").  Inputs are NUL-terminated strings of arbitrary bytes; all scans
 * are bounded by the trimmed length, and every write into a caller's out buffer is
 * bounded by the size the header declares.  fuzz/fuzz_signal.c drives all entry points.
 */
#include "signal.h"
#include "util.h"

#include <limits.h>
#include <stdbool.h>
#include <string.h>

#define SIG_HUISNUMMER_MAX	99999	/* ddas huisnummer is AN5 */
#define SIG_TOEV_MAX		4		/* ddas huisnummertoevoeging is AN4 */
#define SIG_WORDS_MAX		64		/* longest partner/status text we compare */

/* ASCII-only character classes on an unsigned char: locale-free, safe for any byte */
#define SIG_SPACE(c)	((c) == ' ' || ((c) >= '\t' && (c) <= '\r'))
#define SIG_DIGIT(c)	((c) >= '0' && (c) <= '9')
#define SIG_ALPHA(c)	(((c) >= 'A' && (c) <= 'Z') || ((c) >= 'a' && (c) <= 'z'))
#define SIG_ALNUM(c)	(SIG_ALPHA(c) || SIG_DIGIT(c))
#define SIG_UPPER(c)	((char) (((c) >= 'a' && (c) <= 'z') ? (c) - 'a' + 'A' : (c)))
#define SIG_LOWER(c)	((char) (((c) >= 'A' && (c) <= 'Z') ? (c) - 'A' + 'a' : (c)))
#define SIG_AT(p, i)	((unsigned char) (p)[i])

/*
 * sig_trim — find the span of in without surrounding ASCII whitespace.
 * in must be non-NULL and NUL-terminated.  Sets *start to the first non-space byte and
 * returns the span's length (0 when in is blank).
 */
static size_t
sig_trim(const char *in, const char **start)
{
	const char *b = in;
	size_t		n;

	while (SIG_SPACE(SIG_AT(b, 0)))
		b++;
	n = strlen(b);
	while (n > 0 && SIG_SPACE(SIG_AT(b, n - 1)))
		n--;
	*start = b;
	return n;
}

/* sig_blank — true when in is NULL, empty or only whitespace. */
static bool
sig_blank(const char *in)
{
	const char *p;

	return in == NULL || sig_trim(in, &p) == 0;
}

/*
 * sig_words — fold free text for comparison: trim, lower-case, turn each run of
 * whitespace, '_', '-' and '/' into one space.  Writes at most cap bytes including the
 * NUL into out.  Returns false (out = "") when in is NULL or the folded text does not fit.
 */
static bool
sig_words(const char *in, char *out, size_t cap)
{
	const char *p;
	size_t		n, i, o = 0;
	bool		gap = false;

	out[0] = '\0';
	if (in == NULL)
		return false;
	n = sig_trim(in, &p);
	for (i = 0; i < n; i++)
	{
		unsigned char c = SIG_AT(p, i);

		if (SIG_SPACE(c) || c == '_' || c == '-' || c == '/')
		{
			gap = true;
			continue;
		}
		gap = gap && o > 0;		/* no leading space for "-huur" */
		if (o + (gap ? 2 : 1) >= cap)
		{
			out[0] = '\0';
			return false;
		}
		if (gap)
			out[o++] = ' ';
		gap = false;
		out[o++] = SIG_LOWER(c);
	}
	out[o] = '\0';
	return true;
}

/*
 * signal_norm_postcode — see signal.h.  Accepted: optional surrounding whitespace, 4
 * digits (first not 0), at most one ' ' or '-', 2 ASCII letters.  out = "" on failure.
 */
signal_reason
signal_norm_postcode(const char *in, char out[7])
{
	const char *p;
	size_t		n, j = 4;
	char		l1, l2;

	out[0] = '\0';
	if (in == NULL || (n = sig_trim(in, &p)) == 0)
		return REASON_POSTCODE_MISSING;
	if (n != 6 && n != 7)
		return REASON_POSTCODE_MALFORMED;
	for (int i = 0; i < 4; i++)
		if (!SIG_DIGIT(SIG_AT(p, i)))
			return REASON_POSTCODE_MALFORMED;
	if (p[0] == '0')
		return REASON_POSTCODE_MALFORMED;
	if (n == 7)
	{
		if (p[4] != ' ' && p[4] != '-')
			return REASON_POSTCODE_MALFORMED;
		j = 5;
	}
	if (!SIG_ALPHA(SIG_AT(p, j)) || !SIG_ALPHA(SIG_AT(p, j + 1)))
		return REASON_POSTCODE_MALFORMED;
	l1 = SIG_UPPER(SIG_AT(p, j));
	l2 = SIG_UPPER(SIG_AT(p, j + 1));
	if (l1 == 'S' && (l2 == 'A' || l2 == 'D' || l2 == 'S'))
		return REASON_POSTCODE_MALFORMED;	/* never issued */
	memcpy(out, p, 4);
	out[4] = l1;
	out[5] = l2;
	out[6] = '\0';
	return SIGNAL_OK;
}

/*
 * sig_suffix — p[0..n) must be 1..SIG_TOEV_MAX ASCII letters/digits; writes them upper-
 * cased into out[8].  Returns false (out untouched) otherwise.
 */
static bool
sig_suffix(const char *p, size_t n, char out[8])
{
	size_t		i;

	if (n == 0 || n > SIG_TOEV_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!SIG_ALNUM(SIG_AT(p, i)))
			return false;
	for (i = 0; i < n; i++)
		out[i] = SIG_UPPER(SIG_AT(p, i));
	out[n] = '\0';
	return true;
}

/* signal_norm_huisnummer — see signal.h for the grammar and the precedence rule. */
signal_reason
signal_norm_huisnummer(const char *in, const char *toev, int32_t *num, char toev_out[8])
{
	const char *p;
	size_t		n, i = 0;
	int32_t		value = 0;
	bool		sep = false;
	char		glued[8] = "", separate[8] = "";

	*num = 0;
	toev_out[0] = '\0';
	if (in == NULL || (n = sig_trim(in, &p)) == 0)
		return REASON_HUISNUMMER_MISSING;

	/* the number: digits only; stop growing past the limit so it cannot overflow */
	if (!SIG_DIGIT(SIG_AT(p, 0)))
		return REASON_HUISNUMMER_MALFORMED;
	for (; i < n && SIG_DIGIT(SIG_AT(p, i)); i++)
		if (value <= SIG_HUISNUMMER_MAX)
			value = value * 10 + (p[i] - '0');
	if (value < 1 || value > SIG_HUISNUMMER_MAX)
		return REASON_HUISNUMMER_MALFORMED;

	/* one separator (spaces, optionally one '-' with spaces around it), then the suffix */
	for (; i < n && p[i] == ' '; i++)
		sep = true;
	if (i < n && p[i] == '-')
	{
		sep = true;
		for (i++; i < n && p[i] == ' '; i++)
			;
	}
	if (i < n)
	{
		if (!sig_suffix(p + i, n - i, glued))
			return REASON_HUISNUMMER_MALFORMED;
	}
	else if (sep)
		return REASON_HUISNUMMER_MALFORMED;	/* "12-" */

	/* the separate toevoeging field: trimmed, one leading '-' dropped, empty = none */
	if (toev != NULL)
	{
		const char *q;
		size_t		m = sig_trim(toev, &q);

		if (m > 0 && q[0] == '-')
			for (q++, m--; m > 0 && SIG_SPACE(SIG_AT(q, 0)); q++, m--)
				;
		if (m > 0 && !sig_suffix(q, m, separate))
			return REASON_HUISNUMMER_MALFORMED;
	}

	*num = value;
	memcpy(toev_out, separate[0] ? separate : glued, 8);
	return SIGNAL_OK;
}

/* Every ddas v1.2 EnumSignaalpartner value, plus the names platforms use; folded text. */
static const struct
{
	const char *text;
	signal_partner partner;
}			sig_partners[] = {
	{"huur", PARTNER_HUUR}, {"woningcorporatie", PARTNER_HUUR},
	{"woningbouwvereniging", PARTNER_HUUR}, {"verhuurder", PARTNER_HUUR},
	{"woningverhuurder", PARTNER_HUUR}, {"corporatie", PARTNER_HUUR},
	{"energie", PARTNER_ENERGIE}, {"gas", PARTNER_ENERGIE},
	{"elektriciteit", PARTNER_ENERGIE}, {"stroom", PARTNER_ENERGIE},
	{"warmte", PARTNER_ENERGIE}, {"energieleverancier", PARTNER_ENERGIE},
	{"eindelevering", PARTNER_ENERGIE},
	{"water", PARTNER_WATER}, {"drinkwater", PARTNER_WATER},
	{"drinkwaterbedrijf", PARTNER_WATER}, {"waterbedrijf", PARTNER_WATER},
	{"zorg", PARTNER_ZORG}, {"zorgverzekeraar", PARTNER_ZORG},
	{"zorgverzekering", PARTNER_ZORG},
	{"hypotheek", PARTNER_HYPOTHEEK},
	{"duo", PARTNER_DUO},
	{"toeslagen", PARTNER_TOESLAGEN}, {"dienst toeslagen", PARTNER_TOESLAGEN},
	{"belastingdienst", PARTNER_TOESLAGEN}, {"belastingdienst toeslagen", PARTNER_TOESLAGEN},
	{"cak", PARTNER_CAK}, {"cak zorgverzekeringen", PARTNER_CAK},
	{"cak eigen bijdrage", PARTNER_CAK},
	{"overig", PARTNER_OVERIG}, {"overige", PARTNER_OVERIG},
};

/*
 * signal_norm_partner — see signal.h.  Case, surrounding whitespace and runs of
 * whitespace/'_'/'-'/'/' are ignored; anything not in sig_partners is PARTNER_UNKNOWN.
 */
signal_partner
signal_norm_partner(const char *in)
{
	char		w[SIG_WORDS_MAX];

	if (!sig_words(in, w, sizeof w) || w[0] == '\0')
		return PARTNER_UNKNOWN;
	for (size_t i = 0; i < sizeof sig_partners / sizeof sig_partners[0]; i++)
		if (strcmp(w, sig_partners[i].text) == 0)
			return sig_partners[i].partner;
	return PARTNER_UNKNOWN;
}

/*
 * signal_parse_amount — see signal.h.  Grammar: [+-]digits[.digits].  Parsed by hand
 * (strtod is locale-dependent and accepts hex, inf and nan).  Integer parts beyond 1e300
 * saturate rather than overflow to infinity; fraction digits past 18 are ignored.
 */
signal_reason
signal_parse_amount(const char *in, double *amount)
{
	const char *p;
	size_t		n, i = 0;
	bool		neg = false;
	double		v = 0.0;

	*amount = 0.0;
	if (in == NULL || (n = sig_trim(in, &p)) == 0)
		return REASON_AMOUNT_MISSING;
	if (p[0] == '-' || p[0] == '+')
		neg = (p[i++] == '-');
	if (i >= n || !SIG_DIGIT(SIG_AT(p, i)))
		return REASON_AMOUNT_MALFORMED;
	for (; i < n && SIG_DIGIT(SIG_AT(p, i)); i++)
		if (v < 1e300)
			v = v * 10.0 + (p[i] - '0');
	if (i < n && p[i] == '.')
	{
		uint64_t	frac = 0;
		double		scale = 1.0;

		if (++i >= n || !SIG_DIGIT(SIG_AT(p, i)))
			return REASON_AMOUNT_MALFORMED;
		for (int kept = 0; i < n && SIG_DIGIT(SIG_AT(p, i)); i++)
			if (kept++ < 18)
			{
				frac = frac * 10 + (uint64_t) (p[i] - '0');
				scale *= 10.0;
			}
		v += (double) frac / scale;
	}
	if (i != n)
		return REASON_AMOUNT_MALFORMED;
	*amount = (neg && v != 0.0) ? -v : v;	/* "-0.00" is zero, not negative */
	return SIGNAL_OK;
}

/* signal_parse_bool — see signal.h. */
int
signal_parse_bool(const char *in, int *out)
{
	static const char *const yes[] = {"t", "true", "1"};
	static const char *const no[] = {"f", "false", "0"};
	char		w[8];

	if (!sig_words(in, w, sizeof w))
		return -1;
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
	{
		if (strcmp(w, yes[i]) == 0 || strcmp(w, no[i]) == 0)
		{
			*out = (strcmp(w, yes[i]) == 0);
			return 0;
		}
	}
	return -1;
}

/*
 * signal_status_followup — see signal.h.  Exact match after folding, never a substring
 * ("Nog niet opgepakt" is not in follow-up).
 */
int
signal_status_followup(const char *status)
{
	char		w[SIG_WORDS_MAX];

	if (!sig_words(status, w, sizeof w))
		return 0;
	return strcmp(w, "opgepakt") == 0 ||
		strcmp(w, "inwoner al bekend bij schuldhulpverlening") == 0;
}

/*
 * sig_parse_int64 — non-negative decimal integer (surrounding whitespace allowed) into
 * *out.  Returns false on NULL, blank, any other character, or overflow.
 */
static bool
sig_parse_int64(const char *in, int64_t *out)
{
	const char *p;
	size_t		n;
	int64_t		v = 0;

	if (in == NULL || (n = sig_trim(in, &p)) == 0)
		return false;
	for (size_t i = 0; i < n; i++)
	{
		if (!SIG_DIGIT(SIG_AT(p, i)) || v > (INT64_MAX - (p[i] - '0')) / 10)
			return false;
		v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return true;
}

/* signal_parse_date — see signal.h.  Exactly "DDDD-DD-DD" after trimming; the calendar
 * arithmetic is util.c's. */
int
signal_parse_date(const char *in, int32_t *days)
{
	const char *p;
	char		buf[11];

	if (in == NULL || sig_trim(in, &p) != 10)
		return -1;
	memcpy(buf, p, 10);
	buf[10] = '\0';
	return util_parse_date(buf, days);
}

/* signal_format_date — see signal.h. */
void
signal_format_date(int32_t days, char out[11])
{
	util_format_date(days, out);
}

/*
 * sig_check_dates — signaaldatum/ontstaansdatum checks of signal_check, in the order the
 * header lists.  A blank ontstaansdatum counts as NULL.
 */
static signal_reason
sig_check_dates(const char *const *fields, const signal_rules *rules, signal_row *row)
{
	const char *s = fields[SIG_F_SIGNAAL];
	const char *o = fields[SIG_F_ONTSTAAN];

	if (sig_blank(s))
		return REASON_DATE_MISSING;
	if (signal_parse_date(s, &row->signaal) != 0)
		return REASON_DATE_MALFORMED;
	if (!sig_blank(o) && signal_parse_date(o, &row->ontstaan) != 0)
		return REASON_DATE_MALFORMED;
	if (rules != NULL && row->signaal > rules->as_of)
		return REASON_DATE_FUTURE;
	if (rules != NULL && rules->start != INT32_MIN && row->signaal < rules->start)
		return REASON_DATE_BEFORE_START;
	if (row->ontstaan != INT32_MIN && row->ontstaan > row->signaal)
		return REASON_ONTSTAAN_AFTER_SIGNAAL;
	return SIGNAL_OK;
}

/* signal_check — see signal.h for the order and what *row holds on a reject. */
signal_reason
signal_check(const char *const *fields, const signal_rules *rules, signal_row *row)
{
	signal_row	scratch;
	signal_reason r;

	if (row == NULL)
		row = &scratch;
	memset(row, 0, sizeof *row);
	row->partner = PARTNER_UNKNOWN;
	row->ontstaan = INT32_MIN;
	row->signaal = INT32_MIN;
	row->row_id = -1;
	if (fields == NULL)
		return REASON_ID_MISSING;

	/* fields that never reject: filled first so a quarantined row still carries them */
	if (!sig_parse_int64(fields[SIG_F_ROWID], &row->row_id))
		row->row_id = -1;
	if (signal_parse_bool(fields[SIG_F_CRISIS], &row->crisis) != 0)
		row->crisis = 0;
	row->status_followup = signal_status_followup(fields[SIG_F_STATUS]);

	if (sig_blank(fields[SIG_F_ID]))
		return REASON_ID_MISSING;
	if ((r = signal_norm_postcode(fields[SIG_F_POSTCODE], row->pc6)) != SIGNAL_OK)
		return r;
	if ((r = signal_norm_huisnummer(fields[SIG_F_HUISNUMMER], fields[SIG_F_TOEVOEGING],
									&row->huisnummer, row->toevoeging)) != SIGNAL_OK)
		return r;
	if ((row->partner = signal_norm_partner(fields[SIG_F_PARTNER])) == PARTNER_UNKNOWN)
		return REASON_PARTNER_UNKNOWN;
	if ((r = signal_parse_amount(fields[SIG_F_AMOUNT], &row->amount)) != SIGNAL_OK)
		return r;
	if (row->amount < 0.0)
		return REASON_AMOUNT_NEGATIVE;
	if (rules != NULL && row->amount > rules->max_amount)
		return REASON_AMOUNT_ABSURD;
	return sig_check_dates(fields, rules, row);
}

/* Code and text per reason, indexed by signal_reason.  Texts never contain a value. */
static const struct
{
	const char *code;
	const char *text;
}			sig_reasons[] = {
	[SIGNAL_OK] = {"ok", "row passed all checks"},
	[REASON_ID_MISSING] = {"id_missing", "signal id (ID) is missing"},
	[REASON_POSTCODE_MISSING] = {"postcode_missing", "postcode is missing"},
	[REASON_POSTCODE_MALFORMED] = {"postcode_malformed",
	"postcode is not 4 digits + 2 letters (or starts with 0, or uses SA/SD/SS)"},
	[REASON_POSTCODE_UNKNOWN] = {"postcode_unknown",
	"postcode is not in the reference table ref.pc6"},
	[REASON_AREA_UNKNOWN] = {"area_unknown",
	"postcode has no area at the chosen aggregation level"},
	[REASON_HUISNUMMER_MISSING] = {"huisnummer_missing", "huisnummer is missing"},
	[REASON_HUISNUMMER_MALFORMED] = {"huisnummer_malformed",
	"huisnummer is not 1-99999 with an optional toevoeging of at most 4 letters/digits"},
	[REASON_PARTNER_UNKNOWN] = {"partner_unknown",
	"signaalpartner type is not a known partner type"},
	[REASON_AMOUNT_MISSING] = {"amount_missing", "bedrag is missing"},
	[REASON_AMOUNT_NEGATIVE] = {"amount_negative", "bedrag is negative"},
	[REASON_AMOUNT_ABSURD] = {"amount_absurd", "bedrag is above the configured maximum"},
	[REASON_DATE_MISSING] = {"date_missing", "signaaldatum is missing"},
	[REASON_DATE_MALFORMED] = {"date_malformed",
	"signaaldatum or ontstaansdatum is not a real YYYY-MM-DD date"},
	[REASON_DATE_FUTURE] = {"date_future", "signaaldatum is after the run date"},
	[REASON_DATE_BEFORE_START] = {"date_before_start",
	"signaaldatum is before the start of the analysis window"},
	[REASON_ONTSTAAN_AFTER_SIGNAAL] = {"ontstaan_after_signaal",
	"ontstaansdatum is after signaaldatum"},
	[REASON_DUPLICATE_ID] = {"duplicate_id",
	"signal id (ID) repeats an earlier row; the first is kept"},
	[REASON_AMOUNT_MALFORMED] = {"amount_malformed", "bedrag is not a number"},
};

static const char *const sig_partner_names[] = {
	[PARTNER_HUUR] = "huur", [PARTNER_ENERGIE] = "energie", [PARTNER_WATER] = "water",
	[PARTNER_ZORG] = "zorg", [PARTNER_HYPOTHEEK] = "hypotheek", [PARTNER_DUO] = "duo",
	[PARTNER_TOESLAGEN] = "toeslagen", [PARTNER_CAK] = "cak", [PARTNER_OVERIG] = "overig",
};

_Static_assert(sizeof sig_reasons / sizeof sig_reasons[0] == REASON_N,
			   "a code and text per signal_reason");
_Static_assert(sizeof sig_partner_names / sizeof sig_partner_names[0] == PARTNER_N,
			   "a name per signal_partner");

/* signal_reason_code — see signal.h. */
const char *
signal_reason_code(signal_reason r)
{
	if ((int) r < 0 || (int) r >= REASON_N || sig_reasons[r].code == NULL)
		return "unknown";
	return sig_reasons[r].code;
}

/* signal_reason_text — see signal.h. */
const char *
signal_reason_text(signal_reason r)
{
	if ((int) r < 0 || (int) r >= REASON_N || sig_reasons[r].text == NULL)
		return "unknown reason";
	return sig_reasons[r].text;
}

/* signal_partner_name — see signal.h. */
const char *
signal_partner_name(signal_partner p)
{
	if ((int) p < 0 || (int) p >= PARTNER_N || sig_partner_names[p] == NULL)
		return "unknown";
	return sig_partner_names[p];
}
