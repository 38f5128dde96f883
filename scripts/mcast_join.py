#!/usr/bin/env python3
"""Holds a multicast membership until killed: the kernel reports it (IGMP or
MLD, as the interface's force_*_version says) and leaves when the socket
closes. For the README's querier sessions (scripts/querier_session.sh).

    mcast_join.py IFACE GROUP [SOURCE]

GROUP alone joins any-source (MCAST_JOIN_GROUP, RFC 3678 §5.1.1); with
SOURCE, source-specific (MCAST_JOIN_SOURCE_GROUP, §5.1.2). IPv4 or IPv6.
"""

import signal
import socket
import struct
import sys

MCAST_JOIN_GROUP = 42
MCAST_JOIN_SOURCE_GROUP = 46


def storage(family, addr):
    """A struct sockaddr_storage holding addr."""
    if family == socket.AF_INET6:
        raw = struct.pack("=HHI", family, 0, 0) + socket.inet_pton(family, addr) + b"\0" * 4
    else:
        raw = struct.pack("=HH", family, 0) + socket.inet_pton(family, addr)
    return raw.ljust(128, b"\0")


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    iface, group = sys.argv[1], sys.argv[2]
    family = socket.AF_INET6 if ":" in group else socket.AF_INET
    level = socket.IPPROTO_IPV6 if family == socket.AF_INET6 else socket.IPPROTO_IP
    s = socket.socket(family, socket.SOCK_DGRAM)
    # struct group_req / group_source_req: a 32-bit index, padding to 8.
    req = struct.pack("=I4x", socket.if_nametoindex(iface)) + storage(family, group)
    if len(sys.argv) == 4:
        s.setsockopt(level, MCAST_JOIN_SOURCE_GROUP, req + storage(family, sys.argv[3]))
    else:
        s.setsockopt(level, MCAST_JOIN_GROUP, req)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.pause()


if __name__ == "__main__":
    main()
