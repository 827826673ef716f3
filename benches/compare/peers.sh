# Shared by tftp.sh, massboot.sh and resources.sh (sourced, not run):
# a pre-provisioned fleet, the servers (provd-server, tftpd-hpa, nginx) on
# loopback, their CPU time and memory, and the bench lock.
#
# Everything binds 127.0.0.1 on free high ports; every load is bounded by
# provd-loadgen (--phones, --repeat, --max-duration).

set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${BIN:-${CARGO_TARGET_DIR:-$REPO/target}/release}
# Measured runs of every helper on this machine serialize on this lock.
LOCK=${BENCH_LOCK:-/tmp/provd-bench.lock}
TFTPD=${TFTPD:-/usr/sbin/in.tftpd}
NGINX=${NGINX:-/usr/sbin/nginx}
SEED=${SEED:-1}

for b in provd-server provd-compile provd-loadgen; do
    [[ -x $BIN/$b ]] || { echo "missing $BIN/$b: cargo build --release --workspace --bins" >&2; exit 2; }
done

PIDS=()
CGROUPS=()

cleanup() {
    local p cg
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    # tftpd-hpa's children (one per transfer) end with their transfer.
    sleep 0.2
    for cg in "${CGROUPS[@]}"; do rmdir "$cg" 2>/dev/null || true; done
}
trap cleanup EXIT

log() { echo "== $*" >&2; }

# A free port on 127.0.0.1 (tcp or udp).
free_port() {
    python3 - "$1" <<'EOF'
import socket, sys
kind = socket.SOCK_STREAM if sys.argv[1] == "tcp" else socket.SOCK_DGRAM
s = socket.socket(socket.AF_INET, kind)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
EOF
}

wait_port() { # wait_port tcp|udp PORT: until something listens there
    local i
    for i in $(seq 100); do
        if [[ $1 == tcp ]]; then ss -Hltn "sport = :$2" | grep -q . && return 0
        else ss -Hlun "sport = :$2" | grep -q . && return 0; fi
        sleep 0.05
    done
    echo "nothing listens on $1 port $2" >&2
    return 1
}

# fleet DIR PHONES FAMILIES FUNCKEYS: a wazo-provd jsondb of the loadgen's
# phones imported into DIR/data, exported to DIR/export (DIR/<plugin>/<path>),
# and the same files flattened into DIR/root (the path each phone asks,
# first plugin wins for names several plugins share) for tftpd-hpa and nginx.
# Kept between runs of the script when the parameters are the same.
fleet() {
    local dir=$1 phones=$2 families=$3 funckeys=$4
    local stamp="$phones $families $funckeys $SEED"
    if [[ -f $dir/fleet.stamp && $(cat "$dir/fleet.stamp") == "$stamp" ]]; then return 0; fi
    rm -rf "$dir"
    mkdir -p "$dir"
    log "fleet: $phones phones ($families), $funckeys function keys, in $dir"
    "$BIN/provd-loadgen" --seed "$SEED" --write-jsondb "$dir/jsondb" --phones "$phones" \
        --families "$families" --jsondb-funckeys "$funckeys" >/dev/null
    "$BIN/provd-compile" --data "$dir/data" --import-wazo-jsondb "$dir/jsondb" | tail -2 >&2
    "$BIN/provd-compile" --data "$dir/data" --export "$dir/export" >&2
    # --export keeps its files to their owner (they hold SIP passwords); the
    # peers serve them as other users (nginx's workers, tftpd-hpa after it
    # drops root), and these are a bench fleet's passwords.
    chmod -R a+rX "$dir/export"
    rm -rf "$dir/jsondb"
    mkdir -p "$dir/root"
    local p
    # Hard links; -n: a name several plugins share keeps the first plugin's
    # file (coreutils >= 9.2 then exits 1, hence the || true).
    for p in "$dir"/export/*/; do cp -rln "$p." "$dir/root/" || true; done
    echo "$stamp" >"$dir/fleet.stamp"
}

# firstcontact_jsondbs DIR PHONES: the loadgen's PHONES phones (seed $SEED)
# as wazo-provd jsondbs, DIR/known as the phones report themselves, and
# DIR/firstcontact the same recorded with another IP and an older firmware
# each, so that every phone's first request is a write. Both get one
# defaultconfigdevice: a fresh data directory draws a random admin
# password, which Digium's file carries.
firstcontact_jsondbs() {
    local dir=$1 phones=$2
    mkdir -p "$dir"
    "$BIN/provd-loadgen" --seed "$SEED" --write-jsondb "$dir/known" --phones "$phones" \
        --families all --jsondb-funckeys 12 >/dev/null
    cat >"$dir/known/configs/defaultconfigdevice" <<'JSON'
{"id": "defaultconfigdevice", "X_type": "device", "label": "Default config device", "deletable": false,
 "parent_ids": [], "raw_config": {"ntp_enabled": true, "ntp_ip": "127.0.0.1", "sip_dtmf_mode": "RTP-out-of-band",
 "admin_username": "admin", "admin_password": "bench0admin1"}}
JSON
    cp -a "$dir/known" "$dir/firstcontact"
    python3 - "$dir/firstcontact/devices" <<'PY'
import json, os, sys
d = sys.argv[1]
for name in os.listdir(d):
    p = os.path.join(d, name)
    dev = json.load(open(p))
    a = dev["ip"].split(".")
    assert a[0] == "127", dev["ip"]
    # Another loopback address, never a phone's (theirs are 127.10+.x.y):
    # nothing leaves the machine even if something synchronized them.
    dev["ip"] = ".".join(["127", str(int(a[1]) + 100)] + a[2:])
    if dev.get("version"):
        dev["version"] = "0." + dev["version"]
    json.dump(dev, open(p, "w"))
PY
}

# CPU accounting that includes forked children (tftpd-hpa forks one per
# transfer and its children's time does not reach the parent's cutime): a
# transient cgroup per server. cgroup v1 cpuacct, else v2; else /proc.
CG_ROOT=""
if [[ -w /sys/fs/cgroup/cpuacct/cgroup.procs ]]; then CG_ROOT=/sys/fs/cgroup/cpuacct; CG_KIND=v1
elif [[ -w /sys/fs/cgroup/cgroup.procs && -f /sys/fs/cgroup/cgroup.controllers ]]; then CG_ROOT=/sys/fs/cgroup; CG_KIND=v2
fi

# spawn NAME LOG CMD...: runs CMD in the background inside cgroup NAME
# from its first instruction (nginx forks its workers at start, tftpd-hpa
# one child per transfer: all of them are counted); sets PID_<NAME>.
spawn() {
    local name=$1 logf=$2 cg=""; shift 2
    if [[ -n $CG_ROOT ]]; then
        cg=$CG_ROOT/provd-bench-$name-$$
        mkdir -p "$cg"
        CGROUPS+=("$cg")
    fi
    eval "CG_$name=$cg"
    # shellcheck disable=SC2016
    sh -c '[ -z "$0" ] || echo $$ >"$0/cgroup.procs"; exec "$@"' "$cg" "$@" >"$logf" 2>&1 &
    local pid=$!
    PIDS+=("$pid")
    eval "PID_$name=$pid"
}

# cpu_us NAME: CPU time (user+system, µs) of the server and its children.
cpu_us() {
    local cg pid
    eval "cg=\${CG_$1:-}; pid=\$PID_$1"
    if [[ -n $cg && $CG_KIND == v1 ]]; then echo $(( $(cat "$cg/cpuacct.usage") / 1000 ))
    elif [[ -n $cg ]]; then awk '$1=="usage_usec"{print $2}' "$cg/cpu.stat"
    else awk -v hz="$(getconf CLK_TCK)" '{printf "%d\n", ($14+$15+$16+$17)*1000000/hz}' "/proc/$pid/stat"
    fi
}

# start_provd NAME DATA: provd-server on free ports; sets HTTP_<NAME>, TFTP_<NAME>.
start_provd() {
    local name=$1 data=$2 http tftp api
    http=$(free_port tcp); tftp=$(free_port udp); api=$(free_port tcp)
    spawn "$name" "$data/../provd-$name.log" "$BIN/provd-server" --data "$data" \
        --http "127.0.0.1:$http" --tftp "127.0.0.1:$tftp" --api "127.0.0.1:$api"
    local pid=$!
    wait_port tcp "$http"; wait_port udp "$tftp"
    eval "HTTP_$name=127.0.0.1:$http; TFTP_$name=127.0.0.1:$tftp"
    log "provd-server ($name) pid $pid: HTTP 127.0.0.1:$http TFTP 127.0.0.1:$tftp"
}

# start_tftpd NAME ROOT: tftpd-hpa in the foreground, chrooted to ROOT.
start_tftpd() {
    local name=$1 root=$2 port
    port=$(free_port udp)
    spawn "$name" "$root/../tftpd-$name.log" \
        "$TFTPD" --foreground --address "127.0.0.1:$port" --user root --secure "$root"
    local pid=$!
    wait_port udp "$port"
    eval "TFTP_$name=127.0.0.1:$port"
    log "tftpd-hpa ($name) pid $pid: TFTP 127.0.0.1:$port root $root"
}

# start_nginx NAME ROOT: nginx serving ROOT, two workers (one per core, as
# provd), sendfile, open-file cache, no access log, the listen backlog
# provd uses (4096; nginx's default is 511).
start_nginx() {
    local name=$1 root=$2 port dir nofile
    port=$(free_port tcp)
    # A worker cannot go above the hard open-files limit (nginx's own
    # worker_rlimit_nofile fails with EPERM here): cached descriptors and
    # connections share it.
    nofile=$(ulimit -Hn)
    [[ $nofile == unlimited ]] && nofile=65536
    dir=$(dirname "$root")/nginx-$name
    mkdir -p "$dir"
    cat >"$dir/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 2;
worker_rlimit_nofile $nofile;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections $((nofile / 2)); }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    # Cached descriptors count against the limit with the connections: a
    # quarter of it (max=100000 made nginx answer 500, EMFILE, on a
    # 20,000-phone fleet under a 20000 limit).
    open_file_cache max=$((nofile / 4)) inactive=60s;
    keepalive_timeout 75s;
    default_type application/octet-stream;
    client_body_temp_path $dir/tmp;
    server {
        listen 127.0.0.1:$port backlog=4096 reuseport;
        root $root;
    }
}
EOF
    spawn "$name" "$dir/stderr.log" "$NGINX" -c "$dir/nginx.conf" -e "$dir/error.log"
    local pid=$!
    wait_port tcp "$port"
    eval "HTTP_$name=127.0.0.1:$port"
    log "nginx ($name) pid $pid: HTTP 127.0.0.1:$port root $root"
}

# measure NAME TAGS_JSON LOADGEN_ARGS...: one locked run of provd-loadgen
# against server NAME; appends one JSON line (the loadgen's report plus the
# server's CPU time over the run and TAGS) to $RESULTS and echoes a summary.
measure() {
    local name=$1 tags=$2; shift 2
    local out c0 c1
    out=$(mktemp)
    exec 9>"$LOCK"
    flock 9
    c0=$(cpu_us "$name")
    set +e
    "$BIN/provd-loadgen" --seed "$SEED" --json "$@" >"$out" 2>"$out.err"
    local rc=$?
    set -e
    c1=$(cpu_us "$name")
    flock -u 9
    exec 9>&-
    if ! jq -e . "$out" >/dev/null 2>&1; then
        echo "provd-loadgen failed (exit $rc) against $name:" >&2; cat "$out.err" >&2
        echo '{}' >"$out"
    fi
    jq -c --argjson tags "$tags" --arg server "$name" --argjson cpu_us "$((c1 - c0))" --argjson rc "$rc" \
        '. + $tags + {server: $server, server_cpu_s: ($cpu_us / 1e6), exit: $rc}' "$out" | tee -a "$RESULTS" |
        jq -r '"   \(.server): \(.files // 0) files \(.files_per_s // 0 | floor)/s p50 \(.latency.request.p50_ms // 0) ms p99 \(.latency.request.p99_ms // 0) ms errors \(.errors.total // "?") server CPU \(.server_cpu_s) s"' >&2
    rm -f "$out" "$out.err"
}

# rss NAME: memory of the server process (kB): RssAnon RssFile RssShmem and
# the resident part of its LMDB map (data.mdb), as one JSON object.
rss_json() {
    local pid
    eval "pid=\$PID_$1"
    python3 - "$pid" <<'EOF'
import json, sys
pid = sys.argv[1]
st = {}
for line in open(f"/proc/{pid}/status"):
    k, _, v = line.partition(":")
    if k in ("VmRSS", "RssAnon", "RssFile", "RssShmem", "VmHWM"):
        st[k] = int(v.split()[0])
store_rss = store_size = 0
cur = None
for line in open(f"/proc/{pid}/smaps"):
    parts = line.split()
    if parts and "-" in parts[0] and len(parts) >= 5 and not parts[0].endswith(":"):
        cur = parts[5] if len(parts) > 5 else ""
    elif cur and cur.endswith("data.mdb"):
        if parts[0] == "Rss:":
            store_rss += int(parts[1])
        elif parts[0] == "Size:":
            store_size += int(parts[1])
st["store_map_rss"] = store_rss
st["store_map_size"] = store_size
print(json.dumps(st))
EOF
}
