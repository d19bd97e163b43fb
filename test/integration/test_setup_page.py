"""The setup page for people (issue 16) over HTTP, through nginx (and Apache with
--web apache): the settings table, the profile link and its QR code, the languages,
the security headers, and hostile input escaped, never executed."""

import html.parser
import os
import re
import shutil
import subprocess
import tempfile
import unittest
import urllib.parse

import harness
from common import SampleCase, plistutil_parse, q

CSP_REQUIRED = ("default-src 'none'", "style-src 'self'", "form-action 'self'",
                "frame-ancestors 'none'")


class PageParser(html.parser.HTMLParser):
    """Collects what the tests look at: headings, table rows, links, inputs, scripts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.headings, self.rows, self.links, self.inputs = [], [], [], {}
        self.captions, self.scripts, self.event_handlers = [], 0, []
        self.svg_paths, self.qr_title, self.images = [], None, []
        self.lang = None
        self._text, self._cell, self._tag = None, [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for name, _ in attrs:
            if name.startswith("on"):
                self.event_handlers.append((tag, name))
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "script":
            self.scripts += 1
        elif tag in ("h1", "h2", "h3", "h4", "caption", "th", "td", "a"):
            self._text, self._tag = [], tag
            if tag == "a":
                self.links.append([a.get("href"), "", a.get("id")])
        elif tag == "input":
            self.inputs[a.get("name")] = a
        elif tag == "img":
            self.images.append(a)
        elif tag == "path" and "d" in a:
            self.svg_paths.append(a["d"])

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if self._text is None or tag != self._tag:
            return
        text = "".join(self._text).strip()
        self._text = None
        if tag.startswith("h"):
            self.headings.append((tag, text))
        elif tag == "caption":
            self.captions.append(text)
        elif tag == "th":
            self._cell = [text]
        elif tag == "td" and self._cell:
            self.rows.append((self.captions[-1] if self.captions else None, self._cell[0], text))
            self._cell = []
        elif tag == "a":
            self.links[-1][1] = text

    def table(self, caption):
        return {k: v for c, k, v in self.rows if c == caption}


def parse(body):
    p = PageParser()
    p.feed(body.decode("utf-8"))
    return p


def qr_modules(path_d):
    """The dark modules of the page's SVG path (runs "Mx yhNv1h-Nz")."""
    dark = set()
    for x, y, n in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\3z", path_d):
        for i in range(int(n)):
            dark.add((int(x) + i, int(y)))
    return dark


def decode_qr(path_d):
    """Rasterises the modules to a PGM (8 px each) and decodes it with zbarimg."""
    dark = qr_modules(path_d)
    size = max(max(x for x, _ in dark), max(y for _, y in dark)) + 5
    scale = 8
    rows = bytearray()
    for y in range(size * scale):
        for x in range(size * scale):
            rows.append(0 if (x // scale, y // scale) in dark else 255)
    with tempfile.TemporaryDirectory() as d:
        image = os.path.join(d, "qr.pgm")
        with open(image, "wb") as f:
            f.write(b"P5 %d %d 255\n" % (size * scale, size * scale) + bytes(rows))
        p = subprocess.run(["zbarimg", "--quiet", "--raw", "-Sbinary", image],
                           capture_output=True, timeout=30)
    if p.returncode != 0:
        raise AssertionError(f"zbarimg could not decode the QR code: {p.stderr!r}")
    return p.stdout.decode("utf-8").strip()


class SetupPageTest(SampleCase):

    def setup(self, expect=200, headers=None, **params):
        r = self.st.get("/setup" + q(**params), headers=headers)
        self.assertEqual(r.status, expect, r)
        self.assertEqual(r.media_type, "text/html", r)
        return r, parse(r.body)

    def assert_safe_headers(self, r):
        csp = r.header("Content-Security-Policy") or ""
        for part in CSP_REQUIRED:
            self.assertIn(part, csp, r.headers)
        self.assertNotIn("unsafe", csp)
        self.assertEqual(r.header("X-Content-Type-Options"), "nosniff")
        self.assertEqual(r.header("Referrer-Policy"), "no-referrer")

    def test_setup_settings_table_from_the_resolved_settings(self):
        r, page = self.setup(emailaddress="jane@Example.COM")
        self.assert_safe_headers(r)
        self.assertEqual(page.lang, "en")
        self.assertEqual(page.headings[0], ("h1", "Settings for jane@Example.COM"))
        # SPEC §9's choice: the encrypted prio-10 servers, as the protocols pick them.
        self.assertEqual(page.table("Incoming mail (IMAP)"), {
            "Server": "imap.example.com", "Port": "993", "Connection security": "SSL/TLS",
            "User name": "jane@example.com", "Authentication": "Normal password"})
        self.assertEqual(page.table("Outgoing mail (SMTP)")["Port"], "465")
        self.assertEqual(page.table("Incoming mail (POP3)")["Server"], "pop.example.com")
        self.assertEqual(page.table("Calendar (CalDAV)")["Address (URL)"],
                         "https://dav.example.com/caldav/jane@example.com/")
        self.assertEqual([h for h, _ in page.headings], ["h1", "h2", "h3", "h3", "h3", "h3"])
        self.assertEqual(page.scripts, 0)
        self.assertEqual(page.event_handlers, [])

    def test_setup_matches_the_mobileconfig_profile(self):
        _, page = self.setup(emailaddress="jane@example.com", name="Jane Doe")
        link = [href for href, _, ident in page.links if ident == "profile-link"]
        self.assertEqual(link, ["/mobileconfig/?emailaddress=jane@example.com&name=Jane%20Doe"])
        profile = self.st.get(link[0])
        self.assertEqual(profile.status, 200, profile)
        mail = plistutil_parse(profile.body)["PayloadContent"][0]
        table = page.table("Incoming mail (IMAP)")
        self.assertEqual(mail["IncomingMailServerHostName"], table["Server"])
        self.assertEqual(str(mail["IncomingMailServerPortNumber"]), table["Port"])
        self.assertEqual(mail["IncomingMailServerUsername"], table["User name"])
        self.assertEqual(mail["EmailAccountName"], "Jane Doe")

    @unittest.skipUnless(shutil.which("zbarimg"), "zbarimg (zbar-tools) is not installed")
    def test_setup_qr_code_decodes_to_the_absolute_profile_url(self):
        # As a browser sends it: with the port. nginx passes $host (portless) and
        # SERVER_PORT, Apache the header as it is; the URL comes out the same.
        host = f"autoconfig.example.com:{self.st.port}"
        _, page = self.setup(emailaddress="jane@example.com", headers={"Host": host})
        self.assertEqual(len(page.images), 1, page.images)
        img = page.images[0]
        self.assertEqual(img["alt"], "QR code: opens the profile for jane@example.com")
        self.assertEqual(img["src"], "/setup/qr.svg?emailaddress=jane@example.com")
        r = self.st.get(img["src"], headers={"Host": host})
        self.assertEqual((r.status, r.media_type), (200, "image/svg+xml"), r)
        self.assert_safe_headers(r)
        svg = parse(r.body)
        self.assertEqual(len(svg.svg_paths), 1)
        self.assertEqual(decode_qr(svg.svg_paths[0]),
                         f"http://{host}/mobileconfig/?emailaddress=jane@example.com")
        bad = self.st.get("/setup/qr.svg" + q(emailaddress="<script>"))
        self.assertEqual(bad.status, 400, bad)
        self.assertNotIn(b"<script>", bad.body)

    def test_setup_languages(self):
        _, de = self.setup(emailaddress="jane@example.com",
                           headers={"Accept-Language": "fr;q=1, de-AT;q=0.8, en;q=0.5"})
        self.assertEqual(de.lang, "de")
        self.assertEqual(de.table("Posteingang (IMAP)")["Verbindungssicherheit"], "SSL/TLS")
        _, en = self.setup(emailaddress="jane@example.com", lang="en",
                           headers={"Accept-Language": "de"})
        self.assertEqual(en.lang, "en")
        switch = [href for href, text, _ in en.links if text == "Deutsch"]
        self.assertEqual(switch, ["/setup?emailaddress=jane@example.com&lang=de"])
        r = self.st.get(switch[0])
        self.assertEqual(parse(r.body).lang, "de")

    def test_setup_index_carries_the_form(self):
        r = self.st.get("/", headers={"Accept-Language": "de-DE,de;q=0.9"})
        self.assertEqual(r.status, 200, r)
        self.assert_safe_headers(r)
        page = parse(r.body)
        self.assertEqual(page.lang, "de")
        self.assertIn("emailaddress", page.inputs)
        self.assertIn('<label for="emailaddress">E-Mail-Adresse</label>', r.text)
        self.assertIn("/mail/config-v1.1.xml?emailaddress=abc@example.com", r.text)
        css = self.st.get("/setup.css")
        self.assertEqual((css.status, css.media_type), (200, "text/css"), css)
        self.assert_safe_headers(css)

    def test_setup_unknown_domain_and_empty_domain(self):
        r, page = self.setup(expect=404, emailaddress="jane@unknown.example")
        self.assertEqual(page.headings[0], ("h1", "Domain not served here"))
        self.assertIn("unknown.example", r.text)
        self.assertNotIn("Traceback", r.text)
        bare_r, bare = self.setup(emailaddress="jane@serverless.example")
        self.assertEqual(bare.rows, [])
        self.assertIn("No mail servers are configured", bare_r.text)
        # The protocol routes keep their 204.
        r = self.st.get("/mail/config-v1.1.xml" + q(emailaddress="jane@unknown.example"))
        self.assertEqual(r.status, 204, r)

    def test_setup_bad_input_names_the_problem(self):
        r, page = self.setup(expect=400, emailaddress="")
        self.assertIn("Please enter your email address.", r.text)
        self.assertIn("emailaddress", page.inputs)
        r, _ = self.setup(expect=400, emailaddress="no-at-sign")
        self.assertIn("This is not a valid email address: no-at-sign", r.text)
        r, _ = self.setup(expect=400, emailaddress="a" * 300 + "@example.com")
        self.assertNotIn("a" * 255, r.text)
        self.setup(expect=400, emailaddress="jane@example.com", name="n" * 129)
        r = self.st.get("/setup?emailaddress=jane%40example.com&name=%FF%FE%00")
        self.assertEqual(r.status, 400, r)
        r = self.st.get("/setup?emailaddress=j%C0%AFane%40example.com")
        self.assertEqual(r.status, 400, r)
        r.body.decode("utf-8")  # what is echoed stays valid UTF-8

    def test_setup_hostile_input_is_escaped(self):
        payloads = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>',
                    "'><svg onload=alert(1)>", "{{content}}", "</title><script>x</script>",
                    "javascript:alert(1)"]
        for payload in payloads:
            with self.subTest(payload=payload):
                for params in ({"emailaddress": payload},
                               {"emailaddress": payload + "@example.com"},
                               {"emailaddress": "jane@example.com", "name": payload}):
                    r = self.st.get("/setup" + q(**params))
                    self.assertIn(r.status, (200, 400, 404), r)
                    page = parse(r.body)
                    self.assertEqual(page.scripts, 0, r.text)
                    self.assertEqual(page.event_handlers, [], r.text)
                    self.assertNotIn("<img src", r.text)
                    self.assertTrue(all(i.get("class") == "qr" for i in page.images), r.text)
                    self.assertNotIn("<script", r.text)
                    self.assertNotIn("{{", r.text.replace("{{content}}", ""))
                    for href, _, _ in page.links:
                        self.assertFalse(href.lower().startswith("javascript:"), href)
        # Host headers cannot inject into the QR code's URL.
        r = self.st.get("/setup" + q(emailaddress="jane@example.com"),
                        headers={"Host": "x\"><script>y"})
        self.assertNotIn("<script", r.text)

    def test_setup_methods(self):
        self.assertEqual(self.st.request("HEAD", "/setup").status, 200)
        r = self.st.request("POST", "/setup", body="x")
        self.assertEqual(r.status, 405, r)
        self.assertEqual(r.header("Allow"), "GET, HEAD, OPTIONS")


class SetupPageLdapTest(unittest.TestCase):
    """The user name shown is the directory's uid, as in every protocol."""

    @classmethod
    def setUpClass(cls):
        import test_ldap
        session = harness.session()
        if type(session) is not harness.Session or session.dialect != "sqlite":
            raise unittest.SkipTest("the LDAP tests run in the nginx + SQLite run")
        test_ldap.directory().start()
        cls.st = test_ldap.seeded_stack("ldap", {
            "ldap_timeout": test_ldap.TIMEOUT, "ldap_network_timeout": test_ldap.TIMEOUT,
            "ldap_ca_file": test_ldap.directory().ca_file})

    def test_setup_shows_the_ldap_uid(self):
        r = self.st.get("/setup" + q(emailaddress="jane@example.com"))
        self.assertEqual(r.status, 200, r)
        page = parse(r.body)
        self.assertEqual(page.table("Incoming mail (IMAP)")["User name"], "jdoe")
        self.assertEqual(page.table("Outgoing mail (SMTP)")["User name"], "jdoe")
        self.assertEqual(self.st.get("/setup" + q(emailaddress="nobody@example.com")).status, 404)
