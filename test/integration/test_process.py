"""Process behaviour (SPEC §1, §13): command line, start-up errors, sd_notify, SIGTERM."""

import os
import socket
import subprocess
import time
import unittest

import harness
from common import AC_PATH, q


class ProcessTest(unittest.TestCase):
    def run_binary(self, *args, config_text=None, timeout=10):
        env = dict(os.environ)
        env.pop("AUTOMX2_CONF", None)
        argv = [harness.session().binary, *args]
        if config_text is not None:
            d = os.path.join(harness.session().root, "process-cfg")
            os.makedirs(d, exist_ok=True)
            path = os.path.join(d, "bad.conf")
            with open(path, "w") as f:
                f.write(config_text)
            argv += ["--config", path, "--socket", os.path.join(d, "never.sock")]
        try:
            return subprocess.run(argv, capture_output=True, timeout=timeout, env=env,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            self.fail(f"{argv} did not exit within {timeout}s")

    def test_version_and_help(self):
        p = self.run_binary("--version")
        self.assertEqual(p.returncode, 0, p)
        self.assertRegex((p.stdout + p.stderr).decode(), r"\d+\.\d+\.\d+")
        p = self.run_binary("--help")
        self.assertEqual(p.returncode, 0, p)
        self.assertIn(b"--config", p.stdout + p.stderr)
        p = self.run_binary("--no-such-option")
        self.assertNotEqual(p.returncode, 0, p)

    def test_unknown_db_scheme_refused(self):
        p = self.run_binary(config_text="[automx2]\ndb_uri = oracle://u:p@h/db\n")
        self.assertNotEqual(p.returncode, 0, p)
        err = p.stderr.decode(errors="replace")
        self.assertIn("oracle", err)
        self.assertIn("sqlite", err, "the message names the accepted schemes")

    def test_bad_config_value_refused(self):
        p = self.run_binary(config_text="[automx2]\nloglevel = LOUD\n")
        self.assertNotEqual(p.returncode, 0, p)
        self.assertIn(b"LOUD", p.stderr)

    def test_sd_notify_ready(self):
        path = os.path.join(harness.session().root, "notify.sock")
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            s.bind(path)
            s.settimeout(harness.READY_TIMEOUT)
            harness.session().stack("notify", env={"NOTIFY_SOCKET": path})
            data = s.recv(4096)
        self.assertIn(b"READY=1", data.split(b"\n"))

    def test_sigterm_exits_zero_promptly_when_idle(self):
        st = harness.session().stack("sigterm")
        r = st.get(AC_PATH + q(emailaddress="a@example.com"))
        self.assertEqual(r.status, 204, r)  # empty database
        time.sleep(0.5)
        t0 = time.monotonic()
        code = st.stop_service(timeout=8)
        elapsed = time.monotonic() - t0
        self.assertEqual(code, 0, f"exit status after SIGTERM ({elapsed:.1f}s)")
        self.assertLess(elapsed, 5.0)
        st.stop()

    def test_sigterm_leaves_a_shared_socket_to_its_siblings(self):
        """spawn-fcgi -F and systemd's socket unit share one listening socket among
        processes: one that stops must leave it working for the others."""
        root = os.path.join(harness.session().root, "shared-socket")
        os.makedirs(root, exist_ok=True)
        path = os.path.join(root, "shared.sock")
        config = os.path.join(root, "shared.conf")
        with open(config, "w") as f:
            f.write(f"[automx2]\nloglevel = INFO\ndb_uri = sqlite:///{root}/db.sqlite\n")
        env = dict(os.environ)
        env.pop("AUTOMX2_CONF", None)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        listener.listen(128)
        procs = []
        notify = []
        try:
            for i in range(2):
                # READY=1 from each: a signal before its handlers exist would kill it.
                ready = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                ready.bind(os.path.join(root, f"notify{i}.sock"))
                ready.settimeout(harness.READY_TIMEOUT)
                notify.append(ready)
                procs.append(subprocess.Popen(
                    [harness.session().binary, "--config", config, "--threads", "4"],
                    stdin=listener.fileno(), stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    env={**env, "NOTIFY_SOCKET": ready.getsockname()}))
            listener.close()
            for ready in notify:
                self.assertIn(b"READY=1", ready.recv(4096).split(b"\n"))
            status, _ = harness.fastcgi_get(path, "/", timeout=5)
            self.assertEqual(status, 200)
            t0 = time.monotonic()
            procs[0].terminate()
            self.assertEqual(procs[0].wait(timeout=8), 0)
            self.assertLess(time.monotonic() - t0, 5.0)
            # The sibling still accepts on the shared socket, request after request.
            for _ in range(20):
                status, _ = harness.fastcgi_get(path, "/", timeout=5)
                self.assertEqual(status, 200)
            self.assertIsNone(procs[1].poll())
            procs[1].terminate()
            self.assertEqual(procs[1].wait(timeout=8), 0)
        finally:
            for ready in notify:
                ready.close()
            for p in procs:
                if p.poll() is None:
                    p.kill()
                    p.wait()
