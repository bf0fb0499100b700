/*
 * geo/synth_areas.c — group the PC6 cells into contiguous PC4 areas.
 *
 * Each town gets PC4 areas in proportion to its cells (Almere: its 41 codes), spread
 * over its connected components.  The areas grow from seed cells through rook
 * neighbours, each cell joining the seed nearest to it among those that reach it
 * first (a priority queue keyed by squared distance), so every PC4 is contiguous; two
 * Lloyd steps even out their sizes.  Cells no seed can reach (the water islands) join
 * the nearest seed of their town.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth_int.h"

#define STREAM_AREAS	2
#define MIN_SEEDED_COMP	20		/* smaller components join a neighbour's PC4 */

/* Split `total` items over m weights by largest remainder; each gets at least one
 * when total >= m, otherwise the `total` heaviest get one each. */
static void
apportion(const double *wgt, int m, int total, int *out)
{
	double		sum = 0;
	int			given = 0;

	for (int i = 0; i < m; i++)
	{
		sum += wgt[i];
		out[i] = 0;
	}
	if (m == 0 || total <= 0)
		return;
	if (total < m)
	{
		for (int k = 0; k < total; k++)
		{
			int			best = -1;

			for (int i = 0; i < m; i++)
				if (!out[i] && (best < 0 || wgt[i] > wgt[best]))
					best = i;
			out[best] = 1;
		}
		return;
	}
	for (int i = 0; i < m; i++)
	{
		out[i] = (int) floor(total * wgt[i] / sum);
		if (out[i] < 1)
			out[i] = 1;
		given += out[i];
	}
	while (given < total)
	{
		int			best = 0;
		double		bestgap = -1e300;

		for (int i = 0; i < m; i++)
		{
			double		gap = total * wgt[i] / sum - out[i];

			if (gap > bestgap)
			{
				bestgap = gap;
				best = i;
			}
		}
		out[best]++;
		given++;
	}
	while (given > total)
	{
		int			best = -1;

		for (int i = 0; i < m; i++)
			if (out[i] > 1 && (best < 0 || out[i] - total * wgt[i] / sum >
							   out[best] - total * wgt[best] / sum))
				best = i;
		if (best < 0)
			break;
		out[best]--;
		given--;
	}
}

/* ---- growth by priority queue -------------------------------------------------- */

typedef struct heap_item
{
	int64_t		key;
	int32_t		pc4, cell;
} heap_item;

/* Strict total order on queue items: distance, then area, then cell. */
static int
item_less(const heap_item *a, const heap_item *b)
{
	if (a->key != b->key)
		return a->key < b->key;
	if (a->pc4 != b->pc4)
		return a->pc4 < b->pc4;
	return a->cell < b->cell;
}

typedef struct heap
{
	heap_item  *it;
	size_t		n, cap;
} heap;

/* Add x to the binary min-heap. 0, or -1 when out of memory. */
static int
heap_push(heap *h, heap_item x)
{
	if (synth_grow((void **) &h->it, &h->cap, h->n + 1, sizeof(heap_item)) != 0)
		return -1;
	size_t		i = h->n++;

	while (i > 0 && item_less(&x, &h->it[(i - 1) / 2]))
	{
		h->it[i] = h->it[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h->it[i] = x;
	return 0;
}

/* Remove and return the smallest item (the heap must not be empty). */
static heap_item
heap_pop(heap *h)
{
	heap_item	top = h->it[0], last = h->it[--h->n];
	size_t		i = 0;

	for (;;)
	{
		size_t		c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && item_less(&h->it[c + 1], &h->it[c]))
			c++;
		if (!item_less(&h->it[c], &last))
			break;
		h->it[i] = h->it[c];
		i = c;
	}
	if (h->n > 0)
		h->it[i] = last;
	return top;
}

/* Squared distance between two cells in grid units (exact). */
static int64_t
grid_d2(const synth_cell *a, const synth_cell *b)
{
	int64_t		dx = a->gi - b->gi, dy = a->gj - b->gj;

	return dx * dx + dy * dy;
}

/* Assign every cell to a PC4 from the current seeds; reached[c] = 1 if by growth. */
static int
grow(synth_world *w, uint8_t *reached)
{
	heap		h = {0};
	static const int nb[4][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};

	for (size_t c = 0; c < w->ncell; c++)
	{
		w->cell[c].pc4 = -1;
		reached[c] = 0;
	}
	for (size_t p = 0; p < w->npc4; p++)
		if (heap_push(&h, (heap_item) {0, (int32_t) p, w->pc4[p].seed}) != 0)
			goto oom;
	while (h.n > 0)
	{
		heap_item	x = heap_pop(&h);
		synth_cell *c = &w->cell[x.cell];

		if (c->pc4 >= 0)
			continue;
		c->pc4 = x.pc4;
		reached[x.cell] = 1;
		for (int k = 0; k < 4; k++)
		{
			int32_t		n = synth_cell_at(w, c->gi + nb[k][0], c->gj + nb[k][1]);

			if (n >= 0 && w->cell[n].pc4 < 0 &&
				heap_push(&h, (heap_item) {grid_d2(&w->cell[n], &w->cell[w->pc4[x.pc4].seed]),
										   x.pc4, n}) != 0)
				goto oom;
		}
	}
	free(h.it);
	/* unreachable cells (islands): nearest seed of the same town */
	for (size_t c = 0; c < w->ncell; c++)
	{
		synth_cell *cc = &w->cell[c];
		const synth_town *t = &w->town[cc->town];
		int64_t		best = INT64_MAX;

		if (cc->pc4 >= 0)
			continue;
		for (size_t p = t->first_pc4; p < t->first_pc4 + (size_t) t->npc4; p++)
		{
			int64_t		d = grid_d2(cc, &w->cell[w->pc4[p].seed]);

			if (d < best)
			{
				best = d;
				cc->pc4 = (int32_t) p;
			}
		}
	}
	return 0;
oom:
	free(h.it);
	return -1;
}

/* Move every seed to the reached cell of its area nearest the area's centroid. */
static void
lloyd(synth_world *w, const uint8_t *reached, double *sx, double *sy, double *sn)
{
	for (size_t p = 0; p < w->npc4; p++)
		sx[p] = sy[p] = sn[p] = 0;
	for (size_t c = 0; c < w->ncell; c++)
		if (reached[c])
		{
			sx[w->cell[c].pc4] += w->cell[c].gi;
			sy[w->cell[c].pc4] += w->cell[c].gj;
			sn[w->cell[c].pc4] += 1;
		}
	for (size_t p = 0; p < w->npc4; p++)
	{
		sx[p] /= sn[p];
		sy[p] /= sn[p];
		sn[p] = 1e300;			/* now: best distance so far */
	}
	for (size_t c = 0; c < w->ncell; c++)
		if (reached[c])
		{
			int32_t		p = w->cell[c].pc4;
			double		dx = w->cell[c].gi - sx[p], dy = w->cell[c].gj - sy[p];

			if (dx * dx + dy * dy < sn[p])
			{
				sn[p] = dx * dx + dy * dy;
				w->pc4[p].seed = (int32_t) c;
			}
		}
}

/* ---- seeds --------------------------------------------------------------------- */

/* Connected components by rook adjacency; fills comp ids and returns their count,
 * with comp_off/comp_cells listing each component's cells (comp_cells: ncell). */
static size_t
components(synth_world *w, int32_t *comp_cells, size_t *comp_off)
{
	static const int nb[4][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
	size_t		ncomp = 0, tail = 0;

	for (size_t c = 0; c < w->ncell; c++)
		w->cell[c].comp = -1;
	for (size_t c = 0; c < w->ncell; c++)
	{
		if (w->cell[c].comp >= 0)
			continue;
		size_t		head = tail;

		comp_off[ncomp] = tail;
		w->cell[c].comp = (int32_t) ncomp;
		comp_cells[tail++] = (int32_t) c;
		while (head < tail)
		{
			synth_cell *x = &w->cell[comp_cells[head++]];

			for (int k = 0; k < 4; k++)
			{
				int32_t		n = synth_cell_at(w, x->gi + nb[k][0], x->gj + nb[k][1]);

				if (n >= 0 && w->cell[n].comp < 0)
				{
					w->cell[n].comp = (int32_t) ncomp;
					comp_cells[tail++] = n;
				}
			}
		}
		ncomp++;
	}
	comp_off[ncomp] = tail;
	return ncomp;
}

/* Decide how many PC4 areas each town gets and place their first seeds. */
static int
place_seeds(synth_world *w, synth_rng *r, char *err, size_t errlen)
{
	size_t		n = w->ncell, ncomp;
	int32_t    *cells = synth_alloc(n, sizeof(int32_t));
	size_t	   *off = synth_alloc(n + 1, sizeof(size_t));
	double	   *wgt = calloc(w->ntown > n ? w->ntown : n, sizeof(double));
	int		   *cnt = calloc(w->ntown > n ? w->ntown : n, sizeof(int));
	uint8_t    *taken = calloc(n, 1);
	int			total, rc = -1;

	if (!cells || !off || !wgt || !cnt || !taken)
	{
		snprintf(err, errlen, "out of memory for pc4 seeds");
		goto done;
	}
	ncomp = components(w, cells, off);
	if (w->national)
	{
		total = (int) lround(4070.0 * w->fraction);
		if (total < (int) w->ntown)
			total = (int) w->ntown;
	}
	else
		total = SYNTH_ALMERE_PC4;
	for (size_t t = 0; t < w->ntown; t++)
		wgt[t] = (double) w->town[t].ncell;
	apportion(wgt, (int) w->ntown, total, cnt);
	w->npc4 = 0;
	for (size_t t = 0; t < w->ntown; t++)
	{
		int			need = (int) ((w->town[t].ncell + 449) / 450);

		w->town[t].npc4 = cnt[t] > need ? cnt[t] : need;
		w->town[t].first_pc4 = w->npc4;
		w->npc4 += (size_t) w->town[t].npc4;
	}
	w->pc4 = calloc(w->npc4, sizeof(synth_pc4));
	if (!w->pc4)
	{
		snprintf(err, errlen, "out of memory for %zu pc4 areas", w->npc4);
		goto done;
	}
	/* per town: seeds over its components of at least MIN_SEEDED_COMP cells */
	size_t		k = 0;

	for (size_t t = 0; t < w->ntown; t++)
	{
		size_t		c0 = k, m;
		int			np = w->town[t].npc4;
		size_t		p = w->town[t].first_pc4;

		while (k < ncomp && w->cell[cells[off[k]]].town == (int32_t) t)
			k++;
		m = k - c0;
		/* seeds go to components of MIN_SEEDED_COMP cells or more (all if none is) */
		size_t		ne = 0;

		for (size_t i = 0; i < m; i++)
			if (off[c0 + i + 1] - off[c0 + i] >= MIN_SEEDED_COMP)
				ne++;
		for (size_t i = 0, e = 0; i < m; i++)
		{
			size_t		sz = off[c0 + i + 1] - off[c0 + i];

			if (ne == 0 || sz >= MIN_SEEDED_COMP)
				wgt[e++] = (double) sz;
		}
		apportion(wgt, (int) (ne ? ne : m), np, cnt);
		for (size_t i = 0, e = 0; i < m; i++)
		{
			size_t		sz = off[c0 + i + 1] - off[c0 + i];
			int			want;

			if (ne != 0 && sz < MIN_SEEDED_COMP)
				continue;
			want = cnt[e++];
			for (int s = 0; s < want && (size_t) s < sz; s++)
			{
				int32_t		cell;

				do
					cell = cells[off[c0 + i] + (size_t) synth_irange(r, 0, (int64_t) sz - 1)];
				while (taken[cell]);
				taken[cell] = 1;
				w->pc4[p].seed = cell;
				w->pc4[p].town = (int32_t) t;
				p++;
			}
		}
		if (p != w->town[t].first_pc4 + (size_t) np)
		{
			snprintf(err, errlen, "internal error: town %zu got %zu of %d pc4 seeds",
					 t, p - w->town[t].first_pc4, np);
			goto done;
		}
	}
	rc = 0;
done:
	free(cells);
	free(off);
	free(wgt);
	free(cnt);
	free(taken);
	return rc;
}

/* Build the PC4 areas (then their codes, letters and buurten: synth_codes.c). */
int
synth_areas(synth_world *w, char *err, size_t errlen)
{
	synth_rng	r;
	uint8_t    *reached = malloc(w->ncell);
	double	   *scratch = NULL;
	int			rc = -1;

	synth_rng_seed(&r, w->seed, STREAM_AREAS);
	if (!reached)
	{
		snprintf(err, errlen, "out of memory for pc4 growth");
		return -1;
	}
	if (place_seeds(w, &r, err, errlen) != 0)
		goto done;
	scratch = synth_alloc(3 * w->npc4, sizeof(double));
	if (!scratch)
	{
		snprintf(err, errlen, "out of memory for pc4 growth");
		goto done;
	}
	for (int it = 0; it < 3; it++)
	{
		if (grow(w, reached) != 0)
		{
			snprintf(err, errlen, "out of memory for pc4 growth");
			goto done;
		}
		if (it < 2)
			lloyd(w, reached, scratch, scratch + w->npc4, scratch + 2 * w->npc4);
	}
	rc = synth_codes(w, err, errlen);
done:
	free(reached);
	free(scratch);
	return rc;
}
