#!/usr/bin/env bash
# tests/it_fast_outputs.sh — the area files written by vsp's own parallel writers
# (pipeline/outputs_stream.c, and the GeoPackage on its own thread) are the files GDAL's
# drivers write (VSP_OUTPUTS_VIA_GDAL=1, the reference path): CSV and GeoJSON byte for byte,
# XLSX cell for cell, GeoPackage feature for feature; at PC4 (few large areas, holes and
# multipolygons from the unions) and at PC6 (5,000 areas: several blocks of the writer).
# Also [outputs] maps = auto | no (printable maps of many areas left out).
# Against the private PostgreSQL of scripts/run-tests.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
VSP=${VSP_BIN:-bin/vsp}
t=$(mktemp -d "${TMPDIR:-/tmp}/vsp-fast-XXXXXX")
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

. tests/city.sh
city_configs "$t"

# content of a GeoPackage or an XLSX as GDAL reads it back
dump() { ogrinfo -ro -al "$1" | grep -v -E '^INFO: Open|using driver'; }

for level in pc4 pc6; do
	for how in fast gdal; do
		sed "s|$t/out|$t/out-$how|" "$t/$level.ini" > "$t/$level-$how.ini"
		if [ "$how" = gdal ]; then
			VSP_OUTPUTS_VIA_GDAL=1 "$VSP" run --quiet --config "$t/$level-$how.ini" --as-of 2026-10-31 > /dev/null 2> "$t/$how.log" ||
				{ cat "$t/$how.log"; fail "$level run through GDAL"; }
		else
			"$VSP" run --quiet --config "$t/$level-$how.ini" --as-of 2026-10-31 > /dev/null 2> "$t/$how.log" ||
				{ cat "$t/$how.log"; fail "$level run"; }
		fi
	done
	a=$t/out-gdal/2026-10-31
	b=$t/out-fast/2026-10-31
	for f in "areas-$level.csv" "areas-$level.geojson"; do
		cmp -s "$a/$f" "$b/$f" || { diff <(head -c 2000 "$a/$f") <(head -c 2000 "$b/$f") | head -5; fail "$level: $f differs from GDAL's"; }
	done
	diff <(ogr2ogr -f CSV /vsistdout/ "$a/areas-$level.xlsx") <(ogr2ogr -f CSV /vsistdout/ "$b/areas-$level.xlsx") > "$t/xlsx.diff" ||
		{ head -5 "$t/xlsx.diff"; fail "$level: areas-$level.xlsx cells differ from GDAL's"; }
	diff <(dump "$a/areas.gpkg") <(dump "$b/areas.gpkg") > "$t/gpkg.diff" ||
		{ head -5 "$t/gpkg.diff"; fail "$level: areas.gpkg differs from GDAL's"; }
	# the summary lists the same files in the same order
	diff <(sed -n '/^## Files/,$p' "$a/summary.md") <(sed -n '/^## Files/,$p' "$b/summary.md") ||
		fail "$level: summary lists other files"
	psql -q -X -c "TRUNCATE vsp.runs CASCADE" > /dev/null 2>&1
done

# [outputs] maps: auto leaves out a printable map of more than map_max_areas areas (the team
# maps, of fewer areas, stay); no leaves out every printable map
for mode in auto no; do
	{ cat "$t/pc6.ini"; printf '\n[outputs]\nmaps = %s\nmap_max_areas = 1000\n' "$mode"; } |
		sed "s|$t/out|$t/out-$mode|" > "$t/maps-$mode.ini"
	"$VSP" run --config "$t/maps-$mode.ini" --as-of 2026-10-31 > /dev/null 2> "$t/maps.log" ||
		{ cat "$t/maps.log"; fail "maps = $mode run"; }
	d=$t/out-$mode/2026-10-31
	[ ! -e "$d/map.png" ] && [ ! -e "$d/map.svg" ] && [ ! -e "$d/map.pdf" ] || fail "maps = $mode: the whole-area map was drawn"
	if [ "$mode" = auto ]; then
		grep -q 'map.png/.svg/.pdf not drawn: 5[0-9]* areas, more than \[outputs\] map_max_areas = 1000' "$t/maps.log" ||
			{ cat "$t/maps.log"; fail "maps = auto: no log line saying why the map is left out"; }
		[ -s "$d/map-Haven.png" ] && [ -s "$d/map-Haven.pdf" ] || fail "maps = auto: the team map is missing"
		# the browser map follows the same limit; the team page stays
		[ ! -e "$d/map.html" ] || fail "maps = auto: map.html was written for more than map_max_areas areas"
		grep -q 'map.html not written: 5[0-9]* areas, more than \[outputs\] map_max_areas = 1000' "$t/maps.log" ||
			{ cat "$t/maps.log"; fail "maps = auto: no log line saying why map.html is left out"; }
		[ -s "$d/map-Haven.html" ] || fail "maps = auto: the team's browser map is missing"
	else
		! ls "$d"/map-*.png > /dev/null 2>&1 || fail "maps = no: a team map was drawn"
		[ -s "$d/map.html" ] || fail "maps = no: the browser map is missing (maps is about printed maps)"
	fi
done
# the team page built from the team's areas alone shows the same areas as the one built with
# every area (its "n" counts them); neither holds a count below the threshold
na=$(grep -o '"n":[0-9]*,"n_run"' "$t/out-auto/2026-10-31/map-Haven.html" | head -n 1)
nn=$(grep -o '"n":[0-9]*,"n_run"' "$t/out-no/2026-10-31/map-Haven.html" | head -n 1)
[ -n "$na" ] && [ "$na" = "$nn" ] || fail "team browser map: areas $na (team areas only) against $nn (all areas)"
echo "fast area writers: the same files as GDAL's drivers at pc4 and pc6; [outputs] maps honoured"
