"""The management API in operation (SPEC §15, issue 12): the export streams with flat
memory, a change is served at once by every instance on one database, nginx's fence and
admin_allowed_from refuse other source addresses, tokens expire, and a database server
killed mid-import leaves exactly the old state (503 while it is down, 200 after)."""

import hashlib
import http.client
import json
import os
import socket
import subprocess
import threading
import time
import unittest

import harness
from common import AC_PATH, q

JSON = "application/json"
PROBLEM = "application/problem+json"
TOKEN = "ops-token-for-tests-0123456789abcdef"
EXPIRED = "ops-expired-token-0123456789abcdef"
LATER = "ops-later-token-0123456789abcdef"
DOMAIN = {"provider": {"name": "Ops Hosting", "short_name": "Ops"},
          "servers": [{"type": "imap", "name": "imap.ops.example", "port": 993}],
          "davservers": [], "ldapserver": None}


def behind_apache():
    """run.py --web apache: mod_fcgid owns the service processes (no pid, one upstream)."""
    return type(harness.session()).__name__ == "ApacheSession"


def tokens_file():
    path = os.path.join(harness.session().root, "ops-tokens")
    if not os.path.exists(path):
        with open(path, "w") as f:
            f.write(f"ops:{hashlib.sha256(TOKEN.encode()).hexdigest()}\n"
                    f"old:{hashlib.sha256(EXPIRED.encode()).hexdigest()} "
                    "expires=2020-01-31T23:59:59Z\n"
                    f"later:{hashlib.sha256(LATER.encode()).hexdigest()} "
                    "expires=2999-12-31T23:59:59Z\n")
    return path


def call(st, method, path, body=None, token=TOKEN, timeout=60, source=None):
    headers = {"Authorization": "Bearer " + token} if token else {}
    if body is not None:
        headers["Content-Type"] = JSON
        body = body if isinstance(body, (str, bytes)) else json.dumps(body)
    if source is None:
        return st.request(method, path, body=body, headers=headers, timeout=timeout)
    # From another loopback source address (127.0.0.2), to nginx on 127.0.0.1.
    conn = http.client.HTTPConnection("127.0.0.1", st.port, timeout=timeout,
                                      source_address=(source, 0))
    try:
        conn.request(method, path, body=body, headers={"Host": "autoconfig.example.com",
                                                       **headers})
        r = conn.getresponse()
        return harness.Response(r.status, r.getheaders(), r.read())
    finally:
        conn.close()


def vm_hwm_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM")


def bulk_insert(st, providers, per_provider, first_id=1_000_000):
    """providers x per_provider domains, one IMAP server per provider, straight in SQL."""
    prov, dom, srv, link = [], [], [], []
    for p in range(providers):
        pid = first_id + p
        prov.append((pid, f"Bulk Provider {p}", "Bulk"))
        srv.append((pid, 10, f"imap{p}.bulk.test", 993, "imap", "SSL", "%EMAILADDRESS%",
                    "plain"))
        for d in range(per_provider):
            did = first_id + p * per_provider + d
            dom.append((did, f"b{p}-{d}.bulk.test", pid))
            link.append((pid, did))
    statements = [
        ("INSERT INTO provider (id, name, short_name) VALUES (?, ?, ?)", prov),
        ("INSERT INTO server (id, prio, name, port, type, socket_type, user_name, "
         "authentication) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", srv),
        ("INSERT INTO domain (id, name, provider_id) VALUES (?, ?, ?)", dom),
        ("INSERT INTO server_domain (server_id, domain_id) VALUES (?, ?)", link)]
    if st.dialect == "sqlite":
        import sqlite3
        con = sqlite3.connect(st.db_path, timeout=30)
    else:
        con = st.session.db_server.connect_as_owner(st.db_name)
    try:
        cur = con.cursor()
        for sql, rows in statements:
            if st.dialect != "sqlite":
                sql = sql.replace("?", "%s")
            for i in range(0, len(rows), 5000):
                cur.executemany(sql, rows[i:i + 5000])
        con.commit()
    finally:
        con.close()


class ExportStreamTest(unittest.TestCase):
    DOMAINS = 200_000

    @classmethod
    def setUpClass(cls):
        if behind_apache():
            raise unittest.SkipTest("measures the service process, which mod_fcgid owns")
        if harness.sanitized(harness.session().binary):
            raise unittest.SkipTest("memory figures of a sanitizer build are its quarantine's")
        cls.st = harness.session().stack("api-stream", config={
            "admin_tokens_file": tokens_file()}, threads=4)

    def test_export_memory_stays_flat(self):
        st = self.st
        self.assertEqual(st.get("/initdb/").status, 200)
        small = call(st, "GET", "/api/v1/export")
        self.assertEqual(small.status, 200, small)
        self.assertIsNone(small.header("Content-Length"), "streamed, no length up front")
        sample = sum(len(s["domains"]) for s in json.loads(small.body)["seeds"])
        self.assertGreater(sample, 0)
        bulk_insert(st, self.DOMAINS // 100, 100)
        pid = st.service.pid
        call(st, "GET", "/api/v1/domains?limit=5")
        before = vm_hwm_kib(pid)
        started = time.monotonic()
        r = call(st, "GET", "/api/v1/export", timeout=600)
        seconds = time.monotonic() - started
        after = vm_hwm_kib(pid)
        self.assertEqual(r.status, 200, r)
        doc = json.loads(r.body)
        names = sum(len(s["domains"]) for s in doc["seeds"])
        self.assertEqual(names, self.DOMAINS + sample, "every domain, the sample's included")
        grown = (after - before) / 1024
        body = len(r.body) / (1 << 20)
        print(f"\n    export of {names:,} domains over HTTP: {body:.1f} MiB in {seconds:.1f} s; "
              f"service VmHWM {before / 1024:.1f} -> {after / 1024:.1f} MiB "
              f"(+{grown:.1f} MiB)", flush=True)
        # The body held whole would raise the peak by at least its own size.
        self.assertLess(grown, min(8.0, body / 3), "export memory grows with the domains")


class TwoInstancesTest(unittest.TestCase):
    """Two service instances on one database behind one nginx upstream."""

    @classmethod
    def setUpClass(cls):
        if behind_apache():
            raise unittest.SkipTest("two instances behind one nginx upstream")
        cls.st = harness.session().stack("api-pair", kind=harness.MultiStack, instances=2,
                                         config={"admin_tokens_file": tokens_file()})

    def autoconfig_on_each(self, address):
        return [harness.fastcgi_get(inst.socket_path, AC_PATH,
                                    q(emailaddress=address)[1:]) for inst in self.st.instances]

    def test_change_served_at_once_by_every_instance(self):
        for round_ in range(4):  # nginx spreads the writes over both instances
            name = f"pair{round_}.example"
            server = f"imap{round_}.ops.example"
            body = json.loads(json.dumps(DOMAIN))
            body["servers"][0]["name"] = server
            r = call(self.st, "PUT", f"/api/v1/domains/{name}", body)
            self.assertEqual(r.status, 201, r)
            for index, (status, doc) in enumerate(self.autoconfig_on_each("a@" + name)):
                self.assertEqual(status, 200, (index, doc[:200]))
                self.assertIn(server.encode(), doc, f"instance {index} after PUT")
            body["servers"][0]["name"] = "changed." + server
            r = call(self.st, "PUT", f"/api/v1/domains/{name}", body)
            self.assertEqual(r.status, 200, r)
            for index, (status, doc) in enumerate(self.autoconfig_on_each("a@" + name)):
                self.assertIn(b"changed." + server.encode(), doc, f"instance {index} after change")
            self.assertEqual(call(self.st, "DELETE", f"/api/v1/domains/{name}").status, 204)
            for index, (status, _) in enumerate(self.autoconfig_on_each("a@" + name)):
                self.assertEqual(status, 204, f"instance {index} after DELETE")
        served = {tuple(e[2]) for e in self.st.access_entries() if e[2]}
        self.assertGreater(len(served), 1, "both instances took requests")


class FenceTest(unittest.TestCase):
    """The sample nginx configuration's /api/ fence and the service's admin_allowed_from,
    met from real loopback source addresses."""

    @classmethod
    def setUpClass(cls):
        try:
            with socket.socket() as s:
                s.bind(("127.0.0.2", 0))
        except OSError:
            raise unittest.SkipTest("cannot bind 127.0.0.2")
        cls.open = harness.session().stack("api-fence", config={
            "admin_tokens_file": tokens_file(), "admin_allowed_from": "127.0.0.0/8"})
        cls.narrow = harness.session().stack("api-fence-narrow", config={
            "admin_tokens_file": tokens_file(), "admin_allowed_from": "127.0.0.2"})

    def test_nginx_refuses_other_sources(self):
        if behind_apache():
            # Apache's sample says "Require local", which admits all of 127.0.0.0/8.
            self.skipTest("the nginx sample's fence")
        ok = call(self.open, "GET", "/api/v1/domains")
        self.assertEqual(ok.status, 200, ok)
        log_before = os.path.getsize(self.open.service_log)
        for path in ("/api/v1/domains", "/API/v1/export", "/api", "/api/v1/openapi.json"):
            r = call(self.open, "GET", path, source="127.0.0.2")
            self.assertEqual(r.status, 403, (path, r))
            self.assertNotEqual(r.media_type, PROBLEM, "nginx's own 403, not the service's")
        r = call(self.open, "PUT", "/api/v1/domains/fence.example", DOMAIN, source="127.0.0.2")
        self.assertEqual(r.status, 403, r)
        with open(self.open.service_log, errors="replace") as f:
            f.seek(log_before)
            self.assertNotIn("fence.example", f.read(), "the service never saw the request")
        self.assertEqual(call(self.open, "GET", "/api/v1/domains/fence.example").status, 404)
        # The protocols stay open to every source.
        r = call(self.open, "GET", AC_PATH + q(emailaddress="a@example.com"), token=None,
                 source="127.0.0.2")
        self.assertNotEqual(r.status, 403, r)

    def test_service_refuses_a_source_nginx_lets_through(self):
        r = call(self.narrow, "GET", "/api/v1/domains")  # from 127.0.0.1: nginx allows it
        self.assertEqual(r.status, 403, r)
        self.assertEqual(r.media_type, PROBLEM, "the service's 403")
        self.assertIn("refused for client 127.0.0.1", self.narrow.log_text())


class TokenExpiryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.st = harness.session().stack("api-expiry", config={
            "admin_tokens_file": tokens_file()})

    def test_expired_token_401_and_logged(self):
        r = call(self.st, "GET", "/api/v1/domains", token=EXPIRED)
        self.assertEqual(r.status, 401, r)
        self.assertEqual(r.media_type, PROBLEM)
        self.assertTrue(r.header("WWW-Authenticate").startswith("Bearer"))
        self.assertIn("expired", json.loads(r.body)["detail"])
        self.assertIn("token old has expired", self.st.log_text())
        self.assertNotIn(EXPIRED, self.st.log_text())
        r = call(self.st, "GET", "/api/v1/domains", token=LATER)
        self.assertEqual(r.status, 200, r)

    def test_token_add_expires(self):
        path = os.path.join(self.st.dir, "added-tokens")
        config = os.path.join(self.st.dir, "token-add.conf")
        with open(config, "w") as f:
            f.write(f"[automx2]\ndb_uri = sqlite:///{self.st.dir}/unused.sqlite\n"
                    f"admin_tokens_file = {path}\n")
        binary = harness.session().binary

        def run(*args):
            return subprocess.run([binary, "--config", config, "token", "add", *args],
                                  capture_output=True, text=True, timeout=30)

        done = run("in30", "--expires", "30")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("expires", done.stderr)
        done = run("until", "--expires", "2999-01-31")
        self.assertEqual(done.returncode, 0, done.stderr)
        for bad in ("2000-01-01", "0", "tomorrow", "2999-13-01"):
            done = run("bad" + bad.replace("-", ""), "--expires", bad)
            self.assertEqual(done.returncode, 2, (bad, done.stderr))
        with open(path) as f:
            lines = f.read().splitlines()
        self.assertEqual(len(lines), 2, lines)
        self.assertRegex(lines[0], r"^in30:[0-9a-f]{64} expires=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertTrue(lines[1].endswith(" expires=2999-01-31T23:59:59Z"), lines[1])


class KilledDatabaseTest(unittest.TestCase):
    """kill -9 of the database server while a large import runs through the API."""

    DOMAINS = 40_000

    @classmethod
    def setUpClass(cls):
        if harness.session().dialect not in ("mariadb", "postgresql"):
            raise unittest.SkipTest("SQLite has no server to kill: --dialect postgresql")
        cls.server = harness.session().db_server
        cls.st = harness.session().stack("api-killed", config={
            "admin_tokens_file": tokens_file(), "db_timeout": "3"})

    def kill_server(self):
        for pid in self.server.pids():
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass
        self.server.proc.wait(30)
        self.server.proc = None

    def written_uncommitted(self):
        """Whether the import's open transaction has written rows yet."""
        if self.server.dialect == "postgresql":
            return self.server.admin(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND "
                "backend_xid IS NOT NULL", (self.st.db_name,))[0][0] > 0
        con = self.server.connect(self.st.db_name)
        try:
            cur = con.cursor()
            cur.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ UNCOMMITTED")
            cur.execute("SELECT COUNT(*) FROM domain WHERE name LIKE %s", ("%.killed.test",))
            return cur.fetchall()[0][0] > 0
        finally:
            con.close()

    def wait_for_open_write(self, thread, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and thread.is_alive():
            if self.written_uncommitted():
                return True
            time.sleep(0.05)
        return False

    def test_kill_9_mid_import(self):
        st = self.st
        self.assertEqual(st.get("/initdb/").status, 200)
        # The test servers trade durability for speed (MariaDB flushes its log once a
        # second, PostgreSQL commits asynchronously): let the sample's commit reach the
        # log before the kill, or the restart rightly forgets it.
        time.sleep(2.5)
        before = st.db_dump()
        seeds = [{"version": 2, "provider": f"Killed {s}",
                  "domains": [{"name": f"k{s}-{d}.killed.test"} for d in range(100)],
                  "servers": [{"type": "imap", "name": f"imap{s}.killed.test"}]}
                 for s in range(self.DOMAINS // 100)]
        result = {}

        def post():
            try:
                result["r"] = call(st, "POST", "/api/v1/import", seeds, timeout=120)
            except Exception as e:  # noqa: BLE001 - recorded and asserted below
                result["error"] = e

        thread = threading.Thread(target=post)
        started = time.monotonic()
        thread.start()
        # Killed once the import's write transaction has written rows.
        self.assertTrue(self.wait_for_open_write(thread), f"no write transaction seen: {result}")
        self.assertTrue(thread.is_alive(), f"the import ended before the kill: {result}")
        self.kill_server()
        killed_at = time.monotonic() - started
        try:
            thread.join(60)
            self.assertFalse(thread.is_alive(), "the import hangs")
            self.assertNotIn("error", result)
            self.assertEqual(result["r"].status, 503, result["r"])
            self.assertEqual(result["r"].media_type, PROBLEM)
            down = [call(st, "GET", AC_PATH + q(emailaddress="a@example.com"), token=None),
                    call(st, "GET", "/api/v1/domains"),
                    call(st, "PUT", "/api/v1/domains/down.example", DOMAIN)]
            self.assertEqual([r.status for r in down], [503, 503, 503], down)
        finally:
            if self.server.proc is None:
                self.server.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            r = call(st, "GET", AC_PATH + q(emailaddress="a@example.com"), token=None)
            if r.status == 200:
                break
            time.sleep(0.5)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(st.db_dump(), before, "exactly the old state: one transaction")
        if not behind_apache():
            self.assertEqual(st.service.poll(), None, "the service runs on")
        print(f"\n    {self.server.dialect}: killed {killed_at:.1f} s into an import of "
              f"{self.DOMAINS:,} domains: 503, old state kept, 200 after restart", flush=True)
        r = call(st, "POST", "/api/v1/import", seeds[:3])
        self.assertEqual(r.status, 200, r)
