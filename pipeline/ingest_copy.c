/*
 * pipeline/ingest_copy.c — COPY ... TO STDOUT into one buffer, and the COPY text format.
 *
 * One round trip with server-side formatting: at national scale (~250k rows a window, 450k
 * reference postcodes) close to the cost of a bare psql COPY.  Rows stay in one growing
 * buffer and are split in place later, on all threads.
 */
#include "ingest_internal.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* See ingest_internal.h. */
int
ingest_copy_split(char *line, char **f, int nf)
{
	int			k = 0;
	char	   *src = line, *dst = line, *start = line;

	for (;;)
	{
		char		ch = *src;

		if (ch == '\t' || ch == '\n' || ch == '\0')
		{
			*dst = '\0';
			if (k < nf)
				f[k] = (start[0] == '\\' && start[1] == 'N' && start + 2 == src) ? NULL : start;
			k++;
			if (ch != '\t')
				break;
			src++;
			dst = start = src;
			continue;
		}
		if (ch == '\\' && src[1])
		{
			src++;
			switch (*src)
			{
				case 't': *dst++ = '\t'; break;
				case 'n': *dst++ = '\n'; break;
				case 'r': *dst++ = '\r'; break;
				case 'b': *dst++ = '\b'; break;
				case 'f': *dst++ = '\f'; break;
				case 'v': *dst++ = '\v'; break;
				case 'N':
					/* keep \N recognisable for the NULL test above */
					*dst++ = '\\';
					*dst++ = 'N';
					break;
				default: *dst++ = *src; break;
			}
			src++;
			continue;
		}
		*dst++ = *src++;
	}
	return k;
}


static int
raw_append(raw_rows *rr, const char *line, size_t len)
{
	if (rr->len + len + 1 > rr->cap)
	{
		size_t		cap = rr->cap ? rr->cap * 2 : (size_t) 1 << 22;
		char	   *b;

		while (cap < rr->len + len + 1)
			cap *= 2;
		if (!(b = realloc(rr->buf, cap)))
			return -1;
		rr->buf = b;
		rr->cap = cap;
	}
	if (rr->n == rr->ncap)
	{
		size_t		nc = rr->ncap ? rr->ncap * 2 : 4096;
		size_t	   *o = realloc(rr->off, nc * sizeof(size_t));

		if (!o)
			return -1;
		rr->off = o;
		rr->ncap = nc;
	}
	rr->off[rr->n++] = rr->len;
	memcpy(rr->buf + rr->len, line, len);
	rr->len += len;
	rr->buf[rr->len++] = '\0';
	return 0;
}

/* Run a COPY ... TO STDOUT and collect its lines.  0 or -1 with "reading <what>: ..." in err. */
int
ingest_copy_out(PGconn *c, const char *what, const char *sql, raw_rows *rr, char *err, size_t errlen)
{
	return ingest_copy_out_each(c, what, sql, rr, NULL, NULL, err, errlen);
}

int
ingest_copy_out_each(PGconn *c, const char *what, const char *sql, raw_rows *rr, ingest_row_fn fn,
					 void *ctx, char *err, size_t errlen)
{
	PGresult   *r = PQexec(c, sql);
	char	   *line;
	int			len, rc = 0;

	if (PQresultStatus(r) != PGRES_COPY_OUT)
	{
		snprintf(err, errlen, "reading %s: %s", what, PQerrorMessage(c));
		err[strcspn(err, "\n")] = '\0';
		PQclear(r);
		return -1;
	}
	PQclear(r);
	while ((len = PQgetCopyData(c, &line, 0)) > 0)
	{
		if (rc == 0 && (raw_append(rr, line, (size_t) len) != 0 || (fn && fn(rr, rr->n - 1, ctx) != 0)))
		{
			snprintf(err, errlen, "reading %s: out of memory", what);
			rc = -1;
		}
		PQfreemem(line);
	}
	if (len == -2)
	{
		snprintf(err, errlen, "reading %s: %s", what, PQerrorMessage(c));
		err[strcspn(err, "\n")] = '\0';
		rc = -1;
	}
	while ((r = PQgetResult(c)) != NULL)
	{
		if (rc == 0 && PQresultStatus(r) != PGRES_COMMAND_OK)
		{
			snprintf(err, errlen, "reading %s: %s", what, PQerrorMessage(c));
			err[strcspn(err, "\n")] = '\0';
			rc = -1;
		}
		PQclear(r);
	}
	return rc;
}
