/*
 * pipeline/run.c — wire the stages of one nightly run and decide its exit status.
 */
#include "run.h"
#include "cases.h"
#include "cli.h"
#include "db.h"
#include "ingest.h"
#include "log.h"
#include "outputs.h"
#include "ops.h"
#include "prevent.h"
#include "score.h"
#include "trend.h"
#include "util.h"
#include "../geo/areas.h"
#include "../geo/cache.h"
#include "../geo/weights.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct run_ctx
{
	const config *cfg;
	PGconn	   *db;
	int64_t		run_id;
	ingest_ref	ref;
	ingest_data in;
	cases_data	cases;
	areas		areas;
	weights    *w;
	score_result score;
	prevent_result prevent;		/* filled only when [prevent] covariates are set */
	int			prevent_ok;		/* the model was fitted: outputs show the prevention view */
	outputs_state out;
	trend_prefetch trend;
	char		seconds[1024];	/* JSON object, built as stages finish */
	char		counts[2048];
	double		t0;
	char		err[1024];
} run_ctx;

/* One more "key": seconds in x->seconds (vsp.runs.seconds). */
static void
seconds_put(run_ctx *x, const char *key, double v)
{
	size_t		len = strlen(x->seconds);

	snprintf(x->seconds + len, sizeof(x->seconds) - len, "%s\"%s\": %.3f", len > 1 ? ", " : "", key, v);
}

static void
stage_done(run_ctx *x, const char *stage)
{
	double		now = util_now();

	seconds_put(x, stage, now - x->t0);
	log_debug("%s took %.3f s", stage, now - x->t0);
	x->t0 = now;
	util_kill_point(stage);
}

/* x->seconds stays open for more stages; this is a closed copy */
static const char *
seconds_json(const run_ctx *x, char *buf, size_t len)
{
	snprintf(buf, len, "%s}", x->seconds);
	return buf;
}

static void
build_counts(run_ctx *x)
{
	size_t		pos;

	pos = (size_t) snprintf(x->counts, sizeof(x->counts),
							"{\"read\": %zu, \"used\": %zu, \"quarantined\": %zu, \"households\": %zu, "
							"\"followup\": %zu, \"matching\": %zu, \"areas\": %zu, \"by_reason\": {",
							x->in.nread, x->in.nsig, x->in.nquar, x->cases.n, x->cases.n_followup,
							x->cases.n_matching, x->areas.n);
	for (int r = 1, first = 1; r < REASON_N && pos < sizeof(x->counts); r++)
		if (x->in.by_reason[r])
		{
			pos += (size_t) snprintf(x->counts + pos, sizeof(x->counts) - pos, "%s\"%s\": %zu",
									 first ? "" : ", ", signal_reason_code((signal_reason) r),
									 x->in.by_reason[r]);
			first = 0;
		}
	if (pos < sizeof(x->counts))
		snprintf(x->counts + pos, sizeof(x->counts) - pos, "}}");
}

/* The last succeeded run for an earlier date, same level and config (trend.h): its z, rate, bin
 * per area.  NULL arrays: no earlier run. */
static int
load_previous(run_ctx *x, double **prate, double **pz, int **pbin)
{
	PGresult   *r;
	size_t		n = x->areas.n ? x->areas.n : 1,
				next = 0;

	*prate = malloc(n * sizeof(double));
	*pz = malloc(n * sizeof(double));
	*pbin = malloc(n * sizeof(int));
	if (!*prate || !*pz || !*pbin)
		return snprintf(x->err, sizeof(x->err), "trend: out of memory"), -1;
	for (size_t i = 0; i < x->areas.n; i++)
	{
		(*prate)[i] = (*pz)[i] = NAN;
		(*pbin)[i] = 0;
	}
	if (!(r = trend_take(&x->trend, x->db, x->err, sizeof(x->err))))
		return -1;
	for (int i = 0; i < PQntuples(r); i++)
	{
		/* rows mostly come in the previous run's area order, sorted by code like ours: try
		 * the area after the last hit before searching */
		const char *code = PQgetvalue(r, i, 0);
		long		k = next < x->areas.n && strcmp(x->areas.code[next], code) == 0 ?
			(long) next : areas_find(&x->areas, code);

		if (k < 0)
			continue;
		next = (size_t) k + 1;
		(*prate)[k] = PQgetisnull(r, i, 1) ? NAN : atof(PQgetvalue(r, i, 1));
		(*pz)[k] = PQgetisnull(r, i, 2) ? NAN : atof(PQgetvalue(r, i, 2));
		(*pbin)[k] = PQgetisnull(r, i, 3) ? 0 : atoi(PQgetvalue(r, i, 3));
	}
	log_info("trend: compared with %d areas of the previous run", PQntuples(r));
	if (PQntuples(r) == 0)
	{
		/* no earlier run: no trend at all, rather than "new" everywhere */
		free(*prate);
		free(*pz);
		free(*pbin);
		*prate = *pz = NULL;
		*pbin = NULL;
	}
	PQclear(r);
	return 0;
}

static int
do_score(run_ctx *x)
{
	const config *cfg = x->cfg;
	score_options o;
	score_input in = {0};
	double	   *prate = NULL, *pz = NULL;
	int		   *pbin = NULL, rc;

	score_options_default(&o);
	o.variable = strcmp(cfg->variable, "rate") == 0 ? SCORE_VAR_RATE :
		strcmp(cfg->variable, "count") == 0 ? SCORE_VAR_COUNT :
		strcmp(cfg->variable, "spatial-eb") == 0 ? SCORE_VAR_SPATIAL_EB : SCORE_VAR_EB;
	o.permutations = cfg->permutations;
	o.seed = cfg->seed;
	o.fdr_q = cfg->fdr_q;
	o.w_bin = cfg->w_bin;
	o.w_lisa = cfg->w_lisa;
	o.w_trend = cfg->w_trend;
	if (load_previous(x, &prate, &pz, &pbin) != 0)
	{
		free(prate);
		free(pz);
		free(pbin);
		return -1;
	}
	in.n = x->areas.n;
	in.pop = x->areas.households;
	in.count = x->areas.hh_signal;
	in.w = x->w;
	in.prev_rate = prate;
	in.prev_z = pz;
	in.prev_bin = pbin;
	rc = score_compute(&in, &o, &x->score, x->err, sizeof(x->err));
	free(prate);
	free(pz);
	free(pbin);
	return rc;
}

/* The prevention view (prevent.h): indicators per area from ref.pc6, the model, the flags.
 * Returns an exit status: a covariate ref.pc6 lacks is a usage error, a model that cannot
 * be fitted (collinear indicators, too few areas) a data error. */
static int
do_prevent(run_ctx *x)
{
	const config *cfg = x->cfg;
	char	  **names = NULL;
	size_t		k = 0;
	double	   *ind[PREVENT_MAX_COV];
	prevent_options o;
	prevent_input in = {0};
	int			rc;

	if (prevent_parse_covariates(cfg->prevent_covariates, &names, &k, x->err, sizeof(x->err)) != 0)
		return EXIT_USAGE;
	rc = prevent_load_indicators(x->db, (const char (*)[7]) x->ref.pc6, x->ref.n, x->areas.area_of_pc6,
								 x->areas.n, (const char *const *) names, k, cfg->prevent_min_coverage,
								 ind, x->err, sizeof(x->err));
	if (rc != 0)
	{
		free(names);
		return rc == -2 ? EXIT_USAGE : db_is_down(x->db) ? EXIT_UNAVAILABLE : EXIT_FAIL;
	}
	prevent_options_default(&o);
	o.fdr_q = cfg->prevent_fdr;
	o.exclude_excess = cfg->prevent_exclude_excess;
	in.n = x->areas.n;
	in.count = x->areas.hh_signal;
	in.pop = x->areas.households;
	in.k = k;
	in.x = (const double *const *) ind;
	in.names = (const char *const *) names;
	in.codes = (const char *const *) x->areas.code;
	rc = prevent_compute(&in, &o, &x->prevent, x->err, sizeof(x->err));
	for (size_t j = 0; j < k; j++)
		free(ind[j]);
	free(names);
	if (rc != 0)
		return EXIT_DATAERR;
	log_info("prevention model: %zu of %zu areas with an expectation, fitted on %zu, dispersion %.2f; "
			 "%zu hidden need, %zu excess (q = %.2f)", x->prevent.n_fitted, x->areas.n, x->prevent.m.nobs,
			 x->prevent.m.phi, x->prevent.n_hidden, x->prevent.n_excess, cfg->prevent_fdr);
	if (x->prevent.n_fitted < x->areas.n)
		log_warn("prevention model: %zu areas left out (no households or an indicator missing)",
				 x->areas.n - x->prevent.n_fitted);
	return EXIT_OK;
}

/*
 * The run's weights: from the cache when the layer came through it and the same spec was
 * built from it before (geo/cache.h), else built and kept there.  0, or -1 with x->err.
 */
static int
build_weights(run_ctx *x, const weights_spec *spec)
{
	char		params[256], dirbuf[4200], why[600];
	const char *dir = config_cache_dir(x->cfg, dirbuf, sizeof(dirbuf));
	cache_key	base, k;

	if (!dir || !x->areas.cache_key[0])
		return (x->w = weights_build(&x->areas.polys, spec, x->err, sizeof(x->err))) ? 0 : -1;
	snprintf(base.hex, sizeof(base.hex), "%s", x->areas.cache_key);
	snprintf(params, sizeof(params), "weights 1\n%s\nsnap %.17g\nisland_knn %d\n", x->cfg->weights,
			 spec->snap, spec->island_knn);
	cache_key_derive(&base, params, &k);
	if (weights_cache_load(dir, &k, x->areas.n, &x->w, why, sizeof(why)) < 0)
		log_warn("%s: building them again", why);
	if (x->w)
	{
		log_debug("weights from the cache (%.16s…)", k.hex);
		return 0;
	}
	if (!(x->w = weights_build(&x->areas.polys, spec, x->err, sizeof(x->err))))
		return -1;
	if (weights_cache_save(dir, &k, x->w, why, sizeof(why)) != 0)
		log_info("%s: the weights will be built again next time", why);
	return 0;
}

/* Stages up to scoring.  Returns an exit status; x->err says why on failure. */
static int
run_stages(run_ctx *x)
{
	const config *cfg = x->cfg;
	size_t		unmapped = 0;
	weights_spec spec;

	log_set_stage("ingest");
	if (ingest_read(x->db, cfg, &x->in, x->err, sizeof(x->err)) != 0)
		return db_is_down(x->db) ? EXIT_UNAVAILABLE : EXIT_FAIL;
	stage_done(x, "ingest");

	log_set_stage("areas");
	{
		/*
		 * The reference postcodes on a second connection while the layer loads (from the
		 * cache that is the client's work; read alongside the signals instead, the two COPYs
		 * competed for the server's cores); then that connection fetches the trend's previous
		 * scores while the areas, cases and weights are built (trend.h).  Without a second
		 * connection: one after the other.
		 */
		char		e2[256];
		PGconn	   *c2 = db_connect(cfg->conninfo, e2, sizeof(e2));
		ingest_ref_job rj;
		int			lrc, rrc, down;

		if (!c2)
			log_debug("no second connection (%s): reading the reference after the layer", e2);
		ingest_ref_start(&rj, c2, &x->ref);
		lrc = areas_load_layer(cfg, &x->areas, x->err, sizeof(x->err));
		rrc = ingest_ref_join(&rj, x->db, lrc == 0 ? x->err : NULL, sizeof(x->err));
		if (lrc != 0 || rrc != 0)
		{
			down = rrc != 0 && (db_is_down(x->db) || (c2 && db_is_down(c2)));
			db_close(c2);
			return lrc != 0 ? EXIT_USAGE : down ? EXIT_UNAVAILABLE : EXIT_FAIL;
		}
		trend_start(&x->trend, c2, cfg);
	}
	if (ingest_resolve(&x->in, &x->ref, x->err, sizeof(x->err)) != 0 ||
		areas_map_reference(cfg, &x->ref, &x->areas, x->err, sizeof(x->err)) != 0)
		return EXIT_FAIL;
	log_info("read %zu signals: %zu used, %zu quarantined", x->in.nread, x->in.nsig, x->in.nquar);
	stage_done(x, "areas");
	if ((unmapped = ingest_quarantine_unmapped(&x->in, x->areas.area_of_pc6, x->areas.nref)) > 0)
		log_warn("%zu signals have no %s area: quarantined", unmapped, cfg->level);
	log_info("%zu %s areas (%zu geometries repaired, %zu excluded)", x->areas.n, cfg->level,
			 x->areas.repaired, x->areas.excluded);
	for (int r = 1; r < REASON_N; r++)
		if (x->in.by_reason[r])
			log_info("quarantined %s: %zu", signal_reason_code((signal_reason) r), x->in.by_reason[r]);

	/* quarantine rows are kept even when the run fails later */
	if (ingest_write_quarantine(x->db, x->run_id, &x->in, x->err, sizeof(x->err)) != 0)
		return db_is_down(x->db) ? EXIT_UNAVAILABLE : EXIT_FAIL;
	if (x->in.nread > 0 && (double) x->in.nquar / (double) x->in.nread > cfg->max_quarantine_share)
	{
		int			top[3] = {0, 0, 0};

		for (int r = 1; r < REASON_N; r++)
			for (int k = 0; k < 3; k++)
				if (x->in.by_reason[r] > x->in.by_reason[top[k]])
				{
					memmove(top + k + 1, top + k, (size_t) (2 - k) * sizeof(int));
					top[k] = r;
					break;
				}
		snprintf(x->err, sizeof(x->err),
				 "quality gate: %.1f %% of %zu signals quarantined (maximum %.1f %%); top reasons: %s (%zu), %s (%zu), %s (%zu)",
				 100.0 * (double) x->in.nquar / (double) x->in.nread, x->in.nread, 100 * cfg->max_quarantine_share,
				 signal_reason_code((signal_reason) top[0]), x->in.by_reason[top[0]],
				 top[1] ? signal_reason_code((signal_reason) top[1]) : "-", x->in.by_reason[top[1]],
				 top[2] ? signal_reason_code((signal_reason) top[2]) : "-", x->in.by_reason[top[2]]);
		return EXIT_QUALITY;
	}
	stage_done(x, "quarantine");

	log_set_stage("cases");
	if (cases_build(&x->in, cfg, &x->cases, x->err, sizeof(x->err)) != 0)
		return EXIT_FAIL;
	log_info("%zu households with a signal, %zu in follow-up, %zu match the rules", x->cases.n,
			 x->cases.n_followup, x->cases.n_matching);
	if (areas_count(&x->areas, &x->cases, &unmapped, x->err, sizeof(x->err)) != 0)
		return EXIT_FAIL;
	stage_done(x, "cases");

	log_set_stage("weights");
	if (weights_parse_spec(cfg->weights, &spec, x->err, sizeof(x->err)) != 0)
		return EXIT_USAGE;
	spec.snap = cfg->snap;
	spec.island_knn = cfg->island_knn;
	if (build_weights(x, &spec) != 0)
		return EXIT_FAIL;
	{
		weights_summary s;

		weights_summarise(x->w, &s);
		log_info("%s weights: %zu links, mean %.2f neighbours, %zu islands, %zu components", cfg->weights,
				 s.links, s.mean_nb, s.islands, s.components);
	}
	stage_done(x, "weights");

	log_set_stage("score");
	if (do_score(x) != 0)
		return db_is_down(x->db) ? EXIT_UNAVAILABLE : EXIT_FAIL;
	stage_done(x, "score");
	/* part of score, not a stage of its own: the bench compares like with like */
	log_debug("permutations took %.3f s", x->score.perm_seconds);
	seconds_put(x, "score_permutations", x->score.perm_seconds);
	if (cfg->prevent_covariates[0])
	{
		int			rc;

		log_set_stage("prevent");
		if ((rc = do_prevent(x)) != EXIT_OK)
		{
			if (db_is_down(x->db))
				return EXIT_UNAVAILABLE;
			if (rc != EXIT_DATAERR)
				return rc;		/* a configuration error (unknown indicator) stops the run */
			/* a model that cannot be fitted (e.g. collinear indicators) must not cost the
			 * outreach teams their lists: the run goes on without the prevention view */
			log_warn("prevention view skipped: %s", x->err);
			prevent_result_free(&x->prevent);
			x->err[0] = '\0';
		}
		else
			x->prevent_ok = 1;
		stage_done(x, "prevent");
	}
	return EXIT_OK;
}

/* The results' way into PostgreSQL, on a thread of its own while the files are written: the
 * main thread leaves the connection alone until it has joined. */
typedef struct db_job
{
	run_ctx    *x;
	const outputs_run *o;
	int			begun;			/* BEGIN went through: the transaction needs an end */
	int			rc;
	double		seconds;
	char		err[1024];
} db_job;

static void *
db_job_run(void *arg)
{
	db_job	   *j = arg;
	double		t = util_now();

	j->rc = -1;
	if (db_exec(j->x->db, "BEGIN", j->err, sizeof(j->err)) == 0)
	{
		j->begun = 1;
		j->rc = outputs_write_db(j->x->db, j->o, j->err, sizeof(j->err));
	}
	j->seconds = util_now() - t;
	return NULL;
}

static int
publish(run_ctx *x)
{
	outputs_run o = {x->run_id, x->cfg, &x->ref, &x->in, &x->cases, &x->areas, x->w, &x->score, NULL,
	x->prevent_ok ? &x->prevent : NULL};
	char		secs[1100], e2[256];
	db_job		j = {x, &o, 0, -1, 0.0, ""};
	pthread_t	th;
	int			threaded,
				files_rc;

	log_set_stage("outputs");
	o.stage_seconds_json = seconds_json(x, secs, sizeof(secs));

	/*
	 * Results and files side by side (at national scale each takes seconds), then the run's
	 * success in the same transaction as its results, then the folder goes live.  Either
	 * failing rolls the results back and leaves the previous outputs published.
	 */
	threaded = pthread_create(&th, NULL, db_job_run, &j) == 0;
	if (!threaded)
		db_job_run(&j);
	files_rc = outputs_write_files(&o, &x->out, x->err, sizeof(x->err));
	if (threaded)
		pthread_join(th, NULL);
	if (files_rc != 0 || j.rc != 0)
	{
		if (j.begun)
			db_exec(x->db, "ROLLBACK", e2, sizeof(e2));
		if (files_rc != 0)
			return EXIT_CANTCREAT;
		snprintf(x->err, sizeof(x->err), "%s", j.err);
		return db_is_down(x->db) ? EXIT_UNAVAILABLE : EXIT_FAIL;
	}
	stage_done(x, "outputs");
	log_debug("results into PostgreSQL took %.3f s (alongside the files)", j.seconds);
	seconds_put(x, "results_db", j.seconds);
	build_counts(x);
	if (db_run_finish(x->db, x->run_id, "succeeded", x->counts, seconds_json(x, secs, sizeof(secs)), NULL,
					  x->err, sizeof(x->err)) != 0 ||
		db_exec(x->db, "COMMIT", x->err, sizeof(x->err)) != 0)
	{
		db_exec(x->db, "ROLLBACK", e2, sizeof(e2));
		return db_is_down(x->db) ? EXIT_UNAVAILABLE : EXIT_FAIL;
	}
	util_kill_point("committed");
	if (outputs_publish(&x->out, x->cfg, x->err, sizeof(x->err)) != 0)
		return EXIT_CANTCREAT;
	return EXIT_OK;
}

/* outputs_recover's question: did run_id commit its results? */
static int
run_succeeded(int64_t run_id, void *ctx)
{
	run_ctx    *x = ctx;
	char		id[32], e[256];
	const char *p[1] = {id};
	PGresult   *r;
	int			ok;

	snprintf(id, sizeof(id), "%lld", (long long) run_id);
	if (!(r = db_query(x->db, "SELECT status = 'succeeded' FROM vsp.runs WHERE run_id = $1::bigint", 1, p,
					   e, sizeof(e))))
	{
		snprintf(x->err, sizeof(x->err), "%s", e);
		return -1;
	}
	ok = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	return ok;
}

/* A run stopped between its COMMIT and renaming its folder into place left the folder of a
 * succeeded run behind: publish it before anything else (we hold the lock). */
static int
recover_outputs(run_ctx *x)
{
	char		e[1024];

	log_set_stage("outputs");
	x->err[0] = '\0';
	if (outputs_recover(x->cfg->output_dir, run_succeeded, x, e, sizeof(e)) == 0)
		return EXIT_OK;
	if (x->err[0])				/* the database could not say */
		return db_is_down(x->db) ? EXIT_UNAVAILABLE : EXIT_FAIL;
	snprintf(x->err, sizeof(x->err), "%s", e);
	return EXIT_CANTCREAT;
}

/* Settings only a later stage can parse, checked before the database is touched: a usage
 * error then costs no ingest and leaves no run behind. */
static int
preflight(const config *cfg, char *err, size_t errlen)
{
	weights_spec spec;
	char		e[512];

	if (weights_parse_spec(cfg->weights, &spec, e, sizeof(e)) != 0)
		return snprintf(err, errlen, "%s: [weights] type: %s", cfg->path ? cfg->path : "config", e), -1;
	if (cfg->prevent_covariates[0])
	{
		char	  **names;
		size_t		k;

		if (prevent_parse_covariates(cfg->prevent_covariates, &names, &k, e, sizeof(e)) != 0)
			return snprintf(err, errlen, "%s: [prevent] covariates: %s", cfg->path ? cfg->path : "config", e), -1;
		free(names);
	}
	return 0;
}

int
run_nightly(const config *cfg)
{
	run_ctx		x;
	int64_t		holder = 0;
	int			rc, lk;

	memset(&x, 0, sizeof(x));
	x.cfg = cfg;
	x.t0 = util_now();
	snprintf(x.seconds, sizeof(x.seconds), "{");
	log_set_stage("run");
	if (preflight(cfg, x.err, sizeof(x.err)) != 0)
	{
		log_error("%s", x.err);
		return EXIT_USAGE;
	}
	if (!(x.db = db_connect(cfg->conninfo, x.err, sizeof(x.err))))
	{
		log_error("%s", x.err);
		return EXIT_UNAVAILABLE;
	}
	if ((lk = db_try_run_lock(x.db, &holder, x.err, sizeof(x.err))) <= 0)
	{
		if (lk == 0 && holder > 0)
			log_error("another vsp run holds the lock (run %lld): not starting", (long long) holder);
		else if (lk == 0)
			log_error("another vsp process holds the run lock (no run recorded: a purge?): not starting");
		else
			log_error("%s", x.err);
		db_close(x.db);
		return lk == 0 ? EXIT_LOCKED : EXIT_UNAVAILABLE;
	}
	if (db_fail_stale_runs(x.db, x.err, sizeof(x.err)) != 0 ||
		(x.run_id = db_run_begin(x.db, cfg->as_of, cfg->level, VSP_VERSION, cfg->sha256, x.err,
								 sizeof(x.err))) < 0)
	{
		log_error("%s", x.err);
		db_close(x.db);
		return EXIT_UNAVAILABLE;
	}
	log_set_run(x.run_id);
	log_info("vsp %s: as-of %s, level %s, window %d days", VSP_VERSION, cfg->as_of, cfg->level,
			 cfg->window_days);

	rc = recover_outputs(&x);
	if (rc == EXIT_OK)
		rc = run_stages(&x);
	trend_end(&x.trend);		/* also after a stage failed with the query under way */
	if (rc == EXIT_OK)
		rc = publish(&x);
	if (rc != EXIT_OK)
	{
		char		e2[256], secs[1100];

		log_error("%s", x.err);
		outputs_abort(&x.out);
		build_counts(&x);
		if (!db_is_down(x.db) &&
			db_run_finish(x.db, x.run_id, rc == EXIT_QUALITY ? "rejected-by-quality-gate" : "failed",
						  x.counts, seconds_json(&x, secs, sizeof(secs)), x.err, e2, sizeof(e2)) != 0)
			log_error("%s", e2);
	}
	else
	{
		log_set_stage("run");
		log_info("succeeded: outputs in %s", x.out.finaldir);
		printf("vsp run %lld succeeded (as-of %s, level %s)\n", (long long) x.run_id, cfg->as_of, cfg->level);
		printf("  signals: %zu read, %zu used, %zu quarantined\n", x.in.nread, x.in.nsig, x.in.nquar);
		printf("  areas: %zu; outputs: %s (summary.md)\n", x.areas.n, x.out.finaldir);
	}
	/* [notify] command, after the lock is released; never changes rc */
	db_close(x.db);
	x.db = NULL;
	ops_notify_run(cfg, x.run_id, rc, rc == EXIT_OK ? x.out.finaldir : NULL);
	weights_free(x.w);
	score_result_free(&x.score);
	prevent_result_free(&x.prevent);
	areas_free(&x.areas);
	cases_free(&x.cases);
	ingest_free(&x.in);
	ingest_ref_free(&x.ref);
	outputs_state_free(&x.out);
	return rc;
}
