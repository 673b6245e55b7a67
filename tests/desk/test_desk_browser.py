"""test_desk_browser.py -- the unit desk in a real browser (Debian's chromium, chromium-driver,
python3-selenium; headless): sign in, upload a ledger with a bad row (the row number and the
column header shown, the cell marked, nothing recorded), fill one row in the form (choices and
persons from dropdowns), close a month. A screenshot of the upload errors is left in ML_DESK_OUT."""
import os
import sys
import tempfile
import unittest

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

import deskharness as dh

U = None
OUT = os.environ.get("ML_DESK_OUT", tempfile.gettempdir())


def setUpModule():
    global U
    U = dh.Unit()


def tearDownModule():
    if U:
        U.stop()


class Browser(unittest.TestCase):
    def setUp(self):
        opts = webdriver.ChromeOptions()
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                    "--window-size=1366,900", "--lang=zh-CN"):
            opts.add_argument(arg)
        self.d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
        self.d.set_page_load_timeout(60)
        self.base = "http://127.0.0.1:%d" % U.port
        self.files = tempfile.mkdtemp(prefix="ml-desk-files-")
        self.d.get(self.base + "/")
        self.assertTrue(self.d.current_url.endswith("/login"))
        self.d.find_element(By.ID, "user").send_keys(dh.CLERK)
        self.d.find_element(By.ID, "password").send_keys(dh.PASSWORD)
        self.d.find_element(By.ID, "submit").click()
        # the click returns before the next page may be there (seen once in a loaded ops/test)
        dh.wait_until(lambda: self.d.find_element(By.ID, "account").text == dh.CLERK, 30,
                      "the signed-in page")

    def tearDown(self):
        self.d.quit()

    def test_upload_with_errors_then_fixed(self):
        path = os.path.join(self.files, "2025年7月接访台账.csv")
        rows = ["编号,日期,人员编号,接访方式,公布日期,备注,更正编号",
                ",2025-07-01,P001,定点接访,2025-06-28,,",
                ",2025-07-02,P001,随便接访,2025-06-28,,"]
        with open(path, "w", encoding="utf-8") as f:
            f.write("\r\n".join(rows) + "\r\n")
        before = U.pending()
        self.d.get(self.base + "/upload")
        self.d.find_element(By.ID, "file").send_keys(path)
        self.submit("upload")
        self.assertIn("一条也没有记录", self.result())
        bad = self.d.find_elements(By.CSS_SELECTOR, "#errors td.bad")
        self.assertEqual([b.text for b in bad], ["接访方式"])
        row = bad[0].find_element(By.XPATH, "..").find_element(By.CSS_SELECTOR, "td.row").text
        self.assertEqual(row, "3")
        self.assertNotEqual(bad[0].value_of_css_property("background-color"), "rgba(0, 0, 0, 0)")
        self.d.save_screenshot(os.path.join(OUT, "desk-upload-errors.png"))
        self.assertEqual(U.pending(), before)
        rows[2] = rows[2].replace("随便接访", "公开接访")
        path = os.path.join(tempfile.mkdtemp(dir=self.files), "2025年7月接访台账.csv")
        with open(path, "w", encoding="utf-8") as f:
            f.write("\r\n".join(rows) + "\r\n")
        self.d.get(self.base + "/upload")
        self.d.find_element(By.ID, "file").send_keys(path)
        self.submit("upload")
        self.assertEqual(self.result(), "已记录 2 条，跳过已有 0 条")
        self.assertEqual(U.pending(), before + 2)

    def test_form_row(self):
        before = U.pending()
        self.d.get(self.base + "/form")
        self.d.find_element(By.LINK_TEXT, "接访台账").click()
        dh.wait_until(lambda: self.d.find_elements(By.ID, "c-date"), 30, "the form")
        self.d.find_element(By.ID, "c-date").send_keys("08012025")   # a date input: mm dd yyyy
        Select(self.d.find_element(By.ID, "c-person")).select_by_value("P002")
        Select(self.d.find_element(By.ID, "c-mode")).select_by_visible_text("公开接访")
        self.d.find_element(By.ID, "c-announced").send_keys("07282025")
        self.submit("record")
        self.assertEqual(self.result(), "已记录 1 条，跳过已有 0 条")
        self.assertEqual(U.pending(), before + 1)

    def test_close_a_month(self):
        self.d.get(self.base + "/")
        month = self.d.find_element(By.ID, "month")
        # a month input: set it as the browser's own UI would
        self.d.execute_script("arguments[0].value = '2025-09'", month)
        self.submit("close")
        self.assertIn("已确认 2025-09", self.result())
        self.assertIn('"month":"2025-09"', self.outbox_kinds())

    def submit(self, button):
        """Clicks BUTTON and waits until the page it leaves is gone (a bound only)."""
        b = self.d.find_element(By.ID, button)
        b.click()
        WebDriverWait(self.d, 30).until(EC.staleness_of(b))

    def result(self):
        """The text of the result of the form just sent (waits for that page; a bound only)."""
        return self.d.find_element(By.ID, "result").text

    def outbox_kinds(self):
        self.d.get(self.base + "/outbox")
        return self.d.find_element(By.ID, "outbox").text


if __name__ == "__main__":
    sys.exit(0 if unittest.main(exit=False, verbosity=2).result.wasSuccessful() else 1)
