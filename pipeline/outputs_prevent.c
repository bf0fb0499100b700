/*
 * pipeline/outputs_prevent.c — the prevention view in the run's outputs: its columns in the
 * area list and map layers, the printable "where to prevent" map beside the hotspot map,
 * and its section of summary.md.  Nothing here is written when [prevent] is off
 * (outputs_run.prevent == NULL).
 *
 * Small-cell suppression: for an area below the disclosure threshold the SIR, its interval,
 * the EB SIR and the p-value are left empty (together with the expected count they would
 * give the count away); the expected count, the flags and the drivers stay, as the hotspot
 * bin does.
 */
#include "outputs.h"
#include "outputs_internal.h"
#include "../geo/map.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const prevent_fields[] = {
	"expected_model", "sir", "sir_lo", "sir_hi", "sir_eb", "prevent_p", "hidden_need", "excess",
	"drivers", "prevent_note"
};
#define NPREVENT (sizeof(prevent_fields) / sizeof(prevent_fields[0]))

int
outputs_prevent_fields(const outputs_run *r, OGRLayerH l)
{
	if (!r->prevent)
		return 0;
	for (size_t k = 0; k < NPREVENT; k++)
	{
		OGRFieldDefnH fd = OGR_Fld_Create(prevent_fields[k], k < 6 ? OFTReal : k < 8 ? OFTInteger : OFTString);
		OGRErr		e = OGR_L_CreateField(l, fd, TRUE);

		OGR_Fld_Destroy(fd);
		if (e != OGRERR_NONE)
			return -1;
	}
	return 0;
}

int
outputs_prevent_values(const outputs_run *r, size_t i, int sup, int rounded, OGRFeatureH f, int fi)
{
	const prevent_result *p = r->prevent;
	double		v[6];
	char		note[128];

	if (!p)
		return fi;
	v[0] = p->expected[i];
	v[1] = p->sir[i];
	v[2] = p->sir_lo[i];
	v[3] = p->sir_hi[i];
	v[4] = p->sir_eb[i];
	v[5] = p->pval[i];
	for (int k = 0; k < 6; k++, fi++)
	{
		double		x = v[k];

		/* lists are read by people: 4 decimals, but a tiny p keeps its digits */
		if (rounded && isfinite(x) && !(k == 5 && x < 1e-4))
			x = round(x * 1e4) / 1e4;
		if (isfinite(x) && !(sup && k > 0))
			OGR_F_SetFieldDouble(f, fi, x);
	}
	if (p->status[i] == PREVENT_FITTED)
	{
		OGR_F_SetFieldInteger(f, fi, p->flag[i] < 0);
		OGR_F_SetFieldInteger(f, fi + 1, p->flag[i] > 0);
		OGR_F_SetFieldString(f, fi + 2, p->drivers[i]);
	}
	OGR_F_SetFieldString(f, fi + 3, prevent_note(p, i, note, sizeof(note)));
	return fi + 4;
}

/* the map classes' legend texts (index map_class + 3) and the entry of areas left out of the
 * model: shared by the printable map and the browser map (outputs_webmap.c) */
const char *const outputs_prevent_class_labels[7] = {
	"verborgen nood (significant)", "EB-SIR ≤ 0,80", "EB-SIR 0,80 – 0,90", "EB-SIR 0,90 – 1,10",
	"EB-SIR 1,10 – 1,25", "EB-SIR ≥ 1,25", "meer dan verwacht (significant)"
};
const char *const outputs_prevent_out_label = "niet in het model (gegevens ontbreken)";
const char *const outputs_prevent_legend_title = "Signalen t.o.v. verwachting (SIR)";

/* "laag inkomen, huur corporatie" */
static void
indicator_words(const prevent_result *p, char *buf, size_t len)
{
	size_t		pos = 0;

	buf[0] = '\0';
	for (size_t j = 1; j < p->m.p && pos < len; j++)
		pos += (size_t) snprintf(buf + pos, len - pos, "%s%s", j > 1 ? ", " : "", prevent_label(p->m.terms[j]));
}

int
outputs_prevent_maps(const outputs_run *r, outputs_state *st, char *err, size_t errlen)
{
	const char *const *labels = outputs_prevent_class_labels;
	const prevent_result *p = r->prevent;
	const areas *a = r->areas;
	size_t		nn = a->n ? a->n : 1;
	unsigned char *sup, *out;
	char		title[128], sub[512], note[1024], words[256];
	int			rc = -1;

	if (!p || !outputs_map_wanted(r, NULL, "map-prevent"))
		return 0;
	sup = calloc(nn, 1);
	out = calloc(nn, 1);
	if (!sup || !out)
	{
		snprintf(err, errlen, "outputs: out of memory");
		goto done;
	}
	for (size_t i = 0; i < a->n; i++)
	{
		sup[i] = (unsigned char) outputs_suppressed(r, i);
		out[i] = p->status[i] != PREVENT_FITTED;
	}
	indicator_words(p, words, sizeof(words));
	snprintf(title, sizeof(title), "Waar voorkomen — signalen tegenover verwacht risico (%s)",
			 strcmp(r->cfg->level, "pc4") == 0 ? "PC4" : strcmp(r->cfg->level, "pc6") == 0 ? "PC6" : r->cfg->level);
	snprintf(sub, sizeof(sub), "peildatum %s · Poisson-model op CBS-indicatoren: %s · Benjamini-Hochberg q = %.2f",
			 r->cfg->as_of, words, p->fdr_q);
	snprintf(note, sizeof(note),
			 "Verwacht = huishoudens × risico volgens het model (%zu gebieden, dispersie %.2f); SIR = huishoudens met "
			 "een signaal / verwacht, empirisch-Bayes-gladgestreken. Verborgen nood: significant minder signalen dan "
			 "verwacht — ga na of partners daar signaleren en zoek huishoudens actief op.\nHet model beschrijft "
			 "gebieden, niet huishoudens. Gearceerd: minder dan %d huishoudens (met signaal). Venster %d dagen. vsp %s",
			 p->n_fitted, p->m.phi, r->cfg->disclosure_k, r->cfg->window_days, VSP_VERSION);
	{
		map_spec	m = {&a->polys, p->map_class, sup, NULL, out, a->code ? (const char *const *) a->code : NULL,
			title, sub, note, outputs_prevent_legend_title, labels, outputs_prevent_out_label};
		const char *ext[] = {"png", "svg", "pdf"};

		for (int k = 0; k < 3; k++)
		{
			char		name[64], path[4200];

			snprintf(name, sizeof(name), "map-prevent.%s", ext[k]);
			snprintf(path, sizeof(path), "%s/%s", st->tmpdir, name);
			if (map_render(&m, path, err, errlen) != 0)
				goto done;
			if (outputs_note_file(st, name) != 0)
			{
				snprintf(err, errlen, "outputs: out of memory");
				goto done;
			}
		}
	}
	rc = 0;
done:
	free(sup);
	free(out);
	return rc;
}

void
outputs_prevent_summary(FILE *f, const outputs_run *r)
{
	unsigned char *sup;

	if (!r->prevent || !(sup = calloc(r->areas->n ? r->areas->n : 1, 1)))
		return;
	for (size_t i = 0; i < r->areas->n; i++)
		sup[i] = (unsigned char) outputs_suppressed(r, i);
	prevent_write_summary(f, r->prevent, (const char *const *) r->areas->code, sup);
	free(sup);
}
