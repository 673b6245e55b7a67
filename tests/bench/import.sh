#!/usr/bin/env bash
# tests/bench/import.sh -- `ops/bench import`: a 100,000-row GB18030 ledger (接访台账) imported with
# `massline-agent import`, printed beside `iconv -f GB18030 -t UTF-8 FILE | wc -l` over the same
# file (the limit: reading and converting it at all). Goal: the import under 2 s.
# ops/bench exports ML_ROOT, B (release build), AGENT, COLLECTOR, CLIENT and WORK (a temp dir).
#   ops/bench import [ROWS]
set -eu
rows=${1:-100000}
dir="$WORK/import"
mkdir -p "$dir"

now () { date +%s.%N; }
secs () { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
rate () { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }'; }

# A unit with an agent bundle; nothing listens: import needs only the outbox.
"$COLLECTOR" init "$dir/bureau" --unit B001:基准医院 --ingest tcp://127.0.0.1:7 \
    --query tcp://127.0.0.1:9 >/dev/null
ini="$dir/bureau/agents/B001/agent.ini"
printf '人员编号,姓名,职务类别,开始日期\r\nP001,张伟,主要领导,2024-01-01\r\nP002,李娜,班子成员,2024-01-01\r\nP003,王建国,支部书记,2024-01-01\r\n' \
    > "$dir/人员台账.csv"
"$AGENT" -c "$ini" import "$dir/人员台账.csv" >/dev/null

# The ledger as Excel on a Chinese Windows saves it: GB18030, CRLF, Chinese headers and labels.
ledger="$dir/2025年接访台账.csv"
awk -v n="$rows" 'BEGIN {
    split("定点接访 公开接访 重点约访 专题接访 带案下访 上门回访", mode, " ")
    printf "编号,日期,人员编号,接访方式,公布日期,备注\r\n"
    for (i = 0; i < n; i++) {
        m = 1 + int (i / 28) % 12; d = 1 + i % 28
        printf "JF%06d,2025/%d/%d,P00%d,%s,2025年%d月%d日,\"门诊楼一楼, 接待室\"\r\n", \
               i, m, d, 1 + i % 3, mode[1 + i % 6], m, d
    }
}' | iconv -f UTF-8 -t GB18030 > "$ledger"
size=$(du -h "$ledger" | cut -f1)
echo "import: $rows rows, GB18030, $size ($ledger)"

# (a) the limit: convert the file and count its lines
t0=$(now)
lines=$(iconv -f GB18030 -t UTF-8 "$ledger" | wc -l)
t1=$(now)
limit=$(secs "$t0" "$t1")

# (b) the import: read, convert, parse, check every row, commit one LMDB transaction
t0=$(now)
out=$("$AGENT" -c "$ini" import "$ledger")
t1=$(now)
took=$(secs "$t0" "$t1")
case "$out" in
    *": $rows events recorded, 0 already recorded"*) ;;
    *) echo "import: unexpected result: $out" >&2; exit 1 ;;
esac

# (c) the same file again: everything is recorded already, nothing is written
t0=$(now)
again=$("$AGENT" -c "$ini" import "$ledger")
t1=$(now)
retook=$(secs "$t0" "$t1")
case "$again" in
    *": 0 events recorded, $rows already recorded"*) ;;
    *) echo "import: unexpected result of the re-import: $again" >&2; exit 1 ;;
esac

printf '\n%-52s %9s %12s\n' "measurement" "seconds" "rows/s"
printf '%-52s %9s %12s\n' "(a) iconv -f GB18030 -t UTF-8 FILE | wc -l (limit)" "$limit" "$(rate "$lines" "$limit")"
printf '%-52s %9s %12s\n' "(b) massline-agent import (one durable commit)" "$took" "$(rate "$rows" "$took")"
printf '%-52s %9s %12s\n' "(c) the same file again (nothing new)" "$retook" "$(rate "$rows" "$retook")"
goal=$(awk -v t="$took" 'BEGIN { print (t < 2 ? "met" : "missed") }')
echo "import: rows=$rows import_s=$took rows_per_s=$(rate "$rows" "$took") iconv_s=$limit reimport_s=$retook goal_2s=$goal"
