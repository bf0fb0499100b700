/*
 * pipeline/import_buurten.c — `vsp import cbs-buurten`: the CBS "Wijk- en buurtkaart"
 * (layers gemeenten, wijken, buurten) into ref.gemeente / ref.wijk / ref.buurt and the
 * gemeente / wijk / buurt area layers.
 *
 * Without --level the file must hold all three layers; with --level one is read (a file with
 * a single layer, such as PDOK's generalised boundaries with statcode/statnaam, is read as
 * that level).  The gemeente and wijk of an area follow from its code (BU 0034 01 01 lies in
 * WK 0034 01 and GM 0034), so they are derived, not read.  Water-only areas (water = JA) are
 * skipped: they have no households and would only add false neighbours.
 */
#include "import_int.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct level_spec
{
	const char *level;			/* gemeente, wijk, buurt: also the area layer's name */
	const char *layers[3];		/* CBS layer names */
	const char *prefix;
	size_t		ndigits;
	const char *code_alias[4];
	const char *name_alias[4];
	const char *table;
	const char *key;
	const char *cols;
} level_spec;

static const level_spec specs[3] = {
	{"gemeente", {"gemeenten", "gemeente", NULL}, "GM", 4,
		{"gemeentecode", "statcode", "gm_code", NULL}, {"gemeentenaam", "statnaam", "gm_naam", NULL},
	"ref.gemeente", "gemeente_code", "name, households, inhabitants, suppressed"},
	{"wijk", {"wijken", "wijk", NULL}, "WK", 6,
		{"wijkcode", "statcode", "wk_code", NULL}, {"wijknaam", "statnaam", "wk_naam", NULL},
	"ref.wijk", "wijk_code", "name, gemeente_code, households, inhabitants, suppressed"},
	{"buurt", {"buurten", "buurt", NULL}, "BU", 8,
		{"buurtcode", "statcode", "bu_code", NULL}, {"buurtnaam", "statnaam", "bu_naam", NULL},
	"ref.buurt", "buurt_code", "name, wijk_code, gemeente_code, households, inhabitants, suppressed"},
};

static const char *const f_hh[] = {"aantal_huishoudens", "aantal_part_huishoudens", "aantal_hh", NULL};
static const char *const f_inw[] = {"aantal_inwoners", "aant_inw", NULL};
static const char *const f_water[] = {"water", NULL};

/* Read one level's layer into its temporary table and area layer k. */
static int
read_level(import_ctx *x, const level_spec *sp, import_src *s, int k)
{
	const char *const *req_alias[2] = {sp->code_alias, sp->name_alias};
	int			req[2], fhh, finw, fwater, rc = 0;
	import_seen seen = {0};
	import_copy cp = {0};
	OGRFeatureH f;
	char		sql[512];

	req[0] = import_field(s->lyr, req_alias[0]);
	req[1] = import_field(s->lyr, req_alias[1]);
	if (import_require(x, s->lyr, req_alias, req, 2) != 0)
		return -1;
	fhh = import_field(s->lyr, f_hh);
	finw = import_field(s->lyr, f_inw);
	fwater = import_field(s->lyr, f_water);
	if (fhh < 0)
		log_warn("layer %s has no %s: households left NULL (runs at level %s sum ref.pc6: [areas] households = reference)",
				 OGR_L_GetName(s->lyr), f_hh[0], sp->level);
	/* the columns of the target: the key, its parents (wijk of a buurt, gemeente of both), figures */
	snprintf(sql, sizeof(sql), "CREATE TEMP TABLE imp_%s (%s text PRIMARY KEY, name text, %s%s"
			 "households int, inhabitants int, suppressed boolean NOT NULL, "
			 "year int NOT NULL DEFAULT %d) ON COMMIT DROP", sp->level, sp->key,
			 sp->ndigits == 8 ? "wijk_code text, " : "", sp->ndigits > 4 ? "gemeente_code text, " : "", x->year);
	if (import_sql(x, sql, NULL) != 0)
		return -1;
	snprintf(sql, sizeof(sql), "COPY imp_%s (%s, name, %s%shouseholds, inhabitants, suppressed) FROM STDIN",
			 sp->level, sp->key, sp->ndigits == 8 ? "wijk_code, " : "", sp->ndigits > 4 ? "gemeente_code, " : "");
	if (import_copy_begin(x, &cp, sql) != 0)
		return -1;
	OGR_L_ResetReading(s->lyr);
	while (rc == 0 && (f = OGR_L_GetNextFeature(s->lyr)) != NULL)
	{
		import_area a;
		char		where[64], wijk[16] = "";
		OGRGeometryH geom = NULL;
		import_reason why;
		int			repaired, bad;

		x->rep->read++;
		memset(&a, 0, sizeof(a));
		snprintf(where, sizeof(where), "%s feature %lld", sp->level, (long long) OGR_F_GetFID(f));
		if (!OGR_F_IsFieldSetAndNotNull(f, req[0]) ||
			import_norm_area(OGR_F_GetFieldAsString(f, req[0]), sp->prefix, sp->ndigits, a.code) != 0)
		{
			import_reject(x, IMPORT_R_CODE, where);
			OGR_F_Destroy(f);
			continue;
		}
		snprintf(where, sizeof(where), "%s %s", sp->level, a.code);
		snprintf(a.gemeente, sizeof(a.gemeente), "GM%.4s", a.code + 2);
		if (sp->ndigits == 8)
			snprintf(wijk, sizeof(wijk), "WK%.6s", a.code + 2);
		snprintf(a.parent, sizeof(a.parent), "%s", sp->ndigits == 8 ? wijk : sp->ndigits == 6 ? a.gemeente : "");
		if ((x->gm[0] && strcmp(a.gemeente, x->gm) != 0) ||
			(fwater >= 0 && OGR_F_IsFieldSetAndNotNull(f, fwater) &&
			 strcasecmp(OGR_F_GetFieldAsString(f, fwater), "JA") == 0))
		{
			x->rep->skipped++;
			OGR_F_Destroy(f);
			continue;
		}
		bad = import_value(f, fhh, &a.households) != 0 || import_value(f, finw, &a.inhabitants) != 0;
		if ((rc = import_seen_add(&seen, a.code)) != 0)
			rc = rc < 0 ? import_fail(x, IMPORT_FAIL, "out of memory") : (import_reject(x, IMPORT_R_DUPLICATE, where), 0);
		else if (bad)
			import_reject(x, IMPORT_R_NUMBER, where);
		else if (!(geom = import_geometry(s, f, &why, &repaired)))
			import_reject(x, why, where);
		else
		{
			a.name = OGR_F_IsFieldSetAndNotNull(f, req[1]) ? OGR_F_GetFieldAsString(f, req[1]) : NULL;
			a.suppressed = fhh >= 0 && isnan(a.households);
			x->rep->repaired += (size_t) repaired;
			x->rep->suppressed += (size_t) a.suppressed;
			x->rep->loaded++;
			if (import_copy_field(x, &cp, a.code, 0) != 0 || import_copy_field(x, &cp, a.name, 0) != 0 ||
				(sp->ndigits == 8 && import_copy_field(x, &cp, wijk, 0) != 0) ||
				(sp->ndigits > 4 && import_copy_field(x, &cp, a.gemeente, 0) != 0) ||
				import_copy_number(x, &cp, a.households, 0) != 0 ||
				import_copy_number(x, &cp, a.inhabitants, 0) != 0 ||
				import_copy_field(x, &cp, a.suppressed ? "t" : "f", 1) != 0 ||
				import_gpkg_put(x, k, &a, geom) != 0)
				rc = -1;
		}
		if (geom)
			OGR_G_DestroyGeometry(geom);
		OGR_F_Destroy(f);
	}
	import_seen_free(&seen);
	if (rc != 0)
	{
		import_copy_abort(&cp);
		return -1;
	}
	if (import_copy_end(x, &cp) != 0)
		return -1;
	snprintf(sql, sizeof(sql), "imp_%s", sp->level);
	{
		char		keys[64];

		snprintf(keys, sizeof(keys), "year, %s", sp->key);
		return import_merge(x, sp->table, sql, keys, sp->cols,
							"t.year = $1::int AND ($2::text IS NULL OR t.gemeente_code = $2::text)");
	}
}

/* The layer of one level in a multi-layer file, or NULL. */
static OGRLayerH
level_layer(GDALDatasetH ds, const level_spec *sp)
{
	for (const char *const *nm = sp->layers; *nm; nm++)
		for (int i = 0; i < GDALDatasetGetLayerCount(ds); i++)
			if (strcasecmp(OGR_L_GetName(GDALDatasetGetLayer(ds, i)), *nm) == 0)
				return GDALDatasetGetLayer(ds, i);
	return NULL;
}

int
import_cbs_buurten(import_ctx *x)
{
	const level_spec *wanted[3];
	const char *names[3];
	GDALDatasetH ds = NULL;
	import_src	src[3];
	int			n = 0, rc = -1;
	char		missing[128] = "";
	const char *base = strrchr(x->o->input, '/') ? strrchr(x->o->input, '/') + 1 : x->o->input;

	memset(src, 0, sizeof(src));
	if (x->o->layer && !x->o->level)
		return import_fail(x, IMPORT_USAGE, "--layer needs --level (gemeente, wijk or buurt)");
	if (import_open(x, &ds) != 0)
		return -1;
	for (int i = 0; i < 3; i++)
		if (!x->o->level || strcmp(x->o->level, specs[i].level) == 0)
		{
			if (!x->o->level && !level_layer(ds, &specs[i]))
				snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), "%s%s",
						 missing[0] ? ", " : "", specs[i].layers[0]);
			wanted[n] = &specs[i];
			names[n++] = specs[i].level;
		}
	if (missing[0])
	{
		import_fail(x, IMPORT_BADFILE, "%s is not a CBS wijk- en buurtkaart: missing layer%s %s "
					"(give --level for a file with one level)", x->o->input, strchr(missing, ',') ? "s" : "", missing);
		goto done;
	}
	for (int i = 0; i < n; i++)
		if (import_layer_open(x, ds, wanted[i]->layers, wanted[i]->level, &src[i]) != 0)
			goto done;
	x->year = x->o->year ? x->o->year : import_year_in(OGR_L_GetName(src[0].lyr));
	if (!x->year)
		x->year = import_year_in(base);
	if (!x->year)
	{
		import_fail(x, IMPORT_USAGE, "cannot tell the year of %s from its name: give --year", x->o->input);
		goto done;
	}
	snprintf(x->year_txt, sizeof(x->year_txt), "%d", x->year);
	if (import_gpkg_open(x, names, n) != 0)
		goto done;
	for (int i = 0; i < n; i++)
		if (read_level(x, wanted[i], &src[i], i) != 0)
			goto done;
	rc = 0;
done:
	for (int i = 0; i < 3; i++)
		import_src_close(&src[i]);
	GDALClose(ds);
	return rc;
}
