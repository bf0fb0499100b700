/*
 * pipeline/outputs_stream_internal.h — shared by the four files of the streamed area
 * writer only: outputs_stream.c (the pass), outputs_text.c (text buffer, numbers and escapes
 * as GDAL writes them), outputs_zip.c (the XLSX container) and outputs_geojson.c (the
 * GeoJSON geometries).  The small appends and
 * integer formatters run for every character and cell of a national run: they are static
 * inline here so that the pass keeps them inlined.
 */
#ifndef VSP_OUTPUTS_STREAM_INTERNAL_H
#define VSP_OUTPUTS_STREAM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gdal/ogr_srs_api.h>

/* ---- growing text buffer ----
 * The buffer owns p (the caller frees it; {NULL, 0, 0, 0} is an empty buffer).  A failed
 * allocation is remembered in oom, not reported at each call: every later append is a no-op,
 * and the caller checks oom once after a run of appends. */

typedef struct outputs_sbuf
{
	char	   *p;
	size_t		n,
				cap;
	int			oom;
} outputs_sbuf;

/* outputs_text.c: room for more bytes after n; 0, or -1 (oom set, now or before).  Out of
 * line: inlined, its realloc path would be copied into each of the pass's appends. */
int			outputs_sb_grow(outputs_sbuf *b, size_t more);

static inline void
outputs_sb_put(outputs_sbuf *b, const char *s, size_t len)
{
	if (outputs_sb_grow(b, len) == 0)
	{
		memcpy(b->p + b->n, s, len);
		b->n += len;
	}
}

static inline void
outputs_sb_puts(outputs_sbuf *b, const char *s)
{
	outputs_sb_put(b, s, strlen(s));
}

/* outputs_text.c: printf onto the end of b; an error sets oom. */
void		outputs_sb_printf(outputs_sbuf *b, const char *fmt,...) __attribute__((format(printf, 2, 3)));

/* ---- numbers as GDAL prints them ----
 * Each writes its text into the caller's out and returns its length; none fails. */

/* Decimal digits of v into out (not terminated); returns their count. */
static inline size_t
outputs_fmt_ulong(unsigned long long v, char *out)
{
	char		tmp[24];
	size_t		n = 0;

	do
	{
		tmp[n++] = (char) ('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t k = 0; k < n; k++)
		out[k] = tmp[n - 1 - k];
	return n;
}

static inline size_t
outputs_fmt_long(long long v, char *out)
{
	if (v < 0)
	{
		out[0] = '-';
		return 1 + outputs_fmt_ulong(0ULL - (unsigned long long) v, out + 1);
	}
	return outputs_fmt_ulong((unsigned long long) v, out);
}

/* outputs_text.c: a GeoJSON coordinate (6 decimals, intelliround, zeros trimmed); a list
 * number as %.15g or %.16g (sig) prints it; a GeoJSON real property.  out holds 48 bytes;
 * all three terminate it. */
size_t		outputs_fmt_coord(double v, char *out);
size_t		outputs_fmt_dec4(double v, int sig, char *out);
size_t		outputs_fmt_json_real(double v, char *out);

/* ---- text escapes (outputs_text.c) ----
 * Append s, escaped, to b (failures as b->oom): a JSON string as json-c writes it, a CSV
 * field (quoted only when needed), XML character data.  outputs_col_name: the spreadsheet
 * name (A, B, .. AA) of 0-based column c. */
void		outputs_put_json_string(outputs_sbuf *b, const char *s);
void		outputs_put_csv_field(outputs_sbuf *b, const char *s);
void		outputs_put_xml_text(outputs_sbuf *b, const char *s);
void		outputs_col_name(int c, char out[8]);

/* ---- ZIP container (outputs_zip.c) ----
 * The caller opens and closes f and zeroes the rest.  A failed write sets failed and skips
 * the writes after it; outputs_zip_finish reports it.  At most 16 entries (names under 64
 * characters); one, the last, may be streamed. */

typedef struct outputs_zip_entry
{
	char		name[64];
	uint32_t	crc,
				csize,
				usize,
				offset;
	int			streamed;		/* sizes in a data descriptor after the data */
} outputs_zip_entry;

typedef struct outputs_zip
{
	FILE	   *f;
	uint64_t	pos;
	outputs_zip_entry e[16];
	int			n;
	int			failed;
	uint64_t	stream_usize,	/* of the streamed entry so far */
				stream_csize;
} outputs_zip;

/* One small entry, deflated in memory (level 6).  0, or -1 (memory or zlib). */
int			outputs_zip_add(outputs_zip *z, const char *name, const char *data, size_t len);
/* Deflate len bytes at p (level 1) as a sync-flushed run of blocks without a final block, so
 * that parts deflated apart can be concatenated; *out (malloc'ed, the caller frees it; NULL
 * when len is 0), *outlen and the CRC of p.  0, or -1 (memory or zlib). */
int			outputs_deflate_part(const char *p, size_t len, unsigned char **out, size_t *outlen,
								 uint32_t *crc);
/* The streamed entry: begin writes its local header; each part adds a deflated part (zdata,
 * zlen) of len bytes with that CRC, in order; end writes the final block and the data
 * descriptor: 0, or -1 when the entry is over 4 GiB. */
outputs_zip_entry *outputs_zip_stream_begin(outputs_zip *z, const char *name);
void		outputs_zip_stream_part(outputs_zip *z, outputs_zip_entry *e, const unsigned char *zdata,
									size_t zlen, uint32_t crc, size_t len);
int			outputs_zip_stream_end(outputs_zip *z, outputs_zip_entry *e);
/* The central directory and its end: 0, or -1 when a write failed (errno says why) or the
 * file is over 4 GiB. */
int			outputs_zip_finish(outputs_zip *z);

/* ---- GeoJSON geometries (outputs_geojson.c) ---- */

struct geo_polys;
struct areas;

/*
 * lon/lat of every point of p (2 * npts doubles, aligned with p->xy; caller frees *out),
 * src → dst, each shared vertex transformed once.  0, -1 (memory), 2 when a point cannot be
 * transformed, 4 when there is no transformation.
 */
int			outputs_lonlat_points(const struct geo_polys *p, OGRSpatialReferenceH src, OGRSpatialReferenceH dst,
								  double **out);

/* Area i's geometry from its rings as GDAL writes it (a Polygon, or a MultiPolygon when it has
 * more than one exterior ring), ll from outputs_lonlat_points.  0, or 3 when a point lies
 * outside lon/lat bounds (memory: b->oom). */
int			outputs_put_geometry(outputs_sbuf *b, const struct areas *a, size_t i, const double *ll);

#endif
