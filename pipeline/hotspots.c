/*
 * pipeline/hotspots.c — `vsp hotspots`: read any polygon layer, score it, write it back out.
 */
#include "hotspots.h"
#include "log.h"
#include "prevent.h"
#include "score.h"
#include "../geo/areas.h"
#include "../geo/weights.h"

#include <gdal/gdal.h>
#include <gdal/ogr_srs_api.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void
hotspots_options_default(hotspots_options *o)
{
	memset(o, 0, sizeof(*o));
	o->weights = "queen";
	o->snap = 0.5;
	o->smooth = "eb";
	o->permutations = 999;
	o->seed = 20240101;
	o->fdr_q = 0;
}

static const char *
driver_for(const char *path, char **lco_rfc)
{
	const char *dot = strrchr(path, '.');

	*lco_rfc = NULL;
	if (!dot)
		return NULL;
	if (!strcasecmp(dot, ".gpkg"))
		return "GPKG";
	if (!strcasecmp(dot, ".geojson") || !strcasecmp(dot, ".json"))
	{
		*lco_rfc = "RFC7946=YES";
		return "GeoJSON";
	}
	if (!strcasecmp(dot, ".csv"))
	{
		*lco_rfc = "STRING_QUOTING=IF_NEEDED";
		return "CSV";
	}
	if (!strcasecmp(dot, ".fgb"))
		return "FlatGeobuf";
	if (!strcasecmp(dot, ".shp"))
		return "ESRI Shapefile";
	if (!strcasecmp(dot, ".xlsx"))
		return "XLSX";
	return NULL;
}

static int
add_real(OGRLayerH l, const char *name, OGRFieldType t)
{
	OGRFieldDefnH fd = OGR_Fld_Create(name, t);
	OGRErr		e = OGR_L_CreateField(l, fd, TRUE);

	OGR_Fld_Destroy(fd);
	return e == OGRERR_NONE ? 0 : -1;
}

/* Copy every input feature that became an area, with the result fields appended. */
static int
write_output(const hotspots_options *o, const areas *a, const score_result *s, const prevent_result *pr,
			 char *err, size_t errlen)
{
	static const char *const pnames[] = {"expected_model", "sir", "sir_lo", "sir_hi", "sir_eb",
	"prevent_p", "hidden_need", "excess", "drivers", "prevent_note"};
	char	   *rfc = NULL;
	const char *drv_name = driver_for(o->output, &rfc);
	GDALDriverH drv;
	GDALDatasetH in = NULL, out = NULL;
	OGRLayerH	il, ol;
	OGRFeatureDefnH idefn;
	OGRSpatialReferenceH srs = NULL;
	OGRFeatureH f;
	int			nin, idf, rc = -1, has_geom;
	static const char *const names[] = {"rate", "eb_rate", "gi_z", "gi_p", "gi_bin", "lisa_i",
	"lisa_p", "lisa_quad"};
	char	   *lco[2] = {rfc, NULL};

	if (!drv_name || !(drv = GDALGetDriverByName(drv_name)))
		return snprintf(err, errlen, "hotspots: cannot tell the format of %s (use .gpkg, .geojson, .csv, .fgb, .shp)",
						o->output), -1;
	has_geom = strcmp(drv_name, "CSV") != 0 && strcmp(drv_name, "XLSX") != 0;
	in = GDALOpenEx(o->input, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
	if (!in)
		return snprintf(err, errlen, "hotspots: cannot reopen %s", o->input), -1;
	il = (o->layer && o->layer[0]) ? GDALDatasetGetLayerByName(in, o->layer) : GDALDatasetGetLayer(in, 0);
	idefn = OGR_L_GetLayerDefn(il);
	nin = OGR_FD_GetFieldCount(idefn);
	idf = OGR_FD_GetFieldIndex(idefn, o->id_field);
	VSIUnlink(o->output);
	if (!(out = GDALCreate(drv, o->output, 0, 0, 0, GDT_Unknown, NULL)))
	{
		snprintf(err, errlen, "hotspots: cannot create %s: %s", o->output, CPLGetLastErrorMsg());
		goto done;
	}
	srs = OSRNewSpatialReference(NULL);
	OSRSetFromUserInput(srs, "EPSG:28992");
	OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
	ol = GDALDatasetCreateLayer(out, OGR_L_GetName(il), has_geom ? srs : NULL,
								has_geom ? wkbMultiPolygon : wkbNone, rfc ? lco : NULL);
	if (!ol)
	{
		snprintf(err, errlen, "hotspots: cannot create a layer in %s", o->output);
		goto done;
	}
	for (int k = 0; k < nin; k++)
		if (OGR_L_CreateField(ol, OGR_FD_GetFieldDefn(idefn, k), TRUE) != OGRERR_NONE)
		{
			snprintf(err, errlen, "hotspots: cannot copy field %s", OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(idefn, k)));
			goto done;
		}
	for (int k = 0; k < 8; k++)
		if (add_real(ol, names[k], k == 4 ? OFTInteger : k == 7 ? OFTString : OFTReal) != 0)
		{
			snprintf(err, errlen, "hotspots: field %s exists in the input already", names[k]);
			goto done;
		}
	for (int k = 0; pr && k < 10; k++)
		if (add_real(ol, pnames[k], k < 6 ? OFTReal : k < 8 ? OFTInteger : OFTString) != 0)
		{
			snprintf(err, errlen, "hotspots: field %s exists in the input already", pnames[k]);
			goto done;
		}
	OGR_L_ResetReading(il);
	if (OGR_L_StartTransaction(ol) != OGRERR_NONE)
		log_debug("%s: no transactions, writing feature by feature", o->output);
	while ((f = OGR_L_GetNextFeature(il)) != NULL)
	{
		long		i = OGR_F_IsFieldSetAndNotNull(f, idf) ? areas_find(a, OGR_F_GetFieldAsString(f, idf)) : -1;
		OGRFeatureH g;
		double		v[7];

		if (i < 0 || (has_geom && a->polys.ring_off[i + 1] == a->polys.ring_off[i]))
		{
			OGR_F_Destroy(f);
			continue;
		}
		g = OGR_F_Create(OGR_L_GetLayerDefn(ol));
		for (int k = 0; k < nin; k++)
			if (OGR_F_IsFieldSetAndNotNull(f, k))
				OGR_F_SetFieldString(g, k, OGR_F_GetFieldAsString(f, k));
		v[0] = s->rate[i];
		v[1] = s->eb_rate[i];
		v[2] = s->gi_z[i];
		v[3] = s->gi_p[i];
		v[5] = s->lisa_i[i];
		v[6] = s->lisa_p[i];
		for (int k = 0; k < 7; k++)
			if (k != 4 && isfinite(v[k]))
				OGR_F_SetFieldDouble(g, nin + k, v[k]);
		OGR_F_SetFieldInteger(g, nin + 4, s->gi_bin[i]);
		OGR_F_SetFieldString(g, nin + 7, score_quad_name(s->lisa_quad[i]));
		if (pr)
		{
			double		pv[6] = {pr->expected[i], pr->sir[i], pr->sir_lo[i], pr->sir_hi[i],
			pr->sir_eb[i], pr->pval[i]};
			char		note[128];

			for (int k = 0; k < 6; k++)
				if (isfinite(pv[k]))
					OGR_F_SetFieldDouble(g, nin + 8 + k, pv[k]);
			if (pr->status[i] == PREVENT_FITTED)
			{
				OGR_F_SetFieldInteger(g, nin + 14, pr->flag[i] < 0);
				OGR_F_SetFieldInteger(g, nin + 15, pr->flag[i] > 0);
				OGR_F_SetFieldString(g, nin + 16, pr->drivers[i]);
			}
			OGR_F_SetFieldString(g, nin + 17, prevent_note(pr, i, note, sizeof(note)));
		}
		if (has_geom)
		{
			OGRGeometryH gm = areas_geometry(a, i);

			if (!gm)
			{
				OGR_F_Destroy(g);
				OGR_F_Destroy(f);
				snprintf(err, errlen, "hotspots: out of memory");
				goto done;
			}
			OGR_F_SetGeometryDirectly(g, OGR_G_ForceToMultiPolygon(gm));
		}
		if (OGR_L_CreateFeature(ol, g) != OGRERR_NONE)
		{
			OGR_F_Destroy(g);
			OGR_F_Destroy(f);
			snprintf(err, errlen, "hotspots: cannot write %s: %s", o->output, CPLGetLastErrorMsg());
			goto done;
		}
		OGR_F_Destroy(g);
		OGR_F_Destroy(f);
	}
	if (OGR_L_CommitTransaction(ol) != OGRERR_NONE && CPLGetLastErrorType() >= CE_Failure)
	{
		snprintf(err, errlen, "hotspots: cannot write %s: %s", o->output, CPLGetLastErrorMsg());
		goto done;
	}
	rc = 0;
done:
	if (srs)
		OSRDestroySpatialReference(srs);
	if (out)
	{
		CPLErrorReset();
		GDALClose(out);
		if (rc == 0 && CPLGetLastErrorType() >= CE_Failure)
		{
			snprintf(err, errlen, "hotspots: writing %s failed: %s", o->output, CPLGetLastErrorMsg());
			rc = -1;
		}
	}
	GDALClose(in);
	return rc;
}

/* The covariate fields per area (NaN when empty or a CBS suppression code); x[j] allocated
 * here, n long.  0, or -1 with err (a field that does not exist). */
static int
read_covariates(const hotspots_options *o, const areas *a, const char *const *names, size_t k,
				double **x, char *err, size_t errlen)
{
	GDALDatasetH in = GDALOpenEx(o->input, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
	OGRLayerH	l;
	OGRFeatureH f;
	int			fi[PREVENT_MAX_COV], idf;

	for (size_t j = 0; j < k; j++)
		x[j] = NULL;
	if (!in)
		return snprintf(err, errlen, "hotspots: cannot reopen %s", o->input), -1;
	l = (o->layer && o->layer[0]) ? GDALDatasetGetLayerByName(in, o->layer) : GDALDatasetGetLayer(in, 0);
	idf = l ? OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(l), o->id_field) : -1;
	for (size_t j = 0; j < k && idf >= 0; j++)
	{
		if ((fi[j] = OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(l), names[j])) < 0)
		{
			snprintf(err, errlen, "hotspots: --covariates: the layer has no field %s", names[j]);
			goto fail;
		}
		if (!(x[j] = malloc((a->n ? a->n : 1) * sizeof(double))))
		{
			snprintf(err, errlen, "hotspots: out of memory");
			goto fail;
		}
		for (size_t i = 0; i < a->n; i++)
			x[j][i] = NAN;
	}
	if (idf < 0)
	{
		snprintf(err, errlen, "hotspots: cannot reread %s", o->input);
		goto fail;
	}
	OGR_L_ResetReading(l);
	while ((f = OGR_L_GetNextFeature(l)) != NULL)
	{
		long		i = OGR_F_IsFieldSetAndNotNull(f, idf) ? areas_find(a, OGR_F_GetFieldAsString(f, idf)) : -1;

		for (size_t j = 0; i >= 0 && j < k; j++)
			if (OGR_F_IsFieldSetAndNotNull(f, fi[j]))
			{
				double		v = OGR_F_GetFieldAsDouble(f, fi[j]);

				x[j][i] = v <= -99990 ? NAN : v;
			}
		OGR_F_Destroy(f);
	}
	GDALClose(in);
	return 0;
fail:
	for (size_t j = 0; j < k; j++)
	{
		free(x[j]);
		x[j] = NULL;
	}
	GDALClose(in);
	return -1;
}

/* The prevention model on the layer; 0 or -1 with err (*usage for option faults). */
static int
run_prevent(const hotspots_options *o, const areas *a, prevent_result *pr, int *usage, char *err,
			size_t errlen)
{
	char	  **names = NULL;
	size_t		k = 0;
	double	   *x[PREVENT_MAX_COV];
	prevent_options po;
	prevent_input in = {0};
	int			rc = -1;

	*usage = 1;
	if (!o->population_field)
		return snprintf(err, errlen, "hotspots: --covariates needs --population (the offset)"), -1;
	if (prevent_parse_covariates(o->covariates, &names, &k, err, errlen) != 0)
		return -1;
	if (read_covariates(o, a, (const char *const *) names, k, x, err, errlen) != 0)
	{
		free(names);
		return -1;
	}
	*usage = 0;
	prevent_options_default(&po);
	if (o->fdr_q > 0)
		po.fdr_q = o->fdr_q;
	in.n = a->n;
	in.count = a->value;
	in.pop = a->households;
	in.k = k;
	in.x = (const double *const *) x;
	in.names = (const char *const *) names;
	in.codes = (const char *const *) a->code;
	if (prevent_compute(&in, &po, pr, err, errlen) == 0)
	{
		const prevent_model *m = &pr->m;
		int			quasi = m->phi > 1;

		log_info("prevention model: %zu areas with an expectation, %zu without; fitted on %zu (%zu left out "
				 "as excess); deviance %.2f on %zu df, dispersion %.3f", pr->n_fitted, a->n - pr->n_fitted,
				 m->nobs, pr->n_left_out, m->deviance, m->df, m->phi);
		for (size_t j = 0; j < m->p; j++)
			log_info("  %s = %.6g (%s standard error %.4g)", m->terms[j], m->beta[j],
					 quasi ? "quasi-Poisson" : "Poisson", quasi ? m->se_quasi[j] : m->se[j]);
		log_info("%zu areas with hidden need, %zu with excess (q = %.2f)", pr->n_hidden, pr->n_excess,
				 po.fdr_q);
		rc = 0;
	}
	for (size_t j = 0; j < k; j++)
		free(x[j]);
	free(names);
	return rc;
}

int
hotspots_run(const hotspots_options *o, int *usage_error, char *err, size_t errlen)
{
	areas_source src = {o->input, o->layer, o->id_field, o->srs, "EPSG:28992",
	o->population_field, o->value_field};
	areas		a;
	weights_spec spec;
	weights    *w = NULL;
	score_options so;
	score_input in = {0};
	score_result r = {0};
	prevent_result pr = {0};
	int			rc = -1, with_prevent = o->covariates && o->covariates[0];

	*usage_error = 1;
	if (weights_parse_spec(o->weights, &spec, err, errlen) != 0)
		return -1;
	spec.snap = o->snap;
	if (strcmp(o->smooth, "none") && strcmp(o->smooth, "eb") && strcmp(o->smooth, "spatial-eb"))
		return snprintf(err, errlen, "hotspots: --smooth must be none, eb or spatial-eb"), -1;
	if (areas_read(&src, &a, err, errlen) != 0)
		return -1;
	if (!a.value)
	{
		areas_free(&a);
		return snprintf(err, errlen, "hotspots: --value FIELD is required"), -1;
	}
	*usage_error = 0;
	if (with_prevent && run_prevent(o, &a, &pr, usage_error, err, errlen) != 0)
		goto done;
	if (!(w = weights_build(&a.polys, &spec, err, errlen)))
		goto done;
	score_options_default(&so);
	so.permutations = o->permutations;
	so.seed = o->seed;
	so.fdr_q = o->fdr_q;
	so.variable = !o->population_field ? SCORE_VAR_RATE :
		strcmp(o->smooth, "none") == 0 ? SCORE_VAR_RATE :
		strcmp(o->smooth, "spatial-eb") == 0 ? SCORE_VAR_SPATIAL_EB : SCORE_VAR_EB;
	in.n = a.n;
	in.pop = o->population_field ? a.households : NULL;
	in.count = a.value;
	in.w = w;
	if (score_compute(&in, &so, &r, err, errlen) != 0)
		goto done;
	if (write_output(o, &a, &r, with_prevent ? &pr : NULL, err, errlen) != 0)
		goto done;
	{
		int			hot = 0, cold = 0;

		for (size_t i = 0; i < a.n; i++)
		{
			hot += r.gi_bin[i] > 0;
			cold += r.gi_bin[i] < 0;
		}
		log_info("%zu areas scored: %d hot, %d cold; written to %s", a.n, hot, cold, o->output);
	}
	rc = 0;
done:
	prevent_result_free(&pr);
	score_result_free(&r);
	weights_free(w);
	areas_free(&a);
	return rc;
}
