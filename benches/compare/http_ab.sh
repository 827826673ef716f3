#!/usr/bin/env bash
# Two provd-server builds side by side under wrk: the before/after of a
# change to the HTTP path, on one store, runs interleaved so that the
# shared machine's noise falls on both.
#
#   benches/compare/http_ab.sh OLD_BINARY NEW_BINARY
#
# Needs a data directory and a wrk Lua script from a run of http.sh (its
# WORK directory keeps both): each binary serves its own copy of DATA (a
# build may migrate the store), NAT on as http.sh sets it.
#
# Environment (defaults): WORK=/tmp/provd-http-bench (DATA=$WORK/data,
# LUA=$WORK/devices.lua) ROUNDS=4 DURATION=10 CONNS=64 THREADS=2
# LOCK=/tmp/provd-bench.lock PORT=18700 OUT=/tmp/provd-http-ab
#
# Output: one line per run (requests/s, server CPU seconds per 100k
# requests from /proc/<pid>/stat), then the medians of each binary.

set -euo pipefail

[[ $# == 2 ]] || { sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
WORK=${WORK:-/tmp/provd-http-bench}
DATA=${DATA:-$WORK/data}
LUA=${LUA:-$WORK/devices.lua}
ROUNDS=${ROUNDS:-4}
DURATION=${DURATION:-10}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
LOCK=${LOCK:-/tmp/provd-bench.lock}
PORT=${PORT:-18700}
OUT=${OUT:-/tmp/provd-http-ab}
BINS=("$1" "$2")
NAMES=(old new)

for f in "${BINS[@]}"; do [[ -x $f ]] || { echo "http_ab.sh: $f is not executable" >&2; exit 2; }; done
[[ -d $DATA && -f $LUA ]] || { echo "http_ab.sh: no $DATA or $LUA (run http.sh first)" >&2; exit 2; }
rm -rf "$OUT" && mkdir -p "$OUT"
for i in 0 1; do cp -a "$DATA" "$OUT/data-${NAMES[$i]}"; done

cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
PID=""
cleanup() { [[ -z $PID ]] || kill "$PID" 2>/dev/null || true; }
trap cleanup EXIT

for round in $(seq 1 "$ROUNDS"); do
    for i in 0 1; do
        name=${NAMES[$i]}
        port=$((PORT + i))
        "${BINS[$i]}" --data "$OUT/data-$name" --http "127.0.0.1:$port" --tftp off --api off --threads "$THREADS" \
            --security-log "$OUT/fail2ban-$name.log" >"$OUT/server-$name.log" 2>&1 &
        PID=$!
        up=0
        for _ in $(seq 100); do
            if curl -s -o /dev/null "http://127.0.0.1:$port/"; then up=1; break; fi
            sleep 0.1
        done
        [[ $up == 1 ]] || { echo "http_ab.sh: $name did not start:" >&2; cat "$OUT/server-$name.log" >&2; exit 1; }
        exec 9>"${LOCK:-/dev/null}"
        [[ -z $LOCK ]] || flock 9
        c0=$(cpu "$PID")
        wrk -t2 -c"$CONNS" -d"${DURATION}s" -s "$LUA" "http://127.0.0.1:$port/" >"$OUT/wrk-$name-$round.txt" 2>&1
        c1=$(cpu "$PID")
        flock -u 9
        kill "$PID"
        wait "$PID" 2>/dev/null || true
        PID=""
        rps=$(awk '/Requests\/sec/ {print $2}' "$OUT/wrk-$name-$round.txt")
        reqs=$(awk '/requests in/ {print $1}' "$OUT/wrk-$name-$round.txt")
        errors=$(grep -c "Non-2xx\|Socket errors" "$OUT/wrk-$name-$round.txt" || true)
        per100k=$(awk -v c="$((c1 - c0))" -v n="$reqs" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.3f", c / hz / n * 100000}')
        echo "round $round $name: $rps req/s, $per100k CPU s / 100k req" | tee -a "$OUT/runs.txt"
        [[ $errors == 0 ]] || echo "round $round $name: wrk reported errors, see $OUT/wrk-$name-$round.txt" | tee -a "$OUT/runs.txt"
        echo "$name $rps $per100k" >>"$OUT/runs.tsv"
    done
done

python3 - "$OUT/runs.tsv" <<'EOF'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    name, rps, cpu = line.split()
    runs.setdefault(name, []).append((float(rps), float(cpu)))
med = {n: (statistics.median(r for r, _ in v), statistics.median(c for _, c in v)) for n, v in runs.items()}
for n, (r, c) in med.items():
    print(f"median {n}: {r:,.0f} req/s, {c:.3f} CPU s / 100k req")
(r0, c0), (r1, c1) = med["old"], med["new"]
print(f"new vs old: {r1 / r0:.2f}x requests/s, {c1 / c0:.2f}x CPU per request")
EOF
