#!/bin/bash
# Builds the libFuzzer harnesses with clang and runs each for SECONDS, two at a time.
#
#   test/fuzz/run-fuzzers.sh SECONDS [HARNESS...]
#
# Every harness first replays its seed corpus (test/fuzz/corpus/<harness>/, which also
# holds the inputs of crashes found and fixed: regression cases), then mutates for
# SECONDS. New inputs go to BUILD/fuzz-work/<harness>/, never into the repository;
# a crash leaves its input in BUILD/fuzz-artifacts/<harness>/ and fails the run.
# Environment: BUILD (default: build-fuzz beside test/), JOBS (parallel harnesses,
# default 2), FUZZ_ARGS (extra libFuzzer flags).
set -eu

if [ $# -lt 1 ]; then
    echo "usage: $0 SECONDS [HARNESS...]" >&2
    exit 2
fi
seconds=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BUILD:-$root/build-fuzz}
jobs=${JOBS:-2}

if [ ! -f "$build/CMakeCache.txt" ]; then
    CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DAUTOMX2_FUZZ=ON -DAUTOMX2_TESTS=OFF >/dev/null
fi
cmake --build "$build" --target fuzzers -j "$jobs" >/dev/null

if [ $# -eq 0 ]; then
    set -- $(cd "$here/corpus" && ls)
fi

results=$build/fuzz-results
rm -rf "$results"
mkdir -p "$results"

run_one() {
    name=$1
    work=$build/fuzz-work/$name
    artifacts=$build/fuzz-artifacts/$name
    mkdir -p "$work" "$artifacts"
    # shellcheck disable=SC2086
    if "$build/test/fuzz/$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -max_len=16384 -print_final_stats=1 -artifact_prefix="$artifacts/" ${FUZZ_ARGS:-} \
        "$work" "$here/corpus/$name" >"$results/$name.log" 2>&1; then
        status=ok
    else
        status=FAILED
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$results/$name.log" | tail -n 1)
    cov=$(grep -o 'cov: [0-9]*' "$results/$name.log" | tail -n 1)
    echo "$status $name ${execs:-0} execs in ${seconds}s, $cov, corpus $(ls "$work" | wc -l)" \
        >"$results/$name.summary"
    cat "$results/$name.summary"
    [ "$status" = ok ]
}

failed=0
running=0
for name in "$@"; do
    if [ ! -x "$build/test/fuzz/$name" ]; then
        echo "FAILED $name: no such harness" >&2
        failed=1
        continue
    fi
    run_one "$name" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait -n 2>/dev/null || true
        running=$((running - 1))
    fi
done
wait

for name in "$@"; do
    summary=$results/$name.summary
    if [ ! -f "$summary" ] || ! grep -q '^ok ' "$summary"; then
        failed=1
        echo "--- $name: last lines of $results/$name.log" >&2
        tail -n 40 "$results/$name.log" >&2 2>/dev/null || true
    fi
done
if [ "$failed" -ne 0 ]; then
    echo "fuzzing FAILED" >&2
    exit 1
fi
echo "fuzzing: all harnesses ran ${seconds}s without a crash"
