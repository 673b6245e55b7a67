"""test_web_http.py -- massline-web over HTTP against a real collector: sign-in and throttling,
CSRF, expired sessions, escaping, request limits, idle connections, who may see what."""
import json
import re
import resource
import socket
import sys
import time
import unittest

import webharness as wh

B = None


def setUpModule():
    global B
    B = wh.Bureau()
    B.add_user("王芳", "staff")
    B.add_user("leader1", "leader")
    B.add_user("h1", "unit", "H001")
    B.add_user("throttled", "staff")
    B.add_user(wh.SCRIPT_NAME, "staff")
    B.add_user("审核员", "reviewer")
    B.add_user("auditor1", "auditor")
    B.submit("H001")


def tearDownModule():
    if B:
        B.stop()


class Http(unittest.TestCase):
    def signed_in(self, user="王芳", source="127.0.0.1"):
        c = wh.Client(B.port, source)
        r = c.login(user)
        self.assertEqual(r.status, 303, r.text)
        self.assertIn("ml_session", c.cookies)
        return c

    def test_login_sets_a_strict_httponly_cookie_and_headers(self):
        c = wh.Client(B.port)
        token = c.csrf("/login")
        r = c.request("POST", "/login", {"csrf": token, "user": "王芳", "password": wh.PASSWORD})
        self.assertEqual(r.status, 303)
        cookie = [v for k, v in r.getheaders() if k.lower() == "set-cookie" and v.startswith("ml_session=")][0]
        self.assertRegex(cookie, r"^ml_session=[0-9a-f]{64};")
        self.assertIn("HttpOnly", cookie)
        self.assertIn("SameSite=Strict", cookie)
        page = c.get("/?year=%d" % wh.YEAR)
        self.assertEqual(page.status, 200)
        csp = page.getheader("Content-Security-Policy")
        self.assertIn("default-src 'none'", csp)
        self.assertNotIn("script-src", csp)      # no script source at all: default-src 'none'
        self.assertNotIn("<script", page.text)
        self.assertEqual(page.getheader("X-Content-Type-Options"), "nosniff")

    def test_wrong_password_gives_no_session_and_is_throttled(self):
        c = wh.Client(B.port)
        for _ in range(5):
            r = c.login("throttled", "wrong password!")
            self.assertEqual(r.status, 401)
            self.assertNotIn("ml_session", c.cookies)
            self.assertIn("账号或密码错误", r.text)
        # the sixth try is refused even with the right password
        r = c.login("throttled")
        self.assertEqual(r.status, 429)
        self.assertNotIn("ml_session", c.cookies)
        self.assertIn("失败次数过多", r.text)
        # other accounts from the same address still sign in
        self.signed_in()
        whats = [(e["account"], e["what"]) for e in B.audit()]
        self.assertIn(("throttled", "login-failed"), whats)
        self.assertIn(("throttled", "login-throttled"), whats)

    def test_one_address_is_throttled_across_accounts(self):
        c = wh.Client(B.port, "127.0.0.2")
        for i in range(12):
            self.assertEqual(c.login("nobody%d" % i, "wrong password!").status, 401)
        r = c.login("王芳")
        self.assertEqual(r.status, 429)
        self.assertNotIn("ml_session", c.cookies)
        self.signed_in(source="127.0.0.3")

    def test_post_without_or_with_a_wrong_csrf_token_is_refused_and_changes_nothing(self):
        c = self.signed_in()
        self.assertEqual(c.request("POST", "/logout", {}).status, 403)
        self.assertEqual(c.request("POST", "/logout", {"csrf": "0" * 64}).status, 403)
        self.assertEqual(c.get("/?year=%d" % wh.YEAR).status, 200)      # still signed in
        # the login form too: no token, or one that is not the cookie's
        d = wh.Client(B.port)
        r = d.request("POST", "/login", {"user": "王芳", "password": wh.PASSWORD})
        self.assertEqual(r.status, 403)
        self.assertNotIn("ml_session", d.cookies)
        d.csrf("/login")
        r = d.request("POST", "/login", {"csrf": "1" * 64, "user": "王芳", "password": wh.PASSWORD})
        self.assertEqual(r.status, 403)
        self.assertNotIn("ml_session", d.cookies)
        # with the right token, logout ends the session
        self.assertEqual(c.request("POST", "/logout", {"csrf": c.csrf("/")}).status, 303)
        r = c.get("/")
        self.assertEqual(r.status, 303)
        self.assertEqual(r.getheader("Location"), "/login")

    def test_logout_ends_the_session_for_a_copied_cookie_too(self):
        c = self.signed_in()
        copy = wh.Client(B.port)
        copy.cookies = dict(c.cookies)
        c.request("POST", "/logout", {"csrf": c.csrf("/")})
        self.assertEqual(copy.get("/").status, 303)

    def test_a_session_expires_when_idle(self):
        port = wh.free_port()
        ini = B.write_web_ini("web-short.ini", {"listen": "127.0.0.1:%d" % port, "fast_hash": "1",
                                                "session_idle_s": "1"})
        B.start_web(ini, "web-short.log", port)
        c = wh.Client(port)
        self.assertEqual(c.login("王芳").status, 303)
        self.assertEqual(c.get("/units/H001?year=%d" % wh.YEAR).status, 200)
        time.sleep(2.5)                 # past the idle timeout of 1 s
        r = c.get("/units/H001?year=%d" % wh.YEAR)
        self.assertEqual(r.status, 303)
        self.assertEqual(r.getheader("Location"), "/login")

    def test_a_script_in_a_name_is_shown_as_text(self):
        c = self.signed_in(wh.SCRIPT_NAME)
        page = c.get("/?year=%d" % wh.YEAR)
        self.assertEqual(page.status, 200)
        self.assertNotIn("<script", page.text)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", page.text)   # the account name
        self.assertIn("第二医院&lt;script&gt;", page.text)                  # the unit name
        unit = c.get("/units/H002?year=%d" % wh.YEAR)
        self.assertNotIn("<script", unit.text)

    def test_a_10_mb_request_is_refused(self):
        # announced: refused before the body is read
        s = socket.create_connection(("127.0.0.1", B.port), timeout=30)
        s.sendall(b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                  b"Content-Length: 10485760\r\n\r\n" + b"a" * 65536)
        self.assertIn(b" 413 ", s.recv(4096).split(b"\r\n")[0] + b" ")
        s.close()
        # not announced (chunked): read, counted, refused
        s = socket.create_connection(("127.0.0.1", B.port), timeout=30)
        s.sendall(b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"%x\r\n" % 65536 + b"a" * 65536 + b"\r\n"
        try:
            for _ in range(160):            # 10 MB
                s.sendall(chunk)
            s.sendall(b"0\r\n\r\n")
        except OSError:
            pass                            # the server may stop reading: also a refusal
        status = s.recv(4096).split(b"\r\n")[0]
        self.assertIn(b"413", status)
        s.close()
        self.assertEqual(self.signed_in().get("/").status, 200)

    def test_1000_idle_connections_do_not_stop_the_next_user(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft < 1200:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
        idle = []
        try:
            for i in range(1000):
                s = socket.create_connection(("127.0.0.1", B.port), timeout=30)
                if i % 2:
                    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")    # a request never finished
                idle.append(s)
            c = self.signed_in()
            page = c.get("/?year=%d" % wh.YEAR)
            self.assertEqual(page.status, 200)
            self.assertIn('id="heatmap"', page.text)
        finally:
            for s in idle:
                s.close()

    def test_a_unit_account_sees_only_its_unit(self):
        c = self.signed_in("h1")
        self.assertEqual(c.get("/units/H001?year=%d" % wh.YEAR).status, 200)
        self.assertEqual(c.get("/units/H002?year=%d" % wh.YEAR).status, 403)
        self.assertEqual(c.get("/units/H002/persons/P001?year=%d" % wh.YEAR).status, 403)
        self.assertEqual(c.get("/reports/unit-annual.csv?unit=H002&year=%d" % wh.YEAR).status, 403)
        self.assertEqual(c.get("/reports/rollup.csv?year=%d" % wh.YEAR).status, 403)
        self.assertEqual(c.get("/reports/unit-annual.csv?unit=H001&year=%d" % wh.YEAR).status, 200)
        # its home is its own unit, not the bureau's dashboard
        self.assertIn('id="unit-name"', c.get("/?year=%d" % wh.YEAR).text)
        denied = [e for e in B.audit() if e["what"] == "denied" and e["account"] == "h1"]
        self.assertTrue(any(e["detail"] == "/units/H002" for e in denied), denied)

    def test_downloads_are_the_cli_bytes(self):
        c = self.signed_in()
        # pdf: in the browser suite (cairo and fontconfig leak under LeakSanitizer, CLI and all)
        for fmt in ("csv", "json", "html"):
            r = c.get("/reports/unit-annual.%s?unit=H001&year=%d" % (fmt, wh.YEAR))
            self.assertEqual(r.status, 200)
            self.assertIn("attachment", r.getheader("Content-Disposition"))
            cli = B.cli_bytes("report", "unit-annual", "--unit", "H001", "--year", str(wh.YEAR), "--format", fmt,
                              "-o", "-")
            self.assertEqual(r.body, cli, fmt)

    def test_unknown_pages_and_formats(self):
        c = self.signed_in()
        self.assertEqual(c.get("/nowhere").status, 404)
        self.assertEqual(c.get("/reports/rollup.exe?year=2025").status, 404)
        self.assertEqual(c.get("/units/H009?year=%d" % wh.YEAR).status, 404)
        self.assertEqual(c.get("/?year=20x5").status, 400)
        self.assertEqual(c.request("DELETE", "/").status, 405)

    def test_a_leader_reads_everything(self):
        c = self.signed_in("leader1")
        # until the collector knows the leader role (the reporting chain), it refuses: never more
        status = c.get("/?year=%d" % wh.YEAR).status
        self.assertIn(status, (200, 403))


class Phase2(unittest.TestCase):
    """Events, review, samples, bulletin: every page behind its role, every POST CSRF-checked."""

    def signed_in(self, user):
        c = wh.Client(B.port)
        self.assertEqual(c.login(user).status, 303)
        return c

    def test_events_behind_a_rule_carry_their_provenance(self):
        c = self.signed_in("王芳")
        page = c.get("/units/H001/persons/P001/events?year=%d" % wh.YEAR)
        self.assertEqual(page.status, 200, page.text)
        self.assertIn('id="events"', page.text)
        self.assertRegex(page.text, r'class="prov">[^<]+ #\d+<')
        # the unit's name holds a script: shown as text on the events page too
        page = c.get("/units/H002/events?year=%d" % wh.YEAR)
        self.assertEqual(page.status, 200)
        self.assertNotIn(wh.SCRIPT_NAME, page.text)
        self.assertIn("&lt;script&gt;", page.text)
        self.assertEqual(c.get("/units/H001/events?year=%d&kind=nonsense" % wh.YEAR).status, 400)

    def test_a_unit_account_gets_403_on_another_units_events_and_bureau_pages(self):
        c = self.signed_in("h1")
        self.assertEqual(c.get("/units/H001/events?year=%d" % wh.YEAR).status, 200)
        for path in ("/units/H002/events?year=%d" % wh.YEAR, "/units/H002/persons/P001/events",
                     "/review/H002/%d" % wh.YEAR, "/completeness", "/bulletin", "/watchlist", "/samples"):
            self.assertEqual(c.get(path).status, 403, path)

    def test_only_a_reviewer_decides_and_only_with_the_csrf_token(self):
        self.assertEqual(B.year_state("H001"), "submitted")
        leader = self.signed_in("leader1")
        page = leader.get("/review/H001/%d" % wh.YEAR)
        self.assertEqual(page.status, 200)
        self.assertNotIn('id="accept"', page.text)
        self.assertIn('id="readonly"', page.text)
        token = leader.csrf("/review/H001/%d" % wh.YEAR)
        self.assertEqual(leader.request("POST", "/review/H001/%d" % wh.YEAR,
                                        {"csrf": token, "action": "accept"}).status, 403)
        staff = self.signed_in("王芳")
        token = staff.csrf("/")
        self.assertEqual(staff.request("POST", "/review/H001/%d" % wh.YEAR,
                                       {"csrf": token, "action": "accept"}).status, 403)
        rev = self.signed_in("审核员")
        self.assertIn("/review/H001/%d" % wh.YEAR, rev.get("/?year=%d" % wh.YEAR).text)
        self.assertEqual(rev.request("POST", "/review/H001/%d" % wh.YEAR, {"action": "accept"}).status, 403)
        self.assertEqual(rev.request("POST", "/review/H001/%d" % wh.YEAR,
                                     {"csrf": "0" * 64, "action": "accept"}).status, 403)
        token = rev.csrf("/review/H001/%d" % wh.YEAR)
        self.assertEqual(rev.request("POST", "/review/H001/%d" % wh.YEAR,
                                     {"csrf": token, "action": "return"}).status, 400)   # no reason
        self.assertEqual(B.year_state("H001"), "submitted")
        r = rev.request("POST", "/review/H001/%d" % wh.YEAR,
                        {"csrf": token, "action": "return", "reason": "<b>补充材料</b>"})
        self.assertEqual(r.status, 303, r.text)
        self.assertEqual(B.year_state("H001"), "returned")
        page = rev.get("/review/H001/%d" % wh.YEAR)
        self.assertIn("&lt;b&gt;补充材料&lt;/b&gt;", page.text)
        self.assertNotIn('id="accept"', page.text)
        self.assertEqual(rev.request("POST", "/review/H001/%d" % wh.YEAR,
                                     {"csrf": token, "action": "accept"}).status, 409)
        self.assertTrue(any(e["what"] == "decision" and e["account"] == "审核员" for e in B.audit()))

    def test_samples_are_for_staff_and_auditors_and_only_auditors_draw(self):
        for user in ("leader1", "审核员"):
            self.assertEqual(self.signed_in(user).get("/samples").status, 403, user)
        staff = self.signed_in("王芳")
        page = staff.get("/samples")
        self.assertEqual(page.status, 200)
        self.assertNotIn('id="draw"', page.text)
        form = {"csrf": staff.csrf("/samples"), "year": str(wh.YEAR), "seed": "31415926535897932384",
                "size": "4", "population": "events", "strata": "unit", "witnesses": "甲"}
        self.assertEqual(staff.request("POST", "/samples", form).status, 403)
        aud = self.signed_in("auditor1")
        form["csrf"] = "f" * 64
        self.assertEqual(aud.request("POST", "/samples", form).status, 403)
        self.assertEqual(len(json.loads(B.cli("sample", "list", "--json"))["samples"]), 0)

    def test_bulletin_and_watchlist_pages(self):
        c = self.signed_in("leader1")
        page = c.get("/bulletin?period=%d-Q1" % wh.YEAR)
        self.assertEqual(page.status, 200, page.text)
        bulletin = json.loads(B.cli("report", "bulletin", "--period", "%d-Q1" % wh.YEAR, "--format", "json"))
        ranks = re.findall(r'<tr data-unit="([^"]+)"><td class="num rank">', page.text)
        self.assertEqual(ranks, [u["unit"] for u in bulletin["units"]])
        self.assertEqual(c.get("/bulletin?period=nonsense").status, 400)
        self.assertEqual(c.get("/watchlist?year=%d" % wh.YEAR).status, 200)
        self.assertEqual(c.get("/completeness?year=%d" % wh.YEAR).status, 200)


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    n = result.testsRun
    bad = len(result.failures) + len(result.errors)
    print("%d passed, %d failed" % (n - bad, bad))
    sys.exit(1 if bad else 0)
