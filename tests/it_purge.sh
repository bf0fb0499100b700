#!/usr/bin/env bash
# tests/it_purge.sh — retention (vsp purge) on hand-inserted rows of known ages, against the
# private PostgreSQL of scripts/run-tests.sh (a fresh migrated database `vsp`):
#   the default terms (quarantine 6, outreach 18, results 60 months; unhandled signals 6,
#   closed cases 18 months), the counts per table, --dry-run changing nothing, the source
#   tables only with purge_source = true, a running run never touched, a rerun deleting
#   nothing, other terms from the config, and the run lock respected.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
VSP=${VSP_BIN:-bin/vsp}	# make sanitize runs this on the sanitizer build
t=$(mktemp -d "${TMPDIR:-/tmp}/vsp-purge-XXXXXX")
locker=
cleanup() { if [ -n "$locker" ]; then kill "$locker" 2>/dev/null || true; fi; rm -rf "$t"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }

q > /dev/null <<'SQL'
INSERT INTO vsp.runs (run_id, as_of, level, started_at, ended_at, status, vsp_version, config_sha256) VALUES
  (1, current_date - 2130, 'pc4', now() - interval '70 months', now() - interval '70 months', 'succeeded', 't', 'x'),
  (2, current_date - 610,  'pc4', now() - interval '20 months', now() - interval '20 months', 'succeeded', 't', 'x'),
  (3, current_date - 30,   'pc4', now() - interval '1 month',   now() - interval '1 month',   'succeeded', 't', 'x'),
  (4, current_date - 2130, 'pc4', now() - interval '70 months', NULL,                          'running',   't', 'x');
SELECT setval('vsp.runs_run_id_seq', 4);
INSERT INTO vsp.area_scores (run_id, as_of, level, area_code, hh_signal)
  SELECT r.run_id, r.as_of, 'pc4', code, 0 FROM vsp.runs r,
         LATERAL (SELECT '13' || lpad(g::text, 2, '0') FROM generate_series(11, 10 + r.run_id) g) a(code);
INSERT INTO vsp.outreach (run_id, team, rank, household_key, area_code, risk_score)
  SELECT r, 'T', k, md5(r::text || k::text), '1311', 1 FROM (VALUES (1, 2), (2, 2), (3, 4)) v(r, n),
         generate_series(1, n) k;
INSERT INTO vsp.quarantine (run_id, signal_id, reason, detail, raw, created_at) VALUES
  (1, 'q1', 'r', 'd', '{}', now() - interval '70 months'),
  (2, 'q2', 'r', 'd', '{}', now() - interval '20 months'),
  (2, 'q3', 'r', 'd', '{}', now() - interval '20 months'),
  (3, 'q4', 'r', 'd', '{}', now() - interval '7 months'),
  (3, 'q5', 'r', 'd', '{}', now() - interval '1 month');
-- the platform: signals and cases of known ages
INSERT INTO platform.signaal (signaal_id, signaaldatum, ontvangen_op) VALUES
  ('S1', current_date - interval '7 months', now()),                        -- unhandled, past 6 months: purged
  ('S2', current_date - interval '5 months', now()),                        -- unhandled, within: kept
  ('S3', NULL,                               now() - interval '8 months'),  -- no date, received 8 months ago: purged
  ('S4', current_date - interval '24 months', now()),                       -- case closed 19 months ago: purged with it
  ('S5', current_date - interval '24 months', now()),                       -- case closed 17 months ago: kept
  ('S6', current_date - interval '30 months', now()),                       -- case still open: kept
  ('S7', current_date - interval '30 months', now());                       -- one old closed case, one open: kept
INSERT INTO platform.zaak (signaal_id, datum_opgepakt, datum_afgesloten) VALUES
  ('S4', current_date - interval '23 months', current_date - interval '19 months'),
  ('S5', current_date - interval '23 months', current_date - interval '17 months'),
  ('S6', current_date - interval '29 months', NULL),
  ('S7', current_date - interval '29 months', current_date - interval '20 months'),
  ('S7', current_date - interval '21 months', NULL);
SQL

counts() {
	q -c "SELECT (SELECT count(*) FROM vsp.quarantine) || ' ' || (SELECT count(*) FROM vsp.outreach) || ' ' ||
	             (SELECT count(*) FROM vsp.area_scores) || ' ' || (SELECT count(*) FROM vsp.runs) || ' ' ||
	             (SELECT count(*) FROM platform.signaal) || ' ' || (SELECT count(*) FROM platform.zaak)"
}
# n FILE TABLE [WORDS]: the count on the line for TABLE (whose description contains WORDS)
n() { awk -v tb="$2" -v w="${3:-}" '$1 == tb && index($0, w) { print $2; exit }' "$1"; }
expect() {
	local got
	got=$(n "$1" "$2" "${4:-}")
	[ "$got" = "$3" ] || { cat "$1"; fail "$2 ${4:-}: $got rows, expected $3"; }
}

cat > "$t/base.ini" <<EOF
[database]
conninfo =
[areas]
source = $t/unused.gpkg
id_field = pc4
[run]
output_dir = $t/out
[privacy]
key_secret = test-only
EOF
before=$(counts)
[ "$before" = "5 8 10 4 7 5" ] || fail "setup: $before"

# ---- defaults, vsp's own tables only
"$VSP" purge --config "$t/base.ini" --dry-run > "$t/dry.out" 2> "$t/dry.log" || { cat "$t/dry.out" "$t/dry.log"; fail "dry run"; }
expect "$t/dry.out" vsp.quarantine 4
expect "$t/dry.out" vsp.outreach 4
expect "$t/dry.out" vsp.area_scores 1
expect "$t/dry.out" vsp.runs 1
grep -q "purge_source = false" "$t/dry.out" || fail "no note that the source was left alone"
grep -q "^platform" "$t/dry.out" && fail "dry run without purge_source touched the platform"
[ "$(counts)" = "$before" ] || fail "dry run deleted rows: $(counts)"
grep -q "INFO purge: " "$t/dry.log" || fail "purge does not log through log.c"

# ---- with the source: the dry run counts, deletes nothing
{ cat "$t/base.ini"; printf '[retention]\npurge_source = true\n'; } > "$t/src.ini"
"$VSP" purge --config "$t/src.ini" --dry-run > "$t/dry2.out" 2>/dev/null || { cat "$t/dry2.out"; fail "dry run with source"; }
expect "$t/dry2.out" platform.signaal 1 "cases closed"
expect "$t/dry2.out" platform.zaak 2
expect "$t/dry2.out" platform.signaal 2 "without a case"
grep -q "vsp purge: 15 rows would be deleted" "$t/dry2.out" || { cat "$t/dry2.out"; fail "dry run total"; }
[ "$(counts)" = "$before" ] || fail "dry run with source deleted rows: $(counts)"

# ---- the real thing
"$VSP" purge --config "$t/src.ini" > "$t/run.out" 2>/dev/null || { cat "$t/run.out"; fail "purge"; }
diff <(grep -v "dry run\|would" "$t/dry2.out" | awk '{print $1, $2}' | grep -v '^vsp purge:') \
     <(grep -v "deleted$" "$t/run.out" | awk '{print $1, $2}' | grep -v '^vsp purge:') ||
	fail "purge deleted other counts than its dry run predicted"
grep -q "vsp purge: 15 rows deleted" "$t/run.out" || { cat "$t/run.out"; fail "purge total"; }
[ "$(counts)" = "1 4 9 3 4 3" ] || fail "after purge: $(counts)"
[ "$(q -c "SELECT string_agg(run_id::text, ',' ORDER BY run_id) FROM vsp.runs")" = "2,3,4" ] || fail "wrong runs left"
[ "$(q -c "SELECT status FROM vsp.runs WHERE run_id = 4")" = running ] || fail "the running run was touched"
[ "$(q -c "SELECT signal_id FROM vsp.quarantine")" = q5 ] || fail "wrong quarantine row left"
[ "$(q -c "SELECT string_agg(signaal_id, ',' ORDER BY signaal_id) FROM platform.signaal")" = "S2,S5,S6,S7" ] ||
	fail "wrong signals left: $(q -c "SELECT string_agg(signaal_id, ',' ORDER BY signaal_id) FROM platform.signaal")"
[ "$(q -c "SELECT count(*) FROM platform.zaak WHERE signaal_id = 'S7'")" = 1 ] || fail "S7's open case"

# ---- again: nothing left to delete
"$VSP" purge --config "$t/src.ini" > "$t/again.out" 2>/dev/null
grep -q "vsp purge: 0 rows deleted" "$t/again.out" || { cat "$t/again.out"; fail "second purge deleted rows"; }

# ---- the municipality's own terms
{ cat "$t/base.ini"; printf '[retention]\npurge_source = true\nunhandled_months = 4\noutreach_months = 1\n'; } > "$t/own.ini"
"$VSP" purge --config "$t/own.ini" --dry-run > "$t/own.out" 2>/dev/null
expect "$t/own.out" platform.signaal 1 "more than 4 months"
expect "$t/own.out" vsp.outreach 4 "older than 1 months"
printf '[retention]\npurge_source = maybe\n' >> "$t/own.ini"
if "$VSP" purge --config "$t/own.ini" --dry-run > /dev/null 2> "$t/bad.log"; then fail "bad purge_source accepted"; fi
grep -q "purge_source" "$t/bad.log" || fail "the config error does not name the key"

# ---- not while a run holds the lock: exit 75, nothing deleted
key=$((0x76737020727516))
psql -X -q -c "SELECT pg_advisory_lock($key)" -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
locker=$!
for _ in $(seq 1 100); do
	[ "$(q -c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")" -gt 0 ] && break
	sleep 0.05
done
rc=0
"$VSP" purge --config "$t/src.ini" > /dev/null 2>&1 || rc=$?
[ "$rc" = 75 ] || fail "purge while locked exited $rc, expected 75"
kill $locker 2>/dev/null || true
wait $locker 2>/dev/null || true
# its backend sleeps on without the client: end it
q -c "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted" > /dev/null
for _ in $(seq 1 100); do	# the server drops the lock when the locker's backend has gone
	[ "$(q -c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")" = 0 ] && break
	sleep 0.05
done

# ---- output folders (household lists) past the outreach term go too; latest's folder stays
mkdir -p "$t/out/2020-01-01" "$t/out/2019-05-05" "$t/out/$(date +%Y-%m-%d)" "$t/out/notes"
touch "$t/out/2020-01-01/households-Noord.csv" "$t/out/2019-05-05/areas-pc4.csv"
ln -sfn 2019-05-05 "$t/out/latest"
"$VSP" purge --config "$t/base.ini" --dry-run > "$t/dirs.out" 2> "$t/dirs.log" || { cat "$t/dirs.out" "$t/dirs.log"; fail "dry run with folders"; }
grep -q "output folders .*: 1$" "$t/dirs.out" || { cat "$t/dirs.out"; fail "dry run should count 1 old folder"; }
[ -d "$t/out/2020-01-01" ] || fail "dry run removed a folder"
"$VSP" purge --config "$t/base.ini" > "$t/dirs.out" 2>/dev/null || fail "purge with folders"
[ ! -e "$t/out/2020-01-01" ] || fail "old output folder kept"
[ -d "$t/out/2019-05-05" ] && [ -d "$t/out/$(date +%Y-%m-%d)" ] && [ -d "$t/out/notes" ] ||
	fail "purge removed the latest, a recent or a foreign folder"
echo "purge ok"
