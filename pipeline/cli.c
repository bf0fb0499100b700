/*
 * pipeline/cli.c — command and option tables; help and man page text from them.
 */
#include "cli.h"

#include <string.h>

static const cli_option common_opts[] = {
	{"config", 'c', "FILE", "the configuration file (INI); see config/vsp.ini"},
	{"quiet", 'q', NULL, "log warnings and errors only"},
	{"verbose", 'v', NULL, "log debug detail"},
	{"help", 'h', NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL}
};

static const cli_option run_opts[] = {
	{"config", 'c', "FILE", "the configuration file (INI); required"},
	{"as-of", 'd', "DATE", "analysis date YYYY-MM-DD (default today): signals received on or before it count"},
	{"level", 'l', "LEVEL", "aggregation level: pc6, pc4, buurt or wijk (overrides [run] level)"},
	{"output", 'o', "DIR", "output folder (overrides [run] output_dir)"},
	{"quiet", 'q', NULL, "log warnings and errors only"},
	{"verbose", 'v', NULL, "log debug detail"},
	{"help", 'h', NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL}
};

static const cli_option synth_opts[] = {
	{"output", 'o', "DIR", "folder for city.gpkg, pc6.csv, signals.csv, zaak.csv and the truth files (required)"},
	{"seed", 's', "N", "random seed (default 42); the same seed gives byte-identical files"},
	{"national", 'n', NULL, "national scale (~450,000 PC6, ~8.4M households, ~1M signals) instead of one city"},
	{"fraction", 'f', "F", "national scale only: generate this fraction (0 < F <= 1)"},
	{"end-date", 'e', "DATE", "last day of the 12 months of signals (default 2026-10-31)"},
	{"load", 'L', NULL, "also load the data into the database (libpq environment or --db)"},
	{"db", 'D', "CONNINFO", "libpq connection string for --load (default: PG* environment)"},
	{"thin", 0, "SPEC", "under-signal some areas: F[@KEEP] a fraction of the PC4s, or CODE,CODE[@KEEP]; listed in truth_thinned.csv"},
	{"quiet", 'q', NULL, "log warnings and errors only"},
	{"help", 'h', NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL}
};

static const cli_option weights_opts[] = {
	{"input", 'i', "SRC", "any GDAL polygon source (GeoPackage, Shapefile, GeoJSON, FlatGeobuf, PG:...)"},
	{"layer", 'l', "NAME", "layer name (default: the first)"},
	{"id", 'I', "FIELD", "the id field (required)"},
	{"weights", 'w', "TYPE", "queen (default), rook, knn:K or band:METRES (band alone = smallest band with no islands)"},
	{"snap", 's', "METRES", "snap tolerance for contiguity (default 0.5)"},
	{"srs", 'S', "CRS", "CRS of a layer that has none (e.g. EPSG:28992)"},
	{"output", 'o', "FILE", "write FILE.gal (binary) or FILE.gwt (with distances)"},
	{"quiet", 'q', NULL, "log warnings and errors only"},
	{"help", 'h', NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL}
};

static const cli_option hotspots_opts[] = {
	{"input", 'i', "SRC", "any GDAL polygon source, e.g. CBS statistics per PC4"},
	{"layer", 'l', "NAME", "layer name (default: the first)"},
	{"id", 'I', "FIELD", "the id field (required)"},
	{"value", 'V', "FIELD", "the analysed field: a count when --population is given (required)"},
	{"population", 'P', "FIELD", "population at risk; without it the value itself is analysed"},
	{"weights", 'w', "TYPE", "queen (default), rook, knn:K or band[:METRES]"},
	{"snap", 's', "METRES", "snap tolerance for contiguity (default 0.5)"},
	{"smooth", 'm', "HOW", "none, eb (default) or spatial-eb: which rate Gi* and Local Moran analyse"},
	{"permutations", 'p', "N", "conditional permutations for Local Moran (default 999)"},
	{"seed", 'S', "N", "random seed for the permutations (default 20240101)"},
	{"fdr", 'F', "Q", "Benjamini-Hochberg false discovery rate for the hotspot bins (default off)"},
	{"covariates", 0, "F1,F2", "also fit the prevention model on these fields (needs --population): expected_model, sir, flags"},
	{"srs", 'R', "CRS", "CRS of a layer that has none"},
	{"output", 'o', "FILE", "output; the format follows the extension: .gpkg .geojson .csv .fgb .shp"},
	{"quiet", 'q', NULL, "log warnings and errors only"},
	{"help", 'h', NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL}
};

static const cli_option check_opts[] = {
	{"config", 'c', "FILE", "the configuration file (INI); required"},
	{"quiet", 'q', NULL, "log warnings and errors only"},
	{"verbose", 'v', NULL, "log debug detail"},
	{"help", 'h', NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL}
};

static const cli_option migrate_opts[] = {
	{"config", 'c', "FILE", "the configuration file (INI); without it libpq's environment (PGHOST, PGSERVICE, ...)"},
	{"dry-run", 'n', NULL, "list the pending migrations, apply nothing"},
	{"quiet", 'q', NULL, "log warnings and errors only"},
	{"verbose", 'v', NULL, "log debug detail"},
	{"help", 'h', NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL}
};

static const cli_option purge_opts[] = {
	{"config", 'c', "FILE", "the configuration file (INI); its [retention] section sets the terms; required"},
	{"dry-run", 'n', NULL, "count the rows that would be deleted, delete nothing"},
	{"quiet", 'q', NULL, "log warnings and errors only"},
	{"verbose", 'v', NULL, "log debug detail"},
	{"help", 'h', NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL}
};

static const cli_option import_opts[] = {
	{"input", 'i', "FILE", "the CBS file (required): a GeoPackage or any GDAL source; the CSV for pc6-buurt"},
	{"config", 'c', "FILE", "the configuration file, for [database] conninfo (default: the PG* environment)"},
	{"level", 'l', "LEVEL", "cbs-postcode: pc4 or pc6 (required); cbs-buurten: gemeente, wijk or buurt (default: all three layers)"},
	{"layer", 'L', "NAME", "the layer to read (default: the only one, or the one named after the level)"},
	{"year", 'y', "YYYY", "the year of the figures (default: from the layer name, file name or CSV header)"},
	{"gemeente", 'g', "CODE", "import only this gemeente's areas from a national file (e.g. 0034)"},
	{"srs", 'S', "CRS", "assign this CRS to the layer, e.g. EPSG:28992 for RD New GeoJSON without a crs member"},
	{"areas-output", 'o', "FILE", "GeoPackage for the area layers (default: vsp-areas.gpkg next to the input)"},
	{"quiet", 'q', NULL, "log warnings and errors only"},
	{"verbose", 'v', NULL, "log debug detail"},
	{"help", 'h', NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL}
};

const cli_command cli_commands[] = {
	{"run", "vsp run --config FILE [--as-of DATE] [--level LEVEL] [--output DIR]",
		"Run the nightly job: read the window's signals, quarantine bad rows, build household cases, "
		"score the areas, write lists, layers, maps and results.", run_opts},
	{"synth", "vsp synth --output DIR [--seed N] [--national [--fraction F]] [--thin SPEC] [--load]",
		"Generate a deterministic synthetic city (or country) with signals, for demos, tests and benchmarks.",
	synth_opts},
	{"weights", "vsp weights --input SRC [--layer NAME] --id FIELD [--weights TYPE] [--snap M] --output FILE",
		"Build spatial weights for any polygon layer and write them as GAL/GWT for GeoDa, PySAL and spdep.",
	weights_opts},
	{"hotspots", "vsp hotspots --input SRC [--layer NAME] --id FIELD --value FIELD [--population FIELD] "
		"[--weights TYPE] [--snap M] [--smooth none|eb|spatial-eb] [--permutations N] [--seed S] [--fdr Q] [--covariates F1,F2] "
		"--output FILE",
		"Score any polygon layer with the nightly engine: rate, eb_rate, gi_z, gi_p, gi_bin, lisa_i, lisa_p, "
		"lisa_quad.", hotspots_opts},
	{"check", "vsp check --config FILE",
		"Preflight: config, database connection, privileges, schema version, area source and output folder, "
		"one line each (ok or FAIL); exit status 0 only when all are ok.", check_opts},
	{"migrate", "vsp migrate [--config FILE] [--dry-run]",
		"Apply the pending schema migrations (sql/0*.sql) in order, each in its own transaction; "
		"a rerun does nothing.", migrate_opts},
	{"purge", "vsp purge --config FILE [--dry-run]",
		"Delete what is older than the [retention] terms, in one transaction, and report the rows per table.",
	purge_opts},
	{"import", "vsp import cbs-postcode|cbs-buurten|pc6-buurt --input FILE [--config FILE] [--level LEVEL] "
		"[--year YYYY] [--gemeente CODE] [--srs CRS] [--areas-output FILE]",
		"Load CBS reference data (postcode statistics, wijk- en buurtkaart, PC6 + huisnummer to buurt) "
		"into ref.* and the area GeoPackage, one transaction per file.", import_opts},
	{NULL, NULL, NULL, NULL}
};

const cli_command *
cli_find(const char *name)
{
	for (const cli_command *c = cli_commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

void
cli_print_help(FILE *f, const cli_command *c)
{
	fprintf(f, "usage: %s\n\n%s\n\noptions:\n", c->synopsis, c->description);
	for (const cli_option *o = c->opts; o->name; o++)
	{
		char		left[64];

		if (o->short_name)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name, o->name, o->arg ? " " : "",
					 o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(f, "  %-26s %s\n", left, o->help);
	}
}

void
cli_print_usage(FILE *f)
{
	fprintf(f, "vsp — vroegsignalering hotspots and outreach lists\n\nusage: vsp COMMAND [OPTIONS]\n\ncommands:\n");
	for (const cli_command *c = cli_commands; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->description);
	fprintf(f, "\n`vsp COMMAND --help` lists a command's options; `vsp --version` prints the version.\n");
	(void) common_opts;
}

/* roff escaping: backslashes and leading dots/quotes */
static void
roff(FILE *f, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", f);
	for (; *s; s++)
	{
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-')
			fputs("\\-", f);
		else
			fputc(*s, f);
	}
}

void
cli_print_manpage(FILE *f)
{
	fprintf(f, ".TH VSP 1 \"\" \"vsp %s\" \"User Commands\"\n.SH NAME\nvsp \\- vroegsignalering hotspots "
			"and outreach lists\n.SH SYNOPSIS\n", VSP_VERSION);
	for (const cli_command *c = cli_commands; c->name; c++)
	{
		fputs(".PP\n", f);
		roff(f, c->synopsis);
		fputc('\n', f);
	}
	fputs(".SH DESCRIPTION\nvsp reads payment-arrears signals from PostgreSQL, finds statistically significant "
		  "hotspots among postcode areas, and writes ranked area lists, household outreach lists and maps.\n"
		  ".SH COMMANDS\n", f);
	for (const cli_command *c = cli_commands; c->name; c++)
	{
		fprintf(f, ".SS %s\n", c->name);
		roff(f, c->description);
		fputc('\n', f);
		for (const cli_option *o = c->opts; o->name; o++)
		{
			fputs(".TP\n", f);
			if (o->short_name)
				fprintf(f, "\\fB\\-%c\\fR, ", o->short_name);
			fprintf(f, "\\fB\\-\\-%s\\fR", o->name);
			if (o->arg)
				fprintf(f, " \\fI%s\\fR", o->arg);
			fputc('\n', f);
			roff(f, o->help);
			fputc('\n', f);
		}
	}
	fputs(".SH EXIT STATUS\n.TP\n0\nsuccess\n.TP\n1\ninternal error\n.TP\n2\nusage or configuration error, "
		  "missing input file\n.TP\n3\nrejected by the data-quality gate\n.TP\n65\ninput data unusable\n"
		  ".TP\n69\ndatabase unavailable, or the role lacks a privilege\n.TP\n73\noutputs cannot be written\n"
		  ".TP\n75\nanother run holds the lock\n.PP\nvsp check exits 0 when every item is ok, else 1.\n"
		  ".SH ENVIRONMENT\n.TP\nPGSERVICE, PGHOST, PGDATABASE, PGUSER, PGPASSFILE, ...\nlibpq's connection "
		  "settings, used when [database] conninfo leaves them out; passwords belong in .pgpass.\n"
		  ".TP\nVSP_SQL_DIR\nthe folder of the schema migrations (default: share/vsp/sql next to the binary).\n"
		  ".SH SEE ALSO\ndocs/operations.md, docs/methodology.md, docs/privacy.md\n", f);
}
