#!/usr/bin/env bash
# Two provd-compile builds side by side: the before/after of a change to
# the compile path, on one imported fleet, runs interleaved so that the
# shared machine's noise falls on both.
#
#   benches/compare/compile_ab.sh OLD_BINARY NEW_BINARY
#
# BASE is a data directory holding an imported, never compiled fleet: the
# `base` directory a `provd-bench compile` run leaves in its work directory
# (compile.sh removes it; `provd-bench compile --devices 100000 --runs 1
# --no-python --workdir /tmp/pb100` keeps /tmp/pb100/base).
#
# Each round and binary: a full compile and publish on a fresh copy of BASE
# (every file new), then a recompile with --force (every device rendered,
# nothing changed). Wall time and the process's user+system CPU, from
# /usr/bin/time.
#
# Environment (defaults): BASE=/tmp/pb100/base ROUNDS=3
# LOCK=/tmp/provd-bench.lock OUT=/tmp/provd-compile-ab
#
# Output: one line per run, then the medians of each binary and new/old.

set -euo pipefail

[[ $# == 2 ]] || { sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
BASE=${BASE:-/tmp/pb100/base}
ROUNDS=${ROUNDS:-3}
LOCK=${LOCK:-/tmp/provd-bench.lock}
OUT=${OUT:-/tmp/provd-compile-ab}
BINS=("$1" "$2")
NAMES=(old new)

for f in "${BINS[@]}"; do [[ -x $f ]] || { echo "compile_ab.sh: $f is not executable" >&2; exit 2; }; done
[[ -d $BASE/store ]] || { echo "compile_ab.sh: no fleet in $BASE (see the comment at the top)" >&2; exit 2; }
rm -rf "$OUT" && mkdir -p "$OUT"

# One timed command: "<name> <step> <wall s> <cpu s>" appended to the results.
timed() {
    local name=$1 step=$2
    shift 2
    flock "$LOCK" /usr/bin/time -f "%e %U %S" -o "$OUT/time" "$@" >"$OUT/$name-$step.log" 2>&1 \
        || { echo "compile_ab.sh: $name $step failed, see $OUT/$name-$step.log" >&2; exit 1; }
    read -r wall user sys <"$OUT/time"
    echo "$name $step $wall $(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" | tee -a "$OUT/results"
}

for round in $(seq 1 "$ROUNDS"); do
    for i in 0 1; do
        name=${NAMES[$i]}
        data="$OUT/data-$name"
        rm -rf "$data" && cp -a "$BASE" "$data" && sync
        # The first open may install plugins or migrate the store: not timed
        # (the export of a store never compiled writes nothing).
        "${BINS[$i]}" --data "$data" --export "$OUT/export" >/dev/null 2>&1
        rm -rf "$OUT/export"
        sync
        timed "$name" full "${BINS[$i]}" --data "$data"
        sync
        timed "$name" forced "${BINS[$i]}" --data "$data" --force
        rm -rf "$data"
    done
done

python3 - "$OUT/results" <<'EOF'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
med = {}
for name, step, wall, cpu in rows:
    med.setdefault((name, step), []).append((float(wall), float(cpu)))
print("| step | old wall | new wall | new/old | old CPU | new CPU | new/old |")
print("|---|---|---|---|---|---|---|")
for step in ("full", "forced"):
    ow = statistics.median(w for w, _ in med[("old", step)])
    nw = statistics.median(w for w, _ in med[("new", step)])
    oc = statistics.median(c for _, c in med[("old", step)])
    nc = statistics.median(c for _, c in med[("new", step)])
    print(f"| {step} | {ow:.2f} s | {nw:.2f} s | {nw / ow:.2f}x | {oc:.2f} s | {nc:.2f} s | {nc / oc:.2f}x |")
EOF
