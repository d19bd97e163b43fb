"""A tiny check collector shared by the deployment tests: each check is counted and
reported, and the run ends with "N passed, N failed" (ctest and CI read that line)."""

import sys


class Checks:
    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = 0

    def check(self, ok, what, detail=""):
        if ok:
            self.passed += 1
            print(f"ok   {what}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {what}" + (f"\n     {detail}" if detail else ""), flush=True)
        return ok

    def finish(self):
        print(f"{self.name}: {self.passed} passed, {self.failed} failed", flush=True)
        return 1 if self.failed or not self.passed else 0


def skip(reason):
    """Exit status 77: registered with SKIP_RETURN_CODE 77 in test/CMakeLists.txt."""
    print(f"skipped: {reason}", flush=True)
    sys.exit(77)
