#!/usr/bin/env bash
# HTTPS device files, side by side in one run (docs/BENCHMARKS.md; issue 16,
# item 6): provd-server (`--https`, rustls) against nginx serving the same
# rendered files (`provd-compile --export`) with the same certificate.
#
# * One self-signed test certificate made here with openssl, used by both
#   servers: ECDSA P-256 by default (KEY=ec, what a deployment would pick
#   today: its handshake signs faster than RSA's), RSA-2048 with KEY=rsa.
# * nginx: `ssl_protocols TLSv1.2 TLSv1.3`, as many workers as provd has
#   threads, sendfile on (nginx cannot sendfile into TLS without kernel TLS:
#   it reads the file), access_log off, keep-alive as provd's (75 s idle,
#   1000 requests a connection). `ssl_session_cache off` (SESSION_CACHE):
#   the phones of a mass boot do not resume sessions; nginx's session
#   tickets stay on (its default), and provd's rustls keeps its default (an
#   in-memory cache of 256 sessions): both resume a session offered. Whether
#   one is offered is the client's choice (the full and res loads below).
# * The TLS version is chosen by the client, the same way for both servers:
#   wrk cannot choose one, but it reads OpenSSL's configuration, and with
#   OPENSSL_CONF pointing at a file whose system_default says
#   `MaxProtocol = TLSv1.2` it offers TLS 1.2 only. provd has no version
#   flag, nginx keeps both versions on; a probe nginx server logging
#   $ssl_protocol and $ssl_session_reused shows what each client setting got.
#
# Loads (wrk -t$WRK_THREADS -c$CONNS -d${DURATION}s, devices.lua: each request
# a real phone's User-Agent asking its own file, rotating over a fleet of
# DEVICES made by provd-bench; NAT on, as in http.sh), for TLS 1.3 and 1.2:
#   ka    keep-alive: requests/s;
#   full  `Connection: close`: one TCP connection and one full TLS handshake
#         per request (per phone): handshakes/s. wrk keeps each connection's
#         SSL object across reconnects (SSL_clear keeps the session), so it
#         offers the previous session every time; a small LD_PRELOAD shim
#         (no-resume.so, built here with cc) drops it before each handshake;
#   res   the same without the shim: resumed handshakes (the server's
#         session cache or tickets), for comparison;
# and plain HTTP keep-alive on the same two processes (the "unchanged" check).
# For every run the server's CPU (utime and stime apart, all threads; nginx:
# master and workers) is read from /proc/<pid>/stat before and after: CPU
# seconds per 100k requests; from /proc/<pid>/task/*/schedstat, the time its
# threads were runnable but waited for a CPU. The load average (/proc/loadavg)
# is recorded before and after every run, and the CPU time of everything
# else. Rounds are interleaved, server order and load order rotated each
# round; each measured run (and each check that loads the machine) holds
# LOCK (flock).
#
# Before measuring, every device's body is fetched once from each server
# over HTTPS (curl --cacert, TLS 1.3) and over plain HTTP and compared with
# its exported file; a sample of 100 over TLS 1.2 too.
#
#   benches/compare/https.sh > table.md
#
# Environment (defaults): DEVICES=10000 ROUNDS=3 DURATION=10 CONNS=64
# WRK_THREADS=2 THREADS=2 (provd threads / nginx workers) DRIVER=auto KEY=ec
# SESSION_CACHE=off (nginx's ssl_session_cache) WORK=/tmp/provd-https-bench
# PORT=18700 (five consecutive ports) BIN=${CARGO_TARGET_DIR:-<repo>/target}/release
# PROVD_SERVER=$BIN/provd-server NGINX=/usr/sbin/nginx WRK=/usr/bin/wrk
# LOCK=/tmp/provd-bench.lock ("": none)
#
# Output: the tables (markdown) on stdout, progress on stderr, every run's raw
# numbers in $WORK/runs.tsv. Exit status 0 when every body checked was right
# and every wrk request got a 2xx with no socket error; 1 otherwise.

set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${BIN:-${CARGO_TARGET_DIR:-$REPO/target}/release}
PROVD_SERVER=${PROVD_SERVER:-$BIN/provd-server}
NGINX=${NGINX:-/usr/sbin/nginx}
WRK=${WRK:-/usr/bin/wrk}
DEVICES=${DEVICES:-10000}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
CONNS=${CONNS:-64}
WRK_THREADS=${WRK_THREADS:-2}
THREADS=${THREADS:-2}
DRIVER=${DRIVER:-auto}
KEY=${KEY:-ec}
SESSION_CACHE=${SESSION_CACHE:-off}
WORK=${WORK:-/tmp/provd-https-bench}
PORT=${PORT:-18700}
LOCK=${LOCK-/tmp/provd-bench.lock}
CLK_TCK=$(getconf CLK_TCK)

for b in provd-bench provd-compile; do
    [[ -x $BIN/$b ]] || { echo "https.sh: missing $BIN/$b (cargo build --release --workspace --bins)" >&2; exit 2; }
done
for b in "$PROVD_SERVER" "$NGINX" "$WRK"; do
    [[ -x $b ]] || { echo "https.sh: missing $b" >&2; exit 2; }
done
for c in curl openssl python3 awk cc; do
    command -v "$c" >/dev/null || { echo "https.sh: $c is needed" >&2; exit 2; }
done

# Ports: provd HTTP and HTTPS, nginx HTTP and HTTPS, the version probe.
declare -A HTTP_PORT=([provd]=$PORT [nginx]=$((PORT + 2)))
declare -A HTTPS_PORT=([provd]=$((PORT + 1)) [nginx]=$((PORT + 3)))
PROBE_PORT=$((PORT + 4))
SERVERS=(provd nginx)
declare -A PID=()
FAILURES=()
fail() {
    FAILURES+=("$*")
    echo "FAIL: $*" >&2
}
cleanup() {
    local s
    for s in "${!PID[@]}"; do kill "${PID[$s]}" 2>/dev/null || true; done
    for s in "${!PID[@]}"; do
        for _ in $(seq 50); do kill -0 "${PID[$s]}" 2>/dev/null || break; sleep 0.1; done
        kill -9 "${PID[$s]}" 2>/dev/null || true
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The machine-wide benchmark lock, as in http.sh.
lock() { [[ -z $LOCK ]] || { exec 9>>"$LOCK"; flock 9; }; }
unlock() { [[ -z $LOCK ]] || exec 9>&-; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

for p in $(seq "$PORT" $((PORT + 4))); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
        echo "https.sh: 127.0.0.1:$p is in use; set PORT" >&2
        exit 2
    fi
done

rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK"
echo "== start $(date -u +%H:%M:%S) UTC, load average $(loadavg)" >&2

# ---- fleet, store, exported tree (as http.sh's wrk fleet) --------------------
echo "== $DEVICES devices (Yealink, Aastra): imported, compiled, exported" >&2
mkdir -p plugins
ln -s "$REPO"/plugins/wazo-yealink-* "$REPO"/plugins/wazo-aastra-* plugins/
"$BIN/provd-bench" fleet --devices "$DEVICES" --plugins plugins --out jsondb >&2
"$BIN/provd-compile" --data data --import-wazo-jsondb jsondb >&2
"$BIN/provd-compile" --data data --export export >&2
"$BIN/provd-bench" set-param --data data NAT 1 >&2
"$BIN/provd-bench" http-targets --jsondb jsondb --out targets.tsv >&2
# nginx's tree: hard links to the exported files, URL path = file path.
chmod -R a+rX export
mkdir -p root
for p in export/*/; do cp -al -n "$p." root/; done
export PROVD_WRK_TARGETS="$WORK/targets.tsv" PROVD_WRK_THREADS="$WRK_THREADS"
cp "$REPO/benches/compare/devices.lua" devices.lua

# ---- certificate, client TLS settings ---------------------------------------
case $KEY in
ec) KEYGEN=(-newkey ec -pkeyopt ec_paramgen_curve:P-256) KEY_LABEL="ECDSA P-256" ;;
rsa) KEYGEN=(-newkey rsa:2048) KEY_LABEL="RSA 2048" ;;
*) echo "https.sh: KEY is ec or rsa" >&2; exit 2 ;;
esac
openssl req -x509 "${KEYGEN[@]}" -nodes -days 2 -subj "/CN=provd-bench" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -keyout key.pem -out cert.pem 2>/dev/null
chmod a+r key.pem
# What wrk and curl offer: TLS 1.3 (and 1.2) by default, TLS 1.2 only with this.
cat >tls12.cnf <<'EOF'
openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = tls12
[tls12]
MaxProtocol = TLSv1.2
EOF

# wrk never drops a connection's TLS session: every reconnect offers it and
# the server resumes it. Phones of a mass boot have none: with this preloaded,
# each handshake starts without one (a full handshake).
cat >no-resume.c <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <openssl/ssl.h>
int SSL_connect(SSL *s) {
    static int (*real)(SSL *);
    if (!real) real = (int (*)(SSL *))dlsym(RTLD_NEXT, "SSL_connect");
    if (SSL_in_before(s)) SSL_set_session(s, NULL); /* not mid-handshake */
    return real(s);
}
C
cc -O2 -shared -fPIC -o no-resume.so no-resume.c -ldl
NO_RESUME=$WORK/no-resume.so

# ---- servers ------------------------------------------------------------------
mkdir -p nginx/tmp
cat >nginx/nginx.conf <<EOF
daemon off;
master_process on;
worker_processes $THREADS;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 75s;
  keepalive_requests 1000;
  default_type text/plain;
  client_body_temp_path $WORK/nginx/tmp;
  proxy_temp_path $WORK/nginx/tmp;
  fastcgi_temp_path $WORK/nginx/tmp;
  uwsgi_temp_path $WORK/nginx/tmp;
  scgi_temp_path $WORK/nginx/tmp;
  ssl_certificate $WORK/cert.pem;
  ssl_certificate_key $WORK/key.pem;
  ssl_protocols TLSv1.2 TLSv1.3;
  ssl_session_cache $SESSION_CACHE;
  log_format tls '\$ssl_protocol \$ssl_cipher reused=\$ssl_session_reused';
  server { listen 127.0.0.1:${HTTP_PORT[nginx]}; root $WORK/root; }
  server { listen 127.0.0.1:${HTTPS_PORT[nginx]} ssl; root $WORK/root; }
  server { listen 127.0.0.1:$PROBE_PORT ssl; root $WORK/root; access_log $WORK/probe.log tls; }
}
EOF
"$PROVD_SERVER" --data data --http "127.0.0.1:${HTTP_PORT[provd]}" --https "127.0.0.1:${HTTPS_PORT[provd]}" \
    --tls-cert cert.pem --tls-key key.pem --tftp off --api off --threads "$THREADS" --driver "$DRIVER" \
    --security-log "$WORK/provd-fail2ban.log" >provd.log 2>&1 &
PID[provd]=$!
"$NGINX" -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" >nginx.log 2>&1 &
PID[nginx]=$!
wait_port() { # process port
    for _ in $(seq 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null; then return 0; fi
        kill -0 "${PID[$1]}" 2>/dev/null || { echo "https.sh: $1 exited:" >&2; cat "$WORK/$1.log" >&2; exit 1; }
        sleep 0.1
    done
    echo "https.sh: $1 not listening on $2" >&2
    exit 1
}
for s in "${SERVERS[@]}"; do
    wait_port "$s" "${HTTP_PORT[$s]}"
    wait_port "$s" "${HTTPS_PORT[$s]}"
done
grep -hi 'driver\|kernel tls' provd.log >&2 || true

# ---- what each handshake is ---------------------------------------------------
# openssl s_client with the same client settings as wrk's: version, cipher,
# key exchange, and the session tickets the server sends (none is used).
declare -A HS_FACTS
for v in 13 12; do
    conf=/dev/null
    [[ $v == 12 ]] && conf=$WORK/tls12.cnf
    for s in "${SERVERS[@]}"; do
        out=$( (sleep 0.5) | OPENSSL_CONF=$conf openssl s_client -connect "127.0.0.1:${HTTPS_PORT[$s]}" \
            -CAfile cert.pem 2>&1 || true)
        HS_FACTS[$v/$s]=$(awk '
            /^New, / { split($0, a, "Cipher is "); c = a[2] }
            /Protocol *:/ { p = $NF }
            /Server Temp Key:/ { sub(/.*Server Temp Key: /, ""); k = $0 }
            /Verify return code:/ { sub(/.*Verify return code: /, ""); vr = $0 }
            /Post-Handshake New Session Ticket/ { t13++ }
            /TLS session ticket:/ { t12++ }
            END { printf "%s, %s, key exchange %s, %d session tickets sent, verify: %s", p, c, k, t13 ? t13 : t12, vr }' <<<"$out")
        echo "== handshake $s, client TLS 1.${v#1}: ${HS_FACTS[$v/$s]}" >&2
    done
done
# What wrk negotiates under each setting, read from the probe server's log:
# version, cipher, and whether the session was resumed ("r") or not (".").
declare -A WRK_SEEN
for v in 13 12; do
    conf=/dev/null
    [[ $v == 12 ]] && conf=$WORK/tls12.cnf
    for mode in ka full res; do
        : >probe.log
        args=() pre=
        [[ $mode == ka ]] || args=(-H "Connection: close")
        [[ $mode == full ]] && pre=$NO_RESUME
        LD_PRELOAD=$pre OPENSSL_CONF=$conf "$WRK" -t1 -c2 -d1s -s devices.lua "${args[@]}" \
            "https://127.0.0.1:$PROBE_PORT/" >/dev/null 2>&1 || true
        sleep 0.2
        WRK_SEEN[$mode$v]=$(sort probe.log | uniq -c | sort -rn |
            awk '{ printf "%s%s %s %s (%d requests)", (NR > 1 ? "; " : ""), $2, $3, $4, $1 }')
        echo "== wrk $mode, TLS 1.${v#1} setting, at the probe: ${WRK_SEEN[$mode$v]}" >&2
        want=TLSv1.3
        [[ $v == 12 ]] && want=TLSv1.2
        [[ $(awk '{ print $1 }' probe.log | sort -u) == "$want" ]] || fail "wrk $mode, TLS 1.${v#1} setting, got: ${WRK_SEEN[$mode$v]}"
        if [[ $mode == full ]] && grep -q 'reused=r' probe.log; then fail "wrk full: a session was resumed"; fi
    done
done
# Whether each server resumes a session offered (s_client -sess_out / -sess_in).
declare -A RESUMES
for v in 13 12; do
    conf=/dev/null
    [[ $v == 12 ]] && conf=$WORK/tls12.cnf
    for s in "${SERVERS[@]}"; do
        rm -f sess.pem
        (sleep 0.3) | OPENSSL_CONF=$conf openssl s_client -connect "127.0.0.1:${HTTPS_PORT[$s]}" -sess_out sess.pem >/dev/null 2>&1 || true
        RESUMES[$v/$s]=$( (sleep 0.3) | OPENSSL_CONF=$conf openssl s_client -connect "127.0.0.1:${HTTPS_PORT[$s]}" \
            -sess_in sess.pem 2>&1 | grep -m1 -o '^\(New\|Reused\), [^,]*' || echo "?")
        echo "== $s, TLS 1.${v#1}, a session offered: ${RESUMES[$v/$s]}" >&2
    done
done

# ---- every body, once per server and protocol ---------------------------------
# curl fetches every device's file (one process, keep-alive); each body is
# then compared with the exported file.
cat >compare.py <<'EOF'
import sys
targets, export, outdir, codes = sys.argv[1:5]
codes = open(codes).read().split()
n = right = 0
for i, line in enumerate(open(targets)):
    ua, path, plugin = line.rstrip('\n').split('\t')[:3]
    n += 1
    try:
        ok = codes[i] == '200' and open(f'{outdir}/{i}', 'rb').read() == open(f'{export}/{plugin}{path}', 'rb').read()
    except (FileNotFoundError, IndexError):
        ok = False
    right += ok
print(right, n)
EOF
check_bodies() { # server scheme every(N: every Nth device) [curl config line]
    local s=$1 scheme=$2 every=$3 opt=${4:-} port dir right n
    port=${HTTP_PORT[$s]}
    [[ $scheme == https ]] && port=${HTTPS_PORT[$s]}
    dir=check-$s-$scheme-$every
    rm -rf "$dir" && mkdir "$dir"
    awk -v every="$every" '(NR - 1) % every == 0' targets.tsv >"$dir.targets"
    awk -F'\t' -v url="$scheme://127.0.0.1:$port" -v dir="$dir" -v ca="$WORK/cert.pem" -v opt="$opt" '
        NR > 1 { print "next" }
        { printf "url = \"%s%s\"\nuser-agent = \"%s\"\noutput = \"%s/%d\"\ncacert = \"%s\"\nwrite-out = \"%%{http_code}\\n\"\n%s\n",
              url, $2, $1, dir, NR - 1, ca, opt }' "$dir.targets" >"$dir.curl"
    curl -s -K "$dir.curl" >"$dir.codes" || true
    read -r right n < <(python3 compare.py "$dir.targets" export "$dir" "$dir.codes")
    echo "== bodies $s $scheme${opt:+ $opt}: $right/$n right (200 and the exported bytes)" >&2
    CHECKED+=("$s $scheme${opt:+ ($opt)}: $right/$n")
    ((right == n)) || fail "$s $scheme $opt: $((n - right)) of $n bodies not 200 with the exported bytes"
    rm -rf "$dir"
}
CHECKED=()
lock
for s in "${SERVERS[@]}"; do
    check_bodies "$s" https 1 "tlsv1.3"
    check_bodies "$s" http 1
    check_bodies "$s" https 100 "tls-max = 1.2"
done
unlock
# provd records each device's first request (address, trigger state) in the
# background: wait until its writer thread has been idle for a second.
thread_ticks() { # comm
    local t total=0
    for t in /proc/"${PID[provd]}"/task/*; do
        [[ $(cat "$t/comm" 2>/dev/null) == "$1" ]] || continue
        total=$((total + $(sed 's/^.*) //' "$t/stat" | awk '{ print $12 + $13 }')))
    done
    echo "$total"
}
prev=-1
for _ in $(seq 60); do
    cur=$(thread_ticks provd-writer)
    [[ $cur == "$prev" ]] && break
    prev=$cur
    sleep 1
done

# ---- measured rounds ------------------------------------------------------------
# CPU ticks of a server (all threads; nginx: master and workers): "user sys".
ticks() { # server
    local p pids=("${PID[$1]}") u=0 k=0 fields
    [[ $1 == nginx ]] && pids+=($(pgrep -P "${PID[$1]}" || true))
    for p in "${pids[@]}"; do
        [[ -r /proc/$p/stat ]] || continue
        read -r -a fields < <(sed 's/^.*) //' "/proc/$p/stat")
        u=$((u + fields[11]))
        k=$((k + fields[12]))
    done
    echo "$u $k"
}
# Scheduler time of a server's threads (/proc/<pid>/task/*/schedstat), in ns:
# "on a CPU" and "runnable, waiting for a CPU" (the other jobs on the machine).
sched() { # server
    local p pids=("${PID[$1]}")
    [[ $1 == nginx ]] && pids+=($(pgrep -P "${PID[$1]}" || true))
    for p in "${pids[@]}"; do cat /proc/"$p"/task/*/schedstat 2>/dev/null || true; done |
        awk '{ run += $1; wait += $2 } END { printf "%.0f %.0f\n", run, wait }'
}
machine_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
to_ms() { # 1.23ms | 456.00us | 1.02s
    awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}

LOADS=(ka13 ka12 full13 full12 res13 res12 http)
declare -A LOAD_LABEL=(
    [ka13]="TLS 1.3, keep-alive" [ka12]="TLS 1.2, keep-alive"
    [full13]="TLS 1.3, connection per request, full handshake" [full12]="TLS 1.2, connection per request, full handshake"
    [res13]="TLS 1.3, connection per request, resumed" [res12]="TLS 1.2, connection per request, resumed"
    [http]="plain HTTP, keep-alive"
)
# One measured run; sets RUN_RPS RUN_USER RUN_SYS (server CPU s) RUN_CPU (s per 100k)
# RUN_P50 RUN_P99 (ms) RUN_GEN (wrk CPU s) RUN_OTHER (CPU s of everything else) RUN_LOAD
# RUN_WAIT (s the server's threads were runnable but waited for a CPU, summed).
measure() { # load server output
    local load=$1 s=$2 out=$3 url conf=/dev/null pre= args=() before after sched_before sched_after mb machine requests errors non2xx la
    url="https://127.0.0.1:${HTTPS_PORT[$s]}/"
    [[ $load == http ]] && url="http://127.0.0.1:${HTTP_PORT[$s]}/"
    [[ $load == *12 ]] && conf=$WORK/tls12.cnf
    [[ $load == full* || $load == res* ]] && args=(-H "Connection: close")
    [[ $load == full* ]] && pre=$NO_RESUME
    lock
    la=$(loadavg)
    read -r -a before < <(ticks "$s")
    read -r -a sched_before < <(sched "$s")
    mb=$(machine_ticks)
    TIMEFORMAT='%3U %3S'
    { time LD_PRELOAD=$pre OPENSSL_CONF=$conf "$WRK" -t"$WRK_THREADS" -c"$CONNS" -d"${DURATION}s" --latency -s devices.lua \
        "${args[@]}" "$url" >"$out" 2>&1; } 2>"$out.time"
    read -r -a after < <(ticks "$s")
    read -r -a sched_after < <(sched "$s")
    machine=$(($(machine_ticks) - mb))
    RUN_LOAD="${la%% *} -> $(loadavg | cut -d' ' -f1)"
    unlock
    requests=$(awk '/requests in/ { print $1 }' "$out")
    RUN_RPS=$(awk '/^Requests\/sec/ { print $2 }' "$out")
    RUN_P50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")
    RUN_P99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")
    errors=$(awk '/Socket errors/ { gsub(",", ""); print $4 + $6 + $8 + $10 }' "$out")
    non2xx=$(awk '/Non-2xx or 3xx responses/ { print $NF }' "$out")
    [[ -z $errors || $errors == 0 ]] || fail "wrk $load $s: $out: $(grep 'Socket errors' "$out")"
    [[ -z $non2xx ]] || fail "wrk $load $s: $out: $non2xx non-2xx/3xx responses"
    [[ -n $requests && $requests -gt 0 ]] || { fail "wrk $load $s: $out: no request"; requests=1; }
    local du=$((after[0] - before[0])) ds=$((after[1] - before[1]))
    RUN_USER=$(awk -v t=$du -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz }')
    RUN_SYS=$(awk -v t=$ds -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz }')
    RUN_CPU=$(awk -v t=$((du + ds)) -v hz="$CLK_TCK" -v n="$requests" 'BEGIN { printf "%.3f", t / hz / n * 100000 }')
    RUN_GEN=$(awk '{ printf "%.2f", $1 + $2 }' "$out.time")
    RUN_WAIT=$(awk -v a="${sched_after[1]}" -v b="${sched_before[1]}" 'BEGIN { printf "%.2f", (a - b) / 1e9 }')
    RUN_OTHER=$(awk -v m="$machine" -v srv=$((du + ds)) -v g="$RUN_GEN" -v hz="$CLK_TCK" \
        'BEGIN { o = (m - srv) / hz - g; printf "%.2f", o < 0 ? 0 : o }')
}

declare -A RPS CPU USR SYS P50 P99 GEN OTHER LOADS_SEEN RATIO WAIT
printf 'round\tload\tserver\treq_per_s\tuser_s\tsys_s\tcpu_s_per_100k\tp50_ms\tp99_ms\twrk_cpu_s\tother_cpu_s\tloadavg\tserver_runqueue_wait_s\n' >runs.tsv
echo "== rounds from $(date -u +%H:%M:%S) UTC, load average $(loadavg)" >&2
LOAD_START="$(date -u +%H:%M) UTC, load average $(loadavg)"
for ((round = 1; round <= ROUNDS; round++)); do
    for i in "${!LOADS[@]}"; do
        load=${LOADS[$(((i + round - 1) % ${#LOADS[@]}))]}
        order=("${SERVERS[@]}")
        ((round % 2)) || order=(nginx provd)
        for s in "${order[@]}"; do
            measure "$load" "$s" "run-$round-$load-$s.out"
            k=$load/$s
            RPS[$k]+="$RUN_RPS " CPU[$k]+="$RUN_CPU " USR[$k]+="$RUN_USER " SYS[$k]+="$RUN_SYS "
            P50[$k]+="$RUN_P50 " P99[$k]+="$RUN_P99 " GEN[$k]+="$RUN_GEN " OTHER[$k]+="$RUN_OTHER " WAIT[$k]+="$RUN_WAIT "
            LOADS_SEEN[$k]+="$RUN_LOAD; "
            printf '%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$load" "$s" "$RUN_RPS" "$RUN_USER" \
                "$RUN_SYS" "$RUN_CPU" "$RUN_P50" "$RUN_P99" "$RUN_GEN" "$RUN_OTHER" "$RUN_LOAD" "$RUN_WAIT" >>runs.tsv
            printf 'round %d %-5s %-5s %9.0f req/s  CPU user %5.2f s sys %5.2f s (%s s/100k)  p50 %s ms p99 %s ms  wrk CPU %s s  other %s s  server waited for a CPU %s s  load %s\n' \
                "$round" "$load" "$s" "$RUN_RPS" "$RUN_USER" "$RUN_SYS" "$RUN_CPU" "$RUN_P50" "$RUN_P99" \
                "$RUN_GEN" "$RUN_OTHER" "$RUN_WAIT" "$RUN_LOAD" >&2
        done
        # This round's provd/nginx ratio, the two runs back to back.
        RATIO[$load]+="$(awk -v a="$(echo "${RPS[$load/provd]}" | awk '{ print $NF }')" \
            -v b="$(echo "${RPS[$load/nginx]}" | awk '{ print $NF }')" 'BEGIN { printf "%.2f", a / b }') "
    done
done
LOAD_END="$(date -u +%H:%M) UTC, load average $(loadavg)"
echo "== rounds done $(date -u +%H:%M:%S) UTC, load average $(loadavg)" >&2

# ---- tables ---------------------------------------------------------------------
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
med() { median <<<"$1"; }
split() { # load server: user and sys shares of its CPU (medians)
    local u s
    u=$(med "${USR[$1/$2]}") s=$(med "${SYS[$1/$2]}")
    awk -v u="$u" -v s="$s" 'BEGIN { if (u + s > 0) printf "%.0f%% + %.0f%%", 100 * u / (u + s), 100 * s / (u + s) }'
}

echo "## HTTPS: $DEVICES devices, wrk -t$WRK_THREADS -c$CONNS -d${DURATION}s, $KEY_LABEL certificate, medians of $ROUNDS interleaved rounds"
echo
echo "Machine: $(nproc) cores; load average at the start $LOAD_START, at the end $LOAD_END."
echo
echo "| load | provd req/s | nginx req/s | provd / nginx | per round | provd p50 / p99 ms | nginx p50 / p99 ms |"
echo "|---|---|---|---|---|---|---|"
for load in "${LOADS[@]}"; do
    p=$(med "${RPS[$load/provd]}") n=$(med "${RPS[$load/nginx]}")
    printf '| %s | %.0f | %.0f | **%s** | %s | %.2f / %.2f | %.2f / %.2f |\n' "${LOAD_LABEL[$load]}" "$p" "$n" \
        "$(ratio "$p" "$n")" "${RATIO[$load]% }" "$(med "${P50[$load/provd]}")" "$(med "${P99[$load/provd]}")" \
        "$(med "${P50[$load/nginx]}")" "$(med "${P99[$load/nginx]}")"
done
echo
echo "With a connection per request, requests/s = TLS handshakes/s. wrk's latency starts when the request is written (after the handshake)."
echo
echo "| load | provd CPU s / 100k req (user + sys) | nginx CPU s / 100k req (user + sys) | provd / nginx |"
echo "|---|---|---|---|"
for load in "${LOADS[@]}"; do
    p=$(med "${CPU[$load/provd]}") n=$(med "${CPU[$load/nginx]}")
    printf '| %s | %.3f (%s) | %.3f (%s) | **%s** |\n' "${LOAD_LABEL[$load]}" "$p" "$(split "$load" provd)" "$n" "$(split "$load" nginx)" "$(ratio "$p" "$n")"
done
echo
echo "| load | provd CPU s in the run | its threads waiting for a CPU, s | nginx CPU s in the run | its workers waiting for a CPU, s | wrk CPU s (provd / nginx) | other CPU s (provd / nginx) |"
echo "|---|---|---|---|---|---|---|"
for load in "${LOADS[@]}"; do
    printf '| %s | %.2f | %.2f | %.2f | %.2f | %.2f / %.2f | %.2f / %.2f |\n' "${LOAD_LABEL[$load]}" \
        "$(awk -v u="$(med "${USR[$load/provd]}")" -v s="$(med "${SYS[$load/provd]}")" 'BEGIN { print u + s }')" \
        "$(med "${WAIT[$load/provd]}")" \
        "$(awk -v u="$(med "${USR[$load/nginx]}")" -v s="$(med "${SYS[$load/nginx]}")" 'BEGIN { print u + s }')" \
        "$(med "${WAIT[$load/nginx]}")" "$(med "${GEN[$load/provd]}")" "$(med "${GEN[$load/nginx]}")" \
        "$(med "${OTHER[$load/provd]}")" "$(med "${OTHER[$load/nginx]}")"
done
echo
echo "(medians; a ${DURATION} s run on $(nproc) cores has $((DURATION * $(nproc))) CPU seconds in all)"
echo
echo "Every run, in round order: req/s; server CPU s / 100k; user s; sys s; server waiting for a CPU s; wrk CPU s; other CPU s; load average before -> after"
echo
for load in "${LOADS[@]}"; do
    for s in "${SERVERS[@]}"; do
        k=$load/$s
        echo "* $load $s: [${RPS[$k]% }]; [${CPU[$k]% }]; user [${USR[$k]% }]; sys [${SYS[$k]% }]; waiting [${WAIT[$k]% }]; wrk [${GEN[$k]% }]; other [${OTHER[$k]% }]; load [${LOADS_SEEN[$k]%; }]"
    done
done
echo
echo "Handshakes (openssl s_client, the same client settings as wrk's):"
echo
for v in 13 12; do
    for s in "${SERVERS[@]}"; do echo "* $s, client offering TLS 1.${v#1}$([[ $v == 13 ]] && echo " and 1.2" || echo " only"): ${HS_FACTS[$v/$s]}"; done
done
for v in 13 12; do
    for s in "${SERVERS[@]}"; do echo "* $s, TLS 1.${v#1}, a session offered again (s_client -sess_in): ${RESUMES[$v/$s]}"; done
done
for v in 13 12; do
    for mode in ka full res; do echo "* wrk $mode, TLS 1.${v#1} setting, at nginx's probe server: ${WRK_SEEN[$mode$v]}"; done
done
echo
echo "Bodies checked before measuring: $(IFS=';'; echo "${CHECKED[*]}" | sed 's/;/; /g')"
echo
echo "* provd: $(grep -hi 'kernel tls' provd.log | head -1 | sed 's/^.*\(kernel TLS\)/\1/' || true)"
echo "* provd fail2ban log: $(wc -l <provd-fail2ban.log 2>/dev/null || echo 0) lines; nginx error log: $(wc -l <nginx/error.log) lines"
if ((${#FAILURES[@]})); then
    echo
    echo "FAILED:"
    printf '  %s\n' "${FAILURES[@]}"
    exit 1
fi
