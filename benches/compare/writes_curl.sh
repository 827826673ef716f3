#!/usr/bin/env bash
# REST writes, timed as a client sees them (curl's time_total), on one data
# directory: POST of a config no device uses, PUT of a config one device
# uses, POST of a device; p50 and p90 of N calls each.
#
#   benches/compare/writes_curl.sh BIN_DIR DATA_DIR [PORT] [N]
#
# BIN_DIR holds provd-server; DATA_DIR is used as is (take a copy: the
# calls add configs and devices). A 100k fleet:
#   provd-bench fleet --devices 100000 --out /tmp/w100/fleet
#   provd-compile --data /tmp/w100/data --import-wazo-jsondb /tmp/w100/fleet
# An empty store: provd-compile --data /tmp/w0/data. The PUT uses a
# wazo-yealink-v86 device's config; without one (an empty store) a device
# and its config are created first.
#
# Environment (defaults): LOCK=/tmp/provd-bench.lock

set -uo pipefail

[[ $# -ge 2 ]] || { sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
BIN=$1 DATA=$2 P=${3:-19100} N=${4:-50}
exec 9>"${LOCK:-/tmp/provd-bench.lock}"
flock 9
API=127.0.0.1:$P
H='Content-Type: application/vnd.proformatique.provd+json'
"$BIN/provd-server" --data "$DATA" --http "127.0.0.1:$((P + 1))" --tftp "127.0.0.1:$((P + 2))" \
    --api "$API" --api-no-auth >"$DATA.server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null' EXIT
for _ in $(seq 1 600); do curl -s -o /dev/null "http://$API/0.2/cfg_mgr" && break; sleep 0.5; done

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
p50() { sort -n | awk '{a[NR]=$1} END {printf "p50 %.2f ms  p90 %.2f ms  (n=%d)\n", a[int(NR*0.5)+1]*1000, a[int(NR*0.9)+1]*1000, NR}'; }

DEV=$(curl -s "http://$API/0.2/dev_mgr/devices?q=%7B%22plugin%22%3A%22wazo-yealink-v86%22%7D" |
    json 'd["devices"][0]["id"] if d["devices"] else ""')
if [[ -z $DEV ]]; then
    curl -s -o /dev/null -X POST -H "$H" "http://$API/0.2/cfg_mgr/configs" -d '{"config": {"id": "bench-one", "parent_ids": ["base", "defaultconfigdevice"], "raw_config": {"sip_lines": {"1": {"username": "u1", "display_name": "One", "proxy_ip": "10.0.0.10"}}}}}'
    DEV=$(curl -s -X POST -H "$H" "http://$API/0.2/dev_mgr/devices" -d '{"device": {"mac": "02:01:00:00:00:01", "ip": "127.0.8.1", "plugin": "wazo-yealink-v86", "config": "bench-one", "model": "T46S", "vendor": "Yealink"}}' | json 'd["id"]')
fi
echo "$(curl -s "http://$API/metrics" | grep '^provd_devices ')"

echo -n "config POST (no device uses it): "
for i in $(seq 1 "$N"); do
    curl -s -o /dev/null -w '%{time_total}\n' -X POST -H "$H" "http://$API/0.2/cfg_mgr/configs" \
        -d "{\"config\": {\"id\": \"bench-$$-$i\", \"parent_ids\": [\"base\"], \"raw_config\": {\"sip_lines\": {\"1\": {\"username\": \"u$i\", \"proxy_ip\": \"10.0.0.10\"}}}}}"
done | p50

CFG=$(curl -s "http://$API/0.2/dev_mgr/devices/$DEV" | json 'd["device"]["config"]')
DOC=$(curl -s "http://$API/0.2/cfg_mgr/configs/$CFG")
BODIES=$(mktemp -d)
for i in $(seq 1 "$N"); do
    echo "$DOC" | json "(d['config']['raw_config']['sip_lines']['1'].__setitem__('display_name', 'Bench $$ $i'), json.dumps(d))[1]" >"$BODIES/$i"
done
echo -n "config PUT (one device, $DEV): "
for i in $(seq 1 "$N"); do
    curl -s -o /dev/null -w '%{time_total}\n' -X PUT -H "$H" "http://$API/0.2/cfg_mgr/configs/$CFG" -d "@$BODIES/$i"
done | p50
rm -r "$BODIES"

echo -n "device POST: "
for i in $(seq 1 "$N"); do
    mac=$(printf '02:00:%02x:%02x:%02x:%02x' $((RANDOM % 256)) $((RANDOM % 256)) $((i / 256)) $((i % 256)))
    curl -s -o /dev/null -w '%{time_total}\n' -X POST -H "$H" "http://$API/0.2/dev_mgr/devices" \
        -d "{\"device\": {\"mac\": \"$mac\", \"ip\": \"127.9.$((i / 256)).$((i % 256))\", \"plugin\": \"wazo-yealink-v86\", \"config\": \"defaultconfigdevice\", \"model\": \"T46S\", \"vendor\": \"Yealink\"}}"
done | p50
curl -s "http://$API/metrics" | grep -E '^provd_(generation|compiles_total) '
