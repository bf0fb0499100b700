/*
 * geo/areas.c — the run's areas: the layer (areas_read.c, through the cache of
 * areas_cache.c) mapped onto the reference postcodes at the run's level, geometries rebuilt
 * from the rings where an output needs one, and the households with a signal per area.
 */
#include "areas.h"
#include "../pipeline/log.h"

#include <gdal/ogr_api.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
cmp_code(const void *key, const void *elem)
{
	return strcmp((const char *) key, *(char *const *) elem);
}

long
areas_find(const areas *a, const char *code)
{
	char	  **hit = bsearch(code, a->code, a->n, sizeof(char *), cmp_code);

	return hit ? (long) (hit - a->code) : -1;
}

OGRGeometryH
areas_geometry(const areas *a, size_t i)
{
	const geo_polys *p = &a->polys;
	size_t		r0 = p->ring_off[i],
				r1 = p->ring_off[i + 1],
				nout = 0;
	OGRGeometryH multi = NULL,
				poly = NULL;

	for (size_t r = r0; r < r1; r++)
		nout += a->ring_outer[r];
	if (nout == 0 || !a->ring_outer[r0])
		return NULL;
	if (nout > 1 && !(multi = OGR_G_CreateGeometry(wkbMultiPolygon)))
		return NULL;
	for (size_t r = r0; r < r1; r++)
	{
		size_t		np = p->pt_off[r + 1] - p->pt_off[r];
		const double *xy = p->xy + 2 * p->pt_off[r];
		OGRGeometryH ring;

		if (a->ring_outer[r])
		{
			if (poly && multi && OGR_G_AddGeometryDirectly(multi, poly) != OGRERR_NONE)
				goto fail;
			poly = NULL;
			if (!(poly = OGR_G_CreateGeometry(wkbPolygon)))
				goto fail;
		}
		if (np > INT_MAX || !(ring = OGR_G_CreateGeometry(wkbLinearRing)))
			goto fail;
		OGR_G_SetPoints(ring, (int) np, (void *) xy, 2 * sizeof(double), (void *) (xy + 1),
						2 * sizeof(double), NULL, 0);
		if (OGR_G_AddGeometryDirectly(poly, ring) != OGRERR_NONE)
		{
			OGR_G_DestroyGeometry(ring);
			goto fail;
		}
	}
	if (!multi)
		return poly;
	if (OGR_G_AddGeometryDirectly(multi, poly) != OGRERR_NONE)
		goto fail;
	return multi;

fail:
	if (poly)
		OGR_G_DestroyGeometry(poly);
	if (multi)
		OGR_G_DestroyGeometry(multi);
	return NULL;
}

const char *
areas_level_code(const char *level, const ingest_ref *ref, size_t i, char buf[16])
{
	if (strcmp(level, "pc6") == 0)
		return ref->pc6[i];
	if (strcmp(level, "pc4") == 0)
		return ref->pc4[i];
	if (strcmp(level, "buurt") == 0)
		return ref->buurt[i];
	if (strcmp(level, "wijk") == 0)
	{
		/* the wijk is the first 6 digits of the buurt code: BU00340101 → WK003401 */
		if (ref->wijk[i])
			return ref->wijk[i];
		if (!ref->buurt[i] || strlen(ref->buurt[i]) < 8)
			return NULL;
		snprintf(buf, 16, "WK%.6s", ref->buurt[i] + 2);
		return buf;
	}
	return NULL;
}

static const char *
parent_code(const char *level, const ingest_ref *ref, size_t i)
{
	if (strcmp(level, "pc6") == 0)
		return ref->pc4[i];
	if (strcmp(level, "buurt") == 0)
		return ref->wijk[i];
	return ref->gemeente[i];
}

int
areas_load_layer(const config *cfg, areas *a, char *err, size_t errlen)
{
	areas_source src = {
		cfg->area_source, cfg->area_layer, cfg->area_id_field, cfg->area_srs, cfg->working_crs,
		strncmp(cfg->households, "field:", 6) == 0 ? cfg->households + 6 : NULL, NULL
	};
	char		dir[4200];

	return areas_read_cached(&src, config_cache_dir(cfg, dir, sizeof(dir)), a, err, errlen);
}

int
areas_map_reference(const config *cfg, const ingest_ref *ref, areas *a, char *err, size_t errlen)
{
	int			from_ref = strncmp(cfg->households, "field:", 6) != 0;
	size_t		unmatched = 0;

	a->parent = calloc(a->n, sizeof(char *));
	a->area_of_pc6 = malloc((ref->n ? ref->n : 1) * sizeof(long));
	if (!a->parent || !a->area_of_pc6)
	{
		areas_free(a);
		return snprintf(err, errlen, "areas: out of memory"), -1;
	}
	a->nref = ref->n;
	if (from_ref)
		for (size_t k = 0; k < a->n; k++)
			a->households[k] = NAN;
	for (size_t i = 0; i < ref->n; i++)
	{
		char		buf[16];
		const char *code = areas_level_code(cfg->level, ref, i, buf);
		long		k = code ? areas_find(a, code) : -1;
		const char *par;

		a->area_of_pc6[i] = k;
		if (k < 0)
		{
			unmatched++;
			continue;
		}
		if (from_ref && !isnan(ref->households[i]))
			a->households[k] = (isnan(a->households[k]) ? 0 : a->households[k]) + ref->households[i];
		par = parent_code(cfg->level, ref, i);
		if (!a->parent[k] && par && !(a->parent[k] = strdup(par)))
		{
			areas_free(a);
			return snprintf(err, errlen, "areas: out of memory"), -1;
		}
	}
	if (unmatched)
		log_warn("%zu reference postcodes have no %s area in %s", unmatched, cfg->level, cfg->area_source);
	return 0;
}

int
areas_load(const config *cfg, const ingest_ref *ref, areas *a, char *err, size_t errlen)
{
	if (areas_load_layer(cfg, a, err, errlen) != 0)
		return -1;
	return areas_map_reference(cfg, ref, a, err, errlen);
}

int
areas_count(areas *a, const cases_data *cs, size_t *unmapped, char *err, size_t errlen)
{
	size_t		n = a->n ? a->n : 1;

	*unmapped = 0;
	a->hh_signal = calloc(n, sizeof(double));
	for (int p = 0; p < 4; p++)
		a->hh_partner[p] = calloc(n, sizeof(int));
	a->hh_other = calloc(n, sizeof(int));
	a->hh_multi = calloc(n, sizeof(int));
	if (!a->hh_signal || !a->hh_partner[0] || !a->hh_partner[1] || !a->hh_partner[2] ||
		!a->hh_partner[3] || !a->hh_other || !a->hh_multi)
		return snprintf(err, errlen, "areas: out of memory"), -1;
	for (size_t h = 0; h < cs->n; h++)
	{
		const cases_household *hh = &cs->hh[h];
		long		k = hh->pc6_idx < a->nref ? a->area_of_pc6[hh->pc6_idx] : -1;

		if (k < 0)
		{
			(*unmapped)++;
			continue;
		}
		a->hh_signal[k] += 1;
		for (int p = 0; p < 4; p++)
			if (hh->partners & (1u << p))
				a->hh_partner[p][k]++;
		if (!(hh->partners & 0xfu))
			a->hh_other[k]++;
		if (hh->npartners >= 2)
			a->hh_multi[k]++;
	}
	return 0;
}

void
areas_free(areas *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++)
	{
		free(a->code[i]);
		if (a->parent)
			free(a->parent[i]);
	}
	free(a->code);
	free(a->parent);
	free(a->ring_outer);
	free(a->households);
	free(a->value);
	geo_polys_free(&a->polys);
	free(a->hh_signal);
	for (int p = 0; p < 4; p++)
		free(a->hh_partner[p]);
	free(a->hh_other);
	free(a->hh_multi);
	free(a->area_of_pc6);
	memset(a, 0, sizeof(*a));
}
