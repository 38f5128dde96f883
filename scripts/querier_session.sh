#!/bin/bash
# The README's `ipv4kit querier` sessions, run for real and printed as a
# transcript: every command after `$ `, then what it printed.
#
#   sudo scripts/querier_session.sh igmp    # IGMPv3, v2 and v1 kernel hosts
#   sudo scripts/querier_session.sh mld     # MLDv2 and MLDv1 kernel hosts
#
# A Linux bridge (br0, multicast snooping off) in namespace qs-hub with four
# hosts on it, each a namespace with eth0: qs-q (198.18.0.1, fe80::1) runs
# the querier, qs-h1 (.2, fe80::2), qs-h2 (.3, fe80::3) and qs-h3 (.4,
# fe80::4) are kernel hosts. For MLD the hosts have only their fe80::N
# address (nodad, no EUI-64 one) and the hub's IPv6 is off, so the only MLD
# listeners on the link are the hosts. Everything is deleted at the end.
# The command comes from target/debug (IPV4KIT=path overrides), so run
# `cargo build -p ipv4kit-cli` first.
set -euo pipefail
mode=${1:-igmp}
here=$(cd "$(dirname "$0")" && pwd)
bin=${IPV4KIT:-$here/../target/debug/ipv4kit}
[ -x "$bin" ] || { echo "no $bin: cargo build -p ipv4kit-cli first" >&2; exit 2; }
PATH=$(cd "$(dirname "$bin")" && pwd):$PATH
work=$(mktemp -d)
hosts="qs-q qs-h1 qs-h2 qs-h3"

cleanup() {
    kill $(jobs -p) 2>/dev/null || true
    for n in $hosts qs-hub; do ip netns del "$n" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# Prints a command as typed, then runs it.
step() {
    printf '$ %s\n' "$1"
    eval "$1"
}

ip netns add qs-hub
ip netns exec qs-hub sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip -n qs-hub link add br0 type bridge mcast_snooping 0
ip -n qs-hub link set br0 up
i=1
for h in $hosts; do
    ip netns add "$h"
    ip -n qs-hub link add "p$i" type veth peer name eth0 netns "$h"
    ip -n qs-hub link set "p$i" master br0 up
    ip -n "$h" addr add "198.18.0.$i/24" dev eth0
    if [ "$mode" = mld ]; then
        ip netns exec "$h" sysctl -qw net.ipv6.conf.eth0.accept_dad=0
        ip -n "$h" link set eth0 addrgenmode none
        ip -n "$h" -6 addr add "fe80::$i/64" dev eth0 nodad
    fi
    ip -n "$h" link set lo up
    ip -n "$h" link set eth0 up
    ip -n "$h" route add 224.0.0.0/4 dev eth0
    i=$((i + 1))
done
sleep 1
cd "$work"

case "$mode" in
igmp)
    ip netns exec qs-h2 sysctl -qw net.ipv4.conf.eth0.force_igmp_version=2
    ip netns exec qs-h3 sysctl -qw net.ipv4.conf.eth0.force_igmp_version=1
    step 'ip netns exec qs-q ipv4kit querier --iface eth0 --query-interval-s 20 --max-resp-ms 2000 --last-member-interval-ms 500 > querier.txt & sleep 1'
    step 'ip -n qs-h1 addr add 239.1.1.1/32 dev eth0 autojoin   # IGMPv3 host'
    step 'ip -n qs-h2 addr add 239.2.2.2/32 dev eth0 autojoin   # IGMPv2 host'
    step 'ip -n qs-h3 addr add 239.2.2.2/32 dev eth0 autojoin   # IGMPv1 host, same group'
    step 'ip -n qs-h3 addr add 239.3.3.3/32 dev eth0 autojoin'
    step 'sleep 3; kill -USR1 %1; sleep 0.2'
    step 'ip -n qs-h1 addr del 239.1.1.1/32 dev eth0            # v3 leave: TO_IN {}'
    step 'sleep 2; kill %1; wait'
    step 'cat querier.txt'
    echo
    step 'ip -n qs-h1 addr add 239.1.1.1/32 dev eth0 autojoin'
    step 'ip netns exec qs-q ipv4kit querier --iface eth0 --json --max-resp-ms 2000 > querier.json & sleep 11; kill %1; wait'
    step 'tail -1 querier.json | python3 -m json.tool'
    ;;
mld)
    ln -s "$here" scripts
    step 'ip netns exec qs-h3 sysctl -qw net.ipv6.conf.eth0.force_mld_version=1   # qs-h3: an MLDv1 host'
    step 'ip netns exec qs-q ipv4kit querier -6 --iface eth0 --query-interval-s 10 --max-resp-ms 2000 --last-member-interval-ms 500 > querier6.txt & sleep 1'
    step 'ip netns exec qs-h1 python3 scripts/mcast_join.py eth0 ff1e::a1 &                  # MLDv2, any source'
    step 'ip netns exec qs-h1 python3 scripts/mcast_join.py eth0 ff3e::8000:1 2001:db8::1 &  # MLDv2, SSM from one source'
    step 'ip netns exec qs-h2 python3 scripts/mcast_join.py eth0 ff3e::8000:1 2001:db8::2 &  # and from another'
    step 'ip netns exec qs-h2 python3 scripts/mcast_join.py eth0 ff3e::8000:2 &              # any source in the SSM range: ignored'
    step 'ip netns exec qs-h3 python3 scripts/mcast_join.py eth0 ff1e::b2 &                  # MLDv1'
    step 'sleep 3; kill -USR1 %1; sleep 0.2'
    step 'kill %2                                                    # qs-h1 leaves ff1e::a1: TO_IN {}'
    step 'kill %3                                                    # and the source 2001:db8::1: BLOCK'
    step 'sleep 2; kill %1; wait %1'
    step 'cat querier6.txt'
    echo
    step 'ip netns exec qs-q ipv4kit querier -6 --iface eth0 --json --max-resp-ms 2000 > querier6.json & sleep 4; kill $!; wait $!'
    step 'tail -1 querier6.json | python3 -m json.tool'
    ;;
*)
    echo "usage: $0 igmp|mld" >&2
    exit 2
    ;;
esac
