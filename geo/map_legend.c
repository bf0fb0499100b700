/*
 * geo/map_legend.c — the map's page furniture: layout, palette, text helpers,
 * title and subtitle, legend with counts per class, north arrow, metric scale
 * bar and the data note.
 *
 * All coordinates are page points (A3 landscape, origin top-left); see
 * geo/map_internal.h for the shared layout.  Text uses Cairo's toy font API
 * with the "sans-serif" family.
 */
#include "map_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>

#define MAP_MARGIN		28.35	/* 10 mm */
#define MAP_PANEL_W		250.0
#define MAP_PANEL_GAP	18.0
#define MAP_HEAD_H		56.0	/* title block above the frame */
#define MAP_NOTE_H		40.0	/* note block below the frame */
#define MAP_NOTE_LINES	3
#define MAP_NOTE_PT		8.0
#define MAP_ROW_H		19.0
#define MAP_INK			0.1

/* ColorBrewer RdBu, 7 classes: #2166ac #67a9cf #d1e5f0 #f7f7f7 #fddbc7 #ef8a62 #b2182b */
const double map_palette[7][3] = {
	{0x21 / 255.0, 0x66 / 255.0, 0xac / 255.0},
	{0x67 / 255.0, 0xa9 / 255.0, 0xcf / 255.0},
	{0xd1 / 255.0, 0xe5 / 255.0, 0xf0 / 255.0},
	{0xf7 / 255.0, 0xf7 / 255.0, 0xf7 / 255.0},
	{0xfd / 255.0, 0xdb / 255.0, 0xc7 / 255.0},
	{0xef / 255.0, 0x8a / 255.0, 0x62 / 255.0},
	{0xb2 / 255.0, 0x18 / 255.0, 0x2b / 255.0},
};

/* legend text per class, index bin + 3 */
static const char *const bin_label[7] = {
	"coldspot 99 %",
	"coldspot 95 %",
	"coldspot 90 %",
	"niet significant / not significant",
	"hotspot 90 %",
	"hotspot 95 %",
	"hotspot 99 %",
};

/*
 * map_layout_get — see geo/map_internal.h.
 */
void
map_layout_get(map_layout *l)
{
	l->pw = MAP_PAGE_W_PT;
	l->ph = MAP_PAGE_H_PT;
	l->margin = MAP_MARGIN;
	l->fx = MAP_MARGIN;
	l->fy = MAP_MARGIN + MAP_HEAD_H;
	l->fw = l->pw - 2 * MAP_MARGIN - MAP_PANEL_W - MAP_PANEL_GAP;
	l->fh = l->ph - MAP_MARGIN - MAP_NOTE_H - l->fy;
	l->lx = l->fx + l->fw + MAP_PANEL_GAP;
	l->ly = l->fy;
	l->lw = MAP_PANEL_W;
	l->lh = l->fh;
	l->ny = l->fy + l->fh + 14.0;
}

/*
 * map_font — see geo/map_internal.h.
 */
void
map_font(cairo_t *cr, double size, int bold)
{
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
						   bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, size);
}

/*
 * map_text — see geo/map_internal.h.
 */
double
map_text(cairo_t *cr, double x, double y, const char *s, int align)
{
	cairo_text_extents_t te;

	if (s == NULL)
		return 0;
	cairo_text_extents(cr, s, &te);
	if (align == 1)
		x -= te.x_advance / 2;
	else if (align == 2)
		x -= te.x_advance;
	cairo_new_path(cr);
	cairo_move_to(cr, x, y);
	cairo_show_text(cr, s);
	cairo_new_path(cr);
	return te.x_advance;
}

/*
 * map_hatch — see geo/map_internal.h.  Lines x + y = k * spacing, anchored to
 * the page so neighbouring suppressed areas hatch seamlessly.
 */
void
map_hatch(cairo_t *cr, double x0, double y0, double x1, double y1)
{
	const double sp = 3.2;

	cairo_new_path(cr);
	for (double k = floor((x0 + y0) / sp); k * sp <= x1 + y1; k += 1)
	{
		cairo_move_to(cr, k * sp - y1, y1);
		cairo_line_to(cr, k * sp - y0, y0);
	}
	cairo_set_source_rgba(cr, 0.12, 0.12, 0.12, 0.85);
	cairo_set_line_width(cr, 0.5);
	cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
	cairo_stroke(cr);
}

/*
 * map_island_line — see geo/map_internal.h.
 */
void
map_island_line(cairo_t *cr)
{
	static const double dash[2] = {2.4, 1.6};

	cairo_set_dash(cr, dash, 2, 0);
	cairo_set_line_width(cr, 1.2);
	cairo_set_source_rgb(cr, 0.35, 0.35, 0.35);
}

/*
 * fit_font — the largest size <= size at which s is at most maxw wide.
 */
static double
fit_font(cairo_t *cr, const char *s, double size, int bold, double maxw)
{
	cairo_text_extents_t te;

	map_font(cr, size, bold);
	cairo_text_extents(cr, s, &te);
	if (te.x_advance > maxw && te.x_advance > 0)
	{
		size *= maxw / te.x_advance;
		map_font(cr, size, bold);
	}
	return size;
}

/*
 * draw_titles — title (bold) and subtitle above the frame, shrunk to the page
 * width when too long.
 */
static void
draw_titles(cairo_t *cr, const map_layout *l, const map_spec *m)
{
	double		maxw = l->pw - 2 * l->margin;

	cairo_set_source_rgb(cr, MAP_INK, MAP_INK, MAP_INK);
	if (m->title)
	{
		fit_font(cr, m->title, 22, 1, maxw);
		map_text(cr, l->margin, l->margin + 20, m->title, 0);
	}
	if (m->subtitle)
	{
		cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
		fit_font(cr, m->subtitle, 12, 0, maxw);
		map_text(cr, l->margin, l->margin + 42, m->subtitle, 0);
	}
}

/*
 * legend_row — one legend line: swatch (drawn by the caller-chosen kind),
 * label, and the count right-aligned.  kind 0 = plain fill rgb, 1 = fill plus
 * hatch, 2 = white with the island outline.
 */
static void
legend_row(cairo_t *cr, const map_layout *l, double y, const double rgb[3],
		   int kind, const char *label, size_t count)
{
	const double sw = 26,
				sh = 14;
	char		num[32];

	cairo_save(cr);
	cairo_new_path(cr);
	cairo_rectangle(cr, l->lx, y, sw, sh);
	if (kind == 2)
		cairo_set_source_rgb(cr, 1, 1, 1);
	else
		cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
	cairo_fill_preserve(cr);
	if (kind == 1)
	{
		cairo_clip_preserve(cr);
		map_hatch(cr, l->lx, y, l->lx + sw, y + sh);
		cairo_rectangle(cr, l->lx, y, sw, sh);
	}
	if (kind == 2)
	{
		cairo_new_path(cr);
		cairo_rectangle(cr, l->lx + 1.5, y + 1.5, sw - 3, sh - 3);
		map_island_line(cr);
	}
	else
	{
		cairo_set_source_rgb(cr, 0.55, 0.55, 0.55);
		cairo_set_line_width(cr, 0.5);
	}
	cairo_stroke(cr);
	cairo_restore(cr);

	cairo_set_source_rgb(cr, MAP_INK, MAP_INK, MAP_INK);
	map_font(cr, 9.5, 0);
	map_text(cr, l->lx + sw + 10, y + 10.5, label, 0);
	snprintf(num, sizeof(num), "%zu", count);
	map_text(cr, l->lx + l->lw, y + 10.5, num, 2);
}

/*
 * draw_legend — classes hot to cold with their counts, then suppressed,
 * islands (only when there are any) and the total.
 */
static void
draw_legend(cairo_t *cr, const map_layout *l, const map_spec *m, const map_stats *st)
{
	const char *const *labels = m->class_labels ? m->class_labels : bin_label;
	double		y = l->ly + 12;
	char		num[32];

	cairo_set_source_rgb(cr, MAP_INK, MAP_INK, MAP_INK);
	map_font(cr, 12, 1);
	map_text(cr, l->lx, y, m->legend_title ? m->legend_title : "Hotspots (Getis-Ord Gi*)", 0);
	y += 15;
	cairo_set_source_rgb(cr, 0.35, 0.35, 0.35);
	map_font(cr, 8, 0);
	map_text(cr, l->lx, y, "klasse / class", 0);
	map_text(cr, l->lx + l->lw, y, "gebieden / areas", 2);
	y += 9;

	for (int b = 6; b >= 0; b--)
	{
		legend_row(cr, l, y, map_palette[b], 0, labels[b] ? labels[b] : "", st->nbin[b]);
		y += MAP_ROW_H;
	}
	y += 6;
	legend_row(cr, l, y, map_palette[3], 1, "onderdrukt / suppressed", st->nsupp);
	y += MAP_ROW_H;
	if (st->nisland > 0)
	{
		legend_row(cr, l, y, map_palette[3], 2, m->island_label ? m->island_label : "geen buren / no neighbours",
				   st->nisland);
		y += MAP_ROW_H;
	}

	y += 2;
	cairo_new_path(cr);
	cairo_move_to(cr, l->lx, y);
	cairo_line_to(cr, l->lx + l->lw, y);
	cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
	cairo_set_line_width(cr, 0.5);
	cairo_stroke(cr);
	y += 13;
	cairo_set_source_rgb(cr, MAP_INK, MAP_INK, MAP_INK);
	map_font(cr, 9.5, 1);
	map_text(cr, l->lx, y, "totaal / total", 0);
	snprintf(num, sizeof(num), "%zu", st->ndrawn);
	map_text(cr, l->lx + l->lw, y, num, 2);
}

/*
 * group_thousands — n (>= 0) with a space between groups of three digits.
 */
static void
group_thousands(char *buf, size_t len, double n)
{
	char		raw[32];
	size_t		k = 0,
				nd;

	snprintf(raw, sizeof(raw), "%.0f", n);
	nd = strlen(raw);
	for (size_t i = 0; i < nd && k + 2 < len; i++)
	{
		if (i > 0 && (nd - i) % 3 == 0)
			buf[k++] = ' ';
		buf[k++] = raw[i];
	}
	buf[k] = '\0';
}

/*
 * draw_scalebar — a bar of a round length (1, 2 or 5 x 10^k metres) near one
 * fifth of the frame width, four alternating segments, labelled in m or km,
 * with the nominal scale when printed on A3.
 */
static void
draw_scalebar(cairo_t *cr, const map_layout *l, const map_stats *st)
{
	static const double steps[3] = {1, 2, 5};
	double		target,
				p10,
				len,
				bl,
				x0 = l->lx,
				y0 = l->ly + l->lh - 30,
				h = 5;
	char		lab[64],
				ratio[32];

	if (st->scale <= 0)
		return;
	target = l->fw / st->scale / 5;
	p10 = pow(10, floor(log10(target)));
	len = p10;
	for (int k = 0; k < 3; k++)
		if (steps[k] * p10 <= target * 1.25)
			len = steps[k] * p10;
	if (10 * p10 <= target * 1.25)
		len = 10 * p10;
	bl = len * st->scale;

	for (int k = 0; k < 4; k++)
	{
		double		c = (k % 2 == 0) ? 0.15 : 1.0;

		cairo_new_path(cr);
		cairo_rectangle(cr, x0 + k * bl / 4, y0, bl / 4, h);
		cairo_set_source_rgb(cr, c, c, c);
		cairo_fill(cr);
	}
	cairo_new_path(cr);
	cairo_rectangle(cr, x0, y0, bl, h);
	cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
	cairo_set_line_width(cr, 0.6);
	cairo_stroke(cr);

	cairo_set_source_rgb(cr, MAP_INK, MAP_INK, MAP_INK);
	map_font(cr, 8.5, 0);
	map_text(cr, x0, y0 + h + 11, "0", 1);
	if (len >= 1000)
		snprintf(lab, sizeof(lab), "%g km", len / 1000);
	else
		snprintf(lab, sizeof(lab), "%g m", len);
	map_text(cr, x0 + bl, y0 + h + 11, lab, 1);

	/* 1 pt = 25.4/72 mm on paper */
	group_thousands(ratio, sizeof(ratio),
					round(1.0 / (st->scale * 0.0254 / 72.0) / 100.0) * 100.0);
	snprintf(lab, sizeof(lab), "schaal / scale 1 : %s (A3)", ratio);
	cairo_set_source_rgb(cr, 0.35, 0.35, 0.35);
	map_font(cr, 8, 0);
	map_text(cr, x0, y0 - 6, lab, 0);
	map_text(cr, x0, l->ly + l->lh, "RD New (EPSG:28992) \xc2\xb7 noord = rasternoord", 0);
}

/*
 * draw_north — north arrow (grid north of RD New is straight up) at the
 * panel's right edge above the scale bar.
 */
static void
draw_north(cairo_t *cr, const map_layout *l)
{
	double		x = l->lx + l->lw - 16,
				yb = l->ly + l->lh - 52,
				yt = yb - 40,
				hw = 9;

	cairo_new_path(cr);
	cairo_move_to(cr, x, yt);
	cairo_line_to(cr, x - hw, yb);
	cairo_line_to(cr, x, yb - 10);
	cairo_close_path(cr);
	cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
	cairo_fill(cr);
	cairo_move_to(cr, x, yt);
	cairo_line_to(cr, x - hw, yb);
	cairo_line_to(cr, x, yb - 10);
	cairo_line_to(cr, x + hw, yb);
	cairo_close_path(cr);
	cairo_set_line_width(cr, 0.8);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
	cairo_stroke(cr);
	map_font(cr, 13, 1);
	map_text(cr, x, yt - 5, "N", 1);
}

/*
 * draw_note — the data note across the page below the frame, wrapped at
 * spaces, '\n' forcing a break, at most MAP_NOTE_LINES lines (an ellipsis
 * marks a cut).  Returns 0 or -1 on allocation failure.
 */
static int
draw_note(cairo_t *cr, const map_layout *l, const char *note)
{
	static const char ell[] = "\xe2\x80\xa6";
	double		maxw = l->pw - 2 * l->margin;
	const char *p = note;
	char	   *buf;
	cairo_text_extents_t te;

	buf = malloc(strlen(note) + sizeof(ell));
	if (buf == NULL)
		return -1;
	cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
	map_font(cr, MAP_NOTE_PT, 0);
	for (int line = 0; line < MAP_NOTE_LINES && *p != '\0'; line++)
	{
		int			last = (line == MAP_NOTE_LINES - 1);
		double		w = maxw;
		const char *e = p;
		size_t		best = 0;

		if (last)
		{
			cairo_text_extents(cr, ell, &te);
			w -= te.x_advance;
		}
		for (;;)
		{
			const char *ws = e,
					   *we;

			while (*ws == ' ')
				ws++;
			for (we = ws; *we != '\0' && *we != ' ' && *we != '\n'; we++)
				;
			if (we == ws)
			{
				e = ws;
				break;
			}
			memcpy(buf, p, (size_t) (we - p));
			buf[we - p] = '\0';
			cairo_text_extents(cr, buf, &te);
			if (te.x_advance > w && best > 0)
				break;
			best = (size_t) (we - p);
			e = we;
			if (te.x_advance > w)
				break;
		}
		buf[best] = '\0';
		p = e;
		while (*p == ' ')
			p++;
		if (*p == '\n')
			p++;
		if (last && p[strspn(p, " \n")] != '\0')
			strcat(buf, ell);
		map_text(cr, l->margin, l->ny + line * 10.5, buf, 0);
	}
	free(buf);
	return 0;
}

/*
 * map_draw_furniture — see geo/map_internal.h.
 */
int
map_draw_furniture(cairo_t *cr, const map_layout *l, const map_spec *m,
				   const map_stats *st, char *err, size_t errlen)
{
	cairo_save(cr);
	draw_titles(cr, l, m);
	draw_legend(cr, l, m, st);
	draw_north(cr, l);
	draw_scalebar(cr, l, st);
	if (m->note && draw_note(cr, l, m->note) != 0)
	{
		cairo_restore(cr);
		return map_err(err, errlen, "map: out of memory drawing the note");
	}
	cairo_restore(cr);
	return 0;
}
