/*
 * pipeline/ingest_quarantine.c — what a quarantined signal keeps: its fields as raw JSON
 * (in an arena of 1 MiB blocks that ingest_free releases), and the COPY of the quarantined
 * rows into vsp.quarantine.  Nothing of a rejected row is lost, and none of it is logged.
 */
#include "ingest.h"
#include "ingest_internal.h"
#include "db.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- small arena: stable pointers for the raw JSON ---- */

static char *
arena_alloc(ingest_data *d, size_t len)
{
	static const size_t block = 1 << 20;
	char	  **a;
	char	   *p;

	/* the last block is the open one; its used size is stored in its first 8 bytes */
	if (d->narena > 0)
	{
		char	   *b = d->arena[d->narena - 1];
		size_t		used;

		memcpy(&used, b, sizeof(used));
		if (used + len <= block)
		{
			p = b + used;
			used += len;
			memcpy(b, &used, sizeof(used));
			return p;
		}
	}
	if (len + sizeof(size_t) > block)
		return NULL;
	a = realloc(d->arena, (d->narena + 1) * sizeof(char *));
	if (!a)
		return NULL;
	d->arena = a;
	if (!(p = malloc(block)))
		return NULL;
	d->arena[d->narena++] = p;
	{
		size_t		used = sizeof(size_t) + len;

		memcpy(p, &used, sizeof(used));
	}
	return p + sizeof(size_t);
}

/* Append s to buf as a JSON string value (or null). */
static size_t
json_str(char *buf, size_t pos, size_t cap, const char *s)
{
	if (!s)
		return pos + (size_t) snprintf(buf + pos, pos < cap ? cap - pos : 0, "null");
	if (pos < cap)
		buf[pos] = '"';
	pos++;
	for (const unsigned char *p = (const unsigned char *) s; *p; p++)
	{
		if (*p == '"' || *p == '\\')
		{
			if (pos + 1 < cap)
			{
				buf[pos] = '\\';
				buf[pos + 1] = (char) *p;
			}
			pos += 2;
		}
		else if (*p < 0x20)
			pos += (size_t) snprintf(buf + pos, pos < cap ? cap - pos : 0, "\\u%04x", *p);
		else
		{
			if (pos < cap)
				buf[pos] = (char) *p;
			pos++;
		}
	}
	if (pos < cap)
		buf[pos] = '"';
	return pos + 1;
}

static const char *const field_names[SIG_NFIELDS] = {
	"signal_id", "partner_type", "amount", "ontstaansdatum", "signaaldatum", "crisis",
	"status", "bsn", "postcode", "huisnummer", "toevoeging", "received_at", "row_id"
};

const char *
ingest_raw_json(ingest_data *d, char *const *f)
{
	size_t		need = 2, pos = 0;
	char	   *out;

	for (int i = 0; i < SIG_NFIELDS; i++)
		need += json_str(NULL, 0, 0, field_names[i]) + json_str(NULL, 0, 0, f[i]) + 2;
	if (!(out = arena_alloc(d, need + 1)))
		return NULL;
	out[pos++] = '{';
	for (int i = 0; i < SIG_NFIELDS; i++)
	{
		if (i)
			out[pos++] = ',';
		pos = json_str(out, pos, need + 1, field_names[i]);
		out[pos++] = ':';
		pos = json_str(out, pos, need + 1, f[i]);
	}
	out[pos++] = '}';
	out[pos] = '\0';
	return out;
}

int
ingest_write_quarantine(PGconn *c, int64_t run_id, const ingest_data *d, char *err, size_t errlen)
{
	size_t		cap = 1 << 16;
	char	   *line = malloc(cap);
	int			rc = -1;

	if (!line)
		return snprintf(err, errlen, "quarantine: out of memory"), -1;
	if (db_copy_in_begin(c, "COPY vsp.quarantine (run_id, signal_id, reason, detail, raw) FROM STDIN",
						 err, errlen) != 0)
		goto done;
	for (size_t i = 0; i < d->nquar; i++)
	{
		const ingest_quarantined *q = &d->quar[i];
		size_t		need = strlen(q->id) * 2 + strlen(q->raw_json) * 2 + 512;
		size_t		pos = 0;

		if (need > cap)
		{
			char	   *nl = realloc(line, need);

			if (!nl)
			{
				snprintf(err, errlen, "quarantine: out of memory");
				PQputCopyEnd(c, "out of memory");
				goto done;
			}
			line = nl;
			cap = need;
		}
		pos += (size_t) snprintf(line + pos, cap - pos, "%lld\t", (long long) run_id);
		/* COPY text escaping of the two free-text columns */
		for (int col = 0; col < 2; col++)
		{
			const char *s = col == 0 ? q->id : q->raw_json;

			if (col == 1)
				pos += (size_t) snprintf(line + pos, cap - pos, "%s\t%s\t",
										 signal_reason_code(q->reason), signal_reason_text(q->reason));
			for (; *s; s++)
			{
				if (*s == '\\' || *s == '\t' || *s == '\n' || *s == '\r')
				{
					line[pos++] = '\\';
					line[pos++] = *s == '\t' ? 't' : *s == '\n' ? 'n' : *s == '\r' ? 'r' : '\\';
				}
				else
					line[pos++] = *s;
			}
			if (col == 0)
				line[pos++] = '\t';
		}
		line[pos++] = '\n';
		if (db_copy_put(c, line, pos, err, errlen) != 0)
			goto done;
	}
	rc = db_copy_in_end(c, err, errlen);
done:
	free(line);
	return rc;
}

size_t
ingest_quarantine_unmapped(ingest_data *d, const long *area_of_pc6, size_t nref)
{
	size_t		kept = 0, moved = 0;

	for (size_t i = 0; i < d->nsig; i++)
	{
		ingest_signal *s = &d->sig[i];

		if (s->pc6_idx < nref && area_of_pc6[s->pc6_idx] >= 0)
		{
			d->sig[kept++] = *s;
			continue;
		}
		/* quar has room: it was sized for every row read */
		d->quar[d->nquar].row_id = s->r.row_id;
		d->quar[d->nquar].id = s->id ? s->id : "";
		d->quar[d->nquar].reason = REASON_AREA_UNKNOWN;
		{
			/* the raw text is gone by now: record the normalised values, marked as such */
			char		sd[11], *js = arena_alloc(d, 256 + strlen(d->quar[d->nquar].id) * 6);
			size_t		pos;

			if (!js)
				return moved;
			util_format_date(s->r.signaal, sd);
			pos = (size_t) snprintf(js, 256, "{\"normalised\":true,\"signal_id\":");
			pos = json_str(js, pos, 256 + strlen(d->quar[d->nquar].id) * 6, d->quar[d->nquar].id);
			snprintf(js + pos, 200, ",\"postcode\":\"%s\",\"huisnummer\":%d,\"partner_type\":\"%s\","
					 "\"signaaldatum\":\"%s\",\"row_id\":%lld}", s->r.pc6, (int) s->r.huisnummer,
					 signal_partner_name(s->r.partner), sd, (long long) s->r.row_id);
			d->quar[d->nquar].raw_json = js;
		}
		d->nquar++;
		d->by_reason[REASON_AREA_UNKNOWN]++;
		moved++;
	}
	d->nsig = kept;
	return moved;
}
