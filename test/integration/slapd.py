"""A throwaway OpenLDAP server (Debian's slapd) for the LDAP tests.

Slapd(root) builds everything inside `root`: a test CA and a server certificate made
with openssl (subjectAltName IP:127.0.0.1 and DNS:localhost), a slapd.conf with the
mdb backend for dc=example,dc=com (schemas core, cosine, inetorgperson, nis), and the
test users of LDIF below, loaded with slapadd. slapd runs as a foreground child
(`-d 0`) on ldap://127.0.0.1:{port} and ldaps://127.0.0.1:{tls_port}; it never uses
the system's slapd, its configuration or its database.

    with Slapd(tmpdir) as ldap:     # start() ... stop() even on failure
        ldap.pause(); ldap.resume()   # SIGSTOP / SIGCONT: accepts TCP, never answers
        ldap.stop(); ldap.start()     # same ports and data again
        ldap.restart()

Only the Python standard library and the slapd, ldap-utils and openssl packages.
"""

import base64
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import time

SUFFIX = "dc=example,dc=com"
ROOT_DN = "cn=admin," + SUFFIX
ROOT_PW = "root-secret-9f3a"
BIND_DN = "cn=automx2,ou=services," + SUFFIX
BIND_PW = "bind-secret-7c41e"

SCHEMA_DIR = "/etc/ldap/schema"
MODULE_DIR = "/usr/lib/ldap"
SLAPD = "/usr/sbin/slapd"
START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0

# (uid, cn, [mail, ...]): uid and cn deliberately differ from the mail address. Some
# addresses carry LDAP filter metacharacters: a correct lookup finds exactly these
# entries, and a crafted address never reaches another one.
USERS = [
    ("jdoe", "Jane Doe", ["jane@example.com", "jane@secure.example.com"]),
    ("bsmith", "Bob Smith", ["bob@example.com"]),
    ("jmueller", "Jürgen Müller", ["juergen@example.com"]),
    ("poneil", "Pat O'Neil & <Co>", ["pat@example.com"]),
    ("star", "Star Literal", ["st*r@example.com"]),
    ("paren", "Paren Literal", ["a(b)c@example.com"]),
    ("backslash", "Backslash Literal", ["a\\@example.com"]),
]


class SlapdError(Exception):
    pass


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _kill_with_parent():
    # SIGKILL, not SIGTERM: a SIGSTOPped slapd would hold a pending SIGTERM forever.
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _run(args, **kw):
    p = subprocess.run(args, capture_output=True, text=True, timeout=60, **kw)
    if p.returncode != 0:
        raise SlapdError(f"{args[0]} failed ({p.returncode}): {p.stderr.strip()[:2000]}")
    return p.stdout


def ldif_value(attr, value):
    """One LDIF line; non-ASCII or unsafe values base64-encoded (RFC 2849)."""
    safe = all(0x20 <= ord(c) < 0x7f for c in value) and not value.startswith((" ", ":", "<"))
    if safe:
        return f"{attr}: {value}\n"
    return f"{attr}:: {base64.b64encode(value.encode('utf-8')).decode('ascii')}\n"


def build_ldif():
    out = [f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\n"
           "dc: example\no: Example Test Directory\n",
           f"dn: ou=people,{SUFFIX}\nobjectClass: organizationalUnit\nou: people\n",
           f"dn: ou=services,{SUFFIX}\nobjectClass: organizationalUnit\nou: services\n",
           f"dn: {BIND_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\n"
           f"cn: automx2\nuserPassword: {BIND_PW}\n"]
    for uid, cn, mails in USERS:
        entry = (f"dn: uid={uid},ou=people,{SUFFIX}\nobjectClass: inetOrgPerson\n"
                 f"objectClass: posixAccount\nuid: {uid}\n" + ldif_value("cn", cn)
                 + ldif_value("sn", cn.split()[-1])
                 + f"uidNumber: {1000 + len(out)}\ngidNumber: 100\n"
                 f"homeDirectory: /home/{uid}\n")
        entry += "".join(ldif_value("mail", m) for m in mails)
        out.append(entry)
    return "\n".join(out)


class Slapd:
    def __init__(self, root):
        self.dir = os.path.abspath(root)
        os.makedirs(self.dir, exist_ok=True)
        self.port = _free_port()
        self.tls_port = _free_port()
        self.ca_file = os.path.join(self.dir, "ca.crt")
        self.conf = os.path.join(self.dir, "slapd.conf")
        self.db_dir = os.path.join(self.dir, "db")
        self.log_path = os.path.join(self.dir, "slapd.log")
        self.process = None
        self._prepared = False

    # --- files -------------------------------------------------------------------
    def _make_certificates(self):
        d = self.dir
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        _run(["openssl", "req", "-x509", *ec, "-keyout", f"{d}/ca.key", "-out", self.ca_file,
              "-days", "2", "-subj", "/CN=automx2 test CA",
              "-addext", "basicConstraints=critical,CA:TRUE",
              "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        _run(["openssl", "req", "-new", *ec, "-keyout", f"{d}/server.key",
              "-out", f"{d}/server.csr", "-subj", "/CN=127.0.0.1"])
        with open(f"{d}/server.ext", "w") as f:
            f.write("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                    "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n")
        _run(["openssl", "x509", "-req", "-in", f"{d}/server.csr", "-CA", self.ca_file,
              "-CAkey", f"{d}/ca.key", "-CAcreateserial", "-days", "2",
              "-extfile", f"{d}/server.ext", "-out", f"{d}/server.crt"])

    def _write_conf(self):
        d = self.dir
        schemas = "".join(f"include {SCHEMA_DIR}/{s}.schema\n"
                          for s in ("core", "cosine", "inetorgperson", "nis"))
        with open(self.conf, "w") as f:
            f.write(f"""{schemas}
pidfile {d}/slapd.pid
argsfile {d}/slapd.args
modulepath {MODULE_DIR}
moduleload back_mdb
TLSCACertificateFile {self.ca_file}
TLSCertificateFile {d}/server.crt
TLSCertificateKeyFile {d}/server.key

database mdb
maxsize 16777216
suffix "{SUFFIX}"
rootdn "{ROOT_DN}"
rootpw {ROOT_PW}
directory {self.db_dir}
index objectClass eq
index mail,uid eq
# Only the service account reads: a bind that fails finds nothing.
access to attrs=userPassword by anonymous auth by * none
access to * by dn.exact="{BIND_DN}" read by * none
""")

    def _prepare(self):
        if self._prepared:
            return
        for tool in (SLAPD, "/usr/sbin/slapadd", "openssl"):
            if shutil.which(tool) is None:
                raise SlapdError(f"{tool} not found: install the slapd, ldap-utils and "
                                 "openssl packages (packaging/runtime-depends.txt)")
        self._make_certificates()
        self._write_conf()
        os.makedirs(self.db_dir, exist_ok=True)
        ldif = os.path.join(self.dir, "users.ldif")
        with open(ldif, "w", encoding="utf-8") as f:
            f.write(build_ldif())
        _run(["/usr/sbin/slapadd", "-f", self.conf, "-l", ldif])
        self._prepared = True

    # --- lifecycle ---------------------------------------------------------------
    def start(self):
        if self.process is not None:
            return self
        self._prepare()
        urls = f"ldap://127.0.0.1:{self.port}/ ldaps://127.0.0.1:{self.tls_port}/"
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen([SLAPD, "-d", "0", "-h", urls, "-f", self.conf],
                                        stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                        preexec_fn=_kill_with_parent)
        log.close()
        self._wait_ready()
        return self

    def _wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        last = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                self.process = None
                raise SlapdError(f"slapd exited with {code}: {self.log_tail()}")
            p = subprocess.run(["ldapsearch", "-x", "-LLL", "-H", f"ldap://127.0.0.1:{self.port}",
                                "-D", BIND_DN, "-w", BIND_PW, "-b", SUFFIX, "-s", "base", "dn"],
                               capture_output=True, text=True, timeout=10)
            if p.returncode == 0:
                return
            last = p.stderr.strip()
            time.sleep(0.1)
        self.stop()
        raise SlapdError(f"slapd not ready after {START_TIMEOUT}s: {last}")

    def stop(self):
        """Ends slapd (a paused one too); its data stays for the next start()."""
        p, self.process = self.process, None
        if p is None or p.poll() is not None:
            return
        try:
            p.send_signal(signal.SIGCONT)
            p.send_signal(signal.SIGTERM)
            p.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()

    def restart(self):
        self.stop()
        return self.start()

    def pause(self):
        """SIGSTOP: the kernel still accepts connections, but nothing is ever answered."""
        os.kill(self.process.pid, signal.SIGSTOP)
        # kill() returns before every thread has stopped: wait until all have.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not self._all_threads_stopped():
            time.sleep(0.01)

    def _all_threads_stopped(self):
        task_dir = f"/proc/{self.process.pid}/task"
        try:
            states = []
            for tid in os.listdir(task_dir):
                with open(f"{task_dir}/{tid}/stat") as f:
                    states.append(f.read().rsplit(")", 1)[1].split()[0])
        except OSError:
            return False
        return bool(states) and all(state in ("T", "t") for state in states)

    def resume(self):
        self.process.send_signal(signal.SIGCONT)

    def log_tail(self, lines=40):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


if __name__ == "__main__":
    # Manual check: start, show a search, stop.
    import tempfile
    with tempfile.TemporaryDirectory() as tmp, Slapd(tmp) as ldap:
        print(f"ldap://127.0.0.1:{ldap.port} ldaps://127.0.0.1:{ldap.tls_port} CA {ldap.ca_file}")
        print(subprocess.run(["ldapsearch", "-x", "-LLL", "-H", f"ldap://127.0.0.1:{ldap.port}",
                              "-D", BIND_DN, "-w", BIND_PW, "-b", SUFFIX, "(uid=*)", "uid", "cn",
                              "mail"], capture_output=True, text=True).stdout)
        env = dict(os.environ, LDAPTLS_CACERT=ldap.ca_file)
        print(subprocess.run(["ldapwhoami", "-x", "-H", f"ldaps://127.0.0.1:{ldap.tls_port}",
                              "-D", BIND_DN, "-w", BIND_PW], capture_output=True, text=True,
                             env=env))
