/*
 * tests/test_config.c — config parsing: defaults, every section, and errors that name the key.
 */
#include "testutil.h"
#include "../pipeline/config.h"

static char *dir;

static const char *
write_ini(const char *name, const char *text)
{
	static char path[4200];
	FILE	   *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static const char *minimal = "[areas]\nsource = a.gpkg\nid_field = pc4\n";

static void
test_defaults(void **state)
{
	config		c;
	char		err[512];

	(void) state;
	assert_int_equal(config_load(write_ini("min.ini", minimal), &c, err, sizeof(err)), 0);
	assert_string_equal(c.level, "pc4");
	assert_int_equal(c.window_days, 90);
	assert_int_equal(c.permutations, 999);
	assert_int_equal(c.disclosure_k, 10);
	assert_close(c.max_quarantine_share, 0.05, 0);
	assert_close(c.fdr_q, 0.05, 0);
	assert_string_equal(c.weights, "queen");
	assert_string_equal(c.working_crs, "EPSG:28992");
	assert_true(c.risk_partner[0] > c.risk_partner[3]);	/* huur weighs more than zorg */
	assert_int_equal(strlen(c.sha256), 64);
	config_free(&c);
}

static void
test_full(void **state)
{
	config		c;
	char		err[512];

	(void) state;
	assert_int_equal(config_load(write_ini("full.ini",
										   "[run]\nlevel = wijk\nwindow_days = 30\nmax_quarantine_share = 0.2\n"
										   "[areas]\nsource = w.geojson\nid_field = statcode\nsrs = EPSG:28992\n"
										   "[weights]\ntype = knn:6\nsnap = 1.5\n[score]\nseed = 7\nfdr = 0\n"
										   "[risk]\nhuur = 4\ncrisis = 9\n"
										   "[team Noord]\nareas = 1311, 1312,WK003401\ncapacity = 25\n"
										   "[team Zuid]\nareas = 1340\n"), &c, err, sizeof(err)), 0);
	assert_string_equal(c.level, "wijk");
	assert_int_equal(c.window_days, 30);
	assert_string_equal(c.weights, "knn:6");
	assert_close(c.snap, 1.5, 0);
	assert_int_equal(c.seed, 7);
	assert_close(c.risk_partner[0], 4, 0);
	assert_close(c.risk_crisis, 9, 0);
	assert_int_equal(c.nteams, 2);
	assert_string_equal(c.teams[0].name, "Noord");
	assert_int_equal(c.teams[0].nareas, 3);
	assert_string_equal(c.teams[0].areas[2], "WK003401");
	assert_int_equal(c.teams[0].capacity, 25);
	assert_int_equal(c.teams[1].capacity, 50);
	config_free(&c);
}

#define X50 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

/* Each bad file gives -1 and a message naming the offending item. */
static void
test_errors(void **state)
{
	static const struct
	{
		const char *text, *needle;
	}			bad[] = {
		{"[run]\nlevel = street\n[areas]\nsource = a\nid_field = b\n", "level"},
		{"[run]\nwindow_days = ninety\n[areas]\nsource = a\nid_field = b\n", "window_days"},
		{"[run]\nwindow_days = 0\n[areas]\nsource = a\nid_field = b\n", "window_days"},
		{"[run]\ncolour = red\n[areas]\nsource = a\nid_field = b\n", "colour"},
		{"[areas]\nid_field = b\n", "source"},
		{"[areas]\nsource = a\n", "id_field"},
		{"[areas]\nsource = a\nid_field = b\n[weights]\ntype = hexagon\n", "type"},
		{"[areas]\nsource = a\nid_field = b\n[database]\nconninfo = host=x password=secret\n", "password"},
		{"[areas]\nsource = a\nid_field = b\n[score]\nfdr = 2\n", "fdr"},
		{"[areas]\nsource = a\nid_field = b\n[privacy]\ninclude_names = maybe\n", "include_names"},
		{"[areas]\nsource = a\nid_field = b\n[team X]\ncapacity = 5\n", "team X"},
		{"[areas\nsource = a\n", "bad.ini:1: key source outside any [section]"},
		/* a value continued on an indented line would replace, not extend, a single value */
		{"[areas]\nsource = a\nid_field = b\n[database]\nconninfo = host=x\n\n  dbname=y\n",
		"bad.ini:7: an indented line continues the value of [database] conninfo"},
		{"[areas]\nsource = a\nid_field = b\n[run]\nwindow_days = 30\n  level = pc6\n",
		"bad.ini:6: an indented line continues the value of [run] window_days"},
		/* longer than inih's line buffer: refused, not split into a cut value and a stray line */
		{"[areas]\nsource = a\nid_field = b\n[database]\nconninfo = host=db " X50 X50 X50 X50 "\n", "bad.ini:5: line longer than"},
		/* inih keeps 49 characters of a section name: two such teams would merge */
		{"[areas]\nsource = a\nid_field = b\n[team " X50 "]\nareas = 1311\n", "bad.ini:4: section name longer than 49"},
	};

	(void) state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
	{
		config		c;
		char		err[512] = "";

		if (config_load(write_ini("bad.ini", bad[i].text), &c, err, sizeof(err)) != -1)
			fail_msg("case %zu accepted", i);
		if (!strstr(err, bad[i].needle))
			fail_msg("case %zu: message \"%s\" does not name %s", i, err, bad[i].needle);
		assert_null(strchr(err, '\n'));
		assert_null(strstr(err, "secret"));
	}
	{
		config		c;
		char		err[512];

		assert_int_equal(config_load("/nonexistent/vsp.ini", &c, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "/nonexistent/vsp.ini"));
	}
}

/* Config text from memory: the bytes are parsed and hashed as they are; a NUL byte is refused;
 * a team's areas may go on over indented lines. */
static void
test_buffer(void **state)
{
	static const char nul[] = "[areas]\nsource = a\0b\nid_field = c\n";
	static const char cont[] = "[areas]\nsource = a.gpkg\nid_field = pc4\n[team Noord]\nareas = 1311, 1312,\n  1313\n";
	config		c, f;
	char		err[512];

	(void) state;
	assert_int_equal(config_load_buffer("mem.ini", nul, sizeof(nul) - 1, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "mem.ini: not a text file"));
	assert_null(c.path);		/* freed on failure */
	assert_int_equal(config_load_buffer("mem.ini", cont, sizeof(cont) - 1, &c, err, sizeof(err)), 0);
	assert_string_equal(c.path, "mem.ini");
	assert_int_equal(c.nteams, 1);
	assert_int_equal(c.teams[0].nareas, 3);
	assert_string_equal(c.teams[0].areas[2], "1313");
	/* the same text from a file: the same hash */
	assert_int_equal(config_load(write_ini("cont.ini", cont), &f, err, sizeof(err)), 0);
	assert_string_equal(c.sha256, f.sha256);
	config_free(&c);
	config_free(&f);
}

/* Same bytes → same hash; one byte more → another. */
static void
test_hash(void **state)
{
	config		a, b, d;
	char		err[512];

	(void) state;
	assert_int_equal(config_load(write_ini("h1.ini", minimal), &a, err, sizeof(err)), 0);
	assert_int_equal(config_load(write_ini("h2.ini", minimal), &b, err, sizeof(err)), 0);
	assert_int_equal(config_load(write_ini("h3.ini", "[areas]\nsource = a.gpkg\nid_field = pc6\n"), &d, err, sizeof(err)), 0);
	assert_string_equal(a.sha256, b.sha256);
	assert_string_not_equal(a.sha256, d.sha256);
	config_free(&a);
	config_free(&b);
	config_free(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_buffer),
	};

	dir = test_tmpdir();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
