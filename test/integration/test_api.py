"""The management API (SPEC §15): access, domains, list, export, import, ETags, errors.
Runs on every dialect (run.py --dialect) and behind nginx or Apache (--web)."""

import hashlib
import json
import os
import re
import threading
import time
import unittest

import harness
from common import (AC_PATH, AD_PATH, MC_PATH, MOBILESYNC_NS, autodiscover_body,
                    normalise_error_601, q)

JSON = "application/json"
PROBLEM = "application/problem+json"
TOKEN = "s3cret-token-for-tests-0123456789"
SAMPLE_DOMAINS = ["example.com", "example.net", "example.org", "other.example",
                  "serverless.example", "broken.example", "groupware.example"]
_UUID = re.compile(rb"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")

DOMAIN = {
    "provider": {"name": "Api Hosting Ltd", "short_name": "Api"},
    "servers": [{"type": "imap", "name": "imap.api.example", "port": 993},
                {"type": "smtp", "name": "smtp.api.example", "port": 587,
                 "socket_type": "STARTTLS", "prio": 5}],
    "davservers": [{"type": "caldav", "url": "https://dav.api.example/cal/"}],
    "ldapserver": None,
}


_TOKENS = []


def tokens_file():
    """A token file beside the session's stacks (the service reads it at each request)."""
    if not _TOKENS:
        path = os.path.join(harness.session().root, "admin-tokens")
        with open(path, "w") as f:
            f.write("# test tokens\nci:" + hashlib.sha256(TOKEN.encode()).hexdigest() + "\n")
        _TOKENS.append(path)
    return _TOKENS[0]


def stack_for(name, **config):
    st = harness.session().stack(name, config=dict(config))
    return st


class ApiBase(unittest.TestCase):
    maxDiff = None
    name = "api"
    config = {}

    @classmethod
    def setUpClass(cls):
        cls.st = harness.session().stack(cls.name, config={"admin_tokens_file": tokens_file(),
                                                            **cls.config})

    def call(self, method, path, body=None, token=TOKEN, content_type=JSON, headers=None):
        hdrs = dict(headers or {})
        if token is not None:
            hdrs["Authorization"] = "Bearer " + token
        if body is not None:
            hdrs["Content-Type"] = content_type
            if not isinstance(body, (str, bytes)):
                body = json.dumps(body)
        return self.st.request(method, path, body=body, headers=hdrs)

    def problem(self, r, status):
        self.assertEqual(r.status, status, r)
        self.assertEqual(r.media_type, PROBLEM, r)
        doc = json.loads(r.body)
        self.assertEqual(doc["status"], status)
        for key in ("type", "title", "detail"):
            self.assertIn(key, doc)
        return doc

    def purge(self):
        self.assertEqual(self.st.request("DELETE", "/initdb/").status, 200)


class ApiAccessTest(ApiBase):
    def test_off_without_tokens_file(self):
        st = stack_for("api-off")
        r = st.get("/api/v1/domains", headers={"Authorization": "Bearer " + TOKEN})
        self.assertEqual(r.status, 404, r)

    def test_missing_and_wrong_token(self):
        for token in (None, "wrong", TOKEN + "x", ""):
            r = self.call("GET", "/api/v1/domains", token=token)
            self.problem(r, 401)
            self.assertTrue(r.header("WWW-Authenticate").startswith("Bearer"), r)
        r = self.st.get("/api/v1/domains", headers={"Authorization": "Basic " + TOKEN})
        self.problem(r, 401)

    def test_other_client_gets_403(self):
        st = harness.session().stack("api-403", config={"admin_tokens_file": "/nonexistent",
                                                         "admin_allowed_from": "192.0.2.1"})
        r = st.get("/api/v1/domains", headers={"Authorization": "Bearer " + TOKEN})
        self.assertEqual(r.status, 403, r)
        self.assertEqual(r.media_type, PROBLEM)

    def test_token_never_logged(self):
        self.call("GET", "/api/v1/domains")
        self.call("PUT", "/api/v1/domains/logged.example", DOMAIN)
        self.assertNotIn(TOKEN, self.st.log_text())
        self.assertIn("by token ci", self.st.log_text())

    def test_openapi_served(self):
        r = self.call("GET", "/api/v1/openapi.json", token=None)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(json.loads(r.body)["openapi"], "3.1.0")

    def test_unknown_route_and_method(self):
        self.problem(self.call("GET", "/api/v1/nothing"), 404)
        r = self.call("POST", "/api/v1/domains/x.example", DOMAIN)
        self.problem(r, 405)
        self.assertIn("PUT", r.header("Allow"))


class ApiDomainTest(ApiBase):
    def setUp(self):
        self.purge()

    def test_put_get_delete(self):
        r = self.call("PUT", "/api/v1/domains/New.Example", DOMAIN)
        self.assertEqual(r.status, 201, r)
        view = json.loads(r.body)
        self.assertEqual(view["name"], "new.example")
        self.assertEqual([s["name"] for s in view["servers"]],
                         ["smtp.api.example", "imap.api.example"], "prio, then id")
        self.assertEqual(view["servers"][1]["socket_type"], "SSL")
        self.assertEqual(view["davservers"][0]["use_ssl"], True)
        etag = r.header("ETag")
        self.assertTrue(etag.startswith('"'))
        r = self.call("GET", "/api/v1/domains/NEW.example")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("ETag"), etag)
        self.assertEqual(json.loads(r.body), view)
        # Served at once.
        r = self.st.get(AC_PATH + q(emailaddress="a@new.example"))
        self.assertEqual(r.status, 200, r)
        self.assertIn(b"imap.api.example", r.body)
        # The same again: 200, unchanged state, same ETag.
        r = self.call("PUT", "/api/v1/domains/new.example", DOMAIN)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("ETag"), etag)
        r = self.call("DELETE", "/api/v1/domains/new.example")
        self.assertEqual(r.status, 204, r)
        self.problem(self.call("DELETE", "/api/v1/domains/new.example"), 404)
        self.problem(self.call("GET", "/api/v1/domains/new.example"), 404)
        self.assertEqual(self.st.get(AC_PATH + q(emailaddress="a@new.example")).status, 204)
        dump = self.st.db_dump()
        for table in ("provider", "domain", "server", "davserver", "server_domain",
                      "davserver_domain"):
            self.assertEqual(dump[table], [], f"{table}: orphans removed")

    def test_identical_servers_reused_orphans_removed(self):
        self.call("PUT", "/api/v1/domains/a.example", DOMAIN)
        self.call("PUT", "/api/v1/domains/b.example", DOMAIN)
        dump = self.st.db_dump()
        self.assertEqual(len(dump["server"]), 2)
        self.assertEqual(len(dump["davserver"]), 1)
        self.assertEqual(len(dump["provider"]), 1)
        changed = json.loads(json.dumps(DOMAIN))
        changed["servers"][0]["port"] = 143
        changed["provider"] = {"name": "Other Host"}
        r = self.call("PUT", "/api/v1/domains/b.example", changed)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(json.loads(r.body)["provider"], {"name": "Other Host",
                                                          "short_name": "Other"})
        self.assertEqual(len(self.st.db_dump()["server"]), 3)
        self.call("DELETE", "/api/v1/domains/a.example")
        dump = self.st.db_dump()
        self.assertEqual(len(dump["server"]), 2, "a's own imap row went")
        self.assertEqual(len(dump["provider"]), 1)

    def test_if_match(self):
        r = self.call("PUT", "/api/v1/domains/m.example", DOMAIN)
        etag = r.header("ETag")
        changed = json.loads(json.dumps(DOMAIN))
        changed["servers"][0]["port"] = 143
        r = self.call("PUT", "/api/v1/domains/m.example", changed, headers={"If-Match": etag})
        self.assertEqual(r.status, 200, r)
        before = self.st.db_dump()
        r = self.call("PUT", "/api/v1/domains/m.example", DOMAIN, headers={"If-Match": etag})
        self.problem(r, 412)
        self.problem(self.call("DELETE", "/api/v1/domains/m.example",
                               headers={"If-Match": etag}), 412)
        self.assertEqual(self.st.db_dump(), before)
        self.problem(self.call("PUT", "/api/v1/domains/none.example", DOMAIN,
                               headers={"If-Match": "*"}), 412)

    def test_two_clients_one_412(self):
        etag = self.call("PUT", "/api/v1/domains/race.example", DOMAIN).header("ETag")
        results = []

        def update(port):
            body = json.loads(json.dumps(DOMAIN))
            body["servers"][0]["port"] = port
            r = self.call("PUT", "/api/v1/domains/race.example", body, headers={"If-Match": etag})
            results.append((r.status, port))

        threads = [threading.Thread(target=update, args=(p,)) for p in (143, 1143)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(sorted(s for s, _ in results), [200, 412], results)
        winner = [p for s, p in results if s == 200][0]
        view = json.loads(self.call("GET", "/api/v1/domains/race.example").body)
        self.assertIn(winner, [s["port"] for s in view["servers"]])

    def test_bad_input_changes_nothing(self):
        self.call("PUT", "/api/v1/domains/keep.example", DOMAIN)
        before = self.st.db_dump()

        def variant(path, value):
            body = json.loads(json.dumps(DOMAIN))
            target = body
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value
            return body

        cases = {
            "malformed": ("{not json", ""),
            "not an object": ([1, 2], ""),
            "port as string": (variant(["servers", 0, "port"], "993"), "/servers/0/port"),
            "port 0": (variant(["servers", 0, "port"], 0), "/servers/0/port"),
            "unknown type": (variant(["servers", 0, "type"], "exchange"), "/servers/0/type"),
            "dav in servers": (variant(["servers", 0], {"type": "caldav", "url": "https://x/"}),
                               "/servers"),
            "unknown auth": (variant(["servers", 0, "authentication"], "magic"),
                             "/servers/0/authentication"),
            "unknown socket": (variant(["servers", 0, "socket_type"], "TLS"),
                               "/servers/0/socket_type"),
            "provider missing": ({"servers": []}, "/provider"),
            "provider name number": (variant(["provider", "name"], 5), "/provider/name"),
            "ldap unknown": (variant(["ldapserver"], {"id": 99}), ""),
            "ldap wrong": (variant(["ldapserver"], {"id": "1"}), "/ldapserver/id"),
        }
        for label, (body, pointer) in cases.items():
            with self.subTest(label):
                r = self.call("PUT", "/api/v1/domains/keep.example", body)
                doc = self.problem(r, 400)
                if pointer:
                    self.assertIn(pointer, [e["pointer"] for e in doc.get("errors", [])], doc)
        self.problem(self.call("PUT", "/api/v1/domains/bad_domain!", DOMAIN), 400)
        self.problem(self.call("PUT", "/api/v1/domains/keep.example", DOMAIN,
                               content_type="text/plain"), 415)
        self.assertEqual(self.st.db_dump(), before)

    def test_idn_in_a_labels(self):
        r = self.call("PUT", "/api/v1/domains/b%C3%BCcher.example", DOMAIN)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(json.loads(r.body)["name"], "xn--bcher-kva.example")

    def test_list_keyset(self):
        for i in range(25):
            self.call("PUT", f"/api/v1/domains/d{i:02}.example", DOMAIN)
        self.call("PUT", "/api/v1/domains/other.test", DOMAIN)
        names, after = [], ""
        while True:
            r = self.call("GET", "/api/v1/domains" + q(prefix="d", limit=10, after=after))
            self.assertEqual(r.status, 200, r)
            page = json.loads(r.body)
            names += [d["name"] for d in page["domains"]]
            self.assertTrue(all(d["provider"] == "Api Hosting Ltd" for d in page["domains"]))
            if page["next"] is None:
                break
            after = page["next"]
        self.assertEqual(names, [f"d{i:02}.example" for i in range(25)])
        self.problem(self.call("GET", "/api/v1/domains?limit=1001"), 400)
        self.problem(self.call("GET", "/api/v1/domains?limit=x"), 400)


class ApiImportTest(ApiBase):
    def setUp(self):
        self.purge()

    def export(self):
        r = self.call("GET", "/api/v1/export")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.media_type, JSON)
        return json.loads(r.body)

    def answers(self):
        out = {}
        for domain in SAMPLE_DOMAINS:
            address = "alice@" + domain
            for label, r in (
                    ("ac", self.st.get(AC_PATH + q(emailaddress=address))),
                    ("ad", self.st.post(AD_PATH, autodiscover_body(address), "text/xml")),
                    # SPEC §16: the ActiveSync URL, or error 601 (its time and id vary).
                    ("as", self.st.post(AD_PATH, autodiscover_body(address, schema=MOBILESYNC_NS),
                                        "text/xml")),
                    ("mc", self.st.get(MC_PATH + q(emailaddress=address)))):
                out[(domain, label)] = (r.status, normalise_error_601(_UUID.sub(b"UUID", r.body)))
        return out

    def test_round_trip(self):
        """Every sample domain: byte-identical answers (UUIDs aside; Autoconfig's
        id="automx2-N" included, the export carries the provider ids), except the server
        the import would refuse, which the export leaves out and names under "skipped"."""
        self.assertEqual(self.st.get("/initdb/").status, 200)
        before = self.answers()
        doc = self.export()
        self.assertEqual(doc["version"], 2)
        self.assertNotIn("bind_password", json.dumps(doc))
        self.assertEqual([(s["server"]["type"], s["server"]["name"], s["domains"])
                          for s in doc["skipped"]],
                         [("exchange", "ex.broken.example", ["broken.example"])])
        self.assertIn("unknown server type", doc["skipped"][0]["reason"])
        self.assertIn("left out a server of provider Broken Config Corp.", self.st.log_text())
        self.assertTrue(all(s["provider_id"] >= 1 for s in doc["seeds"]))
        # Sequences that a purge does not reset (PostgreSQL, MariaDB) or reused ids: the
        # import must restore the exported ids either way.
        self.purge()
        self.call("PUT", "/api/v1/domains/burn.example", DOMAIN)
        self.purge()
        r = self.call("POST", "/api/v1/import", doc)
        self.assertEqual(r.status, 200, r)
        result = json.loads(r.body)
        self.assertEqual(sorted(result["created"]), sorted(SAMPLE_DOMAINS))
        after = self.answers()
        for key, value in before.items():
            if key[0] != "broken.example":
                self.assertEqual(after[key], value, key)
        # broken.example answered 400 (its exchange server); now Autoconfig and
        # Autodiscover serve the server that remains. Mobileconfig stays 400: a profile
        # needs an SMTP server, and broken.example has none.
        for label in ("ac", "ad", "mc"):
            self.assertEqual(before[("broken.example", label)][0], 400, label)
        for label in ("ac", "ad"):
            status, body = after[("broken.example", label)]
            self.assertEqual(status, 200, (label, body[:300]))
            self.assertIn(b"imap.broken.example", body, label)
            self.assertNotIn(b"ex.broken.example", body, label)
        self.assertEqual(after[("broken.example", "mc")][0], 400)
        self.assertIn(b"no SMTP server", after[("broken.example", "mc")][1])
        again = self.export()
        self.assertNotIn("skipped", again)
        r = self.call("POST", "/api/v1/import", again)
        result = json.loads(r.body)
        self.assertEqual(result["created"] + result["replaced"] + result["removed"], [])
        self.assertEqual(len(result["unchanged"]), len(SAMPLE_DOMAINS))
        # A new provider takes an id after the imported ones (PostgreSQL's sequence is
        # moved past them; it would collide otherwise).
        r = self.call("PUT", "/api/v1/domains/next.example", DOMAIN)
        self.assertEqual(r.status, 201, r)
        ids = [row[0] for row in self.st.db_query("SELECT id FROM provider ORDER BY id")]
        self.assertEqual(len(ids), len(set(ids)))
        self.assertGreater(ids[-1], max(s["provider_id"] for s in doc["seeds"]), ids)

    def test_dry_run_and_prune(self):
        self.st.get("/initdb/")
        before = self.st.db_dump()
        seed = {"version": 2, "provider": "Only Provider", "domains": [{"name": "only.example"}],
                "servers": [{"type": "imap", "name": "imap.only.example"}]}
        r = self.call("POST", "/api/v1/import?dry_run=1&prune=1", seed)
        self.assertEqual(r.status, 200, r)
        result = json.loads(r.body)
        self.assertTrue(result["dry_run"])
        self.assertEqual(result["created"], ["only.example"])
        self.assertEqual(sorted(result["removed"]), sorted(SAMPLE_DOMAINS))
        self.assertEqual(self.st.db_dump(), before, "dry_run changes nothing")
        r = self.call("POST", "/api/v1/import?prune=1", seed)
        self.assertEqual(sorted(json.loads(r.body)["removed"]), sorted(SAMPLE_DOMAINS))
        dump = self.st.db_dump()
        self.assertEqual([d[1] for d in dump["domain"]], ["only.example"])
        self.assertEqual(len(dump["server"]), 1)
        self.assertEqual(len(dump["provider"]), 1)

    def test_failing_import_leaves_database(self):
        self.st.get("/initdb/")
        before = self.st.db_dump()
        good = {"provider": "Legacy", "domains": ["l1.example"],
                "servers": [{"type": "imap", "name": "i.l.example"}]}
        bad = {"version": 2, "provider": "P", "domains": [{"name": "l2.example"}],
               "servers": [{"type": "imap", "name": "i", "port": 70000}]}
        doc = self.problem(self.call("POST", "/api/v1/import", [good, bad]), 400)
        self.assertIn("/1/servers/0/port", [e["pointer"] for e in doc["errors"]])
        # A conflict found only while writing (an LDAP server no one has) rolls back too.
        late = {"version": 2, "provider": "P", "domains": [{"name": "l3.example",
                                                             "ldapserver_id": 4242}],
                "servers": []}
        self.problem(self.call("POST", "/api/v1/import", [good, late]), 400)
        self.assertEqual(self.st.db_dump(), before)
        self.problem(self.call("POST", "/api/v1/import", good, content_type="text/plain"), 415)

    def test_parallel_disjoint_imports(self):
        def seed(n):
            return {"version": 2, "provider": f"Parallel {n}",
                    "domains": [{"name": f"p{n}-{i}.example"} for i in range(20)],
                    "servers": [{"type": "imap", "name": f"imap{n}.example"},
                                {"type": "smtp", "name": "smtp.shared.example"}]}
        statuses = []
        threads = [threading.Thread(target=lambda n=n: statuses.append(
            self.call("POST", "/api/v1/import", seed(n)).status)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(statuses, [200] * 8)
        names = {d[1] for d in self.st.db_dump()["domain"]}
        self.assertEqual(len(names), 160)


class ApiLimitsTest(ApiBase):
    name = "api-limits"
    config = {"max_admin_body_size": "1000"}

    def test_oversized_body_413(self):
        r = self.call("POST", "/api/v1/import", "[" + " " * 2000 + "]")
        self.problem(r, 413)


OPENAPI = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "templates", "openapi.json")


class UnreachableDatabaseStack(harness.Stack):
    """A stack whose database cannot be reached: ready once nginx and the service answer
    at all (503 included)."""

    def _wait_ready(self):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if self.request("GET", "/", timeout=2).status == 503:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise harness.HarnessError(f"[{self.name}] never answered")


class ApiDescriptionTest(ApiBase):
    """Every route and status of templates/openapi.json, provoked and compared: a status
    the description names must be one the service gives, and the other way round."""

    def setUp(self):
        self.purge()
        self.call("PUT", "/api/v1/domains/doc.example", DOMAIN)

    def provoke(self, path, method, status):
        """The request that gets `status` from `method path` (None: no way to provoke)."""
        domain = path.replace("{name}", "doc.example")
        body = DOMAIN if method == "PUT" else (
            {"provider": "Doc", "domains": ["doc2.example"], "servers": []}
            if method == "POST" else None)
        if status in (200, 204) or (status == 201 and method == "PUT"):
            if status == 201:
                domain = path.replace("{name}", "fresh.example")
            return self.call(method, domain, body, token=None if "openapi" in path else TOKEN)
        if status == 400:
            if "{name}" in path:
                return self.call(method, path.replace("{name}", "bad_name!"), body)
            if method == "GET":
                return self.call(method, path + "?limit=0")
            return self.call(method, path, "{")
        if status == 401:
            return self.call(method, domain, body, token="wrong")
        if status == 403:
            st = harness.session().stack("api-403", config={"admin_tokens_file": "/nonexistent",
                                                             "admin_allowed_from": "192.0.2.1"})
            return st.request(method, domain, body=json.dumps(body) if body else None,
                              headers={"Content-Type": JSON})
        if status == 404:
            return self.call(method, path.replace("{name}", "absent.example"), body)
        if status == 412:
            return self.call(method, domain, body, headers={"If-Match": '"stale"'})
        if status == 413:
            st = harness.session().stack("api-limits", config={
                "admin_tokens_file": tokens_file(), "max_admin_body_size": "1000"})
            return st.request(method, domain, body="[" + " " * 2000 + "]",
                              headers={"Content-Type": JSON, "Authorization": "Bearer " + TOKEN})
        if status == 415:
            return self.call(method, domain, body, content_type="text/plain")
        if status == 503:
            # A database that cannot be reached (a closed port): every route that needs
            # it answers 503 at once.
            st = harness.session().stack("api-503", kind=UnreachableDatabaseStack, config={
                "admin_tokens_file": tokens_file(), "db_timeout": "1",
                "db_uri": "postgresql://automx2:none@127.0.0.1:1/automx2"})
            return st.request(method, domain, body=json.dumps(body) if body else None,
                              headers={"Content-Type": JSON, "Authorization": "Bearer " + TOKEN})
        return None

    def test_every_documented_status(self):
        with open(OPENAPI) as f:
            doc = json.load(f)
        seen = 0
        for path, item in doc["paths"].items():
            for method, op in item.items():
                if method == "parameters":
                    continue
                for status in op["responses"]:
                    with self.subTest(f"{method.upper()} {path} {status}"):
                        self.purge()
                        self.call("PUT", "/api/v1/domains/doc.example", DOMAIN)
                        r = self.provoke(path, method.upper(), int(status))
                        if r is None:
                            continue
                        seen += 1
                        self.assertEqual(r.status, int(status), r)
                        expected = op["responses"][status]
                        if "$ref" in expected:
                            expected = doc["components"]["responses"][
                                expected["$ref"].rsplit("/", 1)[1]]
                        media = list(expected.get("content", {}))
                        if media:
                            self.assertEqual(r.media_type, media[0], r)
        self.assertGreater(seen, 36, "every documented status, 503 included")

    def test_undocumented_methods_are_405(self):
        with open(OPENAPI) as f:
            doc = json.load(f)
        for path, item in doc["paths"].items():
            for method in ("GET", "PUT", "DELETE", "POST", "PATCH"):
                if method.lower() in item:
                    continue
                with self.subTest(f"{method} {path}"):
                    r = self.call(method, path.replace("{name}", "doc.example"),
                                  "{}" if method in ("PUT", "POST", "PATCH") else None)
                    self.assertEqual(r.status, 405, r)
