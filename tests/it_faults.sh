#!/usr/bin/env bash
# tests/it_faults.sh — the nightly run under faults, against the private PostgreSQL that
# scripts/run-tests.sh started (PG* in the environment, a fresh migrated database `vsp`):
#   - bad configuration (malformed values, missing file, missing or unreadable area source):
#     exit 2 and one line that names the item;
#   - the database unreachable (exit 69), or stopped while the run reads (exit 69, on a second
#     private server so the other suites keep theirs);
#   - SIGKILL at every stage boundary and half-way through the outputs: latest, its files and
#     area_scores/outreach unchanged, no folder for the killed date, the run left 'running'
#     until the next run marks it 'failed', then the next run succeeds and cleans up;
#   - a file-size limit while writing outputs (ulimit -f: EFBIG, as a full disk): exit 73,
#     previous outputs intact, the run marked failed;
#   - two runs at once: the second refused with exit 75, naming the first.
# The fault-injection points are VSP_TEST_KILL_AT / VSP_TEST_SLEEP_AT (pipeline/util.h).
# VSP_BIN selects the binary (make sanitize runs this on the sanitizer build).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
VSP=${VSP_BIN:-bin/vsp}
t=$(mktemp -d "${TMPDIR:-/tmp}/vsp-faults-XXXXXX")
pg2=""
cleanup() {
	[ -z "$pg2" ] || "$here/scripts/pg.sh" stop "$pg2" > /dev/null 2>&1 || true
	rm -rf "$t"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
section() { echo "== $1 (at $SECONDS s)"; }
q() { psql -X -A -t -q -c "$1"; }

# run_vsp OUT ERR ARGS...: run the binary, keep its exit status in $rc
run_vsp() {
	local out=$1 err=$2
	shift 2
	set +e
	"$VSP" "$@" > "$out" 2> "$err"
	rc=$?
	set -e
}
# expect WHAT STATUS REGEX LOG: the exit status, and exactly one log line, matching REGEX
expect() {
	[ "$rc" = "$2" ] || { cat "$4" >&2; fail "$1: exit status $rc, expected $2"; }
	[ "$(grep -c . "$4")" = 1 ] || { cat "$4" >&2; fail "$1: the message is not one line"; }
	grep -qE -- "$3" "$4" || { cat "$4" >&2; fail "$1: the message does not match /$3/"; }
}
# wait_file PATH: until the file exists (a run reached its sleep point), at most 120 s
wait_file() {
	for _ in $(seq 1 1200); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	fail "timed out waiting for $1"
}
# the state a failed or killed run must not touch: where latest points, its files, the
# published folders, and the results in the database
snapshot() {
	readlink "$out/latest"
	(cd "$out/latest" && sha256sum -- * | sort -k2)
	ls "$out" | grep -v '\.tmp-' || true
	q "SELECT md5(coalesce(string_agg(s::text, '|' ORDER BY s::text), '')) FROM vsp.area_scores s"
	q "SELECT md5(coalesce(string_agg(o::text, '|' ORDER BY o::text), '')) FROM vsp.outreach o"
}
last_run() { q "SELECT max(run_id) FROM vsp.runs"; }
status_of() { q "SELECT status FROM vsp.runs WHERE run_id = $1"; }
no_tmp() { ! ls -d "$out"/*.tmp-* > /dev/null 2>&1 || fail "$1: a temporary folder is left: $(ls "$out")"; }

"$VSP" synth --quiet --output "$t/city" --seed 42 --load
out="$t/out"
# the demo config with one team and fewer permutations: every fault path, half the map work
sed -e "s|demo-out/city/city.gpkg|$t/city/city.gpkg|" -e "s|demo-out/runs|$out|" \
	-e 's/^permutations = 999/permutations = 99/' config/demo.ini | sed -e '/^\[team Stad\]/,$d' > "$t/demo.ini"
grep -q '^\[team Haven\]' "$t/demo.ini" || fail "config/demo.ini has no [team Haven]"
run_vsp "$t/good.out" "$t/good.log" run --quiet --config "$t/demo.ini" --as-of 2026-09-30
[ "$rc" = 0 ] || { cat "$t/good.log"; fail "first run: exit $rc"; }

section "bad configuration"
# ---- bad configuration: exit 2, one line naming the item, nothing touched -----------------
cfg_case() {	# cfg_case WHAT SED-EXPRESSION REGEX
	sed -e "$2" "$t/demo.ini" > "$t/bad.ini"
	run_vsp "$t/cfg.out" "$t/cfg.log" run --quiet --config "$t/bad.ini" --as-of 2026-10-31
	expect "config: $1" 2 "$3" "$t/cfg.log"
}
nruns=$(q "SELECT count(*) FROM vsp.runs")
cfg_case "window_days not a number" 's/^window_days = 90/window_days = ninety/' \
	'bad\.ini:[0-9]+: invalid value for \[run\] window_days: "ninety"'
cfg_case "window_days out of range" 's/^window_days = 90/window_days = 0/' '\[run\] window_days: "0"'
cfg_case "window_days overflows" 's/^window_days = 90/window_days = 99999999999999999999/' '\[run\] window_days'
cfg_case "fdr out of range" 's/^fdr = 0.05/fdr = 0.9/' '\[score\] fdr: "0\.9"'
cfg_case "fdr not a number" 's/^fdr = 0.05/fdr = nan/' '\[score\] fdr: "nan"'
cfg_case "permutations not an integer" 's/^permutations = .*/permutations = 1e3/' '\[score\] permutations'
cfg_case "snap negative" 's/^snap = 0.5/snap = -1/' '\[weights\] snap'
cfg_case "capacity with a unit" 's/^capacity = 40/capacity = 40 households/' '\[team Haven\] capacity'
cfg_case "unknown level" 's/^level = pc4/level = pc5/' '\[run\] level'
cfg_case "unknown weights" 's/^type = queen/type = hexagon/' '\[weights\] type'
cfg_case "knn without k" 's/^type = queen/type = knn:0/' '\[weights\] type.*knn:0'
cfg_case "band negative" 's/^type = queen/type = band:-5/' '\[weights\] type.*band:-5'
cfg_case "unknown key" 's/^window_days = 90/windowdays = 90/' 'unknown key \[run\] windowdays'
cfg_case "line without =" 's/^window_days = 90/window_days 90/' 'bad\.ini:7: syntax error'
cfg_case "broken section header" 's/^\[run\]/[run/' 'bad\.ini:[0-9]+: '
cfg_case "key outside a section" '1i level = pc4' 'bad\.ini:1: key level outside any \[section\]'
cfg_case "password in conninfo" 's/^conninfo =.*/conninfo = host=db password=secret/' 'conninfo must not hold a password'
cfg_case "team without areas" 's/^areas = 1311.*/areas =/' '\[team Haven\] areas is missing'
cfg_case "impossible start date" '$a [run]\nstart_date = 2021-02-30' '\[run\] start_date'
cfg_case "negative seed" '$a [score]\nseed = -3' '\[score\] seed: "-3"'
cfg_case "unknown variable" '$a [score]\nvariable = median' '\[score\] variable'
cfg_case "bool that is not" '$a [privacy]\ninclude_names = maybe' '\[privacy\] include_names: "maybe"'
cfg_case "empty output_dir" 's|^output_dir = .*|output_dir =|' '\[run\] output_dir'
cfg_case "missing id_field" 's|^id_field = pc4|id_field =|' '\[areas\] id_field'
cfg_case "a value continued on an indented line" 's/^conninfo =.*/conninfo = host=db\n  dbname=vsp/' \
	'bad\.ini:4: an indented line continues the value of \[database\] conninfo'
cfg_case "line too long for inih" "s/^conninfo =.*/conninfo = host=db $(printf 'x%.0s' $(seq 1 220))/" \
	'bad\.ini:[0-9]+: line longer than'
printf '[areas]\nsource = a\0b\n' > "$t/bad.ini"
run_vsp "$t/cfg.out" "$t/cfg.log" run --quiet --config "$t/bad.ini"
expect "config: NUL byte" 2 'bad\.ini: not a text file' "$t/cfg.log"
run_vsp "$t/cfg.out" "$t/cfg.log" run --quiet --config "$t/no-such.ini"
expect "config: missing file" 2 'no-such\.ini: cannot open config: No such file or directory' "$t/cfg.log"
run_vsp "$t/cfg.out" "$t/cfg.log" run --quiet --config "$t"
expect "config: a directory" 2 'cannot read config: Is a directory' "$t/cfg.log"
run_vsp "$t/cfg.out" "$t/cfg.log" run --quiet --config "$t/demo.ini" --as-of 2026-02-30
expect "config: bad --as-of" 2 'as-of date must be YYYY-MM-DD' "$t/cfg.log"
run_vsp "$t/cfg.out" "$t/cfg.log" run --quiet --config "$t/demo.ini" --level pc5
expect "config: bad --level" 2 '\[run\] level' "$t/cfg.log"
[ "$(q "SELECT count(*) FROM vsp.runs")" = "$nruns" ] || fail "a configuration error reached the database"

# area source: missing, not a GeoPackage, no such layer, no such field (found after ingest)
before=$(snapshot)
echo "not a geopackage" > "$t/text.gpkg"
cfg_case "area source missing" "s|^source = .*|source = $t/nowhere/city.gpkg|" \
	"areas: cannot open $t/nowhere/city\.gpkg: no such file"
cfg_case "area source not a GeoPackage" "s|^source = .*|source = $t/text.gpkg|" \
	"areas: cannot open $t/text\.gpkg: not a vector data source"
mkdir "$t/empty"
cfg_case "area source an empty folder" "s|^source = .*|source = $t/empty|" "areas: cannot open $t/empty: "
cfg_case "area layer missing" 's|^layer = pc4|layer = pc5|' 'has no layer pc5'
cfg_case "area id field missing" 's|^id_field = pc4|id_field = postcode4|' 'no id field postcode4'
cfg_case "unknown working CRS" '$a [areas]\nworking_crs = EPSG:999999' 'unknown CRS EPSG:999999'
[ "$(snapshot)" = "$before" ] || fail "an area source error changed the outputs or results"
[ ! -e "$out/2026-10-31" ] || fail "an area source error published 2026-10-31"
[ "$(status_of "$(last_run)")" = failed ] || fail "an area source error left the run $(status_of "$(last_run)")"
no_tmp "area source errors"

section "database unreachable"
# ---- database unreachable: exit 69 ---------------------------------------------------------
sed -e "s|^conninfo =.*|conninfo = host=$t/no-server connect_timeout=5|" "$t/demo.ini" > "$t/nodb.ini"
run_vsp "$t/nodb.out" "$t/nodb.log" run --quiet --config "$t/nodb.ini" --as-of 2026-10-31
expect "database unreachable" 69 'cannot connect to database: .*No such file or directory' "$t/nodb.log"

section "SIGKILL at every stage boundary"
# ---- SIGKILL at every stage boundary -------------------------------------------------------
killed_run() {	# killed_run POINT DATE: run with the kill point, expect SIGKILL (137)
	set +e
	# (in a subshell whose stderr is dropped: bash reports "Killed" there, not in our log)
	(VSP_TEST_KILL_AT=$1 "$VSP" run --quiet --config "$t/demo.ini" --as-of "$2" > "$t/kill.out" 2> "$t/kill.log"
	 exit $?) 2> /dev/null
	rc=$?
	set -e
	[ "$rc" = 137 ] || { cat "$t/kill.log" >&2; fail "kill at $1: exit $rc, expected 137 (SIGKILL)"; }
}
# before the outputs: each killed run is left 'running', the next run (killed too) marks it
# failed; nothing on disk or in the results may change
prev=2026-09-30
before=$(snapshot)
k0=""
day=0
for point in ingest cases areas weights score; do
	day=$((day + 1))
	d=2026-10-0$day
	killed_run "$point" "$d"
	k1=$(last_run)
	[ "$(snapshot)" = "$before" ] || fail "kill at $point ($d) changed latest, its files or the results"
	[ ! -e "$out/$d" ] || fail "kill at $point published $d"
	[ "$(status_of "$k1")" = running ] || fail "kill at $point: run $k1 is $(status_of "$k1"), expected running"
	[ -z "$k0" ] || [ "$(status_of "$k0")" = failed ] || fail "run $k0 not marked failed by the next run"
	k0=$k1
done
# while writing the outputs: for a new date, then for the date latest points at (whose
# folder would be replaced); then a run that succeeds and cleans up
for point in outputs-mid outputs; do
	day=$((day + 1))
	d=2026-10-0$day
	before=$(snapshot)
	killed_run "$point" "$d"
	k1=$(last_run)
	[ "$(snapshot)" = "$before" ] || fail "kill at $point ($d) changed latest, its files or the results"
	[ ! -e "$out/$d" ] || fail "kill at $point published $d"
	[ "$(status_of "$k1")" = running ] || fail "kill at $point: run $k1 is $(status_of "$k1"), expected running"
	[ -z "$k0" ] || [ "$(status_of "$k0")" = failed ] || fail "run $k0 not marked failed by the next run"
	killed_run "$point" "$prev"
	k2=$(last_run)
	[ "$(snapshot)" = "$before" ] || fail "kill at $point ($prev, latest) changed latest, its files or the results"
	[ "$(status_of "$k1")" = failed ] || fail "run $k1 killed at $point not marked failed by the next run"
	[ "$(status_of "$k2")" = running ] || fail "kill at $point: run $k2 is $(status_of "$k2")"
	run_vsp "$t/after.out" "$t/after.log" run --quiet --config "$t/demo.ini" --as-of "$d"
	[ "$rc" = 0 ] || { cat "$t/after.log" >&2; fail "run after kill at $point: exit $rc"; }
	[ "$(status_of "$k2")" = failed ] || fail "run $k2 killed at $point is $(status_of "$k2") after the next run"
	[ "$(q "SELECT count(*) FROM vsp.runs WHERE status = 'running'")" = 0 ] || fail "a run still shows as running"
	[ "$(readlink "$out/latest")" = "$d" ] || fail "latest does not point at $d after the run that followed the kill"
	[ -s "$out/$d/summary.md" ] || fail "the run after the kill at $point published no summary"
	no_tmp "run after kill at $point"
	prev=$d
	k0=""
done

section "stopped between the commit and publishing"
# ---- SIGKILL after the results and the run's success are committed, before the folder is
# renamed into place: the run is succeeded, its folder is still OUT/<date>.tmp-r<run id>; the
# next run publishes it (and says so) before doing its own work ---------------------------
d=2026-10-08
killed_run committed "$d"
k1=$(last_run)
[ "$(status_of "$k1")" = succeeded ] || fail "kill after commit: run $k1 is $(status_of "$k1"), expected succeeded"
[ -s "$out/$d.tmp-r$k1/summary.md" ] || fail "kill after commit: no folder $d.tmp-r$k1 ($(ls "$out"))"
[ ! -e "$out/$d" ] || fail "kill after commit: $d published by the killed run"
sha_killed=$(cd "$out/$d.tmp-r$k1" && sha256sum -- * | sort -k2)
run_vsp "$t/after.out" "$t/after.log" run --config "$t/demo.ini" --as-of 2026-10-09
[ "$rc" = 0 ] || { cat "$t/after.log" >&2; fail "run after the kill after commit: exit $rc"; }
grep -q "WARN outputs run=[0-9]*: run $k1 succeeded but its folder was not published .*publishing $d now" "$t/after.log" ||
	{ cat "$t/after.log" >&2; fail "the next run did not say it published run $k1's folder"; }
[ "$(cd "$out/$d" && sha256sum -- * | sort -k2)" = "$sha_killed" ] || fail "run $k1's folder changed on publishing"
[ "$(status_of "$k1")" = succeeded ] || fail "run $k1 is $(status_of "$k1") after the next run"
[ "$(readlink "$out/latest")" = 2026-10-09 ] || fail "latest does not point at the next run's date"
[ -s "$out/2026-10-09/summary.md" ] || fail "the next run published no summary"
no_tmp "kill after commit"
prev=2026-10-09

section "outputs cannot be written"
# ---- outputs cannot be written: a file-size limit (as a full disk) ------------------------
# vsp ignores SIGXFSZ, so a write beyond `ulimit -f` fails with EFBIG instead of killing it
limited_run() {	# limited_run KB DATE
	set +e
	(exec 2> "$t/full.log"; ulimit -f "$1"; exec "$VSP" run --quiet --config "$t/demo.ini" --as-of "$2" > "$t/full.out")
	rc=$?
	set -e
}
# 1 kB: the first file (area list); 64 kB: the GeoPackage; 400 kB: a map (the SVG) — the last
# on the latest date, whose published folder would be replaced
for case in 1:2026-10-20 64:2026-10-20 400:$prev; do
	kb=${case%%:*}
	d=${case#*:}
	before=$(snapshot)
	limited_run "$kb" "$d"
	expect "file-size limit $kb kB" 73 'ERROR outputs run=[0-9]+: .*cannot (write|create) .*(File too large|disk I/O error)' "$t/full.log"
	[ "$(snapshot)" = "$before" ] || fail "file-size limit $kb kB: latest, its files or the results changed"
	[ "$d" = "$prev" ] || [ ! -e "$out/$d" ] || fail "file-size limit $kb kB: $d published"
	no_tmp "file-size limit $kb kB"
	[ "$(status_of "$(last_run)")" = failed ] || fail "file-size limit $kb kB: run is $(status_of "$(last_run)")"
	[ -n "$(q "SELECT message FROM vsp.runs WHERE run_id = $(last_run)")" ] || fail "failed run has no message"
done
# an output folder that cannot be created
touch "$t/a-file"
before=$(snapshot)
run_vsp "$t/nodir.out" "$t/nodir.log" run --quiet --config "$t/demo.ini" --as-of 2026-10-20 --output "$t/a-file/out"
expect "output folder under a file" 73 "cannot create $t/a-file/out: Not a directory" "$t/nodir.log"
[ "$(snapshot)" = "$before" ] || fail "an unusable output folder changed the results"

section "two runs at once"
# ---- two runs at once: the second is refused and names the first ---------------------------
rm -f "$t/resume" "$t/resume.at"
VSP_TEST_SLEEP_AT=ingest VSP_TEST_SLEEP_SECONDS=120 VSP_TEST_RESUME_FILE="$t/resume" \
	"$VSP" run --quiet --config "$t/demo.ini" --as-of 2026-10-21 > "$t/first.out" 2> "$t/first.log" &
first=$!
wait_file "$t/resume.at"
r1=$(q "SELECT run_id FROM vsp.runs WHERE status = 'running'")
[ -n "$r1" ] || fail "the first run is not recorded as running"
nruns=$(q "SELECT count(*) FROM vsp.runs")
run_vsp "$t/second.out" "$t/second.log" run --quiet --config "$t/demo.ini" --as-of 2026-10-22
expect "second run" 75 "another vsp run holds the lock \(run $r1\)" "$t/second.log"
[ "$(q "SELECT count(*) FROM vsp.runs")" = "$nruns" ] || fail "the refused run was recorded"
[ ! -e "$out/2026-10-22" ] || fail "the refused run wrote outputs"
touch "$t/resume"
set +e
wait "$first"
rc=$?
set -e
[ "$rc" = 0 ] || { cat "$t/first.log" >&2; fail "the first run failed (exit $rc) after a second one was refused"; }
[ "$(status_of "$r1")" = succeeded ] || fail "the first run is $(status_of "$r1")"

section "PostgreSQL stopped while the run reads"
# ---- PostgreSQL stopped while the run reads: exit 69, nothing published ---------------------
# on a second private server, so that the other suites keep theirs
pg2=$(mktemp -d "${TMPDIR:-/tmp}/vsp-faults-pg-XXXXXX")	# not under $t: the server's user must reach it
exports=$(VSP_PGPORT=$((${PGPORT:-54329} + 1)) "$here/scripts/pg.sh" start "$pg2") || fail "cannot start a second PostgreSQL"
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -V | tail -n 1)
as_owner() { if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
(
	eval "$exports"
	export PGHOST PGPORT PGUSER PGDATABASE
	# the private server runs with synchronous_commit=off: a commit could be lost when the
	# server is stopped with -m immediate; production commits are durable, so are these
	export PGOPTIONS="-c synchronous_commit=on"
	out="$t/out2"
	"$VSP" synth --quiet --output "$t/city2" --seed 42 --load
	sed -e "s|^output_dir = .*|output_dir = $out|" "$t/demo.ini" > "$t/pg2.ini"
	run_vsp "$t/pg2.out" "$t/pg2.log" run --quiet --config "$t/pg2.ini" --as-of 2026-09-30
	[ "$rc" = 0 ] || { cat "$t/pg2.log" >&2; fail "first run on the second server: exit $rc"; }
	before=$(snapshot)
	rm -f "$t/resume2" "$t/resume2.at"
	# the run stops after reading the signals, before the follow-up query
	VSP_TEST_SLEEP_AT=ingest-read VSP_TEST_SLEEP_SECONDS=120 VSP_TEST_RESUME_FILE="$t/resume2" \
		"$VSP" run --quiet --config "$t/pg2.ini" --as-of 2026-10-31 > "$t/down.out" 2> "$t/down.log" &
	pid=$!
	wait_file "$t/resume2.at"
	r=$(q "SELECT run_id FROM vsp.runs WHERE status = 'running'")
	as_owner "'$pgbin/pg_ctl' -D '$pg2/data' -m immediate -w stop > /dev/null"
	touch "$t/resume2"
	set +e
	wait "$pid"
	rc=$?
	set -e
	[ "$rc" = 69 ] || { cat "$t/down.log" >&2; fail "database stopped during ingest: exit $rc, expected 69"; }
	# one error line, in the log format (the server's own farewell may come as a warning)
	[ "$(grep -c ' ERROR ' "$t/down.log")" = 1 ] || { cat "$t/down.log" >&2; fail "database stopped: not one error line"; }
	grep -qvE '^[0-9T:-]+Z vsp\[[0-9]+\] (ERROR|WARN) ' "$t/down.log" &&
		{ cat "$t/down.log" >&2; fail "database stopped: output outside the log format"; }
	grep -qE 'ERROR ingest run=[0-9]+: .*(server closed the connection|terminating connection|no connection)' "$t/down.log" ||
		{ cat "$t/down.log" >&2; fail "database stopped: the error does not say the server went away"; }
	[ ! -e "$out/2026-10-31" ] || fail "database stopped: 2026-10-31 published"
	no_tmp "database stopped"
	# the server comes back: the interrupted run is still 'running' until the next run
	as_owner "'$pgbin/pg_ctl' -D '$pg2/data' -l '$pg2/server.log' -w -t 60 \
		-o \"-k '$pg2' -c listen_addresses='' -p $PGPORT -c fsync=off\" start > /dev/null"
	[ "$(snapshot)" = "$before" ] || fail "database stopped: latest, its files or the results changed"
	[ "$(status_of "$r")" = running ] || fail "interrupted run $r is $(status_of "$r")"
	run_vsp "$t/back.out" "$t/back.log" run --quiet --config "$t/pg2.ini" --as-of 2026-10-31
	[ "$rc" = 0 ] || { cat "$t/back.log" >&2; fail "run after the database came back: exit $rc"; }
	[ "$(status_of "$r")" = failed ] || fail "interrupted run $r not marked failed"
)
section "done"
echo "faults ok"
