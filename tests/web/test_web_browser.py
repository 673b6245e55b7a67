"""test_web_browser.py -- massline-web in a real browser (Debian's chromium, chromium-driver,
python3-selenium; headless): sign in, the dashboard's figures equal `massline report rollup
--format json`, drill down unit -> person -> rule, download the CSV and compare it with the CLI's,
a unit account is refused another unit (page and file), sign out ends the session. A screenshot
of the dashboard is left in ML_WEB_OUT (the build dir)."""
import json
import os
import sys
import tempfile
import time
import unittest

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

import webharness as wh

B = None
OUT = os.environ.get("ML_WEB_OUT", tempfile.gettempdir())


def setUpModule():
    global B
    B = wh.Bureau()
    B.add_user("王芳", "staff")
    B.add_user("h1", "unit", "H001")
    B.add_user("审核员", "reviewer")
    B.add_user("auditor1", "auditor")
    B.submit("H002")


def tearDownModule():
    if B:
        B.stop()


def browser(downloads):
    opts = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1366,768", "--lang=zh-CN"):
        opts.add_argument(arg)
    opts.add_experimental_option("prefs", {"download.default_directory": downloads,
                                           "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    driver.set_page_load_timeout(60)
    return driver


class Browser(unittest.TestCase):
    def setUp(self):
        self.downloads = tempfile.mkdtemp(prefix="ml-dl-")
        self.d = browser(self.downloads)
        self.base = "http://127.0.0.1:%d" % B.port

    def tearDown(self):
        self.d.quit()

    def sign_in(self, user):
        self.d.get(self.base + "/")
        self.assertTrue(self.d.current_url.endswith("/login"))
        self.d.find_element(By.ID, "user").send_keys(user)
        self.d.find_element(By.ID, "password").send_keys(wh.PASSWORD)
        self.d.find_element(By.ID, "submit").click()
        wh.wait_until(lambda: not self.d.current_url.endswith("/login"), 30, "the first page")
        # the URL changes before the new page's elements may be there
        wh.wait_until(lambda: self.d.find_element(By.ID, "account").text == user, 30,
                      "the signed-in page of " + user)

    def wait_file(self, name):
        path = os.path.join(self.downloads, name)
        wh.wait_until(lambda: os.path.exists(path), 30, "the download of " + name)
        with open(path, "rb") as f:
            return f.read()

    def test_staff_dashboard_drill_down_download_and_sign_out(self):
        self.sign_in("王芳")
        self.d.get(self.base + "/?year=%d" % wh.YEAR)
        self.d.save_screenshot(os.path.join(OUT, "dashboard.png"))
        rollup = json.loads(B.cli("report", "rollup", "--year", str(wh.YEAR), "--format", "json"))
        cells = self.d.find_elements(By.CSS_SELECTOR, "#heatmap td[data-system]")
        shown = {(c.get_attribute("data-unit"), int(c.get_attribute("data-system"))):
                 (int(c.get_attribute("data-met")), int(c.get_attribute("data-checked")), c.text) for c in cells}
        want = {}
        for u in rollup["units"]:
            for s in u["systems"]:
                want[(u["unit"], s["system"])] = (s["met"], s["checked"], "%d/%d" % (s["met"], s["checked"]))
        self.assertEqual(shown, want)
        self.assertEqual(len(want), 2 * 8)

        # drill down: unit -> person -> the person's rules
        self.d.find_element(By.LINK_TEXT, wh.UNITS[0][1]).click()
        wh.wait_until(lambda: self.d.find_elements(By.ID, "unit-name"), 30, "the unit page")
        self.assertEqual(self.d.find_element(By.ID, "unit-name").text, wh.UNITS[0][1])
        person = self.d.find_elements(By.CSS_SELECTOR, "#persons a.person")[0]
        name = person.text
        person.click()
        wh.wait_until(lambda: self.d.find_elements(By.ID, "person-name"), 30, "the person page")
        self.assertEqual(self.d.find_element(By.ID, "person-name").text, name)
        rows = self.d.find_elements(By.CSS_SELECTOR, "#person-rules tbody tr")
        self.assertGreater(len(rows), 0)

        # the CSV of the unit's year, downloaded by the browser, is the CLI's file
        self.d.back()
        self.d.find_element(By.ID, "dl-csv").click()
        got = self.wait_file("unit-annual.csv")
        self.assertEqual(got, B.cli_bytes("report", "unit-annual", "--unit", "H001", "--year", str(wh.YEAR),
                                          "--format", "csv"))

        # the official PDF, as the console serves it, is the CLI's file too
        cookies = {c["name"]: c["value"] for c in self.d.get_cookies()}
        client = wh.Client(B.port)
        client.cookies = {"ml_session": cookies["ml_session"]}
        pdf = client.get("/reports/unit-annual.pdf?unit=H001&year=%d" % wh.YEAR)
        self.assertEqual(pdf.status, 200)
        self.assertEqual(pdf.body, B.cli_bytes("report", "unit-annual", "--unit", "H001", "--year",
                                               str(wh.YEAR), "--format", "pdf", "-o", "-"))

        # sign out: the session is gone
        self.d.find_element(By.ID, "logout").click()
        wh.wait_until(lambda: self.d.current_url.endswith("/login"), 30, "the sign-in page")
        self.d.get(self.base + "/?year=%d" % wh.YEAR)
        self.assertTrue(self.d.current_url.endswith("/login"))

    def test_unit_account_is_refused_another_unit(self):
        self.sign_in("h1")
        self.assertEqual(self.d.find_element(By.ID, "unit-name").text, wh.UNITS[0][1])
        self.d.get(self.base + "/units/H002?year=%d" % wh.YEAR)
        self.assertIn("无权", self.d.find_element(By.ID, "error").text)
        self.d.get(self.base + "/reports/unit-annual.csv?unit=H002&year=%d" % wh.YEAR)
        self.assertIn("无权", self.d.find_element(By.ID, "error").text)
        self.assertFalse(os.path.exists(os.path.join(self.downloads, "unit-annual.csv")))

    def test_drill_down_from_a_rule_to_the_events_behind_it(self):
        self.sign_in("王芳")
        self.d.get(self.base + "/units/H001/persons/P001?year=%d" % wh.YEAR)
        cadre = json.loads(B.cli("report", "cadre", "--unit", "H001", "--person", "P001", "--year",
                                 str(wh.YEAR), "--format", "json"))
        counted = [r["rule"] for r in cadre["person"]["rules"] if (r.get("actual") or 0) > 0]
        self.assertTrue(counted)
        link = self.d.find_element(By.CSS_SELECTOR, '#person-rules tr[data-rule="%s"] a.rule-events' % counted[0])
        link.click()
        wh.wait_until(lambda: "rule=" in self.d.current_url and self.d.find_elements(By.ID, "events"), 30,
                      "the events page")
        self.assertIn("rule=", self.d.current_url)
        rows = self.d.find_elements(By.CSS_SELECTOR, "#events tbody tr.ev")
        self.assertGreater(len(rows), 0)
        # one event: its provenance (the agent and seq that recorded it) and its fields
        first = rows[0]
        self.assertRegex(first.find_element(By.CSS_SELECTOR, "td.prov").text, r".+ #\d+$")
        first.find_element(By.CSS_SELECTOR, "summary.ref").click()
        self.assertTrue(first.find_element(By.CSS_SELECTOR, "dl.fields").is_displayed())
        self.d.save_screenshot(os.path.join(OUT, "events.png"))

    def test_a_reviewer_accepts_a_submitted_year(self):
        self.assertEqual(B.year_state("H002"), "submitted")
        self.sign_in("审核员")
        self.d.get(self.base + "/?year=%d" % wh.YEAR)
        self.d.save_screenshot(os.path.join(OUT, "dashboard-reviewer.png"))
        row = self.d.find_element(By.CSS_SELECTOR, '#decisions tr[data-unit="H002"]')
        row.find_element(By.CSS_SELECTOR, "a.review").click()
        wh.wait_until(lambda: self.d.find_elements(By.ID, "year-state"), 30, "the review page")
        self.assertEqual(self.d.find_element(By.ID, "year-state").get_attribute("class"), "ys-submitted")
        self.d.save_screenshot(os.path.join(OUT, "review.png"))
        self.d.find_element(By.ID, "accept").click()
        wh.wait_until(lambda: self.d.find_element(By.ID, "year-state").get_attribute("class") == "ys-accepted",
                      30, "the accepted state")
        self.assertEqual(B.year_state("H002"), "accepted")
        self.assertEqual(self.d.find_elements(By.ID, "accept"), [])

    def test_an_auditor_draws_a_sample_and_records_a_finding(self):
        self.sign_in("auditor1")
        self.d.get(self.base + "/samples")
        self.d.find_element(By.ID, "draw-seed").send_keys("27182818284590452353")
        self.d.find_element(By.ID, "draw-witnesses").send_keys("张三、李四")
        self.d.find_element(By.ID, "draw").click()
        wh.wait_until(lambda: self.d.find_elements(By.ID, "sample-id"), 30, "the sample page")
        sample = self.d.find_element(By.ID, "sample-id").text
        self.assertEqual(self.d.find_element(By.ID, "witnesses").text, "张三、李四")
        rows = self.d.find_elements(By.CSS_SELECTOR, "#checklist tbody tr")
        drawn = json.loads(B.cli("sample", "show", sample, "--json"))
        self.assertEqual(drawn["size"], 10)
        self.assertEqual([r.get_attribute("data-item") for r in rows], [e["item"] for e in drawn["checklist"]])
        item = rows[0].get_attribute("data-item")
        Select(rows[0].find_element(By.NAME, "result")).select_by_value("deviation")
        rows[0].find_element(By.NAME, "note").send_keys("台账无签字")
        rows[0].find_element(By.CSS_SELECTOR, "form.finding button").click()
        wh.wait_until(lambda: self.d.find_elements(By.CSS_SELECTOR, "#checklist tbody tr .recorded")
                      and self.d.find_elements(By.CSS_SELECTOR, "#checklist tbody tr .recorded")[0].text == "不符",
                      30, "the finding shown")
        shown = json.loads(B.cli("sample", "show", sample, "--json"))
        entry = [e for e in shown["checklist"] if e["item"] == item][0]
        self.assertEqual(entry["finding"]["result"], "deviation")
        self.assertEqual(entry["finding"]["note"], "台账无签字")
        # verify re-derives the sample from its seed and today's store
        self.d.find_element(By.ID, "verify-link").click()
        wh.wait_until(lambda: self.d.find_elements(By.ID, "verify-result"), 30, "the verification")
        self.assertEqual(self.d.find_element(By.ID, "verify-result").get_attribute("class"), "ok")
        self.d.save_screenshot(os.path.join(OUT, "sample.png"))


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    n = result.testsRun
    bad = len(result.failures) + len(result.errors)
    print("%d passed, %d failed" % (n - bad, bad))
    sys.exit(1 if bad else 0)
