#!/usr/bin/env python3
"""The management benchmark of issue 12, on SQLite through the command line (the same
write path and JSON as the HTTP API): importing 100,000 domains (1,000 seeds of 100, one
transaction), importing the same again (everything unchanged), exporting 1,000,000
domains, and listing pages by keyset at 1,000,000 domains, each with its wall time and
the command's peak RSS. Export memory must not grow with the number of domains: the
export is also measured at a tenth of the size and the two peaks compared.

    bench/admin_bench.py --binary PATH [--import-domains N] [--export-domains N]

Not a test: it exits non-zero only when a command fails. Separate from bench.py (the
request benchmark) so that each can change on its own; it reuses its domain generator.
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "test", "integration"))

from bench import generate_domains  # noqa: E402


def run(binary, config, *args, stdin=None, stdout=subprocess.DEVNULL):
    """Runs one command; returns (seconds, peak RSS in MiB of that child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.monotonic()
    # A fresh process per measurement: RUSAGE_CHILDREN's maximum is over all children,
    # so each figure is taken in a child of its own (see measure()).
    subprocess.run([binary, "--config", config, *args], stdin=stdin, stdout=stdout, check=True)
    seconds = time.monotonic() - started
    return seconds, max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024


def measure(binary, config, *args, stdin_path=None, stdout_path=None):
    """run() in a forked child, so that its peak RSS is that command's alone."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        stdin = open(stdin_path, "rb") if stdin_path else None
        stdout = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
        try:
            result = run(binary, config, *args, stdin=stdin, stdout=stdout)
            os.write(write_fd, json.dumps(result).encode())
            os._exit(0)
        except Exception as e:  # noqa: BLE001
            os.write(write_fd, json.dumps(str(e)).encode())
            os._exit(1)
    os.close(write_fd)
    data = b""
    while chunk := os.read(read_fd, 4096):
        data += chunk
    os.close(read_fd)
    _, status = os.waitpid(pid, 0)
    result = json.loads(data)
    if status != 0:
        raise SystemExit(f"admin bench: {' '.join(args)} failed: {result}")
    return tuple(result)


def write_config(directory, db_path):
    path = os.path.join(directory, "automx2.conf")
    with open(path, "w") as f:
        f.write(f"[automx2]\nloglevel = ERROR\ndb_uri = sqlite:///{db_path}\n")
    return path


def import_document(path, domains, per_seed=100):
    seeds = []
    for s in range(domains // per_seed):
        seeds.append({"version": 2, "provider": f"Import Provider {s}",
                      "domains": [{"name": f"i{s}-{d}.import.test"} for d in range(per_seed)],
                      "servers": [{"type": "imap", "name": f"imap{s}.import.test"},
                                  {"type": "smtp", "name": f"smtp{s}.import.test", "port": 587},
                                  {"type": "caldav", "url": f"https://dav{s}.import.test/"}]})
    with open(path, "w") as f:
        json.dump(seeds, f)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", required=True)
    ap.add_argument("--import-domains", type=int, default=100_000)
    ap.add_argument("--export-domains", type=int, default=1_000_000)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    work = tempfile.mkdtemp(prefix="automx2-admin-bench-")
    lines = []
    try:
        db = os.path.join(work, "import.sqlite")
        config = write_config(work, db)
        doc = os.path.join(work, "import.json")
        import_document(doc, args.import_domains)
        seeds = args.import_domains // 100
        t, rss = measure(binary, config, "import", doc)
        lines.append(f"import {args.import_domains:,} domains ({seeds:,} seeds of 100, one "
                     f"transaction): {t:.1f} s, peak RSS {rss:.0f} MiB "
                     f"(body {os.path.getsize(doc) / 2**20:.1f} MiB)")
        t, rss = measure(binary, config, "import", doc)
        lines.append(f"the same import again (all unchanged): {t:.1f} s, peak RSS {rss:.0f} MiB")

        for count in (args.export_domains // 10, args.export_domains):
            db = os.path.join(work, f"export-{count}.sqlite")
            config = write_config(work, db)
            # Any command opens the store, which creates the file and its tables.
            subprocess.run([binary, "--config", config, "domain", "list"], check=True,
                           stdout=subprocess.DEVNULL)
            generate_domains(db, count)
            out = os.path.join(work, f"export-{count}.json")
            t, rss = measure(binary, config, "export", out)
            lines.append(f"export {count:,} domains: {t:.1f} s, peak RSS {rss:.0f} MiB "
                         f"(output {os.path.getsize(out) / 2**20:.0f} MiB)")
            os.remove(out)
        t, rss = measure(binary, config, "domain", "list", "d99999")
        lines.append(f"domain list with a prefix at {args.export_domains:,} domains (every "
                     f"page of 1,000 by keyset): {t:.2f} s, peak RSS {rss:.0f} MiB")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
