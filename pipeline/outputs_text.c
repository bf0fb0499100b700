/*
 * pipeline/outputs_text.c — text for the streamed area files (outputs_stream.c): a growing
 * buffer, numbers and escapes.
 *
 * The files must be byte for byte what GDAL 3.6's CSV, GeoJSON and XLSX drivers write, so
 * the numbers are printed the way GDAL prints them (OGRFormatDouble with its intelliround for
 * coordinates, the %.17g .. %.14g search for GeoJSON reals, %.15g and %.16g for the list
 * cells) and strings escaped the way json-c, the CSV driver and the XLSX driver escape them.
 * The common cases are done in integers where that provably gives printf's text: these run
 * for every cell and coordinate of a national run.
 */
#include "outputs_stream_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- growing text buffer ---- */

/* See outputs_stream_internal.h. */
int
outputs_sb_grow(outputs_sbuf *b, size_t more)
{
	size_t		cap;
	char	   *np;

	if (b->oom)
		return -1;
	if (b->n + more <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 1 << 16;
	while (cap < b->n + more)
		cap *= 2;
	if (!(np = realloc(b->p, cap)))
	{
		b->oom = 1;
		return -1;
	}
	b->p = np;
	b->cap = cap;
	return 0;
}

/* See outputs_stream_internal.h. */
void
outputs_sb_printf(outputs_sbuf *b, const char *fmt,...)
{
	va_list		ap;
	int			len;

	if (outputs_sb_grow(b, 64) != 0)
		return;
	va_start(ap, fmt);
	len = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
	va_end(ap);
	if (len < 0)
	{
		b->oom = 1;
		return;
	}
	if ((size_t) len >= b->cap - b->n)
	{
		if (outputs_sb_grow(b, (size_t) len + 1) != 0)
			return;
		va_start(ap, fmt);
		vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
		va_end(ap);
	}
	b->n += (size_t) len;
}

/* ---- numbers as GDAL prints them ---- */

/* Round a decimal string up by one unit in its last digit (GDAL's roundup). */
static void
dec_roundup(char *s)
{
	char	   *start = s[0] == '-' ? s + 1 : s;
	size_t		len = strlen(start);

	for (size_t k = len; k-- > 0;)
	{
		if (start[k] == '.')
			continue;
		if (start[k] != '9')
		{
			start[k]++;
			return;
		}
		start[k] = '0';
	}
	memmove(start + 1, start, len + 1);
	start[0] = '1';
}

/*
 * GDAL's intelliround for fixed-point text longer than 10 characters: trailing 00000x or
 * 99999x (and two longer patterns) are taken as binary-to-decimal noise and cut off.
 */
static void
intelliround(char *s)
{
	char	   *dot = strchr(s, '.');
	size_t		i = strlen(s),
				idot,
				before;

	if (!dot || strpbrk(s, "eE") || i <= 10)
		return;
	idot = (size_t) (dot - s);
	before = idot - 1;
	if (s[0] == '-')
		before--;
	if (s[i - 2] == '0' && s[i - 3] == '0' && s[i - 4] == '0' && s[i - 5] == '0' && s[i - 6] == '0')
		s[i - 1] = '\0';
	else if (idot < i - 8 && (before >= 4 || s[i - 3] == '0') && (before >= 5 || s[i - 4] == '0') &&
			 (before >= 6 || s[i - 5] == '0') && (before >= 7 || s[i - 6] == '0') &&
			 (before >= 8 || s[i - 7] == '0') && s[i - 8] == '0' && s[i - 9] == '0')
		s[i - 8] = '\0';
	else if (s[i - 2] == '9' && s[i - 3] == '9' && s[i - 4] == '9' && s[i - 5] == '9' && s[i - 6] == '9')
	{
		s[i - 6] = '\0';
		dec_roundup(s);
	}
	else if (idot < i - 9 && (before >= 4 || s[i - 3] == '9') && (before >= 5 || s[i - 4] == '9') &&
			 (before >= 6 || s[i - 5] == '9') && (before >= 7 || s[i - 6] == '9') &&
			 (before >= 8 || s[i - 7] == '9') && s[i - 8] == '9' && s[i - 9] == '9')
	{
		s[i - 9] = '\0';
		dec_roundup(s);
	}
}

/*
 * A coordinate as GDAL's GeoJSON writer prints it at COORDINATE_PRECISION=6: %.6f,
 * intelliround, trailing zeros removed but one kept after the point.  out holds 48 bytes.
 * The common case is done in integers: v * 1e6 is rounded the way %.6f rounds v unless it
 * lies within 1e-7 of a half (its own rounding error is below 1e-8 for |v| < 1e9).
 */
size_t
outputs_fmt_coord(double v, char *out)
{
	double		t = v * 1e6,
				r = nearbyint(t);
	size_t		len;

	if (fabs(v) < 1e9 && fabs(fabs(t - r) - 0.5) > 1e-7 && !(r == 0 && signbit(v)))
	{
		long long	q = (long long) r,
					fp;
		char	   *p = out;

		if (q < 0)
		{
			*p++ = '-';
			q = -q;
		}
		p += outputs_fmt_ulong((unsigned long long) (q / 1000000), p);
		*p++ = '.';
		fp = q % 1000000;
		for (int k = 5; k >= 0; k--, fp /= 10)
			p[k] = (char) ('0' + fp % 10);
		p += 6;
		*p = '\0';
		len = (size_t) (p - out);
	}
	else if (!isfinite(v))
		return (size_t) sprintf(out, "%s", isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
	else
		len = (size_t) snprintf(out, 48, "%.6f", v);
	if (len > 10)
	{
		intelliround(out);
		len = strlen(out);
	}
	if (strchr(out, '.'))
	{
		while (len > 0 && out[len - 1] == '0')
			len--;
		if (out[len - 1] == '.')
			out[len++] = '0';
		out[len] = '\0';
	}
	return len;
}

/*
 * v as %.15g (sig 15) or %.16g (sig 16) prints it, in integers where that provably gives the
 * same text: the list columns are rounded to 4 decimals, so v is usually the double nearest a
 * decimal D = M / 10^4, and %.<sig>g prints D itself when D has at most sig significant
 * digits (no exponent form) and v lies within half a unit of D's last digit — always so at 15
 * digits (|v - D| <= 2^-53 |v|), checked at 16 (with FMA, and a margin).  Anything else, and
 * -0, goes through snprintf.  out holds 48 bytes.
 */
size_t
outputs_fmt_dec4(double v, int sig, char *out)
{
	static const double half_unit[] = {	/* 0.5 * 10^(e - 11) for e = -4 .. 15, at 16 digits */
		0.5e-15, 0.5e-14, 0.5e-13, 0.5e-12, 0.5e-11, 0.5e-10, 0.5e-9, 0.5e-8, 0.5e-7, 0.5e-6,
		0.5e-5, 0.5e-4, 0.5e-3, 0.5e-2, 0.5e-1, 0.5, 5.0, 50.0, 500.0, 5000.0
	};
	double		m = nearbyint(v * 1e4);
	unsigned long long a,
				p10 = 1;
	int			nd = 1,
				e;
	char	   *p = out;

	if (!(fabs(m) < 1e15) || m / 1e4 != v)
		goto slow;				/* not a value of 4 decimals */
	a = (unsigned long long) fabs(m);
	if (a == 0)
	{
		if (v != 0 || signbit(v))
			goto slow;
		out[0] = '0';
		out[1] = '\0';
		return 1;
	}
	while (a / p10 >= 10)
	{
		p10 *= 10;
		nd++;
	}
	e = nd - 5;					/* decimal exponent of D */
	if (e < -4 || e >= sig)
		goto slow;
	if (sig == 16 && (a == p10 || !(fabs(fma(v, 1e4, -m)) < 0.9 * half_unit[e + 4])))
		goto slow;				/* a power of ten (v may sit below it), or too far from D */
	if (v < 0)
		*p++ = '-';
	p += outputs_fmt_ulong(a / 10000, p);
	if (a % 10000)
	{
		unsigned	f = (unsigned) (a % 10000);
		int			nf = 4;

		while (f % 10 == 0)
		{
			f /= 10;
			nf--;
		}
		*p++ = '.';
		for (int k = nf - 1; k >= 0; k--, f /= 10)
			p[k] = (char) ('0' + f % 10);
		p += nf;
	}
	*p = '\0';
	return (size_t) (p - out);
slow:
	return (size_t) snprintf(out, 48, "%.*g", sig, v);
}

/*
 * A real property as GDAL's GeoJSON writer prints it (default SIGNIFICANT_FIGURES): %.17g,
 * or the first of %.16g, %.15g, %.14g whose text after the point has no 999999 or 000000 run
 * when %.17g has one; ".0" appended to text without a point or an exponent.
 */
size_t
outputs_fmt_json_real(double v, char *out)
{
	int			len = snprintf(out, 40, "%.17g", v);
	const char *dot = strchr(out, '.');

	if (dot && (strstr(dot, "999999") || strstr(dot, "000000")))
	{
		int			ok = 0;

		for (int sig = 16; sig >= 14 && !ok; sig--)
		{
			len = snprintf(out, 40, "%.*g", sig, v);
			dot = strchr(out, '.');
			ok = dot && !strstr(dot, "999999") && !strstr(dot, "000000");
		}
		if (!ok)
			len = snprintf(out, 40, "%.17g", v);
	}
	if (!strchr(out, '.') && !strchr(out, 'e'))
	{
		memcpy(out + len, ".0", 3);
		len += 2;
	}
	return (size_t) len;
}

/* ---- text escapes ---- */

/* A JSON string as json-c writes it (no escaping of '/'). */
void
outputs_put_json_string(outputs_sbuf *b, const char *s)
{
	outputs_sb_put(b, "\"", 1);
	for (const unsigned char *p = (const unsigned char *) s; *p; p++)
	{
		switch (*p)
		{
			case '"': outputs_sb_put(b, "\\\"", 2); break;
			case '\\': outputs_sb_put(b, "\\\\", 2); break;
			case '\b': outputs_sb_put(b, "\\b", 2); break;
			case '\f': outputs_sb_put(b, "\\f", 2); break;
			case '\n': outputs_sb_put(b, "\\n", 2); break;
			case '\r': outputs_sb_put(b, "\\r", 2); break;
			case '\t': outputs_sb_put(b, "\\t", 2); break;
			default:
				if (*p < 0x20)
					outputs_sb_printf(b, "\\u%04x", *p);
				else
					outputs_sb_put(b, (const char *) p, 1);
		}
	}
	outputs_sb_put(b, "\"", 1);
}

/* A CSV field: as is, or quoted (quotes doubled) when it holds a comma, quote, CR or LF. */
void
outputs_put_csv_field(outputs_sbuf *b, const char *s)
{
	if (!strpbrk(s, ",\"\r\n"))
	{
		outputs_sb_puts(b, s);
		return;
	}
	outputs_sb_put(b, "\"", 1);
	for (; *s; s++)
	{
		if (*s == '"')
			outputs_sb_put(b, "\"", 1);
		outputs_sb_put(b, s, 1);
	}
	outputs_sb_put(b, "\"", 1);
}

/* XML character data: &, <, > and " escaped; control characters other than tab/LF/CR dropped
 * (XML 1.0 cannot hold them). */
void
outputs_put_xml_text(outputs_sbuf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *) s; *p; p++)
	{
		switch (*p)
		{
			case '&': outputs_sb_put(b, "&amp;", 5); break;
			case '<': outputs_sb_put(b, "&lt;", 4); break;
			case '>': outputs_sb_put(b, "&gt;", 4); break;
			case '"': outputs_sb_put(b, "&quot;", 6); break;
			default:
				if (*p >= 0x20 || *p == '\t' || *p == '\n' || *p == '\r')
					outputs_sb_put(b, (const char *) p, 1);
		}
	}
}

/* Spreadsheet column name of 0-based column c: A .. Z, AA .. */
void
outputs_col_name(int c, char out[8])
{
	char		tmp[8];
	int			n = 0;

	for (c++; c > 0; c = (c - 1) / 26)
		tmp[n++] = (char) ('A' + (c - 1) % 26);
	for (int k = 0; k < n; k++)
		out[k] = tmp[n - 1 - k];
	out[n] = '\0';
}
