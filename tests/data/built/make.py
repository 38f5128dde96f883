#!/usr/bin/env python3
"""Builds the captures in this folder, one per case issue 10 lists, with
nothing but the standard library (so the bytes do not depend on ipv4kit).

    python3 tests/data/built/make.py      # rewrites the files in place

Each file's expected `ipv4kit decode --json` output is in
crates/cli/tests/expected/built/, reviewed against this script and tcpdump.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
TS = 1_700_000_000  # 2023-11-14T22:13:20Z


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4(src, dst, proto, payload, ttl=1, tos=0xC0, options=b"\x94\x04\x00\x00", ident=0):
    ihl = 5 + len(options) // 4
    total = ihl * 4 + len(payload)
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, tos, total, ident, 0, ttl, proto, 0,
                    bytes(map(int, src.split("."))), bytes(map(int, dst.split(".")))) + options
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def addr(a):
    return bytes(map(int, a.split(".")))


def igmp(b):
    return b[:2] + struct.pack("!H", csum(b)) + b[4:]


def v2_report(group):
    return igmp(struct.pack("!BBH4s", 0x16, 0, 0, addr(group)))


def v3_report(records):
    body = b""
    for rtype, group, sources in records:
        body += struct.pack("!BBH4s", rtype, 0, len(sources), addr(group)) + b"".join(addr(s) for s in sources)
    return igmp(struct.pack("!BBHHH", 0x22, 0, 0, 0, len(records)) + body)


def v3_query(group, sources, mrc=100, qqic=125):
    return igmp(struct.pack("!BBH4sBBH", 0x11, mrc, 0, addr(group), 2, qqic, len(sources)) + b"".join(addr(s) for s in sources))


REPORT = ipv4("198.18.0.1", "239.1.1.1", 2, v2_report("239.1.1.1"))
REPORT_V3 = ipv4("198.18.0.1", "224.0.0.22", 2,
                 v3_report([(4, "239.2.2.2", []), (5, "232.1.1.1", ["198.18.0.7", "198.18.0.8"])]))
QUERY_V3 = ipv4("198.18.0.2", "224.0.0.1", 2, v3_query("0.0.0.0", []))
SRC_MAC = bytes.fromhex("020000000001")


def ether(ip, dst=bytes.fromhex("01005e010101"), tags=(), ethertype=0x0800):
    f = dst + SRC_MAC
    for tpid, tci in tags:
        f += struct.pack("!HH", tpid, tci)
    return f + struct.pack("!H", ethertype) + ip


def pcap(name, linktype, frames, snaplen=65535):
    """frames: list of (bytes, orig_len or None)."""
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype)
    for i, (data, orig) in enumerate(frames):
        out += struct.pack("<IIII", TS + i, 1000 * i, len(data), orig or len(data)) + data
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(out)


def block(t, body):
    n = 12 + len(body)
    return struct.pack("<II", t, n) + body + struct.pack("<I", n)


def opt(code, val):
    return struct.pack("<HH", code, len(val)) + val + b"\0" * (-len(val) % 4)


def shb(opts=b""):
    return block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1) + opts)


def idb(linktype, opts=b""):
    return block(1, struct.pack("<HHI", linktype, 0, 65535) + opts)


def epb(ifid, data, i):
    t = (TS + i) * 1_000_000
    return block(6, struct.pack("<IIIII", ifid, t >> 32, t & 0xFFFFFFFF, len(data), len(data))
                 + data + b"\0" * (-len(data) % 4))


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def sll(hatype, ip, proto=0x0800, pkttype=0):
    return struct.pack("!HHH8sH", pkttype, hatype, 6 if hatype == 1 else 0,
                       SRC_MAC + b"\0\0" if hatype == 1 else b"\0" * 8, proto) + ip


def sll2(hatype, ip, proto=0x0800, pkttype=0):
    return struct.pack("!HHIHBB8s", proto, 0, 3, hatype, pkttype, 0, b"\0" * 8) + ip


# Linux cooked v1/v2: Ethernet, PPP, loopback, GRE, none (tun), one no table has.
HATYPES = [1, 512, 772, 778, 0xFFFE, 0xABCD]
pcap("sll-hatypes.pcap", 113, [(sll(h, REPORT), None) for h in HATYPES])
pcap("sll2-hatypes.pcap", 276, [(sll2(h, REPORT), None) for h in HATYPES])

# pcapng: options without opt_endofopt; string options that are not UTF-8;
# two interfaces with names.
write("pcapng-no-end-of-options.pcapng",
      shb(opt(4, b"sometool")) + idb(1, opt(2, b"eth0")) + epb(0, ether(REPORT), 0))
write("pcapng-non-utf8-options.pcapng",
      shb(opt(4, b"tool\xff\xfe") + opt(0, b"")) + idb(1, opt(2, b"eth\xe90") + opt(0, b""))
      + epb(0, ether(REPORT), 0))
write("pcapng-two-interfaces.pcapng",
      shb() + idb(1, opt(2, b"eth0") + opt(0, b"")) + idb(101, opt(2, b"tun0") + opt(0, b""))
      + epb(1, REPORT_V3, 0) + epb(0, ether(QUERY_V3, dst=bytes.fromhex("01005e000001")), 1))

# A snap length cut at every offset of an Ethernet IGMPv3 report frame.
full = ether(REPORT_V3, dst=bytes.fromhex("01005e000016"))
pcap("snaplen-cuts.pcap", 1, [(full[:n], len(full)) for n in range(0, len(full) + 1)], snaplen=len(full))

# Link types that are not decoded: IEEE 802.11 and USB.
pcap("linktype-80211.pcap", 105, [(bytes(24), None)])
pcap("linktype-usb.pcap", 189, [(bytes(48), None)])

# FCS bits in the link-type field: Ethernet with a 4-octet FCS (F bit 28,
# FCS length 2 16-bit words in bits 29-31).
pcap("ethernet-fcs.pcap", 0x10000000 | (2 << 29) | 1, [(ether(REPORT) + b"\xde\xad\xbe\xef", None)])

# 802.1Q and QinQ.
pcap("vlan-qinq.pcap", 1, [
    (ether(REPORT, tags=[(0x8100, 0xA00A)]), None),
    (ether(REPORT, tags=[(0x88A8, 0x0064), (0x8100, 0x00C8)]), None),
])

# BSD loopback (both byte orders), OpenBSD loop, PPP, Cisco HDLC, raw IPv6.
pcap("null-loopback.pcap", 0, [(struct.pack("<I", 2) + REPORT, None), (struct.pack(">I", 2) + REPORT, None),
                                (struct.pack("<I", 30) + bytes.fromhex("6000000000000000"), None)])
pcap("loop.pcap", 108, [(struct.pack(">I", 2) + REPORT, None)])
pcap("ppp.pcap", 9, [(b"\xff\x03\x00\x21" + REPORT, None), (b"\x00\x21" + REPORT, None), (b"\xc0\x21\x01\x01\x00\x04", None)])
pcap("c-hdlc.pcap", 104, [(b"\x8f\x00\x08\x00" + REPORT, None)])
pcap("ipv6-and-arp.pcap", 1, [
    (ether(bytes.fromhex("6000000000083a01") + bytes(32) + bytes(8), dst=bytes.fromhex("333300000016"), ethertype=0x86DD), None),
    (ether(bytes(28), dst=b"\xff" * 6, ethertype=0x0806), None),
])

# IPv4 options with addresses: Record Route, Timestamp (with addresses),
# LSRR, SSRR, each before an IGMPv2 report.
rr = b"\x07\x0b\x08" + addr("198.18.0.1") + addr("0.0.0.0") + b"\x00"
ts = b"\x44\x0c\x0d\x01" + addr("198.18.0.1") + struct.pack("!I", 3600000)
lsrr = b"\x83\x07\x04" + addr("198.18.0.9") + b"\x00"
ssrr = b"\x89\x0b\x04" + addr("198.18.0.9") + addr("198.18.0.10") + b"\x00"
pcap("ip-options.pcap", 101, [(ipv4("198.18.0.1", "239.1.1.1", 2, v2_report("239.1.1.1"), options=o), None)
                               for o in (rr, ts, lsrr, ssrr)])

# GRE (protocol 47) carrying IPv4, and with a key carrying Ethernet
# (Transparent Ethernet Bridging, 0x6558), each around an IGMPv2 report.
gre_ip = struct.pack("!HH", 0, 0x0800) + REPORT
gre_eth = struct.pack("!HHI", 0x2000, 0x6558, 77) + ether(REPORT)
pcap("gre.pcap", 101, [(ipv4("198.18.1.1", "198.18.1.2", 47, gre_ip, ttl=64, tos=0, options=b""), None),
                        (ipv4("198.18.1.1", "198.18.1.2", 47, gre_eth, ttl=64, tos=0, options=b""), None)])

# Bad checksums: the IPv4 header and the IGMP message.
bad_ip = bytearray(REPORT); bad_ip[10] ^= 0xFF
bad_igmp = bytearray(REPORT); bad_igmp[-6] ^= 0xFF
pcap("bad-checksums.pcap", 101, [(bytes(bad_ip), None), (bytes(bad_igmp), None)])

# Truncated files and an impossible record length.
with open(os.path.join(HERE, "vlan-qinq.pcap"), "rb") as f:
    whole = f.read()
write("truncated.pcap", whole[:-20])
write("impossible-length.pcap", whole[:24 + 16 + 50] + struct.pack("<IIII", TS, 0, 0x7FFFFFFF, 0x7FFFFFFF) + bytes(16))
