/*
 * tests/test_score.c — unit tests of the score stage (pipeline/score*.c): Gi*, empirical
 * Bayes, Local Moran, permutations, FDR, islands, trend/priority, and a cross-check of
 * every analytic figure against R spdep through tests/spdep_check.R.
 *
 * The spdep check needs Rscript with spdep; it fails when they are missing and is skipped
 * only when VSP_NO_R=1.  The R script is found through VSP_SRCDIR, else next to this file.
 */
#include "testutil.h"

#include <omp.h>
#include <unistd.h>

#include "../pipeline/score.h"

/* r x c lattice, row-major, rook or queen links (ascending by construction). */
static weights *
grid_weights(int rows, int cols, int queen)
{
	weights    *w = calloc(1, sizeof(weights));
	size_t		n = (size_t) rows * cols,
				m = 0;

	assert_non_null(w);
	w->n = n;
	w->off = calloc(n + 1, sizeof(size_t));
	w->nbr = calloc(n * 8, sizeof(uint32_t));
	w->w = calloc(n * 8, sizeof(double));
	assert_true(w->off && w->nbr && w->w);
	for (int r = 0; r < rows; r++)
		for (int c = 0; c < cols; c++)
		{
			for (int dr = -1; dr <= 1; dr++)
				for (int dc = -1; dc <= 1; dc++)
				{
					int			rr = r + dr,
								cc = c + dc;

					if ((dr == 0 && dc == 0) || (!queen && dr != 0 && dc != 0) ||
						rr < 0 || rr >= rows || cc < 0 || cc >= cols)
						continue;
					w->nbr[m] = (uint32_t) (rr * cols + cc);
					w->w[m++] = 1.0;
				}
			w->off[(size_t) r * cols + c + 1] = m;
		}
	return w;
}

static void
free_weights(weights *w)
{
	if (w)
	{
		free(w->off);
		free(w->nbr);
		free(w->w);
		free(w);
	}
}

/* Ring of n areas, each linked to the h nearest on either side (2h links, 2h < n). */
static weights *
ring_weights(size_t n, size_t h)
{
	weights    *w = calloc(1, sizeof(weights));
	size_t		m = 0;

	assert_non_null(w);
	w->n = n;
	w->off = calloc(n + 1, sizeof(size_t));
	w->nbr = calloc(n * 2 * h, sizeof(uint32_t));
	w->w = calloc(n * 2 * h, sizeof(double));
	assert_true(w->off && w->nbr && w->w);
	for (size_t i = 0; i < n; i++)
	{
		for (size_t j = 0; j < n; j++)
		{
			size_t		d = (j + n - i) % n;

			if (d != 0 && (d <= h || d >= n - h))
			{
				w->nbr[m] = (uint32_t) j;
				w->w[m++] = 1.0;
			}
		}
		w->off[i + 1] = m;
	}
	return w;
}

/* Remove the undirected link a-b (both directions), keeping rows packed and sorted. */
static void
drop_link(weights *w, uint32_t a, uint32_t b)
{
	for (int pass = 0; pass < 2; pass++)
	{
		uint32_t	from = pass ? b : a,
					to = pass ? a : b;

		for (size_t j = w->off[from]; j < w->off[from + 1]; j++)
			if (w->nbr[j] == to)
			{
				size_t		last = w->off[w->n];

				memmove(w->nbr + j, w->nbr + j + 1, (last - j - 1) * sizeof(uint32_t));
				memmove(w->w + j, w->w + j + 1, (last - j - 1) * sizeof(double));
				for (size_t i = from + 1; i <= w->n; i++)
					w->off[i]--;
				break;
			}
	}
}

/* Small deterministic generator for test data (not the one under test). */
static uint64_t lcg_state = 12345;
static double
lcg_uniform(void)
{
	lcg_state = lcg_state * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
	return (double) (lcg_state >> 11) / 9007199254740992.0;
}

/* 5x5 queen grid: 3x3 block of 10 in the top-left corner, 0 in the bottom-right, else 1. */
static void
block_values(double *x)
{
	for (int r = 0; r < 5; r++)
		for (int c = 0; c < 5; c++)
			x[r * 5 + c] = (r < 3 && c < 3) ? 10.0 : 1.0;
	x[24] = 0.0;
}

static void
test_gi_star_grid(void **state)
{
	weights    *w = grid_weights(5, 5, 1);
	double		x[25],
				z[25],
				p[25],
				z2[25],
				p2[25];

	(void) state;
	block_values(x);
	score_gi_star(25, x, w, z, p);
	/* values from spdep::localG(x, nb2listw(include.self(cell2nb(5,5,"queen")), "B")) */
	assert_close(z[0], 2.847966, 1e-6);		/* block cell at the grid corner */
	assert_close(z[6], 4.894132, 1e-6);		/* block centre */
	assert_close(z[12], 0.675053, 1e-6);	/* block's inner corner */
	assert_close(p[0], erfc(z[0] / sqrt(2.0)), 1e-15);
	assert_true(p[0] > 0.004 && p[0] < 0.005);
	assert_int_equal(score_bin(z[0], p[0]), 3);
	assert_int_equal(score_bin(z[12], p[12]), 0);
	assert_int_equal(score_bin(-2.0, 0.0455), -2);
	assert_int_equal(score_bin(1.7, 0.089), 1);
	assert_int_equal(score_bin(NAN, NAN), 0);
	free_weights(w);

	/* p from erfc keeps its accuracy in the tail, where 1 - erf(.) would round to 0 */
	{
		double		xx[400],
					zz[400],
					pp[400];

		w = grid_weights(20, 20, 1);
		for (int i = 0; i < 400; i++)
			xx[i] = (i / 20 < 3 && i % 20 < 3) ? 1.0 : 0.0;
		score_gi_star(400, xx, w, zz, pp);
		assert_true(zz[21] > 19.0 && zz[21] < 21.0);	/* block centre, z ~ 19.97 */
		assert_true(pp[21] > 1e-100 && pp[21] < 1e-80);
		free_weights(w);
	}
	w = grid_weights(5, 5, 1);

	/* row-standardised weights: Gi* treats links as binary, so z and p are unchanged */
	for (size_t i = 0; i < 25; i++)
		for (size_t j = w->off[i]; j < w->off[i + 1]; j++)
			w->w[j] = 1.0 / (double) (w->off[i + 1] - w->off[i]);
	score_gi_star(25, x, w, z2, p2);
	for (int i = 0; i < 25; i++)
	{
		assert_close(z2[i], z[i], 0.0);
		assert_close(p2[i], p[i], 0.0);
	}
	free_weights(w);
}

/*
 * Global EB by hand.  Areas 0-3: pop 100,100,200,600, cases 5,1,2,12; area 4 pop 0 and
 * area 5 pop NaN are left out of every sum.
 *   m = 20/1000 = 0.02; r = .05 .01 .01 .02
 *   s2 = (100*.0009 + 100*.0001 + 200*.0001 + 600*0)/1000 = 0.00012
 *   nbar = 1000/4 = 250, a = 0.00012 - 0.02/250 = 0.00004
 *   EB0 = .02 + .03 * a/(a + .02/100)  = .02 + .03/6 = 0.025        -> 25 per 1,000
 *   EB1 = .02 - .01/6 = 0.0183333..                                    -> 18.333..
 *   EB2 = .02 - .01 * a/(a + .02/200) = .02 - .01*2/7 = 0.0171428..  -> 17.142857..
 *   EB3 = m                                                            -> 20
 */
static void
test_eb_global_hand(void **state)
{
	double		pop[6] = {100, 100, 200, 600, 0, NAN},
				y[6] = {5, 1, 2, 12, 0, 3},
				eb[6],
				rate[6],
				m,
				a;

	(void) state;
	assert_int_equal(score_eb_global(6, y, pop, eb, &m, &a), 0);
	assert_rel(m, 20.0, 1e-14);
	assert_rel(a, 40.0, 1e-12);			/* 0.00004 in (per 1,000)^2 */
	assert_rel(eb[0], 25.0, 1e-14);
	assert_rel(eb[1], 20.0 - 10.0 / 6.0, 1e-14);
	assert_rel(eb[2], 20.0 - 20.0 / 7.0, 1e-14);
	assert_rel(eb[3], 20.0, 1e-14);
	assert_true(isnan(eb[4]) && isnan(eb[5]));
	score_rates(6, y, pop, rate);
	assert_rel(rate[0], 50.0, 1e-15);
	assert_true(isnan(rate[4]) && isnan(rate[5]));

	/* no extra variation: a = 0.0001 - 0.01/100 < 0 is clamped, every area gets m */
	{
		double		p2[2] = {100, 100},
					y2[2] = {1, 1},
					e2[2];

		assert_int_equal(score_eb_global(2, y2, p2, e2, &m, &a), 0);
		assert_close(a, 0.0, 0.0);
		assert_rel(e2[0], 10.0, 1e-15);
	}
	/* nothing to estimate from */
	assert_int_equal(score_eb_global(1, y, (double[]) {0}, eb, NULL, NULL), -1);
}

/*
 * Spatial EB by hand on a line 0-1-2, pop 100 each, cases 0, 10, 40 (r = 0, .1, .4);
 * local means m0 = .05 ({0,1}), m1 = 1/6 ({0,1,2}), m2 = .25 ({1,2}).
 * spdep default, C_i = sum_j pop_j (r_j - m_j)^2:
 *   area 0: C = 100(.05^2 + (1/15)^2) = 25/36, a = 25/7200 - .0005 = 107/36000,
 *           shrink = 107/125, EB = .05 * 18/125 = .0072                    -> 7.2
 *   area 1: C = 100(.0025 + 1/225 + .0225) = 53/18, a = 53/5400 - 1/600 = 44/5400,
 *           shrink = 44/53, EB = 1/6 - (1/15)(44/53) = 531/4770             -> 111.3207..
 *   area 2: C = 100(1/225 + .0225) = 97/36, a = 97/7200 - 18/7200 = 79/7200,
 *           shrink = 79/97, EB = .25 + .15 * 79/97                         -> 372.1649..
 * geoda = TRUE, C_i = sum_j pop_j (r_j - m_i)^2:
 *   area 0: C = .5, a = .5/200 - .05/100 = .002, EB = .05 - .05 * .8 = .01  -> 10
 *   area 1: C = 26/3, a = 26/900 - 1/600 = 49/1800, EB = 1/6 - (1/15)(49/52) -> 103.846..
 *   area 2: C = 4.5, a = .0225 - .0025 = .02, EB = .25 + .15 * 8/9          -> 383.33..
 */
static void
test_eb_spatial_hand(void **state)
{
	weights    *w = grid_weights(1, 3, 0);
	double		pop[3] = {100, 100, 100},
				y[3] = {0, 10, 40},
				eb[3];

	(void) state;
	assert_int_equal(score_eb_spatial(3, y, pop, w, eb), 0);
	assert_rel(eb[0], 7.2, 1e-13);
	assert_rel(eb[1], 531000.0 / 4770.0, 1e-13);
	assert_rel(eb[2], 250.0 + 11850.0 / 97.0, 1e-13);
	assert_int_equal(score_eb_spatial_ex(3, y, pop, w, 1, eb), 0);
	assert_rel(eb[0], 10.0, 1e-13);
	assert_rel(eb[1], 81000.0 / 780.0, 1e-13);
	assert_rel(eb[2], 1150.0 / 3.0, 1e-13);
	free_weights(w);
}

/*
 * Local Moran by hand on a line 0-1-2-3, x = 1, 2, 3, 6: mean 3, deviations -2 -1 0 3,
 * s2 = 14/4 = 3.5, sum z^2 = n = 4, I_i = (n-1) z_i lag_i / 4 = 0.75 d_i lagd_i / 3.5.
 *   0: lag dev -1        -> I = 0.75 * 2/3.5 = 3/7, LL
 *   1: lag dev (-2+0)/2  -> I = 0.75 * 1/3.5 = 3/14, LL
 *   2: dev 0, lag dev +1 -> I = 0, z = 0 counts as low: LH
 *   3: dev 3, lag dev 0  -> I = 0, lag = 0 counts as low: HL
 */
static void
test_local_moran_hand(void **state)
{
	weights    *w = grid_weights(1, 4, 0);
	double		x[4] = {1, 2, 3, 6},
				I[4],
				psim[4];
	int			q[4];

	(void) state;
	score_local_moran(4, x, w, I, q);
	assert_close(I[0], 3.0 / 7.0, 1e-15);
	assert_close(I[1], 3.0 / 14.0, 1e-15);
	assert_close(I[2], 0.0, 1e-15);
	assert_close(I[3], 0.0, 1e-15);
	assert_int_equal(q[0], 3);
	assert_int_equal(q[1], 3);
	assert_int_equal(q[2], 2);
	assert_int_equal(q[3], 4);
	assert_string_equal(score_quad_name(q[0]), "LL");
	assert_string_equal(score_quad_name(0), "");
	/* z = 0: I is 0 under every permutation, so no evidence: p = 1 */
	assert_int_equal(score_lisa_perm(4, x, w, 99, 1, psim), 0);
	assert_close(psim[2], 1.0, 0.0);
	free_weights(w);
}

/* Published test vectors: splitmix64 seed 1234567; xoshiro256++ from state {1,2,3,4}. */
static void
test_rng_vectors(void **state)
{
	uint64_t	sm = 1234567;
	score_rng	g = {{1, 2, 3, 4}};
	score_rng	a,
				b;
	long		hist[3] = {0, 0, 0};

	(void) state;
	assert_true(score_splitmix64(&sm) == UINT64_C(6457827717110365317));
	assert_true(score_splitmix64(&sm) == UINT64_C(3203168211198807973));
	assert_true(score_splitmix64(&sm) == UINT64_C(9817491932198370423));
	assert_true(score_rng_next(&g) == UINT64_C(41943041));
	assert_true(score_rng_next(&g) == UINT64_C(58720359));
	assert_true(score_rng_next(&g) == UINT64_C(3588806011781223));
	assert_true(score_rng_next(&g) == UINT64_C(3591011842654386));
	assert_true(score_rng_next(&g) == UINT64_C(9228616714210784205));
	score_rng_seed(&a, 7, 0);
	score_rng_seed(&b, 7, 1);
	assert_true(score_rng_next(&a) != score_rng_next(&b));
	for (int i = 0; i < 30000; i++)
	{
		uint32_t	v = score_rng_below(&a, 3);

		assert_true(v < 3);
		hist[v]++;
	}
	for (int v = 0; v < 3; v++)
		assert_true(labs(hist[v] - 10000) < 400);	/* > 4 sd off would be a bug */

	/*
	 * Bias check: range 3 * 2^30 maps 4 raw values onto 3, so without Lemire's rejection
	 * v % 3 == 0 would come up half the time instead of a third.
	 */
	hist[0] = 0;
	for (int i = 0; i < 3000; i++)
		hist[0] += score_rng_below(&a, UINT32_C(3221225472)) % 3 == 0;
	assert_true(labs(hist[0] - 1000) < 120);

	/* stream s of seed: splitmix64 outputs 4s+1 .. 4s+4 after splitmix64(seed) */
	{
		uint64_t	st = 20240101,
					base = score_splitmix64(&st);
		score_rng	s0,
					s1;

		score_rng_seed(&s0, 20240101, 0);
		score_rng_seed(&s1, 20240101, 1);
		st = base;
		for (int j = 0; j < 4; j++)
			assert_true(s0.s[j] == score_splitmix64(&st));
		for (int j = 0; j < 4; j++)
			assert_true(s1.s[j] == score_splitmix64(&st));
	}
}

/*
 * Permutation p against the exact conditional distribution: enumerate every k-subset of
 * the other areas (k = 2 on a ring of 25: sparse rejection path; k = 6 of 9: dense
 * Fisher–Yates path) and compare the folded share with the pseudo-p.
 */
static void
check_exact(size_t n, const weights *w, const double *x, size_t i, double mean)
{
	size_t		k = w->off[i + 1] - w->off[i];
	double		obs = 0.0,
				psim[32];
	long		ge = 0,
				tot = 0;
	int			dir = x[i] > mean ? 1 : -1;
	const int	P = 19999;
	uint32_t	idx[8],
				others[32],
				no = 0;

	for (size_t j = w->off[i]; j < w->off[i + 1]; j++)
		obs += x[w->nbr[j]];
	for (uint32_t v = 0; v < n; v++)
		if (v != i)
			others[no++] = v;
	for (size_t t = 0; t < k; t++)
		idx[t] = (uint32_t) t;
	for (;;)
	{
		double		s = 0.0;
		size_t		t;

		for (t = 0; t < k; t++)
			s += x[others[idx[t]]];
		ge += dir > 0 ? s >= obs : s <= obs;
		tot++;
		/* next combination in lexicographic order */
		for (t = k; t-- > 0;)
			if (idx[t] < no - k + t)
				break;
		if (t == (size_t) -1)
			break;
		idx[t]++;
		for (size_t u = t + 1; u < k; u++)
			idx[u] = idx[u - 1] + 1;
	}
	{
		double		f = (double) ge / (double) tot;
		double		fold = f < 1.0 - f ? f : 1.0 - f;

		assert_int_equal(score_lisa_perm(n, x, w, P, 99, psim), 0);
		assert_close(psim[i], fold, 4.0 * sqrt(0.25 / P) + 2.0 / P);
	}
}

static void
test_perm_exact(void **state)
{
	weights    *ring = ring_weights(25, 1);
	weights    *dense = ring_weights(10, 3);	/* 6 links out of 9 others */
	double		x[25],
				mean,
				s2;

	(void) state;
	for (int i = 0; i < 25; i++)
		x[i] = floor(lcg_uniform() * 20.0);
	x[3] = 30.0;
	x[2] = x[4] = 25.0;
	x[10] = 0.0;
	score_mean_var(25, x, &mean, &s2);
	check_exact(25, ring, x, 3, mean);
	check_exact(25, ring, x, 10, mean);
	score_mean_var(10, x, &mean, &s2);
	check_exact(10, dense, x, 3, mean);
	check_exact(10, dense, x, 8, mean);
	free_weights(ring);
	free_weights(dense);
}

static void
test_perm_threads(void **state)
{
	weights    *w = grid_weights(30, 30, 1);
	size_t		n = 900;
	double	   *x = malloc(n * sizeof(double)),
			   *a = malloc(n * sizeof(double)),
			   *b = malloc(n * sizeof(double)),
			   *c = malloc(n * sizeof(double));
	int			nthreads = omp_get_max_threads();
	size_t		differ = 0,
				sig = 0;

	(void) state;
	assert_true(x && a && b && c);
	for (size_t i = 0; i < n; i++)
		x[i] = floor(lcg_uniform() * 50.0);
	for (int gi = 0; gi < 2; gi++)
	{
		int			(*f) (size_t, const double *, const weights *, int, uint64_t, double *) =
			gi ? score_gi_perm : score_lisa_perm;

		omp_set_num_threads(1);
		assert_int_equal(f(n, x, w, 999, 20240101, a), 0);
		omp_set_num_threads(2);
		assert_int_equal(f(n, x, w, 999, 20240101, b), 0);
		assert_memory_equal(a, b, n * sizeof(double));
		assert_int_equal(f(n, x, w, 999, 20240102, c), 0);
		differ = 0;
		for (size_t i = 0; i < n; i++)
		{
			assert_true(a[i] >= 1.0 / 1000.0 && a[i] <= 0.5 + 1e-12);
			differ += a[i] != c[i];
		}
		assert_true(differ > n / 2);
	}
	/* rows of 80 links take the Fisher–Yates path; its scratch must not carry state */
	{
		weights    *d = ring_weights(600, 40);

		omp_set_num_threads(1);
		assert_int_equal(score_lisa_perm(600, x, d, 199, 3, a), 0);
		omp_set_num_threads(2);
		assert_int_equal(score_lisa_perm(600, x, d, 199, 3, b), 0);
		assert_memory_equal(a, b, 600 * sizeof(double));
		free_weights(d);
	}
	omp_set_num_threads(nthreads);
	/* random data: the folded pseudo-p is one-tailed, so about 10 % fall at <= 0.05 */
	assert_int_equal(score_lisa_perm(n, x, w, 999, 5, a), 0);
	for (size_t i = 0; i < n; i++)
		sig += a[i] <= 0.05;
	assert_true(sig > 45 && sig < 135);
	free(x);
	free(a);
	free(b);
	free(c);
	free_weights(w);
}

static void
test_fdr(void **state)
{
	/* step-up: 0.025 fails at k = 2 (0.02) but 0.027 passes at k = 4 (0.04) */
	double		p1[6] = {0.027, 0.005, 0.6, 0.026, NAN, 0.025},
				p2[10] = {0.004, 0.04, 0.09, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99},
				z2[10],
				alpha[3] = {0.01, 0.05, 0.10},
				thr[3];
	int			keep[10],
				bin[10];

	(void) state;
	score_fdr_bh(6, p1, 0.05, keep);
	assert_int_equal(keep[0], 1);
	assert_int_equal(keep[1], 1);
	assert_int_equal(keep[2], 0);
	assert_int_equal(keep[3], 1);
	assert_int_equal(keep[4], 0);
	assert_int_equal(keep[5], 1);
	assert_int_equal(score_fdr_thresholds(6, p1, alpha, 3, thr), 0);
	assert_close(thr[0], -1.0, 0.0);	/* at 0.01 even 0.005 > 1/5 * 0.01 */
	assert_close(thr[1], 0.027, 0.0);
	assert_close(thr[2], 0.027, 0.0);

	/*
	 * m = 10: at 0.01 nothing (0.004 > 0.001); at 0.05 only 0.004 (0.04 > 0.01);
	 * at 0.10 only 0.004 (0.04 > 0.02).  Raw bins 3, 2, 1 become 2, 0, 0.
	 */
	for (int i = 0; i < 10; i++)
		z2[i] = i == 1 ? -2.05 : 2.0;
	assert_int_equal(score_bins_fdr(10, z2, p2, 0.05, bin), 0);
	assert_int_equal(bin[0], 2);
	assert_int_equal(bin[1], 0);
	assert_int_equal(bin[2], 0);
	assert_int_equal(bin[3], 0);
	/* a looser q never promotes beyond the plain bin */
	assert_int_equal(score_bins_fdr(6, (double[]) {3, 3, 3, 3, 3, 3}, p1, 0.2, bin), 0);
	assert_int_equal(bin[1], 3);		/* q/5 = 0.04: 0.005 <= thr, plain bin 3 kept */
	assert_int_equal(bin[0], 2);		/* 0.027 at 0.04 survives, but plain bin is 2 */
	assert_int_equal(bin[4], 0);
}

/* Inputs for score_compute on the 5x5 block grid, value analysed directly (pop NULL). */
static void
run_block(score_result *r, const score_options *o, const double *prev_z, const int *prev_bin)
{
	static double x[25];
	weights    *w = grid_weights(5, 5, 1);
	score_input in = {0};
	char		err[256];

	block_values(x);
	in.n = 25;
	in.count = x;
	in.w = w;
	in.prev_z = prev_z;
	in.prev_bin = prev_bin;
	assert_int_equal(score_compute(&in, o, r, err, sizeof(err)), 0);
	free_weights(w);
}

static void
test_compute_trend_priority(void **state)
{
	score_options o;
	score_result r,
				r2;
	double		prev_z[25];
	int			prev_bin[25] = {0};

	(void) state;
	score_options_default(&o);
	assert_int_equal(o.permutations, 999);
	assert_true(o.seed == 20240101 && o.fdr_q == 0.0 && o.lisa_alpha == 0.05);
	run_block(&r, &o, NULL, NULL);
	/* no previous run: no trend; block centre is the top priority */
	assert_int_equal(r.trend[6], TREND_NONE);
	assert_int_equal(r.gi_bin[6], 3);
	assert_int_equal(r.lisa_quad[6], 1);
	assert_string_equal(r.reasons[6], "99 % hotspot, HH cluster");
	assert_close(r.priority[6], 10.0 * (1.0 + 0.5 * 3 + 0.5), 1e-12);
	/* cells 0, 1, 5, 6 all have 99 % + HH and value 10: tied, ranked by index */
	assert_close(r.priority[0], r.priority[6], 0.0);
	assert_int_equal(r.rank[0], 1);
	assert_int_equal(r.rank[6], 4);
	assert_true(isnan(r.d_z[6]));
	assert_string_equal(r.reasons[20], "not significant");
	/* ranks are a permutation of 1..25 with ties by lower index */
	for (int i = 0; i < 25; i++)
		for (int j = i + 1; j < 25; j++)
		{
			assert_int_not_equal(r.rank[i], r.rank[j]);
			if (r.priority[i] == r.priority[j])
				assert_true(r.rank[i] < r.rank[j]);
		}

	/* previous run: 6 new (was 0), 0 intensifying (+1), 1 persistent (-0.1),
	 * 7 diminishing (-1), 12 no longer a hotspot (was 2) */
	for (int i = 0; i < 25; i++)
		prev_z[i] = r.gi_z[i];
	prev_bin[0] = 3;
	prev_z[0] = r.gi_z[0] - 1.0;
	prev_bin[1] = 3;
	prev_z[1] = r.gi_z[1] + 0.1;
	prev_bin[7] = 3;
	prev_z[7] = r.gi_z[7] + 1.0;
	prev_bin[12] = 2;
	assert_int_equal(r.gi_bin[7], 2);
	run_block(&r2, &o, prev_z, prev_bin);
	assert_int_equal(r2.trend[6], TREND_NEW);
	assert_int_equal(r2.trend[0], TREND_INTENSIFYING);
	assert_int_equal(r2.trend[1], TREND_PERSISTENT);
	assert_int_equal(r2.trend[7], TREND_DIMINISHING);
	assert_int_equal(r2.trend[12], TREND_DIMINISHING);
	assert_int_equal(r2.trend[20], TREND_NONE);
	assert_close(r2.d_z[0], 1.0, 1e-12);
	assert_string_equal(r2.reasons[6], "99 % hotspot, HH cluster, new");
	assert_string_equal(r2.reasons[0], "99 % hotspot, HH cluster, rising");
	assert_string_equal(r2.reasons[12], "no longer a hotspot");
	assert_close(r2.priority[6], 10.0 * (1.0 + 1.5 + 0.5 + 0.25), 1e-12);
	assert_string_equal(score_trend_name(r2.trend[7]), "diminishing");
	assert_string_equal(r2.reasons[7], "95 % hotspot, HH cluster, falling");
	score_result_free(&r2);

	/*
	 * FDR changes bins only.  m = 25; BH thresholds: at 0.01 the largest p_(k) <= k*0.0004
	 * is 0.0002 (k = 3), at 0.05 (k*0.002) it is 0.0044 (k = 4), at 0.10 (k*0.004) 0.0512
	 * (k = 13).  So cell 0 (p 0.0044) drops 3 -> 2, cells 7 (0.0181) 2 -> 1 and 9 (0.0431)
	 * -2 -> -1, cell 2 (0.0767) 1 -> 0; cell 6 (p ~ 1e-6) and 18 (0.0512, -1) keep theirs.
	 */
	o.fdr_q = 0.05;
	run_block(&r2, &o, NULL, NULL);
	assert_int_equal(r2.gi_bin[0], 2);
	assert_int_equal(r2.gi_bin[6], 3);
	assert_int_equal(r2.gi_bin[7], 1);
	assert_int_equal(r2.gi_bin[9], -1);
	assert_int_equal(r2.gi_bin[2], 0);
	assert_int_equal(r2.gi_bin[18], -1);
	assert_string_equal(r2.reasons[0], "95 % hotspot, HH cluster");
	for (int i = 0; i < 25; i++)
	{
		assert_close(r2.gi_z[i], r.gi_z[i], 0.0);
		assert_close(r2.gi_p[i], r.gi_p[i], 0.0);
		assert_true(abs(r2.gi_bin[i]) <= abs(r.gi_bin[i]));
	}
	score_result_free(&r2);
	score_result_free(&r);
	score_result_free(&r);		/* twice is harmless */
	score_result_free(NULL);
}

static void
test_islands_zero_variance(void **state)
{
	weights    *g = grid_weights(3, 3, 0);
	weights		w = {0};
	double		pop[10] = {100, 120, 90, 80, 100, 110, 95, 105, 100, 50},
				y[10] = {1, 9, 2, 3, 12, 4, 0, 5, 2, 3};
	score_input in = {0};
	score_options o;
	score_result r;
	char		err[256];

	(void) state;
	/* the 3x3 rook grid plus area 9 with no links */
	w.n = 10;
	w.off = calloc(11, sizeof(size_t));
	assert_non_null(w.off);
	memcpy(w.off, g->off, 10 * sizeof(size_t));
	w.off[10] = w.off[9];
	w.nbr = g->nbr;
	w.w = g->w;
	in.n = 10;
	in.pop = pop;
	in.count = y;
	in.w = &w;
	score_options_default(&o);
	o.gi_permutations = 1;
	assert_int_equal(score_compute(&in, &o, &r, err, sizeof(err)), 0);
	assert_int_equal(r.island[9], 1);
	assert_int_equal(r.island[4], 0);
	assert_true(isnan(r.gi_z[9]) && isnan(r.gi_p[9]) && isnan(r.gi_psim[9]));
	assert_true(isnan(r.lisa_i[9]) && isnan(r.lisa_p[9]));
	assert_int_equal(r.gi_bin[9], 0);
	assert_int_equal(r.lisa_quad[9], 0);
	assert_string_equal(r.reasons[9], "no neighbours");
	assert_true(isfinite(r.gi_z[4]) && isfinite(r.lisa_p[4]) && isfinite(r.gi_psim[4]));
	assert_rel(r.expected[4], pop[4] * r.eb_rate[4] / 1000.0, 1e-15);
	score_result_free(&r);

	/* zero variance: counts analysed, all equal */
	for (int i = 0; i < 10; i++)
		y[i] = 4;
	o.variable = SCORE_VAR_COUNT;
	assert_int_equal(score_compute(&in, &o, &r, err, sizeof(err)), 0);
	for (int i = 0; i < 10; i++)
	{
		assert_true(isnan(r.gi_z[i]) && isnan(r.gi_p[i]) && isnan(r.lisa_i[i]));
		assert_true(isnan(r.lisa_p[i]) && isnan(r.gi_psim[i]));
		assert_int_equal(r.gi_bin[i], 0);
		assert_int_equal(r.lisa_quad[i], 0);
	}
	assert_string_equal(r.reasons[0], "no variation");
	assert_string_equal(r.reasons[9], "no neighbours");
	score_result_free(&r);

	/* an area without households: no rate, analysed at the global mean */
	pop[2] = 0;
	y[4] = 9;
	o.variable = SCORE_VAR_EB;
	assert_int_equal(score_compute(&in, &o, &r, err, sizeof(err)), 0);
	assert_true(isnan(r.rate[2]) && isnan(r.eb_rate[2]));
	assert_close(r.x[2], r.eb_m, 0.0);
	assert_close(r.expected[2], 0.0, 0.0);
	assert_non_null(strstr(r.reasons[2], "no households"));
	score_result_free(&r);

	/* bad input is an error, not a crash */
	y[1] = NAN;
	assert_int_equal(score_compute(&in, &o, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a finite number"));
	y[1] = 4;
	w.n = 9;
	assert_int_equal(score_compute(&in, &o, &r, err, sizeof(err)), -1);
	free(w.off);
	free_weights(g);
}

/* Read a CSV of numbers (header skipped) into rows x cols doubles; returns rows read. */
static size_t
read_csv(const char *path, double *v, size_t maxrows, int cols)
{
	FILE	   *f = fopen(path, "r");
	char		line[4096];
	size_t		rows = 0;

	if (f == NULL)
		fail_msg("cannot open %s", path);
	if (fgets(line, sizeof(line), f) == NULL)
		fail_msg("empty %s", path);
	while (rows < maxrows && fgets(line, sizeof(line), f))
	{
		char	   *p = line;

		for (int c = 0; c < cols; c++)
		{
			char	   *end;

			v[rows * cols + c] = strtod(p, &end);
			if (end == p)
				fail_msg("%s: bad number in row %zu", path, rows + 1);
			p = end + (*end == ',');
		}
		rows++;
	}
	fclose(f);
	return rows;
}

/*
 * tests/spdep_check.R: under $VSP_SRCDIR, else beside this source file as compiled, else
 * beside the test binary (bin/../tests).  The first that exists wins.
 */
static void
find_script(char *buf, size_t len)
{
	const char *src = getenv("VSP_SRCDIR");
	const char *slash = strrchr(__FILE__, '/');
	char		exe[2048];
	ssize_t		k;

	if (src && *src)
	{
		snprintf(buf, len, "%s/tests/spdep_check.R", src);
		return;
	}
	snprintf(buf, len, "%.*sspdep_check.R", slash ? (int) (slash - __FILE__ + 1) : 0, __FILE__);
	if (access(buf, R_OK) == 0)
		return;
	k = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (k > 0)
	{
		char	   *d;

		exe[k] = '\0';
		d = strrchr(exe, '/');
		if (d)
			*d = '\0';
		snprintf(buf, len, "%s/../tests/spdep_check.R", exe);
	}
}

/*
 * Cross-check with R spdep on a 15x15 queen grid with some links removed and one island:
 * Gi* z and Local Moran I to 1e-9 absolute, global and spatial EB to 1e-12 relative, and
 * the whole score_compute path (Gi* of the EB rate).
 */
static void
test_spdep(void **state)
{
	const char *nor = getenv("VSP_NO_R");
	enum {N = 225, RC = 9};
	weights    *w;
	double		y[N], pop[N], x[N], z[N], p[N], I[N], eb[N], ebl[N], eblg[N], m, a;
	double	   *ref = malloc(sizeof(double) * N * RC);
	double		par[2];
	char	   *dir, script[4096], cmd[12288], path[4200];
	double		dz = 0, dI = 0, deb = 0, debl = 0, dgeb = 0;
	score_options o;
	score_result r;
	score_input in = {0};
	FILE	   *f;

	(void) state;
	if (nor && strcmp(nor, "1") == 0)
	{
		free(ref);
		skip();
	}
	assert_non_null(ref);
	find_script(script, sizeof(script));
	w = grid_weights(15, 15, 1);
	drop_link(w, 0, 1);
	drop_link(w, 16, 32);
	drop_link(w, 100, 116);
	drop_link(w, 100, 101);
	drop_link(w, 200, 216);
	for (uint32_t nb = 0; nb < N; nb++)		/* area 112 becomes an island */
		drop_link(w, 112, nb);
	lcg_state = 2024;
	for (int i = 0; i < N; i++)
	{
		pop[i] = floor(20.0 + lcg_uniform() * 480.0);
		y[i] = floor(lcg_uniform() * pop[i] * (0.02 + 0.06 * (i % 15 < 6)));
		x[i] = 1000.0 * y[i] / pop[i];
	}

	dir = test_tmpdir();
	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/areas.csv", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "id,y,n,x\n");
	for (int i = 0; i < N; i++)
		fprintf(f, "%d,%.17g,%.17g,%.17g\n", i + 1, y[i], pop[i], x[i]);
	fclose(f);
	snprintf(path, sizeof(path), "%s/weights.gal", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "0 %d test id\n", N);
	for (int i = 0; i < N; i++)
	{
		fprintf(f, "%d %zu\n", i + 1, w->off[i + 1] - w->off[i]);
		for (size_t j = w->off[i]; j < w->off[i + 1]; j++)
			fprintf(f, "%s%u", j > w->off[i] ? " " : "", w->nbr[j] + 1);
		fprintf(f, "\n");
	}
	fclose(f);

	snprintf(cmd, sizeof(cmd), "Rscript '%s' '%s' > '%s/r.log' 2>&1", script, dir, dir);
	if (system(cmd) != 0)
	{
		char		log[1024] = "";

		snprintf(path, sizeof(path), "%s/r.log", dir);
		f = fopen(path, "r");
		if (f)
		{
			size_t		k = fread(log, 1, sizeof(log) - 1, f);

			log[k] = '\0';
			fclose(f);
		}
		fail_msg("spdep cross-check needs Rscript with spdep (set VSP_NO_R=1 to skip): %s\n%s",
				 cmd, log);
	}
	snprintf(path, sizeof(path), "%s/spdep.csv", dir);
	assert_int_equal(read_csv(path, ref, N, RC), N);
	snprintf(path, sizeof(path), "%s/spdep_params.csv", dir);
	assert_int_equal(read_csv(path, par, 1, 2), 1);

	score_gi_star(N, x, w, z, p);
	score_local_moran(N, x, w, I, NULL);
	assert_int_equal(score_eb_global(N, y, pop, eb, &m, &a), 0);
	assert_int_equal(score_eb_spatial(N, y, pop, w, ebl), 0);
	assert_int_equal(score_eb_spatial_ex(N, y, pop, w, 1, eblg), 0);
	score_options_default(&o);
	o.permutations = 0;
	in.n = N;
	in.pop = pop;
	in.count = y;
	in.w = w;
	assert_int_equal(score_compute(&in, &o, &r, path, sizeof(path)), 0);
	assert_true(isnan(z[112]) && isnan(I[112]));
	for (int i = 0; i < N; i++)
	{
		const double *R = ref + (size_t) i * RC;	/* id G_B G_W I_esda I_ml eb ebl G_eb eblg */

		assert_close(R[1], R[2], 1e-12);		/* spdep itself: B and W give the same Gi* */
		if (isnan(R[6]))
			assert_close(ebl[i], 0.0, 0.0);
		else
			assert_rel(ebl[i], R[6], 1e-12);
		if (isnan(R[8]))
			assert_close(eblg[i], 0.0, 0.0);	/* no cases around: spdep 0/0, vsp m_i = 0 */
		else
			assert_rel(eblg[i], R[8], 1e-12);
		assert_rel(eb[i], R[5], 1e-12);
		assert_rel(r.eb_rate[i], R[5], 1e-12);
		deb = fmax(deb, fabs(eb[i] - R[5]) / R[5]);
		if (!isnan(R[6]))
			debl = fmax(debl, fabs(ebl[i] - R[6]) / R[6]);
		if (!isnan(R[8]))
			debl = fmax(debl, fabs(eblg[i] - R[8]) / R[8]);
		if (i == 112)
			continue;			/* island: NaN here, spdep scores it against itself */
		assert_close(z[i], R[1], 1e-9);
		assert_close(I[i], R[3], 1e-9);
		assert_close(I[i] * N / (N - 1.0), R[4], 1e-9);	/* spdep's default scaling */
		assert_close(r.gi_z[i], R[7], 1e-9);
		dz = fmax(dz, fabs(z[i] - R[1]));
		dI = fmax(dI, fabs(I[i] - R[3]));
		dgeb = fmax(dgeb, fabs(r.gi_z[i] - R[7]));
	}
	assert_rel(m, 1000.0 * par[1], 1e-12);
	assert_rel(a, 1e6 * par[0], 1e-12);
	print_message("spdep agreement: Gi* z %.2e, Local Moran I %.2e (abs); EB %.2e, EBlocal %.2e (rel); "
				  "Gi* of EB %.2e (abs)\n", dz, dI, deb, debl, dgeb);
	score_result_free(&r);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		print_message("could not remove %s\n", dir);
	free(dir);
	free(ref);
	free_weights(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gi_star_grid),
		cmocka_unit_test(test_eb_global_hand),
		cmocka_unit_test(test_eb_spatial_hand),
		cmocka_unit_test(test_local_moran_hand),
		cmocka_unit_test(test_rng_vectors),
		cmocka_unit_test(test_perm_exact),
		cmocka_unit_test(test_perm_threads),
		cmocka_unit_test(test_fdr),
		cmocka_unit_test(test_compute_trend_priority),
		cmocka_unit_test(test_islands_zero_variance),
		cmocka_unit_test(test_spdep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
