#!/usr/bin/env bash
# tests/it_prevent.sh — the prevention view on the synthetic city with deliberately thinned
# areas (vsp synth --thin), against the private PostgreSQL of scripts/run-tests.sh:
#   - the model of the nightly run agrees with R glm(poisson / quasipoisson) to 1e-8 relative
#     (coefficients, standard errors, deviance, dispersion, expected counts, intervals, p,
#     flags, EB SIR) at PC4 and at PC6 level (where small PC6 have suppressed indicators);
#     the indicators per area are recomputed here in SQL, independently of prevent_db.c;
#   - the thinned PC4 areas are flagged hidden need (recall and false flags printed, and
#     bounded over twelve months; docs/methodology.md §5.6 has the figures over ten seeds);
#   - outputs: area list columns, suppression, map-prevent.*, summary section;
#   - `vsp hotspots --covariates` on a layer with the same figures gives the same model;
#   - a covariate ref.pc6 lacks is a usage error (exit 2) before anything is written.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
VSP=${VSP_BIN:-bin/vsp}
t=$(mktemp -d "${TMPDIR:-/tmp}/vsp-prevent-XXXXXX")
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v Rscript >/dev/null || fail "Rscript missing (apt-get install r-base-core)"
covs="pct_low_income, pct_rent_corporation, pct_single_parent"

"$VSP" synth --quiet --output "$t/city" --seed 42 --thin 0.2 --load
[ "$(grep -c '^pc4,' "$t/city/truth_thinned.csv")" = 8 ] || fail "expected 8 thinned PC4 areas"
# demo.ini with its [prevent] section (if any) replaced by ours, at the end
sed -e "s|demo-out/city/city.gpkg|$t/city/city.gpkg|" -e "s|demo-out/runs|$t/out|" \
	-e '/^\[prevent\]/,/^\[/{/^\[prevent\]/d;/^\[/!d}' config/demo.ini > "$t/pc4.ini"
printf '\n[prevent]\ncovariates = %s\nfdr = 0.05\n' "$covs" >> "$t/pc4.ini"

# R recomputes the model from the counts and indicators the run used (SQL: household-weighted
# means over the PC6s with a known value, missing below 80 % coverage) and compares
check_with_r() {	# level [two-stage|one-stage]
	local level=$1 cols="" c
	for c in ${covs//,/ }; do
		cols="$cols, CASE WHEN sum(p.households) FILTER (WHERE p.$c IS NOT NULL) >= 0.8 * sum(p.households)"
		cols="$cols AND sum(p.households) FILTER (WHERE p.$c IS NOT NULL) > 0 THEN sum(p.households * p.$c)"
		cols="$cols FILTER (WHERE p.$c IS NOT NULL) / sum(p.households) FILTER (WHERE p.$c IS NOT NULL) END AS $c"
	done
	local run="(SELECT max(run_id) FROM vsp.runs WHERE status = 'succeeded')"
	psql -X -q -v ON_ERROR_STOP=1 <<SQL
\copy (SELECT s.area_code, s.hh_signal, s.households $cols FROM vsp.area_scores s JOIN ref.pc6 p ON p.$level = s.area_code WHERE s.run_id = $run AND p.households IS NOT NULL GROUP BY s.area_code, s.hh_signal, s.households ORDER BY 1) TO '$t/design.csv' CSV HEADER
\copy (SELECT term, estimate, std_error, quasi_std_error FROM vsp.prevent_coef WHERE run_id = $run ORDER BY position) TO '$t/coef.csv' CSV HEADER
\copy (SELECT deviance, null_deviance, dispersion, df, n_left_out FROM vsp.prevent_fit WHERE run_id = $run) TO '$t/fit.csv' CSV HEADER
\copy (SELECT area_code, expected_model, sir_lo, sir_hi, prevent_p, hidden_need, excess, sir_eb FROM vsp.area_scores WHERE run_id = $run ORDER BY 1) TO '$t/scores.csv' CSV HEADER
SQL
	Rscript tests/glm_check.R city "$t" 0.05 "${2:-two-stage}" || fail "vsp and R glm disagree at level $level"
}

# one fit on all areas ([prevent] exclude_excess = false), then the default two stages
{ cat "$t/pc4.ini"; echo "exclude_excess = false"; } > "$t/pc4-one.ini"	# [prevent] is the last section
"$VSP" run --quiet --config "$t/pc4-one.ini" --as-of 2026-10-31 > /dev/null
check_with_r pc4 one-stage
"$VSP" run --quiet --config "$t/pc4.ini" --as-of 2026-10-31 > /dev/null
check_with_r pc4

# thinned areas flagged as hidden need (seed 42: 8 thinned PC4 of 41), in the latest run
detect() {	# window label
	psql -X -A -t -F' ' <<SQL > "$t/det.txt"
CREATE TEMP TABLE thin (level text, code text, keep float);
\copy thin FROM '$t/city/truth_thinned.csv' CSV HEADER
SELECT count(*) FILTER (WHERE t.code IS NOT NULL), count(*) FILTER (WHERE t.code IS NOT NULL AND s.hidden_need),
       count(*) FILTER (WHERE t.code IS NULL AND s.hidden_need IS NOT NULL), count(*) FILTER (WHERE t.code IS NULL AND s.hidden_need)
FROM vsp.area_scores s LEFT JOIN thin t ON t.level = 'pc4' AND t.code = s.area_code
WHERE s.run_id = (SELECT max(run_id) FROM vsp.runs WHERE status = 'succeeded');
SQL
	read -r nthin found nother false < <(grep -v '^$' "$t/det.txt" | tail -n 1)
	echo "$1: thinned PC4 flagged hidden need: $found of $nthin; other areas flagged: $false of $nother"
}
# 90 days: a halving is found in about half of the thinned areas (§5.6), so only reported
detect "90 days"

# outputs: columns, suppression (no SIR where the counts are hidden), map, summary
latest="$t/out/latest"
for f in map-prevent.png map-prevent.svg map-prevent.pdf; do [ -s "$latest/$f" ] || fail "missing $f"; done
head -n 1 "$latest/areas-pc4.csv" | tr -d '\r' | tr ',' '\n' > "$t/cols.txt"
for c in expected_model sir sir_lo sir_hi sir_eb prevent_p hidden_need excess drivers prevent_note; do
	grep -qx "$c" "$t/cols.txt" || fail "area list lacks column $c"
done
cat > "$t/sup.R" <<'R'
a <- read.csv(commandArgs(trailingOnly = TRUE)[1])
s <- a$suppressed == 1
quit(status = !(any(s) && all(is.na(unlist(a[s, c("sir", "sir_lo", "sir_hi", "sir_eb", "prevent_p")]))) &&
				all(!is.na(a$sir[!s])) && all(!is.na(a$expected_model))))
R
Rscript "$t/sup.R" "$latest/areas-pc4.csv" ||
	fail "a SIR shown for a suppressed area"
grep -q '^## Prevention view' "$latest/summary.md" || fail "summary.md lacks the prevention section"
grep -q 'Hidden need' "$latest/summary.md" || fail "summary.md lists no hidden need"
# drivers in words
psql -X -A -t -c "SELECT drivers FROM vsp.area_scores WHERE drivers <> '' LIMIT 50" | grep -qE '^(laag inkomen|huur corporatie|eenoudergezinnen) [+-]' ||
	fail "drivers not in words"

# `vsp hotspots --covariates` on a layer carrying the same counts and indicators: same model
cp "$t/design.csv" "$t/design-pc4.csv"
echo "String,Integer,Integer$(for c in ${covs//,/ }; do printf ',Real'; done)" > "$t/design-pc4.csvt"
ogr2ogr -f GPKG "$t/layer.gpkg" "$t/city/city.gpkg" -nln areas -dialect OGRSQL -sql "SELECT a.pc4 AS pc4, a.households AS households, d.hh_signal AS signals,
	$(echo "$covs" | sed 's/\([a-z_][a-z_]*\)/d.\1 AS \1/g') FROM pc4 a LEFT JOIN '$t/design-pc4.csv'.\"design-pc4\" d ON a.pc4 = d.area_code"
"$VSP" hotspots --quiet --input "$t/layer.gpkg" --layer areas --id pc4 --value signals --population households \
	--covariates "$covs" --permutations 0 --output "$t/hot.csv" || fail "hotspots --covariates"
for c in expected_model sir sir_lo sir_hi sir_eb prevent_p hidden_need excess drivers prevent_note; do
	head -n 1 "$t/hot.csv" | tr ',' '\n' | grep -qx "$c" || fail "hotspots output lacks $c"
done
cat > "$t/same.R" <<'R'
a <- commandArgs(trailingOnly = TRUE)
h <- read.csv(a[1], colClasses = c(pc4 = "character"))
s <- read.csv(a[2], colClasses = c(area_code = "character"))
i <- match(s$area_code, h$pc4)
d <- max(abs(h$expected_model[i] - s$expected_model) / s$expected_model)
f <- all(h$hidden_need[i] == (s$hidden_need == "t") & h$excess[i] == (s$excess == "t"))
cat(sprintf("hotspots --covariates vs the nightly run: expected counts differ by %.2g (relative), flags %s\n",
			d, if (f) "equal" else "differ"))
quit(status = !(d < 1e-9 && f))
R
Rscript "$t/same.R" "$t/hot.csv" "$t/scores.csv" || fail "hotspots --covariates differs from the run"
set +e
"$VSP" hotspots --input "$t/layer.gpkg" --layer areas --id pc4 --value signals --population households \
	--covariates nosuchfield --output "$t/x.csv" 2> "$t/err"; rc=$?
set -e
[ "$rc" = 2 ] && grep -q nosuchfield "$t/err" || fail "hotspots with a missing covariate field: exit $rc"

# twelve months at PC4: most thinned areas found, few false flags (§5.6: 62 of 80 over ten seeds)
sed -e "s|^window_days = 90|window_days = 365|" -e "s|$t/out|$t/out-365|" "$t/pc4.ini" > "$t/pc4-365.ini"
"$VSP" run --quiet --config "$t/pc4-365.ini" --as-of 2026-10-31 > /dev/null
detect "365 days"
[ "$found" -ge 6 ] || fail "only $found of $nthin thinned areas flagged"
[ "$false" -le 3 ] || fail "$false of $nother areas not thinned flagged hidden need"

# PC6 level over twelve months: ~5,170 areas, the small ones without indicators (left out)
sed -e "s|^layer = pc4|layer = pc6|" -e "s|^id_field = pc4|id_field = pc6|" -e "s|^level = pc4|level = pc6|" \
	-e "s|^window_days = 90|window_days = 365|" -e "s|^permutations = 999|permutations = 0|" "$t/pc4.ini" > "$t/pc6.ini"
"$VSP" run --quiet --config "$t/pc6.ini" --as-of 2026-10-31 > /dev/null
check_with_r pc6
nleft=$(psql -X -A -t -c "SELECT count(*) FROM vsp.area_scores WHERE run_id = (SELECT max(run_id) FROM vsp.runs)
	AND prevent_note LIKE 'indicator missing%'")
[ "$nleft" -gt 100 ] || fail "expected the small PC6 to be left out (got $nleft)"

# a covariate ref.pc6 does not have: exit 2, no run outputs
sed -e "s|^covariates = .*|covariates = pct_nonsense|" -e "s|$t/out|$t/out-bad|" "$t/pc4.ini" > "$t/bad.ini"
set +e
"$VSP" run --config "$t/bad.ini" --as-of 2026-10-31 > /dev/null 2> "$t/bad.log"; rc=$?
set -e
[ "$rc" = 2 ] && grep -q 'no column pct_nonsense' "$t/bad.log" || { cat "$t/bad.log"; fail "unknown covariate: exit $rc"; }
[ ! -e "$t/out-bad/latest" ] || fail "a failed run published outputs"
# indicators that cannot be fitted (here made exactly collinear) must not cost the teams their
# lists: the run succeeds without the prevention view and says why
psql -X -q -c "UPDATE ref.pc6 SET pct_benefits = pct_low_income"
sed -e "s|^covariates = .*|covariates = pct_low_income, pct_benefits|" -e "s|$t/out|$t/out-coll|" "$t/pc4.ini" > "$t/coll.ini"
"$VSP" run --config "$t/coll.ini" --as-of 2026-10-31 > /dev/null 2> "$t/coll.log" ||
	{ cat "$t/coll.log"; fail "collinear indicators failed the run"; }
grep -q 'WARN.*prevention view skipped' "$t/coll.log" || { cat "$t/coll.log"; fail "no warning for the skipped model"; }
[ -s "$t/out-coll/latest/areas-pc4.csv" ] && [ ! -e "$t/out-coll/latest/map-prevent.png" ] ||
	fail "outputs after a skipped model: area list missing or a prevention map written"
echo "prevent ok"
