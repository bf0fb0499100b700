#!/usr/bin/env bash
# scripts/valgrind.sh — `make valgrind`: memcheck over the nightly run of the demo, against a
# private PostgreSQL: no invalid reads or writes, no use of uninitialised values, and no
# definitely lost memory (tests/valgrind.supp lists third-party caches only).
#
#   1. a good run with a previous run to compare with (trend, every output, results in the
#      database), the demo config as `make demo` runs it;
#   2. a run that fails after ingest (the area source is missing): the error path frees too;
#   3. a configuration error (before the database).
# Usage: scripts/valgrind.sh [VSP_BINARY]   (default bin/vsp; not a sanitizer build)
# Prints one line per case and "valgrind: N passed, M failed"; exit 0 only when all pass.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
VSP=${1:-${VSP_BIN:-bin/vsp}}
command -v valgrind > /dev/null || { echo "valgrind: not installed (apt-get install valgrind)"; exit 1; }

t=$(mktemp -d "${TMPDIR:-/tmp}/vsp-valgrind-XXXXXX")
pgdir=$(mktemp -d "${TMPDIR:-/tmp}/vsp-valgrind-pg-XXXXXX")
cleanup() { "$here/scripts/pg.sh" stop "$pgdir"; rm -rf "$t"; }
trap cleanup EXIT
eval "$("$here/scripts/pg.sh" start "$pgdir")" || { echo "valgrind: cannot start PostgreSQL"; exit 1; }
export PGHOST PGPORT PGUSER PGDATABASE

"$VSP" synth --quiet --output "$t/city" --seed 42 --load || { echo "valgrind: synth failed"; exit 1; }
sed -e "s|demo-out/city/city.gpkg|$t/city/city.gpkg|" -e "s|demo-out/runs|$t/out|" config/demo.ini > "$t/demo.ini"
sed -e "s|^source = .*|source = $t/nowhere.gpkg|" "$t/demo.ini" > "$t/noareas.ini"
sed -e "s|^window_days = .*|window_days = ninety|" "$t/demo.ini" > "$t/badcfg.ini"
"$VSP" run --quiet --config "$t/demo.ini" --as-of 2026-09-30 > /dev/null || { echo "valgrind: first run failed"; exit 1; }

passed=0; failed=0
# vg NAME EXPECTED-STATUS ARGS...: memcheck exits 99 on an error, else vsp's own status
vg() {
	local name=$1 want=$2 rc start=$SECONDS
	shift 2
	valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
		--show-leak-kinds=definite --track-origins=yes --num-callers=40 \
		--suppressions="$here/tests/valgrind.supp" --log-file="$t/$name.vg" \
		"$VSP" "$@" > "$t/$name.out" 2> "$t/$name.err"
	rc=$?
	if [ "$rc" = "$want" ] && ! [ -s "$t/$name.vg" ]; then
		passed=$((passed + 1))
		echo "valgrind: $name: ok (exit $rc, $((SECONDS - start)) s)"
	else
		failed=$((failed + 1))
		echo "valgrind: $name: FAILED (exit $rc, expected $want)"
		cat "$t/$name.err" "$t/$name.vg"
	fi
}
vg run-with-trend 0 run --quiet --config "$t/demo.ini" --as-of 2026-10-31
vg run-missing-areas 2 run --quiet --config "$t/noareas.ini" --as-of 2026-10-31
vg config-error 2 run --quiet --config "$t/badcfg.ini"
echo "valgrind: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
