#!/usr/bin/env bash
# tests/it_e2e.sh — end to end on the synthetic city, against the private PostgreSQL that
# scripts/run-tests.sh started (PG* in the environment, a fresh migrated database `vsp`):
#   synth determinism (sha256), load, two runs, the outputs opened with GDAL, runs/area_scores
#   in the database, every planted bad row quarantined with its reason and no good row, and no
#   personal data in the log.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
VSP=${VSP_BIN:-bin/vsp}
t=$(mktemp -d "${TMPDIR:-/tmp}/vsp-e2e-XXXXXX")
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# same seed twice: byte-identical files; another seed: other signals
"$VSP" synth --quiet --output "$t/a" --seed 7
"$VSP" synth --quiet --output "$t/b" --seed 7
"$VSP" synth --quiet --output "$t/c" --seed 8
(cd "$t/a" && sha256sum * | sort) > "$t/a.sha"
(cd "$t/b" && sha256sum * | sort) > "$t/b.sha"
diff "$t/a.sha" "$t/b.sha" || fail "same seed gave different files"
cmp -s "$t/a/signals.csv" "$t/c/signals.csv" && fail "different seeds gave the same signals"

"$VSP" synth --quiet --output "$t/city" --seed 42 --load
sed -e "s|demo-out/city/city.gpkg|$t/city/city.gpkg|" -e "s|demo-out/runs|$t/out|" config/demo.ini > "$t/demo.ini"

"$VSP" run --config "$t/demo.ini" --as-of 2026-09-30 > "$t/run1.out" 2> "$t/run1.log" || { cat "$t/run1.log"; fail "first run"; }
"$VSP" run --config "$t/demo.ini" --as-of 2026-10-31 > "$t/run2.out" 2> "$t/run2.log" || { cat "$t/run2.log"; fail "second run"; }
latest="$t/out/latest"
[ "$(readlink "$latest")" = 2026-10-31 ] || fail "latest does not point at 2026-10-31"
for f in areas-pc4.csv areas-pc4.xlsx areas.gpkg areas-pc4.geojson map.png map.svg map.pdf summary.md \
         households-Haven.csv households-Haven.xlsx; do
	[ -s "$latest/$f" ] || fail "missing output $f"
done

# one feature per PC4 area, in EPSG:28992
npc4=$(psql -X -A -t -c "SELECT count(DISTINCT pc4) FROM ref.pc6")
ogrinfo -so -al "$latest/areas.gpkg" > "$t/gpkg.txt"
grep -q "Feature Count: $npc4\$" "$t/gpkg.txt" || { cat "$t/gpkg.txt"; fail "GeoPackage does not hold $npc4 PC4 features"; }
grep -q 'ID\["EPSG",28992\]' "$t/gpkg.txt" || fail "GeoPackage is not in EPSG:28992"
# the CSV ranks agree with area_scores
psql -X -A -t -F, -c "SELECT rank, area_code FROM vsp.area_scores s JOIN vsp.runs r USING (run_id)
	WHERE r.as_of = '2026-10-31' ORDER BY rank" > "$t/db-ranks.txt"
tail -n +2 "$latest/areas-pc4.csv" | cut -d, -f1,2 | tr -d '\r' > "$t/csv-ranks.txt"
diff "$t/db-ranks.txt" "$t/csv-ranks.txt" > /dev/null || fail "area list ranks differ from area_scores"
[ "$(psql -X -A -t -c "SELECT count(*) FROM vsp.runs WHERE status = 'succeeded'")" = 2 ] || fail "runs not recorded"
[ "$(stat -c %a "$latest/households-Haven.csv")" = 600 ] || fail "household list not mode 0600"
[ "$(stat -c %a "$latest/households-Haven.xlsx")" = 600 ] || fail "household xlsx not mode 0600"

# GeoJSON: WGS 84 lon/lat inside the Netherlands, no crs member (RFC 7946)
ext=$(ogrinfo -so -al "$latest/areas-pc4.geojson" | sed -n 's/^Extent: (\(.*\), \(.*\)) - (\(.*\), \(.*\))$/\1 \2 \3 \4/p')
echo "$ext" | awk '{ exit !($1 > 3.2 && $3 < 7.3 && $2 > 50.7 && $4 < 53.6) }' || fail "GeoJSON extent $ext outside NL lon/lat"
grep -q '"crs"' "$latest/areas-pc4.geojson" && fail "GeoJSON has a crs member"
# no count below the disclosure threshold in any area output
for f in areas-pc4.csv areas.gpkg areas-pc4.geojson; do
	ogrinfo -al -q "$latest/$f" | awk -v f="$f" '
		/^  (households|hh_[a-z]+) \((String|Integer|Integer64)\) = / {
			v = $NF; if (v != "<10" && v != "(null)" && v + 0 < 10) { print f ": " $0; bad = 1 } }
		END { exit bad }' || fail "a count below 10 in $f"
done
# printable maps: PNG at least 2400 px wide and not blank
w=$(od -An -tu1 -j16 -N4 "$latest/map.png" | awk '{print $1*16777216 + $2*65536 + $3*256 + $4}')
[ "$w" -ge 2400 ] || fail "map.png is $w px wide"
head -c 4 "$latest/map.pdf" | grep -q '%PDF' || fail "map.pdf is not a PDF"
grep -q '</svg>' "$latest/map.svg" || fail "map.svg is not an SVG"

# a run killed while writing outputs leaves latest and the previous results intact
before=$(cd "$latest" && sha256sum areas-pc4.csv)
nres=$(psql -X -A -t -c "SELECT count(*) FROM vsp.area_scores")
"$VSP" run --config "$t/demo.ini" --as-of 2026-10-31 2> "$t/kill.log" &
pid=$!
for _ in $(seq 1 200); do
	ls -d "$t/out/"*.tmp-* >/dev/null 2>&1 && break
	sleep 0.02
done
kill -9 $pid 2>/dev/null || true
wait $pid 2>/dev/null || true
[ "$(readlink "$latest")" = 2026-10-31 ] || fail "latest moved by a killed run"
(cd "$latest" && echo "$before" | sha256sum -c --quiet) || fail "killed run changed the published area list"
[ "$(psql -X -A -t -c "SELECT count(*) FROM vsp.area_scores")" = "$nres" ] || fail "killed run changed area_scores"
# the next run cleans up and succeeds; the killed one shows as failed
"$VSP" run --config "$t/demo.ini" --as-of 2026-10-31 > "$t/run-after.out" 2> "$t/run-after.log" || { cat "$t/run-after.log"; fail "run after kill"; }
ls -d "$t/out/"*.tmp-* >/dev/null 2>&1 && fail "stale temporary folder left"
[ "$(psql -X -A -t -c "SELECT count(*) FROM vsp.runs WHERE status = 'running'")" = 0 ] || fail "a run still shows as running"

# all planted bad rows quarantined with the right reason, and no good row: a run whose window
# covers all 12 months (and a quality gate that lets 1 % pass)
sed -e "s|^window_days = 90|window_days = 400|" "$t/demo.ini" > "$t/all.ini"
"$VSP" run --config "$t/all.ini" --as-of 2026-10-31 --output "$t/out-all" > "$t/run3.out" 2> "$t/run3.log" || { cat "$t/run3.log"; fail "full-window run"; }
psql -X -A -t -F, -c "SELECT (raw->>'row_id')::bigint, reason FROM vsp.quarantine
	WHERE run_id = (SELECT max(run_id) FROM vsp.runs) ORDER BY 1" > "$t/quar.txt"
tail -n +2 "$t/city/truth_bad_rows.csv" | awk -F, '{print $1","$3}' | sort -t, -k1,1n > "$t/truth.txt"
diff "$t/truth.txt" "$t/quar.txt" > "$t/quar.diff" || { head -20 "$t/quar.diff"; fail "quarantine differs from planted bad rows"; }
nread=$(psql -X -A -t -c "SELECT (counts->>'read')::int FROM vsp.runs ORDER BY run_id DESC LIMIT 1")
nsig=$(psql -X -A -t -c "SELECT count(*) FROM platform.signaal")
[ "$nread" = "$nsig" ] || fail "full window read $nread of $nsig signals"

# no personal data in logs or stdout: names, BSNs, postcode + house number
cat "$t"/run*.log "$t"/run*.out > "$t/all.log"
grep -v '^#' "$t/city/names.txt" | grep -v '^$' > "$t/pii.txt"
psql -X -A -t -c "SELECT DISTINCT postcode || ' ' || huisnummer FROM platform.signaal
	WHERE postcode <> '' AND huisnummer <> ''" >> "$t/pii.txt"
[ "$(wc -l < "$t/pii.txt")" -gt 1000 ] || fail "too few names/BSNs/addresses to check"
grep -qFf "$t/pii.txt" "$t/all.log" && fail "log contains personal data (a name, BSN or address)"
# nor in the area outputs and the summary (names and BSNs: names.txt)
grep -v '^#' "$t/city/names.txt" | grep -E '^[0-9]{9}$' > "$t/bsn.txt"
[ -s "$t/bsn.txt" ] || fail "names.txt lists no BSNs"
grep -qFf "$t/bsn.txt" "$latest"/areas-pc4.csv "$latest"/areas-pc4.geojson "$latest"/summary.md &&
	fail "a BSN in an area output"
# household lists: capacity respected, nobody in follow-up (BSN shown with include_names)
sed -e 's|^key_secret = demo-only-secret|key_secret = demo-only-secret\ninclude_names = true|' "$t/demo.ini" > "$t/names.ini"
"$VSP" run --config "$t/names.ini" --as-of 2026-10-31 --output "$t/out-names" > /dev/null 2> "$t/run-names.log" || { cat "$t/run-names.log"; fail "run with names"; }
psql -X -A -t -c "SELECT DISTINCT s.bsn FROM platform.signaal s
	WHERE s.bsn IS NOT NULL AND (s.status IN ('Opgepakt', 'Inwoner al bekend bij schuldhulpverlening')
	OR EXISTS (SELECT 1 FROM platform.zaak z WHERE z.signaal_id = s.signaal_id AND z.datum_opgepakt <= '2026-10-31'
	           AND (z.datum_afgesloten IS NULL OR z.datum_afgesloten > '2026-10-31')))" > "$t/followup-bsn.txt"
[ -s "$t/followup-bsn.txt" ] || fail "the synthetic city has no households in follow-up"
for team in Haven Stad Buiten; do
	f="$t/out-names/latest/households-$team.csv"
	rows=$(($(wc -l < "$f") - 1))
	[ "$rows" -ge 1 ] && [ "$rows" -le 40 ] || fail "team $team list has $rows rows (capacity 40)"
	tail -n +2 "$f" | awk -F, '{print $NF}' | tr -d '\r"' | grep -qxFf "$t/followup-bsn.txt" &&
		fail "team $team list holds a household in follow-up"
	[ "$(psql -X -A -t -c "SELECT count(*) FROM vsp.outreach o JOIN vsp.runs r USING (run_id)
		WHERE r.run_id = (SELECT max(run_id) FROM vsp.runs WHERE status = 'succeeded') AND team = '$team'")" = "$rows" ] ||
		fail "vsp.outreach differs from the $team list"
done
psql -X -A -t -c "SELECT household_key FROM vsp.outreach LIMIT 5" | grep -qE '^[0-9a-f]{16}$' || fail "outreach keys"

# as-of reproducibility: signals received after the as-of date change nothing for that date
psql -X -A -t -c "SELECT area_code, hh_signal, rate, gi_z FROM vsp.area_scores s JOIN vsp.runs r USING (run_id)
	WHERE r.as_of = '2026-09-30' AND r.status = 'succeeded' ORDER BY 1" > "$t/before.txt"
psql -X -q -c "INSERT INTO platform.signaal (signaal_id, partner_type, bedrag, signaaldatum, postcode, huisnummer, ontvangen_op)
	SELECT 'late-' || row_id, partner_type, bedrag, '2026-09-20', postcode, huisnummer, '2026-10-15 10:00+02'
	FROM platform.signaal WHERE row_id % 7 = 0"
"$VSP" run --config "$t/demo.ini" --as-of 2026-09-30 > /dev/null 2> "$t/rerun.log" || { cat "$t/rerun.log"; fail "rerun"; }
psql -X -A -t -c "SELECT area_code, hh_signal, rate, gi_z FROM vsp.area_scores s JOIN vsp.runs r USING (run_id)
	WHERE r.as_of = '2026-09-30' AND r.status = 'succeeded' ORDER BY 1" > "$t/after.txt"
diff -q "$t/before.txt" "$t/after.txt" > /dev/null || fail "rerun of 2026-09-30 changed after later signals arrived"
[ "$(psql -X -A -t -c "SELECT count(DISTINCT run_id) FROM vsp.area_scores s JOIN vsp.runs r USING (run_id) WHERE r.as_of = '2026-09-30'")" = 1 ] ||
	fail "rerun did not replace the date's rows"

# the data-quality gate: too many bad rows → exit 3, quarantine and run log written, outputs kept
psql -X -q -c "UPDATE platform.signaal SET postcode = 'XX' || postcode WHERE row_id % 10 = 0 AND signaaldatum > '2026-08-01'"
before=$(readlink "$latest"; cd "$latest" && sha256sum areas-pc4.csv)
set +e
"$VSP" run --config "$t/demo.ini" --as-of 2026-10-31 > /dev/null 2> "$t/gate.log"; rc=$?
set -e
[ "$rc" = 3 ] || { cat "$t/gate.log"; fail "quality gate exit $rc, expected 3"; }
grep -q 'quality gate.*postcode_malformed' "$t/gate.log" || fail "gate message does not name the top reason"
[ "$(psql -X -A -t -c "SELECT status FROM vsp.runs ORDER BY run_id DESC LIMIT 1")" = rejected-by-quality-gate ] || fail "gate status"
[ "$(psql -X -A -t -c "SELECT count(*) FROM vsp.quarantine WHERE run_id = (SELECT max(run_id) FROM vsp.runs)")" -gt 100 ] ||
	fail "gate run wrote no quarantine rows"
[ "$(readlink "$latest"; cd "$latest" && sha256sum areas-pc4.csv)" = "$before" ] || fail "gate run replaced the outputs"
echo "e2e ok"
