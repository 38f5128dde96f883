#!/usr/bin/env bash
# Records the `rec-*` captures of this folder between network namespaces:
# Linux kernel IGMP/MLD hosts (python3 sockets), `ipv4kit querier`, pimd or
# igmpproxy as querier, multicast UDP data, all on one Linux bridge
# (multicast snooping off, so it floods like a hub) and captured with
# tcpdump on the bridge; then writes each capture's manifest.
#
#   sudo tests/data/analyze/record.sh               # every scenario
#   sudo tests/data/analyze/record.sh v3 mld        # some of them
#   sudo tests/data/analyze/record.sh --manifests   # only the manifests
#
# Scenarios: v3 v2v1 takeover pimd igmpproxy mld. Needs root, iproute2,
# tcpdump, python3 and the ipv4kit binary ($IPV4KIT, default
# target/debug/ipv4kit: `cargo build -p ipv4kit-cli`); pimd
# ($IPV4KIT_PIMD or `pimd` on the PATH) and igmpproxy for theirs.
# Addresses come from 198.18.0.0/24 (198.19.5.0/24 upstream of igmpproxy,
# 2001:db8::/64 and fe80::/64 for MLD); namespace names carry this shell's
# pid; a trap deletes them (and with them every veth and the bridge) and
# stops every process it started, even on failure.
#
# Each scenario writes rec-<name>.pcap, rec-<name>.expected.json (from the
# spec_<name> below and the capture) and rec-<name>.querier.log (the
# querier's output, to compare the groups at the end with; not kept in
# git). Re-recording changes the timing: read the new capture with
# `tcpdump -r FILE -n -v` and check_manifests.py before committing it.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
BIN=${IPV4KIT:-$ROOT/target/debug/ipv4kit}
PIMD=${IPV4KIT_PIMD:-$(command -v pimd || true)}
RUN=v4a$$
WORK=$(mktemp -d)
NSLIST=()
PIDS=()

[ "$(id -u)" = 0 ] || { echo "record.sh: needs root (network namespaces)" >&2; exit 2; }
[ -x "$BIN" ] || { echo "record.sh: no $BIN (cargo build -p ipv4kit-cli, or set IPV4KIT)" >&2; exit 2; }

cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    for p in "${NSLIST[@]}"; do ip netns del "$p" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A kernel host's group memberships over time: `member.py IF V STEP...`,
# V 4 or 6, each STEP "SECONDS OP GROUP [SOURCE]" with OP join, leave,
# join-source, leave-source, block (a source of a joined group). Offsets
# count from the start of the process; it holds its sockets until killed.
cat > "$WORK/member.py" <<'EOF'
import os, socket, struct, sys, time
ifname, v, steps = sys.argv[1], sys.argv[2], sys.argv[3:]
idx = socket.if_nametoindex(ifname)
start = time.monotonic()
socks = {}
def a4(a): return socket.inet_aton(a)
def sin6(a): return struct.pack("=H", socket.AF_INET6) + struct.pack("!HI", 0, 0) + socket.inet_pton(socket.AF_INET6, a) + struct.pack("=I", 0)
def gsr(g, s=None):
    out = struct.pack("=I4x", idx) + sin6(g).ljust(128, b"\0")
    return out + sin6(s).ljust(128, b"\0") if s else out
def sock(g):
    if g not in socks:
        socks[g] = socket.socket(socket.AF_INET6 if v == "6" else socket.AF_INET, socket.SOCK_DGRAM)
    return socks[g]
for step in steps:
    at, op, g, *rest = step.split()
    time.sleep(max(0.0, start + float(at) - time.monotonic()))
    s = rest[0] if rest else None
    if v == "4":
        # ip_mreqn (group, no address, interface index); ip_mreq_source
        # (group, interface address from $IFADDR, source)
        if op == "join":
            sock(g).setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, a4(g) + struct.pack("=4sI", b"\0" * 4, idx))
        elif op == "leave":
            socks.pop(g).close()
        elif op in ("join-source", "leave-source", "block"):
            opt = {"join-source": 39, "leave-source": 40, "block": 38}[op]
            sock(g).setsockopt(socket.IPPROTO_IP, opt, a4(g) + a4(os.environ["IFADDR"]) + a4(s))
    else:
        if op == "join":
            sock(g).setsockopt(socket.IPPROTO_IPV6, 42, gsr(g))            # MCAST_JOIN_GROUP
        elif op == "leave":
            socks.pop(g).close()
        elif op == "join-source":
            sock(g).setsockopt(socket.IPPROTO_IPV6, 46, gsr(g, s))         # MCAST_JOIN_SOURCE_GROUP
        elif op == "leave-source":
            sock(g).setsockopt(socket.IPPROTO_IPV6, 47, gsr(g, s))         # MCAST_LEAVE_SOURCE_GROUP
        elif op == "block":
            sock(g).setsockopt(socket.IPPROTO_IPV6, 43, gsr(g, s))         # MCAST_BLOCK_SOURCE
    print(f"{time.monotonic() - start:.3f} {op} {g} {s or ''}", flush=True)
while True:
    time.sleep(3600)
EOF

# Multicast UDP data: `sender.py IF V SRC INTERVAL GROUP...`, one datagram
# to each group every INTERVAL seconds, hop limit / TTL 1 (a last argument
# ttl=N sets N, to be routed). It first turns
# off IF's transmit checksum offload (SIOCETHTOOL, ETHTOOL_STXCSUM; ethtool
# need not be installed): a veth leaves UDP checksums to a NIC that is not
# there, and the capture would hold them unfinished.
cat > "$WORK/sender.py" <<'EOF'
import ctypes, fcntl, socket, struct, sys, time
ifname, v, src, interval, groups = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5:]
ttl = 1
if groups[-1].startswith("ttl="):
    ttl = int(groups.pop()[4:])
idx = socket.if_nametoindex(ifname)
value = ctypes.create_string_buffer(struct.pack("=II", 0x17, 0), 8)
ifreq = struct.pack("16sQ", ifname.encode(), ctypes.addressof(value)).ljust(40, b"\0")
fcntl.ioctl(socket.socket(), 0x8946, ifreq)
if v == "4":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, ttl)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(src))
else:
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, ttl)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())
s.bind((src, 5000))
n = 0
while True:
    for g in groups:
        s.sendto(b"ipv4kit analyze test data %6d" % n, (g, 5001))
    n += 1
    time.sleep(interval)
EOF

# manifest NAME: writes rec-NAME.expected.json from the JSON object on
# stdin (description, link, queriers, groups_at_end, data, notes) and the
# capture: the frame count, and as violations the frames in which tcpdump
# finds a bad IGMP or ICMPv6 checksum (the one fault tcpdump names by
# itself), plus the first frame matching each of the spec's "rules" (a
# regular expression over tcpdump's line, for faults we found by reading the
# recording). Everything else is reviewed by hand after each recording.
cat > "$WORK/manifest.py" <<'EOF'
import json, os, re, subprocess, sys
here, name = sys.argv[1], sys.argv[2]
spec = json.load(sys.stdin)
out = subprocess.run(["tcpdump", "-r", os.path.join(here, f"rec-{name}.pcap"), "-n", "-v", "-tt"],
                     capture_output=True, text=True, check=True).stdout
frames = []
for line in out.splitlines():
    if re.match(r"^\d+\.\d+ ", line):
        frames.append(line)
    elif frames:
        frames[-1] += " " + line.strip()
violations = []
for n, f in enumerate(frames, 1):
    t = round(float(f.split()[0]) - float(frames[0].split()[0]), 6)
    if "bad igmp cksum" in f:
        query = "igmp query" in f
        violations.append({"frame": n, "time": t, "rfc": "RFC 3376 §4.1.2" if query else "RFC 3376 §4.2.2",
                           "kind": "bad-checksum",
                           "reason": "IGMP %s with a wrong checksum" % ("query" if query else "message")})
    elif "bad icmp6 cksum" in f:
        query = "listener query" in f
        violations.append({"frame": n, "time": t, "rfc": "RFC 3810 §5.1.2" if query else "RFC 3810 §5.2.2",
                           "kind": "bad-checksum",
                           "reason": "MLD %s with a wrong checksum" % ("query" if query else "message")})
    else:
        for rule in spec.get("rules", []):
            if re.search(rule["pattern"], f) and not rule.get("done"):
                rule["done"] = True
                violations.append({"frame": n, "time": t, "rfc": rule["rfc"], "kind": rule["kind"],
                                   "reason": rule["reason"]})
missing = [r["pattern"] for r in spec.get("rules", []) if not r.get("done")]
assert not missing, f"rec-{name}: no frame matches {missing}: review the recording"
manifest = {"capture": f"rec-{name}.pcap", "origin": "recorded by record.sh",
            "description": spec["description"], "frames": len(frames), "link": spec["link"],
            "violations": violations, "clean": not violations, "queriers": spec["queriers"],
            "groups_at_end": spec["groups_at_end"], "data": spec.get("data"), "notes": spec.get("notes", [])}
with open(os.path.join(here, f"rec-{name}.expected.json"), "w") as f:
    json.dump(manifest, f, indent=2, ensure_ascii=False)
    f.write("\n")
EOF
manifest() { python3 "$WORK/manifest.py" "$HERE" "$1"; }

# ns NAME: the namespace of role NAME in this run.
ns() { echo "$RUN$1"; }

# link V ROLE=ADDR...: a hub namespace with br0 and one namespace per role,
# each with eth0 on the bridge (MAC 02:00:00:00:00:<n>, n counting from 1),
# ADDR/24 (V=4) or fe80::ADDR/64 + 2001:db8::ADDR/64 (V=6, no DAD, no
# router solicitations). IPv6 is off in the IGMP scenarios and on the hub.
link() {
    local v=$1; shift
    local hub n=0 spec role addr
    hub=$(ns hub)
    ip netns add "$hub"; NSLIST+=("$hub")
    ip netns exec "$hub" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$hub" link add br0 type bridge mcast_snooping 0
    ip -n "$hub" link set br0 up
    for spec in "$@"; do
        role=${spec%%=*}; addr=${spec#*=}; n=$((n + 1))
        ip netns add "$(ns "$role")"; NSLIST+=("$(ns "$role")")
        if [ "$v" = 4 ]; then
            ip netns exec "$(ns "$role")" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
        else
            ip netns exec "$(ns "$role")" sysctl -qw net.ipv6.conf.default.accept_dad=0 \
                net.ipv6.conf.default.router_solicitations=0 net.ipv6.conf.default.addr_gen_mode=1
        fi
        ip -n "$hub" link add "p$n" type veth peer name eth0 netns "$(ns "$role")"
        ip -n "$hub" link set "p$n" master br0 up
        ip -n "$(ns "$role")" link set eth0 address "02:00:00:00:00:$(printf %02x "$n")"
        if [ "$v" = 4 ]; then
            ip -n "$(ns "$role")" addr add "$addr/24" dev eth0
        else
            ip -n "$(ns "$role")" addr add "fe80::$addr/64" dev eth0 nodad
            ip -n "$(ns "$role")" addr add "2001:db8::$addr/64" dev eth0 nodad
        fi
        ip -n "$(ns "$role")" link set lo up
        ip -n "$(ns "$role")" link set eth0 up
        [ "$v" = 4 ] && ip -n "$(ns "$role")" route add 224.0.0.0/4 dev eth0
    done
    sleep 1
}

# bg ROLE LOG CMD...: runs CMD in ROLE's namespace in the background.
bg() {
    local role=$1 log=$2; shift 2
    ip netns exec "$(ns "$role")" "$@" > "$log" 2>&1 &
    PIDS+=($!)
    LASTPID=$!
}

# stop PID: SIGTERM and wait.
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# capture NAME FILTER: tcpdump on br0 into rec-NAME.pcap.
capture() {
    bg hub "$WORK/tcpdump.log" tcpdump -i br0 -U -s 0 -w "$HERE/rec-$1.pcap" "$2"
    CAPPID=$LASTPID
    sleep 1
}

# finish NAME: stops the capture first (so nothing the teardown sends is in
# it), then everything else, and deletes the namespaces.
finish() {
    stop "$CAPPID"
    local p
    for p in "${PIDS[@]}"; do stop "$p"; done
    PIDS=()
    for p in "${NSLIST[@]}"; do ip netns del "$p" 2>/dev/null || true; done
    NSLIST=()
    if [ -s "$WORK/sender.log" ]; then cat "$WORK/sender.log" >&2; rm -f "$WORK/sender.log"; fi
    echo "rec-$1.pcap: $(tcpdump -r "$HERE/rec-$1.pcap" 2>/dev/null | wc -l) frames, $(stat -c %s "$HERE/rec-$1.pcap") octets"
}

Q4=(--query-interval-s 10 --max-resp-ms 2000 --last-member-interval-ms 500 --json)

# IGMPv3 kernel hosts, ipv4kit querier v3: joins, a leave, a source-specific
# join and its leave, an EXCLUDE-mode block; data to every group from .50.
scenario_v3() {
    link 4 q=198.18.0.1 h1=198.18.0.21 h2=198.18.0.22 h3=198.18.0.23 src=198.18.0.50
    capture v3 "igmp or udp"
    bg q "$HERE/rec-v3.querier.log" "$BIN" querier --iface eth0 "${Q4[@]}"
    bg src "$WORK/sender.log" python3 "$WORK/sender.py" eth0 4 198.18.0.50 0.5 239.1.2.3 239.1.2.4 232.1.1.1
    bg h1 "$WORK/h1.log" env IFADDR=198.18.0.21 python3 "$WORK/member.py" eth0 4 "3 join 239.1.2.3" "25 leave 239.1.2.3"
    bg h2 "$WORK/h2.log" env IFADDR=198.18.0.22 python3 "$WORK/member.py" eth0 4 \
        "5 join-source 232.1.1.1 198.18.0.50" "8 join 239.1.2.4" "30 leave-source 232.1.1.1 198.18.0.50"
    bg h3 "$WORK/h3.log" env IFADDR=198.18.0.23 python3 "$WORK/member.py" eth0 4 "12 join 239.1.2.3" "14 block 239.1.2.3 198.18.0.50"
    sleep 40
    finish v3
}

# IGMPv2 and IGMPv1 kernel hosts (force_igmp_version) beside a v3 host,
# ipv4kit querier v3: the querier keeps groups in compatibility mode.
scenario_v2v1() {
    link 4 q=198.18.0.1 h1=198.18.0.21 h2=198.18.0.22 h3=198.18.0.23 src=198.18.0.50
    ip netns exec "$(ns h1)" sysctl -qw net.ipv4.conf.eth0.force_igmp_version=2
    ip netns exec "$(ns h2)" sysctl -qw net.ipv4.conf.eth0.force_igmp_version=1
    capture v2v1 "igmp or udp"
    bg q "$HERE/rec-v2v1.querier.log" "$BIN" querier --iface eth0 "${Q4[@]}"
    bg src "$WORK/sender.log" python3 "$WORK/sender.py" eth0 4 198.18.0.50 0.5 239.2.0.1 239.2.0.2 239.2.0.3
    bg h1 "$WORK/h1.log" env IFADDR=198.18.0.21 python3 "$WORK/member.py" eth0 4 "3 join 239.2.0.1" "25 leave 239.2.0.1"
    bg h2 "$WORK/h2.log" env IFADDR=198.18.0.22 python3 "$WORK/member.py" eth0 4 "5 join 239.2.0.2"
    bg h3 "$WORK/h3.log" env IFADDR=198.18.0.23 python3 "$WORK/member.py" eth0 4 "8 join 239.2.0.1" "9 join 239.2.0.3" "30 leave 239.2.0.1"
    sleep 40
    finish v2v1
}

# Two ipv4kit queriers: 198.18.0.5 first, 198.18.0.2 (lower) starts at 12 s
# and takes over, stops at 27 s; .5 takes over again after the Other Querier
# Present Interval (2 x 5 s + 2 s / 2 = 11 s).
scenario_takeover() {
    link 4 qa=198.18.0.5 qb=198.18.0.2 h1=198.18.0.21 src=198.18.0.50
    capture takeover "igmp or udp"
    local qarg=(--query-interval-s 5 --max-resp-ms 2000 --last-member-interval-ms 500 --json)
    bg qa "$HERE/rec-takeover.querier.log" "$BIN" querier --iface eth0 "${qarg[@]}"
    bg src "$WORK/sender.log" python3 "$WORK/sender.py" eth0 4 198.18.0.50 1 239.3.0.1
    bg h1 "$WORK/h1.log" env IFADDR=198.18.0.21 python3 "$WORK/member.py" eth0 4 "2 join 239.3.0.1"
    sleep 12
    bg qb "$HERE/rec-takeover.querier-b.log" "$BIN" querier --iface eth0 "${qarg[@]}"
    local qb=$LASTPID
    sleep 15
    stop "$qb"
    sleep 21
    finish takeover
}

# pimd as the querier (its IGMPv3 default, query interval 10 s), kernel
# IGMPv3 hosts joining and leaving.
scenario_pimd() {
    [ -n "$PIMD" ] || { echo "record.sh: no pimd, skipping the pimd scenario" >&2; return; }
    link 4 q=198.18.0.1 h1=198.18.0.21 h2=198.18.0.22 src=198.18.0.50
    printf 'igmp-query-interval 10\nigmp-querier-timeout 25\nphyint eth0 enable\n' > "$WORK/pimd.conf"
    capture pimd "igmp or udp"
    bg q "$HERE/rec-pimd.querier.log" "$PIMD" -f -N -c "$WORK/pimd.conf"
    bg src "$WORK/sender.log" python3 "$WORK/sender.py" eth0 4 198.18.0.50 1 239.4.0.1 239.4.0.2
    bg h1 "$WORK/h1.log" env IFADDR=198.18.0.21 python3 "$WORK/member.py" eth0 4 "3 join 239.4.0.1" "20 leave 239.4.0.1"
    bg h2 "$WORK/h2.log" env IFADDR=198.18.0.22 python3 "$WORK/member.py" eth0 4 "5 join 239.4.0.2"
    sleep 35
    finish pimd
}

# igmpproxy as the querier and a real multicast router: the source
# 198.19.5.50 sits upstream of it on a link of its own, and igmpproxy
# forwards a group's data onto the bridge only while a host there holds the
# group, so report -> first data and leave -> last data are its doing.
scenario_igmpproxy() {
    command -v igmpproxy > /dev/null || { echo "record.sh: no igmpproxy, skipping its scenario" >&2; return; }
    link 4 q=198.18.0.1 h1=198.18.0.21 h2=198.18.0.22
    local up
    up=$(ns up); ip netns add "$up"; NSLIST+=("$up")
    ip netns exec "$up" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$(ns q)" link add up0 type veth peer name eth0 netns "$up"
    ip -n "$(ns q)" addr add 198.19.5.1/24 dev up0
    ip -n "$(ns q)" link set up0 up
    ip -n "$up" addr add 198.19.5.50/24 dev eth0
    ip -n "$up" link set lo up
    ip -n "$up" link set eth0 up
    ip -n "$up" route add 224.0.0.0/4 dev eth0
    ip -n "$up" route add default via 198.19.5.1
    printf 'quickleave\nphyint up0 upstream ratelimit 0 threshold 1\n  altnet 198.19.5.0/24\nphyint eth0 downstream ratelimit 0 threshold 1\n' > "$WORK/igmpproxy.conf"
    sleep 1
    capture igmpproxy "igmp or udp"
    bg q "$HERE/rec-igmpproxy.querier.log" igmpproxy -n -d "$WORK/igmpproxy.conf"
    bg up "$WORK/sender.log" python3 "$WORK/sender.py" eth0 4 198.19.5.50 0.5 239.5.0.1 239.5.0.2 ttl=8
    bg h1 "$WORK/h1.log" env IFADDR=198.18.0.21 python3 "$WORK/member.py" eth0 4 "4 join 239.5.0.1" "20 leave 239.5.0.1"
    bg h2 "$WORK/h2.log" env IFADDR=198.18.0.22 python3 "$WORK/member.py" eth0 4 "8 join 239.5.0.2"
    sleep 35
    finish igmpproxy
}

# MLDv2 kernel hosts, ipv4kit querier -6; data from 2001:db8::50.
scenario_mld() {
    link 6 q=1 h1=21 h2=22 src=50
    capture mld "ip6"
    bg q "$HERE/rec-mld.querier.log" "$BIN" querier -6 --iface eth0 "${Q4[@]}"
    bg src "$WORK/sender.log" python3 "$WORK/sender.py" eth0 6 2001:db8::50 0.5 ff05::1:3 ff3e::8000:1
    bg h1 "$WORK/h1.log" python3 "$WORK/member.py" eth0 6 "3 join ff05::1:3" "25 leave ff05::1:3"
    bg h2 "$WORK/h2.log" python3 "$WORK/member.py" eth0 6 "5 join-source ff3e::8000:1 2001:db8::50" "8 join ff05::1:3"
    sleep 35
    finish mld
}

# The manifests' hand-written part, one spec per scenario: what an
# RFC-following router on the link holds at the end (from the messages in
# the capture: a router that is not querier lowers timers only on the
# queries it sees), who was querier, the data, and what we noticed.
spec_v3() {
    cat <<'EOF'
{"description": "ipv4kit querier (IGMPv3, 198.18.0.1, Query Interval 10 s, Max Resp Time 2 s, Last Member Query Interval 0.5 s) and three Linux IGMPv3 hosts: 198.18.0.21 joins 239.1.2.3 and leaves it at about 25 s; 198.18.0.22 joins 232.1.1.1 from source 198.18.0.50 (IP_ADD_SOURCE_MEMBERSHIP) and 239.1.2.4, and drops the source at about 30 s; 198.18.0.23 joins 239.1.2.3 and blocks 198.18.0.50 in it (EXCLUDE mode). 198.18.0.50 sends UDP to the three groups from the start.",
 "link": "198.18.0.0/24",
 "queriers": ["198.18.0.1"],
 "groups_at_end": {
  "239.1.2.3": {"filter_mode": "exclude", "requested_sources": [], "excluded_sources": ["198.18.0.50"], "compat": 3, "last_reporter": "198.18.0.23"},
  "239.1.2.4": {"filter_mode": "exclude", "requested_sources": [], "excluded_sources": [], "compat": 3, "last_reporter": "198.18.0.22"}},
 "data": {"source": "198.18.0.50", "groups": ["239.1.2.3", "239.1.2.4", "232.1.1.1"], "interval_s": 0.5, "from": "start of the capture (the bridge floods it whether or not anyone joined)"},
 "notes": [
  "No violation found: every IGMP message has TTL 1, Router Alert and TOS 0xc0, checksums are right, queries go to 224.0.0.1 or the group, answers come within the Max Resp Time.",
  "The querier starts with two General Queries 2.5 s apart (Startup Query Interval = Query Interval / 4, RFC 3376 §8.6), then one every 10 s.",
  "Kernel hosts answer Group-Specific Queries (Max Resp Time 0.5 s) up to its very end, a few milliseconds short of it by the bridge's clock: an analyzer needs a small tolerance.",
  "The leave of 198.18.0.21 (TO_IN {}) is answered with Q(G) and, once 198.18.0.23's IS_EX {198.18.0.50} is in, Q(G,{198.18.0.50}) (RFC 3376 §6.4.2); 198.18.0.50 ends in the group's excluded list when its timer runs out (§6.3)."]}
EOF
}

spec_v2v1() {
    cat <<'EOF'
{"description": "ipv4kit querier (IGMPv3, 198.18.0.1, Query Interval 10 s, Max Resp Time 2 s, Last Member Query Interval 0.5 s) with an IGMPv2 host (198.18.0.21, force_igmp_version=2: joins 239.2.0.1, leaves at about 25 s), an IGMPv1 host (198.18.0.22, force_igmp_version=1: joins 239.2.0.2, never leaves) and an IGMPv3 host (198.18.0.23: joins 239.2.0.1 and 239.2.0.3, leaves 239.2.0.1 at about 30 s). 198.18.0.50 sends UDP to the three groups.",
 "link": "198.18.0.0/24",
 "queriers": ["198.18.0.1"],
 "groups_at_end": {
  "239.2.0.2": {"filter_mode": "exclude", "requested_sources": [], "excluded_sources": [], "compat": 1, "last_reporter": "198.18.0.22"},
  "239.2.0.3": {"filter_mode": "exclude", "requested_sources": [], "excluded_sources": [], "compat": 3, "last_reporter": "198.18.0.23"}},
 "data": {"source": "198.18.0.50", "groups": ["239.2.0.1", "239.2.0.2", "239.2.0.3"], "interval_s": 0.5, "from": "start of the capture"},
 "notes": [
  "No violation found. The querier keeps sending IGMPv3 queries (older hosts read them as their own, RFC 3376 §7.1) and handles 239.2.0.1 in IGMPv2 mode and 239.2.0.2 in IGMPv1 mode (§7.3.2).",
  "The IGMPv1 host answers up to 10 s after a query whatever its Max Resp Time says: RFC 1112 hosts wait a random time up to 10 s (RFC 1112 Appendix I; RFC 3376 §7.1 reads a query's code as 10 s for v1). These are not late answers.",
  "Linux sends its v1 reports with Router Alert and TOS 0xc0, which RFC 1112 does not ask for and does not forbid.",
  "The IGMPv2 leave (to 224.0.0.2) is handled as TO_IN {} with Group-Specific Queries; the v3 host still holds the group then. Its own leave at about 30 s ends the group one Last Member Query Time (2 x 0.5 s) later."]}
EOF
}

spec_takeover() {
    cat <<'EOF'
{"description": "Two ipv4kit queriers (IGMPv3, Query Interval 5 s, Max Resp Time 2 s): 198.18.0.5 from the start; 198.18.0.2 starts at about 12 s, sends its startup queries and wins the election (lower address); it is stopped at about 27 s and 198.18.0.5 takes over again one Other Querier Present Interval (2 x 5 s + 2 s / 2 = 11 s, RFC 3376 §8.5) after the last query it heard. One Linux IGMPv3 host, 198.18.0.21, holds 239.3.0.1; 198.18.0.50 sends UDP to it every second.",
 "link": "198.18.0.0/24",
 "queriers": ["198.18.0.5", "198.18.0.2", "198.18.0.5"],
 "groups_at_end": {
  "239.3.0.1": {"filter_mode": "exclude", "requested_sources": [], "excluded_sources": [], "compat": 3, "last_reporter": "198.18.0.21"}},
 "data": {"source": "198.18.0.50", "groups": ["239.3.0.1"], "interval_s": 1, "from": "start of the capture"},
 "notes": [
  "No violation found. 198.18.0.2's first query comes less than a second after one of 198.18.0.5: it had just started and not heard it (every router starts as querier, RFC 3376 §6.6.2); 198.18.0.5 sends no query after hearing it.",
  "In the committed recording 239.3.0.1 expires at 198.18.0.5 about 1.2 s after it resumes, one Group Membership Interval (2 x 5 s + 2 s = 12 s, RFC 3376 §8.4) after the host's last report, and comes back with the host's answer to the new querier's first query some 0.6 s later: the Other Querier Present Interval plus the Max Resp Time can outlast the Group Membership Interval, so the RFC's own timers leave this gap at a take-over (RFC 9776's Group Membership Interval, 2 x 5 s + 2 x 2 s = 14 s, would close it). Whether the gap appears depends on the host's random delay: re-check after re-recording."]}
EOF
}

spec_pimd() {
    cat <<'EOF'
{"description": "pimd 2.3.2 as the querier (198.18.0.1, IGMPv3, igmp-query-interval 10) and two Linux IGMPv3 hosts: 198.18.0.21 joins 239.4.0.1 and leaves it at about 20 s, 198.18.0.22 joins 239.4.0.2. 198.18.0.50 sends UDP to both groups every second. pimd's own host stack reports 224.0.0.2, 224.0.0.13 and 224.0.0.22, the groups pimd joins.",
 "link": "198.18.0.0/24",
 "queriers": ["198.18.0.1"],
 "rules": [
  {"pattern": "198\\.18\\.0\\.1 > 224\\.0\\.0\\.1: igmp query v3$", "rfc": "RFC 3376 §8.3", "kind": "max-resp-not-less-than-qi",
   "reason": "pimd's queries announce a Max Resp Time of 10 s (code 100) with a Query Interval (QQIC) of 10 s; listed at its first query with a good checksum"},
  {"pattern": "198\\.18\\.0\\.21 > 224\\.0\\.0\\.22: .*239\\.4\\.0\\.1 to_in", "rfc": "RFC 3376 §6.4.2", "kind": "no-query-after-leave",
   "reason": "the last member of 239.4.0.1 leaves (TO_IN {}) and pimd, the querier, sends no Group-Specific Query for it"}],
 "groups_at_end": {
  "239.4.0.1": {"filter_mode": "exclude", "requested_sources": [], "excluded_sources": [], "compat": 3, "last_reporter": "198.18.0.21"},
  "239.4.0.2": {"filter_mode": "exclude", "requested_sources": [], "excluded_sources": [], "compat": 3, "last_reporter": "198.18.0.22"},
  "224.0.0.2": {"filter_mode": "exclude", "requested_sources": [], "excluded_sources": [], "compat": 3, "last_reporter": "198.18.0.1"},
  "224.0.0.13": {"filter_mode": "exclude", "requested_sources": [], "excluded_sources": [], "compat": 3, "last_reporter": "198.18.0.1"},
  "224.0.0.22": {"filter_mode": "exclude", "requested_sources": [], "excluded_sources": [], "compat": 3, "last_reporter": "198.18.0.1"}},
 "data": {"source": "198.18.0.50", "groups": ["239.4.0.1", "239.4.0.2"], "interval_s": 1, "from": "start of the capture"},
 "notes": [
  "pimd's first query carries a wrong checksum: off by 0x020a, the QRV and QQIC octets, as if summed before they were filled in. The hosts drop it; pimd's own host stack, which gets the query looped back without a checksum check, answers it.",
  "239.4.0.1 is still held at the end: without pimd's Group-Specific Queries nothing lowers its timer, and its Group Membership Interval (2 x 10 s + 10 s) from the last report has not run out when the capture ends.",
  "pimd sends one query at startup, not Startup Query Count (default: the Robustness Variable, 2) of them (RFC 3376 §8.7, a default, not listed as a fault); its intervals wander 9-10.6 s around the announced 10 s (timers of one-second granularity), which an analyzer should tolerate."]}
EOF
}

spec_igmpproxy() {
    cat <<'EOF'
{"description": "igmpproxy 0.3 as the querier and multicast router (198.18.0.1 on the bridge; upstream interface up0, 198.19.5.1/24, towards the source 198.19.5.50, which sends UDP with TTL 8 to 239.5.0.1 and 239.5.0.2 every 0.5 s). igmpproxy queries with IGMPv2, so the Linux hosts answer in IGMPv2: 198.18.0.21 joins 239.5.0.1 and leaves at about 20 s, 198.18.0.22 joins 239.5.0.2. igmpproxy forwards a group's data onto the bridge (TTL 7) only once a host there has reported it; its own host stack reports 224.0.0.2 and 224.0.0.22.",
 "link": "198.18.0.0/24",
 "queriers": ["198.18.0.1"],
 "groups_at_end": {
  "239.5.0.1": {"filter_mode": "exclude", "requested_sources": [], "excluded_sources": [], "compat": 2, "last_reporter": "198.18.0.21"},
  "239.5.0.2": {"filter_mode": "exclude", "requested_sources": [], "excluded_sources": [], "compat": 2, "last_reporter": "198.18.0.22"},
  "224.0.0.2": {"filter_mode": "exclude", "requested_sources": [], "excluded_sources": [], "compat": 2, "last_reporter": "198.18.0.1"},
  "224.0.0.22": {"filter_mode": "exclude", "requested_sources": [], "excluded_sources": [], "compat": 2, "last_reporter": "198.18.0.1"}},
 "data": {"source": "198.19.5.50", "groups": ["239.5.0.1", "239.5.0.2"], "interval_s": 0.5, "from": "each group's first report: igmpproxy routes it from upstream only then (the kernel releases the datagrams it held for the unresolved route in the same millisecond)"},
 "notes": [
  "No violation found. igmpproxy's queries are IGMPv2 with Max Resp Time 10 s, also in its one Group-Specific Query after the leave; it sends one, not Last Member Query Count (default: the Robustness Variable, 2) of them, a default rather than a rule (RFC 2236 §8.9).",
  "239.5.0.1 is still held at the end: the Group-Specific Query lowers its timer to Last Member Query Count x its Max Resp Time (2 x 10 s, RFC 3376 §6.6.1 with the default count, an IGMPv2 query carrying no QRV), which has not run out; igmpproxy also keeps forwarding its data to the end.",
  "igmpproxy's General Queries come about 12 s and 15 s apart (its own startup timers); IGMPv2 queries announce no Query Interval, so there is nothing to compare them with."]}
EOF
}

spec_mld() {
    cat <<'EOF'
{"description": "ipv4kit querier -6 (MLDv2, fe80::1, Query Interval 10 s, Max Response Delay 2 s, Last Listener Query Interval 0.5 s) and Linux MLDv2 hosts: fe80::21 joins ff05::1:3 and leaves it at about 25 s; fe80::22 joins ff3e::8000:1 from source 2001:db8::50 (MCAST_JOIN_SOURCE_GROUP) and ff05::1:3; fe80::50 (2001:db8::50) sends UDP to both groups every 0.5 s. Every host also reports its solicited-node group.",
 "link": "fe80::/64",
 "queriers": ["fe80::1"],
 "groups_at_end": {
  "ff05::1:3": {"filter_mode": "exclude", "requested_sources": [], "excluded_sources": [], "compat": 2, "last_reporter": "fe80::22"},
  "ff3e::8000:1": {"filter_mode": "include", "requested_sources": ["2001:db8::50"], "excluded_sources": [], "compat": 2, "last_reporter": "fe80::22"},
  "ff02::1:ff00:21": {"filter_mode": "exclude", "requested_sources": [], "excluded_sources": [], "compat": 2, "last_reporter": "fe80::21"},
  "ff02::1:ff00:22": {"filter_mode": "exclude", "requested_sources": [], "excluded_sources": [], "compat": 2, "last_reporter": "fe80::22"},
  "ff02::1:ff00:50": {"filter_mode": "exclude", "requested_sources": [], "excluded_sources": [], "compat": 2, "last_reporter": "fe80::50"}},
 "data": {"source": "2001:db8::50", "groups": ["ff05::1:3", "ff3e::8000:1"], "interval_s": 0.5, "from": "start of the capture"},
 "notes": [
  "No violation found: every MLD message comes from a link-local address with hop limit 1 and a Hop-by-Hop Router Alert, checksums are right, answers come within the Maximum Response Delay.",
  "The querier's own host stack sends no reports: its queries are not looped back to it.",
  "The leave of fe80::21 (TO_IN {}) is answered with Multicast Address Specific Queries, the later ones with the S flag once fe80::22 has answered (RFC 3810 §7.6.3.1)."]}
EOF
}

# --manifests: only rewrite the manifests of the captures already here.
only_manifests=0
if [ "${1:-}" = --manifests ]; then only_manifests=1; shift; fi
[ $# -gt 0 ] || set -- v3 v2v1 takeover pimd igmpproxy mld
for s in "$@"; do
    [ "$only_manifests" = 1 ] || "scenario_$s"
    if [ -f "$HERE/rec-$s.pcap" ]; then "spec_$s" | manifest "$s"; fi
done
