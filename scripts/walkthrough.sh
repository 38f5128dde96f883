#!/bin/bash
# Re-runs the README walkthrough "A querier and a host, step by step" and
# prints what each step printed (root; argument: the ipv4kit binary).
set -u
B=${1:-target/debug/ipv4kit}
D=$(mktemp -d)
cleanup() { ip netns del ipk-q 2>/dev/null; ip netns del ipk-h 2>/dev/null; }
trap cleanup EXIT
cleanup
ip netns add ipk-q
ip netns add ipk-h
ip -n ipk-q link add q0 type veth peer name h0 netns ipk-h
ip -n ipk-q addr add 198.18.0.1/24 dev q0
ip -n ipk-h addr add 198.18.0.2/24 dev h0
ip -n ipk-q link set q0 up
ip -n ipk-h link set h0 up
sleep 2
ip netns exec ipk-q $B monitor --iface q0 >$D/mon.out 2>$D/mon.err &
M=$!
ip netns exec ipk-q $B monitor --iface q0 --json >$D/monj.out 2>/dev/null &
MJ=$!
sleep 1
echo "== 1"; cat $D/mon.err
ip -n ipk-h addr add 239.1.1.1/32 dev h0 autojoin
sleep 1.5
echo "== 3"; ip netns exec ipk-q $B query --iface q0 --max-resp-ms 1000
sleep 1.5
echo "== 4"; ip netns exec ipk-h sysctl -w net.ipv4.conf.h0.force_igmp_version=2
ip -n ipk-h addr add 239.2.2.2/32 dev h0 autojoin
sleep 11
ip -n ipk-h addr add 224.0.0.251/32 dev h0 autojoin
sleep 1.5
echo "== 5"; ip netns exec ipk-q $B query --iface q0 --version 2 --group 239.2.2.2 --max-resp-ms 1000
sleep 1.5
echo "== 6"; ip -n ipk-h addr del 239.2.2.2/32 dev h0
sleep 1.5
echo "== 7"; ip netns exec ipk-h $B report --iface h0 --version 3 --record allow:232.1.1.1:198.18.0.1 --record block:232.1.1.2:198.18.0.1
sleep 1
ip -n ipk-h addr add 239.3.3.3/32 dev h0 autojoin
sleep 1
kill -INT $M $MJ; wait $M $MJ
echo "== monitor"; cat $D/mon.out; echo "== stderr"; cat $D/mon.err
echo "== json 239.3.3.3"; grep '"dst":"239.3.3.3"' $D/monj.out | head -1
