/*
 * geo/synth_gpkg.c — city.gpkg: layers pc6 (cells) and pc4 (their unions), EPSG:28992.
 *
 * Byte-identical output needs three things: the file must not exist beforehand (the
 * caller unlinks it), features go out in one fixed order (PC6 and PC4 code order),
 * and GDAL's timestamp in gpkg_contents.last_change is pinned with the config option
 * OGR_CURRENT_DATE (set thread-locally for the duration of the write).  Each layer is
 * written inside one transaction.  PC4 polygons are the exact unions of their PC6
 * cells (synth_union.c), computed in parallel (one independent geometry per area, so
 * the result does not depend on the thread count).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <cpl_conv.h>
#include <cpl_error.h>

#include "synth_int.h"

/* A new OGR polygon for one cell, or NULL when out of memory. */
static OGRGeometryH
cell_polygon(const synth_world *w, const synth_cell *c)
{
	double		xy[18];
	OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing);
	OGRGeometryH poly = OGR_G_CreateGeometry(wkbPolygon);

	if (!ring || !poly)
	{
		OGR_G_DestroyGeometry(ring);
		OGR_G_DestroyGeometry(poly);
		return NULL;
	}
	synth_cell_ring(w, c, xy);
	OGR_G_SetPoints(ring, 9, xy, 2 * sizeof(double), xy + 1, 2 * sizeof(double), NULL, 0);
	if (OGR_G_AddGeometryDirectly(poly, ring) != OGRERR_NONE)
	{
		OGR_G_DestroyGeometry(ring);
		OGR_G_DestroyGeometry(poly);
		return NULL;
	}
	return poly;
}

/* Create layer `name` with its code field (and pc4 when with_pc4) and households. */
static OGRLayerH
make_layer(GDALDatasetH ds, const char *name, OGRSpatialReferenceH srs, OGRwkbGeometryType gt,
		   int with_pc4, char *err, size_t errlen)
{
	OGRLayerH	l = GDALDatasetCreateLayer(ds, name, srs, gt, NULL);
	const char *fields[3] = {name, with_pc4 ? "pc4" : NULL, "households"};
	int			width[3] = {with_pc4 ? 6 : 4, 4, 0};

	if (!l)
	{
		snprintf(err, errlen, "cannot create gpkg layer %s: %s", name, CPLGetLastErrorMsg());
		return NULL;
	}
	for (int k = 0; k < 3; k++)
	{
		if (!fields[k])
			continue;
		OGRFieldDefnH fd = OGR_Fld_Create(fields[k], k == 2 ? OFTInteger : OFTString);

		if (k < 2)
			OGR_Fld_SetWidth(fd, width[k]);
		if (OGR_L_CreateField(l, fd, TRUE) != OGRERR_NONE)
		{
			OGR_Fld_Destroy(fd);
			snprintf(err, errlen, "cannot create gpkg field %s.%s", name, fields[k]);
			return NULL;
		}
		OGR_Fld_Destroy(fd);
	}
	return l;
}

/* Write one feature with the given attribute values; takes ownership of geom. */
static int
put_feature(OGRLayerH l, const char *code, const char *pc4, int households, OGRGeometryH geom)
{
	OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(l));
	int			k = 0, rc;

	if (!f)
	{
		OGR_G_DestroyGeometry(geom);
		return -1;
	}
	OGR_F_SetFieldString(f, k++, code);
	if (pc4)
		OGR_F_SetFieldString(f, k++, pc4);
	OGR_F_SetFieldInteger(f, k, households);
	OGR_F_SetGeometryDirectly(f, geom);
	rc = OGR_L_CreateFeature(l, f) == OGRERR_NONE ? 0 : -1;
	OGR_F_Destroy(f);
	return rc;
}

/* Both layers, features in code order, in one transaction. 0 or -1 with a message. */
static int
write_layers(const synth_world *w, GDALDatasetH ds, OGRSpatialReferenceH srs,
			 OGRGeometryH *unions, char *err, size_t errlen)
{
	OGRLayerH	l6 = make_layer(ds, "pc6", srs, wkbPolygon, 1, err, errlen);
	OGRLayerH	l4 = l6 ? make_layer(ds, "pc4", srs, wkbMultiPolygon, 0, err, errlen) : NULL;
	char		pc[7], p4[5];

	if (!l4)
		return -1;
	if (GDALDatasetStartTransaction(ds, FALSE) != OGRERR_NONE)
	{
		snprintf(err, errlen, "cannot start a gpkg transaction: %s", CPLGetLastErrorMsg());
		return -1;
	}
	for (size_t i = 0; i < w->ncell; i++)
	{
		const synth_cell *c = &w->cell[w->order[i]];
		OGRGeometryH g = cell_polygon(w, c);

		synth_pc6_code(w, c, pc);
		snprintf(p4, sizeof(p4), "%04d", w->pc4[c->pc4].code);
		if (!g || put_feature(l6, pc, p4, c->households, g) != 0)
		{
			snprintf(err, errlen, "cannot write pc6 feature %zu: %s", i + 1, CPLGetLastErrorMsg());
			GDALDatasetRollbackTransaction(ds);
			return -1;
		}
	}
	for (size_t p = 0; p < w->npc4; p++)
	{
		snprintf(p4, sizeof(p4), "%04d", w->pc4[p].code);
		if (put_feature(l4, p4, NULL, (int) w->pc4[p].households, unions[p]) != 0)
		{
			unions[p] = NULL;
			snprintf(err, errlen, "cannot write pc4 feature %s: %s", p4, CPLGetLastErrorMsg());
			GDALDatasetRollbackTransaction(ds);
			return -1;
		}
		unions[p] = NULL;
	}
	if (GDALDatasetCommitTransaction(ds) != OGRERR_NONE)
	{
		snprintf(err, errlen, "cannot commit the gpkg: %s", CPLGetLastErrorMsg());
		return -1;
	}
	return 0;
}

/*
 * Write the GeoPackage at path (which must not exist), stamping gpkg_contents with
 * stamp ("YYYY-MM-DDTHH:MM:SS.sssZ").  0, or -1 with a message.
 */
int
synth_write_gpkg(const synth_world *w, const char *path, const char *stamp,
				 char *err, size_t errlen)
{
	GDALDriverH drv = GDALGetDriverByName("GPKG");
	GDALDatasetH ds = NULL;
	OGRSpatialReferenceH srs = NULL;
	OGRGeometryH *unions = calloc(w->npc4, sizeof(OGRGeometryH));
	size_t	   *first = synth_alloc(w->npc4 + 1, sizeof(size_t));
	const char *old = CPLGetThreadLocalConfigOption("OGR_CURRENT_DATE", NULL);
	char	   *saved = old ? CPLStrdup(old) : NULL;
	int			rc = -1, failed = 0;

	if (!unions || !first)
	{
		snprintf(err, errlen, "out of memory for pc4 polygons");
		goto done;
	}
	if (!drv)
	{
		snprintf(err, errlen, "the gdal GPKG driver is not available");
		goto done;
	}
	/* cells are in code order, so each PC4's cells are one run of w->order */
	for (size_t p = 0, i = 0; p <= w->npc4; p++)
	{
		while (i < w->ncell && (size_t) w->cell[w->order[i]].pc4 < p)
			i++;
		first[p] = i;
	}
	first[w->npc4] = w->ncell;
#pragma omp parallel for schedule(dynamic, 4) reduction(|:failed)
	for (long p = 0; p < (long) w->npc4; p++)
	{
		unions[p] = synth_pc4_polygon(w, first[p], first[p + 1]);
		failed |= unions[p] == NULL;
	}
	if (failed)
	{
		snprintf(err, errlen, "cannot union pc6 polygons into pc4 areas");
		goto done;
	}
	srs = OSRNewSpatialReference(NULL);
	if (!srs || OSRImportFromEPSG(srs, 28992) != OGRERR_NONE)
	{
		snprintf(err, errlen, "cannot set up EPSG:28992 (is proj.db installed?)");
		goto done;
	}
	CPLSetThreadLocalConfigOption("OGR_CURRENT_DATE", stamp);
	ds = GDALCreate(drv, path, 0, 0, 0, GDT_Unknown, NULL);
	if (!ds)
	{
		snprintf(err, errlen, "cannot create %s: %s", path, CPLGetLastErrorMsg());
		goto done;
	}
	if (write_layers(w, ds, srs, unions, err, errlen) != 0)
		goto done;
	rc = 0;
done:
	if (ds)
		GDALClose(ds);
	CPLSetThreadLocalConfigOption("OGR_CURRENT_DATE", saved);
	CPLFree(saved);
	if (srs)
		OSRDestroySpatialReference(srs);
	if (unions)
		for (size_t p = 0; p < w->npc4; p++)
			OGR_G_DestroyGeometry(unions[p]);
	free(unions);
	free(first);
	return rc;
}
