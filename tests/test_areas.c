/*
 * tests/test_areas.c — area loading through real GDAL drivers and real PROJ: the Amersfoort
 * reference point, layers without CRS, geometry repair, the vector formats, level codes.
 */
#include "testutil.h"
#include "../geo/areas.h"
#include "../geo/cache.h"
#include "../geo/weights.h"

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
	l = GDALDatasetCreateLayer(ds, "areas", srs, wkbUnknown, NULL);	/* polygons and multipolygons */
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
	{
		OGRGeometryH g = areas_geometry(&a, 0);

		assert_non_null(g);
		assert_int_equal(wkbFlatten(OGR_G_GetGeometryType(g)), wkbMultiPolygon);
		assert_true(OGR_G_IsValid(g));
		assert_close(OGR_G_Area(g), 50.0, 1e-6);	/* two triangles of 25 m² */
		OGR_G_DestroyGeometry(g);
	}
	areas_free(&a);
}

/* areas_geometry() rebuilds holes and parts exactly as read (the rings are all that is kept). */
static void
test_geometry_rebuilt(void **state)
{
	const char *ids[] = {"HOLE", "MULTI", "ONE"};
	const char *wkt[] = {
		"POLYGON ((0 0,10 0,10 10,0 10,0 0),(2 2,2 4,4 4,4 2,2 2))",
		"MULTIPOLYGON (((20 0,30 0,30 10,20 10,20 0),(22 2,22 4,24 4,24 2,22 2)),((40 0,45 0,45 5,40 0)))",
		"MULTIPOLYGON (((50 0,55 0,55 5,50 0)))",
	};
	const char *want[] = {wkt[0], wkt[1], "POLYGON ((50 0,55 0,55 5,50 0))"};
	char		path[4200], err[512];
	areas_source src = {path, NULL, "code", NULL, "EPSG:28992", NULL, NULL};
	areas		a;

	(void) state;
	snprintf(path, sizeof(path), "%s/rebuilt.gpkg", dir);
	write_layer("GPKG", path, "EPSG:28992", ids, wkt, 3);
	if (areas_read(&src, &a, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(a.n, 3);
	for (size_t i = 0; i < a.n; i++)
	{
		OGRGeometryH g = areas_geometry(&a, i);
		char	   *txt = NULL;

		assert_non_null(g);
		assert_int_equal(OGR_G_ExportToWkt(g, &txt), OGRERR_NONE);
		assert_string_equal(txt, want[i]);
		VSIFree(txt);
		OGR_G_DestroyGeometry(g);
	}
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

/* The two structs hold the same layer, array for array. */
static void
assert_same_areas(const areas *x, const areas *y)
{
	const geo_polys *p = &x->polys, *q = &y->polys;

	assert_int_equal(x->n, y->n);
	assert_int_equal(p->nrings, q->nrings);
	assert_int_equal(p->npts, q->npts);
	assert_int_equal(x->repaired, y->repaired);
	assert_int_equal(x->excluded, y->excluded);
	assert_string_equal(x->srs_wkt_name, y->srs_wkt_name);
	for (size_t i = 0; i < x->n; i++)
		assert_string_equal(x->code[i], y->code[i]);
	assert_memory_equal(x->households, y->households, x->n * sizeof(double));
	assert_memory_equal(p->ring_off, q->ring_off, (x->n + 1) * sizeof(size_t));
	assert_memory_equal(p->pt_off, q->pt_off, (p->nrings + 1) * sizeof(size_t));
	assert_memory_equal(p->xy, q->xy, 2 * p->npts * sizeof(double));
	assert_memory_equal(p->cx, q->cx, x->n * sizeof(double));
	assert_memory_equal(p->cy, q->cy, x->n * sizeof(double));
	assert_memory_equal(x->ring_outer, y->ring_outer, p->nrings);
}

/* Flip one byte in the middle of the only KIND-*.bin file in cdir. */
static void
damage(const char *cdir, const char *kind)
{
	char		cmd[9000];

	snprintf(cmd, sizeof(cmd), "f=$(ls %s/%s-*.bin) && test $(echo \"$f\" | wc -l) = 1 && "
			 "s=$(stat -c %%s \"$f\") && printf '\\377' | dd of=\"$f\" bs=1 seek=$((s / 2)) conv=notrunc 2>/dev/null",
			 cdir, kind);
	assert_int_equal(system(cmd), 0);
}

/*
 * The prepared layer through the cache: the first read keeps it, the second comes from it
 * identical (repairs and exclusions counted as read), a damaged file is read again, and a
 * changed layer gets another key.
 */
static void
test_cache_areas(void **state)
{
	const char *ids[] = {"OK", "BOW", "EMPTY", "OK", "HOLE", "MULTI"};
	const char *wkt[] = {
		"POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))",
		"POLYGON ((20 0, 30 10, 30 0, 20 10, 20 0))",
		NULL,
		"POLYGON ((50 0, 60 0, 60 10, 50 10, 50 0))",
		"POLYGON ((70 0,80 0,80 10,70 10,70 0),(72 2,72 4,74 4,74 2,72 2))",
		"MULTIPOLYGON (((90 0,95 0,95 5,90 0)),((96 0,99 0,99 3,96 0)))",
	};
	char		path[4200], cdir[4200], err[512], key1[65];
	areas_source src = {path, NULL, "code", NULL, "EPSG:28992", NULL, NULL};
	areas		plain, first, second;

	(void) state;
	snprintf(path, sizeof(path), "%s/cached.gpkg", dir);
	snprintf(cdir, sizeof(cdir), "%s/cache/sub", dir);
	write_layer("GPKG", path, "EPSG:28992", ids, wkt, 6);
	if (areas_read(&src, &plain, err, sizeof(err)) != 0 ||
		areas_read_cached(&src, cdir, &first, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(strlen(first.cache_key), 64);
	assert_int_equal(first.repaired, 1);
	assert_int_equal(first.excluded, 2);
	assert_same_areas(&plain, &first);
	if (areas_read_cached(&src, cdir, &second, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_string_equal(second.cache_key, first.cache_key);
	assert_same_areas(&plain, &second);
	snprintf(key1, sizeof(key1), "%s", first.cache_key);
	areas_free(&second);

	/* a damaged file fails its checksum: read again, kept again, the same result */
	damage(cdir, "areas");
	if (areas_read_cached(&src, cdir, &second, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_same_areas(&plain, &second);
	assert_string_equal(second.cache_key, key1);
	areas_free(&second);

	/* another parameter, another key; no cache directory, no key */
	src.working_crs = "EPSG:3857";
	if (areas_read_cached(&src, cdir, &second, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_string_not_equal(second.cache_key, key1);
	areas_free(&second);
	src.working_crs = "EPSG:28992";
	if (areas_read_cached(&src, NULL, &second, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_string_equal(second.cache_key, "");
	areas_free(&second);

	/* the layer changes (one polygon moves): another key, and the new coordinates */
	wkt[0] = "POLYGON ((0 0, 11 0, 11 10, 0 10, 0 0))";
	write_layer("GPKG", path, "EPSG:28992", ids, wkt, 6);
	if (areas_read_cached(&src, cdir, &second, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_string_not_equal(second.cache_key, key1);
	assert_close(second.polys.xy[second.polys.pt_off[second.polys.ring_off[areas_find(&second, "OK")]] * 2 + 2],
				 11.0, 0);
	areas_free(&second);
	areas_free(&first);
	areas_free(&plain);
}

/* Weights kept under a key come back identical; a damaged or wrong-sized entry is refused. */
static void
test_cache_weights(void **state)
{
	weights    *w, *back = NULL;
	cache_key	base, k;
	char		cdir[4200], err[512];

	(void) state;
	snprintf(cdir, sizeof(cdir), "%s/wcache", dir);
	assert_non_null(w = weights_alloc(3, 4, err, sizeof(err)));
	w->off[1] = 1;
	w->off[2] = 3;
	w->off[3] = 4;
	w->nbr[0] = 1;
	w->nbr[1] = 0;
	w->nbr[2] = 2;
	w->nbr[3] = 1;
	w->w[2] = 0.25;
	w->band_used = 12.5;
	snprintf(base.hex, sizeof(base.hex), "%064d", 7);
	cache_key_derive(&base, "weights queen", &k);
	assert_int_equal(strlen(k.hex), 64);
	assert_int_equal(weights_cache_load(cdir, &k, 3, &back, err, sizeof(err)), 0);
	if (weights_cache_save(cdir, &k, w, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(weights_cache_load(cdir, &k, 3, &back, err, sizeof(err)), 1);
	assert_memory_equal(back->off, w->off, 4 * sizeof(size_t));
	assert_memory_equal(back->nbr, w->nbr, 4 * sizeof(uint32_t));
	assert_memory_equal(back->w, w->w, 4 * sizeof(double));
	assert_close(back->band_used, 12.5, 0);
	weights_free(back);
	assert_int_equal(weights_cache_load(cdir, &k, 4, &back, err, sizeof(err)), -1);
	assert_null(back);
	damage(cdir, "weights");
	assert_int_equal(weights_cache_load(cdir, &k, 3, &back, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "damaged"));
	weights_free(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_amersfoort),
		cmocka_unit_test(test_no_crs),
		cmocka_unit_test(test_repair),
		cmocka_unit_test(test_geometry_rebuilt),
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_missing_things),
		cmocka_unit_test(test_level_codes),
		cmocka_unit_test(test_cache_areas),
		cmocka_unit_test(test_cache_weights),
	};

	GDALAllRegister();
	dir = test_tmpdir();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
