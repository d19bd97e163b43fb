"""A throwaway authoritative `named` (Debian's bind9) on a free loopback port.

Named(root) writes an unprivileged configuration under `root` (no rndc, no recursion,
IPv4 loopback only) and serves the zones given to set_zone(): each zone is a SOA and an
NS record plus the records given, e.g. the output of `automx2-fcgi dns DOMAIN`.
set_zone() on a running server rewrites the zone with a higher serial and reloads it
(SIGHUP), waiting until the new serial is served. query() asks it over UDP with
dnspython (python3-dnspython).

Only the Python standard library, dnspython and the bind9 package.
"""

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

try:
    import dns.message
except ImportError:
    # Debian's python3-dnspython, also from a python3 that is not Debian's own (pyenv).
    sys.path.append("/usr/lib/python3/dist-packages")
    import dns.message
import dns.exception  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdatatype  # noqa: E402

NAMED = shutil.which("named") or "/usr/sbin/named"
READY_TIMEOUT = 20.0


class NamedError(Exception):
    pass


def _free_udp_tcp_port():
    # named needs the port free for both UDP and TCP.
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                    u.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise NamedError("no free port for named")


def _die_with_parent():
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def available():
    return os.access(NAMED, os.X_OK)


class Named:
    def __init__(self, root):
        self.dir = os.path.abspath(root)
        os.makedirs(self.dir, exist_ok=True)
        self.port = _free_udp_tcp_port()
        self.conf = os.path.join(self.dir, "named.conf")
        self.log_path = os.path.join(self.dir, "named.log")
        self.zones = {}  # origin -> (serial, records text)
        self.process = None

    # --- zones -------------------------------------------------------------------
    def _zone_file(self, origin):
        return os.path.join(self.dir, f"db.{origin}")

    def _write_zone(self, origin):
        serial, records = self.zones[origin]
        head = (f"$TTL 60\n$ORIGIN {origin}.\n"
                f"@ IN SOA ns.{origin}. hostmaster.{origin}. ({serial} 60 60 600 60)\n"
                f"@ IN NS ns.{origin}.\nns IN A 127.0.0.1\n")
        with open(self._zone_file(origin), "w") as f:
            f.write(head + records + "\n")

    def _write_conf(self):
        d = self.dir
        zones = "".join(f'zone "{o}" {{ type primary; file "{self._zone_file(o)}"; }};\n'
                        for o in sorted(self.zones))
        with open(self.conf, "w") as f:
            f.write(
                "options {\n"
                f'    directory "{d}";\n'
                f'    pid-file "{d}/named.pid";\n'
                f'    session-keyfile "{d}/session.key";\n'
                f'    managed-keys-directory "{d}";\n'
                f"    listen-on port {self.port} {{ 127.0.0.1; }};\n"
                "    listen-on-v6 { none; };\n"
                "    recursion no;\n"
                "    dnssec-validation no;\n"
                # The sample's SRV targets have no address records in the test zones.
                "    check-integrity no;\n"
                "    notify no;\n"
                "};\n"
                "controls { };\n" + zones)

    def set_zone(self, origin, records):
        """Serves `records` (zone-file lines, absolute owners) in zone `origin`."""
        origin = origin.rstrip(".").lower()
        serial = self.zones.get(origin, (0, ""))[0] + 1
        self.zones[origin] = (serial, records)
        self._write_zone(origin)
        if self.process is not None:
            self._write_conf()
            self.process.send_signal(signal.SIGHUP)
            self._wait_serial(origin, serial)

    # --- process -----------------------------------------------------------------
    def start(self):
        if not available():
            raise NamedError(f"{NAMED} not found: install bind9 (packaging/runtime-depends.txt)")
        self._write_conf()
        log = open(self.log_path, "ab")
        args = [NAMED, "-g", "-4", "-c", self.conf]
        if os.geteuid() == 0:
            args += ["-u", "root"]  # keep the files of this directory readable
        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                        preexec_fn=_die_with_parent)
        log.close()
        for origin, (serial, _) in self.zones.items():
            self._wait_serial(origin, serial)
        return self

    def _wait_serial(self, origin, serial):
        deadline = time.monotonic() + READY_TIMEOUT
        last = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise NamedError(f"named exited with {self.process.returncode}:\n"
                                 + self.log_tail())
            try:
                answer = self.query(origin + ".", "SOA", timeout=1)
                if answer.rcode() == dns.rcode.NOERROR and answer.answer:
                    last = answer.answer[0][0].serial
                    if last == serial:
                        return
            except (OSError, dns.exception.DNSException) as e:
                last = e
            time.sleep(0.05)
        raise NamedError(f"{origin}: serial {serial} not served after {READY_TIMEOUT}s "
                         f"(last: {last})\n" + self.log_tail())

    def query(self, name, rdtype, timeout=3):
        q = dns.message.make_query(name, dns.rdatatype.from_text(rdtype))
        return dns.query.udp(q, "127.0.0.1", port=self.port, timeout=timeout)

    def stop(self):
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def log_tail(self, lines=40):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
