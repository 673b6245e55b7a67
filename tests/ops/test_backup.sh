#!/usr/bin/env bash
# tests/ops/test_backup.sh -- integration test of ops/backup: a real bureau (init), a serving
# collector and an agent on loopback with CURVE; ops/backup runs while the collector serves, and
# the copy must pass `massline-collector check` and hold the same events as the live store.
#
#   bash tests/ops/test_backup.sh BUILDDIR     # BUILDDIR holds agent/massline-agent and
#                                              # collector/massline-collector
# Ends with "N passed, N failed"; exit 0 only when nothing failed; 77 (skipped) without lmdb-utils.
set -u
BUILD=$(cd "${1:?usage: test_backup.sh BUILDDIR}" && pwd) || exit 2
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
AGENT_BIN="$BUILD/agent/massline-agent"
COLLECTOR="$BUILD/collector/massline-collector"
CLIENT="$BUILD/collector/client/massline"
BACKUP=${ML_BACKUP:-$ROOT/ops/backup}
for f in "$AGENT_BIN" "$COLLECTOR" "$CLIENT"; do
    [ -x "$f" ] || { echo "missing $f: build it first"; echo "0 passed, 1 failed"; exit 1; }
done
if ! command -v mdb_copy >/dev/null || ! command -v mdb_stat >/dev/null; then
    echo "skipped: mdb_copy/mdb_stat not installed (apt-get install lmdb-utils)"
    exit 77
fi

export MASSLINE_TODAY=2025-06-30
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ml-backup-test.XXXXXX")
SERVE_PID="" RUN_PID=""
# shellcheck disable=SC2317  # called by the trap
cleanup () {
    for pid in $RUN_PID $SERVE_PID; do
        kill -TERM "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    rm -rf -- "$WORK"
}
trap cleanup EXIT

passed=0 failed=0
ok () { passed=$((passed + 1)); echo "ok - $1"; }
not_ok () { failed=$((failed + 1)); echo "not ok - $1"; }
check () {   # check DESCRIPTION COMMAND...: passes when COMMAND exits 0
    local what=$1; shift
    if "$@"; then ok "$what"; else not_ok "$what"; fi
}
finish () {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
}
events_in () { mdb_stat -s events "$1" 2>/dev/null | awk '/Entries:/ { print $2; exit }'; }

# Two free loopback ports (asked of the kernel; a clash after that is retried below).
free_ports () {
    python3 -c 'import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))'
}

# --- a bureau, serving --------------------------------------------------------------------------
for _ in 1 2 3; do
    read -r P1 P2 <<<"$(free_ports)"
    rm -rf -- "$WORK/bureau"
    "$COLLECTOR" init "$WORK/bureau" --unit H001:Test --unit H002 \
        --ingest "tcp://127.0.0.1:$P1" --query "tcp://127.0.0.1:$P2" >"$WORK/init.log" 2>&1 \
        || { not_ok "init a bureau"; cat "$WORK/init.log"; finish; }
    "$COLLECTOR" -c "$WORK/bureau/collector.ini" serve 2>"$WORK/serve.log" &
    SERVE_PID=$!
    for _ in $(seq 50); do
        grep -q "serving" "$WORK/serve.log" && break
        kill -0 "$SERVE_PID" 2>/dev/null || break
        sleep 0.1
    done
    grep -q "serving" "$WORK/serve.log" && break
    wait "$SERVE_PID" 2>/dev/null
    SERVE_PID=""
done
[ -n "$SERVE_PID" ] || { not_ok "start the collector"; cat "$WORK/serve.log"; finish; }
ok "collector serves on 127.0.0.1:$P1/$P2"

AGENT=("$AGENT_BIN" -c "$WORK/bureau/agents/H001/agent.ini")
record () { "${AGENT[@]}" record "$@" >/dev/null 2>>"$WORK/agent.log"; }
flush () { "${AGENT[@]}" flush --timeout 60 2>>"$WORK/agent.log"; }
rec_ok=0
record person person=P1 name=Wang 'roles=[{"role":"main_leader","from":"2025-01-01"}]' || rec_ok=1
for day in 03 10 17 24; do
    record talk person=P1 "date=2025-03-$day" with=resident with_category=masses \
        form=individual mode=in_person || rec_ok=1
done
record research_trip person=P1 date=2025-04-01 end=2025-04-03 place=Dantu stationed=false \
    unannounced=true topic=clinics || rec_ok=1
check "record 6 events" [ $rec_ok -eq 0 ]
check "flush them to the collector" flush
LIVE="$WORK/bureau/data"
check "the live store has 6 events" [ "$(events_in "$LIVE")" = 6 ]

# --- the backup, while serving ------------------------------------------------------------------
DEST="$WORK/backups/b1"
mkdir -p "$WORK/backups"
"$BACKUP" -c "$WORK/bureau/collector.ini" --collector "$COLLECTOR" "$DEST" >"$WORK/b1.out" 2>&1
rc=$?
check "ops/backup exits 0 while the collector serves" [ $rc -eq 0 ]
[ $rc -eq 0 ] || cat "$WORK/b1.out"
check "the collector still serves" kill -0 "$SERVE_PID"
check "ops/backup ran check on the copy: 6 events" grep -q "^check: ok: 6 events" "$WORK/b1.out"
check "ops/backup names what it wrote" grep -q "^wrote $DEST/data/data.mdb (copy of .*: 6 events" "$WORK/b1.out"
check "the copy passes massline-collector check by itself" \
    "$COLLECTOR" -c "$DEST/collector.ini" check
check "the copy has the same event count as the live store" \
    [ "$(events_in "$DEST/data")" = "$(events_in "$LIVE")" ]
check "the copy's collector.ini points data_dir at the copy" \
    grep -qx "data_dir = data" "$DEST/collector.ini"
check "the copy keeps the endpoints of the original" \
    grep -qx "ingest = tcp://127.0.0.1:$P1" "$DEST/collector.ini"
check "the registry is copied" cmp -s "$WORK/bureau/registry.ini" "$DEST/registry.ini"
check "the original collector.ini is kept verbatim" \
    cmp -s "$WORK/bureau/collector.ini" "$DEST/collector.ini.orig"
check "no secret key without --with-keys" [ ! -e "$DEST/keys/collector.key" ]
check "... and the output says a restore needs it" \
    grep -q "^not copied: the secret key .*a restore needs it" "$WORK/b1.out"
check "the rules the collector serves with are copied" cmp -s "$WORK/bureau/rules.ini" "$DEST/rules.ini"
check "the copy's collector.ini points rules at the copy" grep -qx "rules = rules.ini" "$DEST/collector.ini"

# The copy is a snapshot: events stored later are in the live store only.
record talk person=P1 date=2025-05-05 with=resident with_category=masses form=individual \
    mode=phone
flush
# shellcheck disable=SC2317  # called by check
live_7_copy_6 () { [ "$(events_in "$LIVE")" = 7 ] && [ "$(events_in "$DEST/data")" = 6 ]; }
check "later events reach the live store only" live_7_copy_6

# Never over an existing backup.
before=$(cd "$DEST" && find . -type f -exec md5sum {} + | sort)
"$BACKUP" -c "$WORK/bureau/collector.ini" --collector "$COLLECTOR" "$DEST" >"$WORK/b2.out" 2>&1
rc=$?
check "a non-empty DEST is refused with exit 1" [ $rc -eq 1 ]
check "... saying why" grep -q "exists and is not empty; not overwriting" "$WORK/b2.out"
check "... and left as it was" [ "$(cd "$DEST" && find . -type f -exec md5sum {} + | sort)" = "$before" ]

# --with-keys into an existing empty folder: the secret key, mode 0600.
DEST3="$WORK/backups/b3"
mkdir "$DEST3"
"$BACKUP" --with-keys -c "$WORK/bureau/collector.ini" --collector "$COLLECTOR" "$DEST3" >"$WORK/b3.out" 2>&1
check "--with-keys into an empty folder exits 0" [ $? -eq 0 ]
check "--with-keys copies the secret key" cmp -s "$WORK/bureau/keys/collector.key" "$DEST3/keys/collector.key"
check "... with mode 0600" [ "$(stat -c %a "$DEST3/keys/collector.key" 2>/dev/null)" = 600 ]
check "that copy has 7 events" [ "$(events_in "$DEST3/data")" = 7 ]
check "no partial folders are left behind" [ -z "$(find "$WORK/backups" -maxdepth 1 -name '.*partial*')" ]

# Under load: backups while the agent streams 3000 more events (30 ledgers of 100, imported one
# after the other while `run` forwards them); each copy is a consistent snapshot of some moment
# (it passes check), so its count lies between the counts before and after, in order.
python3 - "$WORK" <<'PY'
import datetime, sys
day0 = datetime.date(2025, 1, 1)
for f in range(30):
    with open("%s/more-%02d.jsonl" % (sys.argv[1], f), "w") as out:
        for j in range(100):
            i = f * 100 + j
            day = day0 + datetime.timedelta(days=i % 180)
            out.write('{"kind":"talk","person":"P1","date":"%s","with":"resident-%d",'
                      '"with_category":"masses","form":"individual","mode":"in_person"}\n' % (day, i))
PY
"${AGENT[@]}" run 2>>"$WORK/agent.log" &
RUN_PID=$!
(
    for i in 1 2 3 4; do
        "$BACKUP" -c "$WORK/bureau/collector.ini" --collector "$COLLECTOR" "$WORK/backups/load$i" \
            >"$WORK/load$i.out" 2>&1 || { echo "load$i failed"; cat "$WORK/load$i.out"; }
    done
) >"$WORK/load.out" 2>&1 &
LOAD_PID=$!
import_ok=0
for f in "$WORK"/more-*.jsonl; do
    "${AGENT[@]}" import "$f" >/dev/null 2>>"$WORK/agent.log" || import_ok=1
done
wait "$LOAD_PID"
check "30 imports while backups run" [ $import_ok -eq 0 ]
check "flush the 3000 events" flush
kill -TERM "$RUN_PID"; wait "$RUN_PID"; RUN_PID=""
check "4 backups under load exit 0 and pass check" [ ! -s "$WORK/load.out" ]
cat "$WORK/load.out"
counts=()
for i in 1 2 3 4; do counts+=("$(events_in "$WORK/backups/load$i/data")"); done
# shellcheck disable=SC2317  # called by check
counts_in_order () {
    local prev=7 c
    for c in "${counts[@]}" "$(events_in "$LIVE")"; do
        [ -n "$c" ] && [ "$c" -ge "$prev" ] && [ "$c" -le 3007 ] || return 1
        prev=$c
    done
    [ "$prev" = 3007 ]
}
check "copies under load hold 7..3007 events, in order (${counts[*]}; live $(events_in "$LIVE"))" \
    counts_in_order

# Without a massline-collector to verify with: refused (exit 2), nothing written; --no-verify
# writes the copy and says NOT VERIFIED.
PATH=/usr/bin:/bin "$BACKUP" -c "$WORK/bureau/collector.ini" "$WORK/backups/nv" >"$WORK/nv.out" 2>&1
check "no massline-collector to verify with: refused with exit 2" [ $? -eq 2 ]
check "... saying how to go on" grep -q "cannot verify the copy: .*--collector BIN.*--no-verify" "$WORK/nv.out"
check "... and writes nothing" [ ! -e "$WORK/backups/nv" ]
PATH=/usr/bin:/bin "$BACKUP" --no-verify -c "$WORK/bureau/collector.ini" "$WORK/backups/nv" >"$WORK/nv.out" 2>&1
rc=$?
check "--no-verify writes the copy (exit 0)" [ $rc -eq 0 ]
check "... a whole copy" [ -f "$WORK/backups/nv/data/data.mdb" ]
check "... and says NOT VERIFIED" grep -q "NOT VERIFIED" "$WORK/nv.out"

# A restore, end to end: back up, stop the collector, wipe the bureau's collector files, put the
# backup in their place, serve, and the staff's client gets the same answers as before.
"$CLIENT" -c "$WORK/bureau/staff/admin.ini" status --json >"$WORK/status-before.json" 2>>"$WORK/client.log"
check "massline status before the restore" [ -s "$WORK/status-before.json" ]
FINAL="$WORK/backups/final"
"$BACKUP" --with-keys -c "$WORK/bureau/collector.ini" --collector "$COLLECTOR" "$FINAL" >"$WORK/final.out" 2>&1
check "the last backup exits 0" [ $? -eq 0 ]
kill -TERM "$SERVE_PID"; wait "$SERVE_PID"; SERVE_PID=""
rm -rf -- "$WORK/bureau/data" "$WORK/bureau/keys" "$WORK/bureau/collector.ini" \
    "$WORK/bureau/registry.ini" "$WORK/bureau/rules.ini"
cp -a -- "$FINAL/." "$WORK/bureau/"
check "the restored bureau passes check" "$COLLECTOR" -c "$WORK/bureau/collector.ini" check
"$COLLECTOR" -c "$WORK/bureau/collector.ini" serve 2>"$WORK/serve2.log" &
SERVE_PID=$!
for _ in $(seq 100); do
    grep -q "serving" "$WORK/serve2.log" && break
    kill -0 "$SERVE_PID" 2>/dev/null || break
    sleep 0.1
done
check "the restored collector serves" grep -q "serving" "$WORK/serve2.log"
grep -q "serving" "$WORK/serve2.log" || cat "$WORK/serve2.log"
"$CLIENT" -c "$WORK/bureau/staff/admin.ini" status --json >"$WORK/status-after.json" 2>>"$WORK/client.log"
# shellcheck disable=SC2317  # called by check
same_events () {
    python3 - "$WORK/status-before.json" "$WORK/status-after.json" <<'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
strip = lambda s: (s["events"], [(u["unit"], u["events"], [(g["agent"], g["acked_seq"]) for g in u["agents"]]) for u in s["units"]])
sys.exit(0 if strip(a) == strip(b) and a["events"] == 3007 else 1)
PY
}
check "the staff's client gets the same status from the restored collector (3007 events)" same_events
"$CLIENT" -c "$WORK/bureau/staff/admin.ini" report rollup --year 2025 --format json \
    >"$WORK/rollup.json" 2>>"$WORK/client.log"
check "a report from the restored collector" [ -s "$WORK/rollup.json" ]
record talk person=P1 date=2025-06-05 with=resident with_category=masses form=individual mode=phone
check "the agent delivers to the restored collector" flush
check "... which stores it (3008 events)" [ "$(events_in "$WORK/bureau/data")" = 3008 ]

# Bad usage: exit 2.
"$BACKUP" "$WORK/backups/b4" >/dev/null 2>&1
check "no -c is bad usage (exit 2)" [ $? -eq 2 ]
"$BACKUP" -c "$WORK/nothing.ini" "$WORK/backups/b4" >/dev/null 2>&1
check "an unreadable collector.ini is exit 2" [ $? -eq 2 ]
check "... and writes nothing" [ ! -e "$WORK/backups/b4" ]

finish
