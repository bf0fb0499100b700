/*
 * pipeline/outputs_geojson.c — the GeoJSON geometries of the streamed area writer
 * (outputs_stream.c): every point to lon/lat once, then each area's rings as GDAL 3.6's
 * GeoJSON driver writes them (RFC 7946 ring order, its coordinate formatting).
 */
#include "outputs.h"
#include "outputs_internal.h"
#include "outputs_stream_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

static inline uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/*
 * lon/lat of every point of p (2 * npts doubles, aligned with p->xy; caller frees) through
 * ct[thread].  A vertex shared by neighbouring areas (most of them: boundaries are shared)
 * is transformed once: the same input gives the same output, and PROJ's RD New → WGS 84
 * pipeline costs about a microsecond a point.  Returns 0, -1 (memory), 2 when a point
 * cannot be transformed, 4 when there is no transformation.
 */
int
outputs_lonlat_points(const geo_polys *p, OGRSpatialReferenceH src, OGRSpatialReferenceH dst, double **out)
{
	size_t		npts = p->npts,
				cap = 1,
				nu = 0;
	uint32_t   *slot = NULL,
			   *map = NULL;
	double	   *ux = NULL,
			   *uy = NULL,
			   *uz = NULL,
			   *ll;
	int			rc = -1,
				bad = 0;

	*out = NULL;
	if (npts > UINT32_MAX / 2 || !(ll = malloc((npts ? npts : 1) * 2 * sizeof(double))))
		return -1;
	if (OSRIsSame(src, dst))
	{
		memcpy(ll, p->xy, npts * 2 * sizeof(double));
		*out = ll;
		return 0;
	}
	while (cap < 2 * npts)
		cap <<= 1;
	slot = calloc(cap, sizeof(uint32_t));
	map = malloc((npts ? npts : 1) * sizeof(uint32_t));
	ux = malloc((npts ? npts : 1) * sizeof(double));
	uy = malloc((npts ? npts : 1) * sizeof(double));
	if (!slot || !map || !ux || !uy)
		goto done;
	for (size_t q = 0; q < npts; q++)
	{
		uint64_t	bx,
					by;
		size_t		h;

		memcpy(&bx, &p->xy[2 * q], sizeof(bx));
		memcpy(&by, &p->xy[2 * q + 1], sizeof(by));
		h = (size_t) mix64(bx ^ mix64(by)) & (cap - 1);
		for (;; h = (h + 1) & (cap - 1))
		{
			uint32_t	u = slot[h];

			if (u == 0)
			{
				slot[h] = (uint32_t) ++nu;
				ux[nu - 1] = p->xy[2 * q];
				uy[nu - 1] = p->xy[2 * q + 1];
				map[q] = (uint32_t) (nu - 1);
				break;
			}
			if (memcmp(&ux[u - 1], &p->xy[2 * q], sizeof(double)) == 0 &&
				memcmp(&uy[u - 1], &p->xy[2 * q + 1], sizeof(double)) == 0)
			{
				map[q] = u - 1;
				break;
			}
		}
	}
	free(slot);
	slot = NULL;
	/* z = 0 as GDAL passes for 2D geometries */
	if (!(uz = calloc(nu ? nu : 1, sizeof(double))))
		goto done;
	/*
	 * One transformation per thread, made in that thread (it binds to the thread's PROJ
	 * context) and one at a time (the SRS objects are shared).
	 */
#pragma omp parallel reduction(|:bad)
	{
		int			t = 0,
					nt = 1;
		size_t		a,
					b;
		OGRCoordinateTransformationH ct;

#ifdef _OPENMP
		t = omp_get_thread_num();
		nt = omp_get_num_threads();
#endif
		a = nu * (size_t) t / (size_t) nt;
		b = nu * (size_t) (t + 1) / (size_t) nt;
#pragma omp critical(vsp_proj)
		ct = OCTNewCoordinateTransformation(src, dst);
		if (!ct)
			bad |= 4;
		for (size_t c = a; c < b && ct; c += 65536)
		{
			int			m = (int) (b - c < 65536 ? b - c : 65536);

			if (!OCTTransform(ct, m, ux + c, uy + c, uz + c))
				bad |= 2;
		}
		if (ct)
			OCTDestroyCoordinateTransformation(ct);
	}
	if (bad)
	{
		rc = bad & 4 ? 4 : 2;
		goto done;
	}
#pragma omp parallel for schedule(static)
	for (size_t q = 0; q < npts; q++)
	{
		ll[2 * q] = ux[map[q]];
		ll[2 * q + 1] = uy[map[q]];
	}
	*out = ll;
	ll = NULL;
	rc = 0;
done:
	free(ll);
	free(slot);
	free(map);
	free(ux);
	free(uy);
	free(uz);
	return rc;
}

/* One ring of np lon/lat points as [ [ x, y ], ... ], turned per the right-hand rule.
 * 0, or 3 when a point lies outside lon/lat bounds. */
static int
put_ring(outputs_sbuf *b, const double *ll, size_t np, int exterior)
{
	double		area = 0;
	int			invert;
	char		tx[48],
				ty[48];

	for (size_t k = 0; k < np; k++)
	{
		double		x = ll[2 * k],
					y = ll[2 * k + 1];

		if (x < -180.0 || x > 180.0 || y < -90.0 || y > 90.0)
			return 3;
		if (k + 1 < np)
			area += x * ll[2 * k + 3] - ll[2 * k + 2] * y;
	}
	if (np > 1)
		area += ll[2 * (np - 1)] * ll[1] - ll[0] * ll[2 * (np - 1) + 1];
	/* clockwise = negative area; exterior rings go counter-clockwise, holes clockwise */
	invert = exterior ? area < 0 : area > 0;
	outputs_sb_put(b, "[ ", 2);
	for (size_t k = 0; k < np; k++)
	{
		size_t		q = invert ? np - 1 - k : k,
					lx = outputs_fmt_coord(ll[2 * q], tx),
					ly = outputs_fmt_coord(ll[2 * q + 1], ty);

		if (k)
			outputs_sb_put(b, ", ", 2);
		outputs_sb_put(b, "[ ", 2);
		outputs_sb_put(b, tx, lx);
		outputs_sb_put(b, ", ", 2);
		outputs_sb_put(b, ty, ly);
		outputs_sb_put(b, " ]", 2);
	}
	outputs_sb_put(b, " ]", 2);
	return 0;
}

/* The polygon whose exterior is ring *ring of a->polys: that ring and its holes, up to the
 * next exterior or the area's last ring; *ring ends past them. */
static int
put_polygon(outputs_sbuf *b, const areas *a, size_t end, const double *ll, size_t *ring)
{
	const geo_polys *p = &a->polys;
	int			rc;

	outputs_sb_put(b, "[ ", 2);
	for (size_t r = *ring; r < end && (r == *ring || !a->ring_outer[r]); r++)
	{
		if (r > *ring)
			outputs_sb_put(b, ", ", 2);
		rc = put_ring(b, ll + 2 * p->pt_off[r], p->pt_off[r + 1] - p->pt_off[r], r == *ring);
		if (rc != 0)
			return rc;
	}
	for ((*ring)++; *ring < end && !a->ring_outer[*ring]; (*ring)++)
		;
	outputs_sb_put(b, " ]", 2);
	return 0;
}

/* Area i's geometry from its rings (areas_geometry's structure): a Polygon, or a
 * MultiPolygon when the area has more than one exterior ring. */
int
outputs_put_geometry(outputs_sbuf *b, const areas *a, size_t i, const double *ll)
{
	size_t		ring = a->polys.ring_off[i],
				end = a->polys.ring_off[i + 1],
				nout = 0;
	int			rc = 0;

	for (size_t r = ring; r < end; r++)
		nout += a->ring_outer[r];
	if (nout == 1)
	{
		outputs_sb_puts(b, "{ \"type\": \"Polygon\", \"coordinates\": ");
		rc = put_polygon(b, a, end, ll, &ring);
	}
	else
	{
		outputs_sb_puts(b, "{ \"type\": \"MultiPolygon\", \"coordinates\": [ ");
		for (size_t k = 0; ring < end && rc == 0; k++)
		{
			if (k)
				outputs_sb_put(b, ", ", 2);
			rc = put_polygon(b, a, end, ll, &ring);
		}
		outputs_sb_put(b, " ]", 2);
	}
	outputs_sb_put(b, " }", 2);
	return rc;
}
