/*
 * geo/weights_internal.h — helpers shared by the weights_*.c files only.
 */
#ifndef VSP_GEO_WEIGHTS_INTERNAL_H
#define VSP_GEO_WEIGHTS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "weights.h"

/* the contiguity builder and its sort also run without OpenMP, on one thread */
#ifdef _OPENMP
#include <omp.h>
#else
#define omp_get_max_threads() 1
#define omp_get_thread_num() 0
#define omp_get_num_threads() 1
#endif

#define WEIGHTS_MAX_THREADS 256

/* A sortable record: vertex (key = cell, p = area, q = point) or
 * match (key = area_i << 32 | area_j, p/q = matched points of i and j). */
typedef struct weights_rec
{
	uint64_t	key;
	uint32_t	p,
				q;
} weights_rec;

/* one-line message into err (if any), printf style */
void		weights_int_err(char *err, size_t errlen, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));
/* sort a row of neighbour indices ascending */
void		weights_int_sort_row(uint32_t *r, size_t len);
int			weights_int_cmp_u64(const void *a, const void *b);

/* weights_sort.c: sort the malloc'd array *a of n records by key (stable), replacing *a by
 * the sorted buffer (the other one is freed).  0, or -1 on allocation failure. */
int			weights_int_sort_owned(weights_rec **a, size_t n);
/* weights_sort.c: symmetric binary weights of n areas from np sorted, unique keys
 * i << 32 | j with i < j; rows come out ascending.  NULL with err set on failure. */
weights    *weights_int_from_pairs(size_t n, const weights_rec *pr, size_t np, char *err, size_t errlen);

#endif
