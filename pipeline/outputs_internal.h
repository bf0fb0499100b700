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
/* One feature per area, ranked; text_counts writes "<k" for small counts (lists), else NULL. */
int			outputs_area_layer(GDALDatasetH ds, const char *name, OGRSpatialReferenceH srs,
							   const outputs_run *r, int text_counts, char **lco, char *err,
							   size_t errlen);
int			outputs_household_list(const outputs_run *r, const config_team *t, const char *driver,
								   const char *path, char *err, size_t errlen);
/* outputs.c: add a written file (relative name) to the summary's list; 0 or -1 (memory) */
int			outputs_note_file(outputs_state *st, const char *name);
/* outputs.c: inc[i] = 1 for the areas team t covers (a->n bytes); returns whether any */
int			outputs_team_area_mask(const outputs_run *r, const config_team *t, unsigned char *inc);
/* outputs.c: the team name as a file-name part ([A-Za-z0-9_-], others become '_') */
void		outputs_safe_name(const char *in, char *out, size_t len);
/* outputs_webmap.c: map.html and map-<team>.html; a missing web folder only logs a warning */
int			outputs_webmaps(const outputs_run *r, outputs_state *st, char *err, size_t errlen);
/* outputs_prevent.c: the prevention view ([prevent]; each a no-op when r->prevent is NULL) —
 * its fields in an area layer, one feature's values from field index fi on (returns the
 * next index; rounded = 4 decimals for lists), map-prevent.{png,svg,pdf}, summary section */
int			outputs_prevent_fields(const outputs_run *r, OGRLayerH l);
int			outputs_prevent_values(const outputs_run *r, size_t i, int sup, int rounded, OGRFeatureH f, int fi);
int			outputs_prevent_maps(const outputs_run *r, outputs_state *st, char *err, size_t errlen);
void		outputs_prevent_summary(FILE *f, const outputs_run *r);

#endif
