/*
 * pipeline/ingest.c — COPY the window's signals out of PostgreSQL, validate them in parallel,
 * then apply the checks that need other rows (duplicates) or the reference (postcodes).
 *
 * COPY ... TO STDOUT is the fast path: one round trip, server-side formatting, and at
 * national scale (~250k rows a window) it is close to the cost of a bare psql COPY.
 * Rows are parsed in place in one buffer; the single-row checks are pure (signal.c), so
 * they run under OpenMP and give the same answer for any thread count.
 */
#include "ingest.h"
#include "ingest_internal.h"
#include "db.h"
#include "log.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct followup_row
{
	const char *id;
	int			attempts, reached;
} followup_row;

typedef struct row_state
{
	char	   *f[SIG_NFIELDS];
	signal_row	r;
	signal_reason reason;
	int64_t		row_id;
	long		ref_idx;		/* the postcode in the reference, -1 if unknown or not looked up */
	const followup_row *fu;		/* its follow-up case, or NULL */
} row_state;

static const row_state *sort_rows;

static int
cmp_by_id_then_row(const void *a, const void *b)
{
	const row_state *x = &sort_rows[*(const size_t *) a], *y = &sort_rows[*(const size_t *) b];
	const char *ix = x->f[SIG_F_ID] ? x->f[SIG_F_ID] : "", *iy = y->f[SIG_F_ID] ? y->f[SIG_F_ID] : "";
	int			c = strcmp(ix, iy);

	if (c)
		return c;
	return (x->row_id > y->row_id) - (x->row_id < y->row_id);
}

static int
cmp_by_row(const void *a, const void *b)
{
	const row_state *x = &sort_rows[*(const size_t *) a], *y = &sort_rows[*(const size_t *) b];

	return (x->row_id > y->row_id) - (x->row_id < y->row_id);
}

static int
cmp_followup(const void *a, const void *b)
{
	return strcmp(((const followup_row *) a)->id, ((const followup_row *) b)->id);
}

/* Active follow-up cases on as_of: picked up on or before as_of and not closed by then. */
static int
load_followup(PGconn *c, const config *cfg, raw_rows *rr, followup_row **out, size_t *nout,
			  char *err, size_t errlen)
{
	char	   *view = db_quote_qualified(c, cfg->source_followup, err, errlen);
	char	   *asof = NULL, sql[1024];
	followup_row *fr;
	int			rc;

	*out = NULL;
	*nout = 0;
	if (!view)
		return -1;
	asof = PQescapeLiteral(c, cfg->as_of, strlen(cfg->as_of));
	if (!asof)
	{
		free(view);
		snprintf(err, errlen, "reading follow-up: out of memory");
		return -1;
	}
	snprintf(sql, sizeof(sql),
			 "COPY (SELECT signal_id, coalesce(contact_attempts, 0), coalesce(reached, false) FROM %s "
			 "WHERE picked_up IS NOT NULL AND picked_up <= %s::date "
			 "AND (closed IS NULL OR closed > %s::date)) TO STDOUT", view, asof, asof);
	free(view);
	PQfreemem(asof);
	if ((rc = ingest_copy_out(c, "follow-up", sql, rr, err, errlen)) != 0)
		return -1;
	if (!(fr = calloc(rr->n ? rr->n : 1, sizeof(*fr))))
	{
		snprintf(err, errlen, "reading follow-up: out of memory");
		return -1;
	}
	for (size_t i = 0; i < rr->n; i++)
	{
		char	   *f[3] = {0};

		ingest_copy_split(rr->buf + rr->off[i], f, 3);
		fr[i].id = f[0] ? f[0] : "";
		fr[i].attempts = f[1] ? atoi(f[1]) : 0;
		fr[i].reached = f[2] && f[2][0] == 't';
	}
	qsort(fr, rr->n, sizeof(*fr), cmp_followup);
	*out = fr;
	*nout = rr->n;
	return 0;
}

/* What ingest_read leaves for ingest_resolve: every row, split and checked, with its duplicate
 * and follow-up found; the postcode lookups wait for the reference. */
struct ingest_pending
{
	raw_rows	rr,				/* the signals' COPY: its buffer backs the fields */
				fu;				/* the follow-up COPY: backs fr's ids */
	followup_row *fr;
	row_state  *rs;
	size_t	   *order;			/* rs in row order */
	size_t		nrows;
	int			need_buurt;
};

static void
pending_free(struct ingest_pending *p)
{
	if (!p)
		return;
	free(p->rr.buf);
	free(p->rr.off);
	free(p->fu.buf);
	free(p->fu.off);
	free(p->fr);
	free(p->rs);
	free(p->order);
	free(p);
}

/* The single-row checks, done as each row arrives (ingest_copy_out_each): the receiving
 * thread mostly waits for the server, so the checks cost next to nothing there.  The fields'
 * places are kept relative to the row, as the buffer may still move. */
#define REL_NULL UINT32_MAX

typedef struct check_ctx
{
	row_state  *rs;
	uint32_t	(*rel)[SIG_NFIELDS];
	size_t		cap;
	const signal_rules *rules;
} check_ctx;

static int
check_row(raw_rows *rr, size_t i, void *arg)
{
	check_ctx  *k = arg;
	char	   *line = rr->buf + rr->off[i];
	row_state  *s;

	if (i >= k->cap)
	{
		size_t		nc = k->cap ? k->cap * 2 : 4096;
		row_state  *nrs = realloc(k->rs, nc * sizeof(*nrs));
		uint32_t	(*nrel)[SIG_NFIELDS];

		if (!nrs)
			return -1;
		k->rs = nrs;
		if (!(nrel = realloc(k->rel, nc * sizeof(*nrel))))
			return -1;
		k->rel = nrel;
		memset(k->rs + k->cap, 0, (nc - k->cap) * sizeof(*nrs));
		k->cap = nc;
	}
	s = &k->rs[i];
	ingest_copy_split(line, s->f, SIG_NFIELDS);
	s->row_id = s->f[SIG_F_ROWID] ? strtoll(s->f[SIG_F_ROWID], NULL, 10) : (int64_t) i;
	s->reason = signal_check((const char *const *) s->f, k->rules, &s->r);
	for (int f = 0; f < SIG_NFIELDS; f++)
		k->rel[i][f] = s->f[f] ? (uint32_t) (s->f[f] - line) : REL_NULL;
	return 0;
}

int
ingest_read(PGconn *c, const config *cfg, ingest_data *d, char *err, size_t errlen)
{
	struct ingest_pending *pd = calloc(1, sizeof(*pd));
	raw_rows	rr = {0}, fu = {0};
	row_state  *rs = NULL;
	size_t	   *order = NULL, nrows = 0;
	followup_row *fr = NULL;
	size_t		nfr = 0;
	signal_rules rules;
	char	   *view = NULL, *lo = NULL, *hi = NULL, *sql = NULL;
	char		lo_s[11], hi_s[11];
	check_ctx	ck = {0};
	int			rc = -1;
	double		t0;

	memset(d, 0, sizeof(*d));
	if (!pd)
	{
		snprintf(err, errlen, "ingest: out of memory");
		goto done;
	}
	if (util_parse_date(cfg->as_of, &d->as_of) || util_parse_date(cfg->start_date, &rules.start))
	{
		snprintf(err, errlen, "ingest: bad as-of or start date");
		goto done;
	}
	d->window_start = d->as_of - cfg->window_days;
	rules.as_of = d->as_of;
	rules.max_amount = cfg->max_amount;

	/* window on the received timestamp, in Dutch local days, sargable for an index */
	util_format_date(d->window_start + 1, lo_s);
	util_format_date(d->as_of + 1, hi_s);
	if (!(view = db_quote_qualified(c, cfg->source_signals, err, errlen)))
		goto done;
	lo = PQescapeLiteral(c, lo_s, strlen(lo_s));
	hi = PQescapeLiteral(c, hi_s, strlen(hi_s));
	if (!lo || !hi || !(sql = malloc(2048)))
	{
		snprintf(err, errlen, "ingest: out of memory");
		goto done;
	}
	snprintf(sql, 2048,
			 "COPY (SELECT signal_id, partner_type, amount, ontstaansdatum, signaaldatum, crisis, "
			 "status, bsn, postcode, huisnummer, toevoeging, received_at, row_id FROM %s "
			 "WHERE received_at >= (%s::timestamp AT TIME ZONE 'Europe/Amsterdam') "
			 "AND received_at < (%s::timestamp AT TIME ZONE 'Europe/Amsterdam')) TO STDOUT",
			 view, lo, hi);
	t0 = util_now();
	ck.rules = &rules;
	if (ingest_copy_out_each(c, "signals", sql, &rr, check_row, &ck, err, errlen) != 0)
		goto done;
	nrows = rr.n;
	rs = ck.rs;
	ck.rs = NULL;
	log_debug("signals: %zu rows read in %.3f s", nrows, util_now() - t0);
	d->nread = nrows;
	util_kill_point("ingest-read");
	if (load_followup(c, cfg, &fu, &fr, &nfr, err, errlen) != 0)
		goto done;

	if (!rs && !(rs = calloc(1, sizeof(*rs))))
	{
		snprintf(err, errlen, "ingest: out of memory");
		goto done;
	}
	order = malloc((nrows ? nrows : 1) * sizeof(size_t));
	d->sig = calloc(nrows ? nrows : 1, sizeof(*d->sig));
	d->quar = calloc(nrows ? nrows : 1, sizeof(*d->quar));
	if (!order || !d->sig || !d->quar)
	{
		snprintf(err, errlen, "ingest: out of memory for %zu rows", nrows);
		goto done;
	}

	/* the rows were checked as they arrived (check_row): point the fields into the buffer
	 * where it ended up */
#pragma omp parallel for schedule(static)
	for (size_t i = 0; i < nrows; i++)
	{
		char	   *line = rr.buf + rr.off[i];

		for (int f = 0; f < SIG_NFIELDS; f++)
			rs[i].f[f] = ck.rel[i][f] == REL_NULL ? NULL : line + ck.rel[i][f];
	}

	/* duplicate ids: the first row (lowest row_id) of an id is kept */
	sort_rows = rs;
	for (size_t i = 0; i < nrows; i++)
		order[i] = i;
	qsort(order, nrows, sizeof(size_t), cmp_by_id_then_row);
	for (size_t k = 1; k < nrows; k++)
	{
		row_state  *prev = &rs[order[k - 1]], *cur = &rs[order[k]];

		if (cur->f[SIG_F_ID] && prev->f[SIG_F_ID] && strcmp(cur->f[SIG_F_ID], prev->f[SIG_F_ID]) == 0 &&
			cur->reason == SIGNAL_OK)
			cur->reason = REASON_DUPLICATE_ID;
	}

	/* reference checks and the final split, in row order (COPY usually delivers them so:
	 * no sort then, as strictly increasing row ids leave nothing for qsort to change) */
	{
		int			in_order = 1;

		for (size_t i = 0; i < nrows; i++)
		{
			order[i] = i;
			if (i > 0 && rs[i].row_id <= rs[i - 1].row_id)
				in_order = 0;
		}
		if (!in_order)
			qsort(order, nrows, sizeof(size_t), cmp_by_row);
	}
	sort_rows = NULL;
	/* the follow-up case of every row still in (its postcode is checked later) */
	if (nfr)
	{
#pragma omp parallel for schedule(static)
		for (size_t i = 0; i < nrows; i++)
		{
			followup_row key = {rs[i].f[SIG_F_ID], 0, 0};

			rs[i].ref_idx = -1;
			rs[i].fu = rs[i].reason == SIGNAL_OK ? bsearch(&key, fr, nfr, sizeof(*fr), cmp_followup) : NULL;
		}
	}
	else
		for (size_t i = 0; i < nrows; i++)
		{
			rs[i].ref_idx = -1;
			rs[i].fu = NULL;
		}
	pd->rr = rr;
	pd->fu = fu;
	pd->fr = fr;
	pd->rs = rs;
	pd->order = order;
	pd->nrows = nrows;
	pd->need_buurt = strcmp(cfg->level, "buurt") == 0 || strcmp(cfg->level, "wijk") == 0;
	d->pending = pd;
	pd = NULL;
	memset(&rr, 0, sizeof(rr));
	memset(&fu, 0, sizeof(fu));
	fr = NULL;
	rs = NULL;
	order = NULL;
	rc = 0;
done:
	if (rc != 0)
		ingest_free(d);
	pending_free(pd);
	free(ck.rs);
	free(ck.rel);
	free(rr.buf);
	free(rr.off);
	free(fu.buf);
	free(fu.off);
	free(fr);
	free(rs);
	free(order);
	free(view);
	free(sql);
	PQfreemem(lo);
	PQfreemem(hi);
	return rc;
}

int
ingest_resolve(ingest_data *d, const ingest_ref *ref, char *err, size_t errlen)
{
	struct ingest_pending *pd = d->pending;
	row_state  *rs;
	size_t	   *order, nrows;

	if (!pd)
		return snprintf(err, errlen, "ingest: no rows waiting for the reference"), -1;
	rs = pd->rs;
	order = pd->order;
	nrows = pd->nrows;
	/* the lookups are pure per row: all threads; the split below keeps row order */
#pragma omp parallel for schedule(static)
	for (size_t i = 0; i < nrows; i++)
	{
		row_state  *s = &rs[i];

		if (s->reason != SIGNAL_OK)
			continue;
		s->ref_idx = ingest_ref_find(ref, s->r.pc6);
		if (s->ref_idx < 0)
			s->reason = REASON_POSTCODE_UNKNOWN;
		else if (pd->need_buurt && !ref->buurt[s->ref_idx])
			s->reason = REASON_AREA_UNKNOWN;
	}
	for (size_t k = 0; k < nrows; k++)
	{
		row_state  *s = &rs[order[k]];

		if (s->reason == SIGNAL_OK)
		{
			ingest_signal *g = &d->sig[d->nsig++];
			const followup_row *hit = s->fu;

			g->r = s->r;
			g->pc6_idx = (uint32_t) s->ref_idx;
			g->id = s->f[SIG_F_ID];
			if (s->f[SIG_F_BSN])
				snprintf(g->bsn, sizeof(g->bsn), "%s", s->f[SIG_F_BSN]);
			if (hit)
			{
				g->followup = 1;
				g->contact_attempts = hit->attempts;
				g->reached = hit->reached;
			}
		}
		else
		{
			ingest_quarantined *q = &d->quar[d->nquar++];

			q->row_id = s->row_id;
			q->id = s->f[SIG_F_ID] ? s->f[SIG_F_ID] : "";
			q->reason = s->reason;
			if (!(q->raw_json = ingest_raw_json(d, s->f)))
			{
				snprintf(err, errlen, "ingest: out of memory");
				goto done;
			}
			d->by_reason[s->reason]++;
		}
	}
	/* the line buffer now backs the ids: hand it to the arena */
	{
		char	  **a = realloc(d->arena, (d->narena + 1) * sizeof(char *));

		if (!a)
		{
			snprintf(err, errlen, "ingest: out of memory");
			goto done;
		}
		d->arena = a;
		/* keep JSON blocks last so arena_alloc's "open block" stays valid */
		memmove(d->arena + 1, d->arena, d->narena * sizeof(char *));
		d->arena[0] = pd->rr.buf;
		d->narena++;
		pd->rr.buf = NULL;
	}
	d->pending = NULL;
	pending_free(pd);
	return 0;
done:
	ingest_free(d);
	return -1;
}

int
ingest_run(PGconn *c, const config *cfg, const ingest_ref *ref, ingest_data *d, char *err,
		   size_t errlen)
{
	if (ingest_read(c, cfg, d, err, errlen) != 0)
		return -1;
	return ingest_resolve(d, ref, err, errlen);
}

void
ingest_free(ingest_data *d)
{
	if (!d)
		return;
	pending_free(d->pending);
	for (size_t i = 0; i < d->narena; i++)
		free(d->arena[i]);
	free(d->arena);
	free(d->sig);
	free(d->quar);
	memset(d, 0, sizeof(*d));
}
