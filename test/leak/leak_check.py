#!/usr/bin/env python3
"""Leak check (issue 8): N requests through nginx, mixed protocols and error paths.

    leak_check.py --binary PATH [--requests 1000000] [--warmup 50000] [--threads 2]
                  [--connections 8] [--max-rss-growth-kib 1024]

Starts one stack of the integration harness (spawn-fcgi + automx2-fcgi + nginx, SQLite
with the sample data), runs wrk with mixed.lua (every route, 2xx/4xx/413 paths), samples
the service's RSS and open file descriptors after the warm-up and at the end, and fails
when RSS grew by more than the bound, the fd count changed, or any response was
unexpected (5xx, socket errors). Long: about 1-2 minutes per 100,000 requests.
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import harness  # noqa: E402


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


class AccessLog:
    """Counts the requests nginx has answered (lines of its access log)."""

    def __init__(self, path):
        self.path = path
        self.offset = 0
        self.lines = 0

    def count(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return self.lines
        self.offset += len(data)
        self.lines += data.count(b"\n")
        return self.lines


def run_wrk(stack, requests, threads, connections):
    # wrk runs for a duration; mixed.lua stops each thread after its share and this
    # interrupts wrk (SIGINT: it prints its summary) once nginx has logged them all.
    log = AccessLog(os.path.join(stack.dir, "nginx", "access.log"))
    target = log.count() + requests
    per_thread = -(-requests // threads)
    env = dict(os.environ, LEAK_REQUESTS_PER_THREAD=str(per_thread))
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", "36000s", "--timeout", "10s",
           "-s", os.path.join(HERE, "mixed.lua"), f"http://127.0.0.1:{stack.port}"]
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    last, stalled_since = -1, time.monotonic()
    while p.poll() is None:
        time.sleep(0.5)
        seen = log.count()
        if seen >= target:
            break
        if seen != last:
            last, stalled_since = seen, time.monotonic()
        elif time.monotonic() - stalled_since > 30:
            print(f"no progress for 30 s at {seen} of {target} requests", flush=True)
            break
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    elapsed = time.monotonic() - start
    m = re.search(r"LEAKCHECK requests=(\d+) unexpected=(\d+) errors=(\d+)", out)
    if not m:
        raise RuntimeError(f"wrk failed ({p.returncode}):\n{out}\n{err}")
    done, unexpected, errors = (int(x) for x in m.groups())
    return done, unexpected, errors, elapsed, err.strip()


def settle(stack):
    """RSS and fds of the idle service. nginx keeps up to `keepalive` FastCGI connections
    open, a varying number: a reload makes it close them, so that only the service's
    own descriptors are counted."""
    stack.nginx.send_signal(signal.SIGHUP)
    time.sleep(3.0)
    pid = stack.service.pid
    return rss_kib(pid), fd_count(pid)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--binary", required=True)
    ap.add_argument("--requests", type=int, default=1_000_000)
    ap.add_argument("--warmup", type=int, default=50_000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--max-rss-growth-kib", type=int, default=1024)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()

    session = harness.Session(args.binary, keep=args.keep)
    failures = []
    try:
        stack = session.stack("leak", config={"loglevel": "ERROR"})
        r = stack.get("/initdb/")
        if r.status != 200:
            raise RuntimeError(f"GET /initdb/: {r!r}")

        done, unexpected, errors, secs, notes = run_wrk(stack, args.warmup, args.threads,
                                                        args.connections)
        rss0, fds0 = settle(stack)
        print(f"warm-up: {done} requests in {secs:.1f}s; RSS {rss0} KiB, {fds0} fds", flush=True)

        done, unexpected, errors, secs, notes = run_wrk(stack, args.requests, args.threads,
                                                        args.connections)
        rss1, fds1 = settle(stack)
        growth = rss1 - rss0
        print(f"run: {done} requests in {secs:.1f}s ({done / secs:.0f}/s), {unexpected} unexpected "
              f"statuses, {errors} socket errors", flush=True)
        print(f"end: RSS {rss1} KiB (growth {growth:+d} KiB), {fds1} fds", flush=True)
        if notes:
            print(notes)
        if done < args.requests * 0.99:
            failures.append(f"only {done} of {args.requests} requests completed")
        if unexpected or errors:
            failures.append(f"{unexpected} unexpected statuses, {errors} socket errors")
        if growth > args.max_rss_growth_kib:
            failures.append(f"RSS grew by {growth} KiB (bound {args.max_rss_growth_kib} KiB)")
        if fds1 != fds0:
            failures.append(f"open fds changed from {fds0} to {fds1}")
        if stack.service.poll() is not None:
            failures.append("the service died")
    finally:
        session.stop_all()
        failures.extend(session.shutdown_problems)
        if failures:
            print(session.logs()[-5000:])
        session.cleanup()
    for f in failures:
        print(f"FAIL: {f}")
    print("leak check " + ("FAILED" if failures else "passed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
