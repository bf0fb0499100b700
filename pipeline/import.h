/*
 * pipeline/import.h — load CBS reference data: postcode statistics, the wijk- en buurtkaart
 * and the PC6 + huisnummer → buurt table (`vsp import`).
 *
 * Contract: one import = one file = one database transaction that replaces one year's rows
 * for the area it covers (the whole file, or one gemeente), so a re-import of the same file
 * changes nothing and a failed one changes nothing either.  Every row read is loaded,
 * rejected with a reason, or skipped (another gemeente, water); nothing is dropped silently.
 * Before anything is written the importer checks the layout and refuses a file that is not
 * what the command expects, naming the missing columns or layers.  Geometry goes into a
 * GeoPackage (RD New) with one layer per level that `vsp run` reads through [areas]; the
 * layer is committed after the database, in its own SQLite transaction.
 *
 * Library code: errors come back as an import_status plus a one-line message in err;
 * only main decides exit statuses.  Nothing here allocates memory the caller must free.
 */
#ifndef VSP_IMPORT_H
#define VSP_IMPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum import_kind
{
	IMPORT_CBS_POSTCODE = 0,	/* Kerncijfers per postcode: --level pc4 | pc6 */
	IMPORT_CBS_BUURTEN,			/* Wijk- en buurtkaart: layers gemeenten, wijken, buurten */
	IMPORT_PC6_BUURT			/* CSV PC6;Huisnummer;BuurtYYYY;WijkYYYY;GemeenteYYYY */
} import_kind;

typedef enum import_status
{
	IMPORT_OK = 0,
	IMPORT_USAGE,				/* bad option, missing or unreadable input file */
	IMPORT_BADFILE,				/* not the layout the command expects (message names what is missing) */
	IMPORT_DB,					/* database unavailable */
	IMPORT_LOCKED,				/* a run holds the run lock */
	IMPORT_WRITE,				/* the area layer cannot be written */
	IMPORT_FAIL					/* anything else (a query failed, out of memory) */
} import_status;

/* Why a row was not loaded; codes are stable (import_reason_code) and go to ref.import_log. */
typedef enum import_reason
{
	IMPORT_R_POSTCODE = 0,		/* postcode missing or malformed */
	IMPORT_R_CODE,				/* buurt, wijk or gemeente code missing or malformed */
	IMPORT_R_DUPLICATE,			/* the same postcode or area code again (the first is kept) */
	IMPORT_R_NO_GEOMETRY,		/* missing or empty geometry */
	IMPORT_R_BAD_GEOMETRY,		/* cannot be transformed or repaired into a polygon */
	IMPORT_R_NUMBER,			/* a statistics field holds text that is not a number */
	IMPORT_R_HUISNUMMER,		/* huisnummer missing or not 1..99999 */
	IMPORT_R_DUP_ADDRESS,		/* the same PC6 + huisnummer again (the first is kept) */
	IMPORT_R_FIELDS,			/* a CSV line with too few fields */
	IMPORT_R_N
} import_reason;

typedef struct import_options
{
	import_kind kind;
	const char *conninfo;		/* libpq conninfo; "" or NULL = PG* environment */
	const char *input;			/* required */
	const char *level;			/* cbs-postcode: pc4|pc6 (required); cbs-buurten: gemeente|wijk|buurt, NULL = all */
	const char *layer;			/* NULL = the only layer, or the one named after the level */
	const char *srs;			/* NULL = the layer's CRS; else assigned (overrides it) */
	int			year;			/* 0 = from the layer name, file name or CSV header */
	const char *gemeente;		/* NULL = everything in the file; "0034", "34" or "GM0034" */
	const char *areas_output;	/* NULL = vsp-areas.gpkg in the input's folder */
} import_options;

/* Changes one import made to one table. */
typedef struct import_change
{
	const char *table;			/* static, e.g. "ref.pc4" */
	int64_t		inserted, updated, deleted;
} import_change;

#define IMPORT_MAX_CHANGES 8
#define IMPORT_MAX_LAYERS 3

typedef struct import_report
{
	int64_t		import_id;		/* ref.import_log row; 0 before commit */
	int			year;
	char		gemeente[8];	/* "GM0034" or "" */
	size_t		read, loaded, rejected, skipped;
	size_t		by_reason[IMPORT_R_N];
	size_t		suppressed;		/* loaded areas whose households CBS suppressed */
	size_t		repaired;		/* invalid geometries repaired */
	size_t		pc6_codes, pc6_spanning, addresses_kept;	/* pc6-buurt only */
	import_change changes[IMPORT_MAX_CHANGES];
	size_t		nchanges;
	char		areas_output[1024];	/* GeoPackage written ("" = none) */
	char		layers[IMPORT_MAX_LAYERS][16];	/* layer names written */
	size_t		layer_features[IMPORT_MAX_LAYERS];
	size_t		layer_households[IMPORT_MAX_LAYERS];	/* features with a household count */
	size_t		nlayers;
	double		seconds;
} import_report;

/* "cbs-postcode" etc. → kind; 0, or -1 for an unknown name. */
int			import_parse_kind(const char *name, import_kind *kind);
const char *import_kind_name(import_kind kind);
const char *import_reason_code(import_reason r);	/* "postcode_malformed" */
const char *import_reason_text(import_reason r);	/* "malformed postcode" */

/* [database] conninfo of the config file path, the only key an import needs (other sections
 * are not read, so an administrative config may hold just that).  0, or -1 with a message
 * (unreadable file, syntax error, a password in the conninfo).  No key gives "". */
int			import_read_conninfo(const char *path, char *out, size_t outlen, char *err, size_t errlen);
/* Run one import.  rep is zeroed and filled (also on failure, as far as it got).
 * IMPORT_OK, or another status with a one-line message in err. */
import_status import_run(const import_options *o, import_report *rep, char *err, size_t errlen);
/* Print the report for people: rows read/loaded/rejected by reason, changes per table,
 * the area layers and the [areas] settings that read them. */
void		import_report_print(FILE *f, const import_options *o, const import_report *rep);

#endif
