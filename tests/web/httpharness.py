"""httpharness.py -- what the web programs' tests share (massline-web: webharness.py, the unit
desk: tests/desk/deskharness.py): a free loopback port, waiting for a condition or a listener,
and an HTTP client that keeps cookies, reads a form's CSRF token and signs in."""
import http.client
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import time
from urllib.parse import urlencode


def free_port():
    """A free loopback port below the kernel's ephemeral range: a port from that range, free when
    chosen, may be taken as the local port of any client's outgoing connection before the daemon
    binds it (as ml_harness.c chooses them)."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    rng = random.Random()               # seeded from the OS: parallel tests choose apart
    for _ in range(200 if low > 12000 else 0):
        port = rng.randrange(10000, low)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_all(procs, folder):
    """Stops PROCS (subprocess.Popen), the last started first: SIGTERM, then SIGKILL after 30 s;
    then removes FOLDER unless ML_KEEP=1."""
    for p in reversed(procs):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    if os.environ.get("ML_KEEP") != "1":
        shutil.rmtree(folder, ignore_errors=True)


def wait_until(pred, seconds=30.0, what="condition"):
    """Polls PRED every 50 ms for at most SECONDS (a bound, never asserted on). While a page is
    still loading PRED may not find its element yet: an exception counts as 'not yet'."""
    for _ in range(int(seconds / 0.05)):
        try:
            if pred():
                return
        except Exception:               # selenium's NoSuchElement / StaleElement mid-navigation
            pass
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def wait_listening(port, what, seconds=30.0):
    """Waits until something accepts connections on 127.0.0.1:PORT."""
    def up():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False
    wait_until(up, seconds, what)


class CookieClient:
    """HTTP/1.1 to 127.0.0.1:PORT with a cookie jar; SOURCE picks the local address (127.0.0.x)."""

    timeout = 30

    def __init__(self, port, source="127.0.0.1"):
        self.port = port
        self.source = source
        self.cookies = {}

    def send(self, method, path, body=None, headers=None):
        """The response, its bytes in .body and its text in .text; Set-Cookie kept."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout,
                                          source_address=(self.source, 0))
        h = dict(headers or {})
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        conn.request(method, path, body=body, headers=h)
        resp = conn.getresponse()
        data = resp.read()
        for k, v in resp.getheaders():
            if k.lower() == "set-cookie":
                name, value = v.split(";")[0].split("=", 1)
                if "Max-Age=0" in v:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = value
        conn.close()
        resp.body = data
        resp.text = data.decode("utf-8", errors="replace")
        return resp

    def get(self, path):
        return self.send("GET", path)

    def post_form(self, path, form):
        return self.send("POST", path, urlencode(form),
                         {"Content-Type": "application/x-www-form-urlencoded"})

    def csrf(self, path):
        """The CSRF token of the first form on PATH."""
        m = re.search(r'name="csrf" value="([0-9a-f]{64})"', self.get(path).text)
        assert m, "no CSRF token on " + path
        return m.group(1)

    def login(self, user, password):
        token = self.csrf("/login")
        return self.post_form("/login", {"csrf": token, "user": user, "password": password})
