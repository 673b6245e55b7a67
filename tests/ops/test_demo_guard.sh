#!/usr/bin/env bash
# tests/ops/test_demo_guard.sh -- ops/demo never wipes a demo-run that a running collector uses,
# and says so when its ports are taken, before it installs or builds anything: a real collector
# serves from a demo-run folder, then ops/demo is started against that folder, and against its
# ports. Each refusal must come within 60 s (ops/demo would otherwise go on to build).
#
#   bash tests/ops/test_demo_guard.sh BUILDDIR
# Ends with "N passed, N failed"; exit 0 only when nothing failed.
set -u
BUILD=$(cd "${1:?usage: test_demo_guard.sh BUILDDIR}" && pwd) || exit 2
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
COLLECTOR="$BUILD/collector/massline-collector"
DEMO=${ML_DEMO:-$ROOT/ops/demo}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ml-demo-guard.XXXXXX")
SERVE_PID=""
# shellcheck disable=SC2317  # called by the trap
cleanup () {
    [ -n "$SERVE_PID" ] && { kill -TERM "$SERVE_PID" 2>/dev/null; wait "$SERVE_PID" 2>/dev/null; }
    rm -rf -- "$WORK"
}
trap cleanup EXIT
passed=0 failed=0
check () {
    local what=$1; shift
    if "$@"; then passed=$((passed + 1)); echo "ok - $what"; else failed=$((failed + 1)); echo "not ok - $what"; fi
}
free_port_pair () {   # a port P with P and P + 1 free a moment ago
    python3 -c 'import socket
for _ in range(100):
    a = socket.socket(); a.bind(("127.0.0.1", 0)); p = a.getsockname()[1]
    b = socket.socket()
    try:
        b.bind(("127.0.0.1", p + 1)); print(p); break
    except OSError: pass'
}

P=$(free_port_pair)
RUN="$WORK/demo-run"
"$COLLECTOR" init "$RUN" --unit H001 --ingest "tcp://127.0.0.1:$P" --query "tcp://127.0.0.1:$((P + 1))" \
    >"$WORK/init.log" 2>&1 || { cat "$WORK/init.log"; echo "0 passed, 1 failed"; exit 1; }
"$COLLECTOR" -c "$RUN/collector.ini" serve 2>"$WORK/serve.log" &
SERVE_PID=$!
for _ in $(seq 100); do grep -q serving "$WORK/serve.log" && break; sleep 0.1; done
check "a collector serves from $RUN" grep -q serving "$WORK/serve.log"

# Its folder, demo on other ports: refused, the folder kept.
Q=$(free_port_pair)
ML_DEMO_RUN=$RUN ML_DEMO_PORT=$Q timeout 60 "$DEMO" >"$WORK/d1.out" 2>&1
rc=$?
check "ops/demo on a demo-run in use exits 1 (not $rc)" [ $rc -eq 1 ]
check "... naming the collector that uses it" grep -q "is in use by process $SERVE_PID (massline-coll" "$WORK/d1.out"
check "... and the folder is untouched" test -f "$RUN/data/data.mdb" -a -f "$RUN/collector.ini"
check "... and the collector still serves" kill -0 "$SERVE_PID"

# Another folder, the collector's ports: refused before anything is made.
ML_DEMO_RUN="$WORK/other" ML_DEMO_PORT=$P timeout 60 "$DEMO" >"$WORK/d2.out" 2>&1
rc=$?
check "ops/demo on taken ports exits 1 (not $rc)" [ $rc -eq 1 ]
check "... saying which port" grep -q "port $P on 127.0.0.1 is taken" "$WORK/d2.out"
check "... and makes nothing" [ ! -e "$WORK/other" ]
cat "$WORK/d1.out" "$WORK/d2.out"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
