"""Helpers shared by the test modules: request builders and document parsers."""

import difflib
import os
import plistlib
import re
import subprocess
import tempfile
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

import harness

REQ_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"
RESP_NS = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
OUTLOOK_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
MOBILESYNC_NS = "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006"
AD_PATH = "/autodiscover/autodiscover.xml"
AC_PATH = "/mail/config-v1.1.xml"
MC_PATH = "/mobileconfig/"
GOLDEN_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "golden")
_ERROR_STAMP = re.compile(rb' Time="\d\d:\d\d:\d\d\.\d{6}" Id="[1-9]\d*"')


def q(**params):
    return "?" + urllib.parse.urlencode(params, quote_via=urllib.parse.quote)


def autodiscover_body(address, schema=OUTLOOK_NS, ns=REQ_NS):
    esc = (address.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<Autodiscover xmlns="{ns}">\n'
            f"  <Request>\n    <EMailAddress>{esc}</EMailAddress>\n"
            f"    <AcceptableResponseSchema>{schema}</AcceptableResponseSchema>\n"
            "  </Request>\n</Autodiscover>\n")


def normalise_error_601(body):
    """The Autodiscover error's Time and Id, which change with every answer, as the
    golden file writes them; only when they have the promised form."""
    return _ERROR_STAMP.sub(b' Time="{time}" Id="{id}"', body)


def assert_golden(test, name, body):
    """`body` is byte for byte test/golden/`name`, the file the unit tests render
    (test/golden/README.md says how to regenerate it after an intended change)."""
    with open(os.path.join(GOLDEN_DIR, name), "rb") as f:
        expected = f.read()
    if body != expected:
        diff = difflib.unified_diff(expected.decode("utf-8", "replace").splitlines(True),
                                    body.decode("utf-8", "replace").splitlines(True),
                                    f"test/golden/{name}", "HTTP body")
        test.fail(f"the body differs from test/golden/{name}:\n" + "".join(diff))


def o(tag):
    return f"{{{OUTLOOK_NS}}}{tag}"


def plistutil_parse(data):
    """Parses with libplist (xml → binary) and reads the binary back with plistlib."""
    with tempfile.TemporaryDirectory() as d:
        src, dst = os.path.join(d, "in.plist"), os.path.join(d, "out.bplist")
        with open(src, "wb") as f:
            f.write(data)
        p = subprocess.run(["plistutil", "-i", src, "-o", dst, "-f", "bin"],
                           capture_output=True, timeout=20)
        if p.returncode != 0 or not os.path.exists(dst) or os.path.getsize(dst) == 0:
            raise AssertionError(f"plistutil rejected the profile: {p.returncode} {p.stderr!r}")
        with open(dst, "rb") as f:
            binary = f.read()
    if not binary.startswith(b"bplist00"):
        raise AssertionError("plistutil did not produce a binary plist")
    return plistlib.loads(binary, fmt=plistlib.FMT_BINARY)


class SampleCase(unittest.TestCase):
    """Tests against the shared stack holding the built-in sample data (read-only)."""

    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.st = harness.session().sample_stack()

    # --- Autoconfig --------------------------------------------------------------
    def autoconfig(self, address, path=AC_PATH, expect=200, **kw):
        r = self.st.get(path + q(emailaddress=address), **kw)
        self.assertEqual(r.status, expect, r)
        return r

    def autoconfig_doc(self, address, path=AC_PATH):
        r = self.autoconfig(address, path)
        self.assertEqual(r.media_type, "application/xml", r)
        root = ET.fromstring(r.body)
        self.assertEqual(root.tag, "clientConfig")
        # 1.2 exactly when the document holds draft -06 elements (SPEC §16).
        v12 = any(root.find(tag) is not None for tag in ("calendar", "addressbook", "oAuth2"))
        self.assertEqual(root.get("version"), "1.2" if v12 else "1.1")
        return root

    @staticmethod
    def ac_servers(root):
        prov = root.find("emailProvider")
        out = []
        for el in prov:
            if el.tag in ("incomingServer", "outgoingServer"):
                out.append((el.tag, el.get("type"), {c.tag: c.text for c in el},
                            [c.tag for c in el]))
        return out

    # --- Autodiscover ------------------------------------------------------------
    def autodiscover(self, address, expect=200, content_type="text/xml; charset=utf-8", **kw):
        r = self.st.post(AD_PATH, autodiscover_body(address, **kw), content_type)
        self.assertEqual(r.status, expect, r)
        return r

    def autodiscover_doc(self, address):
        r = self.autodiscover(address)
        self.assertEqual(r.media_type, "application/xml", r)
        root = ET.fromstring(r.body)
        self.assertEqual(root.tag, f"{{{RESP_NS}}}Autodiscover")
        resp = root.find(f"{{{OUTLOOK_NS}}}Response")
        self.assertIsNotNone(resp, r.text)
        return resp

    @staticmethod
    def ad_protocols(resp):
        acct = resp.find(o("Account"))
        return [[(c.tag.split("}")[1], c.text) for c in p] for p in acct.findall(o("Protocol"))]

    # --- Mobileconfig ------------------------------------------------------------
    def mobileconfig(self, address=None, expect=200, **params):
        if address is not None:
            params = {"emailaddress": address, **params}
        r = self.st.get(MC_PATH + (q(**params) if params else ""))
        self.assertEqual(r.status, expect, r)
        return r

    def mobileconfig_plist(self, address, **params):
        r = self.mobileconfig(address, **params)
        self.assertEqual(r.media_type, "application/x-apple-aspen-config", r)
        via_libplist = plistutil_parse(r.body)
        via_python = plistlib.loads(r.body, fmt=plistlib.FMT_XML)
        self.assertEqual(via_libplist, via_python)
        return r, via_python
