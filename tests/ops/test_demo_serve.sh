#!/usr/bin/env bash
# tests/ops/test_demo_serve.sh -- `ops/demo --serve` keeps the collector and massline-web running
# after the demo with the login it prints, and Ctrl-C stops everything it started: the whole demo
# runs (ML_DEMO_BUILD = this build, so nothing is rebuilt; ML_DEMO_RUN a temp folder; free ports),
# then the printed account signs in over HTTP (GET /login for the CSRF token, POST), the
# dashboard answers 200 in Chinese, and after SIGINT no process of the demo is left.
#
#   bash tests/ops/test_demo_serve.sh BUILDDIR
# Ends with "N passed, N failed"; exit 0 only when nothing failed.
set -u
BUILD=$(cd "${1:?usage: test_demo_serve.sh BUILDDIR}" && pwd) || exit 2
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DEMO=${ML_DEMO:-$ROOT/ops/demo}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ml-demo-serve.XXXXXX")
RUN="$WORK/demo-run"
DEMO_PID=""
# shellcheck disable=SC2317  # called by the trap
cleanup () {
    [ -n "$DEMO_PID" ] && kill -TERM -- "-$DEMO_PID" 2>/dev/null
    wait 2>/dev/null
    rm -rf -- "$WORK"
}
trap cleanup EXIT
passed=0 failed=0
check () {
    local what=$1; shift
    if "$@"; then passed=$((passed + 1)); echo "ok - $what"; else failed=$((failed + 1)); echo "not ok - $what"; fi
}
free_port_run () {   # a port P with P to P + 4 free a moment ago (ingest, query, the committee's two, web)
    python3 -c 'import socket
for _ in range(100):
    s = [socket.socket()]; s[0].bind(("127.0.0.1", 0)); p = s[0].getsockname()[1]
    try:
        for i in (1, 2, 3, 4):
            s.append(socket.socket()); s[-1].bind(("127.0.0.1", p + i))
        print(p); break
    except OSError: pass'
}
finish () { cat "$WORK/demo.out"; echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

P=$(free_port_run)
# Job control: the demo gets its own process group and, unlike a plain background job of a
# script, does not ignore SIGINT -- as when run in a terminal.
set -m
ML_DEMO_BUILD=$BUILD ML_DEMO_RUN=$RUN ML_DEMO_PORT=$P ML_DEMO_WEB_PORT=$((P + 4)) \
    "$DEMO" --serve >"$WORK/demo.out" 2>&1 &
DEMO_PID=$!
set +m

# The demo runs for a minute or two; then it prints the address and the login.
for _ in $(seq 1800); do
    grep -q '^login:' "$WORK/demo.out" && break
    kill -0 "$DEMO_PID" 2>/dev/null || break
    sleep 0.2
done
ADDR=$(sed -n 's|^address: *\(http://[^ ]*\).*|\1|p' "$WORK/demo.out")
read -r USER_ PASSWORD < <(sed -n 's|^login: *\([^ ]*\) / \([^ ]*\).*|\1 \2|p' "$WORK/demo.out")
check "ops/demo --serve prints the address ($ADDR)" [ "$ADDR" = "http://127.0.0.1:$((P + 4))/" ]
check "... and a login ($USER_ / ${PASSWORD:-})" [ "$USER_" = 演示 -a -n "${PASSWORD:-}" ]
check "... and still runs after the demo" kill -0 "$DEMO_PID"
[ "$failed" -eq 0 ] || finish

COLL_PID=$(pgrep -f -- "-c $RUN/collector.ini serve" | head -n 1)
WEB_PID=$(pgrep -f -- "-c $RUN/web.ini serve" | head -n 1)
check "the collector runs (pid $COLL_PID)" [ -n "$COLL_PID" ]
check "massline-web runs (pid $WEB_PID)" [ -n "$WEB_PID" ]

# Sign in as a browser would, then the dashboard.
ADDR=$ADDR USER_=$USER_ PASSWORD=$PASSWORD python3 - >"$WORK/http.out" 2>&1 <<'EOF'
import http.cookiejar, os, re, sys, urllib.parse, urllib.request
addr = os.environ["ADDR"]
jar = http.cookiejar.CookieJar()
web = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
page = web.open(addr + "login", timeout=30).read().decode()
token = re.search(r'name="csrf" value="([0-9a-f]{64})"', page).group(1)
form = urllib.parse.urlencode({"csrf": token, "user": os.environ["USER_"],
                               "password": os.environ["PASSWORD"]}).encode()
r = web.open(addr + "login", data=form, timeout=30)          # 303 to / is followed
print("after sign-in", r.status, r.url)
print("session cookie", any(c.name == "ml_session" for c in jar))
r = web.open(addr + "?year=2025", timeout=30)
body = r.read().decode()
title = re.search(r"<title>(.*?)</title>", body, re.S)
print("dashboard", r.status, "title", title.group(1) if title else None)
print("sign-in form still shown" if 'name="password"' in body else "signed in", "H001" in body)
ok = (r.status == 200 and title and re.search(r"[\u4e00-\u9fff]", title.group(1))
      and 'name="password"' not in body and "H001" in body)
sys.exit(0 if ok else 1)
EOF
rc=$?
cat "$WORK/http.out"
check "the printed login signs in; the dashboard answers 200 with a Chinese title and the units" [ $rc -eq 0 ]

# Ctrl-C: the demo stops what it started and ends.
kill -INT "$DEMO_PID"
for _ in $(seq 150); do kill -0 "$DEMO_PID" 2>/dev/null || break; sleep 0.2; done
if kill -0 "$DEMO_PID" 2>/dev/null; then
    check "SIGINT ends ops/demo within 30 s" false
    kill -KILL -- "-$DEMO_PID" 2>/dev/null     # the group: whatever the demo left running
else
    check "SIGINT ends ops/demo" true
fi
wait "$DEMO_PID" 2>/dev/null
rc=$?
check "... exit 130 (not $rc)" [ $rc -eq 130 ]
DEMO_PID=""
sleep 0.5
left=$(pgrep -f -- "$RUN/" | tr '\n' ' ')
check "... and no process of the demo is left (${left:-none})" [ -z "$left" ]
check "... the collector is gone" bash -c "! kill -0 ${COLL_PID:-0} 2>/dev/null"
check "... massline-web is gone" bash -c "! kill -0 ${WEB_PID:-0} 2>/dev/null"
check "... and the port is free" bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$((P + 4))) 2>/dev/null"
finish
