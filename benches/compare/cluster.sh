#!/usr/bin/env bash
# Cluster mode (issue 15), side by side with a single provd-server in one
# run, on one throwaway PostgreSQL (initdb as the postgres user in a
# temporary directory, 127.0.0.1 and a free port only, stopped and removed
# at exit):
#
# 1. REST writes: a provd-bench fleet of DEVICES devices (as writes.sh
#    makes it) imported once; `single` serves a copy without --postgres,
#    node A a copy with --postgres (it seeds the empty database with its
#    records), then node B starts on an empty data directory and loads the
#    fleet from PostgreSQL (its start-up and its "loaded N devices" line are
#    reported). `provd-bench rest-writes` times config PUT (one device) and
#    config POST against `single` and A in turn, ROUNDS times, alternating
#    which goes first; B follows A meanwhile.
# 2. Propagation: CHANGES PUTs on A of a config one Yealink device uses
#    (a new display name each), and after each, B polled over HTTP with
#    curl until it serves the device's file with the new name: the time
#    from A's answer (and from the PUT's start) until B serves it. A curl
#    poll costs its process start (~10 ms here), so the same is measured
#    again with one keep-alive connection per node (python's http.client,
#    a poll every millisecond).
# 3. Phones' records: the first contact of firstcontact.sh (PHONES phones
#    whose recorded IP and firmware differ from what they report, all at
#    once) against a single server and against a cluster node (its own
#    database, no other node), RUNS runs interleaved: files/s, the
#    journal's depth during the load, the time from the load's end until
#    provd_cluster_queued_records is 0, and the node's devices (id, ip,
#    version) compared with PostgreSQL's.
#
# 4. A new node's start (`ready`): B (and READY_RUNS - 1 more nodes after
#    it, each on an empty data directory, stopped and removed once
#    measured) started with the fleet in PostgreSQL: the time from its
#    exec until it serves one of the fleet's devices the bytes A serves
#    (curl every 50 ms; a connection the node accepted is waited for), when
#    its "loaded N devices" and start-up compile lines appeared (a watcher
#    reads its log every 50 ms), and 50 sampled devices compared with A.
# 5. Serving known phones (`serve`): the keep-alive wrk load of http.sh
#    (wrk -t2 -c64, every request a real phone's User-Agent asking its own
#    file, rotating over the fleet's Yealink and Aastra devices: those
#    `provd-bench http-targets` can name; NAT on, set in the fleet before
#    A seeds the database, so that requests from 127.0.0.1 record no
#    address) against `single`, A and B, DURATION seconds each, ROUNDS
#    rounds rotating the order. Before: one pass through every target on
#    each server (every answer 200; the trigger states it records are
#    handed on and applied), the writers settled, and 100 sampled devices
#    served the same bytes by all three. Each run: requests/s, latency
#    p50/p99, the server's CPU per 100k requests (its cgroup), the store
#    writes and records shipped during the run (steady state: none),
#    PostgreSQL's CPU, the CPU taken by everything else on the machine,
#    and the virtual machine's steal.
#
# The fleet of parts 1, 2, 4 and 5 has NAT on (`provd-bench set-param`);
# parts 1 and 2 do not depend on it.
#
#     benches/compare/cluster.sh
#     PARTS=fc RUNS=5 benches/compare/cluster.sh     # one part alone
#     DEVICES=100000 CHANGES=200 PARTS="ready rest serve prop" benches/compare/cluster.sh
#
# Environment: PARTS ("ready rest serve prop fc"), DEVICES (10000), ROUNDS
# (3: REST rounds and serving rounds), CALLS (sequential calls per kind and
# round, 200), CONCURRENT_CALLS (400), CLIENTS (8), MAX_PHASE (20 s),
# CHANGES (50), PROP_TIMEOUT (10 s per change), READY_RUNS (3), READY_MAX
# (120 s per node), DURATION (10 s per serving run), CONNS (64),
# WRK_THREADS (2), WRK (/usr/bin/wrk), PHONES (10000), SPREAD (0), RUNS
# (3), MAX_DURATION (120), DRAIN_MAX (120 s), PG_OPTS (extra `-c
# name=value` for PostgreSQL; default none: fsync and synchronous_commit
# on, as operators run it), WORK, BIN, BENCH_LOCK, SEED. Fleets are kept
# in WORK between runs (same size, same seed); every run starts from fresh
# copies and a fresh database. About four minutes with the defaults once
# the fleets exist; five and a half for PARTS="ready rest serve prop" at
# DEVICES=100000 CHANGES=200 (import and seeding included).
#
# Exit status: 0 clean, 1 a call failed, a change did not reach B in time,
# a queue did not drain, the node and PostgreSQL disagree, a new node did
# not serve the fleet within READY_MAX or served other bytes than A, or a
# serving run had errors, non-200 answers or store writes.
source "$(dirname "$0")/peers.sh"

DEVICES=${DEVICES:-10000}
ROUNDS=${ROUNDS:-3}
CALLS=${CALLS:-200}
CONCURRENT_CALLS=${CONCURRENT_CALLS:-400}
CLIENTS=${CLIENTS:-8}
MAX_PHASE=${MAX_PHASE:-20}
CHANGES=${CHANGES:-50}
PROP_TIMEOUT=${PROP_TIMEOUT:-10}
PHONES=${PHONES:-10000}
SPREAD=${SPREAD:-0}
RUNS=${RUNS:-3}
MAX_DURATION=${MAX_DURATION:-120}
DRAIN_MAX=${DRAIN_MAX:-120}
PG_OPTS=${PG_OPTS:-}
READY_RUNS=${READY_RUNS:-3}
READY_MAX=${READY_MAX:-120}
DURATION=${DURATION:-10}
CONNS=${CONNS:-64}
WRK_THREADS=${WRK_THREADS:-2}
WRK=${WRK:-/usr/bin/wrk}
WORK=${WORK:-/tmp/provd-compare-cluster}
PARTS=${PARTS:-"ready rest serve prop fc"}
has() { [[ " $PARTS " == *" $1 "* ]]; }
STAMP=$(date +%Y%m%dT%H%M%S)
RUN=$WORK/run-$STAMP
RESULTS=$RUN/results.jsonl

[[ -x $BIN/provd-bench ]] || { echo "missing $BIN/provd-bench: cargo build --release -p provd-benches" >&2; exit 2; }
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -x $PGBIN/initdb ]] || { echo "no PostgreSQL server under /usr/lib/postgresql" >&2; exit 2; }
id postgres >/dev/null 2>&1 || { echo "no postgres user (PostgreSQL refuses to run as root)" >&2; exit 2; }
if has serve; then [[ -x $WRK ]] || { echo "no wrk at $WRK (the serve part)" >&2; exit 2; }; fi

# --- PostgreSQL: a throwaway cluster, as tests/src/postgres.rs makes it ---
PGDIR=""
PGPORT=""
as_pg() { runuser -u postgres -- "$@"; }
pg_start() {
    PGDIR=$(mktemp -d /tmp/provd-cluster-pg.XXXXXX)
    chown postgres:postgres "$PGDIR"
    as_pg "$PGBIN/initdb" -D "$PGDIR/data" -A trust -U postgres --no-sync >"$PGDIR/initdb.log" 2>&1 ||
        { cat "$PGDIR/initdb.log" >&2; return 1; }
    PGPORT=$(free_port tcp)
    as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGDIR $PG_OPTS" start >/dev/null ||
        { cat "$PGDIR/log" >&2; return 1; }
    log "PostgreSQL $(basename "$(dirname "$PGBIN")") on 127.0.0.1:$PGPORT in $PGDIR${PG_OPTS:+ ($PG_OPTS)}"
}
pg_stop() {
    [[ -n $PGDIR && -d $PGDIR ]] || return 0
    as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
        as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    [[ -d $RUN ]] && cp "$PGDIR/log" "$RUN/postgres.log" 2>/dev/null || true
    rm -rf "$PGDIR"
    PGDIR=""
}
psql_c() { psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d "${2:-postgres}" -At -v ON_ERROR_STOP=1 -c "$1"; }
pg_url() { echo "postgresql://postgres@127.0.0.1:$PGPORT/$1?sslmode=disable"; }
# CPU time (µs) of the postmaster, its children alive now, and those that
# ended (the postmaster's cutime and cstime: a backend ends with its
# connection, e.g. a stopped node's).
pg_cpu_us() {
    local pm pids
    pm=$(head -1 "$PGDIR/data/postmaster.pid")
    pids="$pm $(ps --ppid "$pm" -o pid= | tr '\n' ' ')"
    # shellcheck disable=SC2086
    for p in $pids; do [[ -r /proc/$p/stat ]] && cat "/proc/$p/stat"; done |
        awk -v hz="$(getconf CLK_TCK)" -v pm="$pm" '{s += $14 + $15} $1 == pm {s += $16 + $17} END {printf "%d\n", s * 1000000 / hz}'
}

cleanup_all() {
    cleanup
    pg_stop
    # The data directories and the export (a gigabyte a run); the logs and
    # results stay.
    [[ -d $RUN ]] && rm -rf "$RUN"/{fleet,single,a,b,fc-known,fc-export,fc-first,fc_single,fc_cluster} "$RUN"/ready-node-*
}
trap cleanup_all EXIT
trap 'exit 130' INT TERM

now() { echo "$EPOCHREALTIME"; }
# Microseconds since the epoch, for comparisons in bash (no process).
now_us() { local t=$EPOCHREALTIME; echo $(( ${t%.*} * 1000000 + 10#${t#*.} )); }
# node NAME DATA [ARGS...]: provd-server on free ports, --api-no-auth on
# loopback; sets HTTP_<NAME>, API_<NAME> and START_<NAME> (seconds from
# exec until the REST API answers: a node joins the cluster before it
# serves, though its sockets are bound before). With PROBE_UA, PROBE_PATH
# and PROBE_WANT (a file) set, first probe_http.
node() {
    local name=$1 data=$2 http tftp api t0 i; shift 2
    http=$(free_port tcp); tftp=$(free_port udp); api=$(free_port tcp)
    t0=$(now)
    spawn "$name" "$RUN/provd-$name.log" "$BIN/provd-server" --data "$data" \
        --http "127.0.0.1:$http" --tftp "127.0.0.1:$tftp" --api "127.0.0.1:$api" --api-no-auth "$@"
    if [[ -n ${PROBE_PATH:-} ]]; then probe_http "$name" "127.0.0.1:$http" "$t0" || return 1; fi
    # At most 600 s (a large fleet's snapshot and start-up render).
    for i in $(seq 6000); do
        curl -s -o /dev/null -m 1 "http://127.0.0.1:$api/0.2/status" && break
        eval "kill -0 \$PID_$name" 2>/dev/null || { cat "$RUN/provd-$name.log" >&2; echo "provd-server $name exited" >&2; return 1; }
        sleep 0.1
    done
    curl -sf -o /dev/null -m 5 "http://127.0.0.1:$api/0.2/status" || { echo "$name: REST API never answered" >&2; return 1; }
    eval "HTTP_$name=127.0.0.1:$http; API_$name=http://127.0.0.1:$api/0.2"
    eval "START_$name=$(python3 -c "print(round($(now) - $t0, 2))")"
    eval "log \"provd-server $name pid \$PID_$name: HTTP 127.0.0.1:$http API 127.0.0.1:$api, answering after \$START_$name s\""
}
# probe_http NAME HOST:PORT T0: from T0 (the node's exec) until it answers
# PROBE_PATH (as PROBE_UA) with the bytes of PROBE_WANT: a curl every 50 ms
# while the port refuses; a connection the node accepted (its socket is
# bound before it serves) is waited for, up to 60 s; at most READY_MAX s
# in all. Meanwhile a watcher notes when the node's log shows its "loaded
# N devices" and start-up compile lines (every 50 ms, while the probe
# lasts). Sets READY_<NAME> (a JSON object: seconds from T0 and what the
# log says).
probe_http() {
    local name=$1 hp=$2 t0=$3 logf=$RUN/provd-$1.log out=$RUN/probe-$1.body marks=$RUN/probe-$1.marks
    local t_loaded=null t_compiled=null t_ready="" code polls=0 wrong=0 deadline watcher
    deadline=$(( $(now_us) + READY_MAX * 1000000 ))
    : >"$marks"
    ( l="" c=""
      while (( $(now_us) < deadline )) && [[ -z $l || -z $c ]]; do
          [[ -z $l ]] && grep -q "loaded [0-9]* devices" "$logf" && { l=1; echo "loaded $(now)" >>"$marks"; }
          [[ -z $c ]] && grep -q "start-up compile:" "$logf" && { c=1; echo "compiled $(now)" >>"$marks"; }
          sleep 0.05
      done ) &
    watcher=$!
    while :; do
        polls=$((polls + 1))
        code=$(curl -s --connect-timeout 1 -m 60 -o "$out" -w '%{http_code}' -A "$PROBE_UA" "http://$hp$PROBE_PATH" || true)
        if [[ $code == 200 ]] && cmp -s "$out" "$PROBE_WANT"; then t_ready=$(now); break; fi
        # An answer that is not yet the device's file (000: refused).
        [[ $code == 000 ]] || wrong=$((wrong + 1))
        eval "kill -0 \$PID_$name" 2>/dev/null || { kill "$watcher" 2>/dev/null; cat "$logf" >&2; echo "provd-server $name exited" >&2; return 1; }
        (( $(now_us) < deadline )) || { kill "$watcher" 2>/dev/null; echo "$name did not serve $PROBE_PATH within $READY_MAX s (last answer $code)" >&2; return 1; }
        sleep 0.05
    done
    # The watcher ends once it has seen both lines (at most a second more).
    for _ in $(seq 20); do kill -0 "$watcher" 2>/dev/null || break; sleep 0.05; done
    kill "$watcher" 2>/dev/null || true; wait "$watcher" 2>/dev/null || true
    t_loaded=$(awk '$1 == "loaded" {print $2}' "$marks"); t_loaded=${t_loaded:-null}
    t_compiled=$(awk '$1 == "compiled" {print $2}' "$marks"); t_compiled=${t_compiled:-null}
    local json
    json=$(python3 - "$t0" "$t_loaded" "$t_compiled" "$t_ready" "$polls" "$wrong" "$logf" <<'PY'
import json, re, sys
t0, tl, tc, tr = (None if x == 'null' else float(x) for x in sys.argv[1:5])
log = open(sys.argv[7]).read()
loaded = re.search(r'loaded (\d+) devices and (\d+) other records at change (\d+)', log)
comp = re.findall(r'start-up compile: (.*) ([0-9.]+)s$', log, re.M)
r = lambda t: None if t is None else round(t - t0, 2)
print(json.dumps({'ready_s': r(tr), 'loaded_line_s': r(tl), 'compile_line_s': r(tc), 'polls': int(sys.argv[5]),
                  'wrong_answers': int(sys.argv[6]),
                  'loaded': loaded.group(0) if loaded else None,
                  'compile_s': float(comp[-1][1]) if comp else None, 'compile': comp[-1][0] if comp else None}))
PY
)
    printf -v "READY_$name" '%s' "$json"
    log "$name serves the probe's file $(jq -r .ready_s <<<"$json") s after its exec: $(jq -c 'del(.compile)' <<<"$json")"
}
stop_node() { local pid; eval "pid=\$PID_$1"; kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
# (awk reads to the end: curl killed by a closed pipe fails the pipeline.)
metric() { curl -s -m 5 "${1%/0.2}/metrics" | awk -v m="$2" '$1 == m && !f {print $2; f = 1}'; }

mkdir -p "$WORK" "$RUN"
: >"$RESULTS"
rc=0

# --- Fleets: the jsondbs are kept between runs, imported afresh each run
# (a store or an export of an older build is not reused) ---
NODES=""
if has rest || has prop || has ready || has serve; then NODES=1; fi
if [[ -n $NODES ]]; then
    fleet_stamp="$DEVICES $SEED"
    if [[ ! -f $WORK/fleet.stamp || $(cat "$WORK/fleet.stamp") != "$fleet_stamp" ]]; then
        rm -rf "$WORK/fleet"; mkdir -p "$WORK/fleet"
        log "fleet: $DEVICES provd-bench devices"
        "$BIN/provd-bench" fleet --devices "$DEVICES" --seed "$SEED" --out "$WORK/fleet/jsondb" >&2
        echo "$fleet_stamp" >"$WORK/fleet.stamp"
    fi
    t_import=$(now)
    "$BIN/provd-compile" --data "$RUN/fleet" --import-wazo-jsondb "$WORK/fleet/jsondb" | tail -1 >&2
    log "fleet imported in $(python3 -c "print(round($(now) - $t_import, 1))") s"
    # Phones' requests all come from 127.0.0.1: with NAT on, no address is
    # recorded (http.sh sets it too). A seeds the database with it.
    "$BIN/provd-bench" set-param --data "$RUN/fleet" NAT 1 >&2
    if (has ready || has serve) && [[ ! -s $WORK/fleet/targets.tsv ]]; then
        # http-targets names a phone's User-Agent and file from its vendor
        # (Cisco's two families it cannot tell apart): the fleet's Yealink
        # and Aastra devices, as http.sh loads them.
        rm -rf "$WORK/fleet/http-jsondb"; mkdir -p "$WORK/fleet/http-jsondb/devices"
        python3 - "$WORK/fleet/jsondb/devices" "$WORK/fleet/http-jsondb/devices" <<'PY'
import json, os, sys
src, dst = sys.argv[1:]
for name in os.listdir(src):
    if json.load(open(os.path.join(src, name)))["plugin"].startswith(("wazo-yealink-", "wazo-aastra-")):
        os.symlink(os.path.join(src, name), os.path.join(dst, name))
PY
        "$BIN/provd-bench" http-targets --jsondb "$WORK/fleet/http-jsondb" --out "$WORK/fleet/targets.tsv" >&2
        rm -rf "$WORK/fleet/http-jsondb"
    fi
    if has ready || has serve; then
        TARGETS=$WORK/fleet/targets.tsv
        log "HTTP targets: $(wc -l <"$TARGETS") Yealink and Aastra devices of the $DEVICES"
    fi
fi
if has fc; then
    # As firstcontact.sh: the loadgen's phones, and the same imported with
    # an older IP and firmware each.
    fc_stamp="$PHONES $SEED admin-fixed loopback"
    if [[ ! -f $WORK/fc.stamp || $(cat "$WORK/fc.stamp") != "$fc_stamp" ]]; then
        rm -rf "$WORK/fc"; mkdir -p "$WORK/fc"
        log "first-contact fleet: $PHONES phones"
        firstcontact_jsondbs "$WORK/fc" "$PHONES"
        echo "$fc_stamp" >"$WORK/fc.stamp"
    fi
    # The bodies the phones must get: the known fleet's export.
    "$BIN/provd-compile" --data "$RUN/fc-known" --import-wazo-jsondb "$WORK/fc/known" | tail -1 >&2
    "$BIN/provd-compile" --data "$RUN/fc-known" --export "$RUN/fc-export" >&2
    rm -rf "$RUN/fc-known"
    "$BIN/provd-compile" --data "$RUN/fc-first" --import-wazo-jsondb "$WORK/fc/firstcontact" | tail -1 >&2
fi

pg_start
as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres provd_bench

# differing NAME N: how many of N devices spread over the targets node NAME
# serves other bytes than A (or not 200).
differing() {
    local hp ua path plugin bad=0 x y
    eval "hp=\$HTTP_$1"
    while IFS=$'\t' read -r ua path plugin; do
        x=$(curl -sf -m 5 -A "$ua" "http://$hp$path" | sha256sum) || x=failed
        y=$(curl -sf -m 5 -A "$ua" "http://$HTTP_a$path" | sha256sum) || y=failed
        [[ $x == "$y" && $x != failed ]] || bad=$((bad + 1))
    done < <(awk -v step="$(( ($(wc -l <"$TARGETS") + $2 - 1) / $2 ))" 'NR % step == 1' "$TARGETS")
    echo "$bad"
}

if [[ -n $NODES ]]; then
    # --- single, node A (seeds the database), node B (loads it) ---
    cp -a "$RUN/fleet" "$RUN/single"
    mv "$RUN/fleet" "$RUN/a"
    mkdir -p "$RUN/b"
    node single "$RUN/single"
    node a "$RUN/a" --postgres "$(pg_url provd_bench)" --cluster-node a
    seeded=$(grep -o "seeded with this node's [0-9]* records" "$RUN/provd-a.log" | grep -o '[0-9]*' || echo "?")
    if has ready; then
        # --- 4. A new node's start: the probe is the targets' last device,
        # the bytes A serves it (single must serve the same) ---
        IFS=$'\t' read -r PROBE_UA PROBE_PATH _ < <(tail -1 "$TARGETS")
        PROBE_WANT=$RUN/probe-want.body
        curl -sf -m 10 -A "$PROBE_UA" -o "$PROBE_WANT" "http://$HTTP_a$PROBE_PATH" ||
            { echo "A does not serve the probe $PROBE_PATH to $PROBE_UA" >&2; exit 1; }
        cmp -s "$PROBE_WANT" <(curl -s -m 10 -A "$PROBE_UA" "http://$HTTP_single$PROBE_PATH") ||
            { echo "single and A serve the probe different bytes" >&2; rc=1; }
        # What A's answer recorded (the trigger state) reaches the database
        # before B starts (bounded).
        for _ in $(seq 100); do [[ $(metric "$API_a" provd_cluster_queued_records) == 0 ]] && break; sleep 0.1; done
        log "new nodes: the time until they serve $PROBE_PATH ($PROBE_UA) as A does"
    fi
    node b "$RUN/b" --postgres "$(pg_url provd_bench)" --cluster-node b
    if has ready; then
        unset PROBE_PATH
        ready_record() { # NAME RUN
            local api_s ready sample
            eval "api_s=\$START_$1; ready=\$READY_$1"
            sample=$(differing "$1" 50)
            (( sample == 0 )) || { echo "$1 serves $sample of 50 sampled devices other bytes than A" >&2; rc=1; }
            jq -c --arg node "$1" --argjson run "$2" --argjson api_s "$api_s" --argjson sample "$sample" \
                --argjson devices "$DEVICES" \
                '{part: "ready", node: $node, run: $run, devices: $devices, api_s: $api_s, sample_differing: $sample} + .' \
                <<<"$ready" | tee -a "$RESULTS" >&2
        }
        ready_record b 1
        # More new nodes, one at a time, each stopped and removed once measured.
        for r in $(seq 2 "$READY_RUNS"); do
            PROBE_PATH=$(tail -1 "$TARGETS" | cut -f2)
            node "r$r" "$RUN/ready-node-$r" --postgres "$(pg_url provd_bench)" --cluster-node "ready-$r"
            unset PROBE_PATH
            ready_record "r$r" "$r"
            stop_node "r$r"
            rm -rf "$RUN/ready-node-$r"
        done
    fi
    loaded=$(grep -o "loaded [0-9]* devices and [0-9]* other records" "$RUN/provd-b.log" || echo "no 'loaded' line")
    # The start-up compile's own time (the log has no timestamps).
    startup_compile() { sed -n 's/.*start-up compile: .* \([0-9.]*\)s$/\1/p' "$RUN/provd-$1.log" | tail -1; }
    log "A seeded the database with $seeded records (start $START_a s); B: $loaded (start $START_b s, of which start-up render $(startup_compile b) s)"
    jq -nc --argjson a "$START_a" --argjson b "$START_b" --argjson single "$START_single" \
        --arg seeded "$seeded" --arg loaded "$loaded" --argjson devices "$DEVICES" \
        --argjson b_render "$(startup_compile b)" --argjson a_render "$(startup_compile a)" \
        '{part: "start", single_s: $single, a_s: $a, b_s: $b, a_seeded: $seeded, b_loaded: $loaded, devices: $devices,
          a_render_s: $a_render, b_render_s: $b_render}' >>"$RESULTS"

    if has rest; then
        c0_single=$(cpu_us single); c0_a=$(cpu_us a); c0_b=$(cpu_us b); c0_pg=$(pg_cpu_us)
        # The stores' writes and commits, and A's changes read back, over the part.
        counters() {
            local n api
            for n in single a b; do
                eval "api=\$API_$n"
                curl -s "${api%/0.2}/metrics" | awk -v n="$n" '$1 ~ /^provd_(store_writes_total|store_commits_total|cluster_applied_total|cluster_shipped_total)$/ {printf "%s %s %s\n", n, $1, $2}'
            done
        }
        counters >"$RUN/counters-before"
        # The devices rest-writes made (MACs 80:5e:c0 with the fourth byte's
        # high bit set, which no fleet uses), deleted; at most 100.
        forget_bench_devices() {
            local id
            curl -s "$1/dev_mgr/devices?recurse=true&fields=id,mac" |
                jq -r '.devices[] | select((.mac // "") | test("^80:5e:c0:[89a-f]")) | .id' | head -100 |
                while read -r id; do curl -s -o /dev/null -X DELETE "$1/dev_mgr/devices/$id"; done
        }
        for round in $(seq "$ROUNDS"); do
            order=(single a)
            (( round % 2 == 0 )) && order=(a single)
            for kind in config_put config_post; do
                for target in "${order[@]}"; do
                    eval "api=\$API_$target"
                    out=$RUN/rest-writes-$target-$kind-$round.out
                    set +e
                    flock "$LOCK" "$BIN/provd-bench" rest-writes --api "$api" --kinds "$kind" \
                        --calls "$CALLS" --concurrent-calls "$CONCURRENT_CALLS" --clients "$CLIENTS" \
                        --max-phase-seconds "$MAX_PHASE" \
                        --tags "{\"part\":\"rest\",\"server\":\"$target\",\"round\":$round,\"devices\":$DEVICES}" >"$out"
                    r=$?
                    set -e
                    (( r == 0 )) || rc=1
                    grep '^| [a-z]' "$out" | sed "s/^/   $target round $round /" >&2 || true
                    grep '^{' "$out" >>"$RESULTS" || true
                    # rest-writes draws its MACs from a 7-bit nonce: two runs
                    # against one server may draw the same, and a second
                    # device with a MAC fails to render. Gone before the next
                    # run (untimed).
                    if [[ $kind == config_put ]]; then forget_bench_devices "$api"; fi
                done
            done
        done
        jq -nc --argjson s "$(( $(cpu_us single) - c0_single ))" --argjson a "$(( $(cpu_us a) - c0_a ))" \
            --argjson b "$(( $(cpu_us b) - c0_b ))" --argjson pg "$(( $(pg_cpu_us) - c0_pg ))" \
            '{part: "rest_cpu", single_s: ($s / 1e6), a_s: ($a / 1e6), b_s: ($b / 1e6), pg_s: ($pg / 1e6)}' >>"$RESULTS"
        counters >"$RUN/counters-after"
        join <(awk '{print $1 "/" $2, $3}' "$RUN/counters-before" | sort) <(awk '{print $1 "/" $2, $3}' "$RUN/counters-after" | sort) |
            jq -cRn '[inputs | split(" ") | {key: .[0], value: ((.[2] | tonumber) - (.[1] | tonumber))}] | from_entries | {part: "rest_counters"} + .' >>"$RESULTS"

        # Both nodes at the same position before the next part (bounded).
        for _ in $(seq 100); do
            la=$(metric "$API_a" provd_cluster_latest_sequence); ab=$(metric "$API_b" provd_cluster_applied_sequence)
            [[ -n $la && $la == "$ab" ]] && break
            sleep 0.1
        done
    fi

    if has serve; then
        # --- 5. Serving known phones: wrk as http.sh, single vs A vs B ---
        SERVERS=(single a b)
        # Every request a device's own, in turn (http.sh's devices.lua).
        export PROVD_WRK_TARGETS="$TARGETS" PROVD_WRK_THREADS="$WRK_THREADS"
        cp "$REPO/benches/compare/devices.lua" "$RUN/devices.lua"
        ntargets=$(wc -l <"$TARGETS")
        # One pass through every target on each server (one curl, keep-alive):
        # a Yealink's first fetch records its trigger state.
        exec 9>"$LOCK"; flock 9
        for s in "${SERVERS[@]}"; do
            eval "hp=\$HTTP_$s"
            awk -F'\t' -v hp="$hp" 'NR > 1 { print "next" }
                { printf "url = \"http://%s%s\"\nuser-agent = \"%s\"\noutput = \"/dev/null\"\nwrite-out = \"%%{http_code}\\n\"\n", hp, $2, $1 }' \
                "$TARGETS" >"$RUN/warm-$s.curl"
            t0=$(now)
            codes=$(curl -s -K "$RUN/warm-$s.curl" | sort | uniq -c | tr -s ' ' | tr '\n' ' ' || true)
            log "warm-up $s: $codes($(python3 -c "print(round($(now) - $t0, 1))") s)"
            [[ $codes == " $ntargets 200 " ]] || { echo "warm-up of $s answered $codes (want $ntargets x 200)" >&2; rc=1; }
            rm -f "$RUN/warm-$s.curl"
        done
        flock -u 9; exec 9>&-
        # Until every store's writes stay put for a second, nothing waits in a
        # journal and both nodes have applied everything (at most 120 s).
        settled=""
        prev=""
        for _ in $(seq 120); do
            cur=$(for s in "${SERVERS[@]}"; do eval "metric \"\$API_$s\" provd_store_writes_total"; done | tr '\n' ' ')
            qa=$(metric "$API_a" provd_cluster_queued_records); qb=$(metric "$API_b" provd_cluster_queued_records)
            la=$(metric "$API_a" provd_cluster_latest_sequence); ab=$(metric "$API_b" provd_cluster_applied_sequence)
            aa=$(metric "$API_a" provd_cluster_applied_sequence)
            if [[ $cur == "$prev" && $qa == 0 && $qb == 0 && -n $la && $la == "$ab" && $la == "$aa" ]]; then settled=1; break; fi
            prev=$cur
            sleep 1
        done
        [[ -n $settled ]] || echo "the servers did not settle within 120 s (store writes $cur, queued $qa / $qb)" >&2
        # 100 sampled devices: the same bytes from the three.
        sample_bad=0
        while IFS=$'\t' read -r ua path _; do
            h=""
            for s in "${SERVERS[@]}"; do
                eval "hp=\$HTTP_$s"
                h+="$(curl -sf -m 5 -A "$ua" "http://$hp$path" | sha256sum | cut -c1-16 || echo failed) "
            done
            read -r h1 h2 h3 <<<"$h"
            [[ $h1 == "$h2" && $h2 == "$h3" && $h1 != failed ]] || sample_bad=$((sample_bad + 1))
        done < <(awk -v step="$(( (ntargets + 99) / 100 ))" 'NR % step == 1' "$TARGETS")
        log "serving: $ntargets targets; $sample_bad of 100 sampled devices not served the same bytes by single, A and B"
        (( sample_bad == 0 )) || rc=1
        jq -nc --argjson n "$ntargets" --argjson bad "$sample_bad" --argjson settled "$([[ -n $settled ]] && echo true || echo false)" \
            '{part: "serve_setup", targets: $n, sample_differing: $bad, settled: $settled}' >>"$RESULTS"

        to_ms() { # 1.23ms | 456.00us | 1.02s
            awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
        }
        # Busy CPU (µs) of the whole machine: all but idle and iowait.
        machine_us() { awk -v hz="$(getconf CLK_TCK)" '$1 == "cpu" { printf "%d\n", ($2 + $3 + $4 + $7 + $8 + $9) * 1000000 / hz }' /proc/stat; }
        # CPU time the hypervisor gave other guests (a virtual machine's steal).
        steal_us() { awk -v hz="$(getconf CLK_TCK)" '$1 == "cpu" { printf "%d\n", $9 * 1000000 / hz }' /proc/stat; }
        serve_run() { # SERVER ROUND
            local s=$1 round=$2 hp api out c0 c1 pg0 pg1 m0 m1 st0 st1 w0 w1 sh0 sh1 requests rps p50 p99 errors non2xx gen
            eval "hp=\$HTTP_$s; api=\$API_$s"
            out=$RUN/serve-$s-$round.wrk
            w0=$(metric "$api" provd_store_writes_total); sh0=$(metric "$api" provd_cluster_shipped_total)
            exec 9>"$LOCK"; flock 9
            c0=$(cpu_us "$s"); pg0=$(pg_cpu_us); m0=$(machine_us); st0=$(steal_us)
            TIMEFORMAT='%3U %3S'
            { time "$WRK" -t"$WRK_THREADS" -c"$CONNS" -d"${DURATION}s" --latency -s "$RUN/devices.lua" \
                "http://$hp/" >"$out" 2>&1; } 2>"$out.time" || true
            c1=$(cpu_us "$s"); pg1=$(pg_cpu_us); m1=$(machine_us); st1=$(steal_us)
            flock -u 9; exec 9>&-
            w1=$(metric "$api" provd_store_writes_total); sh1=$(metric "$api" provd_cluster_shipped_total)
            requests=$(awk '/requests in/ { print $1 }' "$out")
            rps=$(awk '/^Requests\/sec/ { print $2 }' "$out")
            p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")
            p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")
            errors=$(awk '/Socket errors/ { gsub(",", ""); print $4 + $6 + $8 + $10 }' "$out")
            non2xx=$(awk '/Non-2xx or 3xx responses/ { print $NF }' "$out")
            gen=$(awk '{ printf "%d", ($1 + $2) * 1000000 }' "$out.time")
            if [[ -z $requests || -z $rps || ${errors:-0} != 0 || -n $non2xx ]]; then
                echo "wrk against $s (round $round): $(grep -E 'requests in|Socket errors|Non-2xx' "$out" | tr '\n' ' ')" >&2; rc=1
            fi
            if [[ -n $w0 && -n $w1 && $w1 != "$w0" ]]; then echo "$s: $((w1 - w0)) store writes during serving round $round" >&2; rc=1; fi
            jq -nc --arg s "$s" --argjson round "$round" --argjson requests "${requests:-0}" --argjson rps "${rps:-0}" \
                --argjson p50 "$p50" --argjson p99 "$p99" --argjson errors "${errors:-0}" --argjson non2xx "${non2xx:-0}" \
                --argjson cpu "$((c1 - c0))" --argjson pg "$((pg1 - pg0))" --argjson machine "$((m1 - m0))" --argjson gen "$gen" --argjson steal "$((st1 - st0))" \
                --argjson writes "$( [[ -n $w0 && -n $w1 ]] && echo $((w1 - w0)) || echo null)" \
                --argjson shipped "$( [[ -n $sh0 && -n $sh1 ]] && echo $((sh1 - sh0)) || echo null)" \
                --argjson devices "$DEVICES" --argjson targets "$ntargets" --argjson duration "$DURATION" --argjson conns "$CONNS" \
                '{part: "serve", server: $s, round: $round, devices: $devices, targets: $targets, duration_s: $duration, conns: $conns,
                  requests: $requests, req_per_s: $rps, p50_ms: $p50, p99_ms: $p99, errors: $errors, non2xx: $non2xx,
                  server_cpu_s: ($cpu / 1e6), cpu_s_per_100k: (if $requests > 0 then $cpu / 1e6 / $requests * 100000 else null end),
                  pg_cpu_s: ($pg / 1e6), wrk_cpu_s: ($gen / 1e6),
                  other_cpu_s: ([($machine - $steal - $cpu - $pg - $gen) / 1e6, 0] | max), steal_s: ($steal / 1e6),
                  store_writes: $writes, shipped: $shipped}' | tee -a "$RESULTS" |
                jq -r '"   round \(.round) \(.server): \(.req_per_s | floor) req/s, p50 \(.p50_ms) ms, p99 \(.p99_ms) ms, server CPU \(.server_cpu_s) s (\(.cpu_s_per_100k * 1000 | round / 1000) s / 100k req), PostgreSQL \(.pg_cpu_s) s, wrk \(.wrk_cpu_s) s, other \(.other_cpu_s * 100 | round / 100) s, steal \(.steal_s * 100 | round / 100) s, store writes \(.store_writes)"' >&2
        }
        log "serving: wrk -t$WRK_THREADS -c$CONNS -d${DURATION}s over $ntargets devices, $ROUNDS rounds of ${SERVERS[*]}"
        for round in $(seq "$ROUNDS"); do
            for i in "${!SERVERS[@]}"; do
                serve_run "${SERVERS[$(( (i + round - 1) % ${#SERVERS[@]} ))]}" "$round"
            done
        done
    fi

    if has prop; then
        # --- 2. Propagation: a PUT on A until B serves the new bytes ---
        H='Content-Type: application/vnd.proformatique.provd+json'
        MAC=80:5e:c0:ff:fe:01
        UA="Yealink SIP-T46S 66.86.0.15 $MAC"
        FILE=/805ec0fffe01.cfg
        prop_doc() {
            printf '{"config": {"id": "prop-bench", "parent_ids": ["base", "defaultconfigdevice"], "deletable": true,
              "raw_config": {"sip_lines": {"1": {"username": "prop", "password": "secret", "display_name": "%s",
              "number": "1001", "proxy_ip": "127.0.0.1", "registrar_ip": "127.0.0.1"}}}}}' "$1"
        }
        fetch() { curl -s -m 2 -A "$UA" "http://$1$FILE"; }
        # Whether node $1 serves the file with display name $2. The whole
        # body is read (a `grep -q` that stops early can make curl fail on
        # the closed pipe, and pipefail then reports no match).
        serves() { local body; body=$(fetch "$1"); [[ $body$'\n' == *"display_name = $2"$'\n'* ]]; }
        curl -sf -o /dev/null -X POST -H "$H" "$API_a/cfg_mgr/configs" -d "$(prop_doc "Prop-0")"
        # The IP and firmware a curl from 127.0.0.1 with $UA reports: nothing to record.
        curl -sf -o /dev/null -X POST -H "$H" "$API_a/dev_mgr/devices" -d "{\"device\": {\"id\": \"prop-bench\", \"mac\": \"$MAC\",
            \"plugin\": \"wazo-yealink-v86\", \"config\": \"prop-bench\", \"ip\": \"127.0.0.1\", \"vendor\": \"Yealink\",
            \"model\": \"T46S\", \"version\": \"66.86.0.15\"}}"
        # B is asked over HTTP only once it has the device: a phone that asks B
        # before then gets a device of its own created there (autoprov).
        for _ in $(seq 300); do curl -sf -o /dev/null "$API_b/dev_mgr/devices/prop-bench" && break; sleep 0.05; done
        for _ in $(seq 100); do serves "$HTTP_b" Prop-0 && break; sleep 0.1; done
        if ! serves "$HTTP_b" Prop-0; then
            # What B serves instead, and the devices it has for the MAC.
            echo "B never served the propagation device: it answers $(curl -s -o /dev/null -w '%{http_code}' -A "$UA" \
                "http://$HTTP_b$FILE") with $(body=$(fetch "$HTTP_b"); grep -m1 display_name <<<"$body" || echo 'no display name')" >&2
            for n in a b; do
                eval "api=\$API_$n"
                echo "   devices with $MAC on $n: $(curl -s "$api/dev_mgr/devices?recurse=true&q=%7B%22mac%22%3A%22$MAC%22%7D" |
                    jq -c '[.devices[] | {id, config, added}]')" >&2
            done
            rc=1
        fi
        log "propagation: $CHANGES PUTs on A, B polled with curl (at most $PROP_TIMEOUT s each)"
        prop_ok=0; prop_missed=0; polls_total=0
        exec 9>"$LOCK"
        flock 9
        for i in $(seq "$CHANGES"); do
            marker="Prop-$i"
            body=$(prop_doc "$marker")
            t0=$(now)
            code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "$H" "$API_a/cfg_mgr/configs/prop-bench" -d "$body")
            t1=$(now)
            [[ $code == 204 ]] || { echo "PUT on A answered $code" >&2; rc=1; continue; }
            seen=""; polls=0
            deadline=$(( $(now_us) + PROP_TIMEOUT * 1000000 ))
            # Bounded: PROP_TIMEOUT seconds, and at most 5000 polls.
            while (( polls < 5000 )); do
                polls=$((polls + 1))
                if serves "$HTTP_b" "$marker"; then seen=$(now); break; fi
                (( $(now_us) < deadline )) || break
            done
            polls_total=$((polls_total + polls))
            if [[ -n $seen ]]; then
                prop_ok=$((prop_ok + 1))
                jq -nc --argjson put "$(python3 -c "print(($t1 - $t0) * 1000)")" \
                    --argjson after "$(python3 -c "print(($seen - $t1) * 1000)")" \
                    --argjson total "$(python3 -c "print(($seen - $t0) * 1000)")" --argjson polls "$polls" --argjson i "$i" \
                    '{part: "prop", i: $i, put_ms: $put, after_answer_ms: $after, after_put_start_ms: $total, polls: $polls}' >>"$RESULTS"
            else
                prop_missed=$((prop_missed + 1)); rc=1
                echo "change $i did not reach B within $PROP_TIMEOUT s" >&2
            fi
        done
        # The same with one keep-alive connection to each node (python's
        # http.client; a poll every millisecond): the resolution of a curl poll
        # is its process start.
        flock 9
        python3 - "$API_a" "$HTTP_b" "$UA" "$FILE" "$CHANGES" "$PROP_TIMEOUT" "$(prop_doc MARKER)" >>"$RESULTS" <<'PY' || rc=1
import http.client, json, sys, time
api, http_b, ua, path, n, timeout, template = sys.argv[1:]
n, timeout = int(n), float(timeout)
host, port = api.split("//")[1].split("/")[0].split(":")
a = http.client.HTTPConnection(host, int(port), timeout=5)
bh, bp = http_b.split(":")
b = http.client.HTTPConnection(bh, int(bp), timeout=5)
def get(conn, method, url, body=None, headers={}):
    for attempt in range(2):
        try:
            conn.request(method, url, body, headers)
            r = conn.getresponse()
            return r.status, r.read()
        except (http.client.HTTPException, OSError):
            conn.close()
    raise SystemExit(f"{method} {url}: no answer")
missed = 0
for i in range(1, n + 1):
    marker = f"Fine-{i}"
    t0 = time.monotonic()
    st, _ = get(a, "PUT", "/0.2/cfg_mgr/configs/prop-bench", template.replace("MARKER", marker),
                {"Content-Type": "application/vnd.proformatique.provd+json"})
    t1 = time.monotonic()
    if st != 204:
        raise SystemExit(f"PUT on A answered {st}")
    needle = f"display_name = {marker}\n".encode()
    polls, seen = 0, None
    while polls < 100000 and time.monotonic() - t1 < timeout:
        polls += 1
        st, body = get(b, "GET", path, headers={"User-Agent": ua})
        if needle in body:
            seen = time.monotonic()
            break
        time.sleep(0.001)
    if seen is None:
        missed += 1
        print(f"change {marker} did not reach B within {timeout} s", file=sys.stderr)
        continue
    print(json.dumps({"part": "prop_fine", "i": i, "put_ms": (t1 - t0) * 1e3, "after_answer_ms": (seen - t1) * 1e3,
                      "after_put_start_ms": (seen - t0) * 1e3, "polls": polls}))
sys.exit(1 if missed else 0)
PY
        flock -u 9
        # One poll alone: the resolution of the measurement.
        p0=$(now); for _ in $(seq 20); do fetch "$HTTP_b" >/dev/null; done; p1=$(now)
        poll_ms=$(python3 -c "print(round(($p1 - $p0) * 1000 / 20, 2))")
        exec 9>&-
        same=$([[ $(fetch "$HTTP_a" | sha256sum) == $(fetch "$HTTP_b" | sha256sum) ]] && echo true || echo false)
        jq -nc --argjson ok "$prop_ok" --argjson missed "$prop_missed" --argjson poll "$poll_ms" --argjson same "$same" \
            '{part: "prop_summary", ok: $ok, missed: $missed, poll_ms: $poll, same_bytes: $same}' >>"$RESULTS"
        log "propagation: $prop_ok reached B, $prop_missed did not; one poll of B $poll_ms ms; A and B serve the same bytes: $same"
        for n in a b; do
            eval "api=\$API_$n"
            curl -s "$api/status" | jq -c --arg n "$n" '{part: "status", node: $n, database: .database}' >>"$RESULTS"
        done
    fi
    stop_node b; stop_node a; stop_node single
fi

if has fc; then
    # --- 3. Phones' records: first contact, single vs cluster node ---
    for run in $(seq "$RUNS"); do
        order=(fc_single fc_cluster)
        (( run % 2 == 0 )) && order=(fc_cluster fc_single)
        for v in "${order[@]}"; do
            rm -rf "$RUN/$v"; cp -a "$RUN/fc-first" "$RUN/$v"
            if [[ $v == fc_cluster ]]; then
                db=provd_fc$run
                as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres "$db"
                node "$v" "$RUN/$v" --postgres "$(pg_url "$db")" --cluster-node "fc-a"
            else
                node "$v" "$RUN/$v"
            fi
            eval "target=\$HTTP_$v; api=\$API_$v"
            log "$PHONES phones, spread $SPREAD s, run $run, $v"
            pg0=$(pg_cpu_us)
            sampler=""
            if [[ $v == fc_cluster ]]; then
                # The queue's depth every 100 ms during the load (bounded in time).
                ( end=$(( $(now_us) + (MAX_DURATION + 30) * 1000000 ))
                  while (( $(now_us) < end )); do
                      echo "$(now) $(metric "$api" provd_cluster_queued_records)"
                      sleep 0.1
                  done ) >"$RUN/fc-queue-$run.txt" 2>/dev/null &
                sampler=$!
            fi
            measure "$v" "{\"part\":\"fc\",\"spread\":$SPREAD,\"run\":$run,\"start_s\":$(eval "echo \$START_$v")}" \
                --http "$target" --transport http --phones "$PHONES" --spread "$SPREAD" \
                --max-duration "$MAX_DURATION" --expect "$RUN/fc-export"
            [[ -n $sampler ]] && { kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true; }
            if [[ $v == fc_cluster ]]; then
                qpeak=$(awk '$2 ~ /^[0-9]+$/ && $2 > m {m = $2} END {print m + 0}' "$RUN/fc-queue-$run.txt")
                # From the load's end until every phone's record is in PostgreSQL.
                t0=$(now); q0=$(metric "$api" provd_cluster_queued_records); drained=""; qmax=${qpeak:-0}
                deadline=$(( $(now_us) + DRAIN_MAX * 1000000 ))
                while :; do
                    q=$(metric "$api" provd_cluster_queued_records)
                    if [[ $q =~ ^[0-9]+$ ]] && (( q > qmax )); then qmax=$q; fi
                    if [[ $q == 0 ]]; then drained=$(now); break; fi
                    (( $(now_us) < deadline )) || break
                    sleep 0.05
                done
                pg_cpu=$(( $(pg_cpu_us) - pg0 ))
                # The node's devices (id, ip, version) against PostgreSQL's records.
                curl -s "$api/dev_mgr/devices?recurse=true&fields=id,ip,version" |
                    jq -r '.devices[] | [.id, .ip // "", .version // ""] | @tsv' | sort >"$RUN/fc-node.tsv"
                psql_c "SELECT id, coalesce(doc->>'ip', ''), coalesce(doc->>'version', '') FROM provd_records WHERE kind = 'device'" "$db" |
                    tr '|' '\t' | sort >"$RUN/fc-db.tsv"
                stale=$(comm -3 "$RUN/fc-node.tsv" "$RUN/fc-db.tsv" | wc -l)
                ndev=$(wc -l <"$RUN/fc-db.tsv")
                (( stale == 0 )) || { echo "$stale device lines differ between the node and PostgreSQL" >&2; rc=1; }
                shipped=$(metric "$api" provd_cluster_shipped_total)
                [[ -n $drained ]] || { echo "the queue did not drain within $DRAIN_MAX s ($q left)" >&2; rc=1; }
                jq -nc --argjson run "$run" --argjson q0 "${q0:-null}" --argjson qmax "${qmax:-null}" \
                    --argjson drain "$( [[ -n $drained ]] && python3 -c "print($drained - $t0)" || echo null)" \
                    --argjson stale "${stale:-null}" --argjson ndev "${ndev:-null}" --argjson shipped "${shipped:-null}" --argjson pg "$((pg_cpu))" \
                    '{part: "fc_drain", run: $run, queued_at_end: $q0, queued_max_during_load: $qmax, drain_s: $drain,
                      devices_in_db: $ndev, devices_differing: $stale, shipped: $shipped, pg_cpu_s: ($pg / 1e6)}' | tee -a "$RESULTS" >&2
            fi
            stop_node "$v"
            rm -rf "$RUN/$v"
        done
    done
fi

# --- Tables ---
echo
echo "Cluster mode: $DEVICES devices, two nodes on one PostgreSQL ($(basename "$(dirname "$PGBIN")"))${PG_OPTS:+, $PG_OPTS}"
echo "results: $RESULTS"
python3 - "$RESULTS" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
med = lambda xs: statistics.median(xs) if xs else float("nan")
def pct(xs, p):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    import math
    return xs[min(max(math.ceil(p * len(xs)), 1), len(xs)) - 1]
part = lambda name: [r for r in rows if r.get("part") == name]

for start in part("start"):
    print(f"\nStart-up (s until the REST API answers): single {start['single_s']}, node A {start['a_s']} "
        f"(seeded the database with {start['a_seeded']} records; start-up render {start['a_render_s']} s), "
        f"node B {start['b_s']} ({start['b_loaded']}; start-up render {start['b_render_s']} s)")

ready = part("ready")
if ready:
    print(f"\nA new node on an empty data directory, {ready[0]['devices']:,} devices in PostgreSQL "
          f"(s from its exec; median of {len(ready)}: {med([r['ready_s'] for r in ready]):.2f} s until it serves the probe's file):")
    print("| node | serves the probe's file | 'loaded' line seen | start-up compile line seen | start-up compile (its own time) | REST API answers | answers before the file | sampled devices differing from A |")
    print("|---|---|---|---|---|---|---|---|")
    for r in ready:
        print(f"| {r['node']} | {r['ready_s']} | {r['loaded_line_s']} | {r['compile_line_s']} | {r['compile_s']} | {r['api_s']} | {r['wrong_answers']} | {r['sample_differing']} / 50 |")
    print(f"log: {ready[0]['loaded']}; start-up compile: {ready[0]['compile']}")

rest = part("rest")
if rest:
    print(f"\nREST writes (medians over the rounds of each round's p50 / p95 ms; writes/s):")
    print("| kind | clients | single p50 / p95 ms | cluster A p50 / p95 ms | p50 cluster / single | single writes/s | cluster writes/s | errors |")
    print("|---|---|---|---|---|---|---|---|")
    for kind in ["config_put", "config_post"]:
        for clients in sorted({r["clients"] for r in rest if r["kind"] == kind}):
            g = lambda s, k: med([r[k] for r in rest if r["kind"] == kind and r["clients"] == clients and r["server"] == s])
            err = sum(r["errors"] for r in rest if r["kind"] == kind and r["clients"] == clients)
            print(f"| {kind} | {clients} | {g('single','p50_ms'):.2f} / {g('single','p95_ms'):.2f} | "
                  f"{g('a','p50_ms'):.2f} / {g('a','p95_ms'):.2f} | {g('a','p50_ms') / g('single','p50_ms'):.2f}x | "
                  f"{g('single','writes_per_s'):,.0f} | {g('a','writes_per_s'):,.0f} | {err} |")
    for r in part("rest_cpu"):
        print(f"CPU over the REST part: single {r['single_s']:.1f} s, node A {r['a_s']:.1f} s, node B {r['b_s']:.1f} s, PostgreSQL {r['pg_s']:.1f} s")
    for r in part("rest_counters"):
        g = lambda k: r.get(k, 0)
        print(f"Store writes / commits over the REST part: single {g('single/provd_store_writes_total'):.0f} / {g('single/provd_store_commits_total'):.0f}, "
              f"A {g('a/provd_store_writes_total'):.0f} / {g('a/provd_store_commits_total'):.0f} "
              f"(records shipped {g('a/provd_cluster_shipped_total'):.0f}, changes read back {g('a/provd_cluster_applied_total'):.0f}), "
              f"B {g('b/provd_store_writes_total'):.0f} / {g('b/provd_store_commits_total'):.0f} (changes applied {g('b/provd_cluster_applied_total'):.0f})")
    print("every round (kind clients: server p50 ...):")
    for kind in ["config_put", "config_post"]:
        for clients in sorted({r["clients"] for r in rest if r["kind"] == kind}):
            for s in ["single", "a"]:
                xs = [f"{r['p50_ms']:.2f}" for r in sorted(rest, key=lambda r: r["round"]) if r["kind"] == kind and r["clients"] == clients and r["server"] == s]
                print(f"  {kind} {clients} {s}: " + " ".join(xs))

serve = part("serve")
if serve:
    setup = (part("serve_setup") or [{}])[0]
    print(f"\nServing known phones: wrk -t2 -c{serve[0]['conns']} -d{serve[0]['duration_s']}s keep-alive over {serve[0]['targets']:,} devices "
          f"(Yealink and Aastra) of {serve[0]['devices']:,}; medians of {len(serve) // 3} rounds "
          f"(sampled devices differing between the three: {setup.get('sample_differing')}; settled before: {setup.get('settled')}):")
    print("| server | req/s | vs single | server CPU s / 100k req | CPU vs single | p50 ms | p99 ms | store writes | records shipped | PostgreSQL CPU s | other CPU s | steal s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    g = lambda s, k: med([r[k] for r in serve if r["server"] == s])
    for s in ["single", "a", "b"]:
        rs = [r for r in serve if r["server"] == s]
        sh = [r["shipped"] for r in rs if r["shipped"] is not None]
        print(f"| {s} | {g(s, 'req_per_s'):,.0f} | {g(s, 'req_per_s') / g('single', 'req_per_s'):.3f}x | {g(s, 'cpu_s_per_100k'):.3f} | "
              f"{g(s, 'cpu_s_per_100k') / g('single', 'cpu_s_per_100k'):.3f}x | {g(s, 'p50_ms'):.2f} | {g(s, 'p99_ms'):.2f} | "
              f"{sum(r['store_writes'] or 0 for r in rs)} | {sum(sh) if sh else '-'} | {g(s, 'pg_cpu_s'):.2f} | {g(s, 'other_cpu_s'):.2f} | {g(s, 'steal_s'):.2f} |")
    print("every run in round order, req/s (CPU s / 100k req; other CPU s):")
    for s in ["single", "a", "b"]:
        print(f"  {s}: " + "; ".join(f"{r['req_per_s']:,.0f} ({r['cpu_s_per_100k']:.3f}; {r['other_cpu_s']:.2f})" for r in sorted(serve, key=lambda r: r["round"]) if r["server"] == s))
    for s in ["a", "b"]:
        ratios = [r["req_per_s"] / q["req_per_s"] for r in serve for q in serve
                  if r["server"] == s and q["server"] == "single" and r["round"] == q["round"]]
        print(f"  {s} / single per round: " + " ".join(f"{x:.3f}" for x in ratios))

prop = part("prop")
if prop:
    ps = part("prop_summary")[0]
    a = [r["after_answer_ms"] for r in prop]
    t = [r["after_put_start_ms"] for r in prop]
    put = [r["put_ms"] for r in prop]
    print(f"\nPropagation A -> B ({ps['ok']} changes reached B, {ps['missed']} did not; one curl poll of B {ps['poll_ms']} ms; "
          f"same bytes at the end: {ps['same_bytes']}):")
    print("| from | p50 ms | p95 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|")
    print(f"| A's answer to the PUT until B serves the new file | {pct(a, .5):.1f} | {pct(a, .95):.1f} | {pct(a, .99):.1f} | {max(a):.1f} |")
    print(f"| the PUT's start (the PUT itself: p50 {pct(put, .5):.1f} ms, p99 {pct(put, .99):.1f} ms) | {pct(t, .5):.1f} | {pct(t, .95):.1f} | {pct(t, .99):.1f} | {max(t):.1f} |")
    print(f"polls per change: median {med([r['polls'] for r in prop])}, max {max(r['polls'] for r in prop)}")
fine = part("prop_fine")
if fine:
    a = [r["after_answer_ms"] for r in fine]
    t = [r["after_put_start_ms"] for r in fine]
    put = [r["put_ms"] for r in fine]
    print(f"\nPropagation A -> B, one keep-alive connection per node, a poll every ms ({len(fine)} changes):")
    print("| from | p50 ms | p95 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|")
    print(f"| A's answer to the PUT until B serves the new file | {pct(a, .5):.1f} | {pct(a, .95):.1f} | {pct(a, .99):.1f} | {max(a):.1f} |")
    print(f"| the PUT's start (the PUT itself: p50 {pct(put, .5):.1f} ms, p99 {pct(put, .99):.1f} ms) | {pct(t, .5):.1f} | {pct(t, .95):.1f} | {pct(t, .99):.1f} | {max(t):.1f} |")
    print(f"polls per change: median {med([r['polls'] for r in fine])}, max {max(r['polls'] for r in fine)}")

fc = part("fc")
drain = part("fc_drain")
if fc:
    print(f"\nFirst contact, {fc[0].get('phones', '?')} phones (medians of {len(fc) // 2} runs):")
    print("| server | files/s | ratio | p50 ms | p99 ms | failed | server CPU s | start s |")
    print("|---|---|---|---|---|---|---|---|")
    base = med([r.get("files_per_s", 0) for r in fc if r["server"] == "fc_single"])
    for s in ["fc_single", "fc_cluster"]:
        rs = [r for r in fc if r["server"] == s]
        fps = med([r.get("files_per_s", 0) for r in rs])
        print(f"| {s} | {fps:,.0f} | {fps / base:.2f}x | {med([r['latency']['request']['p50_ms'] for r in rs]):.1f} | "
              f"{med([r['latency']['request']['p99_ms'] for r in rs]):.1f} | {sum(r['errors']['total'] for r in rs)} | "
              f"{med([r['server_cpu_s'] for r in rs]):.2f} | {med([r['start_s'] for r in rs]):.1f} |")
    print("every run, files/s: " + "; ".join(f"{r['server']} run {r['run']} {r.get('files_per_s', 0):,.0f}" for r in fc))
    for d in drain:
        print(f"run {d['run']}: queued at most {d['queued_max_during_load']} during the load, {d['queued_at_end']} at its end, drained in {d['drain_s'] if d['drain_s'] is None else round(d['drain_s'], 2)} s, "
              f"records shipped {d['shipped']}, devices in PostgreSQL {d['devices_in_db']}, differing from the node's (id, ip, version) {d['devices_differing']}, "
              f"PostgreSQL CPU {d['pg_cpu_s']:.1f} s")
PY
exit $rc
