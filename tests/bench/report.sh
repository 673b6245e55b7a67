#!/usr/bin/env bash
# tests/bench/report.sh -- `ops/bench report`: unit-annual, rollup and completeness (every
# unit's twelve months of a year, from the month closes) at 1M and 10M events
# (100 units, 3,000 persons), request to reply (JSON) through a running collector, beside the
# same per-person metric sums computed by PostgreSQL 15 with GROUP BY over one table.
#
# ops/bench exports ML_ROOT, B (release build dir), AGENT, COLLECTOR, CLIENT and WORK.
# The history is loaded straight into the collector's store by bench_report_load (the store's
# own apply: validation, refs, roster, counters, cases), in big transactions: the queries are
# measured, not ingest, and with the collector's answer cache off (query_cache = 0): the figures
# are the computation; the cached figure is printed beside them. Every size ends with 2025 and a
# year holds REPORT_YEARLY events; the default 250,000 (about 83 per person and year, 1.6 times the density of the demo ledgers)
# makes 1M events 4 years (2022-2025) and 10M events 40 years: the year reported is the same
# size, the history ten times longer. REPORT_YEARLY=1000000 is the dense case (1M = 2025
# alone, 10M = 2016-2025, 333 events per person and year).
#
#   REPORT_SIZES="1000000 10000000"  REPORT_YEARLY=250000  REPORT_RUNS=9   (environment)
#   REPORT_PG=0 leaves PostgreSQL out (massline's figures alone, minutes sooner).
set -u -o pipefail
: "${ML_ROOT:?run through ops/bench report}" "${B:?}" "${COLLECTOR:?}" "${CLIENT:?}" "${WORK:?}"
SIZES=${REPORT_SIZES:-"1000000 10000000"}
YEARLY=${REPORT_YEARLY:-250000}
RUNS=${REPORT_RUNS:-9}
PG=${REPORT_PG:-1}
UNITS=100
PERSONS=3000
UNIT=U042                       # the unit of unit-annual
LOAD="$B/tests/bench/bench_report_load"
QUERY="$B/tests/bench/bench_report_query"
EXEC="$B/tests/bench/bench_exec"
for bin in "$LOAD" "$QUERY" "$EXEC"; do
    [ -x "$bin" ] || { echo "report: $bin is missing (build $B first)" >&2; exit 1; }
done

cpid=""
PGW=""
PGBIN=""
PG_SKIP=""
pg_as=()                        # runs a command as the cluster's owner
cleanup () {
    [ -n "$cpid" ] && kill -TERM "$cpid" 2>/dev/null && wait "$cpid" 2>/dev/null
    if [ -n "$PGW" ]; then
        [ -n "$PGBIN" ] && "${pg_as[@]}" "$PGBIN/pg_ctl" -D "$PGW/db" -m immediate stop >/dev/null 2>&1
        rm -rf "$PGW"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# CPU time of the collector so far: every thread's (queries are answered on worker threads).
cpu_ns () { cat /proc/"$cpid"/task/*/schedstat | awk '{ s += $1 } END { printf "%.0f\n", s }'; }
median () { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
field () { sed -n "s/.*$1=\([^ ]*\).*/\1/p"; }

# ---------------------------------------------------------------------------------------------
# PostgreSQL 15: a throwaway cluster in a temp dir, on a Unix socket only.

pg_setup () {
    PGBIN=/usr/lib/postgresql/15/bin
    if [ ! -x "$PGBIN/initdb" ]; then
        echo "  installing postgresql-15..."
        . "$ML_ROOT/ops/lib.sh"
        if ! ml_install_deps postgresql-15 >/dev/null 2>&1 || [ ! -x "$PGBIN/initdb" ]; then
            PG_SKIP="the Debian package postgresql-15 could not be installed"
            return 1
        fi
    fi
    PGW=$(mktemp -d /tmp/massline-pg.XXXXXX)
    chmod 755 "$PGW"
    if [ "$(id -u)" -eq 0 ]; then
        # initdb refuses to run as root: the cluster belongs to the postgres user.
        id postgres >/dev/null 2>&1 || { PG_SKIP="running as root and there is no postgres user"; return 1; }
        chown postgres "$PGW"
        pg_as=(runuser -u postgres --)
    fi
    "${pg_as[@]}" "$PGBIN/initdb" -D "$PGW/db" -A trust -U bench -E UTF8 --locale=C.UTF-8 \
        >"$PGW/initdb.log" 2>&1 || { PG_SKIP="initdb failed: $(tail -n 1 "$PGW/initdb.log")"; return 1; }
    "${pg_as[@]}" "$PGBIN/pg_ctl" -D "$PGW/db" -l "$PGW/pg.log" -w start \
        -o "-c listen_addresses='' -k $PGW -c shared_buffers=1GB -c work_mem=256MB -c fsync=off" \
        >/dev/null 2>&1 || { PG_SKIP="the cluster did not start: $(tail -n 1 "$PGW/pg.log")"; return 1; }
    return 0
}

psql_run () { "${pg_as[@]}" "$PGBIN/psql" -h "$PGW" -U bench -d postgres -X -q -v ON_ERROR_STOP=1 "$@"; }

# Prints the median time in ms of SQL (one statement, result discarded) over RUNS runs after
# one warm-up, as psql's \timing measures it (request to last row).
pg_time () {
    local sql=$1 script="$PGW/q.sql"
    { echo '\o /dev/null'; echo "$sql;"; echo '\timing on'; for _ in $(seq "$RUNS"); do echo "$sql;"; done; } > "$script"
    chmod 644 "$script"
    psql_run -f "$script" 2>&1 | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | median
}

PG_UNIT="SELECT person, kind, sub, extract(month FROM day)::int AS month, count(*) AS n,
 sum(end_day - day + 1) AS days FROM events
 WHERE unit = '$UNIT' AND day BETWEEN '2025-01-01' AND '2025-12-31'
 GROUP BY person, kind, sub, month"
PG_ALL="SELECT unit, person, kind, sub, extract(month FROM day)::int AS month, count(*) AS n,
 sum(end_day - day + 1) AS days FROM events
 WHERE day BETWEEN '2025-01-01' AND '2025-12-31'
 GROUP BY unit, person, kind, sub, month"

# Loads TSV into a fresh table; sets pg_* timings without and with an index on (unit, day).
pg_measure () {
    local tsv=$1 t0 t1
    chmod 644 "$tsv"
    psql_run -c "SET client_min_messages = warning" -c "DROP TABLE IF EXISTS events" -c "CREATE UNLOGGED TABLE events (unit text, person text,
        kind text, day date, end_day date, sub text)" || return 1
    t0=$(date +%s.%N)
    psql_run -c "COPY events FROM '$tsv'" -c "ANALYZE events" || return 1
    t1=$(date +%s.%N)
    pg_load=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
    pg_seq_unit=$(pg_time "$PG_UNIT")
    pg_seq_all=$(pg_time "$PG_ALL")
    # Each query gets the index that suits it: (unit, day) for one unit, then (day) for all.
    psql_run -c "CREATE INDEX ON events (unit, day)" -c "ANALYZE events" || return 1
    pg_idx_unit=$(pg_time "$PG_UNIT")
    psql_run -c "CREATE INDEX ON events (day)" -c "ANALYZE events" || return 1
    pg_idx_all=$(pg_time "$PG_ALL")
}

# ---------------------------------------------------------------------------------------------

echo "report: $UNITS units, $PERSONS persons; $YEARLY events a year, every history ending 2025;"
echo "        unit-annual $UNIT 2025, rollup 2025 and completeness 2025, median of $RUNS runs after a warm-up"
echo "        $(nproc) cores; load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$PG" = 0 ]; then
    PG_SKIP="REPORT_PG=0"
    echo "postgresql: skipped: $PG_SKIP"
elif pg_setup; then
    echo "  postgresql: $("$PGBIN/postgres" --version) in $PGW (Unix socket only)"
else
    echo "postgresql: skipped: $PG_SKIP"
fi

rows=()
for size in $SIZES; do
    years=$(( (size + YEARLY - 1) / YEARLY ))
    first=$(( 2025 - years + 1 ))
    dir="$WORK/report-$size"
    port=$((20000 + RANDOM % 12000))  # below Linux's ephemeral ports (32768-)
    unit_args=()
    for i in $(seq -f %03g 1 $UNITS); do unit_args+=(--unit "U$i:单位$i"); done
    "$COLLECTOR" init "$dir" "${unit_args[@]}" --ingest "tcp://127.0.0.1:$port" \
        --query "tcp://127.0.0.1:$((port + 1))" >/dev/null || exit 1
    map_mb=$(( size / 1000000 * 600 + 2048 ))
    sed -i "s/^map_size_mb = .*/map_size_mb = $map_mb/" "$dir/collector.ini"
    # The figures are the computation: answers kept per store generation (query_cache) would
    # measure a memory copy. The cache's own figure is printed after them.
    sed -i "/^\[collector\]/a query_cache = 0" "$dir/collector.ini"
    tsv=""
    [ -z "$PG_SKIP" ] && tsv="$PGW/events-$size.tsv"

    echo "  $size events ($first-2025): loading the collector's store..."
    "$LOAD" "$dir/data" "$map_mb" $UNITS $PERSONS "$size" "$first" 2025 $tsv | sed 's/^/    /' || exit 1
    echo "    store: $(du -sh "$dir/data" | cut -f1)"

    "$COLLECTOR" -c "$dir/collector.ini" serve 2>"$dir/collector.log" &
    cpid=$!
    for _ in $(seq 100); do "$CLIENT" -c "$dir/staff/admin.ini" status >/dev/null 2>&1 && break; sleep 0.2; done
    # A first pass maps the store's pages into the fresh collector; then the measured runs.
    "$QUERY" "$dir/staff/admin.ini" 1 "report unit-annual" unit=$UNIT year=2025 >/dev/null || exit 1
    "$QUERY" "$dir/staff/admin.ini" 1 "report rollup" year=2025 >/dev/null || exit 1
    "$QUERY" "$dir/staff/admin.ini" 1 "report completeness" year=2025 >/dev/null || exit 1
    c0=$(cpu_ns)
    ua=$("$QUERY" "$dir/staff/admin.ini" "$RUNS" "report unit-annual" unit=$UNIT year=2025) || exit 1
    c1=$(cpu_ns)
    ru=$("$QUERY" "$dir/staff/admin.ini" "$RUNS" "report rollup" year=2025) || exit 1
    c2=$(cpu_ns)
    co=$("$QUERY" "$dir/staff/admin.ini" "$RUNS" "report completeness" year=2025) || exit 1
    cpu_ua=$(awk -v a="$c0" -v b="$c1" -v n="$RUNS" 'BEGIN { printf "%.3f", (b - a) / (n + 1) / 1e6 }')
    cpu_ru=$(awk -v a="$c1" -v b="$c2" -v n="$RUNS" 'BEGIN { printf "%.3f", (b - a) / (n + 1) / 1e6 }')
    cli=$("$EXEC" "$RUNS" "$CLIENT" -c "$dir/staff/admin.ini" report unit-annual --unit $UNIT --year 2025 \
          --format json -o "$dir/ua.json") || exit 1
    echo "    massline unit-annual: $ua"
    echo "    massline rollup:      $ru"
    echo "    massline completeness: $co"
    echo "    collector CPU per request (schedstat: leaves out waiting for a CPU, not contention for caches): unit-annual $cpu_ua ms, rollup $cpu_ru ms"
    echo "    massline unit-annual through the CLI (process start, CURVE handshake, render): $cli"
    echo "    load average: $(cut -d' ' -f1-3 /proc/loadavg)"
    kill -TERM "$cpid"; wait "$cpid" 2>/dev/null; cpid=""
    # The same requests answered again from the collector's cache (query_cache = 1, the default).
    sed -i "s/^query_cache = 0/query_cache = 1/" "$dir/collector.ini"
    "$COLLECTOR" -c "$dir/collector.ini" serve 2>>"$dir/collector.log" &
    cpid=$!
    for _ in $(seq 100); do "$CLIENT" -c "$dir/staff/admin.ini" status >/dev/null 2>&1 && break; sleep 0.2; done
    "$QUERY" "$dir/staff/admin.ini" 1 "report unit-annual" unit=$UNIT year=2025 >/dev/null || exit 1
    "$QUERY" "$dir/staff/admin.ini" 1 "report rollup" year=2025 >/dev/null || exit 1
    cua=$("$QUERY" "$dir/staff/admin.ini" "$RUNS" "report unit-annual" unit=$UNIT year=2025 | field median_ms) || exit 1
    cru=$("$QUERY" "$dir/staff/admin.ini" "$RUNS" "report rollup" year=2025 | field median_ms) || exit 1
    echo "    from the collector's cache (store unchanged; query_cache = 1): unit-annual $cua ms, rollup $cru ms"
    kill -TERM "$cpid"; wait "$cpid" 2>/dev/null; cpid=""
    ml_ua=$(echo "$ua" | field median_ms)
    ml_ru=$(echo "$ru" | field median_ms)
    ml_co=$(echo "$co" | field median_ms)

    pg_seq_unit=- pg_seq_all=- pg_idx_unit=- pg_idx_all=- pg_load=-
    if [ -z "$PG_SKIP" ]; then
        echo "  $size events: the same events into PostgreSQL..."
        pg_measure "$tsv" || { echo "postgresql: skipped at $size: a statement failed (see $PGW/pg.log)"; }
        echo "    postgres COPY + ANALYZE: ${pg_load} s"
        rm -f "$tsv"
    fi
    rm -rf "$dir/data"
    rows+=("$size $years $ml_ua $ml_ru $pg_seq_unit $pg_seq_all $pg_idx_unit $pg_idx_all $cpu_ua $cpu_ru $ml_co")
done

speedup () { awk -v p="$1" -v m="$2" 'BEGIN { if (p == "-" || m <= 0) print "-"; else printf "%.0fx", p / m }'; }
echo
echo "                  massline              postgres 15, no index   postgres 15, indexed    speedup vs no index   speedup vs indexed    collector CPU/request"
printf '%-9s %5s  %-21s %-23s %-23s %-21s %-21s %s\n' "events" "years" "unit-annual  rollup" \
    "unit-annual  rollup" "unit-annual  rollup" "unit-annual  rollup" "unit-annual  rollup" "unit-annual  rollup"
for row in "${rows[@]}"; do
    read -r size years ml_ua ml_ru ps_u ps_a pi_u pi_a cpu_ua cpu_ru ml_co <<< "$row"
    printf '%-9s %5s  %8s ms %7s ms  %8s ms %9s ms  %8s ms %9s ms  %11s %9s  %11s %7s  %8s ms %7s ms\n' \
        "$size" "$years" "$ml_ua" "$ml_ru" "$ps_u" "$ps_a" "$pi_u" "$pi_a" \
        "$(speedup "$ps_u" "$ml_ua")" "$(speedup "$ps_a" "$ml_ru")" \
        "$(speedup "$pi_u" "$ml_ua")" "$(speedup "$pi_a" "$ml_ru")" "$cpu_ua" "$cpu_ru"
done
echo
echo "completeness ($UNITS units x 12 months of 2025, from the month closes; no PostgreSQL counterpart)"
printf '%-9s %5s  %s\n' "events" "years" "massline completeness"
for row in "${rows[@]}"; do
    read -r size years _ _ _ _ _ _ _ _ ml_co <<< "$row"
    printf '%-9s %5s  %12s ms\n' "$size" "$years" "$ml_co"
done
echo
echo "massline: request to parsed JSON reply over CURVE, the whole report (every rule judged, cases, JSON)."
echo "postgres: request to last row in psql, only the per-person metric sums (GROUP BY person, kind, sub, month);"
echo "          indexed: unit-annual with an index on (unit, day), rollup with one on (day) as well."
echo "goals: unit-annual < 5 ms and rollup < 50 ms at 1M and 10M (rules v2); >= 100x PostgreSQL at 10M events;"
echo "       completeness < 50 ms at 10M events."
[ -n "$PG_SKIP" ] && echo "postgresql: skipped: $PG_SKIP"
exit 0
