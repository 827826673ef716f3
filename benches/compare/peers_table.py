"""Tables of medians and ratios from the JSON lines tftp.sh, massboot.sh and
resources.sh append (one provd-loadgen report per run, plus the script's
tags and the server's CPU time over the run).

    peers_table.py RESULTS.jsonl KEY[,KEY...] BASELINE

Groups the runs by KEY (e.g. phones,blksize), prints per group and server
the medians over the runs, and each server's ratio against BASELINE (the
peer: tftpd-hpa, nginx). Then every run, one line each.

Exit status: 0 no failed transfer; 1 provd had failed transfers; 3 only a
peer had (the comparison is reported, but the peer's numbers include
retries that gave up)."""

import json
import statistics
import sys


def failed(r):
    """Transfers that did not complete: errors (each ends its phone's boot)
    plus boots cut by --max-duration or never started."""
    if not r.get("phones"):
        return 1  # the loadgen did not report: count the run as failed
    planned = r["phones"] * r["config"]["repeat"]
    return r["errors"]["total"] + max(0, planned - r["boots_ok"] - r["boots_failed"])


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def main():
    path, keys, baseline = sys.argv[1], sys.argv[2].split(","), sys.argv[3]
    runs = [json.loads(line) for line in open(path) if line.strip()]
    groups = {}
    for r in runs:
        groups.setdefault(tuple(r.get(k) for k in keys), {}).setdefault(r["server"], []).append(r)

    head = keys + ["server", "runs", "files/s", "ratio", "req/s", "KiB/file", "p50 ms", "p99 ms", "max ms", "failed",
                   "retransmits", "server CPU s", "CPU ms/1k files", "peer CPU / this CPU"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for key, servers in groups.items():
        base = servers.get(baseline, [])
        base_rate = med([r.get("files_per_s", 0) for r in base])
        base_cpu = med([r["server_cpu_s"] / max(r.get("files", 0), 1) for r in base])
        for name in sorted(servers, key=lambda s: s == baseline):
            rs = servers[name]
            rate = med([r.get("files_per_s", 0) for r in rs])
            cpu_per = med([r["server_cpu_s"] / max(r.get("files", 0), 1) for r in rs])
            lat = lambda q: med([r["latency"]["request"][q] for r in rs if "latency" in r])
            row = list(key) + [
                name,
                len(rs),
                f"{rate:,.0f}",
                f"{rate / base_rate:.1f}x" if base and name != baseline else "1.0x" if base else "",
                f"{med([r.get('requests_per_s', 0) for r in rs]):,.0f}",
                f"{med([r.get('bytes', 0) / max(r.get('files', 0), 1) for r in rs]) / 1024:.1f}",
                f"{lat('p50_ms'):.2f}",
                f"{lat('p99_ms'):.2f}",
                f"{lat('max_ms'):.1f}",
                sum(failed(r) for r in rs),
                sum(r.get("tftp_retransmits", 0) for r in rs),
                f"{med([r['server_cpu_s'] for r in rs]):.3f}",
                f"{cpu_per * 1e6:.0f}",
                f"{base_cpu / cpu_per:.1f}x" if base and name != baseline and cpu_per > 0 else "",
            ]
            print("| " + " | ".join(str(c) for c in row) + " |")

    print()
    print("Every run (files/s, p99 ms, failed, server CPU s):")
    for key, servers in groups.items():
        for name, rs in servers.items():
            cells = ", ".join(
                f"{r.get('files_per_s', 0):,.0f}/s {r.get('latency', {}).get('request', {}).get('p99_ms', 0):.1f}ms"
                f" {failed(r)}f {r['server_cpu_s']:.2f}s"
                for r in rs
            )
            print(f"  {dict(zip(keys, key))} {name}: {cells}")

    provd_failed = sum(failed(r) for r in runs if r["server"].startswith("provd"))
    peer_failed = sum(failed(r) for r in runs if not r["server"].startswith("provd"))
    if provd_failed:
        print(f"\nFAILED: provd had {provd_failed} failed transfers", file=sys.stderr)
        sys.exit(1)
    if peer_failed:
        print(f"\nnote: the peer had {peer_failed} failed transfers (provd none)", file=sys.stderr)
        sys.exit(3)


if __name__ == "__main__":
    main()
