/*
 * geo/webmap_dp.c — Douglas-Peucker for one arc of the browser map's topology, with the
 * guarantees that keep rings from collapsing (geo/webmap_internal.h).
 */
#include "webmap_internal.h"

#include <string.h>

/* squared distance from (x, y) to segment a-b */
static double
seg_dist2(double x, double y, double ax, double ay, double bx, double by)
{
	double		dx = bx - ax, dy = by - ay, l2 = dx * dx + dy * dy, t;

	if (l2 > 0)
	{
		t = ((x - ax) * dx + (y - ay) * dy) / l2;
		t = t < 0 ? 0 : t > 1 ? 1 : t;
		ax += t * dx;
		ay += t * dy;
	}
	return (x - ax) * (x - ax) + (y - ay) * (y - ay);
}

/* The interior point of (i, j) farthest from segment i-j, among those not yet kept. */
static size_t
farthest(const double *xy, size_t i, size_t j, const unsigned char *keep, double *d2)
{
	size_t		best = i;

	*d2 = -1;
	for (size_t k = i + 1; k < j; k++)
	{
		double		d = seg_dist2(xy[2 * k], xy[2 * k + 1], xy[2 * i], xy[2 * i + 1], xy[2 * j], xy[2 * j + 1]);

		if (!keep[k] && d > *d2)
		{
			*d2 = d;
			best = k;
		}
	}
	return best;
}

void
webmap_simplify_arc(const double *xy, size_t L, double tol, int protect, unsigned char *keep, size_t *stack)
{
	int			closed = xy[0] == xy[2 * (L - 1)] && xy[1] == xy[2 * (L - 1) + 1];
	size_t		sp = 0, need = closed ? 2 : protect ? 1 : 0, have = 0;

	memset(keep, tol > 0 ? 0 : 1, L);
	keep[0] = keep[L - 1] = 1;
	if (tol <= 0 || L <= 2)
		return;
	stack[sp++] = 0;
	stack[sp++] = L - 1;
	while (sp > 0)
	{
		size_t		j = stack[--sp], i = stack[--sp], k;
		double		d2;

		if (j - i < 2)
			continue;
		k = farthest(xy, i, j, keep, &d2);
		if (d2 > tol * tol || (closed && i == 0 && j == L - 1 && d2 > 0))
		{
			keep[k] = 1;
			have++;
			stack[sp++] = i;
			stack[sp++] = k;
			stack[sp++] = k;
			stack[sp++] = j;
		}
	}
	while (have < need)
	{
		size_t		best = 0, i = 0;
		double		bd = 0;

		for (size_t j = 1; j < L; j++)
			if (keep[j])
			{
				double		d2;
				size_t		k = farthest(xy, i, j, keep, &d2);

				if (d2 > bd)
				{
					bd = d2;
					best = k;
				}
				i = j;
			}
		if (bd <= 0)
			break;
		keep[best] = 1;
		have++;
	}
}
