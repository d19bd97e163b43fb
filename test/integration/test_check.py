"""`automx2-fcgi check` against a real named and a TLS nginx with a test CA (issue 15).

The sample data is published as the `dns` command prints it (named.py) and served over
https (tls.py); the check resolves through --resolver, fetches through --connect (every
name at the nginx on loopback) and trusts the test CA with --cafile. Each test changes one
thing and asserts the item's status and the exit status.
"""

import json
import re
import socket
import ssl
import threading
import unittest

import published
from published import run_binary

SRV = "_submissions._tcp"


class CheckTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.st = published.published_stack()
        cls.named = published.start_named(cls.st, "named-check")

    @classmethod
    def tearDownClass(cls):
        cls.named.stop()

    def tearDown(self):
        # A test that tampered with a zone puts it back.
        for domain in published.DOMAINS:
            original = published.zone_records(self.st, domain)
            if self.named.zones[domain][1] != original:
                self.named.set_zone(domain, original)

    def check(self, *args, cafile=True, json_output=True):
        argv = ["--config", self.st.config_path, "check", *args,
                "--resolver", self.named.address, "--connect", f"127.0.0.1:{self.st.port}",
                "--timeout", "5"]
        if cafile:
            argv += ["--cafile", self.st.ca.ca_file]
        if json_output:
            argv.append("--json")
        p = run_binary(*argv)
        self.assertIn(p.returncode, (0, 1, 2), p)
        doc = json.loads(p.stdout) if json_output and p.returncode != 2 else None
        return p, doc

    def items(self, doc, domain="example.com"):
        return {i["item"]: i for i in doc["items"] if i["domain"] == domain}

    def tamper(self, domain, edit):
        text = self.named.zones[domain][1]
        changed = edit(text)
        self.assertNotEqual(changed, text, "the tampering changed nothing")
        self.named.set_zone(domain, changed)

    # --- all published ------------------------------------------------------------
    def test_published_domain_passes(self):
        p, doc = self.check("example.com")
        self.assertEqual(p.returncode, 0, p.stdout.decode() + p.stderr.decode())
        self.assertTrue(doc["ok"])
        items = self.items(doc)
        for name in (f"{SRV} SRV", "_imaps._tcp SRV", "_pop3._tcp SRV", "_autodiscover._tcp SRV",
                     "autoconfig CNAME", "autodiscover CNAME", "_caldavs._tcp TXT",
                     "autoconfig document", "autodiscover document"):
            self.assertEqual(items[name]["status"], "PASS", items.get(name))
        if published.has_pacc_record(self.named.zones["example.com"][1]):
            for name in ("ua-auto-config CNAME", "_ua-auto-config TXT", "PACC document",
                         "PACC digest of the served body", "PACC digest of this service's body"):
                self.assertEqual(items[name]["status"], "PASS", items.get(name))
        self.assertEqual(doc["summary"]["pass"], len(doc["items"]))
        self.assertEqual(items["autoconfig CNAME"]["found"], f"{published.SERVICE_HOST}.")

    def test_table_output(self):
        p, _ = self.check("example.com", "example.org", json_output=False)
        text = p.stdout.decode()
        self.assertTrue(text.startswith("DOMAIN"), text)
        self.assertRegex(text, r"example\.com\s+_imaps\._tcp SRV\s+PASS")
        self.assertRegex(text, r"\n\d+ items: \d+ PASS, 0 MISSING, \d+ DIFFERS, 0 ERROR\n$")

    # --- one thing wrong -----------------------------------------------------------
    def test_removed_record_is_missing(self):
        self.tamper("example.com", lambda t: re.sub(r"(?m)^_imaps\._tcp\.example\.com\..*\n",
                                                    "", t))
        p, doc = self.check("example.com")
        self.assertEqual(p.returncode, 1, p)
        items = self.items(doc)
        self.assertEqual(items["_imaps._tcp SRV"]["status"], "MISSING")
        self.assertEqual(items[f"{SRV} SRV"]["status"], "PASS")
        self.assertFalse(doc["ok"])
        self.assertEqual(doc["summary"]["missing"], 1)

    def test_removed_cname_is_missing(self):
        self.tamper("example.com", lambda t: re.sub(r"(?m)^autodiscover\.example\.com\..*\n",
                                                    "", t))
        p, doc = self.check("example.com")
        self.assertEqual(p.returncode, 1, p)
        self.assertEqual(self.items(doc)["autodiscover CNAME"]["status"], "MISSING")

    def test_wrong_srv_target_differs(self):
        self.tamper("example.com", lambda t: t.replace("465 smtp.example.com.",
                                                       "465 smtp.elsewhere.example."))
        p, doc = self.check("example.com")
        self.assertEqual(p.returncode, 1, p)
        item = self.items(doc)[f"{SRV} SRV"]
        self.assertEqual(item["status"], "DIFFERS")
        self.assertIn("smtp.elsewhere.example.", item["found"])
        self.assertIn("smtp.example.com.", item["expected"])

    def test_served_body_differs(self):
        # nginx answers autoconfig.example.net with its own body (published.TAMPERED).
        p, doc = self.check("example.net")
        self.assertEqual(p.returncode, 1, p)
        items = self.items(doc, "example.net")
        self.assertEqual(items["autoconfig document"]["status"], "DIFFERS")
        self.assertIn("the body differs from line", items["autoconfig document"]["detail"])
        self.assertEqual(items["autodiscover document"]["status"], "PASS")
        self.assertEqual(items["_imaps._tcp SRV"]["status"], "PASS")

    def test_tampered_pacc_digest_differs(self):
        if not published.has_pacc_record(self.named.zones["example.com"][1]):
            self.skipTest("the dns command prints no PACC record (issue 13 not merged)")
        self.tamper("example.com", lambda t: re.sub(r"d=[A-Za-z0-9+/]{8}", "d=AAAAAAAA", t))
        p, doc = self.check("example.com")
        self.assertEqual(p.returncode, 1, p)
        items = self.items(doc)
        self.assertEqual(items["_ua-auto-config TXT"]["status"], "DIFFERS")
        self.assertEqual(items["PACC digest of the served body"]["status"], "DIFFERS")
        self.assertEqual(items["PACC digest of this service's body"]["status"], "DIFFERS")
        self.assertEqual(items["PACC document"]["status"], "PASS")

    def test_served_pacc_body_differs(self):
        if not published.has_pacc_record(self.named.zones["example.org"][1]):
            self.skipTest("the dns command prints no PACC record (issue 13 not merged)")
        p, doc = self.check("example.org")
        self.assertEqual(p.returncode, 1, p)
        items = self.items(doc, "example.org")
        self.assertEqual(items["PACC document"]["status"], "DIFFERS")
        self.assertEqual(items["PACC digest of the served body"]["status"], "DIFFERS")
        self.assertEqual(items["PACC digest of this service's body"]["status"], "PASS")
        self.assertEqual(items["_ua-auto-config TXT"]["status"], "PASS")

    # --- cannot tell ---------------------------------------------------------------
    def test_untrusted_certificate_is_error(self):
        p, doc = self.check("example.com", cafile=False)
        self.assertEqual(p.returncode, 1, p)
        items = self.items(doc)
        for name in ("autoconfig document", "autodiscover document"):
            self.assertEqual(items[name]["status"], "ERROR")
            self.assertRegex(items[name]["detail"], r"(?i)certificate|issuer")
        # The DNS items do not depend on the certificate.
        self.assertEqual(items["_imaps._tcp SRV"]["status"], "PASS")

    def test_unreachable_resolver_is_error(self):
        argv = ["--config", self.st.config_path, "check", "example.com", "--json",
                "--resolver", f"127.0.0.1:{published.harness.free_port()}", "--timeout", "1",
                "--cafile", self.st.ca.ca_file, "--connect", f"127.0.0.1:{self.st.port}"]
        p = run_binary(*argv)
        self.assertEqual(p.returncode, 1, p)
        items = self.items(json.loads(p.stdout))
        self.assertEqual(items["_imaps._tcp SRV"]["status"], "ERROR")
        self.assertEqual(items["autoconfig document"]["status"], "PASS")

    def test_oversized_and_silent_answers_are_bounded(self):
        # A TLS server of the test's own (the stack's certificate): one that sends an
        # endless body, one that never answers.
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.st.ca.cert_file, self.st.ca.key_file)
        for mode, pattern in (("endless", r"larger than 1048576 bytes"),
                              ("silent", r"(?i)timed? ?out")):
            with self.subTest(mode=mode), socket.create_server(("127.0.0.1", 0)) as srv:
                stop = threading.Event()
                worker = threading.Thread(target=_serve, args=(srv, ctx, mode, stop), daemon=True)
                worker.start()
                try:
                    p = run_binary("--config", self.st.config_path, "check", "example.com",
                                   "--json", "--resolver", self.named.address, "--timeout", "2",
                                   "--cafile", self.st.ca.ca_file,
                                   "--connect", f"127.0.0.1:{srv.getsockname()[1]}")
                finally:
                    stop.set()
                self.assertEqual(p.returncode, 1, p)
                item = self.items(json.loads(p.stdout))["autoconfig document"]
                self.assertEqual(item["status"], "ERROR")
                self.assertRegex(item["detail"], pattern)

    def test_unknown_domain_and_bad_options(self):
        p, doc = self.check("nowhere.example")
        self.assertEqual(p.returncode, 1, p)
        self.assertEqual(doc["items"][0]["detail"], "not in the database")
        p = run_binary("--config", self.st.config_path, "check", "example.com",
                       "--resolver", "not-an-address")
        self.assertEqual(p.returncode, 2, p)
        self.assertIn(b"--resolver", p.stderr)
        p = run_binary("--config", self.st.config_path, "check", "--timeout", "0")
        self.assertEqual(p.returncode, 2, p)


def _serve(srv, ctx, mode, stop):
    """Answers every connection with an endless body, or holds it without a word."""
    srv.settimeout(0.2)
    while not stop.is_set():
        try:
            conn, _ = srv.accept()
        except OSError:
            continue
        try:
            with ctx.wrap_socket(conn, server_side=True) as tls:
                tls.settimeout(0.2)
                try:
                    tls.recv(65536)
                except (OSError, ssl.SSLError):
                    pass
                if mode == "endless":
                    tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\n\r\n")
                    chunk = b"<x/>" * 16384
                    while not stop.is_set():
                        tls.sendall(chunk)
                else:
                    stop.wait(5)
        except (OSError, ssl.SSLError):
            pass


if __name__ == "__main__":
    unittest.main()
