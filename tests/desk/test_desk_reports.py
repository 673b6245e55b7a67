"""test_desk_reports.py -- 本单位报表 through real programs: a collector serving two units, H001's
agent delivering the demo hospital's ledger, and H001's desk asking the collector for the unit's
own unit-annual with the agent's key. The page shows the figures `massline report unit-annual
--format json` gives, each person links to their cadre report (述职述廉附件) with the figures of
`massline report cadre`, the downloads (PDF too) are the CLI's bytes, and an agent.ini edited to
name another unit gets nothing of it, neither the unit-annual nor a person of that unit (the
collector refuses the key). Under ops/test's ASan stage the programs run with tests/lsan.supp
(meson.build sets LSAN_OPTIONS), so that the PDF renderer's libraries' caches do not fail them."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import deskharness as dh
from httpharness import free_port, stop_all, wait_listening, wait_until

CLIENT = os.environ["ML_CLIENT"]
YEAR = 2025
B = None


class Bureau:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="ml-desk-reports-")
        self.b = self.dir + "/b"
        self.procs = []
        self.run([dh.COLLECTOR, "init", self.b, "--unit", "H001:第一医院", "--unit", "H002:第二医院",
                  "--ingest", "tcp://127.0.0.1:%d" % free_port(),
                  "--query", "tcp://127.0.0.1:%d" % free_port()])
        self.start([dh.COLLECTOR, "-c", self.b + "/collector.ini", "serve"], "collector.log")
        wait_until(lambda: subprocess.run([CLIENT, "-c", self.b + "/staff/admin.ini", "status"],
                                          capture_output=True).returncode == 0, 60, "the collector")
        for uid in ("H001", "H002"):
            ini = "%s/agents/%s/agent.ini" % (self.b, uid)
            self.run([dh.AGENT, "-c", ini, "import", "%s/ops/demo-data/%s.jsonl" % (dh.SOURCE, uid)])
            self.run([dh.AGENT, "-c", ini, "flush", "--timeout", "120"])
        self.ini = self.b + "/agents/H001/agent.ini"
        self.port = self.desk(self.ini, "desk.log")

    def desk(self, ini, log, env=None):
        port = free_port()
        with open(ini, "a", encoding="utf-8") as f:
            f.write("\n[web]\nlisten = 127.0.0.1:%d\nfast_hash = 1\n" % port)
        self.run([dh.AGENT, "-c", ini, "user", "add", dh.CLERK], stdin=(dh.PASSWORD + "\n").encode())
        self.start([dh.AGENT, "-c", ini, "web"], log, env)
        wait_listening(port, "the desk")
        return port

    def run(self, args, stdin=None):
        p = subprocess.run(args, input=stdin, capture_output=True)
        if p.returncode != 0:
            raise AssertionError("%s exited %d: %s%s" % (args, p.returncode, p.stdout, p.stderr))
        return p.stdout

    def start(self, args, log, env=None):
        with open("%s/%s" % (self.dir, log), "ab") as f:
            self.procs.append(subprocess.Popen(args, stdout=f, stderr=f,
                                               env=dict(os.environ, **env) if env else None))

    def copy_agent(self, name, unit):
        """H001's agent folder as NAME, its agent.ini saying UNIT and without the desk's [web]."""
        folder = self.dir + "/" + name
        shutil.copytree(self.b + "/agents/H001", folder,
                        ignore=shutil.ignore_patterns("outbox", "desk-data", "spool"))
        with open(folder + "/agent.ini", encoding="utf-8") as f:
            text = f.read()
        text = re.sub(r"(?m)^unit = H001$", "unit = " + unit, text)
        text = re.sub(r"(?m)^\[web\]\nlisten = .*\nfast_hash = 1\n", "", text)
        with open(folder + "/agent.ini", "w", encoding="utf-8") as f:
            f.write(text)
        return folder + "/agent.ini"

    def cli(self, *args):
        return self.run([CLIENT, "-c", self.b + "/staff/admin.ini"] + list(args))

    def stop(self):
        stop_all(self.procs, self.dir)


def setUpModule():
    global B
    B = Bureau()


def tearDownModule():
    if B:
        B.stop()


def cell(html, ident):
    m = re.search(r'id="%s">([^<]*)<' % re.escape(ident), html)
    return m.group(1) if m else None


class Reports(unittest.TestCase):
    def signed_in(self, port=None):
        c = dh.Client(port or B.port)
        self.assertEqual(c.login().status, 303)
        return c

    def test_the_page_shows_the_cli_figures(self):
        want = json.loads(B.cli("report", "unit-annual", "--unit", "H001", "--year", str(YEAR),
                                "--format", "json"))
        r = self.signed_in().get("/reports?year=%d" % YEAR)
        self.assertEqual(r.status, 200, r.text)
        for key in ("rules_checked", "met", "unmet", "warnings"):
            self.assertEqual(cell(r.text, key), str(want["summary"][key]), key)
        rows = re.findall(r'<tr data-person="([^"]*)"><td>[^<]*</td><td><a href="/reports/cadre\?'
                          r'year=%d&amp;person=\1" class="cadre">([^<]*)</a></td>'
                          r'<td class="met">(\d+)</td><td class="[^"]*">(\d+)</td>' % YEAR, r.text)
        self.assertEqual(len(rows), len(want["persons"]))
        self.assertGreater(len(rows), 0)
        for (pid, name, met, unmet), p in zip(rows, want["persons"]):
            self.assertEqual((pid, name), (p["person"], p["name"]))
            self.assertEqual(int(met), sum(1 for x in p["rules"] if x["status"] == "met"), pid)
            self.assertEqual(int(unmet), sum(1 for x in p["rules"] if x["status"] == "unmet"), pid)

    def test_downloads_are_the_cli_bytes(self):
        c = self.signed_in()
        for fmt in ("pdf", "csv", "json", "html"):
            r = c.get("/reports/download?year=%d&format=%s" % (YEAR, fmt))
            self.assertEqual(r.status, 200, fmt)
            self.assertIn('filename="unit-annual-H001-%d.%s"' % (YEAR, fmt),
                          r.getheader("Content-Disposition"))
            cli = B.cli("report", "unit-annual", "--unit", "H001", "--year", str(YEAR), "--format", fmt,
                        "-o", "-")
            self.assertEqual(r.body, cli, fmt)
        self.assertTrue(r.body)
        self.assertEqual(c.get("/reports/download?year=%d&format=exe" % YEAR).status, 404)
        self.assertEqual(c.get("/reports?year=20x5").status, 400)

    def test_each_person_links_to_their_cadre_report(self):
        c = self.signed_in()
        page = c.get("/reports?year=%d" % YEAR).text
        links = re.findall(r'href="(/reports/cadre\?year=%d&amp;person=([^"]*))" class="cadre">([^<]*)<'
                           % YEAR, page)
        self.assertEqual(len(links), 15)
        for href, pid, name in (links[0], links[-1]):
            want = json.loads(B.cli("report", "cadre", "--unit", "H001", "--person", pid,
                                    "--year", str(YEAR), "--format", "json"))
            r = c.get(href.replace("&amp;", "&"))
            self.assertEqual(r.status, 200, r.text)
            self.assertIn("述职述廉附件", r.text)
            self.assertEqual(cell(r.text, "name"), want["person"]["name"])
            self.assertEqual(name, want["person"]["name"])
            rules = want["person"]["rules"]
            self.assertEqual(cell(r.text, "met"), str(sum(1 for x in rules if x["status"] == "met")))
            self.assertEqual(cell(r.text, "unmet"), str(sum(1 for x in rules if x["status"] == "unmet")))
            self.assertEqual(len(re.findall(r'<tr data-rule="', r.text)), len(rules))
            self.assertIn('href="/reports?year=%d"' % YEAR, r.text)
        # the unit is agent.ini's, whatever the request says
        r = c.get("/reports/cadre?year=%d&person=P001&unit=H002" % YEAR)
        self.assertEqual(r.status, 200)
        self.assertEqual(cell(r.text, "name"), links[0][2])

    def test_cadre_downloads_are_the_cli_bytes(self):
        c = self.signed_in()
        page = c.get("/reports/cadre?year=%d&person=P002" % YEAR).text
        for fmt in ("pdf", "csv", "json", "html"):
            self.assertIn('href="/reports/download?year=%d&amp;format=%s&amp;person=P002"' % (YEAR, fmt),
                          page)
            r = c.get("/reports/download?year=%d&format=%s&person=P002" % (YEAR, fmt))
            self.assertEqual(r.status, 200, fmt)
            self.assertIn('filename="cadre-H001-P002-%d.%s"' % (YEAR, fmt),
                          r.getheader("Content-Disposition"))
            cli = B.cli("report", "cadre", "--unit", "H001", "--person", "P002", "--year", str(YEAR),
                        "--format", fmt, "-o", "-")
            self.assertEqual(r.body, cli, fmt)
        self.assertTrue(r.body)

    def test_a_person_the_unit_lacks_is_not_found(self):
        c = self.signed_in()
        self.assertEqual(c.get("/reports/cadre?year=%d&person=P999" % YEAR).status, 404)
        self.assertEqual(c.get("/reports/download?year=%d&format=pdf&person=P999" % YEAR).status, 404)
        self.assertEqual(c.get("/reports/cadre?year=%d" % YEAR).status, 400)
        self.assertEqual(c.get("/reports/cadre?year=%d&person=P%%0A1" % YEAR).status, 400)
        self.assertEqual(c.get("/reports/download?year=%d&format=pdf&person=" % YEAR).status, 404)

    def test_a_unit_cannot_read_another_units_report(self):
        # H001's agent folder with agent.ini edited to say unit H002: the key is still H001's
        port = B.desk(B.copy_agent("forged", "H002"), "forged.log")
        r = self.signed_in(port).get("/reports?year=%d" % YEAR)
        self.assertEqual(r.status, 403, r.text)
        self.assertIn("只能查看自己的报表", r.text)
        self.assertNotIn('id="persons"', r.text)
        r = self.signed_in(port).get("/reports/download?year=%d&format=json" % YEAR)
        self.assertEqual(r.status, 403)
        # nor a person of that unit: H002's P001, asked with H001's key
        r = self.signed_in(port).get("/reports/cadre?year=%d&person=P001" % YEAR)
        self.assertEqual(r.status, 403, r.text)
        self.assertNotIn("顾振宇", r.text)
        self.assertNotIn('id="rules"', r.text)
        for fmt in ("pdf", "json"):
            r = self.signed_in(port).get("/reports/download?year=%d&format=%s&person=P001" % (YEAR, fmt))
            self.assertEqual(r.status, 403, fmt)
            self.assertNotIn("顾振宇".encode(), r.body)

    def test_the_pages_speak_the_language_asked_for(self):
        # every word of the report pages comes through gettext: with LANGUAGE=en there is no
        # catalogue, so the desk shows the English msgids; by default it speaks Chinese
        port = B.desk(B.copy_agent("english", "H001"), "english.log",
                      {"LANG": "C.UTF-8", "LC_ALL": "", "LC_MESSAGES": "", "LANGUAGE": "en"})
        c = self.signed_in(port)
        r = c.get("/reports?year=%d" % YEAR)
        self.assertEqual(r.status, 200, r.text)
        self.assertIn("<h1>The unit&#39;s reports</h1>", r.text)
        self.assertIn(">Cadre report</th>", r.text)
        self.assertIn(">Upload a ledger</a>", r.text)
        self.assertIsNone(re.search(r"<(?:h1|th|label|button)>[^<]*[\u4e00-\u9fff]", r.text))
        r = c.get("/reports/cadre?year=%d&person=P001" % YEAR)
        self.assertIn("Cadre report (annex to the duty report)", r.text)
        self.assertIn(">Back to the unit&#39;s reports</a>", r.text)
        self.assertEqual(c.get("/nowhere").status, 404)
        self.assertIn("No such page", c.get("/nowhere").text)
        zh = self.signed_in().get("/reports/cadre?year=%d&person=P001" % YEAR).text
        self.assertIn("述职述廉附件：直接联系群众", zh)
        self.assertIn(">返回本单位报表</a>", zh)


if __name__ == "__main__":
    unittest.main(verbosity=2)
