"""A PostgreSQL primary and a hot standby for the failover tests (issue 15): the primary
is a databases.PostgresServer; the standby is a copy made by `pg_basebackup -R` (which
writes primary_conninfo and standby.signal), streaming from the primary. Both listen on
free loopback ports, in temporary directories, run by Debian's server binaries.

    pair = pg_replica.ReplicaPair(root)
    uri = pair.create_database("name")      # db_uri naming both hosts, primary first
    pair.wait_replayed()                    # the standby has what the primary committed
    pair.primary.kill9() / pair.primary.stop_fast() / pair.primary.start()
    pair.destroy()
"""

import os
import pwd
import signal
import subprocess
import time

import databases


def _make_traversable(path, top):
    """PostgreSQL runs as postgres when the tests run as root: every directory from `top`
    down to `path` must let it through (the test run's root is private, 0700)."""
    path = os.path.abspath(path)
    top = os.path.abspath(top)
    while True:
        os.chmod(path, 0o755)
        if path == top or path == os.path.dirname(path):
            return
        path = os.path.dirname(path)


class _Node(databases.PostgresServer):
    """PostgresServer with the two ways of stopping a primary that the tests compare."""

    def kill9(self):
        """A crash: SIGKILL to the postmaster and every backend at once."""
        if self.proc is None:
            return
        for pid in self.pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()
        self.proc = None

    def stop_fast(self):
        """`pg_ctl stop -m fast`: sessions are terminated, a shutdown checkpoint written."""
        if self.proc is None:
            return
        subprocess.run([os.path.join(self.bindir, "pg_ctl"), "stop", "-D", self.data, "-m",
                        "fast", "-w", "-t", str(int(databases.STOP_TIMEOUT))],
                       capture_output=True, user=self.user, timeout=databases.STOP_TIMEOUT + 5,
                       check=True)
        self.proc.wait(databases.STOP_TIMEOUT)
        self.proc = None

    def in_recovery(self):
        return self.admin("SELECT pg_is_in_recovery()")[0][0]


class _Standby(_Node):
    """A hot standby cloned from `primary` by pg_basebackup -R (no initdb of its own)."""

    def __init__(self, root, primary):  # pylint: disable=super-init-not-called
        databases._Server.__init__(self, root)  # noqa: SLF001 - dirs, port, log
        self.bindir = primary.bindir
        self.data = os.path.join(self.dir, "data")
        self.sockdir = os.path.join(self.dir, "sock")
        os.makedirs(self.sockdir)
        self.user = primary.user
        if self.user:
            pw = pwd.getpwnam(self.user)
            for d in (self.dir, self.sockdir):
                os.chown(d, pw.pw_uid, pw.pw_gid)
        # Over the primary's socket (local replication is trusted by initdb's pg_hba);
        # -R makes it a standby streaming from there, -X stream brings the WAL along.
        p = subprocess.run([os.path.join(self.bindir, "pg_basebackup"), "-D", self.data,
                            "-h", primary.sockdir, "-p", str(primary.port), "-U", "postgres",
                            "-R", "-X", "stream", "--no-sync", "-c", "fast"],
                           capture_output=True, text=True, user=self.user, timeout=120)
        if p.returncode != 0:
            raise databases.DatabaseError(f"pg_basebackup failed: {p.stdout}\n{p.stderr}")
        # Back to streaming soon after the primary returns (the default waits 5 s).
        with open(os.path.join(self.data, "postgresql.auto.conf"), "a") as f:
            f.write("wal_retrieve_retry_interval = '200ms'\n")
        self.start()


class ReplicaPair:
    """A primary and its hot standby, both on 127.0.0.1."""

    def __init__(self, root):
        os.makedirs(os.path.join(root, "primary"))
        os.makedirs(os.path.join(root, "standby"))
        _make_traversable(os.path.join(root, "primary"), os.path.dirname(root))
        _make_traversable(os.path.join(root, "standby"), os.path.dirname(root))
        self.primary = _Node(os.path.join(root, "primary"))
        self.standby = _Standby(os.path.join(root, "standby"), self.primary)
        self.wait_streaming()

    def create_database(self, name):
        """A database on the primary (replicated), and the db_uri naming both servers in
        SQLAlchemy's multi-host form."""
        self.primary.create_database(name)
        self.wait_replayed()
        return (f"postgresql://{databases.USER}:{databases.PASSWORD}@/{name}"
                f"?host=127.0.0.1:{self.primary.port}&host=127.0.0.1:{self.standby.port}")

    def wait_streaming(self, timeout=30.0):
        """Until the standby's WAL receiver streams from the primary."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                rows = self.standby.admin("SELECT status FROM pg_stat_wal_receiver")
                if rows and rows[0][0] == "streaming":
                    return
            except Exception:  # noqa: BLE001 - the standby may be restarting
                pass
            time.sleep(0.1)
        raise databases.DatabaseError("the standby does not stream from the primary\n"
                                      + self.standby.log_tail())

    def wait_replayed(self, timeout=30.0):
        """Until the standby replayed everything the primary has written so far."""
        # The insert position: with synchronous_commit=off (databases.py) a commit may
        # not have been written out yet when this asks.
        target = self.primary.admin("SELECT pg_current_wal_insert_lsn()::text")[0][0]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = self.standby.admin(
                "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,))[0][0]
            if done:
                return
            time.sleep(0.05)
        raise databases.DatabaseError(f"the standby did not replay up to {target}")

    def logs(self):
        return ("----- primary (tail) -----\n" + self.primary.log_tail()
                + "\n----- standby (tail) -----\n" + self.standby.log_tail())

    def destroy(self):
        self.standby.destroy()
        self.primary.destroy()
