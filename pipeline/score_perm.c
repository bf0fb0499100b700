/*
 * pipeline/score_perm.c — conditional permutation pseudo p-values for Local Moran's I and
 * Gi*, and the random numbers behind them.
 *
 * Conditional randomisation (Anselin 1995; esda crand): area i keeps its own value and
 * its k_i neighbours are replaced by k_i distinct other areas drawn at random.  Each area
 * has its own xoshiro256++ generator seeded from (seed, i) through splitmix64, so the
 * result for an area depends on nothing else: identical for any OpenMP thread count and
 * schedule.  Generators: Blackman & Vigna, "Scrambled linear pseudorandom number
 * generators" (2021); bounded integers: Lemire, "Fast random integer generation in an
 * interval" (2019).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "score.h"

#define GOLDEN_GAMMA	UINT64_C(0x9e3779b97f4a7c15)

/* Rows with at most this many neighbours sample by rejection into a stack array, */
#define SMALL_K			64
/* BLOCK permutations at a time, so their memory loads overlap. */
#define BLOCK			16

static inline uint64_t
rotl(uint64_t v, int k)
{
	return (v << k) | (v >> (64 - k));
}

static inline uint64_t
splitmix_next(uint64_t *state)
{
	uint64_t	z = (*state += GOLDEN_GAMMA);

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static inline uint64_t
xoshiro_next(score_rng *g)
{
	uint64_t   *s = g->s;
	uint64_t	result = rotl(s[0] + s[3], 23) + s[0];
	uint64_t	t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

static inline void
rng_seed(score_rng *g, uint64_t seed, uint64_t stream)
{
	uint64_t	st = seed;

	st = splitmix_next(&st);
	st += stream * 4 * GOLDEN_GAMMA;
	for (int j = 0; j < 4; j++)
		g->s[j] = splitmix_next(&st);
	/* the all-zero state is the one xoshiro cannot leave; splitmix makes it ~impossible */
	if ((g->s[0] | g->s[1] | g->s[2] | g->s[3]) == 0)
		g->s[0] = GOLDEN_GAMMA;
}

/*
 * Lemire's multiply-shift with rejection: uniform in [0, range).  reject is
 * (2^32 - range) mod range, precomputed by the caller because range is fixed per run.
 */
static inline uint32_t
rng_below(score_rng *g, uint32_t range, uint32_t reject)
{
	uint64_t	m = (xoshiro_next(g) >> 32) * (uint64_t) range;

	while ((uint32_t) m < reject)
		m = (xoshiro_next(g) >> 32) * (uint64_t) range;
	return (uint32_t) (m >> 32);
}

uint64_t
score_splitmix64(uint64_t *state)
{
	return splitmix_next(state);
}

void
score_rng_seed(score_rng *g, uint64_t seed, uint64_t stream)
{
	rng_seed(g, seed, stream);
}

uint64_t
score_rng_next(score_rng *g)
{
	return xoshiro_next(g);
}

uint32_t
score_rng_below(score_rng *g, uint32_t range)
{
	if (range <= 1)
		return 0;
	return rng_below(g, range, (uint32_t) (-range) % range);
}

/* Per-thread scratch for rows too dense for rejection sampling. */
typedef struct perm_scratch
{
	uint32_t   *idx;			/* identity 0..n-2 between uses */
	uint32_t   *swp;			/* the swap partner of each step, to undo them */
} perm_scratch;

/*
 * Picks for nb permutations of k values each, drawn without replacement from the n-1 areas
 * other than i (an index in [0, n-1) is shifted past i and redrawn if already picked), into
 * pk[b*k + t].  Whole blocks are drawn before any value is read, with a prefetch per pick,
 * so the cache misses on x overlap instead of stalling one draw at a time.
 */
static inline void
draw_block_small(const double *x, uint32_t i, uint32_t others, uint32_t reject, size_t k,
				 int nb, score_rng *g, uint32_t *pk)
{
	for (int b = 0; b < nb; b++, pk += k)
		for (size_t t = 0; t < k; t++)
		{
			uint32_t	v;
			size_t		u;

			do
			{
				v = rng_below(g, others, reject);
				v += v >= i;
				for (u = 0; u < t && pk[u] != v; u++)
					;
			} while (u < t);
			pk[t] = v;
			__builtin_prefetch(&x[v]);
		}
}

/*
 * The same by partial Fisher–Yates over sc->idx, the swaps undone afterwards so the array
 * is the identity again for the next permutation (O(k), not O(n), per permutation).
 * Bounds are per step here, so the rejection threshold is computed each time.
 */
static double
draw_sum_dense(const double *x, uint32_t i, uint32_t others, size_t k, score_rng *g,
			   perm_scratch *sc)
{
	double		sum = 0.0;
	uint32_t   *a = sc->idx;

	for (size_t t = 0; t < k; t++)
	{
		uint32_t	range = others - (uint32_t) t;
		uint32_t	r = (uint32_t) t + score_rng_below(g, range);
		uint32_t	tmp = a[t];
		uint32_t	v;

		a[t] = a[r];
		a[r] = tmp;
		sc->swp[t] = r;
		v = a[t];
		v += v >= i;
		sum += x[v];
	}
	for (size_t t = k; t-- > 0;)
	{
		uint32_t	r = sc->swp[t];
		uint32_t	tmp = a[t];

		a[t] = a[r];
		a[r] = tmp;
	}
	return sum;
}

/*
 * Shared driver.  M counts the simulated statistics >= the observed one.  For Local Moran
 * (lisa != 0) I_sim >= I_obs is sum_sim >= sum_obs when z_i > 0 and sum_sim <= sum_obs
 * when z_i < 0; for Gi* (lisa = 0), whose z grows with the sum, it is sum_sim >= sum_obs.
 * Comparing sums of the raw x rather than I keeps ties exact for integer data.
 */
static int
perm_run(size_t n, const double *x, const weights *w, int perms, uint64_t seed,
		 int lisa, double *psim)
{
	double		mean = 0.0,
				s2;
	uint32_t	others,
				reject;
	size_t		maxk = 0;
	int			failed = 0;

	if (perms <= 0 || n < 2 || score_mean_var(n, x, &mean, &s2))
	{
		/* no permutations asked, or nothing to permute (constant x) */
		for (size_t i = 0; i < n; i++)
			psim[i] = NAN;
		return 0;
	}
	if (n - 1 > UINT32_MAX)
		return -1;
	others = (uint32_t) (n - 1);
	reject = (uint32_t) (-others) % others;
	for (size_t i = 0; i < n; i++)
		if (w->off[i + 1] - w->off[i] > maxk)
			maxk = w->off[i + 1] - w->off[i];

#pragma omp parallel
	{
		perm_scratch sc = {NULL, NULL};

#pragma omp for schedule(dynamic, 256)
		for (size_t i = 0; i < n; i++)
		{
			size_t		k = w->off[i + 1] - w->off[i];
			double		obs = 0.0;
			int			dir = 1;
			long		count = 0;
			score_rng	g;

			if (k == 0)
			{
				psim[i] = NAN;
				continue;
			}
			if (lisa)
				dir = x[i] > mean ? 1 : (x[i] < mean ? -1 : 0);
			if (dir == 0 || k >= others)
			{
				/* I_i = 0 whatever the neighbours, or no other draw possible */
				psim[i] = 1.0;
				continue;
			}
			for (size_t j = w->off[i]; j < w->off[i + 1]; j++)
				obs += x[w->nbr[j]];
			rng_seed(&g, seed, (uint64_t) i);

			if (k <= SMALL_K && 2 * k <= others)
			{
				uint32_t	blk[BLOCK * SMALL_K];

				for (int p0 = 0; p0 < perms; p0 += BLOCK)
				{
					int			nb = perms - p0 < BLOCK ? perms - p0 : BLOCK;

					draw_block_small(x, (uint32_t) i, others, reject, k, nb, &g, blk);
					for (int b = 0; b < nb; b++)
					{
						const uint32_t *pk = blk + (size_t) b * k;
						double		s = 0.0;

						for (size_t t = 0; t < k; t++)
							s += x[pk[t]];
						count += dir > 0 ? s >= obs : s <= obs;
					}
				}
			}
			else
			{
				if (sc.idx == NULL)
				{
					sc.idx = malloc((size_t) others * sizeof(uint32_t));
					sc.swp = malloc(maxk * sizeof(uint32_t));
					if (sc.idx == NULL || sc.swp == NULL)
					{
						free(sc.idx);
						free(sc.swp);
						sc.idx = sc.swp = NULL;
#pragma omp atomic write
						failed = 1;
						psim[i] = NAN;
						continue;
					}
					for (uint32_t v = 0; v < others; v++)
						sc.idx[v] = v;
				}
				for (int p = 0; p < perms; p++)
				{
					double		s = draw_sum_dense(x, (uint32_t) i, others, k, &g, &sc);

					count += dir > 0 ? s >= obs : s <= obs;
				}
			}
			/* fold: count the tail the observation lies in (esda) */
			if ((long) perms - count < count)
				count = (long) perms - count;
			psim[i] = ((double) count + 1.0) / ((double) perms + 1.0);
		}
		free(sc.idx);
		free(sc.swp);
	}
	return failed ? -1 : 0;
}

/*
 * Local Moran pseudo p-values; psim[i] NaN for islands, 1 where z_i = 0 (I_i is 0 under
 * every permutation, no evidence either way) or the row links to all other areas; all NaN
 * for constant x or perms <= 0.  Returns -1 when scratch memory runs out (affected areas
 * NaN) or n exceeds 2^32.
 */
int
score_lisa_perm(size_t n, const double *x, const weights *w, int perms, uint64_t seed,
				double *psim)
{
	return perm_run(n, x, w, perms, seed, 1, psim);
}

/*
 * Gi* pseudo p-values: the same with the self value held fixed and larger sums extreme
 * (Gi* z grows with the sum), folded likewise; NaN for islands and constant x.
 */
int
score_gi_perm(size_t n, const double *x, const weights *w, int perms, uint64_t seed,
			  double *psim)
{
	/* its own streams, so Gi* and LISA draws are not the same sets */
	return perm_run(n, x, w, perms, seed ^ UINT64_C(0x6a09e667f3bcc909), 0, psim);
}
