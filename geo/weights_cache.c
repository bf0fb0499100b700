/*
 * geo/weights_cache.c — weights kept in the area cache between nights (geo/cache.h): the CSR
 * arrays as built, checked for consistency when read back (offsets, neighbour indices).
 */
#include "weights.h"
#include "cache.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define WEIGHTS_CACHE_KIND "weights"

int
weights_cache_save(const char *dir, const cache_key *k, const weights *w, char *err, size_t errlen)
{
	cache_buf	b = {0};
	uint64_t	head[2] = {w->n, w->off[w->n]};
	int			rc;

	cache_buf_put(&b, head, sizeof(head));
	cache_buf_put(&b, &w->band_used, sizeof(double));
	cache_buf_put(&b, w->off, (w->n + 1) * sizeof(size_t));
	cache_buf_put(&b, w->nbr, w->off[w->n] * sizeof(uint32_t));
	cache_buf_put(&b, w->w, w->off[w->n] * sizeof(double));
	rc = cache_save(dir, WEIGHTS_CACHE_KIND, k, &b, 30, err, errlen);
	cache_buf_free(&b);
	return rc;
}

int
weights_cache_load(const char *dir, const cache_key *k, size_t n, weights **out, char *err, size_t errlen)
{
	cache_buf	b;
	const uint64_t *head;
	const double *band;
	const void *off, *nbr, *wt;
	weights    *w = NULL;
	int			lr = cache_load(dir, WEIGHTS_CACHE_KIND, k, &b, err, errlen);

	*out = NULL;
	if (lr != 1)
		return lr;
	if (!(head = cache_buf_get(&b, 2 * sizeof(uint64_t))) || head[0] != n || head[1] > b.len ||
		!(band = cache_buf_get(&b, sizeof(double))) ||
		!(off = cache_buf_get(&b, (n + 1) * sizeof(size_t))) ||
		!(nbr = cache_buf_get(&b, head[1] * sizeof(uint32_t))) ||
		!(wt = cache_buf_get(&b, head[1] * sizeof(double))) ||
		!(w = weights_alloc(n, head[1], err, errlen)))
		goto bad;
	memcpy(w->off, off, (n + 1) * sizeof(size_t));
	memcpy(w->nbr, nbr, head[1] * sizeof(uint32_t));
	memcpy(w->w, wt, head[1] * sizeof(double));
	w->band_used = *band;
	if (w->off[0] != 0 || w->off[n] != head[1])
		goto bad;
	for (size_t i = 0; i < n; i++)
		if (w->off[i + 1] < w->off[i])
			goto bad;
	for (size_t j = 0; j < head[1]; j++)
		if (w->nbr[j] >= n)
			goto bad;
	cache_buf_free(&b);
	*out = w;
	return 1;
bad:
	cache_buf_free(&b);
	weights_free(w);
	snprintf(err, errlen, "cache: the weights kept under %.16s… are not %zu consistent rows", k->hex, n);
	return -1;
}
