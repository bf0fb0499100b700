/*
 * pipeline/cases.h — group signals into household cases and score their risk.
 *
 * A household is identified by BSN when a signal carries one, else by postcode +
 * huisnummer + toevoeging (ddas).  Each case carries a pseudonymous key (keyed
 * HMAC-SHA256 of that identity, config [privacy] key_secret) which is all that logs and
 * the database results ever show.  cases_build() returns households sorted by outreach
 * order: crisis first, then risk score descending, then key (a stable tie-break).
 * The caller frees with cases_free().
 */
#ifndef VSP_CASES_H
#define VSP_CASES_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "ingest.h"

typedef struct cases_household
{
	char		key[17];		/* pseudonymous household key, 16 hex digits */
	uint32_t	pc6_idx;		/* into ingest_ref: the address of the latest signal */
	int32_t		huisnummer;
	char		toevoeging[8];
	char		bsn[10];		/* "" when no signal had one */
	unsigned	partners;		/* bit p set = a signal from signal_partner p */
	int			npartners;
	int			nsignals[PARTNER_N];
	double		arrears;		/* sum over partners of each partner's latest amount */
	int32_t		first, last;	/* first and last signaaldatum (days) */
	int32_t		arrears_since;	/* earliest ontstaansdatum (or signaaldatum) */
	int			months;			/* calendar months with a signal */
	int			longest_run;	/* longest run of consecutive months with a signal */
	int			crisis;
	int			followup;		/* picked up / known to schuldhulpverlening: off outreach lists */
	int			contact_attempts, reached;
	int			matches;		/* passes the configured matching rules */
	double		risk;
} cases_household;

typedef struct cases_data
{
	cases_household *hh;
	size_t		n;
	size_t		n_followup, n_matching;
} cases_data;

/* 0, or -1 with err (allocation or crypto failure). */
int			cases_build(const ingest_data *d, const config *cfg, cases_data *out, char *err,
						size_t errlen);
/* The risk score of one case (docs/methodology.md §household risk), as_of in days. */
double		cases_risk(const cases_household *h, const config *cfg, int32_t as_of);
void		cases_free(cases_data *c);

#endif
