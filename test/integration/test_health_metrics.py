"""GET /health and GET /metrics (issue 15, SPEC §17), over HTTP through the web server.

- /health: 200 "ok" while the database answers; 503 "database unavailable" (and a
  log line) while it does not: the MariaDB/PostgreSQL server is stopped
  (--dialect mariadb|postgresql), or, with SQLite, the database file's header is
  overwritten in place (the file the service holds open is no database any more).
- /metrics: 403 outside metrics_allowed_from; after N requests the counters grew by
  exactly N (route, status, unknown domains, histogram count).
- A real Prometheus (Debian's `prometheus`, scrape interval 1 s) scrapes two instances
  through nginx, each on its own loopback port as the nginx sample's commented server
  block shows: `up` is 1 for both, `promtool check metrics` accepts each page, and
  after N requests of each kind the sums in Prometheus grew by exactly N.
"""

import json
import os
import re
import shutil
import subprocess
import time
import unittest
import urllib.parse
import urllib.request

import harness
from common import AC_PATH, AD_PATH, MC_PATH, autodiscover_body, q

N = 7
KNOWN = "alice@example.com"
UNKNOWN = "nobody@unknown-domain.example"
DB_TIMEOUT = 1  # db_timeout of the outage stack: /health answers within about twice that


def parse_metrics(text):
    """{(name, ((label, value), ...)): float} of a text exposition."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$', line)
        if not m:
            raise AssertionError(f"not an exposition line: {line!r}")
        labels = tuple(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        out[(m.group(1), labels)] = float(m.group(4))
    return out


def value(metrics, name, **labels):
    return metrics.get((name, tuple(labels.items())), 0.0)


class HealthAndMetrics(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = harness.session().sample_stack()

    def scrape(self):
        r = self.stack.get("/metrics")
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.media_type, "text/plain")
        self.assertIn("version=0.0.4", r.header("Content-Type"))
        return parse_metrics(r.text)

    def test_health_ok(self):
        r = self.stack.get("/health")
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.text, "ok\n")
        self.assertEqual(r.media_type, "text/plain")
        self.assertEqual(r.header("Cache-Control"), "no-store")

    def test_polling_health_opens_no_connections(self):
        if self.stack.dialect == "sqlite":
            self.skipTest("connections are counted on a database server: --dialect postgresql")
        server = harness.session().db_server
        self.assertEqual(self.stack.get("/health").status, 200)
        held = server.connections(self.stack.db_name)
        for _ in range(30):
            self.assertEqual(self.stack.get("/health").status, 200)
        self.assertEqual(server.connections(self.stack.db_name), held,
                         "each poll reuses a pooled session")

    def test_health_is_never_cached_and_counted_each_time(self):
        before = value(self.scrape(), "automx2_requests_total", route="health", status="200")
        for _ in range(N):
            self.assertEqual(self.stack.get("/health").status, 200)
        after = value(self.scrape(), "automx2_requests_total", route="health", status="200")
        self.assertEqual(after - before, N)

    def test_counters_grow_by_exactly_n(self):
        before = self.scrape()
        for _ in range(N):
            self.assertEqual(self.stack.get(AC_PATH + q(emailaddress=KNOWN)).status, 200)
            self.assertEqual(self.stack.get(AC_PATH + q(emailaddress=UNKNOWN)).status, 204)
        after = self.scrape()

        def grew(name, **labels):
            return value(after, name, **labels) - value(before, name, **labels)

        self.assertEqual(grew("automx2_requests_total", route="autoconfig", status="200"), N)
        self.assertEqual(grew("automx2_requests_total", route="autoconfig", status="204"), N)
        self.assertEqual(grew("automx2_unknown_domain_answers_total", route="autoconfig"), N)
        self.assertEqual(grew("automx2_request_duration_seconds_count", route="autoconfig"), 2 * N)
        self.assertEqual(
            grew("automx2_request_duration_seconds_bucket", route="autoconfig", le="+Inf"), 2 * N)
        self.assertGreater(grew("automx2_request_duration_seconds_sum", route="autoconfig"), 0)
        # The scrapes themselves: one counted between the two.
        self.assertEqual(grew("automx2_requests_total", route="metrics", status="200"), 1)
        for name in ("process_cpu_seconds_total", "process_resident_memory_bytes",
                     "process_open_fds", "process_max_fds", "process_start_time_seconds",
                     "process_virtual_memory_bytes", "automx2_db_sessions"):
            self.assertGreater(value(after, name), 0, name)
        self.assertEqual(value(after, "automx2_build_info", version=self.version()), 1)
        start = value(after, "process_start_time_seconds")
        self.assertLess(abs(start - time.time()), 24 * 3600, "start time in epoch seconds")

    def version(self):
        out = subprocess.run([harness.session().binary, "--version"], capture_output=True,
                             text=True, check=True).stdout
        return out.split()[-1]

    def test_metrics_refused_outside_metrics_allowed_from(self):
        st = harness.session().stack("metrics-refused",
                                     config={"metrics_allowed_from": "192.0.2.1"})
        r = st.get("/metrics")
        self.assertEqual(r.status, 403, r.text)
        self.assertNotIn("automx2_", r.text)
        self.assertIn("GET /metrics refused for client 127.0.0.1", st.log_text())
        self.assertEqual(st.get("/health").status, 200, "health is for everyone")

    def test_metrics_off(self):
        st = harness.session().stack("metrics-off", config={"metrics": "no"})
        self.assertEqual(st.get("/metrics").status, 404)
        self.assertEqual(st.get("/health").status, 200)


class HealthWhenTheDatabaseIsDown(unittest.TestCase):
    """/health follows the database: 503 while it is gone, 200 once it is back."""

    def setUp(self):
        self.session = harness.session()
        self.stack = self.session.stack("health-outage", config={"db_timeout": DB_TIMEOUT})
        self.assertEqual(self.stack.get("/initdb/").status, 200)

    def health(self):
        started = time.monotonic()
        r = self.stack.get("/health", timeout=30)
        return r, time.monotonic() - started

    def until(self, status, seconds):
        deadline = time.monotonic() + seconds
        while True:
            r, _ = self.health()
            if r.status == status or time.monotonic() > deadline:
                return r
            time.sleep(0.2)

    def database_errors(self):
        r = self.stack.get("/metrics")
        self.assertEqual(r.status, 200, "/metrics needs no database")
        m = parse_metrics(r.text)
        return sum(value(m, "automx2_backend_errors_total", backend="database", kind=kind)
                   for kind in ("error", "timeout"))

    def test_503_while_the_database_is_down_then_200(self):
        self.assertEqual(self.health()[0].status, 200)
        errors_before = self.database_errors()
        if self.stack.dialect == "sqlite":
            # Overwritten in place: the service's open file is no database any more.
            with open(self.stack.db_path, "r+b") as f:
                header = f.read(100)
                f.seek(0)
                f.write(b"\xff" * 100)
            restore = lambda: self._write_header(header)  # noqa: E731
        else:
            self.session.db_server.stop()
            restore = self.session.db_server.start
        try:
            r, took = self.health()
            self.assertEqual(r.status, 503, r.text)
            self.assertEqual(r.text, "database unavailable\n")
            self.assertLess(took, 2 * DB_TIMEOUT + 1.5, "answered within about db_timeout")
            self.assertIn("health: database unavailable", self.stack.log_text())
            self.assertGreaterEqual(self.database_errors() - errors_before, 1,
                                    "the failed query counted as a database error")
        finally:
            restore()
        r = self.until(200, 10 * DB_TIMEOUT)
        self.assertEqual(r.status, 200, "200 again once the database is back")

    def _write_header(self, header):
        with open(self.stack.db_path, "r+b") as f:
            f.write(header)


# --- a real Prometheus ------------------------------------------------------------

SCRAPE_INTERVAL = 1  # seconds


def per_instance_block():
    """The sample's commented per-instance server block, uncommented."""
    with open(harness.NGINX_SAMPLE) as f:
        lines = f.read().splitlines()
    start = lines.index("# server {")
    end = lines.index("# }", start)
    return "\n".join(line[2:] for line in lines[start:end + 1]) + "\n"


class ScrapedStack(harness.MultiStack):
    """Two instances behind the sample's upstream, plus one loopback port per instance
    made from the sample's per-instance server block."""

    def __init__(self, *args, **kw):
        self.metrics_ports = []
        super().__init__(*args, **kw)

    def _write_nginx_conf(self):
        ngx = super()._write_nginx_conf()
        block = per_instance_block()
        self.metrics_ports = [harness.free_port() for _ in self.instances]
        with open(os.path.join(ngx, "automx2.conf"), "a") as f:
            for inst, port in zip(self.instances, self.metrics_ports):
                f.write(block.replace("127.0.0.1:9201", f"127.0.0.1:{port}")
                        .replace("unix:/run/automx2/automx2-1.sock", f"unix:{inst.socket_path}"))
        return ngx


def http_get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read().decode()


class Prometheus:
    def __init__(self, directory, targets):
        self.dir = os.path.join(directory, "prometheus")
        os.makedirs(self.dir)
        self.port = harness.free_port()
        config = os.path.join(self.dir, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n"
                    f"  scrape_interval: {SCRAPE_INTERVAL}s\n"
                    f"  scrape_timeout: {SCRAPE_INTERVAL}s\n"
                    "scrape_configs:\n"
                    "  - job_name: automx2\n"
                    "    static_configs:\n"
                    f"      - targets: {json.dumps(targets)}\n")
        self.log_path = os.path.join(self.dir, "prometheus.log")
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen(
                ["prometheus", f"--config.file={config}",
                 f"--storage.tsdb.path={os.path.join(self.dir, 'data')}",
                 f"--web.listen-address=127.0.0.1:{self.port}"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                preexec_fn=harness._die_with_parent)
        finally:
            log.close()

    def query(self, expr):
        """[(labels, value)] of an instant query."""
        url = (f"http://127.0.0.1:{self.port}/api/v1/query?"
               + urllib.parse.urlencode({"query": expr}))
        _, body = http_get(url)
        data = json.loads(body)
        if data.get("status") != "success":
            raise AssertionError(f"query {expr}: {body}")
        return [(r["metric"], float(r["value"][1])) for r in data["data"]["result"]]

    def scalar(self, expr):
        result = self.query(expr)
        return result[0][1] if result else 0.0

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def log_tail(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-30:])
        except OSError:
            return ""


class RealPrometheus(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if type(harness.session()) is not harness.Session:
            raise unittest.SkipTest("nginx + spawn-fcgi stacks only")
        for tool in ("prometheus", "promtool"):
            if shutil.which(tool) is None:
                raise unittest.SkipTest(f"{tool} is not installed (Debian package prometheus)")
        cls.stack = harness.session().stack("prometheus", kind=ScrapedStack)
        r = cls.stack.get("/initdb/")
        if r.status != 200:
            raise AssertionError(f"GET /initdb/: {r!r}")
        cls.targets = [f"127.0.0.1:{p}" for p in cls.stack.metrics_ports]
        cls.prom = Prometheus(cls.stack.dir, cls.targets)
        cls.addClassCleanup(cls.prom.stop)
        deadline = time.monotonic() + 60 * harness.SLOWDOWN
        while time.monotonic() < deadline:
            try:
                if len([v for _, v in cls.prom.query('up{job="automx2"}') if v == 1]) == 2:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise AssertionError("Prometheus never saw both instances up:\n" + cls.prom.log_tail())

    def test_up_for_both_instances(self):
        up = {m["instance"]: v for m, v in self.prom.query('up{job="automx2"}')}
        self.assertEqual(up, {t: 1.0 for t in self.targets})

    def test_promtool_accepts_each_page(self):
        for target in self.targets:
            status, text = http_get(f"http://{target}/metrics")
            self.assertEqual(status, 200)
            check = subprocess.run(["promtool", "check", "metrics"], input=text,
                                   capture_output=True, text=True)
            self.assertEqual(check.returncode, 0,
                             f"{target}: promtool check metrics:\n{check.stdout}{check.stderr}")

    def test_each_instance_answers_its_own_health(self):
        for target in self.targets:
            self.assertEqual(http_get(f"http://{target}/health"), (200, "ok\n"))

    def test_prometheus_counts_agree_with_n(self):
        kinds = {
            ('route="autoconfig",status="200"'):
                lambda: self.stack.get(AC_PATH + q(emailaddress=KNOWN)),
            ('route="autoconfig",status="204"'):
                lambda: self.stack.get(AC_PATH + q(emailaddress=UNKNOWN)),
            ('route="autodiscover",status="200"'):
                lambda: self.stack.post(AD_PATH, autodiscover_body(KNOWN),
                                        "text/xml; charset=utf-8"),
            ('route="mobileconfig",status="200"'):
                lambda: self.stack.get(MC_PATH + q(emailaddress=KNOWN)),
            ('route="not_found",status="404"'): lambda: self.stack.get("/no-such-path"),
        }

        def totals():
            return {sel: self.prom.scalar(f"sum(automx2_requests_total{{{sel}}})")
                    for sel in kinds}

        def unknown():
            return self.prom.scalar('sum(automx2_unknown_domain_answers_total{route="autoconfig"})')

        # Settled: two scrapes without traffic see the same figures.
        time.sleep(2.5 * SCRAPE_INTERVAL)
        before, unknown_before = totals(), unknown()
        for send in kinds.values():
            for _ in range(N):
                send()
        deadline = time.monotonic() + 15 * harness.SLOWDOWN
        while True:
            after = totals()
            grown = {sel: after[sel] - before[sel] for sel in kinds}
            if all(g == N for g in grown.values()) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        print(f"\n  Prometheus, requests_total grown after {N} of each kind: {grown}")
        self.assertEqual(grown, {sel: N for sel in kinds})
        self.assertEqual(unknown() - unknown_before, N)
        # Both instances were scraped all along (nginx spread the load over both).
        per_instance = self.prom.query('sum by (instance) (automx2_requests_total)')
        self.assertEqual(len(per_instance), 2, per_instance)


class ApiChangesCounted(unittest.TestCase):
    """automx2_api_changes_total by operation: create, replace, delete; a dry-run import
    and a failed change count nothing."""

    def test_changes_by_operation(self):
        import test_api
        st = harness.session().stack("metrics-api",
                                     config={"admin_tokens_file": test_api.tokens_file()})
        auth = {"Authorization": "Bearer " + test_api.TOKEN, "Content-Type": "application/json"}
        body = json.dumps(test_api.DOMAIN)

        def changes():
            r = st.get("/metrics")
            self.assertEqual(r.status, 200, r)
            m = parse_metrics(r.text)
            return {op: value(m, "automx2_api_changes_total", operation=op)
                    for op in ("create", "replace", "delete", "import")}

        before = changes()
        self.assertEqual(st.request("PUT", "/api/v1/domains/counted.example", body=body,
                                    headers=auth).status, 201)
        self.assertEqual(st.request("PUT", "/api/v1/domains/counted.example", body=body,
                                    headers=auth).status, 200)
        self.assertEqual(st.request("DELETE", "/api/v1/domains/counted.example",
                                    headers=auth).status, 204)
        self.assertEqual(st.request("DELETE", "/api/v1/domains/counted.example",
                                    headers=auth).status, 404)
        r = st.request("POST", "/api/v1/import?dry_run=1", body='{"version": 2, "seeds": []}',
                       headers=auth)
        after = changes()
        grown = {op: after[op] - before[op] for op in after}
        self.assertEqual(grown, {"create": 1, "replace": 1, "delete": 1, "import": 0}, r)
