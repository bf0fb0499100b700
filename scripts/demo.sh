#!/usr/bin/env bash
# scripts/demo.sh — the `make demo` walk-through: private PostgreSQL, synthetic Almere,
# two nightly runs (a month apart, so the second shows trends), the second night again at PC6
# level, and where the outputs are.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
out=demo-out
rm -rf "$out"; mkdir -p "$out"
pgdir=$(mktemp -d "${TMPDIR:-/tmp}/vsp-demo-pg-XXXXXX")
trap '"$here/scripts/pg.sh" stop "$pgdir"' EXIT
eval "$("$here/scripts/pg.sh" start "$pgdir")"
export PGHOST PGPORT PGUSER PGDATABASE

echo "== generating the synthetic city (seed 42) and loading it"
bin/vsp synth --output "$out/city" --seed 42 --load
echo "== nightly run for 2026-09-30 (the previous month)"
bin/vsp run --config config/demo.ini --as-of 2026-09-30 2> "$out/run-2026-09-30.log" || { cat "$out/run-2026-09-30.log"; exit 1; }
echo "== nightly run for 2026-10-31"
bin/vsp run --config config/demo.ini --as-of 2026-10-31 2> "$out/run-2026-10-31.log" || { cat "$out/run-2026-10-31.log"; exit 1; }
cat "$out/run-2026-10-31.log"
# The same night per PC6: the level door-to-door campaigns are planned at, and where the
# planted clusters stand out (a cluster is about one PC4, and Gi* at PC4 needs neighbouring
# PC4s raised too, so the 41-area PC4 map shows few or no hotspots)
echo "== the same night at PC6 level"
sed -e "s|^layer = pc4|layer = pc6|" -e "s|^id_field = pc4|id_field = pc6|" -e "s|^level = pc4|level = pc6|" \
	-e "s|^output_dir = .*|output_dir = $out/runs-pc6|" config/demo.ini > "$out/demo-pc6.ini"
bin/vsp run --config "$out/demo-pc6.ini" --as-of 2026-10-31 2> "$out/run-pc6-2026-10-31.log" ||
	{ cat "$out/run-pc6-2026-10-31.log"; exit 1; }
echo
echo "Outputs of the latest run ($out/runs/latest -> $(readlink "$out/runs/latest")):"
ls -l "$out/runs/latest/"
echo
echo "  area list for planners:   $out/runs/latest/areas-pc4.csv (and .xlsx)"
echo "  map layers (QGIS):        $out/runs/latest/areas.gpkg, areas-pc4.geojson"
echo "  printable maps:           $out/runs/latest/map.png / .svg / .pdf"
echo "  household lists (0600):   $out/runs/latest/households-*.csv"
echo "  run summary:              $out/runs/latest/summary.md"
echo "  PC6 level, same night:    $out/runs-pc6/latest/ (map.png, areas-pc6.csv, ...)"
echo "  planted hotspots (truth): $out/city/truth_hotspots.csv"
