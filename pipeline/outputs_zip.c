/*
 * pipeline/outputs_zip.c — the ZIP container of the streamed XLSX (outputs_stream.c): small
 * entries deflated in memory, and one sheet entry streamed in parts.
 *
 * GDAL's XLSX driver deflates the whole 350 MB sheet of a national run at level 6 on one
 * core.  Here each block of rows is deflated on its own thread at level 1 as an independent
 * run of deflate blocks ended by a sync flush (as pigz does); the runs are written in order,
 * their CRCs combined, and an empty final block closes the stream, the sizes following in a
 * data descriptor.  No ZIP64 (sizes and offsets in 32 bits), and a fixed timestamp, so that
 * the same input gives the same bytes.
 */
#include "outputs_stream_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define ZIP_LIMIT			UINT32_MAX	/* no ZIP64: sizes and offsets in 32 bits */

static void
le16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char) v;
	p[1] = (unsigned char) (v >> 8);
}

static void
le32(unsigned char *p, uint32_t v)
{
	le16(p, v & 0xffff);
	le16(p + 2, v >> 16);
}

static void
zip_write(outputs_zip *z, const void *p, size_t len)
{
	if (z->failed)
		return;
	if (len && fwrite(p, 1, len, z->f) != len)
		z->failed = 1;
	z->pos += len;
}

/* 1980-01-01 00:00, so the same input gives the same bytes */
#define ZIP_DOS_TIME	0
#define ZIP_DOS_DATE	0x21

static void
zip_local_header(outputs_zip *z, const outputs_zip_entry *e)
{
	unsigned char h[30];
	size_t		nlen = strlen(e->name);

	le32(h, 0x04034b50);
	le16(h + 4, 20);
	le16(h + 6, e->streamed ? 0x0008 : 0);
	le16(h + 8, 8);
	le16(h + 10, ZIP_DOS_TIME);
	le16(h + 12, ZIP_DOS_DATE);
	le32(h + 14, e->streamed ? 0 : e->crc);
	le32(h + 18, e->streamed ? 0 : e->csize);
	le32(h + 22, e->streamed ? 0 : e->usize);
	le16(h + 26, (unsigned) nlen);
	le16(h + 28, 0);
	zip_write(z, h, sizeof(h));
	zip_write(z, e->name, nlen);
}

/* One small entry, deflated in memory. */
int
outputs_zip_add(outputs_zip *z, const char *name, const char *data, size_t len)
{
	outputs_zip_entry *e = &z->e[z->n++];
	uLong		bound;
	unsigned char *out;
	z_stream	zs;

	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", name);
	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	bound = deflateBound(&zs, (uLong) len);
	if (!(out = malloc(bound)))
	{
		deflateEnd(&zs);
		return -1;
	}
	zs.next_in = (Bytef *) data;
	zs.avail_in = (uInt) len;
	zs.next_out = out;
	zs.avail_out = (uInt) bound;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
	{
		deflateEnd(&zs);
		free(out);
		return -1;
	}
	e->crc = (uint32_t) crc32(0, (const Bytef *) data, (uInt) len);
	e->csize = (uint32_t) zs.total_out;
	e->usize = (uint32_t) len;
	e->offset = (uint32_t) z->pos;
	deflateEnd(&zs);
	zip_local_header(z, e);
	zip_write(z, out, e->csize);
	free(out);
	return 0;
}

/* Deflate len bytes at p as a sync-flushed run of blocks (no final block) into *out and *outlen
 * (malloc'ed) and their CRC.  0 or -1. */
int
outputs_deflate_part(const char *p, size_t len, unsigned char **out, size_t *outlen, uint32_t *crc)
{
	z_stream	zs;
	uLong		bound;
	int			rc;

	*out = NULL;
	*outlen = 0;
	*crc = (uint32_t) crc32(0, (const Bytef *) p, (uInt) len);
	if (len == 0)
		return 0;
	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 1, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	bound = deflateBound(&zs, (uLong) len) + 64;
	if (!(*out = malloc(bound)))
	{
		deflateEnd(&zs);
		return -1;
	}
	zs.next_in = (Bytef *) p;
	zs.avail_in = (uInt) len;
	zs.next_out = *out;
	zs.avail_out = (uInt) bound;
	rc = deflate(&zs, Z_SYNC_FLUSH);
	*outlen = zs.total_out;
	deflateEnd(&zs);
	if (rc != Z_OK || zs.avail_in != 0)
	{
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* The streamed sheet entry: begin, parts, end (final empty block, data descriptor). */
outputs_zip_entry *
outputs_zip_stream_begin(outputs_zip *z, const char *name)
{
	outputs_zip_entry *e = &z->e[z->n++];

	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->streamed = 1;
	e->offset = (uint32_t) z->pos;
	zip_local_header(z, e);
	return e;
}

void
outputs_zip_stream_part(outputs_zip *z, outputs_zip_entry *e, const unsigned char *zdata, size_t zlen,
						uint32_t crc, size_t len)
{
	e->crc = z->stream_usize == 0 ? crc : (uint32_t) crc32_combine(e->crc, crc, (z_off_t) len);
	z->stream_usize += len;
	z->stream_csize += zlen;
	zip_write(z, zdata, zlen);
}

int
outputs_zip_stream_end(outputs_zip *z, outputs_zip_entry *e)
{
	static const unsigned char final_block[2] = {0x03, 0x00};	/* empty static block, BFINAL */
	unsigned char d[16];

	zip_write(z, final_block, 2);
	z->stream_csize += 2;
	if (z->stream_usize > ZIP_LIMIT || z->stream_csize > ZIP_LIMIT)
		return -1;
	e->usize = (uint32_t) z->stream_usize;
	e->csize = (uint32_t) z->stream_csize;
	le32(d, 0x08074b50);
	le32(d + 4, e->crc);
	le32(d + 8, e->csize);
	le32(d + 12, e->usize);
	zip_write(z, d, sizeof(d));
	return 0;
}

int
outputs_zip_finish(outputs_zip *z)
{
	uint64_t	cd = z->pos;
	unsigned char h[46],
				end[22];

	for (int k = 0; k < z->n; k++)
	{
		const outputs_zip_entry *e = &z->e[k];
		size_t		nlen = strlen(e->name);

		le32(h, 0x02014b50);
		le16(h + 4, 20);
		le16(h + 6, 20);
		le16(h + 8, e->streamed ? 0x0008 : 0);
		le16(h + 10, 8);
		le16(h + 12, ZIP_DOS_TIME);
		le16(h + 14, ZIP_DOS_DATE);
		le32(h + 16, e->crc);
		le32(h + 20, e->csize);
		le32(h + 24, e->usize);
		le16(h + 28, (unsigned) nlen);
		le16(h + 30, 0);
		le16(h + 32, 0);
		le16(h + 34, 0);
		le16(h + 36, 0);
		le32(h + 38, 0);
		le32(h + 42, e->offset);
		zip_write(z, h, sizeof(h));
		zip_write(z, e->name, nlen);
	}
	if (z->pos > ZIP_LIMIT)
		return -1;
	le32(end, 0x06054b50);
	le16(end + 4, 0);
	le16(end + 6, 0);
	le16(end + 8, (unsigned) z->n);
	le16(end + 10, (unsigned) z->n);
	le32(end + 12, (uint32_t) (z->pos - cd));
	le32(end + 16, (uint32_t) cd);
	le16(end + 20, 0);
	zip_write(z, end, sizeof(end));
	return z->failed ? -1 : 0;
}
