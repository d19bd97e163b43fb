"""PACC, %EMAILDOMAIN% in host names and no cleartext beside TLS (SPEC §16), over HTTP.

The expected PACC documents are written here from SPEC §16 and the sample data
(core/sample_seed.cpp), and their digests computed with hashlib: run under every
--dialect, the same data must give the same bytes through SQLite, MariaDB and
PostgreSQL.
"""

import base64
import hashlib
import json
import os
import plistlib
import re
import subprocess
import unittest
import xml.etree.ElementTree as ET

import harness
from common import AC_PATH, AD_PATH, MC_PATH, SampleCase, autodiscover_body, o, q

PACC_PATH = "/.well-known/user-agent-configuration.json"


def pacc_document(protocols, name, short_name, password=True, issuer=None):
    """The byte-stable form SPEC §16 fixes: member order as written, no white space."""
    authentication = {"password": password}
    if issuer is not None:
        authentication["oauth-public"] = {"issuer": issuer}
    document = {"protocols": protocols, "authentication": authentication,
                "info": {"provider": {"name": name, "shortName": short_name}}}
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def digest(body):
    return base64.b64encode(hashlib.sha256(body).digest()).decode()


# example.com of the sample data: IMAP 993, POP3 995 and SMTP 465 with SSL fit; IMAP 143
# and SMTP 587 (STARTTLS) and both DAV urls (a per-user path, a local-part login) do not.
EXAMPLE = pacc_document({"imap": {"host": "imap.example.com"},
                         "pop3": {"host": "pop.example.com"},
                         "submit": {"host": "smtp.example.com"}},
                        "Example Inc.", "Example")


def run_binary(*args, timeout=60):
    env = dict(os.environ)
    env.pop("AUTOMX2_CONF", None)
    return subprocess.run([harness.session().binary, *args], capture_output=True,
                          timeout=timeout, env=env, stdin=subprocess.DEVNULL)


class PaccSampleTest(SampleCase):
    """Against the shared sample stack (read-only)."""

    def pacc(self, host, expect=200):
        r = self.st.get(PACC_PATH, headers={"Host": host})
        self.assertEqual(r.status, expect, r)
        return r

    def test_sample_document_bytes_and_digest(self):
        r = self.pacc("ua-auto-config.example.com")
        self.assertEqual(r.media_type, "application/json", r)
        self.assertEqual(r.body, EXAMPLE)
        self.assertEqual(digest(r.body), digest(EXAMPLE))
        # Parsed as a client would: the members SPEC §16 names.
        doc = json.loads(r.body)
        self.assertEqual(list(doc), ["protocols", "authentication", "info"])
        self.assertEqual(doc["protocols"]["imap"], {"host": "imap.example.com"})
        # The same bytes again (the response cache) and for the bare domain.
        self.assertEqual(self.pacc("ua-auto-config.example.com").body, EXAMPLE)
        self.assertEqual(self.pacc("EXAMPLE.com").body, EXAMPLE)

    def test_statuses(self):
        # other.example logs in with the local part: nothing fits; serverless has none.
        self.pacc("ua-auto-config.other.example", expect=404)
        self.pacc("ua-auto-config.serverless.example", expect=404)
        self.assertEqual(self.pacc("ua-auto-config.unknown.example", expect=204).body, b"")
        self.pacc("ua-auto-config.broken.example", expect=400)
        r = self.st.request("POST", PACC_PATH, body=b"{}",
                            headers={"Host": "ua-auto-config.example.com",
                                     "Content-Type": "application/json"})
        self.assertEqual(r.status, 405, r)

    def test_left_out_servers_logged_once(self):
        for _ in range(3):
            self.pacc("ua-auto-config.other.example", expect=404)
        with open(self.st.service_log, errors="replace") as f:
            lines = [line for line in f if "PACC for other.example leaves out" in line]
        # Two POP3 servers (login name %EMAILLOCALPART%) and the STARTTLS submission
        # server, once per process (Apache's mod_fcgid may have started several).
        per_process = {}
        for line in lines:
            pid = re.search(r"automx2-fcgi\[(\d+)\]", line)
            per_process.setdefault(pid.group(1) if pid else "?", []).append(line)
        self.assertTrue(per_process, lines)
        for logged in per_process.values():
            self.assertEqual(len(logged), 3, logged)

    def test_dns_prints_the_digest_of_the_served_bytes(self):
        served = self.pacc("ua-auto-config.example.com").body
        p = run_binary("--config", self.st.config_path, "dns", "example.com")
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.decode().splitlines()
        self.assertIn(f'_ua-auto-config.example.com. TXT "v=UAAC1; a=sha256; d={digest(EXAMPLE)}"',
                      lines)
        self.assertEqual(digest(served), digest(EXAMPLE))
        self.assertTrue(any(line.startswith("; PACC leaves out IMAP server id") for line in lines))

    def test_lookup_and_check_config(self):
        p = run_binary("--config", self.st.config_path, "lookup", "example.com", "--protocol",
                       "pacc")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, EXAMPLE)
        self.assertIn(f'TXT: _ua-auto-config.example.com. TXT "v=UAAC1; a=sha256; '
                      f'd={digest(EXAMPLE)}"', p.stderr.decode())
        p = run_binary("--config", self.st.config_path, "lookup", "x@other.example",
                       "--protocol", "pacc")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("leaves out POP3 server id", p.stderr.decode())

        p = run_binary("--check-config", "--config", self.st.config_path)
        out = p.stdout.decode()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("PACC:          example.com: publishes imap pop3 submit", out)
        self.assertIn("PACC:          other.example: nothing PACC can express (404)", out)
        self.assertIn("PACC:          other.example: leaves out POP3 server id", out)


# One server row per service for every customer domain (SPEC §16), beside a provider
# that offers only cleartext.
HOSTER_SEED = {
    "version": 2,
    "provider": "Hoster Ltd",
    "domains": [{"name": "customer-a.example"}, {"name": "customer-b.example"}],
    "servers": [
        {"type": "imap", "name": "imap.%EMAILDOMAIN%", "port": 143, "socket_type": "plain"},
        {"type": "imap", "name": "imap.%EMAILDOMAIN%", "port": 993, "socket_type": "SSL"},
        {"type": "pop", "name": "pop.%EMAILDOMAIN%", "port": 110, "socket_type": "plain"},
        {"type": "smtp", "name": "smtp.%EMAILDOMAIN%", "port": 465, "socket_type": "SSL"},
        {"type": "smtp", "name": "smtp.%EMAILDOMAIN%", "port": 25, "socket_type": "plain"},
        {"type": "carddav", "url": "https://dav.%EMAILDOMAIN%/carddav/"},
    ],
}
PLAIN_SEED = {
    "version": 2,
    "provider": "Plain Old Mail",
    "domains": [{"name": "plain.example"}],
    "servers": [{"type": "imap", "name": "mail.plain.example", "port": 143,
                 "socket_type": "plain"},
                {"type": "smtp", "name": "mail.plain.example", "port": 25,
                 "socket_type": "plain"}],
}


class HostRulesTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        # A seed holds one provider, and /initdb/ loads only into an empty database.
        cls.st = cls.seeded("pacc-hosts", HOSTER_SEED)
        cls.plain = cls.seeded("pacc-plain", PLAIN_SEED)

    @staticmethod
    def seeded(name, seed):
        st = harness.session().stack(name)
        r = st.post("/initdb/", json.dumps(seed), "application/json")
        if r.status != 200 or b"Database is now prepared" not in r.body:
            raise harness.HarnessError(f"seeding {name}: {r!r}")
        return st

    def autoconfig_servers(self, address, st=None):
        r = (st or self.st).get(AC_PATH + q(emailaddress=address))
        self.assertEqual(r.status, 200, r)
        prov = ET.fromstring(r.body).find("emailProvider")
        return [(el.get("type"), el.findtext("hostname"), el.findtext("port"),
                 el.findtext("socketType"), el.findtext("username"))
                for el in prov if el.tag in ("incomingServer", "outgoingServer")]

    def test_emaildomain_in_every_protocol(self):
        for domain in ("customer-a.example", "customer-b.example"):
            address = "jane@" + domain
            servers = self.autoconfig_servers(address)
            self.assertEqual({s[1] for s in servers}, {f"imap.{domain}", f"pop.{domain}",
                                                       f"smtp.{domain}"})
            # User names keep their placeholders for the client (SPEC §3).
            self.assertEqual({s[4] for s in servers}, {"%EMAILADDRESS%"})

            r = self.st.post(AD_PATH, autodiscover_body(address), "text/xml")
            self.assertEqual(r.status, 200, r)
            protocols = ET.fromstring(r.body).findall(
                f"{o('Response')}/{o('Account')}/{o('Protocol')}")
            self.assertEqual({p.findtext(o("Server")) for p in protocols},
                             {f"imap.{domain}", f"pop.{domain}", f"smtp.{domain}",
                              f"https://dav.{domain}/carddav/"})

            r = self.st.get(MC_PATH + q(emailaddress=address))
            self.assertEqual(r.status, 200, r)
            mail = plistlib.loads(r.body, fmt=plistlib.FMT_XML)["PayloadContent"][0]
            self.assertEqual(mail["IncomingMailServerHostName"], f"imap.{domain}")
            self.assertEqual(mail["OutgoingMailServerHostName"], f"smtp.{domain}")

            r = self.st.get(PACC_PATH, headers={"Host": "ua-auto-config." + domain})
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.body, pacc_document(
                {"imap": {"host": f"imap.{domain}"}, "submit": {"host": f"smtp.{domain}"},
                 "carddav": {"url": f"https://dav.{domain}/carddav/"}},
                "Hoster Ltd", "Hoster"))
            for body in (r.body,):
                self.assertNotIn(b"%EMAILDOMAIN%", body)

    def test_dns_digest_per_customer_domain(self):
        p = run_binary("--config", self.st.config_path, "dns", "customer-a.example",
                       "customer-b.example")
        self.assertEqual(p.returncode, 0, p.stderr)
        out = p.stdout.decode()
        for domain in ("customer-a.example", "customer-b.example"):
            body = self.st.get(PACC_PATH, headers={"Host": "ua-auto-config." + domain}).body
            self.assertIn(f'_ua-auto-config.{domain}. TXT "v=UAAC1; a=sha256; d={digest(body)}"',
                          out)
            self.assertIn(f"_imaps._tcp.{domain}.", out)
            self.assertIn(f"imap.{domain}.", out)

    def test_no_cleartext_beside_tls(self):
        # IMAP 143 and SMTP 25 go (SSL servers of their type exist); POP 110 is all
        # POP there is and stays.
        self.assertEqual(self.autoconfig_servers("jane@customer-a.example"),
                         [("imap", "imap.customer-a.example", "993", "SSL", "%EMAILADDRESS%"),
                          ("pop3", "pop.customer-a.example", "110", "plain", "%EMAILADDRESS%"),
                          ("smtp", "smtp.customer-a.example", "465", "SSL", "%EMAILADDRESS%")])
        self.assertEqual([s[2] for s in self.autoconfig_servers("jane@plain.example",
                                                                 self.plain)],
                         ["143", "25"])
        # Autodiscover keeps them all: the rule is Autoconfig's.
        r = self.st.post(AD_PATH, autodiscover_body("jane@customer-a.example"), "text/xml")
        self.assertIn(b"<Port>143</Port>", r.body)

    def test_check_config_warns_about_cleartext_only(self):
        p = run_binary("--check-config", "--config", self.st.config_path)
        self.assertEqual(p.returncode, 0, p.stderr)
        err = p.stderr.decode()
        self.assertIn("warning: customer-a.example: only cleartext (plain) pop servers", err)
        self.assertNotIn("customer-a.example: only cleartext (plain) imap", err)
        self.assertIn("PACC:          customer-b.example: publishes imap submit carddav",
                      p.stdout.decode())

        p = run_binary("--check-config", "--config", self.plain.config_path)
        self.assertEqual(p.returncode, 0, p.stderr)
        err = p.stderr.decode()
        self.assertIn("warning: plain.example: only cleartext (plain) imap servers", err)
        self.assertIn("warning: plain.example: only cleartext (plain) smtp servers", err)
        self.assertIn("PACC:          plain.example: nothing PACC can express (404)",
                      p.stdout.decode())
        r = self.plain.get(PACC_PATH, headers={"Host": "ua-auto-config.plain.example"})
        self.assertEqual(r.status, 404, r)
