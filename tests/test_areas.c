/*
 * tests/test_areas.c — area loading through real GDAL drivers and real PROJ: the Amersfoort
 * reference point, layers without CRS, geometry repair, the vector formats, level codes.
 */
#include "testutil.h"
#include "../geo/areas.h"

#include <gdal/gdal.h>
#include <gdal/ogr_srs_api.h>

static char *dir;

/* Write polygons (WKT) with an id field into path with the given driver and CRS (NULL = none). */
static void
write_layer(const char *driver, const char *path, const char *srs_def, const char *const *ids,
			const char *const *wkt, size_t n)
{
	GDALDriverH drv = GDALGetDriverByName(driver);
	GDALDatasetH ds;
	OGRSpatialReferenceH srs = NULL;
	OGRLayerH	l;
	OGRFieldDefnH fd;

	assert_non_null(drv);
	ds = GDALCreate(drv, path, 0, 0, 0, GDT_Unknown, NULL);
	assert_non_null(ds);
	if (srs_def)
	{
		srs = OSRNewSpatialReference(NULL);
		OSRSetFromUserInput(srs, srs_def);
	}
	l = GDALDatasetCreateLayer(ds, "areas", srs, wkbPolygon, NULL);
	assert_non_null(l);
	fd = OGR_Fld_Create("code", OFTString);
	OGR_L_CreateField(l, fd, TRUE);
	OGR_Fld_Destroy(fd);
	for (size_t i = 0; i < n; i++)
	{
		OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(l));
		OGRGeometryH g = NULL;
		char	   *w = (char *) wkt[i];

		OGR_F_SetFieldString(f, 0, ids[i]);
		if (wkt[i] && OGR_G_CreateFromWkt(&w, NULL, &g) == OGRERR_NONE)
			OGR_F_SetGeometryDirectly(f, g);
		assert_int_equal(OGR_L_CreateFeature(l, f), OGRERR_NONE);
		OGR_F_Destroy(f);
	}
	if (srs)
		OSRDestroySpatialReference(srs);
	GDALClose(ds);
}

/* (52.15517440 N, 5.38720621 E) is the Amersfoort origin of RD New: (155000, 463000). */
static void
test_amersfoort(void **state)
{
	const char *ids[] = {"AMF"};
	const char *wkt[] = {"POLYGON ((5.38720621 52.15517440, 5.39 52.15517440, 5.39 52.16, 5.38720621 52.16, 5.38720621 52.15517440))"};
	char		path[4200], err[512];
	areas_source src = {path, NULL, "code", NULL, "EPSG:28992", NULL, NULL};
	areas		a;

	(void) state;
	for (int k = 0; k < 2; k++)
	{
		snprintf(path, sizeof(path), "%s/amf.%s", dir, k ? "geojson" : "gpkg");
		write_layer(k ? "GeoJSON" : "GPKG", path, "EPSG:4326", ids, wkt, 1);
		if (areas_read(&src, &a, err, sizeof(err)) != 0)
			fail_msg("%s", err);
		assert_int_equal(a.n, 1);
		/* first vertex: x east, y north (traditional GIS order, whatever EPSG:4326 says) */
		assert_close(a.polys.xy[0], 155000.0, 0.5);
		assert_close(a.polys.xy[1], 463000.0, 0.5);
		assert_true(a.polys.cx[0] > 155000 && a.polys.cy[0] > 463000);
		areas_free(&a);
	}
}

static void
test_no_crs(void **state)
{
	const char *ids[] = {"A"};
	const char *wkt[] = {"POLYGON ((140000 480000, 140100 480000, 140100 480100, 140000 480100, 140000 480000))"};
	char		path[4200], err[512] = "";
	areas_source src = {path, NULL, "code", NULL, "EPSG:28992", NULL, NULL};
	areas		a;

	(void) state;
	snprintf(path, sizeof(path), "%s/nocrs.geojson", dir);
	write_layer("GeoJSON", path, NULL, ids, wkt, 1);
	/* GeoJSON without crs member is read as WGS 84 by GDAL; use a CSV-less format instead:
	 * a FlatGeobuf without CRS really has none */
	snprintf(path, sizeof(path), "%s/nocrs.fgb", dir);
	write_layer("FlatGeobuf", path, NULL, ids, wkt, 1);
	assert_int_equal(areas_read(&src, &a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no CRS"));
	src.srs = "EPSG:28992";
	assert_int_equal(areas_read(&src, &a, err, sizeof(err)), 0);
	assert_close(a.polys.xy[0], 140000, 1e-6);
	areas_free(&a);
}

/* A self-intersecting bow-tie is repaired; an empty one is excluded; both are counted. */
static void
test_repair(void **state)
{
	const char *ids[] = {"OK", "BOW", "EMPTY", "OK"};
	const char *wkt[] = {
		"POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))",
		"POLYGON ((20 0, 30 10, 30 0, 20 10, 20 0))",
		NULL,
		"POLYGON ((50 0, 60 0, 60 10, 50 10, 50 0))",
	};
	char		path[4200], err[512];
	areas_source src = {path, NULL, "code", NULL, "EPSG:28992", NULL, NULL};
	areas		a;

	(void) state;
	snprintf(path, sizeof(path), "%s/repair.gpkg", dir);
	write_layer("GPKG", path, "EPSG:28992", ids, wkt, 4);
	if (areas_read(&src, &a, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(a.n, 2);			/* BOW and the first OK */
	assert_string_equal(a.code[0], "BOW");
	assert_string_equal(a.code[1], "OK");
	assert_int_equal(a.repaired, 1);
	assert_int_equal(a.excluded, 2);	/* EMPTY and the second OK */
	assert_true(OGR_G_IsValid(a.geom[0]));
	assert_close(OGR_G_Area(a.geom[0]), 50.0, 1e-6);	/* two triangles of 25 m² */
	areas_free(&a);
}

/* The same layer in four formats gives the same areas and coordinates. */
static void
test_formats(void **state)
{
	const char *ids[] = {"1311", "1312", "1313"};
	const char *wkt[] = {
		"POLYGON ((140000 480000, 141000 480000, 141000 481000, 140000 481000, 140000 480000))",
		"POLYGON ((141000 480000, 142000 480000, 142000 481000, 141000 481000, 141000 480000))",
		"POLYGON ((140000 481000, 141000 481000, 141000 482000, 140000 482000, 140000 481000))",
	};
	const char *drivers[] = {"GPKG", "ESRI Shapefile", "FlatGeobuf"};
	const char *ext[] = {"gpkg", "shp", "fgb"};

	(void) state;
	for (int k = 0; k < 3; k++)
	{
		char		path[4200], err[512];
		areas_source src = {path, NULL, "code", NULL, "EPSG:28992", NULL, NULL};
		areas		a;

		snprintf(path, sizeof(path), "%s/fmt.%s", dir, ext[k]);
		write_layer(drivers[k], path, "EPSG:28992", ids, wkt, 3);
		if (areas_read(&src, &a, err, sizeof(err)) != 0)
			fail_msg("%s: %s", drivers[k], err);
		assert_int_equal(a.n, 3);
		assert_string_equal(a.code[2], "1313");
		assert_close(a.polys.xy[2 * a.polys.pt_off[a.polys.ring_off[1]]], 141000, 1e-6);
		areas_free(&a);
	}
}

static void
test_missing_things(void **state)
{
	const char *ids[] = {"A"};
	const char *wkt[] = {"POLYGON ((0 0, 1 0, 1 1, 0 0))"};
	char		path[4200], err[512];
	areas_source src = {path, "nolayer", "code", NULL, "EPSG:28992", NULL, NULL};
	areas		a;

	(void) state;
	snprintf(path, sizeof(path), "%s/m.gpkg", dir);
	write_layer("GPKG", path, "EPSG:28992", ids, wkt, 1);
	assert_int_equal(areas_read(&src, &a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "nolayer"));
	src.layer = NULL;
	src.id_field = "pc4";
	assert_int_equal(areas_read(&src, &a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "pc4"));
	src.path = "/nonexistent/x.gpkg";
	assert_int_equal(areas_read(&src, &a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/x.gpkg"));
}

static void
test_level_codes(void **state)
{
	char		pc6[1][7] = {"1315HR"}, pc4[1][5] = {"1315"};
	char	   *bu[1] = {"BU00340107"}, *wk[1] = {NULL}, *gm[1] = {"GM0034"};
	double		hh[1] = {10};
	ingest_ref	ref = {1, pc6, pc4, bu, wk, gm, hh, NULL};
	char		buf[16];

	(void) state;
	assert_string_equal(areas_level_code("pc6", &ref, 0, buf), "1315HR");
	assert_string_equal(areas_level_code("pc4", &ref, 0, buf), "1315");
	assert_string_equal(areas_level_code("buurt", &ref, 0, buf), "BU00340107");
	assert_string_equal(areas_level_code("wijk", &ref, 0, buf), "WK003401");
	bu[0] = NULL;
	assert_null(areas_level_code("wijk", &ref, 0, buf));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_amersfoort),
		cmocka_unit_test(test_no_crs),
		cmocka_unit_test(test_repair),
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_missing_things),
		cmocka_unit_test(test_level_codes),
	};

	GDALAllRegister();
	dir = test_tmpdir();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
