/*
 * tests/test_map.c — cmocka suite for geo/map.[ch]: printable hotspot maps.
 *
 * Builds a test layer of ~200 irregular polygons on a jittered grid in RD New
 * around (145000, 485000) — shared jittered corners and edge midpoints so
 * neighbours share boundaries — clipped to a blob with a lake, plus an area
 * with a hole, the enclave filling it, a two-part area and one island in the
 * lake.  Bins come from a smooth field so hot and cold spots cluster.  The
 * struct fields are filled directly (no geo/polys.c builder).
 *
 * Renders PNG, SVG and PDF and checks the files: PNG size and the pixels of
 * every class colour inside the map frame, SVG shape, PDF MediaBox (A3
 * landscape), include masks, unwritable paths, bad input, determinism.
 * With VSP_MAP_EXAMPLE=path set, the realistic example is also written there
 * (docs/map-example.png).
 */
#include "testutil.h"

#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cairo.h>

#include "../geo/map.h"

/* the jittered grid a layer is cut from (columns, rows, cell size in m); set by build_layer */
typedef struct grid
{
	int			gx,
				gy;
	double		cell;
} grid;

static grid G = {17, 15, 500.0};

#define X0		(145000.0 - G.gx * G.cell / 2)
#define Y0		(485000.0 - G.gy * G.cell / 2)

/* the 41 PC4 codes of Almere (gemeente 0034), labels of the example map */
static const int almere_pc4[] = {
	1309, 1311, 1312, 1313, 1314, 1315, 1316, 1317, 1318, 1319, 1321, 1322, 1323, 1324,
	1325, 1326, 1327, 1328, 1331, 1332, 1333, 1334, 1335, 1336, 1338, 1339, 1341, 1343,
	1349, 1351, 1352, 1353, 1354, 1355, 1356, 1357, 1358, 1359, 1361, 1362, 1363
};

/* the layer and its attributes; arrays grow while building */
typedef struct layer
{
	geo_polys	p;
	size_t		cap_a,
				cap_r,
				cap_p;
	int		   *bin;
	unsigned char *supp;
	unsigned char *island;
	char	  **labels;
} layer;

static const uint32_t palette_rgb[7] = {
	0x2166ac, 0x67a9cf, 0xd1e5f0, 0xf7f7f7, 0xfddbc7, 0xef8a62, 0xb2182b
};

/* deterministic hash to [-1, 1) */
static double
jit(uint32_t a, uint32_t b, uint32_t salt)
{
	uint32_t	h = a * 0x9e3779b1u ^ (b + 0x7f4a7c15u) * 0x85ebca6bu ^ salt * 0xc2b2ae35u;

	h ^= h >> 15;
	h *= 0x2c1b3c6du;
	h ^= h >> 12;
	h *= 0x297a2d39u;
	h ^= h >> 15;
	return (h / 4294967296.0) * 2.0 - 1.0;
}

static void
corner(int i, int j, double *x, double *y)
{
	*x = X0 + i * G.cell + 0.3 * G.cell * jit(i, j, 1);
	*y = Y0 + j * G.cell + 0.3 * G.cell * jit(i, j, 2);
}

/* midpoint of the edge from corner (i,j) to (i+di, j+dj), jittered the same from both sides */
static void
edge_mid(int i, int j, int di, int dj, double *x, double *y)
{
	double		ax,
				ay,
				bx,
				by;
	double		d = 0.14 * G.cell * jit(2 * i + di, 2 * j + dj, 3);

	corner(i, j, &ax, &ay);
	corner(i + di, j + dj, &bx, &by);
	*x = (ax + bx) / 2 + d * dj;
	*y = (ay + by) / 2 + d * di;
}

static void
begin_area(layer *L)
{
	geo_polys  *p = &L->p;

	if (p->n + 2 > L->cap_a)
	{
		L->cap_a = L->cap_a ? 2 * L->cap_a : 64;
		p->ring_off = realloc(p->ring_off, L->cap_a * sizeof(size_t));
		p->cx = realloc(p->cx, L->cap_a * sizeof(double));
		p->cy = realloc(p->cy, L->cap_a * sizeof(double));
		L->bin = realloc(L->bin, L->cap_a * sizeof(int));
		L->supp = realloc(L->supp, L->cap_a);
		L->island = realloc(L->island, L->cap_a);
		L->labels = realloc(L->labels, L->cap_a * sizeof(char *));
		assert_non_null(p->ring_off);
		assert_non_null(p->cx);
		assert_non_null(p->cy);
		assert_non_null(L->bin);
		assert_non_null(L->supp);
		assert_non_null(L->island);
		assert_non_null(L->labels);
	}
	p->ring_off[p->n] = p->nrings;
	p->n++;
	p->ring_off[p->n] = p->nrings;
	L->bin[p->n - 1] = 0;
	L->supp[p->n - 1] = 0;
	L->island[p->n - 1] = 0;
	L->labels[p->n - 1] = NULL;
}

static void
add_ring(layer *L, const double *xy, size_t n)
{
	geo_polys  *p = &L->p;

	if (p->nrings + 2 > L->cap_r)
	{
		L->cap_r = L->cap_r ? 2 * L->cap_r : 64;
		p->pt_off = realloc(p->pt_off, L->cap_r * sizeof(size_t));
		assert_non_null(p->pt_off);
	}
	while (p->npts + n > L->cap_p)
	{
		L->cap_p = L->cap_p ? 2 * L->cap_p : 1024;
		p->xy = realloc(p->xy, L->cap_p * 2 * sizeof(double));
		assert_non_null(p->xy);
	}
	p->pt_off[p->nrings] = p->npts;
	memcpy(p->xy + 2 * p->npts, xy, n * 2 * sizeof(double));
	p->npts += n;
	p->nrings++;
	p->pt_off[p->nrings] = p->npts;
	p->ring_off[p->n] = p->nrings;
}

/* the 8-point ring of cell (i,j), counter-clockwise */
static void
cell_ring(int i, int j, double xy[16])
{
	corner(i, j, &xy[0], &xy[1]);
	edge_mid(i, j, 1, 0, &xy[2], &xy[3]);
	corner(i + 1, j, &xy[4], &xy[5]);
	edge_mid(i + 1, j, 0, 1, &xy[6], &xy[7]);
	corner(i + 1, j + 1, &xy[8], &xy[9]);
	edge_mid(i, j + 1, 1, 0, &xy[10], &xy[11]);
	corner(i, j + 1, &xy[12], &xy[13]);
	edge_mid(i, j, 0, 1, &xy[14], &xy[15]);
}

static void
cell_centre(int i, int j, double *x, double *y)
{
	double		xy[16];

	cell_ring(i, j, xy);
	*x = (xy[0] + xy[4] + xy[8] + xy[12]) / 4;
	*y = (xy[1] + xy[5] + xy[9] + xy[13]) / 4;
}

/* smooth field in [-1, 1]: a hot ridge in the north-east, a cold pocket in the south-west */
static double
field(double x, double y)
{
	double		u = (x - 145000) / 1000,
				v = (y - 485000) / 1000;
	double		hot = exp(-((u - 1.5) * (u - 1.5) + (v - 1.2) * (v - 1.2)) / 2.2);
	double		hot2 = 0.7 * exp(-((u + 2.5) * (u + 2.5) + (v - 2.2) * (v - 2.2)) / 0.8);
	double		cold = exp(-((u + 1.8) * (u + 1.8) + (v + 1.5) * (v + 1.5)) / 2.0);

	return hot + hot2 - cold;
}

static int
field_bin(double f)
{
	if (f > 0.80)
		return 3;
	if (f > 0.55)
		return 2;
	if (f > 0.35)
		return 1;
	if (f < -0.80)
		return -3;
	if (f < -0.55)
		return -2;
	if (f < -0.35)
		return -1;
	return 0;
}

static int
in_town(int i, int j)
{
	double		u = (i + 0.5) / G.gx * 2 - 1,
				v = (j + 0.5) / G.gy * 2 - 1;
	double		th = atan2(v, u);
	double		r = sqrt(u * u + v * v);
	double		lu = u - 0.05,
				lv = v + 0.05;

	if (r > 1.02 + 0.12 * sin(3 * th) + 0.06 * cos(5 * th))
		return 0;
	/* the lake */
	return lu * lu + lv * lv > 0.05;
}

static void
set_label(layer *L, size_t i, int code)
{
	L->labels[i] = malloc(8);
	assert_non_null(L->labels[i]);
	snprintf(L->labels[i], 8, "%04d", code);
}

/*
 * build_layer — cut a layer from a gx x gy grid of cell-metre cells: the town
 * blob minus the lake, one area with a hole plus the enclave filling it, one
 * two-part area (when the grid is fine enough) and an island in the lake.
 * Labels are the codes given (then 1401, 1402, ...), or 1301, 1302, ...
 */
static void
build_layer(layer *L, int gx, int gy, double cell, const int *codes, size_t ncodes)
{
	int			next = codes ? 1401 : 1301;
	size_t		used = 0;
	int			hole_i = gx * 3 / 17,
				hole_j = gy / 2,
				part_a = gx * 10 / 17,
				part_b = gy / 3,
				multi = gx >= 12;
	double		hs = 0.24 * cell,
				xy[16],
				x,
				y;

#define NEXT_CODE() (used < ncodes ? codes[used++] : next++)

	memset(L, 0, sizeof(*L));
	G.gx = gx;
	G.gy = gy;
	G.cell = cell;
	for (int j = 0; j < gy; j++)
		for (int i = 0; i < gx; i++)
		{
			size_t		a;

			if (!in_town(i, j) || (multi && i == part_a + 2 && j == part_b + 4))
				continue;
			begin_area(L);
			a = L->p.n - 1;
			cell_ring(i, j, xy);
			add_ring(L, xy, 8);
			cell_centre(i, j, &x, &y);
			if (i == hole_i && j == hole_j)
			{
				/* a hole, filled by the enclave below */
				double		h[8] = {x - hs, y - hs, x - hs, y + hs, x + hs, y + hs, x + hs, y - hs};

				add_ring(L, h, 4);
				y += 1.55 * hs;
			}
			if (multi && i == part_a && j == part_b)
			{
				/* two-part area: this cell and one two columns east, four rows north */
				double		x2[16];

				cell_ring(part_a + 2, part_b + 4, x2);
				add_ring(L, x2, 8);
			}
			L->p.cx[a] = x;
			L->p.cy[a] = y;
			L->bin[a] = field_bin(field(x, y));
			L->supp[a] = fabs(jit(i, j, 9)) > 0.86;
			set_label(L, a, NEXT_CODE());
		}
	/* the enclave */
	cell_centre(hole_i, hole_j, &x, &y);
	{
		double		e[10] = {x - hs, y - hs, x + hs, y - hs, x + hs, y + hs,
		x - hs, y + hs, x - hs, y - hs};

		begin_area(L);
		add_ring(L, e, 5);
		L->p.cx[L->p.n - 1] = x;
		L->p.cy[L->p.n - 1] = y;
		L->bin[L->p.n - 1] = 3;
		set_label(L, L->p.n - 1, NEXT_CODE());
	}
	/* the island in the lake */
	{
		double		cx = X0 + gx * cell * 0.525,
					cy = Y0 + gy * cell * 0.475,
					k = fmin(cell, 500.0) / 500.0;
		double		isl[12] = {cx - 260 * k, cy - 150 * k, cx + 40 * k, cy - 230 * k,
			cx + 280 * k, cy - 40 * k, cx + 190 * k, cy + 200 * k, cx - 90 * k, cy + 230 * k,
		cx - 300 * k, cy + 60 * k};

		begin_area(L);
		add_ring(L, isl, 6);
		L->p.cx[L->p.n - 1] = cx;
		L->p.cy[L->p.n - 1] = cy;
		L->island[L->p.n - 1] = 1;
		L->bin[L->p.n - 1] = 0;
		set_label(L, L->p.n - 1, NEXT_CODE());
	}
#undef NEXT_CODE
}

static void
free_layer(layer *L)
{
	for (size_t i = 0; i < L->p.n; i++)
		free(L->labels[i]);
	free(L->labels);
	free(L->p.ring_off);
	free(L->p.pt_off);
	free(L->p.xy);
	free(L->p.cx);
	free(L->p.cy);
	free(L->bin);
	free(L->supp);
	free(L->island);
}

static map_spec
make_spec(const layer *L)
{
	map_spec	m;

	memset(&m, 0, sizeof(m));
	m.polys = &L->p;
	m.bin = L->bin;
	m.suppressed = L->supp;
	m.island = L->island;
	m.labels = (const char *const *) L->labels;
	m.title = "Armoedehotspots Almere \xe2\x80\x94 PC4";
	m.subtitle = "peildatum 2026-10-31 \xc2\xb7 Gi* (queen), FDR q=0.05";
	m.note = "Bron: vroegsignalen (Wgs) huur, energie, water, zorg, 2026-08-01 t/m 2026-10-31; "
		"huishoudens CBS PC4 2024. Methode: signalen per 1.000 huishoudens, empirisch-Bayes "
		"gladgestreken, Getis-Ord Gi* met queen-buren, Benjamini-Hochberg FDR q = 0,05. "
		"Gebieden met minder dan 10 huishoudens met een signaal zijn onderdrukt (gearceerd). "
		"Testkaart: synthetische gebieden.";
	return m;
}

/* state shared by the tests: the layer and a temporary directory */
typedef struct fixture
{
	layer		L;
	char	   *dir;
} fixture;

static int
setup(void **state)
{
	fixture    *f = calloc(1, sizeof(*f));
	size_t		nb[7] = {0};

	assert_non_null(f);
	build_layer(&f->L, 17, 15, 500.0, NULL, 0);
	f->dir = test_tmpdir();
	assert_non_null(f->dir);
	for (size_t i = 0; i < f->L.p.n; i++)
		nb[f->L.bin[i] + 3]++;
	for (int b = 0; b < 7; b++)
		if (nb[b] == 0)
			fail_msg("test layer has no area in bin %d", b - 3);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	fixture    *f = *state;
	char		cmd[4200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(f->dir);
	free_layer(&f->L);
	free(f);
	return 0;
}

static char *
tmp_path(const fixture *f, const char *name)
{
	char	   *p = malloc(4200);

	assert_non_null(p);
	snprintf(p, 4200, "%s/%s", f->dir, name);
	return p;
}

/* the whole file into memory (NUL-terminated); caller frees */
static char *
slurp(const char *path, size_t *len)
{
	FILE	   *fp = fopen(path, "rb");
	char	   *buf;
	long		n;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	assert_true(n > 0);
	rewind(fp);
	buf = malloc((size_t) n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t) n, fp), (size_t) n);
	buf[n] = '\0';
	fclose(fp);
	*len = (size_t) n;
	return buf;
}

/* pixel counts inside the map frame: per palette colour, and non-white */
typedef struct frame_counts
{
	long		bin[7];
	long		coloured;
	int			width,
				height;
} frame_counts;

static frame_counts
count_png(const char *path)
{
	frame_counts c;
	cairo_surface_t *s = cairo_image_surface_create_from_png(path);
	double		fx,
				fy,
				fw,
				fh,
				k;
	unsigned char *data;
	int			stride;

	memset(&c, 0, sizeof(c));
	assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
	c.width = cairo_image_surface_get_width(s);
	c.height = cairo_image_surface_get_height(s);
	cairo_surface_flush(s);
	data = cairo_image_surface_get_data(s);
	stride = cairo_image_surface_get_stride(s);
	map_frame_rect(&fx, &fy, &fw, &fh);
	k = c.width / MAP_PAGE_W_PT;
	/* stay 3 px inside the frame line */
	for (int y = (int) (fy * k) + 3; y < (int) ((fy + fh) * k) - 3 && y < c.height; y++)
		for (int x = (int) (fx * k) + 3; x < (int) ((fx + fw) * k) - 3 && x < c.width; x++)
		{
			uint32_t	px = *(uint32_t *) (data + (size_t) y * stride + 4 * (size_t) x) & 0xffffff;

			if (px != 0xffffff)
				c.coloured++;
			for (int b = 0; b < 7; b++)
				if (px == palette_rgb[b])
					c.bin[b]++;
		}
	cairo_surface_destroy(s);
	return c;
}

static void
test_png(void **state)
{
	fixture    *f = *state;
	map_spec	m = make_spec(&f->L);
	char	   *path = tmp_path(f, "map.png");
	char		err[256];
	frame_counts c;

	assert_int_equal(map_render(&m, path, err, sizeof(err)), 0);
	assert_int_equal(access(path, R_OK), 0);
	c = count_png(path);
	assert_true(c.width >= 2400);
	assert_true(c.height > 1600);
	for (int b = 0; b < 7; b++)
		if (c.bin[b] < 200)
			fail_msg("bin %d colour #%06x: %ld pixels in the frame", b - 3,
					 (unsigned) palette_rgb[b], c.bin[b]);
	/* the areas fill a good part of the frame */
	assert_true(c.coloured > (long) (0.3 * c.width * c.height * 0.5));
	free(path);
}

/* the pixel check does catch a map missing classes */
static void
test_png_missing_class_detected(void **state)
{
	fixture    *f = *state;
	map_spec	m = make_spec(&f->L);
	int		   *flat = calloc(f->L.p.n, sizeof(int));
	char	   *path = tmp_path(f, "flat.png");
	char		err[256];
	frame_counts c;

	assert_non_null(flat);
	m.bin = flat;
	assert_int_equal(map_render(&m, path, err, sizeof(err)), 0);
	c = count_png(path);
	assert_true(c.bin[3] > 1000);
	for (int b = 0; b < 7; b++)
		if (b != 3)
			assert_int_equal(c.bin[b], 0);
	free(flat);
	free(path);
}

static void
test_svg(void **state)
{
	fixture    *f = *state;
	map_spec	m = make_spec(&f->L);
	char	   *path = tmp_path(f, "map.svg");
	char		err[256];
	size_t		len;
	char	   *s;

	assert_int_equal(map_render(&m, path, err, sizeof(err)), 0);
	s = slurp(path, &len);
	assert_true(strncmp(s, "<?xml", 5) == 0 || strncmp(s, "<svg", 4) == 0);
	assert_non_null(strstr(s, "</svg>"));
	assert_non_null(strstr(s, "width=\"1190.55pt\""));
	assert_non_null(strstr(s, "height=\"841.89pt\""));
	assert_non_null(strstr(s, "<g id=\"surface1\">"));
	assert_non_null(strstr(s, "evenodd"));
	free(s);
	free(path);
}

/* page size from pdfinfo when installed, else the MediaBox in the file */
static void
test_pdf(void **state)
{
	fixture    *f = *state;
	map_spec	m = make_spec(&f->L);
	char	   *path = tmp_path(f, "map.pdf");
	char		err[256];
	size_t		len;
	char	   *s,
			   *mb;
	double		b[4];

	assert_int_equal(map_render(&m, path, err, sizeof(err)), 0);
	s = slurp(path, &len);
	assert_memory_equal(s, "%PDF", 4);
	mb = memmem(s, len, "/MediaBox", 9);
	assert_non_null(mb);
	assert_int_equal(sscanf(mb, "/MediaBox [ %lf %lf %lf %lf", &b[0], &b[1], &b[2], &b[3]), 4);
	assert_close(b[0], 0, 1e-9);
	assert_close(b[1], 0, 1e-9);
	assert_close(b[2], 1190.55, 0.01);
	assert_close(b[3], 841.89, 0.01);
	assert_null(memmem(s, len, "/CreationDate", 13));
	if (system("command -v pdfinfo >/dev/null 2>&1") == 0)
	{
		char		cmd[4400];
		char		line[256];
		FILE	   *pp;
		int			seen = 0;

		snprintf(cmd, sizeof(cmd), "pdfinfo '%s'", path);
		pp = popen(cmd, "r");
		assert_non_null(pp);
		while (fgets(line, sizeof(line), pp))
			if (strncmp(line, "Page size:", 10) == 0)
			{
				double		w,
							h;

				assert_int_equal(sscanf(line, "Page size: %lf x %lf", &w, &h), 2);
				assert_close(w, 1190.55, 0.01);
				assert_close(h, 841.89, 0.01);
				seen = 1;
			}
		assert_int_equal(pclose(pp), 0);
		assert_true(seen);
	}
	free(s);
	free(path);
}

/* team map: only included areas drawn; an excluded class disappears from the frame */
static void
test_include(void **state)
{
	fixture    *f = *state;
	map_spec	m = make_spec(&f->L);
	unsigned char *inc = calloc(f->L.p.n, 1);
	char	   *full = tmp_path(f, "full.png");
	char	   *part = tmp_path(f, "part.png");
	char		err[256];
	frame_counts a,
				b;

	assert_non_null(inc);
	for (size_t i = 0; i < f->L.p.n; i++)
		inc[i] = (i % 2 == 0) && f->L.bin[i] != -3;
	assert_int_equal(map_render(&m, full, err, sizeof(err)), 0);
	m.include = inc;
	assert_int_equal(map_render(&m, part, err, sizeof(err)), 0);
	a = count_png(full);
	b = count_png(part);
	assert_true(b.coloured > 0);
	assert_true(b.coloured < 0.8 * a.coloured);
	assert_true(a.bin[0] > 0);
	assert_int_equal(b.bin[0], 0);

	/* nothing included: still a valid page, only the grey "no areas" text in the frame */
	memset(inc, 0, f->L.p.n);
	assert_int_equal(map_render(&m, part, err, sizeof(err)), 0);
	b = count_png(part);
	assert_true(b.coloured > 0);
	assert_true(b.coloured < 20000);
	for (int k = 0; k < 7; k++)
		if (k != 3)
			assert_int_equal(b.bin[k], 0);
	free(inc);
	free(full);
	free(part);
}

static void
test_unwritable(void **state)
{
	fixture    *f = *state;
	map_spec	m = make_spec(&f->L);
	static const char *const paths[3] = {
		"/nonexistent-vsp-dir/map.png",
		"/nonexistent-vsp-dir/map.svg",
		"/nonexistent-vsp-dir/map.pdf",
	};

	for (int k = 0; k < 3; k++)
	{
		char		err[512] = "";

		assert_int_equal(map_render(&m, paths[k], err, sizeof(err)), -1);
		if (strstr(err, paths[k]) == NULL)
			fail_msg("message does not name the path: \"%s\"", err);
		assert_null(strchr(err, '\n'));
	}
}

static void
test_bad_input(void **state)
{
	fixture    *f = *state;
	map_spec	m = make_spec(&f->L);
	char	   *path = tmp_path(f, "bad.png");
	char		err[256] = "";
	int		   *bad = malloc(f->L.p.n * sizeof(int));

	assert_non_null(bad);
	assert_int_equal(map_render(&m, "map.tiff", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "map.tiff"));
	memcpy(bad, f->L.bin, f->L.p.n * sizeof(int));
	bad[5] = 4;
	m.bin = bad;
	assert_int_equal(map_render(&m, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bin 4"));
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(map_render(NULL, path, err, sizeof(err)), -1);
	assert_int_equal(map_render(&m, path, NULL, 0), -1);
	free(bad);
	free(path);
}

static void
test_deterministic(void **state)
{
	fixture    *f = *state;
	map_spec	m = make_spec(&f->L);
	static const char *const ext[3] = {"png", "svg", "pdf"};

	for (int k = 0; k < 3; k++)
	{
		char		n1[32],
					n2[32],
					err[256];
		char	   *p1,
				   *p2,
				   *a,
				   *b;
		size_t		la,
					lb;

		snprintf(n1, sizeof(n1), "det1.%s", ext[k]);
		snprintf(n2, sizeof(n2), "det2.%s", ext[k]);
		p1 = tmp_path(f, n1);
		p2 = tmp_path(f, n2);
		assert_int_equal(map_render(&m, p1, err, sizeof(err)), 0);
		assert_int_equal(map_render(&m, p2, err, sizeof(err)), 0);
		a = slurp(p1, &la);
		b = slurp(p2, &lb);
		assert_int_equal(la, lb);
		assert_memory_equal(a, b, la);
		free(a);
		free(b);
		free(p1);
		free(p2);
	}
}

/*
 * write_shrunk — copy the PNG at src to dst, scaled down just enough (in 5 %
 * steps) to be at most maxbytes.  Returns the size written.
 */
static long
write_shrunk(const char *src, const char *dst, long maxbytes)
{
	cairo_surface_t *in = cairo_image_surface_create_from_png(src);
	struct stat st;

	assert_int_equal(cairo_surface_status(in), CAIRO_STATUS_SUCCESS);
	for (int pct = 100; pct >= 40; pct -= 5)
	{
		int			w = cairo_image_surface_get_width(in) * pct / 100,
					h = cairo_image_surface_get_height(in) * pct / 100;
		cairo_surface_t *out = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
		cairo_t    *cr = cairo_create(out);

		assert_int_equal(cairo_status(cr), CAIRO_STATUS_SUCCESS);
		cairo_scale(cr, pct / 100.0, pct / 100.0);
		cairo_set_source_surface(cr, in, 0, 0);
		cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_BEST);
		cairo_paint(cr);
		assert_int_equal(cairo_status(cr), CAIRO_STATUS_SUCCESS);
		cairo_destroy(cr);
		assert_int_equal(cairo_surface_write_to_png(out, dst), CAIRO_STATUS_SUCCESS);
		cairo_surface_destroy(out);
		assert_int_equal(stat(dst, &st), 0);
		if (st.st_size <= maxbytes)
		{
			fprintf(stderr, "example written to %s: %dx%d, %ld bytes\n", dst, w, h, (long) st.st_size);
			break;
		}
	}
	cairo_surface_destroy(in);
	return (long) st.st_size;
}

/*
 * the realistic example: a PC4-sized layer (41 areas like Almere's, with their
 * codes) in PNG and PDF; with VSP_MAP_EXAMPLE set, the PNG is also written
 * there, scaled down only if needed to stay within 500 KB
 */
static void
test_example(void **state)
{
	fixture    *f = *state;
	layer		E;
	map_spec	m;
	char	   *png = tmp_path(f, "example.png");
	char	   *pdf = tmp_path(f, "example.pdf");
	const char *out = getenv("VSP_MAP_EXAMPLE");
	char		err[256];
	struct stat st;

	build_layer(&E, 8, 7, 1100.0, almere_pc4, sizeof(almere_pc4) / sizeof(almere_pc4[0]));
	m = make_spec(&E);
	assert_int_equal(map_render(&m, png, err, sizeof(err)), 0);
	assert_int_equal(map_render(&m, pdf, err, sizeof(err)), 0);
	assert_int_equal(stat(png, &st), 0);
	assert_true(st.st_size > 50 * 1024);
	assert_int_equal(stat(pdf, &st), 0);
	assert_true(st.st_size > 10 * 1024);
	if (out && *out)
		assert_true(write_shrunk(png, out, 500 * 1024) <= 500 * 1024);
	free_layer(&E);
	free(png);
	free(pdf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_png),
		cmocka_unit_test(test_png_missing_class_detected),
		cmocka_unit_test(test_svg),
		cmocka_unit_test(test_pdf),
		cmocka_unit_test(test_include),
		cmocka_unit_test(test_unwritable),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_example),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
