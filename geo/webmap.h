/*
 * geo/webmap.h — the interactive browser map: one self-contained HTML file (Leaflet, the
 * map's own script and style, and the areas inlined), and the simplified WGS 84 topology
 * of the areas it draws.
 *
 * Topology.  The areas arrive as valid (multi)polygons in the metric working CRS.  For the
 * browser they are simplified once as a coverage, the way TopoJSON does it, so that two
 * neighbours keep exactly the same boundary:
 *   1. every vertex is snapped to a grid of `snap` metres, so boundaries whose vertices
 *      differ by float noise (or by less than the snap) become the same points;
 *   2. a vertex is a junction when its neighbours along the rings differ between the
 *      rings that use it (where three areas meet, where a shared boundary ends, a corner
 *      touching another area); a ring with no junction at all (an island, an enclave and
 *      its hole) gets its smallest vertex as junction;
 *   3. every ring is cut at its junctions into arcs; an arc shared by two rings is stored
 *      once (in one canonical direction) and referenced by both, reversed where needed;
 *   4. each arc is simplified once with Douglas-Peucker at `tolerance` metres, its end
 *      points fixed; arcs of rings that have only one or two arcs keep enough interior
 *      points that no ring collapses;
 *   5. the kept points are transformed to WGS 84 (PROJ through OGR) and rounded to
 *      1e-5 degree (about a metre).
 * Shared boundaries therefore stay shared: no gaps or slivers appear between neighbours
 * at any zoom.  Douglas-Peucker does not prevent an arc from crossing another one when
 * the tolerance is large compared with the areas; keep the tolerance well below the
 * width of the narrowest areas (the default, 5 m, is far below).
 *
 * HTML.  webmap_write() fills the template web/webmap.html, inlining leaflet.css and
 * leaflet.js from web/node_modules/leaflet/dist and web/webmap.css and web/webmap.js, and
 * the data as JSON in a <script type="application/json"> element; a Content-Security-
 * Policy in the page forbids every network request (except basemap tiles when a basemap
 * is configured).  The properties of each area are written by a caller's function, so
 * this module knows nothing about what is disclosed: the caller decides.
 */
#ifndef VSP_GEO_WEBMAP_H
#define VSP_GEO_WEBMAP_H

#include <gdal/ogr_api.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* coordinates in the topology are integers: degrees times WEBMAP_SCALE */
#define WEBMAP_SCALE	100000

typedef struct webmap_topo
{
	size_t		n;				/* areas */
	size_t		narcs;
	size_t	   *arc_off;		/* narcs+1: arc a holds points arc_off[a] .. arc_off[a+1]-1 */
	int32_t    *ll;				/* 2 per point: lon, lat (x WEBMAP_SCALE) */
	size_t		npolys, nrings;
	size_t	   *poly_off;		/* n+1: area i owns polygons poly_off[i] .. poly_off[i+1]-1 */
	size_t	   *ring_off;		/* npolys+1: polygon p owns rings ring_off[p] ..; the first is the exterior */
	size_t	   *ref_off;		/* nrings+1: ring r is the arcs refs[ref_off[r]] .. in order */
	int64_t    *refs;			/* arc a forwards, or ~a (= -a-1) reversed */
	int32_t    *label;			/* 2 per area: point on surface (lon, lat), or INT32_MIN if none */
	size_t		npts_in, npts_out;	/* vertices read, and kept in the arcs (a report) */
	size_t		ndropped;		/* rings dropped because they vanish at the snap grid */
} webmap_topo;

/*
 * webmap_topo_build — simplify n areas (geom[i], polygonal, in the CRS `crs`, e.g.
 * "EPSG:28992", metres) as described above.  cx/cy (n, may be NULL; NaN = none) are the
 * areas' representative points in the same CRS.  snap > 0 and tolerance >= 0 are in
 * metres (tolerance 0 keeps every snapped vertex).  Fills *t (zeroed first; free with
 * webmap_topo_free, also after failure).  Returns 0, or -1 with a one-line message in err.
 * An area whose every ring vanishes at the snap grid has no polygons (poly_off[i] ==
 * poly_off[i+1]); t->ndropped counts the rings that vanished.
 */
int			webmap_topo_build(const OGRGeometryH *geom, size_t n, const double *cx,
							  const double *cy, const char *crs, double snap, double tolerance,
							  webmap_topo *t, char *err, size_t errlen);
/* Free what the topology owns (not the struct).  NULL-safe. */
void		webmap_topo_free(webmap_topo *t);

/* Writes the JSON object of area i's properties (e.g. {"id":"1315",...}) to f; 0 or -1. */
typedef int (*webmap_props_fn) (FILE *f, size_t i, void *ctx);

typedef struct webmap_page
{
	const webmap_topo *topo;
	const unsigned char *include;	/* topo->n flags, or NULL = every area */
	const char *title;			/* page title and heading (plain text) */
	const char *subtitle;		/* plain text, may be NULL */
	const char *basemap;		/* XYZ tile URL template, "wms:URL?layers=...", or NULL/"" = none */
	const char *meta_json;		/* a JSON object for data.meta (the page's texts and settings) */
	webmap_props_fn props;		/* writes each included area's properties */
	void	   *ctx;
} webmap_page;

/*
 * webmap_web_dir — the folder with webmap.html, webmap.css, webmap.js and
 * node_modules/leaflet/dist/leaflet.{js,css}: $VSP_WEB_DIR if set, else, next to the
 * running binary, ../share/vsp/web (installed by `make install`) or ../web (the source
 * tree).  Copies it to buf.  Returns 0 when every file is readable, or -1 with a message
 * naming the missing file in err (buf then holds the last folder tried).
 */
int			webmap_web_dir(char *buf, size_t len, char *err, size_t errlen);

/*
 * webmap_write — write the page to path (created or truncated; the caller handles
 * temporary names).  webdir as found by webmap_web_dir().  Returns 0, or -1 with err
 * (the file at path may then be partial: the caller removes it).
 */
int			webmap_write(const webmap_page *p, const char *webdir, const char *path, char *err,
						 size_t errlen);

/* JSON string literal of s (UTF-8 passed through; <, >, & escaped so that it is safe
 * inside a <script> element).  NULL writes null. */
void		webmap_json_string(FILE *f, const char *s);
/* A JSON number with `decimals` decimals, or null when v is not finite. */
void		webmap_json_number(FILE *f, double v, int decimals);

#endif
