/*
 * tests/test_import.c — `vsp import` on small files in the CBS layouts, written here with
 * GDAL (GeoPackages) and stdio (the PC6 + huisnummer CSV): suppression sentinels, a missing
 * column (refused and named), a duplicated postcode, missing and invalid geometry, a PC6
 * spanning two buurten (and a tie), --gemeente, re-imports that change nothing, refusals
 * that change nothing, and the run lock.  Runs against the private PostgreSQL of make test.
 */
#include "dbutil.h"
#include "../pipeline/db.h"
#include "../pipeline/import.h"
#include "../pipeline/import_int.h"

#include <gdal/ogr_srs_api.h>
#include <sys/stat.h>
#include <unistd.h>

static char *tmp;
static char path_buf[8][4096];

static const char *
tpath(int slot, const char *name)
{
	snprintf(path_buf[slot], sizeof(path_buf[slot]), "%s/%s", tmp, name);
	return path_buf[slot];
}

static char *
square(double x, double y)
{
	static char buf[4][160];
	static int	k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "POLYGON((%g %g,%g %g,%g %g,%g %g,%g %g))", x, y, x + 100, y, x + 100,
			 y + 100, x, y + 100, x, y);
	return buf[k];
}

/* Write one layer: fields "name:S|I|R", rows of nf values (NULL = unset) and a WKT (NULL = none). */
static void
write_layer(const char *path, const char *layer, const char *const *fields, int nf,
			const char *const *rows, int nrows)
{
	GDALDriverH drv;
	GDALDatasetH ds;
	OGRSpatialReferenceH rd = OSRNewSpatialReference(NULL);
	OGRLayerH	l;
	struct stat st;

	GDALAllRegister();
	drv = GDALGetDriverByName("GPKG");
	ds = stat(path, &st) == 0 ? GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_UPDATE, NULL, NULL, NULL)
		: GDALCreate(drv, path, 0, 0, 0, GDT_Unknown, NULL);
	assert_non_null(ds);
	OSRImportFromEPSG(rd, 28992);
	l = GDALDatasetCreateLayer(ds, layer, rd, wkbPolygon, NULL);
	assert_non_null(l);
	for (int i = 0; i < nf; i++)
	{
		char		name[64];
		char		t = fields[i][strlen(fields[i]) - 1];
		OGRFieldDefnH fd;

		snprintf(name, sizeof(name), "%.*s", (int) (strlen(fields[i]) - 2), fields[i]);
		fd = OGR_Fld_Create(name, t == 'I' ? OFTInteger : t == 'R' ? OFTReal : OFTString);
		assert_int_equal(OGR_L_CreateField(l, fd, TRUE), OGRERR_NONE);
		OGR_Fld_Destroy(fd);
	}
	for (int r = 0; r < nrows; r++)
	{
		OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(l));
		const char *const *row = rows + r * (nf + 1);

		for (int i = 0; i < nf; i++)
			if (row[i])
				OGR_F_SetFieldString(f, i, row[i]);
		if (row[nf])
		{
			OGRGeometryH g = NULL;
			char	   *w = (char *) row[nf];

			assert_int_equal(OGR_G_CreateFromWkt(&w, rd, &g), OGRERR_NONE);
			OGR_F_SetGeometryDirectly(f, g);
		}
		assert_int_equal(OGR_L_CreateFeature(l, f), OGRERR_NONE);
		OGR_F_Destroy(f);
	}
	OSRDestroySpatialReference(rd);
	GDALClose(ds);
}

static void
write_text(const char *path, const char *text)
{
	FILE	   *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static import_status
run_import(import_kind kind, const char *input, const char *level, const char *gemeente, const char *out,
		   import_report *rep, char *err)
{
	import_options o = {0};
	import_status st;

	o.kind = kind;
	o.input = input;
	o.level = level;
	o.gemeente = gemeente;
	o.areas_output = out;
	st = import_run(&o, rep, err, 1024);
	if (st != IMPORT_OK)
		fprintf(stderr, "import: status %d: %s\n", (int) st, err);
	return st;
}

/* A checksum of a table's rows, to see that a re-import changed nothing. */
static char *
table_md5(PGconn *c, const char *table)
{
	char		sql[256];

	snprintf(sql, sizeof(sql), "SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM %s t", table);
	return test_sql_text(c, sql);
}

static long
layer_count(const char *path, const char *layer, const char *where)
{
	GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR, NULL, NULL, NULL);
	OGRLayerH	l;
	long		n;

	assert_non_null(ds);
	l = GDALDatasetGetLayerByName(ds, layer);
	assert_non_null(l);
	if (where)
		OGR_L_SetAttributeFilter(l, where);
	n = (long) OGR_L_GetFeatureCount(l, TRUE);
	GDALClose(ds);
	return n;
}

/* ---- units ---- */

static void
test_codes(void **state)
{
	char		out[16], gm[8];

	(void) state;
	assert_int_equal(import_norm_area("00340101", "BU", 8, out), 0);
	assert_string_equal(out, "BU00340101");
	assert_int_equal(import_norm_area("340101", "BU", 8, out), 0);	/* lost leading zeros */
	assert_string_equal(out, "BU00340101");
	assert_int_equal(import_norm_area("0363AF01", "BU", 8, out), 0);
	assert_string_equal(out, "BU0363AF01");
	assert_int_equal(import_norm_area(" wk003401 ", "WK", 6, out), 0);
	assert_string_equal(out, "WK003401");
	assert_int_equal(import_norm_area("0034XX", "BU", 8, out), -1);	/* short and not numeric */
	assert_int_equal(import_norm_area("AB340101", "BU", 8, out), -1);
	assert_int_equal(import_norm_area("", "GM", 4, out), -1);
	assert_int_equal(import_norm_gemeente("34", gm), 0);
	assert_string_equal(gm, "GM0034");
	assert_int_equal(import_norm_gemeente("GM0363", gm), 0);
	assert_int_equal(import_norm_gemeente("Almere", gm), -1);
	assert_int_equal(import_year_in("cbs_pc4_2022_vol"), 2022);
	assert_int_equal(import_year_in("wijk_2024_Almere_GM0034_EXTRACT.geojson"), 2024);
	assert_int_equal(import_year_in("pc6hnr20240801_gwb.csv"), 0);
	assert_int_equal(import_year_in("cbs_pc4"), 0);
	assert_string_equal(import_reason_code(IMPORT_R_DUPLICATE), "duplicate_code");
}

/* ---- cbs-postcode ---- */

static const char *const pc4_fields[] = {"postcode:S", "aantal_part_huishoudens:I", "aantal_inwoners:I",
"gemiddeld_inkomen_huishouden:R", "percentage_laag_inkomen_huishouden:R"};

static void
write_pc4(const char *path, const char *layer)
{
	const char *rows[] = {
		"1311", "2080", "5000", "35.9", "34.4", square(140000, 480000),
		"1312", "-99997", "-99995", "-99997", "-99997", square(140100, 480000),	/* suppressed */
		"1313", "100", "230", NULL, NULL, square(140200, 480000),
		"1313", "999", "999", NULL, NULL, square(140300, 480000),	/* duplicate */
		"0123", "10", "20", NULL, NULL, square(140400, 480000),	/* malformed */
		"1314", "10", "20", NULL, NULL, NULL,	/* no geometry */
		"1315", "50", "120", NULL, NULL, "POLYGON((0 0,100 100,100 0,0 100,0 0))",	/* bowtie */
	};

	write_layer(path, layer, pc4_fields, 5, rows, 7);
}

static void
test_postcode_pc4(void **state)
{
	PGconn	   *c = test_db();
	import_report rep;
	char		err[1024], *before, *after;
	const char *in = tpath(0, "cbs_pc4_2022_vol.gpkg"), *out = tpath(1, "areas.gpkg");

	(void) state;
	write_pc4(in, "cbs_pc4_2022");
	assert_int_equal(run_import(IMPORT_CBS_POSTCODE, in, "pc4", NULL, out, &rep, err), IMPORT_OK);
	assert_int_equal(rep.year, 2022);
	assert_int_equal(rep.read, 7);
	assert_int_equal(rep.loaded, 4);
	assert_int_equal(rep.rejected, 3);
	assert_int_equal(rep.by_reason[IMPORT_R_DUPLICATE], 1);
	assert_int_equal(rep.by_reason[IMPORT_R_POSTCODE], 1);
	assert_int_equal(rep.by_reason[IMPORT_R_NO_GEOMETRY], 1);
	assert_int_equal(rep.suppressed, 1);
	assert_int_equal(rep.repaired, 1);
	assert_int_equal(test_sql_long(c, "SELECT count(*) FROM ref.pc4 WHERE year = 2022"), 4);
	/* sentinels are NULL, never numbers; the area is kept and flagged */
	assert_int_equal(test_sql_long(c, "SELECT count(*) FROM ref.pc4 WHERE pc4 = '1312' AND households IS NULL "
									"AND inhabitants IS NULL AND avg_income IS NULL AND suppressed"), 1);
	assert_int_equal(test_sql_long(c, "SELECT count(*) FROM ref.pc4 WHERE households < 0 OR inhabitants < 0 "
									"OR avg_income < 0 OR pct_low_income < 0"), 0);
	assert_int_equal(test_sql_long(c, "SELECT households FROM ref.pc4 WHERE pc4 = '1313'"), 100);	/* the first */
	assert_int_equal(test_sql_long(c, "SELECT (avg_income * 10)::int FROM ref.pc4 WHERE pc4 = '1311'"), 359);
	assert_int_equal(test_sql_long(c, "SELECT (counts->'rejects'->>'duplicate_code')::int FROM ref.import_log "
									"ORDER BY import_id DESC LIMIT 1"), 1);
	/* the area layer: RD New, households NULL where suppressed */
	assert_int_equal(layer_count(out, "pc4", NULL), 4);
	assert_int_equal(layer_count(out, "pc4", "code = '1312' AND households IS NULL AND suppressed = 1"), 1);
	assert_int_equal(layer_count(out, "pc4", "code = '1311' AND households = 2080"), 1);

	/* the same file again changes nothing */
	before = table_md5(c, "ref.pc4");
	assert_int_equal(run_import(IMPORT_CBS_POSTCODE, in, "pc4", NULL, out, &rep, err), IMPORT_OK);
	after = table_md5(c, "ref.pc4");
	assert_string_equal(before, after);
	assert_int_equal(rep.nchanges, 1);
	assert_int_equal(rep.changes[0].inserted + rep.changes[0].updated + rep.changes[0].deleted, 0);
	assert_int_equal(layer_count(out, "pc4", NULL), 4);
	free(before);
	free(after);
	PQfinish(c);
}

static void
test_postcode_missing_column(void **state)
{
	PGconn	   *c = test_db();
	import_report rep;
	char		err[1024];
	const char *in = tpath(0, "wrong_2022.gpkg"), *out = tpath(1, "wrong-areas.gpkg");
	const char *const f1[] = {"postcode:S", "aantal_inwoners:I"};
	const char *const r1[] = {"1311", "5000", square(0, 0)};
	const char *const f2[] = {"code:S", "inwoners:I"};

	(void) state;
	unlink(in);
	write_layer(in, "cbs_pc4_2022", f1, 2, r1, 1);
	assert_int_equal(run_import(IMPORT_CBS_POSTCODE, in, "pc4", NULL, out, &rep, err), IMPORT_BADFILE);
	assert_non_null(strstr(err, "missing column aantal_part_huishoudens"));
	unlink(in);
	write_layer(in, "cbs_pc4_2022", f2, 2, r1, 1);
	assert_int_equal(run_import(IMPORT_CBS_POSTCODE, in, "pc4", NULL, out, &rep, err), IMPORT_BADFILE);
	assert_non_null(strstr(err, "missing columns postcode, aantal_part_huishoudens"));
	/* a CSV is not a polygon layer with statistics; neither is a table without geometry */
	write_text(tpath(2, "pc6hnr.csv"), "PC6;Huisnummer;Buurt2024;Wijk2024;Gemeente2024\n1315HR;1;00340101;003401;0034\n");
	assert_int_equal(run_import(IMPORT_CBS_POSTCODE, tpath(2, "pc6hnr.csv"), "pc4", NULL, out, &rep, err),
					 IMPORT_BADFILE);
	assert_non_null(strstr(err, "has no geometry"));
	/* nothing written: no rows, no log, no area file */
	assert_int_equal(test_sql_long(c, "SELECT count(*) FROM ref.pc4"), 0);
	assert_int_equal(test_sql_long(c, "SELECT count(*) FROM ref.import_log"), 0);
	assert_int_not_equal(access(out, F_OK), 0);
	/* usage errors */
	assert_int_equal(run_import(IMPORT_CBS_POSTCODE, tpath(3, "absent.gpkg"), "pc4", NULL, out, &rep, err), IMPORT_USAGE);
	assert_int_equal(run_import(IMPORT_CBS_POSTCODE, in, "buurt", NULL, out, &rep, err), IMPORT_USAGE);
	assert_int_equal(run_import(IMPORT_CBS_POSTCODE, in, "pc4", "Almere", out, &rep, err), IMPORT_USAGE);
	PQfinish(c);
}

static void
test_postcode_text_numbers(void **state)
{
	PGconn	   *c = test_db();
	import_report rep;
	char		err[1024];
	const char *in = tpath(0, "text_2023.gpkg"), *out = tpath(1, "text-areas.gpkg");
	const char *const f[] = {"postcode:S", "aantal_part_huishoudens:S"};
	const char *const r[] = {"1311", " 2080 ", square(0, 0), "1312", "-99997", square(100, 0),
	"1313", "abc", square(200, 0), "1314", ".", square(300, 0)};

	(void) state;
	write_layer(in, "pc4", f, 2, r, 4);
	assert_int_equal(run_import(IMPORT_CBS_POSTCODE, in, "pc4", NULL, out, &rep, err), IMPORT_OK);
	assert_int_equal(rep.year, 2023);
	assert_int_equal(rep.loaded, 3);
	assert_int_equal(rep.by_reason[IMPORT_R_NUMBER], 1);
	assert_int_equal(rep.suppressed, 2);	/* the sentinel and CBS's "." */
	assert_int_equal(test_sql_long(c, "SELECT households FROM ref.pc4 WHERE pc4 = '1311'"), 2080);
	PQfinish(c);
}

static void
test_postcode_pc6_and_gemeente(void **state)
{
	PGconn	   *c = test_db();
	import_report rep;
	char		err[1024];
	const char *in = tpath(0, "cbs_pc6_2022.gpkg"), *out = tpath(1, "pc6-areas.gpkg");
	const char *csv = tpath(2, "pc6hnr20240801_gwb.csv"), *in4 = tpath(3, "cbs_pc4_2022_b.gpkg");
	const char *const f[] = {"postcode:S", "aantal_part_huishoudens:I", "aantal_woningen:I"};
	const char *const r[] = {
		"1315HR", "20", "22", square(0, 0),
		"1315HS", "-99997", "-99997", square(100, 0),
		"1315 hr", "30", "30", square(200, 0),	/* the same PC6 again, as typed */
		"1315SA", "5", "5", square(300, 0),	/* never issued */
		"1316AB", "40", "41", square(400, 0),
		"1011AB", "7", "8", square(500, 0),
	};

	(void) state;
	write_layer(in, "cbs_pc6_2022", f, 3, r, 6);
	/* --gemeente needs the PC6 → gemeente table */
	assert_int_equal(run_import(IMPORT_CBS_POSTCODE, in, "pc6", "0034", out, &rep, err), IMPORT_USAGE);
	assert_non_null(strstr(err, "pc6-buurt"));
	write_text(csv, "PC6;Huisnummer;Buurt2024;Wijk2024;Gemeente2024\n"
			   "1315HR;1;00340101;003401;0034\n1315HS;2;00340101;003401;0034\n"
			   "1316AB;1;00340201;003402;0034\n1011AB;1;0363AF01;0363AF;0363\n");
	assert_int_equal(run_import(IMPORT_PC6_BUURT, csv, NULL, NULL, NULL, &rep, err), IMPORT_OK);
	assert_int_equal(run_import(IMPORT_CBS_POSTCODE, in, "pc6", NULL, out, &rep, err), IMPORT_OK);
	assert_int_equal(rep.loaded, 4);
	assert_int_equal(rep.by_reason[IMPORT_R_DUPLICATE], 1);
	assert_int_equal(rep.by_reason[IMPORT_R_POSTCODE], 1);
	/* statistics joined the mapping rows; the suppressed PC6 is kept and flagged */
	assert_int_equal(test_sql_long(c, "SELECT count(*) FROM ref.pc6 WHERE households IS NOT NULL "
									"AND buurt_code IS NOT NULL"), 3);
	assert_int_equal(test_sql_long(c, "SELECT count(*) FROM ref.pc6 WHERE pc6 = '1315HS' AND suppressed "
									"AND households IS NULL AND buurt_code = 'BU00340101'"), 1);
	assert_int_equal(test_sql_long(c, "SELECT households FROM ref.pc6 WHERE pc6 = '1315HR'"), 20);
	assert_int_equal(layer_count(out, "pc6", "parent = '1315' AND gemeente_code = 'GM0034'"), 2);

	/* one gemeente from the national file: Amsterdam's PC6 is left alone */
	write_layer(tpath(4, "cbs_pc6_2022_v2.gpkg"), "pc6", f, 3, (const char *const[]) {
		"1315HR", "25", "22", square(0, 0), "1011AB", "99", "99", square(500, 0)}, 2);
	assert_int_equal(run_import(IMPORT_CBS_POSTCODE, tpath(4, "cbs_pc6_2022_v2.gpkg"), "pc6", "GM0034", out, &rep,
								err), IMPORT_OK);
	assert_int_equal(rep.loaded, 1);
	assert_int_equal(rep.skipped, 1);
	assert_int_equal(test_sql_long(c, "SELECT households FROM ref.pc6 WHERE pc6 = '1315HR'"), 25);
	assert_int_equal(test_sql_long(c, "SELECT households FROM ref.pc6 WHERE pc6 = '1011AB'"), 7);
	/* 0034's PC6s the file lacks lose their figures but keep their buurt */
	assert_int_equal(test_sql_long(c, "SELECT count(*) FROM ref.pc6 WHERE pc6 = '1316AB' AND households IS NULL "
									"AND buurt_code IS NOT NULL"), 1);
	assert_int_equal(layer_count(out, "pc6", NULL), 2);	/* 1315HR (new) and 1011AB (kept) */

	/* PC4 with --gemeente: a PC4's gemeente is that of most of its PC6s */
	write_pc4(in4, "cbs_pc4_2022");
	assert_int_equal(run_import(IMPORT_CBS_POSTCODE, in4, "pc4", "34", NULL, &rep, err), IMPORT_OK);
	assert_int_equal(rep.loaded, 1);	/* 1315 is the only PC4 of GM0034 in that file */
	assert_int_equal(test_sql_long(c, "SELECT count(*) FROM ref.pc4 WHERE gemeente_code = 'GM0034'"), 1);
	assert_int_equal(access(tpath(5, "vsp-areas.gpkg"), F_OK), 0);	/* the default: next to the input */
	PQfinish(c);
}

/* ---- pc6-buurt ---- */

static void
test_pc6_buurt(void **state)
{
	PGconn	   *c = test_db();
	import_report rep;
	char		err[1024], *before, *after;
	const char *csv = tpath(0, "pc6hnr20240801_gwb.csv");

	(void) state;
	write_text(csv, "\xEF\xBB\xBFPC6;Huisnummer;Buurt2024;Wijk2024;Gemeente2024\r\n"
			   "1315HR;1;00340101;003401;0034\r\n"
			   "1315HR;3;00340101;003401;0034\r\n"
			   "1315HR;5;00340102;003401;0034\r\n"	/* 1315HR spans two buurten: 2 to 1 */
			   "1315HR;5;00340102;003401;0034\r\n"	/* the same address again */
			   "1315HS;4;00340102;003401;0034\r\n"
			   "1315HS;2;00340101;003401;0034\r\n"	/* 1315HS: 1 to 1, the lowest code wins */
			   "1316AB;10;340201;3402;34\r\n"	/* numeric columns that lost their zeros */
			   "0315AB;1;00340101;003401;0034\r\n"
			   "1315HT;x;00340101;003401;0034\r\n"
			   "1315HT;8\r\n"
			   "\"1011AB\";\"1\";\"0363AF01\";\"0363AF\";\"0363\"\r\n");
	assert_int_equal(run_import(IMPORT_PC6_BUURT, csv, NULL, NULL, NULL, &rep, err), IMPORT_OK);
	assert_int_equal(rep.year, 2024);
	assert_int_equal(rep.read, 11);
	assert_int_equal(rep.loaded, 7);
	assert_int_equal(rep.rejected, 4);
	assert_int_equal(rep.by_reason[IMPORT_R_DUP_ADDRESS], 1);
	assert_int_equal(rep.by_reason[IMPORT_R_POSTCODE], 1);
	assert_int_equal(rep.by_reason[IMPORT_R_HUISNUMMER], 1);
	assert_int_equal(rep.by_reason[IMPORT_R_FIELDS], 1);
	assert_int_equal(rep.pc6_codes, 4);
	assert_int_equal(rep.pc6_spanning, 2);
	assert_int_equal(rep.addresses_kept, 5);
	assert_int_equal(test_sql_long(c, "SELECT count(*) FROM ref.pc6 WHERE pc6 = '1315HR' AND buurt_code = 'BU00340101' "
									"AND wijk_code = 'WK003401' AND gemeente_code = 'GM0034' AND buurt_year = 2024"), 1);
	assert_int_equal(test_sql_long(c, "SELECT count(*) FROM ref.pc6 WHERE pc6 = '1315HS' AND buurt_code = 'BU00340101'"), 1);
	assert_int_equal(test_sql_long(c, "SELECT count(*) FROM ref.pc6 WHERE pc6 = '1316AB' AND buurt_code = 'BU00340201' "
									"AND wijk_code = 'WK003402'"), 1);
	assert_int_equal(test_sql_long(c, "SELECT count(*) FROM ref.pc6 WHERE pc6 = '1011AB' AND buurt_code = 'BU0363AF01'"), 1);
	/* address → buurt only for the spanning PC6s */
	assert_int_equal(test_sql_long(c, "SELECT count(*) FROM ref.address_buurt"), 5);
	assert_int_equal(test_sql_long(c, "SELECT count(*) FROM ref.address_buurt WHERE pc6 = '1315HR' AND huisnummer = 5 "
									"AND buurt_code = 'BU00340102'"), 1);

	/* again: nothing changes */
	before = table_md5(c, "ref.pc6");
	assert_int_equal(run_import(IMPORT_PC6_BUURT, csv, NULL, NULL, NULL, &rep, err), IMPORT_OK);
	after = table_md5(c, "ref.pc6");
	assert_string_equal(before, after);
	for (size_t i = 0; i < rep.nchanges; i++)
		assert_int_equal(rep.changes[i].inserted + rep.changes[i].updated + rep.changes[i].deleted, 0);
	free(before);
	free(after);

	/* one gemeente: Amsterdam's rows only; Almere's stay */
	write_text(tpath(1, "amsterdam.csv"), "PC6;Huisnummer;Buurt2024;Wijk2024;Gemeente2024\n"
			   "1011AB;1;0363AF02;0363AF;0363\n1315HR;1;00349999;003499;0034\n");
	assert_int_equal(run_import(IMPORT_PC6_BUURT, tpath(1, "amsterdam.csv"), NULL, "0363", NULL, &rep, err), IMPORT_OK);
	assert_int_equal(rep.loaded, 1);
	assert_int_equal(rep.skipped, 1);
	assert_int_equal(test_sql_long(c, "SELECT count(*) FROM ref.pc6 WHERE pc6 = '1011AB' AND buurt_code = 'BU0363AF02'"), 1);
	assert_int_equal(test_sql_long(c, "SELECT count(*) FROM ref.pc6 WHERE buurt_code LIKE 'BU0034%'"), 3);

	/* the header is checked and the missing columns named */
	write_text(tpath(2, "short.csv"), "PC6;Huisnummer;Buurt2024\n1315HR;1;00340101\n");
	assert_int_equal(run_import(IMPORT_PC6_BUURT, tpath(2, "short.csv"), NULL, NULL, NULL, &rep, err), IMPORT_BADFILE);
	assert_non_null(strstr(err, "missing columns WijkYYYY, GemeenteYYYY"));
	PQfinish(c);
}

/* ---- cbs-buurten ---- */

static void
write_wijkbuurtkaart(const char *path, int with_buurtcode)
{
	const char *const fg[] = {"gemeentecode:S", "gemeentenaam:S", "aantal_huishoudens:I", "water:S"};
	const char *const rg[] = {"GM0034", "Almere", "92400", "NEE", square(0, 0),
	"GM0363", "Amsterdam", "480000", "NEE", square(1000, 0)};
	const char *const fw[] = {"wijkcode:S", "wijknaam:S", "gemeentecode:S", "aantal_huishoudens:I", "water:S"};
	const char *const rw[] = {"WK003401", "Centrum Almere Haven", "GM0034", "2000", "NEE", square(0, 0),
	"WK003402", "De Werven", "GM0034", "-99997", "NEE", square(100, 0),
	"WK036300", "Burgwallen-Oude Zijde", "GM0363", "3000", "NEE", square(1000, 0)};
	const char *const fb[] = {"buurtcode:S", "buurtnaam:S", "wijkcode:S", "gemeentecode:S", "aantal_huishoudens:I",
	"aantal_inwoners:I", "water:S"};
	const char *const fb2[] = {"code:S", "buurtnaam:S", "wijkcode:S", "gemeentecode:S", "aantal_huishoudens:I",
	"aantal_inwoners:I", "water:S"};
	const char *const rb[] = {
		"BU00340101", "Haven-Centrum", "WK003401", "GM0034", "1200", "2500", "NEE", square(0, 0),
		"BU00340102", "Haven-West", "WK003401", "GM0034", "-99995", "-99995", "NEE", square(50, 0),
		"BU00340199", "Gooimeer", "WK003401", "GM0034", "0", "0", "JA", square(0, 50),	/* water */
		"BU00340201", "De Werven", "WK003402", "GM0034", "800", "1700", "NEE", square(100, 0),
		"BU00340201", "De Werven (again)", "WK003402", "GM0034", "1", "1", "NEE", square(100, 50),
		"BU0363AF01", "Kop Zeedijk", "WK0363AF", "GM0363", "900", "1500", "NEE", square(1000, 0),
		"XX12", "nonsense", "WK003402", "GM0034", "1", "1", "NEE", square(200, 0),
	};

	unlink(path);
	write_layer(path, "gemeenten", fg, 4, rg, 2);
	write_layer(path, "wijken", fw, 5, rw, 3);
	write_layer(path, "buurten", with_buurtcode ? fb : fb2, 7, rb, 7);
}

static void
test_buurten(void **state)
{
	PGconn	   *c = test_db();
	import_report rep;
	char		err[1024], *before, *after;
	const char *in = tpath(0, "wijkenbuurten_2024_v1.gpkg"), *out = tpath(1, "wb-areas.gpkg");

	(void) state;
	write_wijkbuurtkaart(in, 1);
	assert_int_equal(run_import(IMPORT_CBS_BUURTEN, in, NULL, NULL, out, &rep, err), IMPORT_OK);
	assert_int_equal(rep.year, 2024);
	assert_int_equal(rep.read, 12);
	assert_int_equal(rep.loaded, 9);
	assert_int_equal(rep.skipped, 1);	/* water */
	assert_int_equal(rep.by_reason[IMPORT_R_DUPLICATE], 1);
	assert_int_equal(rep.by_reason[IMPORT_R_CODE], 1);
	assert_int_equal(rep.suppressed, 2);
	assert_int_equal(test_sql_long(c, "SELECT count(*) FROM ref.gemeente"), 2);
	assert_int_equal(test_sql_long(c, "SELECT count(*) FROM ref.wijk WHERE gemeente_code = 'GM0034'"), 2);
	assert_int_equal(test_sql_long(c, "SELECT count(*) FROM ref.buurt"), 4);
	assert_int_equal(test_sql_long(c, "SELECT count(*) FROM ref.buurt WHERE buurt_code = 'BU00340102' "
									"AND households IS NULL AND inhabitants IS NULL AND suppressed"), 1);
	assert_int_equal(test_sql_long(c, "SELECT count(*) FROM ref.buurt WHERE buurt_code = 'BU0363AF01' "
									"AND wijk_code = 'WK0363AF' AND name = 'Kop Zeedijk'"), 1);
	assert_int_equal(layer_count(out, "buurt", NULL), 4);
	assert_int_equal(layer_count(out, "wijk", "code = 'WK003402' AND households IS NULL AND parent = 'GM0034'"), 1);
	assert_int_equal(layer_count(out, "gemeente", NULL), 2);

	/* again: nothing changes; then one gemeente only */
	before = table_md5(c, "ref.buurt");
	assert_int_equal(run_import(IMPORT_CBS_BUURTEN, in, NULL, NULL, out, &rep, err), IMPORT_OK);
	after = table_md5(c, "ref.buurt");
	assert_string_equal(before, after);
	assert_int_equal(run_import(IMPORT_CBS_BUURTEN, in, "buurt", "0363", out, &rep, err), IMPORT_OK);
	assert_int_equal(rep.loaded, 1);
	assert_int_equal(layer_count(out, "buurt", NULL), 4);
	free(before);
	free(after);

	/* refusals name what is missing and change nothing */
	write_wijkbuurtkaart(in, 0);
	before = table_md5(c, "ref.buurt");
	assert_int_equal(run_import(IMPORT_CBS_BUURTEN, in, NULL, NULL, out, &rep, err), IMPORT_BADFILE);
	assert_non_null(strstr(err, "missing column buurtcode"));
	write_layer(tpath(2, "only_wijken_2024.gpkg"), "wijken", (const char *const[]) {"wijkcode:S", "wijknaam:S"}, 2,
				(const char *const[]) {"WK003401", "x", square(0, 0)}, 1);
	assert_int_equal(run_import(IMPORT_CBS_BUURTEN, tpath(2, "only_wijken_2024.gpkg"), NULL, NULL, out, &rep, err),
					 IMPORT_BADFILE);
	assert_non_null(strstr(err, "missing layers gemeenten, buurten"));
	after = table_md5(c, "ref.buurt");
	assert_string_equal(before, after);
	assert_int_equal(layer_count(out, "buurt", NULL), 4);
	free(before);
	free(after);
	PQfinish(c);
}

/* An import waits for no run: it refuses while one holds the lock, and an area file it
 * cannot write fails the import before anything is committed. */
static void
test_lock_and_write_failure(void **state)
{
	PGconn	   *c = test_db();
	import_report rep;
	char		err[1024], sql[128];
	const char *in = tpath(0, "cbs_pc4_2022_lock.gpkg");

	(void) state;
	write_pc4(in, "pc4");
	snprintf(sql, sizeof(sql), "SELECT pg_advisory_lock(%lld)", (long long) DB_RUN_LOCK_KEY);
	test_sql(c, sql);
	assert_int_equal(run_import(IMPORT_CBS_POSTCODE, in, "pc4", NULL, tpath(1, "l.gpkg"), &rep, err), IMPORT_LOCKED);
	snprintf(sql, sizeof(sql), "SELECT pg_advisory_unlock(%lld)", (long long) DB_RUN_LOCK_KEY);
	test_sql(c, sql);
	write_text(tpath(2, "not-a-gpkg.gpkg"), "hello\n");
	assert_int_equal(run_import(IMPORT_CBS_POSTCODE, in, "pc4", NULL, tpath(2, "not-a-gpkg.gpkg"), &rep, err),
					 IMPORT_WRITE);
	assert_int_equal(run_import(IMPORT_CBS_POSTCODE, in, "pc4", NULL, "/nonexistent/dir/a.gpkg", &rep, err),
					 IMPORT_WRITE);
	assert_int_equal(test_sql_long(c, "SELECT count(*) FROM ref.pc4"), 0);
	assert_int_equal(test_sql_long(c, "SELECT count(*) FROM ref.import_log"), 0);
	PQfinish(c);
}

/* Each test starts from empty reference tables. */
static int
clean(void **state)
{
	PGconn	   *c = test_db();

	(void) state;
	test_sql(c, "TRUNCATE ref.pc6, ref.pc4, ref.gemeente, ref.wijk, ref.buurt, ref.address_buurt, ref.import_log");
	PQfinish(c);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codes),
		cmocka_unit_test_setup(test_postcode_pc4, clean),
		cmocka_unit_test_setup(test_postcode_missing_column, clean),
		cmocka_unit_test_setup(test_postcode_text_numbers, clean),
		cmocka_unit_test_setup(test_postcode_pc6_and_gemeente, clean),
		cmocka_unit_test_setup(test_pc6_buurt, clean),
		cmocka_unit_test_setup(test_buurten, clean),
		cmocka_unit_test_setup(test_lock_and_write_failure, clean),
	};
	int			rc;

	if (!(tmp = test_tmpdir()))
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	{
		char		cmd[4200];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", tmp);
	}
	free(tmp);
	return rc;
}
