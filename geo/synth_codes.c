/*
 * geo/synth_codes.c — codes for the areas: gemeente, PC4, PC6 letters, buurt and wijk.
 *
 * PC4 codes follow a Hilbert curve through the towns, so neighbouring areas get nearby
 * codes as in the real numbering (city: Almere's 41 real codes; national: 1000–9999
 * spread evenly).  The letter pairs of a PC4 run north to south, west to east, with
 * random gaps, never SA, SD or SS.  Buurten are 6x6-cell blocks and wijken larger blocks
 * of them (18 cells or more, so that no gemeente has more than 100 wijken), numbered
 * within their gemeente: BU + gemeente + wijk + buurt, WK = the first 6 digits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth_int.h"

#define STREAM_LETTERS	3
#define BUURT_BLOCK		6

/* Almere's 41 PC4 codes. */
static const int almere_pc4[] = {
	1309, 1311, 1312, 1313, 1314, 1315, 1316, 1317, 1318, 1319,
	1321, 1322, 1323, 1324, 1325, 1326, 1327, 1328,
	1331, 1332, 1333, 1334, 1335, 1336, 1338, 1339,
	1341, 1343, 1349,
	1351, 1352, 1353, 1354, 1355, 1356, 1357, 1358, 1359,
	1361, 1362, 1363
};
_Static_assert(sizeof(almere_pc4) / sizeof(almere_pc4[0]) == SYNTH_ALMERE_PC4, "41 Almere codes");

/* "1315HR" for a cell with its PC4 and letter pair assigned. */
void
synth_pc6_code(const synth_world *w, const synth_cell *c, char out[7])
{
	int			code = w->pc4[c->pc4].code % 10000;

	out[0] = (char) ('0' + code / 1000);
	out[1] = (char) ('0' + code / 100 % 10);
	out[2] = (char) ('0' + code / 10 % 10);
	out[3] = (char) ('0' + code % 10);
	out[4] = (char) ('A' + c->pair / 26);
	out[5] = (char) ('A' + c->pair % 26);
	out[6] = '\0';
}

typedef struct sort_key
{
	uint64_t	a, b;
	int32_t		idx;
} sort_key;

/* qsort order on (a, b, idx). */
static int
cmp_key(const void *x, const void *y)
{
	const sort_key *p = x, *q = y;

	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	if (p->b != q->b)
		return p->b < q->b ? -1 : 1;
	return p->idx < q->idx ? -1 : p->idx > q->idx;
}

/* Hilbert key of a town centre on the cell grid. */
static uint64_t
town_hilbert(const synth_world *w, const synth_town *t)
{
	double		gx = (t->cx - w->x0_cm / 100.0) / 80.0, gy = (t->cy - w->y0_cm / 100.0) / 80.0;

	return synth_hilbert((uint32_t) (gx > 0 ? gx : 0), (uint32_t) (gy > 0 ? gy : 0));
}

/* Gemeente and PC4 codes; renumber PC4 areas in code order. */
static int
assign_codes(synth_world *w, char *err, size_t errlen)
{
	size_t		nt = w->ntown, np = w->npc4;
	sort_key   *tk = synth_alloc(nt, sizeof(sort_key)), *pk = synth_alloc(np, sizeof(sort_key));
	uint64_t   *trank = synth_alloc(nt, sizeof(uint64_t));
	int32_t    *remap = synth_alloc(np, sizeof(int32_t));
	synth_pc4  *sorted = synth_alloc(np, sizeof(synth_pc4));
	int			rc = -1;

	if (!tk || !pk || !trank || !remap || !sorted)
	{
		snprintf(err, errlen, "out of memory for area codes");
		goto done;
	}
	if (np > 9000 || nt > 1990 || (!w->national && np != SYNTH_ALMERE_PC4))
	{
		snprintf(err, errlen, "too many areas for the code ranges: %zu pc4, %zu towns", np, nt);
		goto done;
	}
	for (size_t t = 0; t < nt; t++)
		tk[t] = (sort_key) {town_hilbert(w, &w->town[t]), 0, (int32_t) t};
	qsort(tk, nt, sizeof(sort_key), cmp_key);
	for (size_t k = 0; k < nt; k++)
	{
		trank[tk[k].idx] = k;
		if (w->national)
			w->town[tk[k].idx].gm = 3 + (int) (k * 1990 / nt);
	}
	for (size_t p = 0; p < np; p++)
	{
		const synth_cell *s = &w->cell[w->pc4[p].seed];

		pk[p] = (sort_key) {trank[w->pc4[p].town], synth_hilbert((uint32_t) s->gi, (uint32_t) s->gj),
			(int32_t) p};
	}
	qsort(pk, np, sizeof(sort_key), cmp_key);
	for (size_t k = 0; k < np; k++)
	{
		sorted[k] = w->pc4[pk[k].idx];
		sorted[k].code = w->national ? 1000 + (int) (k * 9000 / np) : almere_pc4[k];
		remap[pk[k].idx] = (int32_t) k;
	}
	memcpy(w->pc4, sorted, np * sizeof(synth_pc4));
	for (size_t c = 0; c < w->ncell; c++)
		w->cell[c].pc4 = remap[w->cell[c].pc4];
	rc = 0;
done:
	free(tk);
	free(pk);
	free(trank);
	free(remap);
	free(sorted);
	return rc;
}

/* Letter pairs per PC4 (sorted random subset, north to south) and w->order. */
static int
assign_letters(synth_world *w, synth_rng *r, char *err, size_t errlen)
{
	size_t		n = w->ncell;
	sort_key   *k = synth_alloc(n, sizeof(sort_key));

	w->order = synth_alloc(n, sizeof(size_t));
	if (!k || !w->order)
	{
		free(k);
		snprintf(err, errlen, "out of memory for pc6 letters");
		return -1;
	}
	for (size_t c = 0; c < n; c++)
		k[c] = (sort_key) {(uint64_t) w->cell[c].pc4,
			((uint64_t) (UINT32_MAX - (uint32_t) w->cell[c].gj) << 32) | (uint32_t) w->cell[c].gi,
			(int32_t) c};
	qsort(k, n, sizeof(sort_key), cmp_key);
	for (size_t i = 0; i < n;)
	{
		size_t		j = i;

		while (j < n && k[j].a == k[i].a)
			j++;
		size_t		need = j - i, left = SYNTH_MAX_PC6_PC4, pos = i;

		if (need > SYNTH_MAX_PC6_PC4)
		{
			snprintf(err, errlen, "pc4 %d has %zu pc6 areas, more than %d letter pairs",
					 w->pc4[k[i].a].code, need, SYNTH_MAX_PC6_PC4);
			free(k);
			return -1;
		}
		w->pc4[k[i].a].ncell = (int32_t) need;
		for (int pair = 0; pair < SYNTH_NPAIRS && need > 0; pair++)
		{
			if (pair / 26 == 'S' - 'A' && (pair % 26 == 0 || pair % 26 == 3 || pair % 26 == 18))
				continue;		/* SA, SD, SS are never issued */
			if (synth_unif(r) * (double) left < (double) need)
			{
				w->cell[k[pos++].idx].pair = (uint16_t) pair;
				need--;
			}
			left--;
		}
		for (size_t q = i; q < j; q++)
			w->order[q] = (size_t) k[q].idx;
		i = j;
	}
	free(k);
	return 0;
}

/* Buurten (6x6-cell blocks) and wijken (larger blocks) per town. */
static int
assign_buurten(synth_world *w, char *err, size_t errlen)
{
	size_t		maxn = 0, cap = 0;
	sort_key   *k;

	for (size_t t = 0; t < w->ntown; t++)
		if (w->town[t].ncell > maxn)
			maxn = w->town[t].ncell;
	k = synth_alloc(maxn, sizeof(sort_key));
	if (!k)
	{
		snprintf(err, errlen, "out of memory for buurten");
		return -1;
	}
	for (size_t t = 0; t < w->ntown; t++)
	{
		synth_town *tw = &w->town[t];
		size_t		n = tw->ncell, nw = 0;
		int			b;

		for (b = 18; b <= 54; b += 6)
		{
			for (size_t i = 0; i < n; i++)
			{
				const synth_cell *c = &w->cell[tw->first_cell + i];

				k[i] = (sort_key) {((uint64_t) (65535 - c->gj / b) << 16) | (uint64_t) (c->gi / b),
					((uint64_t) (65535 - c->gj / BUURT_BLOCK) << 16) | (uint64_t) (c->gi / BUURT_BLOCK),
					(int32_t) (tw->first_cell + i)};
			}
			qsort(k, n, sizeof(sort_key), cmp_key);
			nw = 0;
			for (size_t i = 0; i < n; i++)
				nw += (i == 0 || k[i].a != k[i - 1].a);
			if (nw <= 100)
				break;
		}
		if (nw > 100)
		{
			free(k);
			snprintf(err, errlen, "town %zu too large for two-digit wijk numbers", t);
			return -1;
		}
		tw->wijk_block = b;
		int			wijk = -1, buurt = -1;

		for (size_t i = 0; i < n; i++)
		{
			if (i == 0 || k[i].a != k[i - 1].a)
			{
				wijk++;
				buurt = -1;
			}
			if (i == 0 || k[i].b != k[i - 1].b || k[i].a != k[i - 1].a)
			{
				buurt++;
				if (synth_grow((void **) &w->buurt, &cap, w->nbuurt + 1, sizeof(synth_buurt)) != 0)
				{
					free(k);
					snprintf(err, errlen, "out of memory for buurten");
					return -1;
				}
				w->buurt[w->nbuurt++] = (synth_buurt) {tw->gm, wijk, buurt};
			}
			w->cell[k[i].idx].buurt = (int32_t) (w->nbuurt - 1);
		}
	}
	free(k);
	return 0;
}

/* Codes, letter pairs (and w->order), buurten and wijken for the grown PC4 areas. */
int
synth_codes(synth_world *w, char *err, size_t errlen)
{
	synth_rng	r;

	synth_rng_seed(&r, w->seed, STREAM_LETTERS);
	if (assign_codes(w, err, errlen) != 0 || assign_letters(w, &r, err, errlen) != 0 ||
		assign_buurten(w, err, errlen) != 0)
		return -1;
	return 0;
}
