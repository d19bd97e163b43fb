"""The Apache stack kind: automx2-fcgi under Apache 2.4 + mod_fcgid, over HTTP.

An ApacheStack runs its own `apache2 -f CONF -DFOREGROUND` on a free loopback port
with a minimal httpd.conf that includes packaging/apache/automx2.conf, with only the
port of <VirtualHost>, the binary's path, the configuration file's path and the
(unused) document root replaced. mod_fcgid starts the service itself (socket on fd 0,
environment from FcgidInitialEnv, one request at a time per process), so there is no
spawn-fcgi and no nginx; the service's stderr lands in Apache's error log.

As root, Apache's children (and so the service) run as www-data: the binary is copied
to a directory www-data can reach and each stack's directory is handed to www-data.

run.py --web apache selects this kind; SKIPPED names the tests that exercise nginx or
spawn-fcgi themselves and do not apply here.
"""

import os
import pwd
import shutil
import signal
import subprocess

import harness

APACHE_SAMPLE = os.path.join(harness.REPO_ROOT, "packaging", "apache", "automx2.conf")
MODULE_DIRS = ("/usr/lib/apache2/modules", "/usr/lib64/httpd/modules", "/usr/libexec/apache2")
RUN_USER = "www-data"

# The tokens of the sample that are replaced (each must occur exactly once).
VHOST = "<VirtualHost *:80>"
WRAPPER = '"/usr/sbin/automx2-fcgi --threads 1"'
CONF = "FcgidInitialEnv AUTOMX2_CONF /etc/automx2/automx2.conf"
DOCROOT = "DocumentRoot /var/www/html"

# Environment passed to the service besides AUTOMX2_CONF (mod_fcgid passes nothing on).
PASSED_ENV = ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "PERMIT_CLEARTEXT_PASSWORDS")

# test method name → why it does not apply behind Apache.
SKIPPED = {
    "test_nginx_allows_initdb_only_from_loopback": "reads the nginx sample; Apache's "
                                                   "ACL is tested by test_apache_initdb_acl",
    "test_sd_notify_ready": "mod_fcgid's processes are not systemd services",
    "test_sigterm_exits_zero_promptly_when_idle": "mod_fcgid, not the test, owns the "
                                                  "process and its exit status",
    "test_2_renewed_certificate_picked_up_without_restart": "mod_fcgid, not the test, owns "
                                                            "the process (no pid to compare)",
    "test_body_shorter_than_content_length": "mod_fcgid answers 500 when the client gives "
                                             "up mid-body (the service never sees it)",
    "test_overlong_input": "Apache answers 403 itself for a path segment longer than a file "
                           "name may be (its directory walk); the other cases pass behind "
                           "nginx",
}


def find_module(name):
    for d in MODULE_DIRS:
        p = os.path.join(d, name)
        if os.path.exists(p):
            return p
    raise harness.HarnessError(f"cannot find Apache's {name} (apt-get install apache2 "
                               "libapache2-mod-fcgid)")


def render_apache_sample(text, port, binary, config_path, docroot):
    """The sample with the port, the paths and the document root replaced; nothing else."""
    for token in (VHOST, WRAPPER, CONF, DOCROOT):
        if text.count(token) != 1:
            raise harness.HarnessError(f"{APACHE_SAMPLE}: expected '{token}' exactly once")
    text = text.replace(VHOST, f"<VirtualHost *:{port}>")
    text = text.replace(WRAPPER, f'"{binary} --threads 1"')
    text = text.replace(CONF, f"FcgidInitialEnv AUTOMX2_CONF {config_path}")
    return text.replace(DOCROOT, f"DocumentRoot {docroot}")


class ApacheStack(harness.Stack):
    """One Apache with mod_fcgid, which runs automx2-fcgi processes on demand."""

    def __init__(self, session, name, **kw):
        kw.pop("threads", None)  # always 1 under mod_fcgid
        super().__init__(session, name, **kw)
        self.threads = 1
        self.apache_dir = os.path.join(self.dir, "apache")
        self.service_log = os.path.join(self.apache_dir, "error.log")
        self.nginx_log = os.path.join(self.apache_dir, "apache.stderr")
        self.apache = None

    def _write_apache_conf(self):
        a = self.apache_dir
        os.makedirs(os.path.join(a, "docroot"))
        with open(APACHE_SAMPLE) as f:
            sample = f.read()
        with open(os.path.join(a, "automx2.conf"), "w") as f:
            f.write(render_apache_sample(sample, self.port, self.session.run_binary,
                                         os.path.abspath(self.config_path),
                                         os.path.join(a, "docroot")))
        listen = f"Listen 127.0.0.1:{self.port}\n"
        if harness.ipv6_loopback_available():
            listen += f"Listen [::1]:{self.port}\n"
        modules = "".join(f"LoadModule {m}_module {find_module('mod_' + m + '.so')}\n"
                          for m in ("mpm_event", "authz_core", "authz_host", "rewrite",
                                    "fcgid"))
        env = dict((k, os.environ[k]) for k in PASSED_ENV if k in os.environ)
        env.update(self.env)
        initial_env = "".join(f'FcgidInitialEnv {k} "{v}"\n' for k, v in env.items())
        user = f"User {RUN_USER}\nGroup {RUN_USER}\n" if os.geteuid() == 0 else ""
        conf = (f"ServerRoot {a}\nServerName localhost\n{listen}{modules}{user}"
                f"PidFile {a}/httpd.pid\nDefaultRuntimeDir {a}\n"
                f"ErrorLog {self.service_log}\nLogLevel warn\n"
                "StartServers 1\nServerLimit 2\nThreadsPerChild 16\nMaxRequestWorkers 32\n"
                f"FcgidIPCDir {a}/fcgid\nFcgidProcessTableFile {a}/fcgid_shm\n"
                # Tests start a handful of processes at once: do not throttle spawning.
                "FcgidSpawnScoreUpLimit 100\n"
                f"{initial_env}Include {a}/automx2.conf\n")
        with open(os.path.join(a, "httpd.conf"), "w") as f:
            f.write(conf)

    def start(self):
        self.port = harness.free_port()
        os.makedirs(self.apache_dir)
        self._write_apache_conf()
        if os.geteuid() == 0:
            # The stack's directory and a database made elsewhere (with its directory,
            # where SQLite writes its journal) belong to the service's user.
            pw = pwd.getpwnam(RUN_USER)
            paths = []
            for root, dirs, files in os.walk(self.dir):
                paths += [root] + [os.path.join(root, n) for n in dirs + files]
            db = os.path.abspath(self.db_path)
            paths += [os.path.dirname(db)] + ([db] if os.path.exists(db) else [])
            # Files the configuration names (signing keys and certificates, CA files)
            # must be readable by the service's user, as in a real installation.
            with open(self.config_path) as f:
                for line in f:
                    value = line.partition("=")[2].strip()
                    if value.startswith("/") and os.path.isfile(value):
                        paths.append(value)
            for p in paths:
                os.chown(p, pw.pw_uid, pw.pw_gid)
        env = dict(os.environ)
        env.pop("AUTOMX2_CONF", None)
        err = open(self.nginx_log, "ab")
        self.apache = subprocess.Popen(
            ["apache2", "-f", os.path.join(self.apache_dir, "httpd.conf"), "-DFOREGROUND"],
            stdin=subprocess.DEVNULL, stdout=err, stderr=err, env=env,
            preexec_fn=harness._die_with_parent)
        err.close()
        # harness.Stack's readiness loop watches `service` and `nginx`: here both are
        # Apache, which owns the service processes.
        self.service = self.nginx = self.apache
        try:
            self._wait_ready()
        finally:
            self.service = self.nginx = None
        return self

    def stop_service(self, timeout=harness.STOP_TIMEOUT):
        return self.stop()

    def stop(self):
        if self.apache is None:
            return self.service_exit
        if self.apache.poll() is None:
            # SIGTERM: Apache stops at once and mod_fcgid terminates the service processes.
            self.apache.send_signal(signal.SIGTERM)
            try:
                self.apache.wait(harness.STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.apache.kill()
                self.apache.wait()
                self.apache = None
                self.service_exit = None
                return None
        self.service_exit = self.apache.returncode
        self.apache = None
        return self.service_exit

    def log_text(self):
        parts = []
        for label, path in (("Apache error log (with the service's stderr)", self.service_log),
                            ("Apache stderr", self.nginx_log)):
            try:
                with open(path, errors="replace") as f:
                    lines = f.readlines()
            except OSError:
                lines = []
            tail = lines[-300:]
            parts.append(f"----- [{self.name}] {label} ({len(lines)} lines) -----\n"
                         + "".join(tail))
        return "\n".join(parts)


class ApacheSession(harness.Session):
    """A Session whose stacks are ApacheStacks."""

    def __init__(self, binary, **kw):
        super().__init__(binary, **kw)
        self.run_binary = self.binary
        if os.geteuid() == 0:
            # www-data must reach the binary and every stack directory.
            os.chmod(self.root, 0o711)
            bindir = os.path.join(self.root, "bin")
            os.makedirs(bindir)
            os.chmod(bindir, 0o755)
            self.run_binary = os.path.join(bindir, os.path.basename(self.binary))
            shutil.copy2(self.binary, self.run_binary)
            os.chmod(self.run_binary, 0o755)

    def stack(self, name, kind=None, **kw):
        if name not in self.stacks:
            # A Stack subclass that changes only how readiness is judged (test_api's
            # UnreachableDatabaseStack) is combined with ApacheStack.
            cls = ApacheStack if kind is None else type(kind.__name__, (kind, ApacheStack), {})
            st = cls(self, name, dialect=self.dialect, **kw)
            self.stacks[name] = st
            st.start()
        return self.stacks[name]


def apply_skips(suite):
    """Marks the tests of SKIPPED as skipped in a loaded unittest suite."""
    import unittest
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            apply_skips(test)
            continue
        why = SKIPPED.get(getattr(test, "_testMethodName", ""))
        if why:
            setattr(test, test._testMethodName, unittest.skip(why)(lambda *a: None))
