/*
 * geo/synth_people.c — households' identities and their signals and follow-up.
 *
 * A household is its global index: its PC6 cell, house number (1..N within the PC6),
 * toevoeging, name and BSN all follow from the index through counter-based hashes, so
 * nothing per household is stored and any household can be rendered on demand.  BSNs
 * are unique (an affine permutation of the index gives the first seven digits) and
 * pass the elfproef.
 *
 * Signals: each household draws a frailty (gamma, shape 0.3, mean 1) and a Poisson
 * number of arrears episodes with mean proportional to its PC6's low-income share, or
 * in a planted hotspot to 12-14 times the city's mean share, calibrated to ~0.12
 * signals per household per year (≈4 per 1,000 inhabitants per month).  Because the
 * frailty is so skewed, 12-14 times the episodes gives 4-5 times the share of
 * households with a signal.  An episode has one partner (zorg 41 %, huur 20 %,
 * energie 20 %, water 18 %, 1 % others) and repeats in following months with
 * probability 0.45, the amount growing by about a month's bill each time.  Because
 * every partner repeats alike, partner shares of signals equal the episode shares.
 * In a thinned cell (synth_cbs.c) a household loses all its signals with probability
 * 1 − keep, decided by a hash, after its draws: the other cells' signals do not change.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth_int.h"

#define NAME_SALT		UINT64_C(0x6e616d6573)
#define BSN_SALT		UINT64_C(0x62736e73)
#define TOEV_SALT		UINT64_C(0x746f6576)
#define STREAM_BSN		7
#define STREAM_SIG		(UINT64_C(1) << 40)
#define REPEAT_P		0.45
#define SIG_PER_HH_YEAR	0.12
#define FRAILTY_SHAPE	0.3
#define BSN_SPACE		9000000		/* seven-digit prefixes 1000000..9999999 */

static const char *const surname[] = {
	"de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen",
	"Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters",
	"Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits",
	"de Graaf", "van der Meer", "van der Linden", "Kok", "Jacobs", "de Haan", "Vermeulen",
	"van den Heuvel", "van der Veen", "van den Broek", "de Bruijn", "de Bruin",
	"van der Heijden", "Schouten", "van Beek", "Willems", "van Vliet", "van de Ven",
	"Hoekstra", "Maas", "Verhoeven", "Koster", "van Dam", "van der Wal", "Prins", "Blom",
	"Huisman", "Peeters", "de Jonge", "Kuipers", "van Veen", "Post", "Kuiper", "Veenstra",
	"Kramer", "van den Brink", "Scholten", "van Wijk", "Postma", "Martens", "Vink",
	"de Ruiter", "Timmermans", "Groen", "Gerritsen", "Jonker", "van Loon", "Boer",
	"van der Velde", "Willemsen", "Smeets", "de Lange", "de Vos", "Bosch", "van Dongen",
	"Schipper", "de Koning", "van der Laan", "Koning", "van der Velden", "Driessen",
	"van Doorn", "Hermans", "Evers", "van den Bosch", "van der Meulen", "Hofman",
	"Bosman", "Wolters", "Sanders", "van der Horst", "Mol", "Kuijpers", "Molenaar",
	"van de Pol", "de Leeuw", "Verbeek", "Yilmaz", "Kaya", "El Amrani", "Bouzid",
	"Ramdin", "Baldew", "Sedney", "Martina", "Nguyen", "Kowalski"
};
#define N_SURNAME (sizeof(surname) / sizeof(surname[0]))
static const char initials[] = "AABCDEEFGHHIJJJKLMMNPPRSSTWY";

static const double partner_share[SYNTH_NPARTNER] = {
	0.20, 0.20, 0.18, 0.41, 0.003, 0.003, 0.002, 0.002
};

/* monthly bill range, first-signal multiple of it, clamp range (euro) */
static const double amount_model[SYNTH_NPARTNER][6] = {
	{650, 1250, 1.3, 2.6, 800, 4000},		/* huur */
	{90, 260, 2.0, 4.0, 200, 2500},			/* energie */
	{18, 45, 2.5, 5.0, 50, 600},			/* water */
	{135, 350, 1.2, 4.0, 150, 3000},		/* zorg */
	{900, 1900, 1.5, 3.0, 1500, 15000},		/* hypotheek */
	{80, 350, 2.0, 4.0, 200, 3000},			/* duo */
	{300, 8000, 1.0, 1.0, 300, 8000},		/* toeslagen: a one-off claim */
	{130, 170, 2.0, 6.0, 200, 2500}			/* cak */
};

/* ---- identities ----------------------------------------------------------------- */

/* "J. de Vries" or "A.M. Jansen" for household hh. */
void
synth_hh_name(const synth_world *w, int64_t hh, char *out, size_t outlen)
{
	uint64_t	h = synth_hash(w->seed ^ NAME_SALT, (uint64_t) hh, 0);
	uint64_t	g = synth_hash(w->seed ^ NAME_SALT, (uint64_t) hh, 1);
	size_t		ni = sizeof(initials) - 1;
	char		a = initials[synth_hrange(g, 0, (int64_t) ni - 1)];
	char		b = initials[synth_hrange(synth_mix64(g), 0, (int64_t) ni - 1)];
	const char *s = surname[synth_hrange(h, 0, (int64_t) N_SURNAME - 1)];

	if ((g >> 60) < 5)
		snprintf(out, outlen, "%c.%c. %s", a, b, s);
	else
		snprintf(out, outlen, "%c. %s", a, s);
}

/*
 * The BSN of household hh into out[10]; returns 0 when the platform has none for
 * this household (7 %), else 1.  Unique per household and elfproef-valid:
 * 9*d1 + 8*d2 + ... + 2*d8 - d9 is a multiple of 11.
 */
int
synth_hh_bsn(const synth_world *w, int64_t hh, char out[10])
{
	uint64_t	h = synth_hash(w->seed ^ BSN_SALT, (uint64_t) hh, 0);
	uint64_t	base = (w->bsn_a * (uint64_t) hh + w->bsn_b) % BSN_SPACE + 1000000;
	int			d[9], sum = 0;

	out[0] = '\0';
	if (synth_hrange(h, 0, 99) >= 93)
		return 0;
	for (int i = 6; i >= 0; i--)
	{
		d[i] = (int) (base % 10);
		base /= 10;
	}
	d[7] = (int) synth_hrange(synth_mix64(h), 0, 9);
	for (int i = 0; i < 7; i++)
		sum += (9 - i) * d[i];
	if ((sum + 2 * d[7]) % 11 == 10)
		d[7] = (d[7] + 1) % 10;	/* shifts the remainder by 2 or 4: never 10 again */
	d[8] = (sum + 2 * d[7]) % 11;
	for (int i = 0; i < 9; i++)
		out[i] = (char) ('0' + d[i]);
	out[9] = '\0';
	return 1;
}

/* Toevoeging of household hh: "" (88 %), "A", "B", "1", "2" or "bis". */
const char *
synth_hh_toev(const synth_world *w, int64_t hh)
{
	int64_t		u = synth_hrange(synth_hash(w->seed ^ TOEV_SALT, (uint64_t) hh, 0), 0, 999);

	if (u < 880)
		return "";
	if (u < 920)
		return "A";
	if (u < 945)
		return "B";
	if (u < 960)
		return "1";
	if (u < 970)
		return "2";
	return "bis";
}

/* The cell holding household hh (binary search on hh_first). */
int32_t
synth_hh_cell(const synth_world *w, int64_t hh)
{
	size_t		lo = 0, hi = w->ncell;

	while (hi - lo > 1)
	{
		size_t		mid = lo + (hi - lo) / 2;

		if (w->cell[mid].hh_first <= hh)
			lo = mid;
		else
			hi = mid;
	}
	return (int32_t) lo;
}

/* ---- signals -------------------------------------------------------------------- */

/* A partner type drawn with the national shares. */
int
synth_pick_partner(synth_rng *r)
{
	double		u = synth_unif(r);

	for (int p = 0; p < SYNTH_NPARTNER - 1; p++)
	{
		if (u < partner_share[p])
			return p;
		u -= partner_share[p];
	}
	return SYNTH_NPARTNER - 1;
}

/* Monthly bill and first-signal amount (euro) of a new episode with partner p. */
double
synth_first_amount(synth_rng *r, int p, double *monthly)
{
	const double *m = amount_model[p];
	double		bill = synth_uab(r, m[0], m[1]);
	double		a = bill * synth_uab(r, m[2], m[3]);

	*monthly = p == SP_TOESLAGEN ? 0.0 : bill;
	return a < m[4] ? m[4] : (a > m[5] ? m[5] : a);
}

/* Fill s as a good signal of household hh at cell for partner p on day. */
void
synth_make_signal(const synth_world *w, synth_rng *r, int64_t hh, int32_t cell, int p,
				  int32_t day, double amount, synth_sig *s)
{
	memset(s, 0, sizeof(*s));
	s->hh = hh;
	s->cell = cell;
	s->partner = (uint8_t) p;
	s->signaal = day;
	s->ontstaan = day - (int32_t) synth_irange(r, 30, 100);
	s->recv_day = day + (int32_t) synth_irange(r, 0, 3);
	if (s->recv_day > w->end)
		s->recv_day = w->end;
	s->recv_sec = (int32_t) synth_irange(r, 7 * 3600, 18 * 3600 - 1);
	s->cents = llround(amount * 100.0);
	s->crisis = synth_unif(r) < 0.03;
	s->status = SS_NIEUW;
	s->style = (uint32_t) (synth_next(r) >> 32);
	s->dup_of = -1;
}

/* Append a signal. 0, or -1 when out of memory or too many rows. */
static int
push_signal(synth_world *w, const synth_sig *s)
{
	if (w->nsig >= INT32_MAX - 1 ||
		synth_grow((void **) &w->sig, &w->capsig, w->nsig + 1, sizeof(synth_sig)) != 0)
		return -1;
	w->sig[w->nsig++] = *s;
	return 0;
}

/* Expected in-window signals of one episode starting uniformly in [start-90, end]. */
static double
per_episode(int32_t start, int32_t end)
{
	double		tot = 0;
	int64_t		n = 0;

	for (int32_t t0 = start - 90; t0 <= end; t0++, n++)
	{
		double		p = 1.0;

		for (int m = 0;; m++)
		{
			int32_t		d = t0 + (int32_t) (31.5 * m);

			if (d > end)
				break;
			if (d >= start)
				tot += p;
			p *= REPEAT_P;
		}
	}
	return tot / (double) n;
}

/* One arrears episode of household hh: a signal a month while it lasts. */
static int
episode(synth_world *w, synth_rng *r, int64_t hh, int32_t cell)
{
	int			p = synth_pick_partner(r);
	const double *m = amount_model[p];
	double		bill, amount = synth_first_amount(r, p, &bill);
	int32_t		day = (int32_t) synth_irange(r, w->start - 90, w->end);
	synth_sig	s;

	for (;;)
	{
		if (day > w->end)
			break;
		if (day >= w->start)
		{
			synth_make_signal(w, r, hh, cell, p, day, amount, &s);
			if (push_signal(w, &s) != 0)
				return -1;
		}
		if (synth_unif(r) >= REPEAT_P)
			break;
		day += (int32_t) synth_irange(r, 28, 35);
		amount += bill * synth_uab(r, 0.85, 1.15);
		if (amount > m[5])
			amount = m[5];
	}
	return 0;
}

/* Statuses and a case for one household's signals sig[h0..h1). */
static int
follow_up(synth_world *w, synth_rng *r, size_t h0, size_t h1)
{
	unsigned	seen = 0;
	int			npart = 0, crisis = 0;
	size_t		trig = h0;

	for (size_t i = h0 + 1; i < h1; i++)	/* by date, then partner */
		for (size_t j = i; j > h0 && (w->sig[j - 1].signaal > w->sig[j].signaal ||
									  (w->sig[j - 1].signaal == w->sig[j].signaal &&
									   w->sig[j - 1].partner > w->sig[j].partner)); j--)
		{
			synth_sig	t = w->sig[j];

			w->sig[j] = w->sig[j - 1];
			w->sig[j - 1] = t;
		}
	for (size_t i = h0; i < h1; i++)
	{
		if (!(seen & (1u << w->sig[i].partner)) && ++npart == 2)
			trig = i;
		seen |= 1u << w->sig[i].partner;
		crisis |= w->sig[i].crisis;
	}
	double		u = synth_unif(r);
	double		pf = 0.12 + 0.10 * (npart - 1) + (crisis ? 0.10 : 0.0);

	if (pf > 0.5)
		pf = 0.5;
	if (u < 0.04)
	{
		for (size_t i = h0; i < h1; i++)
			w->sig[i].status = SS_BEKEND;
		return 0;
	}
	if (u < 0.04 + pf)
	{
		int32_t		opg = w->sig[trig].signaal + (int32_t) synth_irange(r, 3, 40);
		uint8_t		later = synth_unif(r) < 0.7 ? SS_OPGEPAKT : SS_BEKEND;
		synth_zaak	z;

		if (opg > w->end)
			return 0;
		z.sig = (int32_t) trig;
		z.opgepakt = opg;
		z.pogingen = (uint8_t) synth_irange(r, 1, 5);
		z.bereikt = synth_unif(r) < 0.65;
		z.resultaat = (uint8_t) (z.bereikt ? synth_irange(r, 0, 3) : 4);
		z.afgesloten = INT32_MIN;
		if (synth_unif(r) < 0.5)
		{
			int32_t		a = opg + (int32_t) synth_irange(r, 14, 120);

			if (a <= w->end)
				z.afgesloten = a;
		}
		if (synth_grow((void **) &w->zaak, &w->capzaak, w->nzaak + 1, sizeof(synth_zaak)) != 0)
			return -1;
		w->zaak[w->nzaak++] = z;
		w->sig[trig].status = SS_OPGEPAKT;
		for (size_t i = trig + 1; i < h1; i++)
			w->sig[i].status = later;
		return 0;
	}
	seen = 0;
	for (size_t i = h0; i < h1; i++)
	{
		if ((seen & (1u << w->sig[i].partner)) && synth_unif(r) < 0.10)
			w->sig[i].status = SS_HERHAALD;
		seen |= 1u << w->sig[i].partner;
	}
	return 0;
}

/*
 * A cell's relative episode rate: its low-income share, or in a planted cluster the
 * cluster's multiplier times the city's mean share.  Tied to the city, not to the cell,
 * so that every cluster is clearly raised above the city wherever it lands (a cluster
 * at 4-6 times a 10 % share was barely above the city, and mostly missed).
 */
static double
episode_level(const synth_world *w, const synth_cell *c, double city_level)
{
	return c->hot >= 0 ? w->hot[c->hot].mult * city_level : (double) c->lowinc;
}

/* Generate all good signals and cases, household by household. */
int
synth_signals(synth_world *w, char *err, size_t errlen)
{
	synth_rng	r;
	double		wsum = 0, months = 0;
	double		level_sum = 0, hh_sum = 0, city_level;

	synth_rng_seed(&r, w->seed, STREAM_BSN);
	do
		w->bsn_a = (uint64_t) synth_irange(&r, 1000000, 8000000);
	while (w->bsn_a % 2 == 0 || w->bsn_a % 3 == 0 || w->bsn_a % 5 == 0);
	w->bsn_b = (uint64_t) synth_irange(&r, 0, BSN_SPACE - 1);

	for (size_t c = 0; c < w->ncell; c++)
	{
		level_sum += w->cell[c].households * (double) w->cell[c].lowinc;
		hh_sum += w->cell[c].households;
	}
	city_level = hh_sum > 0 ? level_sum / hh_sum : 0.0;
	for (size_t c = 0; c < w->ncell; c++)
		wsum += w->cell[c].households * episode_level(w, &w->cell[c], city_level);
	months = (w->end - w->start + 1) / (365.2425 / 12.0);
	double		target = SIG_PER_HH_YEAR * (double) w->households * months / 12.0;
	double		cal = target / (per_episode(w->start, w->end) * wsum);

	for (size_t c = 0; c < w->ncell; c++)
	{
		const synth_cell *cc = &w->cell[c];
		double		base = cal * episode_level(w, cc, city_level);

		synth_rng_seed(&r, w->seed, STREAM_SIG + c);
		for (int32_t k = 0; k < cc->households; k++)
		{
			int64_t		hh = cc->hh_first + k;
			double		frail = synth_gamma(&r, FRAILTY_SHAPE) / FRAILTY_SHAPE;
			int			n = synth_poisson(&r, base * frail);
			size_t		h0 = w->nsig;

			for (int e = 0; e < n; e++)
				if (episode(w, &r, hh, (int32_t) c) != 0)
					goto oom;
			if (cc->thin && w->nsig > h0 && synth_thin_drops(w, hh))
				w->nsig = h0;	/* under-signalling: this household's signals never arrive */
			if (w->nsig > h0 && follow_up(w, &r, h0, w->nsig) != 0)
				goto oom;
		}
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory for %zu signals", w->nsig + 1);
	return -1;
}
