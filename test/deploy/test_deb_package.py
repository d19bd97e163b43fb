#!/usr/bin/env python3
"""The Debian package, for real (issue 5): build, install, run as the unit does, purge.

    test_deb_package.py --build-dir DIR

Needs root (dpkg -i on this machine); exits 77 (skipped) otherwise. Steps:
  1. cpack -G DEB in DIR (into a temporary directory); check control data and contents.
  2. dpkg -i; check the installed files, the system user, /var/lib/automx2.
  3. Start the binary the way automx2-fcgi.service + .socket do: the unit's ExecStart
     (with a copy of the packaged configuration whose db_uri points at a temporary
     database), as the unit's User, the socket on fd 3 with the socket unit's mode and
     group, NOTIFY_SOCKET; the packaged nginx sample in front (workers as www-data);
     GET / and /initdb/ and an Autoconfig request through nginx give 200.
  4. --check-config as the unit's user; SIGTERM exits 0.
  5. dpkg --purge; everything is gone. lintian's findings are listed (not judged).
"""

import argparse
import glob
import grp
import http.client
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from checks import Checks, skip  # noqa: E402
import harness  # noqa: E402  (render_nginx_sample, find_nginx_file, free_port)

PKG = "automx2-fcgi"
DOC = "/usr/share/doc/automx2-fcgi"
EXPECTED_FILES = [
    "/usr/sbin/automx2-fcgi",
    "/etc/automx2/automx2.conf",
    "/lib/systemd/system/automx2-fcgi.service",
    "/lib/systemd/system/automx2-fcgi.socket",
    "/usr/share/man/man8/automx2-fcgi.8.gz",
    f"{DOC}/copyright",
    f"{DOC}/examples/automx2.conf.sample",
    f"{DOC}/examples/nginx/automx2.conf",
    f"{DOC}/examples/nginx/automx2-fleet.conf",
    f"{DOC}/examples/apache/automx2.conf",
    f"{DOC}/examples/spawn-fcgi/README.md",
    f"{DOC}/examples/openrc/automx2-fcgi",
]


def run(argv, timeout=120, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kw)


def unit_values(path):
    """key → list of values of a systemd unit file."""
    values = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith(("#", ";", "[")):
                continue
            k, _, v = line.partition("=")
            values.setdefault(k.strip(), []).append(v.strip())
    return values


def http_get(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        conn.request("GET", path, headers={"Host": "autoconfig.example.com"})
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", required=True)
    args = ap.parse_args()
    if os.geteuid() != 0:
        skip("needs root for dpkg -i")
    for tool in ("cpack", "dpkg", "dpkg-deb", "nginx"):
        if not shutil.which(tool):
            skip(f"{tool} not installed")
    if run(["dpkg-query", "-W", "-f=${Status}", PKG]).stdout.startswith("install ok"):
        print(f"note: {PKG} was installed before this test; it is replaced and purged")

    c = Checks("deb-package")
    tmp = tempfile.mkdtemp(prefix="automx2-deb-")
    os.chmod(tmp, 0o755)
    service = nginx = None
    installed = False
    try:
        # 1. Build.
        t0 = time.monotonic()
        p = run(["cpack", "-G", "DEB", "-B", os.path.join(tmp, "pkg")], cwd=args.build_dir,
                timeout=600)
        debs = glob.glob(os.path.join(tmp, "pkg", "*.deb"))
        if not c.check(p.returncode == 0 and len(debs) == 1, "cpack -G DEB builds one .deb",
                       p.stdout[-2000:] + p.stderr[-2000:]):
            return c.finish()
        deb = debs[0]
        print(f"built {os.path.basename(deb)} in {time.monotonic() - t0:.0f}s")
        info = run(["dpkg-deb", "-f", deb]).stdout
        print(info)
        depends = re.search(r"^Depends: (.*)$", info, re.M)
        depends = depends.group(1) if depends else ""
        c.check("libc6" in depends and "libfcgi" in depends and "libsoci" in depends,
                "Depends computed by dpkg-shlibdeps (libc6, libfcgi, libsoci)", depends)
        c.check("adduser" in depends, "Depends on adduser (postinst)", depends)
        control = os.path.join(tmp, "control")
        run(["dpkg-deb", "-e", deb, control])
        with open(os.path.join(control, "conffiles")) as f:
            c.check("/etc/automx2/automx2.conf" in f.read().split(),
                    "/etc/automx2/automx2.conf is a conffile")
        for script in ("postinst", "prerm", "postrm"):
            c.check(os.access(os.path.join(control, script), os.X_OK), f"{script} present")
        listing = run(["dpkg-deb", "-c", deb]).stdout
        c.check(not re.search(r"\./usr/(bin|lib)/.*test_", listing),
                "no test programs in the package", listing)

        # 2. Install.
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        p = run(["dpkg", "--force-confdef", "--force-confold", "-i", deb], env=env)
        installed = True
        if not c.check(p.returncode == 0, "dpkg -i", p.stdout[-3000:] + p.stderr[-3000:]):
            return c.finish()
        for path in EXPECTED_FILES:
            c.check(os.path.exists(path), f"installed: {path}")
        try:
            user = pwd.getpwnam("automx2")
            c.check(user.pw_uid < 1000 and user.pw_shell in ("/usr/sbin/nologin", "/bin/false"),
                    "system user automx2 (no login shell)", user)
        except KeyError:
            c.check(False, "system user automx2 created")
            return c.finish()
        st = os.stat("/var/lib/automx2")
        c.check(st.st_uid == user.pw_uid and (st.st_mode & 0o777) == 0o750,
                "/var/lib/automx2 owned by automx2, mode 0750", oct(st.st_mode))
        st = os.stat("/etc/automx2/automx2.conf")
        c.check(st.st_gid == user.pw_gid and (st.st_mode & 0o777) == 0o640,
                "automx2.conf root:automx2 0640", oct(st.st_mode))
        with open("/etc/automx2/automx2.conf") as f:
            packaged_conf = f.read()
        c.check(re.search(r"^db_uri = sqlite:////var/lib/automx2/automx2\.sqlite$",
                          packaged_conf, re.M) is not None, "packaged db_uri in /var/lib/automx2")
        p = run(["/usr/sbin/automx2-fcgi", "--version"])
        c.check(p.returncode == 0 and p.stdout.startswith("automx2-fcgi "), "--version", p)
        if shutil.which("man"):
            p = run(["man", "-w", "automx2-fcgi"])
            c.check(p.returncode == 0 and "man8/automx2-fcgi.8" in p.stdout,
                    "man automx2-fcgi finds the page", p)

        # 3. Run as the units do.
        svc = unit_values("/lib/systemd/system/automx2-fcgi.service")
        sock = unit_values("/lib/systemd/system/automx2-fcgi.socket")
        c.check(svc.get("Type") == ["notify"] and svc.get("User") == ["automx2"],
                "service: Type=notify, User=automx2", svc)
        c.check("ProtectSystem" in svc and "NoNewPrivileges" in svc,
                "service: hardening options present")
        exec_start = svc["ExecStart"][0].split()
        c.check(exec_start[0] == "/usr/sbin/automx2-fcgi" and "--config" in exec_start,
                "ExecStart runs the packaged binary with --config", exec_start)
        c.check(int(sock.get("Backlog", ["0"])[0]) >= 128, "socket: Backlog >= 128", sock)
        if shutil.which("systemd-analyze"):
            p = run(["systemd-analyze", "verify", "/lib/systemd/system/automx2-fcgi.socket",
                     "/lib/systemd/system/automx2-fcgi.service"])
            about_ours = [line for line in (p.stdout + p.stderr).splitlines()
                          if "automx2" in line]
            c.check(not about_ours, "systemd-analyze verify: no complaint about the units",
                    "\n".join(about_ours))

        run_user = svc["User"][0]
        ru = pwd.getpwnam(run_user)
        work = os.path.join(tmp, "run")
        os.makedirs(work)
        os.chown(work, ru.pw_uid, ru.pw_gid)
        db_path = os.path.join(work, "automx2.sqlite")
        conf_path = os.path.join(tmp, "automx2.conf")
        with open(conf_path, "w") as f:
            f.write(re.sub(r"^db_uri = .*$", f"db_uri = sqlite:///{db_path}", packaged_conf,
                           flags=re.M).replace("loglevel = WARNING", "loglevel = INFO"))
        os.chown(conf_path, 0, ru.pw_gid)
        os.chmod(conf_path, 0o640)
        argv = list(exec_start)
        argv[argv.index("--config") + 1] = conf_path

        # The socket as the socket unit creates it (in a private directory).
        sock_dir = os.path.join(tmp, "socket")
        os.makedirs(sock_dir)
        os.chmod(sock_dir, 0o755)
        sock_path = os.path.join(sock_dir, "automx2.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(sock_path)
        listener.listen(int(sock["Backlog"][0]))
        os.chmod(sock_path, int(sock["SocketMode"][0], 8))
        os.chown(sock_path, 0, grp.getgrnam(sock["SocketGroup"][0]).gr_gid)
        notify_path = os.path.join(tmp, "notify.sock")
        notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        notify.bind(notify_path)
        os.chmod(notify_path, 0o777)  # as systemd's own notify socket
        notify.settimeout(30)
        log_path = os.path.join(tmp, "service.log")
        log = os.open(log_path, os.O_WRONLY | os.O_CREAT, 0o644)
        svc_env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
                   "NOTIFY_SOCKET": notify_path, "LISTEN_FDS": "1",
                   "LISTEN_FDNAMES": "automx2-fcgi.socket"}
        service = os.fork()
        if service == 0:
            try:
                devnull = os.open(os.devnull, os.O_RDWR)
                os.dup2(devnull, 0)
                os.dup2(log, 1)
                os.dup2(log, 2)
                os.dup2(listener.fileno(), 3)
                os.set_inheritable(3, True)  # dup2(3, 3) would keep close-on-exec
                os.setgroups([])
                os.setgid(ru.pw_gid)
                os.setuid(ru.pw_uid)
                os.chdir("/")
                svc_env["LISTEN_PID"] = str(os.getpid())
                os.execve(argv[0], argv, svc_env)
            finally:
                os._exit(127)
        listener.close()
        os.close(log)
        try:
            ready = notify.recv(4096)
        except socket.timeout:
            ready = b""
        notify.close()
        c.check(b"READY=1" in ready.split(b"\n"), "service: READY=1 (Type=notify)", ready)
        with open(f"/proc/{service}/status") as f:
            uid_line = next(line for line in f if line.startswith("Uid:"))
        c.check(uid_line.split()[1] == str(ru.pw_uid), f"service runs as {run_user}", uid_line)

        # nginx with the packaged sample, workers as www-data like Debian's nginx.
        ngx = os.path.join(tmp, "nginx")
        os.makedirs(ngx)
        www = pwd.getpwnam("www-data")
        shutil.copy(harness.find_nginx_file("fastcgi_params"), ngx)
        port = harness.free_port()
        with open(f"{DOC}/examples/nginx/automx2.conf") as f:
            site = harness.render_nginx_sample(f.read(), port, sock_path, False)
        with open(os.path.join(ngx, "automx2.conf"), "w") as f:
            f.write(site)
        temps = "\n".join(f"    {k}_temp_path {ngx}/{k}_temp;"
                          for k in ("client_body", "fastcgi", "proxy", "uwsgi", "scgi"))
        with open(os.path.join(ngx, "nginx.conf"), "w") as f:
            f.write(f"user www-data www-data;\nworker_processes 1;\ndaemon off;\n"
                    f"pid {ngx}/nginx.pid;\nerror_log {ngx}/error.log info;\n"
                    "events { worker_connections 64; }\n"
                    f"http {{\n    access_log off;\n{temps}\n    include {ngx}/automx2.conf;\n}}\n")
        for k in ("client_body", "fastcgi", "proxy", "uwsgi", "scgi"):
            os.makedirs(os.path.join(ngx, f"{k}_temp"))
            os.chown(os.path.join(ngx, f"{k}_temp"), www.pw_uid, www.pw_gid)
        nginx = subprocess.Popen(["nginx", "-p", ngx + "/", "-c", os.path.join(ngx, "nginx.conf"),
                                  "-e", os.path.join(ngx, "error.log")],
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        status = body = None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                status, body = http_get(port, "/")
                if status not in (502, 503, 504):
                    break
            except OSError:
                pass
            time.sleep(0.1)
        c.check(status == 200 and b"mail/config-v1.1.xml" in (body or b""),
                "through nginx (www-data, socket 0660 root:www-data): GET / 200", (status, body))
        status, body = http_get(port, "/initdb/")
        c.check(status == 200 and b"Database is now prepared" in body, "GET /initdb/ 200",
                (status, body))
        status, body = http_get(port, "/mail/config-v1.1.xml?emailaddress=alice%40example.com")
        c.check(status == 200 and b"<incomingServer" in body, "Autoconfig 200 with servers",
                (status, body[:300]))
        c.check(os.path.exists(db_path) and os.stat(db_path).st_uid == ru.pw_uid,
                f"the database file belongs to {run_user}")

        # 4. --check-config as the service's user; SIGTERM.
        p = subprocess.run(["runuser", "-u", run_user, "--", "/usr/sbin/automx2-fcgi",
                            "--check-config", "--config", conf_path],
                           capture_output=True, text=True, timeout=30)
        m = re.search(r"^providers:\s+(\d+)$", p.stdout, re.M)
        c.check(p.returncode == 0 and m is not None and int(m.group(1)) > 0,
                "--check-config as the service user: OK with providers", p.stdout + p.stderr)
        os.kill(service, signal.SIGTERM)
        deadline = time.monotonic() + 10
        code = None
        while time.monotonic() < deadline:
            done, wstatus = os.waitpid(service, os.WNOHANG)
            if done:
                code = os.waitstatus_to_exitcode(wstatus)
                break
            time.sleep(0.05)
        c.check(code == 0, "service: SIGTERM exit 0", code)
        if code is not None:
            service = None
    finally:
        if service:
            os.kill(service, signal.SIGKILL)
            os.waitpid(service, 0)
        if nginx is not None:
            nginx.send_signal(signal.SIGQUIT)
            try:
                nginx.wait(10)
            except subprocess.TimeoutExpired:
                nginx.kill()
                nginx.wait()
        if c.failed and os.path.exists(os.path.join(tmp, "service.log")):
            with open(os.path.join(tmp, "service.log"), errors="replace") as f:
                print("----- service log -----\n" + f.read()[-4000:])
        # 5. Purge.
        if installed:
            p = run(["dpkg", "--purge", PKG], env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
            c.check(p.returncode == 0, "dpkg --purge", p.stdout + p.stderr)
            for path in EXPECTED_FILES + ["/var/lib/automx2", "/etc/automx2"]:
                c.check(not os.path.exists(path), f"purged: {path}")
        if shutil.which("lintian") and glob.glob(os.path.join(tmp, "pkg", "*.deb")):
            p = run(["lintian", "--tag-display-limit", "0", glob.glob(os.path.join(tmp, "pkg", "*.deb"))[0]],
                    timeout=300)
            print("----- lintian -----\n" + (p.stdout + p.stderr).strip() + "\n-----")
        shutil.rmtree(tmp, ignore_errors=True)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
