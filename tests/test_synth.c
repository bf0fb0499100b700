/*
 * tests/test_synth.c — the synthetic city and national generator (geo/synth.h).
 *
 * One city run (seed 42) into a temporary directory is shared by most tests; they read
 * its files back with their own small CSV reader and an independent row validator, so
 * the generator is checked against the rules in the design, not against itself.
 * Determinism runs the generator again (same seed: every file byte-identical; another
 * seed: different signals).  The database test runs only when PGHOST is set.
 */
#include "testutil.h"

#include <ctype.h>
#include <dirent.h>
#include <unistd.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <libpq-fe.h>

#include "../geo/synth.h"

/* ---- helpers ---------------------------------------------------------------- */

typedef struct table
{
	char	   *buf;
	size_t		n, nf;
	char	  **cell;			/* n * nf fields; NULL = SQL NULL */
} table;

static char *
slurp(const char *path, size_t *len)
{
	FILE	   *f = fopen(path, "rb");
	char	   *b;
	long		n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t) n + 1);
	if (b && fread(b, 1, (size_t) n, f) != (size_t) n)
	{
		free(b);
		b = NULL;
	}
	fclose(f);
	if (b)
		b[n] = '\0';
	if (len)
		*len = (size_t) n;
	return b;
}

/* Read a COPY-style CSV with header: unquoted empty = NULL, "" = empty string. */
static void
load_csv(const char *dir, const char *name, table *t)
{
	char		path[4096];
	char	   *p, *q;
	size_t		cap = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	memset(t, 0, sizeof(*t));
	t->buf = slurp(path, NULL);
	assert_non_null(t->buf);
	t->nf = 1;
	for (p = t->buf; *p && *p != '\n'; p++)
		t->nf += (*p == ',');
	p = strchr(t->buf, '\n') + 1;
	while (*p)
	{
		for (size_t k = 0; k < t->nf; k++)
		{
			if (t->n * t->nf + k >= cap)
			{
				cap = cap ? cap * 2 : 4096;
				t->cell = realloc(t->cell, cap * sizeof(char *));
				assert_non_null(t->cell);
			}
			char	  **out = &t->cell[t->n * t->nf + k];

			if (*p == '"')
			{
				q = *out = ++p;
				for (;; p++)
				{
					if (*p == '"' && p[1] == '"')
						*q++ = *p++;
					else if (*p == '"')
						break;
					else
						*q++ = *p;
				}
				p++;
			}
			else
			{
				*out = (*p == ',' || *p == '\n') ? NULL : p;
				q = p += strcspn(p, ",\n");
			}
			assert_true(*p == (k + 1 < t->nf ? ',' : '\n'));
			*q = '\0';
			p++;
		}
		t->n++;
	}
}

static void
free_table(table *t)
{
	free(t->buf);
	free(t->cell);
}

#define CELL(t, r, k) ((t)->cell[(r) * (t)->nf + (k)])

static int32_t
days(const char *s)
{
	int			y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
	static const int cum[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
	int64_t		p = y - 1;
	int			leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return (int32_t) (p * 365 + p / 4 - p / 100 + p / 400 + cum[m - 1] + (m > 2 && leap) + d - 1 - 719162);
}

static int
run_synth(const char *dir, uint64_t seed, int national, double fraction, const char *conninfo,
		  synth_report *rep)
{
	synth_options o;
	char		err[512] = "";

	synth_options_default(&o);
	o.outdir = dir;
	o.seed = seed;
	o.national = national;
	o.fraction = fraction;
	o.conninfo = conninfo;
	if (synth_run(&o, rep, err, sizeof(err)) != 0)
		fail_msg("synth_run: %s", err);
	return 0;
}

static void
remove_dir(const char *dir)
{
	DIR		   *d = opendir(dir);
	struct dirent *e;
	char		path[4096];

	if (!d)
		return;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.' || strncmp(e->d_name, ".tmp", 4) == 0)
		{
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
	closedir(d);
	rmdir(dir);
}

static const char *const files[] = {
	"city.gpkg", "pc6.csv", "signals.csv", "zaak.csv", "truth_hotspots.csv",
	"truth_bad_rows.csv", "names.txt"
};
#define NFILES (sizeof(files) / sizeof(files[0]))

/* ---- shared city run -------------------------------------------------------- */

typedef struct city
{
	char	   *dir;
	synth_report rep;
	table		pc6, sig, bad, hot, zaak;
} city;

static int
setup_city(void **state)
{
	city	   *c = calloc(1, sizeof(city));

	GDALAllRegister();
	c->dir = test_tmpdir();
	run_synth(c->dir, 42, 0, 1.0, NULL, &c->rep);
	load_csv(c->dir, "pc6.csv", &c->pc6);
	load_csv(c->dir, "signals.csv", &c->sig);
	load_csv(c->dir, "truth_bad_rows.csv", &c->bad);
	load_csv(c->dir, "truth_hotspots.csv", &c->hot);
	load_csv(c->dir, "zaak.csv", &c->zaak);
	*state = c;
	return 0;
}

static int
teardown_city(void **state)
{
	city	   *c = *state;

	remove_dir(c->dir);
	free(c->dir);
	free_table(&c->pc6);
	free_table(&c->sig);
	free_table(&c->bad);
	free_table(&c->hot);
	free_table(&c->zaak);
	free(c);
	return 0;
}

/* index of a PC6 code in pc6.csv (which is sorted), or -1 */
static long
find_pc6(const table *p, const char *code)
{
	size_t		lo = 0, hi = p->n;

	while (lo < hi)
	{
		size_t		mid = (lo + hi) / 2;
		int			c = strcmp(CELL(p, mid, 0), code);

		if (c == 0)
			return (long) mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* ---- an independent row validator --------------------------------------------- */

enum
{
	D_PC_MALFORMED = 1, D_PC_UNKNOWN = 2, D_HNR_MISSING = 4, D_HNR_MALFORMED = 8,
	D_PARTNER = 16, D_NEGATIVE = 32, D_ABSURD = 64, D_FUTURE = 128, D_ONTSTAAN = 256,
	D_DUPLICATE = 512
};
static const char *const reason_code[10] = {
	"postcode_malformed", "postcode_unknown", "huisnummer_missing", "huisnummer_malformed",
	"partner_unknown", "amount_negative", "amount_absurd", "date_future",
	"ontstaan_after_signaal", "duplicate_id"
};

/* partner group: 0 huur 1 energie 2 water 3 zorg 4 other, -1 unknown */
static int
partner_group(const char *s)
{
	static const char *const names[][2] = {
		{"huur", "0"}, {"woningcorporatie", "0"}, {"verhuurder", "0"}, {"energie", "1"},
		{"gas", "1"}, {"elektriciteit", "1"}, {"warmte", "1"}, {"water", "2"},
		{"drinkwater", "2"}, {"zorg", "3"}, {"zorgverzekeraar", "3"}, {"hypotheek", "4"},
		{"duo", "4"}, {"toeslagen", "4"}, {"cak", "4"}
	};

	for (size_t i = 0; s && i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(s, names[i][0]) == 0)
			return names[i][1][0] - '0';
	return -1;
}

/* Normalise a postcode into out[7]; 0 ok, 1 malformed. */
static int
norm_postcode(const char *in, char out[7])
{
	int			n = 0;

	for (; in && *in; in++)
	{
		if (*in == ' ' || *in == '-')
			continue;
		if (n >= 6)
			return 1;
		out[n++] = (char) toupper((unsigned char) *in);
	}
	out[n] = '\0';
	if (n != 6 || out[0] < '1' || out[0] > '9')
		return 1;
	for (int i = 1; i < 4; i++)
		if (!isdigit((unsigned char) out[i]))
			return 1;
	if (!isupper((unsigned char) out[4]) || !isupper((unsigned char) out[5]))
		return 1;
	return out[4] == 'S' && (out[5] == 'A' || out[5] == 'D' || out[5] == 'S');
}

/* All defects of row r as a bitmask; *hnr = house number when it parses. */
static int
defects(const city *c, size_t r, char ***seen, size_t *nseen, long *hnr, char pc[7])
{
	int			m = 0;
	const char *h = CELL(&c->sig, r, 11), *id = CELL(&c->sig, r, 1);
	double		amount = atof(CELL(&c->sig, r, 3));
	int32_t		end = days("2026-10-31");

	if (norm_postcode(CELL(&c->sig, r, 10), pc))
		m |= D_PC_MALFORMED;
	else if (find_pc6(&c->pc6, pc) < 0)
		m |= D_PC_UNKNOWN;
	if (!h || !*h)
		m |= D_HNR_MISSING;
	else if (!isdigit((unsigned char) h[0]))
		m |= D_HNR_MALFORMED;
	else
		*hnr = atol(h);
	if (partner_group(CELL(&c->sig, r, 2)) < 0)
		m |= D_PARTNER;
	if (amount < 0)
		m |= D_NEGATIVE;
	if (amount > 1e6)
		m |= D_ABSURD;
	if (days(CELL(&c->sig, r, 5)) > end)
		m |= D_FUTURE;
	if (days(CELL(&c->sig, r, 4)) > days(CELL(&c->sig, r, 5)))
		m |= D_ONTSTAAN;
	for (size_t k = 0; k < *nseen && !(m & D_DUPLICATE); k++)
		if (strcmp((*seen)[k], id) == 0)
			m |= D_DUPLICATE;
	if (!(m & D_DUPLICATE))
	{
		*seen = realloc(*seen, (*nseen + 1) * sizeof(char *));
		(*seen)[(*nseen)++] = (char *) id;
	}
	return m;
}

static int
elfproef(const char *b)
{
	int			s = 0;

	if (!b || strlen(b) != 9)
		return 0;
	for (int i = 0; i < 8; i++)
		s += (9 - i) * (b[i] - '0');
	return (s - (b[8] - '0')) % 11 == 0;
}

/* ---- tests -------------------------------------------------------------------- */

static void
test_options(void **state)
{
	synth_options o;
	char		err[256];
	char	   *dir = test_tmpdir(), file[4200];

	(void) state;
	synth_options_default(&o);
	assert_int_equal(o.seed, 42);
	assert_int_equal(o.months, 12);
	assert_string_equal(o.end_date, "2026-10-31");
	assert_null(o.outdir);
	assert_int_equal(synth_run(&o, NULL, err, sizeof(err)), -1);
	o.outdir = dir;
	o.end_date = "2026-02-30";
	err[0] = '\0';
	assert_int_equal(synth_run(&o, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "end date"));
	o.end_date = "2026-10-31";
	o.months = 0;
	assert_int_equal(synth_run(&o, NULL, err, sizeof(err)), -1);
	o.months = 12;
	o.national = 1;
	o.fraction = 0;
	assert_int_equal(synth_run(&o, NULL, err, sizeof(err)), -1);
	snprintf(file, sizeof(file), "%s/plain", dir);
	fclose(fopen(file, "w"));
	synth_options_default(&o);
	o.outdir = file;
	assert_int_equal(synth_run(&o, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a directory"));
	unlink(file);
	remove_dir(dir);
	free(dir);
}

static void
test_counts(void **state)
{
	city	   *c = *state;
	long		hh = 0, small = 0;
	size_t		npc4 = 0;

	assert_in_range(c->rep.pc6, 4500, 5500);
	assert_in_range(c->rep.pc4, 38, 41);
	assert_in_range(c->rep.households, 85000, 95000);
	assert_in_range(c->rep.signals - c->rep.bad_rows, 8000, 14000);
	assert_in_range(c->rep.hotspots, 4, 6);
	assert_int_equal(c->pc6.n, c->rep.pc6);
	assert_int_equal(c->sig.n, c->rep.signals);
	assert_int_equal(c->bad.n, c->rep.bad_rows);
	for (size_t r = 0; r < c->pc6.n; r++)
	{
		long		h = atol(CELL(&c->pc6, r, 5));

		assert_in_range(h, 5, 40);
		hh += h;
		small += h < 10;
		npc4 += r == 0 || strcmp(CELL(&c->pc6, r, 1), CELL(&c->pc6, r - 1, 1)) != 0;
	}
	assert_int_equal(hh, (long) c->rep.households);
	assert_int_equal(npc4, c->rep.pc4);
	assert_true(small > 100);
}

static void
test_pc6_codes(void **state)
{
	city	   *c = *state;

	for (size_t r = 0; r < c->pc6.n; r++)
	{
		const char *p = CELL(&c->pc6, r, 0), *b = CELL(&c->pc6, r, 2), *w = CELL(&c->pc6, r, 3);
		char		norm[7];

		assert_int_equal(strlen(p), 6);
		assert_int_equal(norm_postcode(p, norm), 0);	/* ^[1-9][0-9]{3}[A-Z]{2}$, no SA/SD/SS */
		assert_string_equal(norm, p);
		assert_memory_equal(p, CELL(&c->pc6, r, 1), 4);
		assert_int_equal(atoi(CELL(&c->pc6, r, 1)) / 100, 13);	/* Almere: 13xx */
		if (r > 0)
			assert_true(strcmp(CELL(&c->pc6, r - 1, 0), p) < 0);	/* sorted, unique */
		assert_int_equal(strlen(b), 10);
		assert_memory_equal(b, "BU0034", 6);
		assert_int_equal(strlen(w), 8);
		assert_memory_equal(w, "WK", 2);
		assert_memory_equal(w + 2, b + 2, 6);	/* wijk = first 6 digits of buurt */
		assert_string_equal(CELL(&c->pc6, r, 4), "GM0034");
	}
}

static void
test_partner_shares(void **state)
{
	city	   *c = *state;
	size_t		n = 0, cnt[5] = {0};
	size_t		b = 0;

	for (size_t r = 0; r < c->sig.n; r++)
	{
		if (b < c->bad.n && strcmp(CELL(&c->sig, r, 0), CELL(&c->bad, b, 0)) == 0)
		{
			b++;
			continue;
		}
		int			g = partner_group(CELL(&c->sig, r, 2));

		assert_true(g >= 0);
		cnt[g]++;
		n++;
	}
	assert_close(100.0 * cnt[0] / n, 20, 3);
	assert_close(100.0 * cnt[1] / n, 20, 3);
	assert_close(100.0 * cnt[2] / n, 18, 3);
	assert_close(100.0 * cnt[3] / n, 41, 3);
	assert_true(cnt[4] > 0);
}

/* Good rows pass every check; each bad row fails exactly its listed one. */
static void
test_rows(void **state)
{
	city	   *c = *state;
	char	  **seen = NULL;
	size_t		nseen = 0, b = 0, per_reason[10] = {0}, crisis = 0, good = 0;
	int32_t		start = days("2025-11-01"), end = days("2026-10-31");

	for (size_t r = 0; r < c->sig.n; r++)
	{
		long		hnr = -1;
		char		pc[7];
		int			m = defects(c, r, &seen, &nseen, &hnr, pc);

		assert_int_equal(atol(CELL(&c->sig, r, 0)), (long) r + 1);
		if (b < c->bad.n && strcmp(CELL(&c->sig, r, 0), CELL(&c->bad, b, 0)) == 0)
		{
			int			k = 0;

			while (k < 10 && strcmp(reason_code[k], CELL(&c->bad, b, 2)) != 0)
				k++;
			assert_true(k < 10);
			if (m != (1 << k))
				fail_msg("row %zu: reason %s but defects 0x%x", r + 1, reason_code[k], m);
			assert_string_equal(CELL(&c->bad, b, 1), CELL(&c->sig, r, 1));
			per_reason[k]++;
			b++;
			continue;
		}
		if (m != 0)
			fail_msg("good row %zu has defects 0x%x", r + 1, m);
		good++;
		int32_t		s = days(CELL(&c->sig, r, 5)), o = days(CELL(&c->sig, r, 4));
		int32_t		rc = days(CELL(&c->sig, r, 13));
		double		a = atof(CELL(&c->sig, r, 3));

		assert_in_range(s, start, end);
		assert_in_range(s - o, 30, 100);
		assert_in_range(rc - s, 0, 3);
		assert_true(rc <= end);
		assert_true(a >= 50 && a <= 15000);
		assert_in_range(hnr, 1, atol(CELL(&c->pc6, find_pc6(&c->pc6, pc), 5)));
		assert_true(!CELL(&c->sig, r, 8) || elfproef(CELL(&c->sig, r, 8)));
		crisis += strcmp(CELL(&c->sig, r, 6), "true") == 0;
	}
	assert_int_equal(b, c->bad.n);
	assert_close(100.0 * c->bad.n / c->sig.n, 1.0, 0.2);
	for (int k = 0; k < 10; k++)
		assert_true(per_reason[k] > 0);
	assert_close(100.0 * crisis / good, 3.0, 1.0);
	free(seen);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* One household, one identity: a BSN always comes with the same name and address. */
static void
test_households(void **state)
{
	city	   *c = *state;
	size_t		n = c->sig.n, nk = 0, distinct = 0;
	char	  **key = calloc(n, sizeof(char *));

	assert_non_null(key);
	for (size_t r = 0; r < n; r++)
	{
		char		pc[7], buf[128];
		const char *bsn = CELL(&c->sig, r, 8);

		if (!bsn || norm_postcode(CELL(&c->sig, r, 10), pc) || find_pc6(&c->pc6, pc) < 0 ||
			!CELL(&c->sig, r, 11) || !isdigit((unsigned char) CELL(&c->sig, r, 11)[0]))
			continue;
		snprintf(buf, sizeof(buf), "%s|%s|%s|%ld", bsn, CELL(&c->sig, r, 9), pc,
				 atol(CELL(&c->sig, r, 11)));
		key[nk++] = strdup(buf);
	}
	qsort(key, nk, sizeof(char *), cmp_str);
	for (size_t i = 0; i < nk; i++)
	{
		if (i > 0 && strncmp(key[i], key[i - 1], 10) == 0)
		{
			/* never print the values: they are names and BSNs */
			if (strcmp(key[i], key[i - 1]) != 0)
				fail_msg("a bsn appears with two different names or addresses");
		}
		else
			distinct++;
	}
	/* ~2 signals per household with a signal */
	assert_in_range(nk * 10 / distinct, 15, 30);
	for (size_t i = 0; i < nk; i++)
		free(key[i]);
	free(key);
}

static int
cmp_long(const void *a, const void *b)
{
	long		x = *(const long *) a, y = *(const long *) b;

	return x < y ? -1 : x > y;
}

/* Planted hotspots: clearly raised share of households with a signal. */
static void
test_hotspots(void **state)
{
	city	   *c = *state;
	size_t		npc6 = 0, nk = 0, nseen = 0;
	char	   *hot = calloc(c->pc6.n, 1), **seen = NULL;
	long	   *key = malloc(c->sig.n * sizeof(long));
	double		hh[2] = {0}, sig[2] = {0};

	for (size_t r = 0; r < c->hot.n; r++)
	{
		if (strcmp(CELL(&c->hot, r, 0), "pc6") == 0)
		{
			long		k = find_pc6(&c->pc6, CELL(&c->hot, r, 1));

			assert_true(k >= 0);
			hot[k] = 1;
			npc6++;
		}
		else
			assert_string_equal(CELL(&c->hot, r, 0), "pc4");
	}
	assert_in_range(npc6, 4 * 20, 6 * 140);
	/* households with a signal: house numbers are unique within a PC6 */
	for (size_t r = 0; r < c->sig.n; r++)
	{
		long		hnr = -1;
		char		pc[7];

		if (defects(c, r, &seen, &nseen, &hnr, pc) == 0)
			key[nk++] = find_pc6(&c->pc6, pc) * 64 + hnr;
	}
	qsort(key, nk, sizeof(long), cmp_long);
	for (size_t i = 0; i < nk; i++)
		if (i == 0 || key[i] != key[i - 1])
			sig[(int) hot[key[i] / 64]] += 1;
	for (size_t r = 0; r < c->pc6.n; r++)
		hh[(int) hot[r]] += atol(CELL(&c->pc6, r, 5));
	if (!(sig[1] / hh[1] > 2.5 * sig[0] / hh[0]))
		fail_msg("planted rate %.1f vs %.1f per 1,000", 1000 * sig[1] / hh[1], 1000 * sig[0] / hh[0]);
	free(hot);
	free(seen);
	free(key);
}

static void
test_zaak(void **state)
{
	city	   *c = *state;
	size_t		opg = 0, bekend = 0;

	assert_true(c->zaak.n > 100);
	for (size_t z = 0; z < c->zaak.n; z++)
	{
		const char *id = CELL(&c->zaak, z, 1);
		size_t		r = 0;

		assert_int_equal(atol(CELL(&c->zaak, z, 0)), (long) z + 1);
		while (r < c->sig.n && strcmp(CELL(&c->sig, r, 1), id) != 0)
			r++;
		assert_true(r < c->sig.n);
		assert_string_equal(CELL(&c->sig, r, 7), "Opgepakt");
		assert_true(days(CELL(&c->zaak, z, 2)) >= days(CELL(&c->sig, r, 5)));
		assert_in_range(atol(CELL(&c->zaak, z, 3)), 1, 5);
	}
	for (size_t r = 0; r < c->sig.n; r++)
	{
		opg += strcmp(CELL(&c->sig, r, 7), "Opgepakt") == 0;
		bekend += strcmp(CELL(&c->sig, r, 7), "Inwoner al bekend bij schuldhulpverlening") == 0;
	}
	assert_true(opg >= c->zaak.n);
	assert_true(bekend > 50);
}

/* names.txt holds every name and BSN of signals.csv, and nothing else. */
static void
test_names(void **state)
{
	city	   *c = *state;
	char		path[4096];
	char	   *txt, **line = NULL;
	size_t		n = 0;

	snprintf(path, sizeof(path), "%s/names.txt", c->dir);
	txt = slurp(path, NULL);
	assert_non_null(txt);
	for (char *p = strtok(txt, "\n"); p; p = strtok(NULL, "\n"))
	{
		line = realloc(line, (n + 1) * sizeof(char *));
		line[n++] = p;
	}
	qsort(line, n, sizeof(char *), cmp_str);
	char	   *used = calloc(n, 1);

	for (size_t r = 0; r < c->sig.n; r++)
		for (int k = 8; k <= 9; k++)
		{
			char	   *v = CELL(&c->sig, r, k), **hit;

			if (!v)
				continue;
			hit = bsearch(&v, line, n, sizeof(char *), cmp_str);
			if (!hit)
				fail_msg("row %zu: a %s is missing from names.txt", r + 1, k == 8 ? "bsn" : "name");
			used[hit - line] = 1;
		}
	for (size_t i = 0; i < n; i++)
		assert_true(used[i]);
	free(used);
	free(line);
	free(txt);
}

static void
test_gpkg(void **state)
{
	city	   *c = *state;
	char		path[4096];
	GDALDatasetH ds;

	snprintf(path, sizeof(path), "%s/city.gpkg", c->dir);
	ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
	assert_non_null(ds);
	for (int lv = 0; lv < 2; lv++)
	{
		OGRLayerH	l = GDALDatasetGetLayerByName(ds, lv == 0 ? "pc6" : "pc4");
		OGRSpatialReferenceH srs;
		OGRFeatureH f;
		size_t		k = 0;

		assert_non_null(l);
		srs = OGR_L_GetSpatialRef(l);
		assert_non_null(srs);
		assert_string_equal(OSRGetAuthorityCode(srs, NULL), "28992");
		assert_int_equal(OGR_L_GetFeatureCount(l, TRUE), lv == 0 ? (GIntBig) c->pc6.n : (GIntBig) c->rep.pc4);
		OGR_L_ResetReading(l);
		while ((f = OGR_L_GetNextFeature(l)) != NULL)
		{
			OGRGeometryH g = OGR_F_GetGeometryRef(f);
			const char *code = OGR_F_GetFieldAsString(f, 0);

			assert_non_null(g);
			assert_true(OGR_G_IsValid(g));
			if (lv == 0)
			{
				/* one feature per code, in code order, households as in pc6.csv */
				assert_string_equal(code, CELL(&c->pc6, k, 0));
				assert_int_equal(OGR_F_GetFieldAsInteger(f, 2), atoi(CELL(&c->pc6, k, 5)));
			}
			else
			{
				/* the pc4 polygon equals the GEOS union of its pc6 cells */
				OGRLayerH	l6 = GDALDatasetGetLayerByName(ds, "pc6");
				OGRGeometryH mp = OGR_G_CreateGeometry(wkbMultiPolygon), u;
				char		filt[64];
				OGRFeatureH f6;

				snprintf(filt, sizeof(filt), "pc4 = '%s'", code);
				OGR_L_SetAttributeFilter(l6, filt);
				OGR_L_ResetReading(l6);
				while ((f6 = OGR_L_GetNextFeature(l6)) != NULL)
				{
					OGR_G_AddGeometry(mp, OGR_F_GetGeometryRef(f6));
					OGR_F_Destroy(f6);
				}
				OGR_L_SetAttributeFilter(l6, NULL);
				u = OGR_G_UnionCascaded(mp);
				assert_non_null(u);
				OGRGeometryH d = OGR_G_SymDifference(u, g);	/* OGR_G_Equals is structural */

				assert_non_null(d);
				if (OGR_G_Area(d) > 1e-6 || fabs(OGR_G_Area(u) - OGR_G_Area(g)) > 1e-6)
					fail_msg("pc4 %s differs from the union of its pc6 cells", code);
				OGR_G_DestroyGeometry(d);
				OGR_G_DestroyGeometry(u);
				OGR_G_DestroyGeometry(mp);
			}
			k++;
			OGR_F_Destroy(f);
		}
	}
	GDALClose(ds);
}

/* At least 95 % of PC6 polygons share an exact vertex with another; only the water
 * islands share none. */
static void
test_shared_boundaries(void **state)
{
	city	   *c = *state;
	char		path[4096];
	GDALDatasetH ds;
	OGRLayerH	l;
	OGRFeatureH f;
	size_t		cap = 1 << 17, nf = 0, isolated = 0;
	int64_t    *hx = malloc(cap * sizeof(int64_t)), *hy = malloc(cap * sizeof(int64_t));
	long	   *hf = malloc(cap * sizeof(long));
	char	   *shared = calloc(c->pc6.n, 1);

	for (size_t i = 0; i < cap; i++)
		hf[i] = -1;
	snprintf(path, sizeof(path), "%s/city.gpkg", c->dir);
	ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
	assert_non_null(ds);
	l = GDALDatasetGetLayerByName(ds, "pc6");
	while ((f = OGR_L_GetNextFeature(l)) != NULL)
	{
		OGRGeometryH ring = OGR_G_GetGeometryRef(OGR_F_GetGeometryRef(f), 0);

		for (int k = 0; k < OGR_G_GetPointCount(ring) - 1; k++)
		{
			int64_t		x = llround(OGR_G_GetX(ring, k) * 100), y = llround(OGR_G_GetY(ring, k) * 100);
			size_t		h = (size_t) ((uint64_t) (x * 1000003 + y) * 0x9e3779b97f4a7c15u >> 47);

			while (hf[h] >= 0 && !(hx[h] == x && hy[h] == y))
				h = (h + 1) & (cap - 1);
			if (hf[h] < 0)
			{
				hx[h] = x;
				hy[h] = y;
				hf[h] = (long) nf;
			}
			else if (hf[h] != (long) nf)
				shared[nf] = shared[hf[h]] = 1;
		}
		nf++;
		OGR_F_Destroy(f);
	}
	GDALClose(ds);
	assert_int_equal(nf, c->pc6.n);
	for (size_t i = 0; i < nf; i++)
		isolated += !shared[i];
	assert_true(isolated * 100 <= nf * 5);
	assert_in_range(isolated, 2, 4);	/* the Weerwater islands */
	free(hx);
	free(hy);
	free(hf);
	free(shared);
}

static int
same_file(const char *a, const char *b)
{
	size_t		na, nb;
	char	   *x = slurp(a, &na), *y = slurp(b, &nb);
	int			same = x && y && na == nb && memcmp(x, y, na) == 0;

	free(x);
	free(y);
	return same;
}

/* Same seed: every file byte-identical (so the sha256 sums agree); another seed differs. */
static void
test_determinism(void **state)
{
	city	   *c = *state;
	char	   *b = test_tmpdir(), *d = test_tmpdir(), p1[4200], p2[4200];
	synth_report r;

	run_synth(b, 42, 0, 1.0, NULL, &r);
	run_synth(d, 43, 0, 1.0, NULL, &r);
	for (size_t i = 0; i < NFILES; i++)
	{
		snprintf(p1, sizeof(p1), "%s/%s", c->dir, files[i]);
		snprintf(p2, sizeof(p2), "%s/%s", b, files[i]);
		if (!same_file(p1, p2))
			fail_msg("%s differs between two runs with seed 42", files[i]);
	}
	snprintf(p1, sizeof(p1), "%s/signals.csv", c->dir);
	snprintf(p2, sizeof(p2), "%s/signals.csv", d);
	assert_false(same_file(p1, p2));
	remove_dir(b);
	remove_dir(d);
	free(b);
	free(d);
}

/* National scale at 1 %: counts scale, geometry valid, codes in range. */
static void
test_national_small(void **state)
{
	char	   *dir = test_tmpdir(), path[4200];
	synth_report r;
	table		p;
	GDALDatasetH ds;
	size_t		invalid = 0, ngm = 0;
	char		gm[64][8];

	(void) state;
	run_synth(dir, 7, 1, 0.01, NULL, &r);
	assert_in_range(r.pc6, 3800, 5200);
	assert_in_range(r.pc4, 38, 45);
	assert_in_range(r.households, 75000, 95000);
	assert_in_range(r.signals, 8000, 13000);
	load_csv(dir, "pc6.csv", &p);
	assert_int_equal(p.n, r.pc6);
	for (size_t i = 0; i < p.n; i++)
	{
		size_t		k = 0;

		assert_in_range(atoi(CELL(&p, i, 1)), 1000, 9999);
		if (i > 0)
			assert_true(strcmp(CELL(&p, i - 1, 0), CELL(&p, i, 0)) < 0);
		while (k < ngm && strcmp(gm[k], CELL(&p, i, 4)) != 0)
			k++;
		if (k == ngm && ngm < 64)
			snprintf(gm[ngm++], 8, "%s", CELL(&p, i, 4));
	}
	assert_int_equal(ngm, 3);	/* 342 gemeenten x 1 % */
	free_table(&p);
	snprintf(path, sizeof(path), "%s/city.gpkg", dir);
	ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
	assert_non_null(ds);
	for (int lv = 0; lv < 2; lv++)
	{
		OGRLayerH	l = GDALDatasetGetLayerByName(ds, lv ? "pc4" : "pc6");
		OGRFeatureH f;

		assert_int_equal(OGR_L_GetFeatureCount(l, TRUE), lv ? (GIntBig) r.pc4 : (GIntBig) r.pc6);
		while ((f = OGR_L_GetNextFeature(l)) != NULL)
		{
			invalid += !OGR_G_IsValid(OGR_F_GetGeometryRef(f));
			OGR_F_Destroy(f);
		}
	}
	GDALClose(ds);
	assert_int_equal(invalid, 0);
	remove_dir(dir);
	free(dir);
}

static long
count(PGconn *conn, const char *sql)
{
	PGresult   *res = PQexec(conn, sql);
	long		v = -1;

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		v = atol(PQgetvalue(res, 0, 0));
	else
		print_error("%s: %s", sql, PQerrorMessage(conn));
	PQclear(res);
	return v;
}

/* Load into the test database (PGHOST etc. from the environment), twice. */
static void
test_db_load(void **state)
{
	city	   *c = *state;
	char	   *dir;
	synth_report r;
	PGconn	   *conn;

	if (!getenv("PGHOST"))
	{
		print_message("test_db_load: PGHOST is not set, skipping the database load\n");
		skip();
	}
	dir = test_tmpdir();
	run_synth(dir, 42, 0, 1.0, "", &r);
	run_synth(dir, 42, 0, 1.0, "", &r);		/* a rerun replaces, never appends */
	conn = PQconnectdb("");
	assert_int_equal(PQstatus(conn), CONNECTION_OK);
	assert_int_equal(count(conn, "SELECT count(*) FROM platform.signaal"), (long) c->sig.n);
	assert_int_equal(count(conn, "SELECT max(row_id) FROM platform.signaal"), (long) c->sig.n);
	assert_int_equal(count(conn, "SELECT count(*) FROM ref.pc6"), (long) c->pc6.n);
	assert_int_equal(count(conn, "SELECT sum(households) FROM ref.pc6"), (long) c->rep.households);
	assert_int_equal(count(conn, "SELECT count(*) FROM platform.zaak"), (long) c->zaak.n);
	assert_int_equal(count(conn, "SELECT count(*) - count(DISTINCT signaal_id) FROM platform.signaal"),
					 (long) (c->bad.n / 10));	/* the duplicate_id rows */
	assert_int_equal(count(conn, "SELECT nextval(pg_get_serial_sequence('platform.signaal', 'row_id'))"),
					 (long) c->sig.n + 1);
	PQfinish(conn);
	remove_dir(dir);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_pc6_codes),
		cmocka_unit_test(test_partner_shares),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_households),
		cmocka_unit_test(test_hotspots),
		cmocka_unit_test(test_zaak),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_gpkg),
		cmocka_unit_test(test_shared_boundaries),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_national_small),
		cmocka_unit_test(test_db_load),
	};

	return cmocka_run_group_tests(tests, setup_city, teardown_city);
}
