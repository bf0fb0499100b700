/*
 * pipeline/ops_migrate.c — schema migrations: find sql/0*.sql, compare with
 * public.vsp_schema_version, apply the pending ones (vsp migrate).
 *
 * A migration file is plain SQL without transaction control or COPY FROM STDIN; it is sent
 * whole with PQexec (several statements in one string) inside a transaction that also
 * records its version, so a failed migration leaves nothing behind.
 */
#include "ops.h"
#include "cli.h"
#include "db.h"
#include "log.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define OPS_MAX_MIGRATION (16 * 1024 * 1024)	/* bytes; a migration is DDL, not data */

void
ops_names_free(ops_names *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++)
		free(n->v[i]);
	free(n->v);
	n->v = NULL;
	n->n = 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Append a copy of s; 0 or -1 (out of memory). */
static int
names_add(ops_names *n, const char *s, size_t len)
{
	char	  **v = realloc(n->v, (n->n + 1) * sizeof(char *));

	if (!v)
		return -1;
	n->v = v;
	if (!(v[n->n] = strndup(s, len)))
		return -1;
	n->n++;
	return 0;
}

int
ops_names_has(const ops_names *n, const char *name)
{
	return n->n > 0 && bsearch(&name, n->v, n->n, sizeof(char *), cmp_str) != NULL;
}

static int
is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* buf = the canonical form of p if it is a folder; 1 yes, 0 no */
static int
found_dir(const char *p, char *buf, size_t len)
{
	char		real[PATH_MAX];

	if (!is_dir(p) || !realpath(p, real) || snprintf(buf, len, "%s", real) >= (int) len)
		return 0;
	return 1;
}

int
ops_sql_dir(const config *cfg, char *buf, size_t len, char *err, size_t errlen)
{
	const char *env = getenv("VSP_SQL_DIR");
	char		exe[PATH_MAX];
	ssize_t		n;

	if (env && *env)
	{
		if (!found_dir(env, buf, len))
			return snprintf(err, errlen, "VSP_SQL_DIR %s is not a folder", env), -1;
		return 0;
	}
	if (cfg && cfg->migrations && cfg->migrations[0])
	{
		if (!found_dir(cfg->migrations, buf, len))
			return snprintf(err, errlen, "[database] migrations %s is not a folder", cfg->migrations), -1;
		return 0;
	}
	/* relative to the binary: PREFIX/bin/vsp → PREFIX/share/vsp/sql; bin/vsp → sql */
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0)
	{
		char	   *slash, cand[PATH_MAX + 32];

		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')))
		{
			*slash = '\0';
			snprintf(cand, sizeof(cand), "%s/../share/vsp/sql", exe);
			if (found_dir(cand, buf, len))
				return 0;
			snprintf(cand, sizeof(cand), "%s/../sql", exe);
			if (found_dir(cand, buf, len))
				return 0;
		}
	}
	if (found_dir("sql", buf, len))
		return 0;
	snprintf(err, errlen, "no migrations folder found (set VSP_SQL_DIR or [database] migrations)");
	return -1;
}

int
ops_list_migrations(const char *dir, ops_names *out, char *err, size_t errlen)
{
	DIR		   *d = opendir(dir);
	struct dirent *e;

	memset(out, 0, sizeof(*out));
	if (!d)
		return snprintf(err, errlen, "cannot open migrations folder %s: %s", dir, strerror(errno)), -1;
	while ((e = readdir(d)) != NULL)
	{
		size_t		len = strlen(e->d_name);

		if (e->d_name[0] != '0' || len < 5 || strcmp(e->d_name + len - 4, ".sql") != 0)
			continue;
		if (names_add(out, e->d_name, len - 4) != 0)
		{
			closedir(d);
			ops_names_free(out);
			return snprintf(err, errlen, "listing migrations: out of memory"), -1;
		}
	}
	closedir(d);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(char *), cmp_str);
	return 0;
}

int
ops_applied_migrations(PGconn *c, ops_names *out, int *exists, char *err, size_t errlen)
{
	PGresult   *r;

	memset(out, 0, sizeof(*out));
	*exists = 0;
	if (!(r = db_query(c, "SELECT to_regclass('public.vsp_schema_version') IS NOT NULL", 0, NULL, err,
					   errlen)))
		return -1;
	*exists = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	if (!*exists)
		return 0;
	if (!(r = db_query(c, "SELECT version FROM public.vsp_schema_version", 0, NULL, err, errlen)))
		return -1;
	for (int i = 0; i < PQntuples(r); i++)
		if (names_add(out, PQgetvalue(r, i, 0), strlen(PQgetvalue(r, i, 0))) != 0)
		{
			PQclear(r);
			ops_names_free(out);
			return snprintf(err, errlen, "reading schema versions: out of memory"), -1;
		}
	PQclear(r);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(char *), cmp_str);
	return 0;
}

/* The whole file as a NUL-terminated string; caller frees.  NULL with err set. */
static char *
read_file(const char *path, char *err, size_t errlen)
{
	FILE	   *f = fopen(path, "rb");
	char	   *buf = NULL;
	long		size;

	if (!f)
		return snprintf(err, errlen, "cannot open %.512s: %s", path, strerror(errno)), NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
		snprintf(err, errlen, "cannot read %.512s: %s", path, strerror(errno));
	else if (size > OPS_MAX_MIGRATION)
		snprintf(err, errlen, "%.512s is larger than %d bytes", path, OPS_MAX_MIGRATION);
	else if (!(buf = malloc((size_t) size + 1)))
		snprintf(err, errlen, "cannot read %.512s: out of memory", path);
	else if (fread(buf, 1, (size_t) size, f) != (size_t) size)
	{
		snprintf(err, errlen, "cannot read %.512s: %s", path, ferror(f) ? strerror(errno) : "short read");
		free(buf);
		buf = NULL;
	}
	else
		buf[size] = '\0';
	fclose(f);
	return buf;
}

/* Apply one migration in its own transaction.  0, or -1 with err set. */
static int
apply_one(PGconn *c, const char *dir, const char *version, char *err, size_t errlen)
{
	char		path[PATH_MAX], e2[256];
	const char *p[1] = {version};
	char	   *sql;
	PGresult   *r;

	if (snprintf(path, sizeof(path), "%s/%s.sql", dir, version) >= (int) sizeof(path))
		return snprintf(err, errlen, "migration %s: path too long", version), -1;
	if (!(sql = read_file(path, err, errlen)))
		return -1;
	if (db_exec(c, "BEGIN", err, errlen) != 0)
	{
		free(sql);
		return -1;
	}
	if (db_exec(c, sql, e2, sizeof(e2)) != 0)
	{
		snprintf(err, errlen, "migration %s failed: %s", version, e2);
		free(sql);
		db_exec(c, "ROLLBACK", e2, sizeof(e2));
		return -1;
	}
	free(sql);
	if (!(r = db_query(c, "INSERT INTO public.vsp_schema_version (version) VALUES ($1)", 1, p, e2,
					   sizeof(e2))))
	{
		snprintf(err, errlen, "migration %s: recording the version failed: %s", version, e2);
		db_exec(c, "ROLLBACK", e2, sizeof(e2));
		return -1;
	}
	PQclear(r);
	if (db_exec(c, "COMMIT", e2, sizeof(e2)) != 0)
	{
		snprintf(err, errlen, "migration %s: commit failed: %s", version, e2);
		return -1;
	}
	return 0;
}

int
ops_migrate(const char *conninfo, const char *sqldir, int dry_run, FILE *out)
{
	ops_names	files = {0}, done = {0};
	PGconn	   *c = NULL;
	int64_t		holder = 0;
	char		err[1024];
	int			exists = 0, lk, rc = EXIT_FAIL;
	size_t		applied = 0, pending = 0;

	log_set_stage("migrate");
	if (ops_list_migrations(sqldir, &files, err, sizeof(err)) != 0)
	{
		log_error("%s", err);
		return EXIT_USAGE;
	}
	if (files.n == 0)
	{
		log_error("no migrations (0*.sql) in %s", sqldir);
		return EXIT_USAGE;
	}
	log_debug("migrations folder %s: %zu files", sqldir, files.n);
	if (!(c = db_connect(conninfo, err, sizeof(err))))
	{
		log_error("%s", err);
		ops_names_free(&files);
		return EXIT_UNAVAILABLE;
	}
	/* no migration while a run works on the schema, and no run during a migration */
	if ((lk = db_try_run_lock(c, &holder, err, sizeof(err))) <= 0)
	{
		if (lk == 0)
			log_error("a vsp run holds the lock (run %lld): not migrating", (long long) holder);
		else
			log_error("%s", err);
		rc = lk == 0 ? EXIT_LOCKED : EXIT_UNAVAILABLE;
		goto done;
	}
	if (ops_applied_migrations(c, &done, &exists, err, sizeof(err)) != 0)
		goto fail;
	if (!exists && !dry_run &&
		db_exec(c, "CREATE TABLE IF NOT EXISTS public.vsp_schema_version (version text PRIMARY KEY, "
				"applied_at timestamptz NOT NULL DEFAULT now())", err, sizeof(err)) != 0)
		goto fail;
	for (size_t i = 0; i < files.n; i++)
	{
		double		t0 = util_now();

		if (ops_names_has(&done, files.v[i]))
			continue;
		pending++;
		if (dry_run)
		{
			fprintf(out, "pending %s\n", files.v[i]);
			continue;
		}
		if (apply_one(c, sqldir, files.v[i], err, sizeof(err)) != 0)
			goto fail;
		applied++;
		log_info("applied %s (%.2f s)", files.v[i], util_now() - t0);
		fprintf(out, "applied %s\n", files.v[i]);
	}
	if (dry_run)
		fprintf(out, "vsp migrate: %zu pending of %zu migrations (dry run: nothing applied)\n", pending,
				files.n);
	else if (applied == 0)
		fprintf(out, "vsp migrate: up to date (%zu migrations, last %s)\n", files.n, files.v[files.n - 1]);
	else
		fprintf(out, "vsp migrate: applied %zu of %zu migrations, now at %s\n", applied, files.n,
				files.v[files.n - 1]);
	rc = EXIT_OK;
	goto done;
fail:
	log_error("%s", err);
	rc = db_is_down(c) ? EXIT_UNAVAILABLE : EXIT_FAIL;
done:
	ops_names_free(&files);
	ops_names_free(&done);
	db_close(c);				/* releases the session lock */
	return rc;
}
