"""test_desk_http.py -- the unit desk over HTTP: accounts from the command line, an upload without
a session is 403, a POST without the CSRF token is refused, an upload with bad rows records
nothing and names each row and column as the sheet writes them, a good one records and a second
upload skips, a form row, close a month, withdraw and correct from the outbox."""
import grp
import os
import re
import signal
import stat
import subprocess
import sys
import unittest

import deskharness as dh

sys.path.insert(0, os.path.join(dh.SOURCE, "ops", "demo-data"))
import csv2xlsx  # noqa: E402  (the .xlsx as Excel writes it: shared strings, date serials)

U = None
HEADER = "编号,日期,人员编号,接访方式,公布日期,备注,更正编号\r\n"


def setUpModule():
    global U
    U = dh.Unit()


def tearDownModule():
    if U:
        U.stop()


class Http(unittest.TestCase):
    def signed_in(self):
        c = dh.Client(U.port)
        r = c.login()
        self.assertEqual(r.status, 303, r.text)
        self.assertIn("ml_desk", c.cookies)
        return c

    def test_accounts_from_the_command_line(self):
        U.agent("user", "add", "王强", stdin="another password\n")
        self.assertIn("王强\tclerk\tactive", U.agent("user", "list").stdout)
        U.agent("user", "disable", "王强")
        self.assertIn("王强\tclerk\tdisabled", U.agent("user", "list").stdout)
        self.assertEqual(dh.Client(U.port).login("王强", "another password").status, 401)
        U.agent("user", "passwd", "王强", stdin="a new password\n")
        self.assertEqual(dh.Client(U.port).login("王强", "a new password").status, 303)
        self.assertEqual(U.agent("user", "add", "x", stdin="short\n", check=False).returncode, 2)

    def test_unauthenticated_upload_is_403_and_records_nothing(self):
        before = U.pending()
        c = dh.Client(U.port)
        row = ",2025-03-05,P001,定点接访,2025-02-28,,\r\n"
        r = c.upload("接访台账.csv", (HEADER + row).encode(), {"csrf": "0" * 64})
        self.assertEqual(r.status, 403)
        self.assertEqual(U.pending(), before)
        self.assertEqual(c.get("/").status, 303)        # pages send you to /login

    def test_post_without_csrf_is_refused(self):
        c = self.signed_in()
        before = U.pending()
        r = c.post("/close", {"month": "2025-04"})
        self.assertEqual(r.status, 403)
        r = c.post("/close", {"month": "2025-04", "csrf": "f" * 64})
        self.assertEqual(r.status, 403)
        r = c.upload("接访台账.csv", (HEADER + ",2025-03-06,P001,定点接访,2025-02-28,,\r\n").encode(), {})
        self.assertEqual(r.status, 403)
        self.assertEqual(U.pending(), before)

    def test_upload_with_bad_rows_records_nothing(self):
        c = self.signed_in()
        before = U.pending()
        rows = (",2025-03-10,P001,定点接访,2025-03-01,,\r\n"
                ",2025-03-11,P001,乱写的方式,2025-03-01,,\r\n"
                ",2025-03-12,P001,定点接访,2025-03-01,,\r\n"
                "示例,2025-03-05,P001,定点接访,2025-02-28,,\r\n")
        r = c.upload("2025年3月接访台账.csv", (HEADER + rows).encode(), {"csrf": c.csrf()})
        self.assertEqual(r.status, 422, r.text)
        self.assertIn("一条也没有记录", r.text)
        bad = re.findall(r'<td class="row">(\d+)</td><td class="([a-z ]+)">([^<]*)</td>', r.text)
        self.assertIn(("3", "bad column", "接访方式"), bad)
        self.assertIn("5", [b[0] for b in bad])            # the sample row, refused
        # the reasons in Chinese too: the desk defaults to zh_CN whatever the server's locale
        self.assertIn("无效的值“乱写的方式”", r.text)
        self.assertNotIn("unknown value", r.text)
        self.assertEqual(U.pending(), before)

    def test_good_upload_records_then_skips(self):
        c = self.signed_in()
        data = (HEADER + ",2025-05-06,P002,定点接访,2025-05-01,,\r\n"
                ",2025-05-07,P003,公开接访,2025-05-01,,\r\n").encode()
        before = U.pending()
        r = c.upload("接访台账.csv", data, {"csrf": c.csrf()})
        self.assertEqual(r.status, 200, r.text)
        self.assertIn("已记录 2 条，跳过已有 0 条", r.text)
        self.assertEqual(U.pending(), before + 2)
        r = c.upload("接访台账.csv", data, {"csrf": c.csrf()})
        self.assertIn("已记录 0 条，跳过已有 2 条", r.text)
        self.assertEqual(U.pending(), before + 2)
        # the kind may be chosen instead of named by the file
        r = c.upload("march.csv", data, {"csrf": c.csrf(), "kind": "reception_day"})
        self.assertIn("已记录 0 条，跳过已有 2 条", r.text)

    def xlsx(self, rows):
        """An .xlsx workbook of ROWS under the reception ledger's header, as bytes."""
        path = U.dir + "/upload.xlsx"
        csv2xlsx.write([HEADER.strip().split(",")] + rows, "接访台账", path)
        with open(path, "rb") as f:
            return f.read()

    def test_xlsx_upload_with_an_error_records_nothing(self):
        c = self.signed_in()
        before = U.pending()
        data = self.xlsx([["", "2025-07-10", "P001", "定点接访", "2025-07-01", "", ""],
                          ["", "2025-07-11", "P001", "随便接访", "2025-07-01", "", ""]])
        r = c.upload("2025年7月接访台账.xlsx", data, {"csrf": c.csrf()})
        self.assertEqual(r.status, 422, r.text)
        self.assertIn("一条也没有记录", r.text)
        bad = re.findall(r'<td class="row">(\d+)</td><td class="([a-z ]+)">([^<]*)</td>', r.text)
        self.assertEqual(bad, [("3", "bad column", "接访方式")])    # the sheet's row 3, its header
        self.assertIn("无效的值“随便接访”", r.text)
        self.assertEqual(U.pending(), before)

    def test_good_xlsx_upload_records(self):
        c = self.signed_in()
        before = U.pending()
        data = self.xlsx([["", "2025-08-05", "P002", "定点接访", "2025-08-01", "", ""],
                          ["", "2025-08-06", "P003", "公开接访", "2025-08-01", "三楼", ""],
                          ["", "2025-08-07", "P001", "重点约访", "2025-08-01", "", ""]])
        r = c.upload("2025年8月接访台账.xlsx", data, {"csrf": c.csrf()})
        self.assertEqual(r.status, 200, r.text)
        self.assertIn("已记录 3 条，跳过已有 0 条", r.text)
        self.assertEqual(U.pending(), before + 3)

    def test_form_row_close_and_outbox(self):
        c = self.signed_in()
        page = c.get("/form?kind=reception_day").text
        self.assertIn('<option value="P001">周建华（P001）</option>', page)
        self.assertIn("<option>定点接访</option>", page)
        fields = dict(re.findall(r'<label>([^<]+) <(?:input|select) name="(c\d+)"', page))
        names = {label.strip(): name for label, name in fields.items()}
        form = {"csrf": c.csrf(), "kind": "reception_day", names["日期"]: "2025-06-03",
                names["人员编号"]: "P001", names["接访方式"]: "定点接访", names["公布日期"]: "2025-06-01"}
        before = U.pending()
        r = c.post("/form", form)
        self.assertIn("已记录 1 条，跳过已有 0 条", r.text)
        self.assertEqual(U.pending(), before + 1)
        r = c.post("/close", {"csrf": c.csrf(), "month": "2025-06"})
        self.assertEqual(r.status, 200, r.text)
        self.assertIn("已确认 2025-06", r.text)
        # withdraw the row from the outbox page
        outbox = c.get("/outbox").text
        refs = re.findall(r'name="ref" value="([^"]+)"', outbox)
        self.assertTrue(refs)
        r = c.post("/void", {"csrf": c.csrf(), "ref": refs[0], "reason": "重复登记"})
        self.assertEqual(r.status, 200, r.text)
        self.assertIn("已记录作废", r.text)
        r = c.post("/void", {"csrf": c.csrf(), "ref": refs[0], "reason": ""})
        self.assertEqual(r.status, 400)
        # massline-agent's own messages reach the clerk in Chinese too
        r = c.post("/void", {"csrf": c.csrf(), "ref": "H001-NOPE", "reason": "重复登记"})
        self.assertIn("作废本单位从未记录过的编号", r.text)
        self.assertNotIn("never recorded", r.text)


    def test_spool_group(self):
        """`run` gives the spool folder to spool_group: 2770, done/ and failed/ 0770; the
        .errors.txt of a refused ledger is group-readable under systemd's UMask=0077."""
        group = grp.getgrgid(os.getgid()).gr_name
        ini = U.dir + "/b/agents/H001/spool-group.ini"
        with open(U.ini, encoding="utf-8") as f:
            text = f.read()
        text = text.replace("spool = spool", "spool = spool-g\nspool_group = %s" % group)
        with open(ini, "w", encoding="utf-8") as f:
            f.write(text)
        spool = U.dir + "/b/agents/H001/spool-g"
        p = subprocess.Popen([dh.AGENT, "-c", ini, "run"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, umask=0o077)
        try:
            dh.wait_until(lambda: os.path.isdir(spool + "/failed")
                          and stat.S_IMODE(os.stat(spool + "/failed").st_mode) == 0o770, 30, "the spool")
            with open(spool + "/.接访台账.csv", "w", encoding="utf-8") as f:
                f.write(HEADER + ",2025-09-01,P001,乱写,2025-08-28,,\r\n")
            os.rename(spool + "/.接访台账.csv", spool + "/接访台账.csv")
            errors = spool + "/failed/接访台账.csv.errors.txt"
            dh.wait_until(lambda: os.path.exists(errors), 60, "the refused ledger's errors")
            self.assertEqual(stat.S_IMODE(os.stat(errors).st_mode), 0o640)
        finally:
            p.send_signal(signal.SIGTERM)
            p.wait(30)
        self.assertEqual(stat.S_IMODE(os.stat(spool).st_mode), 0o2770)
        self.assertEqual(os.stat(spool).st_gid, os.getgid())


if __name__ == "__main__":
    sys.exit(0 if unittest.main(exit=False, verbosity=2).result.wasSuccessful() else 1)
