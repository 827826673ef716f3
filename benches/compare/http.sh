#!/usr/bin/env bash
# HTTP device files, side by side in one run (docs/BENCHMARKS.md; issues 3
# and 6): provd-server (identification included) against nginx serving the
# same rendered files from disk (`provd-compile --export`; sendfile on,
# access_log off), the same nginx with open_file_cache, and a constant-body
# monoio responder (http-ceiling: the ceiling on this hardware).
#
# Two loads, each measured in interleaved rounds:
#
# * wrk, keep-alive: a fleet of DEVICES devices (provd-bench fleet: Yealink
#   and Aastra models, as wazo-confd configures them) imported into provd; every
#   request is a real phone's, its User-Agent asking its own file, rotating
#   over the whole fleet (devices.lua). NAT is on: every wrk request comes
#   from 127.0.0.1, and with NAT off each device seen there would take the
#   address from the previous one (a store write per request).
# * provd-loadgen, a mass boot: DEVICES phones of the seven families
#   (written by `provd-loadgen --write-jsondb`, imported into a second data
#   directory), each from its own 127.x.y.z address (NAT off, the default),
#   one connection per boot asking the phone's own file (`--files device`:
#   the shared boot files differ between plugin versions, which nginx could
#   not tell apart), REPEAT boots each, every body checked with --expect.
#
# nginx serves one flat tree per fleet, hard links to the exported files
# (URL path = file path): the cheapest configuration nginx has.
#
# For every run the server's CPU time (utime+stime of all its threads;
# nginx: master and workers) is read from /proc/<pid>/stat before and after:
# CPU seconds per 100k requests. Each measured run (and each warm-up or
# check that loads the machine) holds LOCK (flock), so that helpers
# benchmarking on the same machine never overlap.
#
#   cargo build --release --workspace --bins
#   benches/compare/http.sh > table.md
#
# Environment (defaults): DEVICES=10000 ROUNDS=3 DURATION=10 CONNS=64
# WRK_THREADS=2 THREADS=2 (server threads / nginx workers) DRIVER=auto
# LG_REPEAT=3 LG_CONC=64 (phones in flight) LG_THREADS=2 LG=1 (0: no loadgen)
# WORK=/tmp/provd-http-bench PORT=18600 (seven consecutive ports)
# BIN=${CARGO_TARGET_DIR:-<repo>/target}/release PROVD_SERVER=$BIN/provd-server
# NGINX=/usr/sbin/nginx WRK=/usr/bin/wrk LOCK=/tmp/provd-bench.lock ("": none)
# BODY_SIZE=<mean size of the fleet's device files> (the ceiling's body)
# CHECK_SECS=4 (per server: Python client checking every body under wrk; 0: off)
# MAX_OTHER=1.0 REDO=0: a round in which anything but the server and the
# load generator took more than MAX_OTHER CPU seconds during one run is
# redone, at most REDO times in all (the discarded rounds are listed).
# Off by default: on a shared machine every round has other work (the
# "other" numbers show how much).
#
# Output: the tables (markdown) on stdout, progress on stderr, every run's
# raw numbers in $WORK/runs.tsv. Exit status 0 when every server answered
# every request 200 with the right bytes; 1 otherwise (tables printed anyway).

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
LG=${LG:-1}
LG_REPEAT=${LG_REPEAT:-3}
LG_CONC=${LG_CONC:-64}
LG_THREADS=${LG_THREADS:-2}
LG_SEED=7
WORK=${WORK:-/tmp/provd-http-bench}
PORT=${PORT:-18600}
LOCK=${LOCK-/tmp/provd-bench.lock}
CHECK_SECS=${CHECK_SECS:-4}
MAX_OTHER=${MAX_OTHER:-1.0}
REDO=${REDO:-0}
CLK_TCK=$(getconf CLK_TCK)

for b in provd-bench provd-compile provd-loadgen http-ceiling; do
    [[ -x $BIN/$b ]] || { echo "http.sh: missing $BIN/$b (cargo build --release --workspace --bins)" >&2; exit 2; }
done
for b in "$PROVD_SERVER" "$NGINX" "$WRK"; do
    [[ -x $b ]] || { echo "http.sh: missing $b" >&2; exit 2; }
done
for c in curl jq awk; do
    command -v "$c" >/dev/null || { echo "http.sh: $c is needed" >&2; exit 2; }
done
if [[ $CHECK_SECS != 0 ]] && ! command -v python3 >/dev/null; then
    echo "http.sh: no python3: the check under load is skipped" >&2
    CHECK_SECS=0
fi

# Load targets by name, and the process (in PID) that serves each.
WRK_TARGETS=(provd nginx nginx-cache ceiling)
LG_TARGETS=(provd nginx nginx-cache)
declare -A WRK_PORT=([provd]=$PORT [nginx]=$((PORT + 1)) [nginx-cache]=$((PORT + 2)) [ceiling]=$((PORT + 3)))
declare -A LG_PORT=([provd]=$((PORT + 4)) [nginx]=$((PORT + 5)) [nginx-cache]=$((PORT + 6)))
declare -A LG_PROC=([provd]=provd-lg [nginx]=nginx-lg [nginx-cache]=nginx-cache-lg)
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

# The machine-wide benchmark lock, held by the script itself around each
# measured run (the same lock as `flock $LOCK <command>`).
lock() { [[ -z $LOCK ]] || { exec 9>>"$LOCK"; flock 9; }; }
unlock() { [[ -z $LOCK ]] || exec 9>&-; }

for p in $(seq "$PORT" $((PORT + 6))); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
        echo "http.sh: 127.0.0.1:$p is in use; set PORT" >&2
        exit 2
    fi
done

rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK"

# ---- fleets, stores, exported trees ---------------------------------------------
# A flat tree of hard links for nginx: URL path = file path. A path that
# several plugins export (shared boot files) keeps the first plugin's file;
# the loads below ask only for device files, which are unique.
flat_root() { # export-dir root-dir
    # --export keeps its files to their owner (they hold SIP passwords);
    # nginx's workers are another user, and these are a bench fleet's.
    chmod -R a+rX "$1"
    mkdir -p "$2"
    local p
    for p in "$1"/*/; do cp -al -n "$p." "$2/"; done
}

echo "== wrk fleet: $DEVICES devices, imported, compiled and exported" >&2
# Yealink and Aastra models only, as in the published runs (http-targets
# takes its User-Agents from the family registry, which knows every vendor
# but Cisco's two families apart; the loadgen fleet below has them all).
mkdir -p wrk-plugins
ln -s "$REPO"/plugins/wazo-yealink-* "$REPO"/plugins/wazo-aastra-* wrk-plugins/
"$BIN/provd-bench" fleet --devices "$DEVICES" --plugins wrk-plugins --out jsondb >&2
"$BIN/provd-compile" --data data --import-wazo-jsondb jsondb >&2
"$BIN/provd-compile" --data data --export export >&2
"$BIN/provd-bench" set-param --data data NAT 1 >&2
"$BIN/provd-bench" http-targets --jsondb jsondb --out targets.tsv >&2
# targets.tsv: User-Agent <TAB> path <TAB> plugin, one line per device.
flat_root export root
if [[ -z ${BODY_SIZE:-} ]]; then
    BODY_SIZE=$(awk -F'\t' '{ print "root" $2 }' targets.tsv | xargs stat -c %s |
        awk '{ s += $1 } END { printf "%d", s / NR }')
fi
echo "== mean device file: $BODY_SIZE B (the ceiling's body)" >&2

if [[ $LG == 1 ]]; then
    echo "== loadgen fleet: $DEVICES phones of the seven families, imported, compiled and exported" >&2
    "$BIN/provd-loadgen" --write-jsondb lg-jsondb --phones "$DEVICES" --seed "$LG_SEED" >&2
    "$BIN/provd-compile" --data data-lg --import-wazo-jsondb lg-jsondb >&2
    "$BIN/provd-compile" --data data-lg --export export-lg >&2
    flat_root export-lg root-lg
fi

# wrk: every request a device's own, in turn (devices.lua).
export PROVD_WRK_TARGETS="$WORK/targets.tsv" PROVD_WRK_THREADS="$WRK_THREADS"
cp "$REPO/benches/compare/devices.lua" devices.lua

# One nginx per fleet and configuration: with open_file_cache each worker
# keeps a descriptor per cached file, and the machine's limit (20000 per
# process) does not hold both fleets.
nginx_conf() { # name port root extra-http-directives
    mkdir -p "$WORK/$1/tmp"
    cat >"$WORK/$1/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes $THREADS;
pid $WORK/$1/nginx.pid;
error_log $WORK/$1/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  default_type text/plain;
  client_body_temp_path $WORK/$1/tmp;
  proxy_temp_path $WORK/$1/tmp;
  fastcgi_temp_path $WORK/$1/tmp;
  uwsgi_temp_path $WORK/$1/tmp;
  scgi_temp_path $WORK/$1/tmp;
  $4
  server { listen 127.0.0.1:$2; root $WORK/$3; }
}
EOF
}
CACHE="open_file_cache max=15000 inactive=120s; open_file_cache_valid 120s; open_file_cache_errors on;"
NGINXES=(nginx nginx-cache)
nginx_conf nginx "${WRK_PORT[nginx]}" root ""
nginx_conf nginx-cache "${WRK_PORT[nginx-cache]}" root "$CACHE"
if [[ $LG == 1 ]]; then
    NGINXES+=(nginx-lg nginx-cache-lg)
    nginx_conf nginx-lg "${LG_PORT[nginx]}" root-lg ""
    nginx_conf nginx-cache-lg "${LG_PORT[nginx-cache]}" root-lg "$CACHE"
fi

# ---- servers ------------------------------------------------------------------
wait_port() { # process port
    for _ in $(seq 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null; then return 0; fi
        kill -0 "${PID[$1]}" 2>/dev/null || { echo "http.sh: $1 exited:" >&2; cat "$WORK/$1.log" >&2; exit 1; }
        sleep 0.1
    done
    echo "http.sh: $1 not listening on $2" >&2
    exit 1
}
start_provd() { # process data-dir port
    "$PROVD_SERVER" --data "$2" --http "127.0.0.1:$3" --tftp off --api off --threads "$THREADS" --driver "$DRIVER" \
        --security-log "$WORK/$1-fail2ban.log" >"$1.log" 2>&1 &
    PID[$1]=$!
}

start_provd provd data "${WRK_PORT[provd]}"
[[ $LG == 0 ]] || start_provd provd-lg data-lg "${LG_PORT[provd]}"
for n in "${NGINXES[@]}"; do
    "$NGINX" -c "$WORK/$n/nginx.conf" -p "$WORK/$n" >"$n.log" 2>&1 &
    PID[$n]=$!
done
"$BIN/http-ceiling" --http "127.0.0.1:${WRK_PORT[ceiling]}" --threads "$THREADS" --driver "$DRIVER" \
    --body-size "$BODY_SIZE" >ceiling.log 2>&1 &
PID[ceiling]=$!
for s in "${WRK_TARGETS[@]}"; do wait_port "$s" "${WRK_PORT[$s]}"; done
if [[ $LG == 1 ]]; then
    for s in "${LG_TARGETS[@]}"; do wait_port "${LG_PROC[$s]}" "${LG_PORT[$s]}"; done
fi
grep -h 'driver' ./*.log >&2 || true

# CPU ticks (utime+stime, all threads) of a server process; nginx: master and workers.
ticks() { # process
    local p pids=("${PID[$1]}") total=0
    if [[ $1 == nginx* ]]; then
        # shellcheck disable=SC2207
        pids+=($(pgrep -P "${PID[$1]}" || true))
    fi
    for p in "${pids[@]}"; do
        [[ -r /proc/$p/stat ]] || continue
        total=$((total + $(sed 's/^.*) //' "/proc/$p/stat" | awk '{ print $12 + $13 }')))
    done
    echo "$total"
}
# Busy CPU ticks of the whole machine (all but idle and iowait).
machine_ticks() {
    awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat
}
# CPU ticks of the threads of a provd process with this name.
thread_ticks() { # process comm
    local t total=0
    for t in /proc/"${PID[$1]}"/task/*; do
        [[ $(cat "$t/comm" 2>/dev/null) == "$2" ]] || continue
        total=$((total + $(sed 's/^.*) //' "$t/stat" | awk '{ print $12 + $13 }')))
    done
    echo "$total"
}
# Until provd's writer has been idle for a second (at most a minute).
writer_settles() { # process
    local prev=-1 cur
    for _ in $(seq 60); do
        cur=$(thread_ticks "$1" provd-writer)
        [[ $cur == "$prev" ]] && return
        prev=$cur
        sleep 1
    done
}

loadgen() { # port phones repeat concurrency [more args]
    local port=$1 phones=$2 repeat=$3 conc=$4
    shift 4
    "$BIN/provd-loadgen" --http "127.0.0.1:$port" --transport http --files device --seed "$LG_SEED" \
        --phones "$phones" --repeat "$repeat" --concurrency "$conc" --threads "$LG_THREADS" --driver "$DRIVER" \
        --expect export-lg --json --max-duration 120 "$@"
}

# ---- warm-up and correctness ------------------------------------------------------
# One pass through every device: for provd the first request of each device
# records its address and trigger state (store writes, not waited for);
# for nginx it fills the page and file caches.
warm() { # target
    awk -F'\t' -v port="${WRK_PORT[$1]}" 'NR > 1 { print "next" }
        { printf "url = \"http://127.0.0.1:%d%s\"\nuser-agent = \"%s\"\noutput = \"/dev/null\"\nwrite-out = \"%%{http_code}\\n\"\n", port, $2, $1 }' \
        targets.tsv >"warm-$1.curl"
    local codes
    codes=$(curl -s -K "warm-$1.curl" | sort | uniq -c | tr -s ' ' | tr '\n' ' ')
    echo "== warm-up $1: $codes" >&2
    [[ $codes == " $DEVICES 200 " ]] || fail "$1: warm-up answered $codes (want $DEVICES x 200)"
}

# A sample of devices, one request each: 200 and the exported bytes.
sample_check() { # target
    local ua path plugin n=0 bad=0
    while IFS=$'\t' read -r ua path plugin; do
        n=$((n + 1))
        if ! curl -sf -A "$ua" -o sample.out "http://127.0.0.1:${WRK_PORT[$1]}$path" ||
            ! cmp -s sample.out "export/$plugin$path"; then
            bad=$((bad + 1))
        fi
    done < <(awk -v step=$(((DEVICES + 99) / 100)) 'NR % step == 1' targets.tsv)
    echo "== sample check $1: $((n - bad))/$n devices got 200 and their exported bytes" >&2
    ((bad == 0)) || fail "$1: $bad of $n sampled devices did not get 200 with their exported file"
}

# Under load (wrk on the side), a client that reads every answer and
# compares it with the device's exported file: wrk counts statuses, not bytes.
cat >check.py <<'EOF'
import asyncio, random, sys, time
port, targets, export, conns, secs = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
T = [l.rstrip('\n').split('\t') for l in open(targets)]
want = {}
st = {'right': 0, 'wrong': 0, 'not_200': 0, 'closed': 0}
async def client(i):
    rng, end, r, w = random.Random(i), time.time() + secs, None, None
    while time.time() < end:
        if w is None:
            r, w = await asyncio.open_connection('127.0.0.1', port)
        ua, path, plugin = T[rng.randrange(len(T))]
        if path not in want:
            want[path] = open(f'{export}/{plugin}{path}', 'rb').read()
        w.write(f'GET {path} HTTP/1.1\r\nHost: provd\r\nUser-Agent: {ua}\r\n\r\n'.encode())
        try:
            head = await r.readuntil(b'\r\n\r\n')
            lines = head.split(b'\r\n')
            cl = [l.split(b':', 1)[1] for l in lines if l.lower().startswith(b'content-length:')]
            if not lines[0].startswith(b'HTTP/1.1 ') or not cl:
                raise ValueError('not an HTTP head')
            body = await r.readexactly(int(cl[0]))
        except Exception:
            st['closed' if w.transport.is_closing() or r.at_eof() else 'wrong'] += 1
            w.close(); w = None
            continue
        if not lines[0].startswith(b'HTTP/1.1 200'):
            st['not_200'] += 1
        elif body != want[path]:
            st['wrong'] += 1
        else:
            st['right'] += 1
        if b'connection: close' in head.lower():
            w.close(); w = None
async def main():
    await asyncio.gather(*(client(i) for i in range(conns)))
asyncio.run(main())
print(' '.join(f'{k}={v}' for k, v in st.items()))
EOF
load_check() { # target
    "$WRK" -t1 -c32 -d"$((CHECK_SECS + 1))s" -s devices.lua "http://127.0.0.1:${WRK_PORT[$1]}/" >"load-check-$1.wrk" 2>&1 &
    local wrk_pid=$! out
    out=$(python3 check.py "${WRK_PORT[$1]}" targets.tsv export 32 "$CHECK_SECS")
    wait "$wrk_pid" || true
    echo "== check under load $1: $out" >&2
    [[ $out == *" wrong=0 not_200=0 closed=0" ]] || fail "$1: under load, answers checked: $out"
}

lock
for s in provd nginx nginx-cache; do warm "$s"; done
unlock
writer_settles provd
lock
for s in provd nginx nginx-cache; do sample_check "$s"; done
if [[ $CHECK_SECS != 0 ]]; then
    for s in provd nginx nginx-cache; do load_check "$s"; done
fi
unlock
if [[ $LG == 1 ]]; then
    # Once through the loadgen fleet: provd records each phone's trigger
    # state (the first fetch of a Yealink's own file); every body checked.
    lock
    for s in "${LG_TARGETS[@]}"; do
        loadgen "${LG_PORT[$s]}" "$DEVICES" 1 "$LG_CONC" >"lg-warm-$s.json" 2>"lg-warm-$s.err" || true
        echo "== loadgen warm-up $s: $(jq -c '{requests_ok, files_checked, errors: .errors.total}' "lg-warm-$s.json")" >&2
        [[ $(jq '.errors.total' "lg-warm-$s.json") == 0 ]] || fail "$s: loadgen warm-up: $(jq -c .errors "lg-warm-$s.json")"
    done
    unlock
    writer_settles provd-lg
fi

# ---- measured rounds ----------------------------------------------------------------
to_ms() { # 1.23ms | 456.00us | 1.02s
    awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}
secs_of() { awk -v t="$1" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz }'; }

# One measured run; sets RUN_RPS RUN_CPU (s per 100k requests) RUN_P50 RUN_P99 (ms)
# RUN_GEN (load generator CPU s) RUN_OTHER (CPU s of everything else) RUN_SRV (server CPU s).
measure() { # load(wrk|lg) target output
    local load=$1 t=$2 out=$3 proc before after machine_before machine requests errors
    proc=$t
    [[ $load == lg ]] && proc=${LG_PROC[$t]}
    lock
    before=$(ticks "$proc")
    machine_before=$(machine_ticks)
    TIMEFORMAT='%3U %3S'
    if [[ $load == wrk ]]; then
        { time "$WRK" -t"$WRK_THREADS" -c"$CONNS" -d"${DURATION}s" --latency -s devices.lua \
            "http://127.0.0.1:${WRK_PORT[$t]}/" >"$out" 2>&1; } 2>"$out.time"
    else
        { time loadgen "${LG_PORT[$t]}" "$DEVICES" "$LG_REPEAT" "$LG_CONC" >"$out" 2>"$out.err"; } 2>"$out.time" || true
    fi
    after=$(ticks "$proc")
    machine=$(($(machine_ticks) - machine_before))
    unlock
    if [[ $load == wrk ]]; then
        requests=$(awk '/requests in/ { print $1 }' "$out")
        RUN_RPS=$(awk '/^Requests\/sec/ { print $2 }' "$out")
        RUN_P50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")
        RUN_P99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")
        errors=$(awk '/Socket errors/ { gsub(",", ""); print $4 + $6 + $8 + $10 }' "$out")
        local non2xx
        non2xx=$(awk '/Non-2xx or 3xx responses/ { print $NF }' "$out")
        [[ -z $errors || $errors == 0 ]] || fail "wrk $t: $out: $(grep 'Socket errors' "$out")"
        [[ -z $non2xx ]] || fail "wrk $t: $out: $non2xx non-2xx/3xx responses"
    else
        requests=$(jq '.requests_ok' "$out")
        RUN_RPS=$(jq '.requests_per_s | floor' "$out")
        RUN_P50=$(jq '.latency.request.p50_ms' "$out")
        RUN_P99=$(jq '.latency.request.p99_ms' "$out")
        errors=$(jq '.errors.total' "$out")
        [[ $errors == 0 && $(jq '.files_checked' "$out") == "$requests" ]] ||
            fail "loadgen $t: $out: $errors errors, $(jq '.files_checked' "$out") of $requests checked: $(jq -c .errors "$out")"
    fi
    RUN_SRV=$(secs_of $((after - before)))
    RUN_CPU=$(awk -v t=$((after - before)) -v hz="$CLK_TCK" -v n="$requests" 'BEGIN { printf "%.3f", t / hz / n * 100000 }')
    RUN_GEN=$(awk '{ printf "%.2f", $1 + $2 }' "$out.time")
    # What else ran meanwhile (builds of others on a shared machine).
    RUN_OTHER=$(awk -v m="$machine" -v srv=$((after - before)) -v g="$RUN_GEN" -v hz="$CLK_TCK" \
        'BEGIN { o = (m - srv) / hz - g; printf "%.2f", o < 0 ? 0 : o }')
}

# Per (load, target): the kept rounds' numbers, space-separated.
declare -A RPS CPU P50 P99 GEN OTHER
printf 'round\tload\ttarget\treq_per_s\tserver_cpu_s\tcpu_s_per_100k\tp50_ms\tp99_ms\tgenerator_cpu_s\tother_cpu_s\tkept\n' >runs.tsv
declare -A WRITER_BEFORE=()
for p in provd provd-lg; do [[ -z ${PID[$p]:-} ]] || WRITER_BEFORE[$p]=$(thread_ticks "$p" provd-writer); done
kept=0
attempt=0
DISCARDED=()
while ((kept < ROUNDS && attempt < ROUNDS + REDO)); do
    attempt=$((attempt + 1))
    declare -A R=()
    disturbed=""
    runs=()
    # Rotate the order each round, so that no server always runs first.
    for i in "${!WRK_TARGETS[@]}"; do
        runs+=("wrk ${WRK_TARGETS[$(((i + attempt - 1) % ${#WRK_TARGETS[@]}))]}")
    done
    if [[ $LG == 1 ]]; then
        for i in "${!LG_TARGETS[@]}"; do
            runs+=("lg ${LG_TARGETS[$(((i + attempt - 1) % ${#LG_TARGETS[@]}))]}")
        done
    fi
    for run in "${runs[@]}"; do
        read -r load t <<<"$run"
        measure "$load" "$t" "run-$attempt-$load-$t.out"
        R[$load/$t]="$RUN_RPS $RUN_CPU $RUN_P50 $RUN_P99 $RUN_GEN $RUN_OTHER $RUN_SRV"
        printf 'round %d %-3s %-11s %9.0f req/s  server CPU %5.2f s (%s s/100k req)  p50 %s ms  p99 %s ms  generator CPU %s s  other %s s\n' \
            "$attempt" "$load" "$t" "$RUN_RPS" "$RUN_SRV" "$RUN_CPU" "$RUN_P50" "$RUN_P99" "$RUN_GEN" "$RUN_OTHER" >&2
        if awk -v o="$RUN_OTHER" -v max="$MAX_OTHER" 'BEGIN { exit !(o > max) }'; then
            disturbed+="$load $t $RUN_OTHER s; "
        fi
    done
    keep=1
    # A round during which other work took the cores is redone (as long
    # as REDO allows), so that the medians compare like with like.
    if [[ -n $disturbed ]] && ((attempt - kept <= REDO)); then
        DISCARDED+=("round $attempt (other CPU: ${disturbed% })")
        echo "round $attempt discarded: other work on the machine took CPU (${disturbed% })" >&2
        keep=0
    else
        kept=$((kept + 1))
    fi
    for k in "${!R[@]}"; do
        read -r rps cpu p50 p99 gen other srv <<<"${R[$k]}"
        printf '%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\n' "$attempt" "${k%/*}" "${k#*/}" "$rps" "$srv" "$cpu" \
            "$p50" "$p99" "$gen" "$other" "$keep" >>runs.tsv
        if ((keep)); then
            RPS[$k]+="$rps "
            CPU[$k]+="$cpu "
            P50[$k]+="$p50 "
            P99[$k]+="$p99 "
            GEN[$k]+="$gen "
            OTHER[$k]+="$other "
        fi
    done
done

# ---- tables -------------------------------------------------------------------------
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
declare -A LABEL=(
    [wrk/provd]="provd-server ($THREADS threads, NAT on)"
    [wrk/nginx]="nginx ($THREADS workers, sendfile)"
    [wrk/nginx-cache]="nginx + open_file_cache"
    [wrk/ceiling]="constant-body monoio responder ($BODY_SIZE B)"
    [lg/provd]="provd-server ($THREADS threads, NAT off)"
    [lg/nginx]="nginx ($THREADS workers, sendfile)"
    [lg/nginx-cache]="nginx + open_file_cache"
)
table() { # load targets...
    local load=$1 t k
    shift
    declare -A M_RPS M_CPU
    for t in "$@"; do
        M_RPS[$t]=$(median <<<"${RPS[$load/$t]}")
        M_CPU[$t]=$(median <<<"${CPU[$load/$t]}")
    done
    local ceiling_head="" ceiling_sep=""
    if [[ $load == wrk ]]; then ceiling_head=" vs ceiling |"; ceiling_sep="---|"; fi
    echo "| server | req/s | vs nginx | vs nginx+cache |$ceiling_head server CPU s / 100k req | CPU vs nginx | CPU vs nginx+cache | p50 | p99 |"
    echo "|---|---|---|---|$ceiling_sep---|---|---|---|---|"
    for t in "$@"; do
        k=$load/$t
        printf '| %s | %.0f | %s | %s |' "${LABEL[$k]}" "${M_RPS[$t]}" \
            "$(ratio "${M_RPS[$t]}" "${M_RPS[nginx]}")" "$(ratio "${M_RPS[$t]}" "${M_RPS[nginx-cache]}")"
        if [[ $load == wrk ]]; then printf ' %s |' "$(ratio "${M_RPS[$t]}" "${M_RPS[ceiling]}")"; fi
        printf ' %.3f | %s | %s | %.2f ms | %.2f ms |\n' "${M_CPU[$t]}" "$(ratio "${M_CPU[$t]}" "${M_CPU[nginx]}")" \
            "$(ratio "${M_CPU[$t]}" "${M_CPU[nginx-cache]}")" "$(median <<<"${P50[$k]}")" "$(median <<<"${P99[$k]}")"
    done
    echo
    echo "Every kept run, in round order: req/s; server CPU s per 100k requests; load generator CPU s; other CPU s"
    echo
    for t in "$@"; do
        k=$load/$t
        echo "* $t: [${RPS[$k]% }]; [${CPU[$k]% }]; generator [${GEN[$k]% }]; other [${OTHER[$k]% }]"
    done
}

echo "## wrk: $DEVICES devices, keep-alive, wrk -t$WRK_THREADS -c$CONNS -d${DURATION}s, medians of $kept interleaved rounds"
echo
table wrk "${WRK_TARGETS[@]}"
if [[ $LG == 1 ]]; then
    echo
    echo "## provd-loadgen: $DEVICES phones of seven families, own file, one connection per boot," \
        "$LG_REPEAT boots each, $LG_CONC in flight, every body checked; medians of $kept rounds"
    echo
    table lg "${LG_TARGETS[@]}"
fi
echo
for p in provd provd-lg; do
    [[ -n ${PID[$p]:-} ]] || continue
    echo "* $p writer thread during the rounds: $(secs_of $(($(thread_ticks "$p" provd-writer) - WRITER_BEFORE[$p]))) s CPU;" \
        "fail2ban log: $(wc -l <"$p-fail2ban.log") lines"
done
echo "* ${#DISCARDED[@]} rounds discarded as disturbed (other CPU > $MAX_OTHER s during a run)"
for d in "${DISCARDED[@]}"; do echo "  * $d"; done
if ((${#FAILURES[@]})); then
    echo
    echo "FAILED:"
    printf '  %s\n' "${FAILURES[@]}"
    exit 1
fi
