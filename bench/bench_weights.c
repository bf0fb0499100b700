/*
 * bench/bench_weights.c — national-scale timing of contiguity (and kNN) weights.
 *
 * Generates side x side irregular polygons (default 680 x 680 = 462,400) that share
 * their boundaries exactly: a grid whose every vertex is displaced once by a seeded
 * generator, plus one displaced midpoint per edge shared by the two cells on either
 * side, so each polygon has 8 vertices (9 points with the closing one).  Times
 * queen and rook with snap 0.01 m on 1 thread and on all threads (and queen with
 * exact matching, kNN k=6 for comparison), median of 3.
 *
 * Usage: bench_weights [side]
 */
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../geo/polys.h"
#include "../geo/weights.h"

#define CELL 10.0				/* metres, roughly a PC6 area in town */

static uint64_t
bench_rng(uint64_t *s)
{
	uint64_t	z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* uniform displacement in [-a, a) */
static double
bench_jit(uint64_t *s, double a)
{
	return a * (2.0 * (double) (bench_rng(s) >> 11) * 0x1.0p-53 - 1.0);
}

/* Build the jittered grid into p; 0 or -1 on allocation failure. */
static int
bench_layer(geo_polys *p, int side)
{
	size_t		nv = (size_t) (side + 1) * (side + 1),
				ne = (size_t) side * (side + 1);
	double	   *vx = malloc(nv * 2 * sizeof(double)),
			   *hx = malloc(ne * 2 * sizeof(double)),	/* horizontal edge midpoints */
			   *ux = malloc(ne * 2 * sizeof(double));	/* vertical edge midpoints */
	uint64_t	s = 20240101;
	int			rc = -1;

	if (!vx || !hx || !ux || geo_polys_init(p) != 0)
		goto done;
	for (int j = 0; j <= side; j++)
		for (int i = 0; i <= side; i++)
		{
			size_t		k = (size_t) j * (side + 1) + i;

			vx[2 * k] = i * CELL + bench_jit(&s, 0.3 * CELL);
			vx[2 * k + 1] = j * CELL + bench_jit(&s, 0.3 * CELL);
		}
#define V(i, j) (vx + 2 * ((size_t) (j) * (side + 1) + (i)))
#define H(i, j) (hx + 2 * ((size_t) (j) * side + (i)))		/* edge (i,j)-(i+1,j) */
#define U(i, j) (ux + 2 * ((size_t) (i) * side + (j)))		/* edge (i,j)-(i,j+1) */
	for (int j = 0; j <= side; j++)
		for (int i = 0; i < side; i++)
		{
			H(i, j)[0] = (V(i, j)[0] + V(i + 1, j)[0]) / 2 + bench_jit(&s, 0.1 * CELL);
			H(i, j)[1] = (V(i, j)[1] + V(i + 1, j)[1]) / 2 + bench_jit(&s, 0.1 * CELL);
		}
	for (int i = 0; i <= side; i++)
		for (int j = 0; j < side; j++)
		{
			U(i, j)[0] = (V(i, j)[0] + V(i, j + 1)[0]) / 2 + bench_jit(&s, 0.1 * CELL);
			U(i, j)[1] = (V(i, j)[1] + V(i, j + 1)[1]) / 2 + bench_jit(&s, 0.1 * CELL);
		}
	for (int j = 0; j < side; j++)
		for (int i = 0; i < side; i++)
		{
			const double *pts[9] = {V(i, j), H(i, j), V(i + 1, j), U(i + 1, j),
			V(i + 1, j + 1), H(i, j + 1), V(i, j + 1), U(i, j), V(i, j)};
			double		ring[18];

			for (int k = 0; k < 9; k++)
			{
				ring[2 * k] = pts[k][0];
				ring[2 * k + 1] = pts[k][1];
			}
			if (geo_polys_begin_area(p) != 0 || geo_polys_add_ring(p, ring, 9) != 0)
				goto done;
			geo_polys_set_point(p, (i + 0.5) * CELL, (j + 0.5) * CELL);
		}
	rc = geo_polys_finish(p);
done:
	free(vx);
	free(hx);
	free(ux);
	return rc;
}

/* qsort order for doubles. */
static int
bench_cmp(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return x < y ? -1 : (x > y);
}

/* Median of 3 runs of one weights build; prints the summary of the last. */
static double
bench_time(const geo_polys *p, weights_kind kind, double snap, int threads)
{
	weights_spec spec = {kind, 6, 0, snap, 0};
	double		t[3];
	char		err[256];
	weights_summary s;

	omp_set_num_threads(threads);
	for (int r = 0; r < 3; r++)
	{
		double		t0 = omp_get_wtime();
		weights    *w = weights_build(p, &spec, err, sizeof(err));

		t[r] = omp_get_wtime() - t0;
		if (w == NULL)
		{
			fprintf(stderr, "bench_weights: %s\n", err);
			exit(1);
		}
		weights_summarise(w, &s);
		weights_free(w);
	}
	qsort(t, 3, sizeof(double), bench_cmp);
	printf("%-6s snap=%-4g threads=%d  %.3f s  (links %zu, neighbours %zu..%zu mean %.3f, islands %zu, components %zu)\n",
		   kind == WEIGHTS_QUEEN ? "queen" : kind == WEIGHTS_ROOK ? "rook" : "knn:6",
		   snap, threads, t[1], s.links, s.min_nb, s.max_nb, s.mean_nb, s.islands, s.components);
	return t[1];
}

/* Generate the layer, then time each weights kind on 1 and on all threads. */
int
main(int argc, char **argv)
{
	int			side = argc > 1 ? atoi(argv[1]) : 680,
				all = omp_get_num_procs();
	geo_polys	p;
	double		t0;

	if (side < 2 || side > 20000)
	{
		fprintf(stderr, "bench_weights: side must be 2..20000\n");
		return 2;
	}
	t0 = omp_get_wtime();
	if (bench_layer(&p, side) != 0)
	{
		fprintf(stderr, "bench_weights: out of memory generating the layer\n");
		return 1;
	}
	printf("layer: %zu polygons, %zu points (generated in %.2f s), snap 0.01 m\n",
		   p.n, p.npts, omp_get_wtime() - t0);
	bench_time(&p, WEIGHTS_QUEEN, 0.01, 1);
	bench_time(&p, WEIGHTS_QUEEN, 0.01, all);
	bench_time(&p, WEIGHTS_QUEEN, 0, all);
	bench_time(&p, WEIGHTS_ROOK, 0.01, 1);
	bench_time(&p, WEIGHTS_ROOK, 0.01, all);
	bench_time(&p, WEIGHTS_KNN, 0, 1);
	bench_time(&p, WEIGHTS_KNN, 0, all);
	geo_polys_free(&p);
	return 0;
}
