"""Lifecycle of the services under test: automx2-fcgi under spawn-fcgi behind nginx.

A Stack is one service instance (its own config, database and unix socket) with its
own nginx on a free loopback port, serving packaging/nginx/automx2.conf with only the
listen ports and the socket path replaced. A Session owns every stack of a test run,
hands out shared stacks by name and always stops them all.

Only the Python standard library is used. Other databases or web servers are added
as further Stack kinds (the `dialect` selects the db_uri).
"""

import ctypes
import http.client
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
import unittest

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
NGINX_SAMPLE = os.path.join(REPO_ROOT, "packaging", "nginx", "automx2.conf")

# The tokens of the sample that the harness replaces (each must occur exactly once).
LISTEN_V4 = "listen 80;"
LISTEN_V6 = "listen [::]:80;"
SAMPLE_SOCKET = "unix:/run/automx2/automx2.sock"

READY_TIMEOUT = 30.0  # seconds; the sanitizer build starts slowly
STOP_TIMEOUT = 10.0


class HarnessError(Exception):
    pass


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ipv6_loopback_available():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def _die_with_parent():
    # Children get SIGTERM when the runner dies, even by SIGKILL (ctest timeout).
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def find_nginx_file(name):
    for d in ("/etc/nginx", "/usr/local/nginx/conf", "/usr/local/etc/nginx"):
        p = os.path.join(d, name)
        if os.path.exists(p):
            return p
    raise HarnessError(f"cannot find nginx's {name}")


def render_nginx_sample(text, port, socket_path, ipv6):
    """The sample with its listen ports and socket path replaced; nothing else."""
    for token in (LISTEN_V4, LISTEN_V6, SAMPLE_SOCKET):
        if text.count(token) != 1:
            raise HarnessError(f"{NGINX_SAMPLE}: expected '{token}' exactly once")
    text = text.replace(LISTEN_V4, f"listen 127.0.0.1:{port};")
    text = text.replace(LISTEN_V6, f"listen [::1]:{port};" if ipv6 else "# (no IPv6 loopback)")
    return text.replace(SAMPLE_SOCKET, f"unix:{socket_path}")


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # list of (name, value)
        self.body = body  # bytes

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    @property
    def media_type(self):
        ct = self.header("Content-Type") or ""
        return ct.split(";")[0].strip().lower()

    @property
    def text(self):
        return self.body.decode("utf-8")

    def __repr__(self):
        return f"<Response {self.status} {self.header('Content-Type')} {self.body[:300]!r}>"


class Stack:
    """One automx2-fcgi (spawn-fcgi, unix socket) and one nginx in front of it."""

    def __init__(self, session, name, dialect="sqlite", config=None, database=None, threads=16,
                 env=None, fixture=None):
        self.session = session
        self.name = name
        self.dialect = dialect
        if dialect != "sqlite" and database is not None:
            # An SQLite file made by the test: its MariaDB/PostgreSQL counterparts load a
            # per-dialect SQL fixture instead (fixture=, see test_dialects.py).
            raise unittest.SkipTest(f"an SQLite database file; not for {dialect}")
        self.dir = os.path.join(session.root, name)
        os.makedirs(self.dir)
        self.socket_path = os.path.join(self.dir, "automx2.sock")
        self.db_path = database or os.path.join(self.dir, "automx2.sqlite")
        self.config_path = os.path.join(self.dir, "automx2.conf")
        self.service_log = os.path.join(self.dir, "service.log")
        self.nginx_log = os.path.join(self.dir, "nginx-error.log")
        self.port = None
        self.threads = threads
        self.env = env or {}
        self.service = None
        self.nginx = None
        self.service_exit = None
        # MariaDB/PostgreSQL: a database of its own on the session's server.
        self.db_name = None
        if dialect != "sqlite":
            self.db_name = "it_" + re.sub(r"[^a-z0-9]", "_", name.lower())
            self.db_uri = session.db_server.create_database(self.db_name)
        if fixture is not None:
            self.load_fixture(fixture)
        self._write_config(config or {})

    # --- setup -------------------------------------------------------------------
    def load_fixture(self, name):
        """Runs fixtures/{name}.{dialect}.sql in this stack's (still unused) database."""
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures",
                            f"{name}.{self.dialect}.sql")
        with open(path) as f:
            script = f.read()
        if self.dialect == "sqlite":
            con = sqlite3.connect(self.db_path)
            try:
                con.executescript(script)
                con.commit()
            finally:
                con.close()
        else:
            self.session.db_server.execute_script(self.db_name, script)

    def _write_config(self, extra):
        if self.dialect == "sqlite":
            uri = "sqlite:///" + os.path.abspath(self.db_path)
        else:
            uri = self.db_uri
        values = {"loglevel": "DEBUG", "db_uri": uri}
        values.update(extra)
        with open(self.config_path, "w") as f:
            f.write("[automx2]\n")
            for k, v in values.items():
                f.write(f"{k} = {v}\n")

    def _write_nginx_conf(self):
        ngx = os.path.join(self.dir, "nginx")
        os.makedirs(ngx)
        shutil.copy(find_nginx_file("fastcgi_params"), os.path.join(ngx, "fastcgi_params"))
        with open(NGINX_SAMPLE) as f:
            sample = f.read()
        with open(os.path.join(ngx, "automx2.conf"), "w") as f:
            f.write(render_nginx_sample(sample, self.port, self.socket_path,
                                        ipv6_loopback_available()))
        temps = "\n".join(f"    {k}_temp_path {ngx}/{k}_temp;"
                          for k in ("client_body", "fastcgi", "proxy", "uwsgi", "scgi"))
        # As root, workers would otherwise run as nobody and could not reach the
        # socket inside the private temp directory.
        user = "user root root;\n" if os.geteuid() == 0 else ""
        conf = (f"{user}worker_processes 1;\ndaemon off;\npid {ngx}/nginx.pid;\n"
                f"error_log {self.nginx_log} info;\n"
                "events { worker_connections 256; }\n"
                "http {\n"
                f"    access_log {ngx}/access.log;\n{temps}\n"
                "    default_type application/octet-stream;\n"
                f"    include {ngx}/automx2.conf;\n}}\n")
        with open(os.path.join(ngx, "nginx.conf"), "w") as f:
            f.write(conf)
        return ngx

    def start(self):
        binary = self.session.binary
        env = dict(os.environ)
        env.pop("AUTOMX2_CONF", None)
        env.update(self.env)
        log = open(self.service_log, "ab")
        # -n: spawn-fcgi binds the socket and execs the service in this process.
        self.service = subprocess.Popen(
            ["spawn-fcgi", "-n", "-s", self.socket_path, "-M", "0660", "--", binary,
             "--config", self.config_path, "--threads", str(self.threads)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env,
            preexec_fn=_die_with_parent)
        log.close()
        self.port = free_port()
        ngx = self._write_nginx_conf()
        nlog = open(os.path.join(ngx, "nginx.stderr"), "ab")
        self.nginx = subprocess.Popen(
            ["nginx", "-p", ngx + "/", "-c", os.path.join(ngx, "nginx.conf"), "-e",
             self.nginx_log],
            stdin=subprocess.DEVNULL, stdout=nlog, stderr=nlog, preexec_fn=_die_with_parent)
        nlog.close()
        self._wait_ready()
        return self

    def _wait_ready(self):
        deadline = time.monotonic() + READY_TIMEOUT
        last = None
        while time.monotonic() < deadline:
            if self.service.poll() is not None:
                raise HarnessError(f"[{self.name}] service exited with {self.service.returncode}")
            if self.nginx.poll() is not None:
                raise HarnessError(f"[{self.name}] nginx exited with {self.nginx.returncode}")
            try:
                r = self.request("GET", "/", timeout=2)
                if r.status not in (502, 503, 504):
                    return
                last = r.status
            except OSError as e:
                last = e
            time.sleep(0.1)
        raise HarnessError(f"[{self.name}] not ready after {READY_TIMEOUT}s (last: {last})")

    # --- shutdown ----------------------------------------------------------------
    def stop_service(self, timeout=STOP_TIMEOUT):
        """SIGTERM the service; returns its exit status (None if it had to be killed)."""
        if self.service is None:
            return self.service_exit
        if self.service.poll() is None:
            self.service.send_signal(signal.SIGTERM)
            try:
                self.service.wait(timeout)
            except subprocess.TimeoutExpired:
                self.service.kill()
                self.service.wait()
                self.service_exit = None
                self.service = None
                return None
        self.service_exit = self.service.returncode
        self.service = None
        return self.service_exit

    def stop(self):
        if self.nginx is not None:
            if self.nginx.poll() is None:
                self.nginx.send_signal(signal.SIGQUIT)  # graceful
                try:
                    self.nginx.wait(STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    self.nginx.kill()
                    self.nginx.wait()
            self.nginx = None
        return self.stop_service()

    def log_text(self):
        parts = []
        for label, path in (("service stderr", self.service_log),
                            ("nginx error log", self.nginx_log)):
            try:
                with open(path, errors="replace") as f:
                    lines = f.readlines()
            except OSError:
                lines = []
            tail = lines[-300:]
            parts.append(f"----- [{self.name}] {label} ({len(lines)} lines, last {len(tail)}) -----\n"
                         + "".join(tail))
        return "\n".join(parts)

    def sanitizer_report(self):
        try:
            with open(self.service_log, errors="replace") as f:
                text = f.read()
        except OSError:
            return None
        m = re.search(r"(ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:)", text)
        return m.group(0) if m else None

    # --- HTTP --------------------------------------------------------------------
    def request(self, method, path, body=None, headers=None, timeout=15):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            hdrs = {"Host": "autoconfig.example.com"}
            hdrs.update(headers or {})
            if isinstance(body, str):
                body = body.encode("utf-8")
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for k, v in hdrs.items():
                if v is not None:
                    conn.putheader(k, v)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            r = conn.getresponse()
            data = r.read()
            return Response(r.status, r.getheaders(), data)
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body, content_type, **kw):
        headers = dict(kw.pop("headers", {}) or {})
        headers["Content-Type"] = content_type
        return self.request("POST", path, body=body, headers=headers, **kw)

    # --- database, read directly -------------------------------------------------
    def db_dump(self):
        """Every row of every table, sorted: compares database states."""
        if self.dialect != "sqlite":
            return self.session.db_server.dump(self.db_name)
        con = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=10)
        try:
            tables = [r[0] for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
                "ORDER BY name")]
            return {t: sorted(con.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr)
                    for t in tables}
        finally:
            con.close()

    def db_query(self, sql, args=()):
        """Rows as tuples; '?' placeholders (translated for MariaDB/PostgreSQL)."""
        if self.dialect != "sqlite":
            return self.session.db_server.query(self.db_name, sql, args)
        con = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=10)
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()


class Session:
    """All stacks of one run, under one temporary directory."""

    def __init__(self, binary, dialect="sqlite", keep=False):
        self.binary = os.path.abspath(binary)
        if not os.access(self.binary, os.X_OK):
            raise HarnessError(f"binary not executable: {self.binary}")
        self.dialect = dialect
        self.keep = keep
        self.root = tempfile.mkdtemp(prefix="automx2-it-")
        self.stacks = {}
        self.shutdown_problems = []
        # MariaDB/PostgreSQL: one throwaway server for the whole run (databases.py).
        self.db_server = None
        if dialect != "sqlite":
            import databases
            self.db_server = databases.start(dialect, self.root)

    def stack(self, name, **kw):
        """The running stack `name`, started on first use with these arguments."""
        if name not in self.stacks:
            st = Stack(self, name, dialect=self.dialect, **kw)
            self.stacks[name] = st
            st.start()
        return self.stacks[name]

    def sample_stack(self):
        """The shared read-only stack with the built-in sample data loaded."""
        first = "sample" not in self.stacks
        st = self.stack("sample")
        if first:
            r = st.get("/initdb/")
            if r.status != 200:
                raise HarnessError(f"GET /initdb/ on the sample stack: {r!r}")
        return st

    def stop_all(self):
        for st in self.stacks.values():
            running = st.service is not None
            code = st.stop()
            if running and code != 0:
                self.shutdown_problems.append(
                    f"[{st.name}] service did not exit 0 on SIGTERM (status {code})")
            report = st.sanitizer_report()
            if report:
                self.shutdown_problems.append(f"[{st.name}] sanitizer: {report}")
        if self.db_server is not None:
            self.db_server.destroy()

    def logs(self):
        text = "\n".join(st.log_text() for st in self.stacks.values())
        if self.db_server is not None:
            text += f"\n----- {self.dialect} server log (tail) -----\n" + self.db_server.log_tail()
        return text

    def cleanup(self):
        if self.keep:
            print(f"kept: {self.root}")
        else:
            shutil.rmtree(self.root, ignore_errors=True)


_session = None


def session():
    if _session is None:
        raise HarnessError("no session: run the tests through run.py")
    return _session


def set_session(s):
    global _session
    _session = s
