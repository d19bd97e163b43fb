"""A PACC client written from draft-ietf-mailmaint-pacc, against the published sample
data (issue 13): the document fetched from https://ua-auto-config.{domain}/.well-known/
user-agent-configuration.json through the TLS nginx, its digest from the
_ua-auto-config.{domain} TXT record served by a real named (the `dns` command's output)
and read with dnspython.

The client's rules, as the draft (and the clients that implement -02/-03) has them:
  1. GET the well-known URL over https, the certificate verified for that name; no
     redirect is followed; the raw bytes are kept.
  2. Query TXT at _ua-auto-config.{domain}; the character-strings of a record are joined;
     a record is ';'-separated tags, names and the v and a values without case:
     v=UAAC1, a=sha256, d=base64(SHA-256 of the document).
  3. The document is used only when some record's digest is the SHA-256 of the raw bytes
     (compared in constant time); then it is parsed as JSON.
  4. Members: "protocols" (imap, pop3, submit (smtp in -02), managesieve: {"host"}, a
     host name whose port is implied by the protocol, never written; jmap, caldav,
     carddav, webdav: {"url"}, an https URL), "authentication" ("password": a boolean,
     "oauth-public": {"issuer"}), "info": {"provider": {"name", "shortName"?}}. Unknown
     members are ignored; a wrong type is an error.
"""

import base64
import hashlib
import hmac
import http.client
import json
import re
import socket
import ssl
import unittest
import urllib.parse

import named  # noqa: F401  (dnspython on the path)
import published

import dns.exception  # noqa: E402
import dns.resolver  # noqa: E402

MAX_BODY = 64 * 1024
HOST_PROTOCOLS = ("imap", "pop3", "submit", "smtp", "managesieve")
URL_PROTOCOLS = ("jmap", "caldav", "carddav", "webdav")
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


class PaccRejected(Exception):
    pass


def valid_host(host):
    if not isinstance(host, str) or not host or len(host) > 253 or ":" in host:
        return False
    labels = host.rstrip(".").split(".")
    return len(labels) >= 2 and all(_LABEL.match(label) for label in labels)


def valid_https_url(url):
    if not isinstance(url, str):
        return False
    try:
        u = urllib.parse.urlsplit(url)
        u.port  # noqa: B018  (raises on a bad port)
    except ValueError:
        return False
    return (u.scheme == "https" and u.username is None and u.password is None
            and valid_host(u.hostname or ""))


def check_document(doc):
    """The members of a parsed document; raises PaccRejected naming the first fault."""
    if not isinstance(doc, dict):
        raise PaccRejected("the document is not a JSON object")
    protocols = doc.get("protocols")
    if not isinstance(protocols, dict) or not protocols:
        raise PaccRejected("no protocols")
    known = 0
    for name, value in protocols.items():
        if name in HOST_PROTOCOLS or name in URL_PROTOCOLS:
            known += 1
            if not isinstance(value, dict):
                raise PaccRejected(f"protocols.{name} is not an object")
        if name in HOST_PROTOCOLS and not valid_host(value.get("host")):
            raise PaccRejected(f"protocols.{name}.host is not a host name: {value.get('host')!r}")
        if name in URL_PROTOCOLS and not valid_https_url(value.get("url")):
            raise PaccRejected(f"protocols.{name}.url is not an https URL: {value.get('url')!r}")
    if known == 0:
        raise PaccRejected("no protocol this client knows")
    auth = doc.get("authentication")
    if not isinstance(auth, dict):
        raise PaccRejected("no authentication")
    if "password" in auth and not isinstance(auth["password"], bool):
        raise PaccRejected("authentication.password is not a boolean")
    if "oauth-public" in auth:
        oauth = auth["oauth-public"]
        issuer = oauth.get("issuer") if isinstance(oauth, dict) else None
        if not (valid_https_url(issuer) or valid_host(issuer)):
            raise PaccRejected(f"authentication.oauth-public.issuer is not usable: {issuer!r}")
    if auth.get("password") is not True and "oauth-public" not in auth:
        raise PaccRejected("no authentication method")
    info = doc.get("info")
    provider = info.get("provider") if isinstance(info, dict) else None
    if not isinstance(provider, dict) or not isinstance(provider.get("name"), str) \
            or not provider["name"]:
        raise PaccRejected("info.provider.name is missing")
    if "shortName" in provider and not isinstance(provider["shortName"], str):
        raise PaccRejected("info.provider.shortName is not a string")
    return doc


def published_digests(records):
    """The d values (bytes) of the PACC records among TXT records (lists of bytes)."""
    out = []
    for strings in records:
        try:
            text = b"".join(strings).decode("utf-8")
        except UnicodeDecodeError:
            continue
        tags = {}
        for tag in text.split(";"):
            name, eq, value = tag.partition("=")
            if eq:
                tags[name.strip().lower()] = value.strip()
        if tags.get("v", "").upper() != "UAAC1" or tags.get("a", "").lower() != "sha256":
            continue
        try:
            out.append(base64.b64decode(tags.get("d", ""), validate=True))
        except ValueError:
            continue
    return out


class PaccClient:
    def __init__(self, dns_port, https_port, cafile=None):
        self.https_port = https_port
        self.context = ssl.create_default_context(cafile=cafile)
        self.resolver = dns.resolver.Resolver(configure=False)
        self.resolver.nameservers = ["127.0.0.1"]
        self.resolver.port = dns_port

    def fetch(self, domain):
        host = f"ua-auto-config.{domain}"
        conn = http.client.HTTPSConnection(host, self.https_port, timeout=10,
                                           context=self.context)
        # The name resolves to the test's nginx on loopback; TLS is checked for `host`.
        conn._create_connection = lambda _a, timeout=None, source_address=None: \
            socket.create_connection(("127.0.0.1", self.https_port), timeout)
        try:
            conn.request("GET", published.PACC_PATH)
            r = conn.getresponse()
            body = r.read(MAX_BODY + 1)
        except (OSError, ssl.SSLError, http.client.HTTPException) as e:
            raise PaccRejected(f"fetch: {e}") from e
        finally:
            conn.close()
        if r.status != 200:  # 3xx included: no redirect is followed
            raise PaccRejected(f"fetch: status {r.status}")
        if len(body) > MAX_BODY:
            raise PaccRejected("fetch: the document is too large")
        return body

    def digests(self, domain):
        try:
            answer = self.resolver.resolve(f"_ua-auto-config.{domain}.", "TXT", lifetime=5)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer) as e:
            raise PaccRejected("no _ua-auto-config TXT record") from e
        except dns.exception.DNSException as e:
            raise PaccRejected(f"DNS: {e}") from e
        return published_digests([r.strings for r in answer])

    def discover(self, domain):
        body = self.fetch(domain)
        actual = hashlib.sha256(body).digest()
        if not any(hmac.compare_digest(actual, d) for d in self.digests(domain)):
            raise PaccRejected("digest: no published digest matches the document")
        try:
            doc = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise PaccRejected(f"the document is not JSON: {e}") from e
        return check_document(doc)


class PaccRulesTest(unittest.TestCase):
    """The client's member checks on documents made here (no server)."""

    GOOD = {"protocols": {"imap": {"host": "imap.example.com"},
                          "submit": {"host": "smtp.example.com"},
                          "caldav": {"url": "https://dav.example.com/caldav/"}},
            "authentication": {"password": True},
            "info": {"provider": {"name": "Example Inc.", "shortName": "Example"}}}

    def variant(self, path, value):
        doc = json.loads(json.dumps(self.GOOD))
        node = doc
        for key in path[:-1]:
            node = node[key]
        if value is KeyError:
            del node[path[-1]]
        else:
            node[path[-1]] = value
        return doc

    def test_good_document_and_unknown_members(self):
        self.assertIs(check_document(self.GOOD), self.GOOD)
        check_document(self.variant(("protocols", "future"), {"whatever": 1}))
        check_document(self.variant(("authentication", "oauth-public"),
                                    {"issuer": "https://login.example.com"}))

    def test_rejected_documents(self):
        bad = [
            (("protocols", "imap", "host"), "imap.example.com:993"),   # ports are implied
            (("protocols", "imap", "host"), "-bad-.example.com"),
            (("protocols", "imap", "host"), 993),
            (("protocols", "caldav", "url"), "http://dav.example.com/"),
            (("protocols", "caldav", "url"), "https://user:pw@dav.example.com/"),
            (("protocols", "imap"), "imap.example.com"),
            (("protocols",), {}),
            (("authentication", "password"), "yes"),
            (("authentication", "password"), False),                   # no method left
            (("authentication", "oauth-public"), {"issuer": "not a host"}),
            (("info", "provider", "name"), KeyError),
            (("info", "provider", "shortName"), 7),
            (("info",), KeyError),
        ]
        for path, value in bad:
            with self.subTest(path=path, value=value):
                with self.assertRaises(PaccRejected):
                    check_document(self.variant(path, value))
        with self.assertRaises(PaccRejected):
            check_document([self.GOOD])

    def test_txt_records(self):
        digest = hashlib.sha256(b"{}").digest()
        d = base64.b64encode(digest)
        self.assertEqual(published_digests([[b"v=UAAC1; a=sha256; d=", d]]), [digest])
        self.assertEqual(published_digests([[b"V=uaac1;A=SHA256;d=" + d]]), [digest])
        for record in ([b"v=UAAC2; a=sha256; d=" + d], [b"v=UAAC1; a=sha1; d=" + d],
                       [b"v=UAAC1; a=sha256; d=!!"], [b"v=spf1 -all"], [b"\xff"]):
            with self.subTest(record=record):
                self.assertEqual(published_digests([record]), [])


class PaccClientTest(unittest.TestCase):
    """The client against the published sample data."""

    @classmethod
    def setUpClass(cls):
        cls.st = published.published_stack()
        cls.named = published.start_named(cls.st, "named-pacc")
        cls.pacc_domains = [d for d in published.DOMAINS
                            if published.has_pacc_record(cls.named.zones[d][1])]
        cls.client = PaccClient(cls.named.port, cls.st.port, cafile=cls.st.ca.ca_file)

    @classmethod
    def tearDownClass(cls):
        cls.named.stop()

    def setUp(self):
        if not self.pacc_domains:
            self.skipTest("the dns command prints no _ua-auto-config record (issue 13's "
                          "PACC route not merged)")

    def test_accepts_the_sample_documents(self):
        self.assertIn("example.com", self.pacc_domains)
        # Domains PACC cannot express publish no record and answer 404.
        self.assertNotIn("serverless.example", self.pacc_domains)
        with self.assertRaisesRegex(PaccRejected, "status 404"):
            self.client.discover("serverless.example")
        tampered = {h.split(".", 1)[1] for h in published.TAMPERED if h.startswith("ua-auto")}
        for domain in self.pacc_domains:
            if domain in tampered:
                continue
            with self.subTest(domain=domain):
                doc = self.client.discover(domain)
                self.assertTrue(doc["protocols"])
        doc = self.client.discover("example.com")
        self.assertEqual(doc["protocols"]["imap"]["host"], "imap.example.com")
        self.assertEqual(doc["info"]["provider"]["name"], "Example Inc.")
        self.assertIs(doc["authentication"].get("password"), True)

    def test_rejects_a_tampered_body(self):
        # nginx serves ua-auto-config.example.org a body of its own (published.TAMPERED).
        self.assertIn("example.org", self.pacc_domains)
        with self.assertRaisesRegex(PaccRejected, "digest"):
            self.client.discover("example.org")

    def test_rejects_a_tampered_digest(self):
        original = self.named.zones["example.com"][1]
        try:
            self.named.set_zone("example.com",
                                re.sub(r"d=[A-Za-z0-9+/]{8}", "d=AAAAAAAA", original))
            with self.assertRaisesRegex(PaccRejected, "digest"):
                self.client.discover("example.com")
            # Another digest published beside the right one (a rotation): accepted.
            other = base64.b64encode(bytes(32)).decode()
            self.named.set_zone("example.com", original + "_ua-auto-config.example.com. IN TXT "
                                f'"v=UAAC1; a=sha256; d={other}"\n')
            self.client.discover("example.com")
        finally:
            self.named.set_zone("example.com", original)

    def test_rejects_an_untrusted_certificate(self):
        client = PaccClient(self.named.port, self.st.port)  # the system's CAs only
        with self.assertRaisesRegex(PaccRejected, "(?i)certificate"):
            client.discover("example.com")


if __name__ == "__main__":
    unittest.main()
