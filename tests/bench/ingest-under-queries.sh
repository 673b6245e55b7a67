#!/usr/bin/env bash
# tests/bench/ingest-under-queries.sh -- `ops/bench ingest-under-queries [EVENTS]`: one unit's
# delivery of EVENTS events (default 200,000) to a running collector, quiet, then again (another
# unit, as many events) while 20 connections of a third unit's own key keep a `report unit-annual`
# each always asked (issue 16: queries must not stall ingest; the goal is >= 0.8x). Same collector,
# same run. The reported unit holds QUERY_UNIT_EVENTS (default 100,000) events, delivered before.
#
# ops/bench exports ML_ROOT, B (release build dir), AGENT, COLLECTOR, CLIENT and WORK.
set -u -o pipefail
: "${ML_ROOT:?run through ops/bench ingest-under-queries}" "${B:?}" "${AGENT:?}" "${COLLECTOR:?}" "${WORK:?}"
EVENTS=${1:-200000}
REPORTED=${QUERY_UNIT_EVENTS:-100000}
CLIENTS=20
GEN="$B/tests/bench/bench_ingest"
LOAD="$B/tests/bench/bench_query_load"
for bin in "$GEN" "$LOAD"; do
    [ -x "$bin" ] || { echo "ingest-under-queries: $bin is missing (build $B first)" >&2; exit 1; }
done
cpid=""
lpid=""
cleanup () {
    [ -n "$lpid" ] && kill -TERM "$lpid" 2>/dev/null
    [ -n "$cpid" ] && kill -TERM "$cpid" 2>/dev/null
    wait 2>/dev/null
}
trap cleanup EXIT

now () { date +%s.%N; }
secs () { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
rate () { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }

echo "ingest under queries: $EVENTS events per delivery; $CLIENTS report clients on a unit of $REPORTED events"
port=$((20000 + RANDOM % 20000))
"$COLLECTOR" init "$WORK/bureau" --unit B001:报告单位 --unit B002:基准单位2 --unit B003:基准单位3 \
    --ingest "tcp://127.0.0.1:$port" --query "tcp://127.0.0.1:$((port + 1))" >/dev/null || exit 1
echo "  importing (not timed)..."
for u in B001 B002 B003; do
    n=$EVENTS; [ "$u" = B001 ] && n=$REPORTED
    "$GEN" gen "$u" "$n" > "$WORK/$u.jsonl" || exit 1
    "$AGENT" -c "$WORK/bureau/agents/$u/agent.ini" import "$WORK/$u.jsonl" >/dev/null || exit 1
    rm -f "$WORK/$u.jsonl"
done
# B001's own key asks for its own unit-annual, as a hospital would (agents/B001/client.ini).
ini="$WORK/bureau/agents/B001/client.ini"
sed -e 's/^public_key *=.*/public_key = agent.pub/' -e 's/^secret_key *=.*/secret_key = agent.key/' \
    "$WORK/bureau/staff/admin.ini" > "$ini"
cp "$WORK/bureau/keys/collector.pub" "$WORK/bureau/agents/B001/" 2>/dev/null
grep -q '^collector_key' "$ini" && sed -i 's|^collector_key *=.*|collector_key = collector.pub|' "$ini"

"$COLLECTOR" -c "$WORK/bureau/collector.ini" serve 2>"$WORK/collector.log" &
cpid=$!
sleep 0.5
"$AGENT" -c "$WORK/bureau/agents/B001/agent.ini" flush --timeout 600 2>"$WORK/agent-B001.log" \
    || { echo "B001 flush failed; see $WORK"; exit 1; }

flush_timed () {        # UNIT -> prints seconds
    local t0 t1
    t0=$(now)
    "$AGENT" -c "$WORK/bureau/agents/$1/agent.ini" flush --timeout 600 2>"$WORK/agent-$1.log" \
        || { echo "$1 flush failed; see $WORK" >&2; return 1; }
    t1=$(now)
    secs "$t0" "$t1"
}

quiet=$(flush_timed B002) || exit 1
"$LOAD" "$ini" "$CLIENTS" "report unit-annual" unit=B001 year=2025 > "$WORK/load.txt" 2>"$WORK/load.err" &
lpid=$!
sleep 1                 # the load is running before the delivery starts
loaded=$(flush_timed B003) || exit 1
kill -TERM "$lpid"; wait "$lpid"; lpid=""
load=$(cat "$WORK/load.txt")
[ -n "$load" ] || { echo "the report load failed: $(cat "$WORK/load.err")"; exit 1; }
rq=$(rate $((EVENTS + 1)) "$quiet")
rl=$(rate $((EVENTS + 1)) "$loaded")
ratio=$(awk -v l="$rl" -v q="$rq" 'BEGIN { printf "%.2f", l / q }')

printf '\n%-52s %10s %10s\n' "measurement" "seconds" "events/s"
printf '%-52s %10s %10s\n' "(a) delivery of B002, no queries" "$quiet" "$rq"
printf '%-52s %10s %10s\n' "(b) delivery of B003, $CLIENTS report clients of B001" "$loaded" "$rl"
printf '    report load (from 1 s before (b) to its end): %s\n' "${load#load }"
echo "ingest-under-queries: quiet=$rq loaded=$rl ratio=$ratio (goal >= 0.80)"
