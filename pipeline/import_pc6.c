/*
 * pipeline/import_pc6.c — `vsp import pc6-buurt`: the CBS table "Buurt, wijk en gemeente per
 * postcode en huisnummer" (CSV PC6;Huisnummer;BuurtYYYY;WijkYYYY;GemeenteYYYY, ~8M rows
 * nationally) into ref.pc6 (buurt_code, wijk_code, gemeente_code) and ref.address_buurt.
 *
 * Each line is checked and kept in memory in 16 bytes (the national table takes ~130 MB);
 * one sort by PC6, huisnummer and line then gives per PC6 the buurt of most of its addresses
 * (ties: the lowest buurt code, so the result never depends on the file's order), and a
 * repeated address keeps its first line.  Only the PC6 rows (~450k) and the addresses of
 * PC6s spanning two or more buurten go to the server, by COPY.  CBS writes codes without
 * prefix ("00340101", "0363AF01"); numeric exports that lost leading zeros are padded.
 * Log lines name line numbers, never an address.
 */
#include "import_int.h"
#include "log.h"
#include "signal.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXF 16

enum
{
	C_PC6, C_HNR, C_BU, C_WK, C_GM, NC
};

/* Split line in place at delim; quotes around a field are dropped, spaces trimmed. */
static int
split(char *line, char delim, char **f, int maxf)
{
	int			n = 0;
	char	   *p = line;

	for (;;)
	{
		char	   *end = strchr(p, delim), *s = p, *e;

		if (end)
			*end = '\0';
		while (*s == ' ')
			s++;
		e = s + strlen(s);
		while (e > s && (e[-1] == ' ' || e[-1] == '\r' || e[-1] == '\n'))
			*--e = '\0';
		if (e - s >= 2 && *s == '"' && e[-1] == '"')
		{
			e[-1] = '\0';
			s++;
		}
		if (n < maxf)
			f[n++] = s;
		if (!end)
			return n;
		p = end + 1;
	}
}

/* Find the CBS columns in the header; names the missing ones in err. */
static int
header_columns(import_ctx *x, char *line, char *delim, int col[NC], int *hdr_year)
{
	static const char *const want[NC] = {"PC6", "Huisnummer", "Buurt", "Wijk", "Gemeente"};
	char	   *f[MAXF], missing[128] = "";
	int			n;

	if (strncmp(line, "\xEF\xBB\xBF", 3) == 0)	/* UTF-8 byte order mark */
		memmove(line, line + 3, strlen(line + 3) + 1);
	*delim = strchr(line, ';') ? ';' : strchr(line, '\t') ? '\t' : ',';
	n = split(line, *delim, f, MAXF);
	*hdr_year = 0;
	for (int c = 0; c < NC; c++)
	{
		col[c] = -1;
		for (int i = 0; i < n && col[c] < 0; i++)
		{
			size_t		len = strlen(want[c]);

			/* PC6 and Huisnummer exactly; BuurtYYYY, WijkYYYY, GemeenteYYYY by prefix */
			if (c < C_BU ? strcasecmp(f[i], want[c]) == 0 || (c == C_PC6 && strcasecmp(f[i], "postcode") == 0)
				: strncasecmp(f[i], want[c], len) == 0 && (!f[i][len] || isdigit((unsigned char) f[i][len])))
			{
				col[c] = i;
				if (c == C_BU && f[i][len])
					*hdr_year = import_year_in(f[i] + len);
			}
		}
		if (col[c] < 0)
			snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), "%s%s%s",
					 missing[0] ? ", " : "", want[c], c >= C_BU ? "YYYY" : "");
	}
	if (missing[0])
		return import_fail(x, IMPORT_BADFILE, "%s is not the CBS table \"buurt, wijk en gemeente per postcode en "
						   "huisnummer\": missing column%s %s", x->o->input, strchr(missing, ',') ? "s" : "", missing);
	return 0;
}

static int
parse_huisnummer(const char *s, char out[8])
{
	char	   *end;
	long		v;

	if (!isdigit((unsigned char) *s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v > 99999)
		return -1;
	snprintf(out, 8, "%ld", v);
	return 0;
}

/* ---- addresses in memory ---- */

/* One address: 16 bytes, so the national table (~8M) takes ~130 MB. */
typedef struct addr_row
{
	uint32_t	pc6;			/* packed: pc4 * 676 + letters */
	uint32_t	hnr;			/* huisnummer; ADDR_DUP set when the address came before */
	uint32_t	buurt;			/* index into the buurt table */
	uint32_t	line;			/* line number; ADDR_SPAN set when its PC6 spans buurten */
} addr_row;

#define ADDR_DUP  0x80000000u
#define ADDR_SPAN 0x80000000u

typedef struct buurt_entry
{
	char		bu[16], wk[16], gm[8];	/* wijk and gemeente as the first line with this buurt gives them */
	uint32_t	rank;			/* position in code order: ties go to the lowest code */
} buurt_entry;

typedef struct addr_table
{
	addr_row   *row;
	size_t		n, cap;
	buurt_entry *bu;
	size_t		nbu, capbu;
	uint32_t   *slot;			/* open-addressing index into bu (+1; 0 = empty) */
	size_t		nslot;
} addr_table;

static uint32_t
pack_pc6(const char *pc6)
{
	uint32_t	pc4 = (uint32_t) ((pc6[0] - '0') * 1000 + (pc6[1] - '0') * 100 + (pc6[2] - '0') * 10 + (pc6[3] - '0'));

	return pc4 * 676u + (uint32_t) (pc6[4] - 'A') * 26u + (uint32_t) (pc6[5] - 'A');
}

static void
unpack_pc6(uint32_t k, char out[7])
{
	uint32_t	pc4 = k / 676u % 10000u;

	for (int i = 3; i >= 0; i--, pc4 /= 10)
		out[i] = (char) ('0' + pc4 % 10);
	out[4] = (char) ('A' + k % 676u / 26u);
	out[5] = (char) ('A' + k % 26u);
	out[6] = '\0';
}

static uint32_t
hash_str(const char *s)
{
	uint32_t	h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char) *s) * 16777619u;
	return h;
}

/* Index of buurt bu in the table, added when new; -1 out of memory. */
static long
buurt_index(addr_table *t, const char *bu, const char *wk, const char *gm)
{
	size_t		i;

	if (2 * (t->nbu + 1) > t->nslot)
	{
		size_t		ns = t->nslot ? 2 * t->nslot : 4096;
		uint32_t   *nsl = calloc(ns, sizeof(uint32_t));

		if (!nsl)
			return -1;
		for (size_t k = 0; k < t->nbu; k++)
		{
			for (i = hash_str(t->bu[k].bu) & (ns - 1); nsl[i]; i = (i + 1) & (ns - 1))
				;
			nsl[i] = (uint32_t) k + 1;
		}
		free(t->slot);
		t->slot = nsl;
		t->nslot = ns;
	}
	for (i = hash_str(bu) & (t->nslot - 1); t->slot[i]; i = (i + 1) & (t->nslot - 1))
		if (strcmp(t->bu[t->slot[i] - 1].bu, bu) == 0)
			return (long) t->slot[i] - 1;
	if (t->nbu == t->capbu)
	{
		size_t		nc = t->capbu ? 2 * t->capbu : 1024;
		buurt_entry *nb = realloc(t->bu, nc * sizeof(*nb));

		if (!nb)
			return -1;
		t->bu = nb;
		t->capbu = nc;
	}
	snprintf(t->bu[t->nbu].bu, sizeof(t->bu[t->nbu].bu), "%s", bu);
	snprintf(t->bu[t->nbu].wk, sizeof(t->bu[t->nbu].wk), "%s", wk);
	snprintf(t->bu[t->nbu].gm, sizeof(t->bu[t->nbu].gm), "%.7s", gm);
	t->slot[i] = (uint32_t) t->nbu + 1;
	return (long) t->nbu++;
}

static int
add_row(addr_table *t, uint32_t pc6, uint32_t hnr, uint32_t bu, uint32_t line)
{
	if (t->n == t->cap)
	{
		size_t		nc = t->cap ? t->cap + t->cap / 2 : 1 << 16, bytes;
		addr_row   *nr;

		if (util_mul_size(nc, sizeof(addr_row), &bytes) != 0 || !(nr = realloc(t->row, bytes)))
			return -1;
		t->row = nr;
		t->cap = nc;
	}
	t->row[t->n++] = (addr_row) {pc6, hnr, bu, line};
	return 0;
}

static int
cmp_row(const void *a, const void *b)
{
	const addr_row *x = a, *y = b;

	if (x->pc6 != y->pc6)
		return x->pc6 < y->pc6 ? -1 : 1;
	if (x->hnr != y->hnr)
		return x->hnr < y->hnr ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* qsort_r comparator: buurt indices by code (strcmp: the C collation) */
static int
cmp_bu_idx(const void *a, const void *b, void *arg)
{
	const buurt_entry *bu = arg;

	return strcmp(bu[*(const uint32_t *) a].bu, bu[*(const uint32_t *) b].bu);
}

static void
table_free(addr_table *t)
{
	free(t->row);
	free(t->bu);
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

/* Check every data line and keep the good ones in t. */
static int
read_lines(import_ctx *x, FILE *in, char delim, const int col[NC], addr_table *t)
{
	char	   *line = NULL, *f[MAXF];
	size_t		cap = 0;
	ssize_t		len;
	uint32_t	lineno = 1;
	int			need = 0, rc = 0;

	for (int c = 0; c < NC; c++)
		need = col[c] + 1 > need ? col[c] + 1 : need;
	while (rc == 0 && (len = getline(&line, &cap, in)) >= 0)
	{
		char		where[48], pc6[7], hnr[8], bu[16], wk[16], gm[16];
		long		b;
		int			n;

		if (++lineno >= ADDR_SPAN)
			return free(line), import_fail(x, IMPORT_BADFILE, "%s has more than 2^31 lines", x->o->input);
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		x->rep->read++;
		snprintf(where, sizeof(where), "line %u", lineno);
		n = split(line, delim, f, MAXF);
		if (n < need)
			import_reject(x, IMPORT_R_FIELDS, where);
		else if (signal_norm_postcode(f[col[C_PC6]], pc6) != SIGNAL_OK)
			import_reject(x, IMPORT_R_POSTCODE, where);
		else if (parse_huisnummer(f[col[C_HNR]], hnr) != 0)
			import_reject(x, IMPORT_R_HUISNUMMER, where);
		else if (import_norm_area(f[col[C_BU]], "BU", 8, bu) != 0 || import_norm_area(f[col[C_WK]], "WK", 6, wk) != 0 ||
				 import_norm_area(f[col[C_GM]], "GM", 4, gm) != 0)
			import_reject(x, IMPORT_R_CODE, where);
		else if (x->gm[0] && strcmp(gm, x->gm) != 0)
			x->rep->skipped++;
		else if ((b = buurt_index(t, bu, wk, gm)) < 0 ||
				 add_row(t, pack_pc6(pc6), (uint32_t) atoi(hnr), (uint32_t) b, lineno) != 0)
			rc = import_fail(x, IMPORT_FAIL, "out of memory reading %s", x->o->input);
	}
	if (rc == 0 && ferror(in))
		rc = import_fail(x, IMPORT_USAGE, "cannot read %s: %s", x->o->input, strerror(errno));
	free(line);
	return rc;
}

/* Sort, drop repeated addresses, and per PC6 pick the buurt of most addresses (ties: the
 * lowest code); each PC6 goes to the map COPY, addresses of spanning PC6s are flagged. */
static int
derive_map(import_ctx *x, addr_table *t, import_copy *cp)
{
	uint32_t   *order = malloc((t->nbu ? t->nbu : 1) * sizeof(uint32_t));
	struct
	{
		uint32_t	bu, n;
	}		   *cnt = NULL;
	size_t		ncnt = 0, capcnt = 0;
	int			rc = 0;

	if (!order)
		return import_fail(x, IMPORT_FAIL, "out of memory");
	for (uint32_t i = 0; i < t->nbu; i++)
		order[i] = i;
	qsort_r(order, t->nbu, sizeof(uint32_t), cmp_bu_idx, t->bu);
	for (uint32_t i = 0; i < t->nbu; i++)
		t->bu[order[i]].rank = i;
	free(order);
	qsort(t->row, t->n, sizeof(addr_row), cmp_row);
	for (size_t g = 0, e; rc == 0 && g < t->n; g = e)
	{
		size_t		best = 0;
		char		pc6[7], nb[24];

		ncnt = 0;
		for (e = g; e < t->n && t->row[e].pc6 == t->row[g].pc6; e++)
		{
			size_t		k;

			if (e > g && t->row[e].hnr == (t->row[e - 1].hnr & ~ADDR_DUP))
			{
				char		where[48];

				t->row[e].hnr |= ADDR_DUP;
				snprintf(where, sizeof(where), "line %u", t->row[e].line);
				import_reject(x, IMPORT_R_DUP_ADDRESS, where);
				continue;
			}
			x->rep->loaded++;
			for (k = 0; k < ncnt && cnt[k].bu != t->row[e].buurt; k++)
				;
			if (k == ncnt)
			{
				if (ncnt == capcnt)
				{
					void	   *nc = realloc(cnt, (capcnt + 8) * sizeof(*cnt));

					if (!nc)
					{
						rc = import_fail(x, IMPORT_FAIL, "out of memory");
						break;
					}
					cnt = nc;
					capcnt += 8;
				}
				cnt[ncnt].bu = t->row[e].buurt;
				cnt[ncnt++].n = 0;
			}
			cnt[k].n++;
		}
		if (rc != 0)
			break;
		for (size_t k = 1; k < ncnt; k++)
			if (cnt[k].n > cnt[best].n ||
				(cnt[k].n == cnt[best].n && t->bu[cnt[k].bu].rank < t->bu[cnt[best].bu].rank))
				best = k;
		if (ncnt > 1)
			for (size_t r = g; r < e; r++)
				t->row[r].line |= ADDR_SPAN;
		x->rep->pc6_codes++;
		x->rep->pc6_spanning += ncnt > 1;
		unpack_pc6(t->row[g].pc6, pc6);
		snprintf(nb, sizeof(nb), "%zu", ncnt);
		rc = import_copy_field(x, cp, pc6, 0) || import_copy_field(x, cp, t->bu[cnt[best].bu].bu, 0) ||
			import_copy_field(x, cp, t->bu[cnt[best].bu].wk, 0) ||
			import_copy_field(x, cp, t->bu[cnt[best].bu].gm, 0) || import_copy_field(x, cp, nb, 1) ? -1 : 0;
	}
	free(cnt);
	return rc;
}

/* The kept addresses of the PC6s spanning buurten. */
static int
copy_spanning(import_ctx *x, const addr_table *t, import_copy *cp)
{
	int			rc = 0;

	for (size_t r = 0; rc == 0 && r < t->n; r++)
	{
		const addr_row *a = &t->row[r];
		const buurt_entry *b = &t->bu[a->buurt];
		char		pc6[7], hnr[12];

		if (!(a->line & ADDR_SPAN) || (a->hnr & ADDR_DUP))
			continue;
		unpack_pc6(a->pc6, pc6);
		snprintf(hnr, sizeof(hnr), "%u", a->hnr);
		x->rep->addresses_kept++;
		rc = import_copy_field(x, cp, pc6, 0) || import_copy_field(x, cp, hnr, 0) ||
			import_copy_field(x, cp, b->bu, 0) || import_copy_field(x, cp, b->wk, 0) ||
			import_copy_field(x, cp, b->gm, 1) ? -1 : 0;
	}
	return rc;
}

/* Replace the mapping in scope: ref.pc6 from map, ref.address_buurt from imp_ab. */
static int
merge(import_ctx *x)
{
	int64_t		del = 0, clr = 0, ins = 0, upd = 0;

	/* ref.pc6: rows in scope that the table lacks lose their buurt (deleted when nothing is left) */
	if (import_sql(x, "ANALYZE map", NULL) != 0 || import_sql(x, "ANALYZE imp_ab", NULL) != 0 ||
		import_sql(x, "DELETE FROM ref.pc6 t WHERE ($2::text IS NULL OR t.gemeente_code = $2::text) "
				   "AND $1::int IS NOT NULL AND t.households IS NULL AND t.inhabitants IS NULL "
				   "AND t.dwellings IS NULL AND NOT t.suppressed "
				   "AND NOT EXISTS (SELECT 1 FROM map m WHERE m.pc6 = t.pc6)", &del) != 0 ||
		import_sql(x, "UPDATE ref.pc6 t SET buurt_code = NULL, wijk_code = NULL, gemeente_code = NULL, "
				   "buurt_year = NULL WHERE ($2::text IS NULL OR t.gemeente_code = $2::text) AND $1::int IS NOT NULL "
				   "AND NOT EXISTS (SELECT 1 FROM map m WHERE m.pc6 = t.pc6) "
				   "AND (t.buurt_code, t.wijk_code, t.gemeente_code, t.buurt_year) IS DISTINCT FROM "
				   "(NULL::text, NULL::text, NULL::text, NULL::int)", &clr) != 0 ||
		import_sql(x, "UPDATE ref.pc6 t SET buurt_code = m.buurt_code, wijk_code = m.wijk_code, "
				   "gemeente_code = m.gemeente_code, buurt_year = $1::int FROM map m WHERE m.pc6 = t.pc6 "
				   "AND (t.buurt_code, t.wijk_code, t.gemeente_code, t.buurt_year) IS DISTINCT FROM "
				   "(m.buurt_code, m.wijk_code, m.gemeente_code, $1::int)", &upd) != 0 ||
		import_sql(x, "INSERT INTO ref.pc6 (pc6, pc4, buurt_code, wijk_code, gemeente_code, buurt_year, year) "
				   "SELECT m.pc6, left(m.pc6, 4), m.buurt_code, m.wijk_code, m.gemeente_code, $1::int, $1::int "
				   "FROM map m WHERE NOT EXISTS (SELECT 1 FROM ref.pc6 t WHERE t.pc6 = m.pc6)", &ins) != 0)
		return -1;
	import_change_add(x, "ref.pc6", ins, upd + clr, del);
	return import_merge(x, "ref.address_buurt", "imp_ab", "year, pc6, huisnummer",
						"buurt_code, wijk_code, gemeente_code",
						"t.year = $1::int AND ($2::text IS NULL OR t.gemeente_code = $2::text)");
}

int
import_pc6_buurt(import_ctx *x)
{
	FILE	   *in;
	char	   *line = NULL, sql[512];
	size_t		cap = 0;
	char		delim;
	int			col[NC], hdr_year, rc = -1;
	import_copy cp = {0};
	addr_table	t = {0};
	const char *base = strrchr(x->o->input, '/') ? strrchr(x->o->input, '/') + 1 : x->o->input;

	if (!(in = fopen(x->o->input, "r")))
		return import_fail(x, IMPORT_USAGE, "cannot open %s: %s", x->o->input, strerror(errno));
	if (getline(&line, &cap, in) < 0)
	{
		import_fail(x, IMPORT_BADFILE, "%s is empty", x->o->input);
		goto done;
	}
	if (header_columns(x, line, &delim, col, &hdr_year) != 0)
		goto done;
	x->year = x->o->year ? x->o->year : hdr_year ? hdr_year : import_year_in(base);
	if (!x->year)
	{
		import_fail(x, IMPORT_USAGE, "cannot tell the year of %s (no BuurtYYYY column): give --year", x->o->input);
		goto done;
	}
	if (hdr_year && hdr_year != x->year)
		log_warn("--year %d, but the file's columns are of %d", x->year, hdr_year);
	snprintf(x->year_txt, sizeof(x->year_txt), "%d", x->year);
	if (read_lines(x, in, delim, col, &t) != 0)
		goto done;
	log_info("%zu addresses read, %zu buurten; deriving PC6 → buurt", t.n, t.nbu);
	snprintf(sql, sizeof(sql), "CREATE TEMP TABLE imp_ab (year int NOT NULL DEFAULT %d, pc6 char(6), "
			 "huisnummer int, buurt_code text, wijk_code text, gemeente_code text) ON COMMIT DROP", x->year);
	if (import_sql(x, "CREATE TEMP TABLE map (pc6 char(6) PRIMARY KEY, buurt_code text, wijk_code text, "
				   "gemeente_code text, nbuurt int) ON COMMIT DROP", NULL) != 0 ||
		import_sql(x, sql, NULL) != 0 ||
		import_copy_begin(x, &cp, "COPY map FROM STDIN") != 0 || derive_map(x, &t, &cp) != 0 ||
		import_copy_end(x, &cp) != 0 ||
		import_copy_begin(x, &cp, "COPY imp_ab (pc6, huisnummer, buurt_code, wijk_code, gemeente_code) FROM STDIN") != 0 ||
		copy_spanning(x, &t, &cp) != 0 || import_copy_end(x, &cp) != 0)
		goto done;
	table_free(&t);
	rc = merge(x);
done:
	import_copy_abort(&cp);
	table_free(&t);
	free(line);
	fclose(in);
	return rc;
}
