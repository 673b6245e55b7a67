#!/usr/bin/env bash
# tests/bench/import.sh -- `ops/bench import`: a 100,000-row GB18030 ledger (接访台账) imported with
# `massline-agent import`, printed beside `iconv -f GB18030 -t UTF-8 FILE | wc -l` over the same
# file (the limit: reading and converting it at all). Goal: the import under 2 s. Then the same
# rows as an .xlsx workbook as Excel saves it (shared strings, dates as serials in date formats),
# imported into a second unit, beside `unzip -p FILE xl/worksheets/sheet1.xml | wc -c`.
# Goal: the .xlsx import under 3 s.
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
"$COLLECTOR" init "$dir/bureau" --unit B001:基准医院 --unit B002:对照医院 --ingest tcp://127.0.0.1:7 \
    --query tcp://127.0.0.1:9 >/dev/null
ini="$dir/bureau/agents/B001/agent.ini"
ini2="$dir/bureau/agents/B002/agent.ini"
printf '人员编号,姓名,职务类别,开始日期\r\nP001,张伟,主要领导,2024-01-01\r\nP002,李娜,班子成员,2024-01-01\r\nP003,王建国,支部书记,2024-01-01\r\n' \
    > "$dir/人员台账.csv"
"$AGENT" -c "$ini" import "$dir/人员台账.csv" >/dev/null
"$AGENT" -c "$ini2" import "$dir/人员台账.csv" >/dev/null

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

# The same rows as an .xlsx workbook, built from the XML parts Excel writes: every text in
# sharedStrings.xml, 日期 a serial in format 14, 公布日期 one in a custom 年月日 format.
book="$dir/2025年接访台账.xlsx"
python3 - "$rows" "$book" <<'PY'
import datetime, sys, zipfile
rows, path = int(sys.argv[1]), sys.argv[2]
modes = "定点接访 公开接访 重点约访 专题接访 带案下访 上门回访".split()
strings, index = [], {}
def s(text):
    if text not in index:
        index[text] = len(strings); strings.append(text)
    return index[text]
base = datetime.date(1899, 12, 30)
out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>']
head = "编号 日期 人员编号 接访方式 公布日期 备注".split()
out.append('<row r="1">' + "".join('<c r="%s1" t="s"><v>%d</v></c>' % ("ABCDEF"[c], s(h)) for c, h in enumerate(head)) + '</row>')
for i in range(rows):
    m = 1 + (i // 28) % 12; d = 1 + i % 28; r = i + 2
    serial = (datetime.date(2025, m, d) - base).days
    out.append('<row r="%d" spans="1:6"><c r="A%d" t="s"><v>%d</v></c><c r="B%d" s="1"><v>%d</v></c>'
               '<c r="C%d" t="s"><v>%d</v></c><c r="D%d" t="s"><v>%d</v></c><c r="E%d" s="2"><v>%d</v></c>'
               '<c r="F%d" t="s"><v>%d</v></c></row>' % (r, r, s("JF%06d" % i), r, serial, r, s("P00%d" % (1 + i % 3)),
               r, s(modes[i % 6]), r, serial, r, s("门诊楼一楼, 接待室")))
out.append('</sheetData></worksheet>')
ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
sst = '<sst %s count="%d" uniqueCount="%d">%s</sst>' % (ns, 6 * rows + 6, len(strings), "".join("<si><t>%s</t></si>" % t for t in strings))
with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>')
    z.writestr("xl/workbook.xml", '<workbook %s xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="接访台账" sheetId="1" r:id="rId1"/></sheets></workbook>' % ns)
    z.writestr("xl/_rels/workbook.xml.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
    z.writestr("xl/styles.xml", '<styleSheet %s><numFmts count="1"><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="176"/></cellXfs></styleSheet>' % ns)
    z.writestr("xl/sharedStrings.xml", sst)
    z.writestr("xl/worksheets/sheet1.xml", "".join(out))
PY
echo "import: the same rows as .xlsx, $(du -h "$book" | cut -f1) ($book)"

# (d) the limit: unzip the sheet and count its bytes
t0=$(now)
sheet_bytes=$(unzip -p "$book" xl/worksheets/sheet1.xml | wc -c)
t1=$(now)
unzip_s=$(secs "$t0" "$t1")

# (e) the .xlsx import, into the second unit's outbox
t0=$(now)
out=$("$AGENT" -c "$ini2" import "$book")
t1=$(now)
xlsx_s=$(secs "$t0" "$t1")
case "$out" in
    *": $rows events recorded, 0 already recorded"*) ;;
    *) echo "import: unexpected result of the .xlsx import: $out" >&2; exit 1 ;;
esac

printf '\n%-52s %9s %12s\n' "measurement" "seconds" "rows/s"
printf '%-52s %9s %12s\n' "(a) iconv -f GB18030 -t UTF-8 FILE | wc -l (limit)" "$limit" "$(rate "$lines" "$limit")"
printf '%-52s %9s %12s\n' "(b) massline-agent import (one durable commit)" "$took" "$(rate "$rows" "$took")"
printf '%-52s %9s %12s\n' "(c) the same file again (nothing new)" "$retook" "$(rate "$rows" "$retook")"
printf '%-52s %9s %12s\n' "(d) unzip -p FILE sheet1.xml | wc -c (limit, $sheet_bytes B)" "$unzip_s" "$(rate "$rows" "$unzip_s")"
printf '%-52s %9s %12s\n' "(e) massline-agent import FILE.xlsx" "$xlsx_s" "$(rate "$rows" "$xlsx_s")"
goal=$(awk -v t="$took" 'BEGIN { print (t < 2 ? "met" : "missed") }')
xgoal=$(awk -v t="$xlsx_s" 'BEGIN { print (t < 3 ? "met" : "missed") }')
echo "import: rows=$rows import_s=$took rows_per_s=$(rate "$rows" "$took") iconv_s=$limit reimport_s=$retook goal_2s=$goal"
echo "import: xlsx_rows=$rows xlsx_import_s=$xlsx_s unzip_s=$unzip_s sheet_bytes=$sheet_bytes goal_3s=$xgoal"
