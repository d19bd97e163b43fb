"""The sample data published as the world sees it: a TLS nginx (tls.TlsStack) in front of
the service, and a `named` (named.Named) serving the zones the `dns` command prints.

published_stack() is the session's shared stack (sample data loaded, a test CA, every
published name of the sample domains in its certificate). Some names serve a tampered
document instead of the service's (TAMPERED), so that a test sees a body differ.
start_named() starts a named of the caller's own (a test may change its zones) loaded
with zone_records() of every sample domain.
"""

import os
import re
import subprocess
import unittest

import harness
import named
import tls

SERVICE_HOST = "automx2.service.test"
DOMAINS = ("example.com", "example.net", "example.org", "other.example", "serverless.example",
           "broken.example")
PACC_PATH = "/.well-known/user-agent-configuration.json"
# Host → the body nginx answers instead of the service's.
TAMPERED = {
    "autoconfig.example.net": '<?xml version="1.0"?>\\n<clientConfig version="1.1"/>\\n',
    "ua-auto-config.example.org": '{"protocols":{"imap":{"host":"evil.example"}}}',
}


def _tampering():
    return "".join(f'    if ($host = "{host}") {{ return 200 "{body.replace(chr(34), chr(92) + chr(34))}"; }}\n'
                   for host, body in TAMPERED.items())


def published_stack():
    session = harness.session()
    if type(session) is not harness.Session:
        # run.py --web apache: the TLS front end here is nginx (tls.TlsStack).
        raise unittest.SkipTest("the published names are served by a TLS nginx")
    first = "published" not in session.stacks
    st = session.stack("published", kind=tls.TlsStack, tls_domains=DOMAINS, extra=_tampering(),
                       config={"service_host": SERVICE_HOST})
    if first:
        r = st.get("/initdb/")
        if r.status != 200:
            raise harness.HarnessError(f"GET /initdb/ on the published stack: {r!r}")
    return st


def run_binary(*args, timeout=60):
    env = dict(os.environ)
    env.pop("AUTOMX2_CONF", None)
    return subprocess.run([harness.session().binary, *args], capture_output=True,
                          timeout=timeout, env=env, stdin=subprocess.DEVNULL)


def zone_records(st, domain):
    """`automx2-fcgi dns DOMAIN` of the stack's database (zone-file lines)."""
    p = run_binary("--config", st.config_path, "dns", domain)
    if p.returncode != 0:
        raise harness.HarnessError(f"dns {domain}: {p.returncode} {p.stderr!r}")
    return p.stdout.decode()


_PACC_TXT = re.compile(r"(?m)^_ua-auto-config\.\S+\s+(?:\d+\s+)?(?:IN\s+)?TXT\s")


def has_pacc_record(zone_text):
    """Whether the dns output publishes a PACC TXT record (not only says why not)."""
    return _PACC_TXT.search(zone_text) is not None


def start_named(st, name):
    """A named of its own under the stack's directory, every sample domain loaded."""
    server = named.Named(os.path.join(st.dir, name))
    for domain in DOMAINS:
        server.set_zone(domain, zone_records(st, domain))
    return server.start()
