/*
 * geo/synth.c — synth_run(): the stages of the synthetic-data generator in order,
 * output files under temporary names, the optional database load, the report.
 * Also the small shared helpers: calendar dates, array growth, random variates.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <gdal.h>

#include "synth_int.h"

const char *const synth_reason_name[SYNTH_NREASON + 1] = {
	"", "postcode_malformed", "postcode_unknown", "huisnummer_missing",
	"huisnummer_malformed", "partner_unknown", "amount_negative", "amount_absurd",
	"date_future", "ontstaan_after_signaal", "duplicate_id"
};

/* output files, in the order they are written */
enum
{
	F_PC6, F_SIGNALS, F_ZAAK, F_HOT, F_BAD, F_NAMES, F_GPKG, F_THIN, F_N
};
static const char *const file_name[F_N] = {
	"pc6.csv", "signals.csv", "zaak.csv", "truth_hotspots.csv",
	"truth_bad_rows.csv", "names.txt", "city.gpkg", "truth_thinned.csv"
};

/* Fill *o with the documented defaults. */
void
synth_options_default(synth_options *o)
{
	memset(o, 0, sizeof(*o));
	o->seed = 42;
	o->national = 0;
	o->fraction = 1.0;
	o->outdir = NULL;
	o->conninfo = NULL;
	o->end_date = "2026-10-31";
	o->months = 12;
}

/* ---- dates: days since 1970-01-01, proleptic Gregorian, years 1..9999 ------- */

/* Gregorian leap year? */
static int
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days in month m (1..12) of year y. */
static int
month_days(int y, int m)
{
	static const int md[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return md[m - 1] + (m == 2 && is_leap(y));
}

/* days from 0001-01-01 to y-01-01 */
static int64_t
days_before_year(int y)
{
	int64_t		p = y - 1;

	return p * 365 + p / 4 - p / 100 + p / 400;
}

/* Days since 1970-01-01 of a valid civil date. */
int32_t
synth_days(int y, int m, int d)
{
	int64_t		n = days_before_year(y) - days_before_year(1970);

	for (int k = 1; k < m; k++)
		n += month_days(y, k);
	return (int32_t) (n + d - 1);
}

/* Civil date of a day number (inverse of synth_days). */
void
synth_civil(int32_t days, int *y, int *m, int *d)
{
	int64_t		n = days + days_before_year(1970);	/* days since 0001-01-01 */
	int			yy = (int) (n / 366) + 1;

	while (days_before_year(yy + 1) <= n)
		yy++;
	n -= days_before_year(yy);
	int			mm = 1;

	while (n >= month_days(yy, mm))
		n -= month_days(yy, mm++);
	*y = yy;
	*m = mm;
	*d = (int) n + 1;
}

/* Format a day number as "YYYY-MM-DD" into out[11]. */
void
synth_fmt_date(int32_t days, char out[11])
{
	int			y, m, d;

	synth_civil(days, &y, &m, &d);
	y = y < 0 ? 0 : y % 10000;
	out[0] = (char) ('0' + y / 1000);
	out[1] = (char) ('0' + y / 100 % 10);
	out[2] = (char) ('0' + y / 10 % 10);
	out[3] = (char) ('0' + y % 10);
	out[4] = out[7] = '-';
	out[5] = (char) ('0' + m / 10);
	out[6] = (char) ('0' + m % 10);
	out[8] = (char) ('0' + d / 10);
	out[9] = (char) ('0' + d % 10);
	out[10] = '\0';
}

/* Parse a strict "YYYY-MM-DD" (a real date, year 1900..9999). 0 or -1. */
int
synth_parse_date(const char *s, int32_t *days)
{
	int			y, m, d;

	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	if (y < 1900 || m < 1 || m > 12 || d < 1 || d > month_days(y, m))
		return -1;
	*days = synth_days(y, m, d);
	return 0;
}

/* The day `months` calendar months before `days` (day of month clamped). */
static int32_t
minus_months(int32_t days, int months)
{
	int			y, m, d;

	synth_civil(days, &y, &m, &d);
	int			t = y * 12 + (m - 1) - months;

	y = t / 12;
	m = t % 12 + 1;
	if (d > month_days(y, m))
		d = month_days(y, m);
	return synth_days(y, m, d);
}

/* ---- helpers ------------------------------------------------------------------ */

/*
 * Make *p (an array of *cap elements of elem bytes) hold at least need elements,
 * doubling; checks the size arithmetic. 0, or -1 on overflow or out of memory
 * (then *p and *cap are unchanged and still owned by the caller).
 */
int
synth_grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t		nc;
	void	   *q;

	if (need <= *cap)
		return 0;
	nc = *cap ? *cap : 64;
	while (nc < need)
	{
		if (nc > SIZE_MAX / 2)
			return -1;
		nc *= 2;
	}
	if (elem && nc > SIZE_MAX / elem)
		return -1;
	q = realloc(*p, nc * elem);
	if (!q)
		return -1;
	*p = q;
	*cap = nc;
	return 0;
}

/* malloc(n * size) with the product checked for overflow; never a 0-byte request.
 * NULL on overflow or when out of memory; the caller frees. */
void *
synth_alloc(size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		return NULL;
	return malloc(n != 0 && size != 0 ? n * size : 1);
}

/* Standard normal variate (Marsaglia polar method). */
double
synth_normal(synth_rng *r)
{
	double		u, v, s;

	do
	{
		u = 2.0 * synth_unif(r) - 1.0;
		v = 2.0 * synth_unif(r) - 1.0;
		s = u * u + v * v;
	} while (s >= 1.0 || s == 0.0);
	return u * sqrt(-2.0 * log(s) / s);
}

/* Gamma(shape, scale 1) variate (Marsaglia & Tsang 2000; shape < 1 by boosting). */
double
synth_gamma(synth_rng *r, double shape)
{
	if (shape < 1.0)
	{
		double		u = synth_unif(r);

		return synth_gamma(r, shape + 1.0) * pow(u > 0 ? u : 1e-300, 1.0 / shape);
	}
	double		d = shape - 1.0 / 3.0;
	double		c = 1.0 / sqrt(9.0 * d);

	for (;;)
	{
		double		x = synth_normal(r);
		double		v = 1.0 + c * x;

		if (v <= 0)
			continue;
		v = v * v * v;
		double		u = synth_unif(r);

		if (u < 1.0 - 0.0331 * x * x * x * x)
			return d * v;
		if (log(u) < 0.5 * x * x + d * (1.0 - v + log(v)))
			return d * v;
	}
}

/* Poisson variate; inversion for small means, normal approximation above 30. */
int
synth_poisson(synth_rng *r, double lambda)
{
	if (lambda <= 0)
		return 0;
	if (lambda > 30)
	{
		double		x = lambda + sqrt(lambda) * synth_normal(r) + 0.5;

		return x < 0 ? 0 : (int) x;
	}
	double		p = exp(-lambda);
	double		f = p;
	double		u = synth_unif(r);
	int			k = 0;

	while (u > f && k < 200)
	{
		k++;
		p *= lambda / k;
		f += p;
	}
	return k;
}

/* ---- the run ------------------------------------------------------------------ */

/* Free everything the world owns and zero it; safe on a partly built world. */
static void
world_free(synth_world *w)
{
	free(w->cell);
	free(w->order);
	free(w->town);
	free(w->pc4);
	free(w->buurt);
	free(w->hot);
	free(w->hkey);
	free(w->hval);
	free(w->sig);
	free(w->rows);
	free(w->zaak);
	memset(w, 0, sizeof(*w));
}

/* Make sure dir exists (creating one level) and is a directory. */
static int
ensure_dir(const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (stat(dir, &st) != 0)
	{
		if (errno != ENOENT || mkdir(dir, 0777) != 0)
		{
			snprintf(err, errlen, "cannot create output directory %s: %s", dir, strerror(errno));
			return -1;
		}
		return 0;
	}
	if (!S_ISDIR(st.st_mode))
	{
		snprintf(err, errlen, "output path %s is not a directory", dir);
		return -1;
	}
	return 0;
}

/* Validate the options; parse the end date into *end. 0 or -1 with a message. */
static int
check_options(const synth_options *o, int32_t *end, char *err, size_t errlen)
{
	if (!o->outdir || !*o->outdir)
	{
		snprintf(err, errlen, "no output directory given");
		return -1;
	}
	if (o->months < 1 || o->months > 120)
	{
		snprintf(err, errlen, "months must be between 1 and 120, not %d", o->months);
		return -1;
	}
	if (o->national && !(o->fraction > 0.0 && o->fraction <= 1.0))
	{
		snprintf(err, errlen, "fraction must be in (0, 1], not %g", o->fraction);
		return -1;
	}
	if (synth_parse_date(o->end_date ? o->end_date : "2026-10-31", end) != 0)
	{
		snprintf(err, errlen, "end date is not a valid YYYY-MM-DD date: %s", o->end_date);
		return -1;
	}
	return 0;
}

/* Run the generation stages in order. 0 or -1 with a message. */
static int
build_world(synth_world *w, const char *thin, char *err, size_t errlen)
{
	if (synth_layout(w, err, errlen) != 0 ||
		synth_areas(w, err, errlen) != 0 ||
		synth_population(w, err, errlen) != 0 ||
		synth_thin(w, thin, err, errlen) != 0 ||
		synth_signals(w, err, errlen) != 0 ||
		synth_finish_rows(w, err, errlen) != 0)
		return -1;
	return 0;
}

/* Write every output file under its temporary name. 0 or -1 with a message. */
static int
write_files(const synth_world *w, char tmp[F_N][4096], const char *stamp,
			char *err, size_t errlen)
{
	if (synth_write_pc6(w, tmp[F_PC6], err, errlen) != 0 ||
		synth_write_signals(w, tmp[F_SIGNALS], err, errlen) != 0 ||
		synth_write_zaak(w, tmp[F_ZAAK], err, errlen) != 0 ||
		synth_write_truth(w, tmp[F_HOT], tmp[F_BAD], err, errlen) != 0 ||
		synth_write_names(w, tmp[F_NAMES], err, errlen) != 0 ||
		synth_write_gpkg(w, tmp[F_GPKG], stamp, err, errlen) != 0 ||
		synth_write_thinned(w, tmp[F_THIN], err, errlen) != 0)
		return -1;
	return 0;
}

/* See synth.h. */
int
synth_run(const synth_options *o, synth_report *rep, char *err, size_t errlen)
{
	struct timespec t0, t1;
	synth_world w;
	int32_t		end;
	char		tmp[F_N][4096], fin[F_N][4096], stamp[32], day[11];
	int			rc = -1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&w, 0, sizeof(w));
	if (!o)
	{
		snprintf(err, errlen, "no options given");
		return -1;
	}
	if (check_options(o, &end, err, errlen) != 0 || ensure_dir(o->outdir, err, errlen) != 0)
		return -1;
	for (int f = 0; f < F_N; f++)
	{
		int			a = snprintf(fin[f], sizeof(fin[f]), "%s/%s", o->outdir, file_name[f]);
		int			b = snprintf(tmp[f], sizeof(tmp[f]), "%s/.tmp-%s", o->outdir, file_name[f]);

		if (a < 0 || b < 0 || (size_t) a >= sizeof(fin[f]) || (size_t) b >= sizeof(tmp[f]))
		{
			snprintf(err, errlen, "output directory path too long");
			return -1;
		}
	}
	w.seed = o->seed;
	w.national = o->national != 0;
	w.fraction = w.national ? o->fraction : 1.0;
	w.end = end;
	w.start = minus_months(end, o->months) + 1;
	synth_fmt_date(end, day);
	snprintf(stamp, sizeof(stamp), "%sT00:00:00.000Z", day);

	GDALAllRegister();
	if (build_world(&w, o->thin, err, errlen) != 0)
		goto done;
	for (int f = 0; f < F_N; f++)
		unlink(tmp[f]);
	if (write_files(&w, tmp, stamp, err, errlen) != 0)
		goto unlink_tmp;
	if (o->conninfo &&
		synth_load_pg(o->conninfo, tmp[F_PC6], tmp[F_SIGNALS], tmp[F_ZAAK], err, errlen) != 0)
		goto unlink_tmp;
	for (int f = 0; f < F_N; f++)
		if (rename(tmp[f], fin[f]) != 0)
		{
			snprintf(err, errlen, "cannot rename %s: %s", tmp[f], strerror(errno));
			for (int g = 0; g < f; g++)
				unlink(fin[g]);
			goto unlink_tmp;
		}
	if (rep)
	{
		memset(rep, 0, sizeof(*rep));
		rep->pc6 = w.ncell;
		rep->pc4 = w.npc4;
		rep->households = (size_t) w.households;
		rep->signals = w.nsig;
		rep->bad_rows = w.nbad;
		rep->hotspots = w.nhot;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		rep->seconds = (double) (t1.tv_sec - t0.tv_sec) + 1e-9 * (double) (t1.tv_nsec - t0.tv_nsec);
	}
	rc = 0;
	goto done;

unlink_tmp:
	for (int f = 0; f < F_N; f++)
		unlink(tmp[f]);
done:
	world_free(&w);
	return rc;
}
