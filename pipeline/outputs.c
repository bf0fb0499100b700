/*
 * pipeline/outputs.c — the run's output folder: write everything under a temporary name,
 * publish by rename, repoint OUT/latest, write the summary.
 */
#include "outputs.h"
#include "outputs_internal.h"
#include "log.h"
#include "util.h"
#include "../geo/map.h"

#include <ctype.h>
#include <errno.h>
#include <gdal/cpl_conv.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* when the previous file was finished, for the per-file timings in the debug log */
static double file_t0;
static int	file_quiet;			/* timed already: no debug line */

static int
note_file(outputs_state *st, const char *name)
{
	char	  **f = realloc(st->files, (st->nfiles + 1) * sizeof(char *));
	double		now = util_now();

	if (!file_quiet)
		log_debug("wrote %s in %.3f s", name, now - file_t0);
	file_t0 = now;

	if (!f)
		return -1;
	st->files = f;
	if (!(f[st->nfiles] = strdup(name)))
		return -1;
	st->nfiles++;
	return 0;
}

/*
 * The GeoPackage layer, on a thread of its own: only GDAL writes it, on one core, for as long
 * as the other area files, the maps and the browser map take together at national scale.
 * One run per process, so one job: started by write_area_outputs, waited for by write_files
 * before the summary (and before the folder is removed after a failure).
 */
typedef struct gpkg_job
{
	const outputs_run *r;
	OGRSpatialReferenceH srs;	/* the job's own copy */
	char		path[4096];
	int			rc;
	double		seconds;
	char		err[1024];
} gpkg_job;

static gpkg_job gpkg_bg;
static pthread_t gpkg_bg_thread;
static int	gpkg_bg_state;		/* 0 none, 1 thread running, 2 finished without a thread */

static int
write_gpkg(const outputs_run *r, OGRSpatialReferenceH srs, const char *path, char *err, size_t errlen)
{
	GDALDatasetH ds = outputs_create("GPKG", path, NULL, err, errlen);

	if (!ds)
		return -1;
	if (outputs_area_layer(ds, r->cfg->level, srs, r, 0, NULL, err, errlen) != 0)
	{
		GDALClose(ds);
		return -1;
	}
	return outputs_close(ds, path, err, errlen);
}

static void *
gpkg_thread(void *arg)
{
	gpkg_job   *j = arg;
	double		t0 = util_now();

	CPLPushErrorHandler(outputs_gdal_handler);	/* error handlers are per thread */
	/* SQLite's page cache large enough for the whole file: no spilling mid-transaction */
	CPLSetThreadLocalConfigOption("OGR_SQLITE_CACHE", "256");
	j->rc = write_gpkg(j->r, j->srs, j->path, j->err, sizeof(j->err));
	CPLSetThreadLocalConfigOption("OGR_SQLITE_CACHE", NULL);
	CPLPopErrorHandler();
	j->seconds = util_now() - t0;
	return NULL;
}

/* Start the GeoPackage job (on the calling thread if no thread can be had).  0 or -1. */
static int
gpkg_start(const outputs_run *r, OGRSpatialReferenceH srs, const char *path)
{
	memset(&gpkg_bg, 0, sizeof(gpkg_bg));
	gpkg_bg.r = r;
	gpkg_bg.rc = -1;
	if (!(gpkg_bg.srs = OSRClone(srs)))
		return -1;
	snprintf(gpkg_bg.path, sizeof(gpkg_bg.path), "%s", path);
	if (pthread_create(&gpkg_bg_thread, NULL, gpkg_thread, &gpkg_bg) == 0)
		gpkg_bg_state = 1;
	else
	{
		gpkg_thread(&gpkg_bg);
		gpkg_bg_state = 2;
	}
	return 0;
}

/* Wait for the GeoPackage job, if one was started: 0, or -1 with its error in err (err may be
 * NULL: a failure elsewhere is being reported already). */
static int
gpkg_wait(char *err, size_t errlen)
{
	int			rc;

	if (gpkg_bg_state == 0)
		return 0;
	if (gpkg_bg_state == 1)
		pthread_join(gpkg_bg_thread, NULL);
	gpkg_bg_state = 0;
	log_debug("wrote areas.gpkg in %.3f s (alongside the other outputs)", gpkg_bg.seconds);
	OSRDestroySpatialReference(gpkg_bg.srs);
	gpkg_bg.srs = NULL;
	rc = gpkg_bg.rc;
	if (rc != 0 && err)
		snprintf(err, errlen, "%s", gpkg_bg.err);
	return rc;
}

/*
 * The area files: the list for planners (CSV per RFC 4180 with CRLF, XLSX), the GeoPackage in
 * the working CRS and the GeoJSON in WGS 84 (RFC 7946).  CSV, XLSX and GeoJSON are written in
 * one parallel pass (outputs_stream.c: the same files GDAL's drivers write, in a fraction of
 * the time) while the GeoPackage, which only GDAL writes, goes on beside it on its own
 * thread.  VSP_OUTPUTS_VIA_GDAL=1 writes all four through GDAL one after the other: the
 * reference the fast path is checked against.
 */
static int
write_area_outputs(const outputs_run *r, outputs_state *st, char *err, size_t errlen)
{
	OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
	const char *ext[] = {"csv", "xlsx", "gpkg", "geojson"};
	char		name[256];
	char	   *path[4] = {NULL, NULL, NULL, NULL};
	GDALDatasetH ds;
	int			rc = -1;

	if (!srs || OSRSetFromUserInput(srs, r->cfg->working_crs) != OGRERR_NONE)
	{
		snprintf(err, errlen, "outputs: unknown working CRS %s", r->cfg->working_crs);
		goto done;
	}
	OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
	for (int k = 0; k < 4; k++)
	{
		if (k == 2)
			snprintf(name, sizeof(name), "areas.gpkg");
		else
			snprintf(name, sizeof(name), "areas-%s.%s", r->cfg->level, ext[k]);
		if (!(path[k] = outputs_path_join(st->tmpdir, name)))
			goto oom;
	}

	if (!(getenv("VSP_OUTPUTS_VIA_GDAL") && strcmp(getenv("VSP_OUTPUTS_VIA_GDAL"), "1") == 0))
	{
		int			ok = 1;
		double		t0 = util_now();

		if (gpkg_start(r, srs, path[2]) != 0)
			goto oom;
		if (outputs_area_files(r, r->cfg->level, path[0], path[1], path[3], err, errlen) != 0)
			goto done;
		log_debug("wrote areas-%s.csv+xlsx+geojson in %.3f s (one pass)", r->cfg->level, util_now() - t0);
		/* listed in the summary in their usual order; the GeoPackage is waited for later */
		file_quiet = 1;
		for (int k = 0; k < 4 && ok; k++)
		{
			if (k == 2)
				snprintf(name, sizeof(name), "areas.gpkg");
			else
				snprintf(name, sizeof(name), "areas-%s.%s", r->cfg->level, ext[k]);
			ok = note_file(st, name) == 0;
		}
		file_quiet = 0;
		if (!ok)
			goto oom;
		rc = 0;
		goto done;
	}

	/* the reference path: GDAL's drivers, one file after the other */
	for (int k = 0; k < 2; k++)
	{
		char	   *lco[] = {"LINEFORMAT=CRLF", "STRING_QUOTING=IF_NEEDED", NULL};

		if (!(ds = outputs_create(k == 0 ? "CSV" : "XLSX", path[k], NULL, err, errlen)))
			goto done;
		if (outputs_area_layer(ds, r->cfg->level, NULL, r, 1, k == 0 ? lco : NULL, err, errlen) != 0)
		{
			GDALClose(ds);
			goto done;
		}
		snprintf(name, sizeof(name), "areas-%s.%s", r->cfg->level, ext[k]);
		if (outputs_close(ds, path[k], err, errlen) != 0 || note_file(st, name) != 0)
			goto done;
	}
	if (write_gpkg(r, srs, path[2], err, errlen) != 0 || note_file(st, "areas.gpkg") != 0)
		goto done;
	if (!(ds = outputs_create("GeoJSON", path[3], NULL, err, errlen)))
		goto done;
	{
		char	   *lco[] = {"RFC7946=YES", "COORDINATE_PRECISION=6", NULL};

		if (outputs_area_layer(ds, r->cfg->level, srs, r, 0, lco, err, errlen) != 0)
		{
			GDALClose(ds);
			goto done;
		}
	}
	snprintf(name, sizeof(name), "areas-%s.geojson", r->cfg->level);
	if (outputs_close(ds, path[3], err, errlen) != 0 || note_file(st, name) != 0)
		goto done;
	rc = 0;
	goto done;
oom:
	snprintf(err, errlen, "outputs: out of memory");
done:
	for (int k = 0; k < 4; k++)
		free(path[k]);
	if (srs)
		OSRDestroySpatialReference(srs);
	return rc;
}

/* See outputs_internal.h. */
int
outputs_map_wanted(const outputs_run *r, const unsigned char *include, const char *stem)
{
	size_t		n = 0;

	if (r->cfg->maps != CONFIG_MAPS_AUTO)
		return r->cfg->maps == CONFIG_MAPS_YES;
	for (size_t i = 0; i < r->areas->n; i++)
		n += include == NULL || include[i];
	if (n <= (size_t) r->cfg->map_max_areas)
		return 1;
	log_info("%s.png/.svg/.pdf not drawn: %zu areas, more than [outputs] map_max_areas = %d "
			 "(maps = yes draws them anyway)", stem, n, r->cfg->map_max_areas);
	return 0;
}

/* Printable maps: the whole city and one per team. */
static int
write_maps(const outputs_run *r, outputs_state *st, const unsigned char *include, const char *stem,
		   const char *title, char *err, size_t errlen)
{
	const areas *a = r->areas;
	unsigned char *sup, *isl;
	const char **labels;
	char		sub[256], note[512];
	int			rc = -1;

	if (!outputs_map_wanted(r, include, stem))
		return 0;
	sup = calloc(a->n ? a->n : 1, 1);
	isl = calloc(a->n ? a->n : 1, 1);
	labels = calloc(a->n ? a->n : 1, sizeof(char *));
	if (!sup || !isl || !labels)
	{
		snprintf(err, errlen, "outputs: out of memory");
		goto done;
	}
	for (size_t i = 0; i < a->n; i++)
	{
		sup[i] = (unsigned char) outputs_suppressed(r, i);
		isl[i] = (unsigned char) r->score->island[i];
		labels[i] = a->code[i];
	}
	snprintf(sub, sizeof(sub), "peildatum %s · niveau %s · Getis-Ord Gi* (%s)%s", r->cfg->as_of,
			 r->cfg->level, r->cfg->weights, r->cfg->fdr_q > 0 ? ", FDR-gecorrigeerd" : "");
	snprintf(note, sizeof(note),
			 "Bron: vroegsignalen (venster %d dagen) en CBS huishoudens per postcode (CC BY 4.0). "
			 "Methode: empirisch-Bayes-gladgestreken aandelen huishoudens met een signaal, Gi* met %s-buren, "
			 "q = %.2f.\nGebieden met minder dan %d huishoudens (met signaal) zijn gearceerd; hun aantallen "
			 "worden niet getoond. vsp %s", r->cfg->window_days, r->cfg->weights, r->cfg->fdr_q,
			 r->cfg->disclosure_k, VSP_VERSION);
	{
		map_spec	m = {&a->polys, r->score->gi_bin, sup, include, isl, labels, title, sub, note, NULL, NULL, NULL};
		const char *ext[] = {"png", "svg", "pdf"};

		for (int k = 0; k < 3; k++)
		{
			char		name[256];
			char	   *path;

			snprintf(name, sizeof(name), "%s.%s", stem, ext[k]);
			if (!(path = outputs_path_join(st->tmpdir, name)))
			{
				snprintf(err, errlen, "outputs: out of memory");
				goto done;
			}
			if (map_render(&m, path, err, errlen) != 0 || note_file(st, name) != 0)
			{
				free(path);
				goto done;
			}
			free(path);
		}
	}
	rc = 0;
done:
	free(sup);
	free(isl);
	free(labels);
	return rc;
}

static int
team_area_mask(const outputs_run *r, const config_team *t, unsigned char *inc)
{
	const areas *a = r->areas;
	int			any = 0;

	memset(inc, 0, a->n);
	for (size_t p = 0; p < r->ref->n; p++)
	{
		long		k = a->area_of_pc6[p];

		if (k < 0)
			continue;
		for (size_t j = 0; j < t->nareas; j++)
		{
			const char *c = t->areas[j];

			if (strcmp(c, r->ref->pc4[p]) == 0 || strcmp(c, r->ref->pc6[p]) == 0 ||
				(r->ref->wijk[p] && strcmp(c, r->ref->wijk[p]) == 0) ||
				(r->ref->buurt[p] && strcmp(c, r->ref->buurt[p]) == 0) || strcmp(c, a->code[k]) == 0)
			{
				inc[k] = 1;
				any = 1;
			}
		}
	}
	return any;
}

static void
safe_name(const char *in, char *out, size_t len)
{
	size_t		k = 0;

	for (; *in && k + 1 < len; in++)
		out[k++] = (isalnum((unsigned char) *in) || *in == '-' || *in == '_') ? *in : '_';
	out[k] = '\0';
}

static int
write_summary(const outputs_run *r, outputs_state *st, char *err, size_t errlen)
{
	char	   *path = outputs_path_join(st->tmpdir, "summary.md");
	FILE	   *f;
	size_t		bins[7] = {0}, top;

	if (!path || !(f = fopen(path, "w")))
	{
		free(path);
		return snprintf(err, errlen, "outputs: cannot write summary.md: %s", strerror(errno)), -1;
	}
	for (size_t i = 0; i < r->areas->n; i++)
		bins[r->score->gi_bin[i] + 3]++;
	fprintf(f, "# vsp run %lld — peildatum %s, niveau %s\n\n", (long long) r->run_id, r->cfg->as_of,
			r->cfg->level);
	fprintf(f, "## Signals\n\n| | count |\n|---|---:|\n| read (window of %d days) | %zu |\n"
			"| used | %zu |\n| quarantined | %zu |\n", r->cfg->window_days, r->in->nread, r->in->nsig,
			r->in->nquar);
	for (int q = 1; q < REASON_N; q++)
		if (r->in->by_reason[q])
			fprintf(f, "| quarantined: %s | %zu |\n", signal_reason_code((signal_reason) q), r->in->by_reason[q]);
	fprintf(f, "| households with a signal | %zu |\n| of which in follow-up | %zu |\n\n", r->cases->n,
			r->cases->n_followup);
	fprintf(f, "## Hotspots (%zu areas)\n\n| bin | areas |\n|---|---:|\n", r->areas->n);
	{
		const char *names[] = {"cold 99 %", "cold 95 %", "cold 90 %", "not significant", "hot 90 %",
		"hot 95 %", "hot 99 %"};

		for (int b = 6; b >= 0; b--)
			fprintf(f, "| %s | %zu |\n", names[b], bins[b]);
	}
	fprintf(f, "\n## Top 10 areas\n\n| rank | area | bin | LISA | trend | reasons |\n|---:|---|---:|---|---|---|\n");
	top = r->areas->n < 10 ? r->areas->n : 10;
	for (size_t k = 1; k <= top; k++)
		for (size_t i = 0; i < r->areas->n; i++)
			if ((size_t) r->score->rank[i] == k)
				fprintf(f, "| %zu | %s | %d | %s | %s | %s |\n", k, r->areas->code[i], r->score->gi_bin[i],
						score_quad_name(r->score->lisa_quad[i]), score_trend_name(r->score->trend[i]),
						r->score->reasons[i] ? r->score->reasons[i] : "");
	outputs_prevent_summary(f, r);
	fprintf(f, "\n## Seconds per stage\n\n`%s`\n\n## Files\n\n", r->stage_seconds_json ? r->stage_seconds_json : "{}");
	for (size_t i = 0; i < st->nfiles; i++)
		fprintf(f, "- %s\n", st->files[i]);
	fprintf(f, "- summary.md\n");
	if (fclose(f) != 0)
	{
		free(path);
		return snprintf(err, errlen, "outputs: writing summary.md failed: %s", strerror(errno)), -1;
	}
	free(path);
	return note_file(st, "summary.md");
}

/* GDAL's default handler prints "ERROR 1: ..." (with whole SQL statements) on stderr: while
 * writing, its messages go to the debug log, a failure reaches the caller through err as one
 * line (outputs_gdal_error). */
static int write_files(const outputs_run *r, outputs_state *st, char *err, size_t errlen);

int
outputs_write_files(const outputs_run *r, outputs_state *st, char *err, size_t errlen)
{
	int			rc;

	CPLPushErrorHandler(outputs_gdal_handler);
	outputs_gdal_reset();
	rc = write_files(r, st, err, errlen);
	CPLPopErrorHandler();
	return rc;
}

static int
write_files(const outputs_run *r, outputs_state *st, char *err, size_t errlen)
{
	const config *cfg = r->cfg;
	char		name[512];

	memset(st, 0, sizeof(*st));
	file_t0 = util_now();
	GDALAllRegister();
	if (util_mkdir_p(cfg->output_dir, 0755) != 0)
		return snprintf(err, errlen, "outputs: cannot create %s: %s", cfg->output_dir, strerror(errno)), -1;
	outputs_remove_stale(cfg->output_dir);
	/* named by the run: if the run is killed after its COMMIT but before the rename below,
	 * the next run finds the folder of a succeeded run and publishes it (outputs_recover) */
	snprintf(name, sizeof(name), "%s.tmp-r%lld", cfg->as_of, (long long) r->run_id);
	st->tmpdir = outputs_path_join(cfg->output_dir, name);
	st->finaldir = outputs_path_join(cfg->output_dir, cfg->as_of);
	if (!st->tmpdir || !st->finaldir)
		return snprintf(err, errlen, "outputs: out of memory"), -1;
	if (mkdir(st->tmpdir, 0755) != 0)
		return snprintf(err, errlen, "outputs: cannot create %s: %s", st->tmpdir, strerror(errno)), -1;

	if (write_area_outputs(r, st, err, errlen) != 0)
		goto fail;
	util_kill_point("outputs-mid");
	snprintf(name, sizeof(name), "Armoedehotspots — %s", strcmp(cfg->level, "pc4") == 0 ? "PC4" :
			 strcmp(cfg->level, "pc6") == 0 ? "PC6" : cfg->level);
	if (write_maps(r, st, NULL, "map", name, err, errlen) != 0 ||
		outputs_prevent_maps(r, st, err, errlen) != 0)
		goto fail;
	for (size_t t = 0; t < cfg->nteams; t++)
	{
		const config_team *team = &cfg->teams[t];
		unsigned char *inc = malloc(r->areas->n ? r->areas->n : 1);
		char		safe[128], *path;
		const char *drivers[] = {"CSV", "XLSX"}, *ext[] = {"csv", "xlsx"};

		if (!inc)
			goto oom;
		safe_name(team->name, safe, sizeof(safe));
		for (int k = 0; k < 2; k++)
		{
			snprintf(name, sizeof(name), "households-%s.%s", safe, ext[k]);
			if (!(path = outputs_path_join(st->tmpdir, name)))
			{
				free(inc);
				goto oom;
			}
			if (outputs_household_list(r, team, drivers[k], path, err, errlen) != 0 ||
				note_file(st, name) != 0)
			{
				free(path);
				free(inc);
				goto fail;
			}
			free(path);
		}
		if (team_area_mask(r, team, inc))
		{
			char		stem[160], title[256];

			snprintf(stem, sizeof(stem), "map-%s", safe);
			snprintf(title, sizeof(title), "Armoedehotspots — team %s", team->name);
			if (write_maps(r, st, inc, stem, title, err, errlen) != 0)
			{
				free(inc);
				goto fail;
			}
		}
		else
			log_warn("team %s covers no area at level %s: no team map", team->name, cfg->level);
		free(inc);
	}
	if (outputs_webmaps(r, st, err, errlen) != 0)
		goto fail;
	if (gpkg_wait(err, errlen) != 0 || write_summary(r, st, err, errlen) != 0)
		goto fail;
	return 0;
oom:
	snprintf(err, errlen, "outputs: out of memory");
fail:
	gpkg_wait(NULL, 0);			/* it writes into the folder about to be removed */
	outputs_abort(st);
	return -1;
}


void
outputs_state_free(outputs_state *st)
{
	if (!st)
		return;
	outputs_abort(st);
	free(st->finaldir);
	for (size_t i = 0; i < st->nfiles; i++)
		free(st->files[i]);
	free(st->files);
	memset(st, 0, sizeof(*st));
}

/* for outputs_webmap.c */
int
outputs_note_file(outputs_state *st, const char *name)
{
	return note_file(st, name);
}

int
outputs_team_area_mask(const outputs_run *r, const config_team *t, unsigned char *inc)
{
	return team_area_mask(r, t, inc);
}

void
outputs_safe_name(const char *in, char *out, size_t len)
{
	safe_name(in, out, len);
}
