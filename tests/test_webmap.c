/*
 * tests/test_webmap.c — cmocka suite for geo/webmap.[ch]: the browser map's simplified
 * topology (shared boundaries stay shared, rings never collapse, snapping, WGS 84) and the
 * HTML writer (markers, inlining, JSON escaping, team subsets, missing Leaflet).
 */
#include "testutil.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gdal/ogr_api.h>

#include "../geo/webmap.h"

/* Build a topology from WKT polygons in RD New (EPSG:28992). */
static void
build(const char *const *wkt, size_t n, double snap, double tol, webmap_topo *t)
{
	OGRGeometryH g[8];
	char		err[256];

	assert_true(n <= 8);
	for (size_t i = 0; i < n; i++)
	{
		char	   *w = (char *) wkt[i];

		g[i] = NULL;
		assert_int_equal(OGR_G_CreateFromWkt(&w, NULL, &g[i]), OGRERR_NONE);
	}
	if (webmap_topo_build(g, n, NULL, NULL, "EPSG:28992", snap, tol, t, err, sizeof(err)) != 0)
		fail_msg("webmap_topo_build: %s", err);
	for (size_t i = 0; i < n; i++)
		OGR_G_DestroyGeometry(g[i]);
}

/* The points of ring r, arcs joined (the shared junction once), into out; returns count. */
static size_t
ring_points(const webmap_topo *t, size_t r, int32_t *out, size_t cap)
{
	size_t		m = 0;

	for (size_t k = t->ref_off[r]; k < t->ref_off[r + 1]; k++)
	{
		int64_t		a = t->refs[k] < 0 ? ~t->refs[k] : t->refs[k];
		size_t		lo = t->arc_off[a], hi = t->arc_off[a + 1];

		for (size_t j = 0; j < hi - lo; j++)
		{
			size_t		p = t->refs[k] < 0 ? hi - 1 - j : lo + j;

			if (j == 0 && k > t->ref_off[r])
				continue;
			assert_true(m < cap);
			out[2 * m] = t->ll[2 * p];
			out[2 * m + 1] = t->ll[2 * p + 1];
			m++;
		}
	}
	return m;
}

static size_t
distinct(const int32_t *p, size_t m)
{
	size_t		d = 0;

	for (size_t i = 0; i < m; i++)
	{
		int			seen = 0;

		for (size_t j = 0; j < i && !seen; j++)
			seen = p[2 * i] == p[2 * j] && p[2 * i + 1] == p[2 * j + 1];
		d += !seen;
	}
	return d;
}

/* two squares sharing a wiggly edge (x = 1000, y wiggling by 3 m every 10 m) and a third
 * on top touching both: the shared edge is one arc, referenced forwards and reversed */
static char *
wiggly_pair(int right)
{
	char	   *s = malloc(16384);
	size_t		k = 0;

	assert_non_null(s);
	k += (size_t) snprintf(s + k, 16384 - k, "POLYGON((%d 0", right ? 2000 : 0);
	if (!right)
	{
		k += (size_t) snprintf(s + k, 16384 - k, ",1000 0");
		for (int y = 10; y < 1000; y += 10)
			k += (size_t) snprintf(s + k, 16384 - k, ",%g %d", 1000 + ((y / 10) % 2 ? 3.0 : 0.0), y);
		k += (size_t) snprintf(s + k, 16384 - k, ",1000 1000,0 1000,0 0))");
	}
	else
	{
		k += (size_t) snprintf(s + k, 16384 - k, ",2000 1000,1000 1000");
		for (int y = 990; y > 0; y -= 10)
			k += (size_t) snprintf(s + k, 16384 - k, ",%g %d", 1000 + ((y / 10) % 2 ? 3.0 : 0.0), y);
		k += (size_t) snprintf(s + k, 16384 - k, ",1000 0,2000 0))");
	}
	return s;
}

static void
test_shared_boundary(void **state)
{
	char	   *a = wiggly_pair(0), *b = wiggly_pair(1);
	const char *wkt[] = {a, b, "POLYGON((0 1000,1000 1000,2000 1000,2000 2000,0 2000,0 1000))"};
	webmap_topo t;
	int64_t		shared = -1;
	int			fwd = 0, rev = 0;

	(void) state;
	build(wkt, 3, 0.01, 10.0, &t);
	assert_int_equal(t.n, 3);
	assert_int_equal(t.npolys, 3);
	assert_int_equal(t.nrings, 3);
	/* the wiggly arc: the one used by areas 0 and 1, in opposite directions */
	for (size_t k = t.ref_off[0]; k < t.ref_off[1]; k++)
		for (size_t j = t.ref_off[1]; j < t.ref_off[2]; j++)
			if (t.refs[k] == ~t.refs[j])
				shared = t.refs[k] < 0 ? ~t.refs[k] : t.refs[k];
	assert_true(shared >= 0);
	for (size_t r = 0; r < 2; r++)
		for (size_t k = t.ref_off[r]; k < t.ref_off[r + 1]; k++)
		{
			fwd += t.refs[k] == shared;
			rev += t.refs[k] == ~shared;
		}
	assert_int_equal(fwd, 1);
	assert_int_equal(rev, 1);
	/* simplified: 100 wiggles of 3 m under a 10 m tolerance become a straight line */
	assert_true(t.arc_off[shared + 1] - t.arc_off[shared] <= 3);
	assert_true(t.npts_out < t.npts_in / 4);
	/* every arc is referenced; the top square shares its bottom edge with both */
	for (size_t ar = 0; ar < t.narcs; ar++)
	{
		int			used = 0;

		for (size_t k = 0; k < t.ref_off[t.nrings]; k++)
			used += t.refs[k] == (int64_t) ar || t.refs[k] == ~(int64_t) ar;
		assert_true(used >= 1 && used <= 2);
	}
	/* RD (0, 0) is far west of Amersfoort: longitudes near 3.3, latitudes near 47.97 */
	assert_true(t.ll[0] > 300000 && t.ll[0] < 340000);
	assert_true(t.ll[1] > 4780000 && t.ll[1] < 4810000);
	webmap_topo_free(&t);
	webmap_topo_free(&t);		/* twice is harmless */
	free(a);
	free(b);
}

/* an area with a hole and the enclave filling it; and a two-arc ring under a tolerance
 * that would flatten both its arcs */
static void
test_no_collapse(void **state)
{
	const char *wkt[] = {
		"POLYGON((0 0,1000 0,1000 1000,0 1000,0 0),(400 400,600 400,600 600,400 600,400 400))",
		"POLYGON((400 400,600 400,600 600,400 600,400 400))",
		/* a lens: the arc along y = 2000 .. 2100 and the straight arc shared with the next */
		"POLYGON((0 2000,500 2040,1000 2000,0 2000))",
		"POLYGON((0 2000,1000 2000,1000 1500,0 1500,0 2000))"
	};
	webmap_topo t;
	int32_t		pts[2 * 64];

	(void) state;
	build(wkt, 4, 0.01, 5000.0, &t);
	assert_int_equal(t.nrings, 5);
	for (size_t r = 0; r < t.nrings; r++)
	{
		size_t		m = ring_points(&t, r, pts, 64);

		if (distinct(pts, m) < 3)
			fail_msg("ring %zu collapsed to %zu points", r, distinct(pts, m));
	}
	/* the hole of area 0 and the exterior of area 1 are the same closed arc */
	assert_int_equal(t.ref_off[2] - t.ref_off[1], 1);
	assert_int_equal(t.ref_off[3] - t.ref_off[2], 1);
	{
		int64_t		h = t.refs[t.ref_off[1]], e = t.refs[t.ref_off[2]];

		assert_true(h == e || h == ~e);
	}
	webmap_topo_free(&t);
}

/* vertices that differ by float noise are snapped together: still one shared arc */
static void
test_snap(void **state)
{
	const char *wkt[] = {
		"POLYGON((0 0,100 0,100 50,100 100,0 100,0 0))",
		"POLYGON((100.0000001 0,200 0,200 100,99.9999999 100,100.0000002 50,100.0000001 0))"
	};
	webmap_topo t;

	(void) state;
	build(wkt, 2, 0.01, 0, &t);
	/* arcs: the shared edge (3 points), the rest of each square */
	assert_int_equal(t.narcs, 3);
	assert_int_equal(t.npts_out, 3 + 4 + 4);	/* tolerance 0 keeps every vertex */
	webmap_topo_free(&t);
	/* without a usable snap or tolerance: an error, not a crash */
	{
		char		err[128];

		assert_int_equal(webmap_topo_build(NULL, 0, NULL, NULL, "EPSG:28992", 0, 1, &t, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "snap"));
		assert_int_equal(webmap_topo_build(NULL, 0, NULL, NULL, "EPSG:nonsense", 1, 1, &t, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "CRS"));
		webmap_topo_free(&t);
	}
}

static void
test_json(void **state)
{
	char	   *buf = NULL;
	size_t		len = 0;
	FILE	   *f = open_memstream(&buf, &len);

	(void) state;
	webmap_json_string(f, "a\"b\\c</script>&\n\t€");
	putc(' ', f);
	webmap_json_string(f, NULL);
	putc(' ', f);
	webmap_json_number(f, NAN, 2);
	putc(' ', f);
	webmap_json_number(f, -0.0, 1);
	putc(' ', f);
	webmap_json_number(f, 3.14159, 2);
	fclose(f);
	assert_string_equal(buf, "\"a\\\"b\\\\c\\u003c/script\\u003e\\u0026\\n\\u0009€\" null null 0.0 3.14");
	free(buf);
}

static void
write_file(const char *dir, const char *name, const char *text)
{
	char		p[4096];
	FILE	   *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	assert_non_null(f = fopen(p, "w"));
	fputs(text, f);
	fclose(f);
}

static int
props(FILE *f, size_t i, void *ctx)
{
	(void) ctx;
	fprintf(f, "{\"id\":\"A%zu\",\"why\":", i);
	webmap_json_string(f, "</script><b>");
	putc('}', f);
	return 0;
}

static char *
slurp(const char *path)
{
	FILE	   *f = fopen(path, "rb");
	char	   *s = malloc(1 << 20);
	size_t		n;

	assert_non_null(f);
	assert_non_null(s);
	n = fread(s, 1, (1 << 20) - 1, f);
	s[n] = '\0';
	fclose(f);
	return s;
}

static void
test_html(void **state)
{
	char	   *dir = test_tmpdir(), path[4096], web[2048], err[512], cmd[8192], *html;
	char	   *a = wiggly_pair(0), *b = wiggly_pair(1);
	const char *wkt[] = {a, b, "POLYGON((0 1000,1000 1000,2000 1000,2000 2000,0 2000,0 1000))"};
	unsigned char inc[3] = {1, 0, 0};
	webmap_topo t;
	webmap_page pg = {&t, NULL, "Kaart <1> & co", "peildatum", "https://{s}.tiles.example.org/{z}/{x}/{y}.png",
	"{\"k\":10}", props, NULL};

	(void) state;
	assert_non_null(dir);
	assert_true(strlen(dir) < 1024);
	snprintf(web, sizeof(web), "%.1023s/web", dir);
	setenv("VSP_WEB_DIR", web, 1);
	mkdir(web, 0755);
	/* Leaflet missing: the error says how to install it */
	write_file(web, "webmap.html", "<title>{{title}}</title><p>{{subtitle}}</p><meta csp=\"img-src data:{{csp-img}}\">"
			   "<style>{{leaflet.css}}{{webmap.css}}</style><script>{{leaflet.js}}</script>"
			   "<script>{{webmap.js}}</script><script type=\"application/json\">{{data}}</script>");
	write_file(web, "webmap.css", "body{}\n");
	write_file(web, "webmap.js", "var x = 1;\n//# sourceMappingURL=webmap.js.map\n");
	assert_int_equal(webmap_web_dir(path, sizeof(path), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "make deps"));
	snprintf(path, sizeof(path), "%s/node_modules/leaflet/dist", web);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", path);
	assert_int_equal(system(cmd), 0);
	write_file(path, "leaflet.css", ".leaflet{}\n");
	write_file(path, "leaflet.js", "var L = {};\n//# sourceMappingURL=leaflet.js.map");
	assert_int_equal(webmap_web_dir(path, sizeof(path), err, sizeof(err)), 0);
	assert_string_equal(path, web);

	build(wkt, 3, 0.01, 10.0, &t);
	snprintf(path, sizeof(path), "%s/map.html", dir);
	if (webmap_write(&pg, web, path, err, sizeof(err)) != 0)
		fail_msg("webmap_write: %s", err);
	html = slurp(path);
	assert_non_null(strstr(html, "<title>Kaart &lt;1&gt; &amp; co</title>"));
	assert_non_null(strstr(html, "img-src data: https://*.tiles.example.org\""));
	assert_non_null(strstr(html, "var L = {};"));
	assert_null(strstr(html, "sourceMappingURL"));
	assert_null(strstr(html, "</script><b>"));	/* escaped inside the data */
	assert_non_null(strstr(html, "\"meta\":{\"k\":10},\"scale\":100000"));
	assert_non_null(strstr(html, "\"id\":\"A2\""));
	free(html);

	/* a subset: one area, only its arcs, renumbered from 0 */
	pg.include = inc;
	pg.basemap = NULL;
	if (webmap_write(&pg, web, path, err, sizeof(err)) != 0)
		fail_msg("webmap_write: %s", err);
	html = slurp(path);
	assert_non_null(strstr(html, "\"id\":\"A0\""));
	assert_null(strstr(html, "\"id\":\"A1\""));
	assert_non_null(strstr(html, "img-src data:\""));
	assert_non_null(strstr(html, "\"basemap\":null"));
	{
		/* area 0 has 3 arcs (bottom-left-top part, the shared edge, the top edge piece) */
		const char *g = strstr(html, "{\"g\":[[[");

		assert_non_null(g);
		assert_int_equal(strncmp(g, "{\"g\":[[[0,", 10), 0);
	}
	free(html);

	/* template trouble: an unknown marker, JS that would end its element */
	write_file(web, "webmap.html", "{{nonsense}}");
	assert_int_equal(webmap_write(&pg, web, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown marker"));
	write_file(web, "webmap.html", "<script>{{webmap.js}}</script>");
	write_file(web, "webmap.js", "s = '</SCRIPT>';\n");
	assert_int_equal(webmap_write(&pg, web, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot be inlined"));
	snprintf(path, sizeof(path), "%s/no/such/dir/map.html", dir);
	assert_int_equal(webmap_write(&pg, web, path, err, sizeof(err)), -1);

	webmap_topo_free(&t);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	unsetenv("VSP_WEB_DIR");
	free(dir);
	free(a);
	free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shared_boundary),
		cmocka_unit_test(test_no_collapse),
		cmocka_unit_test(test_snap),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_html),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
