#!/usr/bin/env bash
# tests/bench/web.sh -- `ops/bench web`: massline-web's dashboard and unit page, p50/p99 latency
# with 50 concurrent signed-in sessions (tests/bench/bench_web_load.c: a thread and a keep-alive
# connection each), against a real collector and
# massline-web over a store loaded as `ops/bench report` loads it (bench_report_load: 100 units,
# 3,000 persons, REPORT_YEARLY events a year ending 2025), beside the same queries in the same
# run: through the CLI (`massline report rollup` / `unit-annual`, a process each) and straight
# over the query protocol (bench_report_query, one connection, one at a time).
#
# Three conditions of the store, in the same run:
#   warm      the store does not change: after the first request every page is massline-web's
#             kept body (and the collector's kept answers);
#   changing  the store changes during the timed requests: one more unit, U101 (registered, not
#             loaded), has its agent running, and a loop records one talk there every
#             WEB_CHANGE_MS (200) ms (`massline-agent record`, delivered at once by `run`): each
#             delivery is a new store generation, so kept pages and answers go stale that often;
#   cold      one session, the first dashboard after a change: one talk recorded and delivered
#             (acknowledged, `massline status`), then one request, WEB_RUNS times.
#
# ops/bench exports ML_ROOT, B (release build dir), AGENT, COLLECTOR, CLIENT and WORK.
#   WEB_SIZE=10000000  WEB_SESSIONS=50  WEB_REQUESTS=20 (per session and page)  WEB_RUNS=9
#   WEB_CHANGE_MS=200  WEB_CHANGE_REQUESTS=100 (per session and page, store changing: a few
#   seconds, many generations)  REPORT_YEARLY=250000                           (environment)
set -u -o pipefail
: "${ML_ROOT:?run through ops/bench web}" "${B:?}" "${COLLECTOR:?}" "${CLIENT:?}" "${WORK:?}"
AGENT=${AGENT:-$B/agent/massline-agent}
SIZE=${WEB_SIZE:-10000000}
SESSIONS=${WEB_SESSIONS:-50}
REQUESTS=${WEB_REQUESTS:-20}
RUNS=${WEB_RUNS:-9}
CHANGE_MS=${WEB_CHANGE_MS:-200}
CHANGE_REQUESTS=${WEB_CHANGE_REQUESTS:-100}
YEARLY=${REPORT_YEARLY:-250000}
UNITS=100
PERSONS=3000
UNIT=U042
WEB="$B/collector/web/massline-web"
LOAD="$B/tests/bench/bench_report_load"
QUERY="$B/tests/bench/bench_report_query"
EXEC="$B/tests/bench/bench_exec"
CLIENTS="$B/tests/bench/bench_web_load"
for bin in "$AGENT" "$WEB" "$LOAD" "$QUERY" "$EXEC" "$CLIENTS"; do
    [ -x "$bin" ] || { echo "web: $bin is missing (build $B first)" >&2; exit 1; }
done

cpid="" wpid="" apid="" chpid=""
cleanup () {
    [ -n "$chpid" ] && touch "$dir/stop-changing" && wait "$chpid" 2>/dev/null
    for p in $wpid $apid $cpid; do kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM
field () { sed -n "s/.*$1=\([^ ]*\).*/\1/p"; }

years=$(( (SIZE + YEARLY - 1) / YEARLY ))
first=$(( 2025 - years + 1 ))
dir="$WORK/web-$SIZE"
port=$((20000 + RANDOM % 12000))   # ingest, query, web: below Linux's ephemeral ports
unit_args=()
for i in $(seq -f %03g 1 $UNITS); do unit_args+=(--unit "U$i:单位$i"); done
LIVE=U$(printf %03d $((UNITS + 1)))     # registered, not loaded: its agent changes the store
unit_args+=(--unit "$LIVE:在线单位")
echo "web: $SESSIONS sessions at once, $REQUESTS requests each per page after a warm-up; $SIZE events"
echo "     ($first-2025, $YEARLY a year), $UNITS units, $PERSONS persons (+ $LIVE, changing); $(nproc) cores;" \
     "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
"$COLLECTOR" init "$dir" "${unit_args[@]}" --ingest "tcp://127.0.0.1:$port" \
    --query "tcp://127.0.0.1:$((port + 1))" >/dev/null || exit 1
map_mb=$(( SIZE / 1000000 * 600 + 2048 ))
sed -i "s/^map_size_mb = .*/map_size_mb = $map_mb/" "$dir/collector.ini"
echo "  loading the collector's store..."
"$LOAD" "$dir/data" "$map_mb" $UNITS $PERSONS "$SIZE" "$first" 2025 | sed 's/^/    /' || exit 1
echo "    store: $(du -sh "$dir/data" | cut -f1)"

"$COLLECTOR" -c "$dir/collector.ini" serve 2>"$dir/collector.log" &
cpid=$!
for _ in $(seq 100); do "$CLIENT" -c "$dir/staff/admin.ini" status >/dev/null 2>&1 && break; sleep 0.2; done

# massline-web with one staff account (fast_hash: the sign-ins are not measured).
sed -i "s/^listen = .*/listen = 127.0.0.1:$((port + 2))/" "$dir/web.ini"
printf 'fast_hash = 1\n' >> "$dir/web.ini"
echo "bench-password" | "$WEB" -c "$dir/web.ini" user add 基准 --role staff 2>/dev/null || exit 1
"$WEB" -c "$dir/web.ini" serve 2>"$dir/web.log" &
wpid=$!
for _ in $(seq 100); do grep -q serving "$dir/web.log" && break; sleep 0.1; done
grep -q serving "$dir/web.log" || { echo "web: massline-web did not start:" >&2; cat "$dir/web.log" >&2; exit 1; }
URL="http://127.0.0.1:$((port + 2))/"

# The live unit's agent: its roster (a person and a branch), then `run`, delivering what is recorded.
live="$dir/agents/$LIVE/agent.ini"
printf '%s\n' \
  '{"kind": "person", "ref": "LIVE-P001", "person": "P001", "name": "在线", "org": "B01", "roles": [{"role": "party_member", "from": "2025-01-01"}]}' \
  '{"kind": "org", "ref": "LIVE-B01", "org": "B01", "name": "在线支部", "head": "P001"}' >"$dir/live.jsonl"
"$AGENT" -c "$live" import "$dir/live.jsonl" >/dev/null || exit 1
"$AGENT" -c "$live" run 2>"$dir/agent.log" &
apid=$!
live_seq=2                          # the events the live agent recorded so far
talk () { "$AGENT" -c "$live" record talk ref="LIVE-$1" date=2025-11-03 person=P001 with=职工 \
              with_category=masses form=individual mode=in_person >/dev/null; }
acked () { "$CLIENT" -c "$dir/staff/admin.ini" status 2>/dev/null | awk -v u="$LIVE" '$1 == u { print $6 }'; }
wait_acked () {                     # until the collector acknowledged $1 events of the live unit
    for _ in $(seq 600); do [ "$(acked)" = "$1" ] && return 0; sleep 0.05; done
    echo "web: $LIVE's events were not delivered ($(acked) of $1)" >&2; return 1
}
wait_acked $live_seq || exit 1

# The same queries first through the protocol (also maps the store's pages), then the CLI.
"$QUERY" "$dir/staff/admin.ini" 1 "report rollup" year=2025 >/dev/null || exit 1
"$QUERY" "$dir/staff/admin.ini" 1 "report unit-annual" unit=$UNIT year=2025 >/dev/null || exit 1
q_ru=$("$QUERY" "$dir/staff/admin.ini" "$RUNS" "report rollup" year=2025) || exit 1
q_ua=$("$QUERY" "$dir/staff/admin.ini" "$RUNS" "report unit-annual" unit=$UNIT year=2025) || exit 1
cli_ru=$("$EXEC" "$RUNS" "$CLIENT" -c "$dir/staff/admin.ini" report rollup --year 2025 \
         --format json -o "$dir/ru.json") || exit 1
cli_ua=$("$EXEC" "$RUNS" "$CLIENT" -c "$dir/staff/admin.ini" report unit-annual --unit $UNIT \
         --year 2025 --format json -o "$dir/ua.json") || exit 1
# One page alone (one session, one at a time): what a single clerk waits for.
one=$("$CLIENTS" "$URL" 基准 bench-password 1 "$RUNS" \
      "/?year=2025" "/units/$UNIT?year=2025") || exit 1

echo "  dashboard, $SESSIONS sessions at once..."
dash=$("$CLIENTS" "$URL" 基准 bench-password "$SESSIONS" "$REQUESTS" \
       "/?year=2025") || { echo "$dash"; exit 1; }
echo "  unit page, $SESSIONS sessions at once..."
unit=$("$CLIENTS" "$URL" 基准 bench-password "$SESSIONS" "$REQUESTS" \
       "/units/$UNIT?year=2025") || { echo "$unit"; exit 1; }
# The same while the store changes: a talk recorded in the live unit every CHANGE_MS ms.
changing () {
    local i=0 pause
    pause=$(awk -v ms="$CHANGE_MS" 'BEGIN { printf "%.3f", ms / 1000 }')
    while [ ! -e "$dir/stop-changing" ]; do
        i=$((i + 1))
        talk "W$i" || break
        sleep "$pause"
    done
    echo $i >"$dir/changed"
}
rm -f "$dir/stop-changing"
changing &
chpid=$!
ch_t0=$(date +%s.%N)
echo "  dashboard, $SESSIONS sessions at once, $CHANGE_REQUESTS requests each, while the store changes every $CHANGE_MS ms..."
dash_ch=$("$CLIENTS" "$URL" 基准 bench-password "$SESSIONS" "$CHANGE_REQUESTS" \
          "/?year=2025") || { echo "$dash_ch"; exit 1; }
echo "  unit page, $SESSIONS sessions at once, while the store changes..."
unit_ch=$("$CLIENTS" "$URL" 基准 bench-password "$SESSIONS" "$CHANGE_REQUESTS" \
          "/units/$UNIT?year=2025") || { echo "$unit_ch"; exit 1; }
touch "$dir/stop-changing"
wait "$chpid"
chpid=""
ch_s=$(awk -v a="$ch_t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
changed=$(cat "$dir/changed")
live_seq=$((live_seq + changed))
wait_acked $live_seq || exit 1
# The first dashboard after a change, one session: a talk delivered, then one request.
echo "  dashboard, 1 session, the first request after a change, $RUNS times..."
cold=()
for k in $(seq "$RUNS"); do
    talk "C$k" || exit 1
    live_seq=$((live_seq + 1))
    wait_acked $live_seq || exit 1
    c=$(BENCH_WEB_WARMUP=0 "$CLIENTS" "$URL" 基准 bench-password 1 1 "/?year=2025") || { echo "$c"; exit 1; }
    cold+=("$(echo "$c" | grep 'path=/?' | field max_ms)")
done
cold_sorted=$(printf '%s\n' "${cold[@]}" | sort -g)
cold_p50=$(echo "$cold_sorted" | sed -n "$(( (RUNS + 1) / 2 ))p")
cold_max=$(echo "$cold_sorted" | tail -n 1)
# The same through the Python client (web_load.py), whose own threads share the two cores.
echo "  unit page, $SESSIONS sessions at once, Python client..."
unit_py=$(python3 "$ML_ROOT/tests/bench/web_load.py" "$URL" 基准 bench-password "$SESSIONS" "$REQUESTS" \
       "/units/$UNIT?year=2025") || { echo "$unit_py"; exit 1; }
echo "    load average: $(cut -d' ' -f1-3 /proc/loadavg)"
kill -TERM "$wpid" && wait "$wpid" 2>/dev/null
wpid=""
page_cache=$(sed -n 's/.*\(page cache: .*\)/\1/p' "$dir/web.log")

line () { printf '%-52s %9s %9s %9s\n' "$@"; }
echo
line "measurement (ms)" p50 p99 max
line "dashboard /?year=2025, $SESSIONS sessions, warm" "$(echo "$dash" | grep 'path=/?' | field p50_ms)" \
     "$(echo "$dash" | grep 'path=/?' | field p99_ms)" "$(echo "$dash" | grep 'path=/?' | field max_ms)"
line "dashboard, $SESSIONS sessions, store changing" "$(echo "$dash_ch" | grep 'path=/?' | field p50_ms)" \
     "$(echo "$dash_ch" | grep 'path=/?' | field p99_ms)" "$(echo "$dash_ch" | grep 'path=/?' | field max_ms)"
line "unit page /units/$UNIT, $SESSIONS sessions, warm" "$(echo "$unit" | grep 'path=/units' | field p50_ms)" \
     "$(echo "$unit" | grep 'path=/units' | field p99_ms)" "$(echo "$unit" | grep 'path=/units' | field max_ms)"
line "unit page, $SESSIONS sessions, store changing" "$(echo "$unit_ch" | grep 'path=/units' | field p50_ms)" \
     "$(echo "$unit_ch" | grep 'path=/units' | field p99_ms)" "$(echo "$unit_ch" | grep 'path=/units' | field max_ms)"
line "unit page, $SESSIONS sessions, Python client" "$(echo "$unit_py" | grep 'path=/units' | field p50_ms)" \
     "$(echo "$unit_py" | grep 'path=/units' | field p99_ms)" "$(echo "$unit_py" | grep 'path=/units' | field max_ms)"
line "dashboard, 1 session" "$(echo "$one" | grep 'path=/?' | field p50_ms)" \
     "$(echo "$one" | grep 'path=/?' | field p99_ms)" "$(echo "$one" | grep 'path=/?' | field max_ms)"
line "unit page, 1 session" "$(echo "$one" | grep 'path=/units' | field p50_ms)" \
     "$(echo "$one" | grep 'path=/units' | field p99_ms)" "$(echo "$one" | grep 'path=/units' | field max_ms)"
line "dashboard, 1 session, cache cold ($RUNS changes)" "$cold_p50" "-" "$cold_max"
line "massline report rollup --format json (CLI)" "$(echo "$cli_ru" | field median_ms)" \
     "$(echo "$cli_ru" | field p99_ms)" "$(echo "$cli_ru" | field max_ms)"
line "massline report unit-annual $UNIT (CLI)" "$(echo "$cli_ua" | field median_ms)" \
     "$(echo "$cli_ua" | field p99_ms)" "$(echo "$cli_ua" | field max_ms)"
line "report rollup over the query protocol" "$(echo "$q_ru" | field median_ms)" "-" "$(echo "$q_ru" | field max_ms)"
line "report unit-annual over the query protocol" "$(echo "$q_ua" | field median_ms)" "-" "$(echo "$q_ua" | field max_ms)"
echo
echo "$dash" | tail -n 1 | sed 's/^web total/dashboard: total/'
echo "$unit" | tail -n 1 | sed 's/^web total/unit page: total/'
echo "$unit_py" | tail -n 1 | sed 's/^web total/unit page, Python client: total/'
echo "$dash_ch" | tail -n 1 | sed 's/^web total/dashboard, store changing: total/'
echo "$unit_ch" | tail -n 1 | sed 's/^web total/unit page, store changing: total/'
echo "store changing: $changed talks recorded and delivered in $LIVE in $ch_s s (one every $CHANGE_MS ms" \
     "asked; each a new store generation); cold: ${cold[*]} ms"
echo "massline-web: $page_cache"
echo "warm: the store unchanged (kept pages); store changing: a talk every $CHANGE_MS ms during the timed"
echo "     requests; cache cold: the first dashboard after a delivered change, one session (its p50 is the median)."
echo "web: request to last byte in a C client thread (bench_web_load: keep-alive, signed in); CLI: process"
echo "     start, CURVE handshake, query, JSON written; protocol: bench_report_query's median, one connection."
echo "goals: dashboard p99 < 100 ms, unit page p99 < 50 ms with $SESSIONS sessions (issue 14)."
exit 0
