"""npm packages for the test tools that need them (the browser test, the OpenAPI lint),
installed with `npm ci` from a committed lock file."""

import os
import shutil
import subprocess


def npm_ci(source_dir, files, work):
    """Copies FILES (package.json and package-lock.json among them) from SOURCE_DIR into
    WORK and runs `npm ci` there, again only when the lock file changed."""
    os.makedirs(work, exist_ok=True)
    for name in files:
        shutil.copyfile(os.path.join(source_dir, name), os.path.join(work, name))
    stamp = os.path.join(work, "node_modules", ".package-lock.json")
    if os.path.exists(stamp) and os.path.getmtime(stamp) >= os.path.getmtime(
            os.path.join(source_dir, "package-lock.json")):
        return
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=work,
                   check=True, timeout=600)
