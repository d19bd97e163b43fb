"""OAuth2 settings and URL endpoints (SPEC §16): the sample domain groupware.example
through Autoconfig, Autodiscover (Outlook and MobileSync), the management API and
/initdb/, on every dialect (run.py --dialect)."""

import json
import unittest
import xml.etree.ElementTree as ET

import harness
from common import AC_PATH, AD_PATH, MOBILESYNC_NS, RESP_NS, SampleCase, autodiscover_body, o, q
from test_api import JSON, TOKEN, ApiBase

GW = "bob@groupware.example"
MS_NS = MOBILESYNC_NS
ISSUER = "https://login.groupware.example"
EAS_URL = "https://mail.groupware.example/Microsoft-Server-ActiveSync"
EWS_URL = "https://mail.groupware.example/EWS/Exchange.asmx"


def texts(el, tag):
    return [c.text for c in el.findall(tag)]


class SampleGroupware(SampleCase):
    def ac_root(self, address=GW):
        r = self.st.get(AC_PATH + q(emailaddress=address))
        self.assertEqual(r.status, 200, r)
        return ET.fromstring(r.body)

    def test_autoconfig_oauth2_where_both_thunderbirds_read_it(self):
        root = self.ac_root()
        self.assertEqual(root.get("version"), "1.2")
        prov = root.find("emailProvider")
        # Thunderbird for Android: <oAuth2> inside emailProvider, authURL and tokenURL
        # present and valid URLs, else it rejects the whole document.
        inner = prov.findall("oAuth2")
        self.assertEqual(len(inner), 1)
        self.assertEqual(inner[0].findtext("authURL"), ISSUER + "/authorize")
        self.assertEqual(inner[0].findtext("tokenURL"), ISSUER + "/token")
        self.assertEqual(inner[0].findtext("issuer"), ISSUER)
        self.assertEqual(texts(inner[0], "scope"), ["openid email offline_access"])
        self.assertEqual(inner[0].findtext("clientID"), "automx2-sample")
        # draft-ietf-mailmaint-autoconfig-06: under clientConfig.
        outer = root.find("oAuth2")
        self.assertEqual([(c.tag, c.text) for c in outer], [(c.tag, c.text) for c in inner[0]])

    def test_oauth2_servers_keep_a_password_method(self):
        prov = self.ac_root().find("emailProvider")
        mail = [el for el in prov if el.tag in ("incomingServer", "outgoingServer")
                and el.get("type") in ("imap", "smtp")]
        self.assertEqual(len(mail), 2)
        for el in mail:
            # Thunderbird tries each in order and skips OAuth2 for an issuer it does not
            # know: the document still sets up with the password.
            self.assertEqual(texts(el, "authentication"), ["OAuth2", "password-cleartext"])
            self.assertEqual(el.findtext("socketType"), "SSL")

    def test_autoconfig_url_servers_and_calendar(self):
        root = self.ac_root()
        incoming = root.find("emailProvider").findall("incomingServer")
        self.assertEqual([el.get("type") for el in incoming], ["imap", "activesync", "ews", "jmap"])
        urls = {el.get("type"): el.findtext("url") for el in incoming[1:]}
        self.assertEqual(urls["activesync"], EAS_URL)
        self.assertEqual(urls["ews"], EWS_URL)
        for el in incoming[1:]:
            self.assertIsNone(el.find("hostname"))
            self.assertEqual(el.findtext("username"), "%EMAILADDRESS%")
            self.assertEqual(texts(el, "authentication"), ["OAuth2", "http-basic"])
        cal = root.findall("calendar")
        self.assertEqual(len(cal), 1)
        self.assertEqual(cal[0].get("type"), "caldav")
        self.assertEqual(cal[0].findtext("url"), "https://dav.groupware.example/SOGo/dav/")

    def test_domains_without_the_data_get_none(self):
        for address in ("alice@example.com", "alice@other.example"):
            root = self.ac_root(address)
            self.assertIsNone(root.find("oAuth2"), address)
            self.assertIsNone(root.find("emailProvider/oAuth2"), address)
            types = [el.get("type") for el in root.find("emailProvider").findall("incomingServer")]
            self.assertTrue(set(types) <= {"imap", "pop3"}, types)
        self.assertEqual(self.ac_root("alice@other.example").get("version"), "1.1")

    def test_outlook_gets_ews_as_exch(self):
        resp = self.autodiscover_doc(GW)
        protocols = resp.find(o("Account")).findall(o("Protocol"))
        exch = [p for p in protocols if p.findtext(o("Type")) == "EXCH"]
        self.assertEqual(len(exch), 1)
        self.assertEqual(exch[0].findtext(o("EwsUrl")), EWS_URL)
        self.assertEqual(exch[0].findtext(o("ASUrl")), EWS_URL)
        resp = self.autodiscover_doc("alice@example.com")
        types = [p.findtext(o("Type")) for p in resp.find(o("Account")).findall(o("Protocol"))]
        self.assertNotIn("EXCH", types)

    def test_mobilesync_gets_the_activesync_url(self):
        r = self.autodiscover(GW, schema=MS_NS)
        self.assertEqual(r.media_type, "application/xml", r)
        root = ET.fromstring(r.body)
        self.assertEqual(root.tag, f"{{{RESP_NS}}}Autodiscover")
        resp = root.find(f"{{{MS_NS}}}Response")
        self.assertIsNotNone(resp, r.text)
        self.assertEqual(resp.findtext(f"{{{MS_NS}}}User/{{{MS_NS}}}EMailAddress"), GW)
        server = resp.find(f"{{{MS_NS}}}Action/{{{MS_NS}}}Settings/{{{MS_NS}}}Server")
        self.assertEqual(server.findtext(f"{{{MS_NS}}}Type"), "MobileSync")
        self.assertEqual(server.findtext(f"{{{MS_NS}}}Url"), EAS_URL)
        self.assertEqual(server.findtext(f"{{{MS_NS}}}Name"), EAS_URL)
        # A domain without an ActiveSync endpoint keeps error 601, and so do an unknown
        # domain, broken data and an address that is none, as before (HTTP 200).
        for address in ("alice@example.com", "x@unknown.example", "alice@broken.example",
                        "not an address"):
            r = self.autodiscover(address, schema=MS_NS)
            self.assertIn(b"<ErrorCode>601</ErrorCode>", r.body, address)


class ApiGroupware(ApiBase):
    name = "api-o2e"

    def fresh(self):
        """The sample data, whatever an earlier test of this stack left."""
        self.assertEqual(self.st.request("DELETE", "/initdb").status, 200)
        self.assertEqual(self.st.get("/initdb/").status, 200)

    def view(self, domain):
        r = self.call("GET", "/api/v1/domains/" + domain)
        self.assertEqual(r.status, 200, r)
        return json.loads(r.body), r.header("ETag")

    def test_view_put_etag(self):
        self.fresh()
        view, etag = self.view("groupware.example")
        self.assertEqual(view["oauth2"]["issuer"], ISSUER)
        self.assertEqual(view["oauth2"]["client_id"], "automx2-sample")
        self.assertEqual([e["type"] for e in view["endpoints"]], ["activesync", "ews", "jmap"])
        plain, _ = self.view("example.com")
        self.assertIsNone(plain["oauth2"])
        self.assertEqual(plain["endpoints"], [])

        body = {k: v for k, v in view.items() if k != "name"}
        body["endpoints"] = [{"type": "jmap", "url": "https://jmap.groupware.example/session"}]
        body["oauth2"] = {"issuer": "login.groupware.example", "scope": "mail"}
        r = self.call("PUT", "/api/v1/domains/groupware.example", body,
                      headers={"If-Match": etag})
        self.assertEqual(r.status, 200, r)
        changed, new_etag = self.view("groupware.example")
        self.assertNotEqual(new_etag, etag, "the ETag covers endpoints and oauth2")
        self.assertEqual(changed["oauth2"], {"issuer": "login.groupware.example", "scope": "mail"})
        self.assertEqual(changed["endpoints"], body["endpoints"])
        dump = self.st.db_dump()
        self.assertEqual(len(dump["endpoint"]), 1, "unused endpoints removed")
        self.assertEqual(len(dump["oauth2"]), 1)
        # Autoconfig follows at once; no authURL/tokenURL: nothing inside emailProvider.
        root = ET.fromstring(self.st.get(AC_PATH + q(emailaddress=GW)).body)
        self.assertIsNone(root.find("emailProvider/oAuth2"))
        self.assertEqual(root.findtext("oAuth2/issuer"), "login.groupware.example")
        # The old ETag is stale now.
        r = self.call("PUT", "/api/v1/domains/groupware.example", body, headers={"If-Match": etag})
        self.problem(r, 412)

        body["oauth2"] = None
        body["endpoints"] = []
        self.assertEqual(self.call("PUT", "/api/v1/domains/groupware.example", body).status, 200)
        dump = self.st.db_dump()
        self.assertEqual(dump["oauth2"], [])
        self.assertEqual(dump["endpoint"], [])
        r = self.autodiscover_mobilesync()
        self.assertIn(b"<ErrorCode>601</ErrorCode>", r.body)

    def autodiscover_mobilesync(self):
        return self.st.post(AD_PATH, autodiscover_body(GW, schema=MS_NS), "text/xml")

    def test_hostile_fields_are_400_naming_them(self):
        self.fresh()
        view, _ = self.view("groupware.example")
        before = self.st.db_dump()
        cases = [
            ({"issuer": "http://login.example", "scope": "mail"}, None, "/oauth2/issuer"),
            ({"issuer": "https://login.example", "scope": "a  b"}, None, "/oauth2/scope"),
            ({"issuer": "https://login.example", "scope": "mail",
              "token_url": "javascript:alert(1)"}, None, "/oauth2/token_url"),
            ({"issuer": "x" * 300, "scope": "mail"}, None, "/oauth2/issuer"),
            ("login.example", None, "/oauth2"),
            (None, [{"type": "ews", "url": "http://ews.example/"}], "/endpoints/0/url"),
            (None, [{"type": "ews"}], "/endpoints/0"),
            (None, [{"type": "imap", "name": "i.example"}], "/endpoints"),
        ]
        for oauth2, endpoints, pointer in cases:
            body = {k: v for k, v in view.items() if k != "name"}
            body["oauth2"] = oauth2
            body["endpoints"] = endpoints if endpoints is not None else []
            doc = self.problem(self.call("PUT", "/api/v1/domains/groupware.example", body), 400)
            self.assertTrue(any(e["pointer"].startswith(pointer) for e in doc["errors"]),
                            (pointer, doc))
        self.assertEqual(self.st.db_dump(), before, "nothing changed")

    def test_conflicting_oauth2_for_one_provider(self):
        self.fresh()
        seed = {"version": 2, "provider": "Two Minds", "domains": [{"name": "a.example"}],
                "servers": [{"type": "imap", "name": "imap.a.example"}],
                "oauth2": {"issuer": "a.example", "scope": "mail"}}
        other = dict(seed, domains=[{"name": "b.example"}],
                     oauth2={"issuer": "b.example", "scope": "mail"})
        r = self.call("POST", "/api/v1/import", [seed, other])
        doc = self.problem(r, 400)
        self.assertIn("oauth2", doc["detail"])
        self.assertEqual(self.call("GET", "/api/v1/domains/a.example").status, 404)

    def test_export_import_round_trip_and_purge(self):
        self.fresh()
        export = json.loads(self.call("GET", "/api/v1/export").body)
        gw = [s for s in export["seeds"] if s["provider"] == "Groupware Example AG"]
        self.assertEqual(len(gw), 1)
        self.assertEqual(gw[0]["oauth2"]["token_url"], ISSUER + "/token")
        self.assertEqual(sorted(s["type"] for s in gw[0]["servers"] if "url" in s and "port" not in s),
                         ["activesync", "ews", "jmap"])
        r = self.st.request("DELETE", "/initdb")
        self.assertEqual(r.status, 200, r)
        dump = self.st.db_dump()
        for table in ("oauth2", "endpoint", "endpoint_domain"):
            self.assertEqual(dump[table], [], table)
        r = self.call("POST", "/api/v1/import", {"version": 2, "seeds": gw})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(json.loads(r.body)["created"], ["groupware.example"])
        again = json.loads(self.call("GET", "/api/v1/export").body)
        self.assertEqual(again["seeds"], gw)
        r = self.call("POST", "/api/v1/import", again)
        self.assertEqual(json.loads(r.body)["unchanged"], ["groupware.example"])


class InitdbSeed(unittest.TestCase):
    """A seed posted to /initdb/ with the new fields, and one that breaks their rules."""

    @classmethod
    def setUpClass(cls):
        cls.st = harness.session().stack("initdb-o2e")

    def test_seed_v2_fields(self):
        self.st.request("DELETE", "/initdb")
        bad = {"version": 2, "provider": "P", "domains": [{"name": "p.example"}],
               "servers": [{"type": "imap", "name": "imap.p.example"}],
               "oauth2": {"issuer": "https://login.p.example", "scope": "mail",
                          "auth_url": "ftp://login.p.example/"}}
        r = self.st.post("/initdb/", json.dumps(bad), JSON)
        self.assertEqual(r.status, 400, r)
        self.assertIn(b"oauth2.auth_url", r.body)
        good = dict(bad, oauth2={"issuer": "login.p.example", "scope": "mail"},
                    servers=bad["servers"] + [{"type": "activesync",
                                               "url": "https://eas.p.example/Microsoft-Server-ActiveSync"}])
        r = self.st.post("/initdb/", json.dumps(good), JSON)
        self.assertEqual(r.status, 200, r)
        r = self.st.post(AD_PATH, autodiscover_body("x@p.example", schema=MS_NS), "text/xml")
        self.assertIn(b"https://eas.p.example/Microsoft-Server-ActiveSync", r.body)


if __name__ == "__main__":
    unittest.main()
