/*
 * pipeline/trend.h — the trend's previous scores, fetched ahead on a second connection.
 *
 * The last succeeded run for an earlier date with the same level and config: its area_code,
 * rate, gi_z and gi_bin per area (~453,000 rows at national scale, half a second of query and
 * result building).  Everything the query needs is known before ingest, so a thread runs it
 * on the ingest's second connection while the areas, cases and weights are built, and the
 * score stage only collects the rows.
 *
 * Ownership: a zeroed trend_prefetch is "nothing started".  trend_start() takes the second
 * connection (NULL: none); trend_end() joins the thread, clears what was not taken and closes
 * that connection — call it on every path, it is safe to call again.  The thread touches
 * only that connection and the struct's r, err and seconds; the caller goes through these
 * functions only, from one thread.
 */
#ifndef VSP_TREND_H
#define VSP_TREND_H

#include "config.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stddef.h>

typedef struct trend_prefetch
{
	PGconn	   *c;				/* the second connection, closed by trend_end; NULL: none */
	const char *p[3];			/* as_of, level, config_sha256: the config's strings */
	PGcancel   *cancel;			/* for trend_end on a run that failed early */
	pthread_t	th;
	int			running;		/* th started, not yet joined */
	PGresult   *r;				/* the thread's rows; NULL with err on failure */
	double		seconds;		/* the thread's query */
	char		err[512];
} trend_prefetch;

/* Start the query on c (may be NULL: nothing to start).  cfg must outlive t. */
void		trend_start(trend_prefetch *t, PGconn *c, const config *cfg);

/*
 * The rows, in no set order (usually the previous run's area order).  From the thread when
 * it ran; otherwise (no second connection or thread, or its query failed with the server
 * still up) from db, now.  The caller PQclear()s the result.  NULL with err on failure;
 * db is then worth a db_is_down().  Call once, after trend_start().
 */
PGresult   *trend_take(trend_prefetch *t, PGconn *db, char *err, size_t errlen);

/* Cancel and join if still running (a run that failed early), clear, close.  Safe to call
 * again. */
void		trend_end(trend_prefetch *t);

#endif
