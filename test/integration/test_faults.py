"""Faults under load (issue 8, item 3): a bounded client keeps requests flowing through
nginx while an instance is stopped or killed, or the database or the directory
restarts. Each test prints its figures (requests, failures and statuses per phase).

Two instances (harness.MultiStack: each its own spawn-fcgi process and unix socket,
both `server` lines of the sample's one upstream) share one SQLite file with the
sample data. Instance 0 runs bare, so its exit status is seen; instance 1 runs under
the harness's supervisor, a Python thread that restarts it 0.2 s after it exits (as
systemd's Restart=always would). The load: CLIENTS threads with http.client, each on
its own keep-alive connection, cycling through Autoconfig (GET), Autodiscover (POST,
non-idempotent: nginx retries it only because the sample says
`fastcgi_next_upstream ... non_idempotent`) and Mobileconfig (GET).

The database restart runs with --dialect mariadb|postgresql (SQLite has no server to
restart); the directory restart in the nginx + SQLite run, as test_ldap.py does.
"""

import atexit
import collections
import http.client
import json
import os
import threading
import time
import unittest

import harness
import slapd
from common import AC_PATH, AD_PATH, MC_PATH, autodiscover_body, q

CLIENTS = 6
REQUEST_TIMEOUT = 15.0 * harness.SLOWDOWN  # seconds; a request taking longer counts as hung
EXIT_SECONDS = 6.0 * harness.SLOWDOWN  # SIGTERM to exit under load
ADDRESS = "alice@example.com"
LDAP_ADDRESS = "jane@example.com"
DB_TIMEOUT = 2  # db_timeout of the database stack: a 503 within about twice that
MAX_DB_503 = 5.0
LDAP_TIMEOUT = 1  # ldap_timeout and ldap_network_timeout of the directory stack
MAX_LDAP_503 = 3.0
SETTLE = 1.0  # seconds after a restart before every answer must be 200 again
# Requests at least in a phase (there was load), far fewer under valgrind.
MIN_PHASE = 20 if harness.SLOWDOWN == 1 else 2
MIN_OUTAGE = 10 if harness.SLOWDOWN == 1 else 1
MIN_SHARE = 5 if harness.SLOWDOWN == 1 else 0


def setUpModule():
    if type(harness.session()) is not harness.Session:
        raise unittest.SkipTest("nginx + spawn-fcgi stacks only")


class Load:
    """CLIENTS threads sending requests until stop(); every outcome is kept as
    (start, end, kind, status or None, error or None). mark() notes a moment."""

    def __init__(self, port, address=ADDRESS, clients=CLIENTS):
        self.port = port
        self.address = address
        self.clients = clients
        self.results = []
        self.marks = {}  # name → time.monotonic()
        self.wall = {}  # name → time.time() (nginx's access log uses it)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = []

    def _requests(self):
        return [("autoconfig", "GET", AC_PATH + q(emailaddress=self.address), None, {}),
                ("autodiscover", "POST", AD_PATH, autodiscover_body(self.address).encode(),
                 {"Content-Type": "text/xml; charset=utf-8"}),
                ("mobileconfig", "GET", MC_PATH + q(emailaddress=self.address), None, {})]

    def _client(self, n):
        requests = self._requests()
        conn = None
        i = n
        while not self._stop.is_set():
            kind, method, path, body, headers = requests[i % len(requests)]
            i += 1
            t0 = time.monotonic()
            status = error = None
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                      timeout=REQUEST_TIMEOUT)
                conn.request(method, path, body=body,
                             headers={"Host": "autoconfig.example.com", **headers})
                r = conn.getresponse()
                r.read()
                status = r.status
                if r.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as e:
                error = repr(e)
                if conn is not None:
                    conn.close()
                conn = None
            with self._lock:
                self.results.append((t0, time.monotonic(), kind, status, error))
        if conn is not None:
            conn.close()

    def start(self):
        self.mark("begin")
        self._threads = [threading.Thread(target=self._client, args=(n,), daemon=True)
                         for n in range(self.clients)]
        for t in self._threads:
            t.start()
        return self

    def mark(self, name):
        self.marks[name] = time.monotonic()
        self.wall[name] = time.time()

    def stop(self):
        self._stop.set()
        for t in self._threads:
            t.join(REQUEST_TIMEOUT + 5)
        self.mark("end")
        return self

    def between(self, first, last):
        """Outcomes of the requests started in [marks[first], marks[last])."""
        lo, hi = self.marks[first], self.marks[last]
        return [r for r in self.results if lo <= r[0] < hi]

    def done_before(self, name):
        """Outcomes of the requests that had ended at marks[name]."""
        return [r for r in self.results if r[1] < self.marks[name]]

    def overlapping(self, first, last):
        """Outcomes of the requests in flight at any moment of [first, last]."""
        lo, hi = self.marks[first], self.marks[last]
        return [r for r in self.results if r[0] <= hi and r[1] >= lo]


def summary(results):
    statuses = collections.Counter(r[3] if r[4] is None else "error" for r in results)
    latencies = [r[1] - r[0] for r in results]
    return {"requests": len(results),
            "errors": sum(1 for r in results if r[4] is not None),
            "5xx": sum(1 for r in results if r[3] is not None and r[3] >= 500),
            "statuses": dict(sorted(statuses.items(), key=str)),
            "max_s": round(max(latencies), 3) if latencies else None}


def report(title, phases):
    print(f"\n  [faults] {title}", flush=True)
    for label, results in phases:
        s = summary(results)
        print(f"    {label:<28} {s['requests']:5d} requests, {s['errors']} client errors, "
              f"{s['5xx']} 5xx, statuses {s['statuses']}, max {s['max_s']}s", flush=True)


def failed(results, ok=(200,)):
    """Requests that failed the client: no response, or a status other than `ok`."""
    return [r for r in results if r[4] is not None or r[3] not in ok]


def nginx_errors(st, offset):
    """Counts of the upstream errors nginx logged after byte `offset` of its error log."""
    kinds = {"refused": "Connection refused", "no socket": "No such file or directory",
             "reset": "reset by peer", "closed early": "prematurely closed"}
    with open(st.nginx_log, errors="replace") as f:
        f.seek(offset)
        text = f.read()
    return {k: text.count(v) for k, v in kinds.items() if v in text}


class InstanceFaultTest(unittest.TestCase):
    """SIGTERM and kill -9 of one of two instances behind one upstream."""

    @classmethod
    def setUpClass(cls):
        cls.st = harness.session().stack("faults-pair", kind=harness.MultiStack, instances=2,
                                         supervised=(1,))
        r = cls.st.get("/initdb/")
        if r.status != 200:
            raise harness.HarnessError(f"initdb: {r!r}")

    def setUp(self):
        # Both instances up and answering on their own sockets (a test may stop one).
        for inst in self.st.instances:
            if not inst.running():
                inst.start()
            inst.wait_serving()
        self.error_log_offset = os.path.getsize(self.st.nginx_log)

    def access(self, load, first, last):
        """nginx's log entries of [first, last): (msec, status, [sockets tried])."""
        lo, hi = load.wall[first], load.wall[last]
        return [e for e in self.st.access_entries() if lo <= e[0] < hi]

    @staticmethod
    def served_by(entries, inst):
        """Requests answered 200 by `inst` (the last socket nginx tried)."""
        return sum(1 for _, status, tried in entries
                   if status == 200 and tried and tried[-1] == inst.socket_path)

    @staticmethod
    def retried(entries):
        return sum(1 for _, _, tried in entries if len(tried) > 1)

    def test_upstream_lists_both_instances(self):
        # The sample's `server` line once per instance, with its parameters kept.
        with open(os.path.join(self.st.dir, "nginx", "automx2.conf")) as f:
            rendered = f.read()
        servers = [line.split() for line in rendered.splitlines()
                   if line.strip().startswith("server unix:")]
        self.assertEqual(servers, [["server", f"unix:{i.socket_path}", "max_fails=0;"]
                                   for i in self.st.instances])

    def test_sigterm_one_instance_no_failed_request(self):
        inst, other = self.st.instances
        load = Load(self.st.port).start()
        time.sleep(1.5)
        load.mark("sigterm")
        pid = inst.pid
        code = inst.stop(timeout=harness.STOP_TIMEOUT)
        load.mark("exited")
        time.sleep(2.0)
        load.stop()
        exit_seconds = load.marks["exited"] - load.marks["sigterm"]
        before = self.access(load, "begin", "sigterm")
        during = self.access(load, "sigterm", "end")
        report(f"SIGTERM to instance 0 (pid {pid}) under load: exit status {code} after "
               f"{exit_seconds:.2f}s. nginx: before {self.served_by(before, inst)}/"
               f"{self.served_by(before, other)} answers by instance 0/1, from SIGTERM on "
               f"{self.served_by(during, inst)}/{self.served_by(during, other)}, "
               f"{self.retried(during)} retried on instance 1; upstream errors "
               f"{nginx_errors(self.st, self.error_log_offset)}",
               [("before SIGTERM", load.between("begin", "sigterm")),
                ("SIGTERM until exit", load.overlapping("sigterm", "exited")),
                ("after exit", load.between("exited", "end")),
                ("total", load.results)])
        self.assertEqual(code, 0, "the stopped instance exits 0")
        self.assertLess(exit_seconds, EXIT_SECONDS)
        self.assertEqual(failed(load.results)[:5], [])
        self.assertGreater(len(load.between("begin", "sigterm")), MIN_PHASE, "there was load")
        self.assertGreater(len(load.between("exited", "end")), MIN_PHASE, "load went on")
        self.assertGreaterEqual(self.served_by(before, inst), MIN_SHARE, "both served")
        self.assertGreaterEqual(self.served_by(before, other), MIN_SHARE, "both served")

    def test_kill_9_supervised_instance_comes_back(self):
        inst, other = self.st.instances[1], self.st.instances[0]
        load = Load(self.st.port).start()
        time.sleep(1.5)
        load.mark("kill")
        old_pid = inst.kill()
        new_pid = inst.wait_serving(old_pid=old_pid, timeout=harness.READY_TIMEOUT)
        load.mark("back")
        time.sleep(1.5)
        load.mark("other-stop")
        other_code = other.stop(timeout=harness.STOP_TIMEOUT)
        load.mark("other-stopped")
        time.sleep(2.0)
        load.stop()
        killed = [h for h in inst.history if h[0] == old_pid]
        gap = self.access(load, "kill", "back")
        both = self.access(load, "back", "other-stop")
        alone = self.access(load, "other-stopped", "end")
        report(f"kill -9 of supervised instance 1 (pid {old_pid}) under load: serving again "
               f"as pid {new_pid} after {load.marks['back'] - load.marks['kill']:.2f}s. nginx: "
               f"{self.retried(gap)} of {len(gap)} requests retried until then; with both "
               f"again {self.served_by(both, other)}/{self.served_by(both, inst)} answers by "
               f"instance 0/1; after SIGTERM to instance 0 (exit {other_code}) "
               f"{self.served_by(alone, inst)} by instance 1; upstream errors "
               f"{nginx_errors(self.st, self.error_log_offset)}",
               [("before kill", load.between("begin", "kill")),
                ("kill until serving again", load.overlapping("kill", "back")),
                ("both again", load.between("back", "other-stop")),
                ("instance 1 alone", load.between("other-stopped", "end")),
                ("total", load.results)])
        self.assertEqual(killed, [(old_pid, -9)], inst.history)
        self.assertNotEqual(new_pid, old_pid)
        self.assertEqual(failed(load.results)[:5], [], "nginx's retries absorb the kill")
        self.assertEqual(other_code, 0)
        # The new process serves: beside instance 0, then alone.
        self.assertGreaterEqual(self.served_by(both, inst), MIN_SHARE)
        self.assertGreater(self.served_by(alone, inst), MIN_PHASE)
        self.assertEqual(self.served_by(alone, other), 0)
        self.assertEqual(failed(load.between("other-stopped", "end")), [])
        self.assertEqual(inst.pid, new_pid, "no further restarts")


class OutageCase(unittest.TestCase):
    """A backend server stops for a while and starts again, the service running on."""

    def outage_under_load(self, label, stop, start, address, down_seconds, max_seconds):
        pid = self.st.service.pid
        load = Load(self.st.port, address=address).start()
        time.sleep(1.5)
        load.mark("stop")
        try:
            stop()
            load.mark("stopped")
            time.sleep(down_seconds)
            load.mark("restart")
        finally:
            start()
        load.mark("started")
        time.sleep(SETTLE)
        load.mark("settled")
        time.sleep(2.0)
        load.stop()
        outage = load.between("stopped", "restart")
        after = load.between("settled", "end")
        report(label, [("before (done)", load.done_before("stop")),
                       ("stopping", load.overlapping("stop", "stopped")),
                       ("stopped", outage),
                       ("starting", load.between("restart", "started")),
                       (f"first {SETTLE:.0f}s after start", load.between("started", "settled")),
                       ("after", after)])
        self.assertEqual(failed(load.done_before("stop"))[:5], [])
        self.assertEqual(failed(load.results, ok=(200, 503))[:5], [], "only 200 or 503")
        self.assertGreater(len(outage), MIN_OUTAGE)
        self.assertEqual(failed(outage, ok=(503,))[:5], [], "503 while the server is down")
        slowest = max(r[1] - r[0] for r in load.results)
        self.assertLess(slowest, max_seconds, "503 quickly, nothing hangs")
        self.assertGreater(len(after), MIN_PHASE)
        self.assertEqual(failed(after)[:5], [], "200 again after the restart")
        self.assertEqual(self.st.service.pid, pid, "the same service throughout")


class DatabaseRestartTest(OutageCase):
    @classmethod
    def setUpClass(cls):
        if harness.session().dialect not in ("mariadb", "postgresql"):
            raise unittest.SkipTest("SQLite has no server to restart: --dialect postgresql")
        cls.server = harness.session().db_server
        cls.st = harness.session().stack("faults-db", config={"db_timeout": str(DB_TIMEOUT)})
        r = cls.st.get("/initdb/")
        if r.status != 200:
            raise harness.HarnessError(f"initdb: {r!r}")

    def test_database_restart_503_quickly_then_200(self):
        self.outage_under_load(f"{self.server.dialect} restart under load (db_timeout "
                               f"{DB_TIMEOUT}s)", self.server.stop, self.server.start,
                               ADDRESS, 3.0, MAX_DB_503)


class LdapRestartTest(OutageCase):
    @classmethod
    def setUpClass(cls):
        session = harness.session()
        if session.dialect != "sqlite":
            raise unittest.SkipTest("the LDAP tests run in the nginx + SQLite run")
        cls.directory = slapd.Slapd(os.path.join(session.root, "slapd-faults"))
        atexit.register(cls.directory.stop)
        cls.directory.start()
        d = cls.directory
        cls.st = session.stack("faults-ldap", config={"ldap_timeout": LDAP_TIMEOUT,
                                                      "ldap_network_timeout": LDAP_TIMEOUT})
        seed = {"version": 2, "provider": "Directory Example",
                "domains": [{"name": "example.com", "ldapserver_id": 1}],
                "servers": [{"type": "imap", "name": "imap.example.com"},
                            {"type": "smtp", "name": "smtp.example.com", "port": 587}],
                "ldapservers": [{"id": 1, "name": "127.0.0.1", "port": d.port, "use_ssl": False,
                                 "search_base": "ou=people," + slapd.SUFFIX,
                                 "bind_user": slapd.BIND_DN, "bind_password": slapd.BIND_PW}]}
        r = cls.st.post("/initdb/", json.dumps(seed), "application/json")
        if r.status != 200:
            raise harness.HarnessError(f"seeding: {r!r}")
        r = cls.st.get(AC_PATH + q(emailaddress=LDAP_ADDRESS))
        if r.status != 200 or b"jdoe" not in r.body:
            raise harness.HarnessError(f"LDAP lookup: {r!r}")

    @classmethod
    def tearDownClass(cls):
        cls.directory.stop()

    def test_directory_restart_503_quickly_then_200(self):
        self.outage_under_load(f"slapd restart under load (ldap timeouts {LDAP_TIMEOUT}s)",
                               self.directory.stop, self.directory.start, LDAP_ADDRESS, 2.0,
                               MAX_LDAP_503)


if __name__ == "__main__":
    unittest.main()
