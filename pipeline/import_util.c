/*
 * pipeline/import_util.c — shared pieces of the importers: failure and reject bookkeeping,
 * CBS code normalisation, COPY buffering and the generic replace-in-scope merge.
 */
#include "import_int.h"
#include "db.h"
#include "log.h"
#include "util.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COPY_FLUSH (1u << 20)	/* send COPY data in 1 MB pieces */

int
import_fail(import_ctx *x, import_status st, const char *fmt,...)
{
	va_list		ap;

	if (x->status == IMPORT_OK)
	{
		x->status = st;
		va_start(ap, fmt);
		vsnprintf(x->err, x->errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int
import_reject(import_ctx *x, import_reason r, const char *where)
{
	size_t		n = ++x->rep->by_reason[r];

	x->rep->rejected++;
	if (n <= 5)
		log_warn("%s: %s: rejected%s", where, import_reason_text(r), n == 5 ? " (further ones not shown)" : "");
	return 0;
}

/* ---- codes ---- */

static void
trim_upper(const char *in, char *out, size_t outlen)
{
	size_t		n = 0;

	while (*in && isspace((unsigned char) *in))
		in++;
	for (; *in && n + 1 < outlen; in++)
		out[n++] = (char) toupper((unsigned char) *in);
	while (n > 0 && isspace((unsigned char) out[n - 1]))
		n--;
	out[n] = '\0';
}

int
import_norm_gemeente(const char *in, char out[8])
{
	char		buf[16];

	if (!in || import_norm_area(in, "GM", 4, buf) != 0)
		return -1;
	memcpy(out, buf, 7);
	return 0;
}

int
import_norm_area(const char *in, const char *prefix, size_t ndigits, char out[16])
{
	char		s[32], *p = s;
	size_t		len, alldigits = 1;

	if (!in)
		return -1;
	trim_upper(in, s, sizeof(s));
	if (strncmp(p, prefix, 2) == 0)
		p += 2;
	len = strlen(p);
	if (len == 0 || len > ndigits)
		return -1;
	for (size_t i = 0; i < len; i++)
	{
		if (!isalnum((unsigned char) p[i]))
			return -1;
		if (!isdigit((unsigned char) p[i]))
			alldigits = 0;
	}
	/* a numeric column loses leading zeros ("340101"); an alphanumeric code never does */
	if (len < ndigits && !alldigits)
		return -1;
	memcpy(out, prefix, 2);
	memset(out + 2, '0', ndigits - len);
	memcpy(out + 2 + ndigits - len, p, len + 1);
	/* the first four characters after the prefix are the gemeente number */
	for (size_t i = 2; i < 6; i++)
		if (!isdigit((unsigned char) out[i]))
			return -1;
	return 0;
}

int
import_year_in(const char *name)
{
	for (const char *p = name; p && *p; p++)
	{
		int			y;

		if (!isdigit((unsigned char) p[0]) || (p > name && isdigit((unsigned char) p[-1])))
			continue;
		if (!isdigit((unsigned char) p[1]) || !isdigit((unsigned char) p[2]) ||
			!isdigit((unsigned char) p[3]) || isdigit((unsigned char) p[4]))
			continue;
		y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
		if (y >= 1990 && y <= 2100)
			return y;
	}
	return 0;
}

/* ---- COPY ---- */

int
import_copy_begin(import_ctx *x, import_copy *c, const char *copy_sql)
{
	char		e[512];

	memset(c, 0, sizeof(*c));
	c->db = x->db;
	c->cap = COPY_FLUSH + 4096;
	if (!(c->buf = malloc(c->cap)))
		return import_fail(x, IMPORT_FAIL, "out of memory");
	if (db_copy_in_begin(x->db, copy_sql, e, sizeof(e)) != 0)
	{
		free(c->buf);
		c->buf = NULL;
		return import_fail(x, db_is_down(x->db) ? IMPORT_DB : IMPORT_FAIL, "%s", e);
	}
	return 0;
}

static int
copy_flush(import_ctx *x, import_copy *c)
{
	char		e[512];

	if (c->len && db_copy_put(c->db, c->buf, c->len, e, sizeof(e)) != 0)
		return import_fail(x, db_is_down(x->db) ? IMPORT_DB : IMPORT_FAIL, "%s", e);
	c->len = 0;
	return 0;
}

int
import_copy_field(import_ctx *x, import_copy *c, const char *v, int last)
{
	size_t		need = v ? 2 * strlen(v) + 2 : 3;

	if (c->len + need > c->cap)
	{
		size_t		nc = c->len + need + COPY_FLUSH;
		char	   *nb = realloc(c->buf, nc);

		if (!nb)
			return import_fail(x, IMPORT_FAIL, "out of memory");
		c->buf = nb;
		c->cap = nc;
	}
	if (!v)
	{
		memcpy(c->buf + c->len, "\\N", 2);
		c->len += 2;
	}
	else
		for (; *v; v++)
		{
			char		ch = *v;

			if (ch == '\\' || ch == '\t' || ch == '\n' || ch == '\r')
			{
				c->buf[c->len++] = '\\';
				ch = ch == '\t' ? 't' : ch == '\n' ? 'n' : ch == '\r' ? 'r' : '\\';
			}
			c->buf[c->len++] = ch;
		}
	c->buf[c->len++] = last ? '\n' : '\t';
	return (last && c->len >= COPY_FLUSH) ? copy_flush(x, c) : 0;
}

int
import_copy_number(import_ctx *x, import_copy *c, double v, int last)
{
	char		b[64];

	if (isnan(v))
		return import_copy_field(x, c, NULL, last);
	if (fabs(v) < 1e15 && v == (double) (long long) v)
		snprintf(b, sizeof(b), "%lld", (long long) v);
	else
		snprintf(b, sizeof(b), "%.10g", v);
	return import_copy_field(x, c, b, last);
}

int
import_copy_end(import_ctx *x, import_copy *c)
{
	char		e[512];
	double		t0 = util_now();
	int			rc = copy_flush(x, c);

	free(c->buf);
	c->buf = NULL;
	if (rc != 0)
		return -1;
	if (db_copy_in_end(c->db, e, sizeof(e)) != 0)
		return import_fail(x, db_is_down(x->db) ? IMPORT_DB : IMPORT_FAIL, "%s", e);
	log_debug("%.2f s: end of COPY", util_now() - t0);
	return 0;
}

void
import_copy_abort(import_copy *c)
{
	PGresult   *r;

	if (!c || !c->buf)
		return;
	free(c->buf);
	c->buf = NULL;
	if (PQputCopyEnd(c->db, "import aborted") == 1)
		while ((r = PQgetResult(c->db)) != NULL)
			PQclear(r);
}

/* ---- SQL ---- */

/* A statement that uses $2 must use $1 too (libpq infers the types of the parameters sent). */
int
import_sql(import_ctx *x, const char *sql, int64_t *rows)
{
	const char *p[2] = {x->year_txt, x->gm[0] ? x->gm : NULL};
	int			np = strstr(sql, "$2") ? 2 : strstr(sql, "$1") ? 1 : 0;
	char		e[1024];
	double		t0 = util_now();
	PGresult   *r = db_query(x->db, sql, np, p, e, sizeof(e));

	log_debug("%.2f s: %.70s", util_now() - t0, sql);
	if (!r)
		return import_fail(x, db_is_down(x->db) ? IMPORT_DB : IMPORT_FAIL, "%s", e);
	if (rows)
	{
		if (PQresultStatus(r) == PGRES_TUPLES_OK)
			*rows = PQntuples(r) > 0 && !PQgetisnull(r, 0, 0) ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
		else
			*rows = strtoll(PQcmdTuples(r), NULL, 10);
	}
	PQclear(r);
	return 0;
}

void
import_change_add(import_ctx *x, const char *target, int64_t ins, int64_t upd, int64_t del)
{
	import_report *rep = x->rep;
	size_t		i;

	for (i = 0; i < rep->nchanges; i++)
		if (strcmp(rep->changes[i].table, target) == 0)
			break;
	if (i == rep->nchanges)
	{
		if (rep->nchanges == IMPORT_MAX_CHANGES)
			return;
		rep->changes[rep->nchanges++] = (import_change) {target, 0, 0, 0};
	}
	rep->changes[i].inserted += ins;
	rep->changes[i].updated += upd;
	rep->changes[i].deleted += del;
}

/* "a, b" → "p.a, p.b" (or "a = p.a, b = p.b" when set is true) */
static void
column_list(const char *cols, const char *alias, int set, char *out, size_t outlen)
{
	char		copy[512], *save = NULL;
	size_t		n = 0;

	snprintf(copy, sizeof(copy), "%s", cols);
	out[0] = '\0';
	for (char *c = strtok_r(copy, ", ", &save); c && n < outlen; c = strtok_r(NULL, ", ", &save))
	{
		if (set)
			n += snprintf(out + n, outlen - n, "%s%s = %s.%s", n ? ", " : "", c, alias, c);
		else
			n += snprintf(out + n, outlen - n, "%s%s.%s", n ? ", " : "", alias, c);
	}
}

int
import_merge(import_ctx *x, const char *target, const char *src, const char *keys, const char *cols,
			 const char *scope)
{
	char		sql[4096], tk[256], sk[256], set[1024], tc[512], sc[512];
	int64_t		del = 0, ins = 0, upd = 0;

	column_list(keys, "t", 0, tk, sizeof(tk));
	column_list(keys, "s", 0, sk, sizeof(sk));
	column_list(cols, "s", 2, set, sizeof(set));
	column_list(cols, "t", 0, tc, sizeof(tc));
	column_list(cols, "s", 0, sc, sizeof(sc));
	snprintf(sql, sizeof(sql), "DELETE FROM %s t WHERE (%s) AND NOT EXISTS "
			 "(SELECT 1 FROM %s s WHERE (%s) = (%s))", target, scope, src, sk, tk);
	if (import_sql(x, sql, &del) != 0)
		return -1;
	/* a hash join finds the changed rows; unchanged ones are not touched (no dead tuples) */
	snprintf(sql, sizeof(sql), "UPDATE %s t SET %s FROM %s s WHERE (%s) = (%s) AND (%s) IS DISTINCT FROM (%s)",
			 target, set, src, sk, tk, tc, sc);
	if (import_sql(x, sql, &upd) != 0)
		return -1;
	snprintf(sql, sizeof(sql), "INSERT INTO %s (%s, %s) SELECT %s, %s FROM %s s WHERE NOT EXISTS "
			 "(SELECT 1 FROM %s t WHERE (%s) = (%s))", target, keys, cols, sk, sc, src, target, tk, sk);
	if (import_sql(x, sql, &ins) != 0)
		return -1;
	import_change_add(x, target, ins, upd, del);
	return 0;
}

/* ---- duplicate detection ---- */

/* [0-9A-Z] in 6 bits each, never 0: at most 10 characters fit in 64 bits */
static uint64_t
pack_code(const char *code)
{
	uint64_t	k = 0;

	for (int i = 0; code[i] && i < 10; i++)
	{
		unsigned char ch = (unsigned char) code[i];

		k = (k << 6) | (uint64_t) (isdigit(ch) ? ch - '0' + 1 : isupper(ch) ? ch - 'A' + 11 : 63);
	}
	return k;
}

static uint64_t
mix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return k;
}

int
import_seen_add(import_seen *s, const char *code)
{
	uint64_t	k = pack_code(code);
	size_t		i;

	if (2 * (s->n + 1) > s->cap)
	{
		size_t		nc = s->cap ? 2 * s->cap : 1024;
		uint64_t   *ns = calloc(nc, sizeof(uint64_t));

		if (!ns)
			return -1;
		for (size_t j = 0; j < s->cap; j++)
			if (s->slot[j])
			{
				for (i = mix(s->slot[j]) & (nc - 1); ns[i]; i = (i + 1) & (nc - 1))
					;
				ns[i] = s->slot[j];
			}
		free(s->slot);
		s->slot = ns;
		s->cap = nc;
	}
	for (i = mix(k) & (s->cap - 1); s->slot[i]; i = (i + 1) & (s->cap - 1))
		if (s->slot[i] == k)
			return 1;
	s->slot[i] = k;
	s->n++;
	return 0;
}

void
import_seen_free(import_seen *s)
{
	if (!s)
		return;
	free(s->slot);
	memset(s, 0, sizeof(*s));
}
