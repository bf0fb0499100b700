#!/usr/bin/env bash
# tests/it_notify.sh — [notify] command at the end of every run, against the private
# PostgreSQL of scripts/run-tests.sh (a fresh migrated database `vsp`):
#   arguments run id, status, summary path, exit status, passed without a shell; a run that
#   succeeded, one rejected by the quality gate, one that never started; a failing, a missing
#   and a hanging command (killed at the timeout with what it started) are warnings that
#   never change the run's exit status.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
VSP=${VSP_BIN:-bin/vsp}	# make sanitize runs this on the sanitizer build
t=$(mktemp -d "${TMPDIR:-/tmp}/vsp-notify-XXXXXX")
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }

"$VSP" synth --quiet --output "$t/city" --seed 42 --load
# the command records its arguments one per line (an empty one as <>) — a space in the
# path checks that no shell splits anything
mkdir "$t/with space"
cat > "$t/with space/notify" <<EOF
#!/bin/sh
for a in "\$@"; do printf '<%s>\n' "\$a"; done > "$t/args"
exit \${NOTIFY_EXIT:-0}
EOF
chmod +x "$t/with space/notify"
cat > "$t/hang" <<EOF
#!/bin/sh
echo \$\$ > "$t/hang.pid"
sleep 60 &
echo \$! > "$t/sleep.pid"
wait
EOF
chmod +x "$t/hang"

conf() {	# conf NAME COMMAND [EXTRA LINE]
	sed -e "s|demo-out/city/city.gpkg|$t/city/city.gpkg|" -e "s|demo-out/runs|$t/out|" config/demo.ini > "$t/$1.ini"
	printf '[notify]\ncommand = %s\ntimeout = 2\n%s\n' "$2" "${3:-}" >> "$t/$1.ini"
}
# run CONFIG EXPECTED-EXIT [VAR=value ...]
run() {
	local ini=$1 want=$2 rc=0; shift 2
	rm -f "$t/args"
	env "$@" "$VSP" run --config "$ini" --as-of 2026-10-31 > "$t/run.out" 2> "$t/run.log" || rc=$?
	[ "$rc" = "$want" ] || { cat "$t/run.log"; fail "run with $ini exited $rc, expected $want"; }
}

# ---- a run that succeeds
conf ok "$t/with space/notify"
run "$t/ok.ini" 0
id=$(q -c "SELECT max(run_id) FROM vsp.runs")
printf '<%s>\n' "$id" succeeded "$t/out/2026-10-31/summary.md" 0 | diff - "$t/args" || fail "arguments of a succeeded run"
[ -s "$t/out/2026-10-31/summary.md" ] || fail "the summary path does not exist"
grep -q "INFO notify" "$t/run.log" || fail "notification not logged"

# ---- the command fails: a warning, the run still exits 0
run "$t/ok.ini" 0 NOTIFY_EXIT=7
grep -q "WARN notify.*exited with status 7" "$t/run.log" || { cat "$t/run.log"; fail "no warning for a failing command"; }

# ---- rejected by the quality gate: status and exit 3, no summary
sed 's/^window_days = 90/window_days = 90\nmax_quarantine_share = 0/' "$t/ok.ini" > "$t/gate.ini"
run "$t/gate.ini" 3
id=$(q -c "SELECT max(run_id) FROM vsp.runs")
printf '<%s>\n' "$id" rejected-by-quality-gate "" 3 | diff - "$t/args" || fail "arguments of a rejected run"

# ---- never started (no database): no run id, exit 69
sed 's|^conninfo =.*|conninfo = host=/nonexistent|' "$t/ok.ini" > "$t/down.ini"
run "$t/down.ini" 69
printf '<%s>\n' "" not-started "" 69 | diff - "$t/args" || fail "arguments of a run that never started"

# ---- a missing command: a warning, exit 0
conf missing "$t/no-such-command"
run "$t/missing.ini" 0
grep -q "WARN notify.*cannot execute" "$t/run.log" || { cat "$t/run.log"; fail "no warning for a missing command"; }

# ---- a hanging command is killed at the timeout, with the process it started
conf hang "$t/hang"
start=$(date +%s)
run "$t/hang.ini" 0
[ $(( $(date +%s) - start )) -lt 30 ] || fail "the run waited for the hanging command"
grep -q "WARN notify.*did not finish within 2 s: killed" "$t/run.log" || { cat "$t/run.log"; fail "no timeout warning"; }
# alive PID: exists and is not a zombie (an orphan waits for whatever reaps in this container)
alive() { [ -r "/proc/$1/stat" ] && [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
sleep 0.2
alive "$(cat "$t/hang.pid")" && fail "the hanging command still runs"
alive "$(cat "$t/sleep.pid")" && fail "the command's child still runs"

# ---- a relative command is a config error (no PATH search)
conf rel "notify.sh"
run "$t/rel.ini" 2
grep -q "\[notify\] command must be an absolute path" "$t/run.log" || fail "relative command accepted"
echo "notify ok"
