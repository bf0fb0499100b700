#!/usr/bin/env bash
# scripts/bench.sh — `make bench`: vsp at national scale against its targets, every anchor
# measured in the same session on the same machine.
#
#   1. the nightly job `vsp run` at PC6 level (999 permutations) on the national synthetic
#      data at 1/8, 1/4, 1/2 and full size: seconds per stage (vsp.runs.seconds), wall-clock
#      and peak RSS (GNU time); at full size the median of VSP_BENCH_RUNS runs on
#      consecutive nights, after one unmeasured night so every measured run has a previous
#      run to compare trends with, as a nightly job does;
#   2. the read floor: vsp's own signals COPY as a bare psql, against the ingest stage;
#   3. the SQL alternative (bench/alternative.sql, PostGIS), against vsp's stages that
#      compute the same (ingest .. score) and against the whole run;
#   4. queen weights alone (synthetic: bin/bench_weights; real: bin/bench_lisa and
#      `vsp weights` on the national city.gpkg, the latter with GDAL reading) and Local
#      Moran with 999 permutations alone on 1 thread and on all (bin/bench_lisa);
#   5. a perf profile of one full-size run; 6. the city demo run.
# Prints one table and rewrites the measured part of docs/performance.md (between the
# bench:begin/end markers; the text around them is kept).
#
# Environment: VSP_BENCH_RUNS (3), VSP_BENCH_SIZES ("0.125 0.25 0.5 1"; the last is the one
# the targets are judged at), VSP_BENCH_SQL_SIZE (the last size; one of VSP_BENCH_SIZES),
# VSP_BENCH_DIR (a fresh temporary folder, removed afterwards unless VSP_BENCH_KEEP=1),
# VSP_BENCH_DOCS (1: rewrite docs/performance.md; 0 = print only), VSP_BENCH_PGPORT (54338),
# VSP_BENCH_QUICK=1: sizes 1/32 and 1/16, one run each, no docs — to try the script.
# VSP_BENCH_REPORT_FROM=DIR: measure nothing; print the table and write the docs again from
# the results a kept run (VSP_BENCH_KEEP=1 VSP_BENCH_DIR=DIR) left in DIR.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
prog=bench

if [ "${VSP_BENCH_QUICK:-0}" = 1 ]; then
	: "${VSP_BENCH_SIZES:=0.03125 0.0625}" "${VSP_BENCH_RUNS:=1}" "${VSP_BENCH_DOCS:=0}"
fi
runs=${VSP_BENCH_RUNS:-3}
read -r -a sizes <<< "${VSP_BENCH_SIZES:-0.125 0.25 0.5 1}"
main=${sizes[${#sizes[@]}-1]}
sql_size=${VSP_BENCH_SQL_SIZE:-$main}
write_docs=${VSP_BENCH_DOCS:-1}
perms=999

report_from=${VSP_BENCH_REPORT_FROM:-}

die() { echo "$prog: $*" >&2; exit 1; }
say() { printf '%s  %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$pgbin" ] || die "no PostgreSQL server found (run make deps)"
pgmajor=$(basename "$(dirname "$pgbin")")

if [ -z "$report_from" ]; then
# ---- install what the bench needs beyond make deps: GNU time, PostGIS, perf ----
want=()
[ -x /usr/bin/time ] || want+=(time)
[ -e "/usr/share/postgresql/$pgmajor/extension/postgis.control" ] || want+=("postgresql-$pgmajor-postgis-3")
command -v ogr2ogr >/dev/null || want+=(gdal-bin)
command -v perf >/dev/null || want+=(linux-perf)
if [ ${#want[@]} -gt 0 ]; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	say "installing ${want[*]}"
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null ||
		say "could not install ${want[*]}: the parts that need them are skipped"
fi
have_perf=0
command -v perf >/dev/null && perf stat -e task-clock true >/dev/null 2>&1 && have_perf=1
have_postgis=0
[ -e "/usr/share/postgresql/$pgmajor/extension/postgis.control" ] && command -v ogr2ogr >/dev/null && have_postgis=1
[ -x /usr/bin/time ] || die "GNU time (/usr/bin/time) is missing"
for b in bin/vsp bin/bench_weights bin/bench_lisa; do
	[ -x "$b" ] || die "$b is missing: run make bench"
done

# ---- working folder, private PostgreSQL ----
if [ -n "${VSP_BENCH_DIR:-}" ]; then
	dir=$VSP_BENCH_DIR
	mkdir -p "$dir"
else
	dir=$(mktemp -d "${TMPDIR:-/tmp}/vsp-bench-XXXXXX")
fi
dir=$(cd "$dir" && pwd)
cleanup() {
	VSP_PGPORT=${VSP_BENCH_PGPORT:-54338} "$here/scripts/pg.sh" stop "$dir/pg" || true
	[ "${VSP_BENCH_KEEP:-0}" = 1 ] || rm -rf "$dir"
}
trap cleanup EXIT
eval "$(VSP_PGPORT=${VSP_BENCH_PGPORT:-54338} "$here/scripts/pg.sh" start "$dir/pg")"
export PGHOST PGPORT PGUSER PGDATABASE
R=$dir/results.txt
: > "$R"
# private copies: other builds in the tree must not swap the binaries in the middle
mkdir -p "$dir/bin"
cp bin/vsp bin/bench_weights bin/bench_lisa "$dir/bin/"
vsp=$dir/bin/vsp
# the browser map's template, which bin/vsp would find next to itself in the tree
[ -d web ] && export VSP_WEB_DIR="$here/web"
else
	dir=$(cd "$report_from" && pwd) || die "no folder $report_from"
	R=$dir/results.txt
	[ -s "$R" ] || die "$R: no results to report"
fi

# ---- small helpers over the results file: one "key value" per line ----
put() { printf '%s %s\n' "$1" "$2" >> "$R"; }
get() { awk -v k="$1" '$1 == k { v = $2 } END { print (v == "" ? "nan" : v) }' "$R"; }
# the key as an extended regular expression matching itself only (dots escaped)
esc() { printf '%s' "$1" | sed 's/\./\\./g'; }
# median of the values whose key matches the regular expression (passed through the
# environment: awk -v would eat the backslashes)
med() {
	RE="^$1\$" awk 'BEGIN { re = ENVIRON["RE"] } $1 ~ re { print $2 }' "$R" | sort -g |
		awk '{ a[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2];
			   else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
maxof() { RE="^$1\$" awk 'BEGIN { re = ENVIRON["RE"] } $1 ~ re && ($2 + 0 > m + 0 || m == "") { m = $2 }
	END { print (m == "" ? "nan" : m) }' "$R"; }
calc() { awk "BEGIN { x = $1; printf \"$2\", x }" 2>/dev/null || echo nan; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
load1() { cut -d' ' -f1 /proc/loadavg; }
frac_name() {
	case "$1" in
		1|1.0) echo "1" ;; 0.5) echo "1/2" ;; 0.25) echo "1/4" ;; 0.125) echo "1/8" ;;
		0.0625) echo "1/16" ;; 0.03125) echo "1/32" ;; *) echo "$1" ;;
	esac
}
day() { date -u -d "2026-10-31 $1 days" +%Y-%m-%d; }

# the stages in vsp.runs.seconds, in order; score_permutations is part of score and
# results_db runs alongside outputs: neither is added to the sum of the stages
stages=(ingest areas quarantine cases weights score score_permutations outputs results_db)

if [ -z "$report_from" ]; then
t_start=$(now)
put load.start "$(load1)"
say "bench in $dir; sizes ${sizes[*]}; $runs runs at size $(frac_name "$main"); load $(load1)"

# one nightly run: vsp_run TAG CONFIG DATE [extra env]; records wall, rss, cpu and stages
vsp_run() {
	local tag=$1 cfg=$2 date=$3 id wall rss usr sys k v sum=0
	/usr/bin/time -f '%e %M %U %S' -o "$dir/time.$tag" "$vsp" run --config "$cfg" --as-of "$date" -v \
		> /dev/null 2> "$dir/log.$tag" || { tail -n 5 "$dir/log.$tag" >&2; die "vsp run $tag failed"; }
	read -r wall rss usr sys < <(tail -n 1 "$dir/time.$tag")
	put "$tag.wall" "$wall"
	put "$tag.rss" "$rss"
	put "$tag.cpu" "$(calc "$usr + $sys" '%.2f')"
	put "$tag.load" "$(load1)"
	id=$(psql -XAtc "SELECT max(run_id) FROM vsp.runs WHERE status = 'succeeded'")
	while read -r k v; do
		put "$tag.$k" "$v"
		case $k in score_permutations|results_db) ;; *) sum=$(calc "$sum + $v" '%.3f') ;; esac
	done < <(psql -XAt -F' ' -c "SELECT key, value FROM vsp.runs, jsonb_each_text(seconds) WHERE run_id = $id")
	# the run's success committed, the folder renamed, connecting and exiting: the rest
	put "$tag.publish" "$(calc "$wall - $sum" '%.3f')"
	psql -XAt -F' ' -c "SELECT 'n_areas', counts->>'areas' FROM vsp.runs WHERE run_id = $id
		UNION ALL SELECT 'n_read', counts->>'read' FROM vsp.runs WHERE run_id = $id" |
		while read -r k v; do put "$tag.$k" "$v"; done
	grep -o 'wrote [^ ]* in [0-9.]* s' "$dir/log.$tag" | awk -v t="$tag" '{ print t ".file." $2, $4 }' >> "$R"
	# inside ingest: the reference postcodes, and the signals COPY as vsp receives it
	sed -n 's/.*reference: [0-9]* postcodes in \([0-9.]*\) s.*/\1/p' "$dir/log.$tag" | awk -v t="$tag" '{ print t ".ingest_ref", $1 }' >> "$R"
	sed -n 's/.*signals: [0-9]* rows read in \([0-9.]*\) s.*/\1/p' "$dir/log.$tag" | awk -v t="$tag" '{ print t ".ingest_copy", $1 }' >> "$R"
}

# the signals COPY exactly as ingest.c issues it, for the as-of date's window
floor_sql() {
	local as_of=$1 lo hi
	lo=$(date -u -d "$as_of -89 days" +%Y-%m-%d)
	hi=$(date -u -d "$as_of +1 day" +%Y-%m-%d)
	echo "COPY (SELECT signal_id, partner_type, amount, ontstaansdatum, signaaldatum, crisis, status, bsn, postcode, huisnummer, toevoeging, received_at, row_id FROM \"vsp_source\".\"signals\" WHERE received_at >= ('$lo'::timestamp AT TIME ZONE 'Europe/Amsterdam') AND received_at < ('$hi'::timestamp AT TIME ZONE 'Europe/Amsterdam')) TO STDOUT"
}

sql_alternative() {
	local f=$1 gpkg=$2 t0 lo hi
	say "SQL alternative at size $(frac_name "$f"): loading the PC6 polygons into PostGIS"
	psql -XqAt -c "CREATE EXTENSION IF NOT EXISTS postgis" -c "CREATE SCHEMA IF NOT EXISTS bench" \
		-c "DROP TABLE IF EXISTS bench.pc6" > /dev/null
	t0=$(now)
	ogr2ogr -f PostgreSQL "PG:host=$PGHOST port=$PGPORT dbname=$PGDATABASE user=$PGUSER" "$gpkg" pc6 \
		-nln bench.pc6 -lco GEOMETRY_NAME=geom -lco FID=fid -select pc6 -overwrite
	psql -XqAt -c "ANALYZE bench.pc6" > /dev/null
	put sql.load "$(since "$t0")"
	lo=$(day -89); hi=$(day 1)
	say "SQL alternative: bench/alternative.sql"
	t0=$(now)
	psql -X -q -v lo="$lo" -v hi="$hi" -c '\timing on' -c 'SET client_min_messages = warning' \
		-f bench/alternative.sql > "$dir/sql.log" 2>&1 || { cat "$dir/sql.log" >&2; die "bench/alternative.sql failed"; }
	put sql.total "$(since "$t0")"
	put sql.load1 "$(load1)"
	awk '/^step / { s = $2 } /^Time: / && s != "" && s != "done" { t[s] += $2 / 1000 }
		 END { for (k in t) printf "sql.%s %.3f\n", k, t[k] }' "$dir/sql.log" >> "$R"
	read -r a h l hot < <(psql -XAt -F' ' -c "SELECT (SELECT count(*) FROM bench.alt_scores),
		(SELECT sum(hh_signal) FROM bench.alt_hh), (SELECT count(*) FROM bench.alt_nb),
		(SELECT count(*) FROM bench.alt_scores WHERE gi_bin = 3)")
	put sql.n_areas "$a"; put sql.n_households "$h"; put sql.links "$l"; put sql.hot99 "$hot"
	put sql.size "$f"
}

# ---- 1. the nightly job at each size ----
for f in "${sizes[@]}"; do
	fn=$(frac_name "$f")
	say "synthetic national data at size $fn: generating and loading"
	t0=$(now)
	"$vsp" synth --national --fraction "$f" --output "$dir/nat-$f" --load -q
	put "synth.$f" "$(since "$t0")"
	sed -e "s|^source = .*|source = $dir/nat-$f/city.gpkg|" -e "s|^output_dir = .*|output_dir = $dir/out-$f|" \
		config/bench-national.ini > "$dir/nat-$f.ini"
	n=1
	[ "$f" = "$main" ] && n=$runs
	say "size $fn: one unmeasured night, then $n measured"
	vsp_run "warm.$f" "$dir/nat-$f.ini" "$(day -"$n")"
	for k in $(seq 1 "$n"); do
		vsp_run "run.$f.$k" "$dir/nat-$f.ini" "$(day $((k - n)))"
		say "  run $k: $(get "run.$f.$k.wall") s wall, $(get "run.$f.$k.rss") KB peak, load $(load1)"
	done
	if [ "$f" = "$main" ]; then
		say "read floor: vsp's signals COPY through psql, $runs times"
		q=$(floor_sql "$(day 0)")
		for k in $(seq 1 "$runs"); do
			t0=$(now)
			psql -X -q -c "$q" > /dev/null
			put "floor.$k" "$(since "$t0")"
		done
		if [ "$have_perf" = 1 ]; then
			say "profile: perf record of one more run"
			perf record -q -F 499 -o "$dir/perf.data" -- "$vsp" run --config "$dir/nat-$f.ini" --as-of "$(day 0)" -q \
				> /dev/null 2>&1 || say "perf record failed: no profile"
		fi
		gpkg_main=$dir/nat-$f/city.gpkg
	fi
	if [ "$f" = "$sql_size" ]; then
		if [ "$have_postgis" = 1 ]; then
			sql_alternative "$f" "$dir/nat-$f/city.gpkg"
		else
			say "PostGIS is not installed: no SQL alternative"
		fi
	fi
	# keep the main size's layer for the weights and permutations below
	[ "$f" = "$main" ] || rm -rf "$dir/nat-$f" "$dir/out-$f"
done

# ---- 2. weights and permutations alone ----
say "queen weights, synthetic grid (bin/bench_weights)"
"$dir/bin/bench_weights" > "$dir/bench_weights.txt"
say "queen weights on the real layer with GDAL reading (vsp weights), $runs times"
for k in $(seq 1 "$runs"); do
	/usr/bin/time -f '%e' -o "$dir/time.weights" "$vsp" weights --quiet --input "$gpkg_main" --layer pc6 --id pc6 \
		--snap 0.5 --output "$dir/w.gal" > /dev/null
	put "wcli.$k" "$(tail -n 1 "$dir/time.weights")"
done
say "Local Moran, $perms permutations, 1 thread and all (bin/bench_lisa), median of $runs"
"$dir/bin/bench_lisa" "$gpkg_main" pc6 pc6 households "$perms" "$runs" > "$dir/bench_lisa.txt" ||
	say "bench_lisa: thread counts gave different p-values"
sed 's/^/lisa./' "$dir/bench_lisa.txt" >> "$R"
put lisa.load1 "$(load1)"

# ---- 3. the city demo ----
say "city demo: generating, loading, one unmeasured night and $runs measured runs"
"$vsp" synth --output "$dir/city" --seed 42 --load -q
sed -e "s|demo-out/city/city.gpkg|$dir/city/city.gpkg|" -e "s|demo-out/runs|$dir/city-out|" config/demo.ini > "$dir/demo.ini"
vsp_run warm.city "$dir/demo.ini" 2026-09-30
for k in $(seq 1 "$runs"); do
	vsp_run "city.$k" "$dir/demo.ini" 2026-10-31
done
put load.end "$(load1)"
put bench.seconds "$(since "$t_start")"
put bench.end_epoch "$(date +%s)"
fi

# ---- the report ----
ncpu=$(nproc)
mem=$(awk '/MemTotal/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
when=$(date -u -d "@$(get bench.end_epoch)" '+%Y-%m-%d %H:%M UTC' 2>/dev/null || date -u '+%Y-%m-%d %H:%M UTC')
gccv=$(gcc -dumpfullversion 2>/dev/null || echo "?")
pgv=$("$pgbin/postgres" --version | awk '{ print $3 }')
gdalv=$(gdal-config --version 2>/dev/null || echo "?")
M=$(esc "run.$main.")
wall=$(med "$M[0-9]+\\.wall")
rss=$(maxof "$M[0-9]+\\.rss")
ingest=$(med "$M[0-9]+\\.ingest")
floor=$(med 'floor\.[0-9]+')
w_real=$(get "lisa.weights_${ncpu}_seconds")
w_cli=$(med 'wcli\.[0-9]+')
l1=$(get lisa.lisa_1_seconds)
ln=$(get "lisa.lisa_${ncpu}_seconds")
speed=$(get lisa.speedup)
city=$(med 'city\.[0-9]+\.wall')
sqlt=$(get sql.total)
sqlf=$(get sql.size)
# vsp at the SQL's size: the main size's median, or the single run of another size
if [ "$sqlf" = "$main" ]; then SQ="$M[0-9]+"; else SQ=$(esc "run.$sqlf.1"); fi
sql_all=0
for s in ingest areas quarantine cases weights score; do
	sql_all=$(calc "$sql_all + $(med "$SQ\\.$s")" '%.3f')
done
# like for like: the SQL computes no permutations
sql_like=$(calc "$sql_all - $(med "$SQ\\.score_permutations")" '%.3f')
# the same for the unmeasured first night, which read the layer through GDAL and filled the
# area cache that the measured nights read (docs/operations.md, "The area cache")
sql_cold=0
for s in ingest areas quarantine cases weights score; do
	sql_cold=$(calc "$sql_cold + $(get "warm.$sqlf.$s")" '%.3f')
done
sql_cold=$(calc "$sql_cold - $(get "warm.$sqlf.score_permutations")" '%.3f')
sql_wall=$(med "$SQ\\.wall")

verdict() { awk -v v="$1" -v t="$2" -v d="$3" 'BEGIN { if (v == "nan" || v == "") print "not measured";
	else if ((d == "le" && v + 0 <= t + 0) || (d == "ge" && v + 0 >= t + 0)) print "met"; else print "MISSED" }'; }
declare -a T
trow() { T+=("$1|$2|$3|$4"); }
trow "end to end, national PC6, 999 permutations (median of $runs)" "$wall s" "≤ 30 s" "$(verdict "$wall" 30 le)"
r_ing=$(calc "$ingest / $floor" '%.2f')
trow "ingest stage / read floor ($ingest s / $floor s)" "$r_ing ×" "≤ 1.5 ×" "$(verdict "$r_ing" 1.5 le)"
trow "queen weights, real 450k layer, all cores (GDAL read excluded)" "$w_real s" "≤ 3 s" "$(verdict "$w_real" 3 le)"
trow "Local Moran, 999 permutations, all cores" "$ln s" "≤ 10 s" "$(verdict "$ln" 10 le)"
rss_g=$(calc "$rss / 1048576" '%.2f')
trow "peak RSS of the run (max of $runs)" "$rss_g GiB" "≤ 2 GiB" "$(verdict "$rss_g" 2 le)"
trow "permutation speed-up, $ncpu threads vs 1 ($l1 s / $ln s)" "$speed ×" "≥ 1.7 ×" "$(verdict "$speed" 1.7 ge)"
if [ "$sqlt" != nan ]; then
	r_sql=$(calc "$sqlt / $sql_like" '%.1f')
	r_cold=$(calc "$sqlt / $sql_cold" '%.1f')
	trow "SQL alternative / vsp computing the same (ingest..score without permutations) at size $(frac_name "$sqlf") ($sqlt s / $sql_like s; the first night, filling the area cache: $sql_cold s, $r_cold ×)" "$r_sql ×" "≥ 20 ×" "$(verdict "$r_sql" 20 ge)"
else
	trow "SQL alternative / vsp" "nan" "≥ 20 ×" "not measured"
fi
trow "city demo, end to end (median of $runs)" "$city s" "≤ 2 s" "$(verdict "$city" 2 le)"

# per-stage table over the sizes
stage_rows() {
	local head="| stage |" rule="|---|"
	for f in "${sizes[@]}"; do head+=" $(frac_name "$f") |"; rule+="---:|"; done
	echo "$head"; echo "$rule"
	for row in n_areas n_read "${stages[@]}" publish wall cpu rss; do
		local line="| $row |"
		for f in "${sizes[@]}"; do
			local v
			v=$(med "$(esc "run.$f.")[0-9]+\\.$row")
			case $row in
				rss) v=$(calc "$v / 1024" '%.0f MB') ;;
				n_areas|n_read) v=$(calc "$v" '%d') ;;
				cpu) v="$v s" ;;
				*) v="$v s" ;;
			esac
			line+=" $v |"
		done
		echo "$line"
	done
}

{
	echo "vsp bench — $when — $ncpu cores ($cpu), $mem GiB, load $(get load.start) at start, $(get load.end) at end"
	echo
	{
		echo "target|measured|goal|verdict"
		printf '%s\n' "${T[@]}"
	} | column -t -s '|' 
	echo
	echo "seconds per stage (median; full size $runs runs, other sizes 1 run):"
	stage_rows | sed -e 's/^| //' -e 's/ |$//' -e 's/ | /\t/g' | grep -v -- '---' | column -t -s $'\t'
	echo
	echo "also: vsp weights with GDAL reading ${w_cli} s; SQL alternative $(get sql.total) s" \
		"(households $(get sql.households) s, neighbours $(get sql.neighbours) s, scores $(get sql.scores) s;" \
		"PostGIS load $(get sql.load) s not counted); bench took $(get bench.seconds) s"
} | tee "$dir/table.txt"

[ "$write_docs" = 1 ] || exit 0

# ---- docs/performance.md: the measured block ----
profile() {
	[ -s "$dir/perf.data" ] || { echo "(perf was not available: no profile)"; return; }
	echo "By library (share of all samples):"
	echo
	echo "| share | library |"
	echo "|---:|---|"
	perf report -i "$dir/perf.data" --no-children --stdio --sort dso 2>/dev/null |
		awk '/^ +[0-9.]+%/ && n++ < 10 { printf "| %s | %s |\n", $1, $2 }' 
	echo
	echo "Top functions:"
	echo
	echo "| share | library | function |"
	echo "|---:|---|---|"
	perf report -i "$dir/perf.data" --no-children --stdio --sort dso,symbol 2>/dev/null |
		awk '/^ +[0-9.]+%/ && n++ < 20 { p = $1; d = $2; $1 = $2 = $3 = ""; s = substr($0, 4);
			sub(/[ \t]+-[ \t]+-[ \t]*$/, "", s); gsub(/\|/, "\\|", s);
			if (length(s) > 70) s = substr(s, 1, 67) "..."; printf "| %s | %s | `%s` |\n", p, d, s }' 
}
weights_table() {
	echo "| weights | 1 thread | $ncpu threads | links | neighbours |"
	echo "|---|---:|---:|---:|---|"
	awk -v all="$ncpu" '
		/^(queen|rook|knn)/ {
			name = $1; snap = $2; sub(/snap=/, "", snap); th = $3; sub(/threads=/, "", th);
			key = name " " snap; t[key, th] = $4; links[key] = $7; sub(/,/, "", links[key]);
			nb[key] = $9 " mean " $11; sub(/,/, "", nb[key]); if (!(key in seen)) { seen[key] = 1; order[++n] = key } }
		END { for (i = 1; i <= n; i++) { k = order[i]; split(k, p, " ");
			label = (p[1] == "knn:6") ? "kNN k = 6 (kd-tree)" : p[1] " (snap " (p[2] == 0 ? "0, exact" : p[2] " m") ")";
			printf "| %s | %s | %s | %s | %s |\n", label, ((k, 1) in t ? t[k, 1] " s" : "—"),
				((k, all) in t ? t[k, all] " s" : "—"), links[k], nb[k] } }' "$dir/bench_weights.txt"
}
files_table() {
	echo "| file | seconds |"
	echo "|---|---:|"
	RE="^$M""1\\.file\\." awk 'BEGIN { re = ENVIRON["RE"] } $1 ~ re { f = $1; sub(/^.*\.file\./, "", f); printf "| %s | %s |\n", f, $2 }' "$R"
}

block=$dir/block.md
{
	echo "<!-- bench:begin — written by scripts/bench.sh (make bench); edit outside these markers -->"
	echo "Measured $when by \`make bench\` (scripts/bench.sh) in one session of $(calc "$(get bench.seconds) / 60" '%.1f') minutes:"
	echo "$ncpu cores ($cpu), $mem GiB, gcc $gccv \`-O2\`, PostgreSQL $pgv, GDAL $gdalv."
	echo "The machine was shared with other work: load average $(get load.start) at the start, $(get load.end) at"
	echo "the end (per-run loads below), so wall-clock figures are noisy; medians are given."
	echo
	echo "## Targets"
	echo
	echo "| target | measured | goal | verdict |"
	echo "|---|---:|---:|---|"
	for r in "${T[@]}"; do
		IFS='|' read -r a b c d <<< "$r"
		echo "| $a | $b | $c | $d |"
	done
	echo
	echo "## The nightly run, per stage and size"
	echo
	echo "\`vsp run\` at level pc6 (config/bench-national.ini: areas from city.gpkg layer pc6, queen"
	echo "weights, 999 permutations, FDR, two teams) on \`vsp synth --national --fraction F\`. Seconds"
	echo "per stage are vsp.runs.seconds. score_permutations is the part of score spent on the Local"
	echo "Moran permutations; results_db is the results going into PostgreSQL (COPY of area_scores and"
	echo "outreach, one transaction), on a thread of its own while the output files are written, so it"
	echo "overlaps outputs; neither is counted again in wall. publish is the rest of the wall clock"
	echo "(committing, renaming the folder into place, connecting, exiting); cpu is"
	echo "user + system seconds; rss is the peak resident set (GNU time). Full size: median of $runs runs"
	echo "on consecutive nights after one unmeasured night; other sizes: one run after one unmeasured night."
	echo
	stage_rows
	echo
	echo "Load averages during the full-size runs: $(RE="^$M[0-9]+\\.load\$" awk 'BEGIN { re = ENVIRON["RE"] } $1 ~ re { printf "%s%s", n++ ? ", " : "", $2 }' "$R")."
	echo "Generating and loading the data (\`vsp synth --national --load\`): $(for f in "${sizes[@]}"; do printf '%s %s s' "$(frac_name "$f")" "$(get "synth.$f")"; [ "$f" = "$main" ] || printf ', '; done)."
	echo
	echo "Output files of the first full-size run (from the run's debug log; the GeoPackage is written on"
	echo "a thread of its own while the other files are, so its time overlaps theirs):"
	echo
	files_table
	echo
	echo "## Read floor"
	echo
	echo "The signals query vsp's ingest issues (\`COPY (SELECT ... FROM vsp_source.signals WHERE received_at"
	echo "...) TO STDOUT\`, $(get "run.$main.$runs.n_read") rows for a 90-day window) as a bare \`psql -c ... > /dev/null\`:"
	echo "median $floor s of $runs. The ingest stage (that COPY, the follow-up COPY, parsing and"
	echo "validating every row, duplicates, follow-up cases): median $ingest s, $r_ing × the floor; the"
	echo "signals COPY as vsp receives it $(med "$M[0-9]+\\.ingest_copy") s."
	echo "The reference postcodes (COPY of ref.pc6, $(get "run.$main.1.n_areas") rows), which the postcode checks need, are"
	echo "read in the areas stage on a second connection while the area layer loads: $(med "$M[0-9]+\\.ingest_ref") s"
	echo "(median); the lookups and the split into used and quarantined signals follow them there."
	echo "Ingest and areas together: $(calc "$ingest + $(med "$M[0-9]+\\.areas")" '%.3f') s."
	echo
	echo "## The SQL alternative"
	echo
	if [ "$sqlt" != nan ]; then
		echo "bench/alternative.sql on PostgreSQL $pgv + PostGIS at size $(frac_name "$sqlf"): households with a signal per"
		echo "PC6 ($(get sql.n_households) households), rate, global EB, neighbours by \`ST_Touches\` ($(get sql.links) links),"
		echo "Gi* by aggregates, bins and a priority rank — less than vsp does (no quarantine, no Local Moran"
		echo "permutations, no FDR, no files). Loading the polygons with ogr2ogr (not counted): $(get sql.load) s."
		echo
		echo "| step | seconds |"
		echo "|---|---:|"
		echo "| households with a signal per PC6 | $(get sql.households) |"
		echo "| neighbours (ST_Touches self-join, GiST) | $(get sql.neighbours) |"
		echo "| EB, Gi*, bins, rank | $(get sql.scores) |"
		echo "| whole script | $sqlt |"
		echo
		echo "vsp at the same size: the stages that compute the same (ingest .. score, without the"
		echo "Local Moran permutations, which the SQL does not compute) $sql_like s — the SQL takes $r_sql × as long;"
		echo "with the 999 permutations $sql_all s ($(calc "$sqlt / $sql_all" '%.1f') ×); the whole run with every output"
		echo "file and the results in PostgreSQL $sql_wall s — the SQL takes $(calc "$sqlt / $sql_wall" '%.1f') × as long."
		echo
		echo "The measured nights read the prepared area layer and its weights from the area cache"
		echo "(docs/operations.md): areas $(med "$SQ\\.areas") s, weights $(med "$SQ\\.weights") s. The unmeasured first night read"
		echo "the layer through GDAL, checked it with GEOS, built the weights and filled the cache: areas"
		echo "$(get "warm.$sqlf.areas") s, weights $(get "warm.$sqlf.weights") s, the comparable stages $sql_cold s — the SQL takes $r_cold × as long."
		echo "Like the SQL script's polygons, loaded once into PostGIS with their index (not counted above),"
		echo "the prepared layer is made once per edition of the layer, not every night."
	else
		echo "Not measured (PostGIS missing)."
	fi
	echo
	echo "## Spatial weights at national scale"
	echo
	echo "Synthetic (bench/bench_weights.c): $(sed -n 's/^layer: //p' "$dir/bench_weights.txt"); median of 3:"
	echo
	weights_table
	echo
	echo "The real national layer (city.gpkg pc6, $(get lisa.areas) polygons, snap 0.5 m, bench/bench_lisa.c):"
	echo "queen weights $(get lisa.weights_1_seconds) s on 1 thread, $w_real s on $ncpu; $(get lisa.links) links,"
	echo "mean $(get lisa.mean_neighbours) neighbours, $(get lisa.islands) islands. Reading the layer through GDAL as a run"
	echo "does (transform, validity, point on surface): $(get lisa.read_seconds) s. \`vsp weights --input city.gpkg"
	echo "--layer pc6 --id pc6 --output x.gal\`, reading and writing included: median $w_cli s."
	echo
	echo "## Local Moran permutations"
	echo
	echo "\`score_lisa_perm\` on the real national queen weights ($(get lisa.areas) areas), $perms conditional"
	echo "permutations, median of $runs: $l1 s on 1 thread, $ln s on $ncpu threads (speed-up $speed);"
	echo "bit-identical p-values for both thread counts: $(get lisa.identical). Load: $(get lisa.load1)."
	echo
	echo "## City-scale nightly run"
	echo
	echo "The demo city (config/demo.ini: $(get city.1.n_areas) PC4 areas, $(get city.1.n_read) signals read, 999 permutations,"
	echo "all outputs): median $city s wall-clock of $runs, peak RSS $(calc "$(maxof 'city\.[0-9]+\.rss') / 1024" '%.0f') MB."
	echo
	echo "## Profile of one full-size run"
	echo
	echo "\`perf record -F 499\` over a whole \`vsp run\` at full size (all threads, all stages):"
	echo
	profile
	echo "<!-- bench:end -->"
} > "$block"

doc=docs/performance.md
if [ -f "$doc" ] && grep -q '<!-- bench:begin' "$doc" && grep -q '<!-- bench:end' "$doc"; then
	awk -v blk="$block" '/<!-- bench:begin/ { while ((getline l < blk) > 0) print l; skip = 1; next }
		/<!-- bench:end/ { skip = 0; next } !skip' "$doc" > "$doc.tmp"
else
	{ echo "# Performance"; echo; cat "$block"; } > "$doc.tmp"
fi
mv "$doc.tmp" "$doc"
say "wrote $doc"
