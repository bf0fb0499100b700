/*
 * pipeline/cases.c — household cases from validated signals.
 */
#include "cases.h"
#include "log.h"
#include "util.h"

#include <math.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sig_ref
{
	char		ident[40];		/* "B:<bsn>" or "A:<pc6>|<num>|<toev>" */
	size_t		i;				/* index into ingest_data.sig */
} sig_ref;

static const ingest_data *sort_d;

static int
cmp_sig(const void *a, const void *b)
{
	const sig_ref *x = a, *y = b;
	int			c = strcmp(x->ident, y->ident);
	const signal_row *rx, *ry;

	if (c)
		return c;
	rx = &sort_d->sig[x->i].r;
	ry = &sort_d->sig[y->i].r;
	if (rx->signaal != ry->signaal)
		return rx->signaal < ry->signaal ? -1 : 1;
	return (rx->row_id > ry->row_id) - (rx->row_id < ry->row_id);
}

static int
cmp_outreach(const void *a, const void *b)
{
	const cases_household *x = a, *y = b;

	if (x->crisis != y->crisis)
		return y->crisis - x->crisis;
	if (x->risk != y->risk)
		return x->risk > y->risk ? -1 : 1;
	return strcmp(x->key, y->key);
}

static int
month_of(int32_t days)
{
	int			y;
	unsigned	m, d;

	util_civil_from_days(days, &y, &m, &d);
	return y * 12 + (int) m - 1;
}

/*
 * risk = Σ_{p ∈ partners} w_p + a·ln(1 + arrears/100) + b·(npartners − 1)
 *        + c·min(longest_run, 12) + r·exp(−(as_of − last)/30) + k·crisis
 */
double
cases_risk(const cases_household *h, const config *cfg, int32_t as_of)
{
	double		s = 0;

	for (int p = 0; p < PARTNER_N; p++)
		if (h->partners & (1u << p))
			s += cfg->risk_partner[p];
	s += cfg->risk_amount * log1p(fmax(h->arrears, 0) / 100.0);
	s += cfg->risk_npartners * (h->npartners - 1);
	s += cfg->risk_duration * (h->longest_run < 12 ? h->longest_run : 12);
	s += cfg->risk_recency * exp(-(double) (as_of - h->last) / 30.0);
	s += cfg->risk_crisis * (h->crisis ? 1 : 0);
	return s;
}

static int
household_key(const char *secret, const char *ident, char out[17])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (!HMAC(EVP_sha256(), secret, (int) strlen(secret), (const unsigned char *) ident,
			  strlen(ident), md, &len) || len < 8)
		return -1;
	for (int i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

int
cases_build(const ingest_data *d, const config *cfg, cases_data *out, char *err, size_t errlen)
{
	sig_ref    *refs;
	cases_household *hh;
	size_t		n = d->nsig, nh = 0;
	const char *secret = cfg->key_secret[0] ? cfg->key_secret : cfg->sha256;

	memset(out, 0, sizeof(*out));
	if (!cfg->key_secret[0])
		log_warn("[privacy] key_secret is not set: household keys change with the config");
	refs = malloc((n ? n : 1) * sizeof(*refs));
	hh = calloc(n ? n : 1, sizeof(*hh));
	if (!refs || !hh)
	{
		free(refs);
		free(hh);
		return snprintf(err, errlen, "cases: out of memory for %zu signals", n), -1;
	}
	for (size_t i = 0; i < n; i++)
	{
		const ingest_signal *s = &d->sig[i];

		refs[i].i = i;
		if (s->bsn[0])
			snprintf(refs[i].ident, sizeof(refs[i].ident), "B:%s", s->bsn);
		else
			snprintf(refs[i].ident, sizeof(refs[i].ident), "A:%s|%d|%s", s->r.pc6, (int) s->r.huisnummer,
					 s->r.toevoeging);
	}
	sort_d = d;
	qsort(refs, n, sizeof(*refs), cmp_sig);
	sort_d = NULL;

	for (size_t a = 0; a < n;)
	{
		size_t		b = a;
		cases_household *h = &hh[nh++];
		double		latest[PARTNER_N] = {0};
		int			prev_month = -1, run = 0;

		while (b < n && strcmp(refs[b].ident, refs[a].ident) == 0)
			b++;
		h->first = d->sig[refs[a].i].r.signaal;
		h->arrears_since = h->first;
		for (size_t k = a; k < b; k++)
		{
			const ingest_signal *s = &d->sig[refs[k].i];
			int			p = s->r.partner, m = month_of(s->r.signaal);

			if (p >= 0 && p < PARTNER_N)
			{
				h->partners |= 1u << p;
				h->nsignals[p]++;
				latest[p] = s->r.amount;	/* sorted by date: the last one wins */
			}
			h->last = s->r.signaal;
			if (s->r.ontstaan != INT32_MIN && s->r.ontstaan < h->arrears_since)
				h->arrears_since = s->r.ontstaan;
			h->pc6_idx = s->pc6_idx;
			h->huisnummer = s->r.huisnummer;
			memcpy(h->toevoeging, s->r.toevoeging, sizeof(h->toevoeging));
			if (s->bsn[0])
				memcpy(h->bsn, s->bsn, sizeof(h->bsn));
			h->crisis |= s->r.crisis;
			h->followup |= s->followup || s->r.status_followup;
			if (s->contact_attempts > h->contact_attempts)
				h->contact_attempts = s->contact_attempts;
			h->reached |= s->reached;
			if (m != prev_month)
			{
				h->months++;
				run = (prev_month >= 0 && m == prev_month + 1) ? run + 1 : 1;
				if (run > h->longest_run)
					h->longest_run = run;
				prev_month = m;
			}
		}
		for (int p = 0; p < PARTNER_N; p++)
			if (h->partners & (1u << p))
			{
				h->npartners++;
				h->arrears += latest[p];
			}
		if (household_key(secret, refs[a].ident, h->key) != 0)
		{
			free(refs);
			free(hh);
			return snprintf(err, errlen, "cases: cannot compute household key"), -1;
		}
		h->matches = h->npartners >= cfg->min_partners &&
			h->longest_run >= cfg->min_consecutive_months && h->arrears >= cfg->min_amount;
		h->risk = cases_risk(h, cfg, d->as_of);
		out->n_followup += h->followup != 0;
		out->n_matching += h->matches != 0;
		a = b;
	}
	free(refs);
	qsort(hh, nh, sizeof(*hh), cmp_outreach);
	out->hh = hh;
	out->n = nh;
	return 0;
}

void
cases_free(cases_data *c)
{
	if (!c)
		return;
	free(c->hh);
	memset(c, 0, sizeof(*c));
}
