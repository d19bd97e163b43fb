"""Apple Mobileconfig (SPEC §9, §12) against the built-in sample data."""

from common import SampleCase, assert_golden


class MobileconfigTest(SampleCase):
    def test_sample_profile_is_golden(self):
        r, _ = self.mobileconfig_plist("alice@example.com")  # libplist and plistlib read it
        self.assertEqual(r.header("Content-Disposition"),
                         'attachment; filename="example.com.mobileconfig"')
        assert_golden(self, "mobileconfig.plist", r.body)

    def test_identifiers_stable_per_address(self):
        _, a1 = self.mobileconfig_plist("alice@example.com")
        _, a2 = self.mobileconfig_plist("alice@example.com")
        _, b = self.mobileconfig_plist("bob@example.com")
        self.assertEqual(a1["PayloadUUID"], a2["PayloadUUID"])
        self.assertEqual([p["PayloadUUID"] for p in a1["PayloadContent"]],
                         [p["PayloadUUID"] for p in a2["PayloadContent"]])
        self.assertNotEqual(a1["PayloadUUID"], b["PayloadUUID"])

    def test_no_name_no_account_name_no_password(self):
        _, pl = self.mobileconfig_plist("alice@example.com")
        m = pl["PayloadContent"][0]
        self.assertNotIn("EmailAccountName", m)
        for p in pl["PayloadContent"]:
            self.assertFalse([k for k in p if "Password" in k and k !=
                              "OutgoingPasswordSameAsIncomingPassword"], p)

    def test_password_ignored_unless_permitted(self):
        r, pl = self.mobileconfig_plist("alice@example.com", password="s3cret-pw")
        self.assertNotIn(b"s3cret-pw", r.body)
        self.assertNotIn("IncomingPassword", pl["PayloadContent"][0])

    def test_name_not_expanded(self):
        _, pl = self.mobileconfig_plist("alice@example.com", name="%EMAILADDRESS% <&>")
        self.assertEqual(pl["PayloadContent"][0]["EmailAccountName"], "%EMAILADDRESS% <&>")

    def test_pop_choice_encrypted_over_plain(self):
        r, pl = self.mobileconfig_plist("bob@other.example")
        self.assertEqual(r.header("Content-Disposition"),
                         'attachment; filename="other.example.mobileconfig"')
        self.assertEqual(len(pl["PayloadContent"]), 1, "no DAV servers")
        m = pl["PayloadContent"][0]
        self.assertEqual(m["EmailAccountType"], "EmailTypePOP")
        self.assertEqual(m["IncomingMailServerHostName"], "pop.other.example")
        self.assertEqual(m["IncomingMailServerPortNumber"], 995)
        self.assertIs(m["IncomingMailServerUseSSL"], True)
        self.assertEqual(m["IncomingMailServerUsername"], "bob")
        self.assertEqual(m["OutgoingMailServerHostName"], "mail.other.example")
        self.assertEqual(m["OutgoingMailServerPortNumber"], 587)
        self.assertIs(m["OutgoingMailServerUseSSL"], True)
        self.assertEqual(m["OutgoingMailServerUsername"], "bob")
        self.assertEqual(pl["PayloadDisplayName"], "other.example accounts")

    def test_trailing_slash_variants(self):
        a = self.st.get("/mobileconfig/?emailaddress=alice%40example.com")
        b = self.st.get("/mobileconfig?emailaddress=alice%40example.com")
        self.assertEqual((a.status, b.status), (200, 200))
        self.assertEqual(a.body, b.body)

    def test_domain_case_insensitive(self):
        _, pl = self.mobileconfig_plist("alice@EXAMPLE.COM")
        self.assertEqual(pl["PayloadDisplayName"], "example.com accounts")
        self.assertEqual(pl["PayloadContent"][0]["IncomingMailServerHostName"], "imap.example.com")

    def test_missing_address_400(self):
        self.mobileconfig(expect=400)
        self.mobileconfig(expect=400, emailaddress="")
        self.mobileconfig(expect=400, name="x")

    def test_unknown_domain_204(self):
        r = self.mobileconfig("alice@unknown.example", expect=204)
        self.assertEqual(r.body, b"")

    def test_serverless_400(self):
        self.mobileconfig("x@serverless.example", expect=400)

    def test_broken_400(self):
        self.mobileconfig("x@broken.example", expect=400)
