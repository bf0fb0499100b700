/*
 * geo/areas_read.c — read an area layer through GDAL (areas_read): ids and fields, geometry
 * brought into the working CRS with PROJ (through OGR's coordinate transformation), checked
 * and repaired with GEOS on all threads, kept as rings (geo/polys.h) with exterior-ring flags
 * and a point on surface.  What became of each feature is logged in the layer's order.
 */
#include "areas.h"
#include "cache.h"
#include "geom.h"
#include "../pipeline/log.h"

#include <gdal/gdal.h>
#include <gdal/ogr_srs_api.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* what became of a feature; reported in the layer's order after the parallel checks */
typedef enum raw_status
{
	RAW_OK,
	RAW_REPAIRED,
	RAW_PENDING,				/* read, not checked yet */
	RAW_NO_ID,
	RAW_NO_GEOMETRY,
	RAW_NO_TRANSFORM,
	RAW_UNREPAIRABLE,
	RAW_NOT_POLYGON
} raw_status;

typedef struct raw_area
{
	char	   *code;
	OGRGeometryH geom;
	double		households;
	double		value;
	long long	fid;
	raw_status	status;
} raw_area;

/* Log what became of one feature, and keep the line in notes (when not NULL) for replay. */
static void
note(cache_buf *notes, char level, const char *fmt,...)
{
	char		msg[600];
	uint32_t	len;
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (level == 'I')
		log_info("%s", msg);
	else
		log_warn("%s", msg);
	if (notes)
	{
		len = (uint32_t) strlen(msg) + 1;
		cache_buf_put(notes, &level, 1);
		cache_buf_put(notes, &len, sizeof(len));
		cache_buf_put(notes, msg, len);
	}
}

static int
cmp_raw(const void *a, const void *b)
{
	return strcmp(((const raw_area *) a)->code, ((const raw_area *) b)->code);
}

/* growing per-ring flags: 1 = the ring is a polygon's exterior, starting it */
typedef struct outer_flags
{
	unsigned char *v;
	size_t		n, cap;
} outer_flags;

static int
outer_push(outer_flags *o, unsigned char flag)
{
	if (o->n == o->cap)
	{
		size_t		nc = o->cap ? o->cap * 2 : 4096;
		unsigned char *nv = realloc(o->v, nc);

		if (!nv)
			return -1;
		o->v = nv;
		o->cap = nc;
	}
	o->v[o->n++] = flag;
	return 0;
}

/*
 * Add the rings of a (multi)polygon to the builder, and per ring whether it is an exterior.
 * A polygon whose exterior is empty is left out whole, holes and all: areas_geometry() then
 * rebuilds exactly the non-empty polygons.
 */
static int
add_rings(geo_polys *p, outer_flags *outer, OGRGeometryH g)
{
	OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));

	if (t == wkbPolygon)
	{
		double	   *xy = NULL;
		size_t		cap = 0;
		int			rc = 0;

		if (OGR_G_GetGeometryCount(g) < 1 || OGR_G_GetPointCount(OGR_G_GetGeometryRef(g, 0)) <= 0)
			return 0;
		for (int r = 0; r < OGR_G_GetGeometryCount(g) && rc == 0; r++)
		{
			OGRGeometryH ring = OGR_G_GetGeometryRef(g, r);
			int			np = OGR_G_GetPointCount(ring);

			if (np <= 0)
				continue;
			if ((size_t) np > cap)
			{
				double	   *nx = realloc(xy, (size_t) np * 2 * sizeof(double));

				if (!nx)
				{
					rc = -1;
					break;
				}
				xy = nx;
				cap = (size_t) np;
			}
			OGR_G_GetPoints(ring, xy, 2 * sizeof(double), xy + 1, 2 * sizeof(double), NULL, 0);
			if (geo_polys_add_ring(p, xy, (size_t) np) != 0 || outer_push(outer, r == 0) != 0)
				rc = -1;
		}
		free(xy);
		return rc;
	}
	if (t == wkbMultiPolygon || t == wkbGeometryCollection)
	{
		for (int i = 0; i < OGR_G_GetGeometryCount(g); i++)
			if (add_rings(p, outer, OGR_G_GetGeometryRef(g, i)) != 0)
				return -1;
	}
	return 0;
}

/*
 * Bring ra->geom into the working CRS (ct NULL: it is there already), repair it if GEOS
 * finds it invalid, keep its polygonal part.  Replaces ra->geom by the result (NULL when
 * excluded) and returns what happened.  Touches nothing but ra: safe on several threads,
 * each with its own ct.
 */
static raw_status
check_geometry(raw_area *ra, OGRCoordinateTransformationH ct)
{
	OGRGeometryH g = ra->geom,
				poly;

	ra->geom = NULL;
	if (ct && OGR_G_Transform(g, ct) != OGRERR_NONE)
	{
		OGR_G_DestroyGeometry(g);
		return RAW_NO_TRANSFORM;
	}
	if (!OGR_G_IsValid(g))
	{
		OGRGeometryH fixed = OGR_G_MakeValid(g);

		poly = fixed ? geom_polygonal_part(fixed) : NULL;
		if (fixed)
			OGR_G_DestroyGeometry(fixed);
		OGR_G_DestroyGeometry(g);
		if (poly && OGR_G_IsValid(poly) && !OGR_G_IsEmpty(poly))
		{
			ra->geom = poly;
			return RAW_REPAIRED;
		}
		if (poly)
			OGR_G_DestroyGeometry(poly);
		return RAW_UNREPAIRABLE;
	}
	poly = geom_polygonal_part(g);
	OGR_G_DestroyGeometry(g);
	if (!poly)
		return RAW_NOT_POLYGON;
	ra->geom = poly;
	return RAW_OK;
}

int
areas_read(const areas_source *src, areas *a, char *err, size_t errlen)
{
	return areas_read_noted(src, a, NULL, err, errlen);
}

int
areas_read_noted(const areas_source *src, areas *a, cache_buf *notes, char *err, size_t errlen)
{
	GDALDatasetH ds = NULL;
	OGRLayerH	lyr;
	OGRFeatureDefnH defn;
	OGRSpatialReferenceH from = NULL, to = NULL;
	OGRCoordinateTransformationH ct = NULL;
	OGRFeatureH f;
	raw_area   *raw = NULL;
	size_t		nraw = 0, cap = 0;
	double	   *pos = NULL;			/* point on surface per raw area */
	unsigned char *pos_ok = NULL;
	outer_flags outer = {0};
	int			idf, hhf = -1, vf = -1, rc = -1;

	memset(a, 0, sizeof(*a));
	GDALAllRegister();
	CPLPushErrorHandler(CPLQuietErrorHandler);
	CPLErrorReset();
	ds = GDALOpenEx(src->path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
	CPLPopErrorHandler();
	if (!ds)
	{
		VSIStatBufL st;

		/* say why: missing, or there but not a vector source GDAL can read */
		if (VSIStatL(src->path, &st) != 0 && strchr(src->path, ':') == NULL)
			return snprintf(err, errlen, "areas: cannot open %s: no such file", src->path), -1;
		if (CPLGetLastErrorType() >= CE_Failure && CPLGetLastErrorMsg()[0] &&
			strstr(CPLGetLastErrorMsg(), "not recognized") == NULL)
		{
			char		why[256];

			/* e.g. a PG: source's libpq message, which spans lines */
			snprintf(why, sizeof(why), "%s", CPLGetLastErrorMsg());
			for (char *c = why; *c; c++)
				if (*c == '\n' || *c == '\r' || *c == '\t')
					*c = ' ';
			for (size_t n = strlen(why); n > 0 && why[n - 1] == ' ';)
				why[--n] = '\0';
			return snprintf(err, errlen, "areas: cannot open %s: %s", src->path, why), -1;
		}
		return snprintf(err, errlen, "areas: cannot open %s: not a vector data source GDAL can read",
						src->path), -1;
	}
	lyr = (src->layer && src->layer[0]) ? GDALDatasetGetLayerByName(ds, src->layer) : GDALDatasetGetLayer(ds, 0);
	if (!lyr)
	{
		snprintf(err, errlen, "areas: %s has no layer %s", src->path,
				 src->layer && src->layer[0] ? src->layer : "(first)");
		goto done;
	}
	defn = OGR_L_GetLayerDefn(lyr);
	if ((idf = OGR_FD_GetFieldIndex(defn, src->id_field)) < 0)
	{
		snprintf(err, errlen, "areas: layer %s has no id field %s", OGR_L_GetName(lyr), src->id_field);
		goto done;
	}
	if (src->households_field && (hhf = OGR_FD_GetFieldIndex(defn, src->households_field)) < 0)
	{
		snprintf(err, errlen, "areas: layer %s has no households field %s", OGR_L_GetName(lyr),
				 src->households_field);
		goto done;
	}
	if (src->value_field && (vf = OGR_FD_GetFieldIndex(defn, src->value_field)) < 0)
	{
		snprintf(err, errlen, "areas: layer %s has no field %s", OGR_L_GetName(lyr), src->value_field);
		goto done;
	}
	/* a configured srs is assigned, as ogr2ogr -a_srs does: GDAL reads a GeoJSON without crs
	 * member as WGS 84 even when its coordinates are RD New */
	if (src->srs && src->srs[0])
		from = geom_srs(src->srs);
	else if (OGR_L_GetSpatialRef(lyr))
	{
		from = OSRClone(OGR_L_GetSpatialRef(lyr));
		if (from)
			OSRSetAxisMappingStrategy(from, OAMS_TRADITIONAL_GIS_ORDER);
	}
	else
	{
		snprintf(err, errlen, "areas: layer %s has no CRS; set [areas] srs", OGR_L_GetName(lyr));
		goto done;
	}
	if (from && OSRIsGeographic(from))
	{
		OGREnvelope env;

		if (OGR_L_GetExtent(lyr, &env, TRUE) == OGRERR_NONE &&
			(env.MinX < -180.5 || env.MaxX > 180.5 || env.MinY < -90.5 || env.MaxY > 90.5))
		{
			snprintf(err, errlen, "areas: layer %s is said to be in longitude/latitude but has coordinates "
					 "up to %.0f, %.0f; set [areas] srs (e.g. EPSG:28992)", OGR_L_GetName(lyr), env.MaxX, env.MaxY);
			goto done;
		}
	}
	if (!from || !(to = geom_srs(src->working_crs)))
	{
		snprintf(err, errlen, "areas: unknown CRS %s", from ? src->working_crs : src->srs);
		goto done;
	}
	if (!OSRIsSame(from, to) && !(ct = OCTNewCoordinateTransformation(from, to)))
	{
		snprintf(err, errlen, "areas: no transformation from the layer's CRS to %s", src->working_crs);
		goto done;
	}
	snprintf(a->srs_wkt_name, sizeof(a->srs_wkt_name), "%s", src->working_crs);

	/*
	 * Read every feature first (GDAL reads sequentially), then transform, check and repair
	 * the geometries on all threads (GEOS validity is most of the cost at national scale),
	 * then report feature by feature in the layer's order: the same log for any thread count.
	 */
	OGR_L_ResetReading(lyr);
	while ((f = OGR_L_GetNextFeature(lyr)) != NULL)
	{
		const char *id = OGR_F_IsFieldSetAndNotNull(f, idf) ? OGR_F_GetFieldAsString(f, idf) : NULL;
		raw_area   *ra;

		if (nraw == cap)
		{
			size_t		nc = cap ? cap * 2 : 1024;
			raw_area   *nr = realloc(raw, nc * sizeof(*raw));

			if (!nr)
			{
				OGR_F_Destroy(f);
				snprintf(err, errlen, "areas: out of memory");
				goto done;
			}
			raw = nr;
			cap = nc;
		}
		ra = &raw[nraw++];
		memset(ra, 0, sizeof(*ra));
		ra->fid = (long long) OGR_F_GetFID(f);
		ra->status = RAW_NO_ID;
		if (id && id[0])
		{
			OGRGeometryH g = OGR_F_StealGeometry(f);

			if (!(ra->code = strdup(id)))
			{
				if (g)
					OGR_G_DestroyGeometry(g);
				OGR_F_Destroy(f);
				snprintf(err, errlen, "areas: out of memory");
				goto done;
			}
			ra->status = RAW_NO_GEOMETRY;
			if (g && !OGR_G_IsEmpty(g))
			{
				ra->geom = g;
				ra->status = RAW_PENDING;
				ra->households = (hhf >= 0 && OGR_F_IsFieldSetAndNotNull(f, hhf)) ?
					OGR_F_GetFieldAsDouble(f, hhf) : NAN;
				if (hhf >= 0 && ra->households < 0)
					ra->households = NAN;	/* CBS suppression sentinels are negative */
				ra->value = (vf >= 0 && OGR_F_IsFieldSetAndNotNull(f, vf)) ?
					OGR_F_GetFieldAsDouble(f, vf) : NAN;
			}
			else if (g)
				OGR_G_DestroyGeometry(g);
		}
		OGR_F_Destroy(f);
	}

#pragma omp parallel
	{
		OGRCoordinateTransformationH tct = NULL;

		/* each thread its own transformation, made in the thread, one at a time */
		if (ct)
		{
#pragma omp critical(vsp_proj)
			tct = OCTNewCoordinateTransformation(from, to);
		}
		CPLPushErrorHandler(CPLQuietErrorHandler);	/* we report failures ourselves, by id */
#pragma omp for schedule(dynamic, 256)
		for (size_t k = 0; k < nraw; k++)
			if (raw[k].status == RAW_PENDING && (!ct || tct))
				raw[k].status = check_geometry(&raw[k], tct);
		CPLPopErrorHandler();
		if (tct)
			OCTDestroyCoordinateTransformation(tct);
	}

	for (size_t k = 0; k < nraw; k++)
		if (raw[k].status == RAW_PENDING)
		{
			/* a thread could not make its transformation */
			snprintf(err, errlen, "areas: no transformation from the layer's CRS to %s", src->working_crs);
			goto done;
		}
	{
		size_t		kept = 0;

		for (size_t k = 0; k < nraw; k++)
		{
			raw_area   *ra = &raw[k];

			switch (ra->status)
			{
				case RAW_OK:
					break;
				case RAW_REPAIRED:
					note(notes, 'I', "area %s: invalid geometry repaired", ra->code);
					a->repaired++;
					break;
				case RAW_PENDING:	/* ruled out above */
					break;
				case RAW_NO_ID:
					note(notes, 'W', "area source %s: feature %lld has no id: excluded", src->path, ra->fid);
					break;
				case RAW_NO_GEOMETRY:
					note(notes, 'W', "area %s: no geometry: excluded", ra->code);
					break;
				case RAW_NO_TRANSFORM:
					note(notes, 'W', "area %s: cannot transform geometry: excluded", ra->code);
					break;
				case RAW_UNREPAIRABLE:
					note(notes, 'W', "area %s: invalid geometry cannot be repaired: excluded", ra->code);
					break;
				case RAW_NOT_POLYGON:
					note(notes, 'W', "area %s: not a polygon: excluded", ra->code);
					break;
			}
			if (ra->status == RAW_OK || ra->status == RAW_REPAIRED)
				raw[kept++] = *ra;
			else
			{
				a->excluded++;
				free(ra->code);
				if (ra->geom)
					OGR_G_DestroyGeometry(ra->geom);
			}
		}
		nraw = kept;
	}

	/* sort by code; a repeated id keeps its first polygon */
	qsort(raw, nraw, sizeof(*raw), cmp_raw);
	a->code = calloc(nraw ? nraw : 1, sizeof(char *));
	a->households = calloc(nraw ? nraw : 1, sizeof(double));
	if (vf >= 0)
		a->value = calloc(nraw ? nraw : 1, sizeof(double));
	if (!a->code || !a->households || (vf >= 0 && !a->value) || geo_polys_init(&a->polys) != 0)
	{
		snprintf(err, errlen, "areas: out of memory");
		goto done;
	}
	/* points on surface (GEOS) on all threads; a repeated id's later copies cost one each */
	if (!(pos = malloc((nraw ? nraw : 1) * 2 * sizeof(double))) || !(pos_ok = calloc(nraw ? nraw : 1, 1)))
	{
		snprintf(err, errlen, "areas: out of memory");
		goto done;
	}
#pragma omp parallel for schedule(dynamic, 256)
	for (size_t i = 0; i < nraw; i++)
	{
		OGRGeometryH pt = OGR_G_PointOnSurface(raw[i].geom);

		if (pt)
		{
			pos[2 * i] = OGR_G_GetX(pt, 0);
			pos[2 * i + 1] = OGR_G_GetY(pt, 0);
			pos_ok[i] = 1;
			OGR_G_DestroyGeometry(pt);
		}
	}
	for (size_t i = 0; i < nraw; i++)
	{
		if (a->n > 0 && strcmp(a->code[a->n - 1], raw[i].code) == 0)
		{
			note(notes, 'W', "area %s: id appears more than once: later copies excluded", raw[i].code);
			a->excluded++;
			continue;
		}
		if (geo_polys_begin_area(&a->polys) != 0 || add_rings(&a->polys, &outer, raw[i].geom) != 0)
		{
			snprintf(err, errlen, "areas: out of memory");
			goto done;
		}
		if (pos_ok[i])
			geo_polys_set_point(&a->polys, pos[2 * i], pos[2 * i + 1]);
		a->code[a->n] = raw[i].code;
		a->households[a->n] = raw[i].households;
		if (a->value)
			a->value[a->n] = raw[i].value;
		raw[i].code = NULL;
		OGR_G_DestroyGeometry(raw[i].geom);	/* areas_geometry() rebuilds it from the rings */
		raw[i].geom = NULL;
		a->n++;
	}
	a->ring_outer = outer.v;
	outer.v = NULL;
	if (geo_polys_finish(&a->polys) != 0)
	{
		snprintf(err, errlen, "areas: out of memory");
		goto done;
	}
	if (a->n == 0)
	{
		snprintf(err, errlen, "areas: %s layer %s has no usable polygons", src->path, OGR_L_GetName(lyr));
		goto done;
	}
	rc = 0;
done:
	for (size_t i = 0; i < nraw; i++)
	{
		free(raw[i].code);
		if (raw[i].geom)
			OGR_G_DestroyGeometry(raw[i].geom);
	}
	free(raw);
	free(outer.v);
	free(pos);
	free(pos_ok);
	if (ct)
		OCTDestroyCoordinateTransformation(ct);
	if (from)
		OSRDestroySpatialReference(from);
	if (to)
		OSRDestroySpatialReference(to);
	GDALClose(ds);
	if (rc != 0)
		areas_free(a);
	return rc;
}
