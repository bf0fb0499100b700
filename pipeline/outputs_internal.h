/*
 * pipeline/outputs_internal.h — shared between the outputs_*.c files only.
 */
#ifndef VSP_OUTPUTS_INTERNAL_H
#define VSP_OUTPUTS_INTERNAL_H

#include <gdal/gdal.h>
#include <gdal/ogr_srs_api.h>
#include "outputs.h"

GDALDatasetH outputs_create(const char *driver, const char *path, char **dco, char *err, size_t errlen);
/* err = "outputs: cannot <verb> <path>: <reason>", the reason from GDAL's last error (the
 * part after "failed: " of a long SQLite message) or else errno.  Returns -1. */
int			outputs_gdal_error(const char *verb, const char *path, char *err, size_t errlen);
/* GDAL error handler while writing outputs (pushed by outputs_write_files): messages go to the
 * debug log, the first failure is kept for outputs_gdal_error; reset before each GDAL step. */
void		CPL_STDCALL outputs_gdal_handler(CPLErr cls, CPLErrorNum num, const char *msg);
void		outputs_gdal_reset(void);
int			outputs_close(GDALDatasetH ds, const char *path, char *err, size_t errlen);
/* The area layer's fields (with the prevention view's), and one area's values (no geometry)
 * into a feature of that definition; text_counts: counts as text with "<k" for small ones
 * and reals rounded to 4 decimals (lists), else integers, small counts NULL (layers).
 * outputs_area_values only reads r: safe from several threads on different features. */
int			outputs_area_fields(OGRLayerH l, const outputs_run *r, int text_counts);
void		outputs_area_values(const outputs_run *r, size_t i, int text_counts, OGRFeatureH f);
/* outputs_stream.c: the area list as CSV and XLSX (text counts) and the layer as GeoJSON in
 * EPSG:4326, in rank order, in one parallel pass; the same files GDAL's CSV (CRLF, quoting
 * if needed), XLSX and GeoJSON (RFC 7946, 6 decimals) drivers write.  Any path may be NULL
 * (not written).  0, or -1 with err; files are left for the caller to remove. */
int			outputs_area_files(const outputs_run *r, const char *layer, const char *csv_path,
							   const char *xlsx_path, const char *json_path, char *err, size_t errlen);
/* One feature per area, ranked; text_counts writes "<k" for small counts (lists), else NULL. */
int			outputs_area_layer(GDALDatasetH ds, const char *name, OGRSpatialReferenceH srs,
							   const outputs_run *r, int text_counts, char **lco, char *err,
							   size_t errlen);
int			outputs_household_list(const outputs_run *r, const config_team *t, const char *driver,
								   const char *path, char *err, size_t errlen);
/* outputs.c: whether [outputs] maps wants the printable map of the areas in include (NULL =
 * all): yes, no, or auto = at most map_max_areas of them (logs why not) */
int			outputs_map_wanted(const outputs_run *r, const unsigned char *include, const char *stem);
/* outputs.c: add a written file (relative name) to the summary's list; 0 or -1 (memory) */
int			outputs_note_file(outputs_state *st, const char *name);
/* outputs.c: inc[i] = 1 for the areas team t covers (a->n bytes); returns whether any */
int			outputs_team_area_mask(const outputs_run *r, const config_team *t, unsigned char *inc);
/* outputs.c: the team name as a file-name part ([A-Za-z0-9_-], others become '_') */
void		outputs_safe_name(const char *in, char *out, size_t len);
/* outputs_folder.c: "a/b", malloc'ed; NULL when memory runs out */
char	   *outputs_path_join(const char *a, const char *b);
/* outputs_folder.c: remove every temporary folder left in outdir (call with the run lock
 * held, after outputs_recover) */
void		outputs_remove_stale(const char *outdir);
/* outputs_webmap.c: map.html and map-<team>.html; a missing web folder only logs a warning */
int			outputs_webmaps(const outputs_run *r, outputs_state *st, char *err, size_t errlen);
/* outputs_prevent.c: the prevention view ([prevent]; each a no-op when r->prevent is NULL) —
 * its fields in an area layer, one feature's values from field index fi on (returns the
 * next index; rounded = 4 decimals for lists), map-prevent.{png,svg,pdf}, summary section */
int			outputs_prevent_fields(const outputs_run *r, OGRLayerH l);
int			outputs_prevent_values(const outputs_run *r, size_t i, int sup, int rounded, OGRFeatureH f, int fi);
int			outputs_prevent_maps(const outputs_run *r, outputs_state *st, char *err, size_t errlen);
void		outputs_prevent_summary(FILE *f, const outputs_run *r);
/* the prevention map's classes: legend texts by map_class + 3 (colours: the hotspot map's
 * RdBu), the entry of areas not in the model, and the legend title */
extern const char *const outputs_prevent_class_labels[7];
extern const char *const outputs_prevent_out_label;
extern const char *const outputs_prevent_legend_title;

#endif
