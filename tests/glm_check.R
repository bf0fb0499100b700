# tests/glm_check.R — R's glm() as the reference for the prevention model (pipeline/prevent*.c).
#
# Usage:
#   Rscript tests/glm_check.R unit DIR
#     DIR/data.csv  y, n, x1 .. xk (NA = missing indicator: the row is left out, as vsp does)
#     writes DIR/r_coef.csv (term, estimate, se, z, p, se_quasi, p_quasi),
#            DIR/r_fit.csv (deviance, null_deviance, df, pearson, dispersion, loglik, aic),
#            DIR/r_area.csv (mu, sir_lo, sir_hi, p, keep, sir_eb) for every row (NA when left out)
#     — tests/test_prevent.c compares them with vsp's figures.
#   Rscript tests/glm_check.R city DIR Q two-stage|one-stage
#     DIR/design.csv  area_code, hh_signal, households, the indicators (computed in SQL from ref.pc6)
#     DIR/coef.csv    vsp.prevent_coef of the run: term, estimate, std_error, quasi_std_error
#     DIR/fit.csv     vsp.prevent_fit: deviance, null_deviance, dispersion, df, n_left_out
#     DIR/scores.csv  vsp.area_scores: area_code, expected_model, sir_lo, sir_hi, prevent_p,
#                     hidden_need, excess, sir_eb
#     compares and exits 1 when a figure differs by more than 1e-8 relative (p-values: their
#     logarithm), or a flag differs (tests/it_prevent.sh).  two-stage: as [prevent]
#     exclude_excess, the final model is fitted without the areas whose signals significantly
#     exceed a first fit on all of them (BH at Q).
#
# The model is glm(y ~ x1 + ... + offset(log(n)), family = poisson), and family = quasipoisson
# for the dispersion and quasi standard errors.  glm's default stopping rule (epsilon = 1e-8 on
# the relative change of the deviance) can stop one Newton step before the maximum, and its
# standard errors use the weights at the start of its last iteration; the comparison uses
# epsilon = 1e-14 and restarts glm at its own estimate (start = coef(fit)), so that R's figures
# are those at the maximum, as vsp's are.  The figures for a plain glm() with R's default
# control are reported too.
args <- commandArgs(trailingOnly = TRUE)
mode <- args[1]
d <- args[2]
tight <- glm.control(epsilon = 1e-14, maxit = 100)

fit_both <- function(df, covs, control, restart = TRUE) {
	f <- as.formula(paste("y ~", paste(covs, collapse = " + "), "+ offset(log(n))"))
	p <- glm(f, family = poisson, data = df, control = control)
	# glm's standard errors come from the weights of the last iteration's start, one step
	# before its final estimate; restarted at that estimate they are the ones at the maximum
	if (restart)
		p <- glm(f, family = poisson, data = df, control = control, start = coef(p))
	list(p = p, q = glm(f, family = quasipoisson, data = df, control = control, start = coef(p)))
}

# exact Poisson figures of vsp: Garwood interval, two-sided central p, BH, EB (Marshall)
area_stats <- function(O, E, q) {
	lo <- ifelse(O > 0, qchisq(0.025, 2 * O) / 2 / E, 0)
	hi <- qchisq(0.975, 2 * (O + 1)) / 2 / E
	p <- pmin(1, 2 * pmin(ppois(O, E), ppois(O - 1, E, lower.tail = FALSE)))
	keep <- p.adjust(p, "BH") <= q
	m <- sum(O) / sum(E)
	s2 <- sum(E * (O / E - m)^2) / sum(E)
	a <- max(0, s2 - m / mean(E))
	eb <- m + (O / E - m) * a / (a + m / E)
	list(lo = lo, hi = hi, p = p, keep = keep, eb = eb)
}

g <- function(x) sprintf("%.17g", x)

if (mode == "unit") {
	df <- read.csv(file.path(d, "data.csv"))
	covs <- setdiff(names(df), c("y", "n"))
	ok <- complete.cases(df) & df$n > 0
	m <- fit_both(df[ok, ], covs, tight)
	sp <- summary(m$p)$coefficients
	sq <- summary(m$q)$coefficients
	write.csv(data.frame(term = rownames(sp), estimate = g(sp[, 1]), se = g(sp[, 2]), z = g(sp[, 3]),
						 p = g(sp[, 4]), se_quasi = g(sq[, 2]), p_quasi = g(sq[, 4])),
			  file.path(d, "r_coef.csv"), row.names = FALSE, quote = FALSE)
	mu <- fitted(m$p)
	write.csv(data.frame(deviance = g(deviance(m$p)), null_deviance = g(m$p$null.deviance),
						 df = m$p$df.residual, pearson = g(sum(residuals(m$p, "pearson")^2)),
						 dispersion = g(summary(m$q)$dispersion), loglik = g(as.numeric(logLik(m$p))),
						 aic = g(AIC(m$p))),
			  file.path(d, "r_fit.csv"), row.names = FALSE, quote = FALSE)
	s <- area_stats(df$y[ok], mu, 0.05)
	out <- data.frame(mu = rep(NA, nrow(df)), sir_lo = NA, sir_hi = NA, p = NA, keep = NA, sir_eb = NA)
	out$mu[ok] <- mu
	out$sir_lo[ok] <- s$lo
	out$sir_hi[ok] <- s$hi
	out$p[ok] <- s$p
	out$keep[ok] <- as.integer(s$keep)
	out$sir_eb[ok] <- s$eb
	for (c in c("mu", "sir_lo", "sir_hi", "p", "sir_eb"))
		out[[c]] <- ifelse(is.na(out[[c]]), "NA", g(out[[c]]))
	write.csv(out, file.path(d, "r_area.csv"), row.names = FALSE, quote = FALSE)
	quit(status = 0)
}

if (mode != "city")
	stop("usage: glm_check.R unit DIR | city DIR Q two-stage|one-stage")
q <- as.numeric(args[3])
two_stage <- args[4] == "two-stage"
des <- read.csv(file.path(d, "design.csv"), colClasses = c(area_code = "character"))
coef <- read.csv(file.path(d, "coef.csv"))
fit <- read.csv(file.path(d, "fit.csv"))
sc <- read.csv(file.path(d, "scores.csv"), colClasses = c(area_code = "character"))
covs <- setdiff(names(des), c("area_code", "hh_signal", "households"))
df <- data.frame(y = des$hh_signal, n = des$households, des[covs])
ok <- complete.cases(df) & df$n > 0
d_ok <- df[ok, ]
rel <- function(a, b) max(abs(a - b) / pmax(abs(b), 1e-300))

# the first fit on every area with indicators; with two stages the second without its excess areas
fit_stages <- function(control, restart = TRUE) {
	m <- fit_both(d_ok, covs, control, restart)
	s <- area_stats(d_ok$y, fitted(m$p), q)
	excess <- s$keep & d_ok$y > fitted(m$p)
	use <- if (two_stage && any(excess)) !excess else rep(TRUE, nrow(d_ok))
	if (!all(use))
		m <- fit_both(d_ok[use, ], covs, control, restart)
	list(m = m, use = use)
}
report <- function(label, st) {
	sp <- summary(st$m$p)$coefficients
	sq <- summary(st$m$q)$coefficients
	stopifnot(identical(rownames(sp), coef$term))
	r <- c(beta = rel(coef$estimate, sp[, 1]), se = rel(coef$std_error, sp[, 2]),
		   se_quasi = rel(coef$quasi_std_error, sq[, 2]), deviance = rel(fit$deviance, deviance(st$m$p)),
		   null_deviance = rel(fit$null_deviance, st$m$p$null.deviance),
		   dispersion = rel(fit$dispersion, summary(st$m$q)$dispersion))
	cat(sprintf("%s: %d areas with indicators (%d without), fitted on %d, %d terms; max relative difference: %s\n",
				label, sum(ok), sum(!ok), sum(st$use), nrow(sp),
				paste(sprintf("%s %.2g", names(r), r), collapse = ", ")))
	r
}
st <- fit_stages(tight)
r <- report("glm(epsilon = 1e-14, restarted at its estimate)", st)
invisible(report("plain glm(), default control", fit_stages(glm.control(), restart = FALSE)))
stopifnot(fit$df == st$m$p$df.residual, fit$n_left_out == sum(!st$use))

# per area: expected (from the final fit, for every area with indicators), interval, p, flags, EB
E <- exp(predict(st$m$p, newdata = d_ok))
i <- match(des$area_code[ok], sc$area_code)
stopifnot(!any(is.na(i)), all(is.na(sc$expected_model[-i])))
s <- area_stats(d_ok$y, E, q)
pos <- d_ok$y > 0
a <- c(expected = rel(sc$expected_model[i], E), sir_lo = rel(sc$sir_lo[i][pos], s$lo[pos]),
	   sir_hi = rel(sc$sir_hi[i], s$hi), p = rel(log(sc$prevent_p[i]), log(s$p)), sir_eb = rel(sc$sir_eb[i], s$eb))
flag_r <- ifelse(s$keep, ifelse(d_ok$y < E, -1, 1), 0)
flag_v <- ifelse(sc$hidden_need[i] == "t", -1, ifelse(sc$excess[i] == "t", 1, 0))
cat(sprintf("per area: %s; flags differ in %d areas (R: %d hidden need, %d excess)\n",
			paste(sprintf("%s %.2g", names(a), a), collapse = ", "), sum(flag_r != flag_v),
			sum(flag_r < 0), sum(flag_r > 0)))
if (!(all(r <= 1e-8) && all(a <= 1e-8) && all(flag_r == flag_v)))
	quit(status = 1)
