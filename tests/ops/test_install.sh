#!/usr/bin/env bash
# tests/ops/test_install.sh -- `init` and the shipped systemd units work together as installed:
# `meson install --destdir` into a temp root, then the installed massline-collector's `init` into
# ROOT/etc/massline (where the units read their configuration) with --state-dir set to the units'
# StateDirectory; every path the services write (data_dir, the agents' outbox and spool) must lie
# in that state folder, since ProtectSystem=strict makes /etc read-only. Then
# `systemd-analyze verify --root` checks the installed units (skipped, with a message, when
# systemd-analyze cannot run here).
#
#   bash tests/ops/test_install.sh BUILDDIR
# Ends with "N passed, N failed"; exit 0 only when nothing failed.
set -u
BUILD=$(cd "${1:?usage: test_install.sh BUILDDIR}" && pwd) || exit 2
ROOT=$(mktemp -d "${TMPDIR:-/tmp}/ml-install-test.XXXXXX")
trap 'rm -rf -- "$ROOT"' EXIT
passed=0 failed=0
check () {
    local what=$1; shift
    if "$@"; then passed=$((passed + 1)); echo "ok - $what"; else failed=$((failed + 1)); echo "not ok - $what"; fi
}
finish () { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit; }

meson install -C "$BUILD" --destdir "$ROOT" --no-rebuild --quiet >"$ROOT.install.log" 2>&1
rc=$?
check "meson install --destdir exits 0" [ $rc -eq 0 ]
[ $rc -eq 0 ] || { cat "$ROOT.install.log"; rm -f "$ROOT.install.log"; finish; }
rm -f "$ROOT.install.log"
CUNIT=$(find "$ROOT" -path '*/systemd/system/massline-collector.service' | head -n 1)
AUNIT=$(find "$ROOT" -path '*/systemd/system/massline-agent.service' | head -n 1)
check "the collector's unit is installed" [ -f "$CUNIT" ]
check "the agent's unit is installed" [ -f "$AUNIT" ]
[ -f "$CUNIT" ] && [ -f "$AUNIT" ] || finish

unit_get () { sed -n "s/^$2=//p" "$1" | tail -n 1; }     # unit_get UNIT KEY
STATE=/var/lib/$(unit_get "$CUNIT" StateDirectory)
EXEC=$(unit_get "$CUNIT" ExecStart)
BIN=${EXEC%% *}
CONF=$(sed -n 's/.* -c \([^ ]*\) .*/\1/p' <<<"$EXEC")
check "the collector's unit has a StateDirectory ($STATE)" [ "$STATE" != /var/lib/ ]
check "the agent's unit has the same one" [ "/var/lib/$(unit_get "$AUNIT" StateDirectory)" = "$STATE" ]
check "the collector's unit may write there" grep -qx "ReadWritePaths=$STATE" "$CUNIT"
check "ExecStart names an installed program ($BIN)" [ -x "$ROOT$BIN" ]
check "ExecStart reads a configuration under /etc ($CONF)" [ "${CONF#/etc/}" != "$CONF" ]

# init as the units' comments say, into the temp root's /etc.
BUREAU=$ROOT$(dirname "$CONF")
"$ROOT$BIN" init "$BUREAU" --state-dir "$STATE" --unit H001:Test \
    --ingest tcp://0.0.0.0:7701 --query tcp://0.0.0.0:7702 >"$ROOT/init.log" 2>&1
rc=$?
check "the installed massline-collector's init --state-dir exits 0" [ $rc -eq 0 ]
[ $rc -eq 0 ] || { cat "$ROOT/init.log"; finish; }
check "init wrote the file ExecStart reads" [ -f "$ROOT$CONF" ]
ini_get () { sed -n "s/^$2 *= *//p" "$1" | tail -n 1; }
in_state () { case "$1" in "$STATE"/*) return 0 ;; *) return 1 ;; esac; }
DATA=$(ini_get "$ROOT$CONF" data_dir)
check "collector.ini: data_dir is in the state folder ($DATA)" in_state "$DATA"
AINI="$BUREAU/agents/H001/agent.ini"
OUTBOX=$(ini_get "$AINI" outbox)
SPOOL=$(ini_get "$AINI" spool)
check "agent.ini: outbox is in the state folder ($OUTBOX)" in_state "$OUTBOX"
check "agent.ini: spool is in the state folder ($SPOOL)" in_state "$SPOOL"
# The loader reads them as written: the collector's check names the data_dir it opens.
"$ROOT$BIN" -c "$ROOT$CONF" check >"$ROOT/check.log" 2>&1
check "the collector resolves data_dir to $DATA" grep -q "$DATA" "$ROOT/check.log"
"$ROOT$BIN" init "$ROOT/x" --state-dir var/lib/massline --unit H001 >"$ROOT/bad.log" 2>&1
check "a relative --state-dir is bad usage (exit 2)" [ $? -eq 2 ]

# systemd's own check of the installed units, against the temp root.
if ! command -v systemd-analyze >/dev/null; then
    echo "skipped: systemd-analyze verify (systemd-analyze not installed: apt-get install systemd)"
    finish
fi
mkdir -p "$ROOT/usr/lib/systemd" && cp -r /usr/lib/systemd/system "$ROOT/usr/lib/systemd/" 2>/dev/null
for unit in "$CUNIT" "$AUNIT"; do
    out=$(systemd-analyze verify --man=no --root="$ROOT" "${unit#"$ROOT"}" 2>&1)
    rc=$?
    if [ $rc -ne 0 ] && grep -q "sysinit.target not found\|Failed to initialize manager\|Operation not permitted" <<<"$out"; then
        echo "skipped: systemd-analyze verify cannot run here: $out"
        continue
    fi
    check "systemd-analyze verify $(basename "$unit")" [ $rc -eq 0 ]
    [ $rc -eq 0 ] || echo "$out"
done
if command -v systemd-sysusers >/dev/null; then
    SYSUSERS=$(find "$ROOT" -path '*/sysusers.d/massline.conf' | head -n 1)
    systemd-sysusers --root="$ROOT" "$SYSUSERS" >/dev/null 2>&1
    check "systemd-sysusers makes the units' user from the installed snippet" \
        grep -q "^$(unit_get "$CUNIT" User):" "$ROOT/etc/passwd"
fi
finish
