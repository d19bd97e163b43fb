#!/usr/bin/env bash
# The full test run on a fresh Debian 12: installs the build and runtime packages
# (packaging/*-depends.txt), builds a release build (build/) and a sanitizer build
# (build-asan/), and runs every unit and integration test in each with ctest; between
# them it fuzzes every input parser for FUZZ_SECONDS (default 60) per harness.
# Runs as root, or as a user with sudo. Exit status: 0 only when everything passed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
START=$(date +%s)
declare -a SUMMARY=()
FAILED=0

section() { printf '\n==== %s ====\n' "$*"; }

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    echo "run-tests.sh: needs root or sudo to install packages" >&2
    exit 1
fi

packages() { grep -hv '^[[:space:]]*\(#\|$\)' "$@" | awk '{print $1}'; }

section "Installing packages (packaging/build-depends.txt, packaging/runtime-depends.txt)"
mapfile -t PKGS < <(packages packaging/build-depends.txt packaging/runtime-depends.txt)
echo "${PKGS[*]}"
# Keep package scripts from starting nginx on port 80: the tests run their own.
nginx_running() { [ -s /run/nginx.pid ] && kill -0 "$(cat /run/nginx.pid)" 2>/dev/null; }
NGINX_BEFORE=0
if nginx_running; then NGINX_BEFORE=1; fi
POLICY_ADDED=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee /usr/sbin/policy-rc.d >/dev/null
    "${SUDO[@]}" chmod 755 /usr/sbin/policy-rc.d
    POLICY_ADDED=1
fi
cleanup_policy() {
    if [ "$POLICY_ADDED" -eq 1 ]; then "${SUDO[@]}" rm -f /usr/sbin/policy-rc.d; fi
}
trap cleanup_policy EXIT
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${PKGS[@]}"
# The browser test (issue 16) needs node and npm. Debian's npm conflicts with a nodejs
# from elsewhere (NodeSource bundles its own npm): install them only when missing.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        --no-install-recommends nodejs npm
fi
cleanup_policy
POLICY_ADDED=0
# Should the package's nginx have been started anyway (by systemd), stop it: the tests
# run their own nginx on free loopback ports. An nginx that ran before is left alone.
if [ "$NGINX_BEFORE" -eq 0 ] && nginx_running; then
    echo "stopping the nginx started by the package"
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        "${SUDO[@]}" systemctl stop nginx || true
    else
        "${SUDO[@]}" nginx -s quit || true
    fi
fi
SUMMARY+=("packages: ${#PKGS[@]} installed")

# build_and_test NAME DIR CMAKE-ARGS...
build_and_test() {
    local name=$1 dir=$2
    shift 2
    section "Configuring $name ($dir)"
    cmake -S "$ROOT" -B "$ROOT/$dir" "$@"
    section "Building $name"
    # Keep going past a failing target, so the tests of everything that did build
    # still run and the summary shows the whole picture.
    local keep_going=()
    if [ -f "$ROOT/$dir/Makefile" ]; then keep_going=(-- -k); fi
    if ! cmake --build "$ROOT/$dir" -j"$JOBS" "${keep_going[@]}"; then
        SUMMARY+=("$name: BUILD FAILED (see above)")
        FAILED=1
    fi
    section "Testing $name (ctest)"
    local out="$ROOT/$dir/ctest-summary.txt"
    if (cd "$ROOT/$dir" && ctest --output-on-failure -j"$JOBS") 2>&1 | tee "$out"; then
        SUMMARY+=("$name: all tests passed")
    else
        SUMMARY+=("$name: TESTS FAILED: $(grep -E 'tests passed, .* failed' "$out" || echo 'see above')")
        FAILED=1
    fi
}

build_and_test "release build" build -DCMAKE_BUILD_TYPE=RelWithDebInfo

# Every parser of outside input, fuzzed with libFuzzer (clang) for FUZZ_SECONDS each,
# two harnesses at a time; 0 skips. Longer runs: test/fuzz/run-fuzzers.sh 600.
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
if [ "$FUZZ_SECONDS" -gt 0 ]; then
    section "Fuzzing every harness for ${FUZZ_SECONDS} s (test/fuzz/run-fuzzers.sh)"
    if BUILD="$ROOT/build-fuzz" test/fuzz/run-fuzzers.sh "$FUZZ_SECONDS"; then
        SUMMARY+=("fuzzing: no crash (${FUZZ_SECONDS} s per harness)")
    else
        SUMMARY+=("fuzzing: FAILED (see above; inputs in build-fuzz/fuzz-artifacts/)")
        FAILED=1
    fi
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
build_and_test "sanitizer build" build-asan -DCMAKE_BUILD_TYPE=Debug -DAUTOMX2_SANITIZE=ON

section "Summary"
for line in "${SUMMARY[@]}"; do echo "  $line"; done
echo "  time: $(( $(date +%s) - START )) s"
if [ "$FAILED" -ne 0 ]; then
    echo "RESULT: FAILED"
    exit 1
fi
echo "RESULT: PASSED"
