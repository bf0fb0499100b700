#!/usr/bin/env bash
# tests/it_postgis.sh — areas from a PostGIS table through GDAL's PG: driver give the same
# weights and the same nightly results as the GeoPackage they were loaded from.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
VSP=${VSP_BIN:-bin/vsp}
t=$(mktemp -d "${TMPDIR:-/tmp}/vsp-pg-XXXXXX")
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
psql -X -q -c "CREATE EXTENSION IF NOT EXISTS postgis" 2> "$t/ext.err" ||
	fail "PostGIS is not installed (apt-get install postgresql-15-postgis-3): $(cat "$t/ext.err")"

"$VSP" synth --quiet --output "$t/city" --seed 42 --load
pg="PG:dbname=$PGDATABASE host=$PGHOST port=$PGPORT user=$PGUSER"
ogr2ogr -f PostgreSQL "$pg" "$t/city/city.gpkg" pc4 -nln areas_pc4 -lco SCHEMA=public -overwrite
a=$("$VSP" weights --quiet --input "$t/city/city.gpkg" --layer pc4 --id pc4 --output "$t/a.gal")
b=$("$VSP" weights --quiet --input "$pg" --layer areas_pc4 --id pc4 --output "$t/b.gal")
[ "$a" = "$b" ] || fail "weights differ: gpkg '$a' vs PostGIS '$b'"
cmp -s "$t/a.gal" "$t/b.gal" || fail "GAL files differ"

# the nightly run reading its areas from PostGIS
sed -e "s|^source = demo-out/city/city.gpkg|source = $pg|" -e "s|^layer = pc4|layer = areas_pc4|" \
	-e "s|demo-out/runs|$t/out|" config/demo.ini > "$t/pg.ini"
"$VSP" run --quiet --config "$t/pg.ini" --as-of 2026-10-31 > /dev/null || fail "run with PostGIS areas"
n=$(psql -X -A -t -c "SELECT count(*) FROM vsp.area_scores WHERE run_id = (SELECT max(run_id) FROM vsp.runs)")
[ "$n" = "$(psql -X -A -t -c "SELECT count(DISTINCT pc4) FROM ref.pc6")" ] || fail "$n areas scored"
# the conninfo does not appear in the log or outputs (it could carry a password elsewhere)
grep -rq "host=$PGHOST" "$t/out/latest/summary.md" && fail "connection string in summary"
echo "postgis ok"
