#!/usr/bin/env python3
"""systemd socket activation (LISTEN_FDS/LISTEN_PID, fd 3) and Type=notify (issue 5).

    test_socket_activation.py --binary PATH

Starts the binary the way systemd does for automx2-fcgi.socket + .service: a listening
unix socket on fd 3, LISTEN_FDS=1, LISTEN_PID=the service's pid, NOTIFY_SOCKET, and
/dev/null on fd 0 (so that serving at all proves fd 3 was taken), then speaks FastCGI
to it directly. Also through systemd-socket-activate(1) when it is installed, and
checks that a LISTEN_PID naming another process is ignored.
"""

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fcgi_client  # noqa: E402
from checks import Checks  # noqa: E402


def spawn_activated(binary, argv, listen_sock, env, log, pid_offset=0):
    """fork + exec with the socket on fd 3, as systemd does. pid_offset != 0 names
    another process in LISTEN_PID."""
    pid = os.fork()
    if pid == 0:  # child
        try:
            devnull = os.open(os.devnull, os.O_RDWR)
            os.dup2(devnull, 0)
            os.dup2(log, 1)
            os.dup2(log, 2)
            os.dup2(listen_sock.fileno(), 3)
            os.set_inheritable(3, True)
            child_env = dict(env, LISTEN_FDS="1", LISTEN_PID=str(os.getpid() + pid_offset),
                             LISTEN_FDNAMES="automx2-fcgi.socket")
            os.execve(binary, [binary] + argv, child_env)
        finally:
            os._exit(127)
    return pid


def wait_exit(pid, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return None


def wait_served(sock_path, timeout=30):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            return fcgi_client.get(sock_path, "/")
        except OSError as e:
            last = e
            time.sleep(0.1)
    raise TimeoutError(f"no FastCGI answer on {sock_path}: {last}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    c = Checks("socket-activation")
    tmp = tempfile.mkdtemp(prefix="automx2-sa-")
    conf = os.path.join(tmp, "automx2.conf")
    with open(conf, "w") as f:
        f.write(f"[automx2]\nloglevel = INFO\ndb_uri = sqlite:///{tmp}/automx2.sqlite\n")
    env = {k: v for k, v in os.environ.items()
           if k not in ("AUTOMX2_CONF", "LISTEN_FDS", "LISTEN_PID", "NOTIFY_SOCKET")}
    log_path = os.path.join(tmp, "service.log")
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def log_text():
        with open(log_path, errors="replace") as f:
            return f.read()

    try:
        # 1. fd 3 + LISTEN_PID = the service: serves, notifies, stops cleanly.
        sock_path = os.path.join(tmp, "automx2.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(sock_path)
        listener.listen(128)
        notify_path = os.path.join(tmp, "notify.sock")
        notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        notify.bind(notify_path)
        notify.settimeout(30)
        pid = spawn_activated(binary, ["--config", conf, "--threads", "4"], listener,
                              dict(env, NOTIFY_SOCKET=notify_path), log)
        listener.close()  # the service holds it now, as after systemd's exec
        try:
            ready = notify.recv(4096)
        except socket.timeout:
            ready = b""
        c.check(b"READY=1" in ready.split(b"\n"), "READY=1 sent to NOTIFY_SOCKET", ready)
        status, headers, body = wait_served(sock_path)
        c.check(status == 200 and b"mail/config-v1.1.xml" in body,
                "GET / over the passed socket: 200", (status, body[:200]))
        status, _, body = fcgi_client.get(sock_path, "/initdb/")
        c.check(status == 200 and b"Database is now prepared" in body, "GET /initdb/: 200",
                (status, body[:200]))
        status, headers, body = fcgi_client.get(
            sock_path, "/mail/config-v1.1.xml?emailaddress=alice%40example.com")
        c.check(status == 200 and b"<clientConfig" in body and b"imap" in body,
                "Autoconfig over the passed socket: 200 with servers", (status, body[:300]))
        os.kill(pid, signal.SIGTERM)
        code = wait_exit(pid, 10)
        c.check(code == 0, "SIGTERM: exit 0", (code, log_text()[-2000:]))
        notify.close()

        # 2. LISTEN_PID naming another process: the sockets are not ours; fd 0 is
        # /dev/null, so the service refuses to start.
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        other = os.path.join(tmp, "other.sock")
        listener.bind(other)
        listener.listen(16)
        pid = spawn_activated(binary, ["--config", conf], listener, env, log, pid_offset=1)
        listener.close()
        code = wait_exit(pid, 15)
        c.check(code == 2, "LISTEN_PID of another process: ignored, exit 2 (no socket)",
                (code, log_text()[-1000:]))
        c.check("fd 0 is not a listening socket" in log_text(),
                "LISTEN_PID of another process: says fd 0 is not a socket")

        # 3. systemd's own helper, when installed.
        activate = shutil.which("systemd-socket-activate")
        if activate:
            sa_path = os.path.join(tmp, "sa.sock")
            p = subprocess.Popen([activate, "-l", sa_path, binary, "--config", conf],
                                 stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env)
            try:
                deadline = time.monotonic() + 10
                while not os.path.exists(sa_path) and time.monotonic() < deadline:
                    time.sleep(0.05)
                status, _, body = wait_served(sa_path)
                c.check(status == 200 and b"mail/config-v1.1.xml" in body,
                        "systemd-socket-activate: GET / 200", (status, body[:200]))
                status, _, body = fcgi_client.get(
                    sa_path, "/mail/config-v1.1.xml?emailaddress=bob%40example.com")
                c.check(status == 200 and b"bob" not in body and b"<clientConfig" in body,
                        "systemd-socket-activate: Autoconfig 200", (status, body[:200]))
                p.send_signal(signal.SIGTERM)
                try:
                    code = p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    code = p.wait()
                c.check(code == 0, "systemd-socket-activate: SIGTERM exit 0", code)
            finally:
                if p.poll() is None:
                    p.kill()
                    p.wait()
        else:
            print("systemd-socket-activate not installed: that part is left out")
    finally:
        os.close(log)
        if c.failed:
            print("----- service log -----\n" + log_text()[-4000:])
        shutil.rmtree(tmp, ignore_errors=True)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
