#!/usr/bin/env bash
# tests/it_spdep.sh — the nightly run on the synthetic city's PC6 layer agrees with R spdep
# (EBest, localG with include.self, localmoran), and finds the planted hotspots.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
VSP=${VSP_BIN:-bin/vsp}
t=$(mktemp -d "${TMPDIR:-/tmp}/vsp-spdep-XXXXXX")
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v Rscript >/dev/null || fail "Rscript missing (apt-get install r-cran-spdep)"

. tests/city.sh
city_configs "$t"
sed -i "s|^window_days = 90|window_days = 365|" "$t/pc6.ini"
grep -q "^window_days = 365" "$t/pc6.ini" || fail "config/demo.ini no longer has window_days = 90"
"$VSP" run --quiet --config "$t/pc6.ini" --as-of 2026-10-31 > /dev/null
"$VSP" weights --quiet --input "$t/city/city.gpkg" --layer pc6 --id pc6 --snap 0.5 --output "$t/weights.gal" > /dev/null
psql -X -q -c "\copy (SELECT area_code, households, hh_signal, eb_rate, gi_z, lisa_i FROM vsp.area_scores
	ORDER BY area_code COLLATE \"C\") TO '$t/scores.csv' CSV HEADER"
Rscript tests/spdep_city.R "$t" || fail "vsp and spdep disagree"

# planted hotspots (truth_hotspots.csv): at least 90 % of the planted PC6 in a significant hot
# bin after FDR, and at most 10 % of the hot PC6 outside the planted ones (docs/methodology.md
# §4.11 has the figures for this and fifteen other seeds)
psql -X -A -t -F' ' <<SQL > "$t/det.txt"
CREATE TEMP TABLE truth (level text, code text);
\copy truth FROM '$t/city/truth_hotspots.csv' CSV HEADER
SELECT count(*) FILTER (WHERE t.code IS NOT NULL AND s.gi_bin > 0), count(*) FILTER (WHERE t.code IS NOT NULL),
       count(*) FILTER (WHERE s.gi_bin > 0), count(*) FILTER (WHERE s.gi_bin > 0 AND t.code IS NULL)
FROM vsp.area_scores s LEFT JOIN truth t ON t.level = 'pc6' AND t.code = s.area_code;
SQL
read -r found planted hot outside < <(grep -v '^$' "$t/det.txt" | tail -n 1)
echo "planted PC6 in a hot bin: $found of $planted; hot PC6: $hot, of which not planted: $outside"
[ "$planted" -gt 0 ] || fail "no planted PC6 in truth_hotspots.csv"
[ $((10 * found)) -ge $((9 * planted)) ] || fail "only $found of $planted planted PC6 in a hot bin (< 90 %)"
[ $((10 * outside)) -le "$hot" ] || fail "$outside of $hot hot PC6 are not planted (> 10 %)"
