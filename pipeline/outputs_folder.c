/*
 * pipeline/outputs_folder.c — the run's output folder: created as OUT/<as-of>.tmp-r<run id>,
 * renamed into place as OUT/<as-of> once the results are committed, OUT/latest repointed by
 * an atomic symlink rename; stale temporary folders removed, and the folders of runs that
 * committed but were stopped before the rename published by the next run.
 */
#include "outputs.h"
#include "outputs_internal.h"
#include "log.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* See outputs_internal.h. */
char *
outputs_path_join(const char *a, const char *b)
{
	size_t		n = strlen(a) + strlen(b) + 2;
	char	   *p = malloc(n);

	if (p)
		snprintf(p, n, "%s/%s", a, b);
	return p;
}

/* A run killed mid-write leaves OUT/<date>.tmp-r<run id>; we hold the run lock, and
 * outputs_recover has published those of succeeded runs, so any temporary folder left is
 * stale. */
void
outputs_remove_stale(const char *outdir)
{
	DIR		   *d = opendir(outdir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)) != NULL)
		if (strstr(e->d_name, ".tmp-") || strstr(e->d_name, ".old-"))
		{
			char	   *p = outputs_path_join(outdir, e->d_name);

			if (p)
			{
				log_info("removing stale folder %s", e->d_name);
				util_rm_tree(p);
				free(p);
			}
		}
	closedir(d);
}

/* Rename st->tmpdir to st->finaldir (the date as_of in outdir), then repoint latest. */
static int
publish_dir(outputs_state *st, const char *outdir, const char *as_of, char *err, size_t errlen)
{
	char		old[4096], link_tmp[4096], link_final[4096];
	int			had_old = 0;

	snprintf(old, sizeof(old), "%s.old-%d", st->finaldir, (int) getpid());
	if (rename(st->finaldir, old) == 0)
		had_old = 1;
	else if (errno != ENOENT)
		return snprintf(err, errlen, "outputs: cannot move %s aside: %s", st->finaldir, strerror(errno)), -1;
	if (rename(st->tmpdir, st->finaldir) != 0)
	{
		snprintf(err, errlen, "outputs: cannot publish %s: %s", st->finaldir, strerror(errno));
		if (had_old)
			rename(old, st->finaldir);
		return -1;
	}
	if (had_old)
		util_rm_tree(old);
	/* repoint latest atomically: a new symlink renamed over the old one */
	snprintf(link_tmp, sizeof(link_tmp), "%s/.latest-%d", outdir, (int) getpid());
	snprintf(link_final, sizeof(link_final), "%s/latest", outdir);
	unlink(link_tmp);
	if (symlink(as_of, link_tmp) != 0 || rename(link_tmp, link_final) != 0)
		return snprintf(err, errlen, "outputs: cannot point %s at %s: %s", link_final, as_of,
						strerror(errno)), -1;
	free(st->tmpdir);
	st->tmpdir = NULL;
	return 0;
}

int
outputs_publish(outputs_state *st, const config *cfg, char *err, size_t errlen)
{
	return publish_dir(st, cfg->output_dir, cfg->as_of, err, errlen);
}

/* See outputs.h. */
int
outputs_recover(const char *outdir, int (*succeeded) (int64_t run_id, void *ctx), void *ctx,
				char *err, size_t errlen)
{
	DIR		   *d = opendir(outdir);
	struct dirent *e;
	int			rc = 0;

	if (!d)
		return 0;				/* no folder yet: nothing to recover */
	while (rc == 0 && (e = readdir(d)) != NULL)
	{
		char		date[11], tail;
		long long	id;
		outputs_state st;
		int			ok;

		/* <YYYY-MM-DD>.tmp-r<run id> and nothing else */
		if (sscanf(e->d_name, "%10[0-9-].tmp-r%lld%c", date, &id, &tail) != 2 || strlen(date) != 10)
			continue;
		if ((ok = succeeded((int64_t) id, ctx)) < 0)
		{
			snprintf(err, errlen, "outputs: cannot look up run %lld for %s", id, e->d_name);
			rc = -1;
			break;
		}
		if (!ok)
			continue;			/* not committed: removed as stale when the outputs are written */
		memset(&st, 0, sizeof(st));
		st.tmpdir = outputs_path_join(outdir, e->d_name);
		st.finaldir = outputs_path_join(outdir, date);
		if (!st.tmpdir || !st.finaldir)
		{
			snprintf(err, errlen, "outputs: out of memory");
			rc = -1;
		}
		else
		{
			log_warn("run %lld succeeded but its folder was not published (the run was stopped "
					 "after its commit): publishing %s now", id, date);
			/* readdir after a rename in the same folder may or may not show the new name;
			 * either way it no longer matches the pattern above */
			rc = publish_dir(&st, outdir, date, err, errlen);
		}
		free(st.tmpdir);
		free(st.finaldir);
	}
	closedir(d);
	return rc;
}

void
outputs_abort(outputs_state *st)
{
	if (st && st->tmpdir)
	{
		util_rm_tree(st->tmpdir);
		free(st->tmpdir);
		st->tmpdir = NULL;
	}
}
