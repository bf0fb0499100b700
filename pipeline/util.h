/*
 * pipeline/util.h — small shared helpers: calendar dates as day numbers, wall-clock time,
 * checked size arithmetic.  No state, thread-safe.
 */
#ifndef VSP_UTIL_H
#define VSP_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* "YYYY-MM-DD" (a real calendar date) → days since 1970-01-01; 0, or -1 if malformed.
 * Only the first 10 characters are read; anything after them must be absent. */
int			util_parse_date(const char *s, int32_t *days);
/* days since 1970-01-01 → "YYYY-MM-DD" in out[11] */
void		util_format_date(int32_t days, char out[11]);
/* civil date → days since 1970-01-01 (proleptic Gregorian) */
int32_t		util_days_from_civil(int y, unsigned m, unsigned d);
void		util_civil_from_days(int32_t z, int *y, unsigned *m, unsigned *d);
/* monotonic seconds */
double		util_now(void);
/* a*b into *out; -1 on overflow */
int			util_mul_size(size_t a, size_t b, size_t *out);
/* Remove path and everything under it, not following symlinks (rm -r).  0, or -1 with
 * errno set by the first entry that could not be removed. */
int			util_rm_tree(const char *path);
/* mkdir -p: path and its missing parents with mode; 0 or -1 with errno */
int			util_mkdir_p(const char *path, mode_t mode);



/* Fault-injection point for the crash tests (test-only; never set in production):
 *  - VSP_TEST_SLEEP_AT=name: wait here for VSP_TEST_SLEEP_SECONDS (default 30) seconds, so
 *    a test can act while the run is at this point (stop the database, start a second run).
 *    With VSP_TEST_RESUME_FILE=F the process creates F.at on arrival and goes on as soon as
 *    F exists;
 *  - VSP_TEST_KILL_AT=name: then SIGKILL the process here (as an operator's kill -9 or an
 *    OOM kill would).
 * Points: "ingest-read" (signals read, follow-up not yet), the stage ends "ingest", "cases",
 * "areas", "weights", "score", "outputs", "outputs-mid" (half the files written), and
 * "committed" (results committed, the folder not yet renamed into place).
 * Costs two getenv calls; no effect otherwise. */
void		util_kill_point(const char *name);

#endif
