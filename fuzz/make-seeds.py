#!/usr/bin/env python3
"""Writes the seed corpora in fuzz/corpus/<target>/seed-*.

Realistic inputs in each target's input layout (see the header comment of
each fuzz_targets/*.rs): TFTP requests as phones and atftp/tftp-hpa send
them, phone HTTP requests with real User-Agents (from the identification
vectors), DHCP vendor classes. Idempotent: rerun after editing; files the
fuzzer added to the corpus (named by hash) are left alone.
"""

import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


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
UAS = [
    "Aastra6731i MAC:00-08-5D-23-74-29 V:3.2.0.70-SIP",
    "Mitel6920 MAC:14-00-E9-1F-03-EA V:6.4.0.140-SIP",
    "Yealink SIP-T46G 28.72.0.1 00:15:65:4a:a9:37",
    "Yealink SIP VP-T49G 51.80.0.10 00:15:65:9b:5a:44",
    "Yealink W80B 103.83.0.90 80:5e:c0:71:01:38",
    "Yealink-T46G 28.71.0.81 28.1.0.128.0.0.0",
    "Cisco/SPA508G-7.4.4 (0002FDFF2103)(CBT141400UK)",
    "FileTransport PolycomSoundPointIP-SPIP_335-UA/4.2.1.0275",
    "Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 2010.12-00004-g9ba52f5 000413922D24 SXM:0 UXM:0)",
]
PATHS = ["/y000000000044.cfg", "/001565aabbcc.cfg", "/Aastra/00085D237429.cfg", "/secure123/805ec0d57d72.cfg",
         "/Aastra/aastra.cfg", "/firmware/T46-28.83.0.120.rom", "/%2e%2e/etc/passwd", "/a/./b//c.xml?mac=001122"]


def http(method, path, headers, version="1.1"):
    out = f"{method} {path} HTTP/{version}\r\n"
    for k, v in headers:
        out += f"{k}: {v}\r\n"
    return (out + "\r\n").encode()


for i, ua in enumerate(UAS):
    path = PATHS[i % len(PATHS)]
    req = http("GET", path, [("Host", "10.0.0.1:8667"), ("User-Agent", ua), ("Accept", "*/*")])
    write("http_request", f"ua-{i}", bytes([i * 29 % 256]) + struct.pack("<Q", 4096 + i) + req)
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
for i, ua in enumerate(UAS):
    write("identify", f"ua-{i}", b"\x00" + PATHS[i % len(PATHS)].encode() + b"\n" + ua.encode())
for i, path in enumerate(["/805ec0123456.cfg", "/y000000000025.cfg", "/001565AABBCC.cfg?x=1", "/ITLFile.tlv"]):
    write("identify", f"path-{i}", b"\x01" + path.encode())
for i, name in enumerate(["SEP001122334455.cnf.xml", "/init.cfg", "ITLFile.tlv", "Aastra/00085D237429.cfg"]):
    write("identify", f"tftp-{i}", b"\x02" + name.encode())
for i, vc in enumerate([b"Cisco Systems, Inc. IP Phone CP-7960G\x00", b"digium_D40_1_1_0_0_48178", b"LINKSYS SPA-942",
                        b"AastraIPPhone6731i", b"yealink"]):
    write("identify", f"dhcp-{i}", b"\x03" + vc)
