#!/usr/bin/env bash
# tests/bench/tier.sh -- `ops/bench tier [MEMBERS] [BYTES]`: 100 member bureaus each relaying a
# 1 MB report to one committee (issue 13), beside raw CURVE transport of the same bytes.
#
# What runs: a real committee collector (`massline-collector init --tier committee --member
# B001 ... --member B100`, then `serve`: CURVE, ZAP by member key, validation of each `report`
# event against its digest, its durable store and tier_in) on loopback. The 100 bureaus are not
# 100 bureau collectors: bench_tier drives the delivery library the collector's upstream relay
# uses (delivery/ml_outbox.c + ml_forward.c, configured as collector/ml_relay.c configures
# them), one outbox and one forwarder per member key from the committee's members/Bnnn bundles,
# each on its own thread. Each outbox gets its report appended by ref as the relay copies
# tier_out (not timed); the clock runs from the moment all forwarders start (first send: each
# one's CURVE handshake and Hello/Welcome) to the last Ack. What is not measured: the bureau's
# own decision (the roll-up built in review accept's transaction) and the relay's copy.
# The baseline: the same packed Batch frames from 100 DEALERs to one ROUTER over CURVE in the
# same run, handshakes before the clock, a 3-byte ack per frame, no work (best of 3).
# Also: the committee collector's peak RSS (VmHWM) and CPU seconds, and a check that every
# member's document is stored once with its seal verified.
#
# ops/bench exports ML_ROOT, B (release build dir), COLLECTOR, CLIENT and WORK.
set -u -o pipefail
: "${ML_ROOT:?run through ops/bench tier}" "${B:?}" "${COLLECTOR:?}" "${CLIENT:?}" "${WORK:?}"
members=${1:-100}
bytes=${2:-1048576}
BENCH="$B/tests/bench/bench_tier"
[ -x "$BENCH" ] || { echo "tier: $BENCH is missing (build $B first)" >&2; exit 1; }
echo "tier: $members members relay a $bytes-byte report each to one committee collector"

best () { awk -v s="$1" -v b="${2:-1e9}" 'BEGIN { print (s + 0 < b + 0 ? s : b) }'; }
field () { local v=${1#*"$2"=}; echo "${v%% *}"; }

port=$((20000 + RANDOM % 20000))
args=()
for i in $(seq 1 "$members"); do args+=(--member "$(printf 'B%03d' "$i"):基准局$i"); done
"$COLLECTOR" init "$WORK/committee" --tier committee "${args[@]}" \
    --ingest "tcp://127.0.0.1:$port" --query "tcp://127.0.0.1:$((port + 1))" >/dev/null || exit 1
"$COLLECTOR" -c "$WORK/committee/collector.ini" staff add rev --role reviewer >/dev/null || exit 1
"$COLLECTOR" -c "$WORK/committee/collector.ini" serve 2>"$WORK/committee.log" &
cpid=$!
trap 'kill "$cpid" 2>/dev/null; wait "$cpid" 2>/dev/null' EXIT
client=("$CLIENT" -c "$WORK/committee/staff/rev.ini")
for _ in $(seq 1 100); do "${client[@]}" status >/dev/null 2>&1 && break; sleep 0.1; done
cpu () { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$cpid/stat"; }
rss0=$(awk '/VmHWM/ { print $2 }' "/proc/$cpid/status")

transport=""
for run in 1 2 3; do
    t=$("$BENCH" transport "$members" "$bytes") || exit 1
    frame=$(field "$t" frame_bytes)
    transport=$(best "$(field "$t" seconds)" "$transport")
done

mkdir -p "$WORK/relay"
c0=$(cpu)
r=$("$BENCH" relay "$WORK/committee" "$members" "$bytes" "$WORK/relay" 2>"$WORK/relay.log") \
    || { echo "$r"; tail "$WORK/relay.log" "$WORK/committee.log"; exit 1; }
c1=$(cpu)
relay=$(field "$r" seconds)
rss=$(awk '/VmHWM/ { print $2 }' "/proc/$cpid/status")

"${client[@]}" report members --year 2025 > "$WORK/members.json" || exit 1
python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))["members"]
docs = [d for x in m for d in x["documents"]]
ok = [d for d in docs if d["seal"] == "verified"]
n = int(sys.argv[2])
assert len(m) == n and len(docs) == n and len(ok) == n, (len(m), len(docs), len(ok))
print(f"  stored: {len(docs)} documents, one per member, every seal verified")
' "$WORK/members.json" "$members" || exit 1

mb=$(awk -v m="$members" -v b="$frame" 'BEGIN { printf "%.1f", m * b / 1048576 }')
printf '\n%-62s %8s %9s\n' "measurement ($mb MB in $members frames of $frame bytes)" "wall s" "MB/s"
printf '%-62s %8s %9s\n' "(a) transport: $members DEALERs -> ROUTER, CURVE, no work (best of 3)" \
    "$transport" "$(awk -v s="$transport" -v m="$mb" 'BEGIN { printf "%.0f", m / s }')"
printf '%-62s %8s %9s\n' "(b) relay: $members outboxes+forwarders -> committee collector" \
    "$relay" "$(awk -v s="$relay" -v m="$mb" 'BEGIN { printf "%.0f", m / s }')"
printf '    (b) is first send -> last ack, each forwarder connecting, CURVE, Hello/Welcome\n'
printf '    committee collector: peak RSS %s kB (%s kB before the relays), cpu %s s during them\n' \
    "$rss" "$rss0" "$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')"
printf '    load average: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
ratio=$(awk -v r="$relay" -v t="$transport" 'BEGIN { printf "%.1f", r / t }')
echo "tier: relay=${relay}s transport=${transport}s ratio=${ratio} committee_rss_kb=${rss}"
