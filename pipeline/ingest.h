/*
 * pipeline/ingest.h — read the analysis window's signals and the reference postcodes,
 * normalise and validate every row, keep the good ones and quarantine the rest.
 *
 * Contract: every row in the window is either in ingest_data.sig (used) or in
 * ingest_data.quar (quarantined with a reason); nread == nused + nquarantined.
 * Signals are ordered by row_id; of rows sharing a signal id the first is kept.
 * Everything is owned by the structs and freed by ingest_ref_free()/ingest_free().
 */
#ifndef VSP_INGEST_H
#define VSP_INGEST_H

#include <libpq-fe.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "signal.h"

/* ref.pc6, sorted by pc6 */
typedef struct ingest_ref
{
	size_t		n;
	char	  (*pc6)[7];
	char	  (*pc4)[5];
	char	  **buurt;			/* NULL when CBS has none */
	char	  **wijk;
	char	  **gemeente;
	double	   *households;		/* NaN = suppressed */
	char	   *arena;			/* holds the buurt/wijk/gemeente strings */
} ingest_ref;

typedef struct ingest_signal
{
	signal_row	r;
	uint32_t	pc6_idx;		/* index into ingest_ref */
	char		bsn[10];		/* "" when absent */
	const char *id;				/* signal id, points into ingest_data's arena */
	int			followup;		/* a follow-up case exists for this signal (picked up, not closed) */
	int			contact_attempts;
	int			reached;
} ingest_signal;

typedef struct ingest_quarantined
{
	int64_t		row_id;
	const char *id;				/* may be "" */
	signal_reason reason;
	const char *raw_json;		/* the raw values as received, a JSON object (arena) */
} ingest_quarantined;

typedef struct ingest_data
{
	size_t		nread;
	ingest_signal *sig;
	size_t		nsig;
	ingest_quarantined *quar;
	size_t		nquar;
	size_t		by_reason[REASON_N];
	int32_t		as_of, window_start;	/* days since epoch; window is (start, as_of] */
	char	  **arena;			/* blocks holding ids and raw JSON */
	size_t		narena;
	struct ingest_pending *pending;	/* rows read, waiting for ingest_resolve; else NULL */
} ingest_data;

/* Load ref.pc6.  0 or -1 with err. */
int			ingest_load_reference(PGconn *c, ingest_ref *ref, char *err, size_t errlen);
/* Index of pc6 in ref, or -1. */
long		ingest_ref_find(const ingest_ref *ref, const char *pc6);
void		ingest_ref_free(ingest_ref *ref);

/*
 * Read, normalise, validate, in two steps so that the reference postcodes need not compete
 * with the signals' COPY.  ingest_read reads the rows received in (as_of - window_days,
 * as_of], checks each, marks repeated ids and finds follow-up cases; ingest_resolve then
 * looks up every postcode in ref (the level decides which area code must be known:
 * buurt/wijk need a buurt) and splits the rows into used and quarantined, in row order.
 * Between the two d->nsig and d->nquar are 0.  Each returns 0, or -1 with err (database
 * errors; bad rows are never errors), freeing d on failure.  ingest_run does both.
 */
int			ingest_read(PGconn *c, const config *cfg, ingest_data *d, char *err, size_t errlen);
int			ingest_resolve(ingest_data *d, const ingest_ref *ref, char *err, size_t errlen);
int			ingest_run(PGconn *c, const config *cfg, const ingest_ref *ref, ingest_data *d,
					   char *err, size_t errlen);

/* ref.pc6 loading on a connection and thread of its own (ingest_ref_start), or on fallback
 * in ingest_ref_join when there is none.  The connections stay the caller's. */
typedef struct ingest_ref_job
{
	PGconn	   *c;
	ingest_ref *ref;
	pthread_t	th;
	int			running;		/* the thread is loading */
	int			done;			/* joined (or loaded on the fallback) */
	int			rc;
	char		err[512];
} ingest_ref_job;

/* Start loading ref (zeroed here) on c; c NULL or no thread: nothing starts. */
void		ingest_ref_start(ingest_ref_job *j, PGconn *c, ingest_ref *ref);
/* Wait for the load, or load now on fallback if none started.  0, or -1 with err (err may
 * be NULL); ref is the caller's either way (ingest_ref_free). */
int			ingest_ref_join(ingest_ref_job *j, PGconn *fallback, char *err, size_t errlen);
/* Write d's quarantine rows for run_id with one COPY (caller handles the transaction). */
int			ingest_write_quarantine(PGconn *c, int64_t run_id, const ingest_data *d,
									char *err, size_t errlen);
void		ingest_free(ingest_data *d);



/* Move the used signals whose PC6 has no area (area_of_pc6[pc6_idx] < 0, an array over
 * the reference) into quarantine with REASON_AREA_UNKNOWN.  Returns how many moved. */
size_t		ingest_quarantine_unmapped(ingest_data *d, const long *area_of_pc6, size_t nref);
#endif
