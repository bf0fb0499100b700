/*
 * pipeline/util.c — calendar arithmetic, timing, removing a folder tree.
 *
 * Dates are day numbers so that windows, months and recency are integer arithmetic and
 * never depend on the time zone or locale.  The civil-date conversion is Howard Hinnant's
 * published days-from-civil algorithm (proleptic Gregorian calendar).
 */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

int32_t
util_days_from_civil(int y, unsigned m, unsigned d)
{
	int64_t		yy = (int64_t) y - (m <= 2), era, yoe, doy, doe;

	era = (yy >= 0 ? yy : yy - 399) / 400;
	yoe = yy - era * 400;									/* [0, 399] */
	doy = (153 * (m > 2 ? (int64_t) m - 3 : (int64_t) m + 9) + 2) / 5 + d - 1;	/* [0, 365] */
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;			/* [0, 146096] */
	return (int32_t) (era * 146097 + doe - 719468);
}

void
util_civil_from_days(int32_t days, int *y, unsigned *m, unsigned *d)
{
	int64_t		z = (int64_t) days + 719468;
	int64_t		era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t		doe = z - era * 146097;					/* [0, 146096] */
	int64_t		yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t		doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t		mp = (5 * doy + 2) / 153;

	*d = (unsigned) (doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned) (mp < 10 ? mp + 3 : mp - 9);
	*y = (int) (yoe + era * 400 + (*m <= 2));
}

int
util_parse_date(const char *s, int32_t *days)
{
	static const unsigned mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int			y = 0, leap;
	unsigned	m, d;

	if (!s)
		return -1;
	for (int i = 0; i < 10; i++)
	{
		if (i == 4 || i == 7)
		{
			if (s[i] != '-')
				return -1;
		}
		else if (!isdigit((unsigned char) s[i]))
			return -1;
	}
	if (s[10] != '\0')
		return -1;
	for (int i = 0; i < 4; i++)
		y = y * 10 + (s[i] - '0');
	m = (unsigned) ((s[5] - '0') * 10 + (s[6] - '0'));
	d = (unsigned) ((s[8] - '0') * 10 + (s[9] - '0'));
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] + (m == 2 && leap))
		return -1;
	*days = util_days_from_civil(y, m, d);
	return 0;
}

/* Years 1..9999 only (the "YYYY" shape); anything else gives "". */
void
util_format_date(int32_t days, char out[11])
{
	int			y;
	unsigned	m, d;

	util_civil_from_days(days, &y, &m, &d);
	out[0] = '\0';
	if (y < 1 || y > 9999)
		return;
	snprintf(out, 11, "%04d-%02u-%02u", y, m, d);
}

double
util_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

int
util_mul_size(size_t a, size_t b, size_t *out)
{
	if (a && b > SIZE_MAX / a)
		return -1;
	*out = a * b;
	return 0;
}

void
util_kill_point(const char *name)
{
	const char *at = getenv("VSP_TEST_SLEEP_AT");

	if (at && strcmp(at, name) == 0)
	{
		const char *s = getenv("VSP_TEST_SLEEP_SECONDS"), *resume = getenv("VSP_TEST_RESUME_FILE");
		double		until = util_now() + (s && *s ? atof(s) : 30.0);

		if (resume && *resume)
		{
			/* tell the test we are here: RESUME_FILE.at; go on early once RESUME_FILE exists */
			char		here[4096];
			FILE	   *f;

			snprintf(here, sizeof(here), "%s.at", resume);
			if ((f = fopen(here, "w")) != NULL)
				fclose(f);
		}
		while (util_now() < until && !(resume && *resume && access(resume, F_OK) == 0))
		{
			struct timespec ts = {0, 20 * 1000 * 1000};

			nanosleep(&ts, NULL);
		}
	}
	at = getenv("VSP_TEST_KILL_AT");
	if (at && strcmp(at, name) == 0)
		raise(SIGKILL);
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void) sb;
	(void) flag;
	(void) ftw;
	return remove(path);
}

int
util_rm_tree(const char *path)
{
	return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

int
util_mkdir_p(const char *path, mode_t mode)
{
	char		buf[4096];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int) sizeof(buf))
		return errno = ENAMETOOLONG, -1;
	for (char *p = buf + 1; *p; p++)
		if (*p == '/')
		{
			*p = '\0';
			if (mkdir(buf, mode) != 0 && errno != EEXIST)
				return -1;
			*p = '/';
		}
	return (mkdir(buf, mode) != 0 && errno != EEXIST) ? -1 : 0;
}
