#!/usr/bin/env python3
"""Builds the MLD captures in this folder (issue 12), with nothing but the
standard library, so the bytes do not depend on ipv4kit's codec:

- mld-link-layers.pcapng: the same MLDv2 report behind every link layer
  `decode` knows that carries IPv6 (one pcapng interface per link type):
  Ethernet, Ethernet with an 802.1Q tag, raw IP (101, 12, 14), raw IPv6
  (229), Linux cooked v1 and v2, BSD NULL with AF_INET6 as NetBSD/OpenBSD
  (24), FreeBSD (28) and macOS (30) number it, in both byte orders,
  OpenBSD LOOP, PPP and Cisco HDLC.
- mld-messages.pcap (raw IPv6): every MLD message kind, a query with
  sources and S flag, a report with sources and aux data, a bad checksum,
  an extra octet after a v1 report, destination options, a fragment, a
  neighbor solicitation, UDP.
- mld-snaplen-cuts.pcap (Ethernet): an MLDv2 report frame cut by a snap
  length at every offset.

    python3 tests/data/built/make_mld.py      # rewrites the files in place
"""
import ipaddress
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
TS = 1_700_000_000  # 2023-11-14T22:13:20Z
SRC_MAC = bytes.fromhex("020000000001")
HBH_RA = bytes([58, 0, 5, 2, 0, 0, 1, 0])  # NH 58, Router Alert 0 (MLD), PadN(0)


def a6(s):
    return ipaddress.IPv6Address(s).packed


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def icmp6(src, dst, msg, bad=False):
    """msg with its checksum (RFC 4443 §2.3) filled in; `bad` flips it."""
    pseudo = a6(src) + a6(dst) + struct.pack("!IxxxB", len(msg), 58)
    c = csum(pseudo + msg[:2] + b"\0\0" + msg[4:])
    if bad:
        c ^= 0x0101
    return msg[:2] + struct.pack("!H", c) + msg[4:]


def ipv6(src, dst, upper, nh=58, ext=HBH_RA, first=0, hlim=1, tc=0, flow=0):
    """`ext` is the extension headers' octets, `first` the fixed header's NH."""
    payload = ext + upper
    if not ext:
        first = nh
    word = (6 << 28) | (tc << 20) | flow
    return struct.pack("!IHBB", word, len(payload), first, hlim) + a6(src) + a6(dst) + payload


def mld_packet(src, dst, msg, bad=False, **kw):
    return ipv6(src, dst, icmp6(src, dst, msg, bad), **kw)


def v1(t, group, delay=0):
    return struct.pack("!BBHHH", t, 0, 0, delay, 0) + a6(group)


def v2_query(group, sources, mrc=10000, s=False, qrv=2, qqic=125):
    flags = (0x08 if s else 0) | qrv
    return (struct.pack("!BBHHH", 130, 0, 0, mrc, 0) + a6(group)
            + struct.pack("!BBH", flags, qqic, len(sources)) + b"".join(a6(x) for x in sources))


def v2_report(records):
    body = b""
    for rtype, group, sources, aux in records:
        body += (struct.pack("!BBH", rtype, len(aux) // 4, len(sources)) + a6(group)
                 + b"".join(a6(x) for x in sources) + aux)
    return struct.pack("!BBHHH", 143, 0, 0, 0, len(records)) + body


HOST = "fe80::1"
ROUTER = "fe80::2"
REPORT = mld_packet(HOST, "ff02::16", v2_report([
    (4, "ff0e::1:1", [], b""),
    (1, "ff3e::8000:1", ["2001:db8::7", "2001:db8::8"], b""),
]), first=0)


def pcap(name, linktype, frames, snaplen=65535):
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype)
    for i, (data, orig) in enumerate(frames):
        out += struct.pack("<IIII", TS + i, 1000 * i, len(data), orig or len(data)) + data
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(out)


def block(t, body):
    n = 12 + len(body)
    return struct.pack("<II", t, n) + body + struct.pack("<I", n)


def shb():
    return block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))


def idb(linktype):
    return block(1, struct.pack("<HHI", linktype, 0, 65535))


def epb(ifid, data, i):
    t = (TS + i) * 1_000_000
    return block(6, struct.pack("<IIIII", ifid, t >> 32, t & 0xFFFFFFFF, len(data), len(data))
                 + data + b"\0" * (-len(data) % 4))


ETHER = bytes.fromhex("333300000016") + SRC_MAC
LINKS = [
    (1, ETHER + b"\x86\xdd" + REPORT),
    (1, ETHER + b"\x81\x00\x00\x07\x86\xdd" + REPORT),
    (101, REPORT),
    (12, REPORT),
    (14, REPORT),
    (229, REPORT),
    (113, struct.pack("!HHH8sH", 2, 1, 6, SRC_MAC + b"\0\0", 0x86DD) + REPORT),
    (276, struct.pack("!HHIHBB8s", 0x86DD, 0, 3, 1, 2, 6, SRC_MAC + b"\0\0") + REPORT),
    (0, struct.pack("<I", 24) + REPORT),
    (0, struct.pack("<I", 28) + REPORT),
    (0, struct.pack("<I", 30) + REPORT),
    (0, struct.pack(">I", 30) + REPORT),
    (108, struct.pack(">I", 24) + REPORT),
    (9, b"\xff\x03\x00\x57" + REPORT),
    (104, b"\x8f\x00\x86\xdd" + REPORT),
]
out = shb()
for i, (lt, _) in enumerate(LINKS):
    out += idb(lt)
for i, (_, frame) in enumerate(LINKS):
    out += epb(i, frame, i)
with open(os.path.join(HERE, "mld-link-layers.pcapng"), "wb") as f:
    f.write(out)

# Destination options with a PadN (RFC 8200 §4.6), before ICMPv6.
DEST_OPTS = bytes([58, 0, 1, 4, 0, 0, 0, 0])
HBH_DEST = bytes([60, 0, 5, 2, 0, 0, 1, 0])
frag_payload = icmp6(HOST, "ff02::16", v1(131, "ff0e::42"))
MESSAGES = [
    mld_packet(ROUTER, "ff02::1", v2_query("::", [])),
    mld_packet(ROUTER, "ff0e::1:1", v2_query("ff0e::1:1", ["2001:db8::7", "2001:db8::8"], mrc=0x8abc, s=True, qrv=7, qqic=200)),
    mld_packet(ROUTER, "ff02::1", v1(130, "::", delay=2500)),
    mld_packet(HOST, "ff0e::42", v1(131, "ff0e::42")),
    mld_packet(HOST, "ff02::2", v1(132, "ff0e::42")),
    mld_packet(HOST, "ff02::16", v2_report([(5, "ff3e::8000:2", ["2001:db8::9"], b"\xaa\xbb\xcc\xdd"),
                                             (6, "ff3e::8000:3", ["2001:db8::9"], b"")])),
    mld_packet(HOST, "ff02::16", v2_report([(3, "ff0e::1:1", [], b"")]), bad=True),
    mld_packet(HOST, "ff0e::42", v1(131, "ff0e::42") + b"\x00"),
    mld_packet(HOST, "ff02::16", v2_report([(2, "ff0e::1:2", [], b"")]), ext=HBH_DEST + DEST_OPTS),
    # A fragment after the first: not decoded further (RFC 8200 §4.5).
    ipv6(HOST, "ff02::16", frag_payload[8:], ext=bytes([58, 0, 0, 8, 0, 0, 0, 42]), first=44),
    # The first fragment of the same.
    ipv6(HOST, "ff02::16", frag_payload[:8], ext=bytes([58, 0, 0, 1, 0, 0, 0, 42]), first=44),
    mld_packet("::", "ff02::1:ff00:1",
               struct.pack("!BBHI", 135, 0, 0, 0) + a6("fe80::1"), ext=b"", hlim=255),
    ipv6(HOST, "ff02::fb", struct.pack("!HHHH", 5353, 5353, 8, 0), nh=17, ext=b"", hlim=255),
]
pcap("mld-messages.pcap", 229, [(m, None) for m in MESSAGES])

full = ETHER + b"\x86\xdd" + REPORT
pcap("mld-snaplen-cuts.pcap", 1, [(full[:n], len(full)) for n in range(0, len(full) + 1)],
     snaplen=len(full))
