/*
 * pipeline/ingest_ref.c — the reference postcodes (ref.pc6): loaded once per run, sorted by
 * postcode, looked up for every signal.
 */
#include "ingest.h"
#include "ingest_internal.h"
#include "log.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
cmp_pc6(const void *a, const void *b)
{
	return memcmp(a, b, 6);
}

long
ingest_ref_find(const ingest_ref *ref, const char *pc6)
{
	const char (*hit)[7] = bsearch(pc6, ref->pc6, ref->n, sizeof(ref->pc6[0]), cmp_pc6);

	return hit ? (long) (hit - ref->pc6) : -1;
}

void
ingest_ref_free(ingest_ref *ref)
{
	if (!ref)
		return;
	free(ref->arena);
	free(ref->pc6);
	free(ref->pc4);
	free(ref->buurt);
	free(ref->wijk);
	free(ref->gemeente);
	free(ref->households);
	memset(ref, 0, sizeof(*ref));
}

static const char (*sort_pc6)[7];

static int
cmp_pc6_index(const void *a, const void *b)
{
	return memcmp(sort_pc6[*(const size_t *) a], sort_pc6[*(const size_t *) b], 6);
}

/*
 * The reference postcodes, sorted by pc6 (byte order, as COLLATE "C").  Read with COPY, which
 * at 450k rows is several times cheaper than a result set, unordered (the table is normally
 * stored in postcode order; sorting in the server would cost more than checking here), and
 * sorted here when it is not in order.
 */
int
ingest_load_reference(PGconn *c, ingest_ref *ref, char *err, size_t errlen)
{
	raw_rows	rr;
	size_t		n;
	int			sorted = 1;
	double		t0 = util_now();

	memset(ref, 0, sizeof(*ref));
	memset(&rr, 0, sizeof(rr));
	if (ingest_copy_out(c, "reference postcodes",
				 "COPY (SELECT pc6, pc4, buurt_code, wijk_code, gemeente_code, households FROM ref.pc6) TO STDOUT",
				 &rr, err, errlen) != 0)
		goto fail;
	n = rr.n;
	ref->pc6 = calloc(n ? n : 1, sizeof(*ref->pc6));
	ref->pc4 = calloc(n ? n : 1, sizeof(*ref->pc4));
	ref->buurt = calloc(n ? n : 1, sizeof(char *));
	ref->wijk = calloc(n ? n : 1, sizeof(char *));
	ref->gemeente = calloc(n ? n : 1, sizeof(char *));
	ref->households = calloc(n ? n : 1, sizeof(double));
	if (!ref->pc6 || !ref->pc4 || !ref->buurt || !ref->wijk || !ref->gemeente || !ref->households)
		goto oom;
	ref->n = n;
	/* the codes point into the COPY buffer, split in place: it becomes the arena */
	ref->arena = rr.buf;
	rr.buf = NULL;
#pragma omp parallel for schedule(static)
	for (size_t i = 0; i < n; i++)
	{
		char	   *f[6] = {0};

		ingest_copy_split(ref->arena + rr.off[i], f, 6);
		snprintf(ref->pc6[i], 7, "%s", f[0] ? f[0] : "");
		snprintf(ref->pc4[i], 5, "%s", f[1] ? f[1] : "");
		ref->buurt[i] = f[2];
		ref->wijk[i] = f[3];
		ref->gemeente[i] = f[4];
		ref->households[i] = f[5] ? atof(f[5]) : NAN;
	}
	for (size_t i = 1; i < n && sorted; i++)
		sorted = memcmp(ref->pc6[i - 1], ref->pc6[i], 6) < 0;
	if (!sorted)
	{
		size_t	   *order = malloc(n * sizeof(size_t));
		void	   *tmp = malloc(n * sizeof(double));

		if (!order || !tmp)
		{
			free(order);
			free(tmp);
			goto oom;
		}
		for (size_t i = 0; i < n; i++)
			order[i] = i;
		sort_pc6 = (const char (*)[7]) ref->pc6;
		qsort(order, n, sizeof(size_t), cmp_pc6_index);
		sort_pc6 = NULL;
		/* apply the permutation column by column through one scratch array */
#define PERMUTE(arr, type) do { \
			type	   *t_ = tmp; \
			for (size_t i = 0; i < n; i++) \
				t_[i] = (arr)[order[i]]; \
			memcpy((arr), t_, n * sizeof(type)); \
		} while (0)
		{
			typedef char pc6_t[7];
			typedef char pc4_t[5];
			pc6_t	   *p6 = malloc(n * sizeof(pc6_t));
			pc4_t	   *p4 = malloc(n * sizeof(pc4_t));

			if (!p6 || !p4)
			{
				free(p6);
				free(p4);
				free(order);
				free(tmp);
				goto oom;
			}
			for (size_t i = 0; i < n; i++)
			{
				memcpy(p6[i], ref->pc6[order[i]], sizeof(pc6_t));
				memcpy(p4[i], ref->pc4[order[i]], sizeof(pc4_t));
			}
			free(ref->pc6);
			free(ref->pc4);
			ref->pc6 = p6;
			ref->pc4 = p4;
		}
		PERMUTE(ref->buurt, char *);
		PERMUTE(ref->wijk, char *);
		PERMUTE(ref->gemeente, char *);
		PERMUTE(ref->households, double);
#undef PERMUTE
		free(order);
		free(tmp);
	}
	free(rr.buf);
	free(rr.off);
	log_debug("reference: %zu postcodes in %.3f s", n, util_now() - t0);
	return 0;
oom:
	snprintf(err, errlen, "reference: out of memory");
fail:
	free(rr.buf);
	free(rr.off);
	ingest_ref_free(ref);
	return -1;
}

static void *
ref_job_run(void *arg)
{
	ingest_ref_job *j = arg;

	j->rc = ingest_load_reference(j->c, j->ref, j->err, sizeof(j->err));
	return NULL;
}

void
ingest_ref_start(ingest_ref_job *j, PGconn *c, ingest_ref *ref)
{
	memset(j, 0, sizeof(*j));
	memset(ref, 0, sizeof(*ref));
	j->c = c;
	j->ref = ref;
	if (c && pthread_create(&j->th, NULL, ref_job_run, j) == 0)
		j->running = 1;
}

int
ingest_ref_join(ingest_ref_job *j, PGconn *fallback, char *err, size_t errlen)
{
	if (j->running)
		pthread_join(j->th, NULL);
	else if (!j->done)
		j->rc = ingest_load_reference(fallback, j->ref, j->err, sizeof(j->err));
	j->running = 0;
	j->done = 1;
	if (j->rc != 0 && err)
		snprintf(err, errlen, "%s", j->err);
	return j->rc;
}
