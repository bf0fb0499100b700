/*
 * geo/synth_rows.c — deliberately bad rows, the load order, signal ids, case order.
 *
 * About 1 % of rows are bad, the ten reasons in equal turns, each row with exactly
 * one defect.  Most are a fresh signal of a random household with one field spoiled;
 * a duplicate_id row is an exact resend of an earlier good row, received 1–7 days
 * later, carrying the same signal id.  Rows are then ordered by time of receipt (the
 * order a platform export has) and numbered: row_id = position + 1, signal ids
 * "VS-00000001" upward in that order.  Cases are numbered by pick-up date.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth_int.h"

#define STREAM_BAD		8
#define BAD_SHARE		0.0101

/* qsort order on uint32_t. */
static int
cmp_u32(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *) a, y = *(const uint32_t *) b;

	return x < y ? -1 : x > y;
}

/* A PC6 as one number: pc4 * 676 + letter pair. */
static uint32_t
pack_pc6(int pc4, int pair)
{
	return (uint32_t) pc4 * SYNTH_NPAIRS + (uint32_t) pair;
}

/* A well-formed PC6 that is not in the reference set. */
static uint32_t
unknown_pc6(synth_rng *r, const uint32_t *known, size_t n)
{
	for (;;)
	{
		int			pc4 = (int) synth_irange(r, 1000, 9999);
		int			pair = (int) synth_irange(r, 0, SYNTH_NPAIRS - 1);
		uint32_t	k = pack_pc6(pc4, pair);

		if (pair / 26 == 'S' - 'A' && (pair % 26 == 0 || pair % 26 == 3 || pair % 26 == 18))
			continue;
		if (!bsearch(&k, known, n, sizeof(uint32_t), cmp_u32))
			return k;
	}
}

/* One bad row of reason `why` into *s (its other fields valid). */
static int
bad_row(synth_world *w, synth_rng *r, int why, uint8_t *used, size_t ngood,
		const uint32_t *known, synth_sig *s)
{
	if (why == SR_DUPLICATE_ID)
	{
		size_t		src;
		int			tries = 0;

		do
		{
			if (++tries > 1000000)
				return -1;
			src = (size_t) synth_irange(r, 0, (int64_t) ngood - 1);
		} while (used[src] || w->sig[src].recv_day >= w->end);
		used[src] = 1;
		*s = w->sig[src];
		int32_t		gap = w->end - s->recv_day;

		s->recv_day += (int32_t) synth_irange(r, 1, gap < 7 ? gap : 7);
		s->recv_sec = (int32_t) synth_irange(r, 7 * 3600, 18 * 3600 - 1);
		s->dup_of = (int32_t) src;
		s->bad = SR_DUPLICATE_ID;
		return 0;
	}

	int64_t		hh = synth_irange(r, 0, w->households - 1);
	int			p = synth_pick_partner(r);
	double		bill, amount = synth_first_amount(r, p, &bill);
	int32_t		day = (int32_t) synth_irange(r, w->start, why == SR_ONTSTAAN_AFTER ? w->end - 10 : w->end);

	synth_make_signal(w, r, hh, synth_hh_cell(w, hh), p, day, amount, s);
	s->bad = (uint8_t) why;
	switch (why)
	{
		case SR_PC_UNKNOWN:
			s->alt = unknown_pc6(r, known, w->ncell);
			break;
		case SR_AMOUNT_NEGATIVE:
			s->cents = -synth_irange(r, 1000, 200000);
			break;
		case SR_AMOUNT_ABSURD:
			s->cents = synth_irange(r, INT64_C(120000000), INT64_C(5000000000));
			break;
		case SR_DATE_FUTURE:
			s->signaal = w->end + (int32_t) synth_irange(r, 1, 25);
			s->ontstaan = s->signaal - (int32_t) synth_irange(r, 30, 100);
			s->recv_day = (int32_t) synth_irange(r, w->end - 10 > w->start ? w->end - 10 : w->start, w->end);
			break;
		case SR_ONTSTAAN_AFTER:
			{
				int32_t		room = w->end - s->signaal;

				s->ontstaan = s->signaal + (int32_t) synth_irange(r, 1, room < 30 ? room : 30);
				break;
			}
		default:
			break;				/* spoiled when rendered: postcode, huisnummer, partner */
	}
	return 0;
}

typedef struct row_key
{
	int64_t		t;
	size_t		idx;
} row_key;

/* qsort order on receipt time, then generation index. */
static int
cmp_row(const void *a, const void *b)
{
	const row_key *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Append about 1 % bad rows, the reasons in turn. 0 or -1 with a message. */
static int
add_bad_rows(synth_world *w, char *err, size_t errlen)
{
	size_t		ngood = w->nsig, nbad = (size_t) (ngood * BAD_SHARE + 0.5);
	uint8_t    *used = calloc(ngood ? ngood : 1, 1);
	uint32_t   *known = synth_alloc(w->ncell, sizeof(uint32_t));
	synth_rng	r;
	int			rc = -1;

	if (nbad < SYNTH_NREASON)
		nbad = SYNTH_NREASON;
	if (!used || !known)
	{
		snprintf(err, errlen, "out of memory for bad rows");
		goto done;
	}
	if (ngood < 2 * nbad)
	{
		snprintf(err, errlen, "too few signals (%zu) to plant bad rows", ngood);
		goto done;
	}
	for (size_t c = 0; c < w->ncell; c++)
		known[c] = pack_pc6(w->pc4[w->cell[c].pc4].code, w->cell[c].pair);
	qsort(known, w->ncell, sizeof(uint32_t), cmp_u32);
	synth_rng_seed(&r, w->seed, STREAM_BAD);
	for (size_t i = 0; i < nbad; i++)
	{
		synth_sig	s;

		if (bad_row(w, &r, 1 + (int) (i % SYNTH_NREASON), used, ngood, known, &s) != 0)
		{
			snprintf(err, errlen, "cannot find a row to duplicate");
			goto done;
		}
		if (synth_grow((void **) &w->sig, &w->capsig, w->nsig + 1, sizeof(synth_sig)) != 0)
		{
			snprintf(err, errlen, "out of memory for bad rows");
			goto done;
		}
		w->sig[w->nsig++] = s;
	}
	w->nbad = nbad;
	rc = 0;
done:
	free(used);
	free(known);
	return rc;
}

/* qsort_r order on pick-up date, then the row position of the signal. */
static int
cmp_zaak(const void *a, const void *b, void *arg)
{
	const synth_zaak *x = a, *y = b;
	const size_t *pos = arg;

	if (x->opgepakt != y->opgepakt)
		return x->opgepakt < y->opgepakt ? -1 : 1;
	return pos[x->sig] < pos[y->sig] ? -1 : pos[x->sig] > pos[y->sig];
}

/* Add the bad rows, order all rows by receipt, number signal ids and cases. */
int
synth_finish_rows(synth_world *w, char *err, size_t errlen)
{
	row_key    *k;
	size_t	   *pos;
	int32_t		next_id = 0;

	if (add_bad_rows(w, err, errlen) != 0)
		return -1;
	k = synth_alloc(w->nsig, sizeof(row_key));
	pos = synth_alloc(w->nsig, sizeof(size_t));
	w->rows = synth_alloc(w->nsig, sizeof(size_t));
	if (!k || !pos || !w->rows)
	{
		free(k);
		free(pos);
		snprintf(err, errlen, "out of memory for row order");
		return -1;
	}
	for (size_t i = 0; i < w->nsig; i++)
		k[i] = (row_key) {(int64_t) w->sig[i].recv_day * 86400 + w->sig[i].recv_sec, i};
	qsort(k, w->nsig, sizeof(row_key), cmp_row);
	for (size_t i = 0; i < w->nsig; i++)
	{
		synth_sig  *s = &w->sig[k[i].idx];

		w->rows[i] = k[i].idx;
		pos[k[i].idx] = i;
		if (s->bad == SR_DUPLICATE_ID)
		{
			s->id_num = w->sig[s->dup_of].id_num;
			if (s->id_num == 0)
			{
				free(k);
				free(pos);
				snprintf(err, errlen, "internal error: duplicate row before its original");
				return -1;
			}
		}
		else
			s->id_num = ++next_id;
	}
	qsort_r(w->zaak, w->nzaak, sizeof(synth_zaak), cmp_zaak, pos);
	free(k);
	free(pos);
	return 0;
}
