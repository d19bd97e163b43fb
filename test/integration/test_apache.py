"""Apache + mod_fcgid specifics (run.py --web apache; skipped behind nginx)."""

import os
import re
import unittest

import harness
from common import AD_PATH, SampleCase, autodiscover_body


class ApacheSiteTest(SampleCase):
    @classmethod
    def setUpClass(cls):
        cls.apache = hasattr(harness.session(), "run_binary")
        if cls.apache:
            super().setUpClass()

    def setUp(self):
        if not self.apache:
            self.skipTest("runs only with run.py --web apache")

    def site(self):
        with open(os.path.join(self.st.apache_dir, "automx2.conf")) as f:
            return f.read()

    def service_log(self):
        with open(self.st.service_log, errors="replace") as f:
            return f.read()

    def test_apache_initdb_acl(self):
        # The sample's own ACL, the counterpart of the nginx one: loopback only, and a
        # case-insensitive match so that /InitDB cannot slip past.
        m = re.search(r'<LocationMatch "\(\?i\)\^/initdb">\s*Require local\s*</LocationMatch>',
                      self.site())
        self.assertIsNotNone(m, "the /initdb/ ACL is missing from packaging/apache/automx2.conf")
        for path in ("/InitDB/", "/initdb"):
            r = self.st.get(path)
            self.assertIn(r.status, (200, 404), (path, r))

    def test_apache_413_before_the_service(self):
        before = self.service_log().count("POST /autodiscover/autodiscover.xml")
        r = self.st.post(AD_PATH, "x" * (200 * 1024), "text/xml")
        self.assertEqual(r.status, 413, r)
        self.assertNotIn(b"malformed", r.body)
        after = self.service_log().count("POST /autodiscover/autodiscover.xml")
        self.assertEqual(after, before, "the oversized request must not reach the service")

    def test_apache_processes_run_one_thread(self):
        r = self.st.post(AD_PATH, autodiscover_body("alice@example.com"), "text/xml")
        self.assertEqual(r.status, 200, r)
        log = self.service_log()
        self.assertIn("serving with 1 threads", log)
        self.assertNotRegex(log, r"serving with (?!1 )\d+ threads")
