#!/bin/sh
# The benchmark of issue 7: builds a Release binary in its own build directory, then
# runs bench/bench.py (nginx + automx2-fcgi against nginx serving the same bytes as
# static files, with wrk). Not a test: it never runs under ctest.
#   bench/run.sh [--rounds N] [--seconds S] [--quick] [--skip-backends] ...
# Environment: BENCH_BUILD (build directory, default build-bench in the repository).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
build=${BENCH_BUILD:-$repo/build-bench}
for tool in wrk nginx spawn-fcgi sqlite3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "bench: installing $tool" >&2
        if [ "$(id -u)" = 0 ]; then apt-get install -y "$tool"; else sudo apt-get install -y "$tool"; fi
    fi
done
echo "bench: building a Release binary in $build" >&2
cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"${BENCH_JOBS:-1}" --target automx2-fcgi >/dev/null
exec python3 "$here/bench.py" --binary "$build/automx2-fcgi" "$@"
