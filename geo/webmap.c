/*
 * geo/webmap.c — the areas as a simplified WGS 84 topology for the browser map: snap,
 * junctions, shared arcs, Douglas-Peucker per arc, PROJ to lon/lat (see geo/webmap.h).
 */
#include "webmap.h"
#include "geom.h"
#include "webmap_internal.h"

#include <gdal/cpl_error.h>
#include <gdal/ogr_srs_api.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NONE	UINT32_MAX

/* the build's working state; everything here is freed by build_free() */
typedef struct build
{
	double		snap;
	/* points: snapped integer coordinates, hash of them, ring neighbours, junction flag */
	int64_t    *px, *py;
	uint32_t   *nb0, *nb1;
	unsigned char *junc;
	size_t		npts, cap_pts;
	uint32_t   *hash;
	size_t		hcap;
	/* rings as point ids (not closed), grouped in polygons and areas */
	uint32_t   *rpts;
	size_t		nrpts, cap_rpts;
	size_t	   *rp_off;			/* nrings+1 */
	size_t		nrings, cap_rings;
	size_t	   *ring_off;		/* npolys+1 */
	size_t		npolys, cap_polys;
	size_t	   *poly_off;		/* n+1 */
	/* unique arcs as point ids, in canonical direction */
	uint32_t   *apts;
	size_t		napts, cap_apts;
	size_t	   *aoff;			/* narcs+1 */
	size_t		narcs, cap_arcs;
	uint32_t   *ahash;
	size_t		ahcap;
	unsigned char *protect;
	int64_t    *refs;
	size_t		nrefs, cap_refs;
	size_t	   *ref_off;		/* nrings+1 */
	/* scratch */
	double	   *xy;
	size_t		cap_xy;
	uint32_t   *tmp;
	size_t		cap_tmp;
} build;

/* Make room for need elements of size elem in *p (capacity *cap).  0 or -1. */
static int
grow(void *pp, size_t *cap, size_t need, size_t elem)
{
	void	  **p = pp;
	size_t		nc = *cap ? *cap : 64;
	void	   *q;

	if (need <= *cap)
		return 0;
	while (nc < need)
	{
		if (nc > SIZE_MAX / 2)
			return -1;
		nc *= 2;
	}
	if (nc > SIZE_MAX / elem || !(q = realloc(*p, nc * elem)))
		return -1;
	*p = q;
	*cap = nc;
	return 0;
}

static uint64_t
mix(uint64_t a, uint64_t b)
{
	uint64_t	h = a * 0x9e3779b97f4a7c15ULL ^ (b + 0x632be59bd9b4e019ULL + (a << 6) + (a >> 2));

	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 29);
}

static int
point_rehash(build *b, size_t ncap)
{
	uint32_t   *h = malloc(ncap * sizeof(uint32_t));

	if (!h)
		return -1;
	memset(h, 0xff, ncap * sizeof(uint32_t));
	for (size_t id = 0; id < b->npts; id++)
	{
		size_t		s = mix((uint64_t) b->px[id], (uint64_t) b->py[id]) & (ncap - 1);

		while (h[s] != NONE)
			s = (s + 1) & (ncap - 1);
		h[s] = (uint32_t) id;
	}
	free(b->hash);
	b->hash = h;
	b->hcap = ncap;
	return 0;
}

/* The id of snapped point (x, y), added when new; NONE when memory runs out. */
static uint32_t
point_id(build *b, int64_t x, int64_t y)
{
	size_t		s;

	if ((b->npts + 1) * 2 > b->hcap && point_rehash(b, b->hcap ? b->hcap * 2 : 1024) != 0)
		return NONE;
	s = mix((uint64_t) x, (uint64_t) y) & (b->hcap - 1);
	while (b->hash[s] != NONE)
	{
		uint32_t	id = b->hash[s];

		if (b->px[id] == x && b->py[id] == y)
			return id;
		s = (s + 1) & (b->hcap - 1);
	}
	if (b->npts >= NONE - 1)
		return NONE;
	if (b->npts == b->cap_pts)
	{
		size_t		c1 = b->cap_pts, c2 = c1, c3 = c1, c4 = c1, c5 = c1;

		if (grow(&b->px, &c1, b->npts + 1, sizeof(int64_t)) != 0 ||
			grow(&b->py, &c2, b->npts + 1, sizeof(int64_t)) != 0 ||
			grow(&b->nb0, &c3, b->npts + 1, sizeof(uint32_t)) != 0 ||
			grow(&b->nb1, &c4, b->npts + 1, sizeof(uint32_t)) != 0 ||
			grow(&b->junc, &c5, b->npts + 1, 1) != 0)
			return NONE;
		b->cap_pts = c1;		/* all grew alike */
	}
	b->px[b->npts] = x;
	b->py[b->npts] = y;
	b->nb0[b->npts] = b->nb1[b->npts] = NONE;
	b->junc[b->npts] = 0;
	b->hash[s] = (uint32_t) b->npts;
	return (uint32_t) b->npts++;
}

/* Snap one ring and append it as point ids; *kept = 0 when it vanishes.  0 or -1 (memory). */
static int
add_ring(build *b, OGRGeometryH ring, int *kept, size_t *nin)
{
	int			np = OGR_G_GetPointCount(ring);
	size_t		start = b->nrpts, m;

	*kept = 0;
	if (np <= 0)
		return 0;
	*nin += (size_t) np;
	if (grow(&b->xy, &b->cap_xy, (size_t) np * 2, sizeof(double)) != 0 ||
		grow(&b->rpts, &b->cap_rpts, b->nrpts + (size_t) np, sizeof(uint32_t)) != 0)
		return -1;
	OGR_G_GetPoints(ring, b->xy, 2 * sizeof(double), b->xy + 1, 2 * sizeof(double), NULL, 0);
	for (int k = 0; k < np; k++)
	{
		double		x = b->xy[2 * k] / b->snap, y = b->xy[2 * k + 1] / b->snap;
		uint32_t	id;

		if (!isfinite(x) || !isfinite(y) || fabs(x) > 4e18 || fabs(y) > 4e18)
			continue;
		if ((id = point_id(b, llround(x), llround(y))) == NONE)
			return -1;
		if (b->nrpts == start || b->rpts[b->nrpts - 1] != id)
			b->rpts[b->nrpts++] = id;
	}
	while (b->nrpts - start > 1 && b->rpts[b->nrpts - 1] == b->rpts[start])
		b->nrpts--;				/* the closing point, and repeats of the first */
	m = b->nrpts - start;
	if (m < 3)
	{
		b->nrpts = start;
		return 0;
	}
	*kept = 1;
	return 0;
}

/* The rings of one polygon: the exterior first; a polygon whose exterior vanishes is
 * dropped with its holes. */
static int
add_polygon(build *b, OGRGeometryH g, size_t *nin, size_t *ndropped)
{
	int			nr = OGR_G_GetGeometryCount(g);

	for (int r = 0; r < nr; r++)
	{
		int			kept;

		if (add_ring(b, OGR_G_GetGeometryRef(g, r), &kept, nin) != 0)
			return -1;
		if (!kept)
		{
			if (r == 0)
			{
				*ndropped += (size_t) nr;
				return 0;
			}
			(*ndropped)++;
			continue;
		}
		if (r == 0)
		{
			if (grow(&b->ring_off, &b->cap_polys, b->npolys + 2, sizeof(size_t)) != 0)
				return -1;
			b->ring_off[b->npolys++] = b->nrings;
		}
		if (grow(&b->rp_off, &b->cap_rings, b->nrings + 2, sizeof(size_t)) != 0)
			return -1;
		b->rp_off[++b->nrings] = b->nrpts;
	}
	return 0;
}

static int
add_geometry(build *b, OGRGeometryH g, size_t *nin, size_t *ndropped)
{
	OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));

	if (t == wkbPolygon)
		return add_polygon(b, g, nin, ndropped);
	if (t == wkbMultiPolygon || t == wkbGeometryCollection)
		for (int i = 0; i < OGR_G_GetGeometryCount(g); i++)
			if (add_geometry(b, OGR_G_GetGeometryRef(g, i), nin, ndropped) != 0)
				return -1;
	return 0;
}

/* Mark junctions: points whose ring neighbours differ between the rings that use them. */
static void
mark_junctions(build *b, size_t nrings)
{
	for (size_t r = 0; r < nrings; r++)
	{
		const uint32_t *p = b->rpts + b->rp_off[r];
		size_t		m = b->rp_off[r + 1] - b->rp_off[r];

		for (size_t k = 0; k < m; k++)
		{
			uint32_t	id = p[k], a = p[(k + m - 1) % m], c = p[(k + 1) % m];
			uint32_t	lo = a < c ? a : c, hi = a < c ? c : a;

			if (a == c)
				b->junc[id] = 1;
			else if (b->nb0[id] == NONE)
			{
				b->nb0[id] = lo;
				b->nb1[id] = hi;
			}
			else if (b->nb0[id] != lo || b->nb1[id] != hi)
				b->junc[id] = 1;
		}
	}
}

static int
arc_rehash(build *b, size_t ncap)
{
	uint32_t   *h = malloc(ncap * sizeof(uint32_t));

	if (!h)
		return -1;
	memset(h, 0xff, ncap * sizeof(uint32_t));
	for (size_t a = 0; a < b->narcs; a++)
	{
		const uint32_t *q = b->apts + b->aoff[a];
		size_t		s = mix(q[0], q[1]) & (ncap - 1);

		while (h[s] != NONE)
			s = (s + 1) & (ncap - 1);
		h[s] = (uint32_t) a;
	}
	free(b->ahash);
	b->ahash = h;
	b->ahcap = ncap;
	return 0;
}

/* Add the arc in b->tmp[0..len-1] (as walked along the ring) and append its reference to
 * the ring.  An arc already seen (from either end) is referenced, not stored again. */
static int
add_arc(build *b, size_t len)
{
	uint32_t   *q = b->tmp;
	int			rev = q[0] > q[len - 1] || (q[0] == q[len - 1] && q[1] > q[len - 2]);
	size_t		s;
	uint32_t	id;

	if (rev)
		for (size_t i = 0; i < len / 2; i++)
		{
			uint32_t	t = q[i];

			q[i] = q[len - 1 - i];
			q[len - 1 - i] = t;
		}
	if ((b->narcs + 1) * 2 > b->ahcap && arc_rehash(b, b->ahcap ? b->ahcap * 2 : 1024) != 0)
		return -1;
	s = mix(q[0], q[1]) & (b->ahcap - 1);
	while ((id = b->ahash[s]) != NONE)
	{
		const uint32_t *o = b->apts + b->aoff[id];

		if (o[0] == q[0] && o[1] == q[1])
			break;
		s = (s + 1) & (b->ahcap - 1);
	}
	if (id == NONE)
	{
		if (b->narcs >= NONE - 1 ||
			grow(&b->aoff, &b->cap_arcs, b->narcs + 2, sizeof(size_t)) != 0 ||
			grow(&b->apts, &b->cap_apts, b->napts + len, sizeof(uint32_t)) != 0)
			return -1;
		memcpy(b->apts + b->napts, q, len * sizeof(uint32_t));
		b->aoff[b->narcs] = b->napts;
		b->napts += len;
		b->aoff[b->narcs + 1] = b->napts;
		id = (uint32_t) b->narcs++;
		b->ahash[s] = id;
	}
	if (grow(&b->refs, &b->cap_refs, b->nrefs + 1, sizeof(int64_t)) != 0)
		return -1;
	b->refs[b->nrefs++] = rev ? ~(int64_t) id : (int64_t) id;
	return 0;
}

/* Cut every ring at its junctions into arcs. */
static int
cut_rings(build *b, size_t nrings)
{
	if (!(b->ref_off = malloc((nrings + 1) * sizeof(size_t))))
		return -1;
	b->ref_off[0] = 0;
	for (size_t r = 0; r < nrings; r++)
	{
		const uint32_t *p = b->rpts + b->rp_off[r];
		size_t		m = b->rp_off[r + 1] - b->rp_off[r], s = m;

		for (size_t k = 0; k < m && s == m; k++)
			if (b->junc[p[k]])
				s = k;
		if (s == m)
		{
			/* no junction: start at the smallest point, the same for every copy of the loop */
			s = 0;
			for (size_t k = 1; k < m; k++)
				if (b->px[p[k]] < b->px[p[s]] || (b->px[p[k]] == b->px[p[s]] && b->py[p[k]] < b->py[p[s]]))
					s = k;
			b->junc[p[s]] = 1;
		}
		if (grow(&b->tmp, &b->cap_tmp, m + 1, sizeof(uint32_t)) != 0)
			return -1;
		for (size_t k = 0, len = 0; k <= m; k++)
		{
			uint32_t	id = p[(s + k) % m];

			b->tmp[len++] = id;
			if (k > 0 && b->junc[id])
			{
				if (add_arc(b, len) != 0)
					return -1;
				b->tmp[0] = id;
				len = 1;
			}
		}
		b->ref_off[r + 1] = b->nrefs;
	}
	/* arcs of rings made of one or two arcs must keep an interior point, or the ring collapses */
	if (!(b->protect = calloc(b->narcs ? b->narcs : 1, 1)))
		return -1;
	for (size_t r = 0; r < nrings; r++)
		if (b->ref_off[r + 1] - b->ref_off[r] <= 2)
			for (size_t k = b->ref_off[r]; k < b->ref_off[r + 1]; k++)
			{
				int64_t		a = b->refs[k];

				b->protect[a < 0 ? ~a : a] = 1;
			}
	return 0;
}

/* Simplify every arc, transform the kept points to lon/lat and store them in t. */
static int
emit_arcs(build *b, OGRCoordinateTransformationH ct, double tol, webmap_topo *t,
		  char *err, size_t errlen)
{
	size_t		maxlen = 0, cap_ll = 0, nll = 0;
	unsigned char *keep = NULL;
	size_t	   *stack = NULL;
	double	   *mx = NULL, *my = NULL;
	int			rc = -1;

	for (size_t a = 0; a < b->narcs; a++)
		if (b->aoff[a + 1] - b->aoff[a] > maxlen)
			maxlen = b->aoff[a + 1] - b->aoff[a];
	if (!(t->arc_off = malloc((b->narcs + 1) * sizeof(size_t))) || !(keep = malloc(maxlen + 1)) ||
		!(stack = malloc((4 * maxlen + 4) * sizeof(size_t))) || !(mx = malloc((maxlen + 1) * sizeof(double))) ||
		!(my = malloc((maxlen + 1) * sizeof(double))) ||
		grow(&b->xy, &b->cap_xy, 2 * maxlen + 2, sizeof(double)) != 0)
		goto oom;
	t->narcs = b->narcs;
	t->arc_off[0] = 0;
	for (size_t a = 0; a < b->narcs; a++)
	{
		const uint32_t *q = b->apts + b->aoff[a];
		size_t		L = b->aoff[a + 1] - b->aoff[a], nk = 0, first = nll;

		for (size_t k = 0; k < L; k++)
		{
			b->xy[2 * k] = (double) b->px[q[k]] * b->snap;
			b->xy[2 * k + 1] = (double) b->py[q[k]] * b->snap;
		}
		webmap_simplify_arc(b->xy, L, tol, b->protect[a], keep, stack);
		for (size_t k = 0; k < L; k++)
			if (keep[k])
			{
				mx[nk] = b->xy[2 * k];
				my[nk++] = b->xy[2 * k + 1];
			}
		if (ct && !OCTTransform(ct, (int) nk, mx, my, NULL))
		{
			snprintf(err, errlen, "webmap: cannot transform the areas to WGS 84");
			goto done;
		}
		if (grow(&t->ll, &cap_ll, 2 * (nll + nk), sizeof(int32_t)) != 0)
			goto oom;
		for (size_t k = 0; k < nk; k++)
		{
			int32_t		x = (int32_t) lround(mx[k] * WEBMAP_SCALE), y = (int32_t) lround(my[k] * WEBMAP_SCALE);

			int			same = nll > first && x == t->ll[2 * (nll - 1)] && y == t->ll[2 * (nll - 1) + 1];

			/* points that round onto the previous one go; the end point always stays */
			if (same && k < nk - 1)
				continue;
			if (same && nll - first >= 2)
				nll--;			/* the end point replaces the interior point it rounds onto */
			t->ll[2 * nll] = x;
			t->ll[2 * nll + 1] = y;
			nll++;
		}
		t->arc_off[a + 1] = nll;
	}
	t->npts_out = nll;
	rc = 0;
	goto done;
oom:
	snprintf(err, errlen, "webmap: out of memory simplifying the areas");
done:
	free(keep);
	free(stack);
	free(mx);
	free(my);
	return rc;
}

static void
build_free(build *b)
{
	free(b->px);
	free(b->py);
	free(b->nb0);
	free(b->nb1);
	free(b->junc);
	free(b->hash);
	free(b->rpts);
	free(b->rp_off);
	free(b->ring_off);
	free(b->poly_off);
	free(b->apts);
	free(b->aoff);
	free(b->ahash);
	free(b->protect);
	free(b->refs);
	free(b->ref_off);
	free(b->xy);
	free(b->tmp);
}

int
webmap_topo_build(const OGRGeometryH *geom, size_t n, const double *cx, const double *cy,
				  const char *crs, double snap, double tolerance, webmap_topo *t, char *err,
				  size_t errlen)
{
	build		b;
	OGRSpatialReferenceH from = NULL, to = NULL;
	OGRCoordinateTransformationH ct = NULL;
	int			rc = -1;

	memset(t, 0, sizeof(*t));
	memset(&b, 0, sizeof(b));
	if (!(snap > 0) || !(tolerance >= 0))
		return snprintf(err, errlen, "webmap: snap must be > 0 and tolerance >= 0"), -1;
	b.snap = snap;
	if (!(from = geom_srs(crs)) || !(to = geom_srs("EPSG:4326")))
	{
		snprintf(err, errlen, "webmap: unknown CRS %s", from ? "EPSG:4326" : crs);
		goto done;
	}
	if (!OSRIsSame(from, to) && !(ct = OCTNewCoordinateTransformation(from, to)))
	{
		snprintf(err, errlen, "webmap: no transformation from %s to WGS 84", crs);
		goto done;
	}
	t->n = n;
	if (!(b.poly_off = malloc((n + 1) * sizeof(size_t))) ||
		grow(&b.ring_off, &b.cap_polys, 2, sizeof(size_t)) != 0 ||
		grow(&b.rp_off, &b.cap_rings, 2, sizeof(size_t)) != 0)
		goto oom;
	b.rp_off[0] = 0;
	b.poly_off[0] = 0;
	for (size_t i = 0; i < n; i++)
	{
		if (geom[i] && add_geometry(&b, geom[i], &t->npts_in, &t->ndropped) != 0)
			goto oom;
		b.poly_off[i + 1] = b.npolys;
	}
	b.ring_off[b.npolys] = b.nrings;
	mark_junctions(&b, b.nrings);
	if (cut_rings(&b, b.nrings) != 0)
		goto oom;
	if (emit_arcs(&b, ct, tolerance, t, err, errlen) != 0)
		goto done;

	/* hand the ring structure over */
	t->npolys = b.npolys;
	t->nrings = b.nrings;
	t->poly_off = b.poly_off;
	t->ring_off = b.ring_off;
	t->ref_off = b.ref_off;
	t->refs = b.refs;
	b.poly_off = b.ring_off = b.ref_off = NULL;
	b.refs = NULL;
	if (!(t->label = malloc((n ? n : 1) * 2 * sizeof(int32_t))))
		goto oom;
	for (size_t i = 0; i < n; i++)
	{
		double		x = cx ? cx[i] : NAN, y = cy ? cy[i] : NAN;

		t->label[2 * i] = t->label[2 * i + 1] = INT32_MIN;
		if (isfinite(x) && isfinite(y) && (!ct || OCTTransform(ct, 1, &x, &y, NULL)))
		{
			t->label[2 * i] = (int32_t) lround(x * WEBMAP_SCALE);
			t->label[2 * i + 1] = (int32_t) lround(y * WEBMAP_SCALE);
		}
	}
	rc = 0;
	goto done;
oom:
	snprintf(err, errlen, "webmap: out of memory building the map topology");
done:
	build_free(&b);
	if (ct)
		OCTDestroyCoordinateTransformation(ct);
	if (from)
		OSRDestroySpatialReference(from);
	if (to)
		OSRDestroySpatialReference(to);
	return rc;
}

void
webmap_topo_free(webmap_topo *t)
{
	if (!t)
		return;
	free(t->arc_off);
	free(t->ll);
	free(t->poly_off);
	free(t->ring_off);
	free(t->ref_off);
	free(t->refs);
	free(t->label);
	memset(t, 0, sizeof(*t));
}
