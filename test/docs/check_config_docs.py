#!/usr/bin/env python3
"""The configuration keys' documentation is what the key table renders (issue 11).

    check_config_docs.py --renderer BUILD/test/render_config_docs --source-dir DIR [--write]

The key table (core/config_keys.cpp) is the only place a key is described. Generated
parts of checked-in files:
    packaging/automx2.conf.sample   everything after the line "[automx2]"
    packaging/automx2-fcgi.8        between the BEGIN/END configuration keys comments
    README.md                       between the BEGIN/END configuration keys comments
Fails (with a diff) when one differs; --write rewrites them instead. Outside those
parts, a key named in a README table headed "| key | default |", in a .B/.BR line of the
man page or in the sample's hand-written header must exist, with the table's default.
"""

import argparse
import difflib
import os
import re
import subprocess
import sys

MAN_BEGIN = '.\\" BEGIN configuration keys: generated from core/config_keys.cpp\n'
MAN_END = '.\\" END configuration keys\n'
README_BEGIN = "<!-- BEGIN configuration keys: generated from core/config_keys.cpp -->\n"
README_END = "<!-- END configuration keys -->\n"
SAMPLE_SECTION = "[automx2]\n"
KEY_WORD = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def render(renderer, what):
    return subprocess.run([renderer, what], check=True, capture_output=True,
                          text=True).stdout


def split(text, begin, end, path):
    """(before, region, after) around the generated region; end None: to the end."""
    start = text.find(begin)
    if start < 0:
        raise SystemExit(f"{path}: no line {begin.strip()!r}")
    start += len(begin)
    if end is None:
        return text[:start], text[start:], ""
    stop = text.find(end, start)
    if stop < 0:
        raise SystemExit(f"{path}: no line {end.strip()!r} after {begin.strip()!r}")
    return text[:start], text[start:stop], text[stop:]


def readme_tables(text, keys, problems):
    """Keys in other README tables headed "| key | default |" exist, with their default."""
    in_table = False
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("| key | default |"):
            in_table = True
            continue
        if not line.startswith("|"):
            in_table = False
        if not in_table or line.startswith("|---"):
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        default = cells[1] if len(cells) > 1 else ""
        default = "" if default == "(empty)" else default.strip("`")
        for name in re.findall(r"`([^`]+)`", cells[0]):
            if name not in keys:
                problems.append(f"README.md:{number}: '{name}' is no configuration key")
            elif keys[name] != default:
                problems.append(f"README.md:{number}: '{name}' defaults to "
                                f"'{keys[name]}', not '{default}'")


def key_words(path, text, keys, problems, lines_of_interest):
    for number, line in enumerate(text.splitlines(), 1):
        if not lines_of_interest(line):
            continue
        for word in KEY_WORD.findall(line):
            if word not in keys:
                problems.append(f"{path}:{number}: '{word}' is no configuration key")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--renderer", required=True)
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()

    keys = dict(line.split("\t", 1) for line in render(args.renderer, "keys").splitlines())
    parts = [("packaging/automx2.conf.sample", "sample", SAMPLE_SECTION, None),
             ("packaging/automx2-fcgi.8", "man", MAN_BEGIN, MAN_END),
             ("README.md", "readme", README_BEGIN, README_END)]
    problems = []
    differs = False
    for path, what, begin, end in parts:
        full = os.path.join(args.source_dir, path)
        with open(full, encoding="utf-8") as f:
            text = f.read()
        before, region, after = split(text, begin, end, path)
        expected = render(args.renderer, what)
        if path == "README.md":
            readme_tables(before + after, keys, problems)
        elif what == "man":
            key_words(path, before + after, keys, problems,
                      lambda line: line.startswith((".B ", ".BR ")))
        else:
            key_words(path, before, keys, problems, lambda line: line.startswith("#"))
        if region == expected:
            continue
        if args.write:
            with open(full, "w", encoding="utf-8") as f:
                f.write(before + expected + after)
            print(f"rewrote the configuration keys of {path}")
            continue
        differs = True
        sys.stdout.writelines(difflib.unified_diff(
            text.splitlines(keepends=True), (before + expected + after).splitlines(keepends=True),
            f"{path} (checked in)", f"{path} (from core/config_keys.cpp)"))
    for problem in problems:
        print(problem)
    if differs:
        print("\nThe documentation differs from the key table. Regenerate it with\n"
              "    cmake --build BUILD --target config-docs\n"
              f"or  python3 {sys.argv[0]} --renderer {args.renderer} --source-dir {args.source_dir}"
              " --write")
    if differs or problems:
        return 1
    print(f"configuration docs: {len(keys)} keys, sample, man page and README agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
