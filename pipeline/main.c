/*
 * pipeline/main.c — the vsp command line: parses options from the tables in cli.c, wires
 * the stages together (config → ingest → cases → areas → weights → score → outputs) and
 * alone decides exit statuses.
 */
#include "cli.h"
#include "config.h"
#include "hotspots.h"
#include "import.h"
#include "log.h"
#include "ops.h"
#include "purge.h"
#include "run.h"
#include "../geo/areas.h"
#include "../geo/synth.h"
#include "../geo/weights.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXOPT 32

typedef struct parsed
{
	const char *val[MAXOPT];	/* by option index; flags get "" */
} parsed;

/* getopt_long from a command's table.  Returns 0, or EXIT_USAGE after printing one line. */
static int
parse_options(const cli_command *cmd, int argc, char **argv, parsed *p)
{
	struct option lo[MAXOPT + 1];
	char		so[3 * MAXOPT + 2] = ":";
	size_t		n = 0, sl = 1;
	int			ch, idx;

	memset(p, 0, sizeof(*p));
	for (const cli_option *o = cmd->opts; o->name && n < MAXOPT; o++, n++)
	{
		lo[n].name = o->name;
		lo[n].has_arg = o->arg ? required_argument : no_argument;
		lo[n].flag = NULL;
		lo[n].val = 256 + (int) n;
		if (o->short_name)
		{
			so[sl++] = o->short_name;
			if (o->arg)
				so[sl++] = ':';
		}
	}
	memset(&lo[n], 0, sizeof(lo[n]));
	so[sl] = '\0';
	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, so, lo, &idx)) != -1)
	{
		int			k = -1;

		if (ch >= 256)
			k = ch - 256;
		else if (ch == '?' || ch == ':')
		{
			const char *bad = argv[optind - 1];

			fprintf(stderr, "vsp %s: %s: %s\n", cmd->name,
					ch == ':' ? "option needs a value" : "unknown option", bad ? bad : "?");
			return EXIT_USAGE;
		}
		else
			for (size_t i = 0; i < n; i++)
				if (cmd->opts[i].short_name == ch)
					k = (int) i;
		if (k < 0)
			return EXIT_USAGE;
		p->val[k] = optarg ? optarg : "";
	}
	if (optind < argc)
	{
		fprintf(stderr, "vsp %s: unexpected argument: %s\n", cmd->name, argv[optind]);
		return EXIT_USAGE;
	}
	return 0;
}

static const char *
opt(const cli_command *cmd, const parsed *p, const char *name)
{
	for (size_t i = 0; cmd->opts[i].name; i++)
		if (strcmp(cmd->opts[i].name, name) == 0)
			return p->val[i];
	return NULL;
}

static void
apply_verbosity(const cli_command *cmd, const parsed *p)
{
	if (opt(cmd, p, "quiet"))
		log_set_level(LOG_WARN);
	if (opt(cmd, p, "verbose"))
		log_set_level(LOG_DEBUG);
}

static int
cmd_run(const cli_command *cmd, const parsed *p)
{
	const char *path = opt(cmd, p, "config"), *v;
	config		cfg;
	char		err[1024];
	int			rc;

	if (!path)
	{
		fprintf(stderr, "vsp run: --config FILE is required\n");
		return EXIT_USAGE;
	}
	if (config_load(path, &cfg, err, sizeof(err)) != 0)
	{
		fprintf(stderr, "vsp run: %s\n", err);
		return EXIT_USAGE;
	}
	if ((v = opt(cmd, p, "as-of")))
		snprintf(cfg.as_of, sizeof(cfg.as_of), "%.10s", strlen(v) == 10 ? v : "bad");
	if (((v = opt(cmd, p, "level")) && config_set(&cfg.level, v)) ||
		((v = opt(cmd, p, "output")) && config_set(&cfg.output_dir, v)))
	{
		config_free(&cfg);
		return EXIT_FAIL;
	}
	if (config_validate(&cfg, err, sizeof(err)) != 0)
	{
		fprintf(stderr, "vsp run: %s\n", err);
		config_free(&cfg);
		return EXIT_USAGE;
	}
	rc = run_nightly(&cfg);
	/* a run that never started (no database, locked) is notified too */
	if (!ops_notified())
		ops_notify_run(&cfg, 0, rc, NULL);
	config_free(&cfg);
	return rc;
}

static int
cmd_check(const cli_command *cmd, const parsed *p)
{
	const char *path = opt(cmd, p, "config");

	if (!path)
		return fprintf(stderr, "vsp check: --config FILE is required\n"), EXIT_USAGE;
	return ops_check(path, stdout);
}

static int
cmd_migrate(const cli_command *cmd, const parsed *p)
{
	const char *path = opt(cmd, p, "config");
	config		cfg;
	char		err[1024], dir[4096];
	int			rc;

	memset(&cfg, 0, sizeof(cfg));
	if (path && config_load(path, &cfg, err, sizeof(err)) != 0)
		return fprintf(stderr, "vsp migrate: %s\n", err), EXIT_USAGE;
	if (ops_sql_dir(path ? &cfg : NULL, dir, sizeof(dir), err, sizeof(err)) != 0)
	{
		fprintf(stderr, "vsp migrate: %s\n", err);
		config_free(&cfg);
		return EXIT_USAGE;
	}
	rc = ops_migrate(path ? cfg.conninfo : "", dir, opt(cmd, p, "dry-run") != NULL, stdout);
	config_free(&cfg);
	return rc;
}

static int
cmd_purge(const cli_command *cmd, const parsed *p)
{
	const char *path = opt(cmd, p, "config");
	config		cfg;
	char		err[1024];
	int			rc;

	if (!path)
		return fprintf(stderr, "vsp purge: --config FILE is required\n"), EXIT_USAGE;
	if (config_load(path, &cfg, err, sizeof(err)) != 0)
		return fprintf(stderr, "vsp purge: %s\n", err), EXIT_USAGE;
	rc = purge_run(&cfg, opt(cmd, p, "dry-run") != NULL, stdout);
	config_free(&cfg);
	return rc;
}

static int
cmd_synth(const cli_command *cmd, const parsed *p)
{
	synth_options o;
	synth_report rep;
	const char *v;
	char		err[1024];

	synth_options_default(&o);
	if (!(o.outdir = opt(cmd, p, "output")))
	{
		fprintf(stderr, "vsp synth: --output DIR is required\n");
		return EXIT_USAGE;
	}
	if ((v = opt(cmd, p, "seed")))
	{
		char	   *end;

		o.seed = strtoull(v, &end, 10);
		if (*end || !*v)
			return fprintf(stderr, "vsp synth: --seed must be a whole number\n"), EXIT_USAGE;
	}
	o.national = opt(cmd, p, "national") != NULL;
	if ((v = opt(cmd, p, "fraction")))
	{
		char	   *end;

		o.fraction = strtod(v, &end);
		if (*end || !(o.fraction > 0 && o.fraction <= 1))
			return fprintf(stderr, "vsp synth: --fraction must be in (0, 1]\n"), EXIT_USAGE;
	}
	if ((v = opt(cmd, p, "end-date")))
		o.end_date = v;
	o.thin = opt(cmd, p, "thin");
	if (opt(cmd, p, "load"))
		o.conninfo = opt(cmd, p, "db") ? opt(cmd, p, "db") : "";
	log_set_stage("synth");
	if (synth_run(&o, &rep, err, sizeof(err)) != 0)
	{
		fprintf(stderr, "vsp synth: %s\n", err);
		return strstr(err, "connect") ? EXIT_UNAVAILABLE : EXIT_FAIL;
	}
	log_info("%zu PC6 in %zu PC4, %zu households, %zu signals (%zu bad), %zu hotspots, %.1f s",
			 rep.pc6, rep.pc4, rep.households, rep.signals, rep.bad_rows, rep.hotspots, rep.seconds);
	return EXIT_OK;
}

static int
cmd_weights(const cli_command *cmd, const parsed *p)
{
	areas_source src = {0};
	areas		a;
	weights_spec spec;
	weights    *w;
	weights_summary s;
	const char *out = opt(cmd, p, "output"), *type = opt(cmd, p, "weights");
	char		err[1024];
	int			rc = EXIT_OK;

	src.path = opt(cmd, p, "input");
	src.layer = opt(cmd, p, "layer");
	src.id_field = opt(cmd, p, "id");
	src.srs = opt(cmd, p, "srs");
	src.working_crs = "EPSG:28992";
	if (!src.path || !src.id_field || !out)
	{
		fprintf(stderr, "vsp weights: --input, --id and --output are required\n");
		return EXIT_USAGE;
	}
	if (weights_parse_spec(type ? type : "queen", &spec, err, sizeof(err)) != 0)
		return fprintf(stderr, "vsp weights: %s\n", err), EXIT_USAGE;
	spec.snap = 0.5;
	if (opt(cmd, p, "snap"))
	{
		char	   *end;

		spec.snap = strtod(opt(cmd, p, "snap"), &end);
		if (*end || spec.snap < 0)
			return fprintf(stderr, "vsp weights: --snap must be a distance in metres\n"), EXIT_USAGE;
	}
	log_set_stage("weights");
	if (areas_read(&src, &a, err, sizeof(err)) != 0)
		return fprintf(stderr, "vsp weights: %s\n", err), EXIT_USAGE;
	if (!(w = weights_build(&a.polys, &spec, err, sizeof(err))))
	{
		fprintf(stderr, "vsp weights: %s\n", err);
		areas_free(&a);
		return EXIT_FAIL;
	}
	{
		size_t		len = strlen(out);
		int			gwt = len > 4 && strcmp(out + len - 4, ".gwt") == 0;
		int			wr = gwt ? weights_write_gwt(w, (const char *const *) a.code, a.polys.cx, a.polys.cy, out,
												 err, sizeof(err))
			: weights_write_gal(w, (const char *const *) a.code, out, err, sizeof(err));

		if (wr != 0)
		{
			fprintf(stderr, "vsp weights: %s\n", err);
			rc = EXIT_CANTCREAT;
		}
	}
	weights_summarise(w, &s);
	printf("areas %zu, links %zu, neighbours min %zu mean %.2f max %zu, islands %zu, components %zu\n",
		   s.n, s.links, s.min_nb, s.mean_nb, s.max_nb, s.islands, s.components);
	if (a.repaired || a.excluded)
		printf("geometries repaired %zu, excluded %zu\n", a.repaired, a.excluded);
	weights_free(w);
	areas_free(&a);
	return rc;
}

/* strtod/strtol with the whole string consumed */
static int
num_opt(const char *v, double lo, double hi, double *out)
{
	char	   *end;

	*out = strtod(v, &end);
	return (!*v || *end || !(*out >= lo && *out <= hi)) ? -1 : 0;
}

static int
cmd_hotspots(const cli_command *cmd, const parsed *p)
{
	hotspots_options o;
	const char *v;
	double		d;
	char		err[1024];
	int			usage;

	hotspots_options_default(&o);
	o.input = opt(cmd, p, "input");
	o.layer = opt(cmd, p, "layer");
	o.id_field = opt(cmd, p, "id");
	o.value_field = opt(cmd, p, "value");
	o.population_field = opt(cmd, p, "population");
	o.srs = opt(cmd, p, "srs");
	o.output = opt(cmd, p, "output");
	o.covariates = opt(cmd, p, "covariates");
	if (!o.input || !o.id_field || !o.value_field || !o.output)
		return fprintf(stderr, "vsp hotspots: --input, --id, --value and --output are required\n"), EXIT_USAGE;
	if ((v = opt(cmd, p, "weights")))
		o.weights = v;
	if ((v = opt(cmd, p, "smooth")))
		o.smooth = v;
	if ((v = opt(cmd, p, "snap")) && num_opt(v, 0, 1000, &o.snap))
		return fprintf(stderr, "vsp hotspots: --snap must be a distance in metres\n"), EXIT_USAGE;
	if ((v = opt(cmd, p, "fdr")) && num_opt(v, 0, 0.5, &o.fdr_q))
		return fprintf(stderr, "vsp hotspots: --fdr must be in [0, 0.5]\n"), EXIT_USAGE;
	if ((v = opt(cmd, p, "permutations")))
	{
		if (num_opt(v, 0, 99999, &d) || d != (int) d)
			return fprintf(stderr, "vsp hotspots: --permutations must be a whole number 0..99999\n"), EXIT_USAGE;
		o.permutations = (int) d;
	}
	if ((v = opt(cmd, p, "seed")))
	{
		char	   *end;

		o.seed = strtoull(v, &end, 10);
		if (!*v || *end || *v == '-')
			return fprintf(stderr, "vsp hotspots: --seed must be a whole number\n"), EXIT_USAGE;
	}
	log_set_stage("hotspots");
	if (hotspots_run(&o, &usage, err, sizeof(err)) != 0)
	{
		fprintf(stderr, "vsp hotspots: %s\n", err);
		return usage ? EXIT_USAGE : strstr(err, "write") || strstr(err, "create") ? EXIT_CANTCREAT : EXIT_FAIL;
	}
	return EXIT_OK;
}

/* vsp import KIND [options]: argv[0] = "import", argv[1] = the kind of file */
static int
cmd_import(const cli_command *cmd, int argc, char **argv)
{
	import_options o = {0};
	import_report rep;
	import_status st;
	parsed		p;
	const char *v;
	char		err[1024], conninfo[1024];
	int			rc;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
		return cli_print_help(stdout, cmd), EXIT_OK;
	if (argc < 2 || import_parse_kind(argv[1], &o.kind) != 0)
	{
		fprintf(stderr, "vsp import: say what to import: cbs-postcode, cbs-buurten or pc6-buurt%s%s%s\n",
				argc >= 2 ? " (not " : "", argc >= 2 ? argv[1] : "", argc >= 2 ? ")" : "");
		return EXIT_USAGE;
	}
	if ((rc = parse_options(cmd, argc - 1, argv + 1, &p)) != 0)
		return rc;
	if (opt(cmd, &p, "help"))
		return cli_print_help(stdout, cmd), EXIT_OK;
	apply_verbosity(cmd, &p);
	o.input = opt(cmd, &p, "input");
	o.level = opt(cmd, &p, "level");
	o.layer = opt(cmd, &p, "layer");
	o.srs = opt(cmd, &p, "srs");
	o.gemeente = opt(cmd, &p, "gemeente");
	o.areas_output = opt(cmd, &p, "areas-output");
	if ((v = opt(cmd, &p, "year")))
	{
		char	   *end;

		o.year = (int) strtol(v, &end, 10);
		if (!*v || *end || o.year < 1990 || o.year > 2100)
			return fprintf(stderr, "vsp import: --year must be a year 1990..2100\n"), EXIT_USAGE;
	}
	if ((v = opt(cmd, &p, "config")))
	{
		if (import_read_conninfo(v, conninfo, sizeof(conninfo), err, sizeof(err)) != 0)
			return fprintf(stderr, "vsp import: %s\n", err), EXIT_USAGE;
		o.conninfo = conninfo;
	}
	st = import_run(&o, &rep, err, sizeof(err));
	if (st == IMPORT_OK)
		import_report_print(stdout, &o, &rep);
	else
		fprintf(stderr, "vsp import %s: %s\n", import_kind_name(o.kind), err);
	switch (st)
	{
		case IMPORT_OK:
			return EXIT_OK;
		case IMPORT_USAGE:
			return EXIT_USAGE;
		case IMPORT_BADFILE:
			return EXIT_DATAERR;
		case IMPORT_DB:
			return EXIT_UNAVAILABLE;
		case IMPORT_LOCKED:
			return EXIT_LOCKED;
		case IMPORT_WRITE:
			return EXIT_CANTCREAT;
		default:
			return EXIT_FAIL;
	}
}

int
main(int argc, char **argv)
{
	const cli_command *cmd;
	parsed		p;
	int			rc;

	/*
	 * A file-size limit (ulimit -f) must not kill the batch job half-way: with SIGXFSZ
	 * ignored the write fails with EFBIG, the run reports "cannot write" (exit 73) and
	 * removes its temporary folder, as for a full disk.
	 */
	signal(SIGXFSZ, SIG_IGN);
	if (argc < 2)
	{
		cli_print_usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0)
	{
		cli_print_usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0)
	{
		printf("vsp %s\n", VSP_VERSION);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "manpage") == 0)
	{
		cli_print_manpage(stdout);
		return EXIT_OK;
	}
	if (!(cmd = cli_find(argv[1])))
	{
		fprintf(stderr, "vsp: unknown command: %s (try vsp --help)\n", argv[1]);
		return EXIT_USAGE;
	}
	if (strcmp(cmd->name, "import") == 0)
		return cmd_import(cmd, argc - 1, argv + 1);
	if ((rc = parse_options(cmd, argc - 1, argv + 1, &p)) != 0)
		return rc;
	if (opt(cmd, &p, "help"))
	{
		cli_print_help(stdout, cmd);
		return EXIT_OK;
	}
	apply_verbosity(cmd, &p);
	if (strcmp(cmd->name, "run") == 0)
		return cmd_run(cmd, &p);
	if (strcmp(cmd->name, "synth") == 0)
		return cmd_synth(cmd, &p);
	if (strcmp(cmd->name, "hotspots") == 0)
		return cmd_hotspots(cmd, &p);
	if (strcmp(cmd->name, "check") == 0)
		return cmd_check(cmd, &p);
	if (strcmp(cmd->name, "migrate") == 0)
		return cmd_migrate(cmd, &p);
	if (strcmp(cmd->name, "purge") == 0)
		return cmd_purge(cmd, &p);
	return cmd_weights(cmd, &p);
}
