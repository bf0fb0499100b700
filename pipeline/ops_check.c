/*
 * pipeline/ops_check.c — vsp check: preflight of everything a nightly run needs.
 *
 * Items, in order: config, database, privileges, schema, areas, output, notify (only when
 * configured).  Each prints one line: "ok   ITEM: detail", "FAIL ITEM: reason", or
 * "skip ITEM: reason" when it depends on an item that failed.  Nothing is written to the
 * database (privileges are asked with has_table_privilege); the output folder is probed
 * with a temporary file that is removed again.
 */
#include "ops.h"
#include "cli.h"
#include "db.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <gdal/gdal.h>
#include <gdal/ogr_srs_api.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define OPS_MIN_FREE_MB 100

typedef struct check_ctx
{
	FILE	   *out;
	int			nok, nfail;
} check_ctx;

static int	item(check_ctx *x, const char *tag, const char *name, const char *fmt,...)
			__attribute__((format(printf, 4, 5)));

/* One report line; tag is "ok", "FAIL" or "skip".  Returns 0 (for "return item(...)"). */
static int
item(check_ctx *x, const char *tag, const char *name, const char *fmt,...)
{
	char		msg[1024];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(x->out, "%-4s %s: %s\n", tag, name, msg);
	fflush(x->out);
	if (strcmp(tag, "ok") == 0)
		x->nok++;
	else if (strcmp(tag, "FAIL") == 0)
		x->nfail++;
	return 0;
}

/* Split "schema.name" (unqualified = public) into nsp and rel. */
static void
split_name(const char *name, char *nsp, size_t nlen, char *rel, size_t rlen)
{
	const char *dot = strchr(name, '.');

	if (dot)
	{
		snprintf(nsp, nlen, "%.*s", (int) (dot - name), name);
		snprintf(rel, rlen, "%s", dot + 1);
	}
	else
	{
		snprintf(nsp, nlen, "public");
		snprintf(rel, rlen, "%s", name);
	}
}

static void
append(char *buf, size_t len, const char *fmt, const char *a, const char *b)
{
	size_t		n = strlen(buf);
	char		piece[512];

	snprintf(piece, sizeof(piece), fmt, a, b);
	if (strstr(buf, piece))		/* a schema without USAGE is named once */
		return;
	snprintf(buf + n, len - n, "%s%s", n ? "; " : "", piece);
}

/*
 * What the current user may do, from the catalogs (no writes, no errors for missing
 * objects or schemas without USAGE).  Missing privileges go into why; -1 on query failure.
 */
static int
check_privileges(PGconn *c, const config *cfg, char *why, size_t len, char *err, size_t errlen)
{
	const struct
	{
		const char *name;
		const char *privs;
	}			need[] = {
		{cfg->source_signals, "SELECT"},
		{cfg->source_followup, "SELECT"},
		{"ref.pc6", "SELECT"},
		{"vsp.runs", "SELECT,INSERT,UPDATE"},
		{"vsp.runs_run_id_seq", "USAGE"},
		{"vsp.quarantine", "INSERT"},
		{"vsp.area_scores", "SELECT,INSERT,DELETE"},
		{"vsp.outreach", "SELECT,INSERT,DELETE"},
	};

	why[0] = '\0';
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
	{
		char		nsp[128], rel[128];
		const char *p[3] = {nsp, rel, need[i].privs};
		PGresult   *r;

		split_name(need[i].name, nsp, sizeof(nsp), rel, sizeof(rel));
		r = db_query(c,
					 "SELECT n.oid IS NOT NULL, coalesce(has_schema_privilege(n.oid, 'USAGE'), false), "
					 "c.oid IS NOT NULL, "
					 "(SELECT string_agg(u.p, ', ' ORDER BY u.o) "
					 "   FROM unnest(string_to_array($3, ',')) WITH ORDINALITY AS u(p, o) "
					 "  WHERE c.oid IS NOT NULL AND NOT CASE WHEN c.relkind = 'S' "
					 "        THEN has_sequence_privilege(c.oid, u.p) ELSE has_table_privilege(c.oid, u.p) END) "
					 "FROM (SELECT $1::text AS nsp, $2::text AS rel) a "
					 "LEFT JOIN pg_namespace n ON n.nspname = a.nsp "
					 "LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = a.rel",
					 3, p, err, errlen);
		if (!r)
			return -1;
		if (strcmp(PQgetvalue(r, 0, 0), "t") != 0)
			append(why, len, "schema %s does not exist%s", nsp, "");
		else if (strcmp(PQgetvalue(r, 0, 1), "t") != 0)
			append(why, len, "no USAGE on schema %s%s", nsp, "");
		else if (strcmp(PQgetvalue(r, 0, 2), "t") != 0)
			append(why, len, "%s does not exist%s", need[i].name, "");
		else if (!PQgetisnull(r, 0, 3))
			append(why, len, "no %s on %s", PQgetvalue(r, 0, 3), need[i].name);
		PQclear(r);
	}
	return 0;
}

static void
check_schema(check_ctx *x, PGconn *c, const config *cfg)
{
	ops_names	files = {0}, done = {0};
	char		dir[PATH_MAX], err[1024], missing[768] = "";
	int			exists = 0;
	size_t		nmissing = 0;

	if (ops_sql_dir(cfg, dir, sizeof(dir), err, sizeof(err)) != 0 ||
		ops_list_migrations(dir, &files, err, sizeof(err)) != 0)
	{
		item(x, "FAIL", "schema", "%s", err);
		return;
	}
	if (ops_applied_migrations(c, &done, &exists, err, sizeof(err)) != 0)
		item(x, "FAIL", "schema", "cannot read public.vsp_schema_version: %s", err);
	else if (!exists)
		item(x, "FAIL", "schema", "public.vsp_schema_version does not exist: run vsp migrate");
	else if (files.n == 0)
		item(x, "FAIL", "schema", "no migrations (0*.sql) in %s", dir);
	else
	{
		for (size_t i = 0; i < files.n; i++)
			if (!ops_names_has(&done, files.v[i]))
			{
				size_t		n = strlen(missing);

				snprintf(missing + n, sizeof(missing) - n, "%s%s", nmissing ? ", " : "", files.v[i]);
				nmissing++;
			}
		if (nmissing)
			item(x, "FAIL", "schema", "missing migration%s %s (from %s): run vsp migrate",
				 nmissing > 1 ? "s" : "", missing, dir);
		else
			item(x, "ok", "schema", "%zu migrations applied, last %s", files.n, files.v[files.n - 1]);
	}
	ops_names_free(&files);
	ops_names_free(&done);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* How to name the area source in a report line: a PG: connection string may hold a password. */
static const char *
source_name(const char *src)
{
	return strncasecmp(src, "PG:", 3) == 0 ? "the PostGIS source" : src;
}

/* The area source: opens, has the layer, a CRS, the id field with unique values. */
static void
check_areas(check_ctx *x, const config *cfg)
{
	GDALDatasetH ds;
	OGRLayerH	lyr;
	OGRFeatureH f;
	OGRSpatialReferenceH srs;
	char	  **ids = NULL;
	size_t		n = 0, cap = 0;
	int			fld, oom = 0;
	const char *layer = cfg->area_layer;

	GDALAllRegister();
	CPLPushErrorHandler(CPLQuietErrorHandler);
	ds = GDALOpenEx(cfg->area_source, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
	CPLPopErrorHandler();
	if (!ds)
	{
		item(x, "FAIL", "areas", "cannot open %s: %s", source_name(cfg->area_source),
			 CPLGetLastErrorMsg()[0] ? CPLGetLastErrorMsg() : "not a GDAL vector source");
		return;
	}
	lyr = layer[0] ? GDALDatasetGetLayerByName(ds, layer) : GDALDatasetGetLayer(ds, 0);
	if (!lyr)
	{
		item(x, "FAIL", "areas", "no layer \"%s\" in %s ([areas] layer)", layer[0] ? layer : "(first)",
			 source_name(cfg->area_source));
		GDALClose(ds);
		return;
	}
	layer = OGR_L_GetName(lyr);
	srs = OGR_L_GetSpatialRef(lyr);
	if (!srs && !cfg->area_srs[0])
	{
		item(x, "FAIL", "areas", "layer %s has no CRS: set [areas] srs", layer);
		GDALClose(ds);
		return;
	}
	if (cfg->area_srs[0])		/* assigned, overriding the layer's own */
	{
		OGRSpatialReferenceH s = OSRNewSpatialReference(NULL);
		int			bad = !s || OSRSetFromUserInput(s, cfg->area_srs) != OGRERR_NONE;

		OSRDestroySpatialReference(s);
		if (bad)
		{
			item(x, "FAIL", "areas", "[areas] srs \"%s\" is not a CRS", cfg->area_srs);
			GDALClose(ds);
			return;
		}
	}
	if ((fld = OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(lyr), cfg->area_id_field)) < 0)
	{
		item(x, "FAIL", "areas", "layer %s has no field %s ([areas] id_field)", layer, cfg->area_id_field);
		GDALClose(ds);
		return;
	}
	OGR_L_ResetReading(lyr);
	while ((f = OGR_L_GetNextFeature(lyr)) != NULL)
	{
		const char *v = OGR_F_IsFieldSetAndNotNull(f, fld) ? OGR_F_GetFieldAsString(f, fld) : "";

		if (n == cap)
		{
			char	  **g = realloc(ids, (cap = cap ? 2 * cap : 1024) * sizeof(char *));

			if (!g)
				oom = 1;
			else
				ids = g;
		}
		if (!oom && !(ids[n] = strdup(v)))
			oom = 1;
		OGR_F_Destroy(f);
		if (oom)
			break;
		n++;
	}
	if (oom)
		item(x, "FAIL", "areas", "reading %s: out of memory", layer);
	else if (n == 0)
		item(x, "FAIL", "areas", "layer %s has no features", layer);
	else
	{
		size_t		dup = n, empty = 0;

		qsort(ids, n, sizeof(char *), cmp_str);
		for (size_t i = 0; i < n; i++)
		{
			if (!ids[i][0])
				empty++;
			else if (i > 0 && dup == n && strcmp(ids[i], ids[i - 1]) == 0)
				dup = i;
		}
		if (empty)
			item(x, "FAIL", "areas", "%zu features of layer %s have no %s", empty, layer, cfg->area_id_field);
		else if (dup < n)
			item(x, "FAIL", "areas", "%s is not unique in layer %s (%s occurs more than once)",
				 cfg->area_id_field, layer, ids[dup]);
		else
			item(x, "ok", "areas", "%s layer %s, %zu features, unique %s, CRS %s",
				 source_name(cfg->area_source), layer, n, cfg->area_id_field,
				 cfg->area_srs[0] ? cfg->area_srs : "from the layer");
	}
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	GDALClose(ds);
}

/* The output folder, or its nearest existing ancestor if it does not exist yet: a folder,
 * writable (probed by creating a file), with enough free space. */
static int
check_output(check_ctx *x, const char *dir)
{
	char		probe_dir[PATH_MAX], probe[PATH_MAX + 32];
	struct stat st;
	struct statvfs vfs;
	int			fd;
	unsigned long long free_mb;

	if (snprintf(probe_dir, sizeof(probe_dir), "%s", dir) >= (int) sizeof(probe_dir))
		return item(x, "FAIL", "output", "path too long");
	for (;;)
	{
		char	   *slash;

		if (stat(probe_dir, &st) == 0)
		{
			if (!S_ISDIR(st.st_mode))
				return item(x, "FAIL", "output", "%s: %s is not a folder", dir, probe_dir);
			break;
		}
		if (errno != ENOENT && errno != ENOTDIR)
			return item(x, "FAIL", "output", "%s: %s", probe_dir, strerror(errno));
		/* does not exist (yet): the run creates it in the nearest existing ancestor, which
		 * must be a folder (ENOTDIR: a part of the path is a file, found on the way up) */
		while ((slash = strrchr(probe_dir, '/')) && slash[1] == '\0' && slash > probe_dir)
			*slash = '\0';
		if (!(slash = strrchr(probe_dir, '/')))
			snprintf(probe_dir, sizeof(probe_dir), ".");
		else if (slash == probe_dir)
			probe_dir[1] = '\0';
		else
			*slash = '\0';
	}
	snprintf(probe, sizeof(probe), "%s/.vsp-check-XXXXXX", probe_dir);
	if ((fd = mkstemp(probe)) < 0)
		return item(x, "FAIL", "output", "cannot create files in %s: %s", probe_dir, strerror(errno));
	if (write(fd, "x", 1) != 1)
	{
		int			e = errno;

		close(fd);
		unlink(probe);
		return item(x, "FAIL", "output", "cannot write in %s: %s", probe_dir, strerror(e));
	}
	close(fd);
	unlink(probe);
	if (statvfs(probe_dir, &vfs) != 0)
		return item(x, "FAIL", "output", "%s: %s", probe_dir, strerror(errno));
	free_mb = (unsigned long long) vfs.f_bavail * vfs.f_frsize / (1024 * 1024);
	if (free_mb < OPS_MIN_FREE_MB)
		return item(x, "FAIL", "output", "only %llu MB free in %s (at least %d MB needed)", free_mb,
					probe_dir, OPS_MIN_FREE_MB);
	return item(x, "ok", "output", "%s%s writable, %llu MB free", dir,
				strcmp(probe_dir, dir) ? " (to be created)" : "", free_mb);
}

int
ops_check(const char *config_path, FILE *out)
{
	check_ctx	x = {out, 0, 0};
	config		cfg;
	PGconn	   *c;
	char		err[1024], why[1024];

	log_set_stage("check");
	if (config_load(config_path, &cfg, err, sizeof(err)) != 0)
	{
		item(&x, "FAIL", "config", "%s", err);
		for (const char *const *s = (const char *const[]) {"database", "privileges", "schema", "areas",
			 "output", NULL}; *s; s++)
			item(&x, "skip", *s, "needs a valid config");
		log_error("the config is invalid");
		return EXIT_FAIL;
	}
	item(&x, "ok", "config", "%s", config_path);

	if (!(c = db_connect(cfg.conninfo, err, sizeof(err))))
	{
		item(&x, "FAIL", "database", "%s", err);
		item(&x, "skip", "privileges", "needs the database");
		item(&x, "skip", "schema", "needs the database");
	}
	else
	{
		int			v = PQserverVersion(c);

		item(&x, "ok", "database", "connected as %s to %s (PostgreSQL %d.%d)", PQuser(c), PQdb(c),
			 v / 10000, v % 10000);
		if (check_privileges(c, &cfg, why, sizeof(why), err, sizeof(err)) != 0)
			item(&x, "FAIL", "privileges", "%s", err);
		else if (why[0])
			item(&x, "FAIL", "privileges", "%s (see sql/roles.sql)", why);
		else
			item(&x, "ok", "privileges", "%s may read the sources and write vsp's tables", PQuser(c));
		check_schema(&x, c, &cfg);
		db_close(c);
	}
	check_areas(&x, &cfg);
	check_output(&x, cfg.output_dir);
	if (cfg.notify_command[0])
	{
		if (access(cfg.notify_command, X_OK) != 0)
			item(&x, "FAIL", "notify", "cannot execute %s: %s", cfg.notify_command, strerror(errno));
		else
			item(&x, "ok", "notify", "%s (timeout %d s)", cfg.notify_command, cfg.notify_timeout);
	}
	config_free(&cfg);
	if (x.nfail)
		log_error("%d of %d items failed", x.nfail, x.nfail + x.nok);
	else
		log_info("all %d items ok", x.nok);
	return x.nfail ? EXIT_FAIL : EXIT_OK;
}
