#!/usr/bin/env bash
# tests/it_realdata.sh — real-data test on ../shared/data (CBS / Kadaster via PDOK, CC BY 4.0):
# the 342 gemeenten of 2024 in RD New (GeoJSON without crs member: GDAL says WGS 84, so the CRS
# must be assigned) and the 4,071 PC4 polygons in WGS 84 of which 359 are invalid after the
# transform and one (5369) is empty.  Skipped, with a message, when the data is absent.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
VSP=${VSP_BIN:-bin/vsp}
data=${VSP_SHARED_DATA:-$here/../shared/data}
fail() { echo "FAIL: $*" >&2; exit 1; }
if [ ! -d "$data/cartomap" ] || [ ! -d "$data/pakketpunten" ]; then
	echo "real-data test skipped: $data not present"
	exit 0
fi
t=$(mktemp -d "${TMPDIR:-/tmp}/vsp-real-XXXXXX")
trap 'rm -rf "$t"' EXIT

# RD New coordinates read as WGS 84 must be refused, with the hint
set +e
"$VSP" weights --input "$data/cartomap/rd/gemeente_2024.geojson" --id statcode --output "$t/x.gal" 2> "$t/err"
rc=$?
set -e
[ "$rc" = 2 ] && grep -q 'set \[areas\] srs' "$t/err" || fail "projected coordinates in a WGS 84 layer: exit $rc $(cat "$t/err")"

out=$("$VSP" weights --quiet --input "$data/cartomap/rd/gemeente_2024.geojson" --id statcode --srs EPSG:28992 \
	--output "$t/gm.gal")
echo "gemeenten: $out"
echo "$out" | grep -q '^areas 342, ' || fail "expected 342 gemeenten"
echo "$out" | grep -q 'islands 5,' || fail "expected the 5 Wadden islands as islands"
for g in GM0448 GM0096 GM0093 GM0060 GM0088; do	# Texel, Vlieland, Terschelling, Ameland, Schiermonnikoog
	awk -v g="$g" '$1 == g { exit !($2 == 0) }' "$t/gm.gal" || fail "$g is not an island"
	grep -q "^$g " "$t/gm.gal" || fail "$g missing"
done

out=$("$VSP" weights --quiet --input "$data/pakketpunten/pc4.geojson" --id pc4 --output "$t/pc4.gal")
echo "pc4: $out"
echo "$out" | grep -q '^areas 4070, ' || fail "expected 4,070 PC4 with a geometry"
echo "$out" | grep -q 'geometries repaired 359, excluded 1' || fail "expected 359 repaired and 1 excluded"
# Almere (1309..1363) is one connected block
awk '$1 >= 1309 && $1 <= 1363 && NF == 2 && $2 == 0 { print; bad = 1 } END { exit bad }' "$t/pc4.gal" ||
	fail "an Almere PC4 has no neighbours"
echo "real data ok"
