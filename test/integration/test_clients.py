"""What real clients need, beyond automx2 (SPEC §12, issue 6): missing addresses,
authentication per client, SPA, v2 JSON, stable and signed profiles, IDN, the `dns`
and `lookup` commands."""

import base64
import hashlib
import json
import os
import plistlib
import shutil
import sqlite3
import subprocess
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET

import harness
from common import (AC_PATH, AD_PATH, MC_PATH, MOBILESYNC_NS, OUTLOOK_NS, RESP_NS,
                    SampleCase, autodiscover_body, o, q)

JSON = "application/json"
WELL_KNOWN = "/.well-known/autoconfig/mail/config-v1.1.xml"
MAILMAINT = "/.well-known/mail-v1.xml"
V2 = "/autodiscover/autodiscover.json"
MOBILESYNC_REQ_NS = "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006"
SERVICE_HOST = "autoconfig.provider.example"
IDN_A = "xn--bcher-kva.example"
IDN_U = "b\u00fccher.example"

SEED = {
    "version": 2,
    "provider": "Client Tests",
    "domains": [{"name": "clients.example"}, {"name": IDN_A}],
    "servers": [
        {"type": "imap", "name": "imap.clients.example", "port": 993},
        {"type": "imap", "name": "imap.clients.example", "port": 143, "prio": 20},
        {"type": "pop", "name": "pop.provider.example", "port": 995},
        {"type": "smtp", "name": "smtp.clients.example", "port": 587, "prio": 5},
        {"type": "smtp", "name": "smtp.clients.example", "port": 465},
        {"type": "caldav", "url": "https://dav.clients.example/cal/%EMAILADDRESS%/"},
        {"type": "carddav", "url": "https://dav.clients.example:8443/card/"},
    ],
}

# SPEC §12: database value → (Autoconfig <authentication>s, Autodiscover <SPA>,
# Mobileconfig MailServerAuthentication).
AUTHENTICATIONS = {
    "plain": (["password-cleartext"], "off", "EmailAuthPassword"),
    "password-cleartext": (["password-cleartext"], "off", "EmailAuthPassword"),
    "password-encrypted": (["password-encrypted"], "on", "EmailAuthPassword"),
    "NTLM": (["NTLM"], "on", "EmailAuthNTLM"),
    "GSSAPI": (["GSSAPI"], "on", "EmailAuthPassword"),
    "OAuth2": (["OAuth2", "password-cleartext"], "off", "EmailAuthPassword"),
    "client-IP-address": (["client-IP-address"], "off", "EmailAuthNone"),
    "none": (["none"], "off", "EmailAuthNone"),
}


def ad_mail_protocols(body):
    resp = ET.fromstring(body).find(o("Response"))
    out = []
    for p in resp.find(o("Account")).findall(o("Protocol")):
        out.append([(c.tag.split("}")[1], c.text) for c in p])
    return out


def run_binary(*args, timeout=30):
    env = dict(os.environ)
    env.pop("AUTOMX2_CONF", None)
    return subprocess.run([harness.session().binary, *args], capture_output=True,
                          timeout=timeout, env=env, stdin=subprocess.DEVNULL)


class ClientsSampleTest(SampleCase):
    """Against the shared sample stack (read-only)."""

    def test_missing_address_known_and_unknown_host(self):
        for path in (AC_PATH, WELL_KNOWN, MAILMAINT):
            for host in ("autoconfig.example.com", "autodiscover.example.com:8443",
                         "EXAMPLE.COM"):
                r = self.st.get(path, headers={"Host": host})
                self.assertEqual(r.status, 200, (path, host, r))
                root = ET.fromstring(r.body)
                self.assertEqual(root.find("emailProvider").get("id"), "automx2-1")
                usernames = {s[2]["username"] for s in self.ac_servers(root)}
                self.assertEqual(usernames, {"%EMAILADDRESS%"})
            for host in ("autoconfig.unknown.example", "autoconfig.", "[::1]"):
                r = self.st.get(path + "?emailaddress=", headers={"Host": host})
                self.assertEqual(r.status, 400, (path, host, r))
        # Mobileconfig still needs an address.
        r = self.st.get(MC_PATH, headers={"Host": "autoconfig.example.com"})
        self.assertEqual(r.status, 400, r)

    def test_mailmaint_location_same_document(self):
        classic = self.autoconfig("alice@example.com")
        draft = self.autoconfig("alice@example.com", path=MAILMAINT)
        self.assertEqual(draft.media_type, "application/xml")
        self.assertEqual(draft.body, classic.body)

    def test_spa_present_on_mail_protocols_only(self):
        r = self.autodiscover("alice@example.com")
        protocols = ad_mail_protocols(r.body)
        mail = [p for p in protocols if dict(p)["Type"] in ("IMAP", "POP3", "SMTP")]
        dav = [p for p in protocols if dict(p)["Type"] in ("CalDAV", "CardDAV")]
        self.assertEqual(len(mail), 5)
        self.assertEqual(len(dav), 2)
        for p in mail:
            tags = [t for t, _ in p]
            self.assertEqual(tags.count("SPA"), 1, p)
            self.assertEqual(dict(p)["SPA"], "off", p)  # the sample's "plain"
            before = "Encryption" if "Encryption" in tags else "SSL"
            self.assertEqual(tags.index("SPA"), tags.index(before) + 1, p)
        for p in dav:
            self.assertNotIn("SPA", dict(p), p)

    def test_namespace_less_and_mobilesync_requests(self):
        bare = ('<?xml version="1.0"?><Autodiscover><Request><EMailAddress>alice@example.com'
                "</EMailAddress><AcceptableResponseSchema>" + OUTLOOK_NS +
                "</AcceptableResponseSchema></Request></Autodiscover>")
        r = self.st.post(AD_PATH, bare, "text/xml")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(dict(ad_mail_protocols(r.body)[0])["LoginName"], "alice@example.com")
        # The mobilesync request namespace asking for the Outlook schema: answered.
        r = self.st.post(AD_PATH, autodiscover_body("alice@example.com", ns=MOBILESYNC_REQ_NS),
                         "text/xml")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(dict(ad_mail_protocols(r.body)[0])["Server"], "imap.example.com")
        # Only the mobilesync response schema: error 601, HTTP 200.
        r = self.st.post(AD_PATH, autodiscover_body("alice@example.com", schema=MOBILESYNC_NS,
                                                    ns=MOBILESYNC_REQ_NS), "text/xml")
        self.assertEqual(r.status, 200, r)
        err = ET.fromstring(r.body).find(f"{{{RESP_NS}}}Response/{{{RESP_NS}}}Error")
        self.assertIsNotNone(err, r.text)
        self.assertEqual(err.find(f"{{{RESP_NS}}}ErrorCode").text, "601")

    def test_v2_json_both_forms_and_bad_protocol(self):
        hdr = {"Host": "autodiscover.example.com"}
        want = {"Protocol": "AutodiscoverV1",
                "Url": "https://autodiscover.example.com/autodiscover/autodiscover.xml"}
        for path in (V2 + q(Email="alice@example.com", Protocol="AutodiscoverV1"),
                     V2 + q(Email="alice@example.com", Protocol="AUTODISCOVERv1"),
                     "/AutoDiscover/AutoDiscover.JSON" + q(Email="alice@example.com",
                                                          Protocol="autodiscoverv1"),
                     V2 + "/v1.0/alice@example.com" + q(Protocol="AutodiscoverV1"),
                     "/Autodiscover/Autodiscover.json/V1.0/alice%40example.com" +
                     q(Protocol="AutodiscoverV1"),
                     V2 + q(Email="not an address", Protocol="AutodiscoverV1")):
            r = self.st.get(path, headers=hdr)
            self.assertEqual(r.status, 200, (path, r))
            self.assertEqual(r.media_type, JSON, r)
            self.assertEqual(json.loads(r.body), want)
        # The Url follows the Host the client used.
        r = self.st.get(V2 + q(Protocol="AutodiscoverV1"), headers={"Host": "mail.example.org"})
        self.assertEqual(json.loads(r.body)["Url"],
                         "https://mail.example.org/autodiscover/autodiscover.xml")
        for path in (V2 + q(Email="alice@example.com", Protocol="ActiveSync"),
                     V2 + q(Email="alice@example.com"),
                     V2 + q(Email='"}<x>', Protocol='"}<x>'),
                     V2 + "/v1.0/alice@example.com" + q(Protocol="Rest")):
            r = self.st.get(path, headers=hdr)
            self.assertEqual(r.status, 400, (path, r))
            self.assertEqual(r.media_type, JSON, r)
            body = json.loads(r.body)
            self.assertEqual(body["ErrorCode"], "InvalidProtocol")
            self.assertIsInstance(body["ErrorMessage"], str)
            self.assertNotIn(b"<x>", r.body)
        r = self.st.post(V2, "{}", JSON, headers=hdr)
        self.assertEqual(r.status, 405, r)

    def test_same_address_same_identifiers(self):
        first = self.mobileconfig("alice@example.com")
        second = self.mobileconfig("alice@example.com")
        self.assertEqual(first.body, second.body)
        a, b = (plistlib.loads(r.body) for r in (first, second))
        uuids = [a["PayloadUUID"]] + [p["PayloadUUID"] for p in a["PayloadContent"]]
        self.assertEqual(uuids, [b["PayloadUUID"]] + [p["PayloadUUID"] for p in b["PayloadContent"]])
        self.assertEqual(len(set(uuids)), len(uuids))
        other = plistlib.loads(self.mobileconfig("bob@example.com").body)
        self.assertNotEqual(other["PayloadUUID"], a["PayloadUUID"])


class ClientsSeededTest(unittest.TestCase):
    """A stack of its own, seeded per test through POST /initdb/."""

    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.st = harness.session().stack("clients", config={"service_host": SERVICE_HOST})

    def seed(self, seed):
        r = self.st.request("DELETE", "/initdb/")
        self.assertEqual(r.status, 200, r)
        r = self.st.post("/initdb/", json.dumps(seed), JSON)
        self.assertEqual(r.status, 200, r)
        self.assertIn(b"Database is now prepared", r.body)

    def write_server_column(self, column, value):
        sql = f"UPDATE server SET {column} = ?"
        if self.st.dialect != "sqlite":
            self.st.db_query(sql, (value,))
            return
        con = sqlite3.connect(self.st.db_path, timeout=10)
        with con:
            con.execute(sql, (value,))
        con.close()

    def test_each_authentication_per_protocol(self):
        for value, (autoconfig, spa, apple) in list(AUTHENTICATIONS.items()) + [
                ("kerberos-v9", (None, None, None))]:
            with self.subTest(authentication=value):
                stored = value if autoconfig is not None else "plain"
                self.seed({"version": 2, "provider": "Auth Test", "domains": [{"name": "auth.example"}],
                           "servers": [
                               {"type": "imap", "name": "imap.auth.example", "authentication": stored},
                               {"type": "smtp", "name": "smtp.auth.example", "authentication": stored}]})
                if autoconfig is None:
                    # The seed refuses an unknown word (issue 11); another tool may still
                    # write one, and every protocol then answers 400 (SPEC §12).
                    r = self.st.post("/initdb/", json.dumps(
                        {"version": 2, "provider": "Auth Test", "domains": [{"name": "a2.example"}],
                         "servers": [{"type": "imap", "name": "i", "authentication": value}]}), JSON)
                    self.assertEqual(r.status, 400, r)
                    self.write_server_column("authentication", value)
                ac = self.st.get(AC_PATH + q(emailaddress="u@auth.example"))
                ad = self.st.post(AD_PATH, autodiscover_body("u@auth.example"), "text/xml")
                mc = self.st.get(MC_PATH + q(emailaddress="u@auth.example"))
                if autoconfig is None:
                    for r in (ac, ad, mc):
                        self.assertEqual(r.status, 400, r)
                    continue
                for r in (ac, ad, mc):
                    self.assertEqual(r.status, 200, r)
                servers = ET.fromstring(ac.body).find("emailProvider")
                for kind in ("incomingServer", "outgoingServer"):
                    el = servers.find(kind)
                    expected = autoconfig
                    if value == "client-IP-address" and kind == "incomingServer":
                        expected = ["none"]  # config-v1.1 defines it for SMTP only
                    self.assertEqual([a.text for a in el.findall("authentication")], expected,
                                     kind)
                for p in ad_mail_protocols(ad.body):
                    self.assertEqual(dict(p)["SPA"], spa, p)
                mail = plistlib.loads(mc.body)["PayloadContent"][0]
                self.assertEqual(mail["IncomingMailServerAuthentication"], apple)
                self.assertEqual(mail["OutgoingMailServerAuthentication"], apple)

    def test_idn_address(self):
        self.seed(SEED)
        address = "user@" + IDN_U
        r = self.st.get(AC_PATH + q(emailaddress=address))
        self.assertEqual(r.status, 200, r)
        domains = [d.text for d in ET.fromstring(r.body).find("emailProvider").findall("domain")]
        self.assertEqual(domains, ["clients.example", IDN_A])
        r = self.st.post(AD_PATH, autodiscover_body(address), "text/xml; charset=utf-8")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(dict(ad_mail_protocols(r.body)[0])["LoginName"], "user@" + IDN_A)
        r = self.st.get(MC_PATH + q(emailaddress=address))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("Content-Disposition"),
                         f'attachment; filename="{IDN_A}.mobileconfig"')
        profile = plistlib.loads(r.body)
        self.assertEqual(profile["PayloadContent"][0]["EmailAddress"], "user@" + IDN_A)
        self.assertEqual(profile["PayloadDisplayName"], f"{IDN_A} accounts")
        # Without an address: a U-label Host finds the A-label domain.
        r = self.st.get(MAILMAINT, headers={"Host": "autoconfig." + IDN_A})
        self.assertEqual(r.status, 200, r)

    def zone_records(self, domain, snippet):
        """Loads the snippet into a zone with named-compilezone; its canonical records."""
        with tempfile.TemporaryDirectory() as d:
            zone = os.path.join(d, "zone")
            with open(zone, "w") as f:
                f.write(f"$ORIGIN {domain}.\n$TTL 3600\n"
                        f"@ IN SOA ns.{domain}. hostmaster.{domain}. 1 7200 3600 1209600 3600\n"
                        f"@ IN NS ns.{domain}.\nns IN A 192.0.2.53\n")
                f.write(snippet)
            p = subprocess.run(["named-checkzone", domain, zone], capture_output=True, timeout=30)
            self.assertEqual(p.returncode, 0, (p.stdout + p.stderr).decode() + snippet)
            self.assertIn(b"OK", p.stdout)
            out = os.path.join(d, "canonical")
            p = subprocess.run(["named-compilezone", "-q", "-o", out, domain, zone],
                               capture_output=True, timeout=30)
            self.assertEqual(p.returncode, 0, (p.stdout + p.stderr).decode())
            with open(out) as f:
                lines = f.read().splitlines()
        recs = set()
        for line in lines:
            owner, _ttl, klass, rtype, data = line.split(None, 4)
            self.assertEqual(klass, "IN")
            if rtype not in ("SOA", "NS", "A"):
                recs.add((owner, rtype, " ".join(data.split())))
        return recs

    @unittest.skipUnless(shutil.which("named-checkzone"), "bind9-utils not installed")
    def test_dns_command_loads_and_matches(self):
        self.seed(SEED)
        p = run_binary("--config", self.st.config_path, "dns", "clients.example")
        self.assertEqual(p.returncode, 0, p)
        d = "clients.example."
        want = {
            ("_imap._tcp." + d, "SRV", "20 1 143 imap.clients.example."),
            ("_imaps._tcp." + d, "SRV", "10 1 993 imap.clients.example."),
            ("_pop3._tcp." + d, "SRV", "0 0 0 ."),
            ("_pop3s._tcp." + d, "SRV", "10 1 995 pop.provider.example."),
            ("_submission._tcp." + d, "SRV", "5 1 587 smtp.clients.example."),
            ("_submissions._tcp." + d, "SRV", "10 1 465 smtp.clients.example."),
            ("_autodiscover._tcp." + d, "SRV", f"0 1 443 {SERVICE_HOST}."),
            ("autoconfig." + d, "CNAME", f"{SERVICE_HOST}."),
            ("autodiscover." + d, "CNAME", f"{SERVICE_HOST}."),
            ("_caldavs._tcp." + d, "SRV", "0 1 443 dav.clients.example."),
            ("_caldavs._tcp." + d, "TXT", '"path=/cal/"'),
            ("_carddavs._tcp." + d, "SRV", "0 1 8443 dav.clients.example."),
            ("_carddavs._tcp." + d, "TXT", '"path=/card/"'),
            # PACC (SPEC §16): the digest of exactly the bytes the route serves.
            ("ua-auto-config." + d, "CNAME", f"{SERVICE_HOST}."),
        }
        served = self.st.get("/.well-known/user-agent-configuration.json",
                             headers={"Host": "ua-auto-config.clients.example"})
        self.assertEqual(served.status, 200, served)
        digest = base64.b64encode(hashlib.sha256(served.body).digest()).decode()
        want.add(("_ua-auto-config." + d, "TXT", f'"v=UAAC1; a=sha256; d={digest}"'))
        self.assertEqual(self.zone_records("clients.example", p.stdout.decode()), want)

        # Every domain when none is named: the IDN domain in its A-label zone.
        p = run_binary("--config", self.st.config_path, "dns")
        self.assertEqual(p.returncode, 0, p)
        text = p.stdout.decode()
        self.assertIn("_imaps._tcp.clients.example.", text)
        idn_part = text[text.index(f"; {IDN_A}"):]
        idn = self.zone_records(IDN_A, idn_part)
        self.assertIn((f"_submissions._tcp.{IDN_A}.", "SRV", "10 1 465 smtp.clients.example."),
                      idn)
        self.assertEqual(len(idn), len(want))

        # An unknown domain: exit 1, said on stderr.
        p = run_binary("--config", self.st.config_path, "dns", "nowhere.example")
        self.assertEqual(p.returncode, 1, p)
        self.assertIn(b"nowhere.example is not in the database", p.stderr)

    def test_lookup_byte_equal_to_http(self):
        self.seed(SEED)
        http = {
            "autoconfig": self.st.get(AC_PATH + q(emailaddress="alice@clients.example")),
            "autodiscover": self.st.post(AD_PATH, autodiscover_body("alice@clients.example"),
                                         "text/xml"),
            "mobileconfig": self.st.get(MC_PATH + q(emailaddress="alice@clients.example")),
        }
        for protocol, r in http.items():
            with self.subTest(protocol=protocol):
                self.assertEqual(r.status, 200, r)
                p = run_binary("--config", self.st.config_path, "lookup", "alice@clients.example",
                               "--protocol", protocol)
                self.assertEqual(p.returncode, 0, p)
                self.assertEqual(p.stdout, r.body)
                self.assertIn(b"200 OK", p.stderr)
                self.assertIn(r.header("Content-Type").split(";")[0].encode(), p.stderr)
        p = run_binary("--config", self.st.config_path, "lookup", "alice@nowhere.example",
                       "--protocol", "autoconfig")
        self.assertEqual((p.returncode, p.stdout), (1, b""), p)
        p = run_binary("--config", self.st.config_path, "lookup", "not-an-address",
                       "--protocol", "mobileconfig")
        self.assertEqual(p.returncode, 2, p)
        p = run_binary("--config", self.st.config_path, "lookup", "alice@clients.example")
        self.assertEqual(p.returncode, 2, p)  # --protocol is required


def openssl(*args, cwd):
    p = subprocess.run(["openssl", *args], capture_output=True, cwd=cwd, timeout=30)
    if p.returncode != 0:
        raise AssertionError(f"openssl {' '.join(args)}: {p.stderr.decode()}")
    return p


EXTENSIONS = """[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
[signer]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
"""


class SignedProfileTest(unittest.TestCase):
    """A stack with sign_certificate, sign_key and sign_chain set, over a test PKI."""

    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.pki = os.path.join(harness.session().root, "pki")
        os.makedirs(cls.pki)
        with open(os.path.join(cls.pki, "ext.cnf"), "w") as f:
            f.write(EXTENSIONS)
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "30",
                "-subj", "/CN=automx2 test root", "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=cls.pki)
        openssl("req", *ec, "-keyout", "int.key", "-out", "int.csr", "-subj",
                "/CN=automx2 test intermediate", cwd=cls.pki)
        openssl("x509", "-req", "-in", "int.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-set_serial", "2", "-days", "30", "-extfile", "ext.cnf", "-extensions", "ca",
                "-out", "chain.pem", cwd=cls.pki)
        cls.issue("signer 1", "signer.pem", "signer.key", 3)
        cls.st = harness.session().stack("signed", config={
            "sign_certificate": os.path.join(cls.pki, "signer.pem"),
            "sign_key": os.path.join(cls.pki, "signer.key"),
            "sign_chain": os.path.join(cls.pki, "chain.pem"),
        })
        r = cls.st.get("/initdb/")
        assert r.status == 200, r

    @classmethod
    def issue(cls, cn, cert, key, serial):
        """A signer certificate from the intermediate, written to new files."""
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", key, "-out", cert + ".csr", "-subj", f"/CN=automx2 {cn}", cwd=cls.pki)
        openssl("x509", "-req", "-in", cert + ".csr", "-CA", "chain.pem", "-CAkey", "int.key",
                "-set_serial", str(serial), "-days", "30", "-extfile", "ext.cnf", "-extensions",
                "signer", "-out", cert, cwd=cls.pki)

    def verify(self, der):
        """openssl cms -verify against the root alone; (content, signer subject)."""
        with tempfile.TemporaryDirectory() as d:
            src = os.path.join(d, "profile.der")
            with open(src, "wb") as f:
                f.write(der)
            content, signer = os.path.join(d, "content"), os.path.join(d, "signer.pem")
            p = subprocess.run(["openssl", "cms", "-verify", "-inform", "DER", "-in", src,
                                "-CAfile", os.path.join(self.pki, "ca.pem"), "-out", content,
                                "-signer", signer], capture_output=True, timeout=30)
            self.assertEqual(p.returncode, 0, p.stderr.decode())
            self.assertIn(b"Verification successful", p.stderr)
            with open(content, "rb") as f:
                data = f.read()
            subject = subprocess.run(["openssl", "x509", "-in", signer, "-noout", "-subject"],
                                     capture_output=True, timeout=30).stdout.decode()
        return data, subject

    def profile(self):
        r = self.st.get(MC_PATH + q(emailaddress="alice@example.com"))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.media_type, "application/x-apple-aspen-config")
        self.assertEqual(r.header("Content-Disposition"),
                         'attachment; filename="example.com.mobileconfig"')
        self.assertEqual(r.body[:1], b"\x30")  # DER, not XML
        return r.body

    def replace(self, name, source):
        tmp = os.path.join(self.pki, name + ".tmp")
        shutil.copyfile(os.path.join(self.pki, source), tmp)
        os.replace(tmp, os.path.join(self.pki, name))

    def test_1_signed_profile_verifies_and_holds_the_unsigned_plist(self):
        content, subject = self.verify(self.profile())
        self.assertIn("automx2 signer 1", subject)
        unsigned = harness.session().sample_stack().get(MC_PATH + q(emailaddress="alice@example.com"))
        self.assertEqual(unsigned.status, 200, unsigned)
        self.assertTrue(unsigned.body.startswith(b"<?xml"))
        self.assertEqual(content, unsigned.body)
        # Other routes are unaffected.
        r = self.st.get(AC_PATH + q(emailaddress="alice@example.com"))
        self.assertEqual(r.media_type, "application/xml", r)

    def test_2_renewed_certificate_picked_up_without_restart(self):
        pid = self.st.service.pid
        self.verify(self.profile())
        self.issue("signer 2", "signer2.pem", "signer2.key", 4)
        self.replace("signer.key", "signer2.key")
        self.replace("signer.pem", "signer2.pem")
        time.sleep(1.3)  # the files are checked at most once per second
        _, subject = self.verify(self.profile())
        self.assertIn("automx2 signer 2", subject)

        # A broken file: the previous good certificate keeps signing.
        with open(os.path.join(self.pki, "broken.pem"), "w") as f:
            f.write("-----BEGIN CERTIFICATE-----\nnot base64\n")
        self.replace("signer.pem", "broken.pem")
        time.sleep(1.3)
        _, subject = self.verify(self.profile())
        self.assertIn("automx2 signer 2", subject)
        with open(self.st.service_log, errors="replace") as f:
            log = f.read()
        self.assertRegex(log, r"ERROR: cannot load the Mobileconfig signing files: sign_certificate")
        self.assertNotIn("BEGIN EC PRIVATE KEY", log)
        self.assertNotIn("BEGIN PRIVATE KEY", log)

        self.replace("signer.pem", "signer2.pem")
        self.assertIsNone(self.st.service.poll())
        self.assertEqual(self.st.service.pid, pid)


class SigningConfigTest(unittest.TestCase):
    def test_partial_signing_config_refused_at_start(self):
        d = os.path.join(harness.session().root, "signing-cfg")
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, "partial.conf")
        with open(path, "w") as f:
            f.write("[automx2]\nsign_certificate = /nonexistent/cert.pem\n")
        p = run_binary("--config", path, "--socket", os.path.join(d, "never.sock"))
        self.assertEqual(p.returncode, 2, p)
        self.assertRegex(p.stderr.decode(), r"sign_key")


if __name__ == "__main__":
    unittest.main()
