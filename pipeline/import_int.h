/*
 * pipeline/import_int.h — internals shared by the import_*.c files; not for other modules.
 *
 * import.c runs the session (connection, run lock, transaction, log row, commit order);
 * import_util.c has code normalisation, reject counting, COPY buffering and the generic
 * "replace one year's rows in scope" merge; import_gdal.c reads CBS layers and writes the
 * area GeoPackage; import_postcode.c, import_buurten.c and import_pc6.c are the three
 * commands.  Functions returning int give 0 or -1 with x->err set and x->status saying
 * which kind of failure it was.
 */
#ifndef VSP_IMPORT_INT_H
#define VSP_IMPORT_INT_H

#include "import.h"

#include <gdal/gdal.h>
#include <gdal/ogr_api.h>
#include <libpq-fe.h>
#include <math.h>

/* Everything one import works with. */
typedef struct import_ctx
{
	const import_options *o;
	import_report *rep;
	PGconn	   *db;
	int			year;
	char		gm[8];			/* scope: "GM0034", or "" = the whole file */
	char		year_txt[8];	/* year as text, for query parameters */
	char		level[16];		/* level written to the log */
	import_status status;		/* the kind of the first failure */
	char	   *err;
	size_t		errlen;
	struct import_gpkg *gpkg;	/* the area GeoPackage being written, or NULL */
} import_ctx;

/* Set x->status and x->err (printf-style); returns -1 for "return import_fail(...)". */
int			import_fail(import_ctx *x, import_status st, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));
/* Count a rejected row and log it (the first 5 per reason; where names the row, never an
 * address).  Always returns 0. */
int			import_reject(import_ctx *x, import_reason r, const char *where);

/* ---- codes (import_util.c) ---- */
/* "0034", "34", "GM0034", " gm34 " → "GM0034"; 0, or -1 if not a gemeente code. */
int			import_norm_gemeente(const char *in, char out[8]);
/* An area code with its prefix ("BU", "WK", "GM") and digits part of ndigits characters
 * (8, 6, 4): "BU00340101", "00340101", "340101" (numeric, zero-padded) or "0363AF01"
 * (alphanumeric after the gemeente digits) → out ("BU0363AF01").  0 or -1. */
int			import_norm_area(const char *in, const char *prefix, size_t ndigits, char out[16]);
/* The year in a name: the first run of exactly four digits 1990..2100 ("cbs_pc4_2022_vol"
 * → 2022, "wijk_2024_Almere_GM0034" → 2024); 0 if none. */
int			import_year_in(const char *name);

/* ---- COPY FROM STDIN buffering (import_util.c) ---- */
typedef struct import_copy
{
	PGconn	   *db;
	char	   *buf;
	size_t		len, cap;
} import_copy;

int			import_copy_begin(import_ctx *x, import_copy *c, const char *copy_sql);
/* Append one field (NULL = \N), escaped for COPY text format; last ends the row. */
int			import_copy_field(import_ctx *x, import_copy *c, const char *v, int last);
/* A number field: NaN = \N; integral values without decimals. */
int			import_copy_number(import_ctx *x, import_copy *c, double v, int last);
int			import_copy_end(import_ctx *x, import_copy *c);
void		import_copy_abort(import_copy *c);

/* A set of area codes ([0-9A-Z], at most 10 characters) for finding duplicates. */
typedef struct import_seen
{
	uint64_t   *slot;
	size_t		cap, n;
} import_seen;

/* 1 when code was added before, 0 when it is new (and now remembered), -1 out of memory. */
int			import_seen_add(import_seen *s, const char *code);
void		import_seen_free(import_seen *s);

/* ---- SQL (import_util.c) ---- */
/* Run sql with $1 = year and $2 = scope gemeente (NULL when the whole file); *rows (may be
 * NULL) = rows affected, or the first column of the first row when the statement returns
 * rows. */
int			import_sql(import_ctx *x, const char *sql, int64_t *rows);
/* Replace target's rows in scope by those of the temporary table src, which has the same
 * column names: delete rows in scope that src lacks, update changed ones (IS DISTINCT FROM;
 * unchanged rows are not written), insert new ones.  keys/cols: comma-separated column lists; scope: a condition on alias
 * t that may use $1 (year) and $2 (gemeente or NULL).  Adds the counts to the report. */
int			import_merge(import_ctx *x, const char *target, const char *src, const char *keys,
						 const char *cols, const char *scope);
/* Add counts for target to the report (summing when target is already there). */
void		import_change_add(import_ctx *x, const char *target, int64_t ins, int64_t upd, int64_t del);

/* ---- reading CBS layers (import_gdal.c) ---- */
typedef struct import_src
{
	GDALDatasetH ds;
	OGRLayerH	lyr;
	OGRCoordinateTransformationH ct;	/* to EPSG:28992; NULL = already RD New */
	OGRSpatialReferenceH rd;	/* EPSG:28992 */
} import_src;

/* Open o->input as a GDAL vector source (IMPORT_USAGE when it cannot be opened). */
int			import_open(import_ctx *x, GDALDatasetH *ds);
/* Pick the layer: o->layer if given; else the only one; else the first whose name contains
 * one of names[] (case-insensitive).  Then set up the transformation to RD New: --srs is
 * assigned when given; a layer without CRS, or with a geographic CRS but coordinates that
 * are not degrees (GeoJSON in RD New without a crs member reads as WGS 84), is refused. */
int			import_layer_open(import_ctx *x, GDALDatasetH ds, const char *const *names,
							  const char *what, import_src *s);
void		import_src_close(import_src *s);	/* leaves ds open; NULL-safe fields */
/* Index of the first field named like one of aliases[] (NULL-terminated), or -1. */
int			import_field(OGRLayerH lyr, const char *const *aliases);
/* Refuse a layer lacking required fields: idx[i] < 0 for a required column i.  Names
 * every missing column (its first alias) in one message: IMPORT_BADFILE. */
int			import_require(import_ctx *x, OGRLayerH lyr, const char *const *const *aliases,
						   const int *idx, int n);
/* A CBS statistic: NULL, unset or negative (the suppression sentinels -99995, -99997, …)
 * → NaN; a number in a text field is parsed.  0, or -1 when the text is not a number. */
int			import_value(OGRFeatureH f, int idx, double *out);
/* The feature's geometry in RD New as a valid (multi)polygon, repaired when needed
 * (*repaired = 1).  NULL with *why set when it is missing or unusable. */
OGRGeometryH import_geometry(import_src *s, OGRFeatureH f, import_reason *why, int *repaired);

/* ---- the area GeoPackage (import_gdal.c) ---- */
typedef struct import_area
{
	char		code[16];		/* the area code as vsp uses it: 1315, 1315HR, GM0034, WK003401, BU00340101 */
	const char *name;			/* may be NULL */
	char		parent[16];		/* pc4 of a pc6, wijk of a buurt, gemeente of a wijk; may be "" */
	char		gemeente[8];	/* "" when unknown */
	double		households;		/* NaN = suppressed or unknown */
	double		inhabitants;
	int			suppressed;
} import_area;

typedef struct import_gpkg import_gpkg;

/* Open or create the GeoPackage o->areas_output (default: vsp-areas.gpkg next to the
 * input), make sure the layers names[n] exist with the vsp area schema, start a
 * transaction and delete the features in scope (all, or the scope gemeente's).  x->gpkg is
 * set; import_gpkg_abort() on every failure path after this. */
int			import_gpkg_open(import_ctx *x, const char *const *names, int n);
/* Add one area to layer k (index into names[]).  In a gemeente-scoped import an earlier
 * feature with the same code is replaced (at commit). */
int			import_gpkg_put(import_ctx *x, int k, const import_area *a, OGRGeometryH g);
/* Last writes before the database commits (fails like import_gpkg_put), then the commit. */
int			import_gpkg_finish(import_ctx *x);
int			import_gpkg_commit(import_ctx *x);
void		import_gpkg_abort(import_ctx *x);	/* rolls back; no-op when nothing is open */

/* ---- the three commands ---- */
int			import_cbs_postcode(import_ctx *x);
int			import_cbs_buurten(import_ctx *x);
int			import_pc6_buurt(import_ctx *x);

#endif
