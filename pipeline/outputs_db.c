/*
 * pipeline/outputs_db.c — results into PostgreSQL: area_scores and outreach, by COPY, in the
 * caller's transaction, replacing earlier results for the same as-of date and level.
 */
#include "outputs.h"
#include "db.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Append a COPY text field: \N for NaN/NULL, the text with tabs/newlines/backslashes escaped. */
static size_t
put_text(char *buf, size_t pos, const char *s)
{
	if (!s)
	{
		memcpy(buf + pos, "\\N", 2);
		return pos + 2;
	}
	for (; *s; s++)
	{
		if (*s == '\\' || *s == '\t' || *s == '\n' || *s == '\r')
		{
			buf[pos++] = '\\';
			buf[pos++] = *s == '\t' ? 't' : *s == '\n' ? 'n' : *s == '\r' ? 'r' : '\\';
		}
		else
			buf[pos++] = *s;
	}
	return pos;
}

/* Make *buf hold at least need bytes (escaping can double text; numbers are short). */
static int
reserve(char **buf, size_t *cap, size_t need)
{
	char	   *nb;

	if (need <= *cap)
		return 0;
	if (!(nb = realloc(*buf, need)))
		return -1;
	*buf = nb;
	*cap = need;
	return 0;
}

static size_t
slen(const char *s)
{
	return s ? strlen(s) : 0;
}

static size_t
put_num(char *buf, size_t pos, double v, const char *fmt)
{
	if (!isfinite(v))
		return put_text(buf, pos, NULL);
	return pos + (size_t) sprintf(buf + pos, fmt, v);
}

/* The prevention columns of area_scores (each after a tab): \N throughout when p is NULL
 * or the area is not in the model, except the note saying why (prevent_note). */
static size_t
put_prevent(char *buf, size_t pos, const prevent_result *p, size_t i)
{
	const double *v[] = {p ? p->expected : NULL, p ? p->sir : NULL, p ? p->sir_lo : NULL,
	p ? p->sir_hi : NULL, p ? p->sir_eb : NULL, p ? p->pval : NULL};
	int			fitted = p && p->status[i] == PREVENT_FITTED;
	char		note[128];

	for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++)
	{
		buf[pos++] = '\t';
		pos = put_num(buf, pos, v[k] ? v[k][i] : NAN, "%.17g");
	}
	buf[pos++] = '\t';
	pos = put_text(buf, pos, fitted ? (p->flag[i] < 0 ? "t" : "f") : NULL);
	buf[pos++] = '\t';
	pos = put_text(buf, pos, fitted ? (p->flag[i] > 0 ? "t" : "f") : NULL);
	buf[pos++] = '\t';
	pos = put_text(buf, pos, fitted ? p->drivers[i] : NULL);
	buf[pos++] = '\t';
	pos = put_text(buf, pos, p && prevent_note(p, i, note, sizeof(note))[0] ? note : NULL);
	return pos;
}

/* Room one area_scores row of area i needs in area_row. */
static size_t
area_row_size(const outputs_run *r, size_t i)
{
	const areas *a = r->areas;

	return 2048 + 2 * (slen(a->code[i]) + slen(a->parent ? a->parent[i] : NULL) + slen(r->score->reasons[i]));
}

/* Area i's area_scores row in COPY text format, newline included, into line (at least
 * area_row_size bytes); returns its length.  Reads r only: safe on several threads. */
static size_t
area_row(const outputs_run *r, const char *id, size_t i, char *line)
{
	const areas *a = r->areas;
	const score_result *s = r->score;
	const char *q = score_quad_name(s->lisa_quad[i]), *t = score_trend_name(s->trend[i]);
	size_t		pos = 0;

	pos += (size_t) sprintf(line, "%s\t%s\t%s\t", id, r->cfg->as_of, r->cfg->level);
	pos = put_text(line, pos, a->code[i]);
	line[pos++] = '\t';
	pos = put_text(line, pos, a->parent ? a->parent[i] : NULL);
	line[pos++] = '\t';
	pos = put_num(line, pos, a->households[i], "%.0f");
	pos += (size_t) sprintf(line + pos, "\t%.0f\t%d\t%d\t%d\t%d\t%d\t%d\t", a->hh_signal[i],
							a->hh_partner[0][i], a->hh_partner[1][i], a->hh_partner[2][i],
							a->hh_partner[3][i], a->hh_other[i], a->hh_multi[i]);
	pos = put_num(line, pos, s->rate[i], "%.17g");
	line[pos++] = '\t';
	pos = put_num(line, pos, s->eb_rate[i], "%.17g");
	line[pos++] = '\t';
	pos = put_num(line, pos, s->seb_rate[i], "%.17g");
	line[pos++] = '\t';
	pos = put_num(line, pos, s->gi_z[i], "%.17g");
	line[pos++] = '\t';
	pos = put_num(line, pos, s->gi_p[i], "%.17g");
	pos += (size_t) sprintf(line + pos, "\t%d\t", s->gi_bin[i]);
	pos = put_num(line, pos, s->lisa_i[i], "%.17g");
	line[pos++] = '\t';
	pos = put_num(line, pos, s->lisa_p[i], "%.17g");
	line[pos++] = '\t';
	pos = put_text(line, pos, q[0] ? q : NULL);
	line[pos++] = '\t';
	pos = put_num(line, pos, s->d_rate[i], "%.17g");
	line[pos++] = '\t';
	pos = put_num(line, pos, s->d_z[i], "%.17g");
	line[pos++] = '\t';
	pos = put_text(line, pos, t[0] ? t : NULL);
	line[pos++] = '\t';
	pos = put_num(line, pos, s->expected[i], "%.17g");
	line[pos++] = '\t';
	pos = put_num(line, pos, s->priority[i], "%.17g");
	pos += (size_t) sprintf(line + pos, "\t%d\t", s->rank[i]);
	pos = put_text(line, pos, s->reasons[i]);
	pos = put_prevent(line, pos, r->prevent, i);
	line[pos++] = '\n';
	return pos;
}

int
outputs_write_db(PGconn *c, const outputs_run *r, char *err, size_t errlen)
{
	const areas *a = r->areas;
	char		id[32], *line;
	size_t		cap = 8192;
	const char *p[3] = {id, r->cfg->as_of, r->cfg->level};
	PGresult   *res;

	snprintf(id, sizeof(id), "%lld", (long long) r->run_id);
	res = db_query(c, "DELETE FROM vsp.outreach WHERE run_id IN (SELECT run_id FROM vsp.runs "
				   "WHERE as_of = $2::date AND level = $3 AND run_id <> $1::bigint)", 3, p, err, errlen);
	if (!res)
		return -1;
	PQclear(res);
	res = db_query(c, "DELETE FROM vsp.area_scores WHERE as_of = $2::date AND level = $3 "
				   "AND run_id <> $1::bigint", 3, p, err, errlen);
	if (!res)
		return -1;
	PQclear(res);

	if (db_copy_in_begin(c, "COPY vsp.area_scores (run_id, as_of, level, area_code, parent_code, "
						 "households, hh_signal, hh_huur, hh_energie, hh_water, hh_zorg, hh_other, hh_multi, "
						 "rate, eb_rate, seb_rate, gi_z, gi_p, gi_bin, lisa_i, lisa_p, lisa_quad, d_rate, d_z, "
						 "trend, expected, priority, rank, reasons, expected_model, sir, sir_lo, sir_hi, sir_eb, "
						 "prevent_p, hidden_need, excess, drivers, prevent_note) FROM STDIN", err, errlen) != 0)
		return -1;
	/*
	 * Rows are formatted a round of blocks at a time on all threads (%.17g for a dozen
	 * doubles per row is most of the client's time at 450k areas) and sent in order.
	 */
	{
		enum
		{
			ROWS_PER_BLOCK = 4096, BLOCKS_PER_ROUND = 16
		};
		char	   *blk[BLOCKS_PER_ROUND];
		size_t		blen[BLOCKS_PER_ROUND],
					bcap[BLOCKS_PER_ROUND];
		int			failed = 0;

		memset(blk, 0, sizeof(blk));
		memset(bcap, 0, sizeof(bcap));
		for (size_t r0 = 0; r0 < a->n && !failed; r0 += (size_t) ROWS_PER_BLOCK * BLOCKS_PER_ROUND)
		{
#pragma omp parallel for schedule(dynamic, 1) reduction(|:failed)
			for (int b = 0; b < BLOCKS_PER_ROUND; b++)
			{
				size_t		i0 = r0 + (size_t) b * ROWS_PER_BLOCK;

				blen[b] = 0;
				for (size_t i = i0; i < a->n && i < i0 + ROWS_PER_BLOCK && !failed; i++)
				{
					size_t		need = blen[b] + area_row_size(r, i);

					/* grow by doubling: reserve() gives exactly what is asked */
					if (need > bcap[b] && reserve(&blk[b], &bcap[b], need > 2 * bcap[b] ? need : 2 * bcap[b]) != 0)
					{
						failed = 1;
						break;
					}
					blen[b] += area_row(r, id, i, blk[b] + blen[b]);
				}
			}
			for (int b = 0; b < BLOCKS_PER_ROUND && !failed; b++)
				if (blen[b] && db_copy_put(c, blk[b], blen[b], err, errlen) != 0)
					failed = 2;
		}
		for (int b = 0; b < BLOCKS_PER_ROUND; b++)
			free(blk[b]);
		if (failed == 1)
		{
			PQputCopyEnd(c, "out of memory");
			return snprintf(err, errlen, "outputs: out of memory"), -1;
		}
		if (failed)
			return -1;
	}
	if (!(line = malloc(cap)))
	{
		PQputCopyEnd(c, "out of memory");
		return snprintf(err, errlen, "outputs: out of memory"), -1;
	}
	if (db_copy_in_end(c, err, errlen) != 0 ||
		(r->prevent && prevent_write_db(c, r->run_id, r->cfg->level, r->prevent, err, errlen) != 0))
	{
		free(line);
		return -1;
	}

	/* outreach: pseudonymous keys only, never the address */
	if (db_copy_in_begin(c, "COPY vsp.outreach (run_id, team, rank, household_key, area_code, risk_score) "
						 "FROM STDIN", err, errlen) != 0)
	{
		free(line);
		return -1;
	}
	for (size_t t = 0; t < r->cfg->nteams; t++)
	{
		size_t	   *idx = NULL, n = 0;

		if (outputs_team_households(r, &r->cfg->teams[t], &idx, &n) != 0)
		{
			free(line);
			PQputCopyEnd(c, "out of memory");
			return snprintf(err, errlen, "outputs: out of memory"), -1;
		}
		for (size_t k = 0; k < n; k++)
		{
			const cases_household *h = &r->cases->hh[idx[k]];
			long		ai = a->area_of_pc6[h->pc6_idx];
			size_t		pos;

			if (reserve(&line, &cap, 1024 + 2 * (slen(r->cfg->teams[t].name) +
												 (ai >= 0 ? slen(a->code[ai]) : 4))) != 0)
			{
				free(idx);
				free(line);
				PQputCopyEnd(c, "out of memory");
				return snprintf(err, errlen, "outputs: out of memory"), -1;
			}
			pos = (size_t) sprintf(line, "%s\t", id);
			pos = put_text(line, pos, r->cfg->teams[t].name);
			pos += (size_t) sprintf(line + pos, "\t%zu\t%s\t", k + 1, h->key);
			pos = put_text(line, pos, ai >= 0 ? a->code[ai] : r->ref->pc4[h->pc6_idx]);
			pos += (size_t) sprintf(line + pos, "\t%.17g\n", h->risk);
			if (db_copy_put(c, line, pos, err, errlen) != 0)
			{
				free(idx);
				free(line);
				return -1;
			}
		}
		free(idx);
	}
	free(line);
	return db_copy_in_end(c, err, errlen);
}
