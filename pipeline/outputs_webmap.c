/*
 * pipeline/outputs_webmap.c — the browser maps of a run: map.html (every area) and
 * map-<team>.html (a team's areas), each one self-contained file (geo/webmap.h).
 *
 * What goes into the page follows the area list's disclosure rule exactly: a count below
 * the threshold k, and every household count of a suppressed area, is written as the
 * text "<k" (the number itself never reaches the file); the rates of a suppressed area
 * are left out.  No household-level data is used at all.
 *
 * The page needs Leaflet and the template from the web folder (geo/webmap.h).  When they
 * are not installed the run logs a warning and writes no map.html: the browser map is an
 * optional output and must not stop the nightly lists.  Any other failure (memory, disk)
 * fails the run like every other output.
 */
#include "outputs.h"
#include "outputs_internal.h"
#include "log.h"
#include "../geo/webmap.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct props_ctx
{
	const outputs_run *r;
	const size_t *idx;			/* topology index -> area index, or NULL when they are equal */
	char		lt[16];			/* "<k" */
} props_ctx;

/* A count as the area list shows it: the number, "<k", or null when unknown. */
static void
put_count(FILE *f, const props_ctx *c, const char *key, double v, int is_households, int sup)
{
	int			k = c->r->cfg->disclosure_k;

	fprintf(f, ",\"%s\":", key);
	if (isnan(v))
		fputs("null", f);
	else if ((v < k && (!is_households || sup)) || (sup && !is_households))
		webmap_json_string(f, c->lt);
	else
		fprintf(f, "\"%.0f\"", v);
}

static int
area_props(FILE *f, size_t t, void *vctx)
{
	const props_ctx *c = vctx;
	size_t		i = c->idx ? c->idx[t] : t;
	const outputs_run *r = c->r;
	const areas *a = r->areas;
	const score_result *s = r->score;
	int			sup = outputs_suppressed(r, i);
	static const char *const partner[] = {"huur", "energie", "water", "zorg"};

	fputs("{\"id\":", f);
	webmap_json_string(f, a->code[i]);
	fputs(",\"par\":", f);
	webmap_json_string(f, a->parent ? a->parent[i] : NULL);
	fprintf(f, ",\"rank\":%d,\"bin\":%d,\"sup\":%d,\"isl\":%d", s->rank[i], s->gi_bin[i], sup,
			s->island[i] ? 1 : 0);
	put_count(f, c, "hh", a->households[i], 1, sup);
	put_count(f, c, "sig", a->hh_signal[i], 0, sup);
	for (int p = 0; p < 4; p++)
		put_count(f, c, partner[p], a->hh_partner[p][i], 0, sup);
	put_count(f, c, "other", a->hh_other[i], 0, sup);
	put_count(f, c, "multi", a->hh_multi[i], 0, sup);
	/* rates would reveal a small area: left out when suppressed, as in the area list */
	fputs(",\"rate\":", f);
	webmap_json_number(f, sup ? NAN : s->rate[i], 1);
	fputs(",\"eb\":", f);
	webmap_json_number(f, sup ? NAN : s->eb_rate[i], 1);
	fputs(",\"d_rate\":", f);
	webmap_json_number(f, sup ? NAN : s->d_rate[i], 1);
	fputs(",\"z\":", f);
	webmap_json_number(f, s->gi_z[i], 2);
	fputs(",\"p\":", f);
	webmap_json_number(f, s->gi_p[i], 4);
	fputs(",\"quad\":", f);
	webmap_json_string(f, score_quad_name(s->lisa_quad[i]));
	fputs(",\"lisa_p\":", f);
	webmap_json_number(f, s->lisa_p[i], 3);
	fputs(",\"trend\":", f);
	webmap_json_string(f, score_trend_name(s->trend[i]));
	fputs(",\"why\":", f);
	webmap_json_string(f, s->reasons[i] ? s->reasons[i] : "");
	if (r->prevent)
	{
		/* the prevention view: class as on the printed map (null = not in the model); the
		 * model figures are left out for a suppressed area, as its rates are */
		const prevent_result *pv = r->prevent;
		int			fit = pv->status[i] == PREVENT_FITTED;
		char		note[256];

		if (fit)
			fprintf(f, ",\"pc\":%d,\"pflag\":%d", pv->map_class[i], pv->flag[i]);
		else
			fputs(",\"pc\":null,\"pflag\":null", f);
		fputs(",\"pexp\":", f);
		webmap_json_number(f, sup || !fit ? NAN : pv->expected[i], 1);
		fputs(",\"sir\":", f);
		webmap_json_number(f, sup || !fit ? NAN : pv->sir[i], 2);
		fputs(",\"sir_lo\":", f);
		webmap_json_number(f, sup || !fit ? NAN : pv->sir_lo[i], 2);
		fputs(",\"sir_hi\":", f);
		webmap_json_number(f, sup || !fit ? NAN : pv->sir_hi[i], 2);
		fputs(",\"sir_eb\":", f);
		webmap_json_number(f, sup || !fit ? NAN : pv->sir_eb[i], 2);
		fputs(",\"drv\":", f);
		webmap_json_string(f, fit && pv->drivers[i] ? pv->drivers[i] : "");
		fputs(",\"pnote\":", f);
		webmap_json_string(f, prevent_note(pv, i, note, sizeof(note)));
	}
	putc('}', f);
	return ferror(f) ? -1 : 0;
}

static const char *
level_label(const char *level)
{
	return strcmp(level, "pc4") == 0 ? "PC4" : strcmp(level, "pc6") == 0 ? "PC6" : level;
}

/* data.meta for one page; caller frees.  NULL when memory runs out. */
static char *
meta_json(const outputs_run *r, const char *title, const char *subtitle, const char *team,
		  size_t nareas)
{
	const config *cfg = r->cfg;
	char	   *buf = NULL, note[1024];
	size_t		len = 0;
	FILE	   *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	snprintf(note, sizeof(note),
			 "Bron: vroegsignalen (venster %d dagen) en CBS huishoudens per postcode (CC BY 4.0). "
			 "Methode: empirisch-Bayes-gladgestreken aandelen huishoudens met een signaal, "
			 "Getis-Ord Gi* met %s-buren%s. Gebieden met minder dan %d huishoudens (met signaal) "
			 "hebben een gestippelde rand; hun aantallen staan er als \"<%d\" en hun aandelen "
			 "ontbreken. Grenzen vereenvoudigd voor de browser (%g m). vsp %s",
			 cfg->window_days, cfg->weights,
			 cfg->fdr_q > 0 ? ", FDR-gecorrigeerd" : "", cfg->disclosure_k, cfg->disclosure_k,
			 cfg->webmap_simplify, VSP_VERSION);
	fputs("{\"title\":", f);
	webmap_json_string(f, title);
	fputs(",\"subtitle\":", f);
	webmap_json_string(f, subtitle);
	fputs(",\"as_of\":", f);
	webmap_json_string(f, cfg->as_of);
	fputs(",\"level\":", f);
	webmap_json_string(f, level_label(cfg->level));
	fprintf(f, ",\"k\":%d,\"n\":%zu,\"n_run\":%zu,\"team\":", cfg->disclosure_k, nareas, r->areas->n);
	webmap_json_string(f, team);
	fputs(",\"note\":", f);
	webmap_json_string(f, note);
	fputs(",\"attribution\":", f);
	webmap_json_string(f, cfg->basemap_attribution);
	if (r->prevent)
	{
		/* the printed prevention map's legend (outputs_prevent.c), by map class + 3 */
		fputs(",\"prevent\":{\"title\":", f);
		webmap_json_string(f, outputs_prevent_legend_title);
		fputs(",\"labels\":[", f);
		for (int c = 0; c < 7; c++)
		{
			if (c)
				putc(',', f);
			webmap_json_string(f, outputs_prevent_class_labels[c]);
		}
		fputs("],\"out\":", f);
		webmap_json_string(f, outputs_prevent_out_label);
		fprintf(f, ",\"q\":%g}", r->prevent->fdr_q);
	}
	putc('}', f);
	if (fclose(f) != 0)
	{
		free(buf);
		return NULL;
	}
	return buf;
}

/* One page: dir/name with the topology's areas in include (NULL = all); idx maps the
 * topology's areas to the run's (NULL = the same). */
static int
write_page(const outputs_run *r, outputs_state *st, const webmap_topo *topo, const size_t *idx,
		   const char *webdir, const unsigned char *include, const char *name, const char *title,
		   const char *team, char *err, size_t errlen)
{
	props_ctx	ctx = {r, idx, ""};
	char		sub[256], path[PATH_MAX];
	char	   *meta;
	size_t		nareas = 0;
	webmap_page pg;
	int			rc;

	for (size_t i = 0; i < topo->n; i++)
		nareas += !include || include[i];
	snprintf(ctx.lt, sizeof(ctx.lt), "<%d", r->cfg->disclosure_k);
	snprintf(sub, sizeof(sub), "peildatum %s · niveau %s · Getis-Ord Gi* (%s)%s", r->cfg->as_of,
			 level_label(r->cfg->level), r->cfg->weights, r->cfg->fdr_q > 0 ? ", FDR-gecorrigeerd" : "");
	if (!(meta = meta_json(r, title, sub, team, nareas)))
		return snprintf(err, errlen, "outputs: out of memory"), -1;
	pg.topo = topo;
	pg.include = include;
	pg.title = title;
	pg.subtitle = sub;
	pg.basemap = r->cfg->basemap;
	pg.meta_json = meta;
	pg.props = area_props;
	pg.ctx = &ctx;
	snprintf(path, sizeof(path), "%s/%s", st->tmpdir, name);
	rc = webmap_write(&pg, webdir, path, err, errlen);
	free(meta);
	if (rc != 0)
	{
		remove(path);
		return -1;
	}
	return outputs_note_file(st, name);
}

/*
 * The areas some team map shows (the union of the teams' masks, nteams × n bytes), compacted:
 * *idx (their run indices) and geometries and points to build the topology from.  Used when
 * map.html is not written, so that a national run does not simplify and transform 450k areas
 * for a few hundred.  0, or -1 (memory).
 */
static int
team_subset(const outputs_run *r, const unsigned char *masks, size_t **idx, OGRGeometryH **geom,
			double **cx, double **cy, size_t *n)
{
	const areas *a = r->areas;
	size_t		k = 0;

	*idx = NULL;
	*geom = NULL;
	*cx = *cy = NULL;
	*n = 0;
	for (int pass = 0; pass < 2; pass++)
	{
		for (size_t i = 0; i < a->n; i++)
		{
			int			any = 0;

			for (size_t t = 0; t < r->cfg->nteams && !any; t++)
				any = masks[t * a->n + i];
			if (!any)
				continue;
			if (pass == 0)
			{
				k++;
				continue;
			}
			(*idx)[*n] = i;
			if (!((*geom)[*n] = areas_geometry(a, i)))
				return -1;
			(*cx)[*n] = a->polys.cx[i];
			(*cy)[*n] = a->polys.cy[i];
			(*n)++;
		}
		if (pass == 0)
		{
			*idx = malloc((k ? k : 1) * sizeof(size_t));
			*geom = malloc((k ? k : 1) * sizeof(OGRGeometryH));
			*cx = malloc((k ? k : 1) * sizeof(double));
			*cy = malloc((k ? k : 1) * sizeof(double));
			if (!*idx || !*geom || !*cx || !*cy)
				return -1;
		}
	}
	return 0;
}

int
outputs_webmaps(const outputs_run *r, outputs_state *st, char *err, size_t errlen)
{
	const config *cfg = r->cfg;
	const areas *a = r->areas;
	char		webdir[PATH_MAX], why[512], title[256];
	webmap_topo topo;
	unsigned char *masks = NULL, *has = NULL, *sub_inc = NULL;
	size_t	   *idx = NULL, nsub = 0;
	OGRGeometryH *sgeom = NULL;
	double	   *scx = NULL, *scy = NULL;
	int			rc = -1,
				whole = 1;

	memset(&topo, 0, sizeof(topo));
	if (webmap_web_dir(webdir, sizeof(webdir), why, sizeof(why)) != 0)
	{
		log_warn("no browser map (map.html): %s", why);
		return 0;
	}
	/* the printed maps' limit holds here too: a browser cannot show a country of PC6 areas
	 * from one ~200 MB page; the team pages stay */
	if (cfg->maps == CONFIG_MAPS_AUTO && a->n > (size_t) cfg->map_max_areas)
	{
		whole = 0;
		log_info("map.html not written: %zu areas, more than [outputs] map_max_areas = %d "
				 "(maps = yes writes it anyway)", a->n, cfg->map_max_areas);
		if (cfg->nteams == 0)
			return 0;
	}
	/* each team's areas, once: the subset and the pages both need them */
	if (!(masks = malloc(cfg->nteams * a->n + 1)) || !(has = malloc(cfg->nteams + 1)) ||
		!(sub_inc = malloc(a->n ? a->n : 1)))
		goto oom;
	for (size_t t = 0; t < cfg->nteams; t++)
		has[t] = (unsigned char) outputs_team_area_mask(r, &cfg->teams[t], masks + t * a->n);
	if (!whole && team_subset(r, masks, &idx, &sgeom, &scx, &scy, &nsub) != 0)
		goto oom;
	if (whole)
	{
		/* the topology copies the points: the geometries go once it is built */
		if (!(sgeom = malloc((a->n ? a->n : 1) * sizeof(OGRGeometryH))))
			goto oom;
		for (; nsub < a->n; nsub++)
			if (!(sgeom[nsub] = areas_geometry(a, nsub)))
				goto oom;
	}
	if (webmap_topo_build(sgeom, whole ? a->n : nsub, whole ? a->polys.cx : scx,
						  whole ? a->polys.cy : scy, cfg->working_crs, cfg->snap > 0 ? cfg->snap : 0.01,
						  cfg->webmap_simplify, &topo, err, errlen) != 0)
		goto done;
	log_info("browser map: %zu areas, %zu arcs, %zu of %zu vertices kept (tolerance %g m)",
			 topo.n, topo.narcs, topo.npts_out, topo.npts_in, cfg->webmap_simplify);
	for (size_t i = 0; i < topo.n; i++)
		if (topo.poly_off[i] == topo.poly_off[i + 1])
			log_warn("browser map: area %s vanishes at the snap grid of %g m: not drawn",
					 a->code[idx ? idx[i] : i], cfg->snap);
	snprintf(title, sizeof(title), "Armoedehotspots — %s", level_label(cfg->level));
	if (whole && write_page(r, st, &topo, NULL, webdir, NULL, "map.html", title, NULL, err, errlen) != 0)
		goto done;
	for (size_t t = 0; t < cfg->nteams; t++)
	{
		const config_team *team = &cfg->teams[t];
		char		safe[128], name[160];

		if (!has[t])
			continue;			/* outputs.c has said so already */
		for (size_t i = 0; i < topo.n; i++)
			sub_inc[i] = masks[t * a->n + (idx ? idx[i] : i)];
		outputs_safe_name(team->name, safe, sizeof(safe));
		snprintf(name, sizeof(name), "map-%s.html", safe);
		snprintf(title, sizeof(title), "Armoedehotspots — team %s", team->name);
		if (write_page(r, st, &topo, idx, webdir, sub_inc, name, title, team->name, err, errlen) != 0)
			goto done;
	}
	rc = 0;
	goto done;
oom:
	snprintf(err, errlen, "outputs: out of memory");
done:
	free(masks);
	free(has);
	free(sub_inc);
	free(idx);
	for (size_t i = 0; sgeom && i < nsub; i++)
		OGR_G_DestroyGeometry(sgeom[i]);
	free(sgeom);
	free(scx);
	free(scy);
	webmap_topo_free(&topo);
	return rc;
}
