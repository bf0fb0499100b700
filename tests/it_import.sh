#!/usr/bin/env bash
# tests/it_import.sh — REAL-DATA tests of `vsp import` on the CBS / Kadaster files in
# ../shared/data (PROVENANCE.md there), against the private PostgreSQL of scripts/run-tests.sh.
# Skipped, with a message, when that folder is absent (a fresh clone).
#
#   1. the 71 Almere wijken (cartomap, RD New GeoJSON without crs member: refused until --srs
#      EPSG:28992 is given), the 342 gemeenten with and without --gemeente 0034;
#   2. Almere's PC4 figures (CBS Kerncijfers per postcode 2022: 38 PC4s with households, 92,400
#      in all) and the national ones (4,045 PC4s, 8,135,905 households, 359 geometries to
#      repair), converted here into the CBS GeoPackage layout: the JSON extracts carry CBS's
#      column values under other names and without geometry, so psql (jsonb) joins them to
#      the PC4 polygons and writes back CBS's column names and its -99997 sentinel for null;
#   3. `vsp run` at wijk level on the real wijk boundaries: PC6s are synthesised inside the
#      real PC4s — one or more per piece of a PC4 lying in a wijk (PC4 ∩ wijk, computed with
#      SpatiaLite through GDAL), households split by area share, 20 per PC6 — and written as
#      the CBS PC6 + huisnummer table and a CBS PC6 statistics layer, which the importer loads;
#      synthetic signals at those addresses, a planted hotspot in one wijk.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
data=${VSP_SHARED_DATA:-$here/../shared/data}
if [ ! -f "$data/cartomap/rd/wijk_2024_Almere_GM0034_EXTRACT.geojson" ] ||
   [ ! -f "$data/pakketpunten/cbs_pc4_income_almere_EXTRACT.json" ]; then
	echo "SKIP it_import: real-data tests need $data (see ../shared/data/README.md); not run"
	exit 0
fi
t=$(mktemp -d "${TMPDIR:-/tmp}/vsp-import-XXXXXX")
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
q() { psql -X -A -t -v ON_ERROR_STOP=1 -c "$1"; }
vsp() { bin/vsp "$@" 2>>"$t/log"; }
areas="$t/areas.gpkg"

# ---- 1. boundaries ----
wijk="$data/cartomap/rd/wijk_2024_Almere_GM0034_EXTRACT.geojson"
set +e
vsp import cbs-buurten --input "$wijk" --level wijk --areas-output "$areas" > "$t/out" 2>&1; rc=$?
set -e
[ $rc = 65 ] || fail "RD New GeoJSON read as WGS 84 was not refused (exit $rc)"
grep -q -- "--srs EPSG:28992" "$t/log" || fail "the refusal does not say to give --srs"
vsp import cbs-buurten --input "$wijk" --level wijk --srs EPSG:28992 --areas-output "$areas" > "$t/wijk1.out"
cat "$t/wijk1.out"
[ "$(q "SELECT count(*) FROM ref.wijk WHERE year = 2024 AND wijk_code ~ '^WK0034[0-9]{2}\$' AND name IS NOT NULL
	AND gemeente_code = 'GM0034'")" = 71 ] || fail "71 Almere wijken expected"
[ "$(q "SELECT name FROM ref.wijk WHERE wijk_code = 'WK003401'")" = "Centrum Almere Haven" ] || fail "wijk name"
[ "$(ogrinfo -so "$areas" wijk | sed -n 's/^Feature Count: //p')" = 71 ] || fail "71 wijk features expected"
ogrinfo -so "$areas" wijk | grep -q 'ID\["EPSG",28992\]' || fail "wijk layer not in RD New"
# the extent is Almere's in RD New metres
ogrinfo -so "$areas" wijk | grep -q 'Extent: (136986.0*, 479492.0*) - (154451.0*, 494190.0*)' || fail "wijk extent moved"
vsp import cbs-buurten --input "$wijk" --level wijk --srs EPSG:28992 --areas-output "$areas" > "$t/wijk2.out"
grep -q "ref.wijk: 0 inserted, 0 updated, 0 deleted" "$t/wijk2.out" || { cat "$t/wijk2.out"; fail "re-import changed ref.wijk"; }

gm="$data/cartomap/rd/gemeente_2024.geojson"
# an administrative config needs only [database]; a password in it is refused
printf '[database]\nconninfo =\n' > "$t/imp.ini"
printf '[database]\nconninfo = password=x\n' > "$t/bad.ini"
set +e
vsp import cbs-buurten --config "$t/bad.ini" --input "$gm" --level gemeente > /dev/null 2>&1; rc=$?
set -e
[ $rc = 2 ] || fail "a conninfo with a password was not refused (exit $rc)"
vsp import cbs-buurten --config "$t/imp.ini" --input "$gm" --level gemeente --srs EPSG:28992 --gemeente 0034 --areas-output "$areas" > "$t/gm1.out"
grep -q "rows read 342, loaded 1, rejected 0, skipped 341" "$t/gm1.out" || { cat "$t/gm1.out"; fail "--gemeente 0034"; }
[ "$(q "SELECT name FROM ref.gemeente WHERE gemeente_code = 'GM0034'")" = Almere ] || fail "gemeente Almere"
vsp import cbs-buurten --input "$gm" --level gemeente --srs EPSG:28992 --areas-output "$areas" > "$t/gm2.out"
[ "$(q "SELECT count(*) FROM ref.gemeente WHERE year = 2024")" = 342 ] || fail "342 gemeenten expected"
grep -q "ref.gemeente: 341 inserted, 0 updated, 0 deleted" "$t/gm2.out" || { cat "$t/gm2.out"; fail "gemeenten changes"; }

# ---- 2. PC4 statistics in the CBS layout ----
# cbs_pc4_layout INCOME.json PC4.geojson OUT.geojson: CBS column names, -99997 for suppressed
cbs_pc4_layout() {
	{ printf 'CREATE TEMP TABLE j AS SELECT $J$'; cat "$1"; printf '$J$::jsonb AS inc, $J$'; cat "$2"
	  printf '$J$::jsonb AS geo;\n'
	  cat <<'SQL'
SELECT jsonb_build_object('type', 'FeatureCollection', 'name', 'cbs_pc4_2022', 'features', jsonb_agg(
	jsonb_build_object('type', 'Feature', 'geometry', f->'geometry', 'properties', jsonb_build_object(
		'postcode', f->'properties'->>'pc4',
		'aantal_part_huishoudens', coalesce((i.value->>'n_private_households')::numeric::int, -99997),
		'gemiddeld_inkomen_huishouden', coalesce((i.value->>'avg_income_household')::numeric, -99997),
		'percentage_laag_inkomen_huishouden', coalesce((i.value->>'pct_low_income_household')::numeric, -99997),
		'percentage_hoog_inkomen_huishouden', coalesce((i.value->>'pct_high_income_household')::numeric, -99997),
		'gemiddelde_woz_waarde_woning', coalesce((i.value->>'avg_woz_value')::numeric, -99997)))
	ORDER BY i.key))
FROM j, jsonb_array_elements(geo->'features') f JOIN jsonb_each(inc->'pc4') i ON i.key = f->'properties'->>'pc4';
SQL
	} | psql -X -q -A -t -v ON_ERROR_STOP=1 > "$3"
}
cbs_pc4_layout "$data/pakketpunten/cbs_pc4_income_almere_EXTRACT.json" "$data/pakketpunten/pc4.geojson" "$t/cbs_pc4_2022_almere.geojson"
vsp import cbs-postcode --level pc4 --input "$t/cbs_pc4_2022_almere.geojson" --areas-output "$areas" > "$t/pc4.out"
cat "$t/pc4.out"
grep -q "rows read 42, loaded 42, rejected 0" "$t/pc4.out" || fail "42 Almere-range PC4 records expected"
[ "$(q "SELECT count(*) || ' ' || count(households) || ' ' || sum(households) FROM ref.pc4 WHERE year = 2022")" = "42 38 92400" ] ||
	fail "ref.pc4: $(q "SELECT count(*), count(households), sum(households) FROM ref.pc4")"
[ "$(q "SELECT string_agg(pc4, ',' ORDER BY pc4) FROM ref.pc4 WHERE suppressed")" = "1322,1327,1329,1332" ] ||
	fail "suppressed PC4s: $(q "SELECT string_agg(pc4, ',') FROM ref.pc4 WHERE suppressed")"
[ "$(q "SELECT count(*) FROM ref.pc4 WHERE households < 0 OR avg_income < 0 OR pct_low_income < 0 OR avg_woz < 0")" = 0 ] ||
	fail "a CBS sentinel became a number"
[ "$(q "SELECT avg_income || ' ' || pct_low_income FROM ref.pc4 WHERE pc4 = '1314'")" = "29.3 52.6" ] || fail "1314 income"
# all 41 Almere PC4 codes (DESIGN.md) are there
for p in 1309 1311 1312 1313 1314 1315 1316 1317 1318 1319 1321 1322 1323 1324 1325 1326 1327 1328 \
         1331 1332 1333 1334 1335 1336 1338 1339 1341 1343 1349 1351 1352 1353 1354 1355 1356 1357 1358 1359 \
         1361 1362 1363; do echo "$p"; done > "$t/almere-pc4.txt"
[ "$(q "SELECT count(*) FROM ref.pc4 WHERE pc4 IN ($(sed "s/.*/'&'/" "$t/almere-pc4.txt" | paste -sd,))")" = 41 ] ||
	fail "not all 41 Almere PC4s loaded"
[ "$(ogrinfo -q "$areas" -sql "SELECT count(*) AS n, sum(households) AS h FROM pc4" | sed -n 's/.*h (Integer.*) = //p')" = 92400 ] ||
	fail "pc4 layer households do not sum to 92400"
vsp import cbs-postcode --level pc4 --input "$t/cbs_pc4_2022_almere.geojson" --areas-output "$areas" > "$t/pc4b.out"
grep -q "ref.pc4: 0 inserted, 0 updated, 0 deleted" "$t/pc4b.out" || { cat "$t/pc4b.out"; fail "re-import changed ref.pc4"; }

# national: every PC4, invalid geometries repaired (never dropped)
cbs_pc4_layout "$data/pakketpunten/cbs_pc4_income.json" "$data/pakketpunten/pc4.geojson" "$t/cbs_pc4_2022_nl.geojson"
vsp import cbs-postcode --level pc4 --input "$t/cbs_pc4_2022_nl.geojson" --areas-output "$t/nl.gpkg" > "$t/nl.out"
cat "$t/nl.out"
grep -q "rows read 4070, loaded 4070, rejected 0" "$t/nl.out" || fail "national PC4 counts"
grep -q "invalid geometries repaired: 359" "$t/nl.out" || fail "359 repaired geometries expected"
[ "$(q "SELECT count(households) || ' ' || sum(households) FROM ref.pc4 WHERE year = 2022")" = "4045 8135905" ] ||
	fail "national households: $(q "SELECT count(households), sum(households) FROM ref.pc4")"
# restore the Almere-only figures for the run below
vsp import cbs-postcode --level pc4 --input "$t/cbs_pc4_2022_almere.geojson" --areas-output "$areas" > /dev/null

# ---- 3. a wijk-level run on the real boundaries ----
# pieces of each inhabited PC4 in each wijk, with a point inside the piece
ogr2ogr -f CSV "$t/pieces.csv" "$areas" -dialect SQLite -sql "SELECT p.code AS pc4, p.households AS hh,
	w.code AS wijk, ST_Area(ST_Intersection(p.geom, w.geom)) AS area,
	ST_X(ST_PointOnSurface(ST_Intersection(p.geom, w.geom))) AS x,
	ST_Y(ST_PointOnSurface(ST_Intersection(p.geom, w.geom))) AS y
	FROM pc4 p JOIN wijk w ON ST_Intersects(p.geom, w.geom) WHERE p.households IS NOT NULL"
[ "$(wc -l < "$t/pieces.csv")" -gt 100 ] || fail "too few PC4 x wijk pieces"
# PC6s: a piece's households (by area share; pieces under 5 households are boundary slivers of
# the simplified polygons and dropped) in PC6s of ~20; letters AA, AB, … (never SA, SD, SS)
psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE TABLE public.piece (pc4 text, hh int, wijk text, area float8, x float8, y float8);
\copy public.piece FROM '$t/pieces.csv' WITH (FORMAT csv, HEADER)
CREATE TABLE public.syn AS
WITH s AS (SELECT *, round(hh * area / sum(area) OVER (PARTITION BY pc4))::int AS hh_piece FROM public.piece),
     k AS (SELECT s.*, g AS part, ceil(hh_piece / 20.0)::int AS nparts FROM s, generate_series(1, ceil(hh_piece / 20.0)::int) g
           WHERE hh_piece >= 5),
     l AS (SELECT pair, row_number() OVER (ORDER BY pair) AS n FROM (SELECT chr(65 + a) || chr(65 + b) AS pair
           FROM generate_series(0, 25) a, generate_series(0, 25) b) p WHERE pair NOT IN ('SA', 'SD', 'SS'))
SELECT k.pc4 || l.pair AS pc6, k.wijk, k.x + 12 * k.part AS x, k.y,
       (k.hh_piece / k.nparts + CASE WHEN k.part <= k.hh_piece % k.nparts THEN 1 ELSE 0 END) AS households
FROM (SELECT *, row_number() OVER (PARTITION BY pc4 ORDER BY wijk, part) AS seq FROM k) k JOIN l ON l.n = k.seq;
\copy (SELECT pc6 AS "PC6", h AS "Huisnummer", substr(wijk, 3) || '00' AS "Buurt2024", substr(wijk, 3) AS "Wijk2024", '0034' AS "Gemeente2024" FROM public.syn, generate_series(1, households) h ORDER BY 1, 2) TO '$t/pc6hnr20240801_gwb.csv' WITH (FORMAT csv, DELIMITER ';', HEADER)
\o $t/cbs_pc6_2022_almere.geojson
\pset tuples_only on
\pset format unaligned
SELECT jsonb_build_object('type', 'FeatureCollection', 'name', 'cbs_pc6_2022',
	'crs', jsonb_build_object('type', 'name', 'properties', jsonb_build_object('name', 'urn:ogc:def:crs:EPSG::28992')),
	'features', jsonb_agg(jsonb_build_object('type', 'Feature',
		'geometry', jsonb_build_object('type', 'Polygon', 'coordinates', jsonb_build_array(jsonb_build_array(
			jsonb_build_array(x, y), jsonb_build_array(x + 10, y), jsonb_build_array(x + 10, y + 10),
			jsonb_build_array(x, y + 10), jsonb_build_array(x, y)))),
		'properties', jsonb_build_object('postcode', pc6, 'aantal_part_huishoudens', households)) ORDER BY pc6))
FROM public.syn;
\o
SQL
npc6=$(q "SELECT count(*) FROM public.syn")
[ "$npc6" -gt 3000 ] || fail "only $npc6 synthetic PC6s"
# import order (docs/operations.md): boundaries, PC6 → buurt, statistics
vsp import pc6-buurt --input "$t/pc6hnr20240801_gwb.csv" > "$t/pc6buurt.out"
cat "$t/pc6buurt.out"
grep -q "rejected 0" "$t/pc6buurt.out" || fail "synthetic PC6 table had rejects"
vsp import cbs-postcode --level pc6 --gemeente 0034 --input "$t/cbs_pc6_2022_almere.geojson" --areas-output "$areas" > "$t/pc6.out"
cat "$t/pc6.out"
[ "$(q "SELECT count(*) FROM ref.pc6 WHERE gemeente_code = 'GM0034' AND households > 0 AND wijk_code IN (SELECT wijk_code FROM ref.wijk)")" = "$npc6" ] ||
	fail "not every synthetic PC6 has households and a real wijk"
hh=$(q "SELECT sum(households) FROM ref.pc6")
[ "$hh" -gt 91000 ] && [ "$hh" -le 92400 ] || fail "PC6 households $hh, expected about 92,400"
# signals: ~3 % of households, ~15 % in the planted hotspot (the wijk with most households)
hot=$(q "SELECT wijk_code FROM ref.pc6 GROUP BY 1 ORDER BY sum(households) DESC, 1 LIMIT 1")
psql -X -q -v ON_ERROR_STOP=1 <<SQL
INSERT INTO platform.signaal (signaal_id, partner_type, bedrag, ontstaansdatum, signaaldatum, status, postcode,
	huisnummer, ontvangen_op)
SELECT 'A' || row_number() OVER (ORDER BY p.pc6, h),
	(ARRAY['Huur', 'Energie', 'Water', 'Zorg'])[1 + abs(hashtext(p.pc6 || h || 'p')) % 4],
	100 + abs(hashtext(p.pc6 || h || 'b')) % 4000,
	d - 40, d, 'Nog niet opgepakt',
	CASE WHEN h % 2 = 0 THEN lower(left(p.pc6, 4) || ' ' || right(p.pc6, 2)) ELSE p.pc6 END, h::text,
	d + time '10:00'
FROM ref.pc6 p, generate_series(1, p.households) h,
	LATERAL (SELECT date '2026-10-31' - abs(hashtext(p.pc6 || h || 'd')) % 80 AS d) dd
WHERE abs(hashtext(p.pc6 || h)) % 1000 < CASE WHEN p.wijk_code = '$hot' THEN 150 ELSE 30 END;
SQL
cat > "$t/almere.ini" <<INI
[database]
conninfo =
[run]
level = wijk
window_days = 90
output_dir = $t/runs
[areas]
source = $areas
layer = wijk
id_field = code
households = reference
[score]
permutations = 199
[privacy]
key_secret = it-import-secret
INI
bin/vsp run --config "$t/almere.ini" --as-of 2026-10-31 > "$t/run.out" 2> "$t/run.log" || { tail -20 "$t/run.log"; fail "vsp run at wijk level"; }
cat "$t/run.out"
csv="$t/runs/latest/areas-wijk.csv"
[ -s "$csv" ] || fail "no areas-wijk.csv"
[ "$(tail -n +2 "$csv" | wc -l)" = 71 ] || fail "areas-wijk.csv does not list the 71 wijken"
[ "$(q "SELECT count(*) FROM vsp.area_scores WHERE level = 'wijk'")" = 71 ] || fail "71 wijk scores expected"
[ "$(q "SELECT count(*) FROM vsp.quarantine")" = 0 ] || fail "signals at real Almere postcodes were quarantined"
[ "$(q "SELECT count(*) FROM vsp.area_scores WHERE level = 'wijk' AND households IS NOT NULL")" -ge 50 ] ||
	fail "too few wijken with households"
# the planted hotspot has the highest rate and ranks near the top
[ "$(q "SELECT area_code FROM vsp.area_scores WHERE level = 'wijk' AND households >= 100 ORDER BY rate DESC LIMIT 1")" = "$hot" ] ||
	fail "planted hotspot $hot does not have the highest rate"
[ "$(q "SELECT rank FROM vsp.area_scores WHERE area_code = '$hot'")" -le 5 ] || fail "hotspot $hot not in the top 5"
echo "it_import ok: $npc6 synthetic PC6s in $(q "SELECT count(DISTINCT wijk_code) FROM ref.pc6") real wijken; hotspot $hot"
