/*
 * geo/synth_layout.c — where the PC6 cells lie.
 *
 * City scale: Almere's districts as wobbly discs on an 80 m grid in RD New, minus the
 * Weerwater (an ellipse) in which two or three cells stay as water islands.  National
 * scale: ~342 towns (Zipf-sized wobbly discs) scattered without overlap over a rough
 * outline of the Netherlands.  Each cell is one PC6 area.
 *
 * Cell polygons: every grid vertex is displaced once by a counter-based hash of its
 * grid index and every cell edge gets one displaced midpoint the same way, so two
 * neighbouring cells compute the very same shared vertices.  With displacements of at
 * most 15 % (vertices), 6 % along and 8 % across (midpoints) of the cell size no two
 * non-adjacent edges of a cell can meet, so every cell is a simple polygon.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "synth_int.h"

#define CELL_CM			8000		/* 80 m cells at both scales */
#define JITTER_PCT		15
#define ALONG_PCT		6
#define PERP_PCT		8
#define GEOM_SALT		UINT64_C(0x67656f6d65747279)
#define STREAM_LAYOUT	1

/* ---- shapes ------------------------------------------------------------------- */

typedef struct blob
{
	double		cx, cy, r;
	double		amp[3], ph[3];
} blob;

/* Almere's districts (RD metres): centre and nominal radius. */
static const double city_district[][3] = {
	{143800, 487700, 1700},		/* Stad */
	{146200, 487300, 1150},		/* Stad-Oost */
	{143900, 485600, 1450},		/* around the Weerwater */
	{143400, 483500, 1000},		/* Haven */
	{147400, 490200, 1350},		/* Buiten */
	{139800, 484900, 1000},		/* Poort */
	{147700, 484700, 900},		/* Hout */
	{150200, 489700, 650},		/* Nobelhorst */
	{151500, 485800, 700},		/* Oosterwold */
};
#define N_DISTRICT (sizeof(city_district) / sizeof(city_district[0]))

/* The Weerwater: centre, semi-axes and rotation (radians). */
static const double lake_cx = 143900, lake_cy = 485600, lake_a = 1050, lake_b = 480,
			lake_rot = 0.26;

/* A rough outline of the Netherlands in RD metres, for placing towns. */
static const double nl_outline[][2] = {
	{20000, 375000}, {60000, 362000}, {110000, 380000}, {160000, 372000},
	{180000, 310000}, {200000, 320000}, {198000, 370000}, {215000, 420000},
	{255000, 440000}, {258000, 480000}, {268000, 530000}, {275000, 585000},
	{235000, 605000}, {170000, 600000}, {150000, 570000}, {130000, 540000},
	{112000, 555000}, {100000, 500000}, {78000, 455000}, {55000, 430000},
	{30000, 405000}
};
#define N_OUTLINE (sizeof(nl_outline) / sizeof(nl_outline[0]))

/* Random amplitudes and phases of the outline wobble of b. */
static void
blob_wobble(blob *b, synth_rng *r)
{
	static const double base[3] = {0.10, 0.07, 0.04};

	for (int k = 0; k < 3; k++)
	{
		b->amp[k] = base[k] * synth_uab(r, 0.6, 1.4);
		b->ph[k] = synth_uab(r, 0.0, 2.0 * M_PI);
	}
}

/* Is (x, y) inside the wobbly disc b?  The radius varies with angle by at most 21 %. */
static int
blob_contains(const blob *b, double x, double y)
{
	double		dx = x - b->cx, dy = y - b->cy;
	double		d2 = dx * dx + dy * dy;

	if (d2 > b->r * b->r * 1.4641)
		return 0;
	if (d2 < b->r * b->r * 0.6241)
		return 1;
	double		t = atan2(dy, dx);
	double		rr = b->r * (1.0 + b->amp[0] * sin(2 * t + b->ph[0]) +
							 b->amp[1] * sin(3 * t + b->ph[1]) +
							 b->amp[2] * sin(5 * t + b->ph[2]));

	return d2 < rr * rr;
}

/* Is (x, y) inside the Weerwater ellipse? */
static int
in_lake(double x, double y)
{
	double		dx = x - lake_cx, dy = y - lake_cy;
	double		u = dx * cos(lake_rot) + dy * sin(lake_rot);
	double		v = -dx * sin(lake_rot) + dy * cos(lake_rot);

	return (u * u) / (lake_a * lake_a) + (v * v) / (lake_b * lake_b) < 1.0;
}

/* Is (x, y) inside the rough outline of the Netherlands? (ray casting) */
static int
in_outline(double x, double y)
{
	int			in = 0;

	for (size_t i = 0, j = N_OUTLINE - 1; i < N_OUTLINE; j = i++)
	{
		double		xi = nl_outline[i][0], yi = nl_outline[i][1];
		double		xj = nl_outline[j][0], yj = nl_outline[j][1];

		if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi)
			in = !in;
	}
	return in;
}

/* ---- cells -------------------------------------------------------------------- */

/* Centre of a cell in metres. */
void
synth_cell_centre(const synth_world *w, const synth_cell *c, double *x, double *y)
{
	*x = (double) (w->x0_cm + (c->gi * 2 + 1) * w->cell_cm / 2) / 100.0;
	*y = (double) (w->y0_cm + (c->gj * 2 + 1) * w->cell_cm / 2) / 100.0;
}

/* Append a cell at grid (gi, gj) of town. 0 or -1 with a message. */
static int
add_cell(synth_world *w, int32_t gi, int32_t gj, int32_t town, char *err, size_t errlen)
{
	if (synth_grow((void **) &w->cell, &w->capcell, w->ncell + 1, sizeof(synth_cell)) != 0)
	{
		snprintf(err, errlen, "out of memory for %zu cells", w->ncell + 1);
		return -1;
	}
	synth_cell *c = &w->cell[w->ncell++];

	memset(c, 0, sizeof(*c));
	c->gi = gi;
	c->gj = gj;
	c->town = town;
	c->pc4 = c->buurt = c->hot = -1;
	return 0;
}

/* One 64-bit key for a grid position. */
static uint64_t
grid_key(int32_t gi, int32_t gj)
{
	return ((uint64_t) (uint32_t) gi << 32) | (uint32_t) gj;
}

/* Index of the cell at grid position (gi, gj), or -1. */
int32_t
synth_cell_at(const synth_world *w, int32_t gi, int32_t gj)
{
	uint64_t	k = grid_key(gi, gj);
	size_t		m = w->hcap - 1;

	for (size_t s = synth_mix64(k) & m;; s = (s + 1) & m)
	{
		if (w->hkey[s] == UINT64_MAX)
			return -1;
		if (w->hkey[s] == k)
			return w->hval[s];
	}
}

/* Build the (gi, gj) -> cell map; fails on two cells at one position. */
static int
build_map(synth_world *w, char *err, size_t errlen)
{
	size_t		cap = 1024;

	while (cap < 2 * w->ncell)
		cap *= 2;
	w->hcap = cap;
	w->hkey = synth_alloc(cap, sizeof(uint64_t));
	w->hval = synth_alloc(cap, sizeof(int32_t));
	if (!w->hkey || !w->hval)
	{
		snprintf(err, errlen, "out of memory for the cell map");
		return -1;
	}
	memset(w->hkey, 0xff, cap * sizeof(uint64_t));
	for (size_t i = 0; i < w->ncell; i++)
	{
		uint64_t	k = grid_key(w->cell[i].gi, w->cell[i].gj);
		size_t		s = synth_mix64(k) & (cap - 1);

		while (w->hkey[s] != UINT64_MAX)
		{
			if (w->hkey[s] == k)
			{
				snprintf(err, errlen, "internal error: two cells at one grid position");
				return -1;
			}
			s = (s + 1) & (cap - 1);
		}
		w->hkey[s] = k;
		w->hval[s] = (int32_t) i;
	}
	return 0;
}

/* ---- city --------------------------------------------------------------------- */

/* Lake cells whose 5x5 neighbourhood is all lake: room for an island. */
static int
lake_core(const synth_world *w, int32_t i, int32_t j)
{
	for (int di = -2; di <= 2; di++)
		for (int dj = -2; dj <= 2; dj++)
		{
			double		x = (double) (w->x0_cm + ((i + di) * 2 + 1) * w->cell_cm / 2) / 100.0;
			double		y = (double) (w->y0_cm + ((j + dj) * 2 + 1) * w->cell_cm / 2) / 100.0;

			if (!in_lake(x, y))
				return 0;
		}
	return 1;
}

/* Almere: districts minus the Weerwater, plus two or three water islands. */
static int
layout_city(synth_world *w, synth_rng *r, char *err, size_t errlen)
{
	const int32_t nx = 225, ny = 213;
	blob		d[N_DISTRICT];
	int32_t		isl[4][2], nisl = 0;
	int32_t		cand[256][2];
	int			ncand = 0;

	w->x0_cm = INT64_C(13800000);
	w->y0_cm = INT64_C(47700000);
	for (size_t k = 0; k < N_DISTRICT; k++)
	{
		d[k].cx = city_district[k][0];
		d[k].cy = city_district[k][1];
		d[k].r = city_district[k][2];
		blob_wobble(&d[k], r);
	}
	/* islands: up to three lake-core cells well apart, the last one a pair */
	for (int32_t j = 0; j < ny && ncand < 256; j++)
		for (int32_t i = 0; i < nx && ncand < 256; i++)
			if (lake_core(w, i, j))
			{
				cand[ncand][0] = i;
				cand[ncand][1] = j;
				ncand++;
			}
	for (int k = ncand - 1; k > 0; k--)
	{
		int			s = (int) synth_irange(r, 0, k);
		int32_t		t0 = cand[k][0], t1 = cand[k][1];

		cand[k][0] = cand[s][0];
		cand[k][1] = cand[s][1];
		cand[s][0] = t0;
		cand[s][1] = t1;
	}
	for (int k = 0; k < ncand && nisl < 3; k++)
	{
		int			ok = 1;

		for (int m = 0; m < nisl; m++)
			if (abs(cand[k][0] - isl[m][0]) < 5 && abs(cand[k][1] - isl[m][1]) < 5)
				ok = 0;
		if (ok)
		{
			isl[nisl][0] = cand[k][0];
			isl[nisl][1] = cand[k][1];
			nisl++;
		}
	}
	if (nisl == 3 && lake_core(w, isl[2][0] + 1, isl[2][1]))
	{
		isl[3][0] = isl[2][0] + 1;
		isl[3][1] = isl[2][1];
		nisl = 4;
	}

	w->ntown = 1;
	w->town = calloc(1, sizeof(synth_town));
	if (!w->town)
	{
		snprintf(err, errlen, "out of memory for towns");
		return -1;
	}
	w->town[0].gm = 34;
	w->town[0].cx = 145000;
	w->town[0].cy = 487000;
	w->town[0].r = 5000;
	for (int32_t j = 0; j < ny; j++)
		for (int32_t i = 0; i < nx; i++)
		{
			double		x = (double) (w->x0_cm + (i * 2 + 1) * w->cell_cm / 2) / 100.0;
			double		y = (double) (w->y0_cm + (j * 2 + 1) * w->cell_cm / 2) / 100.0;
			int			keep = 0;

			if (in_lake(x, y))
			{
				for (int m = 0; m < nisl; m++)
					if (isl[m][0] == i && isl[m][1] == j)
						keep = 1;
			}
			else
				for (size_t k = 0; k < N_DISTRICT && !keep; k++)
					keep = blob_contains(&d[k], x, y);
			if (keep && add_cell(w, i, j, 0, err, errlen) != 0)
				return -1;
		}
	w->town[0].first_cell = 0;
	w->town[0].ncell = w->ncell;
	return 0;
}

/* ---- national ----------------------------------------------------------------- */

/* Towns sized by Zipf, placed without overlap inside the outline. */
static int
layout_national(synth_world *w, synth_rng *r, char *err, size_t errlen)
{
	size_t		ntown = (size_t) lround(342.0 * w->fraction);
	double		ncell = 450000.0 * w->fraction, wsum = 0;
	blob	   *b;

	if (ntown < 1)
		ntown = 1;
	w->x0_cm = 0;
	w->y0_cm = INT64_C(30000000);
	w->ntown = ntown;
	w->town = calloc(ntown, sizeof(synth_town));
	b = calloc(ntown, sizeof(blob));
	if (!w->town || !b)
	{
		free(b);
		snprintf(err, errlen, "out of memory for %zu towns", ntown);
		return -1;
	}
	for (size_t t = 0; t < ntown; t++)
		wsum += pow((double) (t + 1), -0.85);
	/* place the largest first: rejection sampling inside the outline, no overlap */
	for (size_t t = 0; t < ntown; t++)
	{
		double		n = ncell * pow((double) (t + 1), -0.85) / wsum;
		int			placed = 0;

		b[t].r = sqrt(n * 6400.0 / M_PI);
		blob_wobble(&b[t], r);
		for (int attempt = 0; attempt < 100000 && !placed; attempt++)
		{
			double		x = synth_uab(r, 20000, 275000), y = synth_uab(r, 310000, 605000);

			if (!in_outline(x, y))
				continue;
			placed = 1;
			for (size_t u = 0; u < t && placed; u++)
			{
				double		dx = x - b[u].cx, dy = y - b[u].cy;
				double		sep = 1.3 * (b[t].r + b[u].r) + 400.0;

				if (dx * dx + dy * dy < sep * sep)
					placed = 0;
			}
			if (placed)
			{
				b[t].cx = x;
				b[t].cy = y;
			}
		}
		if (!placed)
		{
			free(b);
			snprintf(err, errlen, "cannot place town %zu of %zu without overlap", t + 1, ntown);
			return -1;
		}
	}
	for (size_t t = 0; t < ntown; t++)
	{
		synth_town *tw = &w->town[t];
		double		ext = 1.25 * b[t].r;
		int32_t		i0 = (int32_t) floor((b[t].cx - ext - w->x0_cm / 100.0) / 80.0);
		int32_t		i1 = (int32_t) ceil((b[t].cx + ext - w->x0_cm / 100.0) / 80.0);
		int32_t		j0 = (int32_t) floor((b[t].cy - ext - w->y0_cm / 100.0) / 80.0);
		int32_t		j1 = (int32_t) ceil((b[t].cy + ext - w->y0_cm / 100.0) / 80.0);

		tw->cx = b[t].cx;
		tw->cy = b[t].cy;
		tw->r = b[t].r;
		memcpy(tw->amp, b[t].amp, sizeof(tw->amp));
		memcpy(tw->ph, b[t].ph, sizeof(tw->ph));
		tw->first_cell = w->ncell;
		for (int32_t j = j0; j <= j1; j++)
			for (int32_t i = i0; i <= i1; i++)
			{
				double		x = (double) (w->x0_cm + (i * 2 + 1) * w->cell_cm / 2) / 100.0;
				double		y = (double) (w->y0_cm + (j * 2 + 1) * w->cell_cm / 2) / 100.0;

				if (i >= 0 && j >= 0 && blob_contains(&b[t], x, y) &&
					add_cell(w, i, j, (int32_t) t, err, errlen) != 0)
				{
					free(b);
					return -1;
				}
			}
		tw->ncell = w->ncell - tw->first_cell;
	}
	free(b);
	return 0;
}

/* Build the cells and towns of the chosen scale and the (gi, gj) -> cell map. */
int
synth_layout(synth_world *w, char *err, size_t errlen)
{
	synth_rng	r;

	synth_rng_seed(&r, w->seed, STREAM_LAYOUT);
	w->cell_cm = CELL_CM;
	if ((w->national ? layout_national(w, &r, err, errlen) : layout_city(w, &r, err, errlen)) != 0)
		return -1;
	if (w->ncell == 0 || w->ncell > INT32_MAX / 2)
	{
		snprintf(err, errlen, "unusable number of cells: %zu", w->ncell);
		return -1;
	}
	return build_map(w, err, errlen);
}

/* ---- polygons ----------------------------------------------------------------- */

/* Displaced grid vertex (i, j) in centimetres; the same for every cell using it. */
static void
vertex(const synth_world *w, int32_t i, int32_t j, int64_t *x, int64_t *y)
{
	int64_t		jit = w->cell_cm * JITTER_PCT / 100;
	uint64_t	k = grid_key(i, j);

	*x = w->x0_cm + (int64_t) i * w->cell_cm + synth_hrange(synth_hash(w->seed ^ GEOM_SALT, k, 1), -jit, jit);
	*y = w->y0_cm + (int64_t) j * w->cell_cm + synth_hrange(synth_hash(w->seed ^ GEOM_SALT, k, 2), -jit, jit);
}

/* Displaced midpoint of the edge from vertex (i, j) east (vert = 0) or north (vert = 1). */
static void
midpoint(const synth_world *w, int32_t i, int32_t j, int vert, int64_t *x, int64_t *y)
{
	int64_t		x1, y1, x2, y2;
	int64_t		al = w->cell_cm * ALONG_PCT / 100, pe = w->cell_cm * PERP_PCT / 100;
	uint64_t	k = grid_key(i, j);
	int64_t		da = synth_hrange(synth_hash(w->seed ^ GEOM_SALT, k, vert ? 5 : 3), -al, al);
	int64_t		dp = synth_hrange(synth_hash(w->seed ^ GEOM_SALT, k, vert ? 6 : 4), -pe, pe);

	vertex(w, i, j, &x1, &y1);
	vertex(w, vert ? i : i + 1, vert ? j + 1 : j, &x2, &y2);
	*x = (x1 + x2) / 2 + (vert ? dp : da);
	*y = (y1 + y2) / 2 + (vert ? da : dp);
}

/*
 * The closed ring of a cell, counter-clockwise, in integer centimetres: corners and
 * edge midpoints p[0..7] starting at the lower-left corner, p[8] = p[0].  Side k
 * (0 south, 1 east, 2 north, 3 west) runs p[2k] -> p[2k+1] -> p[2k+2].
 */
void
synth_cell_points(const synth_world *w, const synth_cell *c, int64_t p[9][2])
{
	int32_t		i = c->gi, j = c->gj;

	vertex(w, i, j, &p[0][0], &p[0][1]);
	midpoint(w, i, j, 0, &p[1][0], &p[1][1]);
	vertex(w, i + 1, j, &p[2][0], &p[2][1]);
	midpoint(w, i + 1, j, 1, &p[3][0], &p[3][1]);
	vertex(w, i + 1, j + 1, &p[4][0], &p[4][1]);
	midpoint(w, i, j + 1, 0, &p[5][0], &p[5][1]);
	vertex(w, i, j + 1, &p[6][0], &p[6][1]);
	midpoint(w, i, j, 1, &p[7][0], &p[7][1]);
	p[8][0] = p[0][0];
	p[8][1] = p[0][1];
}

/* The same ring in metres (rounded to centimetres) as x,y pairs in xy[18]. */
void
synth_cell_ring(const synth_world *w, const synth_cell *c, double xy[18])
{
	int64_t		p[9][2];

	synth_cell_points(w, c, p);
	for (int k = 0; k < 9; k++)
	{
		xy[2 * k] = (double) p[k][0] / 100.0;
		xy[2 * k + 1] = (double) p[k][1] / 100.0;
	}
}

/* Position of (x, y) (each < 2^16) along a Hilbert curve: a geographic sort key. */
uint64_t
synth_hilbert(uint32_t x, uint32_t y)
{
	const uint32_t n = 1u << 16;
	uint64_t	d = 0;

	x &= n - 1;
	y &= n - 1;
	for (uint32_t s = n / 2; s > 0; s /= 2)
	{
		uint32_t	rx = (x & s) ? 1 : 0;
		uint32_t	ry = (y & s) ? 1 : 0;

		d += (uint64_t) s * s * ((3 * rx) ^ ry);
		if (ry == 0)
		{
			if (rx == 1)
			{
				x = n - 1 - x;
				y = n - 1 - y;
			}
			uint32_t	t = x;

			x = y;
			y = t;
		}
	}
	return d;
}
