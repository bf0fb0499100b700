#!/usr/bin/env bash
# tests/it_ops.sh — nightly operations, against the private PostgreSQL of scripts/run-tests.sh
# (PG* in the environment, a fresh migrated database `vsp`):
#   make install into a temporary DESTDIR; the installed man page renders; systemd accepts the
#   units; the installed `vsp check` says ok to every item for a synthetic city, then each
#   item is broken in turn (wrong password, missing privileges, missing migration, unwritable
#   output folder, missing layer, missing or duplicate id field) and exactly that one line says
#   FAIL; `vsp migrate` applies everything to an empty database, twice is a no-op, and a failing
#   migration leaves nothing.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
t=$(mktemp -d "${TMPDIR:-/tmp}/vsp-ops-XXXXXX")
hba="$PGHOST/data/pg_hba.conf"
fail() { echo "FAIL: $*" >&2; exit 1; }
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }
cleanup() {
	if [ -f "$t/pg_hba.conf.orig" ]; then
		cp "$t/pg_hba.conf.orig" "$hba"
		q -d postgres -c "SELECT pg_reload_conf()" >/dev/null || true
	fi
	q -d postgres -c "DROP DATABASE IF EXISTS vsp_ops_mig WITH (FORCE)" >/dev/null 2>&1 || true
	# roles are cluster-wide: leave none behind for the next suites
	for r in vsp_ops_pw vsp_ops_ro vsp_reader vsp_writer; do
		q -c "DROP OWNED BY $r" >/dev/null 2>&1 || true
		q -d postgres -c "DROP ROLE IF EXISTS $r" >/dev/null 2>&1 || true
	done
	rm -rf "$t"
}
trap cleanup EXIT

# ---- make install into a DESTDIR
make --no-print-directory -s install DESTDIR="$t/root" PREFIX=/usr/local > "$t/install.log" 2>&1 ||
	{ cat "$t/install.log"; fail "make install"; }
root="$t/root/usr/local"
vsp="$root/bin/vsp"
# make sanitize: check, migrate and synth below run the sanitizer build, installed in its place
if [ -n "${VSP_BIN:-}" ]; then install -m 0755 "$VSP_BIN" "$vsp"; fi
for f in bin/vsp share/vsp/vsp.ini.example share/vsp/vsp.service share/vsp/vsp.timer share/vsp/vsp.cron \
         share/man/man1/vsp.1; do
	[ -s "$root/$f" ] || fail "make install did not install $f"
done
[ -x "$vsp" ] || fail "installed vsp is not executable"
for f in sql/*.sql; do
	cmp -s "$f" "$root/share/vsp/sql/$(basename "$f")" || fail "migration $f not installed"
done
grep -q "^ExecStart=/usr/local/bin/vsp run --config /etc/vsp/vsp.ini\$" "$root/share/vsp/vsp.service" ||
	fail "installed vsp.service has another ExecStart"

# try_install COMMAND PACKAGE: install a missing tool as root with apt-get (quietly, bounded)
try_install() {
	command -v "$1" >/dev/null 2>&1 && return 0
	[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || return 1
	echo "installing $2 for $1"
	DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -qq --no-install-recommends "$2" >/dev/null 2>&1 ||
		{ timeout 120 apt-get update -qq >/dev/null 2>&1 &&
		  DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -qq --no-install-recommends "$2" >/dev/null 2>&1; } || true
	command -v "$1" >/dev/null 2>&1
}

# ---- the man page renders (man-db), with every command in it
if try_install man man-db; then
	MANWIDTH=100 man -l "$root/share/man/man1/vsp.1" > "$t/man.txt" 2> "$t/man.err" || { cat "$t/man.err"; fail "man -l"; }
	[ ! -s "$t/man.err" ] || { cat "$t/man.err"; fail "man -l warns"; }
	for c in run synth weights hotspots check migrate purge; do
		grep -Eq "vsp +$c( |\$)" "$t/man.txt" || fail "man page lacks vsp $c"
	done
	grep -q -- "--dry-run" "$t/man.txt" || fail "man page lacks the purge/migrate options"
else
	echo "SKIP: man is not installed (apt-get install man-db): man page not rendered"
fi

# ---- systemd accepts the units.  `systemd-analyze verify` insists that ExecStart's binary
# exists, which /usr/local/bin/vsp does not (we installed into a DESTDIR), so it verifies a
# copy pointing at the DESTDIR binary; User=vsp need not exist for verify.  Unknown keys are
# only warnings (exit 0), so any output counts as a failure.
if try_install systemd-analyze systemd; then
	mkdir -p "$t/units"
	sed "s|/usr/local/bin/vsp|$vsp|g" "$root/share/vsp/vsp.service" > "$t/units/vsp.service"
	cp "$root/share/vsp/vsp.timer" "$t/units/vsp.timer"
	systemd-analyze verify --man=no "$t/units/vsp.service" "$t/units/vsp.timer" > "$t/verify.log" 2>&1 ||
		{ cat "$t/verify.log"; fail "systemd-analyze verify"; }
	[ ! -s "$t/verify.log" ] || { cat "$t/verify.log"; fail "systemd-analyze verify warns"; }
else
	echo "SKIP: systemd-analyze is not installed (apt-get install systemd): units not verified"
fi
# the crontab line: five time fields, a user, the command (cron.d format)
grep -v '^#' "$root/share/vsp/vsp.cron" | grep -v '=' | grep -v '^$' |
	awk 'NF < 7 || $6 != "vsp" || $0 !~ /vsp run --config/ { bad = 1 } END { exit bad || NR != 1 }' ||
	fail "vsp.cron is not one cron.d line for user vsp"

# ---- a synthetic city and a config for it
"$vsp" synth --quiet --output "$t/city" --seed 42 --load
cat > "$t/ok.ini" <<EOF
[database]
conninfo =
[run]
output_dir = $t/out
[areas]
source = $t/city/city.gpkg
layer = pc4
id_field = pc4
[privacy]
key_secret = test-only
EOF

# check CONFIG: everything ok
check_ok() {
	local ini=$1; shift
	env "$@" "$vsp" check --config "$ini" > "$t/check.out" 2> "$t/check.err" ||
		{ cat "$t/check.out" "$t/check.err"; fail "check not ok with $ini $*"; }
	[ "$(grep -c '^ok   ' "$t/check.out")" = 6 ] || { cat "$t/check.out"; fail "check: not 6 ok lines"; }
	! grep -q '^FAIL' "$t/check.out" || fail "check printed FAIL with exit 0"
}
# check_fails ITEM CONFIG [VAR=value ...]: a non-zero exit and exactly one FAIL line, for ITEM
check_fails() {
	local want=$1 ini=$2; shift 2
	if env "$@" "$vsp" check --config "$ini" > "$t/check.out" 2> "$t/check.err"; then
		cat "$t/check.out"; fail "check exit 0 with a broken $want"
	fi
	[ "$(grep -c '^FAIL' "$t/check.out")" = 1 ] || { cat "$t/check.out"; fail "not exactly one FAIL for a broken $want"; }
	grep -q "^FAIL $want: " "$t/check.out" || { cat "$t/check.out"; fail "the FAIL line is not $want"; }
	echo "broken $want: $(grep '^FAIL' "$t/check.out")"
}

check_ok "$t/ok.ini"
# the installed binary finds the installed migrations
grep -q "^ok   schema: " "$t/check.out" || fail "no schema line"
"$vsp" migrate --dry-run > "$t/dry.out" 2>&1
grep -q "0 pending" "$t/dry.out" || { cat "$t/dry.out"; fail "migrate --dry-run"; }
cat "$t/check.out"

# ---- database: a role with a password, password authentication for it only (the private
# server trusts everyone else; pg_hba.conf is restored on exit)
psql -X -q -v ON_ERROR_STOP=1 -f sql/roles.sql >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -f sql/roles.sql >/dev/null  # idempotent
q -c "CREATE ROLE vsp_ops_pw LOGIN PASSWORD 'right-password'" -c "GRANT vsp_reader, vsp_writer TO vsp_ops_pw"
cp "$hba" "$t/pg_hba.conf.orig"
{ echo "local all vsp_ops_pw scram-sha-256"; cat "$t/pg_hba.conf.orig"; } > "$hba"
q -d postgres -c "SELECT pg_reload_conf()" >/dev/null
sed "s|^conninfo =.*|conninfo = host=$PGHOST user=vsp_ops_pw|" "$t/ok.ini" > "$t/pw.ini"
check_ok "$t/pw.ini" PGPASSWORD=right-password
check_fails database "$t/pw.ini" PGPASSWORD=wrong-password
grep -q "password authentication failed" "$t/check.out" || fail "wrong password: libpq's reason missing"
grep -q "wrong-password\|right-password" "$t/check.out" "$t/check.err" && fail "a password in the output"
sed "s|^conninfo =.*|conninfo = host=$PGHOST user=vsp_no_such_role|" "$t/ok.ini" > "$t/user.ini"
check_fails database "$t/user.ini"

# ---- privileges: a role with vsp_reader only cannot write vsp's tables
q -c "CREATE ROLE vsp_ops_ro LOGIN" -c "GRANT vsp_reader TO vsp_ops_ro"
sed "s|^conninfo =.*|conninfo = user=vsp_ops_ro|" "$t/ok.ini" > "$t/ro.ini"
check_fails privileges "$t/ro.ini"
grep -q "no USAGE on schema vsp" "$t/check.out" || fail "privileges: reason does not name schema vsp"

# ---- schema: one migration not recorded
q -c "DELETE FROM public.vsp_schema_version WHERE version = '003_vsp'"
check_fails schema "$t/ok.ini"
grep -q "003_vsp" "$t/check.out" || fail "schema: the missing migration is not named"
# (the installed binary compares with the installed migrations)
grep -q "from $(realpath "$root")/share/vsp/sql" "$t/check.out" || fail "schema: not the installed migrations"
q -c "INSERT INTO public.vsp_schema_version (version) VALUES ('003_vsp')"

# ---- output: tests run as root, for whom chmod 555 does not stop a write, so the folder
# is put under a regular file: no user can create it, root included
: > "$t/a-file"
sed "s|^output_dir =.*|output_dir = $t/a-file/out|" "$t/ok.ini" > "$t/out.ini"
check_fails output "$t/out.ini"
grep -q "is not a folder" "$t/check.out" || fail "output: reason"

# ---- areas: missing layer, missing id field
sed "s|^layer = pc4|layer = no_such_layer|" "$t/ok.ini" > "$t/layer.ini"
check_fails areas "$t/layer.ini"
grep -q 'no layer "no_such_layer"' "$t/check.out" || fail "areas: reason"
sed "s|^id_field = pc4|id_field = no_such_field|" "$t/ok.ini" > "$t/field.ini"
check_fails areas "$t/field.ini"
ogr2ogr -f GPKG "$t/dup.gpkg" "$t/city/city.gpkg" -nln pc4 -dialect SQLite -sql "SELECT substr(pc4, 1, 3) AS pc3, * FROM pc4"
sed -e "s|^source = .*|source = $t/dup.gpkg|" -e "s|^id_field = pc4|id_field = pc3|" "$t/ok.ini" > "$t/dup.ini"
check_fails areas "$t/dup.ini"
grep -q "pc3 is not unique" "$t/check.out" || fail "areas: duplicate ids not found"

# ---- config: a broken file fails on config and skips the rest
printf '[run]\nlevel = county\n' > "$t/bad.ini"
check_fails config "$t/bad.ini"
check_ok "$t/ok.ini"

# ---- migrate: twice on the migrated database is a no-op
q -c "SELECT version, applied_at FROM public.vsp_schema_version ORDER BY 1" > "$t/versions.before"
for i in 1 2; do
	"$vsp" migrate --config "$t/ok.ini" > "$t/migrate.out" 2>&1 || { cat "$t/migrate.out"; fail "migrate $i"; }
	grep -q "up to date" "$t/migrate.out" || { cat "$t/migrate.out"; fail "migrate $i was not a no-op"; }
done
q -c "SELECT version, applied_at FROM public.vsp_schema_version ORDER BY 1" > "$t/versions.after"
diff "$t/versions.before" "$t/versions.after" || fail "migrate changed public.vsp_schema_version"

# an empty database: everything applied in order, the same schema as the harness made; again: no-op
nmig=$(ls sql/0*.sql | wc -l)
q -d postgres -c "CREATE DATABASE vsp_ops_mig"
PGDATABASE=vsp_ops_mig "$vsp" migrate > "$t/m1.out" 2>&1 || { cat "$t/m1.out"; fail "migrate on an empty database"; }
[ "$(grep -c '^applied ' "$t/m1.out")" = "$nmig" ] || { cat "$t/m1.out"; fail "not all $nmig migrations applied"; }
PGDATABASE=vsp_ops_mig "$vsp" migrate > "$t/m2.out" 2>&1 || { cat "$t/m2.out"; fail "second migrate"; }
grep -q "up to date" "$t/m2.out" || { cat "$t/m2.out"; fail "second migrate was not a no-op"; }
[ "$(q -d vsp_ops_mig -c "SELECT string_agg(version, ' ' ORDER BY version) FROM public.vsp_schema_version")" = \
  "$(ls sql/0*.sql | xargs -n1 basename | sed 's/\.sql$//' | tr '\n' ' ' | sed 's/ $//')" ] || fail "recorded versions"
# (the grants of sql/roles.sql, applied above to vsp only, left out)
schema_of() { pg_dump -s -d "$1" | grep -v -e '^--' -e '^$' -e '^.restrict' -e '^.unrestrict' -e 'vsp_reader' -e 'vsp_writer' -e 'vsp_ops_' | sort; }
schema_of vsp_ops_mig > "$t/schema.mig"
schema_of vsp > "$t/schema.vsp"
diff "$t/schema.mig" "$t/schema.vsp" > "$t/schema.diff" ||
	{ head -20 "$t/schema.diff"; fail "vsp migrate made another schema than the harness"; }

# a failing migration rolls back entirely and is reported by name; the earlier ones stay
mkdir "$t/sql-bad"
cp sql/0*.sql "$t/sql-bad/"
printf 'CREATE TABLE vsp.should_vanish (x int);\nSELECT 1/0;\n' > "$t/sql-bad/099_broken.sql"
if VSP_SQL_DIR="$t/sql-bad" PGDATABASE=vsp_ops_mig "$vsp" migrate > "$t/m3.out" 2>&1; then
	cat "$t/m3.out"; fail "a failing migration exited 0"
fi
grep -q "099_broken" "$t/m3.out" || { cat "$t/m3.out"; fail "the failing migration is not named"; }
[ "$(q -d vsp_ops_mig -c "SELECT to_regclass('vsp.should_vanish') IS NULL")" = t ] || fail "failed migration left a table"
[ "$(q -d vsp_ops_mig -c "SELECT count(*) FROM public.vsp_schema_version WHERE version = '099_broken'")" = 0 ] ||
	fail "failed migration recorded"
VSP_SQL_DIR="$t/sql-bad" PGDATABASE=vsp_ops_mig "$vsp" migrate --dry-run > "$t/m4.out" 2>&1
grep -q "^pending 099_broken" "$t/m4.out" || { cat "$t/m4.out"; fail "dry run does not list the pending migration"; }
# [database] migrations points check at another folder
sed "s|^conninfo =.*|conninfo =\nmigrations = $t/sql-bad|" "$t/ok.ini" > "$t/mig.ini"
check_fails schema "$t/mig.ini"
grep -q "missing migration 099_broken" "$t/check.out" || fail "[database] migrations not used"
echo "ops ok"
