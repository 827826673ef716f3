#!/usr/bin/env bash
# Builds and runs every fuzz target for SECONDS each (default 600), one after
# another, and prints one summary line per target.
#
#   fuzz/run.sh            # 10 minutes per target
#   fuzz/run.sh 20         # CI smoke run: 20 s per target
#   fuzz/run.sh 60 http_request identify   # only these targets
#
# Environment:
#   CARGO_TARGET_DIR  build directory (default: target-fuzz beside the repo,
#                     so the main workspace's build is never blocked)
#   FUZZ_SANITIZER    address (default) or none; address falls back to none
#                     when the sanitizer build fails
#   FUZZ_JOBS         libFuzzer -jobs/-workers (default 1; the machine has 2
#                     cores and other work runs on it)
#   FUZZ_NICE         nice level of the fuzzers (default 10)
#
# Only the stable toolchain is installed: RUSTC_BOOTSTRAP=1 lets it accept
# the -Z flags cargo-fuzz passes. Exit status: 0 when no target crashed,
# 1 when one did (its input is under fuzz/artifacts/<target>/), 2 when the
# build failed.
set -uo pipefail

FUZZ_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$FUZZ_DIR")"
SECONDS_PER_TARGET="${1:-600}"
shift || true
ALL_TARGETS=(tftp_packet tftp_transfer http_request identify)
if [ "$#" -gt 0 ]; then TARGETS=("$@"); else TARGETS=("${ALL_TARGETS[@]}"); fi

export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$(dirname "$REPO")/target-fuzz}"
SANITIZER="${FUZZ_SANITIZER:-address}"
JOBS="${FUZZ_JOBS:-1}"
NICE="${FUZZ_NICE:-10}"
WORK="$CARGO_TARGET_DIR/fuzz-work"
mkdir -p "$WORK"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "run.sh: installing cargo-fuzz" >&2
    cargo install --locked cargo-fuzz >&2 || { echo "run.sh: cannot install cargo-fuzz" >&2; exit 2; }
fi

cd "$FUZZ_DIR"
# Built one target at a time, exactly as `cargo fuzz run` builds them, so
# the runs below find everything up to date.
build_all() {
    : >"$WORK/build.log"
    for t in "${TARGETS[@]}"; do
        nice -n "$NICE" cargo fuzz build -s "$1" "$t" >>"$WORK/build.log" 2>&1 || return 1
    done
}
if ! build_all "$SANITIZER"; then
    if [ "$SANITIZER" != none ]; then
        echo "run.sh: the $SANITIZER sanitizer build failed (see $WORK/build.log); retrying with -s none" >&2
        SANITIZER=none
        build_all none || { tail -n 40 "$WORK/build.log" >&2; exit 2; }
    else
        tail -n 40 "$WORK/build.log" >&2
        exit 2
    fi
fi

# -jobs makes libFuzzer write per-job logs into the current directory:
# only pass it when asked for parallel runs.
parallel=()
if [ "$JOBS" -gt 1 ]; then parallel=(-jobs="$JOBS" -workers="$JOBS"); fi
status=0
# A crash keeps the other targets running; the worst status wins.
summary=()
for t in "${TARGETS[@]}"; do
    # The growing corpus lives in the build directory; the committed seeds
    # in fuzz/corpus/<target> are only read.
    corpus="$WORK/corpus/$t"
    artifacts="$FUZZ_DIR/artifacts/$t"
    log="$WORK/$t.log"
    mkdir -p "$corpus" "$artifacts"
    before=$(find "$artifacts" -type f ! -name 'slow-unit-*' | wc -l)
    echo "run.sh: $t for ${SECONDS_PER_TARGET}s (sanitizer $SANITIZER, log $log)" >&2
    start=$(date +%s)
    nice -n "$NICE" cargo fuzz run -s "$SANITIZER" "$t" "$corpus" "$FUZZ_DIR/corpus/$t" -- \
        -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -timeout=30 -max_len=4096 \
        -print_final_stats=1 "${parallel[@]}" \
        -artifact_prefix="$artifacts/" >"$log" 2>&1
    rc=$?
    wall=$(( $(date +%s) - start ))
    # Fuzzing time as libFuzzer counts it (the wall time includes a rebuild
    # when the sources changed since the build above).
    fuzzed=$(grep -oE '^Done [0-9]+ runs in [0-9]+ second' "$log" | grep -oE '[0-9]+ second' | grep -oE '[0-9]+')
    runs=$(grep -oE '^stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -n 1)
    [ -n "$runs" ] || runs=$(grep -oE '^#[0-9]+' "$log" | tail -n 1 | tr -d '#')
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1 | grep -oE '[0-9]+')
    corp=$(grep -oE 'corp: [0-9]+' "$log" | tail -n 1 | grep -oE '[0-9]+')
    # libFuzzer also saves inputs that merely ran slowly (slow-unit-*):
    # on a loaded machine that is the machine, not a finding.
    after=$(find "$artifacts" -type f ! -name 'slow-unit-*' | wc -l)
    crashes=$((after - before))
    if ! grep -q '^INFO: Seed:' "$log"; then
        # The fuzzer never started: a build error, not a finding.
        echo "run.sh: $t did not build or start; tail of $log:" >&2
        tail -n 30 "$log" >&2
        summary+=("$(printf 'fuzz: %-14s BUILD FAILED (see %s)' "$t" "$log")")
        status=2
        continue
    fi
    if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes=1; fi
    if [ "$crashes" -ne 0 ]; then
        [ "$status" -eq 0 ] && status=1
        echo "run.sh: $t FAILED; tail of $log:" >&2
        grep -E 'panicked|ERROR|SUMMARY|Test unit written|artifact' "$log" | head -n 20 >&2
    fi
    summary+=("$(printf 'fuzz: %-14s seconds=%-5s wall=%-5s runs=%-10s cov=%-6s corpus=%-6s crashes=%s' \
        "$t" "${fuzzed:-?}" "$wall" "${runs:-?}" "${cov:-?}" "${corp:-?}" "$crashes")")
done
printf '%s\n' "${summary[@]}"
exit "$status"
