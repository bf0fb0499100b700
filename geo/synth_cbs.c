/*
 * geo/synth_cbs.c — CBS-like indicators per PC6, and deliberately thinned areas.
 *
 * Indicators (pc6.csv, ref.pc6): each follows the PC6's low-income share L (10–35 %, the
 * smooth field that drives the signal probability in synth_people.c) plus noise, some with
 * an offset per PC4 of their own so that at PC4 level they are correlated but not collinear:
 *
 *   pct_low_income        100 L + N(0, 3)
 *   pct_rent_corporation  10 + 180 (L − 0.10) + PC4 offset N(0, 8) + N(0, 10)
 *   pct_single_parent     3 + 30 (L − 0.10) + PC4 offset N(0, 1.5) + N(0, 2)
 *   pct_benefits          2 + 36 (L − 0.10) + PC4 offset N(0, 1.5) + N(0, 2.5)
 *   avg_income (k€)       60 − 120 (L − 0.10) + N(0, 5), at least 12
 *
 * percentages clamped to 0–100 and everything rounded to one decimal, as CBS publishes.
 * Only L drives the signals, so a model on these indicators should lean on pct_low_income.
 * Suppression as CBS does for small areas: with fewer than 10 households the income figures
 * (pct_low_income, avg_income, pct_benefits) are NULL; with fewer than 7 all five are.
 * The noise comes from counter-based hashes, so the random streams of the signals — and
 * therefore signals.csv — are the same as without indicators.
 *
 * Thinning (synth_options.thin, "SPEC[@KEEP]"): the households of the chosen areas keep
 * their signals with probability KEEP (default 0.5) — under-signalling, as when a partner
 * does not take part.  SPEC is a fraction (0 < F < 1: that share of the PC4 areas without a
 * planted hotspot, chosen by hash) or a comma-separated list of PC4 and PC6 codes.  The
 * decision per household is a hash too, so areas not thinned keep exactly their signals.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth_int.h"

#define IND_SALT		UINT64_C(0x696e646963)
#define THIN_SALT		UINT64_C(0x7468696e)

const char *const synth_indicator_name[SYNTH_NIND] = {
	"pct_low_income", "pct_rent_corporation", "pct_single_parent", "pct_benefits", "avg_income"
};

/* uniform (0, 1) from a hash */
static double
hash_unif(uint64_t h)
{
	return ((double) (h >> 11) + 0.5) * 0x1.0p-53;
}

/* standard normal from two hash values (Box–Muller) */
static double
hash_normal(uint64_t seed, uint64_t a, uint64_t b)
{
	double		u1 = hash_unif(synth_hash(seed, a, 2 * b)), u2 = hash_unif(synth_hash(seed, a, 2 * b + 1));

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static double
pct(double v)
{
	v = v < 0 ? 0 : v > 100 ? 100 : v;
	return round(v * 10.0) / 10.0;
}

void
synth_indicators(const synth_world *w, const synth_cell *c, double v[SYNTH_NIND], int known[SYNTH_NIND])
{
	uint64_t	s = w->seed ^ IND_SALT;
	uint64_t	cell = (uint64_t) (uint32_t) c->gi << 32 | (uint32_t) c->gj;
	uint64_t	pc4 = (uint64_t) w->pc4[c->pc4].code | UINT64_C(1) << 40;
	double		L = c->lowinc;

	v[0] = pct(100.0 * L + 3.0 * hash_normal(s, cell, 0));
	v[1] = pct(10.0 + 180.0 * (L - 0.10) + 8.0 * hash_normal(s, pc4, 1) + 10.0 * hash_normal(s, cell, 1));
	v[2] = pct(3.0 + 30.0 * (L - 0.10) + 1.5 * hash_normal(s, pc4, 2) + 2.0 * hash_normal(s, cell, 2));
	v[3] = pct(2.0 + 36.0 * (L - 0.10) + 1.5 * hash_normal(s, pc4, 3) + 2.5 * hash_normal(s, cell, 3));
	v[4] = 60.0 - 120.0 * (L - 0.10) + 5.0 * hash_normal(s, cell, 4);
	v[4] = round((v[4] < 12.0 ? 12.0 : v[4]) * 10.0) / 10.0;
	for (int k = 0; k < SYNTH_NIND; k++)
		known[k] = c->households >= 7;
	if (c->households < 10)
		known[0] = known[3] = known[4] = 0;
}

/* Is household hh of a thinned cell dropped? */
int
synth_thin_drops(const synth_world *w, int64_t hh)
{
	return hash_unif(synth_hash(w->seed ^ THIN_SALT, (uint64_t) hh, 7)) >= w->thin_keep;
}

/* index of PC4 code in w->pc4, or -1 */
static long
pc4_index(const synth_world *w, int code)
{
	for (size_t p = 0; p < w->npc4; p++)
		if (w->pc4[p].code == code)
			return (long) p;
	return -1;
}

/* Thin a list of codes ("1315,1320AB"); 0 or -1 with err. */
static int
thin_codes(synth_world *w, const char *list, char *err, size_t errlen)
{
	char		buf[32];
	const char *s = list;

	while (*s)
	{
		size_t		n = strcspn(s, ", ");
		long		p;
		int			found = 0;

		if (n == 0)
		{
			s++;
			continue;
		}
		if (n >= sizeof(buf) || (n != 4 && n != 6) || s[0] < '1' || s[0] > '9' || !isdigit((unsigned char) s[1]) ||
			!isdigit((unsigned char) s[2]) || !isdigit((unsigned char) s[3]))
			return snprintf(err, errlen, "--thin: \"%.*s\" is not a PC4 or PC6 code", (int) n, s), -1;
		memcpy(buf, s, n);
		buf[n] = '\0';
		for (size_t k = 4; k < n; k++)
			buf[k] = (char) toupper((unsigned char) buf[k]);
		if ((p = pc4_index(w, atoi(buf))) >= 0)
			for (size_t c = 0; c < w->ncell; c++)
			{
				char		pc[7];

				if (w->cell[c].pc4 != p)
					continue;
				synth_pc6_code(w, &w->cell[c], pc);
				if (n == 4 || strcmp(pc, buf) == 0)
				{
					w->cell[c].thin = 1;
					found = 1;
				}
			}
		if (!found)
			return snprintf(err, errlen, "--thin: the city has no area %s", buf), -1;
		s += n;
	}
	return 0;
}

/* PC4 candidates ordered by hash */
typedef struct thin_cand
{
	uint64_t	h;
	size_t		p;
} thin_cand;

static int
cmp_cand(const void *a, const void *b)
{
	const thin_cand *x = a, *y = b;

	return x->h < y->h ? -1 : x->h > y->h;
}

/* Thin a fraction of the PC4 areas without planted hotspot cells; 0 or -1. */
static int
thin_fraction(synth_world *w, double f, char *err, size_t errlen)
{
	thin_cand  *cand = synth_alloc(w->npc4, sizeof(thin_cand));
	unsigned char *pick = synth_alloc(w->npc4, 1);
	size_t		nc = 0, want;

	if (!cand || !pick)
	{
		free(cand);
		free(pick);
		return snprintf(err, errlen, "out of memory for thinning"), -1;
	}
	memset(pick, 0, w->npc4);
	for (size_t p = 0; p < w->npc4; p++)
		if (w->pc4[p].hh_hot == 0 && w->pc4[p].households > 0)
		{
			cand[nc].h = synth_hash(w->seed ^ THIN_SALT, (uint64_t) w->pc4[p].code, 0);
			cand[nc++].p = p;
		}
	want = (size_t) llround(f * (double) w->npc4);
	want = want < 1 ? 1 : want > nc ? nc : want;
	qsort(cand, nc, sizeof(thin_cand), cmp_cand);
	for (size_t k = 0; k < want; k++)
		pick[cand[k].p] = 1;
	for (size_t c = 0; c < w->ncell; c++)
		if (pick[w->cell[c].pc4])
			w->cell[c].thin = 1;
	free(cand);
	free(pick);
	return 0;
}

int
synth_thin(synth_world *w, const char *spec, char *err, size_t errlen)
{
	char		buf[4096], *at, *end;
	double		f;

	w->thin_keep = 0.5;
	if (!spec || !*spec)
		return 0;
	if (strlen(spec) >= sizeof(buf))
		return snprintf(err, errlen, "--thin: the list is too long"), -1;
	snprintf(buf, sizeof(buf), "%s", spec);
	if ((at = strchr(buf, '@')))
	{
		*at++ = '\0';
		w->thin_keep = strtod(at, &end);
		if (end == at || *end || !(w->thin_keep >= 0 && w->thin_keep < 1))
			return snprintf(err, errlen, "--thin: KEEP after @ must be in [0, 1), not \"%s\"", at), -1;
	}
	f = strtod(buf, &end);
	if (strchr(buf, '.') && end != buf && !*end)
	{
		if (!(f > 0 && f < 1))
			return snprintf(err, errlen, "--thin: a fraction must be in (0, 1), not %s", buf), -1;
		return thin_fraction(w, f, err, errlen);
	}
	return thin_codes(w, buf, err, errlen);
}

/* truth_thinned.csv: level,area_code,keep of every thinned PC6 and mostly-thinned PC4. */
int
synth_write_thinned(const synth_world *w, const char *path, char *err, size_t errlen)
{
	FILE	   *f = fopen(path, "w");
	int64_t    *hh = synth_alloc(w->npc4, sizeof(int64_t));
	int			bad;

	if (!f || !hh)
	{
		if (f)
			fclose(f);
		free(hh);
		return snprintf(err, errlen, "cannot create %s", path), -1;
	}
	memset(hh, 0, w->npc4 * sizeof(int64_t));
	fputs("level,area_code,keep\n", f);
	for (size_t i = 0; i < w->ncell; i++)
	{
		const synth_cell *c = &w->cell[w->order[i]];
		char		pc[7];

		if (!c->thin)
			continue;
		synth_pc6_code(w, c, pc);
		fprintf(f, "pc6,%s,%.3g\n", pc, w->thin_keep);
		hh[c->pc4] += c->households;
	}
	for (size_t p = 0; p < w->npc4; p++)
		if (2 * hh[p] > w->pc4[p].households)
			fprintf(f, "pc4,%04d,%.3g\n", w->pc4[p].code, w->thin_keep);
	free(hh);
	bad = ferror(f);
	if (fclose(f) != 0 || bad)
		return snprintf(err, errlen, "cannot write %s", path), -1;
	return 0;
}
