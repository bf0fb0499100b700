#!/usr/bin/env bash
# scripts/run-tests.sh — run every test binary and test script against a private PostgreSQL.
#
# Usage: scripts/run-tests.sh bin/test_a bin/test_b ... [tests/it_x.sh ...]
# Each suite gets a fresh database `vsp` (cloned from a migrated template), so suites
# never see each other's rows.  cmocka suites report their own counts; a script counts
# as one test (exit 0 = passed).  Ends with the line "N passed, M failed".
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

pgdir=$(mktemp -d "${TMPDIR:-/tmp}/vsp-pg-XXXXXX")
cleanup() { "$here/scripts/pg.sh" stop "$pgdir"; }
trap cleanup EXIT
eval "$("$here/scripts/pg.sh" start "$pgdir")" || { echo "run-tests: cannot start PostgreSQL"; echo "0 passed, 1 failed"; exit 1; }
export PGHOST PGPORT PGUSER PGDATABASE
createdb -T vsp vsp_tmpl

passed=0; failed=0; failed_names=()
fresh_db() {
	psql -q -X -d postgres -c "DROP DATABASE IF EXISTS vsp WITH (FORCE)" -c "CREATE DATABASE vsp TEMPLATE vsp_tmpl" >/dev/null
}

suites=("$@")
for s in tests/it_*.sh; do [ -e "$s" ] && suites+=("$s"); done

for t in "${suites[@]}"; do
	fresh_db
	log=$(mktemp)
	echo "== $t"
	case "$t" in
	*.sh)
		if bash "$t" >"$log" 2>&1; then passed=$((passed+1)); echo "[  PASSED  ] $t"
		else failed=$((failed+1)); failed_names+=("$t"); cat "$log"; echo "[  FAILED  ] $t"; fi
		;;
	*)
		"./$t" >"$log" 2>&1; rc=$?
		cat "$log"
		p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
		f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
		p=${p:-0}; f=${f:-0}
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # crashed or failed outside cmocka
		passed=$((passed+p)); failed=$((failed+f))
		[ "$f" -gt 0 ] && failed_names+=("$t")
		;;
	esac
	rm -f "$log"
done

[ ${#failed_names[@]} -gt 0 ] && echo "failing suites: ${failed_names[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
