/*
 * pipeline/hotspots.h — `vsp hotspots`: the scoring engine on any GDAL polygon layer.
 *
 * Reads the layer (areas_read), builds weights, scores, and writes the input fields plus
 * rate, eb_rate, gi_z, gi_p, gi_bin, lisa_i, lisa_p, lisa_quad (a public contract shared
 * with the nightly run) to any GDAL vector format chosen by the output's extension.
 * With covariates (needs a population) the prevention model of the nightly run is fitted
 * too — value = count, population = offset — and expected_model, sir, sir_lo, sir_hi,
 * sir_eb, prevent_p, hidden_need, excess, drivers and prevent_note are added.  Covariate
 * values that are empty or CBS suppression codes (<= -99990) count as missing.
 */
#ifndef VSP_HOTSPOTS_H
#define VSP_HOTSPOTS_H

#include <stddef.h>
#include <stdint.h>

typedef struct hotspots_options
{
	const char *input, *layer, *id_field, *value_field, *population_field, *srs;
	const char *weights;		/* queen | rook | knn:K | band[:M] */
	double		snap;
	const char *smooth;			/* none | eb | spatial-eb */
	int			permutations;
	uint64_t	seed;
	double		fdr_q;
	const char *output;
	const char *covariates;		/* "F1,F2": also the prevention model (prevent.h); NULL = none */
} hotspots_options;

void		hotspots_options_default(hotspots_options *o);
/* 0, or -1 with err; *usage_error set when the fault is in the options or the input. */
int			hotspots_run(const hotspots_options *o, int *usage_error, char *err, size_t errlen);

#endif
