# tests/spdep_check.R — reference values from R spdep for tests/test_score.c.
#
# Usage: Rscript tests/spdep_check.R DIR
# Reads DIR/areas.csv (id, y = cases, n = population, x = analysed value) and
# DIR/weights.gal (GAL, ids as in areas.csv); writes DIR/spdep.csv with, per area:
#   G_B      localG(x) on include.self binary weights (Gi*)
#   G_W      the same on include.self row-standardised weights (must equal G_B)
#   I_esda   localmoran(x, style "W", mlvar = FALSE)  — the esda / DESIGN.md scaling (n-1)
#   I_ml     localmoran(x, style "W", mlvar = TRUE)   — spdep's default scaling (n)
#   eb       EBest(y, n) * 1000, ebl EBlocal(y, n, nb) * 1000
#   G_eb     localG(EBest * 1000) on include.self binary weights (the pipeline default)
#   eblg     EBlocal(y, n, nb, geoda = TRUE) * 1000
# and DIR/spdep_params.csv with EBest's a and b (per household).  Numbers are written
# with 17 significant digits so the C side reads back the same doubles.
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 1)
	stop("usage: Rscript spdep_check.R DIR")
suppressPackageStartupMessages(library(spdep))
d <- args[1]

a <- read.csv(file.path(d, "areas.csv"), colClasses = "numeric")
nb <- read.gal(file.path(d, "weights.gal"), region.id = as.character(a$id))
if (length(nb) != nrow(a))
	stop("weights and areas differ in length")

lw_b <- nb2listw(include.self(nb), style = "B")
lw_ws <- nb2listw(include.self(nb), style = "W")
lw_w <- nb2listw(nb, style = "W", zero.policy = TRUE)

g_b <- as.numeric(localG(a$x, lw_b))
g_w <- as.numeric(localG(a$x, lw_ws))
i_esda <- localmoran(a$x, lw_w, zero.policy = TRUE, mlvar = FALSE)[, "Ii"]
i_ml <- localmoran(a$x, lw_w, zero.policy = TRUE, mlvar = TRUE)[, "Ii"]
eb <- EBest(a$y, a$n)
ebl <- EBlocal(a$y, a$n, nb, zero.policy = TRUE)
eblg <- EBlocal(a$y, a$n, nb, zero.policy = TRUE, geoda = TRUE)
g_eb <- as.numeric(localG(eb$estmm * 1000, lw_b))

f <- function(v) sprintf("%.17g", v)
out <- data.frame(id = a$id, G_B = f(g_b), G_W = f(g_w), I_esda = f(i_esda),
				  I_ml = f(i_ml), eb = f(eb$estmm * 1000), ebl = f(ebl$est * 1000),
				  G_eb = f(g_eb), eblg = f(eblg$est * 1000))
write.csv(out, file.path(d, "spdep.csv"), row.names = FALSE, quote = FALSE)
par <- attr(eb, "parameters")
write.csv(data.frame(a = f(par$a), b = f(par$b)), file.path(d, "spdep_params.csv"),
		  row.names = FALSE, quote = FALSE)
