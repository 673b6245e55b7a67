#!/usr/bin/env python3
"""tests/bench/web_load.py -- the load client of `ops/bench web`.

    web_load.py URL USER PASSWORD SESSIONS REQUESTS PATH [PATH...]

Signs SESSIONS sessions in (one thread each, not timed: GET /login for the CSRF token, POST),
then each thread asks every PATH in turn, REQUESTS times over, on its own keep-alive connection
(as a browser would), all threads at once. One warm-up round per thread is not counted.
Prints one line per PATH:
    web path=P sessions=S requests=N p50_ms=.. p90_ms=.. p99_ms=.. max_ms=.. errors=E
The figures are request to last byte of the body, measured in the client (a Python thread: it
includes the client's own time, which under 50 threads is not nothing; see bench_exec's floor).
Exits 1 if any request is not answered 200."""
import http.client
import re
import sys
import threading
import time
import urllib.parse


def session(host, port, user, password):
    conn = http.client.HTTPConnection(host, port, timeout=120)
    conn.request("GET", "/login")
    r = conn.getresponse()
    body = r.read().decode()
    cookies = {}
    for k, v in r.getheaders():
        if k.lower() == "set-cookie":
            name, value = v.split(";")[0].split("=", 1)
            cookies[name] = value
    token = re.search(r'name="csrf" value="([0-9a-f]{64})"', body).group(1)
    form = urllib.parse.urlencode({"csrf": token, "user": user, "password": password})
    conn.request("POST", "/login", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": "; ".join("%s=%s" % kv for kv in cookies.items())})
    r = conn.getresponse()
    r.read()
    for k, v in r.getheaders():
        if k.lower() == "set-cookie":
            name, value = v.split(";")[0].split("=", 1)
            cookies[name] = value
    if r.status != 303 or "ml_session" not in cookies:
        raise SystemExit("web_load: sign-in as %s failed (%d)" % (user, r.status))
    return conn, "ml_session=" + cookies["ml_session"]


def pct(v, p):
    return v[min(len(v) - 1, int(p * len(v)))] if v else float("nan")


def main():
    if len(sys.argv) < 7:
        raise SystemExit(__doc__)
    url, user, password = sys.argv[1:4]
    sessions, requests = int(sys.argv[4]), int(sys.argv[5])
    paths = sys.argv[6:]
    u = urllib.parse.urlsplit(url)
    conns = [session(u.hostname, u.port, user, password) for _ in range(sessions)]
    times = {p: [] for p in paths}
    errors = {p: 0 for p in paths}
    lock = threading.Lock()
    start = threading.Barrier(sessions)

    def worker(conn, cookie):
        mine = {p: [] for p in paths}
        bad = {p: 0 for p in paths}
        start.wait()
        for i in range(requests + 1):
            for p in paths:
                t0 = time.perf_counter()
                try:
                    conn.request("GET", p, headers={"Cookie": cookie})
                    r = conn.getresponse()
                    r.read()
                    ok = r.status == 200
                except (OSError, http.client.HTTPException):
                    conn.close()
                    ok = False
                t1 = time.perf_counter()
                if i == 0:
                    continue                    # the warm-up round
                mine[p].append((t1 - t0) * 1000)
                bad[p] += 0 if ok else 1
        with lock:
            for p in paths:
                times[p] += mine[p]
                errors[p] += bad[p]

    threads = [threading.Thread(target=worker, args=c) for c in conns]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    for p in paths:
        v = sorted(times[p])
        print("web path=%s sessions=%d requests=%d p50_ms=%.1f p90_ms=%.1f p99_ms=%.1f max_ms=%.1f errors=%d"
              % (p, sessions, len(v), pct(v, 0.50), pct(v, 0.90), pct(v, 0.99), v[-1], errors[p]))
    total = sum(len(v) for v in times.values())
    print("web total requests=%d wall_s=%.1f rate=%.0f/s" % (total, wall, total / wall))
    sys.exit(1 if any(errors.values()) else 0)


if __name__ == "__main__":
    main()
