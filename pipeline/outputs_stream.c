/*
 * pipeline/outputs_stream.c — the area list (CSV and XLSX) and the GeoJSON layer, written in
 * one parallel pass instead of through GDAL's drivers.
 *
 * Through GDAL 3.6's CSV, XLSX and GeoJSON drivers these three files of a national PC6 run
 * (450k areas) cost more than a minute: every GeoJSON feature is built as a json-c tree and
 * its geometry transformed point by point, every XLSX cell printed through CPLString and the
 * 350 MB sheet deflated at level 6 on one core.  Here the areas are cut into blocks in rank
 * order; one thread formats a block into its own buffers (the features themselves are built
 * by outputs_area_values, exactly as for GDAL), deflates the block's part of the sheet as an
 * independent run of deflate blocks ended by a sync flush (as pigz does), and the blocks are
 * written in order.  Memory stays bounded: a round of blocks at a time.
 *
 * The files are what GDAL 3.6 writes, so that nothing downstream changes:
 *   CSV      a header of field names, then per area each field's text (OGR_F_GetFieldAsString;
 *            %.15g for reals), quoted where it holds a comma, a quote, CR or LF (quotes
 *            doubled), lines ended by CRLF (the layer options LINEFORMAT=CRLF and
 *            STRING_QUOTING=IF_NEEDED);
 *   GeoJSON  RFC 7946: lon/lat in EPSG:4326 through the same PROJ transformation, 6 decimals
 *            with trailing zeros trimmed (GDAL's OGRFormatDouble, intelliround included),
 *            exterior rings counter-clockwise and holes clockwise, a one-part multipolygon as
 *            a Polygon; only the properties that are set, reals as %.17g or the first of
 *            %.16g .. %.14g without a run of 000000/999999 after the point, json-c's spacing
 *            and string escapes;
 *   XLSX     the same cells as GDAL's driver (numbers as numbers, %.16g for reals, text as
 *            text; an unset field leaves its cell out) in one sheet named after the layer;
 *            text as inline strings instead of a shared-string table, Deflate level 1.
 * tests/it_e2e.sh and `make bench` compare against GDAL's own output.  The text buffer,
 * number formats and escapes are in outputs_text.c, the ZIP container in outputs_zip.c,
 * the GeoJSON geometries in outputs_geojson.c.
 */
#include "outputs.h"
#include "outputs_internal.h"
#include "outputs_stream_internal.h"
#include "../geo/geom.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#define AREAS_PER_BLOCK		2048
#define BLOCKS_PER_THREAD	4		/* blocks per thread in one round */

/* ---- the pass ---- */

typedef struct block_out
{
	outputs_sbuf csv,
				xml,
				json;
	unsigned char *z;			/* deflated xml */
	size_t		zlen;
	uint32_t	crc;
	int			failed;			/* 1 memory, 3 extent, 4 rings differ */
} block_out;

typedef struct pass
{
	const outputs_run *r;
	const size_t *order;
	OGRFeatureDefnH tdef,		/* lists: counts as text, rounded reals */
				gdef;			/* layers */
	int			nf;
	OGRFieldType *ttype,
			   *gtype;
	const char **gname;
	char		(*col)[8];		/* spreadsheet column names */
	double	   *ll;				/* lon/lat of a->polys' points */
	int			want_csv,
				want_xlsx,
				want_json;
} pass;

/* Format areas of ranks [k0, k1) into bo; thread th. */
static void
format_block(const pass *ps, size_t k0, size_t k1, block_out *bo)
{
	const outputs_run *r = ps->r;
	char		num[48],
				rowtxt[24];
	size_t		rowlen = 0;

	for (size_t k = k0; k < k1 && !bo->failed; k++)
	{
		size_t		i = ps->order[k];

		if (ps->want_csv || ps->want_xlsx)
		{
			OGRFeatureH f = OGR_F_Create(ps->tdef);
			unsigned long long row = (unsigned long long) k + 2;

			if (!f)
			{
				bo->failed = 1;
				break;
			}
			outputs_area_values(r, i, 1, f);
			if (ps->want_xlsx)
			{
				rowlen = outputs_fmt_ulong(row, rowtxt);
				outputs_sb_puts(&bo->xml, "<row r=\"");
				outputs_sb_put(&bo->xml, rowtxt, rowlen);
				outputs_sb_puts(&bo->xml, "\">");
			}
			for (int j = 0; j < ps->nf; j++)
			{
				int			set = OGR_F_IsFieldSetAndNotNull(f, j);

				double		v = 0;

				if (set && ps->ttype[j] == OFTReal)
					v = OGR_F_GetFieldAsDouble(f, j);
				if (ps->want_csv)
				{
					if (j)
						outputs_sb_put(&bo->csv, ",", 1);
					/* reals: %.15g, what OGR_F_GetFieldAsString gives for a real without width */
					if (set && ps->ttype[j] == OFTReal)
						outputs_sb_put(&bo->csv, num, outputs_fmt_dec4(v, 15, num));
					else if (set)
						outputs_put_csv_field(&bo->csv, OGR_F_GetFieldAsString(f, j));
				}
				if (!ps->want_xlsx || !set)
					continue;
				outputs_sb_puts(&bo->xml, "<c r=\"");
				outputs_sb_puts(&bo->xml, ps->col[j]);
				outputs_sb_put(&bo->xml, rowtxt, rowlen);
				if (ps->ttype[j] == OFTInteger)
				{
					outputs_sb_puts(&bo->xml, "\"><v>");
					outputs_sb_put(&bo->xml, num, outputs_fmt_long(OGR_F_GetFieldAsInteger(f, j), num));
					outputs_sb_puts(&bo->xml, "</v></c>");
				}
				else if (ps->ttype[j] == OFTReal)
				{
					outputs_sb_puts(&bo->xml, "\"><v>");
					outputs_sb_put(&bo->xml, num, outputs_fmt_dec4(v, 16, num));
					outputs_sb_puts(&bo->xml, "</v></c>");
				}
				else
				{
					const char *s = OGR_F_GetFieldAsString(f, j);
					size_t		len = strlen(s);
					int			keep = len && (s[0] == ' ' || s[len - 1] == ' ');

					outputs_sb_puts(&bo->xml, keep ? "\" t=\"inlineStr\"><is><t xml:space=\"preserve\">" :
							"\" t=\"inlineStr\"><is><t>");
					outputs_put_xml_text(&bo->xml, s);
					outputs_sb_puts(&bo->xml, "</t></is></c>");
				}
			}
			if (ps->want_csv)
				outputs_sb_put(&bo->csv, "\r\n", 2);
			if (ps->want_xlsx)
				outputs_sb_puts(&bo->xml, "</row>\n");
			OGR_F_Destroy(f);
		}
		if (ps->want_json)
		{
			OGRFeatureH f = OGR_F_Create(ps->gdef);
			int			first = 1,
						rc;

			if (!f)
			{
				bo->failed = 1;
				break;
			}
			outputs_area_values(r, i, 0, f);
			if (k > 0)
				outputs_sb_put(&bo->json, ",\n", 2);
			outputs_sb_puts(&bo->json, "{ \"type\": \"Feature\", \"properties\": { ");
			for (int j = 0; j < ps->nf; j++)
			{
				if (!OGR_F_IsFieldSet(f, j))
					continue;
				if (!first)
					outputs_sb_put(&bo->json, ", ", 2);
				first = 0;
				outputs_put_json_string(&bo->json, ps->gname[j]);
				outputs_sb_put(&bo->json, ": ", 2);
				if (OGR_F_IsFieldNull(f, j))
					outputs_sb_puts(&bo->json, "null");
				else if (ps->gtype[j] == OFTInteger)
					outputs_sb_put(&bo->json, num, outputs_fmt_long(OGR_F_GetFieldAsInteger(f, j), num));
				else if (ps->gtype[j] == OFTReal)
				{
					size_t		len = outputs_fmt_json_real(OGR_F_GetFieldAsDouble(f, j), num);

					outputs_sb_put(&bo->json, num, len);
				}
				else
					outputs_put_json_string(&bo->json, OGR_F_GetFieldAsString(f, j));
			}
			outputs_sb_puts(&bo->json, first ? "}, \"geometry\": " : " }, \"geometry\": ");
			OGR_F_Destroy(f);
			if (r->areas->polys.ring_off[i + 1] > r->areas->polys.ring_off[i])
			{
				if ((rc = outputs_put_geometry(&bo->json, r->areas, i, ps->ll)) != 0)
					bo->failed = rc;
			}
			else
				outputs_sb_puts(&bo->json, "null");
			outputs_sb_puts(&bo->json, " }");
		}
	}
	if (bo->csv.oom || bo->xml.oom || bo->json.oom)
		bo->failed = 1;
	if (!bo->failed && ps->want_xlsx &&
		outputs_deflate_part(bo->xml.p, bo->xml.n, &bo->z, &bo->zlen, &bo->crc) != 0)
		bo->failed = 1;
}

static const char xlsx_content_types[] =
"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
"<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
"<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
"<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
"<Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>"
"<Override PartName=\"/docProps/app.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.extended-properties+xml\"/>"
"<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
"<Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>"
"<Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
"</Types>\n";

static const char xlsx_rels[] =
"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
"<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/>"
"<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" Target=\"docProps/core.xml\"/>"
"<Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties\" Target=\"docProps/app.xml\"/>"
"</Relationships>\n";

static const char xlsx_app[] =
"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
"<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\" "
"xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\"><TotalTime>0</TotalTime></Properties>\n";

static const char xlsx_core[] =
"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
"<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" "
"xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" "
"xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><cp:revision>0</cp:revision></cp:coreProperties>\n";

static const char xlsx_workbook_rels[] =
"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
"<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>"
"<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
"</Relationships>\n";

static const char xlsx_styles[] =
"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
"<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
"<fonts count=\"1\"><font><name val=\"Arial\"/><family val=\"2\"/><sz val=\"10\"/></font></fonts>"
"<fills count=\"1\"><fill><patternFill patternType=\"none\"/></fill></fills>"
"<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"
"<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>"
"<cellXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/></cellXfs>"
"<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>"
"</styleSheet>\n";

/* workbook.xml with the sheet named after the layer (Excel: at most 31 characters, no []:*?/\) */
static void
xlsx_workbook(outputs_sbuf *b, const char *layer)
{
	char		name[32];
	size_t		k = 0;

	for (const char *p = layer; *p && k < 31; p++)
		name[k++] = strchr("[]:*?/\\", *p) ? '_' : *p;
	name[k] = '\0';
	outputs_sb_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
			"<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
			"xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets><sheet name=\"");
	outputs_put_xml_text(b, name);
	outputs_sb_puts(b, "\" sheetId=\"1\" r:id=\"rId2\"/></sheets></workbook>\n");
}

/* A schema holder: an in-memory layer with the area fields. */
static OGRLayerH
schema_layer(GDALDatasetH *ds, const outputs_run *r, int text_counts)
{
	GDALDriverH drv = GDALGetDriverByName("Memory");
	OGRLayerH	l;

	*ds = drv ? GDALCreate(drv, "", 0, 0, 0, GDT_Unknown, NULL) : NULL;
	if (!*ds)
		return NULL;
	l = GDALDatasetCreateLayer(*ds, "areas", NULL, wkbNone, NULL);
	if (!l || outputs_area_fields(l, r, text_counts) != 0)
		return NULL;
	return l;
}

static FILE *
open_out(const char *path, char *err, size_t errlen)
{
	FILE	   *f = fopen(path, "wb");

	if (!f)
		snprintf(err, errlen, "outputs: cannot create %s: %s", path, strerror(errno));
	else
		setvbuf(f, NULL, _IOFBF, 1 << 20);
	return f;
}

static int
close_out(FILE *f, const char *path, int failed, char *err, size_t errlen)
{
	int			bad = ferror(f) || failed;

	if (fclose(f) != 0)
		bad = 1;
	if (bad)
		snprintf(err, errlen, "outputs: cannot write %s: %s", path, errno ? strerror(errno) : "write error");
	return bad ? -1 : 0;
}

/* See outputs_internal.h. */
int
outputs_area_files(const outputs_run *r, const char *layer, const char *csv_path, const char *xlsx_path,
				   const char *json_path, char *err, size_t errlen)
{
	const areas *a = r->areas;
	size_t		n = a->n,
				nblocks = (n + AREAS_PER_BLOCK - 1) / AREAS_PER_BLOCK;
	int			nth = 1,
				rc = -1;
	GDALDatasetH tds = NULL,
				gds = NULL;
	OGRLayerH	tl,
				gl;
	OGRSpatialReferenceH src = NULL,
				dst = NULL;
	pass		ps;
	size_t	   *order = NULL;
	block_out  *bo = NULL;
	size_t		per_round;
	FILE	   *fc = NULL,
			   *fj = NULL;
	outputs_zip		z;
	outputs_zip_entry *sheet = NULL;
	outputs_sbuf head = {NULL, 0, 0, 0};

	memset(&ps, 0, sizeof(ps));
	memset(&z, 0, sizeof(z));
#ifdef _OPENMP
	nth = omp_get_max_threads();
#endif
	per_round = (size_t) nth * BLOCKS_PER_THREAD;
	ps.r = r;
	ps.want_csv = csv_path != NULL;
	ps.want_xlsx = xlsx_path != NULL;
	ps.want_json = json_path != NULL;
	if (!(tl = schema_layer(&tds, r, 1)) || !(gl = schema_layer(&gds, r, 0)))
	{
		snprintf(err, errlen, "outputs: cannot set up the area fields: %s", CPLGetLastErrorMsg());
		goto done;
	}
	ps.tdef = OGR_L_GetLayerDefn(tl);
	ps.gdef = OGR_L_GetLayerDefn(gl);
	ps.nf = OGR_FD_GetFieldCount(ps.tdef);
	ps.ttype = calloc((size_t) ps.nf + 1, sizeof(OGRFieldType));
	ps.gtype = calloc((size_t) ps.nf + 1, sizeof(OGRFieldType));
	ps.gname = calloc((size_t) ps.nf + 1, sizeof(char *));
	ps.col = calloc((size_t) ps.nf + 1, sizeof(*ps.col));
	order = malloc((n ? n : 1) * sizeof(size_t));
	bo = calloc(per_round, sizeof(block_out));
	if (!ps.ttype || !ps.gtype || !ps.gname || !ps.col || !order || !bo)
		goto oom;
	for (int j = 0; j < ps.nf; j++)
	{
		outputs_col_name(j, ps.col[j]);
		ps.ttype[j] = OGR_Fld_GetType(OGR_FD_GetFieldDefn(ps.tdef, j));
		ps.gtype[j] = OGR_Fld_GetType(OGR_FD_GetFieldDefn(ps.gdef, j));
		ps.gname[j] = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(ps.gdef, j));
	}
	for (size_t i = 0; i < n; i++)
		order[r->score->rank[i] - 1] = i;
	ps.order = order;

	if (ps.want_json)
	{
		if (!(src = geom_srs(r->cfg->working_crs)) || !(dst = geom_srs("EPSG:4326")))
		{
			snprintf(err, errlen, "outputs: unknown working CRS %s", r->cfg->working_crs);
			goto done;
		}
		if ((rc = outputs_lonlat_points(&a->polys, src, dst, &ps.ll)) != 0)
		{
			if (rc == -1)
				goto oom;
			if (rc == 4)
				snprintf(err, errlen, "outputs: no transformation from %s to EPSG:4326", r->cfg->working_crs);
			else
				snprintf(err, errlen, "outputs: cannot write %s: a geometry cannot be transformed to EPSG:4326",
						 json_path);
			rc = -1;
			goto done;
		}
	}

	/* headers */
	if (ps.want_csv)
	{
		if (!(fc = open_out(csv_path, err, errlen)))
			goto done;
		for (int j = 0; j < ps.nf; j++)
		{
			if (j)
				outputs_sb_put(&head, ",", 1);
			outputs_put_csv_field(&head, OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(ps.tdef, j)));
		}
		outputs_sb_put(&head, "\r\n", 2);
		if (head.oom)
			goto oom;
		fwrite(head.p, 1, head.n, fc);
		head.n = 0;
	}
	if (ps.want_json)
	{
		if (!(fj = open_out(json_path, err, errlen)))
			goto done;
		fputs("{\n\"type\": \"FeatureCollection\",\n\"name\": ", fj);
		outputs_put_json_string(&head, layer);
		outputs_sb_puts(&head, ",\n\"features\": [\n");
		if (head.oom)
			goto oom;
		fwrite(head.p, 1, head.n, fj);
		head.n = 0;
	}
	if (ps.want_xlsx)
	{
		char		col[8];
		unsigned char *zp;
		size_t		zl;
		uint32_t	crc;

		if (!(z.f = open_out(xlsx_path, err, errlen)))
			goto done;
		xlsx_workbook(&head, layer);
		if (head.oom)
			goto oom;
#define ZIP_ADD_TEXT(name, text) outputs_zip_add(&z, name, text, sizeof(text) - 1)
		if (ZIP_ADD_TEXT("[Content_Types].xml", xlsx_content_types) || ZIP_ADD_TEXT("_rels/.rels", xlsx_rels) ||
			ZIP_ADD_TEXT("docProps/app.xml", xlsx_app) || ZIP_ADD_TEXT("docProps/core.xml", xlsx_core) ||
			outputs_zip_add(&z, "xl/workbook.xml", head.p, head.n) ||
			ZIP_ADD_TEXT("xl/_rels/workbook.xml.rels", xlsx_workbook_rels) ||
			ZIP_ADD_TEXT("xl/styles.xml", xlsx_styles))
			goto oom;
		head.n = 0;
		sheet = outputs_zip_stream_begin(&z, "xl/worksheets/sheet1.xml");
		outputs_col_name(ps.nf - 1, col);
		outputs_sb_printf(&head, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
				  "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
				  "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
				  "<dimension ref=\"A1:%s%zu\"/><cols><col min=\"1\" max=\"%d\" width=\"15\" customWidth=\"1\"/></cols>"
				  "<sheetData>\n<row r=\"1\">", col, n + 1, ps.nf);
		for (int j = 0; j < ps.nf; j++)
		{
			outputs_col_name(j, col);
			outputs_sb_printf(&head, "<c r=\"%s1\" t=\"inlineStr\"><is><t>", col);
			outputs_put_xml_text(&head, OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(ps.tdef, j)));
			outputs_sb_puts(&head, "</t></is></c>");
		}
		outputs_sb_puts(&head, "</row>\n");
		if (head.oom || outputs_deflate_part(head.p, head.n, &zp, &zl, &crc) != 0)
			goto oom;
		outputs_zip_stream_part(&z, sheet, zp, zl, crc, head.n);
		free(zp);
		head.n = 0;
	}

	/* the areas, a round of blocks at a time */
	for (size_t b0 = 0; b0 < nblocks; b0 += per_round)
	{
		size_t		nb = nblocks - b0 < per_round ? nblocks - b0 : per_round;
		int			failed = 0;

#pragma omp parallel for schedule(dynamic, 1)
		for (size_t q = 0; q < nb; q++)
		{
			size_t		k0 = (b0 + q) * AREAS_PER_BLOCK,
						k1 = k0 + AREAS_PER_BLOCK < n ? k0 + AREAS_PER_BLOCK : n;
			bo[q].csv.n = bo[q].xml.n = bo[q].json.n = 0;
			bo[q].failed = 0;
			format_block(&ps, k0, k1, &bo[q]);
		}
		for (size_t q = 0; q < nb; q++)
		{
			if (bo[q].failed && !failed)
				failed = bo[q].failed;
			if (!failed)
			{
				if (fc)
					fwrite(bo[q].csv.p, 1, bo[q].csv.n, fc);
				if (fj)
					fwrite(bo[q].json.p, 1, bo[q].json.n, fj);
				if (sheet)
					outputs_zip_stream_part(&z, sheet, bo[q].z, bo[q].zlen, bo[q].crc, bo[q].xml.n);
			}
			free(bo[q].z);
			bo[q].z = NULL;
		}
		/* a full disk: stop at once and say so, with the errno of the failed write */
		if (!failed && ((fc && ferror(fc)) || (fj && ferror(fj)) || z.failed))
		{
			int			e = errno;

			snprintf(err, errlen, "outputs: cannot write %s: %s",
					 fc && ferror(fc) ? csv_path : fj && ferror(fj) ? json_path : xlsx_path,
					 e ? strerror(e) : "write error");
			goto done;
		}
		if (failed == 1)
			goto oom;
		if (failed)
		{
			snprintf(err, errlen, "outputs: cannot write %s: %s", json_path,
					 failed == 3 ? "geometry extent outside of [-180.0,180.0]x[-90.0,90.0] bounds" :
					 "area geometry and rings differ");
			goto done;
		}
	}

	if (sheet)
	{
		static const char tail[] = "</sheetData></worksheet>\n";
		unsigned char *zp;
		size_t		zl;
		uint32_t	crc;

		if (outputs_deflate_part(tail, sizeof(tail) - 1, &zp, &zl, &crc) != 0)
			goto oom;
		outputs_zip_stream_part(&z, sheet, zp, zl, crc, sizeof(tail) - 1);
		free(zp);
		if (outputs_zip_stream_end(&z, sheet) != 0 || outputs_zip_finish(&z) != 0)
		{
			snprintf(err, errlen, "outputs: cannot write %s: %s", xlsx_path,
					 z.failed ? strerror(errno) : "more than 4 GiB (no ZIP64)");
			goto done;
		}
	}
	if (fj)
		fputs("\n]\n}\n", fj);
	rc = 0;
	goto done;
oom:
	snprintf(err, errlen, "outputs: out of memory writing the area files");
done:
	if (fc && close_out(fc, csv_path, 0, rc == 0 ? err : NULL, rc == 0 ? errlen : 0) != 0)
		rc = -1;
	if (fj && close_out(fj, json_path, 0, rc == 0 ? err : NULL, rc == 0 ? errlen : 0) != 0)
		rc = -1;
	if (z.f && close_out(z.f, xlsx_path, z.failed, rc == 0 ? err : NULL, rc == 0 ? errlen : 0) != 0)
		rc = -1;
	for (size_t q = 0; bo && q < per_round; q++)
	{
		free(bo[q].csv.p);
		free(bo[q].xml.p);
		free(bo[q].json.p);
		free(bo[q].z);
	}
	free(bo);
	free(head.p);
	free(ps.ll);
	free(ps.ttype);
	free(ps.gtype);
	free(ps.gname);
	free(ps.col);
	free(order);
	if (src)
		OSRDestroySpatialReference(src);
	if (dst)
		OSRDestroySpatialReference(dst);
	if (tds)
		GDALClose(tds);
	if (gds)
		GDALClose(gds);
	return rc;
}

