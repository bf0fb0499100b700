/*
 * pipeline/trend.c — the trend's previous scores, fetched ahead on a second connection.
 */
#include "trend.h"
#include "db.h"
#include "log.h"
#include "util.h"

#include <stdio.h>

/* By its as-of date too, so the (as_of, level) index finds the rows: by run_id alone it is a
 * scan of every night kept. */
static const char TREND_SQL[] =
"SELECT s.area_code, s.rate, s.gi_z, s.gi_bin FROM vsp.area_scores s JOIN "
"(SELECT run_id, as_of FROM vsp.runs WHERE status = 'succeeded' AND as_of < $1::date "
"AND level = $2 AND config_sha256 = $3 ORDER BY as_of DESC, run_id DESC LIMIT 1) p "
"ON s.run_id = p.run_id AND s.as_of = p.as_of WHERE s.level = $2";

static void *
trend_thread(void *arg)
{
	trend_prefetch *t = arg;
	double		t0 = util_now();

	t->r = db_query(t->c, TREND_SQL, 3, t->p, t->err, sizeof(t->err));
	t->seconds = util_now() - t0;
	return NULL;
}

void
trend_start(trend_prefetch *t, PGconn *c, const config *cfg)
{
	t->c = c;
	t->p[0] = cfg->as_of;
	t->p[1] = cfg->level;
	t->p[2] = cfg->sha256;
	if (!c)
		snprintf(t->err, sizeof(t->err), "no second connection");
	/* the cancel handle made here, before the thread owns the connection */
	else if (!(t->cancel = PQgetCancel(c)) || pthread_create(&t->th, NULL, trend_thread, t) != 0)
		snprintf(t->err, sizeof(t->err), "cannot start a thread");
	else
		t->running = 1;
}

/* The thread's rows (NULL: t->err says why), handed over; NULL at once if none is running. */
static PGresult *
join(trend_prefetch *t)
{
	PGresult   *r;

	if (!t->running)
		return NULL;
	pthread_join(t->th, NULL);
	t->running = 0;
	r = t->r;
	t->r = NULL;
	return r;
}

PGresult *
trend_take(trend_prefetch *t, PGconn *db, char *err, size_t errlen)
{
	double		t0 = util_now();
	PGresult   *r;

	if (!t->running)
		log_debug("trend: previous scores not fetched ahead (%s): querying them now", t->err);
	else if ((r = join(t)) != NULL)
	{
		log_debug("trend: previous scores fetched ahead in %.3f s, waited %.3f s", t->seconds,
				  util_now() - t0);
		return r;
	}
	else if (db_is_down(db))
	{
		/* the server went away: asking again would only say so again */
		snprintf(err, errlen, "%s", t->err);
		return NULL;
	}
	else
		log_debug("trend: previous scores on the second connection failed (%s): querying them now",
				  t->err);
	return db_query(db, TREND_SQL, 3, t->p, err, errlen);
}

void
trend_end(trend_prefetch *t)
{
	char		e[256];

	/* a run that failed before scoring: its error need not wait for rows nobody reads (best
	 * effort: a cancel that arrives before the query does is lost, and the join waits) */
	if (t->running && !PQcancel(t->cancel, e, sizeof(e)))
		log_debug("trend: cannot cancel the previous scores' query: %s", e);
	PQclear(join(t));
	PQfreeCancel(t->cancel);
	t->cancel = NULL;
	db_close(t->c);
	t->c = NULL;
}
