/*
 * pipeline/config.h — the run configuration: one INI file (inih) plus command-line overrides.
 *
 * config_load() parses and validates everything up front, so a bad value stops the run
 * before it touches the database, with a message naming the section and key.  All strings
 * are owned by the config and freed by config_free().  Passwords never live here: the
 * database is reached through a libpq conninfo without password, PGSERVICE or .pgpass.
 */
#ifndef VSP_CONFIG_H
#define VSP_CONFIG_H

#include <stddef.h>
#include <stdint.h>

typedef struct config_team
{
	char	   *name;
	char	  **areas;			/* PC4 / wijk / buurt codes this team covers */
	size_t		nareas;
	int			capacity;		/* households on the team's list */
} config_team;

typedef struct config
{
	char	   *path;			/* the file read */
	char		sha256[65];		/* of the file's bytes, for the run log */

	/* [database] */
	char	   *conninfo;		/* "" = libpq defaults (PG* environment, PGSERVICE) */
	char	   *source_signals;	/* schema-qualified view, quoted with PQescapeIdentifier */
	char	   *source_followup;

	/* [run] */
	char	   *level;			/* pc6 | pc4 | buurt | wijk */
	int			window_days;
	char	   *start_date;		/* earliest acceptable signaaldatum */
	char		as_of[11];		/* YYYY-MM-DD; default today (local time) */
	double		max_amount;
	double		max_quarantine_share;
	char	   *output_dir;

	/* [areas] */
	char	   *area_source;	/* any GDAL vector source; PG:... for PostGIS */
	char	   *area_layer;		/* "" = first layer */
	char	   *area_id_field;
	char	   *area_srs;		/* assigned to the layer (like ogr2ogr -a_srs); "" = the layer's own */
	char	   *households;		/* "reference" or "field:NAME" */
	char	   *working_crs;
	char	   *area_cache;		/* prepared layer and weights between runs: "" = OUTPUT_DIR/.cache,
								 * "off" = none, else that directory (geo/cache.h) */

	/* [weights] */
	char	   *weights;		/* queen | rook | knn:K | band[:M] */
	double		snap;
	int			island_knn;

	/* [score] */
	char	   *variable;		/* eb | spatial-eb | rate | count */
	int			permutations;
	uint64_t	seed;
	double		fdr_q;			/* 0 = off */
	int			disclosure_k;
	double		w_bin, w_lisa, w_trend;

	/* [cases] matching filters and risk weights */
	int			min_partners;
	int			min_consecutive_months;
	double		min_amount;
	double		risk_partner[9];	/* per signal_partner */
	double		risk_amount, risk_npartners, risk_duration, risk_recency, risk_crisis;

	/* [privacy] */
	int			include_names;	/* household lists show BSN (only when enabled) */
	char	   *key_secret;		/* secret for pseudonymous household keys */

	/* [database] migrations: folder of the 0*.sql migrations ("" = found from the binary) */
	char	   *migrations;

	/* [retention] terms in months for `vsp purge` (docs/privacy.md) */
	int			ret_quarantine_months;	/* vsp.quarantine rows (raw values) */
	int			ret_outreach_months;	/* vsp.outreach rows (pseudonymous keys) */
	int			ret_results_months; /* vsp.runs and vsp.area_scores */
	int			purge_source;	/* also delete from the platform tables below */
	char	   *purge_signals_table;	/* default platform.signaal */
	char	   *purge_cases_table;	/* default platform.zaak */
	int			ret_unhandled_months;	/* signals without a case, after signaaldatum */
	int			ret_closed_months;	/* cases closed longer ago, with their signals */

	/* [notify] */
	char	   *notify_command; /* absolute path, run at the end of every run; "" = none */
	int			notify_timeout; /* seconds */

	/* [outputs] the browser map (map.html, docs in README.md) */
	char	   *basemap;		/* XYZ tile URL template or "wms:URL?layers=..."; "" = plain background */
	char	   *basemap_attribution;	/* shown under the map when a basemap is set */
	double		webmap_simplify;	/* Douglas-Peucker tolerance in metres (0 = none) */
	/* [outputs] printable maps (map.png/.svg/.pdf, map-<team>.*) */
	int			maps;			/* CONFIG_MAPS_NO, _YES or _AUTO (default) */
	int			map_max_areas;	/* auto: no printable map of more areas than this (50,000) */

	/* [prevent] the expected-risk model (docs/methodology.md §5); covariates "" = off */
	char	   *prevent_covariates;	/* numeric ref.pc6 columns, comma-separated */
	double		prevent_fdr;	/* Benjamini–Hochberg q for hidden need / excess (0.05) */
	double		prevent_min_coverage;	/* share of an area's households with the indicator known (0.8) */
	int			prevent_exclude_excess;	/* refit without the first fit's excess areas (true) */

	/* [team NAME] sections */
	config_team *teams;
	size_t		nteams;
} config;

/* [outputs] maps: auto draws a printable map only when it shows at most map_max_areas areas
 * (a national PC6 map is ~450k polygons under a point across: minutes of drawing, a 170 MB SVG) */
#define CONFIG_MAPS_NO		0
#define CONFIG_MAPS_YES		1
#define CONFIG_MAPS_AUTO	2

/* Largest config file read (a real one is a few kB). */
#define CONFIG_MAX_BYTES (1024 * 1024)

/* Parse path into cfg (zeroed first, defaults applied). 0, or -1 with a one-line message
 * naming the file, line, section and key in err.  On failure cfg is freed already.
 * Lines longer than inih's line buffer (198 characters) are refused, not split. */
int			config_load(const char *path, config *cfg, char *err, size_t errlen);
/* The same for config text in memory (len bytes, no terminator needed); name stands for the
 * file in messages and in cfg->path, and the hash is of these bytes.  For the fuzzer and tests. */
int			config_load_buffer(const char *name, const char *data, size_t len, config *cfg,
							   char *err, size_t errlen);
/* The cache directory ([areas] cache) in buf, or NULL when it is off. */
const char *config_cache_dir(const config *c, char *buf, size_t len);
/* Re-validate after command-line overrides (as_of, level, output_dir). 0 or -1 + message. */
int			config_validate(config *cfg, char *err, size_t errlen);
/* Replace a string field with a copy of value; 0 or -1 on allocation failure. */
int			config_set(char **field, const char *value);
void		config_free(config *cfg);

#endif
