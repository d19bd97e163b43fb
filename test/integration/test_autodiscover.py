"""Microsoft Autodiscover (SPEC §8, §12) against the built-in sample data."""

import json
import urllib.parse
import xml.etree.ElementTree as ET

from common import (AD_PATH, MOBILESYNC_NS, SampleCase, assert_golden, autodiscover_body,
                    normalise_error_601, o)


def mail(typ, server, port, login, ssl, enc):
    return [("Type", typ), ("Server", server), ("Port", port), ("LoginName", login),
            ("SSL", ssl), ("Encryption", enc), ("SPA", "off")]


class AutodiscoverTest(SampleCase):
    def test_sample_document_is_golden(self):
        r = self.autodiscover("alice@example.com")
        self.assertEqual(r.media_type, "application/xml", r)
        assert_golden(self, "autodiscover.xml", r.body)

    def test_placeholder_in_dav_url_percent_encoded(self):
        addr = "a/b?c#d@example.com"
        protos = self.ad_protocols(self.autodiscover_doc(addr))
        url = dict(protos[5])["Server"]
        parts = urllib.parse.urlsplit(url)
        self.assertEqual((parts.scheme, parts.netloc, parts.query, parts.fragment),
                         ("https", "dav.example.com", "", ""))
        segs = parts.path.split("/")
        self.assertEqual(len(segs), 4, url)
        self.assertEqual(segs[:2], ["", "caldav"])
        self.assertEqual(urllib.parse.unquote(segs[2]), addr)
        self.assertEqual(dict(protos[5])["LoginName"], addr)

    def test_other_provider_pop_and_localpart(self):
        protos = self.ad_protocols(self.autodiscover_doc("bob@other.example"))
        self.assertEqual(protos, [
            [("Type", "POP3"), ("Server", "pop.other.example"), ("Port", "110"),
             ("LoginName", "bob"), ("SSL", "off"), ("SPA", "off")],
            mail("SMTP", "mail.other.example", "587", "bob", "on", "TLS"),
            mail("POP3", "pop.other.example", "995", "bob", "on", "SSL"),
        ])

    def test_expansion_happens_once(self):
        # The requester's input is never expanded: a placeholder in the local part stays.
        protos = self.ad_protocols(self.autodiscover_doc("%EMAILDOMAIN%@other.example"))
        self.assertEqual(dict(protos[0])["LoginName"], "%EMAILDOMAIN%")

    def test_xml_special_characters_escaped(self):
        addr = "a<b>&'\"c@example.com"
        protos = self.ad_protocols(self.autodiscover_doc(addr))
        self.assertEqual(dict(protos[0])["LoginName"], addr)

    def test_mixed_case_path_and_content_types(self):
        for path in ("/AutoDiscover/AutoDiscover.xml", "/Autodiscover/Autodiscover.xml",
                     "/AUTODISCOVER/AUTODISCOVER.XML"):
            r = self.st.post(path, autodiscover_body("alice@example.com"), "text/xml")
            self.assertEqual(r.status, 200, (path, r))
            self.assertIn(b"imap.example.com", r.body)
        for ct in ("application/xml", "text/xml", "text/xml; charset=utf-8",
                   "application/xml;charset=UTF-8"):
            r = self.st.post(AD_PATH, autodiscover_body("alice@example.com"), ct)
            self.assertEqual(r.status, 200, (ct, r))
            self.assertEqual(r.media_type, "application/xml")

    def test_wrong_content_type_400(self):
        for ct in ("text/plain", "application/json", "application/x-www-form-urlencoded", None):
            r = self.st.request("POST", AD_PATH, body=autodiscover_body("alice@example.com"),
                                headers={"Content-Type": ct})
            self.assertEqual(r.status, 400, (ct, r))

    def test_malformed_xml_400(self):
        bodies = [
            "", "not xml", "<Autodiscover><Request><EMailAddress>a@example.com",
            autodiscover_body("alice@example.com")[:-20],
            '<Autodiscover xmlns="x"><Request><EMailAddress>a@example.com</EMailAddress>'
            "</Request></Autodiscover><extra/>",
        ]
        for body in bodies:
            r = self.st.post(AD_PATH, body, "text/xml")
            self.assertEqual(r.status, 400, (body, r))
            self.assertNotIn(b"Traceback", r.body)

    def test_wrong_root_or_missing_address_400(self):
        bodies = [
            '<?xml version="1.0"?><Other><Request><EMailAddress>a@example.com</EMailAddress>'
            "</Request></Other>",
            '<?xml version="1.0"?><Autodiscover><Request></Request></Autodiscover>',
            '<?xml version="1.0"?><Autodiscover><EMailAddress>a@example.com</EMailAddress>'
            "</Autodiscover>",
        ]
        for body in bodies:
            r = self.st.post(AD_PATH, body, "text/xml")
            self.assertEqual(r.status, 400, (body, r))

    def test_doctype_and_entities_refused(self):
        bodies = [
            '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            '<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/'
            'requestschema/2006"><Request><EMailAddress>&xxe;@example.com</EMailAddress>'
            "</Request></Autodiscover>",
            '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 '
            '"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
            "<Autodiscover><Request><EMailAddress>&lol2;@example.com</EMailAddress>"
            "</Request></Autodiscover>",
            '<?xml version="1.0"?><!DOCTYPE Autodiscover SYSTEM "http://127.0.0.1:9/x.dtd">'
            + autodiscover_body("alice@example.com").split("\n", 1)[1],
        ]
        for body in bodies:
            r = self.st.post(AD_PATH, body, "text/xml")
            self.assertEqual(r.status, 400, (body, r))
            self.assertNotIn(b"root:", r.body)

    def test_address_found_whatever_namespace_and_trimmed(self):
        body = ('<?xml version="1.0"?><Autodiscover xmlns="urn:other"><Request>'
                "<EMailAddress>\n   alice@example.com \t</EMailAddress></Request></Autodiscover>")
        r = self.st.post(AD_PATH, body, "text/xml")
        self.assertEqual(r.status, 200, r)
        protos = self.ad_protocols(ET.fromstring(r.body).find(o("Response")))
        self.assertEqual(dict(protos[0])["LoginName"], "alice@example.com")

    def test_mobilesync_only_error_601(self):
        r = self.autodiscover("alice@example.com", schema=MOBILESYNC_NS)
        self.assertEqual(r.media_type, "application/xml", r)
        normalised = normalise_error_601(r.body)
        self.assertNotEqual(normalised, r.body, "Time hh:mm:ss.ffffff and a positive Id")
        assert_golden(self, "autodiscover-601.xml", normalised)

    def test_domain_case_insensitive_and_lowered(self):
        protos = self.ad_protocols(self.autodiscover_doc("Alice@EXAMPLE.COM"))
        self.assertEqual(dict(protos[0])["LoginName"], "Alice@example.com")
        self.assertEqual(dict(protos[6])["LoginName"], "Alice")

    def test_unknown_domain_204(self):
        r = self.autodiscover("alice@unknown.example", expect=204)
        self.assertEqual(r.body, b"")

    def test_serverless_no_protocols(self):
        resp = self.autodiscover_doc("x@serverless.example")
        self.assertEqual(self.ad_protocols(resp), [])

    def test_broken_400(self):
        self.autodiscover("x@broken.example", expect=400)

    def test_v2_json(self):
        hdr = {"Host": "autodiscover.example.com"}
        for path in ("/autodiscover/autodiscover.json?Email=alice%40example.com&Protocol=AutodiscoverV1",
                     "/autodiscover/autodiscover.json?Email=alice%40example.com&Protocol=autodiscoverv1",
                     "/autodiscover/autodiscover.json/v1.0/alice@example.com?Protocol=AutodiscoverV1"):
            r = self.st.get(path, headers=hdr)
            self.assertEqual(r.status, 200, (path, r))
            self.assertEqual(r.media_type, "application/json")
            self.assertEqual(json.loads(r.body), {
                "Protocol": "AutodiscoverV1",
                "Url": "https://autodiscover.example.com/autodiscover/autodiscover.xml"})
        for path in ("/autodiscover/autodiscover.json?Email=alice%40example.com&Protocol=ActiveSync",
                     "/autodiscover/autodiscover.json?Email=alice%40example.com"):
            r = self.st.get(path, headers=hdr)
            self.assertEqual(r.status, 400, (path, r))
            self.assertEqual(json.loads(r.body)["ErrorCode"], "InvalidProtocol")
