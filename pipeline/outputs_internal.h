/*
 * pipeline/outputs_internal.h — shared between the outputs_*.c files only.
 */
#ifndef VSP_OUTPUTS_INTERNAL_H
#define VSP_OUTPUTS_INTERNAL_H

#include <gdal/gdal.h>
#include <gdal/ogr_srs_api.h>
#include "outputs.h"

GDALDatasetH outputs_create(const char *driver, const char *path, char **dco, char *err, size_t errlen);
int			outputs_close(GDALDatasetH ds, const char *path, char *err, size_t errlen);
/* One feature per area, ranked; text_counts writes "<k" for small counts (lists), else NULL. */
int			outputs_area_layer(GDALDatasetH ds, const char *name, OGRSpatialReferenceH srs,
							   const outputs_run *r, int text_counts, char **lco, char *err,
							   size_t errlen);
int			outputs_household_list(const outputs_run *r, const config_team *t, const char *driver,
								   const char *path, char *err, size_t errlen);

#endif
