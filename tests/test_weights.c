/*
 * tests/test_weights.c — polygon builder, kd-tree and spatial weights.
 *
 * Contiguity is checked on square grids whose answers are known cell by cell,
 * also with every polygon's copy of a shared vertex jittered independently
 * (below the snap tolerance), so snapping across grid lines is exercised.
 * kNN and distance band are compared with brute force on random points; the
 * GAL/GWT files are read back by spdep when Rscript is installed.
 */
#include "testutil.h"

#include <omp.h>
#include <unistd.h>

#include "../geo/kdtree.h"
#include "../geo/polys.h"
#include "../geo/weights.h"

static char errbuf[256];

/* splitmix64: a small seeded generator for test data */
static uint64_t
rng_next(uint64_t *s)
{
	uint64_t	z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* uniform in [lo, hi) */
static double
rng_unif(uint64_t *s, double lo, double hi)
{
	return lo + (hi - lo) * (double) (rng_next(s) >> 11) * 0x1.0p-53;
}

/*
 * An nx by ny grid of size x size squares, area index row*nx+col.  Each square
 * owns its corner copies, each moved by up to +-jit in x and y.  Odd cells run
 * clockwise, and cells divisible by 3 have open rings, so both forms are covered.
 */
static void
grid_areas(geo_polys *p, int nx, int ny, double size, double jit, uint64_t seed)
{
	uint64_t	s = seed;

	for (int r = 0; r < ny; r++)
	{
		for (int c = 0; c < nx; c++)
		{
			static const int cw[5][2] = {{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}};
			double		xy[10];
			int			a = r * nx + c,
						closed = a % 3 != 0;

			for (int k = 0; k < 4; k++)
			{
				int			kk = (a % 2) ? 3 - k : k;

				xy[2 * k] = (c + cw[kk][0]) * size + (jit > 0 ? rng_unif(&s, -jit, jit) : 0);
				xy[2 * k + 1] = (r + cw[kk][1]) * size + (jit > 0 ? rng_unif(&s, -jit, jit) : 0);
			}
			xy[8] = xy[0];
			xy[9] = xy[1];
			assert_int_equal(geo_polys_begin_area(p), 0);
			assert_int_equal(geo_polys_add_ring(p, xy, closed ? 5 : 4), 0);
			geo_polys_set_point(p, (c + 0.5) * size, (r + 0.5) * size);
		}
	}
}

static void
make_grid(geo_polys *p, int nx, int ny, double size, double jit, uint64_t seed)
{
	assert_int_equal(geo_polys_init(p), 0);
	grid_areas(p, nx, ny, size, jit, seed);
	assert_int_equal(geo_polys_finish(p), 0);
}

static weights *
contig(const geo_polys *p, weights_kind kind, double snap)
{
	weights_spec spec = {kind, 0, 0, snap, 0};
	weights    *w = weights_contiguity(p, &spec, errbuf, sizeof(errbuf));

	if (w == NULL)
		fail_msg("weights_contiguity: %s", errbuf);
	return w;
}

static void
assert_row(const weights *w, size_t i, const uint32_t *exp, size_t len)
{
	size_t		got = w->off[i + 1] - w->off[i];

	if (got != len)
		fail_msg("row %zu has %zu neighbours, expected %zu", i, got, len);
	for (size_t k = 0; k < len; k++)
		if (w->nbr[w->off[i] + k] != exp[k])
			fail_msg("row %zu neighbour %zu is %u, expected %u", i, k,
					 w->nbr[w->off[i] + k], exp[k]);
}

static void
assert_same_weights(const weights *a, const weights *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++)
		assert_row(b, i, a->nbr + a->off[i], a->off[i + 1] - a->off[i]);
	for (size_t k = 0; k < a->off[a->n]; k++)
		assert_true(a->w[k] == b->w[k]);
}

/* every link i->j has j->i */
static void
assert_symmetric(const weights *w)
{
	for (size_t i = 0; i < w->n; i++)
		for (size_t a = w->off[i]; a < w->off[i + 1]; a++)
		{
			uint32_t	j = w->nbr[a];
			int			found = 0;

			for (size_t b = w->off[j]; b < w->off[j + 1]; b++)
				found |= w->nbr[b] == i;
			if (!found)
				fail_msg("link %zu->%u has no reverse", i, j);
		}
}

static void
test_polys_builder(void **state)
{
	geo_polys	p;
	double		ring[6] = {0, 0, 1, 0, 0, 1};

	(void) state;
	geo_polys_free(NULL);
	assert_int_equal(geo_polys_init(&p), 0);
	assert_int_equal(geo_polys_add_ring(&p, ring, 3), -1);	/* no area open */
	for (int a = 0; a < 100; a++)
	{
		assert_int_equal(geo_polys_begin_area(&p), 0);
		for (int r = 0; r < a % 3; r++)
			assert_int_equal(geo_polys_add_ring(&p, ring, 3), 0);
		geo_polys_set_point(&p, a, -a);
	}
	assert_int_equal(geo_polys_finish(&p), 0);
	assert_int_equal(p.n, 100);
	assert_int_equal(p.nrings, 99);		/* 33*(0+1+2) */
	assert_int_equal(p.npts, 297);
	assert_int_equal(p.ring_off[0], 0);
	assert_int_equal(p.ring_off[2], 1);
	assert_int_equal(p.ring_off[3], 3);
	assert_int_equal(p.ring_off[100], 99);
	assert_int_equal(p.pt_off[99], 297);
	assert_close(p.xy[2 * 296], 0, 0);
	assert_close(p.xy[2 * 295 + 1], 0, 0);
	assert_close(p.cy[42], -42, 0);
	geo_polys_free(&p);
	assert_null(p.xy);
	geo_polys_free(&p);
	/* an empty layer gives empty weights, not an error */
	{
		weights_spec spec = {WEIGHTS_QUEEN, 0, 0, 0.5, 0};
		weights    *w;
		weights_summary s;

		assert_int_equal(geo_polys_init(&p), 0);
		assert_int_equal(geo_polys_finish(&p), 0);
		w = weights_contiguity(&p, &spec, errbuf, sizeof(errbuf));
		assert_non_null(w);
		assert_int_equal(w->n, 0);
		assert_int_equal(w->off[0], 0);
		weights_summarise(w, &s);
		assert_int_equal(s.components, 0);
		weights_free(w);
		geo_polys_free(&p);
	}
}

static void
test_grid_queen_rook(void **state)
{
	static const uint32_t q0[] = {1, 5, 6},
				q2[] = {1, 3, 6, 7, 8},
				q12[] = {6, 7, 8, 11, 13, 16, 17, 18},
				q24[] = {18, 19, 23},
				r0[] = {1, 5},
				r2[] = {1, 3, 7},
				r12[] = {7, 11, 13, 17},
				r24[] = {19, 23};
	geo_polys	p;

	(void) state;
	make_grid(&p, 5, 5, 10.0, 0, 1);
	for (int snapi = 0; snapi < 2; snapi++)
	{
		weights    *q = contig(&p, WEIGHTS_QUEEN, snapi ? 1.0 : 0.0),
				   *r = contig(&p, WEIGHTS_ROOK, snapi ? 1.0 : 0.0);
		weights_summary s;

		for (int i = 0; i < 25; i++)
		{
			int			c = i % 5,
						rr = i / 5,
						border = (c == 0 || c == 4) + (rr == 0 || rr == 4);

			assert_int_equal(q->off[i + 1] - q->off[i], border == 2 ? 3 : border ? 5 : 8);
			assert_int_equal(r->off[i + 1] - r->off[i], border == 2 ? 2 : border ? 3 : 4);
		}
		assert_row(q, 0, q0, 3);
		assert_row(q, 2, q2, 5);
		assert_row(q, 12, q12, 8);
		assert_row(q, 24, q24, 3);
		assert_row(r, 0, r0, 2);
		assert_row(r, 2, r2, 3);
		assert_row(r, 12, r12, 4);
		assert_row(r, 24, r24, 2);
		assert_symmetric(q);
		weights_summarise(q, &s);
		assert_int_equal(s.links, 4 * 3 + 12 * 5 + 9 * 8);
		assert_int_equal(s.min_nb, 3);
		assert_int_equal(s.max_nb, 8);
		assert_int_equal(s.islands, 0);
		assert_int_equal(s.components, 1);
		assert_close(s.mean_nb, 144.0 / 25, 1e-12);
		weights_free(q);
		weights_free(r);
	}
	geo_polys_free(&p);
}

static void
test_grid_jittered(void **state)
{
	geo_polys	p,
				pj;

	(void) state;
	make_grid(&p, 6, 6, 10.0, 0, 1);
	for (uint64_t seed = 1; seed <= 5; seed++)
	{
		weights    *q0 = contig(&p, WEIGHTS_QUEEN, 1.0),
				   *r0 = contig(&p, WEIGHTS_ROOK, 1.0),
				   *q1,
				   *r1,
				   *qexact;

		make_grid(&pj, 6, 6, 10.0, 0.3, seed);
		q1 = contig(&pj, WEIGHTS_QUEEN, 1.0);
		r1 = contig(&pj, WEIGHTS_ROOK, 1.0);
		assert_same_weights(q0, q1);
		assert_same_weights(r0, r1);
		/* without tolerance the jittered copies must not match at all */
		qexact = contig(&pj, WEIGHTS_QUEEN, 0.0);
		assert_int_equal(qexact->off[36], 0);
		weights_free(q0);
		weights_free(r0);
		weights_free(q1);
		weights_free(r1);
		weights_free(qexact);
		geo_polys_free(&pj);
	}
	geo_polys_free(&p);
}

static void
test_corner_touch(void **state)
{
	double		a[] = {0, 0, 1, 0, 1, 1, 0, 1, 0, 0},
				b[] = {1, 1, 2, 1, 2, 2, 1, 2},
				bj[] = {1.04, 0.97, 2, 1, 2, 2, 1, 2},
				ad[] = {0, 0, 1, 0, 1, 1, 1, 1, 0, 1},	/* corner point repeated */
				bd[] = {1, 1, 1, 1, 2, 1, 2, 2, 1, 2};
	geo_polys	p;

	(void) state;
	for (int jit = 0; jit < 3; jit++)
	{
		double		snap = jit == 1 ? 0.1 : 0.0;
		weights    *q,
				   *r;

		assert_int_equal(geo_polys_init(&p), 0);
		assert_int_equal(geo_polys_begin_area(&p), 0);
		assert_int_equal(geo_polys_add_ring(&p, jit == 2 ? ad : a, 5), 0);
		assert_int_equal(geo_polys_begin_area(&p), 0);
		assert_int_equal(geo_polys_add_ring(&p, jit == 1 ? bj : jit == 2 ? bd : b, jit == 2 ? 5 : 4), 0);
		assert_int_equal(geo_polys_finish(&p), 0);
		q = contig(&p, WEIGHTS_QUEEN, snap);
		r = contig(&p, WEIGHTS_ROOK, snap);
		assert_int_equal(q->off[2], 2);
		assert_int_equal(q->nbr[0], 1);
		assert_int_equal(q->nbr[1], 0);
		assert_int_equal(r->off[2], 0);
		weights_free(q);
		weights_free(r);
		geo_polys_free(&p);
	}
}

/* B touches both ends of A's bottom edge but dips away in between: two shared
 * points that are consecutive on A's ring, not on B's, so no shared segment. */
static void
test_two_points_no_segment(void **state)
{
	double		a[] = {0, 0, 10, 0, 10, 10, 0, 10},
				b[] = {0, 0, -5, -5, 15, -5, 10, 0, 5, -2, 0, 0},
				c[] = {0, 0, 5, -2, 10, 0, 10, -5, 0, -5};	/* shares (0,0)-(5,-2) with b */
	geo_polys	p;
	weights    *q,
			   *r;
	static const uint32_t q0[] = {1, 2},
				r1[] = {2},
				r2[] = {1};

	(void) state;
	assert_int_equal(geo_polys_init(&p), 0);
	assert_int_equal(geo_polys_begin_area(&p), 0);
	assert_int_equal(geo_polys_add_ring(&p, a, 4), 0);
	assert_int_equal(geo_polys_begin_area(&p), 0);
	assert_int_equal(geo_polys_add_ring(&p, b, 6), 0);
	assert_int_equal(geo_polys_begin_area(&p), 0);
	assert_int_equal(geo_polys_add_ring(&p, c, 5), 0);
	assert_int_equal(geo_polys_finish(&p), 0);
	q = contig(&p, WEIGHTS_QUEEN, 0.01);
	r = contig(&p, WEIGHTS_ROOK, 0.01);
	assert_row(q, 0, q0, 2);
	assert_int_equal(r->off[1], 0);		/* A: no rook neighbour */
	assert_row(r, 1, r1, 1);
	assert_row(r, 2, r2, 1);
	weights_free(q);
	weights_free(r);
	geo_polys_free(&p);
}

typedef struct dj
{
	double		d2;
	uint32_t	j;
} dj;

static int
cmp_dj(const void *a, const void *b)
{
	const dj   *x = a,
			   *y = b;

	if (x->d2 != y->d2)
		return x->d2 < y->d2 ? -1 : 1;
	return x->j < y->j ? -1 : (x->j > y->j);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *) a,
				y = *(const uint32_t *) b;

	return x < y ? -1 : (x > y);
}

/* kNN weights against a brute-force sort of all other points by (d2, index). */
static void
check_knn_brute(const double *x, const double *y, size_t n, const int *ks, int nk)
{
	weights    *w[8];
	dj		   *all = malloc(n * sizeof(dj));
	uint32_t	exp[64];

	assert_non_null(all);
	for (int t = 0; t < nk; t++)
	{
		w[t] = weights_knn(x, y, n, ks[t], errbuf, sizeof(errbuf));
		if (w[t] == NULL)
			fail_msg("weights_knn: %s", errbuf);
	}
	for (size_t i = 0; i < n; i++)
	{
		size_t		m = 0;

		for (size_t j = 0; j < n; j++)
		{
			double		dx = x[j] - x[i],
						dy = y[j] - y[i];

			if (j == i)
				continue;
			all[m].d2 = dx * dx + dy * dy;
			all[m++].j = (uint32_t) j;
		}
		qsort(all, m, sizeof(dj), cmp_dj);
		for (int t = 0; t < nk; t++)
		{
			for (int k = 0; k < ks[t]; k++)
				exp[k] = all[k].j;
			qsort(exp, ks[t], sizeof(uint32_t), cmp_u32);
			assert_row(w[t], i, exp, ks[t]);
		}
	}
	for (int t = 0; t < nk; t++)
		weights_free(w[t]);
	free(all);
}

static void
test_knn_brute(void **state)
{
	enum
	{
	N = 2000, G = 20};
	static double x[N],
				y[N];
	static const int ks[] = {1, 4, 6, 10, 25};
	uint64_t	s = 42;

	(void) state;
	for (int i = 0; i < N; i++)
	{
		x[i] = rng_unif(&s, 0, 10000);
		y[i] = rng_unif(&s, 0, 10000);
	}
	check_knn_brute(x, y, N, ks, 5);
	/* integer grid: many exact ties, settled by the lower index */
	for (int i = 0; i < G * G; i++)
	{
		x[i] = i % G;
		y[i] = i / G;
	}
	check_knn_brute(x, y, G * G, ks, 5);
}

static void
test_band_brute(void **state)
{
	enum
	{
	N = 2000};
	static double x[N],
				y[N];
	static const double bands[] = {50, 150, 400, 0};
	uint64_t	s = 7;
	uint32_t   *exp = malloc(N * sizeof(uint32_t));

	(void) state;
	assert_non_null(exp);
	for (int i = 0; i < N; i++)
	{
		x[i] = rng_unif(&s, 0, 10000);
		y[i] = rng_unif(&s, 0, 10000);
	}
	for (int t = 0; t < 4; t++)
	{
		weights    *w = weights_band(x, y, N, bands[t], errbuf, sizeof(errbuf));
		double		maxnn = 0,
					b;
		weights_summary sum;

		if (w == NULL)
			fail_msg("weights_band: %s", errbuf);
		b = w->band_used;
		if (bands[t] > 0)
			assert_true(b == bands[t]);
		for (int i = 0; i < N; i++)
		{
			size_t		m = 0;
			double		nn = INFINITY;

			for (int j = 0; j < N; j++)
			{
				double		dx = x[j] - x[i],
							dy = y[j] - y[i];

				if (j == i)
					continue;
				nn = fmin(nn, dx * dx + dy * dy);
				if (dx * dx + dy * dy <= b * b)
					exp[m++] = (uint32_t) j;
			}
			maxnn = fmax(maxnn, nn);
			assert_row(w, i, exp, m);
		}
		if (bands[t] <= 0)
		{
			assert_rel(b, sqrt(maxnn), 1e-15);
			weights_summarise(w, &sum);
			assert_int_equal(sum.islands, 0);
			assert_int_equal(sum.min_nb, 1);
		}
		assert_symmetric(w);
		weights_free(w);
	}
	free(exp);
}

static void
test_kdtree_direct(void **state)
{
	double		x[5] = {0, 1, NAN, 3, 1},
				y[5] = {0, 0, 0, 0, 0};
	uint32_t	idx[5];
	double		d2[5];
	kdtree	   *t = kdtree_build(x, y, 5);
	weights    *w;

	(void) state;
	assert_non_null(t);
	/* (1,0) twice: self included when skip is SIZE_MAX; tie 1 before 4; NaN never found */
	assert_int_equal(kdtree_knn(t, 1, 0, SIZE_MAX, 5, idx, d2), 4);
	assert_int_equal(idx[0], 1);
	assert_int_equal(idx[1], 4);
	assert_int_equal(idx[2], 0);
	assert_int_equal(idx[3], 3);
	assert_close(d2[3], 4, 0);
	assert_int_equal(kdtree_knn(t, NAN, 0, SIZE_MAX, 5, idx, d2), 0);
	kdtree_free(t);
	kdtree_free(NULL);
	w = weights_knn(x, y, 5, 1, errbuf, sizeof(errbuf));
	assert_non_null(w);
	assert_int_equal(w->off[3] - w->off[2], 0);		/* NaN point: no neighbours */
	assert_int_equal(w->off[5], 4);
	weights_free(w);
	assert_null(weights_knn(x, y, 5, 5, errbuf, sizeof(errbuf)));
	assert_non_null(strstr(errbuf, "k = 5"));
	weights_free(NULL);
}

/* 3x3 grid plus a square far away (area 9) */
static void
make_island_layer(geo_polys *p)
{
	double		far[] = {100, 0, 110, 0, 110, 10, 100, 10, 100, 0};

	assert_int_equal(geo_polys_init(p), 0);
	grid_areas(p, 3, 3, 10.0, 0, 1);
	assert_int_equal(geo_polys_begin_area(p), 0);
	assert_int_equal(geo_polys_add_ring(p, far, 5), 0);
	geo_polys_set_point(p, 105, 5);
	assert_int_equal(geo_polys_finish(p), 0);
}

static void
test_islands(void **state)
{
	geo_polys	p;
	weights    *q,
			   *f,
			   *b;
	weights_summary s;
	weights_spec spec = {WEIGHTS_QUEEN, 0, 0, 0.5, 2};
	static const uint32_t f9[] = {2, 5},
				f2[] = {1, 4, 5, 9},
				f5[] = {1, 2, 4, 7, 8, 9};

	(void) state;
	make_island_layer(&p);
	q = contig(&p, WEIGHTS_QUEEN, 0.5);
	weights_summarise(q, &s);
	assert_int_equal(s.n, 10);
	assert_int_equal(s.islands, 1);
	assert_int_equal(s.components, 2);
	assert_int_equal(s.min_nb, 0);
	assert_int_equal(s.max_nb, 8);
	/* nearest centres to (105,5): 2 at (25,5) d=80, 5 at (25,15) */
	f = weights_fill_islands(q, p.cx, p.cy, 2, errbuf, sizeof(errbuf));
	assert_non_null(f);
	assert_row(f, 9, f9, 2);
	assert_row(f, 2, f2, 4);
	assert_row(f, 5, f5, 6);
	assert_symmetric(f);
	weights_summarise(f, &s);
	assert_int_equal(s.islands, 0);
	assert_int_equal(s.components, 1);
	assert_int_equal(s.links, 40 + 4);
	b = weights_build(&p, &spec, errbuf, sizeof(errbuf));
	assert_non_null(b);
	assert_same_weights(f, b);
	weights_free(q);
	weights_free(f);
	weights_free(b);
	geo_polys_free(&p);
}

/* Asymmetric input: 1 already points at island 0 (weight 0.5), and islands
 * 2 and 3 are each other's nearest: no duplicate links, old weight kept. */
static void
test_islands_merge(void **state)
{
	double		x[4] = {0, 1, 50, 51},
				y[4] = {0, 0, 0, 0};
	weights    *w = weights_alloc(4, 1, errbuf, sizeof(errbuf)),
			   *f;
	static const uint32_t e0[] = {1},
				e1[] = {0},
				e2[] = {3},
				e3[] = {2};

	(void) state;
	assert_non_null(w);
	w->off[2] = w->off[3] = w->off[4] = 1;
	w->nbr[0] = 0;
	w->w[0] = 0.5;
	f = weights_fill_islands(w, x, y, 1, errbuf, sizeof(errbuf));
	assert_non_null(f);
	assert_row(f, 0, e0, 1);
	assert_row(f, 1, e1, 1);
	assert_row(f, 2, e2, 1);
	assert_row(f, 3, e3, 1);
	assert_close(f->w[f->off[1]], 0.5, 0);
	assert_close(f->w[f->off[0]], 1.0, 0);
	weights_free(w);
	weights_free(f);
}

static void
test_determinism(void **state)
{
	geo_polys	p;
	weights    *w[2][4];
	int			saved = omp_get_max_threads();

	(void) state;
	make_grid(&p, 80, 70, 10.0, 0.3, 99);
	for (int t = 0; t < 2; t++)
	{
		omp_set_num_threads(t + 1);
		w[t][0] = contig(&p, WEIGHTS_QUEEN, 1.0);
		w[t][1] = contig(&p, WEIGHTS_ROOK, 1.0);
		w[t][2] = weights_knn(p.cx, p.cy, p.n, 6, errbuf, sizeof(errbuf));
		w[t][3] = weights_band(p.cx, p.cy, p.n, 0, errbuf, sizeof(errbuf));
		assert_non_null(w[t][2]);
		assert_non_null(w[t][3]);
	}
	omp_set_num_threads(saved);
	for (int k = 0; k < 4; k++)
	{
		assert_same_weights(w[0][k], w[1][k]);
		weights_free(w[0][k]);
		weights_free(w[1][k]);
	}
	geo_polys_free(&p);
}

static void
test_parse_spec(void **state)
{
	weights_spec s = {WEIGHTS_QUEEN, 0, 0, 0.25, 3};

	(void) state;
	/* the whole struct is set: callers declare it uninitialised */
	assert_int_equal(weights_parse_spec("rook", &s, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(s.kind, WEIGHTS_ROOK);
	assert_close(s.snap, 0, 0);
	assert_int_equal(s.island_knn, 0);
	assert_int_equal(weights_parse_spec("knn:6", &s, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(s.kind, WEIGHTS_KNN);
	assert_int_equal(s.k, 6);
	assert_int_equal(weights_parse_spec("band:1500", &s, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(s.kind, WEIGHTS_BAND);
	assert_close(s.band, 1500, 0);
	assert_int_equal(weights_parse_spec("band", &s, errbuf, sizeof(errbuf)), 0);
	assert_close(s.band, 0, 0);
	assert_int_equal(weights_parse_spec("queen", &s, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(s.kind, WEIGHTS_QUEEN);
	assert_int_equal(weights_parse_spec("knn:0", &s, errbuf, sizeof(errbuf)), -1);
	assert_non_null(strstr(errbuf, "\"knn:0\""));
	assert_int_equal(weights_parse_spec("knn:6x", &s, errbuf, sizeof(errbuf)), -1);
	assert_non_null(strstr(errbuf, "\"knn:6x\""));
	assert_int_equal(weights_parse_spec("band:-3", &s, errbuf, sizeof(errbuf)), -1);
	assert_non_null(strstr(errbuf, "\"band:-3\""));
	assert_int_equal(weights_parse_spec("queens", &s, errbuf, sizeof(errbuf)), -1);
	assert_non_null(strstr(errbuf, "\"queens\""));
	assert_int_equal(s.kind, WEIGHTS_QUEEN);	/* unchanged on error */
}

/* Run an R snippet, returning its first output line in out (0), or -1. */
static int
run_r(const char *code, char *out, size_t outlen)
{
	char		cmd[4096];
	FILE	   *f;
	int			ok;

	snprintf(cmd, sizeof(cmd),
			 "Rscript -e 'suppressMessages(library(spdep)); %s' 2>/dev/null", code);
	f = popen(cmd, "r");
	if (f == NULL)
		return -1;
	ok = fgets(out, (int) outlen, f) != NULL;
	pclose(f);
	out[strcspn(out, "\n")] = '\0';
	return ok ? 0 : -1;
}

static void
test_gal_gwt(void **state)
{
	geo_polys	p;
	weights    *q;
	char	   *dir = test_tmpdir(),
				gal[512],
				gwt[512],
				line[512],
				code[2048],
				expect[256] = "";
	char		idbuf[10][8];
	const char *ids[10];
	FILE	   *f;

	(void) state;
	assert_non_null(dir);
	make_island_layer(&p);
	q = contig(&p, WEIGHTS_QUEEN, 0.5);
	for (int i = 0; i < 10; i++)
	{
		snprintf(idbuf[i], sizeof(idbuf[i]), "13%02dAB", 10 + i);
		ids[i] = idbuf[i];
		snprintf(expect + strlen(expect), sizeof(expect) - strlen(expect), "%s%zu",
				 i ? " " : "", q->off[i + 1] - q->off[i]);
	}
	snprintf(gal, sizeof(gal), "%s/w.gal", dir);
	snprintf(gwt, sizeof(gwt), "%s/w.gwt", dir);
	assert_int_equal(weights_write_gal(q, ids, gal, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(weights_write_gwt(q, ids, p.cx, p.cy, gwt, errbuf, sizeof(errbuf)), 0);

	/* the text itself */
	f = fopen(gal, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "0 10 vsp area_id\n");
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "1310AB 3\n");
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "1311AB 1313AB 1314AB\n");
	fclose(f);
	f = fopen(gwt, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "0 10 vsp area_id\n");
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "1310AB 1311AB 10\n");
	assert_non_null(fgets(line, sizeof(line), f));
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "1310AB 1314AB 14.1421356237\n");
	fclose(f);
	ids[3] = "13 3";
	assert_int_equal(weights_write_gal(q, ids, gal, errbuf, sizeof(errbuf)), -1);
	assert_non_null(strstr(errbuf, "row 3"));
	ids[3] = idbuf[3];

	if (system("command -v Rscript >/dev/null 2>&1") != 0)
	{
		print_message("Rscript not found: skipping the spdep read-back\n");
		goto done;
	}
	snprintf(code, sizeof(code),
			 "g <- read.gal(\"%s\", override.id=TRUE); "
			 "h <- suppressWarnings(read.gwt2nb(\"%s\", region.id=attr(g, \"region.id\"))); "
			 "same <- all(sapply(seq_along(g), function(i) identical(as.integer(g[[i]]), as.integer(h[[i]])))); "
			 "cat(paste(card(g), collapse=\" \"), \"|\", paste(card(h), collapse=\" \"), \"|\", "
			 "same, is.symmetric.nb(g), attr(g, \"region.id\")[10], \"\\n\")",
			 gal, gwt);
	assert_int_equal(run_r(code, line, sizeof(line)), 0);
	{
		char		want[600];

		snprintf(want, sizeof(want), "%s | %s | TRUE TRUE 1319AB ", expect, expect);
		assert_string_equal(line, want);
	}
done:
	unlink(gal);
	unlink(gwt);
	rmdir(dir);
	free(dir);
	weights_free(q);
	geo_polys_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_polys_builder),
		cmocka_unit_test(test_grid_queen_rook),
		cmocka_unit_test(test_grid_jittered),
		cmocka_unit_test(test_corner_touch),
		cmocka_unit_test(test_two_points_no_segment),
		cmocka_unit_test(test_kdtree_direct),
		cmocka_unit_test(test_knn_brute),
		cmocka_unit_test(test_band_brute),
		cmocka_unit_test(test_islands),
		cmocka_unit_test(test_islands_merge),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_parse_spec),
		cmocka_unit_test(test_gal_gwt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
