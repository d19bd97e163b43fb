"""Apple Mobileconfig (SPEC §9, §12) against the built-in sample data."""

import re
import uuid

from common import SampleCase

UUID_RE = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$")


class MobileconfigTest(SampleCase):
    def assert_uuid(self, value):
        self.assertRegex(value, UUID_RE)
        self.assertEqual(uuid.UUID(value).version, 5)

    def test_example_profile_key_by_key(self):
        r, pl = self.mobileconfig_plist("alice@example.com", name="Alice Example")
        self.assertEqual(r.header("Content-Disposition"),
                         'attachment; filename="example.com.mobileconfig"')
        self.assertEqual(set(pl), {"PayloadContent", "PayloadDisplayName", "PayloadIdentifier",
                                   "PayloadRemovalDisallowed", "PayloadType", "PayloadUUID",
                                   "PayloadVersion"})
        self.assertEqual(pl["PayloadDisplayName"], "example.com accounts")
        self.assertIs(pl["PayloadRemovalDisallowed"], False)
        self.assertEqual(pl["PayloadType"], "Configuration")
        self.assertEqual(pl["PayloadVersion"], 1)
        self.assert_uuid(pl["PayloadUUID"])
        self.assertEqual(pl["PayloadIdentifier"], "automx2-" + pl["PayloadUUID"])

        content = pl["PayloadContent"]
        self.assertEqual(len(content), 3)
        m = content[0]
        a = "alice@example.com"
        self.assert_uuid(m["PayloadUUID"])
        self.assertEqual(m, {
            "EmailAccountDescription": a,
            "EmailAccountName": "Alice Example",
            "EmailAccountType": "EmailTypeIMAP",
            "EmailAddress": a,
            "IncomingMailServerAuthentication": "EmailAuthPassword",
            "IncomingMailServerHostName": "imap.example.com",
            "IncomingMailServerPortNumber": 993,
            "IncomingMailServerUseSSL": True,
            "IncomingMailServerUsername": a,
            "OutgoingMailServerAuthentication": "EmailAuthPassword",
            "OutgoingMailServerHostName": "smtp.example.com",
            "OutgoingMailServerPortNumber": 465,
            "OutgoingMailServerUseSSL": True,
            "OutgoingMailServerUsername": a,
            "OutgoingPasswordSameAsIncomingPassword": True,
            "PayloadDescription": f"Email account {a}",
            "PayloadDisplayName": "example.com",
            "PayloadIdentifier": "com.apple.mail.managed." + m["PayloadUUID"],
            "PayloadType": "com.apple.mail.managed",
            "PayloadUUID": m["PayloadUUID"],
            "PayloadVersion": 1,
        })
        cal = content[1]
        self.assert_uuid(cal["PayloadUUID"])
        self.assertEqual(set(cal) - {"CalDAVPrincipalURL"}, {
            "CalDAVAccountDescription", "CalDAVHostName", "CalDAVUsername", "CalDAVUseSSL",
            "PayloadDescription", "PayloadDisplayName", "PayloadIdentifier", "PayloadType",
            "PayloadUUID", "PayloadVersion"}, "port 0 and no port in the url: no CalDAVPort")
        self.assertEqual(cal["CalDAVAccountDescription"], a)
        self.assertEqual(cal["CalDAVHostName"], "dav.example.com")
        self.assertEqual(cal["CalDAVUsername"], a)
        self.assertIs(cal["CalDAVUseSSL"], True)
        self.assertIn(cal["CalDAVPrincipalURL"],
                      ("https://dav.example.com/caldav/alice%40example.com/",
                       "https://dav.example.com/caldav/alice@example.com/"))
        self.assertEqual(cal["PayloadDescription"], f"CalDAV account {a}")
        self.assertEqual(cal["PayloadDisplayName"], "example.com")
        self.assertEqual(cal["PayloadIdentifier"], "com.apple.caldav.account." + cal["PayloadUUID"])
        self.assertEqual(cal["PayloadType"], "com.apple.caldav.account")
        self.assertEqual(cal["PayloadVersion"], 1)
        card = content[2]
        self.assert_uuid(card["PayloadUUID"])
        self.assertEqual(card, {
            "CardDAVAccountDescription": a,
            "CardDAVHostName": "dav.example.com",
            "CardDAVUsername": "alice",
            "CardDAVUseSSL": True,
            "CardDAVPort": 443,
            "CardDAVPrincipalURL": "https://dav.example.com/carddav/",
            "PayloadDescription": f"CardDAV account {a}",
            "PayloadDisplayName": "example.com",
            "PayloadIdentifier": "com.apple.carddav.account." + card["PayloadUUID"],
            "PayloadType": "com.apple.carddav.account",
            "PayloadUUID": card["PayloadUUID"],
            "PayloadVersion": 1,
        })
        uuids = {pl["PayloadUUID"], m["PayloadUUID"], cal["PayloadUUID"], card["PayloadUUID"]}
        self.assertEqual(len(uuids), 4, "every payload has its own UUID")

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
