/*
 * geo/synth_csv.c — the CSV and text outputs, and the messy spelling of signal rows.
 *
 * CSV follows PostgreSQL's COPY ... WITH (FORMAT csv, HEADER): an unquoted empty field
 * is NULL, a quoted one ("") the empty string; fields with commas, quotes or leading
 * or trailing blanks are quoted.  Good rows are spelled the way platform exports
 * really look ("1315 hr", " 1315HR", "1315-HR"; "12a", "12-A", "12 bis"; partner
 * synonyms in any case); bad rows get their one defect here or in synth_rows.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth_int.h"

static const char *const status_text[] = {
	"Nog niet opgepakt", "Opgepakt", "Inwoner al bekend bij schuldhulpverlening",
	"Niet opgepakt: herhaalde melding"
};
static const char *const resultaat_text[] = {
	"Hulpverlening gestart", "Geen hulp nodig", "Doorverwezen", "Zelf opgelost", "Niet bereikt"
};
static const char *const partner_text[SYNTH_NPARTNER][8] = {
	{"Huur", "Huur", "Huur", "huur", "woningcorporatie", "Woningcorporatie", "verhuurder", "VERHUURDER"},
	{"Energie", "Energie", "Energie", "energie", "gas", "Elektriciteit", "elektriciteit", "warmte"},
	{"Water", "Water", "Water", "water", "drinkwater", "Drinkwater", "WATER", "Water"},
	{"Zorg", "Zorg", "Zorg", "zorg", "zorgverzekeraar", "Zorgverzekeraar", "ZORG", "Zorg"},
	{"Hypotheek", "hypotheek", "Hypotheek", "hypotheek", "Hypotheek", "hypotheek", "Hypotheek", "hypotheek"},
	{"DUO", "duo", "DUO", "duo", "DUO", "duo", "DUO", "duo"},
	{"Toeslagen", "toeslagen", "Toeslagen", "toeslagen", "Toeslagen", "toeslagen", "Toeslagen", "toeslagen"},
	{"CAK", "cak", "CAK", "cak", "CAK", "cak", "CAK", "cak"}
};
static const char *const unknown_partner[4] = {"telecom", "Telecom", "incassobureau", "sportschool"};
static const char *const bad_huisnummer[3] = {"abc", "??", "xx"};

/* ---- file helpers ------------------------------------------------------------- */

/* Open path for writing with a large buffer; NULL with a message on failure. */
static FILE *
open_out(const char *path, char *err, size_t errlen)
{
	FILE	   *f = fopen(path, "w");

	if (!f)
		snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
	else
		setvbuf(f, NULL, _IOFBF, 1 << 20);
	return f;
}

/* Close f, reporting any earlier write error. 0 or -1 with a message. */
static int
close_out(FILE *f, const char *path, char *err, size_t errlen)
{
	int			bad = ferror(f);

	if (fclose(f) != 0 || bad)
	{
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno ? errno : EIO));
		return -1;
	}
	return 0;
}

/* Write s as one CSV field: NULL -> nothing; quoted when needed (or empty). */
static void
put_field(FILE *f, const char *s)
{
	size_t		n;

	if (!s)
		return;
	n = strlen(s);
	if (n > 0 && !strpbrk(s, ",\"\n\r") && s[0] != ' ' && s[n - 1] != ' ')
	{
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++)
	{
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* ---- rendering a signal row ---------------------------------------------------- */

typedef struct row_text
{
	char		postcode[16], huisnummer[32], toev[8], naam[64], bsn[10];
	const char *partner;
	int			has_huisnummer, has_toev, has_bsn;
} row_text;

/* The postcode as the row spells it (or spoils it) into out. */
static void
render_postcode(const synth_world *w, const synth_sig *s, char *out, size_t n)
{
	char		pc[7];
	unsigned	v = s->style & 0xff, b = s->style >> 24;

	if (s->bad == SR_PC_UNKNOWN)
	{
		snprintf(out, n, "%04u%c%c", s->alt / SYNTH_NPAIRS,
				 'A' + (s->alt % SYNTH_NPAIRS) / 26, 'A' + s->alt % 26);
		return;
	}
	synth_pc6_code(w, &w->cell[s->cell], pc);
	if (s->bad == SR_PC_MALFORMED)
	{
		if (b % 3 == 0)
			pc[1 + (b / 3) % 3] = 'X';	/* "13X5AB" */
		else if (b % 3 == 1)
			pc[0] = '0';		/* "0315AB" */
		else
		{
			pc[4] = 'S';		/* never issued */
			pc[5] = "ADS"[(b / 3) % 3];
		}
		snprintf(out, n, "%s", pc);
		return;
	}
	char		lo[3] = {(char) (pc[4] + 32), (char) (pc[5] + 32), 0};

	if (v < 179)
		snprintf(out, n, "%s", pc);
	else if (v < 199)
		snprintf(out, n, "%.4s %.2s", pc, pc + 4);
	else if (v < 215)
		snprintf(out, n, "%.4s %s", pc, lo);
	else if (v < 228)
		snprintf(out, n, " %s", pc);
	else if (v < 241)
		snprintf(out, n, "%.4s-%.2s", pc, pc + 4);
	else if (v < 249)
		snprintf(out, n, "%.4s%s", pc, lo);
	else
		snprintf(out, n, "%s ", pc);
}

/* House number and toevoeging as the row spells them (or spoils them). */
static void
render_address(const synth_world *w, const synth_sig *s, row_text *t)
{
	int64_t		num = s->hh - w->cell[s->cell].hh_first + 1;
	const char *tv = synth_hh_toev(w, s->hh);
	unsigned	v = (s->style >> 8) & 0xff;

	t->has_huisnummer = 1;
	t->has_toev = 0;
	t->toev[0] = '\0';
	if (s->bad == SR_HNR_MISSING)
	{
		t->has_huisnummer = 0;
		return;
	}
	if (s->bad == SR_HNR_MALFORMED)
	{
		snprintf(t->huisnummer, sizeof(t->huisnummer), "%s", bad_huisnummer[(s->style >> 24) % 3]);
		return;
	}
	snprintf(t->huisnummer, sizeof(t->huisnummer), "%lld", (long long) num);
	if (!*tv)
		return;
	if (tv[0] >= 'A' && tv[0] <= 'Z' && tv[1] == '\0')
	{
		if (v < 128 || v >= 230)
		{
			t->has_toev = 1;
			snprintf(t->toev, sizeof(t->toev), "%c", v < 128 ? tv[0] : tv[0] + 32);
		}
		else if (v < 166)
			snprintf(t->huisnummer, sizeof(t->huisnummer), "%lld%c", (long long) num, tv[0] + 32);
		else if (v < 204)
			snprintf(t->huisnummer, sizeof(t->huisnummer), "%lld%s", (long long) num, tv);
		else
			snprintf(t->huisnummer, sizeof(t->huisnummer), "%lld-%s", (long long) num, tv);
		return;
	}
	if (strcmp(tv, "bis") == 0 && v >= 128)
	{
		snprintf(t->huisnummer, sizeof(t->huisnummer), "%lld bis", (long long) num);
		return;
	}
	t->has_toev = 1;
	snprintf(t->toev, sizeof(t->toev), "%s", tv);
}

/* All text fields of a signal row that are not plain numbers or dates. */
static void
render(const synth_world *w, const synth_sig *s, row_text *t)
{
	render_postcode(w, s, t->postcode, sizeof(t->postcode));
	render_address(w, s, t);
	synth_hh_name(w, s->hh, t->naam, sizeof(t->naam));
	t->has_bsn = synth_hh_bsn(w, s->hh, t->bsn);
	t->partner = s->bad == SR_PARTNER_UNKNOWN ? unknown_partner[(s->style >> 24) % 4]
		: partner_text[s->partner][((s->style >> 16) & 0xff) % 8];
}

/* ---- files -------------------------------------------------------------------- */

/* pc6.csv: one row per PC6 in code order (the columns of ref.pc6). */
int
synth_write_pc6(const synth_world *w, const char *path, char *err, size_t errlen)
{
	FILE	   *f = open_out(path, err, errlen);

	if (!f)
		return -1;
	fputs("pc6,pc4,buurt_code,wijk_code,gemeente_code,households,year", f);
	for (int k = 0; k < SYNTH_NIND; k++)
		fprintf(f, ",%s", synth_indicator_name[k]);
	fputc('\n', f);
	for (size_t i = 0; i < w->ncell; i++)
	{
		const synth_cell *c = &w->cell[w->order[i]];
		const synth_buurt *b = &w->buurt[c->buurt];
		char		pc[7];
		double		v[SYNTH_NIND];
		int			known[SYNTH_NIND];

		synth_pc6_code(w, c, pc);
		synth_indicators(w, c, v, known);
		fprintf(f, "%s,%04d,BU%04d%02d%02d,WK%04d%02d,GM%04d,%d,2024", pc,
				w->pc4[c->pc4].code, b->gm, b->wijk, b->buurt, b->gm, b->wijk, b->gm,
				c->households);
		for (int k = 0; k < SYNTH_NIND; k++)
			if (known[k])
				fprintf(f, ",%.1f", v[k]);
			else
				fputc(',', f);		/* unquoted empty: NULL (suppressed) */
		fputc('\n', f);
	}
	return close_out(f, path, err, errlen);
}

/* signals.csv: every row in load order, with row_id (the columns of platform.signaal). */
int
synth_write_signals(const synth_world *w, const char *path, char *err, size_t errlen)
{
	FILE	   *f = open_out(path, err, errlen);

	if (!f)
		return -1;
	fputs("row_id,signaal_id,partner_type,bedrag,ontstaansdatum,signaaldatum,crisissignaal,"
		  "status,bsn,naam,postcode,huisnummer,toevoeging,ontvangen_op\n", f);
	for (size_t i = 0; i < w->nsig; i++)
	{
		const synth_sig *s = &w->sig[w->rows[i]];
		row_text	t;
		char		d1[11], d2[11], d3[11];
		long long	c = s->cents < 0 ? -s->cents : s->cents;

		render(w, s, &t);
		synth_fmt_date(s->ontstaan, d1);
		synth_fmt_date(s->signaal, d2);
		synth_fmt_date(s->recv_day, d3);
		fprintf(f, "%zu,VS-%08d,", i + 1, s->id_num);
		put_field(f, t.partner);
		fprintf(f, ",%s%lld.%02lld,%s,%s,%s,%s,", s->cents < 0 ? "-" : "", c / 100, c % 100,
				d1, d2, s->crisis ? "true" : "false", status_text[s->status]);
		put_field(f, t.has_bsn ? t.bsn : NULL);
		fputc(',', f);
		put_field(f, t.naam);
		fputc(',', f);
		put_field(f, t.postcode);
		fputc(',', f);
		put_field(f, t.has_huisnummer ? t.huisnummer : NULL);
		fputc(',', f);
		put_field(f, t.has_toev ? t.toev : NULL);
		fprintf(f, ",%s %02d:%02d:%02d+00\n", d3, s->recv_sec / 3600, s->recv_sec / 60 % 60,
				s->recv_sec % 60);
	}
	return close_out(f, path, err, errlen);
}

/* zaak.csv: one row per case, by pick-up date (the columns of platform.zaak). */
int
synth_write_zaak(const synth_world *w, const char *path, char *err, size_t errlen)
{
	FILE	   *f = open_out(path, err, errlen);

	if (!f)
		return -1;
	fputs("zaak_id,signaal_id,datum_opgepakt,contactpogingen,bereikt,resultaat,datum_afgesloten\n", f);
	for (size_t i = 0; i < w->nzaak; i++)
	{
		const synth_zaak *z = &w->zaak[i];
		char		d1[11], d2[11] = "";

		synth_fmt_date(z->opgepakt, d1);
		if (z->afgesloten != INT32_MIN)
			synth_fmt_date(z->afgesloten, d2);
		fprintf(f, "%zu,VS-%08d,%s,%d,%s,%s,%s\n", i + 1, w->sig[z->sig].id_num, d1,
				z->pogingen, z->bereikt ? "true" : "false", resultaat_text[z->resultaat], d2);
	}
	return close_out(f, path, err, errlen);
}

/* truth_hotspots.csv (planted PC6, mostly-planted PC4) and truth_bad_rows.csv. */
int
synth_write_truth(const synth_world *w, const char *hot_path, const char *bad_path,
				  char *err, size_t errlen)
{
	FILE	   *f = open_out(hot_path, err, errlen);

	if (!f)
		return -1;
	fputs("level,area_code\n", f);
	for (size_t i = 0; i < w->ncell; i++)
	{
		const synth_cell *c = &w->cell[w->order[i]];
		char		pc[7];

		if (c->hot < 0)
			continue;
		synth_pc6_code(w, c, pc);
		fprintf(f, "pc6,%s\n", pc);
	}
	for (size_t p = 0; p < w->npc4; p++)
		if (2 * w->pc4[p].hh_hot > w->pc4[p].households)
			fprintf(f, "pc4,%04d\n", w->pc4[p].code);
	if (close_out(f, hot_path, err, errlen) != 0)
		return -1;

	f = open_out(bad_path, err, errlen);
	if (!f)
		return -1;
	fputs("row_id,signal_id,reason\n", f);
	for (size_t i = 0; i < w->nsig; i++)
	{
		const synth_sig *s = &w->sig[w->rows[i]];

		if (s->bad)
			fprintf(f, "%zu,VS-%08d,%s\n", i + 1, s->id_num, synth_reason_name[s->bad]);
	}
	return close_out(f, bad_path, err, errlen);
}

/* qsort order on int64_t. */
static int
cmp_i64(const void *a, const void *b)
{
	int64_t		x = *(const int64_t *) a, y = *(const int64_t *) b;

	return x < y ? -1 : x > y;
}

#define NAME_W 48

/* qsort order on fixed-width name slots. */
static int
cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* names.txt: every distinct name, then every distinct BSN, written to signals.csv. */
int
synth_write_names(const synth_world *w, const char *path, char *err, size_t errlen)
{
	int64_t    *hh = synth_alloc(w->nsig + 1, sizeof(int64_t));
	char	   *nm = NULL, *bs = NULL;
	size_t		n = 0, nb = 0;
	FILE	   *f;
	int			rc = -1;

	if (!hh)
		goto oom;
	for (size_t i = 0; i < w->nsig; i++)
		hh[i] = w->sig[i].hh;
	qsort(hh, w->nsig, sizeof(int64_t), cmp_i64);
	for (size_t i = 0; i < w->nsig; i++)
		if (i == 0 || hh[i] != hh[i - 1])
			hh[n++] = hh[i];
	nm = synth_alloc(n + 1, NAME_W);
	bs = synth_alloc(n + 1, NAME_W);
	if (!nm || !bs)
		goto oom;
	for (size_t i = 0; i < n; i++)
	{
		synth_hh_name(w, hh[i], nm + i * NAME_W, NAME_W);
		if (synth_hh_bsn(w, hh[i], bs + nb * NAME_W))
			nb++;
	}
	qsort(nm, n, NAME_W, cmp_name);
	qsort(bs, nb, NAME_W, cmp_name);
	f = open_out(path, err, errlen);
	if (!f)
		goto done;
	for (size_t i = 0; i < n; i++)
		if (i == 0 || strcmp(nm + i * NAME_W, nm + (i - 1) * NAME_W) != 0)
			fprintf(f, "%s\n", nm + i * NAME_W);
	for (size_t i = 0; i < nb; i++)
		fprintf(f, "%s\n", bs + i * NAME_W);
	rc = close_out(f, path, err, errlen);
	goto done;
oom:
	snprintf(err, errlen, "out of memory for names");
done:
	free(hh);
	free(nm);
	free(bs);
	return rc;
}
