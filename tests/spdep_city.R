# tests/spdep_city.R — R spdep recomputes the nightly run's PC6 statistics from the same counts
# and the same weights, and compares (used by tests/it_spdep.sh).
#
# Usage: Rscript tests/spdep_city.R DIR
#   DIR/scores.csv  area_code, households, hh_signal, eb_rate, gi_z, lisa_i (from vsp.area_scores)
#   DIR/weights.gal the run's queen weights (vsp weights, same layer and snap)
# Exits 1 when Gi* z or Local Moran I differ by more than 1e-9, or EB rates by more than
# 1e-12 relative.  Islands (no neighbours) have no z in vsp and are left out.
args <- commandArgs(trailingOnly = TRUE)
suppressPackageStartupMessages(library(spdep))
d <- args[1]
s <- read.csv(file.path(d, "scores.csv"), colClasses = c("character", rep("numeric", 5)))
nb <- read.gal(file.path(d, "weights.gal"), region.id = s$area_code)
eb <- EBest(s$hh_signal, s$households)$estmm * 1000
g <- as.numeric(localG(eb, nb2listw(include.self(nb), style = "B")))
lm <- localmoran(eb, nb2listw(nb, style = "W", zero.policy = TRUE), zero.policy = TRUE,
				 mlvar = FALSE)[, "Ii"]
has_nb <- card(nb) > 0
d_eb <- max(abs(eb - s$eb_rate) / abs(eb))
d_g <- max(abs(g[has_nb] - s$gi_z[has_nb]))
d_i <- max(abs(lm[has_nb] - s$lisa_i[has_nb]))
cat(sprintf("spdep vs vsp on %d PC6 (%d islands): EB rel %.3g, Gi* z abs %.3g, Local Moran I abs %.3g\n",
			nrow(s), sum(!has_nb), d_eb, d_g, d_i))
if (!(d_eb <= 1e-12 && d_g <= 1e-9 && d_i <= 1e-9))
	quit(status = 1)
