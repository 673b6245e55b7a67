"""test_web_cache.py -- the collector keeps report answers while its store has not changed
(collector/ml_query_cache.c), and massline-web shows them: a kept answer is dropped by a new event
(an ingest) and by a decision, and is never shown to an account that may not ask for it.
massline-web keeps the dashboard and unit pages per store generation (collector/web/web_cache.c):
per role and unit, with each visitor's own layout, dropped by an ingest, made once when many ask it
at once (single flight, also when its making fails); and its kept connections to the collector
survive the collector's restart. With page_max_age_s, a visitor asking while another makes the new
page may be sent the previous one, marked with the time its data was read, never one older than
the bound nor of another scope."""
import html
import json
import os
import re
import signal
import threading
import time
import unittest

import webharness as wh

B = None
Y = wh.YEAR


def setUpModule():
    global B
    B = wh.Bureau()
    B.add_user("王芳", "staff")
    B.add_user("h1", "unit", "H001")
    B.add_user("h2", "unit", "H002")
    B.add_user("审核员", "reviewer")


def tearDownModule():
    if B:
        B.stop()


def heat(page, unit):
    """The dashboard's compliance cell of UNIT: (met, unmet)."""
    m = re.search(r'<td class="num" data-unit="%s" data-met="(\d+)" data-unmet="(\d+)">' % unit, page)
    return (int(m.group(1)), int(m.group(2))) if m else None


def cli_summary(unit):
    rep = json.loads(B.cli("report", "rollup", "--year", str(Y), "--format", "json", "-o", "-"))
    u = [u for u in rep["units"] if u["unit"] == unit][0]
    return (u["summary"]["met"], u["summary"]["unmet"])


def english_msgids():
    """The console's English msgids (collector/web/web_text.c) a reader would notice: capitalised."""
    with open(os.path.join(wh.SOURCE, "collector/web/web_text.c"), encoding="utf-8") as f:
        ids = re.findall(r'NC_ \("web", "((?:[^"\\]|\\.)*)"\)', f.read())
    assert len(ids) > 100, len(ids)
    return [i for i in ids if i[:1].isupper()]


STAMP = re.compile(r'<p class="note data-at" id="data-at" data-at="(\d+)">数据更新于 (\d\d:\d\d:\d\d)</p>')


def main_of(page):
    """The kept body of a page: its <main> without the time its data was the store's (made for
    each request)."""
    return STAMP.sub("", page.split("<main>")[-1].split("</main>")[0], count=1)


def data_at(body):
    """The time a page's data was read (unix s), as the page says it."""
    m = STAMP.search(body)
    return int(m.group(1)) if m else None


def shown_text(page):
    return html.unescape(re.sub(r"<[^>]*>", " ", page))


class Cache(unittest.TestCase):
    def signed_in(self, user):
        c = wh.Client(B.port)
        self.assertEqual(c.login(user).status, 303)
        return c

    def test_0_pages_are_in_chinese_through_the_catalogue(self):
        c = self.signed_in("王芳")
        english = english_msgids()
        pages = {"/?year=%d" % Y: ["总览", "汇总：各单位 × 八项制度", "预警名单", "下载", "当前账号", "退出"],
                 "/units/H001?year=%d" % Y: ["单位条款", "达标", "下载"],
                 "/login": []}
        for path, words in pages.items():
            page = c.get(path) if path != "/login" else wh.Client(B.port).get(path)
            self.assertEqual(page.status, 200, path)
            text = shown_text(page.text)
            for w in words:
                self.assertIn(w, text, "%s: no %s" % (path, w))
            left = [e for e in english if e in text]
            self.assertEqual(left, [], "%s shows untranslated English" % path)

    def test_1_a_new_event_changes_what_the_pages_show(self):
        c = self.signed_in("王芳")
        events = "/units/H001/events?year=%d" % Y
        before = c.get(events).text
        self.assertEqual(c.get(events).text, before)         # asked twice: the same answer
        self.assertNotIn('data-ref="H001-CACHE-0001"', before)
        dash = c.get("/?year=%d" % Y).text
        self.assertEqual(heat(dash, "H001"), cli_summary("H001"))
        # one more talk by P005, delivered by H001's agent
        path = B.dir + "/one.jsonl"
        with open(path, "w", encoding="utf-8") as f:
            f.write(json.dumps({"kind": "talk", "ref": "H001-CACHE-0001", "date": "%d-03-03" % Y,
                                "person": "P005", "with": "职工", "with_category": "masses",
                                "form": "individual", "mode": "in_person", "note": "cache"},
                               ensure_ascii=False) + "\n")
        ini = "%s/agents/H001/agent.ini" % B.b
        B.run([wh.AGENT, "-c", ini, "import", path])
        B.run([wh.AGENT, "-c", ini, "flush", "--timeout", "120"])
        after = c.get(events).text
        self.assertIn('data-ref="H001-CACHE-0001"', after)
        n0 = int(re.search(r'id="match">[^<]*· (\d+)<', before).group(1))
        n1 = int(re.search(r'id="match">[^<]*· (\d+)<', after).group(1))
        self.assertEqual(n1, n0 + 1)
        # the dashboard's figures are still the CLI's, asked after the ingest
        self.assertEqual(heat(c.get("/?year=%d" % Y).text, "H001"), cli_summary("H001"))

    def test_2_a_submission_and_a_decision_change_the_dashboard(self):
        c = self.signed_in("王芳")
        dash = c.get("/?year=%d" % Y).text
        self.assertNotIn('<tr data-unit="H002">', dash)
        B.submit("H002")
        dash = c.get("/?year=%d" % Y).text
        self.assertIn('<tr data-unit="H002">', dash)         # awaiting review now
        rev = self.signed_in("审核员")
        token = rev.csrf("/review/H002/%d" % Y)
        done = rev.request("POST", "/review/H002/%d" % Y, {"csrf": token, "action": "accept"})
        self.assertEqual(done.status, 303, done.text)
        self.assertEqual(B.year_state("H002"), "accepted")
        self.assertNotIn('<tr data-unit="H002">', c.get("/?year=%d" % Y).text)

    def test_3_a_kept_answer_never_crosses_scopes(self):
        staff = self.signed_in("王芳")
        h1, h2 = self.signed_in("h1"), self.signed_in("h2")
        # staff's answers are kept first; the unit accounts ask the same commands and arguments
        for path in ("/units/H001?year=%d" % Y, "/units/H002?year=%d" % Y, "/?year=%d" % Y,
                     "/reports/rollup.csv?year=%d" % Y, "/units/H002/events?year=%d" % Y,
                     "/reports/unit-annual.csv?unit=H002&year=%d" % Y):
            self.assertEqual(staff.get(path).status, 200, path)
        for path in ("/units/H002?year=%d" % Y, "/reports/rollup.csv?year=%d" % Y,
                     "/units/H002/events?year=%d" % Y, "/reports/unit-annual.csv?unit=H002&year=%d" % Y,
                     "/watchlist", "/completeness"):
            self.assertEqual(h1.get(path).status, 403, path)
        # h1's own unit, kept for h1, is not h2's
        self.assertEqual(h1.get("/units/H001?year=%d" % Y).status, 200)
        self.assertEqual(h2.get("/units/H001?year=%d" % Y).status, 403)
        self.assertEqual(h2.get("/reports/unit-annual.csv?unit=H001&year=%d" % Y).status, 403)
        self.assertEqual(h2.get("/units/H002?year=%d" % Y).status, 200)

    def ingest_one(self, ref):
        """One more talk by P005 in H001, delivered by H001's agent."""
        path = B.dir + "/%s.jsonl" % ref
        with open(path, "w", encoding="utf-8") as f:
            f.write(json.dumps({"kind": "talk", "ref": ref, "date": "%d-03-04" % Y,
                                "person": "P005", "with": "职工", "with_category": "masses",
                                "form": "individual", "mode": "in_person", "note": "cache"},
                               ensure_ascii=False) + "\n")
        ini = "%s/agents/H001/agent.ini" % B.b
        B.run([wh.AGENT, "-c", ini, "import", path])
        B.run([wh.AGENT, "-c", ini, "flush", "--timeout", "120"])

    def test_5_kept_pages_stay_in_their_scope_and_go_with_an_ingest(self):
        # a second massline-web over the same accounts: its page cache starts empty, and it says
        # at stop how many pages it sent again and how many it made
        port = wh.free_port()
        ini = B.write_web_ini("web2.ini", {"listen": "127.0.0.1:%d" % port, "fast_hash": "1"})
        web2 = B.start_web(ini, "web2.log", port)

        def client(user):
            c = wh.Client(port)
            self.assertEqual(c.login(user).status, 303)
            return c
        staff, h1, h2 = client("王芳"), client("h1"), client("h2")
        unit1, dash = "/units/H001?year=%d" % Y, "/?year=%d" % Y
        a = staff.get(unit1)                                   # made 1
        b = staff.get(unit1)                                   # sent again 1
        self.assertEqual((a.status, b.status), (200, 200))
        self.assertEqual(main_of(a.text), main_of(b.text))
        own = h1.get(unit1)                                    # made 2: not staff's page
        self.assertEqual(own.status, 200)
        self.assertIn('id="account">h1<', own.text)
        self.assertNotIn("王芳", own.text)
        token = re.search(r'name="csrf" value="([0-9a-f]+)"', own.text).group(1)
        self.assertEqual(h1.get("/?year=%d" % Y).status, 200)  # sent again 2: h1's home is its unit
        self.assertEqual(h2.get(unit1).status, 403)            # never h1's or staff's page
        self.assertEqual(staff.get(dash).status, 200)          # made 3
        kept = staff.get(dash)                                 # sent again 3
        self.assertIn('id="account">王芳<', kept.text)
        self.assertNotIn(token, kept.text)                     # the session's own CSRF token
        self.ingest_one("H001-CACHE-0002")
        self.assertEqual(staff.get(unit1).status, 200)         # made 4: the store changed
        self.assertEqual(h1.get(unit1).status, 200)            # made 5
        self.assertEqual(heat(staff.get(dash).text, "H001"), cli_summary("H001"))  # made 6
        web2.send_signal(signal.SIGTERM)
        web2.wait(30)
        m = re.search(r"page cache: (\d+) pages sent again, (\d+) made", B.log("web2.log"))
        self.assertIsNotNone(m, B.log("web2.log"))
        self.assertEqual((int(m.group(1)), int(m.group(2))), (3, 6))

    def test_6_massline_web_keeps_working_after_the_collector_restarts(self):
        c = self.signed_in("王芳")
        for _ in range(3):
            self.assertEqual(c.get("/units/H002?year=%d" % Y).status, 200)
        collector = B.pids[0]
        collector.kill()
        collector.wait(30)
        B.pids[0] = B.start([wh.COLLECTOR, "-c", B.b + "/collector.ini", "serve"], "collector.log")
        B.pids.pop()
        wh.wait_until(lambda: B.run([wh.CLIENT, "-c", B.b + "/staff/admin.ini", "status"]) is not None,
                      60, "the collector again")
        # the kept connections reconnect: the pages and a query that is not kept still answer
        for path in ("/units/H002?year=%d" % Y, "/?year=%d" % Y, "/units/H001/events?year=%d" % Y):
            self.assertEqual(c.get(path).status, 200, path)
        self.ingest_one("H001-CACHE-0003")
        page = c.get("/units/H001/events?year=%d" % Y)
        self.assertIn('data-ref="H001-CACHE-0003"', page.text)

    def test_7_many_visitors_at_once_after_an_ingest_make_each_page_once(self):
        # a third massline-web, its page cache empty; a long collector wait, so that no visitor
        # stops waiting for the page another one is making (the wait is bounded by timeout_ms)
        port = wh.free_port()
        ini = B.write_web_ini("web3.ini", {"listen": "127.0.0.1:%d" % port, "fast_hash": "1",
                                           "timeout_ms": "120000", "threads": "8",
                                           "page_max_age_s": "0"})   # all wait for the newest
        web3 = B.start_web(ini, "web3.log", port)
        n = 50
        clients = []
        for _ in range(n):
            c = wh.Client(port)
            self.assertEqual(c.login("王芳").status, 303)
            clients.append(c)
        dash, unit1, missing = "/?year=%d" % Y, "/units/H001?year=%d" % Y, "/units/H404?year=%d" % Y
        self.assertEqual(clients[0].get(dash).status, 200)     # made 1 (then stale)
        self.assertEqual(clients[0].get(unit1).status, 200)    # made 2 (then stale)
        self.ingest_one("H001-CACHE-0004")

        def all_at_once(path):
            return self.all_at_once(clients, path)
        for path in (dash, unit1):
            answers = all_at_once(path)                        # made 3, 4; sent again 49 each
            self.assertEqual({a[0] for a in answers}, {200}, path)
            self.assertEqual(len({a[1] for a in answers}), 1, "%s: one page for all" % path)
            if path == dash:                                   # the figures after the ingest
                self.assertEqual(heat(answers[0][1], "H001"), cli_summary("H001"))
            else:
                self.assertIn("H001-CACHE-0004", clients[0].get("/units/H001/events?year=%d" % Y).text)
        # a page whose making fails (no such unit): each waiter gets the error in turn, none hangs,
        # none is kept
        answers = all_at_once(missing)
        self.assertEqual({a[0] for a in answers}, {404})
        web3.send_signal(signal.SIGTERM)
        web3.wait(30)
        m = re.search(r"page cache: (\d+) pages sent again, (\d+) made", B.log("web3.log"))
        self.assertIsNotNone(m, B.log("web3.log"))
        self.assertEqual((int(m.group(1)), int(m.group(2))), (2 * (n - 1), 4))

    def all_at_once(self, clients, path):
        """Every client asks PATH (or its own, PATH a list) at the same moment: their answers
        (status, <main> body, the whole page)."""
        n = len(clients)
        answers = [None] * n
        start = threading.Barrier(n)

        def visit(i):
            start.wait(60)
            page = clients[i].get(path[i] if isinstance(path, list) else path)
            answers[i] = (page.status, main_of(page.text), page.text)
        threads = [threading.Thread(target=visit, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        return answers

    def web_with(self, name, options):
        """Another massline-web (its page cache empty) with OPTIONS; its port and process."""
        port = wh.free_port()
        opts = {"listen": "127.0.0.1:%d" % port, "fast_hash": "1", "timeout_ms": "120000", "threads": "8"}
        opts.update(options)
        ini = B.write_web_ini(name + ".ini", opts)
        return port, B.start_web(ini, name + ".log", port)

    def clients_of(self, port, users):
        out = []
        for user in users:
            c = wh.Client(port)
            self.assertEqual(c.login(user).status, 303)
            out.append(c)
        return out

    def stopped_counts(self, web, log):
        """Stops WEB: (sent again, made, of an earlier generation sent) from its stop line."""
        web.send_signal(signal.SIGTERM)
        web.wait(30)
        m = re.search(r"page cache: (\d+) pages sent again, (\d+) made, (\d+) of an earlier generation sent",
                      B.log(log))
        self.assertIsNotNone(m, B.log(log))
        return tuple(int(g) for g in m.groups())

    def test_8a_a_visitor_may_get_the_previous_page_marked_with_its_time(self):
        port, web = self.web_with("web4", {"page_max_age_s": "600"})
        n = 50
        clients = self.clients_of(port, ["王芳"] * n)
        dash = "/?year=%d" % Y
        first = clients[0].get(dash)
        self.assertEqual(first.status, 200)
        self.assertIn("数据更新于", shown_text(first.text))       # how current the page is
        old, old_at = main_of(first.text), data_at(first.text)
        self.assertIsNotNone(old_at)
        earlier_seen = 0
        for round_ in range(4):
            again = clients[1].get(dash)                       # kept: the same body, young again
            self.assertEqual(main_of(again.text), old)
            old_at = data_at(again.text)
            self.assertGreaterEqual(old_at, data_at(first.text))
            time.sleep(1.1)            # what is read after the ingest is read in a later second
            t0 = int(time.time())
            self.ingest_one("H001-CACHE-1%d" % round_)
            answers = self.all_at_once(clients, dash)
            self.assertEqual({a[0] for a in answers}, {200})
            earlier = [a for a in answers if data_at(a[2]) < t0]
            new = [a for a in answers if data_at(a[2]) >= t0]
            self.assertEqual(len(earlier) + len(new), n)
            # the others: one new page, made once, with the figures after the ingest
            self.assertGreater(len(new), 0, "one visitor makes the new page and waits for it")
            self.assertEqual(len({a[1] for a in new}), 1)
            self.assertEqual(heat(new[0][1], "H001"), cli_summary("H001"))
            for a in earlier:          # the previous page, as it was, with the time it was current
                self.assertEqual(a[1], old)
                self.assertEqual(data_at(a[2]), old_at)
                self.assertIn('id="account">王芳<', a[2])
            earlier_seen += len(earlier)
            # a later visit shows the new figures
            later = clients[0].get(dash)
            self.assertGreaterEqual(data_at(later.text), t0)
            self.assertEqual(main_of(later.text), new[0][1])
            old = new[0][1]
            if earlier_seen:
                break
        self.assertGreater(earlier_seen, 0, "nobody was sent the previous page while it was made")
        _, _, sent_earlier = self.stopped_counts(web, "web4.log")
        self.assertEqual(sent_earlier, earlier_seen)

    def test_8b_a_page_older_than_the_bound_is_never_sent(self):
        port, web = self.web_with("web5", {"page_max_age_s": "1"})
        n = 50
        clients = self.clients_of(port, ["王芳"] * n)
        dash = "/?year=%d" % Y
        self.assertEqual(clients[0].get(dash).status, 200)
        time.sleep(2.5)                # the kept page was the store's longer ago than the bound
        t0 = int(time.time())
        self.ingest_one("H001-CACHE-0020")
        answers = self.all_at_once(clients, dash)
        self.assertEqual({a[0] for a in answers}, {200})
        self.assertEqual(sum(data_at(a[2]) < t0 for a in answers), 0, "a page past the bound was sent")
        self.assertEqual(len({a[1] for a in answers}), 1, "everyone waits for the one new page")
        self.assertEqual(heat(answers[0][1], "H001"), cli_summary("H001"))
        self.assertEqual(self.stopped_counts(web, "web5.log"), (n - 1, 2, 0))

    def test_8c_a_previous_page_never_crosses_scopes(self):
        port, web = self.web_with("web6", {"page_max_age_s": "600"})
        users = ["h1"] * 15 + ["h2"] * 15 + ["王芳"] * 10 + ["h2"] * 5
        paths = (["/units/H001?year=%d" % Y] * 15 + ["/units/H002?year=%d" % Y] * 25
                 + ["/units/H001?year=%d" % Y] * 5)
        clients = self.clients_of(port, users)
        names = dict(wh.UNITS)
        for round_ in range(3):
            answers = self.all_at_once(clients, paths)
            for user, path, (status, body, page) in zip(users, paths, answers):
                if user == "h2" and "H001" in path:
                    self.assertEqual(status, 403)
                    continue
                self.assertEqual(status, 200, (user, path))
                unit = "H001" if "H001" in path else "H002"
                self.assertIn('id="unit-name">%s<' % html.escape(names[unit], quote=False), body)
                self.assertIn('id="account">%s<' % user, page)
                self.assertIsNotNone(data_at(page))
            self.ingest_one("H001-CACHE-003%d" % round_)
        self.stopped_counts(web, "web6.log")

    def test_9_answers_are_sent_again_and_counted(self):
        c = self.signed_in("王芳")
        for _ in range(3):
            self.assertEqual(c.get("/?year=%d" % Y).status, 200)
            # a page massline-web does not keep itself: the collector's kept answer each time
            self.assertEqual(c.get("/units/H002/events?year=%d" % Y).status, 200)
        collector = B.pids[0]
        collector.send_signal(signal.SIGTERM)
        collector.wait(30)
        m = re.search(r"query cache: (\d+) answers sent again, (\d+) computed", B.log("collector.log"))
        self.assertIsNotNone(m, "the collector logs what its cache did")
        self.assertGreater(int(m.group(1)), 0)
        self.assertGreater(int(m.group(2)), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
