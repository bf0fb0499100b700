/*
 * pipeline/outputs_tables.c — area tables and household lists through GDAL's vector drivers
 * (CSV per RFC 4180, XLSX, GeoPackage, GeoJSON per RFC 7946).
 */
#include "outputs.h"
#include "outputs_internal.h"
#include "log.h"
#include "util.h"

#include <gdal/gdal.h>
#include <gdal/ogr_srs_api.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/*
 * The first GDAL failure since the last outputs_gdal_reset(): after a write error the SQLite
 * driver goes on and fails at later statements ("no such table: gpkg_geometry_columns"), so
 * the last message hides the cause ("disk I/O error").
 */
static _Thread_local char first_failure[256];	/* per thread: the GeoPackage has its own */

void		CPL_STDCALL
outputs_gdal_handler(CPLErr cls, CPLErrorNum num, const char *msg)
{
	(void) num;
	if (cls >= CE_Failure && !first_failure[0] && msg)
		snprintf(first_failure, sizeof(first_failure), "%s", msg);
	log_debug("gdal %s: %.300s", cls >= CE_Failure ? "error" : "warning", msg ? msg : "");
}

void
outputs_gdal_reset(void)
{
	CPLErrorReset();
	first_failure[0] = '\0';
	errno = 0;
}

int
outputs_gdal_error(const char *verb, const char *path, char *err, size_t errlen)
{
	int			saved = errno;
	const char *msg = first_failure[0] ? first_failure : CPLGetLastErrorMsg(), *tail;
	char		reason[256];

	if (msg && *msg)
	{
		/* "sqlite3_exec(CREATE TABLE ... 2 kB of SQL ...) failed: disk I/O error" */
		for (tail = msg; (tail = strstr(msg, "failed: ")) != NULL; msg = tail + 8)
			;
		snprintf(reason, sizeof(reason), "%s", msg);
		reason[strcspn(reason, "\r\n")] = '\0';
	}
	else
		snprintf(reason, sizeof(reason), "%s", saved ? strerror(saved) : "write error");
	snprintf(err, errlen, "outputs: cannot %s %s: %s", verb, path, reason);
	return -1;
}

int
outputs_suppressed(const outputs_run *r, size_t i)
{
	double		hh = r->areas->households[i];
	int			k = r->cfg->disclosure_k;

	return r->areas->hh_signal[i] < k || isnan(hh) || hh < k;
}

static const char *const count_fields[] = {
	"households", "hh_signal", "hh_huur", "hh_energie", "hh_water", "hh_zorg", "hh_other", "hh_multi"
};
#define NCOUNT (sizeof(count_fields) / sizeof(count_fields[0]))

static const char *const real_fields[] = {
	"rate", "eb_rate", "seb_rate", "gi_z", "gi_p", "lisa_i", "lisa_p", "d_rate", "d_z",
	"expected", "priority"
};
#define NREAL (sizeof(real_fields) / sizeof(real_fields[0]))

static int
add_field(OGRLayerH l, const char *name, OGRFieldType t)
{
	OGRFieldDefnH fd = OGR_Fld_Create(name, t);
	OGRErr		e = OGR_L_CreateField(l, fd, TRUE);

	OGR_Fld_Destroy(fd);
	return e == OGRERR_NONE ? 0 : -1;
}

static double
count_value(const outputs_run *r, size_t i, size_t f)
{
	const areas *a = r->areas;

	switch (f)
	{
		case 0: return a->households[i];
		case 1: return a->hh_signal[i];
		case 2: case 3: case 4: case 5: return a->hh_partner[f - 2][i];
		case 6: return a->hh_other[i];
		default: return a->hh_multi[i];
	}
}

static double
real_value(const score_result *s, size_t i, size_t f)
{
	const double *v[] = {s->rate, s->eb_rate, s->seb_rate, s->gi_z, s->gi_p, s->lisa_i, s->lisa_p,
	s->d_rate, s->d_z, s->expected, s->priority};

	return v[f][i];
}

/* Rates and counts that would reveal a small area: hidden when suppressed. */
static int
real_is_sensitive(size_t f)
{
	return f <= 2 || f == 7 || f == 9 || f == 10;	/* rate, eb, seb, d_rate, expected, priority */
}

/* See outputs_internal.h. */
int
outputs_area_fields(OGRLayerH l, const outputs_run *r, int text_counts)
{
	if (add_field(l, "rank", OFTInteger) || add_field(l, "area_code", OFTString) ||
		add_field(l, "level", OFTString) || add_field(l, "parent_code", OFTString))
		return -1;
	for (size_t f = 0; f < NCOUNT; f++)
		if (add_field(l, count_fields[f], text_counts ? OFTString : OFTInteger))
			return -1;
	for (size_t f = 0; f < NREAL; f++)
		if (add_field(l, real_fields[f], OFTReal))
			return -1;
	if (add_field(l, "gi_bin", OFTInteger) || add_field(l, "lisa_quad", OFTString) ||
		add_field(l, "trend", OFTString) || add_field(l, "suppressed", OFTInteger) ||
		add_field(l, "reasons", OFTString) || outputs_prevent_fields(r, l) != 0)
		return -1;
	return 0;
}

/* See outputs_internal.h. */
void
outputs_area_values(const outputs_run *r, size_t i, int text_counts, OGRFeatureH f)
{
	const areas *a = r->areas;
	const score_result *s = r->score;
	int			sup = outputs_suppressed(r, i);
	int			fi = 0;
	char		lt[16];

	snprintf(lt, sizeof(lt), "<%d", r->cfg->disclosure_k);
	OGR_F_SetFieldInteger(f, fi++, s->rank[i]);
	OGR_F_SetFieldString(f, fi++, a->code[i]);
	OGR_F_SetFieldString(f, fi++, r->cfg->level);
	if (a->parent && a->parent[i])
		OGR_F_SetFieldString(f, fi, a->parent[i]);
	fi++;
	for (size_t c = 0; c < NCOUNT; c++, fi++)
	{
		double		v = count_value(r, i, c);
		int			small = !isnan(v) && v < r->cfg->disclosure_k && (c > 0 || sup);

		if (isnan(v))
			continue;			/* unknown: left empty */
		if (small || (sup && c > 0))
		{
			if (text_counts)
				OGR_F_SetFieldString(f, fi, lt);
			/* else NULL */
		}
		else if (text_counts)
		{
			char		buf[32];

			snprintf(buf, sizeof(buf), "%.0f", v);
			OGR_F_SetFieldString(f, fi, buf);
		}
		else
			OGR_F_SetFieldInteger(f, fi, (int) v);
	}
	for (size_t c = 0; c < NREAL; c++, fi++)
	{
		double		v = real_value(s, i, c);

		/* lists are read by people: 4 significant decimals are plenty; layers keep all */
		if (text_counts && isfinite(v))
			v = round(v * 1e4) / 1e4;
		if (isfinite(v) && !(sup && real_is_sensitive(c)))
			OGR_F_SetFieldDouble(f, fi, v);
	}
	OGR_F_SetFieldInteger(f, fi++, s->gi_bin[i]);
	OGR_F_SetFieldString(f, fi++, score_quad_name(s->lisa_quad[i]));
	OGR_F_SetFieldString(f, fi++, score_trend_name(s->trend[i]));
	OGR_F_SetFieldInteger(f, fi++, sup);
	OGR_F_SetFieldString(f, fi++, s->reasons[i] ? s->reasons[i] : "");
	outputs_prevent_values(r, i, sup, text_counts, f, fi);
}

int
outputs_area_layer(GDALDatasetH ds, const char *name, OGRSpatialReferenceH srs, const outputs_run *r,
				   int text_counts, char **lco, char *err, size_t errlen)
{
	const areas *a = r->areas;
	const score_result *s = r->score;
	OGRLayerH	l;
	size_t	   *order;
	int			txn;

	outputs_gdal_reset();
	l = GDALDatasetCreateLayer(ds, name, srs, srs ? wkbMultiPolygon : wkbNone, lco);
	if (!l)
		return outputs_gdal_error("create a layer in", GDALGetDescription(ds), err, errlen);
	if (outputs_area_fields(l, r, text_counts) != 0)
		goto fail;

	/* ranked by priority */
	if (!(order = malloc(a->n * sizeof(size_t))))
		return snprintf(err, errlen, "outputs: out of memory"), -1;
	for (size_t i = 0; i < a->n; i++)
		order[s->rank[i] - 1] = i;

	/*
	 * One transaction for all features where the driver has them (GeoPackage): without it
	 * SQLite commits, and syncs, every row — minutes instead of seconds at 450k areas.
	 */
	txn = GDALDatasetTestCapability(ds, ODsCTransactions) &&
		GDALDatasetStartTransaction(ds, FALSE) == OGRERR_NONE;
	for (size_t k = 0; k < a->n; k++)
	{
		size_t		i = order[k];
		OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(l));

		outputs_area_values(r, i, text_counts, f);
		if (srs)
		{
			OGRGeometryH g = areas_geometry(a, i);

			if (!g)
			{
				OGR_F_Destroy(f);
				free(order);
				snprintf(err, errlen, "%s: out of memory", GDALGetDescription(ds));
				if (txn)
					GDALDatasetRollbackTransaction(ds);
				return -1;
			}
			OGR_F_SetGeometryDirectly(f, OGR_G_ForceToMultiPolygon(g));
		}
		if (OGR_L_CreateFeature(l, f) != OGRERR_NONE)
		{
			OGR_F_Destroy(f);
			free(order);
			outputs_gdal_error("write", GDALGetDescription(ds), err, errlen);
			if (txn)
				GDALDatasetRollbackTransaction(ds);
			return -1;
		}
		OGR_F_Destroy(f);
	}
	free(order);
	if (txn && GDALDatasetCommitTransaction(ds) != OGRERR_NONE)
		return outputs_gdal_error("write", GDALGetDescription(ds), err, errlen);
	return 0;
fail:
	return outputs_gdal_error("create the fields of", GDALGetDescription(ds), err, errlen);
}

/* Create a dataset with the named driver; NULL with err. */
GDALDatasetH
outputs_create(const char *driver, const char *path, char **dco, char *err, size_t errlen)
{
	GDALDriverH drv = GDALGetDriverByName(driver);
	GDALDatasetH ds;

	if (!drv)
		return snprintf(err, errlen, "outputs: GDAL has no %s driver", driver), NULL;
	outputs_gdal_reset();
	ds = GDALCreate(drv, path, 0, 0, 0, GDT_Unknown, dco);
	if (ds && first_failure[0])
	{
		/* created, but not all of it: the GeoPackage driver reports a failed COMMIT and goes on */
		GDALClose(ds);
		ds = NULL;
	}
	if (!ds)
		outputs_gdal_error("create", path, err, errlen);
	return ds;
}

/* Close a dataset, reporting write errors that only show up at flush time (disk full). */
int
outputs_close(GDALDatasetH ds, const char *path, char *err, size_t errlen)
{
	outputs_gdal_reset();
	GDALClose(ds);
	if (CPLGetLastErrorType() >= CE_Failure)
		return outputs_gdal_error("write", path, err, errlen);
	return 0;
}

static void
partner_list(unsigned mask, char *buf, size_t len)
{
	size_t		pos = 0;

	buf[0] = '\0';
	for (int p = 0; p < PARTNER_N; p++)
		if (mask & (1u << p))
			pos += (size_t) snprintf(buf + pos, pos < len ? len - pos : 0, "%s%s", pos ? ", " : "",
									 signal_partner_name((signal_partner) p));
}

static void
household_reasons(const cases_household *h, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%d partner%s, %d maand%s op rij, achterstand € %.0f%s",
			 h->crisis ? "crisissignaal, " : "",
			 (h->partners & 1u) ? "huurachterstand, " : "",
			 h->npartners, h->npartners == 1 ? "" : "s",
			 h->longest_run, h->longest_run == 1 ? "" : "en",
			 h->arrears, h->contact_attempts ? ", eerder benaderd" : "");
}

int
outputs_team_households(const outputs_run *r, const config_team *t, size_t **idx, size_t *n)
{
	const cases_data *cs = r->cases;
	const ingest_ref *ref = r->ref;
	size_t		cnt = 0;

	*n = 0;
	if (!(*idx = malloc((cs->n ? cs->n : 1) * sizeof(size_t))))
		return -1;
	for (size_t h = 0; h < cs->n && cnt < (size_t) t->capacity; h++)
	{
		const cases_household *hh = &cs->hh[h];
		size_t		p = hh->pc6_idx;
		int			in = 0;

		if (hh->followup || !hh->matches)
			continue;
		for (size_t k = 0; k < t->nareas && !in; k++)
		{
			const char *c = t->areas[k];

			in = strcmp(c, ref->pc4[p]) == 0 || strcmp(c, ref->pc6[p]) == 0 ||
				(ref->buurt[p] && strcmp(c, ref->buurt[p]) == 0) ||
				(ref->wijk[p] && strcmp(c, ref->wijk[p]) == 0) ||
				(ref->gemeente[p] && strcmp(c, ref->gemeente[p]) == 0);
		}
		if (in)
			(*idx)[cnt++] = h;
	}
	*n = cnt;
	return 0;
}

/* One team's list in one format.  The file is created under umask 077: mode 0600. */
int
outputs_household_list(const outputs_run *r, const config_team *t, const char *driver,
					   const char *path, char *err, size_t errlen)
{
	static const char *const cols[] = {"rank", "postcode", "huisnummer", "toevoeging", "partners",
		"achterstand_eur", "maanden_achterstand", "eerste_signaal", "laatste_signaal", "risicoscore",
	"crisis", "redenen", "bsn"};
	size_t		ncols = r->cfg->include_names ? 13 : 12;
	size_t	   *idx = NULL, n = 0;
	GDALDatasetH ds;
	OGRLayerH	l;
	mode_t		old;
	int			rc = -1;

	if (outputs_team_households(r, t, &idx, &n) != 0)
		return snprintf(err, errlen, "outputs: out of memory"), -1;
	old = umask(077);
	ds = outputs_create(driver, path, NULL, err, errlen);
	umask(old);
	if (!ds)
		goto done;
	{
		char	   *lco[] = {"LINEFORMAT=CRLF", "STRING_QUOTING=IF_NEEDED", NULL};

		outputs_gdal_reset();
		l = GDALDatasetCreateLayer(ds, t->name, NULL, wkbNone, strcmp(driver, "CSV") == 0 ? lco : NULL);
	}
	if (!l)
	{
		outputs_gdal_error("create list", path, err, errlen);
		GDALClose(ds);
		goto done;
	}
	for (size_t c = 0; c < ncols; c++)
		if (add_field(l, cols[c], c == 0 || c == 2 || c == 6 || c == 10 ? OFTInteger :
					  c == 5 || c == 9 ? OFTReal : OFTString))
		{
			outputs_gdal_error("create list", path, err, errlen);
			GDALClose(ds);
			goto done;
		}
	for (size_t k = 0; k < n; k++)
	{
		const cases_household *h = &r->cases->hh[idx[k]];
		OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(l));
		char		buf[256], d1[11], d2[11];

		util_format_date(h->first, d1);
		util_format_date(h->last, d2);
		OGR_F_SetFieldInteger(f, 0, (int) k + 1);
		OGR_F_SetFieldString(f, 1, r->ref->pc6[h->pc6_idx]);
		OGR_F_SetFieldInteger(f, 2, h->huisnummer);
		OGR_F_SetFieldString(f, 3, h->toevoeging);
		partner_list(h->partners, buf, sizeof(buf));
		OGR_F_SetFieldString(f, 4, buf);
		OGR_F_SetFieldDouble(f, 5, h->arrears);
		OGR_F_SetFieldInteger(f, 6, (int) ((r->in->as_of - h->arrears_since) / 30.44 + 0.5));
		OGR_F_SetFieldString(f, 7, d1);
		OGR_F_SetFieldString(f, 8, d2);
		OGR_F_SetFieldDouble(f, 9, round(h->risk * 100) / 100);
		OGR_F_SetFieldInteger(f, 10, h->crisis);
		household_reasons(h, buf, sizeof(buf));
		OGR_F_SetFieldString(f, 11, buf);
		if (ncols == 13)
			OGR_F_SetFieldString(f, 12, h->bsn);
		if (OGR_L_CreateFeature(l, f) != OGRERR_NONE)
		{
			OGR_F_Destroy(f);
			outputs_gdal_error("write list", path, err, errlen);
			GDALClose(ds);
			goto done;
		}
		OGR_F_Destroy(f);
	}
	rc = outputs_close(ds, path, err, errlen);
	if (rc == 0 && chmod(path, 0600) != 0)	/* belt and braces: drivers may create then rename */
	{
		snprintf(err, errlen, "outputs: cannot chmod %s", path);
		rc = -1;
	}
done:
	free(idx);
	return rc;
}
