#!/usr/bin/env bash
# TFTP mass boot, provd-server against tftpd-hpa (issue 6).
#
# Both servers run on loopback with the same files at the same paths:
# provd from its store (the fleet imported from a wazo-provd jsondb and
# compiled), tftpd-hpa from the `provd-compile --export` of that store,
# flattened to the names the phones ask. N simulated Yealink phones (each
# its own MAC and 127.x.y.z address) fetch their own device file over TFTP,
# all at once, and every file is checked byte for byte against the export.
# Runs alternate which server goes first; each run holds the bench lock.
#
# Environment: PHONES_LIST ("100 1000 5000"), BLKSIZES ("512 1428"), RUNS
# (3), REPEAT (1: boots per phone, back to back), FUNCKEYS (28: function
# keys per phone, which sizes the device files, 10 KiB on average),
# FAMILIES (yealink), MAX_DURATION (120 s per run), WORK (scratch dir),
# BIN (release binaries), BENCH_LOCK.
#
# Prints a table of medians and ratios. Exit status: 0 clean, 1 provd had
# failed transfers, 3 only tftpd-hpa had, 2 setup error.
source "$(dirname "$0")/peers.sh"

PHONES_LIST=${PHONES_LIST:-"100 1000 5000"}
BLKSIZES=${BLKSIZES:-"512 1428"}
RUNS=${RUNS:-3}
REPEAT=${REPEAT:-1}
FUNCKEYS=${FUNCKEYS:-28}
FAMILIES=${FAMILIES:-yealink}
MAX_DURATION=${MAX_DURATION:-120}
WORK=${WORK:-/tmp/provd-compare-tftp}
RESULTS=$WORK/results-$(date +%Y%m%dT%H%M%S).jsonl

[[ -x $TFTPD ]] || { echo "no $TFTPD (apt-get install tftpd-hpa)" >&2; exit 2; }
max=0; for n in $PHONES_LIST; do (( n > max )) && max=$n; done
fleet "$WORK/fleet" "$max" "$FAMILIES" "$FUNCKEYS"
EXPORT=$WORK/fleet/export
python3 - "$EXPORT" <<'EOF' >&2
import os, statistics, sys
sizes = [os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(sys.argv[1]) for f in fs]
sizes.sort()
print(f"== exported files: {len(sizes)}, mean {statistics.mean(sizes)/1024:.1f} KiB, median {statistics.median(sizes)/1024:.1f} KiB, min {sizes[0]/1024:.1f}, max {sizes[-1]/1024:.1f}")
EOF

start_provd provd "$WORK/fleet/data"
start_tftpd tftpd "$WORK/fleet/root"
mkdir -p "$WORK"
: >"$RESULTS"

for phones in $PHONES_LIST; do
    for blksize in $BLKSIZES; do
        for run in $(seq "$RUNS"); do
            order=(provd tftpd)
            (( run % 2 == 0 )) && order=(tftpd provd)
            log "phones $phones blksize $blksize run $run"
            for s in "${order[@]}"; do
                eval "target=\$TFTP_$s"
                measure "$s" "{\"phones_n\":$phones,\"blksize\":$blksize,\"run\":$run}" \
                    --tftp "$target" --transport tftp --families "$FAMILIES" --files device \
                    --phones "$phones" --repeat "$REPEAT" --blksize "$blksize" \
                    --expect "$EXPORT" --max-duration "$MAX_DURATION"
            done
        done
    done
done

echo
echo "TFTP: $FAMILIES phones fetching their own device file, all at once, repeat $REPEAT, $RUNS runs (medians)"
echo "results: $RESULTS"
python3 "$(dirname "$0")/peers_table.py" "$RESULTS" phones_n,blksize tftpd
