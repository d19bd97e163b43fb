"""Routes, methods, statuses and address validation (SPEC §4, §6, §11)."""

from common import AC_PATH, AD_PATH, MC_PATH, SampleCase, autodiscover_body, q

LONG_LOCAL = "l" * 65 + "@example.com"
# 254 octets in all: the longest valid address (domain labels of at most 63 octets).
DOMAIN_189 = ".".join(["a" * 63, "b" * 63, "c" * 53, "example"])
MAX_ADDRESS = "m" * 64 + "@" + DOMAIN_189
BAD_ADDRESSES = [
    "alice",                      # no @
    "alice@other@example.com",    # two @
    "@example.com",               # empty local part
    "alice@",                     # empty domain
    "@",
    "al ice@example.com",         # space inside
    "alice@exa mple.com",
    "alice\t@example.com",        # tab
    "ali\x01ce@example.com",      # control characters
    "alice@example.com\x00",
    "ali\x7fce@example.com",
    "alice\n@example.com",
    LONG_LOCAL,                   # local part over 64 octets
    "x" + MAX_ADDRESS,            # 255 octets
]


class RoutesTest(SampleCase):
    def test_index(self):
        r = self.st.get("/")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.media_type, "text/html")
        self.assertIn(b"/mail/config-v1.1.xml?emailaddress=abc@example.com", r.body)

    def test_unknown_paths_404(self):
        for path in ("/nonexistent", "/mail/config.xml", "/autodiscover/other.xml",
                     "/mail/config-v1.1.xml/x", "/index.php", "/initdb/x", "/mobileconfig/x"):
            r = self.st.get(path + "?emailaddress=alice%40example.com")
            self.assertEqual(r.status, 404, (path, r))
            self.assertNotIn(b"imap.example.com", r.body)

    def test_wrong_method_405_with_allow(self):
        cases = [
            ("POST", "/", "GET"),
            ("POST", AC_PATH + q(emailaddress="alice@example.com"), "GET"),
            ("DELETE", "/.well-known/autoconfig" + AC_PATH, "GET"),
            ("GET", AD_PATH, "POST"),
            ("PUT", AD_PATH, "POST"),
            ("POST", MC_PATH, "GET"),
            ("DELETE", "/mobileconfig", "GET"),
            ("PUT", "/initdb/", "GET POST DELETE"),
            ("PATCH", "/initdb", "GET POST DELETE"),
        ]
        for method, path, allowed in cases:
            r = self.st.request(method, path, body=b"" if method in ("POST", "PUT", "PATCH") else None,
                                headers={"Content-Type": "text/xml"})
            self.assertEqual(r.status, 405, (method, path, r))
            allow = r.header("Allow")
            self.assertIsNotNone(allow, (method, path))
            methods = {m.strip() for m in allow.split(",")}
            for m in allowed.split():
                self.assertIn(m, methods, (method, path, allow))
            self.assertNotIn(method, methods, (method, path, allow))

    def test_bad_addresses_400_everywhere(self):
        for addr in BAD_ADDRESSES:
            r = self.st.get(AC_PATH + q(emailaddress=addr))
            self.assertEqual(r.status, 400, ("autoconfig", addr, r))
            r = self.st.get(MC_PATH + q(emailaddress=addr))
            self.assertEqual(r.status, 400, ("mobileconfig", addr, r))
            if "\x00" in addr or "\x01" in addr or "\x7f" in addr:
                continue  # not representable in XML 1.0 at all (malformed XML → 400 elsewhere)
            r = self.st.post(AD_PATH, autodiscover_body(addr), "text/xml")
            self.assertEqual(r.status, 400, ("autodiscover", addr, r))

    def test_address_length_limits_inclusive(self):
        self.assertEqual(len(MAX_ADDRESS), 254)
        local64 = "l" * 64 + "@example.com"
        self.assertEqual(self.st.get(AC_PATH + q(emailaddress=local64)).status, 200)
        self.assertEqual(self.st.get(AC_PATH + q(emailaddress=MAX_ADDRESS)).status, 204)
        r = self.st.post(AD_PATH, autodiscover_body(local64), "text/xml")
        self.assertEqual(r.status, 200, r)

    def test_413_from_the_service(self):
        big = autodiscover_body("alice@example.com").replace(
            "<Request>", "<!--" + "x" * 70000 + "--><Request>")
        self.assertGreater(len(big), 65536)
        r = self.st.post(AD_PATH, big, "text/xml")
        self.assertEqual(r.status, 413, r)
        self.assertNotIn(b"nginx", r.body, "413 must come from automx2-fcgi, not nginx")
        just_under = autodiscover_body("alice@example.com").replace(
            "<Request>", "<!--" + "x" * 60000 + "--><Request>")
        r = self.st.post(AD_PATH, just_under, "text/xml")
        self.assertEqual(r.status, 200, r)
        r = self.st.post("/initdb/", "{" + " " * 70000 + "}", "application/json")
        self.assertEqual(r.status, 413, r)

    def test_413_from_nginx_above_its_limit(self):
        r = self.st.post(AD_PATH, "x" * (200 * 1024), "text/xml")
        self.assertEqual(r.status, 413, r)

    def test_service_still_serves_after_errors(self):
        # keep-alive FastCGI connections survive 4xx answers and skipped bodies
        for _ in range(3):
            self.st.post(AD_PATH, "x" * 70000, "text/xml")
            self.st.get(AC_PATH + "?emailaddress=bad")
        self.assertEqual(self.autoconfig("alice@example.com").status, 200)
        self.assertEqual(self.autodiscover("alice@example.com").status, 200)

    def test_initdb_on_loaded_database(self):
        for path in ("/initdb/", "/initdb"):
            r = self.st.get(path)
            self.assertEqual(r.status, 200, (path, r))
            self.assertEqual(r.media_type, "text/html")
            self.assertIn(b"Database already contains provider data", r.body)

    def test_x_forwarded_for_not_trusted_without_proxy_count(self):
        r = self.st.get("/initdb/", headers={"X-Forwarded-For": "192.0.2.1"})
        self.assertEqual(r.status, 200, r)

    def test_nginx_allows_initdb_only_from_loopback(self):
        # The sample's own ACL: allow 127.0.0.1 and ::1 (the request here comes from
        # 127.0.0.1); the location regex is case-insensitive.
        with open(self.st.dir + "/nginx/automx2.conf") as f:
            conf = f.read()
        self.assertIn("location ~* ^/initdb", conf)
        self.assertIn("deny all;", conf)
        r = self.st.get("/InitDB/")
        self.assertIn(r.status, (404, 200), r)

    def test_concurrent_requests(self):
        import concurrent.futures
        addrs = [f"user{i}@example.com" for i in range(40)]

        def one(a):
            r = self.st.post(AD_PATH, autodiscover_body(a), "text/xml")
            return r.status, a.encode() in r.body

        with concurrent.futures.ThreadPoolExecutor(8) as ex:
            results = list(ex.map(one, addrs))
        self.assertEqual(results, [(200, True)] * len(addrs))
