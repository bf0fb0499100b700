/*
 * pipeline/import.c — one `vsp import`: connect, take the run lock (an import never changes
 * the reference under a running job), run the command inside one transaction, log it in
 * ref.import_log, commit the database and then the area GeoPackage; print the report.
 */
#include "import_int.h"
#include "db.h"
#include "log.h"
#include "util.h"

#include <ini.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const kind_names[] = {"cbs-postcode", "cbs-buurten", "pc6-buurt"};

static const char *const reason_codes[IMPORT_R_N] = {
	"postcode_malformed", "code_malformed", "duplicate_code", "geometry_missing", "geometry_invalid",
	"number_malformed", "huisnummer_malformed", "duplicate_address", "fields_missing"
};
static const char *const reason_texts[IMPORT_R_N] = {
	"malformed postcode", "malformed area code", "duplicate postcode or area code", "missing geometry",
	"geometry cannot be transformed or repaired", "a statistic that is not a number",
	"malformed huisnummer", "duplicate address (PC6 + huisnummer)", "too few fields"
};

int
import_parse_kind(const char *name, import_kind *kind)
{
	for (int k = 0; k < 3; k++)
		if (name && strcmp(name, kind_names[k]) == 0)
			return *kind = (import_kind) k, 0;
	return -1;
}

const char *
import_kind_name(import_kind kind)
{
	return (int) kind >= 0 && (int) kind < 3 ? kind_names[kind] : "unknown";
}

const char *
import_reason_code(import_reason r)
{
	return (int) r >= 0 && r < IMPORT_R_N ? reason_codes[r] : "unknown";
}

const char *
import_reason_text(import_reason r)
{
	return (int) r >= 0 && r < IMPORT_R_N ? reason_texts[r] : "unknown reason";
}

/* sha256 of a regular file as hex; "" for anything else (a PG: source, a folder). */
static int
input_sha256(const char *path, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE], *buf;
	unsigned int mdlen = 0;
	struct stat st;
	EVP_MD_CTX *ctx;
	FILE	   *f;
	size_t		r;
	int			ok;

	hex[0] = '\0';
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	if (!(f = fopen(path, "rb")))
		return -1;
	ctx = EVP_MD_CTX_new();
	buf = malloc(1 << 20);
	ok = ctx && buf && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	while (ok && (r = fread(buf, 1, 1 << 20, f)) > 0)
		ok = EVP_DigestUpdate(ctx, buf, r);
	ok = ok && !ferror(f) && EVP_DigestFinal_ex(ctx, md, &mdlen);
	fclose(f);
	free(buf);
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -1;
	for (unsigned i = 0; i < mdlen && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}

/* The report's counts as a JSON object for ref.import_log. */
static void
counts_json(const import_report *rep, char *out, size_t outlen)
{
	size_t		n = 0;
	int			first = 1;

	n += snprintf(out + n, outlen - n, "{\"read\": %zu, \"loaded\": %zu, \"rejected\": %zu, \"skipped\": %zu, "
				  "\"suppressed\": %zu, \"repaired\": %zu, \"pc6_codes\": %zu, \"pc6_spanning\": %zu, "
				  "\"addresses_kept\": %zu, \"rejects\": {", rep->read, rep->loaded, rep->rejected, rep->skipped,
				  rep->suppressed, rep->repaired, rep->pc6_codes, rep->pc6_spanning, rep->addresses_kept);
	for (int r = 0; r < IMPORT_R_N && n < outlen; r++)
		if (rep->by_reason[r])
		{
			n += snprintf(out + n, outlen - n, "%s\"%s\": %zu", first ? "" : ", ", reason_codes[r], rep->by_reason[r]);
			first = 0;
		}
	if (n < outlen)
		n += snprintf(out + n, outlen - n, "}, \"changes\": {");
	for (size_t i = 0; i < rep->nchanges && n < outlen; i++)
		n += snprintf(out + n, outlen - n, "%s\"%s\": {\"inserted\": %lld, \"updated\": %lld, \"deleted\": %lld}",
					  i ? ", " : "", rep->changes[i].table, (long long) rep->changes[i].inserted,
					  (long long) rep->changes[i].updated, (long long) rep->changes[i].deleted);
	if (n < outlen)
		snprintf(out + n, outlen - n, "}}");
}

static int
write_log(import_ctx *x)
{
	char		sha[65], counts[4096], e[1024];
	const char *p[8];
	PGresult   *r;

	if (input_sha256(x->o->input, sha) != 0)
		return import_fail(x, IMPORT_USAGE, "cannot read %s", x->o->input);
	counts_json(x->rep, counts, sizeof(counts));
	p[0] = import_kind_name(x->o->kind);
	p[1] = x->level[0] ? x->level : NULL;
	p[2] = x->year_txt;
	p[3] = x->gm[0] ? x->gm : NULL;
	p[4] = x->o->input;
	p[5] = sha;
	p[6] = counts;
	p[7] = VSP_VERSION;
	r = db_query(x->db, "INSERT INTO ref.import_log (command, level, year, gemeente_code, input, input_sha256, "
				 "counts, vsp_version) VALUES ($1, $2, $3::int, $4, $5, $6, $7::jsonb, $8) RETURNING import_id",
				 8, p, e, sizeof(e));
	if (!r)
		return import_fail(x, db_is_down(x->db) ? IMPORT_DB : IMPORT_FAIL, "%s", e);
	x->rep->import_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return 0;
}

static int
check_options(import_ctx *x)
{
	const import_options *o = x->o;

	if (!o->input || !o->input[0])
		return import_fail(x, IMPORT_USAGE, "--input FILE is required");
	if (o->gemeente && import_norm_gemeente(o->gemeente, x->gm) != 0)
		return import_fail(x, IMPORT_USAGE, "--gemeente: not a gemeente code: %s (e.g. 0034 or GM0034)", o->gemeente);
	if (o->year && (o->year < 1990 || o->year > 2100))
		return import_fail(x, IMPORT_USAGE, "--year must be 1990..2100");
	if (o->kind == IMPORT_CBS_POSTCODE &&
		(!o->level || (strcmp(o->level, "pc4") != 0 && strcmp(o->level, "pc6") != 0)))
		return import_fail(x, IMPORT_USAGE, "cbs-postcode needs --level pc4 or --level pc6");
	if (o->kind == IMPORT_CBS_BUURTEN && o->level && strcmp(o->level, "gemeente") != 0 &&
		strcmp(o->level, "wijk") != 0 && strcmp(o->level, "buurt") != 0)
		return import_fail(x, IMPORT_USAGE, "cbs-buurten: --level must be gemeente, wijk or buurt");
	if (o->kind == IMPORT_PC6_BUURT && (o->level || o->layer || o->srs || o->areas_output))
		return import_fail(x, IMPORT_USAGE, "pc6-buurt reads a CSV and writes no area layer: "
						   "leave out --level, --layer, --srs and --areas-output");
	if (o->level)
		snprintf(x->level, sizeof(x->level), "%s", o->level);
	return 0;
}

typedef struct conninfo_ctx
{
	char	   *out;
	size_t		outlen;
} conninfo_ctx;

static int
conninfo_cb(void *user, const char *section, const char *name, const char *value)
{
	conninfo_ctx *c = user;

	if (strcmp(section, "database") == 0 && strcmp(name, "conninfo") == 0)
		snprintf(c->out, c->outlen, "%s", value);
	return 1;
}

int
import_read_conninfo(const char *path, char *out, size_t outlen, char *err, size_t errlen)
{
	conninfo_ctx c = {out, outlen};
	int			rc;

	out[0] = '\0';
	rc = ini_parse(path, conninfo_cb, &c);
	if (rc < 0)
		return snprintf(err, errlen, "%s: cannot open config", path), -1;
	if (rc > 0)
		return snprintf(err, errlen, "%s:%d: syntax error", path, rc), -1;
	if (strstr(out, "password"))
		return snprintf(err, errlen, "%s: [database] conninfo must not hold a password (use .pgpass or PGSERVICE)",
						path), -1;
	return 0;
}

import_status
import_run(const import_options *o, import_report *rep, char *err, size_t errlen)
{
	import_ctx	x;
	char		e[1024];
	double		t0 = util_now();
	int64_t		holder = 0;
	int			rc, lock;

	memset(rep, 0, sizeof(*rep));
	memset(&x, 0, sizeof(x));
	x.o = o;
	x.rep = rep;
	x.err = err;
	x.errlen = errlen;
	err[0] = '\0';
	log_set_stage("import");
	if (check_options(&x) != 0)
		return x.status;
	snprintf(rep->gemeente, sizeof(rep->gemeente), "%s", x.gm);
	if (!(x.db = db_connect(o->conninfo ? o->conninfo : "", e, sizeof(e))))
		return import_fail(&x, IMPORT_DB, "%s", e), x.status;
	if ((lock = db_try_run_lock(x.db, &holder, e, sizeof(e))) <= 0)
	{
		if (lock < 0)
			import_fail(&x, db_is_down(x.db) ? IMPORT_DB : IMPORT_FAIL, "%s", e);
		else if (holder > 0)
			import_fail(&x, IMPORT_LOCKED, "run %lld is in progress: import the reference after it",
						(long long) holder);
		else
			import_fail(&x, IMPORT_LOCKED, "another vsp run or import holds the run lock: try again after it");
		db_close(x.db);
		return x.status;
	}
	rc = db_exec(x.db, "BEGIN; SET LOCAL work_mem = '256MB'", e, sizeof(e));
	if (rc != 0)
		import_fail(&x, db_is_down(x.db) ? IMPORT_DB : IMPORT_FAIL, "%s", e);
	else if (o->kind == IMPORT_CBS_POSTCODE)
		rc = import_cbs_postcode(&x);
	else if (o->kind == IMPORT_CBS_BUURTEN)
		rc = import_cbs_buurten(&x);
	else
		rc = import_pc6_buurt(&x);
	rep->year = x.year;
	if (rc == 0)
		rc = import_gpkg_finish(&x);
	if (rc == 0)
		rc = write_log(&x);
	/* the database first: a layer committed without its statistics would be worse than
	 * statistics whose layer must be written again (a re-import does that) */
	if (rc == 0 && (rc = db_exec(x.db, "COMMIT", e, sizeof(e))) != 0)
		import_fail(&x, db_is_down(x.db) ? IMPORT_DB : IMPORT_FAIL, "%s", e);
	if (rc != 0)
	{
		import_gpkg_abort(&x);
		rep->import_id = 0;
		db_close(x.db);			/* an open transaction is rolled back */
		return x.status != IMPORT_OK ? x.status : IMPORT_FAIL;
	}
	if (import_gpkg_commit(&x) != 0)
	{
		char		tail[256];

		snprintf(tail, sizeof(tail), " (the database is imported; run the import again to write the layer)");
		if (strlen(err) + strlen(tail) < errlen)
			strcat(err, tail);
		db_close(x.db);
		return x.status;
	}
	db_close(x.db);
	rep->seconds = util_now() - t0;
	return IMPORT_OK;
}

void
import_report_print(FILE *f, const import_options *o, const import_report *rep)
{
	fprintf(f, "import %lld: %s%s%s %d%s%s from %s\n", (long long) rep->import_id, import_kind_name(o->kind),
			o->level ? " " : "", o->level ? o->level : "", rep->year, rep->gemeente[0] ? ", gemeente " : "",
			rep->gemeente, o->input);
	fprintf(f, "  rows read %zu, loaded %zu, rejected %zu, skipped %zu (other gemeente or water)\n",
			rep->read, rep->loaded, rep->rejected, rep->skipped);
	for (int r = 0; r < IMPORT_R_N; r++)
		if (rep->by_reason[r])
			fprintf(f, "  rejected: %s (%s) %zu\n", reason_texts[r], reason_codes[r], rep->by_reason[r]);
	if (rep->suppressed)
		fprintf(f, "  suppressed households: %zu areas (kept, flagged, left out of rates)\n", rep->suppressed);
	if (rep->repaired)
		fprintf(f, "  invalid geometries repaired: %zu\n", rep->repaired);
	if (o->kind == IMPORT_PC6_BUURT)
		fprintf(f, "  PC6 codes %zu, spanning two or more buurten %zu (their %zu addresses kept in ref.address_buurt)\n",
				rep->pc6_codes, rep->pc6_spanning, rep->addresses_kept);
	for (size_t i = 0; i < rep->nchanges; i++)
		fprintf(f, "  %s: %lld inserted, %lld updated, %lld deleted\n", rep->changes[i].table,
				(long long) rep->changes[i].inserted, (long long) rep->changes[i].updated,
				(long long) rep->changes[i].deleted);
	for (size_t k = 0; k < rep->nlayers; k++)
		fprintf(f, "  area layer %s in %s: %zu features written (%zu with households); for runs at this level use\n"
				"    [areas] source = %s, layer = %s, id_field = code, households = %s\n",
				rep->layers[k], rep->areas_output, rep->layer_features[k], rep->layer_households[k],
				rep->areas_output, rep->layers[k], rep->layer_households[k] ? "field:households" : "reference");
	fprintf(f, "  %.1f s\n", rep->seconds);
}
