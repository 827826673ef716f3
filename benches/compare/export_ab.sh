#!/usr/bin/env bash
# Two provd-compile builds, one fleet: does the new build serve exactly the
# bytes the old one did? The check a refactor of the render path (or of
# anything the code id hashes) must pass before it lands.
#
#   benches/compare/export_ab.sh OLD_BINARY NEW_BINARY
#
# FLEET is a wazo-provd jsondb directory (devices/, configs/), e.g. from
# `provd-bench fleet --devices 10000 --out /tmp/provd-export-ab-fleet`
# (written there when missing; every bundled plugin's models).
#
# Two paths, each compared file by file with `diff -r`:
# - upgrade: OLD imports and publishes the fleet; a copy of its data
#   directory is recompiled by NEW with --force (every device rendered
#   again by the new code, on the store the old code wrote);
# - fresh import: OLD bootstraps an empty data directory (the bootstrap
#   draws a random admin password, so both imports start from the same
#   one), then each binary imports the fleet into its own copy.
# Exit status 0 when both exports are identical to OLD's, 1 otherwise.
#
# Environment (defaults): FLEET=/tmp/provd-export-ab-fleet DEVICES=10000
# OUT=/tmp/provd-export-ab

set -euo pipefail

[[ $# == 2 ]] || { sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
OLD=$1
NEW=$2
FLEET=${FLEET:-/tmp/provd-export-ab-fleet}
DEVICES=${DEVICES:-10000}
OUT=${OUT:-/tmp/provd-export-ab}
for f in "$OLD" "$NEW"; do [[ -x $f ]] || { echo "export_ab.sh: $f is not executable" >&2; exit 2; }; done

if [[ ! -d $FLEET/devices ]]; then
    bench=$(dirname "$NEW")/provd-bench
    [[ -x $bench ]] || { echo "export_ab.sh: no fleet in $FLEET and no $bench to write one" >&2; exit 2; }
    "$bench" fleet --devices "$DEVICES" --out "$FLEET" >&2
fi
rm -rf "$OUT" && mkdir -p "$OUT"

# Upgrade path.
"$OLD" --data "$OUT/old" --import-wazo-jsondb "$FLEET" >"$OUT/old.log" 2>&1
"$OLD" --data "$OUT/old" --export "$OUT/old-export" >>"$OUT/old.log" 2>&1
cp -a "$OUT/old" "$OUT/upgraded"
"$NEW" --data "$OUT/upgraded" --force >"$OUT/upgraded.log" 2>&1
"$NEW" --data "$OUT/upgraded" --export "$OUT/upgraded-export" >>"$OUT/upgraded.log" 2>&1

# Fresh import from one bootstrapped directory.
"$OLD" --data "$OUT/empty" >"$OUT/empty.log" 2>&1
cp -a "$OUT/empty" "$OUT/fresh-old"
cp -a "$OUT/empty" "$OUT/fresh-new"
for side in old new; do
    bin=$OLD
    [[ $side == new ]] && bin=$NEW
    "$bin" --data "$OUT/fresh-$side" --import-wazo-jsondb "$FLEET" >"$OUT/fresh-$side.log" 2>&1
    "$bin" --data "$OUT/fresh-$side" --export "$OUT/fresh-$side-export" >>"$OUT/fresh-$side.log" 2>&1
done

status=0
files=$(find "$OUT/old-export" -type f | wc -l)
bytes=$(du -sb "$OUT/old-export" | cut -f1)
compare() {
    local what=$1 a=$2 b=$3
    if diff -rq "$a" "$b" >"$OUT/$what.diff" 2>&1; then
        echo "$what: identical ($files files, $bytes bytes)"
    else
        echo "$what: $(wc -l <"$OUT/$what.diff") files differ (see $OUT/$what.diff)"
        status=1
    fi
}
compare upgrade "$OUT/old-export" "$OUT/upgraded-export"
files=$(find "$OUT/fresh-old-export" -type f | wc -l)
bytes=$(du -sb "$OUT/fresh-old-export" | cut -f1)
compare fresh-import "$OUT/fresh-old-export" "$OUT/fresh-new-export"
exit $status
