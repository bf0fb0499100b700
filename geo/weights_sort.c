/*
 * geo/weights_sort.c — the sorted sets the contiguity builder (weights.c) works in: a stable
 * parallel LSD radix sort of (key, p, q) records, and symmetric rows from sorted pairs.  A
 * stable sort has one possible output, so neither depends on the number of threads.
 */
#include "weights.h"
#include "weights_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define WT_RADIX_BITS 11		/* 11-bit digits: 40-bit keys sort in 4 passes */
#define WT_RADIX (1 << WT_RADIX_BITS)

/*
 * Stable LSD radix sort of n records by key, WT_RADIX_BITS per pass, skipping
 * digits that are equal in every key.  src and tmp both hold n records; returns the one that
 * holds the sorted result, or NULL on allocation failure.  A stable sort has one
 * possible output, so the result is the same for any thread count.
 */
static weights_rec *
wt_sort(weights_rec *src, weights_rec *tmp, size_t n)
{
	uint64_t	kor = 0,
				kand = ~(uint64_t) 0,
				vary;
	size_t	   *hist;
	int			nth = omp_get_max_threads(),
				shift;

	if (nth > WEIGHTS_MAX_THREADS)
		nth = WEIGHTS_MAX_THREADS;
#pragma omp parallel for num_threads(nth) reduction(|:kor) reduction(&:kand)
	for (size_t i = 0; i < n; i++)
	{
		kor |= src[i].key;
		kand &= src[i].key;
	}
	vary = kor ^ kand;
	hist = malloc((size_t) nth * WT_RADIX * sizeof(size_t));
	if (hist == NULL)
		return NULL;
	for (shift = 0; shift < 64; shift += WT_RADIX_BITS)
	{
		weights_rec	   *swap;

		if (((vary >> shift) & (WT_RADIX - 1)) == 0)
			continue;
#pragma omp parallel num_threads(nth)
		{
			int			t = omp_get_thread_num(),
						nt = omp_get_num_threads();
			size_t		lo = n * (size_t) t / (size_t) nt,
						hi = n * (size_t) (t + 1) / (size_t) nt;
			size_t	   *h = hist + (size_t) t * WT_RADIX;

			memset(h, 0, WT_RADIX * sizeof(size_t));
			for (size_t i = lo; i < hi; i++)
				h[(src[i].key >> shift) & (WT_RADIX - 1)]++;
#pragma omp barrier
#pragma omp single
			{
				size_t		sum = 0;

				for (int b = 0; b < WT_RADIX; b++)
				{
					for (int u = 0; u < nt; u++)
					{
						size_t		c = hist[(size_t) u * WT_RADIX + b];

						hist[(size_t) u * WT_RADIX + b] = sum;
						sum += c;
					}
				}
			}
			for (size_t i = lo; i < hi; i++)
				tmp[h[(src[i].key >> shift) & (WT_RADIX - 1)]++] = src[i];
		}
		swap = src;
		src = tmp;
		tmp = swap;
	}
	free(hist);
	return src;
}

/* Symmetric binary weights from sorted, unique keys i << 32 | j with i < j. */
weights *
weights_int_from_pairs(size_t n, const weights_rec *pr, size_t np, char *err, size_t errlen)
{
	weights    *w;
	size_t	   *pos;

	if (np > SIZE_MAX / 2)
	{
		weights_int_err(err, errlen, "too many neighbour pairs: %zu", np);
		return NULL;
	}
	w = weights_alloc(n, 2 * np, err, errlen);
	if (w == NULL)
		return NULL;
	for (size_t k = 0; k < np; k++)
	{
		w->off[(pr[k].key >> 32) + 1]++;
		w->off[(pr[k].key & 0xffffffffu) + 1]++;
	}
	for (size_t i = 0; i < n; i++)
		w->off[i + 1] += w->off[i];
	pos = malloc((n ? n : 1) * sizeof(size_t));
	if (pos == NULL)
	{
		weights_int_err(err, errlen, "out of memory building weights rows");
		weights_free(w);
		return NULL;
	}
	memcpy(pos, w->off, n * sizeof(size_t));
	/* pairs ascend by (i,j): row r gets its lower neighbours, then its higher ones */
	for (size_t k = 0; k < np; k++)
	{
		uint32_t	i = (uint32_t) (pr[k].key >> 32),
					j = (uint32_t) pr[k].key;

		w->nbr[pos[i]++] = j;
		w->nbr[pos[j]++] = i;
	}
	free(pos);
	return w;
}

/* Sort the malloc'd array *a of n records by key, replacing *a by the sorted
 * buffer (the other one is freed).  0, or -1 on allocation failure. */
int
weights_int_sort_owned(weights_rec **a, size_t n)
{
	weights_rec	   *tmp = malloc((n ? n : 1) * sizeof(weights_rec)),
			   *s;

	if (tmp == NULL)
		return -1;
	s = wt_sort(*a, tmp, n);
	if (s == NULL)
	{
		free(tmp);
		return -1;
	}
	free(s == *a ? tmp : *a);
	*a = s;
	return 0;
}
