"""/initdb/ (SPEC §10): sample data, seeds, purge, transactions, access control."""

import json
import unittest
import xml.etree.ElementTree as ET

import harness
from common import AC_PATH, AD_PATH, autodiscover_body, o, q

PREPARED = b"Database is now prepared"
ALREADY = b"Database already contains provider data"
PURGED = b"Database content purged"
JSON = "application/json"

SEED_V2 = {
    "version": 2,
    "provider": "Seeded Mail Services",
    "domains": [{"name": "seed.example"}, {"name": "seed2.example"}],
    "servers": [
        {"type": "smtp", "name": "smtp.seed.example", "port": 587, "prio": 5},
        {"type": "imap", "name": "imap.seed.example"},
        {"type": "pop", "name": "pop.seed.example"},
        {"type": "smtp", "name": "smtp.seed.example"},
        {"type": "caldav", "url": "https://dav.seed.example/cal/"},
        {"type": "carddav", "url": "http://dav.seed.example/card/", "port": 8080},
    ],
}
SEED_OLD = {
    "provider": "Legacy Provider",
    "domains": ["old.example"],
    "servers": [{"type": "imap", "name": "imap.old.example", "port": 143},
                {"type": "smtp", "name": "smtp.old.example"}],
}


def seed_with(**changes):
    s = json.loads(json.dumps(SEED_V2))
    for k, v in changes.items():
        if v is None:
            s.pop(k)
        else:
            s[k] = v
    return s


BAD_SEEDS = {
    "version 3": seed_with(version=3),
    "version as string": seed_with(version="2"),
    "no provider": seed_with(provider=None),
    "no domains key": seed_with(domains=None),
    "empty domains": seed_with(domains=[]),
    "no servers key": seed_with(servers=None),
    "no mail server": seed_with(servers=[{"type": "caldav", "url": "https://d.example/"}]),
    "unknown server type": seed_with(servers=SEED_V2["servers"] + [
        {"type": "exchange", "name": "ex.seed.example"}]),
    "port as string": seed_with(servers=[{"type": "imap", "name": "i.example", "port": "993"}]),
    "prio as float": seed_with(servers=[{"type": "imap", "name": "i.example", "prio": 1.5}]),
    "server without name": seed_with(servers=[{"type": "imap", "port": 993}]),
    "invalid domain name": seed_with(domains=[{"name": "bad domain!"}]),
    "domain name not a string": seed_with(domains=[{"name": 42}]),
    "unknown ldapserver_id": seed_with(domains=[{"name": "seed.example", "ldapserver_id": 77}]),
    "duplicate domain": seed_with(domains=[{"name": "dup.example"}, {"name": "dup.example"}]),
    # Stored, these would make every later lookup of the domains answer 400 (issue 11).
    "unknown authentication": seed_with(servers=[
        {"type": "imap", "name": "i.example"},
        {"type": "smtp", "name": "s.example", "authentication": "foo"}]),
    "unknown socket_type": seed_with(servers=[
        {"type": "imap", "name": "i.example", "socket_type": "TLS"}]),
}


class InitdbTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.st = harness.session().stack("initdb")

    def setUp(self):
        r = self.st.request("DELETE", "/initdb/")
        self.assertEqual(r.status, 200, r)

    def post_seed(self, seed, expect=200):
        body = seed if isinstance(seed, str) else json.dumps(seed)
        r = self.st.post("/initdb/", body, JSON)
        self.assertEqual(r.status, expect, r)
        return r

    def ac(self, address, expect=200):
        r = self.st.get(AC_PATH + q(emailaddress=address))
        self.assertEqual(r.status, expect, r)
        return ET.fromstring(r.body) if expect == 200 else None

    def test_get_prepares_then_already_contains(self):
        r = self.st.get("/initdb/")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.media_type, "text/html")
        self.assertIn(PREPARED, r.body)
        self.assertIn(b'<a href="/">Click here</a> to go back.', r.body)
        before = self.st.db_dump()
        self.assertEqual(len(before["provider"]), 5)
        self.assertEqual(sorted(d[1] for d in before["domain"]),
                         ["broken.example", "example.com", "example.net", "example.org",
                          "groupware.example", "other.example", "serverless.example"])
        self.assertEqual(len(before["server"]), 5 + 3 + 2 + 2)
        self.assertEqual(len(before["davserver"]), 2 + 1)
        self.assertEqual(len(before["endpoint"]), 3)  # SPEC §16
        self.assertEqual(len(before["oauth2"]), 1)
        for path in ("/initdb/", "/initdb"):
            r = self.st.get(path)
            self.assertEqual(r.status, 200, r)
            self.assertIn(ALREADY, r.body)
        r = self.post_seed(SEED_V2)
        self.assertIn(ALREADY, r.body)
        self.assertEqual(self.st.db_dump(), before, "an existing provider: nothing changes")
        self.ac("alice@seed.example", expect=204)

    def test_sample_server_ids_in_insertion_order(self):
        self.st.get("/initdb/")
        rows = self.st.db_query("SELECT s.type, s.port, s.socket_type, s.prio FROM server s "
                                "JOIN server_domain sd ON sd.server_id = s.id JOIN domain d "
                                "ON d.id = sd.domain_id WHERE d.name = 'example.com' ORDER BY s.id")
        self.assertEqual(rows, [("imap", 143, "STARTTLS", 20), ("imap", 993, "SSL", 10),
                                ("pop", 995, "SSL", 10), ("smtp", 587, "STARTTLS", 20),
                                ("smtp", 465, "SSL", 10)])

    def test_delete_purges_everything(self):
        self.st.get("/initdb/")
        self.ac("alice@example.com")
        r = self.st.request("DELETE", "/initdb")
        self.assertEqual(r.status, 200, r)
        self.assertIn(PURGED, r.body)
        dump = self.st.db_dump()
        for table in ("provider", "domain", "server", "davserver", "ldapserver", "server_domain",
                      "davserver_domain", "oauth2", "endpoint", "endpoint_domain"):
            self.assertIn(table, dump, "tables stay")
            self.assertEqual(dump[table], [], table)
        self.ac("alice@example.com", expect=204)

    def test_post_seed_v2(self):
        r = self.post_seed(SEED_V2)
        self.assertIn(PREPARED, r.body)
        for domain in ("seed.example", "seed2.example"):
            prov = self.ac(f"u@{domain}").find("emailProvider")
            self.assertEqual(prov.find("displayName").text, "Seeded Mail Services")
            self.assertEqual(prov.find("displayShortName").text, "Seeded")
            self.assertEqual([d.text for d in prov.findall("domain")],
                             ["seed.example", "seed2.example"])
            servers = [(e.get("type"), e.find("hostname").text, e.find("port").text,
                        e.find("socketType").text) for e in prov
                       if e.tag in ("incomingServer", "outgoingServer")]
            self.assertEqual(servers, [("smtp", "smtp.seed.example", "587", "STARTTLS"),
                                       ("imap", "imap.seed.example", "993", "SSL"),
                                       ("pop3", "pop.seed.example", "995", "SSL"),
                                       ("smtp", "smtp.seed.example", "465", "SSL")])
        r = self.st.post(AD_PATH, autodiscover_body("u@seed.example"), "text/xml")
        self.assertEqual(r.status, 200, r)
        protos = ET.fromstring(r.body).findall(f"{o('Response')}/{o('Account')}/{o('Protocol')}")
        dav = [{c.tag.split("}")[1]: c.text for c in p} for p in protos[4:]]
        self.assertEqual(len(dav), 2)
        self.assertEqual((dav[0]["Type"], dav[0]["Server"], dav[0]["SSL"], dav[0]["DomainRequired"],
                          dav[0]["LoginName"]),
                         ("CalDAV", "https://dav.seed.example/cal/", "on", "on", "u@seed.example"))
        self.assertNotIn("Port", dav[0])
        self.assertEqual((dav[1]["Type"], dav[1]["Port"], dav[1]["SSL"]), ("CardDAV", "8080", "off"))

    def test_post_seed_old_format(self):
        r = self.post_seed(SEED_OLD)
        self.assertIn(PREPARED, r.body)
        prov = self.ac("u@old.example").find("emailProvider")
        self.assertEqual(prov.find("displayShortName").text, "Legacy")
        servers = [(e.get("type"), e.find("port").text, e.find("socketType").text)
                   for e in prov if e.tag in ("incomingServer", "outgoingServer")]
        self.assertEqual(servers, [("imap", "143", "STARTTLS"), ("smtp", "465", "SSL")])

    def test_post_seed_idn_domain(self):
        seed = seed_with(domains=[{"name": "xn--bcher-kva.example"}])
        self.post_seed(seed)
        root = self.ac("u@bücher.example")
        self.assertEqual(root.find("emailProvider/domain").text, "xn--bcher-kva.example")
        self.ac("u@XN--BCHER-KVA.example")

    def test_post_seed_needs_a_json_content_type(self):
        # A web page can POST these to the service cross-site without a CORS preflight
        # (and curl -d sends a form type): only application/json may load a seed.
        empty = self.st.db_dump()
        body = json.dumps(SEED_V2)
        for ct in ("text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
                   "multipart/form-data; boundary=x8d2", None):
            r = self.st.request("POST", "/initdb/", body=body, headers={"Content-Type": ct})
            self.assertEqual(r.status, 415, (ct, r))
            self.assertNotIn(PREPARED, r.body, ct)
            self.assertEqual(self.st.db_dump(), empty, ct)
        with open(self.st.service_log, errors="replace") as f:
            self.assertIn("refused: the seed must be sent as application/json", f.read())
        for ct in ("application/json; charset=utf-8", "Application/JSON"):
            self.assertEqual(self.st.request("DELETE", "/initdb/").status, 200)
            r = self.st.post("/initdb/", body, ct)
            self.assertEqual(r.status, 200, (ct, r))
            self.assertIn(PREPARED, r.body, ct)
        self.ac("alice@seed.example")

    def test_rejected_seeds_leave_database_unchanged(self):
        empty = self.st.db_dump()
        for label, seed in list(BAD_SEEDS.items()) + [("malformed JSON", '{"version": 2,'),
                                                      ("not an object", "[1, 2]"),
                                                      ("empty body", "")]:
            r = self.post_seed(seed, expect=400)
            self.assertNotIn(b"Traceback", r.body, label)
            self.assertNotIn(b"INSERT", r.body.upper(), label)
            self.assertEqual(self.st.db_dump(), empty, label)
        # The sample data still loads afterwards.
        self.assertIn(PREPARED, self.st.get("/initdb/").body)

    def test_rejected_seed_message_names_the_problem(self):
        r = self.post_seed(BAD_SEEDS["unknown server type"], expect=400)
        self.assertIn(b"exchange", r.body)

    def test_unknown_vocabulary_word_refused_at_seed_time(self):
        empty = self.st.db_dump()
        r = self.post_seed(BAD_SEEDS["unknown authentication"], expect=400)
        self.assertIn(b"servers[1].authentication: unknown word 'foo'", r.body)
        self.assertIn(b"password-cleartext", r.body)  # the accepted words are listed
        self.assertEqual(self.st.db_dump(), empty)
        r = self.post_seed(BAD_SEEDS["unknown socket_type"], expect=400)
        self.assertIn(b"servers[0].socket_type: unknown word 'TLS'", r.body)
        self.assertEqual(self.st.db_dump(), empty)
        # Known words in any case are accepted, stored as written and rendered.
        self.post_seed(seed_with(servers=[
            {"type": "imap", "name": "i.seed.example", "socket_type": "starttls",
             "authentication": "oauth2"}]))
        server = self.ac("u@seed.example").find("emailProvider/incomingServer")
        self.assertEqual(server.find("socketType").text, "starttls")
        self.assertEqual([a.text for a in server.findall("authentication")],
                         ["OAuth2", "password-cleartext"])

    def test_rejected_seed_does_not_touch_loaded_data(self):
        self.st.get("/initdb/")
        before = self.st.db_dump()
        gets_before = [self.st.get(AC_PATH + q(emailaddress=f"a@{d}")).body
                       for d in ("example.com", "other.example", "serverless.example")]
        r = self.st.post("/initdb/", json.dumps(BAD_SEEDS["unknown server type"]), JSON)
        self.assertIn(r.status, (200, 400), r)
        self.assertEqual(self.st.db_dump(), before)
        gets_after = [self.st.get(AC_PATH + q(emailaddress=f"a@{d}")).body
                      for d in ("example.com", "other.example", "serverless.example")]
        self.assertEqual(gets_after, gets_before)

    def test_ldap_unreachable_503(self):
        seed = seed_with(domains=[{"name": "ldap.example", "ldapserver_id": 5}],
                         ldapservers=[{"id": 5, "name": "127.0.0.1", "port": 1, "use_ssl": False,
                                       "search_base": "dc=example,dc=com",
                                       "bind_user": "cn=reader", "bind_password": "pw-secret-42"}])
        self.post_seed(seed)
        self.assertEqual(self.st.db_query("SELECT id, port FROM ldapserver"), [(5, 1)])
        r = self.st.get(AC_PATH + q(emailaddress="u@ldap.example"))
        self.assertEqual(r.status, 503, r)
        with open(self.st.service_log, errors="replace") as f:
            self.assertNotIn("pw-secret-42", f.read(), "bind_password must never be logged")


class InitdbAccessTest(unittest.TestCase):
    """initdb_allowed_from (SPEC §10) in service instances of their own."""

    @classmethod
    def setUpClass(cls):
        s = harness.session()
        cls.st = s.stack("acl", config={"initdb_allowed_from": "192.0.2.0/24, 2001:db8::/32",
                                        "max_body_size": "2048"})
        cls.proxied = s.stack("acl-proxy", config={"initdb_allowed_from": "192.0.2.0/24",
                                                   "proxy_count": "1"})

    def test_not_allowed_403_and_nothing_changes(self):
        before = self.st.db_dump()
        for method, body in (("GET", None), ("POST", json.dumps(SEED_V2)), ("DELETE", None)):
            for path in ("/initdb/", "/initdb"):
                r = self.st.request(method, path, body=body, headers={"Content-Type": JSON})
                self.assertEqual(r.status, 403, (method, path, r))
        self.assertEqual(self.st.db_dump(), before)
        self.assertEqual(before["provider"], [])

    def test_forwarded_for_ignored_without_proxy_count(self):
        r = self.st.get("/initdb/", headers={"X-Forwarded-For": "192.0.2.10"})
        self.assertEqual(r.status, 403, r)

    def test_configured_body_limit(self):
        body = autodiscover_body("alice@example.com")
        r = self.st.post(AD_PATH, body.replace("<Request>", "<!--" + "x" * 3000 + "--><Request>"),
                         "text/xml")
        self.assertEqual(r.status, 413, r)
        r = self.st.post(AD_PATH, body, "text/xml")
        self.assertEqual(r.status, 204, r)  # empty database: unknown domain

    def test_proxy_count_trusts_last_hop(self):
        r = self.proxied.get("/initdb/")
        self.assertEqual(r.status, 403, r)
        r = self.proxied.get("/initdb/", headers={"X-Forwarded-For": "192.0.2.10, 198.51.100.7"})
        self.assertEqual(r.status, 403, r)
        self.assertEqual(self.proxied.db_query("SELECT COUNT(*) FROM provider"), [(0,)])
        r = self.proxied.get("/initdb/", headers={"X-Forwarded-For": "198.51.100.7, 192.0.2.10"})
        self.assertEqual(r.status, 200, r)
        self.assertIn(PREPARED, r.body)
