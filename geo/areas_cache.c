/*
 * geo/areas_cache.c — the prepared area layer (ids, households and value fields, rings,
 * points on surface, the repair report) kept in the cache between nights (geo/cache.h).
 *
 * Reading it back skips GDAL's read of the layer, GEOS's validity checks and repairs and the
 * points on surface: at national PC6 scale ~2 s of every nightly run.  What is read back is
 * checked for consistency (offsets, sorted unique ids) besides the cache's checksum, since
 * the rest of vsp indexes with it.
 */
#include "areas.h"
#include "cache.h"
#include "../pipeline/log.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AREAS_CACHE_KIND "areas"
#define AREAS_CACHE_DAYS 30

typedef struct areas_head
{
	uint64_t	n, nrings, npts, codes_len, notes_len, repaired, excluded;
	uint32_t	has_value, pad;
	char		srs[64];
} areas_head;

static void
put_areas(cache_buf *b, const areas *a, const cache_buf *notes)
{
	const geo_polys *p = &a->polys;
	areas_head	h = {0};

	for (size_t i = 0; i < a->n; i++)
		h.codes_len += strlen(a->code[i]) + 1;
	h.n = a->n;
	h.nrings = p->nrings;
	h.npts = p->npts;
	h.notes_len = notes->len;
	h.repaired = a->repaired;
	h.excluded = a->excluded;
	h.has_value = a->value != NULL;
	memcpy(h.srs, a->srs_wkt_name, sizeof(h.srs));
	cache_buf_put(b, &h, sizeof(h));
	{
		char	   *codes = malloc(h.codes_len ? h.codes_len : 1),
				   *c = codes;

		if (!codes)
		{
			b->failed = 1;
			return;
		}
		for (size_t i = 0; i < a->n; i++)
		{
			size_t		l = strlen(a->code[i]) + 1;

			memcpy(c, a->code[i], l);
			c += l;
		}
		cache_buf_put(b, codes, h.codes_len);
		free(codes);
	}
	cache_buf_put(b, a->households, a->n * sizeof(double));
	if (a->value)
		cache_buf_put(b, a->value, a->n * sizeof(double));
	cache_buf_put(b, p->ring_off, (a->n + 1) * sizeof(size_t));
	cache_buf_put(b, p->pt_off, (p->nrings + 1) * sizeof(size_t));
	cache_buf_put(b, p->xy, 2 * p->npts * sizeof(double));
	cache_buf_put(b, p->cx, a->n * sizeof(double));
	cache_buf_put(b, p->cy, a->n * sizeof(double));
	cache_buf_put(b, a->ring_outer, p->nrings);
	cache_buf_put(b, notes->p, notes->len);
}

/* A malloc'd copy of the next len bytes of b (len 0 gives a 1-byte block); NULL on failure. */
static void *
take(cache_buf *b, size_t len)
{
	const void *src = cache_buf_get(b, len);
	void	   *dst;

	if (!src || !(dst = malloc(len ? len : 1)))
		return NULL;
	memcpy(dst, src, len);
	return dst;
}

static int
offsets_ok(const size_t *off, size_t n, size_t total)
{
	if (off[0] != 0 || off[n] != total)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (off[i + 1] < off[i])
			return 0;
	return 1;
}

/* Fill a from b; 0, or -1 when b does not hold a consistent layer (a is freed then). */
static int
get_areas(cache_buf *b, areas *a, cache_buf *notes)
{
	const areas_head *hp = cache_buf_get(b, sizeof(areas_head));
	areas_head	h;
	const char *codes, *c, *end;
	geo_polys  *p = &a->polys;

	memset(a, 0, sizeof(*a));
	memset(notes, 0, sizeof(*notes));
	if (!hp)
		return -1;
	h = *hp;
	/* sizes bounded by what the file holds before anything is allocated from them */
	if (h.n == 0 || h.n > b->len || h.nrings > b->len || h.npts > b->len / 16 || h.codes_len > b->len ||
		h.notes_len > b->len || h.nrings < h.n)
		return -1;
	if (!(codes = cache_buf_get(b, h.codes_len)) || !(a->code = calloc(h.n, sizeof(char *))))
		goto bad;
	c = codes;
	end = codes + h.codes_len;
	for (a->n = 0; a->n < h.n; a->n++)
	{
		const char *z = memchr(c, '\0', (size_t) (end - c));

		if (!z || z == c || (a->n > 0 && strcmp(a->code[a->n - 1], c) >= 0) || !(a->code[a->n] = strdup(c)))
			goto bad;
		c = z + 1;
	}
	if (c != end)
		goto bad;
	if (!(a->households = take(b, h.n * sizeof(double))) ||
		(h.has_value && !(a->value = take(b, h.n * sizeof(double)))) ||
		!(p->ring_off = take(b, (h.n + 1) * sizeof(size_t))) ||
		!(p->pt_off = take(b, (h.nrings + 1) * sizeof(size_t))) ||
		!(p->xy = take(b, 2 * h.npts * sizeof(double))) ||
		!(p->cx = take(b, h.n * sizeof(double))) ||
		!(p->cy = take(b, h.n * sizeof(double))) ||
		!(a->ring_outer = take(b, h.nrings)))
		goto bad;
	p->n = h.n;
	p->nrings = h.nrings;
	p->npts = h.npts;
	if (!offsets_ok(p->ring_off, h.n, h.nrings) || !offsets_ok(p->pt_off, h.nrings, h.npts))
		goto bad;
	for (size_t i = 0; i < h.n; i++)
		if (p->ring_off[i + 1] == p->ring_off[i] || a->ring_outer[p->ring_off[i]] != 1)
			goto bad;
	for (size_t r = 0; r < h.nrings; r++)
		if (a->ring_outer[r] > 1)
			goto bad;
	{
		const void *nb = cache_buf_get(b, h.notes_len);

		if (!nb)
			goto bad;
		cache_buf_put(notes, nb, h.notes_len);
		if (notes->failed)
			goto bad;
	}
	a->repaired = h.repaired;
	a->excluded = h.excluded;
	memcpy(a->srs_wkt_name, h.srs, sizeof(a->srs_wkt_name));
	a->srs_wkt_name[sizeof(a->srs_wkt_name) - 1] = '\0';
	return 0;
bad:
	areas_free(a);
	cache_buf_free(notes);
	return -1;
}

/* Log the feature lines areas_read logged when the layer was read. */
static void
replay(cache_buf *notes)
{
	for (;;)
	{
		const char *level = cache_buf_get(notes, 1);
		const uint32_t *len = level ? cache_buf_get(notes, sizeof(uint32_t)) : NULL;
		const char *msg = len ? cache_buf_get(notes, *len) : NULL;

		if (!msg || *len == 0 || msg[*len - 1] != '\0')
			return;
		if (*level == 'I')
			log_info("%s", msg);
		else
			log_warn("%s", msg);
	}
}

int
areas_read_cached(const areas_source *src, const char *dir, areas *a, char *err, size_t errlen)
{
	cache_key	k;
	cache_buf	b = {0}, notes = {0};
	char		params[2048], why[600];
	int			kr = 0, rc;

	if (dir && dir[0])
	{
		snprintf(params, sizeof(params), "areas 1\nlayer %s\nid %s\nsrs %s\ncrs %s\nhouseholds %s\nvalue %s\n",
				 src->layer ? src->layer : "", src->id_field, src->srs ? src->srs : "", src->working_crs,
				 src->households_field ? src->households_field : "", src->value_field ? src->value_field : "");
		if ((kr = cache_key_for_source(src->path, params, &k, why, sizeof(why))) < 0)
			log_warn("%s: the layer is read without the cache", why);
	}
	if (kr == 1)
	{
		int			lr = cache_load(dir, AREAS_CACHE_KIND, &k, &b, why, sizeof(why));

		if (lr == 1 && get_areas(&b, a, &notes) == 0)
		{
			cache_buf_free(&b);
			replay(&notes);
			cache_buf_free(&notes);
			snprintf(a->cache_key, sizeof(a->cache_key), "%s", k.hex);
			log_debug("areas: %zu areas from the cache (%.16s…), not from %s", a->n, k.hex, src->path);
			return 0;
		}
		cache_buf_free(&b);
		if (lr == 1)
			log_warn("cache: %s/%s-%s.bin is inconsistent: reading the layer again", dir, AREAS_CACHE_KIND, k.hex);
		else if (lr < 0)
			log_warn("%s: reading the layer again", why);
	}
	rc = areas_read_noted(src, a, kr == 1 ? &notes : NULL, err, errlen);
	if (rc == 0 && kr == 1)
	{
		put_areas(&b, a, &notes);
		if (notes.failed || cache_save(dir, AREAS_CACHE_KIND, &k, &b, AREAS_CACHE_DAYS, why, sizeof(why)) != 0)
			/* not a fault of the run: it only costs time (the outputs stage reports an
			 * output directory that cannot be written) */
			log_info("%s: the layer will be read again next time", notes.failed ? "cache: out of memory" : why);
		else
		{
			snprintf(a->cache_key, sizeof(a->cache_key), "%s", k.hex);
			log_debug("areas: layer kept in the cache as %s/%s-%.16s…", dir, AREAS_CACHE_KIND, k.hex);
		}
	}
	cache_buf_free(&b);
	cache_buf_free(&notes);
	return rc;
}
