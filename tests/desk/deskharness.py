"""deskharness.py -- a unit with its desk for the tests: `massline-collector init` writes the unit's
agent bundle (no collector runs: the desk works on the outbox alone), the demo hospital's roster
and events imported, a clerk account added, and `massline-agent web` serving on a free port.
Plus an HTTP client that keeps cookies and posts forms and files."""
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from urllib.parse import urlencode

AGENT = os.environ["ML_AGENT"]
COLLECTOR = os.environ["ML_COLLECTOR"]
SOURCE = os.environ["MASSLINE_SOURCE_ROOT"]
PASSWORD = "correct horse battery"
CLERK = "李娜"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(pred, seconds=30.0, what="condition"):
    """Polls PRED every 50 ms for at most SECONDS (a bound, never asserted on)."""
    for _ in range(int(seconds / 0.05)):
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


class Unit:
    def __init__(self, web=True):
        self.dir = tempfile.mkdtemp(prefix="ml-desk-")
        self.run([COLLECTOR, "init", self.dir + "/b", "--unit", "H001:第一医院",
                  "--ingest", "tcp://127.0.0.1:%d" % free_port(),
                  "--query", "tcp://127.0.0.1:%d" % free_port()])
        self.ini = self.dir + "/b/agents/H001/agent.ini"
        self.port = free_port()
        with open(self.ini, "a", encoding="utf-8") as f:
            f.write("\n[web]\nlisten = 127.0.0.1:%d\nfast_hash = 1\n" % self.port)
        self.agent("import", SOURCE + "/ops/demo-data/H001.jsonl")
        self.proc = None
        if not web:
            return
        self.agent("user", "add", CLERK, stdin=PASSWORD + "\n")
        log = open(self.dir + "/desk.log", "ab")
        self.proc = subprocess.Popen([AGENT, "-c", self.ini, "web"], stdout=log, stderr=log)

        def up():
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return True
            except OSError:
                return False
        wait_until(up, 30, "the desk")

    def run(self, args, stdin=None, check=True):
        p = subprocess.run(args, input=stdin, capture_output=True, text=True)
        if check and p.returncode != 0:
            raise AssertionError("%s exited %d: %s%s" % (args, p.returncode, p.stdout, p.stderr))
        return p

    def agent(self, *args, stdin=None, check=True):
        return self.run([AGENT, "-c", self.ini] + list(args), stdin=stdin, check=check)

    def pending(self):
        out = self.agent("status").stdout
        return int(re.search(r"^pending: (\d+)$", out, re.M).group(1))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(30)
        if os.environ.get("ML_KEEP") != "1":
            shutil.rmtree(self.dir, ignore_errors=True)


class Client:
    def __init__(self, port):
        self.port = port
        self.cookies = {}

    def request(self, method, path, body=None, content_type=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        h = {}
        if content_type:
            h["Content-Type"] = content_type
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
        resp.text = data.decode("utf-8", errors="replace")
        return resp

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, form):
        return self.request("POST", path, urlencode(form).encode(), "application/x-www-form-urlencoded")

    def upload(self, filename, data, fields):
        """POSTs /upload as a browser does: multipart/form-data with FIELDS and the file."""
        b = "----desk" + uuid.uuid4().hex
        parts = []
        for k, v in fields.items():
            parts.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
                          % (b, k, v)).encode())
        parts.append(("--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n"
                      "Content-Type: application/octet-stream\r\n\r\n" % (b, filename)).encode()
                     + data + b"\r\n")
        body = b"".join(parts) + ("--%s--\r\n" % b).encode()
        return self.request("POST", "/upload", body, "multipart/form-data; boundary=" + b)

    def csrf(self, path="/"):
        m = re.search(r'name="csrf" value="([0-9a-f]{64})"', self.get(path).text)
        assert m, "no CSRF token on " + path
        return m.group(1)

    def login(self, user=CLERK, password=PASSWORD):
        token = self.csrf("/login")
        return self.post("/login", {"csrf": token, "user": user, "password": password})
