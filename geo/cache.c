/*
 * geo/cache.c — content-addressed cache files for prepared data (see cache.h).
 */
#include "cache.h"
#include "../pipeline/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gdal/cpl_string.h>
#include <gdal/gdal.h>
#include <gdal/ogr_srs_api.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef VSP_VERSION
#define VSP_VERSION "dev"
#endif

#define CACHE_MAGIC "VSPCACHE"
#define CACHE_FORMAT 1u
#define CACHE_BYTE_ORDER 0x01020304u
#define CACHE_HEAD 104			/* magic 8, format 4, order 4, kind 16, key 64, length 8 */

static void
to_hex(const unsigned char *d, char hex[65])
{
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

/* Hash one file's size and bytes into ctx; 0, or -1 with err. */
static int
hash_file(EVP_MD_CTX *ctx, const char *path, unsigned char *buf, size_t bufsize, char *err, size_t errlen)
{
	FILE	   *f = fopen(path, "rb");
	struct stat st;
	uint64_t	size;
	size_t		got;

	if (!f || fstat(fileno(f), &st) != 0)
	{
		snprintf(err, errlen, "cache: cannot read %s: %s", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	size = (uint64_t) st.st_size;
	EVP_DigestUpdate(ctx, &size, sizeof(size));
	while ((got = fread(buf, 1, bufsize, f)) > 0)
		EVP_DigestUpdate(ctx, buf, got);
	if (ferror(f))
	{
		snprintf(err, errlen, "cache: cannot read %s", path);
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

int
cache_key_for_source(const char *path, const char *params, cache_key *k, char *err, size_t errlen)
{
	GDALDatasetH ds;
	char	  **files;
	EVP_MD_CTX *ctx;
	unsigned char *buf = NULL,
				d[32];
	int			pmaj = 0, pmin = 0, ppatch = 0, nfiles = 0, rc = -1;
	char		head[256];

	memset(k, 0, sizeof(*k));
	GDALAllRegister();
	CPLPushErrorHandler(CPLQuietErrorHandler);
	ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
	CPLPopErrorHandler();
	if (!ds)
		return 0;				/* areas_read says why it cannot be opened */
	files = GDALGetFileList(ds);
	GDALClose(ds);
	for (char **f = files; f && *f; f++)
	{
		struct stat st;

		/* a database, a URL or a /vsi path: nothing here says when it changed */
		if (strncmp(*f, "/vsi", 4) == 0 || stat(*f, &st) != 0 || !S_ISREG(st.st_mode))
		{
			CSLDestroy(files);
			return 0;
		}
		nfiles++;
	}
	if (nfiles == 0)
	{
		CSLDestroy(files);
		return 0;
	}
	if (!(ctx = EVP_MD_CTX_new()) || !(buf = malloc(1 << 20)))
	{
		snprintf(err, errlen, "cache: out of memory");
		goto done;
	}
	OSRGetPROJVersion(&pmaj, &pmin, &ppatch);
	snprintf(head, sizeof(head), "vsp-cache %u\nvsp %s\ngdal %s\nproj %d.%d.%d\n", CACHE_FORMAT,
			 VSP_VERSION, GDALVersionInfo("RELEASE_NAME"), pmaj, pmin, ppatch);
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, head, strlen(head));
	EVP_DigestUpdate(ctx, params, strlen(params) + 1);
	for (char **f = files; *f; f++)
	{
		char		wal[4200];
		struct stat st;

		if (hash_file(ctx, *f, buf, 1 << 20, err, errlen) != 0)
			goto done;
		/* SQLite (GeoPackage) keeps committed changes in the write-ahead log until a checkpoint */
		snprintf(wal, sizeof(wal), "%s-wal", *f);
		if (stat(wal, &st) == 0 && st.st_size > 0 && hash_file(ctx, wal, buf, 1 << 20, err, errlen) != 0)
			goto done;
	}
	EVP_DigestFinal_ex(ctx, d, NULL);
	to_hex(d, k->hex);
	rc = 1;
done:
	EVP_MD_CTX_free(ctx);
	free(buf);
	CSLDestroy(files);
	return rc;
}

void
cache_key_derive(const cache_key *base, const char *params, cache_key *k)
{
	unsigned char d[32];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	memset(k, 0, sizeof(*k));
	if (!ctx)
		return;					/* an empty key: cache_load and cache_save refuse it */
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, base->hex, strlen(base->hex) + 1);
	EVP_DigestUpdate(ctx, params, strlen(params) + 1);
	EVP_DigestFinal_ex(ctx, d, NULL);
	EVP_MD_CTX_free(ctx);
	to_hex(d, k->hex);
}

/* Payload items are padded to 8 bytes, so what cache_buf_get returns is aligned for doubles. */
static size_t
padded(size_t len)
{
	return (len + 7) & ~(size_t) 7;
}

void
cache_buf_put(cache_buf *b, const void *data, size_t len)
{
	size_t		need = padded(len);

	if (b->failed || len == 0)
		return;
	if (need < len || b->len + need < b->len)
	{
		b->failed = 1;
		return;
	}
	if (b->len + need > b->cap)
	{
		size_t		cap = b->cap ? b->cap : 1 << 16;
		unsigned char *p;

		while (cap < b->len + need)
			cap *= 2;
		if (!(p = realloc(b->p, cap)))
		{
			b->failed = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, len);
	memset(b->p + b->len + len, 0, need - len);
	b->len += need;
}

const void *
cache_buf_get(cache_buf *b, size_t len)
{
	size_t		need = padded(len);
	const void *at;

	if (b->failed || need < len || need > b->len - b->pos)
	{
		b->failed = 1;
		return NULL;
	}
	at = b->p + b->pos;
	b->pos += need;
	return at;
}

void
cache_buf_free(cache_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static int
cache_path(char *out, size_t len, const char *dir, const char *kind, const cache_key *k)
{
	return k->hex[0] && strlen(kind) < 16 &&
		snprintf(out, len, "%s/%s-%s.bin", dir, kind, k->hex) < (int) len ? 0 : -1;
}

static void
head_fill(unsigned char h[CACHE_HEAD], const char *kind, const cache_key *k, uint64_t payload)
{
	uint32_t	v = CACHE_FORMAT,
				o = CACHE_BYTE_ORDER;

	memset(h, 0, CACHE_HEAD);
	memcpy(h, CACHE_MAGIC, 8);
	memcpy(h + 8, &v, 4);
	memcpy(h + 12, &o, 4);
	memcpy(h + 16, kind, strlen(kind));
	memcpy(h + 32, k->hex, 64);
	memcpy(h + 96, &payload, 8);
}

static int
write_all(int fd, const void *p, size_t len)
{
	const unsigned char *c = p;

	while (len > 0)
	{
		ssize_t		w = write(fd, c, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		len -= (size_t) w;
	}
	return 0;
}

/* Remove KIND-*.bin files not used for max_age_days, and temporary files a day old. */
static void
prune(const char *dir, const char *kind, int max_age_days)
{
	DIR		   *d = opendir(dir);
	struct dirent *e;
	size_t		kl = strlen(kind);
	time_t		now = time(NULL);

	if (!d)
		return;
	while ((e = readdir(d)) != NULL)
	{
		char		p[4200];
		struct stat st;
		size_t		nl = strlen(e->d_name);
		int			ours = strncmp(e->d_name, kind, kl) == 0 && e->d_name[kl] == '-' && nl > 4 &&
			strcmp(e->d_name + nl - 4, ".bin") == 0;
		int			tmp = e->d_name[0] == '.' && strncmp(e->d_name + 1, kind, kl) == 0 &&
			strstr(e->d_name, ".tmp-") != NULL;

		if (!ours && !tmp)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode) &&
			difftime(now, st.st_mtime) > (tmp ? 86400.0 : 86400.0 * max_age_days))
			unlink(p);
	}
	closedir(d);
}

int
cache_save(const char *dir, const char *kind, const cache_key *k, const cache_buf *b,
		   int max_age_days, char *err, size_t errlen)
{
	char		path[4200], tmp[4300];
	unsigned char h[CACHE_HEAD], d[32];
	unsigned int dl = 0;
	int			fd;

	if (b->failed || cache_path(path, sizeof(path), dir, kind, k) != 0)
		return snprintf(err, errlen, "cache: nothing to save for %s", kind), -1;
	if (util_mkdir_p(dir, 0755) != 0)
		return snprintf(err, errlen, "cache: cannot create %s: %s", dir, strerror(errno)), -1;
	snprintf(tmp, sizeof(tmp), "%s/.%s-%s.bin.tmp-%ld", dir, kind, k->hex, (long) getpid());
	if (!EVP_Digest(b->p, b->len, d, &dl, EVP_sha256(), NULL))
		return snprintf(err, errlen, "cache: cannot hash %s", kind), -1;
	head_fill(h, kind, k, (uint64_t) b->len);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
		return snprintf(err, errlen, "cache: cannot write %s: %s", tmp, strerror(errno)), -1;
	if (write_all(fd, h, sizeof(h)) != 0 || write_all(fd, b->p, b->len) != 0 || write_all(fd, d, 32) != 0)
	{
		snprintf(err, errlen, "cache: cannot write %s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0)
	{
		snprintf(err, errlen, "cache: cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	prune(dir, kind, max_age_days);
	return 0;
}

int
cache_load(const char *dir, const char *kind, const cache_key *k, cache_buf *b, char *err, size_t errlen)
{
	char		path[4200];
	unsigned char want[CACHE_HEAD], d[32];
	unsigned int dl = 0;
	struct stat st;
	uint64_t	payload;
	size_t		size, got = 0;
	int			fd;

	memset(b, 0, sizeof(*b));
	if (cache_path(path, sizeof(path), dir, kind, k) != 0)
		return 0;
	if ((fd = open(path, O_RDONLY)) < 0)
	{
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return snprintf(err, errlen, "cache: cannot read %s: %s", path, strerror(errno)), -1;
	}
	if (fstat(fd, &st) != 0 || st.st_size < CACHE_HEAD + 32)
	{
		close(fd);
		return snprintf(err, errlen, "cache: %s is damaged (too short)", path), -1;
	}
	size = (size_t) st.st_size;
	if (!(b->p = malloc(size)))
	{
		close(fd);
		return snprintf(err, errlen, "cache: out of memory for %s", path), -1;
	}
	while (got < size)
	{
		ssize_t		r = read(fd, b->p + got, size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t) r;
	}
	close(fd);
	memcpy(&payload, b->p + 96, 8);
	head_fill(want, kind, k, payload);
	if (got != size || memcmp(b->p, want, CACHE_HEAD) != 0 || payload != size - CACHE_HEAD - 32 ||
		!EVP_Digest(b->p + CACHE_HEAD, payload, d, &dl, EVP_sha256(), NULL) ||
		memcmp(d, b->p + CACHE_HEAD + payload, 32) != 0)
	{
		cache_buf_free(b);
		return snprintf(err, errlen, "cache: %s is damaged (header or checksum)", path), -1;
	}
	b->cap = size;
	b->len = CACHE_HEAD + (size_t) payload;
	b->pos = CACHE_HEAD;
	utimensat(AT_FDCWD, path, NULL, 0);	/* used: keeps it from being pruned */
	return 1;
}
