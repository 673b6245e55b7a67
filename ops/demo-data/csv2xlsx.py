#!/usr/bin/env python3
"""csv2xlsx.py -- a ledger CSV (UTF-8, header row first) as an .xlsx workbook laid out as Excel
writes one: every text in xl/sharedStrings.xml, dates (YYYY-MM-DD) as day serials in the built-in
date format 14, whole numbers as numbers, a frozen header row, the sheet named after the file.
Python 3 standard library only (zipfile + XML text), so that ops/demo and the tests can make the
.xlsx a clerk would upload without libxlsxwriter.

    csv2xlsx.py LEDGER.csv [OUT.xlsx]     # default: LEDGER.xlsx beside the CSV
"""
import csv
import datetime
import os
import re
import sys
import zipfile
from xml.sax.saxutils import escape

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
INT = re.compile(r"^-?[1-9]\d{0,14}$|^0$")
EPOCH = datetime.date(1899, 12, 30)     # Excel's day 0 (after its 1900 leap-year bug)


def column(i):
    """0 -> A, 25 -> Z, 26 -> AA."""
    name = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        name = chr(65 + r) + name
    return name


def xml_text(s):
    """Text for <t>: escaped, and with xml:space where Excel keeps leading or trailing blanks."""
    s = escape(s)
    return ('<t xml:space="preserve">%s</t>' % s) if s != s.strip() else "<t>%s</t>" % s


def convert(rows, sheet_name):
    """The workbook's parts for ROWS (lists of strings): {name: text}."""
    strings, index, count = [], {}, 0
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<worksheet xmlns="%s" '
           'xmlns:r="%s"><sheetViews><sheetView tabSelected="1" workbookViewId="0"><pane ySplit="1" '
           'topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
           '<sheetData>' % (NS, REL)]
    width = max((len(r) for r in rows), default=0)
    for n, row in enumerate(rows, 1):
        cells = []
        for c, value in enumerate(row):
            ref = "%s%d" % (column(c), n)
            m = DATE.match(value) if n > 1 else None
            if value == "":
                continue
            if m:
                try:
                    day = datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                    cells.append('<c r="%s" s="1"><v>%d</v></c>' % (ref, (day - EPOCH).days))
                    continue
                except ValueError:
                    pass                # not a real day: kept as the text written
            if n > 1 and INT.match(value):
                cells.append('<c r="%s"><v>%s</v></c>' % (ref, value))
                continue
            if value not in index:
                index[value] = len(strings)
                strings.append(value)
            count += 1
            cells.append('<c r="%s" t="s"><v>%d</v></c>' % (ref, index[value]))
        out.append('<row r="%d" spans="1:%d">%s</row>' % (n, max(width, 1), "".join(cells)))
    out.append('</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" '
               'header="0.3" footer="0.3"/></worksheet>')
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    return {
        "[Content_Types].xml": head + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
        'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/sharedStrings.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        '</Types>',
        "_rels/.rels": head + '<Relationships xmlns="%s"><Relationship Id="rId1" Type="%s/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>' % (PKG, REL),
        "xl/workbook.xml": head + '<workbook xmlns="%s" xmlns:r="%s"><sheets><sheet name="%s" sheetId="1" '
        'r:id="rId1"/></sheets></workbook>' % (NS, REL, escape(sheet_name, {'"': "&quot;"})),
        "xl/_rels/workbook.xml.rels": head + '<Relationships xmlns="%s"><Relationship Id="rId1" '
        'Type="%s/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="%s/styles" '
        'Target="styles.xml"/><Relationship Id="rId3" Type="%s/sharedStrings" '
        'Target="sharedStrings.xml"/></Relationships>' % (PKG, REL, REL, REL),
        "xl/styles.xml": head + '<styleSheet xmlns="%s"><fonts count="1"><font><sz val="11"/><name '
        'val="等线"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill>'
        '</fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" '
        'fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" '
        'fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" '
        'borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>' % NS,
        "xl/sharedStrings.xml": head + '<sst xmlns="%s" count="%d" uniqueCount="%d">%s</sst>'
        % (NS, count, len(strings), "".join("<si>%s</si>" % xml_text(s) for s in strings)),
        "xl/worksheets/sheet1.xml": "".join(out),
    }


def write(rows, sheet_name, path):
    parts = convert(rows, sheet_name)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name in ("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                     "xl/styles.xml", "xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"):
            z.writestr(name, parts[name])


def main(argv):
    if len(argv) not in (2, 3) or argv[1] in ("-h", "--help"):
        sys.stderr.write(__doc__.split("\n\n", 1)[1])
        return 2
    src = argv[1]
    dst = argv[2] if len(argv) == 3 else os.path.splitext(src)[0] + ".xlsx"
    with open(src, encoding="utf-8-sig", newline="") as f:
        rows = [r for r in csv.reader(f)]
    write(rows, os.path.splitext(os.path.basename(src))[0][:31], dst)
    print("wrote %s (%d rows, %d columns)" % (dst, max(len(rows) - 1, 0), len(rows[0]) if rows else 0))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
