#!/usr/bin/env python3
"""The browser test of the setup page (issue 16): starts the service behind nginx with
the sample data (test/integration/harness.py), installs puppeteer-core with `npm ci`
from test/browser/package-lock.json into WORK, and runs setup_page.test.js against it
in Debian's chromium.

    run.py --binary PATH --work DIR [--screenshot FILE]

Exit 77 (ctest: skipped) when chromium is not installed; any other failure is 1.
The screenshot (default WORK/setup-page.png) is the README's docs/setup-page.png.
"""

import argparse
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import harness  # noqa: E402
from npm import npm_ci  # noqa: E402

SKIP = 77
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FILES = ("package.json", "package-lock.json", "setup_page.test.js")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--binary", required=True)
    ap.add_argument("--work", required=True, help="where node_modules and the output go")
    ap.add_argument("--screenshot")
    args = ap.parse_args()
    if not os.access(CHROMIUM, os.X_OK):
        print(f"SKIPPED: {CHROMIUM} is not installed (Debian package chromium)", flush=True)
        return SKIP
    for tool in ("node", "npm", "zbarimg"):
        if shutil.which(tool) is None:
            print(f"run.py: {tool} is missing (packages nodejs, npm, zbar-tools)", flush=True)
            return 1
    work = os.path.abspath(args.work)
    npm_ci(HERE, FILES, work)
    screenshot = os.path.abspath(args.screenshot or os.path.join(work, "setup-page.png"))
    session = harness.Session(os.path.abspath(args.binary), dialect="sqlite", keep=False)
    harness.set_session(session)
    try:
        st = session.sample_stack()
        base = f"http://127.0.0.1:{st.port}"
        p = subprocess.run(["node", os.path.join(work, "setup_page.test.js"), base, screenshot],
                           cwd=work, timeout=300)
        if p.returncode == 0:
            print(f"screenshot: {screenshot}", flush=True)
        return 0 if p.returncode == 0 else 1
    finally:
        session.stop_all()


if __name__ == "__main__":
    sys.exit(main())
