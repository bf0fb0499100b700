/*
 * pipeline/config.c — INI parsing (inih) and validation of the run configuration.
 */
#include "config.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct parse_ctx
{
	config	   *cfg;
	char	   *err;
	size_t		errlen;
	int			failed;
} parse_ctx;

int
config_set(char **field, const char *value)
{
	char	   *c = strdup(value ? value : "");

	if (!c)
		return -1;
	free(*field);
	*field = c;
	return 0;
}

/* Defaults: documented in config/vsp.ini. */
static int
config_defaults(config *c)
{
	time_t		now = time(NULL);
	struct tm	tm;

	memset(c, 0, sizeof(*c));
	if (config_set(&c->conninfo, "") || config_set(&c->source_signals, "vsp_source.signals") ||
		config_set(&c->source_followup, "vsp_source.followup") || config_set(&c->level, "pc4") ||
		config_set(&c->start_date, "2021-01-01") || config_set(&c->output_dir, "out") ||
		config_set(&c->area_source, "") || config_set(&c->area_layer, "") ||
		config_set(&c->area_id_field, "") || config_set(&c->area_srs, "") || config_set(&c->area_cache, "") ||
		config_set(&c->households, "reference") || config_set(&c->working_crs, "EPSG:28992") ||
		config_set(&c->weights, "queen") || config_set(&c->variable, "eb") ||
		config_set(&c->key_secret, "") || config_set(&c->migrations, "") ||
		config_set(&c->purge_signals_table, "platform.signaal") ||
		config_set(&c->purge_cases_table, "platform.zaak") || config_set(&c->notify_command, ""))
		return -1;
	localtime_r(&now, &tm);
	strftime(c->as_of, sizeof(c->as_of), "%Y-%m-%d", &tm);
	c->window_days = 90;
	c->max_amount = 1000000.0;
	c->max_quarantine_share = 0.05;
	c->snap = 0.5;
	c->island_knn = 0;
	c->permutations = 999;
	c->seed = 20240101;
	c->fdr_q = 0.05;
	c->disclosure_k = 10;
	c->w_bin = 0.5;
	c->w_lisa = 0.5;
	c->w_trend = 0.25;
	c->min_partners = 1;
	c->min_consecutive_months = 1;
	c->min_amount = 0;
	/* huur weighs most: rent arrears lead to eviction (see docs/methodology.md) */
	c->risk_partner[0] = 3.0;	/* huur */
	c->risk_partner[1] = 2.0;	/* energie */
	c->risk_partner[2] = 1.5;	/* water */
	c->risk_partner[3] = 1.5;	/* zorg */
	c->risk_partner[4] = 3.0;	/* hypotheek */
	c->risk_partner[5] = 1.0;	/* duo */
	c->risk_partner[6] = 1.5;	/* toeslagen */
	c->risk_partner[7] = 1.5;	/* cak */
	c->risk_partner[8] = 1.0;	/* overig */
	c->risk_amount = 1.0;
	c->risk_npartners = 1.5;
	c->risk_duration = 0.5;
	c->risk_recency = 1.0;
	c->risk_crisis = 5.0;
	/* retention (docs/privacy.md): each municipality sets its own terms */
	c->ret_quarantine_months = 6;
	c->ret_outreach_months = 18;
	c->ret_results_months = 60;
	c->purge_source = 0;
	c->ret_unhandled_months = 6;
	c->ret_closed_months = 18;
	c->notify_timeout = 30;
	c->webmap_simplify = 10.0;
	c->maps = CONFIG_MAPS_AUTO;
	c->map_max_areas = 50000;
	if (config_set(&c->basemap, "") || config_set(&c->basemap_attribution, ""))
		return -1;
	c->prevent_fdr = 0.05;
	c->prevent_min_coverage = 0.8;
	c->prevent_exclude_excess = 1;
	if (config_set(&c->prevent_covariates, ""))
		return -1;
	return 0;
}

static int
parse_int(const char *v, int lo, int hi, int *out)
{
	char	   *end;
	long		l;

	errno = 0;
	l = strtol(v, &end, 10);
	while (*end && isspace((unsigned char) *end))
		end++;
	if (errno || end == v || *end || l < lo || l > hi)
		return -1;
	*out = (int) l;
	return 0;
}

static int
parse_double(const char *v, double lo, double hi, double *out)
{
	char	   *end;
	double		d;

	errno = 0;
	d = strtod(v, &end);
	while (*end && isspace((unsigned char) *end))
		end++;
	if (errno || end == v || *end || !(d >= lo && d <= hi))
		return -1;
	*out = d;
	return 0;
}

static int
parse_bool(const char *v, int *out)
{
	if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcmp(v, "1") || !strcasecmp(v, "on"))
		*out = 1;
	else if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcmp(v, "0") || !strcasecmp(v, "off"))
		*out = 0;
	else
		return -1;
	return 0;
}

static config_team *
team_get(config *c, const char *name)
{
	config_team *t;

	for (size_t i = 0; i < c->nteams; i++)
		if (strcmp(c->teams[i].name, name) == 0)
			return &c->teams[i];
	t = realloc(c->teams, (c->nteams + 1) * sizeof(*t));
	if (!t)
		return NULL;
	c->teams = t;
	t = &c->teams[c->nteams];
	memset(t, 0, sizeof(*t));
	t->capacity = 50;
	if (!(t->name = strdup(name)))
		return NULL;
	c->nteams++;
	return t;
}

/* Split "1311, 1312,WK003401" into the team's area list. */
static int
team_set_areas(config_team *t, const char *v)
{
	char	   *copy = strdup(v), *save = NULL;

	if (!copy)
		return -1;
	for (char *tok = strtok_r(copy, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save))
	{
		char	  **a = realloc(t->areas, (t->nareas + 1) * sizeof(char *));

		if (!a || !(a[t->nareas] = strdup(tok)))
		{
			if (a)
				t->areas = a;
			free(copy);
			return -1;
		}
		t->areas = a;
		t->nareas++;
	}
	free(copy);
	return 0;
}

#define KEY(s, k) (strcmp(section, s) == 0 && strcmp(name, k) == 0)
#define STR(s, k, f) if (KEY(s, k)) return config_set(&c->f, value) ? -2 : 0
#define INT(s, k, f, lo, hi) if (KEY(s, k)) return parse_int(value, lo, hi, &c->f)
#define DBL(s, k, f, lo, hi) if (KEY(s, k)) return parse_double(value, lo, hi, &c->f)

/* Returns 0 ok, -1 bad value, -2 out of memory, -3 unknown key. */
static int
apply_key(config *c, const char *section, const char *name, const char *value)
{
	static const char *const partners[] = {"huur", "energie", "water", "zorg", "hypotheek",
	"duo", "toeslagen", "cak", "overig"};

	STR("database", "conninfo", conninfo);
	STR("database", "signals", source_signals);
	STR("database", "followup", source_followup);
	STR("run", "level", level);
	INT("run", "window_days", window_days, 1, 3660);
	STR("run", "start_date", start_date);
	DBL("run", "max_amount", max_amount, 1, 1e12);
	DBL("run", "max_quarantine_share", max_quarantine_share, 0, 1);
	STR("run", "output_dir", output_dir);
	STR("areas", "source", area_source);
	STR("areas", "layer", area_layer);
	STR("areas", "id_field", area_id_field);
	STR("areas", "srs", area_srs);
	STR("areas", "households", households);
	STR("areas", "working_crs", working_crs);
	STR("areas", "cache", area_cache);
	STR("weights", "type", weights);
	DBL("weights", "snap", snap, 0, 1000);
	INT("weights", "island_knn", island_knn, 0, 100);
	STR("score", "variable", variable);
	INT("score", "permutations", permutations, 0, 99999);
	DBL("score", "fdr", fdr_q, 0, 0.5);
	INT("score", "disclosure_threshold", disclosure_k, 0, 1000);
	DBL("score", "weight_bin", w_bin, 0, 100);
	DBL("score", "weight_lisa", w_lisa, 0, 100);
	DBL("score", "weight_trend", w_trend, 0, 100);
	if (KEY("score", "seed"))
	{
		char	   *end;

		errno = 0;
		c->seed = strtoull(value, &end, 10);
		return (errno || end == value || *end || value[0] == '-') ? -1 : 0;
	}
	INT("cases", "min_partners", min_partners, 1, 20);
	INT("cases", "min_consecutive_months", min_consecutive_months, 1, 120);
	DBL("cases", "min_amount", min_amount, 0, 1e9);
	DBL("risk", "amount", risk_amount, 0, 100);
	DBL("risk", "partners", risk_npartners, 0, 100);
	DBL("risk", "duration", risk_duration, 0, 100);
	DBL("risk", "recency", risk_recency, 0, 100);
	DBL("risk", "crisis", risk_crisis, 0, 1000);
	if (strcmp(section, "risk") == 0)
		for (size_t i = 0; i < sizeof(partners) / sizeof(partners[0]); i++)
			if (strcmp(name, partners[i]) == 0)
				return parse_double(value, 0, 100, &c->risk_partner[i]);
	if (KEY("privacy", "include_names"))
		return parse_bool(value, &c->include_names);
	STR("privacy", "key_secret", key_secret);
	STR("database", "migrations", migrations);
	INT("retention", "quarantine_months", ret_quarantine_months, 1, 1200);
	INT("retention", "outreach_months", ret_outreach_months, 1, 1200);
	INT("retention", "results_months", ret_results_months, 1, 1200);
	INT("retention", "unhandled_months", ret_unhandled_months, 1, 1200);
	INT("retention", "closed_months", ret_closed_months, 1, 1200);
	if (KEY("retention", "purge_source"))
		return parse_bool(value, &c->purge_source);
	STR("retention", "signals_table", purge_signals_table);
	STR("retention", "cases_table", purge_cases_table);
	STR("notify", "command", notify_command);
	INT("notify", "timeout", notify_timeout, 1, 3600);
	STR("outputs", "basemap", basemap);
	STR("outputs", "basemap_attribution", basemap_attribution);
	DBL("outputs", "webmap_simplify", webmap_simplify, 0, 10000);
	if (KEY("outputs", "maps"))
	{
		if (strcmp(value, "auto") == 0)
			return c->maps = CONFIG_MAPS_AUTO, 0;
		return parse_bool(value, &c->maps);
	}
	INT("outputs", "map_max_areas", map_max_areas, 1, 100000000);
	STR("prevent", "covariates", prevent_covariates);
	DBL("prevent", "fdr", prevent_fdr, 0.0001, 0.5);
	DBL("prevent", "min_coverage", prevent_min_coverage, 0, 1);
	if (KEY("prevent", "exclude_excess"))
		return parse_bool(value, &c->prevent_exclude_excess);
	if (strncmp(section, "team ", 5) == 0 && section[5])
	{
		config_team *t = team_get(c, section + 5);

		if (!t)
			return -2;
		if (strcmp(name, "areas") == 0)
			return team_set_areas(t, value) ? -2 : 0;
		if (strcmp(name, "capacity") == 0)
			return parse_int(value, 1, 1000000, &t->capacity);
	}
	return -3;
}

static int
ini_cb(void *user, const char *section, const char *name, const char *value)
{
	parse_ctx  *p = user;
	int			rc;

	if (p->failed)
		return 0;
	if (!section[0])
	{
		snprintf(p->err, p->errlen, "%s: key %s outside any [section] (or a malformed section header)",
				 p->cfg->path, name);
		p->failed = 1;
		return 0;
	}
	rc = apply_key(p->cfg, section, name, value);
	if (rc == 0)
		return 1;
	if (rc == -1)
		snprintf(p->err, p->errlen, "%s: invalid value for [%s] %s: \"%s\"", p->cfg->path,
				 section, name, value);
	else if (rc == -2)
		snprintf(p->err, p->errlen, "%s: out of memory", p->cfg->path);
	else
		snprintf(p->err, p->errlen, "%s: unknown key [%s] %s", p->cfg->path, section, name);
	p->failed = 1;
	return 0;
}

/* SHA-256 of the bytes parsed, as 64 hex digits: the run log ties results to this text. */
static int
buffer_sha256(const char *data, size_t len, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int			ok;

	if (!ctx)
		return -1;
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) && EVP_DigestUpdate(ctx, data, len) &&
		EVP_DigestFinal_ex(ctx, md, &mdlen) && mdlen == 32;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -1;
	for (unsigned i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}

/*
 * What inih would misread without a word, found first (inih's rules, version 55 as packaged):
 *  - it reads a line into a buffer of INI_MAX_LINE bytes and parses the rest of a longer line
 *    as a line of its own: a long value would be cut short, or its tail taken for a key;
 *  - it keeps 49 characters of a section name: two long team names could merge;
 *  - it takes a non-blank, non-comment line that starts with white space as more of the
 *    previous key's value and calls us with that key again.  For a list (a team's areas) that
 *    appends; for any other key the last line would silently replace the value
 *    ("conninfo = host=db" then "  dbname=vsp" would connect to dbname=vsp on the default host).
 * Returns 0, or -1 with "name:line: what" in err.
 */
#define INI_SECTION_MAX 49

static int
check_lines(const char *name, const char *text, char *err, size_t errlen)
{
	const char *line = text;
	char		section[INI_SECTION_MAX + 1] = "",
				key[128] = "";
	int			lineno = 0,
				have_key = 0;

	while (*line)
	{
		const char *nl = strchr(line, '\n'),
				   *eol = nl ? nl : line + strlen(line),
				   *s = line;

		lineno++;
		if ((size_t) (eol - line) > INI_MAX_LINE - 2)	/* the buffer also holds '\n' and '\0' */
			return snprintf(err, errlen, "%s:%d: line longer than %d characters", name, lineno,
							INI_MAX_LINE - 2), -1;
		if (lineno == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
			s += 3;
		while (s < eol && isspace((unsigned char) *s))
			s++;
		if (s == eol || *s == ';' || *s == '#')
			;					/* blank or comment: changes nothing */
		else if (have_key && s > line)
		{
			if (!(strncmp(section, "team ", 5) == 0 && strcmp(key, "areas") == 0))
				return snprintf(err, errlen, "%s:%d: an indented line continues the value of [%s] %s, "
								"which only a team's areas may do", name, lineno, section, key), -1;
		}
		else if (*s == '[')
		{
			const char *close = memchr(s, ']', (size_t) (eol - s));

			if (close && close - s - 1 > INI_SECTION_MAX)
				return snprintf(err, errlen, "%s:%d: section name longer than %d characters", name,
								lineno, INI_SECTION_MAX), -1;
			if (close)
				snprintf(section, sizeof(section), "%.*s", (int) (close - s - 1), s + 1);
			have_key = 0;
		}
		else
		{
			const char *d = s;

			while (d < eol && *d != '=' && *d != ':')
				d++;
			if (d < eol)
			{
				const char *e = d;

				while (e > s && isspace((unsigned char) e[-1]))
					e--;
				snprintf(key, sizeof(key), "%.*s", (int) (e - s), s);
				have_key = 1;
			}
		}
		line = nl ? nl + 1 : eol;
	}
	return 0;
}

int
config_load(const char *path, config *cfg, char *err, size_t errlen)
{
	FILE	   *f;
	char	   *buf;
	size_t		len;
	int			rc;

	memset(cfg, 0, sizeof(*cfg));
	if (!(f = fopen(path, "rb")))
		return snprintf(err, errlen, "%s: cannot open config: %s", path, strerror(errno)), -1;
	if (!(buf = malloc(CONFIG_MAX_BYTES + 1)))
	{
		fclose(f);
		return snprintf(err, errlen, "%s: out of memory", path), -1;
	}
	len = fread(buf, 1, CONFIG_MAX_BYTES + 1, f);
	if (ferror(f))
	{
		snprintf(err, errlen, "%s: cannot read config: %s", path, strerror(errno));
		rc = -1;
	}
	else if (len > CONFIG_MAX_BYTES)
	{
		snprintf(err, errlen, "%s: config is larger than %d bytes", path, CONFIG_MAX_BYTES);
		rc = -1;
	}
	else
		rc = config_load_buffer(path, buf, len, cfg, err, errlen);
	fclose(f);
	free(buf);
	return rc;
}

int
config_load_buffer(const char *name, const char *data, size_t len, config *cfg, char *err,
				   size_t errlen)
{
	parse_ctx	p = {cfg, err, errlen, 0};
	char	   *text = NULL;
	int			rc;

	if (config_defaults(cfg) || config_set(&cfg->path, name) || !(text = malloc(len + 1)))
	{
		snprintf(err, errlen, "%s: out of memory", name);
		config_free(cfg);
		return -1;
	}
	memcpy(text, data, len);
	text[len] = '\0';
	if (memchr(data, '\0', len))
	{
		snprintf(err, errlen, "%s: not a text file (it holds a NUL byte)", name);
		p.failed = 1;
	}
	else if (check_lines(name, text, err, errlen) != 0)
		p.failed = 1;
	else if ((rc = ini_parse_string(text, ini_cb, &p)) > 0 && p.failed)
	{
		/* inih knows the line; put it after the file name */
		char		msg[512];
		size_t		plen = strlen(name);

		snprintf(msg, sizeof(msg), "%s", err + (strncmp(err, name, plen) == 0 ? plen + 2 : 0));
		snprintf(err, errlen, "%s:%d: %s", name, rc, msg);
	}
	else if (!p.failed && rc > 0)
	{
		snprintf(err, errlen, "%s:%d: syntax error", name, rc);
		p.failed = 1;
	}
	else if (!p.failed && rc < 0)
	{
		snprintf(err, errlen, "%s: out of memory", name);
		p.failed = 1;
	}
	free(text);
	if (!p.failed && buffer_sha256(data, len, cfg->sha256) != 0)
	{
		snprintf(err, errlen, "%s: cannot hash config", name);
		p.failed = 1;
	}
	if (p.failed || config_validate(cfg, err, errlen) != 0)
	{
		config_free(cfg);
		return -1;
	}
	return 0;
}

int
config_validate(config *c, char *err, size_t errlen)
{
	const char *p = c->path ? c->path : "config";
	int32_t		d;

	if (strcmp(c->level, "pc6") && strcmp(c->level, "pc4") && strcmp(c->level, "buurt") &&
		strcmp(c->level, "wijk"))
		return snprintf(err, errlen, "%s: [run] level must be pc6, pc4, buurt or wijk", p), -1;
	if (util_parse_date(c->as_of, &d) != 0)
		return snprintf(err, errlen, "%s: as-of date must be YYYY-MM-DD", p), -1;
	if (util_parse_date(c->start_date, &d) != 0)
		return snprintf(err, errlen, "%s: [run] start_date must be YYYY-MM-DD", p), -1;
	if (!c->output_dir[0])
		return snprintf(err, errlen, "%s: [run] output_dir is empty", p), -1;
	if (!c->area_source[0])
		return snprintf(err, errlen, "%s: [areas] source is missing", p), -1;
	if (!c->area_id_field[0])
		return snprintf(err, errlen, "%s: [areas] id_field is missing", p), -1;
	if (strcmp(c->households, "reference") && strncmp(c->households, "field:", 6))
		return snprintf(err, errlen, "%s: [areas] households must be reference or field:NAME", p), -1;
	if (strcmp(c->variable, "eb") && strcmp(c->variable, "spatial-eb") &&
		strcmp(c->variable, "rate") && strcmp(c->variable, "count"))
		return snprintf(err, errlen, "%s: [score] variable must be eb, spatial-eb, rate or count", p), -1;
	if (strcmp(c->weights, "queen") && strcmp(c->weights, "rook") && strncmp(c->weights, "knn:", 4) &&
		strncmp(c->weights, "band", 4))
		return snprintf(err, errlen, "%s: [weights] type must be queen, rook, knn:K or band[:M]", p), -1;
	if (strstr(c->conninfo, "password"))
		return snprintf(err, errlen, "%s: [database] conninfo must not hold a password (use .pgpass or PGSERVICE)", p), -1;
	if (c->notify_command[0] && c->notify_command[0] != '/')
		return snprintf(err, errlen, "%s: [notify] command must be an absolute path", p), -1;
	if (c->purge_source && (!c->purge_signals_table[0] || !c->purge_cases_table[0]))
		return snprintf(err, errlen, "%s: [retention] signals_table and cases_table must not be empty", p), -1;
	if (c->basemap[0] && strncmp(c->basemap + (strncmp(c->basemap, "wms:", 4) ? 0 : 4), "https://", 8) &&
		strncmp(c->basemap + (strncmp(c->basemap, "wms:", 4) ? 0 : 4), "http://", 7))
		return snprintf(err, errlen, "%s: [outputs] basemap must be an http(s) URL template or wms:URL", p), -1;
	if (c->prevent_covariates[strspn(c->prevent_covariates, "abcdefghijklmnopqrstuvwxyz0123456789_, \t")])
		return snprintf(err, errlen, "%s: [prevent] covariates must be ref.pc6 column names separated by commas", p), -1;
	for (size_t i = 0; i < c->nteams; i++)
		if (c->teams[i].nareas == 0)
			return snprintf(err, errlen, "%s: [team %s] areas is missing", p, c->teams[i].name), -1;
	return 0;
}

void
config_free(config *c)
{
	if (!c)
		return;
	free(c->path);
	free(c->conninfo);
	free(c->source_signals);
	free(c->source_followup);
	free(c->level);
	free(c->start_date);
	free(c->output_dir);
	free(c->area_source);
	free(c->area_layer);
	free(c->area_id_field);
	free(c->area_srs);
	free(c->area_cache);
	free(c->households);
	free(c->working_crs);
	free(c->weights);
	free(c->variable);
	free(c->key_secret);
	free(c->migrations);
	free(c->purge_signals_table);
	free(c->purge_cases_table);
	free(c->notify_command);
	free(c->basemap);
	free(c->basemap_attribution);
	free(c->prevent_covariates);
	for (size_t i = 0; i < c->nteams; i++)
	{
		free(c->teams[i].name);
		for (size_t j = 0; j < c->teams[i].nareas; j++)
			free(c->teams[i].areas[j]);
		free(c->teams[i].areas);
	}
	free(c->teams);
	memset(c, 0, sizeof(*c));
}

const char *
config_cache_dir(const config *c, char *buf, size_t len)
{
	if (strcmp(c->area_cache, "off") == 0)
		return NULL;
	if (c->area_cache[0])
		snprintf(buf, len, "%s", c->area_cache);
	else
		snprintf(buf, len, "%s/.cache", c->output_dir);
	return buf;
}
