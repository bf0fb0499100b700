#!/usr/bin/env bash
# tests/it_roles.sh — least privilege (sql/roles.sql), against the private PostgreSQL of
# scripts/run-tests.sh (a fresh migrated database `vsp`):
#   roles.sql is idempotent and makes two NOLOGIN roles; a login role granted both runs the
#   synthetic city; one with vsp_reader only is refused (exit 69, "permission denied") and
#   `vsp check` names the missing privilege; neither can touch platform.* directly, though
#   the views read it for them (views run with their owner's rights); the writer reads no
#   source; purging the source needs rights vsp_batch does not have, and then nothing is purged.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
VSP=${VSP_BIN:-bin/vsp}	# make sanitize runs this on the sanitizer build
t=$(mktemp -d "${TMPDIR:-/tmp}/vsp-roles-XXXXXX")
fail() { echo "FAIL: $*" >&2; exit 1; }
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }
cleanup() {
	for r in vsp_it_batch vsp_it_ro vsp_it_wo vsp_reader vsp_writer; do
		q -c "DROP OWNED BY $r" >/dev/null 2>&1 || true
		q -d postgres -c "DROP ROLE IF EXISTS $r" >/dev/null 2>&1 || true
	done
	rm -rf "$t"
}
trap cleanup EXIT
# as ROLE: psql -c SQL must fail with "permission denied"
denied() {
	local role=$1 sql=$2
	if PGUSER=$role psql -X -q -A -t -v ON_ERROR_STOP=1 -c "$sql" > "$t/denied.out" 2>&1; then
		fail "$role may: $sql"
	fi
	grep -q "permission denied" "$t/denied.out" || { cat "$t/denied.out"; fail "$role: $sql failed otherwise"; }
}

"$VSP" synth --quiet --output "$t/city" --seed 42 --load
psql -X -q -v ON_ERROR_STOP=1 -f sql/roles.sql >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -f sql/roles.sql >/dev/null || fail "roles.sql is not idempotent"
[ "$(q -c "SELECT string_agg(rolname || ':' || rolcanlogin, ',' ORDER BY rolname) FROM pg_roles
           WHERE rolname IN ('vsp_reader', 'vsp_writer')")" = "vsp_reader:false,vsp_writer:false" ] ||
	fail "vsp_reader and vsp_writer are not two NOLOGIN roles"
# the documented setup
q -c "CREATE ROLE vsp_it_batch LOGIN" -c "GRANT vsp_reader, vsp_writer TO vsp_it_batch"
q -c "CREATE ROLE vsp_it_ro LOGIN" -c "GRANT vsp_reader TO vsp_it_ro"
q -c "CREATE ROLE vsp_it_wo LOGIN" -c "GRANT vsp_writer TO vsp_it_wo"
# the source views are not security_invoker (they must read platform.* as their owner)
[ "$(q -c "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'vsp_source' AND c.relkind = 'v'
             AND coalesce(array_to_string(c.reloptions, ','), '') LIKE '%security_invoker=true%'")" = 0 ] ||
	fail "a source view is security_invoker"

cfg() { sed -e "s|^conninfo =.*|conninfo = user=$1|" -e "s|demo-out/city/city.gpkg|$t/city/city.gpkg|" \
	-e "s|demo-out/runs|$t/out-$1|" config/demo.ini > "$t/$1.ini"; }

# ---- reader + writer: the nightly run works, check is all ok
cfg vsp_it_batch
"$VSP" check --config "$t/vsp_it_batch.ini" > "$t/check.out" 2>&1 || { cat "$t/check.out"; fail "check as vsp_it_batch"; }
"$VSP" run --config "$t/vsp_it_batch.ini" --as-of 2026-10-31 > "$t/run.out" 2> "$t/run.log" ||
	{ cat "$t/run.log"; fail "run as vsp_it_batch"; }
[ "$(q -c "SELECT count(*) FROM vsp.runs WHERE status = 'succeeded'")" = 1 ] || fail "the run is not recorded"
[ "$(q -c "SELECT count(*) > 0 FROM vsp.area_scores")" = t ] || fail "no area scores"
n_view=$(PGUSER=vsp_it_batch q -c "SELECT count(*) FROM vsp_source.signals")
[ "$n_view" = "$(q -c "SELECT count(*) FROM platform.signaal")" ] || fail "the view shows $n_view signals"
denied vsp_it_batch "SELECT count(*) FROM platform.signaal"
denied vsp_it_batch "SELECT count(*) FROM platform.zaak"
denied vsp_it_batch "INSERT INTO ref.pc6 (pc6, pc4) VALUES ('9999ZZ', '9999')"
denied vsp_it_batch "CREATE TABLE vsp.extra (x int)"
denied vsp_it_batch "DELETE FROM vsp_source.signals"

# ---- reader only: reads the views, never platform.*, and a run is refused with exit 69
denied vsp_it_ro "SELECT count(*) FROM platform.signaal"
denied vsp_it_ro "SELECT count(*) FROM vsp.runs"
[ "$(PGUSER=vsp_it_ro q -c "SELECT count(*) FROM vsp_source.followup")" = "$(q -c "SELECT count(*) FROM platform.zaak")" ] ||
	fail "the reader cannot read vsp_source.followup"
cfg vsp_it_ro
rc=0
"$VSP" run --config "$t/vsp_it_ro.ini" --as-of 2026-10-31 > "$t/ro.out" 2> "$t/ro.log" || rc=$?
[ "$rc" = 69 ] || { cat "$t/ro.log"; fail "a run as reader only exited $rc, expected 69"; }
grep -q "permission denied for schema vsp" "$t/ro.log" || { cat "$t/ro.log"; fail "the refusal does not say why"; }
[ "$(q -c "SELECT count(*) FROM vsp.runs")" = 1 ] || fail "the refused run left a row"
if "$VSP" check --config "$t/vsp_it_ro.ini" > "$t/check-ro.out" 2>&1; then fail "check ok for the reader"; fi
grep -q "^FAIL privileges: no USAGE on schema vsp" "$t/check-ro.out" || { cat "$t/check-ro.out"; fail "check as reader"; }

# ---- writer only: no source at all
denied vsp_it_wo "SELECT count(*) FROM vsp_source.signals"
denied vsp_it_wo "SELECT count(*) FROM ref.pc6"
denied vsp_it_wo "SELECT count(*) FROM platform.signaal"

# ---- purge: vsp's tables yes; the platform's only with its owner's rights, and then the
# whole purge is refused (one transaction): exit 69, nothing deleted
q -c "UPDATE vsp.runs SET started_at = now() - interval '61 months'"
{ cat "$t/vsp_it_batch.ini"; printf '[retention]\npurge_source = true\nunhandled_months = 1\n'; } > "$t/purge.ini"
rc=0
"$VSP" purge --config "$t/purge.ini" > "$t/purge.out" 2> "$t/purge.log" || rc=$?
[ "$rc" = 69 ] || { cat "$t/purge.out" "$t/purge.log"; fail "purging the source as vsp_it_batch exited $rc"; }
grep -q "permission denied" "$t/purge.log" || fail "purge refusal does not say why"
[ "$(q -c "SELECT count(*) FROM vsp.runs")" = 1 ] || fail "a refused purge deleted runs"
"$VSP" purge --config "$t/vsp_it_batch.ini" > "$t/purge2.out" 2>&1 || { cat "$t/purge2.out"; fail "purge of vsp's tables"; }
[ "$(q -c "SELECT count(*) FROM vsp.runs")" = 0 ] || fail "the old run was not purged"
echo "roles ok"
