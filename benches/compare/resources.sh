#!/usr/bin/env bash
# Server resources (issue 6):
#
# 1. CPU seconds per 100k requests, server side only (a transient cgroup per
#    server: nginx's workers and tftpd-hpa's per-transfer children count):
#    HTTP, provd-server vs nginx, CPU_PHONES phones of the seven families
#    booting (2 requests each, one connection per request), CONCURRENCY in
#    flight; TFTP, provd-server vs tftpd-hpa, CPU_PHONES Yealink phones each
#    fetching its ~10 KiB device file, blksize 512 and 1428, TFTP_CONCURRENCY
#    (100) in flight (below the burst where tftpd-hpa drops requests, so
#    both do the same transfers).
# 2. provd-server's memory with RSS_DEVICES devices (10k and 100k), after a
#    load that touched every device (each phone boots once over HTTP):
#    RssAnon (heap: beyond the store), RssFile (binary and the LMDB map's
#    resident pages), and the resident part of the data.mdb mapping.
#
# Environment: CPU_PHONES (20000), CONCURRENCY (500), RUNS (3),
# RSS_DEVICES ("10000 100000"), PARTS ("http tftp rss"), NGINX/TFTPD (NGINX=none or TFTPD=none to
# skip a peer), WORK, BIN, BENCH_LOCK.
#
# Exit status: 0 clean, 1 provd had failed requests, 3 only a peer had.
source "$(dirname "$0")/peers.sh"

CPU_PHONES=${CPU_PHONES:-20000}
CONCURRENCY=${CONCURRENCY:-500}
# TFTP below tftpd-hpa's burst limit: a dropped RRQ is retried and each try
# forks a child, which would charge tftpd-hpa for work provd never does.
TFTP_CONCURRENCY=${TFTP_CONCURRENCY:-100}
RUNS=${RUNS:-3}
RSS_DEVICES=${RSS_DEVICES:-"10000 100000"}
MAX_DURATION=${MAX_DURATION:-300}
# Which parts to run.
PARTS=${PARTS:-"http tftp rss"}
WORK=${WORK:-/tmp/provd-compare-resources}
STAMP=$(date +%Y%m%dT%H%M%S)
RESULTS=$WORK/cpu-$STAMP.jsonl
RSS_RESULTS=$WORK/rss-$STAMP.jsonl
mkdir -p "$WORK"
: >"$RESULTS"
: >"$RSS_RESULTS"
status=0

# --- 1. CPU per 100k requests --------------------------------------------
if [[ " $PARTS " == *" http "* ]]; then
fleet "$WORK/http-fleet" "$CPU_PHONES" all 12
start_provd provd_http "$WORK/http-fleet/data"
http_servers=(provd_http)
if [[ $NGINX != none && -x $NGINX ]]; then start_nginx nginx "$WORK/http-fleet/root"; http_servers+=(nginx); fi
for run in $(seq "$RUNS"); do
    log "HTTP CPU run $run"
    for s in "${http_servers[@]}"; do
        eval "target=\$HTTP_$s"
        expect=()
        [[ $s == provd_http ]] && expect=(--expect "$WORK/http-fleet/export")
        measure "$s" "{\"proto\":\"http\",\"blksize\":0,\"run\":$run}" --http "$target" --transport http \
            --phones "$CPU_PHONES" --concurrency "$CONCURRENCY" --max-duration "$MAX_DURATION" "${expect[@]}"
    done
done

fi
if [[ " $PARTS " == *" tftp "* ]]; then
fleet "$WORK/tftp-fleet" "$CPU_PHONES" yealink 28
start_provd provd_tftp "$WORK/tftp-fleet/data"
tftp_servers=(provd_tftp)
if [[ $TFTPD != none && -x $TFTPD ]]; then start_tftpd tftpd "$WORK/tftp-fleet/root"; tftp_servers+=(tftpd); fi
for blksize in 512 1428; do
    for run in $(seq "$RUNS"); do
        log "TFTP CPU blksize $blksize run $run"
        for s in "${tftp_servers[@]}"; do
            eval "target=\$TFTP_$s"
            measure "$s" "{\"proto\":\"tftp\",\"blksize\":$blksize,\"run\":$run}" --tftp "$target" \
                --transport tftp --families yealink --files device --phones "$CPU_PHONES" \
                --concurrency "$TFTP_CONCURRENCY" --blksize "$blksize" --expect "$WORK/tftp-fleet/export" \
                --max-duration "$MAX_DURATION"
        done
    done
done
fi
cleanup
PIDS=(); CGROUPS=()

# --- 2. provd-server memory ----------------------------------------------
[[ " $PARTS " == *" rss "* ]] || RSS_DEVICES=""
for n in $RSS_DEVICES; do
    fleet "$WORK/rss-$n" "$n" all 12
    start_provd "rss$n" "$WORK/rss-$n/data"
    sleep 0.5
    idle=$(rss_json "rss$n")
    measure "rss$n" "{\"devices\":$n}" --http "$(eval echo "\$HTTP_rss$n")" --transport http \
        --phones "$n" --concurrency "$CONCURRENCY" --max-duration "$MAX_DURATION" \
        --expect "$WORK/rss-$n/export"
    loaded=$(rss_json "rss$n")
    store=$(stat -c %s "$WORK/rss-$n/data/store/data.mdb")
    jq -nc --argjson n "$n" --argjson idle "$idle" --argjson loaded "$loaded" --argjson store "$store" \
        '{devices: $n, idle: $idle, loaded: $loaded, store_file_bytes: $store}' >>"$RSS_RESULTS"
    cleanup
    PIDS=(); CGROUPS=()
done

echo
echo "CPU per 100k requests (server side; HTTP: $CPU_PHONES phones x 2 requests, $CONCURRENCY in flight; TFTP: $CPU_PHONES transfers, $TFTP_CONCURRENCY in flight; $RUNS runs, medians)"
echo "results: $RESULTS $RSS_RESULTS"
python3 - "$RESULTS" "$RSS_RESULTS" <<'EOF'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
groups = {}
for r in runs:
    if "proto" in r:
        groups.setdefault((r["proto"], r["blksize"]), {}).setdefault(r["server"], []).append(r)
print("| protocol | server | runs | requests/run | CPU s / 100k requests | every run | ratio peer / provd | failed | TFTP retransmits |")
print("|---|---|---|---|---|---|---|---|---|")
for (proto, bs), servers in groups.items():
    per = {s: [r["server_cpu_s"] / max(r["requests_ok"] + r["errors"]["total"], 1) * 1e5 for r in rs] for s, rs in servers.items()}
    provd = statistics.median(next(v for s, v in per.items() if s.startswith("provd")))
    for s, rs in servers.items():
        m = statistics.median(per[s])
        label = f"{proto}" + (f" blksize {bs}" if bs else "")
        ratio = "" if s.startswith("provd") else f"{m / provd:.1f}x"
        fails = sum(r["errors"]["total"] for r in rs)
        print(f"| {label} | {s} | {len(rs)} | {rs[0]['requests_ok']} | {m:.2f} | {' '.join(f'{x:.2f}' for x in per[s])} | {ratio} | {fails} | {sum(r.get('tftp_retransmits', 0) for r in rs)} |")
print()
print("provd-server memory after every device was served once (MiB)")
print("| devices | store file | VmRSS | RssAnon (heap) | RssFile | data.mdb resident | RSS beyond the store map | idle RssAnon | VmHWM |")
print("|---|---|---|---|---|---|---|---|---|")
mib = lambda kb: f"{kb / 1024:.1f}"
for l in open(sys.argv[2]):
    r = json.loads(l)
    ld, idle = r["loaded"], r["idle"]
    print(f"| {r['devices']:,} | {r['store_file_bytes'] / 2**20:.1f} | {mib(ld['VmRSS'])} | {mib(ld['RssAnon'])} | {mib(ld['RssFile'])} | "
          f"{mib(ld['store_map_rss'])} | {mib(ld['VmRSS'] - ld['store_map_rss'])} | {mib(idle['RssAnon'])} | {mib(ld['VmHWM'])} |")
EOF
python3 "$(dirname "$0")/peers_table.py" "$RESULTS" proto,blksize none >/dev/null || status=$?
exit "$status"
