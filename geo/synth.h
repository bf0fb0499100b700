/*
 * geo/synth.h — synthetic city and national data for demos, tests and benchmarks.
 *
 * synth_run() builds a made-up but realistic world from one seed: PC6 postcode
 * polygons on a jittered grid that share their boundaries exactly, PC4 areas that
 * group them, CBS-style buurt/wijk/gemeente codes, households with addresses,
 * names and BSNs, twelve months of vroegsignalering signals with messy-but-valid
 * formatting, about 1 % deliberately bad rows, follow-up cases, and planted
 * hotspots.  Everything is a pure function of the options: the same options give
 * byte-identical output files.
 *
 * City scale (national = 0) lies where Almere lies in RD New (EPSG:28992) and uses
 * Almere's real PC4 codes and gemeente code GM0034.  National scale (national = 1)
 * scatters ~342 gemeenten over a rough outline of the Netherlands with ~450k PC6
 * areas, ~4,070 PC4 areas and ~8.4M households, all multiplied by fraction.
 *
 * Files written into outdir (written under temporary names, renamed at the end):
 *   city.gpkg            layers pc6 (pc6, pc4, households) and pc4 (pc4, households)
 *   pc6.csv              pc6,pc4,buurt_code,wijk_code,gemeente_code,households,year,
 *                        pct_low_income,pct_rent_corporation,pct_single_parent,pct_benefits,
 *                        avg_income (CBS-like indicators, empty = suppressed; synth_cbs.c)
 *   signals.csv          the columns of platform.signaal, row_id first
 *   zaak.csv             the columns of platform.zaak, zaak_id first
 *   truth_hotspots.csv   level,area_code of every planted PC6 and mostly-planted PC4
 *   truth_bad_rows.csv   row_id,signal_id,reason of every deliberately bad row
 *   truth_thinned.csv    level,area_code,keep of every thinned PC6 and mostly-thinned PC4
 *                        (header only without thin)
 *   names.txt            every name and BSN written to signals.csv, one per line
 *
 * The generator itself never prints anything; names, BSNs and addresses appear
 * only in the files above (and in the database when conninfo is set).
 */
#ifndef VSP_GEO_SYNTH_H
#define VSP_GEO_SYNTH_H

#include <stddef.h>
#include <stdint.h>

typedef struct synth_options
{
	uint64_t	seed;			/* default 42 */
	int			national;		/* 0 = city (Almere), 1 = national scale */
	double		fraction;		/* national only: 1.0 full, 0.125/0.25/0.5 for scaling runs */
	const char *outdir;			/* created if missing (one level); must be writable */
	const char *conninfo;		/* non-NULL: also load into PostgreSQL (TRUNCATE + COPY) */
	const char *end_date;		/* last day of signals, "YYYY-MM-DD"; default "2026-10-31" */
	int			months;			/* default 12 */
	/* NULL = none; "F[@KEEP]" thins a fraction F (0 < F < 1) of the PC4 areas without a
	 * planted hotspot, "CODE,CODE[@KEEP]" the named PC4/PC6 areas: their households keep
	 * their signals with probability KEEP (default 0.5) — deliberate under-signalling */
	const char *thin;
} synth_options;

typedef struct synth_report
{
	size_t		pc6,
				pc4,
				households,
				signals,		/* rows in signals.csv, bad rows included */
				bad_rows,
				hotspots;		/* planted clusters */
	double		seconds;		/* wall-clock time of synth_run */
} synth_report;

/* Fill *o with the defaults above (outdir and conninfo NULL). */
void		synth_options_default(synth_options *o);

/*
 * Generate the world described by *o, write the files into o->outdir and, when
 * o->conninfo is non-NULL, load ref.pc6, platform.signaal and platform.zaak in one
 * transaction (TRUNCATE ... RESTART IDENTITY, then COPY).  rep may be NULL.
 * Returns 0, or -1 with a one-line lower-case message in err (errlen bytes); on
 * failure no output file of this run is left behind and the database is unchanged.
 * Not thread-safe against itself (it sets a thread-local GDAL config option).
 */
int			synth_run(const synth_options *o, synth_report *rep, char *err, size_t errlen);

#endif
