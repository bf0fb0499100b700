/*
 * pipeline/ingest_internal.h — what the ingest module's files share: reading a COPY's
 * text rows into one buffer, splitting a row into fields, and a rejected row's raw JSON.
 * Not for other modules.
 */
#ifndef VSP_INGEST_INTERNAL_H
#define VSP_INGEST_INTERNAL_H

#include <libpq-fe.h>
#include <stddef.h>

#include "ingest.h"

/* The rows of one COPY ... TO STDOUT, owned by the struct (free buf and off). */
typedef struct raw_rows
{
	char	   *buf;			/* all lines, NUL-separated after splitting */
	size_t		len, cap;
	size_t	   *off;			/* start of each line */
	size_t		n, ncap;
} raw_rows;

/*
 * Run sql (a COPY ... TO STDOUT) on c and append every row, without its newline, to rr.
 * what names the data in errors ("reading signals: ...").  0, or -1 with err.
 */
int			ingest_copy_out(PGconn *c, const char *what, const char *sql, raw_rows *rr,
							char *err, size_t errlen);
/*
 * The same, calling fn(rr, i, ctx) for each row i as soon as it is in rr, on the calling
 * thread while the server sends the next rows (the row may be changed in place; rr->buf may
 * move later, so fn keeps offsets, not pointers).  fn returns 0, or -1 to fail the read
 * (memory), which is reported as out of memory.
 */
typedef int (*ingest_row_fn) (raw_rows *rr, size_t i, void *ctx);
int			ingest_copy_out_each(PGconn *c, const char *what, const char *sql, raw_rows *rr,
								 ingest_row_fn fn, void *ctx, char *err, size_t errlen);

/*
 * Split one COPY text row in place into at most nf fields (f[k] point into line, undoing
 * backslash escapes; \N gives NULL).  Returns the number of fields found.
 */
int			ingest_copy_split(char *line, char **f, int nf);

/*
 * ingest_quarantine.c: the fields f[0..SIG_NFIELDS) of a rejected row as a JSON object, in
 * d's arena (freed by ingest_free); NULL when out of memory.
 */
const char *ingest_raw_json(ingest_data *d, char *const *f);

#endif
