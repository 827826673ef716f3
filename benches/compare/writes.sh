#!/usr/bin/env bash
# REST write latency (issue 13): for each fleet size, a provd-bench fleet
# (one device and its own config each, as wazo-confd makes them) imported
# with provd-compile, provd-server started on it (--api-no-auth, loopback),
# and `provd-bench rest-writes` timing config POST (a config nobody uses),
# config PUT (a config one device uses, a new display name every call) and
# device POST (a new device on its own new config), first one call at a
# time then from CLIENTS concurrent clients. One table with every size side
# by side and each size's ratio to the empty store.
#
#     benches/compare/writes.sh
#
# Environment: SIZES ("0 10000 100000"), CALLS (sequential calls per kind,
# 20), CONCURRENT_CALLS (calls per kind shared by the clients, 40), CLIENTS
# (8), MAX_PHASE (seconds: no call starts later in a phase, 60), WORK, BIN,
# BENCH_LOCK. The fleets are kept in WORK between runs (same size, same
# seed); every run starts from a fresh import. The servers of every size
# run at once; each kind is measured on every size in turn.
#
# Exit status: 0 clean, 1 a call failed.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${BIN:-${CARGO_TARGET_DIR:-$REPO/target}/release}
LOCK=${BENCH_LOCK:-/tmp/provd-bench.lock}
SIZES=${SIZES:-"0 10000 100000"}
CALLS=${CALLS:-20}
CONCURRENT_CALLS=${CONCURRENT_CALLS:-40}
CLIENTS=${CLIENTS:-8}
MAX_PHASE=${MAX_PHASE:-60}
WORK=${WORK:-/tmp/provd-compare-writes}
RESULTS=$WORK/results-$(date +%Y%m%dT%H%M%S).jsonl

for b in provd-server provd-compile provd-bench; do
    [[ -x $BIN/$b ]] || { echo "missing $BIN/$b: cargo build --release --workspace --bins" >&2; exit 2; }
done

PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
log() { echo "== $*" >&2; }
free_port() {
    python3 -c 'import socket,sys; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM if sys.argv[1]=="udp" else socket.SOCK_STREAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' "$1"
}
wait_port() {
    local i
    for i in $(seq 200); do ss -Hltn "sport = :$1" | grep -q . && return 0; sleep 0.05; done
    echo "nothing listens on port $1" >&2; return 1
}
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.1f", ($14+$15)/hz}' "/proc/$1/stat"; }

# Every size imported and served at once, so that each kind is then
# measured on every size back to back (the machine's load drifts).
mkdir -p "$WORK"
: >"$RESULTS"
declare -A API PID
for n in $SIZES; do
    dir=$WORK/n$n
    if [[ ! -f $dir/jsondb.stamp ]]; then
        rm -rf "$dir"; mkdir -p "$dir"
        "$BIN/provd-bench" fleet --devices "$n" --out "$dir/jsondb" >&2
        touch "$dir/jsondb.stamp"
    fi
    rm -rf "$dir/data"
    log "$n devices: import"
    "$BIN/provd-compile" --data "$dir/data" --import-wazo-jsondb "$dir/jsondb" | tail -1 >&2
    http=$(free_port tcp); tftp=$(free_port udp); api=$(free_port tcp)
    "$BIN/provd-server" --data "$dir/data" --http "127.0.0.1:$http" --tftp "127.0.0.1:$tftp" \
        --api "127.0.0.1:$api" --api-no-auth >"$dir/provd.log" 2>&1 &
    PID[$n]=$!
    PIDS+=("${PID[$n]}")
    wait_port "$api"
    API[$n]=http://127.0.0.1:$api/0.2
    log "$n devices: provd-server pid ${PID[$n]}, API ${API[$n]}"
done

rc=0
for kind in config_post config_put device_post; do
    for n in $SIZES; do
        log "$kind, $n devices"
        out=$WORK/n$n/rest-writes-$kind.out
        set +e
        flock "$LOCK" "$BIN/provd-bench" rest-writes --api "${API[$n]}" --kinds "$kind" \
            --calls "$CALLS" --concurrent-calls "$CONCURRENT_CALLS" --clients "$CLIENTS" \
            --max-phase-seconds "$MAX_PHASE" --tags "{\"devices\":$n}" >"$out"
        r=$?
        set -e
        (( r == 0 )) || rc=1
        grep '^| [a-z]' "$out" >&2 || true
        grep '^{' "$out" >>"$RESULTS" || true
    done
done
for n in $SIZES; do log "$n devices: server CPU $(cpu_s "${PID[$n]}") s over the run"; done

echo
echo "REST writes: $CALLS sequential calls per kind, $CONCURRENT_CALLS from $CLIENTS clients (phases capped at $MAX_PHASE s)"
echo "results: $RESULTS"
python3 - "$RESULTS" "$SIZES" <<'PY'
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
sizes = [int(s) for s in sys.argv[2].split()]
by = {(r["kind"], r["clients"], r["devices"]): r for r in runs}
rows = sorted({(r["kind"], r["clients"]) for r in runs}, key=lambda k: (["config_post", "config_put", "device_post"].index(k[0]), k[1]))
head = ["kind", "clients"] + [f"{n:,} p50 / p99 ms" for n in sizes] + [f"{n:,} writes/s" for n in sizes] \
    + [f"p50 {n:,} / 0" for n in sizes if n]
print("| " + " | ".join(head) + " |")
print("|" + "---|" * len(head))
for kind, clients in rows:
    cells = [kind, str(clients)]
    get = lambda n: by.get((kind, clients, n))
    for n in sizes:
        r = get(n)
        cells.append(f"{r['p50_ms']:.2f} / {r['p99_ms']:.2f}" + (f" ({r['errors']} errors)" if r["errors"] else "") if r else "")
    for n in sizes:
        r = get(n)
        cells.append(f"{r['writes_per_s']:.1f} ({r['calls']})" if r else "")
    base = get(0)
    for n in sizes:
        if n:
            r = get(n)
            cells.append(f"{r['p50_ms'] / base['p50_ms']:.2f}x" if r and base and base["p50_ms"] else "")
    print("| " + " | ".join(cells) + " |")
print()
clients = sorted({r["clients"] for r in runs if r["clients"] > 1})
for c in clients:
    print(f"Writes/s with {c} clients over one client:")
    print("| kind | " + " | ".join(f"{n:,}" for n in sizes) + " |")
    print("|---|" + "---|" * len(sizes))
    for kind in ["config_post", "config_put", "device_post"]:
        cells = []
        for n in sizes:
            one, many = by.get((kind, 1, n)), by.get((kind, c, n))
            cells.append(f"{many['writes_per_s'] / one['writes_per_s']:.2f}x" if one and many and one["writes_per_s"] else "")
        print(f"| {kind} | " + " | ".join(cells) + " |")
PY
exit $rc
