/*
 * pipeline/import_gdal.c — read CBS layers through GDAL (layer and field lookup, CRS, CBS
 * values, geometry in RD New) and write the area GeoPackage that `vsp run` reads.
 */
#include "import_int.h"
#include "../geo/geom.h"
#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <gdal/cpl_conv.h>
#include <gdal/ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* the vsp area schema of every layer written */
static const char *const area_fields[] = {"code", "name", "parent", "gemeente_code", "households",
"inhabitants", "suppressed", "year"};
static const OGRFieldType area_types[] = {OFTString, OFTString, OFTString, OFTString, OFTInteger,
OFTInteger, OFTInteger, OFTInteger};
#define N_AREA_FIELDS 8

struct import_gpkg
{
	GDALDatasetH ds;
	OGRLayerH	lyr[IMPORT_MAX_LAYERS];
	char		name[IMPORT_MAX_LAYERS][16];
	long long	old_fid[IMPORT_MAX_LAYERS];	/* features up to this fid were there before */
	int			n;
	int			in_tx, created;
	char		path[1024];
};

int
import_open(import_ctx *x, GDALDatasetH *ds)
{
	struct stat st;

	GDALAllRegister();
	if (strncmp(x->o->input, "PG:", 3) != 0 && stat(x->o->input, &st) != 0)
		return import_fail(x, IMPORT_USAGE, "cannot open %s: %s", x->o->input, strerror(errno));
	CPLPushErrorHandler(CPLQuietErrorHandler);
	*ds = GDALOpenEx(x->o->input, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
	CPLPopErrorHandler();
	if (!*ds)
		return import_fail(x, IMPORT_BADFILE, "%s is not a vector file GDAL can read", x->o->input);
	return 0;
}

static void
layer_names(GDALDatasetH ds, char *out, size_t outlen)
{
	size_t		n = 0;

	out[0] = '\0';
	for (int i = 0; i < GDALDatasetGetLayerCount(ds) && n < outlen; i++)
		n += snprintf(out + n, outlen - n, "%s%s", i ? ", " : "", OGR_L_GetName(GDALDatasetGetLayer(ds, i)));
}

static OGRLayerH
find_layer(GDALDatasetH ds, const char *const *names)
{
	/* an exact name first, then a name containing it ("cbs_pc4_2022" for "pc4") */
	for (int pass = 0; pass < 2; pass++)
		for (const char *const *nm = names; *nm; nm++)
			for (int i = 0; i < GDALDatasetGetLayerCount(ds); i++)
			{
				OGRLayerH	l = GDALDatasetGetLayer(ds, i);
				const char *ln = OGR_L_GetName(l);

				if (pass == 0 ? strcasecmp(ln, *nm) == 0 : strcasestr(ln, *nm) != NULL)
					return l;
			}
	return NULL;
}

static OGRSpatialReferenceH
rd_new(void)
{
	OGRSpatialReferenceH s = OSRNewSpatialReference(NULL);

	if (s && OSRImportFromEPSG(s, 28992) != OGRERR_NONE)
	{
		OSRDestroySpatialReference(s);
		return NULL;
	}
	if (s)
		OSRSetAxisMappingStrategy(s, OAMS_TRADITIONAL_GIS_ORDER);
	return s;
}

int
import_layer_open(import_ctx *x, GDALDatasetH ds, const char *const *names, const char *what,
				  import_src *s)
{
	OGRSpatialReferenceH from = NULL;
	char		list[512];
	const char *ln;
	int			rc = -1;

	memset(s, 0, sizeof(*s));
	s->ds = ds;
	layer_names(ds, list, sizeof(list));
	if (x->o->layer && x->o->layer[0])
		s->lyr = GDALDatasetGetLayerByName(ds, x->o->layer);
	else if (GDALDatasetGetLayerCount(ds) == 1)
		s->lyr = GDALDatasetGetLayer(ds, 0);
	else
		s->lyr = find_layer(ds, names);
	if (!s->lyr)
		return import_fail(x, IMPORT_BADFILE, "%s has no %s layer %s (its layers: %s)", x->o->input, what,
						   x->o->layer && x->o->layer[0] ? x->o->layer : names[0], list[0] ? list : "none");
	ln = OGR_L_GetName(s->lyr);
	if (OGR_FD_GetGeomFieldCount(OGR_L_GetLayerDefn(s->lyr)) == 0)
		return import_fail(x, IMPORT_BADFILE, "layer %s of %s has no geometry: a table, not the CBS %s layer",
						   ln, x->o->input, what);
	if (!(s->rd = rd_new()))
		return import_fail(x, IMPORT_FAIL, "PROJ does not know EPSG:28992 (is proj-data installed?)");
	if (x->o->srs && x->o->srs[0])
	{
		from = OSRNewSpatialReference(NULL);
		if (!from || OSRSetFromUserInput(from, x->o->srs) != OGRERR_NONE)
		{
			import_fail(x, IMPORT_USAGE, "--srs: unknown CRS %s", x->o->srs);
			goto done;
		}
	}
	else if (OGR_L_GetSpatialRef(s->lyr))
		from = OSRClone(OGR_L_GetSpatialRef(s->lyr));
	else
	{
		import_fail(x, IMPORT_BADFILE, "layer %s has no CRS: give --srs (e.g. EPSG:28992)", ln);
		goto done;
	}
	OSRSetAxisMappingStrategy(from, OAMS_TRADITIONAL_GIS_ORDER);
	if (!(x->o->srs && x->o->srs[0]) && OSRIsGeographic(from))
	{
		OGREnvelope e;

		/* GeoJSON without a crs member reads as WGS 84, also when it holds RD New metres */
		if (OGR_L_GetExtent(s->lyr, &e, TRUE) == OGRERR_NONE &&
			(e.MinX < -180 || e.MaxX > 180 || e.MinY < -90 || e.MaxY > 90))
		{
			import_fail(x, IMPORT_BADFILE, "layer %s claims %s but its coordinates (%.0f, %.0f) are not degrees: "
						"give the real CRS with --srs (RD New: --srs EPSG:28992)", ln, OSRGetName(from) ?
						OSRGetName(from) : "a geographic CRS", e.MinX, e.MinY);
			goto done;
		}
	}
	if (!OSRIsSame(from, s->rd) && !(s->ct = OCTNewCoordinateTransformation(from, s->rd)))
	{
		import_fail(x, IMPORT_BADFILE, "layer %s: no transformation from its CRS to EPSG:28992", ln);
		goto done;
	}
	log_info("reading %s layer %s (%lld features)", x->o->input, ln, (long long) OGR_L_GetFeatureCount(s->lyr, TRUE));
	rc = 0;
done:
	if (from)
		OSRDestroySpatialReference(from);
	return rc;
}

void
import_src_close(import_src *s)
{
	if (s->ct)
		OCTDestroyCoordinateTransformation(s->ct);
	if (s->rd)
		OSRDestroySpatialReference(s->rd);
	s->ct = NULL;
	s->rd = NULL;
}

int
import_field(OGRLayerH lyr, const char *const *aliases)
{
	OGRFeatureDefnH d = OGR_L_GetLayerDefn(lyr);

	for (; *aliases; aliases++)
	{
		int			i = OGR_FD_GetFieldIndex(d, *aliases);

		if (i >= 0)
			return i;
	}
	return -1;
}

int
import_require(import_ctx *x, OGRLayerH lyr, const char *const *const *aliases, const int *idx, int n)
{
	char		miss[512];
	size_t		len = 0;
	int			nmiss = 0;

	for (int i = 0; i < n; i++)
		if (idx[i] < 0)
		{
			len += snprintf(miss + len, len < sizeof(miss) ? sizeof(miss) - len : 0, "%s%s",
							nmiss++ ? ", " : "", aliases[i][0]);
		}
	if (nmiss)
		return import_fail(x, IMPORT_BADFILE, "%s layer %s is not the CBS layout this command expects: "
						   "missing column%s %s", x->o->input, OGR_L_GetName(lyr), nmiss > 1 ? "s" : "", miss);
	return 0;
}

int
import_value(OGRFeatureH f, int idx, double *out)
{
	OGRFieldType t;
	double		v;

	*out = NAN;
	if (idx < 0 || !OGR_F_IsFieldSetAndNotNull(f, idx))
		return 0;
	t = OGR_Fld_GetType(OGR_F_GetFieldDefnRef(f, idx));
	if (t == OFTInteger || t == OFTInteger64 || t == OFTReal)
		v = OGR_F_GetFieldAsDouble(f, idx);
	else
	{
		char		buf[64], *end;
		const char *s = OGR_F_GetFieldAsString(f, idx);
		size_t		n = 0;

		while (*s && isspace((unsigned char) *s))
			s++;
		for (; *s && n + 1 < sizeof(buf); s++)
			buf[n++] = *s == ',' ? '.' : *s;	/* Dutch decimal comma */
		while (n > 0 && isspace((unsigned char) buf[n - 1]))
			n--;
		buf[n] = '\0';
		if (n == 0 || strcmp(buf, ".") == 0)	/* CBS prints "." for a secret or missing figure */
			return 0;
		errno = 0;
		v = strtod(buf, &end);
		if (errno || *end)
			return -1;
	}
	*out = (isfinite(v) && v >= 0) ? v : NAN;	/* -99995, -99997, …: suppressed */
	return 0;
}

/* The polygonal part of g as a new MultiPolygon, or NULL. */
static OGRGeometryH
as_multipolygon(OGRGeometryH g)
{
	OGRGeometryH p = geom_polygonal_part(g);

	return p ? OGR_G_ForceToMultiPolygon(p) : NULL;
}

OGRGeometryH
import_geometry(import_src *s, OGRFeatureH f, import_reason *why, int *repaired)
{
	OGRGeometryH g = OGR_F_GetGeometryRef(f), out = NULL;
	int			valid;

	*repaired = 0;
	if (!g || OGR_G_IsEmpty(g))
		return *why = IMPORT_R_NO_GEOMETRY, NULL;
	g = OGR_G_Clone(g);
	if (s->ct && OGR_G_Transform(g, s->ct) != OGRERR_NONE)
	{
		OGR_G_DestroyGeometry(g);
		return *why = IMPORT_R_BAD_GEOMETRY, NULL;
	}
	CPLPushErrorHandler(CPLQuietErrorHandler);	/* GEOS explains invalidity with coordinates */
	valid = OGR_G_IsValid(g);
	if (!valid)
	{
		OGRGeometryH fixed = OGR_G_MakeValid(g);

		out = fixed ? as_multipolygon(fixed) : NULL;
		if (fixed)
			OGR_G_DestroyGeometry(fixed);
		if (out && (!OGR_G_IsValid(out) || OGR_G_IsEmpty(out)))
		{
			OGR_G_DestroyGeometry(out);
			out = NULL;
		}
		*repaired = out != NULL;
	}
	else
		out = as_multipolygon(g);
	CPLPopErrorHandler();
	OGR_G_DestroyGeometry(g);
	if (!out)
		*why = IMPORT_R_BAD_GEOMETRY;
	return out;
}

/* ---- the area GeoPackage ---- */

static int
gpkg_exec(import_ctx *x, const char *sql)
{
	OGRLayerH	r;

	CPLErrorReset();
	r = GDALDatasetExecuteSQL(x->gpkg->ds, sql, NULL, NULL);
	if (r)
		GDALDatasetReleaseResultSet(x->gpkg->ds, r);
	if (CPLGetLastErrorType() >= CE_Failure)
		return import_fail(x, IMPORT_WRITE, "%s: %s", x->gpkg->path, CPLGetLastErrorMsg());
	return 0;
}

/* Does the layer have the vsp area schema?  (An older or foreign layer is recreated.) */
static int
schema_ok(OGRLayerH l)
{
	OGRFeatureDefnH d = OGR_L_GetLayerDefn(l);

	for (int i = 0; i < N_AREA_FIELDS; i++)
	{
		int			k = OGR_FD_GetFieldIndex(d, area_fields[i]);

		if (k < 0 || OGR_Fld_GetType(OGR_FD_GetFieldDefn(d, k)) != area_types[i])
			return 0;
	}
	return 1;
}

static OGRLayerH
ensure_layer(import_ctx *x, const char *name)
{
	import_gpkg *g = x->gpkg;
	OGRLayerH	l = GDALDatasetGetLayerByName(g->ds, name);
	OGRSpatialReferenceH rd;
	char		sql[256];

	if (l && schema_ok(l))
		return l;
	for (int i = 0; l && i < GDALDatasetGetLayerCount(g->ds); i++)
		if (GDALDatasetGetLayer(g->ds, i) == l && GDALDatasetDeleteLayer(g->ds, i) != OGRERR_NONE)
			return import_fail(x, IMPORT_WRITE, "%s: cannot replace layer %s", g->path, name), NULL;
	if (!(rd = rd_new()))
		return import_fail(x, IMPORT_FAIL, "PROJ does not know EPSG:28992"), NULL;
	l = GDALDatasetCreateLayer(g->ds, name, rd, wkbMultiPolygon, NULL);
	OSRDestroySpatialReference(rd);
	if (!l)
		return import_fail(x, IMPORT_WRITE, "%s: cannot create layer %s: %s", g->path, name, CPLGetLastErrorMsg()), NULL;
	for (int i = 0; i < N_AREA_FIELDS; i++)
	{
		OGRFieldDefnH fd = OGR_Fld_Create(area_fields[i], area_types[i]);
		OGRErr		e = OGR_L_CreateField(l, fd, TRUE);

		OGR_Fld_Destroy(fd);
		if (e != OGRERR_NONE)
			return import_fail(x, IMPORT_WRITE, "%s: cannot create field %s", g->path, area_fields[i]), NULL;
	}
	snprintf(sql, sizeof(sql), "CREATE INDEX IF NOT EXISTS \"%s_code\" ON \"%s\" (code)", name, name);
	if (gpkg_exec(x, sql) != 0)
		return NULL;
	return GDALDatasetGetLayerByName(g->ds, name);
}

static void
default_path(const import_options *o, char *out, size_t outlen)
{
	const char *slash = strrchr(o->input, '/');

	if (o->areas_output && o->areas_output[0])
		snprintf(out, outlen, "%s", o->areas_output);
	else if (strncmp(o->input, "PG:", 3) == 0 || !slash)
		snprintf(out, outlen, "vsp-areas.gpkg");
	else
		snprintf(out, outlen, "%.*s/vsp-areas.gpkg", (int) (slash - o->input), o->input);
}

int
import_gpkg_open(import_ctx *x, const char *const *names, int n)
{
	import_gpkg *g;
	GDALDriverH drv = GDALGetDriverByName("GPKG");
	const char *const drivers[] = {"GPKG", NULL};
	struct stat st;
	char		sql[256];

	if (!drv)
		return import_fail(x, IMPORT_FAIL, "GDAL has no GPKG driver");
	if (!(g = calloc(1, sizeof(*g))))
		return import_fail(x, IMPORT_FAIL, "out of memory");
	x->gpkg = g;
	default_path(x->o, g->path, sizeof(g->path));
	if (strcmp(g->path, x->o->input) == 0)
		return import_fail(x, IMPORT_USAGE, "--areas-output must not be the input file");
	CPLPushErrorHandler(CPLQuietErrorHandler);
	if (stat(g->path, &st) == 0)
		g->ds = GDALOpenEx(g->path, GDAL_OF_VECTOR | GDAL_OF_UPDATE, drivers, NULL, NULL);
	else if ((g->ds = GDALCreate(drv, g->path, 0, 0, 0, GDT_Unknown, NULL)) != NULL)
		g->created = 1;
	CPLPopErrorHandler();
	if (!g->ds)
		return import_fail(x, IMPORT_WRITE, "cannot open or create the area GeoPackage %s%s", g->path,
						   x->o->areas_output ? "" : " (give --areas-output FILE)");
	for (int k = 0; k < n && k < IMPORT_MAX_LAYERS; k++)
	{
		snprintf(g->name[k], sizeof(g->name[k]), "%s", names[k]);
		if (!(g->lyr[k] = ensure_layer(x, names[k])))
			return -1;
		g->n = k + 1;
	}
	if (GDALDatasetStartTransaction(g->ds, FALSE) != OGRERR_NONE)
		return import_fail(x, IMPORT_WRITE, "%s: cannot start a transaction", g->path);
	g->in_tx = 1;
	for (int k = 0; k < g->n; k++)
	{
		OGRLayerH	r;
		OGRFeatureH f;

		if (x->gm[0])
			snprintf(sql, sizeof(sql), "DELETE FROM \"%s\" WHERE gemeente_code = '%s'", g->name[k], x->gm);
		else
			snprintf(sql, sizeof(sql), "DELETE FROM \"%s\"", g->name[k]);
		if (gpkg_exec(x, sql) != 0)
			return -1;
		snprintf(sql, sizeof(sql), "SELECT coalesce(max(fid), 0) FROM \"%s\"", g->name[k]);
		if (!(r = GDALDatasetExecuteSQL(g->ds, sql, NULL, NULL)))
			return import_fail(x, IMPORT_WRITE, "%s: cannot read layer %s", g->path, g->name[k]);
		f = OGR_L_GetNextFeature(r);
		g->old_fid[k] = f ? OGR_F_GetFieldAsInteger64(f, 0) : 0;
		if (f)
			OGR_F_Destroy(f);
		GDALDatasetReleaseResultSet(g->ds, r);
	}
	return 0;
}

int
import_gpkg_put(import_ctx *x, int k, const import_area *a, OGRGeometryH geom)
{
	import_gpkg *g = x->gpkg;
	OGRFeatureH f;
	OGRErr		e;

	if (!(f = OGR_F_Create(OGR_L_GetLayerDefn(g->lyr[k]))))
		return import_fail(x, IMPORT_FAIL, "out of memory");
	OGR_F_SetFieldString(f, 0, a->code);
	if (a->name)
		OGR_F_SetFieldString(f, 1, a->name);
	if (a->parent[0])
		OGR_F_SetFieldString(f, 2, a->parent);
	if (a->gemeente[0])
		OGR_F_SetFieldString(f, 3, a->gemeente);
	if (!isnan(a->households))
		OGR_F_SetFieldInteger(f, 4, (int) llround(a->households));
	else
		OGR_F_SetFieldNull(f, 4);
	if (!isnan(a->inhabitants))
		OGR_F_SetFieldInteger(f, 5, (int) llround(a->inhabitants));
	else
		OGR_F_SetFieldNull(f, 5);
	OGR_F_SetFieldInteger(f, 6, a->suppressed);
	OGR_F_SetFieldInteger(f, 7, x->year);
	OGR_F_SetGeometry(f, geom);
	e = OGR_L_CreateFeature(g->lyr[k], f);
	OGR_F_Destroy(f);
	if (e != OGRERR_NONE)
		return import_fail(x, IMPORT_WRITE, "%s: cannot write area %s: %s", g->path, a->code, CPLGetLastErrorMsg());
	if (k < IMPORT_MAX_LAYERS)
	{
		x->rep->layer_features[k]++;
		x->rep->layer_households[k] += !isnan(a->households);
	}
	return 0;
}

int
import_gpkg_finish(import_ctx *x)
{
	import_gpkg *g = x->gpkg;

	/* a gemeente-scoped import replaces older features with the same code (written before
	 * the postcode's gemeente was known, or under another gemeente) */
	for (int k = 0; g && x->gm[0] && g->in_tx && k < g->n; k++)
	{
		char		sql[256];

		snprintf(sql, sizeof(sql), "DELETE FROM \"%s\" WHERE fid <= %lld AND code IN "
				 "(SELECT code FROM \"%s\" WHERE fid > %lld)", g->name[k], g->old_fid[k], g->name[k], g->old_fid[k]);
		if (gpkg_exec(x, sql) != 0)
			return -1;
	}
	return 0;
}

int
import_gpkg_commit(import_ctx *x)
{
	import_gpkg *g = x->gpkg;
	int			rc = 0;

	if (!g)
		return 0;
	if (g->in_tx && GDALDatasetCommitTransaction(g->ds) != OGRERR_NONE)
		rc = import_fail(x, IMPORT_WRITE, "%s: cannot commit the area layers: %s", g->path, CPLGetLastErrorMsg());
	g->in_tx = 0;
	snprintf(x->rep->areas_output, sizeof(x->rep->areas_output), "%s", g->path);
	for (int k = 0; k < g->n; k++)
		snprintf(x->rep->layers[k], sizeof(x->rep->layers[k]), "%s", g->name[k]);
	x->rep->nlayers = (size_t) g->n;
	GDALClose(g->ds);
	free(g);
	x->gpkg = NULL;
	return rc;
}

void
import_gpkg_abort(import_ctx *x)
{
	import_gpkg *g = x->gpkg;

	if (!g)
		return;
	if (g->ds)
	{
		if (g->in_tx)
			GDALDatasetRollbackTransaction(g->ds);
		GDALClose(g->ds);
	}
	if (g->created)
		unlink(g->path);		/* a file this import created holds nothing else */
	memset(x->rep->layer_features, 0, sizeof(x->rep->layer_features));
	memset(x->rep->layer_households, 0, sizeof(x->rep->layer_households));
	free(g);
	x->gpkg = NULL;
}
