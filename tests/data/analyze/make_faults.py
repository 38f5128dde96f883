#!/usr/bin/env python3
"""Builds the `faults-*` captures of this folder and their manifests: short
IGMP and MLD conversations on one Ethernet link, each with faults injected
at known frames, for `ipv4kit analyze` (issue 17) to find.

    python3 tests/data/analyze/make_faults.py    # rewrites the files in place

Standard library only, and deterministic: the same bytes on every run (fixed
timestamps, no randomness), so the bytes do not depend on ipv4kit either.

Every capture is written with `<name>.expected.json` beside it: the frames
(1-based, as `tcpdump -r` counts them) that break an RFC rule, with the
section and a short machine-readable kind, the queriers in order, and the
membership an RFC-following querier holds at the end of the capture. A
message the RFC tells a router to ignore (bad checksum, bad length, an
EXCLUDE record for an SSM group, a report about the all-systems group,
an MLD message from a non-link-local source or without Router Alert)
does not change that table. README.md says which frame each kind of fault
is listed at (a wrong message at its own frame; a querier's configuration
fault once; a late answer at the late report).

The link is 198.18.0.0/24 (fe80::/64 for MLD); the querier is 198.18.0.1
(fe80::1) unless a capture says otherwise; hosts are .21, .22, .23
(fe80::21...), with MAC addresses 02:00:00:00:00:<last octet in hex>.
"""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
T0 = 1_764_576_000  # 2025-12-01T08:00:00Z
LINK4 = "198.18.0.0/24"
LINK6 = "fe80::/64"

# RFC 3376 §4: TTL 1, TOS 0xc0 (Internetwork Control), Router Alert.
RA = b"\x94\x04\x00\x00"


# ---------------------------------------------------------------- IPv4/IGMP

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def a4(a):
    return bytes(map(int, a.split(".")))


def with_csum(b, bad=False):
    c = csum(b[:2] + b"\0\0" + b[4:])
    if bad:
        c ^= 0x0101
    return b[:2] + struct.pack("!H", c) + b[4:]


def ipv4(src, dst, payload, ttl=1, tos=0xC0, ra=True, ident=0):
    options = RA if ra else b""
    ihl = 5 + len(options) // 4
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, tos, ihl * 4 + len(payload), ident,
                    0x4000, ttl, 2, 0, a4(src), a4(dst)) + options
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def mac4(dst):
    o = a4(dst)
    if o[0] & 0xF0 == 0xE0:
        return bytes([0x01, 0x00, 0x5E, o[1] & 0x7F, o[2], o[3]])
    return mac_of_last(o[3])


def mac_of_last(n):
    return bytes([2, 0, 0, 0, 0, n])


def ether(dst_mac, src_mac, ethertype, payload):
    return dst_mac + src_mac + struct.pack("!H", ethertype) + payload


def query_v3(group="0.0.0.0", sources=(), mrc=50, qqic=10, qrv=2, s=False, bad=False):
    b = struct.pack("!BBH4sBBH", 0x11, mrc, 0, a4(group), (8 if s else 0) | qrv, qqic,
                    len(sources)) + b"".join(a4(x) for x in sources)
    return with_csum(b, bad)


def msg_v2(kind, group, mrt=0):
    return with_csum(struct.pack("!BBH4s", kind, mrt, 0, a4(group)))


IS_IN, IS_EX, TO_IN, TO_EX, ALLOW, BLOCK = 1, 2, 3, 4, 5, 6


def report_v3(records, bad=False):
    """records: (type, group, sources) or (type, group, sources, claimed N)."""
    body = b""
    for r in records:
        rtype, group, sources = r[:3]
        n = r[3] if len(r) > 3 else len(sources)
        body += struct.pack("!BBH4s", rtype, 0, n, a4(group)) + b"".join(a4(x) for x in sources)
    return with_csum(struct.pack("!BBHHH", 0x22, 0, 0, 0, len(records)) + body, bad)


# ---------------------------------------------------------------- IPv6/MLD

def a6(a):
    head, _, tail = a.partition("::")
    h = [int(x, 16) for x in head.split(":") if x]
    t = [int(x, 16) for x in tail.split(":") if x] if "::" in a else []
    words = h + [0] * (8 - len(h) - len(t)) + t
    return struct.pack("!8H", *words)


def mac6(dst):
    return b"\x33\x33" + a6(dst)[12:]


def icmp6(src, dst, body, bad=False):
    """body: the ICMPv6 message with a zero checksum; fills it in over the
    pseudo-header (RFC 8200 §8.1)."""
    pseudo = a6(src) + a6(dst) + struct.pack("!I3xB", len(body), 58)
    c = csum(pseudo + body)
    if bad:
        c ^= 0x0101
    return body[:2] + struct.pack("!H", c) + body[4:]


def ipv6(src, dst, icmp, hlim=1, ra=True):
    if ra:
        # Hop-by-Hop: next header 58, length 0, Router Alert (type 5, len 2,
        # value 0 = MLD), PadN of 2 octets: what Linux sends.
        ext = bytes([58, 0, 5, 2, 0, 0, 1, 0])
        nh = 0
    else:
        ext = b""
        nh = 58
    return struct.pack("!IHBB16s16s", 0x60000000, len(ext) + len(icmp), nh, hlim,
                       a6(src), a6(dst)) + ext + icmp


def mld_query_v2(src, dst, group="::", sources=(), mrc=5000, qqic=10, qrv=2, bad=False):
    body = struct.pack("!BBHHH16sBBH", 130, 0, 0, mrc, 0, a6(group), qrv, qqic,
                       len(sources)) + b"".join(a6(x) for x in sources)
    return icmp6(src, dst, body, bad)


def mld_report_v2(src, records, bad=False):
    body = struct.pack("!BBHHH", 143, 0, 0, 0, len(records))
    for rtype, group, sources in records:
        body += struct.pack("!BBH16s", rtype, 0, len(sources), a6(group)) + b"".join(a6(x) for x in sources)
    return icmp6(src, "ff02::16", body, bad)


def mld_v1(src, kind, group, dst):
    return icmp6(src, dst, struct.pack("!BBHHH16s", kind, 0, 0, 0, 0, a6(group)))


# ---------------------------------------------------------------- captures

class Capture:
    def __init__(self, name, description):
        self.name = name
        self.description = description
        self.frames = []  # (microseconds since T0, frame bytes)
        self.violations = []
        self.queriers = []
        self.groups = {}
        self.ident = 0

    def _add(self, t, frame, fault):
        us = round(t * 1_000_000)
        assert not self.frames or self.frames[-1][0] < us, (self.name, t)
        self.frames.append((us, frame))
        if fault:
            rfc, kind, reason = fault
            self.violations.append({"frame": len(self.frames), "time": t, "rfc": rfc,
                                    "kind": kind, "reason": reason})
        return len(self.frames)

    def igmp(self, t, src, dst, msg, fault=None, **ip):
        self.ident += 1
        frame = ether(mac4(dst), mac_of_last(a4(src)[3] if src.startswith("198.18.0.") else 0x99),
                      0x0800, ipv4(src, dst, msg, ident=self.ident, **ip))
        return self._add(t, frame, fault)

    def mld(self, t, src, dst, icmp, fault=None, **ip):
        last = a6(src)[15] if src.startswith("fe80::") else 0x99
        frame = ether(mac6(dst), mac_of_last(last), 0x86DD, ipv6(src, dst, icmp, **ip))
        return self._add(t, frame, fault)

    def write(self):
        out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
        for us, data in self.frames:
            out += struct.pack("<IIII", T0 + us // 1_000_000, us % 1_000_000, len(data), len(data)) + data
        with open(os.path.join(HERE, self.name + ".pcap"), "wb") as f:
            f.write(out)
        manifest = {
            "capture": self.name + ".pcap",
            "origin": "built by make_faults.py",
            "description": self.description,
            "frames": len(self.frames),
            "link": LINK6 if self.name.startswith("faults-mld") else LINK4,
            "violations": self.violations,
            "clean": not self.violations,
            "queriers": self.queriers,
            "groups_at_end": self.groups,
        }
        with open(os.path.join(HERE, self.name + ".expected.json"), "w") as f:
            json.dump(manifest, f, indent=2)
            f.write("\n")


def group(mode, reporter, requested=(), excluded=(), compat=3):
    """One row of groups_at_end: filter mode, the requested sources (INCLUDE
    list, or X of EXCLUDE(X,Y)), the excluded ones (Y), the version the
    querier handles the group in (RFC 3376 §7.3.2), the last reporter."""
    return {"filter_mode": mode, "requested_sources": list(requested),
            "excluded_sources": list(excluded), "compat": compat, "last_reporter": reporter}


Q, R9, H1, H2, H3 = "198.18.0.1", "198.18.0.9", "198.18.0.21", "198.18.0.22", "198.18.0.23"
ALL, V3R = "224.0.0.1", "224.0.0.22"
G1, G2, G3 = "239.1.2.3", "239.1.2.4", "239.1.2.5"
S1 = "198.18.0.100"


def answers(c, t, *hosts_groups):
    """Current-state answers (IS_EX {}) at t, t+1, ... for (host, group)."""
    for i, (h, g) in enumerate(hosts_groups):
        c.igmp(t + 1.0 + i, h, V3R, report_v3([(IS_EX, g, [])]))


def non_querier():
    c = Capture("faults-non-querier",
                "IGMPv3 querier 198.18.0.1 queries every 10 s; router 198.18.0.9, a higher address, "
                "sends a General Query at 2 s (it may have just started: not a fault), then keeps "
                "querying after it has heard 198.18.0.1's query at 10 s.")
    fault = ("RFC 3376 §6.6.2", "query-from-non-querier",
             "198.18.0.9 queries after hearing a query from the lower 198.18.0.1")
    c.igmp(0.0, Q, ALL, query_v3())
    c.igmp(1.3, H1, V3R, report_v3([(IS_EX, G1, [])]))
    c.igmp(2.0, R9, ALL, query_v3())
    c.igmp(3.1, H2, V3R, report_v3([(IS_EX, G2, [])]))
    for t in (10.0, 20.0):
        c.igmp(t, Q, ALL, query_v3())
        answers(c, t, (H1, G1), (H2, G2))
        c.igmp(t + 5.0, R9, ALL, query_v3(), fault)
    c.queriers = [Q]
    c.groups = {G1: group("exclude", H1), G2: group("exclude", H2)}
    return c


def query_source():
    c = Capture("faults-query-source",
                "IGMPv3 querier 198.18.0.1 with one host; a General Query from 0.0.0.0 and one from "
                "198.19.200.1, an address off the link 198.18.0.0/24. Neither may become querier.")
    c.igmp(0.0, Q, ALL, query_v3())
    c.igmp(1.5, H1, V3R, report_v3([(IS_EX, G1, [])]))
    c.igmp(4.0, "0.0.0.0", ALL, query_v3(),
           ("RFC 3376 §6.6.2", "query-unspecified-source",
            "a query from 0.0.0.0: queriers are elected by their address, 0.0.0.0 is no router's"))
    c.igmp(10.0, Q, ALL, query_v3())
    c.igmp(11.2, H1, V3R, report_v3([(IS_EX, G1, [])]))
    c.igmp(14.0, "198.19.200.1", ALL, query_v3(),
           ("RFC 3376 §9.1", "query-off-link-source",
            "a query from 198.19.200.1, not on the link 198.18.0.0/24 (forged or forwarded)"))
    c.igmp(20.0, Q, ALL, query_v3())
    c.igmp(21.0, H1, V3R, report_v3([(IS_EX, G1, [])]))
    c.queriers = [Q]
    c.groups = {G1: group("exclude", H1)}
    return c


def query_destination():
    c = Capture("faults-query-destination",
                "IGMPv3 querier 198.18.0.1: a General Query to 224.0.0.22 and one to a host's unicast "
                "address (the host must still answer it), then a leave whose second Group-Specific "
                "Query goes to another group's address.")
    c.igmp(0.0, Q, ALL, query_v3())
    c.igmp(1.4, H1, V3R, report_v3([(IS_EX, G1, [])]))
    c.igmp(10.0, Q, V3R, query_v3(),
           ("RFC 3376 §4.1.12", "query-wrong-destination",
            "General Query sent to 224.0.0.22, not 224.0.0.1 (hosts should ignore it, §9.1)"))
    c.igmp(20.0, Q, H1, query_v3(),
           ("RFC 3376 §4.1.12", "query-wrong-destination",
            "General Query sent to the unicast 198.18.0.21, not 224.0.0.1"))
    c.igmp(21.7, H1, V3R, report_v3([(IS_EX, G1, [])]))
    c.igmp(25.0, H1, V3R, report_v3([(TO_IN, G1, [])]))
    c.igmp(25.01, Q, G1, query_v3(G1, mrc=10))
    c.igmp(26.01, Q, G2, query_v3(G1, mrc=10),
           ("RFC 3376 §4.1.12", "query-wrong-destination",
            "Group-Specific Query for 239.1.2.3 sent to 239.1.2.4"))
    c.igmp(30.0, Q, ALL, query_v3())
    c.queriers = [Q]
    c.groups = {}  # left at 25.0; gone one Last Member Query Time (2 x 1 s) later
    return c


def ip_header():
    c = Capture("faults-ip-header",
                "IGMPv3 querier 198.18.0.1 and one host; a report and a query without Router Alert, "
                "a report with TTL 64 and a query with TTL 2 (the host answers neither faulty query).")
    c.igmp(0.0, Q, ALL, query_v3())
    c.igmp(1.1, H1, V3R, report_v3([(IS_EX, G1, [])]),
           ("RFC 3376 §4", "missing-router-alert", "IGMPv3 report without the Router Alert option"), ra=False)
    c.igmp(10.0, Q, ALL, query_v3(), ("RFC 3376 §4", "missing-router-alert",
                                      "IGMPv3 query without the Router Alert option (hosts should ignore it, §9.1)"),
           ra=False)
    c.igmp(20.0, Q, ALL, query_v3())
    c.igmp(21.5, H1, V3R, report_v3([(IS_EX, G1, [])]),
           ("RFC 3376 §4", "ttl-not-1", "IGMPv3 report with TTL 64"), ttl=64)
    c.igmp(30.0, Q, ALL, query_v3(), ("RFC 3376 §4", "ttl-not-1", "IGMPv3 query with TTL 2"), ttl=2)
    c.igmp(40.0, Q, ALL, query_v3())
    c.igmp(41.0, H1, V3R, report_v3([(IS_EX, G1, [])]))
    c.queriers = [Q]
    c.groups = {G1: group("exclude", H1)}
    return c


def qqic_mismatch():
    c = Capture("faults-qqic-mismatch",
                "IGMPv3 querier 198.18.0.1 announces QQIC 125 (a 125 s Query Interval) but sends a "
                "General Query every 10 s; one host answers each.")
    for i in range(6):
        t = 10.0 * i
        fault = None
        if i == 1:
            fault = ("RFC 3376 §4.1.7", "qqi-announced-vs-observed",
                     "QQIC announces 125 s; this query comes 10 s after the previous one")
        c.igmp(t, Q, ALL, query_v3(qqic=125), fault)
        c.igmp(t + 1.0, H1, V3R, report_v3([(IS_EX, G1, [])]))
    c.queriers = [Q]
    c.groups = {G1: group("exclude", H1)}
    return c


def mrt_not_less_than_qi():
    c = Capture("faults-mrt-exceeds-qi",
                "IGMPv3 querier 198.18.0.1 announces a 10 s Query Interval (and keeps it) with a Max "
                "Resp Time of 12 s; one host answers each query.")
    for i in range(3):
        t = 10.0 * i
        fault = None
        if i == 0:
            fault = ("RFC 3376 §8.3", "max-resp-not-less-than-qi",
                     "Max Resp Time 12 s is not less than the Query Interval 10 s")
        c.igmp(t, Q, ALL, query_v3(mrc=120), fault)
        c.igmp(t + 3.0, H1, V3R, report_v3([(IS_EX, G1, [])]))
    c.queriers = [Q]
    c.groups = {G1: group("exclude", H1)}
    return c


def reports():
    c = Capture("faults-reports",
                "IGMPv3 querier 198.18.0.1; hosts send EXCLUDE records for SSM groups (232/8) and "
                "reports about 224.0.0.1; a report mixes a good SSM record with an EXCLUDE one.")
    ssm = ("RFC 4604 §2.2.2", "ssm-exclude-record")
    c.igmp(0.0, Q, ALL, query_v3())
    c.igmp(0.8, H1, V3R, report_v3([(ALLOW, "232.1.1.1", [S1])]))
    c.igmp(1.5, H2, V3R, report_v3([(TO_EX, "232.1.1.2", [])]),
           ssm + ("TO_EX record for the SSM group 232.1.1.2",))
    c.igmp(2.5, H3, V3R, report_v3([(IS_EX, ALL, [])]),
           ("RFC 3376 §5", "report-all-systems", "IGMPv3 record for 224.0.0.1, which is never reported"))
    c.igmp(4.0, H2, ALL, msg_v2(0x16, ALL),
           ("RFC 2236 §6", "report-all-systems", "IGMPv2 report for 224.0.0.1, which is never reported"))
    c.igmp(6.0, H3, V3R, report_v3([(ALLOW, "232.1.1.3", ["198.18.0.101"]), (TO_EX, "232.1.1.4", [])]),
           ssm + ("TO_EX record for the SSM group 232.1.1.4 (the ALLOW record beside it is good)",))
    c.igmp(10.0, Q, ALL, query_v3())
    c.igmp(11.0, H1, V3R, report_v3([(IS_IN, "232.1.1.1", [S1])]))
    c.igmp(12.0, H2, V3R, report_v3([(IS_EX, "232.1.1.2", [])]),
           ssm + ("IS_EX record for the SSM group 232.1.1.2",))
    c.igmp(13.0, H3, V3R, report_v3([(IS_IN, "232.1.1.3", ["198.18.0.101"])]))
    c.queriers = [Q]
    c.groups = {"232.1.1.1": group("include", H1, [S1]),
                "232.1.1.3": group("include", H3, ["198.18.0.101"])}
    return c


def malformed():
    c = Capture("faults-malformed",
                "IGMPv3 querier 198.18.0.1 and three hosts; a report and a query with bad checksums, "
                "a 10-octet query, a 6-octet message, a record claiming more sources than it carries.")
    c.igmp(0.0, Q, ALL, query_v3())
    c.igmp(1.0, H1, V3R, report_v3([(IS_EX, G1, [])], bad=True),
           ("RFC 3376 §4.2.2", "bad-checksum", "IGMPv3 report with a wrong checksum"))
    c.igmp(2.0, H2, V3R, report_v3([(IS_EX, G2, [])]))
    ten = with_csum(query_v3()[:10])
    c.igmp(5.0, Q, ALL, ten, ("RFC 3376 §7.1", "query-bad-length",
                              "a 10-octet query: neither 8 (v1/v2) nor 12 or more (v3) octets"))
    six = with_csum(struct.pack("!BBH2s", 0x16, 0, 0, a4(G3)[:2]))
    c.igmp(6.0, H3, G3, six, ("RFC 2236 §2", "message-too-short",
                              "a 6-octet IGMP message, shorter than any IGMP message (8 octets)"))
    c.igmp(7.0, H3, V3R, report_v3([(IS_EX, G3, ["198.18.0.102"], 3)]),
           ("RFC 3376 §4.2.7", "record-truncated",
            "the record for 239.1.2.5 claims 3 sources and the message holds 1"))
    c.igmp(10.0, Q, ALL, query_v3())
    c.igmp(11.5, H1, V3R, report_v3([(IS_EX, G1, [])]))
    c.igmp(12.5, H2, V3R, report_v3([(IS_EX, G2, [])]))
    c.igmp(15.0, Q, ALL, query_v3(bad=True),
           ("RFC 3376 §4.1.2", "bad-checksum", "IGMPv3 query with a wrong checksum"))
    c.igmp(20.0, Q, ALL, query_v3())
    c.igmp(21.0, H1, V3R, report_v3([(IS_EX, G1, [])]))
    c.igmp(22.0, H2, V3R, report_v3([(IS_EX, G2, [])]))
    c.queriers = [Q]
    c.groups = {G1: group("exclude", H1), G2: group("exclude", H2)}
    return c


def late_answer():
    c = Capture("faults-late-answer",
                "IGMPv3 querier 198.18.0.1 with a Max Resp Time of 2 s; 198.18.0.21 answers in time, "
                "198.18.0.22 answers 4.5 s and 6 s after the query.")
    late = ("RFC 3376 §5.2", "late-answer")
    for t in (0.0, 10.0, 20.0):
        c.igmp(t, Q, ALL, query_v3(mrc=20))
        c.igmp(t + 1.2, H1, V3R, report_v3([(IS_EX, G1, [])]))
        if t == 0.0:
            c.igmp(4.5, H2, V3R, report_v3([(IS_EX, G2, [])]),
                   late + ("answer 4.5 s after a query with Max Resp Time 2 s",))
        elif t == 10.0:
            c.igmp(11.9, H2, V3R, report_v3([(IS_EX, G2, [])]))
        else:
            c.igmp(26.0, H2, V3R, report_v3([(IS_EX, G2, [])]),
                   late + ("answer 6 s after a query with Max Resp Time 2 s",))
    c.queriers = [Q]
    c.groups = {G1: group("exclude", H1), G2: group("exclude", H2)}
    return c


def v2_host_no_compat():
    c = Capture("faults-v2-host-no-compat",
                "IGMPv3 querier 198.18.0.1; 198.18.0.22 is an IGMPv2 host reporting 239.1.2.3, so the "
                "group is in IGMPv2 compatibility mode; a v3 host's BLOCK must then be ignored, but "
                "the querier answers it with Group-and-Source-Specific Queries.")
    nocompat = ("RFC 3376 §7.3.2", "no-compat-older-host")
    c.igmp(0.0, Q, ALL, query_v3())
    c.igmp(1.0, H2, G1, msg_v2(0x16, G1))
    c.igmp(2.0, H3, V3R, report_v3([(IS_EX, G1, [])]))
    c.igmp(5.0, H3, V3R, report_v3([(BLOCK, G1, [S1])]))
    c.igmp(5.01, Q, G1, query_v3(G1, [S1], mrc=10), nocompat + (
        "Group-and-Source-Specific Query after a BLOCK while an IGMPv2 host holds the group",))
    c.igmp(6.01, Q, G1, query_v3(G1, [S1], mrc=10), nocompat + (
        "the retransmission of that query",))
    c.igmp(10.0, Q, ALL, query_v3())
    c.igmp(11.0, H2, G1, msg_v2(0x16, G1))
    c.igmp(12.0, H3, V3R, report_v3([(IS_EX, G1, [S1])]))
    c.queriers = [Q]
    # IS_EX({S1}) in EXCLUDE({},{}) gives EXCLUDE({S1},{}) (RFC 3376 §6.4.1):
    # S1 requested by no one yet not blocked: the v2 host wants all sources.
    c.groups = {G1: group("exclude", H3, [S1], [], compat=2)}
    return c


def v1_host_leave():
    c = Capture("faults-v1-host-leave",
                "IGMPv3 querier 198.18.0.1; 198.18.0.21 is an IGMPv1 host reporting 239.1.2.3, so the "
                "group is in IGMPv1 compatibility mode, where IGMPv2 leaves are ignored; the IGMPv2 host "
                "198.18.0.22 leaves it and the querier answers with Group-Specific Queries.")
    nocompat = ("RFC 3376 §7.3.2", "no-compat-older-host")
    c.igmp(0.0, Q, ALL, query_v3())
    c.igmp(1.0, H1, G1, msg_v2(0x12, G1), ra=False)
    c.igmp(2.0, H2, G1, msg_v2(0x16, G1))
    c.igmp(5.0, H2, "224.0.0.2", msg_v2(0x17, G1))
    c.igmp(5.01, Q, G1, query_v3(G1, mrc=10), nocompat + (
        "Group-Specific Query after an IGMPv2 leave while an IGMPv1 host holds the group",))
    c.igmp(6.01, Q, G1, query_v3(G1, mrc=10), nocompat + (
        "the retransmission of that query",))
    c.igmp(10.0, Q, ALL, query_v3())
    c.igmp(11.0, H1, G1, msg_v2(0x12, G1), ra=False)
    c.queriers = [Q]
    # The Group-Specific Queries lower the group timer to the Last Member
    # Query Time (RFC 3376 §6.6.1): it ends at 7.01 s, and the v1 host's
    # answer to the General Query at 10 s brings it back in IGMPv1 mode.
    c.groups = {G1: group("exclude", H1, compat=1)}
    return c


def mld_v1_host_no_compat():
    c = Capture("faults-mld-v1-host-no-compat",
                "MLDv2 querier fe80::1; fe80::22 is an MLDv1 host reporting ff05::1:3, so the address is "
                "in MLDv1 compatibility mode; an MLDv2 host's BLOCK must then be ignored, but the "
                "querier answers it with Multicast Address and Source Specific Queries.")
    nocompat = ("RFC 3810 §8.3.2", "no-compat-older-host")
    q, h2, h3 = "fe80::1", "fe80::22", "fe80::23"
    g1, src = "ff05::1:3", "2001:db8::100"
    c.mld(0.0, q, "ff02::1", mld_query_v2(q, "ff02::1"))
    c.mld(1.0, h2, g1, mld_v1(h2, 131, g1, g1))
    c.mld(2.0, h3, "ff02::16", mld_report_v2(h3, [(IS_EX, g1, [])]))
    c.mld(5.0, h3, "ff02::16", mld_report_v2(h3, [(BLOCK, g1, [src])]))
    c.mld(5.01, q, g1, mld_query_v2(q, g1, g1, [src], mrc=1000), nocompat + (
        "Multicast Address and Source Specific Query after a BLOCK while an MLDv1 host listens",))
    c.mld(6.01, q, g1, mld_query_v2(q, g1, g1, [src], mrc=1000), nocompat + (
        "the retransmission of that query",))
    c.mld(10.0, q, "ff02::1", mld_query_v2(q, "ff02::1"))
    c.mld(11.0, h2, g1, mld_v1(h2, 131, g1, g1))
    c.mld(12.0, h3, "ff02::16", mld_report_v2(h3, [(IS_EX, g1, [src])]))
    c.queriers = [q]
    # As in faults-v2-host-no-compat: IS_EX({S}) gives EXCLUDE({S},{}).
    c.groups = {g1: group("exclude", h3, [src], [], compat=1)}
    return c


def mixed_querier_versions():
    c = Capture("faults-mixed-querier-versions",
                "IGMPv3 router 198.18.0.5 is querier until an IGMPv2 router, 198.18.0.3 (lower), "
                "starts querying; the host falls back to v2 reports. Routers of two versions on one link.")
    r5, r3 = "198.18.0.5", "198.18.0.3"
    c.igmp(0.0, r5, ALL, query_v3())
    c.igmp(1.2, H1, V3R, report_v3([(IS_EX, G1, [])]))
    c.igmp(10.0, r5, ALL, query_v3())
    c.igmp(11.0, H1, V3R, report_v3([(IS_EX, G1, [])]))
    c.igmp(15.0, r3, ALL, msg_v2(0x11, "0.0.0.0", mrt=50),
           ("RFC 3376 §7.3.1", "mixed-querier-versions",
            "an IGMPv2 query on a link where an IGMPv3 router queries: all routers must run the lowest version"))
    c.igmp(16.5, H1, G1, msg_v2(0x16, G1))
    for t, answer in ((25.0, 26.0), (35.0, 37.0)):
        c.igmp(t, r3, ALL, msg_v2(0x11, "0.0.0.0", mrt=50))
        c.igmp(answer, H1, G1, msg_v2(0x16, G1))
    c.queriers = [r5, r3]
    c.groups = {G1: group("exclude", H1, compat=2)}
    return c


def mld():
    c = Capture("faults-mld",
                "MLDv2 querier fe80::1 and three hosts: reports about ff02::1 (v2 and v1), queries "
                "from a global and from the unspecified address, EXCLUDE records for SSM groups "
                "(ff3e::/32), a report with a bad checksum, one without Router Alert, one with hop limit 2.")
    q, h1, h2, h3 = "fe80::1", "fe80::21", "fe80::22", "fe80::23"
    g1, ssm1, ssm2, g4 = "ff05::1:3", "ff3e::8000:1", "ff3e::8000:2", "ff05::1:4"
    src = "2001:db8::100"
    c.mld(0.0, q, "ff02::1", mld_query_v2(q, "ff02::1"))
    c.mld(1.1, h1, "ff02::16", mld_report_v2(h1, [(IS_EX, g1, [])]))
    c.mld(2.0, h2, "ff02::16", mld_report_v2(h2, [(IS_EX, "ff02::1", [])]),
          ("RFC 3810 §6", "report-all-nodes", "MLDv2 record for ff02::1, which is never reported"))
    c.mld(3.0, h3, "ff02::1", mld_v1(h3, 131, "ff02::1", "ff02::1"),
          ("RFC 2710 §5", "report-all-nodes", "MLDv1 report for ff02::1, which is never reported"))
    c.mld(4.0, "2001:db8::9", "ff02::1", mld_query_v2("2001:db8::9", "ff02::1"),
          ("RFC 3810 §5.1.14", "query-non-link-local-source", "MLDv2 query from the global 2001:db8::9"))
    c.mld(5.0, "::", "ff02::1", mld_query_v2("::", "ff02::1"),
          ("RFC 3810 §5.1.14", "query-unspecified-source", "MLDv2 query from ::"))
    c.mld(6.0, h2, "ff02::16", mld_report_v2(h2, [(TO_EX, ssm1, [])]),
          ("RFC 4604 §2.2.2", "ssm-exclude-record", "TO_EX record for the SSM group ff3e::8000:1"))
    c.mld(7.0, h2, "ff02::16", mld_report_v2(h2, [(ALLOW, ssm2, [src])]))
    c.mld(10.0, q, "ff02::1", mld_query_v2(q, "ff02::1"))
    c.mld(11.0, h1, "ff02::16", mld_report_v2(h1, [(IS_EX, g1, [])]))
    c.mld(11.5, h3, "ff02::16", mld_report_v2(h3, [(IS_EX, g4, [])], bad=True),
          ("RFC 3810 §5.2.2", "bad-checksum", "MLDv2 report with a wrong checksum"))
    c.mld(12.0, h2, "ff02::16", mld_report_v2(h2, [(IS_IN, ssm2, [src])]))
    c.mld(12.5, h3, "ff02::16", mld_report_v2(h3, [(IS_EX, g4, [])]),
          ("RFC 3810 §5", "missing-router-alert", "MLDv2 report without a Hop-by-Hop Router Alert"), ra=False)
    c.mld(13.5, h3, "ff02::16", mld_report_v2(h3, [(IS_EX, g4, [])]),
          ("RFC 3810 §5", "hop-limit-not-1", "MLDv2 report with hop limit 2"), hlim=2)
    c.mld(20.0, q, "ff02::1", mld_query_v2(q, "ff02::1"))
    c.mld(21.0, h1, "ff02::16", mld_report_v2(h1, [(IS_EX, g1, [])]))
    c.mld(22.0, h2, "ff02::16", mld_report_v2(h2, [(IS_IN, ssm2, [src])]))
    c.queriers = [q]
    c.groups = {g1: group("exclude", h1, compat=2), ssm2: group("include", h2, [src], compat=2)}
    return c


def vxlan_vnis():
    c = Capture("tunnel-vxlan-vnis",
                "Two VXLAN segments (RFC 7348) between the VTEPs 198.19.0.1 and 198.19.0.2, VNI 100 "
                "and VNI 200, each an IGMPv3 link of its own with the same addresses: querier "
                "198.18.0.1 on VNI 100, querier 198.18.0.2 on VNI 200 (neither hears the other, so "
                "neither is a non-querier), and 239.1.2.3 held by 198.18.0.21 on VNI 100 and by "
                "198.18.0.22 on VNI 200. No fault.")
    vtep1, vtep2 = "198.19.0.1", "198.19.0.2"

    def vxlan(t, vni, src, dst, msg):
        # The inner frame as Capture.igmp builds it, in UDP to port 4789
        # (checksum 0, RFC 7348 §5) with the I flag and the VNI.
        c.ident += 1
        inner = ether(mac4(dst), mac_of_last(a4(src)[3]), 0x0800,
                      ipv4(src, dst, msg, ident=c.ident))
        vx = struct.pack("!BBHI", 0x08, 0, 0, vni << 8) + inner
        udp = struct.pack("!HHHH", 49152 + vni, 4789, 8 + len(vx), 0) + vx
        outer = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), c.ident, 0x4000, 64, 17, 0,
                            a4(vtep1), a4(vtep2))
        outer = outer[:10] + struct.pack("!H", csum(outer)) + outer[12:] + udp
        c._add(t, ether(mac_of_last(2), mac_of_last(1), 0x0800, outer), None)

    q100, q200 = Q, "198.18.0.2"
    for t in (0.0, 10.0, 20.0):
        vxlan(t, 100, q100, ALL, query_v3())
        vxlan(t + 0.5, 200, q200, ALL, query_v3())
        vxlan(t + 1.1, 100, H1, V3R, report_v3([(IS_EX, G1, [])]))
        vxlan(t + 1.6, 200, H2, V3R, report_v3([(IS_EX, G1, [])]))
    c.queriers = [q100, q200]
    c.groups = {G1: group("exclude", H1)}
    return c


CAPTURES = [non_querier, query_source, query_destination, ip_header, qqic_mismatch,
            mrt_not_less_than_qi, reports, malformed, late_answer, v2_host_no_compat,
            mixed_querier_versions, mld, v1_host_leave, mld_v1_host_no_compat, vxlan_vnis]

if __name__ == "__main__":
    for make in CAPTURES:
        make().write()
