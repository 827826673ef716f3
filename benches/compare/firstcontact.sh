#!/usr/bin/env bash
# First-contact mass reboot (issue 13): PHONES phones of the seven families
# reboot over HTTP (as massboot.sh: all at once by default, one connection
# per request, every body checked against `provd-compile --export`) against
# two imports of the same provd-loadgen fleet:
#
# * known: the devices' recorded `ip` and `version` are what the phones
#   report (the loadgen writes its jsondb so), nothing to record;
# * firstcontact: the same jsondb rewritten before the import, every
#   device's `ip` moved from 127.a.b.c to 127.(a+100).b.c and its `version`
#   prefixed with `0.` (an older firmware), so every phone's first request
#   records a new IP and version (a write, and a render: the version is a
#   reconfiguration key) before it is answered.
#
# The bodies are the same in both (the render after the version is recorded
# is the known copy's), so both are checked against the known copy's export.
# Each run starts provd-server on a fresh copy of its import (the first
# contact happens once per copy), the two variants interleaved, alternating
# which goes first.
#
#     benches/compare/firstcontact.sh
#
# Environment: PHONES (10000), SPREAD (seconds over which phones start; 0 =
# all at once), RUNS (3), MAX_DURATION (120), WORK, BIN, BENCH_LOCK.
#
# Exit status: 0 clean, 1 a request failed or a body differed.
source "$(dirname "$0")/peers.sh"

PHONES=${PHONES:-10000}
SPREAD=${SPREAD:-0}
RUNS=${RUNS:-3}
MAX_DURATION=${MAX_DURATION:-120}
WORK=${WORK:-/tmp/provd-compare-firstcontact}
RESULTS=$WORK/results-$(date +%Y%m%dT%H%M%S).jsonl

stamp="$PHONES $SEED admin-fixed loopback"
if [[ ! -f $WORK/fleet.stamp || $(cat "$WORK/fleet.stamp") != "$stamp" ]]; then
    rm -rf "$WORK"; mkdir -p "$WORK"
    log "fleet: $PHONES phones in $WORK"
    firstcontact_jsondbs "$WORK/jsondb" "$PHONES"
    "$BIN/provd-compile" --data "$WORK/known" --import-wazo-jsondb "$WORK/jsondb/known" | tail -1 >&2
    "$BIN/provd-compile" --data "$WORK/known" --export "$WORK/export" >&2
    "$BIN/provd-compile" --data "$WORK/firstcontact" --import-wazo-jsondb "$WORK/jsondb/firstcontact" | tail -1 >&2
    rm -rf "$WORK/jsondb"
    echo "$stamp" >"$WORK/fleet.stamp"
fi
: >"$RESULTS"

variants=(known firstcontact)
for run in $(seq "$RUNS"); do
    order=("${variants[@]}")
    (( run % 2 == 0 )) && order=(firstcontact known)
    for v in "${order[@]}"; do
        rm -rf "$WORK/run"; mkdir -p "$WORK/run"
        cp -a "$WORK/$v" "$WORK/run/data"
        name=provd_$v
        start_provd "$name" "$WORK/run/data"
        log "$PHONES phones, spread $SPREAD s, run $run, $v"
        eval "target=\$HTTP_$name; pid=\$PID_$name"
        measure "$name" "{\"spread\":$SPREAD,\"run\":$run}" \
            --http "$target" --transport http --phones "$PHONES" --spread "$SPREAD" \
            --max-duration "$MAX_DURATION" --expect "$WORK/export"
        kill "$pid"; wait "$pid" 2>/dev/null || true
    done
done

echo
echo "First-contact mass reboot: $PHONES phones x 2 HTTP requests, connection per request, $RUNS runs (medians; ratio to known)"
echo "results: $RESULTS"
python3 "$(dirname "$0")/peers_table.py" "$RESULTS" spread provd_known
