/*
 * geo/cache.h — prepared data kept between nightly runs, addressed by content.
 *
 * The area layer changes once a year, yet every night would read it through GDAL, check and
 * repair every polygon with GEOS and build the contiguity again (2–3 s at national PC6
 * scale).  A cache file holds such prepared data under a key: the SHA-256 of the source's
 * bytes (every file GDAL lists for it), of the parameters that shaped the result and of the
 * GDAL, PROJ and vsp versions.  A changed source, parameter or library gives another key, so
 * a stale entry is never used; it ages out (see cache_save).
 *
 * A file is DIR/KIND-KEY.bin: a header (magic, format version, byte order, kind, key,
 * payload length), the payload, and the SHA-256 of the payload, checked on every load.
 * Files are written to a temporary name and renamed into place, mode 0600.
 *
 * Memory: a cache_buf owns its bytes (cache_buf_free); cache_buf_get returns pointers into
 * them.  Errors come back as -1 with a one-line message in err; nothing here logs.
 */
#ifndef VSP_GEO_CACHE_H
#define VSP_GEO_CACHE_H

#include <stddef.h>

typedef struct cache_key
{
	char		hex[65];
} cache_key;

typedef struct cache_buf
{
	unsigned char *p;
	size_t		len, cap, pos;
	int			failed;			/* a put ran out of memory or a get ran past the end */
} cache_buf;

/*
 * Key for the GDAL source path (its files' bytes, in GDAL's list order) and params (any text
 * naming how the data was prepared).  1 = made; 0 = not cacheable (a database or network
 * source, or no files GDAL can list); -1 = a file could not be read (err).
 */
int			cache_key_for_source(const char *path, const char *params, cache_key *k,
								 char *err, size_t errlen);
/* Key for data derived from base's data by params. */
void		cache_key_derive(const cache_key *base, const char *params, cache_key *k);

/* Append len bytes; on failure b->failed is set and later puts do nothing. */
void		cache_buf_put(cache_buf *b, const void *data, size_t len);
/* The next len bytes of the payload, or NULL (and b->failed) past its end. */
const void *cache_buf_get(cache_buf *b, size_t len);
void		cache_buf_free(cache_buf *b);

/*
 * Write b's bytes as DIR/KIND-KEY.bin (DIR is created if missing), then remove the files of
 * the same kind that no load has used for max_age_days.  0, or -1 with err.
 */
int			cache_save(const char *dir, const char *kind, const cache_key *k, const cache_buf *b,
					   int max_age_days, char *err, size_t errlen);
/*
 * Read DIR/KIND-KEY.bin into b (positioned at the payload's start) and mark it used.
 * 1 = loaded and verified; 0 = no such file; -1 = there but unreadable or damaged (err).
 */
int			cache_load(const char *dir, const char *kind, const cache_key *k, cache_buf *b,
					   char *err, size_t errlen);

#endif
