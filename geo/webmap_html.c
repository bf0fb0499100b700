/*
 * geo/webmap_html.c — write the self-contained map.html: the template web/webmap.html with
 * Leaflet, the map's script and style, and the areas' data inlined (see geo/webmap.h).
 */
#include "webmap.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* files the page is made of, relative to the web folder */
static const char *const web_files[] = {
	"webmap.html", "webmap.css", "webmap.js",
	"node_modules/leaflet/dist/leaflet.css", "node_modules/leaflet/dist/leaflet.js"
};
#define NWEB (sizeof(web_files) / sizeof(web_files[0]))

void
webmap_json_string(FILE *f, const char *s)
{
	if (!s)
	{
		fputs("null", f);
		return;
	}
	putc('"', f);
	for (const unsigned char *p = (const unsigned char *) s; *p; p++)
	{
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p < 0x20 || *p == '<' || *p == '>' || *p == '&')
			fprintf(f, "\\u%04x", *p);	/* no "</script>" can end the data early */
		else
			putc(*p, f);
	}
	putc('"', f);
}

void
webmap_json_number(FILE *f, double v, int decimals)
{
	if (!isfinite(v))
		fputs("null", f);
	else
		fprintf(f, "%.*f", decimals, v == 0 ? 0.0 : v);
}

/* s as HTML text (element content or a quoted attribute). */
static void
html_text(FILE *f, const char *s)
{
	for (; s && *s; s++)
		switch (*s)
		{
			case '<': fputs("&lt;", f); break;
			case '>': fputs("&gt;", f); break;
			case '&': fputs("&amp;", f); break;
			case '"': fputs("&quot;", f); break;
			default: putc(*s, f);
		}
}

/* 0 when every page file is readable in dir, else -1 with err naming the first missing one */
static int
web_files_ok(const char *dir, char *err, size_t errlen)
{
	for (size_t i = 0; i < NWEB; i++)
	{
		char		p[PATH_MAX + 64];

		snprintf(p, sizeof(p), "%s/%s", dir, web_files[i]);
		if (access(p, R_OK) != 0)
			return snprintf(err, errlen, "webmap: cannot read %s: %s%s", p, strerror(errno),
							i >= 3 ? " (run `make deps` to install Leaflet)" : ""), -1;
	}
	return 0;
}

int
webmap_web_dir(char *buf, size_t len, char *err, size_t errlen)
{
	const char *env = getenv("VSP_WEB_DIR");
	char		exe[PATH_MAX];
	ssize_t		n;
	char	   *slash;

	if (env && env[0])
	{
		snprintf(buf, len, "%s", env);
		return web_files_ok(buf, err, errlen);
	}
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
	{
		snprintf(buf, len, "web");
		snprintf(err, errlen, "webmap: cannot find the running binary; set VSP_WEB_DIR");
		return -1;
	}
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) != NULL)
		*slash = '\0';
	/* installed: PREFIX/bin/vsp and PREFIX/share/vsp/web; else the source tree's bin/ and web/ */
	snprintf(buf, len, "%s/../share/vsp/web", exe);
	if (web_files_ok(buf, err, errlen) == 0)
		return 0;
	snprintf(buf, len, "%s/../web", exe);
	return web_files_ok(buf, err, errlen);
}

/* The whole file at dir/name, NUL-terminated, in *out (caller frees).  0 or -1 with err. */
static int
slurp(const char *dir, const char *name, char **out, char *err, size_t errlen)
{
	char		p[PATH_MAX + 64];
	FILE	   *f;
	long		n;
	char	   *buf = NULL;

	*out = NULL;
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (!(f = fopen(p, "rb")))
		return snprintf(err, errlen, "webmap: cannot open %s: %s", p, strerror(errno)), -1;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
		n > 64L * 1024 * 1024 || !(buf = malloc((size_t) n + 1)) ||
		fread(buf, 1, (size_t) n, f) != (size_t) n)
	{
		snprintf(err, errlen, "webmap: cannot read %s", p);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[n] = '\0';
	*out = buf;
	return 0;
}

/* Inline the file dir/name into a <script> or <style> element: drop source-map comments
 * (a browser would fetch the map) and refuse text that would end the element early. */
static int
inline_file(FILE *out, const char *dir, const char *name, const char *closer, char *err,
			size_t errlen)
{
	char	   *s, *line;

	if (slurp(dir, name, &s, err, errlen) != 0)
		return -1;
	if (strcasestr(s, closer))
	{
		snprintf(err, errlen, "webmap: %s/%s contains %s and cannot be inlined", dir, name, closer);
		free(s);
		return -1;
	}
	line = s;
	while (*line)
	{
		char	   *nl = strchr(line, '\n');
		size_t		len = nl ? (size_t) (nl - line + 1) : strlen(line);

		if (strncmp(line, "//# sourceMappingURL=", 21) != 0 && strncmp(line, "/*# sourceMappingURL=", 21) != 0)
			fwrite(line, 1, len, out);
		line += len;
	}
	free(s);
	putc('\n', out);
	return 0;
}

/* The origin of the basemap URL for the page's Content-Security-Policy ("{s}" subdomains
 * become "*"); empty when there is no basemap or the URL is not http(s). */
static void
basemap_origin(const char *url, char *buf, size_t len)
{
	const char *p, *host;
	size_t		k = 0;

	buf[0] = '\0';
	if (!url || !url[0])
		return;
	if (strncmp(url, "wms:", 4) == 0)
		url += 4;
	if (strncmp(url, "https://", 8) == 0)
		host = url + 8;
	else if (strncmp(url, "http://", 7) == 0)
		host = url + 7;
	else
		return;
	for (p = url; p < host && k + 1 < len; p++)
		buf[k++] = *p;
	for (p = host; *p && *p != '/' && *p != '?' && k + 2 < len; p++)
	{
		if (strncmp(p, "{s}", 3) == 0)
		{
			buf[k++] = '*';
			p += 2;
		}
		else if (isalnum((unsigned char) *p) || *p == '.' || *p == '-' || *p == ':')
			buf[k++] = *p;
		else
		{
			buf[0] = '\0';		/* something odd in the host: allow nothing */
			return;
		}
	}
	buf[k] = '\0';
}

/* data.arcs and data.areas; with an include mask only the arcs its areas use, renumbered */
static int
write_data(FILE *f, const webmap_page *pg, char *err, size_t errlen)
{
	const webmap_topo *t = pg->topo;
	int64_t    *newid = malloc((t->narcs ? t->narcs : 1) * sizeof(int64_t));
	int64_t		nused = 0;
	int			first = 1;

	if (!newid)
		return snprintf(err, errlen, "webmap: out of memory"), -1;
	for (size_t a = 0; a < t->narcs; a++)
		newid[a] = pg->include ? -1 : (int64_t) a;
	if (pg->include)
		for (size_t i = 0; i < t->n; i++)
			if (pg->include[i])
				for (size_t r = t->ring_off[t->poly_off[i]]; r < t->ring_off[t->poly_off[i + 1]]; r++)
					for (size_t k = t->ref_off[r]; k < t->ref_off[r + 1]; k++)
					{
						int64_t		a = t->refs[k] < 0 ? ~t->refs[k] : t->refs[k];

						if (newid[a] < 0)
							newid[a] = 0;
					}
	fprintf(f, "{\"meta\":%s,\"scale\":%d,\"basemap\":", pg->meta_json ? pg->meta_json : "{}", WEBMAP_SCALE);
	webmap_json_string(f, pg->basemap && pg->basemap[0] ? pg->basemap : NULL);
	fputs(",\n\"arcs\":[", f);
	for (size_t a = 0; a < t->narcs; a++)
	{
		int32_t		px = 0, py = 0;

		if (newid[a] < 0)
			continue;
		newid[a] = nused++;
		fputs(first ? "\n[" : ",\n[", f);
		first = 0;
		/* first point absolute, then differences: short integers */
		for (size_t k = t->arc_off[a]; k < t->arc_off[a + 1]; k++)
		{
			fprintf(f, "%s%ld,%ld", k > t->arc_off[a] ? "," : "", (long) t->ll[2 * k] - px,
					(long) t->ll[2 * k + 1] - py);
			px = t->ll[2 * k];
			py = t->ll[2 * k + 1];
		}
		putc(']', f);
	}
	fputs("],\n\"areas\":[", f);
	first = 1;
	for (size_t i = 0; i < t->n; i++)
	{
		if (pg->include && !pg->include[i])
			continue;
		fputs(first ? "\n{\"g\":[" : ",\n{\"g\":[", f);
		first = 0;
		for (size_t p = t->poly_off[i]; p < t->poly_off[i + 1]; p++)
		{
			fputs(p > t->poly_off[i] ? ",[" : "[", f);
			for (size_t r = t->ring_off[p]; r < t->ring_off[p + 1]; r++)
			{
				fputs(r > t->ring_off[p] ? ",[" : "[", f);
				for (size_t k = t->ref_off[r]; k < t->ref_off[r + 1]; k++)
				{
					int64_t		a = t->refs[k];

					fprintf(f, "%s%lld", k > t->ref_off[r] ? "," : "",
							(long long) (a < 0 ? ~newid[~a] : newid[a]));
				}
				putc(']', f);
			}
			putc(']', f);
		}
		fputs("],\"pt\":", f);
		if (t->label[2 * i] == INT32_MIN)
			fputs("null", f);
		else
			fprintf(f, "[%ld,%ld]", (long) t->label[2 * i], (long) t->label[2 * i + 1]);
		fputs(",\"p\":", f);
		if (pg->props(f, i, pg->ctx) != 0)
		{
			free(newid);
			return snprintf(err, errlen, "webmap: cannot write the properties of area %zu", i), -1;
		}
		putc('}', f);
	}
	fputs("]}", f);
	free(newid);
	return 0;
}

int
webmap_write(const webmap_page *pg, const char *webdir, const char *path, char *err, size_t errlen)
{
	char	   *tpl = NULL, origin[256];
	const char *p;
	FILE	   *f;
	int			rc = -1;

	if (slurp(webdir, "webmap.html", &tpl, err, errlen) != 0)
		return -1;
	if (!(f = fopen(path, "w")))
	{
		snprintf(err, errlen, "webmap: cannot create %s: %s", path, strerror(errno));
		free(tpl);
		return -1;
	}
	basemap_origin(pg->basemap, origin, sizeof(origin));
	for (p = tpl; *p;)
	{
		const char *m = strstr(p, "{{"), *e;
		char		name[64];

		if (!m)
		{
			fputs(p, f);
			break;
		}
		fwrite(p, 1, (size_t) (m - p), f);
		if (!(e = strstr(m, "}}")) || e - m - 2 >= (long) sizeof(name))
		{
			snprintf(err, errlen, "webmap: %s/webmap.html: unterminated {{ marker", webdir);
			goto done;
		}
		memcpy(name, m + 2, (size_t) (e - m - 2));
		name[e - m - 2] = '\0';
		p = e + 2;
		if (strcmp(name, "title") == 0)
			html_text(f, pg->title);
		else if (strcmp(name, "subtitle") == 0)
			html_text(f, pg->subtitle);
		else if (strcmp(name, "csp-img") == 0)
			fprintf(f, "%s%s", origin[0] ? " " : "", origin);
		else if (strcmp(name, "leaflet.css") == 0 || strcmp(name, "webmap.css") == 0)
		{
			if (inline_file(f, webdir, name[0] == 'l' ? web_files[3] : web_files[1], "</style", err, errlen) != 0)
				goto done;
		}
		else if (strcmp(name, "leaflet.js") == 0 || strcmp(name, "webmap.js") == 0)
		{
			if (inline_file(f, webdir, name[0] == 'l' ? web_files[4] : web_files[2], "</script", err, errlen) != 0)
				goto done;
		}
		else if (strcmp(name, "data") == 0)
		{
			if (write_data(f, pg, err, errlen) != 0)
				goto done;
		}
		else
		{
			snprintf(err, errlen, "webmap: %s/webmap.html: unknown marker {{%s}}", webdir, name);
			goto done;
		}
	}
	rc = 0;
done:
	free(tpl);
	if ((ferror(f) | fclose(f)) != 0 && rc == 0)
	{
		snprintf(err, errlen, "webmap: writing %s failed: %s", path, strerror(errno));
		rc = -1;
	}
	return rc;
}
