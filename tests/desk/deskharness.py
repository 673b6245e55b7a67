"""deskharness.py -- a unit with its desk for the tests: `massline-collector init` writes the unit's
agent bundle (no collector runs: the desk works on the outbox alone), the demo hospital's roster
and events imported, a clerk account added, and `massline-agent web` serving on a free port.
Plus an HTTP client that keeps cookies and posts forms and files."""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import uuid

from httpharness import CookieClient, free_port, wait_listening, wait_until  # noqa: F401

AGENT = os.environ["ML_AGENT"]
COLLECTOR = os.environ["ML_COLLECTOR"]
SOURCE = os.environ["MASSLINE_SOURCE_ROOT"]
PASSWORD = "correct horse battery"
CLERK = "李娜"


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
        wait_listening(self.port, "the desk")

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


class Client(CookieClient):
    timeout = 60

    def request(self, method, path, body=None, content_type=None):
        return self.send(method, path, body, {"Content-Type": content_type} if content_type else None)

    def post(self, path, form):
        return self.post_form(path, form)

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
        return super().csrf(path)

    def login(self, user=CLERK, password=PASSWORD):
        return super().login(user, password)
