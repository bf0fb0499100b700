/*
 * bench/bench_lisa.c — Local Moran permutations (and the queen weights under them) on a real
 * polygon layer, single-threaded and on all cores.
 *
 * Reads the layer through GDAL exactly as a run does (areas_read: transform, validity checks,
 * point on surface), builds queen weights with the run's snap tolerance, then times
 * score_lisa_perm with P permutations on 1 thread and on all threads, median of R runs each,
 * and checks that both thread counts give bit-identical pseudo p-values.  The analysed
 * variable is the layer's households field: a real, spatially structured value (the cost of
 * a permutation does not depend on the values, only on n and the neighbour counts).
 *
 * Usage: bench_lisa GPKG LAYER ID_FIELD VALUE_FIELD [PERMS [RUNS]]
 * Prints one "key value" line per measurement, for scripts/bench.sh.
 */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../geo/areas.h"
#include "../geo/weights.h"
#include "../pipeline/log.h"
#include "../pipeline/score.h"

#define BENCH_SEED	20240101
#define BENCH_SNAP	0.5

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return x < y ? -1 : (x > y);
}

static double
median(double *t, int n)
{
	qsort(t, (size_t) n, sizeof(double), cmp_double);
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

/* Median wall-clock seconds of runs × score_lisa_perm on threads threads; psim keeps the last. */
static double
time_lisa(const areas *a, const weights *w, int perms, int runs, int threads, double *psim)
{
	double	   *t = calloc((size_t) runs, sizeof(double));
	double		m;

	if (!t)
	{
		fprintf(stderr, "bench_lisa: out of memory\n");
		exit(1);
	}
	omp_set_num_threads(threads);
	for (int r = 0; r < runs; r++)
	{
		double		t0 = omp_get_wtime();

		if (score_lisa_perm(a->n, a->value, w, perms, BENCH_SEED, psim) != 0)
		{
			fprintf(stderr, "bench_lisa: score_lisa_perm: out of memory\n");
			exit(1);
		}
		t[r] = omp_get_wtime() - t0;
	}
	m = median(t, runs);
	free(t);
	return m;
}

/* Median seconds of runs × queen weights on threads threads. */
static double
time_weights(const areas *a, int runs, int threads, weights_summary *s)
{
	weights_spec spec = {WEIGHTS_QUEEN, 6, 0, BENCH_SNAP, 0};
	double	   *t = calloc((size_t) runs, sizeof(double));
	double		m;
	char		err[256];

	if (!t)
	{
		fprintf(stderr, "bench_lisa: out of memory\n");
		exit(1);
	}
	omp_set_num_threads(threads);
	for (int r = 0; r < runs; r++)
	{
		double		t0 = omp_get_wtime();
		weights    *w = weights_build(&a->polys, &spec, err, sizeof(err));

		t[r] = omp_get_wtime() - t0;
		if (!w)
		{
			fprintf(stderr, "bench_lisa: weights: %s\n", err);
			exit(1);
		}
		weights_summarise(w, s);
		weights_free(w);
	}
	m = median(t, runs);
	free(t);
	return m;
}

int
main(int argc, char **argv)
{
	areas_source src = {0};
	areas		a;
	weights_spec spec = {WEIGHTS_QUEEN, 6, 0, BENCH_SNAP, 0};
	weights    *w;
	weights_summary s;
	int			perms = argc > 5 ? atoi(argv[5]) : 999,
				runs = argc > 6 ? atoi(argv[6]) : 3,
				all = omp_get_num_procs();
	double	   *p1, *pn, t0, t1, tn;
	size_t		differ = 0;
	char		err[512];

	if (argc < 5 || perms < 1 || runs < 1)
	{
		fprintf(stderr, "usage: bench_lisa GPKG LAYER ID_FIELD VALUE_FIELD [PERMS [RUNS]]\n");
		return 2;
	}
	log_set_level(LOG_WARN);
	src.path = argv[1];
	src.layer = argv[2];
	src.id_field = argv[3];
	src.value_field = argv[4];
	src.working_crs = "EPSG:28992";
	t0 = omp_get_wtime();
	if (areas_read(&src, &a, err, sizeof(err)) != 0)
	{
		fprintf(stderr, "bench_lisa: %s\n", err);
		return 1;
	}
	printf("areas %zu\nread_seconds %.3f\n", a.n, omp_get_wtime() - t0);
	for (size_t i = 0; i < a.n; i++)
		if (isnan(a.value[i]))
			a.value[i] = 0;

	printf("weights_1_seconds %.3f\n", time_weights(&a, runs, 1, &s));
	printf("weights_%d_seconds %.3f\n", all, time_weights(&a, runs, all, &s));
	printf("links %zu\nmean_neighbours %.2f\nislands %zu\n", s.links, s.mean_nb, s.islands);

	omp_set_num_threads(all);
	if (!(w = weights_build(&a.polys, &spec, err, sizeof(err))))
	{
		fprintf(stderr, "bench_lisa: weights: %s\n", err);
		return 1;
	}
	p1 = malloc(a.n * sizeof(double));
	pn = malloc(a.n * sizeof(double));
	if (!p1 || !pn)
	{
		fprintf(stderr, "bench_lisa: out of memory\n");
		return 1;
	}
	t1 = time_lisa(&a, w, perms, runs, 1, p1);
	tn = time_lisa(&a, w, perms, runs, all, pn);
	for (size_t i = 0; i < a.n; i++)
		if (memcmp(&p1[i], &pn[i], sizeof(double)) != 0)
			differ++;
	printf("permutations %d\nruns %d\nthreads %d\n", perms, runs, all);
	printf("lisa_1_seconds %.3f\nlisa_%d_seconds %.3f\nspeedup %.2f\n", t1, all, tn, t1 / tn);
	printf("identical %s\n", differ == 0 ? "yes" : "no");
	free(p1);
	free(pn);
	weights_free(w);
	areas_free(&a);
	return differ == 0 ? 0 : 1;
}
