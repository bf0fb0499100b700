/*
 * geo/polys.c — builder for the flat polygon arrays of geo/polys.h.
 *
 * The struct has no capacity fields, so capacity is a pure function of the
 * length in use: at least 16, else the next power of two.  Growing from one
 * length to a larger one reallocates only when that function changes, which
 * keeps appends amortised O(1) without widening the public struct.
 *
 * Offsets are kept consistent after every call (ring_off[n] == nrings and
 * pt_off[nrings] == npts), so finish has nothing left to fix but is still the
 * documented end of building.
 */
#include "polys.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define POLYS_MIN_CAP 16

/* Capacity implied by a length: max(16, next power of two >= len); 0 on overflow. */
static size_t
polys_cap(size_t len)
{
	size_t		c = POLYS_MIN_CAP;

	while (c < len)
	{
		if (c > SIZE_MAX / 2)
			return 0;
		c *= 2;
	}
	return c;
}

/*
 * Make *arr (elements of elsize bytes, currently used up to `used`) able to hold
 * `need` elements.  Returns 0, or -1 on overflow or allocation failure, in which
 * case *arr is unchanged and still valid.
 */
static int
polys_reserve(void **arr, size_t used, size_t need, size_t elsize)
{
	size_t		have = polys_cap(used);
	size_t		want;
	void	   *p;

	if (need <= have && *arr != NULL)
		return 0;
	want = polys_cap(need);
	if (want == 0 || want > SIZE_MAX / elsize)
		return -1;
	p = realloc(*arr, want * elsize);
	if (p == NULL)
		return -1;
	*arr = p;
	return 0;
}

/* Start an empty builder; the arrays get their first block here. 0 or -1. */
int
geo_polys_init(geo_polys *p)
{
	memset(p, 0, sizeof(*p));
	p->ring_off = malloc(POLYS_MIN_CAP * sizeof(size_t));
	p->pt_off = malloc(POLYS_MIN_CAP * sizeof(size_t));
	p->xy = malloc(POLYS_MIN_CAP * sizeof(double));
	p->cx = malloc(POLYS_MIN_CAP * sizeof(double));
	p->cy = malloc(POLYS_MIN_CAP * sizeof(double));
	if (!p->ring_off || !p->pt_off || !p->xy || !p->cx || !p->cy)
	{
		geo_polys_free(p);
		return -1;
	}
	p->ring_off[0] = 0;
	p->pt_off[0] = 0;
	return 0;
}

/* Open area n (its representative point starts as NaN). 0, or -1 on failure. */
int
geo_polys_begin_area(geo_polys *p)
{
	size_t		n = p->n;

	if (p->ring_off == NULL || n >= SIZE_MAX - 2)
		return -1;
	/* ring_off holds n+1 entries, cx/cy n */
	if (polys_reserve((void **) &p->ring_off, n + 1, n + 2, sizeof(size_t)) != 0 ||
		polys_reserve((void **) &p->cx, n, n + 1, sizeof(double)) != 0 ||
		polys_reserve((void **) &p->cy, n, n + 1, sizeof(double)) != 0)
		return -1;
	p->cx[n] = NAN;
	p->cy[n] = NAN;
	p->n = n + 1;
	p->ring_off[p->n] = p->nrings;
	return 0;
}

/*
 * Append a ring of npts points (2*npts doubles copied from xy) to the current
 * area.  -1 if no area is open, on overflow, or on allocation failure; the
 * builder is unchanged on failure.
 */
int
geo_polys_add_ring(geo_polys *p, const double *xy, size_t npts)
{
	size_t		r = p->nrings;
	size_t		used,
				need;

	if (p->ring_off == NULL || p->n == 0 || (npts > 0 && xy == NULL))
		return -1;
	if (r >= SIZE_MAX - 2 || p->npts > SIZE_MAX / 2 - npts)
		return -1;
	used = 2 * p->npts;
	need = 2 * (p->npts + npts);
	if (polys_reserve((void **) &p->pt_off, r + 1, r + 2, sizeof(size_t)) != 0 ||
		polys_reserve((void **) &p->xy, used, need, sizeof(double)) != 0)
		return -1;
	if (npts > 0)
		memcpy(p->xy + used, xy, npts * 2 * sizeof(double));
	p->npts += npts;
	p->nrings = r + 1;
	p->pt_off[p->nrings] = p->npts;
	p->ring_off[p->n] = p->nrings;
	return 0;
}

/* Set the representative point of the last begun area; ignored if none is open. */
void
geo_polys_set_point(geo_polys *p, double x, double y)
{
	if (p->cx == NULL || p->n == 0)
		return;
	p->cx[p->n - 1] = x;
	p->cy[p->n - 1] = y;
}

/* End building.  The offsets are already final; -1 only for an uninitialised builder. */
int
geo_polys_finish(geo_polys *p)
{
	if (p->ring_off == NULL || p->pt_off == NULL)
		return -1;
	p->ring_off[p->n] = p->nrings;
	p->pt_off[p->nrings] = p->npts;
	return 0;
}

/* Free the arrays and zero the struct (which stays the caller's). NULL is a no-op. */
void
geo_polys_free(geo_polys *p)
{
	if (p == NULL)
		return;
	free(p->ring_off);
	free(p->pt_off);
	free(p->xy);
	free(p->cx);
	free(p->cy);
	memset(p, 0, sizeof(*p));
}
