#!/bin/sh
# The benchmark of issues 7 and 14: builds a Release binary in its own build directory
# and the do-nothing libfcgi responder (bench/responder.cpp, never part of the product
# build), then runs bench/bench.py: nginx + automx2-fcgi against the responder, a
# PHP-FPM script doing the same lookup, and nginx serving the same bytes as static
# files, with wrk. Not a test: it never runs under ctest.
#   bench/run.sh [--rounds N] [--seconds S] [--quick] [--skip LIST] ...
# Environment: BENCH_BUILD (build directory, default build-bench in the repository).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
build=${BENCH_BUILD:-$repo/build-bench}
install() {
    echo "bench: installing $*" >&2
    if [ "$(id -u)" = 0 ]; then apt-get install -y "$@"; else sudo apt-get install -y "$@"; fi
}
for tool in wrk nginx spawn-fcgi sqlite3; do
    command -v "$tool" >/dev/null 2>&1 || install "$tool"
done
ls /usr/sbin/php-fpm* >/dev/null 2>&1 || install php-fpm php-sqlite3
echo "bench: building a Release binary in $build" >&2
# GCC 12 at -O3 reports a false -Wrestrict inside std::string's operator+ (GCC bug
# 105329): kept a warning here so that the benchmark builds.
cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS=-Wno-error=restrict \
    >/dev/null
cmake --build "$build" -j"${BENCH_JOBS:-1}" --target automx2-fcgi >/dev/null
"${CXX:-g++}" -std=c++20 -O2 -Wall -Wextra -o "$build/bench-responder" "$here/responder.cpp" \
    $(pkg-config --cflags --libs fcgi) -pthread
exec python3 "$here/bench.py" --binary "$build/automx2-fcgi" \
    --responder "$build/bench-responder" "$@"
