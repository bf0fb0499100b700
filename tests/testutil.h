/*
 * tests/testutil.h — shared helpers for the cmocka suites.
 *
 * Integration suites find the private PostgreSQL through the usual libpq environment
 * (PGHOST = the socket directory, PGDATABASE), which scripts/run-tests.sh exports.
 * A suite that needs the database and finds none fails loudly rather than passing.
 */
#ifndef VSP_TESTUTIL_H
#define VSP_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

/* assert two doubles agree within an absolute tolerance, printing both on failure */
#define assert_close(a, b, tol) do { \
	double _a = (a), _b = (b); \
	if (!(fabs(_a - _b) <= (tol))) \
		fail_msg("%s = %.12g, expected %.12g (tol %g)", #a, _a, _b, (double)(tol)); \
} while (0)

/* relative tolerance (falls back to absolute near zero) */
#define assert_rel(a, b, rtol) do { \
	double _a = (a), _b = (b); \
	double _s = fabs(_b) > 1e-300 ? fabs(_b) : 1.0; \
	if (!(fabs(_a - _b) / _s <= (rtol))) \
		fail_msg("%s = %.17g, expected %.17g (rel %g)", #a, _a, _b, (double)(rtol)); \
} while (0)

/* A fresh temporary directory under $TMPDIR (or /tmp); caller frees the string. */
static inline char *
test_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char	   *p = malloc(4096);

	if (!p)
		return NULL;
	snprintf(p, 4096, "%s/vsp-test-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(p))
	{
		free(p);
		return NULL;
	}
	return p;
}

#endif
