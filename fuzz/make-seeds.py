#!/usr/bin/env python3
"""Writes the seed corpora in fuzz/corpus/<target>/seed-*.

Realistic inputs in each target's input layout (see the header comment of
each fuzz_targets/*.rs): TFTP requests as phones and atftp/tftp-hpa send
them; phone HTTP requests with each family's User-Agent and boot paths, from
the family registry (`provd-loadgen --list-phones`: every family provd has,
as the load generator simulates it); the identification vectors
(tests/data/ident-vectors.tsv), DHCP vendor classes among them.

The registry listing comes from $PROVD_LOADGEN (a built provd-loadgen) when
set, else from `cargo run --release -p provd-tools --bin provd-loadgen`.
Idempotent: rerun after editing (or after adding a family); the seeds of a
target are rewritten whole, files the fuzzer added to the corpus (named by
hash) are left alone.
"""

import os
import struct
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
CLEARED = set()


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if target not in CLEARED:
        # Seeds renamed or dropped since the last run do not linger.
        CLEARED.add(target)
        for old in os.listdir(d):
            if old.startswith("seed-"):
                os.remove(os.path.join(d, old))
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def registry_phones():
    """One phone per model of every family: [family, plugin, model, version,
    MAC, User-Agent, boot path...] (paths without their leading /)."""
    loadgen = os.environ.get("PROVD_LOADGEN")
    argv = [loadgen] if loadgen else ["cargo", "run", "--release", "--quiet", "-p", "provd-tools",
                                      "--bin", "provd-loadgen", "--"]
    out = subprocess.run(argv + ["--list-phones"], cwd=REPO, check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def unescape(s):
    """The escapes of ident-vectors.tsv: \\xNN for any byte, \\\\ for a backslash."""
    out, i = bytearray(), 0
    while i < len(s):
        if s.startswith("\\\\", i):
            out += b"\\"
            i += 2
        elif s.startswith("\\x", i):
            out.append(int(s[i + 2:i + 4], 16))
            i += 4
        else:
            out += s[i].encode()
            i += 1
    return bytes(out)


# One phone per plugin of each family (its first model): a few seeds per
# family, whatever the registry holds.
PHONES = []
for row in registry_phones():
    if not any(p[0] == row[0] and p[1] == row[1] for p in PHONES):
        PHONES.append(row)
with open(os.path.join(REPO, "tests", "data", "ident-vectors.tsv")) as f:
    VECTORS = [line.rstrip("\n").split("\t")[:2] for line in f][1:]


def rrq(filename, mode="octet", options=(), op=1):
    out = struct.pack(">H", op) + filename.encode() + b"\0" + mode.encode() + b"\0"
    for k, v in options:
        out += k.encode() + b"\0" + v.encode() + b"\0"
    return out


# ---------------------------------------------------------------- tftp_packet
# [limits selector][file length u64 LE][datagram]
def pkt(selector, file_len, datagram):
    return bytes([selector]) + struct.pack("<Q", file_len) + datagram


tftp = {
    "rrq-plain": rrq("SEP001122334455.cnf.xml"),
    "rrq-atftp": rrq("y000000000044.cfg", options=[("blksize", "1428"), ("tsize", "0"), ("windowsize", "16")]),
    "rrq-curl": rrq("Aastra/aastra.cfg", options=[("tsize", "0"), ("blksize", "512")]),
    "rrq-timeout": rrq("805ec0d57d72.cfg", options=[("timeout", "3"), ("BlkSize", "8")]),
    "rrq-uboot": rrq("uImage", options=[("blksize", "1468"), ("windowsize", "64"), ("timeout", "1")]),
    "rrq-unknown-opt": rrq("ITLFile.tlv", options=[("x-vendor", ""), ("blksize", "65464")]),
    "rrq-netascii": rrq("init.cfg", mode="netascii"),
    "rrq-padded": rrq("/init.cfg") + b"\0\0\0\0",
    "wrq": rrq("upload.cfg", op=2),
    "ack": b"\x00\x04\x00\x01",
    "data": b"\x00\x03\x00\x01hello",
    "error": b"\x00\x05\x00\x01file not found\x00",
    "oack": b"\x00\x06blksize\x001428\x00tsize\x004096\x00",
}
for i, (name, d) in enumerate(tftp.items()):
    write("tftp_packet", name, pkt(i, [0, 1, 4096, 1 << 20, 1428 * 3][i % 5], d))

# ---------------------------------------------------------------- tftp_transfer
# flags, blksize, windowsize, timeout, 4 limit bytes, file length, events
def transfer(flags, blksize, windowsize, timeout, limits, length, events):
    head = bytes([flags]) + struct.pack(">HHB", blksize, windowsize, timeout) + bytes(limits)
    if flags & 128:
        head += struct.pack("<Q", length)
    else:
        head += struct.pack("<I", length)[:3]
    return head + bytes(events)


GOOD = [2, 255]  # a good client for 256 rounds
write("tftp_transfer", "classic-complete", transfer(0, 0, 0, 0, [0] * 4, 1500, [0, 0, 0, 0, 0]))
write("tftp_transfer", "options-complete", transfer(1 | 2 | 8, 1428, 16, 0, [0] * 4, 100_000, GOOD))
write("tftp_transfer", "window-loss", transfer(1 | 2, 512, 8, 0, [0] * 4, 20_000, [0, 3, 3, 0, 6, 0, 5, 0] + GOOD))
write("tftp_transfer", "silent-peer", transfer(8, 0, 0, 0, [0] * 4, 4096, [6, 0, 6, 0, 6, 0]))
write("tftp_transfer", "dup-acks", transfer(1 | 4, 8, 0, 2, [0] * 4, 64, [0, 5, 5, 0, 5, 7, 10, 0]))
write("tftp_transfer", "tight-limits", transfer(2 | 64, 0, 200, 0, [1, 0, 4, 10], 60_000, [0, 0, 6, 0, 3, 5, 2, 40]))
write("tftp_transfer", "peer-error", transfer(1 | 2 | 4 | 8 | 16, 1024, 4, 1, [0] * 4, 9000, [0, 0, 9, 1]))
write("tftp_transfer", "garbage", transfer(0, 0, 0, 0, [0] * 4, 700, [0, 8, 6, 0, 1, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46]))
write("tftp_transfer", "wrap", transfer(1 | 2 | 64, 8, 64, 0, [3, 1, 64, 255], 0x90000, [4, 0xff, 0xff] + GOOD * 4))

# ---------------------------------------------------------------- http_request
# [control][file length u64 LE][buffer]
# Paths no family asks for, paired with the phones' User-Agents in turn.
ODD_PATHS = ["/firmware/T46-28.83.0.120.rom", "/%2e%2e/etc/passwd", "/a/./b//c.xml?mac=001122"]


def http(method, path, headers, version="1.1"):
    out = f"{method} {path} HTTP/{version}\r\n"
    for k, v in headers:
        out += f"{k}: {v}\r\n"
    return (out + "\r\n").encode()


for i, phone in enumerate(PHONES):
    ua, path = phone[5], "/" + phone[6]
    req = http("GET", path, [("Host", "10.0.0.1:8667"), ("User-Agent", ua), ("Accept", "*/*")])
    write("http_request", f"ua-{i}", bytes([i * 29 % 256]) + struct.pack("<Q", 4096 + i) + req)
for i, path in enumerate(ODD_PATHS):
    req = http("GET", path, [("Host", "10.0.0.1:8667"), ("User-Agent", PHONES[i % len(PHONES)][5])])
    write("http_request", f"odd-{i}", bytes([i * 31 % 256]) + struct.pack("<Q", 512 + i) + req)
write("http_request", "conditional", bytes([4]) + struct.pack("<Q", 4096) + http(
    "GET", "/a.xml", [("Host", "h"), ("If-None-Match", '"0123456789abcdef"'), ("X-Forwarded-For", "10.20.30.40")]))
write("http_request", "range", bytes([1 | 8]) + struct.pack("<Q", 100) + http(
    "GET", "/a.cfg", [("Host", "h"), ("Range", "bytes=-10"), ("If-Range", "Sun, 06 Nov 1994 08:49:37 GMT"),
                      ("X-Forwarded-For", "6.6.6.6, [2001:db8::1]:80"), ("X-Forwarded-For", "10.0.0.2")]))
write("http_request", "ims", bytes([12]) + struct.pack("<Q", 1234) + http(
    "HEAD", "http://prov.example:8667/x.cfg", [("Connection", "keep-alive"),
                                                ("If-Modified-Since", "Sunday, 06-Nov-94 08:49:37 GMT")], "1.0"))
write("http_request", "pipelined", bytes([16 | 2]) + struct.pack("<Q", 0) + http(
    "GET", "/k/x.cfg", [("Host", "h")]) + http("OPTIONS", "*", [("Host", "h"), ("Origin", "http://x")]) + http(
    "PUT", "/x", [("Host", "h"), ("Content-Length", "0")]))
write("http_request", "bad", bytes([0]) + struct.pack("<Q", 1) + b"GET /x HTTP/1.1\r\nHost : h\nX: y\r\n\r\n")

# ---------------------------------------------------------------- identify
# [kind][bytes]: 0 path\nUA, 1 HTTP path, 2 TFTP file name, 3 DHCP vendor class
for i, phone in enumerate(PHONES):
    ua, paths = phone[5].encode(), phone[6:]
    write("identify", f"ua-{i}", b"\x00/" + paths[0].encode() + b"\n" + ua)
    write("identify", f"path-{i}", b"\x01/" + paths[-1].encode())
    write("identify", f"tftp-{i}", b"\x02" + paths[0].encode())
KINDS = {"http-ua": b"\x00/\n", "http-path": b"\x01", "tftp-path": b"\x02", "dhcp-vendor": b"\x03"}
for i, (protocol, text) in enumerate(VECTORS):
    write("identify", f"vector-{i}", KINDS[protocol] + unescape(text))
