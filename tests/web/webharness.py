"""webharness.py -- a real bureau for massline-web's tests: `massline-collector init` in a temp dir
with free loopback ports, the collector serving, two hospitals' demo ledgers delivered by their
agents, accounts, and massline-web serving. Plus a small HTTP client that keeps cookies.

Paths come from the environment meson sets: ML_COLLECTOR, ML_AGENT, ML_CLIENT, ML_WEB,
MASSLINE_SOURCE_ROOT. Everything runs on 127.0.0.1 and is stopped by pid at the end."""
import json
import os
import subprocess
import tempfile

from httpharness import CookieClient, free_port, stop_all, wait_listening, wait_until  # noqa: F401

COLLECTOR = os.environ["ML_COLLECTOR"]
AGENT = os.environ["ML_AGENT"]
CLIENT = os.environ["ML_CLIENT"]
WEB = os.environ["ML_WEB"]
SOURCE = os.environ["MASSLINE_SOURCE_ROOT"]
YEAR = 2025
PASSWORD = "correct horse battery"
SCRIPT_NAME = "<script>alert(1)</script>"
UNITS = [("H001", "镇江市第一人民医院"), ("H002", "第二医院" + SCRIPT_NAME)]


class Bureau:
    """The collector with two units' data, and massline-web on a free port."""

    def __init__(self, web_options=None):
        self.dir = tempfile.mkdtemp(prefix="ml-web-")
        self.pids = []
        ingest, query = free_port(), free_port()
        args = [COLLECTOR, "init", self.dir + "/b"]
        for uid, name in UNITS:
            args += ["--unit", uid + ":" + name]
        args += ["--ingest", "tcp://127.0.0.1:%d" % ingest, "--query", "tcp://127.0.0.1:%d" % query]
        self.run(args)
        self.b = self.dir + "/b"
        self.start([COLLECTOR, "-c", self.b + "/collector.ini", "serve"], "collector.log")
        wait_until(lambda: subprocess.run([CLIENT, "-c", self.b + "/staff/admin.ini", "status"],
                                          capture_output=True).returncode == 0, 60, "the collector")
        for uid, _ in UNITS:
            ini = "%s/agents/%s/agent.ini" % (self.b, uid)
            self.run([AGENT, "-c", ini, "import", "%s/ops/demo-data/%s.jsonl" % (SOURCE, uid)])
            self.run([AGENT, "-c", ini, "flush", "--timeout", "120"])
        self.port = free_port()
        options = {"listen": "127.0.0.1:%d" % self.port, "fast_hash": "1",
                   "login_max_failures": "5", "login_max_failures_addr": "12"}
        options.update(web_options or {})
        self.web_ini = self.write_web_ini("web.ini", options)
        self.web_pid = self.start_web(self.web_ini, "web.log", self.port)

    def write_web_ini(self, name, options):
        """A copy of the web.ini init wrote, with OPTIONS set."""
        with open(self.b + "/web.ini", encoding="utf-8") as f:
            lines = f.read().splitlines()
        lines = [l for l in lines if l.split("=")[0].strip() not in options]
        lines += ["%s = %s" % kv for kv in options.items()]
        path = "%s/%s" % (self.b, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        return path

    def start_web(self, ini, log, port):
        pid = self.start([WEB, "-c", ini, "serve"], log)
        wait_listening(port, "massline-web")
        return pid

    def run(self, args, stdin=None):
        p = subprocess.run(args, input=stdin, capture_output=True, text=True)
        if p.returncode != 0:
            raise AssertionError("%s exited %d: %s%s" % (args, p.returncode, p.stdout, p.stderr))
        return p.stdout

    def start(self, args, log):
        with open("%s/%s" % (self.dir, log), "ab") as f:
            p = subprocess.Popen(args, stdout=f, stderr=f)
        self.pids.append(p)
        return p

    def add_user(self, name, role, unit=None, password=PASSWORD):
        args = [WEB, "-c", self.web_ini, "user", "add", name, "--role", role]
        if unit:
            args += ["--unit", unit]
        self.run(args, stdin=password + "\n")

    def submit(self, unit, year=YEAR):
        """UNIT's agent submits YEAR (filler, reviewer, approver from the demo roster) and delivers it."""
        ini = "%s/agents/%s/agent.ini" % (self.b, unit)
        self.run([AGENT, "-c", ini, "submit", str(year), "--filler", "P001", "--reviewer", "P002",
                  "--approver", "P003"])
        self.run([AGENT, "-c", ini, "flush", "--timeout", "120"])

    def year_state(self, unit, year=YEAR):
        rep = json.loads(self.cli("report", "unit-annual", "--unit", unit, "--year", str(year),
                                  "--live", "--format", "json"))
        return (rep.get("submission") or {}).get("state", "draft")

    def cli(self, *args):
        return self.run([CLIENT, "-c", self.b + "/staff/admin.ini"] + list(args))

    def audit(self):
        return [json.loads(l) for l in self.run([WEB, "-c", self.web_ini, "audit"]).splitlines()]

    def cli_bytes(self, *args):
        """The massline client's standard output as bytes (CRLF kept)."""
        p = subprocess.run([CLIENT, "-c", self.b + "/staff/admin.ini"] + list(args), capture_output=True)
        if p.returncode != 0:
            raise AssertionError("massline %s exited %d: %s" % (args, p.returncode, p.stderr))
        return p.stdout

    def log(self, name):
        with open("%s/%s" % (self.dir, name), encoding="utf-8", errors="replace") as f:
            return f.read()

    def stop(self):
        stop_all(self.pids, self.dir)


class Client(CookieClient):
    """HTTP/1.1 to massline-web with a cookie jar; SOURCE picks the local address (127.0.0.x)."""

    def request(self, method, path, form=None, headers=None):
        h = dict(headers or {})
        body = None
        if form is not None:
            from urllib.parse import urlencode
            body = urlencode(form)
            h["Content-Type"] = "application/x-www-form-urlencoded"
        return self.send(method, path, body, h)

    def login(self, user, password=PASSWORD):
        return super().login(user, password)
