"""Lifecycle of the services under test: automx2-fcgi under spawn-fcgi behind nginx.

A Stack is one service instance (its own config, database and unix socket) with its
own nginx on a free loopback port, serving packaging/nginx/automx2.conf with only the
listen ports and the socket path replaced. A Session owns every stack of a test run,
hands out shared stacks by name and always stops them all.

A MultiStack runs several instances (each its own spawn-fcgi process, unix socket and
log, optionally restarted by a supervisor thread) behind the one upstream of one nginx.

Only the Python standard library is used. Other databases or web servers are added
as further Stack kinds (the `dialect` selects the db_uri).

AUTOMX2_WRAPPER (environment, optional): a command line put in front of the service's
own (after spawn-fcgi's `--`), e.g. "valgrind --tool=memcheck --error-exitcode=99".
"""

import ctypes
import http.client
import os
import re
import shlex
import shutil
import signal
import socket
import sqlite3
import subprocess
import struct
import tempfile
import threading
import time
import unittest

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
NGINX_SAMPLE = os.path.join(REPO_ROOT, "packaging", "nginx", "automx2.conf")

# The tokens of the sample that the harness replaces (each must occur exactly once).
LISTEN_V4 = "listen 80;"
LISTEN_V6 = "listen [::]:80;"
SAMPLE_SOCKET = "unix:/run/automx2/automx2.sock"

# Under AUTOMX2_WRAPPER (valgrind) the service runs many times slower and its exit
# includes the leak check: the harness's own timeouts are stretched by this factor.
SLOWDOWN = 4 if os.environ.get("AUTOMX2_WRAPPER", "").strip() else 1
READY_TIMEOUT = 30.0 * SLOWDOWN  # seconds; the sanitizer build starts slowly
STOP_TIMEOUT = 10.0 * SLOWDOWN


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
    """The sample with its listen ports and socket path replaced; nothing else.

    socket_path may be a list: the sample's upstream `server` line is then repeated,
    once per socket, each copy otherwise unchanged."""
    for token in (LISTEN_V4, LISTEN_V6, SAMPLE_SOCKET):
        if text.count(token) != 1:
            raise HarnessError(f"{NGINX_SAMPLE}: expected '{token}' exactly once")
    text = text.replace(LISTEN_V4, f"listen 127.0.0.1:{port};")
    text = text.replace(LISTEN_V6, f"listen [::1]:{port};" if ipv6 else "# (no IPv6 loopback)")
    if isinstance(socket_path, (list, tuple)):
        line = re.search(r"^.*" + re.escape(SAMPLE_SOCKET) + r".*\n", text, re.M).group(0)
        lines = "".join(line.replace(SAMPLE_SOCKET, f"unix:{p}") for p in socket_path)
        return text.replace(line, lines)
    return text.replace(SAMPLE_SOCKET, f"unix:{socket_path}")


def service_command(binary, socket_path, config_path, threads):
    """spawn-fcgi -n execs the service (AUTOMX2_WRAPPER, if set, in front of it)."""
    wrapper = shlex.split(os.environ.get("AUTOMX2_WRAPPER", ""))
    if wrapper:  # spawn-fcgi does not search PATH
        wrapper[0] = shutil.which(wrapper[0]) or wrapper[0]
    return ["spawn-fcgi", "-n", "-s", socket_path, "-M", "0660", "--", *wrapper, binary,
            "--config", config_path, "--threads", str(threads)]


# Failures a memory checker leaves in the service's stderr.
CHECKER_FAILURE = re.compile(r"(ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:"
                             r"|ERROR SUMMARY: [1-9]\d* errors|definitely lost: [1-9][\d,]* bytes)")


def checker_report(path):
    try:
        with open(path, errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    m = CHECKER_FAILURE.search(text)
    return m.group(0) if m else None


def fastcgi_get(socket_path, path, query="", host="autoconfig.example.com", timeout=10):
    """One FastCGI GET straight to an instance's socket (no nginx): (status, body)."""

    def record(kind, content):
        return struct.pack(">BBHHBx", 1, kind, 1, len(content), 0) + content

    def pair(name, value):
        name, value = name.encode(), value.encode()
        size = b"".join(bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)
                        for n in (len(name), len(value)))
        return size + name + value

    params = {"REQUEST_METHOD": "GET", "REQUEST_URI": path + ("?" + query if query else ""),
              "SCRIPT_NAME": path, "QUERY_STRING": query, "HTTP_HOST": host,
              "SERVER_NAME": host, "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
              "REMOTE_ADDR": "127.0.0.1", "CONTENT_LENGTH": "", "CONTENT_TYPE": ""}
    data = (record(1, struct.pack(">HB5x", 1, 0))
            + record(4, b"".join(pair(k, v) for k, v in params.items())) + record(4, b"")
            + record(5, b""))
    out = b""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(socket_path)
        s.sendall(data)
        buf = b""
        while True:
            while len(buf) < 8:
                chunk = s.recv(65536)
                if not chunk:
                    raise HarnessError(f"{socket_path}: connection closed mid-response")
                buf += chunk
            _, kind, _, length, padding = struct.unpack(">BBHHBx", buf[:8])
            while len(buf) < 8 + length + padding:
                chunk = s.recv(65536)
                if not chunk:
                    raise HarnessError(f"{socket_path}: connection closed mid-record")
                buf += chunk
            content, buf = buf[8:8 + length], buf[8 + length + padding:]
            if kind == 6:  # FCGI_STDOUT
                out += content
            elif kind == 3:  # FCGI_END_REQUEST
                break
    head, _, body = out.partition(b"\r\n\r\n")
    m = re.search(rb"^Status: (\d{3})", head, re.M | re.I)
    return (int(m.group(1)) if m else 200), body


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
            f.write(render_nginx_sample(sample, self.port, self.upstream_sockets(),
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
                f"{self.access_log_format()}"
                f"    access_log {ngx}/access.log{self.access_log_name()};\n{temps}\n"
                "    default_type application/octet-stream;\n"
                f"    include {ngx}/automx2.conf;\n}}\n")
        with open(os.path.join(ngx, "nginx.conf"), "w") as f:
            f.write(conf)
        return ngx

    def upstream_sockets(self):
        """The socket(s) of the nginx upstream (a list renders one server line each)."""
        return self.socket_path

    def access_log_format(self):
        """`log_format` lines for the http context (none: nginx's default format)."""
        return ""

    def access_log_name(self):
        return ""

    def spawn_service(self, socket_path, log_path):
        """spawn-fcgi (-n: it binds the socket and execs the service in its place)."""
        env = dict(os.environ)
        env.pop("AUTOMX2_CONF", None)
        env.update(self.env)
        log = open(log_path, "ab")
        try:
            return subprocess.Popen(
                service_command(self.session.binary, socket_path, self.config_path,
                                self.threads),
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env,
                preexec_fn=_die_with_parent)
        finally:
            log.close()

    def start_nginx(self):
        self.port = free_port()
        ngx = self._write_nginx_conf()
        nlog = open(os.path.join(ngx, "nginx.stderr"), "ab")
        self.nginx = subprocess.Popen(
            ["nginx", "-p", ngx + "/", "-c", os.path.join(ngx, "nginx.conf"), "-e",
             self.nginx_log],
            stdin=subprocess.DEVNULL, stdout=nlog, stderr=nlog, preexec_fn=_die_with_parent)
        nlog.close()

    def start(self):
        self.service = self.spawn_service(self.socket_path, self.service_log)
        self.start_nginx()
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
        return checker_report(self.service_log)

    # --- HTTP --------------------------------------------------------------------
    def request(self, method, path, body=None, headers=None, timeout=15):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        return exchange(conn, method, path, body, request_headers(headers))

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


class Instance:
    """One service process of a MultiStack: its own spawn-fcgi, socket and log.

    A supervised instance is restarted by a supervisor thread (RESTART_DELAY after it
    exits, like systemd's Restart=always with RestartSec) until stop() is called;
    `history` records (pid, exit status) of every process that ended."""

    RESTART_DELAY = 0.2

    def __init__(self, stack, index, supervised):
        self.stack = stack
        self.index = index
        self.supervised = supervised
        self.socket_path = os.path.join(stack.dir, f"automx2-{index}.sock")
        self.log_path = os.path.join(stack.dir, f"service-{index}.log")
        self.proc = None
        self.history = []
        self.starts = 0
        self._lock = threading.Lock()
        self._stopping = False
        self._supervisor = None

    def _spawn(self):
        self.starts += 1
        return self.stack.spawn_service(self.socket_path, self.log_path)

    def start(self):
        with self._lock:
            if self.running():
                return self
            self._stopping = False
            self.proc = self._spawn()
        if self.supervised:
            self._supervisor = threading.Thread(target=self._supervise, daemon=True,
                                                name=f"supervisor-{self.index}")
            self._supervisor.start()
        return self

    def _supervise(self):
        while True:
            proc = self.proc
            code = proc.wait()
            with self._lock:
                self.history.append((proc.pid, code))
                if self._stopping:
                    return
            time.sleep(self.RESTART_DELAY)
            with self._lock:
                if self._stopping:
                    return
                self.proc = self._spawn()

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self):
        return self.proc.pid if self.proc is not None else None

    def kill(self):
        """SIGKILL (a supervised instance comes back on its own); returns the pid."""
        pid = self.proc.pid
        self.proc.send_signal(signal.SIGKILL)
        return pid

    def stop(self, timeout=STOP_TIMEOUT):
        """SIGTERM, no restart; the exit status (None: it had to be killed)."""
        with self._lock:
            self._stopping = True
            proc = self.proc
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        code = None
        try:
            if self._supervisor is not None:
                self._supervisor.join(timeout)
                if self._supervisor.is_alive():
                    raise subprocess.TimeoutExpired(proc.args, timeout)
                code = self.history[-1][1]
            else:
                code = proc.wait(timeout)
                self.history.append((proc.pid, code))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            code = None
        self._supervisor = None
        self.proc = None
        return code

    def wait_serving(self, old_pid=None, timeout=READY_TIMEOUT):
        """Waits until a process other than old_pid answers GET / on the socket itself."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            proc = self.proc
            if proc is not None and proc.pid != old_pid and proc.poll() is None:
                try:
                    status, _ = fastcgi_get(self.socket_path, "/", timeout=2)
                    if status not in (502, 503, 504):
                        return proc.pid
                    last = status
                except (OSError, HarnessError) as e:
                    last = e
            time.sleep(0.05)
        raise HarnessError(f"[{self.stack.name}] instance {self.index} not serving after "
                           f"{timeout}s (last: {last})")


class MultiStack(Stack):
    """Several instances (Instance) on their own sockets, all of them `server` lines of
    the sample's one upstream, behind one nginx. Its access log records per request
    `$msec $status $upstream_addr "$upstream_status" $request_time` (format `faults`):
    an upstream_addr with a comma is a request nginx retried on the next server."""

    def __init__(self, session, name, instances=2, supervised=(), **kw):
        self.instances = []
        super().__init__(session, name, **kw)
        self.instances = [Instance(self, i, i in supervised) for i in range(instances)]
        self.access_log = os.path.join(self.dir, "nginx", "access.log")

    # Stack reads and writes `service` (one process): here, the first running one.
    @property
    def service(self):
        for inst in self.instances:
            if inst.running():
                return inst.proc
        return None

    @service.setter
    def service(self, _value):
        pass

    def upstream_sockets(self):
        return [inst.socket_path for inst in self.instances]

    def access_log_format(self):
        return ("    log_format faults '$msec $status $upstream_addr \"$upstream_status\" "
                "$request_time';\n")

    def access_log_name(self):
        return " faults"

    def start(self):
        for inst in self.instances:
            inst.start()
        self.start_nginx()
        for inst in self.instances:
            inst.wait_serving()
        self._wait_ready()
        return self

    def stop_service(self, timeout=STOP_TIMEOUT):
        """SIGTERM to every instance; 0 when all exited 0 (else the first other status)."""
        codes = [inst.stop(timeout) for inst in self.instances if inst.proc is not None]
        bad = [c for c in codes if c != 0]
        self.service_exit = bad[0] if bad else 0
        return self.service_exit

    def access_entries(self):
        """[(msec, status, [upstream sockets tried])] from the access log."""
        out = []
        try:
            with open(self.access_log) as f:
                for line in f:
                    parts = line.split(" ", 2)
                    if len(parts) < 3:
                        continue
                    addrs = parts[2].split(' "')[0]
                    tried = [a.strip().removeprefix("unix:") for a in addrs.split(",")
                             if a.strip() not in ("", "-")]
                    out.append((float(parts[0]), int(parts[1]), tried))
        except OSError:
            pass
        return out

    def log_text(self):
        parts = []
        for path, label in ([(i.log_path, f"instance {i.index} stderr") for i in self.instances]
                            + [(self.nginx_log, "nginx error log")]):
            try:
                with open(path, errors="replace") as f:
                    lines = f.readlines()
            except OSError:
                lines = []
            tail = lines[-200:]
            parts.append(f"----- [{self.name}] {label} ({len(lines)} lines, last {len(tail)}) "
                         "-----\n" + "".join(tail))
        return "\n".join(parts)

    def sanitizer_report(self):
        for inst in self.instances:
            report = checker_report(inst.log_path)
            if report:
                return f"instance {inst.index}: {report}"
        return None


def request_headers(headers):
    """The test requests' headers: Host autoconfig.example.com unless given; a header
    given as None is left out."""
    hdrs = {"Host": "autoconfig.example.com"}
    hdrs.update(headers or {})
    return hdrs


def exchange(conn, method, path, body, hdrs):
    """One request exactly as given (no Host or Accept-Encoding added), its Response;
    the connection is closed."""
    try:
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
        return Response(r.status, r.getheaders(), r.read())
    finally:
        conn.close()


def sanitized(binary):
    """True for an AddressSanitizer build: its quarantine and shadow memory make the
    process's memory figures say nothing about the service's own use."""
    with open(binary, "rb") as f:
        return b"__asan_init" in f.read()


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

    def stack(self, name, kind=None, **kw):
        """The running stack `name`, started on first use with these arguments (kind:
        a Stack subclass such as MultiStack)."""
        if name not in self.stacks:
            st = (kind or Stack)(self, name, dialect=self.dialect, **kw)
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
