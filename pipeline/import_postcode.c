/*
 * pipeline/import_postcode.c — `vsp import cbs-postcode`: CBS "Kerncijfers per postcode"
 * (one GeoPackage layer per level, PC4 or PC6) into ref.pc4 / ref.pc6 and the pc4 / pc6 area
 * layer.
 *
 * The gemeente of a postcode comes from the PC6 → buurt table already in ref.pc6 (a PC4's
 * gemeente is that of most of its PC6s), so `--gemeente` needs `vsp import pc6-buurt` first.
 * ref.pc6 holds one year of statistics: a PC6 import replaces them for every PC6 in scope
 * (PC6s the file lacks get NULL statistics; rows left with neither statistics nor a buurt
 * are deleted).  ref.pc4 keeps years side by side.
 */
#include "import_int.h"
#include "db.h"
#include "log.h"
#include "signal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* CBS column names (the first is the one named when missing) */
static const char *const f_pc4[] = {"postcode", "pc4", "postcode4", NULL};
static const char *const f_pc6[] = {"postcode", "pc6", "postcode6", NULL};
static const char *const f_hh[] = {"aantal_part_huishoudens", "aantal_particuliere_huishoudens", NULL};
static const char *const f_inw[] = {"aantal_inwoners", NULL};
static const char *const f_won[] = {"aantal_woningen", NULL};
static const char *const f_ink[] = {"gemiddeld_inkomen_huishouden", NULL};
static const char *const f_laag[] = {"percentage_laag_inkomen_huishouden", NULL};
static const char *const f_hoog[] = {"percentage_hoog_inkomen_huishouden", NULL};
static const char *const f_woz[] = {"gemiddelde_woz_waarde_woning", NULL};

enum
{
	V_HH, V_INW, V_WON, V_INK, V_LAAG, V_HOOG, V_WOZ, NV
};

/* postcode → gemeente, from ref.pc6 */
typedef struct gm_entry
{
	char		code[8];
	char		gm[8];
} gm_entry;

typedef struct gm_map
{
	gm_entry   *e;
	size_t		n;
} gm_map;

static int
cmp_gm(const void *a, const void *b)
{
	return strcmp(((const gm_entry *) a)->code, ((const gm_entry *) b)->code);
}

static int
load_gemeenten(import_ctx *x, int pc6, gm_map *m)
{
	const char *sql = pc6 ?
		"SELECT pc6, gemeente_code FROM ref.pc6 WHERE gemeente_code IS NOT NULL ORDER BY pc6 COLLATE \"C\"" :
		"SELECT DISTINCT ON (pc4) pc4, gemeente_code FROM (SELECT pc4, gemeente_code, count(*) AS n "
		"FROM ref.pc6 WHERE gemeente_code IS NOT NULL GROUP BY 1, 2) s "
		"ORDER BY pc4, n DESC, gemeente_code COLLATE \"C\"";
	char		e[1024];
	PGresult   *r = db_query(x->db, sql, 0, NULL, e, sizeof(e));
	size_t		in_scope = 0;

	memset(m, 0, sizeof(*m));
	if (!r)
		return import_fail(x, db_is_down(x->db) ? IMPORT_DB : IMPORT_FAIL, "%s", e);
	m->n = (size_t) PQntuples(r);
	if (!(m->e = calloc(m->n ? m->n : 1, sizeof(gm_entry))))
	{
		PQclear(r);
		return import_fail(x, IMPORT_FAIL, "out of memory");
	}
	for (size_t i = 0; i < m->n; i++)
	{
		snprintf(m->e[i].code, sizeof(m->e[i].code), "%s", PQgetvalue(r, (int) i, 0));
		snprintf(m->e[i].gm, sizeof(m->e[i].gm), "%s", PQgetvalue(r, (int) i, 1));
		in_scope += x->gm[0] && strcmp(m->e[i].gm, x->gm) == 0;
	}
	PQclear(r);
	if (x->gm[0] && in_scope == 0)
		return import_fail(x, IMPORT_USAGE, "ref.pc6 maps no postcode to %s: import the PC6 → buurt table "
						   "first (vsp import pc6-buurt), or leave out --gemeente", x->gm);
	return 0;
}

static const char *
gemeente_of(const gm_map *m, const char *code)
{
	gm_entry	key;
	gm_entry   *hit;

	snprintf(key.code, sizeof(key.code), "%s", code);
	hit = bsearch(&key, m->e, m->n, sizeof(gm_entry), cmp_gm);
	return hit ? hit->gm : NULL;
}

/* The postcode of feature f in out (PC4 "1315" or PC6 "1315HR"); 0, or -1 if malformed. */
static int
read_postcode(OGRFeatureH f, int idx, int pc6, char out[8])
{
	OGRFieldType t = OGR_Fld_GetType(OGR_F_GetFieldDefnRef(f, idx));
	char		s[16];
	size_t		n = 0;

	if (!OGR_F_IsFieldSetAndNotNull(f, idx))
		return -1;
	if (pc6)
		return signal_norm_postcode(OGR_F_GetFieldAsString(f, idx), out) == SIGNAL_OK ? 0 : -1;
	if (t == OFTInteger || t == OFTInteger64)
		snprintf(s, sizeof(s), "%lld", (long long) OGR_F_GetFieldAsInteger64(f, idx));
	else
		for (const char *p = OGR_F_GetFieldAsString(f, idx); *p && n + 1 < sizeof(s); p++)
			if (!isspace((unsigned char) *p))
				s[n++] = *p, s[n] = '\0';
	if (t != OFTInteger && t != OFTInteger64 && n == 0)
		return -1;
	if (strlen(s) != 4 || s[0] < '1' || s[0] > '9' || !isdigit((unsigned char) s[1]) ||
		!isdigit((unsigned char) s[2]) || !isdigit((unsigned char) s[3]))
		return -1;
	memcpy(out, s, 5);
	return 0;
}

/* Replace the statistics of ref.pc6 in scope by those in imp. */
static int
merge_pc6(import_ctx *x)
{
	int64_t		del = 0, clr = 0, ins = 0, upd = 0;

	if (import_sql(x, "DELETE FROM ref.pc6 t WHERE ($2::text IS NULL OR t.gemeente_code = $2::text) "
				   "AND $1::int IS NOT NULL AND t.buurt_code IS NULL "
				   "AND NOT EXISTS (SELECT 1 FROM imp s WHERE s.pc6 = t.pc6)", &del) != 0 ||
		import_sql(x, "UPDATE ref.pc6 t SET households = NULL, inhabitants = NULL, dwellings = NULL, "
				   "avg_income = NULL, pct_low_income = NULL, suppressed = false, year = $1::int "
				   "WHERE ($2::text IS NULL OR t.gemeente_code = $2::text) "
				   "AND NOT EXISTS (SELECT 1 FROM imp s WHERE s.pc6 = t.pc6) "
				   "AND (t.households, t.inhabitants, t.dwellings, t.avg_income, t.pct_low_income, t.suppressed, t.year) "
				   "IS DISTINCT FROM (NULL::int, NULL::int, NULL::int, NULL::numeric, NULL::numeric, false, $1::int)",
				   &clr) != 0)
		return -1;
	if (import_sql(x, "UPDATE ref.pc6 t SET households = s.households, inhabitants = s.inhabitants, "
				   "dwellings = s.dwellings, avg_income = s.avg_income, pct_low_income = s.pct_low_income, "
				   "suppressed = s.suppressed, year = s.year FROM imp s WHERE s.pc6 = t.pc6 "
				   "AND (t.households, t.inhabitants, t.dwellings, t.avg_income, t.pct_low_income, t.suppressed, t.year) "
				   "IS DISTINCT FROM (s.households, s.inhabitants, s.dwellings, s.avg_income, s.pct_low_income, "
				   "s.suppressed, s.year)", &upd) != 0 ||
		import_sql(x, "INSERT INTO ref.pc6 (pc6, pc4, households, inhabitants, dwellings, avg_income, "
				   "pct_low_income, suppressed, year) SELECT pc6, left(pc6, 4), households, inhabitants, dwellings, "
				   "avg_income, pct_low_income, suppressed, year FROM imp s "
				   "WHERE NOT EXISTS (SELECT 1 FROM ref.pc6 t WHERE t.pc6 = s.pc6)", &ins) != 0)
		return -1;
	import_change_add(x, "ref.pc6", ins, upd + clr, del);
	return 0;
}

/* Read every feature: reject, skip or load it (COPY row + area feature). */
static int
read_features(import_ctx *x, import_src *s, int pc6, const int *vf, int kf, const gm_map *gm,
			  import_copy *cp)
{
	import_seen seen = {0};
	OGRFeatureH f;
	int			rc = 0;

	OGR_L_ResetReading(s->lyr);
	while (rc == 0 && (f = OGR_L_GetNextFeature(s->lyr)) != NULL)
	{
		import_area a;
		double		v[NV];
		char		where[64], code[8];
		const char *g;
		OGRGeometryH geom = NULL;
		import_reason why;
		int			bad = 0, repaired;

		x->rep->read++;
		memset(&a, 0, sizeof(a));
		snprintf(where, sizeof(where), "feature %lld", (long long) OGR_F_GetFID(f));
		if (read_postcode(f, kf, pc6, code) != 0)
		{
			import_reject(x, IMPORT_R_POSTCODE, where);
			OGR_F_Destroy(f);
			continue;
		}
		snprintf(where, sizeof(where), "postcode %s", code);
		g = gemeente_of(gm, code);
		if (x->gm[0] && (!g || strcmp(g, x->gm) != 0))
		{
			x->rep->skipped++;
			OGR_F_Destroy(f);
			continue;
		}
		for (int i = 0; i < NV; i++)
			if (import_value(f, vf[i], &v[i]) != 0)
				bad = 1;
		if ((rc = import_seen_add(&seen, code)) != 0)
			rc = rc < 0 ? import_fail(x, IMPORT_FAIL, "out of memory") : (import_reject(x, IMPORT_R_DUPLICATE, where), 0);
		else if (bad)
			import_reject(x, IMPORT_R_NUMBER, where);
		else if (!(geom = import_geometry(s, f, &why, &repaired)))
			import_reject(x, why, where);
		else
		{
			snprintf(a.code, sizeof(a.code), "%s", code);
			snprintf(a.parent, sizeof(a.parent), "%.*s", pc6 ? 4 : 6, pc6 ? code : (g ? g : ""));
			snprintf(a.gemeente, sizeof(a.gemeente), "%s", g ? g : "");
			a.households = v[V_HH];
			a.inhabitants = v[V_INW];
			a.suppressed = isnan(v[V_HH]);
			x->rep->repaired += (size_t) repaired;
			x->rep->suppressed += (size_t) a.suppressed;
			x->rep->loaded++;
			if (import_copy_field(x, cp, code, 0) != 0 || import_copy_field(x, cp, g, 0) != 0 ||
				import_copy_number(x, cp, v[V_HH], 0) != 0 || import_copy_number(x, cp, v[V_INW], 0) != 0 ||
				import_copy_number(x, cp, v[V_WON], 0) != 0 || import_copy_number(x, cp, v[V_INK], 0) != 0 ||
				import_copy_number(x, cp, v[V_LAAG], 0) != 0 || import_copy_number(x, cp, v[V_HOOG], 0) != 0 ||
				import_copy_number(x, cp, v[V_WOZ], 0) != 0 ||
				import_copy_field(x, cp, a.suppressed ? "t" : "f", 1) != 0 ||
				import_gpkg_put(x, 0, &a, geom) != 0)
				rc = -1;
		}
		if (geom)
			OGR_G_DestroyGeometry(geom);
		OGR_F_Destroy(f);
	}
	import_seen_free(&seen);
	return rc;
}

int
import_cbs_postcode(import_ctx *x)
{
	int			pc6 = strcmp(x->o->level, "pc6") == 0;
	const char *const names4[] = {"pc4", "postcode4", NULL};
	const char *const names6[] = {"pc6", "postcode6", NULL};
	const char *const *opt_alias[NV] = {f_hh, f_inw, f_won, f_ink, f_laag, f_hoog, f_woz};
	const char *const *req_alias[2] = {pc6 ? f_pc6 : f_pc4, f_hh};
	const char *layer_name = pc6 ? "pc6" : "pc4";
	GDALDatasetH ds = NULL;
	import_src	s = {0};
	import_copy cp = {0};
	gm_map		gm = {0};
	int			vf[NV], req[2], rc = -1;
	char		sql[1024], missing[256] = "";

	if (import_open(x, &ds) != 0)
		return -1;
	if (import_layer_open(x, ds, pc6 ? names6 : names4, pc6 ? "PC6" : "PC4", &s) != 0)
		goto done;
	x->year = x->o->year ? x->o->year : import_year_in(OGR_L_GetName(s.lyr));
	if (!x->year)
		x->year = import_year_in(strrchr(x->o->input, '/') ? strrchr(x->o->input, '/') + 1 : x->o->input);
	if (!x->year)
	{
		import_fail(x, IMPORT_USAGE, "cannot tell the year of %s from its name: give --year", x->o->input);
		goto done;
	}
	snprintf(x->year_txt, sizeof(x->year_txt), "%d", x->year);
	req[0] = import_field(s.lyr, req_alias[0]);
	req[1] = import_field(s.lyr, req_alias[1]);
	if (import_require(x, s.lyr, req_alias, req, 2) != 0)
		goto done;
	for (int i = 0; i < NV; i++)
		if ((vf[i] = import_field(s.lyr, opt_alias[i])) < 0)
			snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), "%s%s",
					 missing[0] ? ", " : "", opt_alias[i][0]);
	if (missing[0])
		log_warn("layer %s has no %s: left NULL", OGR_L_GetName(s.lyr), missing);
	if (load_gemeenten(x, pc6, &gm) != 0)
		goto done;
	snprintf(sql, sizeof(sql), "CREATE TEMP TABLE imp (%s char(%d) PRIMARY KEY, gemeente_code text, "
			 "households int, inhabitants int, dwellings int, avg_income numeric, pct_low_income numeric, "
			 "pct_high_income numeric, avg_woz numeric, suppressed boolean NOT NULL, "
			 "year int NOT NULL DEFAULT %d) ON COMMIT DROP", layer_name, pc6 ? 6 : 4, x->year);
	if (import_sql(x, sql, NULL) != 0 || import_gpkg_open(x, &layer_name, 1) != 0)
		goto done;
	snprintf(sql, sizeof(sql), "COPY imp (%s, gemeente_code, households, inhabitants, dwellings, avg_income, "
			 "pct_low_income, pct_high_income, avg_woz, suppressed) FROM STDIN", layer_name);
	if (import_copy_begin(x, &cp, sql) != 0)
		goto done;
	if (read_features(x, &s, pc6, vf, req[0], &gm, &cp) != 0)
		goto done;
	if (import_copy_end(x, &cp) != 0)
		goto done;
	if (pc6)
		rc = merge_pc6(x);
	else
		rc = import_merge(x, "ref.pc4", "imp", "year, pc4", "gemeente_code, households, inhabitants, dwellings, "
						  "avg_income, pct_low_income, pct_high_income, avg_woz, suppressed",
						  "t.year = $1::int AND ($2::text IS NULL OR t.gemeente_code = $2::text)");
done:
	import_copy_abort(&cp);
	free(gm.e);
	import_src_close(&s);
	GDALClose(ds);
	return rc;
}
