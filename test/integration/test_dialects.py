"""MariaDB and PostgreSQL (issue 3): databases in automx2's exact schema written by raw
SQL, the in-place upgrade of an old schema, an outage of the database server under the
running service, and many parallel requests without leaked connections. Runs with
`run.py --dialect mariadb|postgresql`; skipped for SQLite (test_rawsql.py covers it)."""

import http.client
import threading
import os
import signal
import time
import unittest
import xml.etree.ElementTree as ET

import harness
import test_rawsql
from common import AC_PATH, q

DB_TIMEOUT = 2  # seconds, the db_timeout of the stacks below
# Issue 11: a timeout is answered, not retried: 503 within db_timeout + 0.5 s. (A stale
# session's single retry meets a stopped server's refusal at once.)
MAX_503_SECONDS = DB_TIMEOUT + 0.5


def network_dialect():
    return harness.session().dialect in ("mariadb", "postgresql")


def skip_unless_network_dialect(cls):
    orig = cls.setUpClass.__func__

    @classmethod
    def setUpClass(klass):
        if not network_dialect():
            raise unittest.SkipTest("MariaDB/PostgreSQL only")
        orig(klass)

    cls.setUpClass = setUpClass
    return cls


def servers_of(st, address):
    r = st.get(AC_PATH + q(emailaddress=address))
    if r.status != 200:
        return r.status, None
    prov = ET.fromstring(r.body).find("emailProvider")
    return 200, [(e.get("type"), e.find("hostname").text, e.find("port").text) for e in prov
                 if e.tag in ("incomingServer", "outgoingServer")]


@skip_unless_network_dialect
class DialectRawSqlDatabaseTest(test_rawsql.RawSqlDatabaseTest):
    """The checks of test_rawsql.py on automx2's schema as SQLAlchemy makes it on this
    dialect (fixtures/automx2.DIALECT.sql): tinyint(1)/BOOLEAN flags, NULL defaults."""

    @classmethod
    def setUpClass(cls):
        cls.st = harness.session().stack("d-rawsql", fixture="automx2")

    def test_initdb_keeps_existing_data(self):
        before = self.st.db_dump()
        r = self.st.get("/initdb/")
        self.assertEqual(r.status, 200, r)
        self.assertIn(b"Database already contains provider data", r.body)
        self.assertEqual(self.st.db_dump(), before)


@skip_unless_network_dialect
class DialectUpgradeTest(unittest.TestCase):
    """An automx2 database from before 2020 (no server.prio, no DAV tables), with data."""

    OLD_COLUMNS = "id, name, port, type, socket_type, user_name, authentication"

    @classmethod
    def setUpClass(cls):
        s = harness.session()
        # Built by hand so that the data can be read before the service first opens it.
        st = harness.Stack(s, "d-legacy", dialect=s.dialect, fixture="legacy")
        s.stacks[st.name] = st
        cls.before = {t: st.db_query(f"SELECT * FROM {t} ORDER BY 1, 2")
                      for t in ("provider", "domain", "server_domain")}
        cls.before_servers = st.db_query(f"SELECT {cls.OLD_COLUMNS} FROM server ORDER BY id")
        cls.tables_before = set(s.db_server.tables(st.db_name))
        st.start()
        cls.st = st

    def test_fixture_is_old(self):
        self.assertNotIn("davserver", self.tables_before)
        self.assertEqual(len(self.before_servers), 4)

    def test_upgraded_in_place_data_all_there(self):
        tables = set(harness.session().db_server.tables(self.st.db_name))
        self.assertTrue({"davserver", "davserver_domain"} <= tables, tables)
        for table, rows in self.before.items():
            self.assertEqual(self.st.db_query(f"SELECT * FROM {table} ORDER BY 1, 2"), rows, table)
        self.assertEqual(self.st.db_query(f"SELECT {self.OLD_COLUMNS} FROM server ORDER BY id"),
                         self.before_servers)
        self.assertEqual(self.st.db_query("SELECT id, prio FROM server ORDER BY id"),
                         [(1, 10), (2, 10), (3, 10), (4, 10)])
        with open(self.st.service_log, errors="replace") as f:
            log = f.read()
        self.assertIn("upgrading an older automx2 database", log)

    def test_served_after_upgrade(self):
        self.assertEqual(servers_of(self.st, "dave@legacy.example"),
                         (200, [("smtp", "smtp.legacy.example", "587"),
                                ("imap", "imap.legacy.example", "993")]))
        # Stored as 'Legacy2.Example': matched case-insensitively.
        self.assertEqual(servers_of(self.st, "dave@legacy2.example")[0], 200)
        self.assertEqual(servers_of(self.st, "eve@older.example"),
                         (200, [("pop3", "pop.older.example", "995"),
                                ("smtp", "smtp.older.example", "465")]))
        self.assertEqual(servers_of(self.st, "x@unknown.example"), (204, None))

    def test_schema_check_again_changes_nothing(self):
        dump = self.st.db_dump()
        r = self.st.get("/initdb/")  # ensures the schema again (SPEC §10)
        self.assertIn(b"Database already contains provider data", r.body)
        self.assertEqual(self.st.db_dump(), dump)


@skip_unless_network_dialect
class DialectOutageTest(unittest.TestCase):
    """The database server stops under the running service, then comes back."""

    @classmethod
    def setUpClass(cls):
        cls.server = harness.session().db_server
        cls.st = harness.session().stack("d-outage", threads=4,
                                         config={"db_timeout": str(DB_TIMEOUT)})
        r = cls.st.get("/initdb/")
        if r.status != 200:
            raise harness.HarnessError(f"initdb: {r!r}")

    def timed_status(self, address="alice@example.com"):
        t0 = time.monotonic()
        r = self.st.get(AC_PATH + q(emailaddress=address), timeout=30)
        return r, time.monotonic() - t0

    def test_restart_stale_session_retried_once_200(self):
        """A server restart while the service is idle leaves its pooled sessions stale:
        the next lookup finds its session broken at once and is tried again, once, on a
        new connection (not on the next stale session): 200, no 503."""
        pid = self.st.service.pid
        # Parallel requests open several pooled sessions, all stale after the restart.
        statuses = []

        def client():
            for _ in range(5):
                statuses.append(self.timed_status()[0].status)

        threads = [threading.Thread(target=client) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(set(statuses), {200}, statuses)
        self.server.restart()
        timings = []
        for _ in range(6):
            r, elapsed = self.timed_status()
            self.assertEqual(r.status, 200, r)
            timings.append(elapsed)
        print(f"\n  [{self.server.dialect}] after a restart: "
              f"{', '.join(f'{t:.2f}s' for t in timings)}", flush=True)
        self.assertLess(max(timings), MAX_503_SECONDS)
        self.assertEqual(self.st.service.pid, pid, "the service was not restarted")

    def test_stop_503_quickly_then_200_again_without_restart(self):
        pid = self.st.service.pid
        r, _ = self.timed_status()
        self.assertEqual(r.status, 200, r)
        self.server.stop()
        try:
            timings = []
            for _ in range(6):
                r, elapsed = self.timed_status()
                self.assertEqual(r.status, 503, r)
                self.assertIsNotNone(r.header("Retry-After"), r)
                self.assertLess(elapsed, MAX_503_SECONDS, "503 within db_timeout + 0.5 s")
                timings.append(elapsed)
            print(f"\n  [{self.server.dialect}] 503 while stopped: max {max(timings):.3f}s, "
                  f"mean {sum(timings) / len(timings):.3f}s", flush=True)
        finally:
            self.server.start()
        t0 = time.monotonic()
        statuses = []
        while time.monotonic() - t0 < 20:
            r, _ = self.timed_status()
            statuses.append(r.status)
            if r.status == 200:
                break
            time.sleep(0.2)
        self.assertEqual(statuses[-1], 200, statuses)
        print(f"  [{self.server.dialect}] 200 again {time.monotonic() - t0:.2f}s after the "
              f"restart, statuses {statuses}", flush=True)
        # Every worker's session was broken: each must recover on its own.
        for _ in range(12):
            r, _ = self.timed_status()
            self.assertEqual(r.status, 200, r)
        self.assertEqual(self.st.service.pid, pid, "the service was not restarted")
        self.assertIsNone(self.st.service.poll())


    def test_frozen_server_503_bounded_then_200(self):
        """A server that accepts but never answers (SIGSTOP) must not hold workers:
        MariaDB's read_timeout and, for libpq (no read timeout), the socket watchdog. The
        call that timed out is not tried again (issue 11): the first request meets a
        pooled session (read timeout), the next ones reconnect (connect timeout)."""
        r, _ = self.timed_status()
        self.assertEqual(r.status, 200, r)
        pids = self.server.pids()
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        try:
            timings = []
            for _ in range(3):
                r, elapsed = self.timed_status()
                self.assertEqual(r.status, 503, r)
                timings.append(elapsed)
            print(f"\n  [{self.server.dialect}] 503 while frozen: "
                  f"{', '.join(f'{t:.2f}s' for t in timings)}", flush=True)
            for elapsed in timings:
                self.assertLess(elapsed, MAX_503_SECONDS, "503 within db_timeout + 0.5 s")
        finally:
            for pid in pids:
                os.kill(pid, signal.SIGCONT)
        t0 = time.monotonic()
        statuses = []
        while time.monotonic() - t0 < 20:
            r, _ = self.timed_status()
            statuses.append(r.status)
            if r.status == 200:
                break
            time.sleep(0.2)
        self.assertEqual(statuses[-1], 200, statuses)


@skip_unless_network_dialect
class DialectConcurrencyTest(unittest.TestCase):
    """32 parallel clients for a few seconds: no errors, no leaked connections."""

    # Service worker threads, so at most this many database sessions; well above the
    # sample nginx's `keepalive 8` (each idle kept connection holds one thread).
    THREADS = 16
    CLIENTS = 32
    SECONDS = 3.0

    @classmethod
    def setUpClass(cls):
        cls.server = harness.session().db_server
        cls.st = harness.session().stack("d-concurrency", threads=cls.THREADS,
                                         config={"db_timeout": str(DB_TIMEOUT)})
        r = cls.st.get("/initdb/")
        if r.status != 200:
            raise harness.HarnessError(f"initdb: {r!r}")

    def burst(self):
        results, lock = {"ok": 0, "errors": []}, threading.Lock()
        deadline = time.monotonic() + self.SECONDS
        addresses = ["alice@example.com", "bob@other.example", "x@unknown.example"]

        def client(n):
            conn = None
            i = n
            while time.monotonic() < deadline:
                try:
                    if conn is None:
                        conn = http.client.HTTPConnection("127.0.0.1", self.st.port, timeout=15)
                    address = addresses[i % len(addresses)]
                    i += 1
                    conn.request("GET", AC_PATH + q(emailaddress=address),
                                 headers={"Host": "autoconfig.example.com"})
                    r = conn.getresponse()
                    r.read()
                    want = 204 if "unknown" in address else 200
                    with lock:
                        if r.status == want:
                            results["ok"] += 1
                        else:
                            results["errors"].append((address, r.status))
                    if r.getheader("Connection", "").lower() == "close":
                        conn.close()
                        conn = None
                except (OSError, http.client.HTTPException) as e:
                    with lock:
                        results["errors"].append(("exception", repr(e)))
                    if conn is not None:
                        conn.close()
                    conn = None
            if conn is not None:
                conn.close()

        threads = [threading.Thread(target=client, args=(n,)) for n in range(self.CLIENTS)]
        for t in threads:
            t.start()
        peak = 0
        while any(t.is_alive() for t in threads):
            peak = max(peak, self.server.connections(self.st.db_name))
            time.sleep(0.2)
        for t in threads:
            t.join()
        return results, peak

    def test_parallel_requests_no_errors_no_leaks(self):
        first, peak1 = self.burst()
        after1 = self.server.connections(self.st.db_name)
        second, peak2 = self.burst()
        after2 = self.server.connections(self.st.db_name)
        print(f"\n  [{self.server.dialect}] {self.CLIENTS} clients x {self.SECONDS:.0f}s x 2: "
              f"{first['ok']} + {second['ok']} answers; server-side connections peak "
              f"{peak1}/{peak2}, after each burst {after1}/{after2} "
              f"(service threads {self.THREADS})", flush=True)
        self.assertEqual(first["errors"][:5], [])
        self.assertEqual(second["errors"][:5], [])
        self.assertGreater(first["ok"], 100)
        self.assertGreater(second["ok"], 100)
        self.assertLessEqual(max(peak1, peak2, after1, after2), self.THREADS)
        self.assertGreater(after1, 0, "sessions are kept across requests")
        self.assertLessEqual(after2, after1, "no connection leaked between bursts")


if __name__ == "__main__":
    unittest.main()
