#!/usr/bin/env bash
# tests/it_webmap.sh — the browser map end to end, against the private PostgreSQL that
# scripts/run-tests.sh started (PG* in the environment, a fresh migrated database `vsp`):
#   synthetic city, two runs (a month apart, so trends exist); map.html and map-<team>.html
#   written, self-contained (no src/href to anything but data:), no personal data in them;
#   then tests/webmap_e2e.mjs opens them in headless Chromium (playwright-core) from file://
#   and checks drawing, popups, keyboard, views and that no network request is made.
#   Without Leaflet installed the run still succeeds, logs a warning and writes no map.html.
# Needs node and /usr/bin/chromium (`make deps`, VSP_DEPS_EXTRA=1 for Chromium); set
# VSP_NO_BROWSER=1 to skip the browser part explicitly.  VSP_WEBMAP_SHOT=path keeps the
# screenshot.  docs/webmap-example.png is the same script on `make demo`'s PC6 night:
#   node tests/webmap_e2e.mjs demo-out/runs-pc6/latest/map.html 5170 \
#     demo-out/runs-pc6/latest/areas-pc6.csv 10 docs/webmap-example.png
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
t=$(mktemp -d "${TMPDIR:-/tmp}/vsp-webmap-XXXXXX")
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
VSP=${VSP_BIN:-bin/vsp}	# make sanitize runs this on the sanitizer build

browser=1
if [ "${VSP_NO_BROWSER:-0}" = 1 ]; then
	browser=0
	echo "VSP_NO_BROWSER=1: skipping the browser checks"
else
	command -v node >/dev/null || fail "node is not installed: run make deps (or set VSP_NO_BROWSER=1)"
	chromium=${VSP_CHROMIUM:-/usr/bin/chromium}
	[ -x "$chromium" ] || fail "$chromium is missing: VSP_DEPS_EXTRA=1 make deps installs Debian's chromium (or set VSP_NO_BROWSER=1)"
	[ -d web/node_modules/playwright-core ] || fail "web/node_modules/playwright-core is missing: run make deps"
fi
[ -f web/node_modules/leaflet/dist/leaflet.js ] || fail "web/node_modules/leaflet is missing: run make deps"

"$VSP" synth --quiet --output "$t/city" --seed 42 --load
sed -e "s|demo-out/city/city.gpkg|$t/city/city.gpkg|" -e "s|demo-out/runs|$t/out|" config/demo.ini > "$t/demo.ini"
"$VSP" run --config "$t/demo.ini" --as-of 2026-09-30 > "$t/run1.out" 2> "$t/run1.log" || { cat "$t/run1.log"; fail "first run"; }
"$VSP" run --config "$t/demo.ini" --as-of 2026-10-31 > "$t/run2.out" 2> "$t/run2.log" || { cat "$t/run2.log"; fail "second run"; }
latest="$t/out/latest"
for f in map.html map-Haven.html map-Stad.html map-Buiten.html; do
	[ -s "$latest/$f" ] || fail "missing output $f"
	grep -q "^- $f\$" "$latest/summary.md" || fail "$f not listed in summary.md"
done
size=$(stat -c %s "$latest/map.html")
echo "map.html: $size bytes"
[ "$size" -lt 3000000 ] || fail "map.html is $size bytes, more than 3 MB for one city"

# self-contained: nothing loaded from elsewhere, a CSP that forbids it anyway
grep -Eiq '<(script|link|img|iframe)[^>]* (src|href)="(https?:|//|[a-z0-9_./-]+\.(js|css|png))' "$latest/map.html" &&
	fail "map.html refers to an external file"
grep -q "Content-Security-Policy\" content=\"default-src 'none'" "$latest/map.html" || fail "map.html has no CSP"
grep -q 'sourceMappingURL' "$latest/map.html" && fail "map.html asks for a source map"
grep -q '"prevent":{"title":' "$latest/map.html" || fail "map.html has no prevention view (on in config/demo.ini)"

# no personal data: names, BSNs, addresses (postcode + house number)
grep -v '^#' "$t/city/names.txt" | grep -v '^$' > "$t/pii.txt"
psql -X -A -t -c "SELECT DISTINCT postcode || ' ' || huisnummer FROM platform.signaal
	WHERE postcode <> '' AND huisnummer <> ''" >> "$t/pii.txt"
[ "$(wc -l < "$t/pii.txt")" -gt 1000 ] || fail "too few names/BSNs/addresses to check"
grep -qFf "$t/pii.txt" "$latest"/map*.html && fail "a map.html contains personal data (a name, BSN or address)"

n=$(($(wc -l < "$latest/areas-pc4.csv") - 1))
[ "$n" -gt 0 ] || fail "empty area list"

if [ "$browser" = 1 ]; then
	shot=${VSP_WEBMAP_SHOT:-$t/webmap.png}
	# config/demo.ini turns the prevention view on: both maps must have it
	export VSP_EXPECT_PREVENT=1
	node tests/webmap_e2e.mjs "$latest/map.html" "$n" "$latest/areas-pc4.csv" 10 "$shot" ||
		fail "browser check of map.html"
	[ -s "$shot" ] || fail "no screenshot"
	# a team's map holds exactly its areas (Haven: 5 PC4 codes in config/demo.ini)
	node tests/webmap_e2e.mjs "$latest/map-Haven.html" 5 "$latest/areas-pc4.csv" 10 ||
		fail "browser check of map-Haven.html"
fi

# Leaflet missing: the run succeeds, says why, and writes no map.html
mkdir -p "$t/web-empty"
cp web/webmap.html web/webmap.css web/webmap.js "$t/web-empty/"
VSP_WEB_DIR="$t/web-empty" "$VSP" run --config "$t/demo.ini" --as-of 2026-10-31 --output "$t/out-noweb" \
	> "$t/run3.out" 2> "$t/run3.log" || { cat "$t/run3.log"; fail "run without Leaflet failed"; }
grep -q "WARN.*no browser map (map.html).*leaflet.*make deps" "$t/run3.log" || { cat "$t/run3.log"; fail "no warning about the missing Leaflet"; }
ls "$t/out-noweb/latest/"map*.html >/dev/null 2>&1 && fail "map.html written without Leaflet"
[ -s "$t/out-noweb/latest/map.png" ] || fail "printable map missing in the run without Leaflet"
echo "webmap ok"
