/*
 * geo/map.c — printable hotspot maps: the public entry map_render (input
 * checks, format by extension) and the three output surfaces: PNG raster,
 * SVG (buffered, surface id normalised) and PDF (no creation date).
 *
 * The page itself is drawn by map_draw (geo/map_draw.c, geo/map_legend.c)
 * in page points; only the surface and its scale differ per format.
 */
#include "map.h"
#include "map_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cairo.h>
#include <cairo-pdf.h>
#include <cairo-svg.h>

/* growing in-memory buffer for the SVG stream */
typedef struct map_buf
{
	unsigned char *data;
	size_t		len,
				cap;
} map_buf;

/*
 * map_err — see geo/map_internal.h.
 */
int
map_err(char *err, size_t errlen, const char *fmt,...)
{
	va_list		ap;

	if (err && errlen > 0)
	{
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/*
 * check_spec — validate m before anything is drawn: required pointers present,
 * offsets monotone and inside the arrays, bins in -3..3.  Returns 0 or -1 with
 * a message.
 */
static int
check_spec(const map_spec *m, char *err, size_t errlen)
{
	const geo_polys *p;

	if (m == NULL || m->polys == NULL || m->bin == NULL)
		return map_err(err, errlen, "map: no polygons or bins given");
	p = m->polys;
	if (p->n > 0 && (p->ring_off == NULL || p->pt_off == NULL ||
					 (p->npts > 0 && p->xy == NULL)))
		return map_err(err, errlen, "map: polygon arrays missing");
	if (p->n == 0)
		return 0;
	if (p->ring_off[0] != 0 || p->ring_off[p->n] > p->nrings)
		return map_err(err, errlen, "map: ring offsets out of range");
	for (size_t i = 0; i < p->n; i++)
	{
		if (p->ring_off[i + 1] < p->ring_off[i])
			return map_err(err, errlen, "map: ring offsets not increasing");
		if (m->bin[i] < -3 || m->bin[i] > 3)
			return map_err(err, errlen, "map: area %zu has bin %d, outside -3..3",
						   i, m->bin[i]);
	}
	if (p->pt_off[0] != 0 || p->pt_off[p->ring_off[p->n]] > p->npts)
		return map_err(err, errlen, "map: point offsets out of range");
	for (size_t r = 0; r < p->ring_off[p->n]; r++)
		if (p->pt_off[r + 1] < p->pt_off[r])
			return map_err(err, errlen, "map: point offsets not increasing");
	return 0;
}

/*
 * new_context — cairo_t on surface s, scaled so one unit is one page point.
 * Returns NULL (message in err, nothing to destroy) on failure.
 */
static cairo_t *
new_context(cairo_surface_t *s, double scale, char *err, size_t errlen)
{
	cairo_t    *cr = cairo_create(s);

	if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
	{
		map_err(err, errlen, "map: cannot create drawing context: %s",
				cairo_status_to_string(cairo_status(cr)));
		cairo_destroy(cr);
		return NULL;
	}
	cairo_scale(cr, scale, scale);
	return cr;
}

/*
 * render_png — draw on an RGB image surface and write it as PNG.
 */
static int
render_png(const map_spec *m, const char *path, char *err, size_t errlen)
{
	cairo_surface_t *s;
	cairo_t    *cr;
	cairo_status_t cs;
	int			rc;

	s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, MAP_PNG_WIDTH, MAP_PNG_HEIGHT);
	cs = cairo_surface_status(s);
	if (cs != CAIRO_STATUS_SUCCESS)
	{
		cairo_surface_destroy(s);
		return map_err(err, errlen, "map: cannot create image for %s: %s", path,
					   cairo_status_to_string(cs));
	}
	cr = new_context(s, MAP_PNG_WIDTH / MAP_PAGE_W_PT, err, errlen);
	if (cr == NULL)
	{
		cairo_surface_destroy(s);
		return -1;
	}
	rc = map_draw(cr, m, err, errlen);
	cairo_destroy(cr);
	if (rc == 0)
	{
		cs = cairo_surface_write_to_png(s, path);
		if (cs != CAIRO_STATUS_SUCCESS)
			rc = map_err(err, errlen, "map: cannot write %s: %s", path, cairo_status_to_string(cs));
	}
	cairo_surface_destroy(s);
	return rc;
}

/*
 * render_pdf — draw one A3 landscape page into a PDF file at path.  No
 * creation date is written, so the same input gives the same bytes.
 */
static int
render_pdf(const map_spec *m, const char *path, char *err, size_t errlen)
{
	cairo_surface_t *s;
	cairo_t    *cr;
	cairo_status_t cs;
	int			rc;

	s = cairo_pdf_surface_create(path, MAP_PAGE_W_PT, MAP_PAGE_H_PT);
	cs = cairo_surface_status(s);
	if (cs != CAIRO_STATUS_SUCCESS)
	{
		cairo_surface_destroy(s);
		return map_err(err, errlen, "map: cannot write %s: %s", path, cairo_status_to_string(cs));
	}
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE, "");
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "vsp");
	if (m->title)
		cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, m->title);
	cr = new_context(s, 1.0, err, errlen);
	if (cr == NULL)
	{
		cairo_surface_destroy(s);
		return -1;
	}
	rc = map_draw(cr, m, err, errlen);
	cairo_destroy(cr);
	cairo_surface_finish(s);
	cs = cairo_surface_status(s);
	if (rc == 0 && cs != CAIRO_STATUS_SUCCESS)
		rc = map_err(err, errlen, "map: cannot write %s: %s", path, cairo_status_to_string(cs));
	cairo_surface_destroy(s);
	return rc;
}

/*
 * buf_write — cairo write callback appending to a map_buf.
 */
static cairo_status_t
buf_write(void *closure, const unsigned char *data, unsigned int length)
{
	map_buf    *b = closure;

	if (length > b->cap - b->len)
	{
		size_t		ncap = b->cap ? b->cap : 1 << 16;
		unsigned char *nd;

		while (ncap - b->len < length)
		{
			if (ncap > ((size_t) -1) / 2)
				return CAIRO_STATUS_NO_MEMORY;
			ncap *= 2;
		}
		nd = realloc(b->data, ncap);
		if (nd == NULL)
			return CAIRO_STATUS_NO_MEMORY;
		b->data = nd;
		b->cap = ncap;
	}
	memcpy(b->data + b->len, data, length);
	b->len += length;
	return CAIRO_STATUS_SUCCESS;
}

/*
 * write_svg — write the buffered SVG to path, renaming the page group's
 * process-wide surface id ("surface17") to "surface1" so that output does not
 * depend on how many surfaces the process made before.
 */
static int
write_svg(const map_buf *b, const char *path, char *err, size_t errlen)
{
	static const char key[] = "<g id=\"surface";
	const unsigned char *d = b->data;
	size_t		n = b->len,
				a = n,
				e = n;
	FILE	   *f;
	int			ok;

	if (d != NULL)
	{
		const unsigned char *hit = memmem(d, n, key, sizeof(key) - 1);

		if (hit != NULL)
		{
			a = (size_t) (hit - d) + sizeof(key) - 1;
			e = a;
			while (e < n && d[e] >= '0' && d[e] <= '9')
				e++;
			if (e == a || e >= n || d[e] != '"')
				a = e = n;
		}
	}
	f = fopen(path, "wb");
	if (f == NULL)
		return map_err(err, errlen, "map: cannot write %s: %s", path, strerror(errno));
	ok = fwrite(d, 1, a, f) == a;
	if (ok && a < n)
		ok = fputs("1", f) != EOF && fwrite(d + e, 1, n - e, f) == n - e;
	if (fclose(f) != 0)
		ok = 0;
	if (!ok)
		return map_err(err, errlen, "map: cannot write %s: %s", path, strerror(errno));
	return 0;
}

/*
 * render_svg — draw into an in-memory SVG stream (A3 landscape, units pt),
 * then write it to path.
 */
static int
render_svg(const map_spec *m, const char *path, char *err, size_t errlen)
{
	map_buf		b = {NULL, 0, 0};
	cairo_surface_t *s;
	cairo_t    *cr;
	cairo_status_t cs;
	int			rc;

	s = cairo_svg_surface_create_for_stream(buf_write, &b, MAP_PAGE_W_PT, MAP_PAGE_H_PT);
	cs = cairo_surface_status(s);
	if (cs != CAIRO_STATUS_SUCCESS)
	{
		cairo_surface_destroy(s);
		free(b.data);
		return map_err(err, errlen, "map: cannot create svg for %s: %s", path,
					   cairo_status_to_string(cs));
	}
	cairo_svg_surface_set_document_unit(s, CAIRO_SVG_UNIT_PT);
	cr = new_context(s, 1.0, err, errlen);
	if (cr == NULL)
	{
		cairo_surface_destroy(s);
		free(b.data);
		return -1;
	}
	rc = map_draw(cr, m, err, errlen);
	cairo_destroy(cr);
	cairo_surface_finish(s);
	cs = cairo_surface_status(s);
	cairo_surface_destroy(s);
	if (rc == 0 && cs != CAIRO_STATUS_SUCCESS)
		rc = map_err(err, errlen, "map: cannot create svg for %s: %s", path,
					 cairo_status_to_string(cs));
	if (rc == 0)
		rc = write_svg(&b, path, err, errlen);
	free(b.data);
	return rc;
}

/*
 * map_render — see geo/map.h.
 */
int
map_render(const map_spec *m, const char *path, char *err, size_t errlen)
{
	const char *ext;

	if (err && errlen > 0)
		err[0] = '\0';
	if (path == NULL || *path == '\0')
		return map_err(err, errlen, "map: no output path given");
	if (check_spec(m, err, errlen) != 0)
		return -1;
	ext = strrchr(path, '.');
	if (ext != NULL && strcasecmp(ext, ".png") == 0)
		return render_png(m, path, err, errlen);
	if (ext != NULL && strcasecmp(ext, ".svg") == 0)
		return render_svg(m, path, err, errlen);
	if (ext != NULL && strcasecmp(ext, ".pdf") == 0)
		return render_pdf(m, path, err, errlen);
	return map_err(err, errlen, "map: cannot tell the format of %s: use .png, .svg or .pdf",
				   path);
}

/*
 * map_frame_rect — see geo/map.h.
 */
void
map_frame_rect(double *x, double *y, double *w, double *h)
{
	map_layout	l;

	map_layout_get(&l);
	if (x)
		*x = l.fx;
	if (y)
		*y = l.fy;
	if (w)
		*w = l.fw;
	if (h)
		*h = l.fh;
}
