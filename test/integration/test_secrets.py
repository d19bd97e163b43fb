"""No secrets in logs (issue 8, SPEC §14): LDAP bind passwords, database passwords and
Mobileconfig `password=` parameters never appear in the service log (at DEBUG) nor in
any error response."""

import json
import os
import subprocess
import unittest
import urllib.parse

import harness
from common import AC_PATH, AD_PATH, MC_PATH, autodiscover_body, q

LDAP_MARKER = "LdapBindSecret7f3a9"
DB_MARKER = "DbPassSecret51c2e"
PARAM_MARKER = "ParamPassSecret0d88"
MARKERS = (LDAP_MARKER, DB_MARKER, PARAM_MARKER)


def closed_port():
    # A port nothing listens on: the LDAP server is unreachable (connection refused).
    return harness.free_port()


class SecretsTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.st = harness.session().stack(
            "secrets",
            config={"loglevel": "DEBUG", "ldap_timeout": "0.5", "ldap_network_timeout": "0.5"},
            env={"PERMIT_CLEARTEXT_PASSWORDS": "I_understand_the_risks"})
        cls.responses = []

    def request(self, method, path, **kw):
        r = self.st.request(method, path, **kw)
        self.responses.append((method, path, r))
        return r

    def assert_no_marker(self, data, where):
        if isinstance(data, str):
            data = data.encode("utf-8", "replace")
        for marker in MARKERS:
            self.assertNotIn(marker.encode(), data, f"{marker} in {where}")

    def service_log(self):
        with open(self.st.service_log, "rb") as f:
            return f.read()

    def test_secrets_stay_out_of_logs_and_errors(self):
        port = closed_port()
        seed = {
            "version": 2,
            "provider": "Secret Keeping Inc",
            "domains": [{"name": "ldap-secret.example", "ldapserver_id": 41}],
            "servers": [{"type": "imap", "name": "imap.ldap-secret.example"},
                        {"type": "smtp", "name": "smtp.ldap-secret.example"}],
            "ldapservers": [{"id": 41, "name": "127.0.0.1", "port": port, "use_ssl": False,
                             "search_base": "dc=example,dc=com", "bind_user": "cn=reader",
                             "bind_password": LDAP_MARKER}],
        }
        # Rejected seeds that carry the password: the message names the problem only.
        for change in ({"port": "389"}, {"search_base": 5}, {"id": "x"}, {"use_ssl": "maybe"}):
            bad = json.loads(json.dumps(seed))
            bad["ldapservers"][0].update(change)
            r = self.request("POST", "/initdb/", body=json.dumps(bad),
                             headers={"Content-Type": "application/json"})
            self.assertEqual(r.status, 400, (change, r))
        bad = json.loads(json.dumps(seed))
        bad["ldapservers"][0]["bind_password"] = [LDAP_MARKER]  # wrong type
        r = self.request("POST", "/initdb/", body=json.dumps(bad),
                         headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 400, r)

        r = self.request("POST", "/initdb/", body=json.dumps(seed),
                         headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.st.db_query("SELECT bind_password FROM ldapserver WHERE id = 41"),
                         [(LDAP_MARKER,)])

        # The LDAP server is unreachable: 503 on every protocol, the cause logged.
        address = "user@ldap-secret.example"
        for r in (self.request("GET", AC_PATH + q(emailaddress=address)),
                  self.request("GET", MC_PATH + q(emailaddress=address, password=PARAM_MARKER)),
                  self.request("POST", AD_PATH, body=autodiscover_body(address),
                               headers={"Content-Type": "text/xml"})):
            self.assertEqual(r.status, 503, r)

        # Mobileconfig password= on error paths: bad address, unknown domain, no address.
        for params, expect in (({"emailaddress": "bad address", "password": PARAM_MARKER}, 400),
                               ({"emailaddress": "a@unknown.example", "password": PARAM_MARKER}, 204),
                               ({"password": PARAM_MARKER}, 400),
                               ({"emailaddress": "a@b@c", "password": PARAM_MARKER,
                                 "name": "x"}, 400)):
            r = self.request("GET", MC_PATH + q(**params))
            self.assertEqual(r.status, expect, (params, r))
        # Wrong routes and methods with the password in the query.
        for method, path, expect in (("POST", MC_PATH + q(password=PARAM_MARKER), 405),
                                     ("GET", "/nowhere" + q(password=PARAM_MARKER), 404)):
            r = self.request(method, path, body=b"" if method == "POST" else None)
            self.assertEqual(r.status, expect, r)

        # The success path includes the password (permitted here): that is the profile
        # itself, not a log or an error.
        r = self.request("GET", MC_PATH + q(emailaddress="abc@example.com", password=PARAM_MARKER))
        if r.status == 200:
            self.assertIn(PARAM_MARKER.encode(), r.body)

        for method, path, resp in self.responses:
            if resp.status >= 300 or resp.status == 204:
                self.assert_no_marker(resp.body, f"response {resp.status} to {method} {path}")
                for name, value in resp.headers:
                    self.assert_no_marker(value, f"header {name} of {method} {path}")
        log = self.service_log()
        # Under --dialect mariadb/postgresql the stack's own db_uri holds a real password.
        db_password = urllib.parse.urlsplit(getattr(self.st, "db_uri", "") or "").password
        if db_password and len(db_password) >= 6:
            self.assertNotIn(db_password.encode(), log, "the database password in the service log")
            for method, path, resp in self.responses:
                self.assertNotIn(db_password.encode(), resp.body, f"{method} {path}")
        self.assertIn(b"DEBUG", log.upper(), "the service did not log at DEBUG")
        self.assertIn(b"ldap", log.lower(), "the LDAP failure was not logged")
        self.assert_no_marker(log, "the service log")
        with open(self.st.nginx_log, "rb") as f:
            nginx_log = f.read()
        # nginx logs request lines with their query string on errors; the service's own
        # output must be clean, the web server's is the operator's to configure.
        self.assert_no_marker(nginx_log.replace(PARAM_MARKER.encode(), b""), "the nginx log")

    def test_database_password_not_logged(self):
        # The harness has only SQLite (no passwords). A MySQL and a PostgreSQL URL with a
        # password, pointing at closed ports: start-up fails, the output names the URL with
        # the password masked.
        d = os.path.join(harness.session().root, "secrets-db")
        os.makedirs(d, exist_ok=True)
        port = closed_port()
        for uri in (f"mysql+pymysql://automx2:{DB_MARKER}@127.0.0.1:{port}/automx2",
                    f"postgresql://automx2:{DB_MARKER}@127.0.0.1:{port}/automx2",
                    f"mysql://automx2:{DB_MARKER}@127.0.0.1:{port}/automx2?charset=utf8mb4&x",
                    f"oracle://automx2:{DB_MARKER}@127.0.0.1/automx2"):
            path = os.path.join(d, "db.conf")
            with open(path, "w") as f:
                f.write(f"[automx2]\nloglevel = DEBUG\ndb_echo = yes\ndb_uri = {uri}\n"
                        "db_timeout = 0.5\n")
            env = dict(os.environ)
            env.pop("AUTOMX2_CONF", None)
            for extra in (["--check-config"], ["--socket", os.path.join(d, "never.sock")]):
                # The service may keep running (answering 503) when the database is down:
                # give it time to try, then stop it.
                p = subprocess.Popen([harness.session().binary, "--config", path, *extra],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                                     stdin=subprocess.DEVNULL)
                try:
                    out, _ = p.communicate(timeout=5)
                except subprocess.TimeoutExpired:
                    p.terminate()
                    out, _ = p.communicate(timeout=15)
                self.assertTrue(out.strip(), (uri, extra, "no output"))
                self.assert_no_marker(out, f"output of {extra} with {uri.split(':')[0]}")


if __name__ == "__main__":
    unittest.main()
