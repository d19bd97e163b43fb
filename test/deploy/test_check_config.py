#!/usr/bin/env python3
"""automx2-fcgi --check-config on good and broken configurations (issue 5).

    test_check_config.py --binary PATH
"""

import argparse
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import Checks  # noqa: E402


def closed_loopback_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when this returns: nothing listens


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    args = ap.parse_args()
    c = Checks("check-config")
    tmp = tempfile.mkdtemp(prefix="automx2-check-")
    env = {k: v for k, v in os.environ.items() if k != "AUTOMX2_CONF"}

    def run(config_text, name="automx2.conf"):
        path = os.path.join(tmp, name)
        with open(path, "w") as f:
            f.write("[automx2]\n" + config_text)
        p = subprocess.run([args.binary, "--check-config", "--config", path],
                           capture_output=True, timeout=30, env=env, stdin=subprocess.DEVNULL)
        return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")

    def report(out):
        """The 'label: value' lines of the report."""
        lines = {}
        for line in out.splitlines():
            k, _, v = line.partition(":")
            lines[k.strip()] = v.strip()
        return lines

    # 1. A database file that does not exist yet: OK, and it is not created.
    db = os.path.join(tmp, "automx2.sqlite")
    code, out, err = run(f"db_uri = sqlite:///{db}\n")
    c.check(code == 0, "new database file: exit 0", (code, out, err))
    c.check("not created yet" in report(out).get("schema", ""), "new database: schema not created yet", out)
    c.check(not os.path.exists(db), "new database: the file is not created by the check")
    c.check("/initdb/" in err, "new database: hint to load data through /initdb/", err)

    # 2. An empty existing file: tables created (as the service would), counts 0.
    open(db, "wb").close()
    code, out, err = run(f"db_uri = sqlite:///{db}\nloglevel = ERROR\n")
    r = report(out)
    c.check(code == 0, "empty database: exit 0", (code, out, err))
    c.check(r.get("schema", "").startswith("complete"), "empty database: schema complete", out)
    c.check(r.get("providers") == "0" and r.get("domains") == "0", "empty database: zero counts", out)
    c.check("no provider data" in err and "/initdb/" in err, "empty database: warns, hints /initdb/", err)
    c.check(r.get("database") == f"sqlite:///{db} (sqlite3)", "database URL shown", out)

    # 3. With data: the counts are the database's.
    con = sqlite3.connect(db)
    con.execute("INSERT INTO provider(id, name, short_name) VALUES (1, 'Example Inc', 'Example')")
    con.executemany("INSERT INTO domain(id, name, provider_id) VALUES (?, ?, 1)",
                    [(1, "example.com"), (2, "example.net"), (3, "example.org")])
    con.executemany("INSERT INTO server(id, prio, name, port, type, socket_type, user_name, "
                    "authentication) VALUES (?, 10, ?, ?, ?, 'SSL', '%EMAILADDRESS%', 'plain')",
                    [(1, "imap.example.com", 993, "imap"), (2, "smtp.example.com", 465, "smtp")])
    con.execute("INSERT INTO davserver(id, url, port, type, use_ssl, domain_required) "
                "VALUES (1, 'https://dav.example.com/', 443, 'caldav', 1, 1)")
    con.commit()
    con.close()
    code, out, err = run(f"db_uri = sqlite:///{db}\n")
    r = report(out)
    c.check(code == 0 and r.get("result") == "OK", "populated database: exit 0, result OK", (code, out, err))
    c.check((r.get("providers"), r.get("domains"), r.get("mail servers"), r.get("DAV servers"),
             r.get("LDAP servers")) == ("1", "3", "2", "1", "0"), "populated database: counts", out)
    c.check("warning" not in err, "populated database: no warning", err)

    # 4. Bad key: exit 2, the key named.
    code, out, err = run(f"db_uri = sqlite:///{db}\ndb_urii = sqlite:///x.db\n")
    c.check(code == 2, "unknown key: exit 2", (code, out, err))
    c.check("db_urii" in err, "unknown key: named in the message", err)

    # 5. Bad values: an unknown scheme, an SQLite URL with a host, a bad level.
    code, out, err = run("db_uri = oracle://scott:tiger@127.0.0.1/orcl\n")
    c.check(code == 2 and "oracle" in err and "sqlite" in err,
            "unknown db_uri scheme: exit 2, scheme and accepted ones named", (code, err))
    c.check("tiger" not in out + err, "unknown db_uri scheme: password not shown", out + err)
    code, out, err = run("db_uri = sqlite://somehost/x.db\n")
    c.check(code == 2 and "db_uri" in err, "malformed SQLite URL: exit 2", (code, err))
    code, out, err = run(f"db_uri = sqlite:///{db}\nloglevel = LOUD\n")
    c.check(code == 2 and "LOUD" in err, "bad loglevel: exit 2, value named", (code, err))

    # 6. Unreachable databases: servers on a closed loopback port.
    for scheme in ("postgresql", "mysql"):
        port = closed_loopback_port()
        code, out, err = run(f"db_uri = {scheme}://automx2:s3cr%%40t@127.0.0.1:{port}/automx2\n"
                             "db_timeout = 2\n")
        c.check(code != 0, f"{scheme} on a closed port: non-zero exit", (code, out, err))
        c.check(out.rstrip().endswith("FAILED") and
                any(line.startswith("automx2-fcgi: ") and "127.0.0.1" in line
                    for line in err.splitlines()),
                f"{scheme} on a closed port: a clear failure report", (out, err))
        c.check("s3cr" not in out + err, f"{scheme} on a closed port: password never shown",
                out + err)
        c.check(f"{scheme}://automx2:***@127.0.0.1:{port}/automx2" in out,
                f"{scheme} on a closed port: masked URL shown", out)

    # 7. Unopenable SQLite databases.
    code, out, err = run(f"db_uri = sqlite:///{tmp}/no/such/dir/a.sqlite\n")
    c.check(code == 1 and "does not exist" in err, "SQLite in a missing directory: exit 1", (code, err))
    code, out, err = run(f"db_uri = sqlite:///{tmp}\n")
    c.check(code == 1, "SQLite path is a directory: exit 1", (code, out, err))
    junk = os.path.join(tmp, "junk.sqlite")
    with open(junk, "wb") as f:
        f.write(b"this is not an SQLite database" * 100)
    code, out, err = run(f"db_uri = sqlite:///{junk}\n")
    c.check(code == 1 and "not a database" in err, "SQLite file that is not a database: exit 1",
            (code, err))

    # 8. A configuration file that cannot be read.
    p = subprocess.run([args.binary, "--check-config", "--config", os.path.join(tmp, "none.conf")],
                       capture_output=True, timeout=30, env=env)
    c.check(p.returncode == 2 and b"none.conf" in p.stderr, "missing --config file: exit 2", p)

    # 9. --help documents it.
    p = subprocess.run([args.binary, "--help"], capture_output=True, timeout=30)
    c.check(p.returncode == 0 and b"--check-config" in p.stdout, "--help lists --check-config")

    subprocess.run(["rm", "-rf", tmp])
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
