"""Databases not written by automx2-fcgi (SPEC §2): automx2's schema created by raw
SQL with no SQL defaults and NULLs where automx2 relied on Python defaults, and an
older automx2 database (no server.prio, no DAV tables) upgraded in place."""

import os
import sqlite3
import unittest
import xml.etree.ElementTree as ET

import harness
from common import (AC_PATH, AD_PATH, MC_PATH, autodiscover_body, o, plistutil_parse, q)

# automx2's tables as SQLAlchemy creates them on SQLite, minus every SQL default, with
# NULLs where automx2 relies on Python defaults (the per-dialect fixtures hold the same).
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures",
                       "automx2.sqlite.sql"), encoding="utf-8") as _fixture:
    AUTOMX2_SCHEMA = _fixture.read()

# automx2 before 2020/2021: no server.prio, no DAV tables.
LEGACY_SCHEMA = """
CREATE TABLE provider (id INTEGER NOT NULL, name VARCHAR(128) NOT NULL,
    short_name VARCHAR(32) NOT NULL, PRIMARY KEY (id));
CREATE TABLE ldapserver (id INTEGER NOT NULL, name VARCHAR(128) NOT NULL, port INTEGER NOT NULL,
    use_ssl BOOLEAN NOT NULL, search_base VARCHAR(128) NOT NULL,
    search_filter VARCHAR(128) NOT NULL, attr_uid VARCHAR(32) NOT NULL, attr_cn VARCHAR(32),
    bind_password VARCHAR(128), bind_user VARCHAR(128), PRIMARY KEY (id));
CREATE TABLE server (id INTEGER NOT NULL, name VARCHAR(128) NOT NULL, port INTEGER NOT NULL,
    type VARCHAR(32) NOT NULL, socket_type VARCHAR(32) NOT NULL, user_name VARCHAR(64) NOT NULL,
    authentication VARCHAR(32) NOT NULL, PRIMARY KEY (id));
CREATE TABLE domain (id INTEGER NOT NULL, name VARCHAR(128) NOT NULL, provider_id INTEGER NOT NULL,
    ldapserver_id INTEGER, PRIMARY KEY (id), UNIQUE (name));
CREATE TABLE server_domain (server_id INTEGER NOT NULL, domain_id INTEGER NOT NULL,
    PRIMARY KEY (server_id, domain_id));
INSERT INTO provider VALUES (1, 'Old Co', 'Old');
INSERT INTO domain VALUES (1, 'legacy.example', 1, NULL);
INSERT INTO server VALUES (1, 'smtp.legacy.example', 587, 'smtp', 'STARTTLS', '%EMAILADDRESS%', 'plain');
INSERT INTO server VALUES (2, 'imap.legacy.example', 993, 'imap', 'SSL', '%EMAILADDRESS%', 'plain');
INSERT INTO server_domain VALUES (1, 1), (2, 1);
"""


def make_db(name, script):
    d = os.path.join(harness.session().root, name + "-db")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "automx2.sqlite")
    con = sqlite3.connect(path)
    con.executescript(script)
    con.commit()
    con.close()
    return path


class RawSqlDatabaseTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.st = harness.session().stack("rawsql", database=make_db("rawsql", AUTOMX2_SCHEMA))

    def test_rows_untouched_nulls_stay(self):
        self.assertEqual(self.st.db_query(
            "SELECT socket_type, user_name, authentication FROM server WHERE id IN (11, 12)"),
            [(None, None, None)] * 2)

    def test_autoconfig_python_defaults_applied(self):
        r = self.st.get(AC_PATH + q(emailaddress="carol@raw.example"))
        self.assertEqual(r.status, 200, r)
        prov = ET.fromstring(r.body).find("emailProvider")
        self.assertEqual(prov.get("id"), "automx2-7")
        self.assertEqual([d.text for d in prov.findall("domain")], ["raw.example", "raw2.example"])
        servers = [(e.tag, e.get("type"), {c.tag: c.text for c in e}) for e in prov
                   if e.tag in ("incomingServer", "outgoingServer")]
        self.assertEqual(servers, [
            ("incomingServer", "imap", {"hostname": "imap.raw.example", "port": "993",
                                        "socketType": "SSL", "username": "%EMAILLOCALPART%",
                                        "authentication": "password-encrypted"}),
            ("outgoingServer", "smtp", {"hostname": "smtp.raw.example", "port": "587",
                                        "socketType": "STARTTLS", "username": "%EMAILADDRESS%",
                                        "authentication": "password-cleartext"}),
            ("incomingServer", "imap", {"hostname": "imap.raw.example", "port": "143",
                                        "socketType": "STARTTLS", "username": "%EMAILADDRESS%",
                                        "authentication": "password-cleartext"}),
        ])

    def test_mixed_case_domain_in_database_matches(self):
        r = self.st.get(AC_PATH + q(emailaddress="carol@raw2.example"))
        self.assertEqual(r.status, 200, r)
        self.assertIn(b"imap.raw.example", r.body)

    def test_autodiscover(self):
        r = self.st.post(AD_PATH, autodiscover_body("carol@raw.example"), "text/xml")
        self.assertEqual(r.status, 200, r)
        protos = [[(c.tag.split("}")[1], c.text) for c in p] for p in ET.fromstring(r.body).findall(
            f"{o('Response')}/{o('Account')}/{o('Protocol')}")]
        self.assertEqual(protos, [
            [("Type", "IMAP"), ("Server", "imap.raw.example"), ("Port", "993"),
             ("LoginName", "carol"), ("SSL", "on"), ("Encryption", "SSL"), ("SPA", "on")],
            [("Type", "SMTP"), ("Server", "smtp.raw.example"), ("Port", "587"),
             ("LoginName", "carol@raw.example"), ("SSL", "on"), ("Encryption", "TLS"),
             ("SPA", "off")],
            [("Type", "IMAP"), ("Server", "imap.raw.example"), ("Port", "143"),
             ("LoginName", "carol@raw.example"), ("SSL", "on"), ("Encryption", "TLS"),
             ("SPA", "off")],
            [("Type", "CardDAV"), ("Server", "https://dav.raw.example/card/raw.example/"),
             ("SSL", "on"), ("DomainRequired", "off")],
        ])

    def test_mobileconfig(self):
        r = self.st.get(MC_PATH + q(emailaddress="carol@raw.example", name="Carol"))
        self.assertEqual(r.status, 200, r)
        pl = plistutil_parse(r.body)
        m, card = pl["PayloadContent"]
        self.assertEqual(m["EmailAccountName"], "Carol")
        self.assertEqual((m["IncomingMailServerHostName"], m["IncomingMailServerPortNumber"],
                          m["IncomingMailServerUsername"], m["IncomingMailServerAuthentication"]),
                         ("imap.raw.example", 993, "carol", "EmailAuthPassword"))
        self.assertEqual((m["OutgoingMailServerHostName"], m["OutgoingMailServerPortNumber"],
                          m["OutgoingMailServerUsername"], m["OutgoingMailServerUseSSL"]),
                         ("smtp.raw.example", 587, "carol@raw.example", True))
        self.assertEqual(card["CardDAVHostName"], "dav.raw.example")
        self.assertEqual(card["CardDAVPrincipalURL"], "https://dav.raw.example/card/raw.example/")
        self.assertIs(card["CardDAVUseSSL"], True)
        self.assertNotIn("CardDAVUsername", card, "unknown values are omitted")
        self.assertNotIn("CardDAVPort", card)


class LegacyDatabaseTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.st = harness.session().stack("legacy", database=make_db("legacy", LEGACY_SCHEMA))

    def test_upgraded_in_place(self):
        cols = [r[1] for r in self.st.db_query("PRAGMA table_info(server)")]
        self.assertIn("prio", cols)
        tables = {r[0] for r in self.st.db_query("SELECT name FROM sqlite_master WHERE type='table'")}
        self.assertTrue({"davserver", "davserver_domain"} <= tables, tables)
        self.assertEqual(self.st.db_query("SELECT id, prio, name FROM server ORDER BY id"),
                         [(1, 10, "smtp.legacy.example"), (2, 10, "imap.legacy.example")])

    def test_served_after_upgrade(self):
        r = self.st.get(AC_PATH + q(emailaddress="dave@legacy.example"))
        self.assertEqual(r.status, 200, r)
        prov = ET.fromstring(r.body).find("emailProvider")
        self.assertEqual([(e.get("type"), e.find("port").text) for e in prov
                          if e.tag in ("incomingServer", "outgoingServer")],
                         [("smtp", "587"), ("imap", "993")])
        r = self.st.get("/initdb/")
        self.assertIn(b"Database already contains provider data", r.body)
