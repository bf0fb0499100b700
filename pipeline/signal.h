/*
 * pipeline/signal.h — one signal row: normalisation and validation.
 *
 * Pure functions, no I/O and no global state, so ingest can run them from many threads
 * and the fuzz target can drive them directly.  A row arrives as the text fields of one
 * COPY line (NULL = SQL NULL); signal_check() normalises into a signal_row and returns
 * SIGNAL_OK or the first reason that rejects it.  Checks that need other rows (duplicate
 * id) or the database (postcode known in ref.pc6) are ingest's job; their reason codes
 * live here so all codes are listed in one place.
 */
#ifndef VSP_SIGNAL_H
#define VSP_SIGNAL_H

#include <stddef.h>
#include <stdint.h>

typedef enum signal_partner
{
	PARTNER_UNKNOWN = -1,
	PARTNER_HUUR = 0,
	PARTNER_ENERGIE,
	PARTNER_WATER,
	PARTNER_ZORG,
	PARTNER_HYPOTHEEK,
	PARTNER_DUO,
	PARTNER_TOESLAGEN,
	PARTNER_CAK,
	PARTNER_OVERIG,
	PARTNER_N
} signal_partner;

typedef enum signal_reason
{
	SIGNAL_OK = 0,
	REASON_ID_MISSING,
	REASON_POSTCODE_MISSING,
	REASON_POSTCODE_MALFORMED,
	REASON_POSTCODE_UNKNOWN,		/* not in ref.pc6 (ingest) */
	REASON_AREA_UNKNOWN,			/* no area at the chosen level (areas) */
	REASON_HUISNUMMER_MISSING,
	REASON_HUISNUMMER_MALFORMED,
	REASON_PARTNER_UNKNOWN,
	REASON_AMOUNT_MISSING,
	REASON_AMOUNT_NEGATIVE,
	REASON_AMOUNT_ABSURD,
	REASON_DATE_MISSING,
	REASON_DATE_MALFORMED,
	REASON_DATE_FUTURE,
	REASON_DATE_BEFORE_START,
	REASON_ONTSTAAN_AFTER_SIGNAAL,
	REASON_DUPLICATE_ID,			/* ingest: the first is kept */
	REASON_AMOUNT_MALFORMED,		/* bedrag present but not a number ("abc", "NaN") */
	REASON_N
} signal_reason;

/* The text fields of one row, in the column order of the source view. */
enum
{
	SIG_F_ID, SIG_F_PARTNER, SIG_F_AMOUNT, SIG_F_ONTSTAAN, SIG_F_SIGNAAL, SIG_F_CRISIS,
	SIG_F_STATUS, SIG_F_BSN, SIG_F_POSTCODE, SIG_F_HUISNUMMER, SIG_F_TOEVOEGING,
	SIG_F_RECEIVED, SIG_F_ROWID, SIG_NFIELDS
};

typedef struct signal_rules
{
	int32_t		as_of;			/* days since 1970-01-01 */
	int32_t		start;			/* earliest acceptable signaaldatum (days); INT32_MIN = none */
	double		max_amount;		/* euro; above is absurd */
} signal_rules;

typedef struct signal_row
{
	char		pc6[7];			/* "1315HR" */
	int32_t		huisnummer;
	char		toevoeging[8];	/* upper case, may be empty */
	signal_partner partner;
	double		amount;
	int32_t		ontstaan;		/* days since epoch; INT32_MIN when NULL */
	int32_t		signaal;		/* days since epoch */
	int			crisis;
	int			status_followup;	/* status says the household is already in follow-up */
	int64_t		row_id;
} signal_row;

/* Normalise a postcode ("1315 hr", " 1315HR", "1315-HR") into out[7] ("1315HR").
 * Returns SIGNAL_OK, REASON_POSTCODE_MISSING or REASON_POSTCODE_MALFORMED
 * (wrong shape, a leading 0, or the never-issued letter pairs SA, SD, SS). */
signal_reason signal_norm_postcode(const char *in, char out[7]);
/* Split "12a", "12-A", "12 bis" (plus an optional separate toevoeging field) into number and
 * upper-case toevoeging (letters/digits only, at most 4 characters: ddas AN4).
 * The number is 1..99999 (ddas AN5); one separator (spaces and/or one '-') may stand between
 * number and glued suffix.  toev (may be NULL) is trimmed, upper-cased, a leading '-' dropped;
 * empty means none.  When both a glued suffix and a non-empty toev are present and differ, the
 * separate toev field wins (it is the ddas huisnummertoevoeging field; the glued suffix is only
 * our parse of free text) — but both must be well-formed, or the result is MALFORMED.
 * Returns SIGNAL_OK, REASON_HUISNUMMER_MISSING (in NULL/blank) or REASON_HUISNUMMER_MALFORMED;
 * on failure *num = 0 and toev_out = "". */
signal_reason signal_norm_huisnummer(const char *in, const char *toev, int32_t *num, char toev_out[8]);
/* Partner type as sent (any case; synonyms such as woningcorporatie, verhuurder,
 * zorgverzekeraar, drinkwater, gas, elektriciteit, warmte) → signal_partner. */
signal_partner signal_norm_partner(const char *in);
/* "YYYY-MM-DD" → days since 1970-01-01. 0 on success, -1 if malformed or not a real date.
 * Surrounding whitespace is ignored; years 0001..9999 only; *days untouched on failure. */
int			signal_parse_date(const char *in, int32_t *days);
/* days → "YYYY-MM-DD" (the inverse of signal_parse_date); out = "" outside 0001..9999. */
void		signal_format_date(int32_t days, char out[11]);
/* bedrag as COPY prints numeric ("1234.50", "-5.00"; surrounding whitespace ignored) → euro.
 * Returns SIGNAL_OK, REASON_AMOUNT_MISSING (NULL/blank) or REASON_AMOUNT_MALFORMED (anything
 * else, including NaN, Infinity and exponents); *amount = 0 on failure. No sign/limit check. */
signal_reason signal_parse_amount(const char *in, double *amount);
/* COPY boolean "t"/"f" (also "true"/"false"/"1"/"0", any case, trimmed) → *out 1/0.
 * Returns 0, or -1 (and *out untouched) for NULL or anything else. */
int			signal_parse_bool(const char *in, int *out);
/* 1 when the ddas signaalstatus says the household is already in follow-up ("Opgepakt",
 * "Inwoner al bekend bij schuldhulpverlening"; any case, spacing); 0 otherwise, also for NULL. */
int			signal_status_followup(const char *status);

/* All single-row checks, in a fixed order (id, postcode, huisnummer, partner, amount, dates).
 * fields[] has SIG_NFIELDS entries (NULL = SQL NULL). On SIGNAL_OK *row is filled.
 * On a reject *row holds what was parsed up to the failing check; row_id, crisis and
 * status_followup never reject and are always filled first (row_id = -1 when NULL or not a
 * non-negative integer; crisis = 0 when NULL or not a boolean).  Date order: signaaldatum
 * missing/malformed, ontstaansdatum malformed, future (> as_of), before start, ontstaan after
 * signaal.  rules == NULL skips the limit checks (max_amount, as_of, start); row may be NULL
 * (validate only); fields == NULL gives REASON_ID_MISSING.  BSN and received_at are not checked. */
signal_reason signal_check(const char *const *fields, const signal_rules *rules, signal_row *row);

/* Static strings, never NULL; out-of-range values give "unknown" ("unknown reason" for the
 * text).  Texts name the field but never contain a value (they go to logs). */
const char *signal_reason_code(signal_reason r);	/* stable code: "postcode_malformed" */
const char *signal_reason_text(signal_reason r);	/* human text naming the field */
const char *signal_partner_name(signal_partner p);	/* "huur", "energie", ... */

#endif
