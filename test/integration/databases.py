"""Throwaway database servers for the integration tests: PostgreSQL 15 and MariaDB 10.11
from Debian's packages, each in a temporary data directory owned by the test run,
listening on 127.0.0.1 (a free port) and on a unix socket inside that directory. No
system service or system-wide configuration is touched.

    server = databases.start("postgresql", root_dir)   # or "mariadb"
    uri = server.create_database("name")               # db_uri for automx2-fcgi
    server.query("name", "SELECT ...", args)           # list of tuples
    server.stop(); server.start(); server.connections("name")
    server.destroy()                                   # stop for good

The test run connects through psycopg2 / pymysql (python3-psycopg2, python3-pymysql).
"""

import ctypes
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time


def _import_driver(name):
    """Debian's python3-psycopg2 / python3-pymysql, also from a python3 that is not
    Debian's own (e.g. pyenv): its dist-packages directory is added as a fallback."""
    try:
        return __import__(name)
    except ImportError:
        debian = "/usr/lib/python3/dist-packages"
        if debian not in sys.path:
            sys.path.append(debian)
        return __import__(name)

START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0
USER = "automx2"
PASSWORD = "automx2-test-pw"


class DatabaseError(Exception):
    pass


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent():
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class _Server:
    dialect = None

    def __init__(self, root):
        self.dir = os.path.join(root, self.dialect)
        os.makedirs(self.dir)
        self.port = _free_port()
        self.proc = None
        self.log_path = os.path.join(self.dir, "server.log")
        self.databases = []

    # --- lifecycle ----------------------------------------------------------------
    def _spawn(self, argv, user=None):
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                         preexec_fn=_die_with_parent, user=user)
        finally:
            log.close()

    def _wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise DatabaseError(f"{self.dialect} exited with {self.proc.returncode}:\n"
                                    + self.log_tail())
            try:
                self.admin("SELECT 1")
                return
            except Exception as e:  # noqa: BLE001 - driver errors while starting up
                last = e
            time.sleep(0.2)
        raise DatabaseError(f"{self.dialect} not ready after {START_TIMEOUT}s ({last})\n"
                            + self.log_tail())

    def stop(self):
        """Stops the server (the service's connections break); start() brings it back."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(self.stop_signal)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        deadline = time.monotonic() + 10
        while _port_open(self.port) and time.monotonic() < deadline:
            time.sleep(0.1)

    def restart(self):
        self.stop()
        self.start()

    def destroy(self):
        self.stop()

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, lines=40):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    # --- data ---------------------------------------------------------------------
    def query(self, database, sql, args=()):
        """Rows of `sql` (sqlite-style '?' placeholders accepted) in `database`."""
        con = self.connect(database)
        try:
            cur = con.cursor()
            cur.execute(sql.replace("?", "%s"), tuple(args))
            rows = [tuple(r) for r in cur.fetchall()] if cur.description else []
            con.commit()
            return rows
        finally:
            con.close()

    def execute_script(self, database, script):
        """Runs `script` (statements separated by ';' at line ends) in one connection, as
        the service's user: PostgreSQL shows a role only the tables it may use."""
        con = self.connect_as_owner(database)
        try:
            cur = con.cursor()
            for statement in split_script(script):
                cur.execute(statement)
            con.commit()
        finally:
            con.close()

    def tables(self, database):
        return [r[0] for r in self.query(database, self.list_tables_sql)]

    def dump(self, database):
        """Every row of every table, sorted: compares database states."""
        return {t: sorted(self.query(database, f"SELECT * FROM {t}"), key=repr)
                for t in sorted(self.tables(database))}


def split_script(script):
    statements, current = [], []
    for line in script.splitlines():
        if line.strip().startswith("--") or not line.strip():
            continue
        current.append(line)
        if line.rstrip().endswith(";"):
            statements.append("\n".join(current).rstrip().rstrip(";"))
            current = []
    if "".join(current).strip():
        statements.append("\n".join(current))
    return statements


class PostgresServer(_Server):
    dialect = "postgresql"
    stop_signal = signal.SIGINT  # fast shutdown: open sessions are terminated
    list_tables_sql = ("SELECT table_name FROM information_schema.tables "
                       "WHERE table_schema = current_schema()")

    def __init__(self, root):
        super().__init__(root)
        _import_driver("psycopg2")  # fail early with a clear ImportError
        self.bindir = self._find_bindir()
        self.data = os.path.join(self.dir, "data")
        self.sockdir = os.path.join(self.dir, "sock")
        os.makedirs(self.sockdir)
        # PostgreSQL refuses to run as root: the data directory belongs to postgres.
        self.user = None
        if os.geteuid() == 0:
            self.user = "postgres"
            pw = pwd.getpwnam("postgres")
            for d in (self.dir, self.sockdir):
                os.chown(d, pw.pw_uid, pw.pw_gid)
            # The temp root must be traversable by postgres.
            os.chmod(os.path.dirname(self.dir), 0o755)
        pwfile = os.path.join(self.dir, "pw")
        with open(pwfile, "w") as f:
            f.write("unused-superuser-pw\n")
        if self.user:
            os.chown(pwfile, pwd.getpwnam("postgres").pw_uid, -1)
        p = subprocess.run([os.path.join(self.bindir, "initdb"), "-D", self.data, "-U", "postgres",
                            "-E", "UTF8", "--locale=C", "--auth-local=trust",
                            "--auth-host=scram-sha-256", "--pwfile", pwfile, "--no-sync"],
                           capture_output=True, text=True, user=self.user, timeout=120)
        if p.returncode != 0:
            raise DatabaseError(f"initdb failed: {p.stdout}\n{p.stderr}")
        self.start()
        self.admin(f"CREATE ROLE {USER} LOGIN PASSWORD '{PASSWORD}'")

    @staticmethod
    def _find_bindir():
        for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
            if os.path.exists(os.path.join(d, "postgres")):
                return d
        found = shutil.which("postgres")
        if found:
            return os.path.dirname(found)
        raise DatabaseError("PostgreSQL server binaries not found (package postgresql)")

    def start(self):
        self._spawn([os.path.join(self.bindir, "postgres"), "-D", self.data, "-p", str(self.port),
                     "-k", self.sockdir, "-c", "listen_addresses=127.0.0.1",
                     "-c", "fsync=off", "-c", "synchronous_commit=off",
                     "-c", "full_page_writes=off", "-c", "max_connections=200",
                     "-c", "shared_buffers=32MB"], user=self.user)
        self._wait_ready()

    def connect(self, database="postgres", user="postgres"):
        psycopg2 = _import_driver("psycopg2")
        if user == "postgres":
            return psycopg2.connect(host=self.sockdir, port=self.port, dbname=database,
                                    user="postgres", connect_timeout=5)
        return psycopg2.connect(host="127.0.0.1", port=self.port, dbname=database, user=user,
                                password=PASSWORD, connect_timeout=5)

    def admin(self, sql, args=()):
        con = self.connect()
        con.autocommit = True
        try:
            cur = con.cursor()
            cur.execute(sql, args)
            return cur.fetchall() if cur.description else []
        finally:
            con.close()

    def create_database(self, name):
        self.admin(f"CREATE DATABASE {name} OWNER {USER}")
        self.databases.append(name)
        return f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{name}"

    def connect_as_owner(self, database):
        return self.connect(database, user=USER)

    def connections(self, database):
        """Sessions the service holds on `database` (the test's own are another user)."""
        return self.admin("SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                          "AND usename = %s", (database, USER))[0][0]

    def pids(self):
        """The postmaster and every backend (to freeze the whole server with SIGSTOP)."""
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True)
        return [self.proc.pid] + [int(x) for x in out.stdout.split()]


class MariadbServer(_Server):
    dialect = "mariadb"
    stop_signal = signal.SIGTERM
    list_tables_sql = ("SELECT table_name FROM information_schema.tables "
                       "WHERE table_schema = DATABASE()")

    def __init__(self, root):
        super().__init__(root)
        _import_driver("pymysql")
        self.data = os.path.join(self.dir, "data")
        self.socket = os.path.join(self.dir, "mysqld.sock")
        self.daemon = shutil.which("mariadbd") or "/usr/sbin/mariadbd"
        install = shutil.which("mariadb-install-db") or "/usr/bin/mariadb-install-db"
        if not os.path.exists(self.daemon) or not os.path.exists(install):
            raise DatabaseError("MariaDB server binaries not found (package mariadb-server)")
        self.user_args = ["--user=root"] if os.geteuid() == 0 else []
        p = subprocess.run([install, "--no-defaults", f"--datadir={self.data}",
                            "--auth-root-authentication-method=normal", "--skip-test-db",
                            "--skip-name-resolve", *self.user_args],
                           capture_output=True, text=True, timeout=180)
        if p.returncode != 0:
            raise DatabaseError(f"mariadb-install-db failed: {p.stdout}\n{p.stderr}")
        self.start()
        self.admin(f"CREATE USER '{USER}'@'%' IDENTIFIED BY '{PASSWORD}'")

    def start(self):
        self._spawn([self.daemon, "--no-defaults", f"--datadir={self.data}",
                     f"--socket={self.socket}", f"--port={self.port}", "--bind-address=127.0.0.1",
                     f"--pid-file={os.path.join(self.dir, 'mariadbd.pid')}",
                     "--skip-name-resolve", "--max-connections=200",
                     "--innodb-buffer-pool-size=32M", "--innodb-flush-log-at-trx-commit=0",
                     "--innodb-doublewrite=0", "--skip-log-bin", *self.user_args])
        self._wait_ready()

    def connect(self, database=None, user="root"):
        pymysql = _import_driver("pymysql")
        if user == "root":
            return pymysql.connect(unix_socket=self.socket, user="root", database=database,
                                   connect_timeout=5, charset="utf8mb4")
        return pymysql.connect(host="127.0.0.1", port=self.port, user=user, password=PASSWORD,
                               database=database, connect_timeout=5, charset="utf8mb4")

    def admin(self, sql, args=()):
        con = self.connect()
        try:
            cur = con.cursor()
            cur.execute(sql, args or None)
            rows = cur.fetchall() if cur.description else []
            con.commit()
            return rows
        finally:
            con.close()

    def create_database(self, name):
        self.admin(f"CREATE DATABASE {name} CHARACTER SET utf8mb4")
        self.admin(f"GRANT ALL PRIVILEGES ON {name}.* TO '{USER}'@'%'")
        self.databases.append(name)
        return f"mysql+pymysql://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{name}?charset=utf8mb4"

    def connect_as_owner(self, database):
        return self.connect(database, user=USER)

    def connections(self, database):
        return self.admin("SELECT COUNT(*) FROM information_schema.processlist "
                          "WHERE user = %s AND db = %s", (USER, database))[0][0]

    def pids(self):
        return [self.proc.pid]


SERVERS = {"postgresql": PostgresServer, "mariadb": MariadbServer}


def start(dialect, root):
    """A running server of `dialect` with its data under `root`."""
    return SERVERS[dialect](root)
