#!/usr/bin/env python3
"""Integration tests: the real binary under spawn-fcgi behind nginx, over HTTP.

    run.py --binary PATH [--dialect sqlite] [--suite NAME] [--keep] [-k PATTERN] [-v]

Ends with the line "N passed, N failed"; exits non-zero on any failure. The service
and nginx logs are printed when something failed. --keep leaves the temporary
directory (configs, databases, logs) in place.
"""

import argparse
import os
import signal
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402


# Modules run only when named by --suite (they start servers of their own and have a
# ctest entry of their own).
SUITE_ONLY = {"test_failover"}


def _without_modules(suite, names):
    kept = unittest.TestSuite()
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            kept.addTest(_without_modules(test, names))
        elif type(test).__module__ not in names:
            kept.addTest(test)
    return kept


def _terminate(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


class CountingResult(unittest.TextTestResult):
    """Remembers which tests succeeded and which had a failing part."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.passed_ids = set()
        self.failed_ids = set()

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed_ids.add(test.id())

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self.failed_ids.add(test.id())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--binary", required=True, help="the automx2-fcgi executable")
    ap.add_argument("--dialect", default="sqlite", choices=["sqlite", "mariadb", "postgresql"],
                    help="the database: SQLite files, or a throwaway MariaDB/PostgreSQL server")
    ap.add_argument("--web", default="nginx", choices=["nginx", "apache"],
                    help="web server in front: nginx + spawn-fcgi, or Apache + mod_fcgid")
    ap.add_argument("--suite", help="only test_SUITE.py (e.g. failover, which runs only so)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("-k", dest="patterns", action="append",
                    help="only tests whose name contains this (repeatable)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)

    if args.web == "apache":
        import apache
        session = apache.ApacheSession(args.binary, dialect=args.dialect, keep=args.keep)
    else:
        session = harness.Session(args.binary, dialect=args.dialect, keep=args.keep)
    harness.set_session(session)
    passed = failed = 0
    interrupted = False
    result = None
    try:
        loader = unittest.TestLoader()
        if args.patterns:
            loader.testNamePatterns = [f"*{p}*" for p in args.patterns]
        pattern = f"test_{args.suite}.py" if args.suite else "test_*.py"
        suite = loader.discover(HERE, pattern=pattern, top_level_dir=HERE)
        if not args.suite:
            suite = _without_modules(suite, SUITE_ONLY)
        if args.web == "apache":
            apache.apply_skips(suite)
        runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=2 if args.verbose else 1,
                                         resultclass=CountingResult)
        result = runner.run(suite)
    except KeyboardInterrupt:
        interrupted = True
        print("\ninterrupted", flush=True)
    finally:
        try:
            session.stop_all()
        finally:
            if result is not None:
                # Per test, not per subtest or per skipped class: a test passes when it
                # ran to the end with no failing subtest.
                failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
                passed = len(result.passed_ids - result.failed_ids)
                if result.skipped:
                    print(f"{len(result.skipped)} skipped")
            # A service that crashes, hangs on SIGTERM or trips a sanitizer fails the run.
            for problem in session.shutdown_problems:
                print(f"FAIL: {problem}")
                failed += 1
            if interrupted:
                failed += 1
            if failed:
                print(session.logs())
            session.cleanup()
    print(f"{passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
