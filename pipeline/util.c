/*
 * pipeline/util.c — calendar arithmetic and timing.
 *
 * Dates are day numbers so that windows, months and recency are integer arithmetic and
 * never depend on the time zone or locale.  The civil-date conversion is Howard Hinnant's
 * published days-from-civil algorithm (proleptic Gregorian calendar).
 */
#include "util.h"

#include <ctype.h>
#include <time.h>

int32_t
util_days_from_civil(int y, unsigned m, unsigned d)
{
	int			era;
	unsigned	yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned) (y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int32_t) doe - 719468;
}

void
util_civil_from_days(int32_t z, int *y, unsigned *m, unsigned *d)
{
	int			era;
	unsigned	doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned) (z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int) yoe + era * 400 + (*m <= 2);
}

int
util_parse_date(const char *s, int32_t *days)
{
	int			y = 0;
	unsigned	m, d, mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

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
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	m = (unsigned) ((s[5] - '0') * 10 + (s[6] - '0'));
	d = (unsigned) ((s[8] - '0') * 10 + (s[9] - '0'));
	if (y < 1900 || m < 1 || m > 12 || d < 1)
		return -1;
	if ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)
		mdays[1] = 29;
	if (d > mdays[m - 1])
		return -1;
	*days = util_days_from_civil(y, m, d);
	return 0;
}

void
util_format_date(int32_t days, char out[11])
{
	int			y;
	unsigned	m, d;

	util_civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999)
		y = 0;
	out[0] = (char) ('0' + y / 1000 % 10);
	out[1] = (char) ('0' + y / 100 % 10);
	out[2] = (char) ('0' + y / 10 % 10);
	out[3] = (char) ('0' + y % 10);
	out[4] = '-';
	out[5] = (char) ('0' + m / 10);
	out[6] = (char) ('0' + m % 10);
	out[7] = '-';
	out[8] = (char) ('0' + d / 10);
	out[9] = (char) ('0' + d % 10);
	out[10] = '\0';
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
