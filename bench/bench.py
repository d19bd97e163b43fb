#!/usr/bin/env python3
"""The benchmark of issue 7 (run it through bench/run.sh, which builds the binary).

nginx + automx2-fcgi (the stacks of test/integration/harness.py, i.e. the sample
packaging/nginx/automx2.conf) against the same nginx serving byte-identical copies of
the three responses as static files, driven by wrk at several concurrencies, service and
static runs alternating, several rounds. Every figure that compares is a ratio measured
side by side in the same rounds: the machine is shared and its speed varies.

Sections: the main matrix (SQLite, sample data), sizing (threads × nginx keepalive),
1,000,000 domains, PostgreSQL, an LDAP-backed domain and metrics on ÷ off (also in
--quick; --skip metrics leaves it out). It is a benchmark, not a test:
it never fails a build; it exits non-zero only when it could not measure at all.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "integration"))

import harness  # noqa: E402
from common import autodiscover_body  # noqa: E402

LUA = os.path.join(HERE, "wrk.lua")
PHP_SCRIPT = os.path.join(HERE, "autoconfig.php")
# Headers nginx adds itself; the others came from the service (responder's copy).
NGINX_HEADERS = ("server", "date", "connection", "transfer-encoding", "keep-alive")
ADDRESS = "jane@example.com"
# "setup" is the page for people (issue 16), "setup_qr" its QR code image (a request of
# its own): the page should cost no more than Mobileconfig.
PROTOCOLS = ("autoconfig", "autodiscover", "mobileconfig", "setup", "setup_qr")
STATIC_FILES = {"autoconfig": "autoconfig.xml", "autodiscover": "autodiscover.xml",
                "mobileconfig": "mobileconfig.plist", "setup": "setup.html",
                "setup_qr": "qr.svg"}
# The three answers of the protocols (the responder's repertoire, the cached routes).
ANSWERS = ("autoconfig", "autodiscover", "mobileconfig")
T0 = time.monotonic()


def progress(text):
    print(f"[{time.monotonic() - T0:6.1f}s] {text}", file=sys.stderr, flush=True)


def service_path(protocol, address=ADDRESS):
    a = urllib.parse.quote(address, safe="")
    if protocol == "autoconfig":
        return f"/mail/config-v1.1.xml?emailaddress={a}"
    if protocol == "mobileconfig":
        return f"/mobileconfig/?emailaddress={a}&name=Jane%20Doe"
    if protocol == "setup":
        return f"/setup?emailaddress={a}&name=Jane%20Doe"
    if protocol == "setup_qr":
        return f"/setup/qr.svg?emailaddress={a}&name=Jane%20Doe"
    return "/autodiscover/autodiscover.xml"


class BenchStack(harness.Stack):
    """A harness stack whose nginx also serves `static_dir` on a second port (same
    nginx, same worker), with the upstream's keepalive and the worker count chosen."""

    def __init__(self, session, name, keepalive=None, workers="auto", **kw):
        self.keepalive = keepalive  # None: as in the sample; 0: no keepalive line
        self.workers = workers
        self.static_port = None
        self.responder_port = None
        self.php_port = None
        self.responder = None
        self.php = None
        super().__init__(session, name, **kw)
        self.static_dir = os.path.join(self.dir, "static")
        os.makedirs(self.static_dir)
        self.responder_socket = os.path.join(self.dir, "responder.sock")
        self.php_socket = os.path.join(self.dir, "php.sock")

    def _clone_sample(self, text, upstream, socket_path, port, extra=""):
        """The rendered sample with another upstream socket and port: the responder and
        PHP-FPM sit behind exactly the settings the service has."""
        t = text.replace("upstream automx2", f"upstream {upstream}")
        t = t.replace("fastcgi_pass automx2;", f"fastcgi_pass {upstream};")
        t = t.replace(f"unix:{self.socket_path}", f"unix:{socket_path}")
        t = re.sub(r"listen 127\.0\.0\.1:\d+;", f"listen 127.0.0.1:{port};", t)
        t = re.sub(r"listen \[::1\]:\d+;", "", t)
        if extra:
            t = t.replace("include fastcgi_params;", "include fastcgi_params;\n" + extra, 1)
        return t

    def _write_nginx_conf(self):
        ngx = super()._write_nginx_conf()
        sample = os.path.join(ngx, "automx2.conf")
        with open(sample) as f:
            text = f.read()
        if self.keepalive is not None:
            line = f"keepalive {self.keepalive};" if self.keepalive else "# keepalive off"
            text, n = re.subn(r"^(\s*)(# )?keepalive \d+;", lambda m: m.group(1) + line,
                              text, flags=re.M)
            if n != 1:
                raise harness.HarnessError("sample: expected one '[# ]keepalive N;' line")
            if self.keepalive:
                # nginx keeps an upstream connection only for a request that asked for it.
                text = re.sub(r"^(\s*)include fastcgi_params;$",
                              r"\1include fastcgi_params;\n\1fastcgi_keep_conn on;", text,
                              flags=re.M)
        self.responder_port = harness.free_port()
        self.php_port = harness.free_port()
        php_params = (f"        fastcgi_param SCRIPT_FILENAME {PHP_SCRIPT};\n"
                      f"        fastcgi_param AUTOMX2_DB {os.path.abspath(self.db_path)};")
        text += (self._clone_sample(text, "bench_responder", self.responder_socket,
                                    self.responder_port)
                 + self._clone_sample(text, "bench_php", self.php_socket, self.php_port,
                                      php_params))
        with open(sample, "w") as f:
            f.write(text)
        self.static_port = harness.free_port()
        static = os.path.join(self.dir, "static")
        conf_path = os.path.join(ngx, "nginx.conf")
        with open(conf_path) as f:
            conf = f.read()
        conf = conf.replace("worker_processes 1;", f"worker_processes {self.workers};")
        conf = re.sub(r"access_log [^;]+;", "access_log off;", conf)
        conf = conf.replace("worker_connections 256;", "worker_connections 1024;")
        # POST to a static file is 405 in nginx; error_page turns it into the file (GET).
        server = (f"    server {{\n        listen 127.0.0.1:{self.static_port};\n"
                  f"        root {static};\n"
                  "        location / { error_page 405 =200 $uri; }\n"
                  "        location = /mobileconfig.plist {\n"
                  "            default_type application/x-apple-aspen-config;\n"
                  "            add_header Content-Disposition "
                  "'attachment; filename=\"example.com.mobileconfig\"';\n        }\n"
                  "        types { application/xml xml; }\n    }\n")
        conf = conf.rstrip()
        assert conf.endswith("}")
        conf = conf[:-1] + server + "}\n"
        with open(conf_path, "w") as f:
            f.write(conf)
        return ngx

    def fetch(self, protocol, address=ADDRESS):
        if protocol == "autodiscover":
            r = self.post(service_path(protocol), autodiscover_body(address), "text/xml")
        else:
            r = self.get(service_path(protocol, address))
        if r.status != 200:
            raise harness.HarnessError(f"[{self.name}] {protocol} {address}: {r!r}")
        return r.body

    def make_static(self):
        """Static copies of this stack's three responses; checks nginx serves the same."""
        for protocol in PROTOCOLS:
            body = self.fetch(protocol)
            with open(os.path.join(self.static_dir, STATIC_FILES[protocol]), "wb") as f:
                f.write(body)
            import http.client
            c = http.client.HTTPConnection("127.0.0.1", self.static_port, timeout=10)
            method = "POST" if protocol == "autodiscover" else "GET"
            c.request(method, "/" + STATIC_FILES[protocol], body=b"x" if method == "POST" else None)
            got = c.getresponse().read()
            c.close()
            if got != body:
                raise harness.HarnessError(f"static {protocol}: bytes differ")

    def url(self, protocol):
        return f"http://127.0.0.1:{self.port}{service_path(protocol)}"

    def responder_url(self, protocol):
        return f"http://127.0.0.1:{self.responder_port}{service_path(protocol)}"

    def php_url(self):
        return f"http://127.0.0.1:{self.php_port}{service_path('autoconfig')}"

    def worker_threads(self):
        """The service's worker threads: all its threads but the main one (SQLite
        starts no other)."""
        return len(os.listdir(f"/proc/{self.service.pid}/task")) - 1

    def start_responder(self, binary, threads):
        """The do-nothing responder, answering the service's own bytes (CGI head
        rebuilt from the HTTP answer) with `threads` threads, under spawn-fcgi."""
        files = []
        for protocol in ANSWERS:
            if protocol == "autodiscover":
                r = self.post(service_path(protocol), autodiscover_body(ADDRESS), "text/xml")
            else:
                r = self.get(service_path(protocol))
            head = "Status: 200 OK\r\n" + "".join(
                f"{k}: {v}\r\n" for k, v in r.headers if k.lower() not in NGINX_HEADERS)
            head += "\r\n"
            path = os.path.join(self.dir, f"responder-{protocol}")
            with open(path, "wb") as f:
                f.write(head.encode() + r.body)
            files.append(path)
        log = open(os.path.join(self.dir, "responder.log"), "ab")
        self.responder = subprocess.Popen(
            ["spawn-fcgi", "-n", "-s", self.responder_socket, "-M", "0660", "--", binary,
             str(threads), *files], stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            preexec_fn=harness._die_with_parent)
        log.close()
        deadline = time.monotonic() + 15
        while not os.path.exists(self.responder_socket):
            if self.responder.poll() is not None or time.monotonic() > deadline:
                raise harness.HarnessError("the responder did not start (responder.log)")
            time.sleep(0.1)
        for protocol in ANSWERS:
            if self.fetch_from(self.responder_port, protocol) != self.fetch(protocol):
                raise harness.HarnessError(f"responder {protocol}: bytes differ")

    def start_php(self, php_fpm, workers=4):
        """A PHP-FPM pool (pm static, `workers` children) running bench/autoconfig.php."""
        conf = os.path.join(self.dir, "php-fpm.conf")
        user = "user = root\ngroup = root\n" if os.geteuid() == 0 else ""
        with open(conf, "w") as f:
            f.write(f"[global]\npid = {self.dir}/php-fpm.pid\n"
                    f"error_log = {self.dir}/php-fpm.log\ndaemonize = no\n"
                    f"[bench]\n{user}listen = {self.php_socket}\nlisten.mode = 0666\n"
                    f"listen.backlog = 1024\npm = static\npm.max_children = {workers}\n"
                    "pm.max_requests = 0\n")
        argv = [php_fpm, "-F", "-y", conf] + (["-R"] if os.geteuid() == 0 else [])
        log = open(os.path.join(self.dir, "php-fpm.stderr"), "ab")
        self.php = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                    preexec_fn=harness._die_with_parent)
        log.close()
        deadline = time.monotonic() + 15
        while not os.path.exists(self.php_socket):
            if self.php.poll() is not None or time.monotonic() > deadline:
                raise harness.HarnessError("php-fpm did not start (see php-fpm.log)")
            time.sleep(0.1)

    def fetch_from(self, port, protocol, path=None):
        import http.client
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        headers = {"Host": "autoconfig.example.com"}
        if protocol == "autodiscover":
            headers["Content-Type"] = "text/xml"
            c.request("POST", service_path(protocol), body=autodiscover_body(ADDRESS),
                      headers=headers)
        else:
            c.request("GET", path or service_path(protocol), headers=headers)
        r = c.getresponse()
        body = r.read()
        c.close()
        if r.status != 200:
            raise harness.HarnessError(f"[{self.name}] port {port} {protocol}: {r.status}")
        return body

    def stop(self):
        for proc in (self.responder, self.php):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        self.responder = self.php = None
        return super().stop()


    def static_url(self, protocol):
        return f"http://127.0.0.1:{self.static_port}/{STATIC_FILES[protocol]}"

    def start(self):
        if self.threads is not None:
            return super().start()
        # threads=None: the binary's own default. harness.Stack.start always passes
        # --threads, so it is taken out of the service's command line here.
        original = harness.subprocess.Popen

        def popen(argv, *a, **kw):
            if "--threads" in argv:
                i = argv.index("--threads")
                argv = argv[:i] + argv[i + 2:]
            return original(argv, *a, **kw)

        harness.subprocess.Popen = popen
        try:
            return super().start()
        finally:
            harness.subprocess.Popen = original

    def peak_rss_kib(self):
        if self.service is None:
            return None
        try:
            with open(f"/proc/{self.service.pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1])
        except OSError:
            return None
        return None


class Runner:
    def __init__(self, args, workdir):
        self.seconds = args.seconds
        self.body_file = os.path.join(workdir, "autodiscover-request.xml")
        with open(self.body_file, "w") as f:
            f.write(autodiscover_body(ADDRESS))
        self.bodies = {}

    def wrk(self, url, conc, post_body=None):
        env = dict(os.environ)
        env["BENCH_BODY_FILE"] = post_body or ""
        threads = 1 if conc == 1 else 2
        cmd = ["wrk", "-t", str(threads), "-c", str(conc), "-d", f"{self.seconds}s",
               "--timeout", "5s", "-s", LUA, url]
        p = subprocess.run(cmd, capture_output=True, text=True, env=env,
                           timeout=self.seconds + 60)
        m = re.search(r"BENCH requests=(\d+) us=(\d+) errors=(\d+) p50=(\d+) p99=(\d+)", p.stdout)
        if not m:
            raise RuntimeError(f"wrk failed: {p.stdout}\n{p.stderr}")
        req, us, err, p50, p99 = map(int, m.groups())
        return {"rps": req / (us / 1e6), "p50": p50 / 1000.0, "p99": p99 / 1000.0,
                "errors": err, "requests": req}

    def run(self, url, protocol, conc, cpu_pid=None):
        """One wrk run; with cpu_pid, also that process's CPU time per request (user +
        system, µs)."""
        body = self.body_file if protocol == "autodiscover" else None
        before = cpu_seconds(cpu_pid) if cpu_pid else None
        r = self.wrk(url, conc, body)
        if cpu_pid and r["requests"]:
            r["cpu_us"] = (cpu_seconds(cpu_pid) - before) * 1e6 / r["requests"]
        return r


def cpu_seconds(pid):
    """utime + stime of a process so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def median(values):
    return statistics.median(values) if values else float("nan")


def ratio_rounds(a_runs, b_runs, key="rps"):
    """Median over rounds of a/b, each round's pair measured back to back."""
    return median([a[key] / b[key] for a, b in zip(a_runs, b_runs) if b[key] > 0])


def alternate(runner, rounds, label, pairs):
    """pairs: [(name, fn)], each fn() → one wrk result; run in turn, `rounds` times."""
    results = {name: [] for name, _ in pairs}
    for i in range(rounds):
        for name, fn in pairs:
            r = fn()
            results[name].append(r)
            progress(f"{label} round {i + 1}/{rounds} {name}: {r['rps']:.0f} req/s, "
                     f"p50 {r['p50']:.2f} ms, p99 {r['p99']:.2f} ms"
                     + (f", {r['errors']} errors" if r["errors"] else ""))
    return results


def machine():
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = os.getloadavg()
    try:
        rev = subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True).stdout.strip()
    except OSError:
        rev = ""
    nginx = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip()
    return (f"{datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores "
            f"({os.sched_getaffinity(0).__len__()} usable), CPU {model}, "
            f"{platform.system()} {platform.release()}, {nginx}, git {rev or '?'} "
            f"(+ working tree), load average at start {load[0]:.2f}")


def generate_domains(db_path, count):
    """`count` domains, 4 per provider, each provider with an IMAP and an SMTP server
    serving its domains, in one transaction (recursive CTEs)."""
    con = sqlite3.connect(db_path, timeout=60)
    try:
        cur = con.cursor()
        cur.execute("BEGIN IMMEDIATE")
        base_p = cur.execute("SELECT COALESCE(MAX(id), 0) FROM provider").fetchone()[0] + 1
        base_d = cur.execute("SELECT COALESCE(MAX(id), 0) FROM domain").fetchone()[0] + 1
        base_s = cur.execute("SELECT COALESCE(MAX(id), 0) FROM server").fetchone()[0] + 1
        providers = (count + 3) // 4
        seq = "WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM c WHERE x < ?) "
        cur.execute(seq + "INSERT INTO provider (id, name, short_name) "
                    "SELECT ? + x, 'Bench Provider ' || x, 'Bench' FROM c", (providers - 1, base_p))
        cur.execute(seq + "INSERT INTO domain (id, name, provider_id) "
                    "SELECT ? + x, 'd' || x || '.bench.test', ? + x / 4 FROM c",
                    (count - 1, base_d, base_p))
        cur.execute(seq + "INSERT INTO server (id, prio, name, port, type, socket_type, "
                    "user_name, authentication) SELECT ? + x, 10, CASE x % 2 WHEN 0 THEN "
                    "'imap' ELSE 'smtp' END || (x / 2) || '.bench.test', CASE x % 2 WHEN 0 "
                    "THEN 993 ELSE 465 END, CASE x % 2 WHEN 0 THEN 'imap' ELSE 'smtp' END, "
                    "'SSL', '%EMAILADDRESS%', 'plain' FROM c", (2 * providers - 1, base_s))
        # Domain x belongs to provider x/4, whose servers are 2*(x/4) and 2*(x/4)+1.
        cur.execute(seq + "INSERT INTO server_domain (server_id, domain_id) "
                    "SELECT ? + 2 * (x / 2 / 4) + x % 2, ? + x / 2 FROM c",
                    (2 * count - 1, base_s, base_d))
        con.commit()
    finally:
        con.close()


def fmt_ratio(x):
    return f"{x:.2f}"


def main():
    global PROTOCOLS
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=2, help="length of one wrk run")
    ap.add_argument("--concurrency", default="1,16,64")
    ap.add_argument("--threads", type=int, default=None,
                    help="--threads of the main stack (default: the binary's own)")
    ap.add_argument("--domains", type=int, default=1_000_000)
    ap.add_argument("--skip", default="",
                    help="comma list of: sizing,scale,postgresql,ldap,threads,php,nocache,metrics")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--json", help="also write the raw results to this file")
    ap.add_argument("--responder", help="the do-nothing libfcgi responder (bench/run.sh "
                    "builds it); without it the responder figures are left out")
    ap.add_argument("--php-fpm", help="php-fpm binary (default: the first php-fpm* found)")
    ap.add_argument("--protocols", default=",".join(PROTOCOLS),
                    help="comma list of the routes measured (an older binary without the "
                         "setup page: autoconfig,autodiscover,mobileconfig)")
    ap.add_argument("--quick", action="store_true",
                    help="for iteration: 1 round × 2 s, c=1,64, only the main matrix and PHP")
    args = ap.parse_args()
    if args.quick:
        args.rounds, args.seconds, args.concurrency = 1, 2, "1,64"
        args.skip = ",".join(filter(None, [args.skip, "sizing,scale,postgresql,ldap,threads,nocache"]))
    if args.php_fpm is None:
        import glob
        found = sorted(glob.glob("/usr/sbin/php-fpm*"))
        args.php_fpm = found[-1] if found else None
    skip = set(filter(None, args.skip.split(",")))
    PROTOCOLS = tuple(p for p in PROTOCOLS if p in args.protocols.split(","))
    concs = [int(c) for c in args.concurrency.split(",")]

    for tool in ("wrk", "nginx", "spawn-fcgi"):
        if shutil.which(tool) is None:
            sys.exit(f"bench: {tool} not found (bench/run.sh installs it)")
    about = machine()
    progress("machine: " + about)
    session = harness.Session(args.binary)
    runner = Runner(args, session.root)
    raw = {"machine": about}
    out = []
    targets = []  # (figure, value, "<=" | ">=", target): the table of issue 14
    config = {"loglevel": "WARNING"}
    main_threads = args.threads

    def stack(name, threads=main_threads, owner=None, sample=True, extra_config=None, **kw):
        owner = owner or session
        st = BenchStack(owner, name, config={**config, **(extra_config or {})}, threads=threads,
                        **kw)
        owner.stacks[name] = st
        st.start()
        if sample and st.get("/initdb/").status != 200:
            raise harness.HarnessError(f"[{name}] GET /initdb/ failed")
        return st

    def stop(st):
        st.stop()

    try:
        # The main stack: the sample's upstream as shipped, the binary's default threads.
        progress("starting nginx + automx2-fcgi (SQLite, sample data)")
        small = stack("small")
        small.make_static()

        threads = small.worker_threads()
        kinds = [("service", small.url, small.service.pid), ("static", small.static_url, None)]
        if args.responder:
            small.start_responder(args.responder, threads)
            kinds.insert(1, ("responder", small.responder_url, small.responder.pid))

        # ---- main matrix --------------------------------------------------------------
        out.append(f"### Service ({threads} threads) ÷ do-nothing libfcgi responder "
                   f"({threads} threads) and ÷ static nginx (SQLite, sample data)\n")
        out.append("| protocol | c | service req/s | responder req/s | static req/s "
                   "| ÷ responder | ÷ static | service p50 / p99 ms | responder p99 ms "
                   "| p99 ÷ responder | static p99 ms | p99 ÷ static "
                   "| CPU µs/req service / responder |")
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        matrix = {}
        for i in range(args.rounds):
            for protocol in PROTOCOLS:
                for c in concs:
                    for kind, url, cpu_of in kinds:
                        if kind == "responder" and protocol not in ANSWERS:
                            continue
                        r = runner.run(url(protocol), protocol, c, cpu_of)
                        matrix.setdefault((protocol, c, kind), []).append(r)
                        progress(f"round {i + 1}/{args.rounds} {protocol:12} c={c:<3} {kind:9}: "
                                 f"{r['rps']:7.0f} req/s, p50 {r['p50']:6.2f} ms, "
                                 f"p99 {r['p99']:7.2f} ms"
                                 + (f", {r['cpu_us']:.0f} µs CPU/req" if "cpu_us" in r else "")
                                 + (f", {r['errors']} errors" if r["errors"] else ""))
        raw["main"] = {f"{p} c={c} {k}": v for (p, c, k), v in matrix.items()}
        nan = [{"rps": float("nan"), "p99": float("nan"), "p50": float("nan")}] * args.rounds
        for protocol in PROTOCOLS:
            for c in concs:
                s, t = matrix[(protocol, c, "service")], matrix[(protocol, c, "static")]
                d = matrix.get((protocol, c, "responder"), nan)
                errors = sum(r["errors"] for r in s)
                out.append(
                    f"| {protocol} | {c} | {median([r['rps'] for r in s]):.0f} | "
                    f"{median([r['rps'] for r in d]):.0f} | "
                    f"{median([r['rps'] for r in t]):.0f} | "
                    f"**{fmt_ratio(ratio_rounds(s, d))}** | {fmt_ratio(ratio_rounds(s, t))} | "
                    f"{median([r['p50'] for r in s]):.2f} / {median([r['p99'] for r in s]):.2f} | "
                    f"{median([r['p99'] for r in d]):.2f} | "
                    f"**{fmt_ratio(ratio_rounds(s, d, 'p99'))}** | "
                    f"{median([r['p99'] for r in t]):.2f} | "
                    f"{fmt_ratio(ratio_rounds(s, t, 'p99'))} | "
                    f"{median([r.get('cpu_us', float('nan')) for r in s]):.0f} / "
                    f"{median([r.get('cpu_us', float('nan')) for r in d]):.0f}"
                    + (f" ({errors} errors)" if errors else "") + " |")
                if protocol in ANSWERS and args.responder and c in (1, 64):
                    targets.append((f"{protocol}, c={c}: req/s ÷ responder",
                                    ratio_rounds(s, d), ">=", 0.8))
                if protocol in ANSWERS and args.responder and c == 64:
                    targets.append((f"{protocol}, c=64: p99 ÷ responder p99",
                                    ratio_rounds(s, d, "p99"), "<=", 1.5))
        pages = [p for p in ("setup", "setup_qr") if p in PROTOCOLS]
        if pages:
            out.append("\n### Setup page ÷ Mobileconfig (same stack, same rounds)\n")
            out.append("| route | c | req/s | mobileconfig req/s | ratio | p99 ms | "
                       "mobileconfig p99 ms |")
            out.append("|---|---|---|---|---|---|---|")
        for page, c in ((p, c) for p in pages for c in concs):
            s, m = matrix[(page, c, "service")], matrix[("mobileconfig", c, "service")]
            out.append(f"| {page} | {c} | {median([r['rps'] for r in s]):.0f} | "
                       f"{median([r['rps'] for r in m]):.0f} | "
                       f"**{fmt_ratio(ratio_rounds(s, m))}** | "
                       f"{median([r['p99'] for r in s]):.2f} | "
                       f"{median([r['p99'] for r in m]):.2f} |")
        rss_small = small.peak_rss_kib()
        out.append(f"\nPeak RSS (VmHWM) of the service, sample data: "
                   f"{rss_small / 1024:.1f} MiB\n")

        # ---- PHP-FPM: the same lookup in a 30-line script ------------------------------
        if "php" not in skip and args.php_fpm:
            small.start_php(args.php_fpm)
            php_body = small.fetch_from(small.php_port, "autoconfig", service_path("autoconfig"))
            same = php_body == small.fetch("autoconfig")
            out.append("### Autoconfig: service ÷ PHP-FPM (4 workers, bench/autoconfig.php, "
                       "same SQLite file, same nginx)\n")
            out.append(f"The script's document is {'byte-identical to' if same else 'NOT the same as'}"
                       " the service's.\n")
            out.append("| c | service req/s | PHP req/s | service ÷ PHP | service p99 ms "
                       "| PHP p99 ms | PHP ÷ responder |")
            out.append("|---|---|---|---|---|---|---|")
            for c in sorted({1, 64} & set(concs)) or [64]:
                pairs = [("service", lambda: runner.run(small.url("autoconfig"), "autoconfig", c)),
                         ("php", lambda: runner.run(small.php_url(), "autoconfig", c))]
                if args.responder:
                    pairs.append(("responder", lambda: runner.run(
                        small.responder_url("autoconfig"), "autoconfig", c)))
                res = alternate(runner, args.rounds, f"php c={c}", pairs)
                a, b = res["service"], res["php"]
                d = res.get("responder", nan)
                out.append(f"| {c} | {median([r['rps'] for r in a]):.0f} | "
                           f"{median([r['rps'] for r in b]):.0f} | "
                           f"**{fmt_ratio(ratio_rounds(a, b))}** | "
                           f"{median([r['p99'] for r in a]):.2f} | "
                           f"{median([r['p99'] for r in b]):.2f} | "
                           f"{fmt_ratio(ratio_rounds(b, d))} |")
                raw[f"php c={c}"] = res
                if c == 64:
                    targets.append(("autoconfig, c=64: service ÷ PHP-FPM script",
                                    ratio_rounds(a, b), ">=", 2))
            out.append("")

        # ---- the response cache: with ÷ without ----------------------------------------
        uncached = None  # kept for the PostgreSQL comparison
        if "nocache" not in skip:
            progress("cache: starting a service with response_cache = no")
            uncached = stack("nocache", extra_config={"response_cache": "no"})
            out.append("### The response cache: service ÷ the same service with "
                       "`response_cache = no` (same nginx setup, alternating)\n")
            out.append("| protocol | c | cached req/s | uncached req/s | ratio | cached p99 ms "
                       "| uncached p99 ms | CPU µs/req cached / uncached |")
            out.append("|---|---|---|---|---|---|---|---|")
            for protocol, c in [(p, 64) for p in ANSWERS] + [("autoconfig", 1)]:
                res = alternate(runner, args.rounds, f"cache {protocol} c={c}", [
                    ("cached", lambda: runner.run(small.url(protocol), protocol, c,
                                                  small.service.pid)),
                    ("uncached", lambda: runner.run(uncached.url(protocol), protocol, c,
                                                    uncached.service.pid))])
                a, b = res["cached"], res["uncached"]
                out.append(f"| {protocol} | {c} | {median([r['rps'] for r in a]):.0f} | "
                           f"{median([r['rps'] for r in b]):.0f} | "
                           f"**{fmt_ratio(ratio_rounds(a, b))}** | "
                           f"{median([r['p99'] for r in a]):.2f} | "
                           f"{median([r['p99'] for r in b]):.2f} | "
                           f"{median([r['cpu_us'] for r in a]):.0f} / "
                           f"{median([r['cpu_us'] for r in b]):.0f} |")
                raw[f"cache {protocol} c={c}"] = res
            out.append("")

        # ---- metrics: counting on ÷ off (issue 15) ------------------------------------------
        if "metrics" not in skip:
            progress("metrics: starting a service with metrics = no")
            quiet = stack("nometrics", extra_config={"metrics": "no"})
            if quiet.get("/metrics").status != 404 or small.get("/metrics").status != 200:
                raise harness.HarnessError("metrics = no/yes not in effect")
            rounds = max(args.rounds, 3)  # a 3 % effect needs more than one round
            out.append("### Metrics: service (`metrics = yes`, the default) ÷ the same service "
                       f"with `metrics = no` (same nginx setup, alternating, {rounds} rounds)\n")
            out.append("| protocol | c | on req/s | off req/s | on ÷ off | on p99 ms "
                       "| off p99 ms | CPU µs/req on / off |")
            out.append("|---|---|---|---|---|---|---|---|")
            for protocol, c in [(p, 64) for p in ANSWERS] + [("autoconfig", 1)]:
                res = alternate(runner, rounds, f"metrics {protocol} c={c}", [
                    ("on", lambda: runner.run(small.url(protocol), protocol, c,
                                              small.service.pid)),
                    ("off", lambda: runner.run(quiet.url(protocol), protocol, c,
                                               quiet.service.pid))])
                a, b = res["on"], res["off"]
                out.append(f"| {protocol} | {c} | {median([r['rps'] for r in a]):.0f} | "
                           f"{median([r['rps'] for r in b]):.0f} | "
                           f"**{fmt_ratio(ratio_rounds(a, b))}** | "
                           f"{median([r['p99'] for r in a]):.2f} | "
                           f"{median([r['p99'] for r in b]):.2f} | "
                           f"{median([r['cpu_us'] for r in a]):.0f} / "
                           f"{median([r['cpu_us'] for r in b]):.0f} |")
                raw[f"metrics {protocol} c={c}"] = res
                if c == 64:
                    targets.append((f"{protocol}, c=64: req/s metrics on ÷ off",
                                    ratio_rounds(a, b), ">=", 0.97))
            out.append("")
            stop(quiet)

        # ---- a small pool: 4 threads ÷ the default ---------------------------------------
        if "threads" not in skip:
            progress("threads: starting a 4-thread service")
            four = stack("t4", threads=4)
            out.append(f"### 4 threads ÷ {threads} threads (c=64, same request, services "
                       "alternating)\n")
            out.append(f"| protocol | 4 threads req/s | {threads} threads req/s | ratio "
                       f"| 4 threads p99 ms | {threads} threads p99 ms |")
            out.append("|---|---|---|---|---|---|")
            for protocol in ANSWERS:
                res = alternate(runner, args.rounds, f"threads {protocol}", [
                    ("four", lambda: runner.run(four.url(protocol), protocol, 64)),
                    ("default", lambda: runner.run(small.url(protocol), protocol, 64))])
                a, b = res["four"], res["default"]
                out.append(f"| {protocol} | {median([r['rps'] for r in a]):.0f} | "
                           f"{median([r['rps'] for r in b]):.0f} | "
                           f"**{fmt_ratio(ratio_rounds(a, b))}** | "
                           f"{median([r['p99'] for r in a]):.2f} | "
                           f"{median([r['p99'] for r in b]):.2f} |")
                raw[f"threads {protocol}"] = res
                targets.append((f"{protocol}, c=64: 4 threads ÷ {threads} threads",
                                ratio_rounds(a, b), ">=", 0.9))
            out.append("")
            stop(four)

        # ---- sizing: threads × keepalive ------------------------------------------------
        if "sizing" not in skip:
            out.append("### Sizing: service threads × nginx upstream keepalive "
                       "(Autoconfig, c=64, worker_processes auto)\n")
            out.append("| threads | keepalive | req/s | ÷ static | p99 ms | p99 ÷ static |")
            out.append("|---|---|---|---|---|---|")
            variants = [(16, 8), (16, 4), (16, 0), (32, 8), (64, 16)]
            for threads, keepalive in variants:
                name = f"t{threads}-k{keepalive}"
                progress(f"sizing: starting {name}")
                st = stack(name, threads=threads, keepalive=keepalive)
                st.make_static()
                res = alternate(runner, args.rounds, f"sizing {name}", [
                    ("service", lambda: runner.run(st.url("autoconfig"), "autoconfig", 64)),
                    ("static", lambda: runner.run(st.static_url("autoconfig"), "autoconfig", 64))])
                s, t = res["service"], res["static"]
                errors = sum(r["errors"] for r in s)
                out.append(f"| {threads} | {keepalive or 'off'} | "
                           f"{median([r['rps'] for r in s]):.0f} | "
                           f"{fmt_ratio(ratio_rounds(s, t))} | "
                           f"{median([r['p99'] for r in s]):.2f} | "
                           f"{fmt_ratio(ratio_rounds(s, t, 'p99'))}"
                           + (f" ({errors} errors)" if errors else "") + " |")
                raw[f"sizing {name}"] = res
                stop(st)
            out.append("")

        # ---- scale: 1,000,000 domains -----------------------------------------------------
        if "scale" not in skip:
            progress(f"scale: generating {args.domains} domains")
            big = stack("big")
            t = time.monotonic()
            generate_domains(big.db_path, args.domains)
            progress(f"scale: generated in {time.monotonic() - t:.1f}s "
                     f"({os.path.getsize(big.db_path) / 2**20:.0f} MiB)")
            # One generated domain answers too (the lookup really searches the big table).
            probe = f"someone@d{args.domains // 2}.bench.test"
            big.fetch("autoconfig", probe)
            out.append(f"### {args.domains:,} domains ÷ sample database (c=64, same request)\n")
            out.append("| protocol | 1M req/s | small req/s | ratio | 1M p99 ms | small p99 ms |")
            out.append("|---|---|---|---|---|---|")
            # The 1M file was just written: one untimed run first, so that the rounds
            # measure the service, not the page cache filling (the first round ran at
            # 0.4 of the third without it).
            runner.run(big.url("autoconfig"), "autoconfig", 64)
            for protocol in PROTOCOLS:
                res = alternate(runner, args.rounds, f"scale {protocol}", [
                    ("big", lambda: runner.run(big.url(protocol), protocol, 64)),
                    ("small", lambda: runner.run(small.url(protocol), protocol, 64))])
                b, s = res["big"], res["small"]
                out.append(f"| {protocol} | {median([r['rps'] for r in b]):.0f} | "
                           f"{median([r['rps'] for r in s]):.0f} | "
                           f"**{fmt_ratio(ratio_rounds(b, s))}** | "
                           f"{median([r['p99'] for r in b]):.2f} | "
                           f"{median([r['p99'] for r in s]):.2f} |")
                raw[f"scale {protocol}"] = res
                targets.append((f"{protocol}, c=64: {args.domains:,} domains ÷ sample",
                                ratio_rounds(b, s), ">=", 0.9))
            rss_big = big.peak_rss_kib()
            targets.append((f"peak RSS with {args.domains:,} domains, MiB", rss_big / 1024,
                            "<=", 24))
            out.append(f"\nPeak RSS (VmHWM) of the service with {args.domains:,} domains: "
                       f"**{rss_big / 1024:.1f} MiB**\n")
            stop(big)

        # ---- LDAP-backed domain -----------------------------------------------------------
        if "ldap" not in skip:
            import slapd
            progress("ldap: starting slapd")
            directory = slapd.Slapd(os.path.join(session.root, "slapd")).start()
            try:
                lst = stack("ldap", sample=False)
                seed = {"version": 2, "provider": "Directory Example",
                        "domains": [{"name": "example.com", "ldapserver_id": 1},
                                    {"name": "plain.example.com"}],
                        "servers": [{"type": "imap", "name": "imap.example.com"},
                                    {"type": "smtp", "name": "smtp.example.com", "port": 587}],
                        "ldapservers": [{"id": 1, "name": "127.0.0.1", "port": directory.port,
                                         "use_ssl": False,
                                         "search_base": "ou=people," + slapd.SUFFIX,
                                         "bind_user": slapd.BIND_DN,
                                         "bind_password": slapd.BIND_PW}]}
                r = lst.post("/initdb/", json.dumps(seed), "application/json")
                if r.status != 200:
                    raise harness.HarnessError(f"ldap seed: {r!r}")
                ldap_body = lst.fetch("autoconfig")
                if b"jdoe" not in ldap_body:
                    raise harness.HarnessError("ldap: the uid did not reach the document")
                plain = "jane@plain.example.com"
                lst.fetch("autoconfig", plain)
                plain_url = f"http://127.0.0.1:{lst.port}{service_path('autoconfig', plain)}"
                out.append("### LDAP-backed domain ÷ plain domain (Autoconfig, c=64, "
                           "same service; plain LDAP on loopback)\n")
                res = alternate(runner, args.rounds, "ldap", [
                    ("ldap", lambda: runner.run(lst.url("autoconfig"), "autoconfig", 64)),
                    ("plain", lambda: runner.run(plain_url, "autoconfig", 64))])
                a, p = res["ldap"], res["plain"]
                out.append("| LDAP req/s | plain req/s | ratio | LDAP p99 ms | plain p99 ms |")
                out.append("|---|---|---|---|---|")
                out.append(f"| {median([r['rps'] for r in a]):.0f} | "
                           f"{median([r['rps'] for r in p]):.0f} | "
                           f"**{fmt_ratio(ratio_rounds(a, p))}** | "
                           f"{median([r['p99'] for r in a]):.2f} | "
                           f"{median([r['p99'] for r in p]):.2f} |\n")
                raw["ldap"] = res
                stop(lst)
            finally:
                directory.stop()

        # ---- PostgreSQL -------------------------------------------------------------------
        if "postgresql" not in skip:
            progress("postgresql: starting a throwaway server")
            pg_session = harness.Session(args.binary, dialect="postgresql")
            try:
                pst = stack("pg", owner=pg_session)
                # The setup page's QR code holds each stack's own port: not compared.
                for protocol in (p for p in PROTOCOLS if not p.startswith("setup")):
                    if pst.fetch(protocol) != small.fetch(protocol):
                        raise harness.HarnessError(f"postgresql: {protocol} differs from SQLite")
                # PostgreSQL answers are not cached by default (response_cache_ttl = 0):
                # its lookup path is compared with SQLite's, both without the cache.
                sqlite_ref = uncached or small
                out.append("### PostgreSQL ÷ SQLite (c=64, same sample data and request"
                           + (", both uncached: SQLite with response_cache = no" if uncached
                              else "") + ")\n")
                out.append("| protocol | PostgreSQL req/s | SQLite req/s | ratio | "
                           "PostgreSQL p99 ms |")
                out.append("|---|---|---|---|---|")
                for protocol in PROTOCOLS:
                    res = alternate(runner, args.rounds, f"postgresql {protocol}", [
                        ("postgresql", lambda: runner.run(pst.url(protocol), protocol, 64)),
                        ("sqlite", lambda: runner.run(sqlite_ref.url(protocol), protocol, 64))])
                    g, s = res["postgresql"], res["sqlite"]
                    out.append(f"| {protocol} | {median([r['rps'] for r in g]):.0f} | "
                               f"{median([r['rps'] for r in s]):.0f} | "
                               f"**{fmt_ratio(ratio_rounds(g, s))}** | "
                               f"{median([r['p99'] for r in g]):.2f} |")
                    raw[f"postgresql {protocol}"] = res
                    targets.append((f"{protocol}, c=64: PostgreSQL ÷ SQLite",
                                    ratio_rounds(g, s), ">=", 0.9))
                out.append("")
            finally:
                pg_session.stop_all()
                if not args.keep:
                    shutil.rmtree(pg_session.root, ignore_errors=True)
    finally:
        session.stop_all()
        if not args.keep:
            shutil.rmtree(session.root, ignore_errors=True)

    print(f"\n## automx2-fcgi benchmark\n\n{about}; wrk {args.rounds} rounds × {args.seconds} s "
          "per figure, medians of the rounds, ratios per round then median.\n")
    if targets:
        print("### The targets of issue 14 (ratios measured side by side in this run)\n")
        print("| figure | result | target | |")
        print("|---|---|---|---|")
        for figure, value, op, goal in targets:
            met = value >= goal if op == ">=" else value <= goal
            print(f"| {figure} | {value:.2f} | {'≥' if op == '>=' else '≤'} {goal} | "
                  f"{'met' if met else '**missed**'} |")
        print()
    print("\n".join(out))
    progress("done")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(raw, f, indent=1, default=str)


if __name__ == "__main__":
    main()
