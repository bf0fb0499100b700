/*
 * geo/areas.h — the areas of the chosen aggregation level: geometry from any GDAL vector
 * source (transformed with PROJ into the working CRS), households from the CBS reference
 * (or a layer field), and per area the counts of households with a signal.
 *
 * Levels: pc6, pc4 (PC6 prefix), buurt (PC6 → buurt via the CBS table), wijk (first 6
 * digits of the buurt code).  Areas are sorted by code.  Invalid geometries are repaired
 * with GEOS (OGR_G_MakeValid) and reported by id; unrepairable or empty ones are reported
 * and excluded — never silently.  Everything is owned by the struct; areas_free().
 */
#ifndef VSP_AREAS_H
#define VSP_AREAS_H

#include <gdal/ogr_api.h>
#include <stddef.h>
#include "../pipeline/cases.h"
#include "../pipeline/config.h"
#include "../pipeline/ingest.h"
#include "polys.h"

typedef struct areas_source
{
	const char *path;			/* GDAL source; PG:... for PostGIS */
	const char *layer;			/* NULL/"" = first layer */
	const char *id_field;
	const char *srs;			/* NULL/"": the layer's CRS; else assigned (overrides the layer's) */
	const char *working_crs;	/* e.g. EPSG:28992 */
	const char *households_field;	/* NULL = none */
	const char *value_field;	/* NULL = none; read into areas.value */
} areas_source;

typedef struct areas
{
	size_t		n;
	char	  **code;			/* area id, sorted */
	char	  **parent;			/* pc4 of a pc6, wijk of a buurt, gemeente of a wijk/pc4; may be NULL */
	double	   *households;		/* NaN = unknown/suppressed (left out of rates) */
	double	   *value;			/* areas_source.value_field per area (NaN = missing); NULL if none */
	geo_polys	polys;			/* rings in the working CRS (valid), plus point on surface */
	unsigned char *ring_outer;	/* per ring of polys: 1 = a polygon's exterior, starting it */
	char		srs_wkt_name[64];	/* the working CRS as given */
	size_t		repaired, excluded;	/* geometry report */
	char		cache_key[65];	/* the prepared layer's key in the cache; "" = not cached */
	/* counts filled by areas_count() */
	double	   *hh_signal;
	int		   *hh_partner[4];	/* huur, energie, water, zorg */
	int		   *hh_other;		/* households with another partner type only */
	int		   *hh_multi;		/* households with ≥ 2 partner types */
	/* pc6 (ingest_ref index) → area index or -1 */
	long	   *area_of_pc6;
	size_t		nref;
} areas;

/* Open a polygon layer and read ids + geometry into a.  0 or -1 with err naming the source,
 * layer or field.  The layer's CRS is used; one without CRS needs src->srs. */
int			areas_read(const areas_source *src, areas *a, char *err, size_t errlen);
/* areas_read, also keeping each line it logs about a single feature in notes (for the
 * cache: a run that reads the layer from it logs the same lines). */
struct cache_buf;
int			areas_read_noted(const areas_source *src, areas *a, struct cache_buf *notes,
							 char *err, size_t errlen);
/* areas_read through the cache in dir (NULL or "": none, see geo/cache.h): a layer read
 * before with the same bytes and parameters comes from the cache; a.cache_key says under
 * which key (empty when not cached). */
int			areas_read_cached(const areas_source *src, const char *dir, areas *a,
							  char *err, size_t errlen);
/* The run's areas: read the configured layer and map ref's PC6s onto it at cfg->level,
 * summing households from the reference unless [areas] households = field:NAME. */
int			areas_load(const config *cfg, const ingest_ref *ref, areas *a, char *err, size_t errlen);
/* The two halves of areas_load: the configured layer (through the cache), then the mapping
 * of ref's PC6s onto it, so that the reference can load while the layer does.  On failure a
 * is freed; 0 or -1 with err. */
int			areas_load_layer(const config *cfg, areas *a, char *err, size_t errlen);
int			areas_map_reference(const config *cfg, const ingest_ref *ref, areas *a, char *err,
								size_t errlen);
/* Level code of one reference PC6 (pc6, pc4, buurt or wijk); NULL if it has none. */
const char *areas_level_code(const char *level, const ingest_ref *ref, size_t i, char buf[16]);
/* Count households with a signal per area.  Households whose PC6 maps to no area are
 * counted in *unmapped. */
int			areas_count(areas *a, const cases_data *cs, size_t *unmapped, char *err, size_t errlen);
long		areas_find(const areas *a, const char *code);
/* Area i's geometry, rebuilt from its rings: a Polygon, or a MultiPolygon when it has more
 * than one; the caller destroys it.  NULL when out of memory. */
OGRGeometryH areas_geometry(const areas *a, size_t i);
void		areas_free(areas *a);

#endif
