#!/usr/bin/env bash
# tests/it_hotspots.sh — `vsp hotspots` on a GDAL layer: every output format, the public
# field names, one feature per area, usage errors with exit 2.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
VSP=${VSP_BIN:-bin/vsp}
t=$(mktemp -d "${TMPDIR:-/tmp}/vsp-hot-XXXXXX")
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$VSP" synth --quiet --output "$t/city" --seed 42
n=$(ogrinfo -so "$t/city/city.gpkg" pc6 | sed -n 's/^Feature Count: //p')
for ext in gpkg geojson csv fgb; do
	"$VSP" hotspots --quiet --input "$t/city/city.gpkg" --layer pc6 --id pc6 --value households \
		--weights queen --permutations 99 --fdr 0.05 --output "$t/out.$ext" || fail "hotspots .$ext"
	ogrinfo -so -al "$t/out.$ext" > "$t/info.txt"
	grep -q "Feature Count: $n\$" "$t/info.txt" || fail ".$ext does not have $n features"
	for f in pc6 households rate eb_rate gi_z gi_p gi_bin lisa_i lisa_p lisa_quad; do
		grep -q "^$f: " "$t/info.txt" || fail ".$ext lacks field $f"
	done
done
# same numbers in every format (first area's gi_z)
z1=$(ogrinfo -al -q "$t/out.gpkg" -where "pc6 = '1309AA'" | sed -n 's/^  gi_z (Real) = //p')
z2=$(ogrinfo -al -q "$t/out.fgb" -where "pc6 = '1309AA'" | sed -n 's/^  gi_z (Real) = //p')
[ -n "$z1" ] && [ "$z1" = "$z2" ] || fail "gi_z differs between formats ($z1 / $z2)"
# GeoJSON is WGS 84
ogrinfo -so -al "$t/out.geojson" | grep -q 'Extent: (5\.' || fail "GeoJSON not in lon/lat"
# with a population: rates per 1,000 and EB
"$VSP" hotspots --quiet --input "$t/city/city.gpkg" --layer pc4 --id pc4 --value households \
	--population households --smooth eb --output "$t/pc4.csv" || fail "with --population"
grep -q '^1311,[0-9]*,1000,1000,' "$t/pc4.csv" || fail "rate of households per household is not 1000"
# usage errors: exit 2 and a line naming the problem
set +e
"$VSP" hotspots --input "$t/city/city.gpkg" --layer pc6 --id pc6 --value nosuchfield --output "$t/x.gpkg" 2> "$t/err"; rc=$?
set -e
[ "$rc" = 2 ] && grep -q nosuchfield "$t/err" || fail "missing field: exit $rc, $(cat "$t/err")"
set +e
"$VSP" hotspots --input "$t/city/city.gpkg" --id pc6 --value households --smooth magic --output "$t/x.gpkg" 2> "$t/err"; rc=$?
set -e
[ "$rc" = 2 ] || fail "bad --smooth: exit $rc"
echo "hotspots ok"
