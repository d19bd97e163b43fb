"""A TLS nginx in front of the service, with a test CA made here by the openssl CLI.

TlsStack is harness.Stack (the same service, the same nginx sample) with the sample's
`listen` lines turned into `ssl` listeners whose certificate names every published host
of the given domains (autoconfig., autodiscover., ua-auto-config.). `extra` nginx lines
go into the server block before the sample's locations (a test serves a tampered
document from an exact-match location that way).

Only the Python standard library, nginx and openssl.
"""

import http.client
import os
import socket
import ssl
import subprocess

import harness

PUBLISHED_LABELS = ("autoconfig", "autodiscover", "ua-auto-config")


def _run(args):
    p = subprocess.run(args, capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise harness.HarnessError(f"{args[0]} failed ({p.returncode}): {p.stderr.strip()[:2000]}")


class TestCA:
    """A CA and one server certificate for `names`, in directory `root`."""

    def __init__(self, root, names):
        self.dir = os.path.abspath(root)
        os.makedirs(self.dir, exist_ok=True)
        self.ca_file = os.path.join(self.dir, "ca.crt")
        self.cert_file = os.path.join(self.dir, "server.crt")
        self.key_file = os.path.join(self.dir, "server.key")
        d = self.dir
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        _run(["openssl", "req", "-x509", *ec, "-keyout", f"{d}/ca.key", "-out", self.ca_file,
              "-days", "2", "-subj", "/CN=automx2 check test CA",
              "-addext", "basicConstraints=critical,CA:TRUE",
              "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        _run(["openssl", "req", "-new", *ec, "-keyout", self.key_file,
              "-out", f"{d}/server.csr", "-subj", f"/CN={names[0]}"])
        with open(f"{d}/server.ext", "w") as f:
            f.write("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                    "extendedKeyUsage=serverAuth\nsubjectAltName="
                    + ",".join(f"DNS:{n}" for n in names) + "\n")
        _run(["openssl", "x509", "-req", "-in", f"{d}/server.csr", "-CA", self.ca_file,
              "-CAkey", f"{d}/ca.key", "-CAcreateserial", "-days", "2",
              "-extfile", f"{d}/server.ext", "-out", self.cert_file])

    def context(self):
        ctx = ssl.create_default_context(cafile=self.ca_file)
        return ctx


def published_names(domains):
    return [f"{label}.{d}" for d in domains for label in PUBLISHED_LABELS]


class TlsStack(harness.Stack):
    """harness.Stack behind an https-only nginx (tls_domains=, extra= keyword args)."""

    def __init__(self, session, name, tls_domains=("example.com",), extra="", **kw):
        super().__init__(session, name, **kw)
        self.ca = TestCA(os.path.join(self.dir, "ca"), published_names(tls_domains))
        self.extra = extra

    def _write_nginx_conf(self):
        ngx = super()._write_nginx_conf()
        path = os.path.join(ngx, "automx2.conf")
        with open(path) as f:
            text = f.read()
        for host in ("127.0.0.1", "[::1]"):
            text = text.replace(f"listen {host}:{self.port};", f"listen {host}:{self.port} ssl;")
        tls = (f"    ssl_certificate {self.ca.cert_file};\n"
               f"    ssl_certificate_key {self.ca.key_file};\n{self.extra}\n")
        marker = "    location / {"
        if text.count(marker) != 1:
            raise harness.HarnessError(f"{path}: expected '{marker}' exactly once")
        text = text.replace(marker, tls + marker)
        with open(path, "w") as f:
            f.write(text)
        return ngx

    def request(self, method, path, body=None, headers=None, timeout=15):
        """As harness.Stack.request, over TLS (the test CA trusted, the name checked
        against the Host header's)."""
        hdrs = harness.request_headers(headers)
        ctx = self.ca.context()
        conn = http.client.HTTPSConnection(hdrs["Host"], self.port, timeout=timeout, context=ctx)
        # Reach the name at loopback: connect by address, verify by name (SNI).
        conn._create_connection = _loopback_connect(self.port)
        return harness.exchange(conn, method, path, body, hdrs)


def _loopback_connect(port):
    def connect(_address, timeout=None, source_address=None):
        return socket.create_connection(("127.0.0.1", port), timeout)
    return connect
