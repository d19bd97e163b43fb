#!/usr/bin/env python3
"""Lints templates/openapi.json, the management API's OpenAPI 3.1 description (issue 12),
with @redocly/cli installed by `npm ci` from test/openapi/package-lock.json into WORK.
Warnings fail the lint too. (Whether the service does what the description says is
test/integration/test_api.py's ApiDescriptionTest.)

    run.py --work DIR
"""

import argparse
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DESCRIPTION = os.path.join(HERE, "..", "..", "templates", "openapi.json")
FILES = ("package.json", "package-lock.json")
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from npm import npm_ci  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--work", required=True, help="where node_modules goes")
    args = ap.parse_args()
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            print(f"run.py: {tool} is missing (packages nodejs, npm)", flush=True)
            return 1
    work = os.path.abspath(args.work)
    npm_ci(HERE, FILES, work)
    cli = os.path.join(work, "node_modules", "@redocly", "cli", "bin", "cli.js")
    p = subprocess.run(["node", cli, "lint", "--max-problems", "100",
                        os.path.abspath(DESCRIPTION)], cwd=work, timeout=300,
                       capture_output=True, text=True)
    print(p.stdout + p.stderr, flush=True)
    if p.returncode != 0 or "warning" in (p.stdout + p.stderr).lower().replace(
            "deprecation warning", ""):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
