/*
 * geo/kdtree.c — static 2-d tree for k-nearest-neighbour and radius queries.
 *
 * The tree is implicit in one index permutation: the range [lo,hi) has its
 * splitting point at mid = lo + (hi-lo)/2, the left subtree in [lo,mid) and the
 * right one in [mid+1,hi).  Points are ordered by (coordinate, index), a strict
 * total order, so the build is deterministic and does not degrade on the many
 * equal coordinates of gridded data.  Small ranges are scanned linearly.
 *
 * k-NN results are ordered by (squared distance, index): equal distances go to
 * the lower index, and a subtree is pruned only when it is strictly farther
 * than the current k-th candidate, so ties are never lost to pruning.
 */
#include "kdtree.h"

#include <math.h>
#include <stdlib.h>

#define KD_LEAF 8

struct kdtree
{
	const double *x,
			   *y;
	size_t		m;				/* points in the tree (finite ones) */
	uint32_t   *perm;			/* m */
	uint8_t    *axis;			/* m: split axis of the node whose mid is here */
};

/* Coordinate of point i along axis a (0 = x, 1 = y). */
static inline double
kd_coord(const kdtree *t, uint32_t i, int a)
{
	return a == 0 ? t->x[i] : t->y[i];
}

/* Strict order on points along an axis: coordinate, then index. */
static inline int
kd_less(const kdtree *t, uint32_t i, uint32_t j, int a)
{
	double		ci = kd_coord(t, i, a),
				cj = kd_coord(t, j, a);

	return ci < cj || (ci == cj && i < j);
}

/* Swap two entries of the permutation. */
static inline void
kd_swap(uint32_t *p, size_t i, size_t j)
{
	uint32_t	tmp = p[i];

	p[i] = p[j];
	p[j] = tmp;
}

/* Rearrange perm[lo,hi) so that perm[k] is the element of rank k-lo along axis a,
 * smaller ones before it and larger ones after (quickselect, median-of-three). */
static void
kd_select(kdtree *t, size_t lo, size_t hi, size_t k, int a)
{
	uint32_t   *p = t->perm;

	while (hi - lo > 2)
	{
		size_t		mid = lo + (hi - lo) / 2;
		size_t		i,
					store;

		/* median of three to perm[hi-1] as pivot */
		if (kd_less(t, p[mid], p[lo], a))
			kd_swap(p, mid, lo);
		if (kd_less(t, p[hi - 1], p[lo], a))
			kd_swap(p, hi - 1, lo);
		if (kd_less(t, p[mid], p[hi - 1], a))
			kd_swap(p, mid, hi - 1);
		store = lo;
		for (i = lo; i < hi - 1; i++)
		{
			if (kd_less(t, p[i], p[hi - 1], a))
				kd_swap(p, i, store++);
		}
		kd_swap(p, store, hi - 1);
		if (store == k)
			return;
		if (k < store)
			hi = store;
		else
			lo = store + 1;
	}
	if (hi - lo == 2 && kd_less(t, p[lo + 1], p[lo], a))
		kd_swap(p, lo, lo + 1);
}

/* Build the subtree over perm[lo,hi): split on the wider extent at the median. */
static void
kd_build_range(kdtree *t, size_t lo, size_t hi)
{
	while (hi - lo > KD_LEAF)
	{
		double		x0 = INFINITY,
					x1 = -INFINITY,
					y0 = INFINITY,
					y1 = -INFINITY;
		size_t		i,
					mid = lo + (hi - lo) / 2;
		int			a;

		for (i = lo; i < hi; i++)
		{
			uint32_t	j = t->perm[i];

			x0 = fmin(x0, t->x[j]);
			x1 = fmax(x1, t->x[j]);
			y0 = fmin(y0, t->y[j]);
			y1 = fmax(y1, t->y[j]);
		}
		a = (x1 - x0 >= y1 - y0) ? 0 : 1;
		kd_select(t, lo, hi, mid, a);
		t->axis[mid] = (uint8_t) a;
		kd_build_range(t, lo, mid);
		lo = mid + 1;			/* right half iteratively */
	}
}

/* Build over the finite points among n; NULL on allocation failure or n > UINT32_MAX. */
kdtree *
kdtree_build(const double *x, const double *y, size_t n)
{
	kdtree	   *t;
	size_t		i;

	if (n > UINT32_MAX || n > SIZE_MAX / sizeof(uint32_t) || (n > 0 && (x == NULL || y == NULL)))
		return NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->x = x;
	t->y = y;
	t->perm = malloc((n > 0 ? n : 1) * sizeof(uint32_t));
	t->axis = malloc(n > 0 ? n : 1);
	if (t->perm == NULL || t->axis == NULL)
	{
		kdtree_free(t);
		return NULL;
	}
	for (i = 0; i < n; i++)
	{
		if (isfinite(x[i]) && isfinite(y[i]))
			t->perm[t->m++] = (uint32_t) i;
	}
	kd_build_range(t, 0, t->m);
	return t;
}

/* State of one k-NN query; the caller's idx/d2 arrays are the max-heap. */
typedef struct kd_knn_state
{
	double		qx,
				qy;
	size_t		skip,
				k,
				count;
	uint32_t   *idx;
	double	   *d2;
} kd_knn_state;

/* Heap order: is entry a farther than entry b, by (d2, index)? */
static inline int
kd_heap_gt(const kd_knn_state *s, size_t a, size_t b)
{
	return s->d2[a] > s->d2[b] || (s->d2[a] == s->d2[b] && s->idx[a] > s->idx[b]);
}

/* Swap two heap entries (index and distance together). */
static inline void
kd_heap_swap(kd_knn_state *s, size_t a, size_t b)
{
	uint32_t	ti = s->idx[a];
	double		td = s->d2[a];

	s->idx[a] = s->idx[b];
	s->d2[a] = s->d2[b];
	s->idx[b] = ti;
	s->d2[b] = td;
}

/* Restore the max-heap below position i within the first `len` entries. */
static void
kd_sift_down(kd_knn_state *s, size_t i, size_t len)
{
	for (;;)
	{
		size_t		l = 2 * i + 1,
					r = l + 1,
					big = i;

		if (l < len && kd_heap_gt(s, l, big))
			big = l;
		if (r < len && kd_heap_gt(s, r, big))
			big = r;
		if (big == i)
			return;
		kd_heap_swap(s, i, big);
		i = big;
	}
}

/* Offer point j to the k-NN heap. */
static void
kd_knn_offer(kd_knn_state *s, const kdtree *t, uint32_t j)
{
	double		dx,
				dy,
				d2;

	if (j == s->skip)
		return;
	dx = t->x[j] - s->qx;
	dy = t->y[j] - s->qy;
	d2 = dx * dx + dy * dy;
	if (s->count < s->k)
	{
		size_t		i = s->count++;

		s->idx[i] = j;
		s->d2[i] = d2;
		while (i > 0 && kd_heap_gt(s, i, (i - 1) / 2))
		{
			kd_heap_swap(s, i, (i - 1) / 2);
			i = (i - 1) / 2;
		}
	}
	else if (d2 < s->d2[0] || (d2 == s->d2[0] && j < s->idx[0]))
	{
		s->idx[0] = j;
		s->d2[0] = d2;
		kd_sift_down(s, 0, s->count);
	}
}

/* Search perm[lo,hi) for the query in s: the near side first, the far side only
 * while the splitting line is no farther than the current k-th candidate. */
static void
kd_knn_range(const kdtree *t, kd_knn_state *s, size_t lo, size_t hi)
{
	while (hi > lo)
	{
		size_t		mid,
					i;
		uint32_t	p;
		int			a;
		double		diff;

		if (hi - lo <= KD_LEAF)
		{
			for (i = lo; i < hi; i++)
				kd_knn_offer(s, t, t->perm[i]);
			return;
		}
		mid = lo + (hi - lo) / 2;
		p = t->perm[mid];
		a = t->axis[mid];
		kd_knn_offer(s, t, p);
		diff = (a == 0 ? s->qx : s->qy) - kd_coord(t, p, a);
		/* near side first; far side only if it can hold a point at least as close */
		if (diff < 0)
		{
			kd_knn_range(t, s, lo, mid);
			if (s->count < s->k || diff * diff <= s->d2[0])
			{
				lo = mid + 1;
				continue;
			}
		}
		else
		{
			kd_knn_range(t, s, mid + 1, hi);
			if (s->count < s->k || diff * diff <= s->d2[0])
			{
				hi = mid;
				continue;
			}
		}
		return;
	}
}

/*
 * The k nearest points to (qx,qy) other than `skip`, nearest first, ties by
 * lower index; idx/d2 must hold k entries.  Returns how many were found
 * (fewer than k when the tree is small; 0 for a non-finite query point).
 */
size_t
kdtree_knn(const kdtree *t, double qx, double qy, size_t skip, size_t k,
		   uint32_t *idx, double *d2)
{
	kd_knn_state s;
	size_t		len;

	if (t == NULL || k == 0 || !isfinite(qx) || !isfinite(qy))
		return 0;
	s.qx = qx;
	s.qy = qy;
	s.skip = skip;
	s.k = k;
	s.count = 0;
	s.idx = idx;
	s.d2 = d2;
	kd_knn_range(t, &s, 0, t->m);
	/* heap sort in place: the farthest goes to the end each round */
	for (len = s.count; len > 1; len--)
	{
		kd_heap_swap(&s, 0, len - 1);
		kd_sift_down(&s, 0, len - 1);
	}
	return s.count;
}

/* Report the points of perm[lo,hi) with d2 <= r2, skipping sides beyond r. */
static void
kd_radius_range(const kdtree *t, double qx, double qy, double r2, size_t lo, size_t hi,
				void (*fn) (uint32_t i, double d2, void *ctx), void *ctx)
{
	while (hi > lo)
	{
		size_t		mid,
					i;
		uint32_t	p;
		int			a;
		double		diff,
					dx,
					dy,
					d2;

		if (hi - lo <= KD_LEAF)
		{
			for (i = lo; i < hi; i++)
			{
				p = t->perm[i];
				dx = t->x[p] - qx;
				dy = t->y[p] - qy;
				d2 = dx * dx + dy * dy;
				if (d2 <= r2)
					fn(p, d2, ctx);
			}
			return;
		}
		mid = lo + (hi - lo) / 2;
		p = t->perm[mid];
		a = t->axis[mid];
		dx = t->x[p] - qx;
		dy = t->y[p] - qy;
		d2 = dx * dx + dy * dy;
		if (d2 <= r2)
			fn(p, d2, ctx);
		diff = (a == 0 ? qx : qy) - kd_coord(t, p, a);
		if (diff < 0)
		{
			kd_radius_range(t, qx, qy, r2, lo, mid, fn, ctx);
			if (!(diff * diff <= r2))
				return;
			lo = mid + 1;
		}
		else
		{
			kd_radius_range(t, qx, qy, r2, mid + 1, hi, fn, ctx);
			if (!(diff * diff <= r2))
				return;
			hi = mid;
		}
	}
}

/* Call fn(i, d2, ctx) for every point within r of (qx,qy), inclusive (d2 <= r*r).
 * The order of calls is the tree's, not by distance. */
void
kdtree_radius(const kdtree *t, double qx, double qy, double r,
			  void (*fn) (uint32_t i, double d2, void *ctx), void *ctx)
{
	if (t == NULL || fn == NULL || !isfinite(qx) || !isfinite(qy) || !(r >= 0))
		return;
	kd_radius_range(t, qx, qy, r * r, 0, t->m, fn, ctx);
}

/* Free the tree (not the caller's coordinates). NULL is a no-op. */
void
kdtree_free(kdtree *t)
{
	if (t == NULL)
		return;
	free(t->perm);
	free(t->axis);
	free(t);
}
