/*
 * geo/map_draw.c — the map frame's content: extent fitting (aspect kept,
 * metres are metres), area fills per hotspot bin (even-odd, so holes work),
 * suppression hatching, boundaries, island outlines and labels; and map_draw,
 * which puts the whole page on a cairo_t in page points.
 *
 * Title, legend, scale bar, north arrow and note are in geo/map_legend.c;
 * the output surfaces in geo/map.c.
 */
#include "map_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>

/* world (RD New metres) to page points: px = ox + (x - minx) s, py = oy + (maxy - y) s */
typedef struct map_xform
{
	double		minx,
				maxy,
				s,
				ox,
				oy;
} map_xform;

#define MAP_BOUNDARY_GREY	0.55
#define MAP_LABEL_MIN_PT	5.0
#define MAP_LABEL_MAX_PT	9.0
#define MAP_THIN_PT			0.05	/* drop vertices closer than this to the last kept one */
#define MAP_MIN_AREA_PT		2.0		/* no boundaries when areas are typically smaller */

/*
 * drawn — whether area i is drawn (include mask).
 */
static int
drawn(const map_spec *m, size_t i)
{
	return m->include == NULL || m->include[i] != 0;
}

/*
 * area_bbox — bounding box of area i's finite points in metres.  Returns the
 * number of finite points (0: box untouched).
 */
static size_t
area_bbox(const geo_polys *p, size_t i, double b[4])
{
	size_t		k = 0;

	for (size_t q = p->pt_off[p->ring_off[i]]; q < p->pt_off[p->ring_off[i + 1]]; q++)
	{
		double		x = p->xy[2 * q],
					y = p->xy[2 * q + 1];

		if (!isfinite(x) || !isfinite(y))
			continue;
		if (k++ == 0)
		{
			b[0] = b[2] = x;
			b[1] = b[3] = y;
			continue;
		}
		b[0] = fmin(b[0], x);
		b[1] = fmin(b[1], y);
		b[2] = fmax(b[2], x);
		b[3] = fmax(b[3], y);
	}
	return k;
}

/*
 * fit_extent — count what is drawn into st and fit the drawn areas' bounding
 * box (plus 2 % padding) into the frame, keeping the aspect ratio.  Leaves
 * st->scale 0 when no drawn area has a finite point.
 */
static void
fit_extent(const map_spec *m, const map_layout *l, map_stats *st, map_xform *t)
{
	const geo_polys *p = m->polys;
	double		ext[4] = {0, 0, 0, 0};
	int			have = 0;
	double		bw,
				bh,
				pad;

	memset(st, 0, sizeof(*st));
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < p->n; i++)
	{
		double		b[4];

		if (!drawn(m, i))
			continue;
		st->ndrawn++;
		st->nbin[m->bin[i] + 3]++;
		if (m->suppressed && m->suppressed[i])
			st->nsupp++;
		if (m->island && m->island[i])
			st->nisland++;
		if (area_bbox(p, i, b) == 0)
			continue;
		if (!have)
			memcpy(ext, b, sizeof(ext));
		ext[0] = fmin(ext[0], b[0]);
		ext[1] = fmin(ext[1], b[1]);
		ext[2] = fmax(ext[2], b[2]);
		ext[3] = fmax(ext[3], b[3]);
		have = 1;
	}
	if (!have)
		return;
	/* a single point or a line still gets a 100 m wide view */
	bw = fmax(ext[2] - ext[0], 100.0);
	bh = fmax(ext[3] - ext[1], 100.0);
	pad = 0.02 * fmax(bw, bh);
	bw += 2 * pad;
	bh += 2 * pad;
	t->s = fmin(l->fw / bw, l->fh / bh);
	t->minx = (ext[0] + ext[2]) / 2 - bw / 2;
	t->maxy = (ext[1] + ext[3]) / 2 + bh / 2;
	t->ox = l->fx + (l->fw - bw * t->s) / 2;
	t->oy = l->fy + (l->fh - bh * t->s) / 2;
	st->scale = t->s;
}

/*
 * area_path — append area i's rings to the current path as closed subpaths,
 * skipping non-finite points and points within MAP_THIN_PT of the last one
 * kept (invisible detail; keeps national-scale paths small).  Fill with
 * CAIRO_FILL_RULE_EVEN_ODD for holes.
 */
static void
area_path(cairo_t *cr, const geo_polys *p, size_t i, const map_xform *t)
{
	for (size_t r = p->ring_off[i]; r < p->ring_off[i + 1]; r++)
	{
		int			started = 0;
		double		lx = 0,
					ly = 0;

		for (size_t q = p->pt_off[r]; q < p->pt_off[r + 1]; q++)
		{
			double		x = p->xy[2 * q],
						y = p->xy[2 * q + 1];
			double		px,
						py;

			if (!isfinite(x) || !isfinite(y))
				continue;
			px = t->ox + (x - t->minx) * t->s;
			py = t->oy + (t->maxy - y) * t->s;
			if (!started)
				cairo_move_to(cr, px, py);
			else if (fabs(px - lx) >= MAP_THIN_PT || fabs(py - ly) >= MAP_THIN_PT)
				cairo_line_to(cr, px, py);
			else
				continue;
			lx = px;
			ly = py;
			started = 1;
		}
		if (started)
			cairo_close_path(cr);
	}
}

/*
 * draw_areas — fills per bin, hatching over suppressed areas, boundaries and
 * island outlines, all clipped to the frame.
 */
static void
draw_areas(cairo_t *cr, const map_spec *m, const map_layout *l,
		   const map_stats *st, const map_xform *t)
{
	const geo_polys *p = m->polys;
	double		typical;

	cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
	/* one fill per class: areas of a class do not overlap, so even-odd holds */
	for (int b = 0; b < 7; b++)
	{
		if (st->nbin[b] == 0)
			continue;
		cairo_new_path(cr);
		for (size_t i = 0; i < p->n; i++)
			if (drawn(m, i) && m->bin[i] + 3 == b)
				area_path(cr, p, i, t);
		cairo_set_source_rgb(cr, map_palette[b][0], map_palette[b][1], map_palette[b][2]);
		cairo_fill(cr);
	}

	if (st->nsupp > 0)
	{
		double		x0,
					y0,
					x1,
					y1;

		cairo_save(cr);
		cairo_new_path(cr);
		for (size_t i = 0; i < p->n; i++)
			if (drawn(m, i) && m->suppressed[i])
				area_path(cr, p, i, t);
		cairo_clip(cr);
		cairo_clip_extents(cr, &x0, &y0, &x1, &y1);
		map_hatch(cr, x0, y0, x1, y1);
		cairo_restore(cr);
	}

	/*
	 * Thin grey boundaries, thinner when areas are small; none when areas are
	 * typically under MAP_MIN_AREA_PT across (national PC6 maps), where they
	 * would only grey the map.  Bevel joins: same look at this width, faster.
	 */
	typical = sqrt(l->fw * l->fh / (double) (st->ndrawn ? st->ndrawn : 1));
	if (typical >= MAP_MIN_AREA_PT)
	{
		cairo_new_path(cr);
		for (size_t i = 0; i < p->n; i++)
			if (drawn(m, i))
				area_path(cr, p, i, t);
		cairo_set_source_rgb(cr, MAP_BOUNDARY_GREY, MAP_BOUNDARY_GREY, MAP_BOUNDARY_GREY);
		cairo_set_line_width(cr, fmin(0.4, fmax(0.1, 0.02 * typical)));
		cairo_set_line_join(cr, CAIRO_LINE_JOIN_BEVEL);
		cairo_stroke(cr);
	}

	if (st->nisland > 0)
	{
		cairo_save(cr);
		cairo_new_path(cr);
		for (size_t i = 0; i < p->n; i++)
			if (drawn(m, i) && m->island[i])
				area_path(cr, p, i, t);
		map_island_line(cr);
		cairo_stroke(cr);
		cairo_restore(cr);
	}
}

/*
 * inside_area — even-odd point-in-polygon test of (x, y) in metres against
 * all rings of area i (holes and parts included).
 */
static int
inside_area(const geo_polys *p, size_t i, double x, double y)
{
	int			in = 0;

	for (size_t r = p->ring_off[i]; r < p->ring_off[i + 1]; r++)
	{
		size_t		a = p->pt_off[r],
					b = p->pt_off[r + 1];

		if (b - a < 3)
			continue;
		for (size_t q = a, prev = b - 1; q < b; prev = q++)
		{
			double		x1 = p->xy[2 * q],
						y1 = p->xy[2 * q + 1],
						x0 = p->xy[2 * prev],
						y0 = p->xy[2 * prev + 1];

			if ((y1 > y) != (y0 > y) &&
				x < x0 + (x1 - x0) * (y - y0) / (y1 - y0))
				in = !in;
		}
	}
	return in;
}

/*
 * label_fits — whether the label box r (page points) lies inside area i:
 * first inside its bounding box, then its corners and edge midpoints inside
 * the polygon itself, so labels stay off narrow or concave areas' neighbours.
 */
static int
label_fits(const geo_polys *p, size_t i, const map_xform *t, const double r[4])
{
	double		b[4];

	if (area_bbox(p, i, b) == 0 ||
		r[0] < t->ox + (b[0] - t->minx) * t->s ||
		r[2] > t->ox + (b[2] - t->minx) * t->s ||
		r[1] < t->oy + (t->maxy - b[3]) * t->s ||
		r[3] > t->oy + (t->maxy - b[1]) * t->s)
		return 0;
	for (int k = 0; k < 8; k++)
	{
		static const double fx[8] = {0, 0.5, 1, 1, 1, 0.5, 0, 0};
		static const double fy[8] = {0, 0, 0, 0.5, 1, 1, 1, 0.5};
		double		px = r[0] + fx[k] * (r[2] - r[0]),
					py = r[1] + fy[k] * (r[3] - r[1]);

		if (!inside_area(p, i, t->minx + (px - t->ox) / t->s, t->maxy - (py - t->oy) / t->s))
			return 0;
	}
	return 1;
}

/*
 * draw_labels — labels at cx/cy in index order, each only where its box fits
 * inside the area (label_fits) and does not overlap an earlier label.  One
 * font size for the whole map, from the typical area size.  Returns 0 or -1
 * on allocation failure.
 */
static int
draw_labels(cairo_t *cr, const map_spec *m, const map_stats *st,
			const map_xform *t, const map_layout *l)
{
	const geo_polys *p = m->polys;
	double	   *placed = NULL;	/* x0,y0,x1,y1 per placed label */
	size_t		nplaced = 0,
				cap = 0;
	double		fs;

	if (m->labels == NULL || p->cx == NULL || p->cy == NULL || st->ndrawn == 0)
		return 0;
	fs = 0.2 * sqrt(l->fw * l->fh / (double) st->ndrawn);
	fs = fmin(MAP_LABEL_MAX_PT, fmax(MAP_LABEL_MIN_PT, fs));
	map_font(cr, fs, 0);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);

	for (size_t i = 0; i < p->n; i++)
	{
		const char *s = m->labels[i];
		cairo_text_extents_t te;
		double		x,
					y,
					r[4],
					b[4];
		int			clash = 0;

		if (!drawn(m, i) || s == NULL || *s == '\0' ||
			!isfinite(p->cx[i]) || !isfinite(p->cy[i]))
			continue;
		/*
		 * The label box is at least 2 pt each way (1 pt of air around the ink) and has to
		 * lie inside the area's box (label_fits): areas smaller than that are passed over
		 * before any text is measured — most of them on a national PC6 map.
		 */
		if (area_bbox(p, i, b) == 0 || (b[2] - b[0]) * t->s < 1.9 || (b[3] - b[1]) * t->s < 1.9)
			continue;
		cairo_text_extents(cr, s, &te);
		x = t->ox + (p->cx[i] - t->minx) * t->s;
		y = t->oy + (t->maxy - p->cy[i]) * t->s;
		/* label box centred on the point, 1 pt of air around the ink */
		r[0] = x - te.width / 2 - 1;
		r[2] = x + te.width / 2 + 1;
		r[1] = y - te.height / 2 - 1;
		r[3] = y + te.height / 2 + 1;
		if (!label_fits(p, i, t, r))
			continue;
		for (size_t k = 0; k < nplaced && !clash; k++)
			clash = r[0] < placed[4 * k + 2] && r[2] > placed[4 * k] &&
				r[1] < placed[4 * k + 3] && r[3] > placed[4 * k + 1];
		if (clash)
			continue;
		if (nplaced == cap)
		{
			size_t		ncap = cap ? cap * 2 : 64;
			double	   *np = realloc(placed, ncap * 4 * sizeof(double));

			if (np == NULL)
			{
				free(placed);
				return -1;
			}
			placed = np;
			cap = ncap;
		}
		memcpy(placed + 4 * nplaced++, r, sizeof(r));

		/*
		 * White on the two darkest classes, near-black elsewhere; over the
		 * hatching a halo in the fill colour keeps the lines off the glyphs.
		 */
		cairo_new_path(cr);
		cairo_move_to(cr, x - te.width / 2 - te.x_bearing, y - te.height / 2 - te.y_bearing);
		cairo_text_path(cr, s);
		if (m->suppressed && m->suppressed[i])
		{
			const double *c = map_palette[m->bin[i] + 3];

			cairo_set_source_rgb(cr, c[0], c[1], c[2]);
			cairo_set_line_width(cr, fs * 0.3);
			cairo_stroke_preserve(cr);
		}
		if (m->bin[i] == 3 || m->bin[i] == -3)
			cairo_set_source_rgb(cr, 1, 1, 1);
		else
			cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
		cairo_fill(cr);
	}
	free(placed);
	return 0;
}

/*
 * map_draw — see geo/map_internal.h.
 */
int
map_draw(cairo_t *cr, const map_spec *m, char *err, size_t errlen)
{
	map_layout	l;
	map_stats	st;
	map_xform	t;
	cairo_font_options_t *fo;
	cairo_status_t cs;

	/* unhinted metrics: text measures the same on raster and vector surfaces */
	fo = cairo_font_options_create();
	if (cairo_font_options_status(fo) != CAIRO_STATUS_SUCCESS)
	{
		cairo_font_options_destroy(fo);
		return map_err(err, errlen, "map: out of memory");
	}
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	cairo_set_font_options(cr, fo);
	cairo_font_options_destroy(fo);

	map_layout_get(&l);
	fit_extent(m, &l, &st, &t);

	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);

	cairo_save(cr);
	cairo_rectangle(cr, l.fx, l.fy, l.fw, l.fh);
	cairo_clip(cr);
	if (st.scale > 0)
	{
		draw_areas(cr, m, &l, &st, &t);
		if (draw_labels(cr, m, &st, &t, &l) != 0)
		{
			cairo_restore(cr);
			return map_err(err, errlen, "map: out of memory placing labels");
		}
	}
	else
	{
		cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
		map_font(cr, 14, 0);
		map_text(cr, l.fx + l.fw / 2, l.fy + l.fh / 2,
				 "geen gebieden om te tonen / no areas to show", 1);
	}
	cairo_restore(cr);

	cairo_new_path(cr);
	cairo_rectangle(cr, l.fx, l.fy, l.fw, l.fh);
	cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
	cairo_set_line_width(cr, 0.8);
	cairo_stroke(cr);

	if (map_draw_furniture(cr, &l, m, &st, err, errlen) != 0)
		return -1;

	cs = cairo_status(cr);
	if (cs != CAIRO_STATUS_SUCCESS)
		return map_err(err, errlen, "map: drawing failed: %s", cairo_status_to_string(cs));
	return 0;
}
