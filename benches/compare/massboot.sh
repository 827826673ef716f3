#!/usr/bin/env bash
# Mass reboot over HTTP (issue 6): PHONES phones of the seven families,
# pre-provisioned, each running its boot sequence (two requests: the
# family's common file then its own file; Yealink's first request is the
# y0000000000NN.cfg wazo-provd never generates, a 404 the phone expects),
# all at once and then spread over SPREADS seconds, one connection per
# request as phones do. Against provd-server, every body is checked against
# `provd-compile --export`; against nginx (if NGINX is there) serving the
# export flattened to the paths the phones ask, statuses are checked but not
# bodies: a name several plugins share (Aastra/aastra.cfg, spa508G.cfg,
# 000000000000.cfg...) comes from one plugin only, since nginx cannot tell
# the phones' plugins apart.
#
# Environment: PHONES (10000), SPREADS ("0 2 10": seconds over which phones
# start; 0 = all at once), RUNS (3), MAX_DURATION (120), NGINX
# (/usr/sbin/nginx; NGINX=none to skip), WORK, BIN, BENCH_LOCK.
#
# Exit status: 0 clean, 1 provd had failed requests, 3 only nginx had.
source "$(dirname "$0")/peers.sh"

PHONES=${PHONES:-10000}
SPREADS=${SPREADS:-"0 2 10"}
RUNS=${RUNS:-3}
MAX_DURATION=${MAX_DURATION:-120}
WORK=${WORK:-/tmp/provd-compare-massboot}
RESULTS=$WORK/results-$(date +%Y%m%dT%H%M%S).jsonl

fleet "$WORK/fleet" "$PHONES" all 12
EXPORT=$WORK/fleet/export
start_provd provd "$WORK/fleet/data"
servers=(provd)
if [[ $NGINX != none && -x $NGINX ]]; then
    start_nginx nginx "$WORK/fleet/root"
    servers+=(nginx)
fi
: >"$RESULTS"

for spread in $SPREADS; do
    for run in $(seq "$RUNS"); do
        order=("${servers[@]}")
        (( run % 2 == 0 )) && order=($(printf '%s\n' "${servers[@]}" | tac))
        log "$PHONES phones, spread $spread s, run $run"
        for s in "${order[@]}"; do
            eval "target=\$HTTP_$s"
            expect=()
            [[ $s == provd ]] && expect=(--expect "$EXPORT")
            measure "$s" "{\"spread\":$spread,\"run\":$run}" \
                --http "$target" --transport http --phones "$PHONES" --spread "$spread" \
                --max-duration "$MAX_DURATION" "${expect[@]}"
        done
    done
done

echo
echo "Mass reboot: $PHONES phones x 2 HTTP requests, connection per request, $RUNS runs (medians; latency per request)"
echo "results: $RESULTS"
python3 "$(dirname "$0")/peers_table.py" "$RESULTS" spread nginx
