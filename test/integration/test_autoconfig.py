"""Mozilla Autoconfig (SPEC §7, §12) against the built-in sample data."""

from common import AC_PATH, SampleCase, assert_golden, q


class AutoconfigTest(SampleCase):
    def provider_id(self, name):
        rows = self.st.db_query("SELECT id FROM provider WHERE name = ?", (name,))
        self.assertEqual(len(rows), 1)
        return rows[0][0]

    def test_sample_document_is_golden(self):
        r = self.autoconfig("alice@example.com")
        self.assertEqual(r.media_type, "application/xml", r)
        assert_golden(self, "autoconfig.xml", r.body)

    def test_prio_ordering(self):
        got = [(s[1], s[2]["port"]) for s in self.ac_servers(self.autoconfig_doc("a@example.net"))]
        self.assertLess(got.index(("imap", "993")), got.index(("imap", "143")))
        self.assertLess(got.index(("smtp", "465")), got.index(("smtp", "587")))

    def test_no_dav_in_autoconfig(self):
        r = self.autoconfig("alice@example.com")
        self.assertNotIn(b"dav.example.com", r.body)

    def test_placeholders_left_for_thunderbird(self):
        # POP 110 (plain) is left out beside POP 995 (SSL): no cleartext beside TLS (SPEC §16).
        got = self.ac_servers(self.autoconfig_doc("bob@other.example"))
        self.assertEqual([(s[1], s[2]["hostname"], s[2]["port"], s[2]["socketType"],
                           s[2]["username"]) for s in got],
                         [("smtp", "mail.other.example", "587", "STARTTLS", "%EMAILLOCALPART%"),
                          ("pop3", "pop.other.example", "995", "SSL", "%EMAILLOCALPART%")])
        self.assertNotIn(b"bob", self.autoconfig("bob@other.example").body)

    def test_other_provider_identity(self):
        root = self.autoconfig_doc("bob@other.example")
        prov = root.find("emailProvider")
        self.assertEqual([d.text for d in prov.findall("domain")], ["other.example"])
        self.assertEqual(prov.find("displayName").text, "Other Provider GmbH")
        self.assertEqual(prov.find("displayShortName").text, "Other")
        self.assertEqual(prov.get("id"), f"automx2-{self.provider_id('Other Provider GmbH')}")

    def test_well_known_path(self):
        a = self.autoconfig("alice@example.com", path="/.well-known/autoconfig" + AC_PATH)
        b = self.autoconfig("alice@example.com")
        self.assertEqual(a.media_type, "application/xml")
        self.assertEqual(a.body, b.body)

    def test_domain_case_insensitive(self):
        root = self.autoconfig_doc("Alice@EXAMPLE.COM")
        self.assertEqual(len(self.ac_servers(root)), 5)
        self.assertEqual(root.find("emailProvider/domain").text, "example.com")

    def test_unknown_domain_204(self):
        r = self.autoconfig("alice@unknown.example", expect=204)
        self.assertEqual(r.body, b"")

    def test_serverless_valid_document_without_servers(self):
        root = self.autoconfig_doc("x@serverless.example")
        prov = root.find("emailProvider")
        self.assertEqual([d.text for d in prov.findall("domain")], ["serverless.example"])
        self.assertEqual(prov.find("displayName").text, "Serverless Inc.")
        self.assertEqual(prov.find("displayShortName").text, "Serverless")
        self.assertEqual(self.ac_servers(root), [])

    def test_broken_400(self):
        self.autoconfig("x@broken.example", expect=400)

    def test_no_address_domain_from_host(self):
        r = self.st.get(AC_PATH, headers={"Host": "autoconfig.example.com"})
        self.assertEqual(r.status, 200, r)
        self.assertIn(b"<domain>example.com</domain>", r.body)
        self.assertIn(b"%EMAILADDRESS%", r.body)
        r = self.st.get(AC_PATH + "?emailaddress=", headers={"Host": "autodiscover.other.example"})
        self.assertEqual(r.status, 200, r)
        self.assertIn(b"pop.other.example", r.body)

    def test_no_address_unknown_host_400(self):
        for host in ("autoconfig.unknown.example", "127.0.0.1"):
            r = self.st.get(AC_PATH, headers={"Host": host})
            self.assertEqual(r.status, 400, (host, r))

    def test_query_decoding(self):
        # %40 and + decoding of the query string
        r = self.st.get(AC_PATH + "?emailaddress=alice%40example.com")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.st.get(AC_PATH + q(emailaddress="alice@example.com", x="1")).status,
                         200)
