#!/usr/bin/env bash
# scripts/pg.sh — a private PostgreSQL server for the demo and the tests.
#
#   scripts/pg.sh start DIR   initdb into DIR/data, listen on a Unix socket in DIR only
#                             (no TCP), create database vsp, apply sql/0*.sql in order
#                             (with `bin/vsp migrate` when built, else psql);
#                             prints shell exports (PGHOST, PGPORT, PGDATABASE, PGUSER)
#   scripts/pg.sh stop DIR    stop the server and remove DIR
#
# PostgreSQL refuses to run as root; as root the server runs as user postgres (created
# by the Debian package) and DIR is handed to it.
set -euo pipefail
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: pg.sh start|stop DIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")/.." && pwd)

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$pgbin/initdb" ] || { echo "pg.sh: no PostgreSQL server found (run make deps)" >&2; exit 1; }
PORT=${VSP_PGPORT:-54329}

as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		su postgres -s /bin/sh -c "$*"
	else
		sh -c "$*"
	fi
}

case "$cmd" in
start)
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres "$dir"; chmod 700 "$dir"
		user=postgres
	else
		user=$(id -un)
	fi
	as_owner "'$pgbin/initdb' -D '$dir/data' -A trust -U '$user' -E UTF8 --locale=C.UTF-8 >'$dir/initdb.log' 2>&1" \
		|| { cat "$dir/initdb.log" >&2; exit 1; }
	as_owner "'$pgbin/pg_ctl' -D '$dir/data' -l '$dir/server.log' -w -t 60 \
		-o \"-k '$dir' -c listen_addresses='' -p $PORT -c fsync=off -c synchronous_commit=off -c full_page_writes=off\" start >/dev/null" \
		|| { cat "$dir/server.log" >&2; exit 1; }
	export PGHOST="$dir" PGPORT=$PORT PGUSER=$user PGDATABASE=vsp
	createdb vsp
	# migrations: `vsp migrate` when bin/vsp has it (the same code production uses), else
	# psql; either way each migration and its version row commit together, and applied
	# ones are skipped, so the psql loop can finish what a failed vsp migrate left
	migrated=0
	if [ -x "$here/bin/vsp" ] && "$here/bin/vsp" migrate --help >/dev/null 2>&1; then
		if VSP_SQL_DIR="$here/sql" "$here/bin/vsp" migrate --quiet >/dev/null; then
			migrated=1
		else
			echo "pg.sh: vsp migrate failed; applying the migrations with psql" >&2
		fi
	fi
	if [ "$migrated" = 0 ]; then
		psql -q -X -v ON_ERROR_STOP=1 -d vsp -c \
			"CREATE TABLE IF NOT EXISTS public.vsp_schema_version (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())" >/dev/null 2>&1
		for f in "$here"/sql/0*.sql; do
			v=$(basename "$f" .sql)
			[ -n "$(psql -X -A -t -d vsp -c "SELECT 1 FROM public.vsp_schema_version WHERE version = '$v'")" ] && continue
			psql -q -X -v ON_ERROR_STOP=1 -1 -d vsp -f "$f" \
				-c "INSERT INTO public.vsp_schema_version(version) VALUES ('$v')" >/dev/null \
				|| { echo "pg.sh: migration $v failed" >&2; exit 1; }
		done
	fi
	echo "export PGHOST='$dir' PGPORT=$PORT PGUSER='$user' PGDATABASE=vsp"
	;;
stop)
	[ -d "$dir/data" ] && as_owner "'$pgbin/pg_ctl' -D '$dir/data' -m fast -w stop >/dev/null" || true
	rm -rf "$dir"
	;;
*)
	echo "usage: pg.sh start|stop DIR" >&2; exit 2;;
esac
