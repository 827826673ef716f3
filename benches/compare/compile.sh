#!/usr/bin/env bash
# Compile comparison (issue 2): provd's full compile + publish against the
# raw store write of the same bytes (the ceiling) and Python Jinja2
# rendering the same templates with the same contexts, plus the no-op
# recompile and one-device reconfigures. One `provd-bench compile` per fleet
# size; each prints its table.
#
#   DEVICES="10000 100000"  fleet sizes, run one after the other
#   RUNS=3                  runs per size (medians are reported)
#   WORKDIR=/tmp/provd-compile-bench
#   PYTHON=1                0 skips the Python Jinja2 side
#   BENCH_LOCK=/tmp/provd-bench.lock  every measured run holds it (flock), so
#                           benchmarks sharing the machine never overlap;
#                           the build happens before, without it
set -euo pipefail

here="$(cd "$(dirname "$0")/../.." && pwd)"
DEVICES="${DEVICES:-10000 100000}"
RUNS="${RUNS:-3}"
WORKDIR="${WORKDIR:-/tmp/provd-compile-bench}"
PYTHON="${PYTHON:-1}"
BENCH_LOCK="${BENCH_LOCK:-/tmp/provd-bench.lock}"

cd "$here"
cargo build --release -p provd-benches --bin provd-bench >&2
target="${CARGO_TARGET_DIR:-$here/target}"
bench="$target/release/provd-bench"

python3 -c 'import jinja2' 2>/dev/null || PYTHON=0
extra=()
[ "$PYTHON" = 1 ] || extra+=(--no-python)

for n in $DEVICES; do
  echo "## $n devices, $RUNS runs ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores)"
  flock "$BENCH_LOCK" "$bench" compile --devices "$n" --runs "$RUNS" \
    --workdir "$WORKDIR/$n" "${extra[@]}"
  rm -rf "${WORKDIR:?}/$n"
  echo
done
