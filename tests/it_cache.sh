#!/usr/bin/env bash
# tests/it_cache.sh — the area cache ([areas] cache, docs/operations.md): a run that reads the
# prepared layer and its weights from the cache writes the same outputs as a run without it
# (PC4: holes and multipolygons from the unions; PC6: 5,000 areas); the files are mode 0600;
# a damaged file is refused with a warning and rewritten; a changed layer gets a new key.
# Against the private PostgreSQL of scripts/run-tests.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
VSP=${VSP_BIN:-bin/vsp}
t=$(mktemp -d "${TMPDIR:-/tmp}/vsp-cache-XXXXXX")
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

. tests/city.sh
city_configs "$t"
grep -q '^\[areas\]' "$t/pc4.ini" || fail "config/demo.ini has no [areas] section"

# with_cache LEVEL VALUE NAME: the level's config with [areas] cache = VALUE
with_cache() { sed "s|^\[areas\]|[areas]\ncache = $2|" "$t/$1.ini" > "$t/$3.ini"; }
# night NAME OUT: one run at 2026-10-31 into OUT, debug log in OUT.log
night() {
	"$VSP" run -v --config "$t/$1.ini" --as-of 2026-10-31 --output "$2" > /dev/null 2> "$2.log" ||
		{ cat "$2.log"; fail "run $1 into $2"; }
}
dump() { ogrinfo -ro -al "$1" | grep -v -E '^INFO: Open|using driver'; }
# same A B: the two output folders hold the same outputs (the summary names the run and its
# timings; the GeoPackage's metadata has a timestamp: compared by content)
same() {
	local f n=0
	for f in "$1"/*; do
		f=$(basename "$f")
		case $f in
			summary.md) ;;
			*.gpkg) [ "$(dump "$1/$f")" = "$(dump "$2/$f")" ] || fail "$3: $f differs" ;;
			*) cmp -s "$1/$f" "$2/$f" || fail "$3: $f differs" ;;
		esac
		n=$((n + 1))
	done
	[ "$n" -ge 8 ] || fail "$3: only $n outputs"
	[ "$(ls "$1" | wc -l)" = "$(ls "$2" | wc -l)" ] || fail "$3: not the same files"
}

for level in pc4 pc6; do
	c=$t/cache-$level
	with_cache "$level" off "$level-off"
	with_cache "$level" "$c" "$level-on"
	night "$level-off" "$t/off-$level"
	[ ! -e "$t/off-$level/.cache" ] || fail "$level: cache = off wrote a cache"
	night "$level-on" "$t/cold-$level"
	grep -q 'layer kept in the cache' "$t/cold-$level.log" || fail "$level: the first run kept nothing"
	[ "$(ls "$c"/areas-*.bin | wc -l)" = 1 ] && [ "$(ls "$c"/weights-*.bin | wc -l)" = 1 ] ||
		fail "$level: expected one areas and one weights file in $c: $(ls "$c")"
	for f in "$c"/*.bin; do
		[ "$(stat -c %a "$f")" = 600 ] || fail "$f is mode $(stat -c %a "$f")"
	done
	night "$level-on" "$t/warm-$level"
	grep -q 'areas from the cache' "$t/warm-$level.log" || fail "$level: the second run did not read the layer from the cache"
	grep -q 'weights from the cache' "$t/warm-$level.log" || fail "$level: the second run built the weights again"
	same "$t/off-$level/2026-10-31" "$t/cold-$level/2026-10-31" "$level without cache vs first run"
	same "$t/off-$level/2026-10-31" "$t/warm-$level/2026-10-31" "$level without cache vs from the cache"
	# the run's report of the layer is the same whether read or cached
	grep -o 'INFO .*areas ([0-9]* geometries repaired, [0-9]* excluded)' "$t/cold-$level.log" | sed 's/run=[0-9]*//' > "$t/a"
	grep -o 'INFO .*areas ([0-9]* geometries repaired, [0-9]* excluded)' "$t/warm-$level.log" | sed 's/run=[0-9]*//' > "$t/b"
	[ -s "$t/a" ] && cmp -s "$t/a" "$t/b" || fail "$level: the layer report differs: $(cat "$t/a" "$t/b")"
done

# a damaged file: refused with a warning, the layer read again, the file rewritten and used
f=$(ls "$t/cache-pc4"/areas-*.bin)
printf '\377\377\377\377' | dd of="$f" bs=1 seek=$(($(stat -c %s "$f") / 2)) conv=notrunc 2> /dev/null
night pc4-on "$t/damaged"
grep -qE 'WARN .*cache: .*areas-.*\.bin is damaged' "$t/damaged.log" || { cat "$t/damaged.log"; fail "no warning about the damaged file"; }
same "$t/off-pc4/2026-10-31" "$t/damaged/2026-10-31" "after a damaged cache file"
night pc4-on "$t/mended"
grep -q 'areas from the cache' "$t/mended.log" || fail "the damaged file was not rewritten"

# a changed layer (one area fewer): a new key (a second file), and the change in the outputs
ogr2ogr -f GPKG "$t/moved.gpkg" "$t/city/city.gpkg" pc4 -where "fid <> 1" > /dev/null
sed "s|$t/city/city.gpkg|$t/moved.gpkg|" "$t/pc4-on.ini" > "$t/pc4-moved.ini"
night pc4-moved "$t/moved"
grep -q 'layer kept in the cache' "$t/moved.log" || fail "the changed layer came from the cache"
[ "$(ls "$t/cache-pc4"/areas-*.bin | wc -l)" = 2 ] || fail "the changed layer did not get its own key: $(ls "$t/cache-pc4")"
n_off=$(ogrinfo -ro -so -al "$t/off-pc4/2026-10-31/areas.gpkg" | sed -n 's/^Feature Count: //p')
n_moved=$(ogrinfo -ro -so -al "$t/moved/2026-10-31/areas.gpkg" | sed -n 's/^Feature Count: //p')
[ "$n_moved" = $((n_off - 1)) ] || fail "the changed layer gives $n_moved areas, expected $((n_off - 1))"
echo "cache ok"
