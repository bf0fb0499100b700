/*
 * geo/synth_pop.c — households per PC6, the low-income field, planted hotspots.
 *
 * Households: 15 % of PC6 areas have 5–9 (so small-cell suppression matters), the
 * rest 10–40 with a skew chosen so the total lands near the target (~90k city,
 * ~8.4M national).  The low-income share is a smooth field: per town a few Gaussian
 * bumps scaled into 10–35 %.  Hotspots are discs of 400–600 m, at least 2.5 km apart
 * and mostly on land, in which a household's expected number of arrears episodes is
 * 12–14 times the city's mean level, whatever the local low-income share
 * (docs/methodology.md §4.11 shows how the detection depends on these choices).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth_int.h"

#define STREAM_POP		4
#define STREAM_BUMPS	5
#define STREAM_HOT		6
#define HOT_SEPARATION	2500.0		/* metres between hotspot centres */
#define HOT_RADIUS_MIN	400.0		/* a cluster is about a buurt: 90-150 PC6 */
#define HOT_RADIUS_MAX	600.0
#define HOT_MULT_MIN	12.0		/* episodes per household, times the city's mean */
#define HOT_MULT_MAX	14.0		/* level (synth_people.c) */

/* Households per cell and each cell's first global household index. */
static void
households(synth_world *w, synth_rng *r)
{
	double		target = w->national ? 8.4e6 * w->fraction : 90000.0;
	double		mean = target / (double) w->ncell;
	double		a = 3.0 * ((mean - 0.15 * 7.0) / 0.85 - 9.5);
	int64_t		total = 0;

	if (a < 0)
		a = 0;
	for (size_t c = 0; c < w->ncell; c++)
	{
		int			h;

		if (synth_unif(r) < 0.15)
			h = (int) synth_irange(r, 5, 9);
		else
		{
			double		u = synth_unif(r);

			h = 10 + (int) floor(a * u * u);
			if (h > 40)
				h = 40;
		}
		w->cell[c].households = h;
		w->cell[c].hh_first = total;
		total += h;
	}
	w->households = total;
}

/* Low-income share per cell from a few Gaussian bumps per town (10-35 %). */
static void
lowinc_field(synth_world *w, synth_rng *r)
{
	for (size_t t = 0; t < w->ntown; t++)
	{
		synth_town *tw = &w->town[t];
		size_t		nb = 2 + tw->ncell / 800;
		double		scale = tw->r > 1500 ? tw->r : 1500;
		double		fmax = 1e-12;

		tw->nbump = (int) (nb > SYNTH_MAX_BUMPS ? SYNTH_MAX_BUMPS : nb);
		for (int b = 0; b < tw->nbump; b++)
		{
			const synth_cell *c = &w->cell[tw->first_cell +
										   (size_t) synth_irange(r, 0, (int64_t) tw->ncell - 1)];

			synth_cell_centre(w, c, &tw->bump[b].cx, &tw->bump[b].cy);
			tw->bump[b].sigma = synth_uab(r, 0.15, 0.40) * scale;
			tw->bump[b].amp = synth_uab(r, 0.3, 1.0);
		}
		for (size_t i = 0; i < tw->ncell; i++)
		{
			synth_cell *c = &w->cell[tw->first_cell + i];
			double		x, y, f = 0;

			synth_cell_centre(w, c, &x, &y);
			for (int b = 0; b < tw->nbump; b++)
			{
				double		dx = x - tw->bump[b].cx, dy = y - tw->bump[b].cy;
				double		s = tw->bump[b].sigma;

				f += tw->bump[b].amp * exp(-(dx * dx + dy * dy) / (2 * s * s));
			}
			c->lowinc = (float) f;
			if (f > fmax)
				fmax = f;
		}
		for (size_t i = 0; i < tw->ncell; i++)
		{
			synth_cell *c = &w->cell[tw->first_cell + i];

			c->lowinc = (float) (0.10 + 0.25 * c->lowinc / fmax);
		}
		tw->lowinc_max = fmax;
	}
}

/* Share of grid positions within radius rad of (x, y) that are cells. */
static double
land_share(const synth_world *w, double x, double y, double rad)
{
	double		s = (double) w->cell_cm / 100.0;
	int32_t		i0 = (int32_t) floor((x - rad - w->x0_cm / 100.0) / s);
	int32_t		i1 = (int32_t) ceil((x + rad - w->x0_cm / 100.0) / s);
	int32_t		j0 = (int32_t) floor((y - rad - w->y0_cm / 100.0) / s);
	int32_t		j1 = (int32_t) ceil((y + rad - w->y0_cm / 100.0) / s);
	int			in = 0, all = 0;

	for (int32_t j = j0; j <= j1; j++)
		for (int32_t i = i0; i <= i1; i++)
		{
			double		cx = w->x0_cm / 100.0 + (i + 0.5) * s, cy = w->y0_cm / 100.0 + (j + 0.5) * s;

			if ((cx - x) * (cx - x) + (cy - y) * (cy - y) > rad * rad)
				continue;
			all++;
			in += synth_cell_at(w, i, j) >= 0;
		}
	return all ? (double) in / all : 0.0;
}

/* Mark the cells whose centre lies within hotspot h. */
static void
mark_hot(synth_world *w, int32_t h)
{
	const synth_hot *hs = &w->hot[h];
	double		s = (double) w->cell_cm / 100.0;
	int32_t		i0 = (int32_t) floor((hs->cx - hs->r - w->x0_cm / 100.0) / s);
	int32_t		i1 = (int32_t) ceil((hs->cx + hs->r - w->x0_cm / 100.0) / s);
	int32_t		j0 = (int32_t) floor((hs->cy - hs->r - w->y0_cm / 100.0) / s);
	int32_t		j1 = (int32_t) ceil((hs->cy + hs->r - w->y0_cm / 100.0) / s);

	for (int32_t j = j0; j <= j1; j++)
		for (int32_t i = i0; i <= i1; i++)
		{
			int32_t		c = synth_cell_at(w, i, j);
			double		x, y;

			if (c < 0 || w->cell[c].hot >= 0)
				continue;
			synth_cell_centre(w, &w->cell[c], &x, &y);
			if ((x - hs->cx) * (x - hs->cx) + (y - hs->cy) * (y - hs->cy) <= hs->r * hs->r)
				w->cell[c].hot = h;
		}
}

/* Place the hotspots, mark their cells, sum households per PC4. 0 or -1. */
static int
hotspots(synth_world *w, synth_rng *r, char *err, size_t errlen)
{
	size_t		want = w->national ? w->ncell / 1000 : (size_t) synth_irange(r, 4, 6);
	long		attempts = 0, limit;

	if (want < 4)
		want = 4;
	limit = 500L * (long) want;
	w->hot = calloc(want, sizeof(synth_hot));
	if (!w->hot)
	{
		snprintf(err, errlen, "out of memory for hotspots");
		return -1;
	}
	while (w->nhot < want && attempts++ < limit)
	{
		const synth_cell *c = &w->cell[synth_irange(r, 0, (int64_t) w->ncell - 1)];
		synth_hot	h;
		int			ok = 1;

		synth_cell_centre(w, c, &h.cx, &h.cy);
		h.r = synth_uab(r, HOT_RADIUS_MIN, HOT_RADIUS_MAX);
		h.mult = synth_uab(r, HOT_MULT_MIN, HOT_MULT_MAX);
		for (size_t k = 0; k < w->nhot && ok; k++)
		{
			double		dx = h.cx - w->hot[k].cx, dy = h.cy - w->hot[k].cy;

			ok = dx * dx + dy * dy >= HOT_SEPARATION * HOT_SEPARATION;
		}
		if (!ok || land_share(w, h.cx, h.cy, h.r) < 0.85)
			continue;
		w->hot[w->nhot] = h;
		mark_hot(w, (int32_t) w->nhot);
		w->nhot++;
	}
	for (size_t c = 0; c < w->ncell; c++)
	{
		synth_pc4  *p = &w->pc4[w->cell[c].pc4];

		p->households += w->cell[c].households;
		if (w->cell[c].hot >= 0)
			p->hh_hot += w->cell[c].households;
	}
	return 0;
}

/* Households, low-income shares and planted hotspots. */
int
synth_population(synth_world *w, char *err, size_t errlen)
{
	synth_rng	r;

	synth_rng_seed(&r, w->seed, STREAM_POP);
	households(w, &r);
	if (w->households > 9000000)
	{
		snprintf(err, errlen, "too many households for unique BSNs: %lld", (long long) w->households);
		return -1;
	}
	synth_rng_seed(&r, w->seed, STREAM_BUMPS);
	lowinc_field(w, &r);
	synth_rng_seed(&r, w->seed, STREAM_HOT);
	return hotspots(w, &r, err, errlen);
}
