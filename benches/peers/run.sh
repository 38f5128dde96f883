#!/usr/bin/env bash
# Raw-IPv4 send/sink throughput of three implementations, measured in one run
# on one veth path between two network namespaces made here:
#   c        benches/peers/c/rawperf.c   (sendmmsg / recvmmsg, IP_HDRINCL)
#   go       benches/peers/go/rawperf    (golang.org/x/net/ipv4 RawConn
#                                         WriteBatch / ReadBatch)
#   ipv4kit  the `ipv4kit` binary, when given (same flags, same summary line),
#            also as ipv4kit-packet: `send --via packet` (AF_PACKET frames
#            through a PACKET_TX_RING) and ipv4kit-packet-sendmmsg:
#            `send --via packet-sendmmsg` (the same frames by sendmmsg)
#
# usage: run.sh [--duration-s S] [--runs N] [--size BYTES] [--batch N]
#               [--protocol N] [--ipv4kit PATH | PATH]
# env:   DURATION_S (5), RUNS (3), SIZE (48), BATCH (64), PROTOCOL (253),
#        IDLE_MS (500), IPV4KIT_BIN
#
# Needs root (namespaces, raw sockets), gcc, go (Debian's golang-go with
# golang-golang-x-net-dev and golang-golang-x-sys-dev; the Go build is
# offline). Traffic stays between the two namespaces (198.18.0.0/24), which
# are removed on exit. Prints a Markdown table of medians on stdout.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
target="$here/target"

duration=${DURATION_S:-5}
runs=${RUNS:-3}
size=${SIZE:-48}
batch=${BATCH:-64}
protocol=${PROTOCOL:-253}
idle_ms=${IDLE_MS:-500}
ipv4kit_bin=${IPV4KIT_BIN:-}

die() { echo "run.sh: $*" >&2; exit 1; }
need_arg() { [[ $# -ge 2 ]] || die "$1 needs a value"; }
while [[ $# -gt 0 ]]; do
    case $1 in
        --duration-s) need_arg "$@"; duration=$2; shift 2 ;;
        --runs) need_arg "$@"; runs=$2; shift 2 ;;
        --size) need_arg "$@"; size=$2; shift 2 ;;
        --batch) need_arg "$@"; batch=$2; shift 2 ;;
        --protocol) need_arg "$@"; protocol=$2; shift 2 ;;
        --ipv4kit) need_arg "$@"; ipv4kit_bin=$2; shift 2 ;;
        -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
        -*) die "unknown flag $1" ;;
        *) ipv4kit_bin=$1; shift ;;
    esac
done
[[ $duration =~ ^[0-9]+$ && $duration -ge 1 && $duration -le 600 ]] || die "--duration-s wants whole seconds in 1..600"
[[ $runs =~ ^[0-9]+$ && $runs -ge 1 && $runs -le 50 ]] || die "--runs wants 1..50"
[[ $(id -u) -eq 0 ]] || die "needs root (network namespaces, raw sockets)"
for tool in ip gcc go timeout awk; do
    command -v "$tool" >/dev/null || die "$tool not found"
done
if [[ -n $ipv4kit_bin ]]; then
    [[ -x $ipv4kit_bin ]] || die "ipv4kit binary '$ipv4kit_bin' is not executable"
    ipv4kit_bin=$(cd "$(dirname "$ipv4kit_bin")" && pwd)/$(basename "$ipv4kit_bin")
fi

# --- build ----------------------------------------------------------------
mkdir -p "$target"
echo "building C peer" >&2
gcc -O2 -Wall -Wextra -Werror -o "$target/rawperf-c" "$here/c/rawperf.c"
echo "building Go peer (offline, Debian's x/net)" >&2
xnet=/usr/share/gocode/src/golang.org/x/net
[[ -d $xnet/ipv4 ]] || die "$xnet missing: apt-get install golang-golang-x-net-dev golang-golang-x-sys-dev"
(cd "$here/go/rawperf" &&
    GOFLAGS=-mod=mod GOPROXY=off GOSUMDB=off GOTOOLCHAIN=local \
    GOCACHE=${GOCACHE:-$target/gocache} go build -o "$target/rawperf-go" .)
xnet_version=$(dpkg-query -W -f='${Version}' golang-golang-x-net-dev 2>/dev/null || echo unknown)

impls=(c go)
declare -A bin=([c]="$target/rawperf-c" [go]="$target/rawperf-go")
# Extra flags of `send` per implementation (ipv4kit-packet: whole frames
# through AF_PACKET with PACKET_QDISC_BYPASS; its sink is ipv4kit's).
declare -A send_extra=()
if [[ -n $ipv4kit_bin ]]; then
    impls+=(ipv4kit ipv4kit-packet ipv4kit-packet-sendmmsg)
    bin[ipv4kit]=$ipv4kit_bin
    bin[ipv4kit-packet]=$ipv4kit_bin
    send_extra[ipv4kit-packet]="--via packet --iface veth0"
    bin[ipv4kit-packet-sendmmsg]=$ipv4kit_bin
    send_extra[ipv4kit-packet-sendmmsg]="--via packet-sendmmsg --iface veth0"
fi

# --- two namespaces joined by a veth pair ---------------------------------
ns_a="ipk-bench-$$-a"
ns_b="ipk-bench-$$-b"
work=$(mktemp -d)
sink_pid=""
cleanup() {
    if [[ -n $sink_pid ]]; then kill "$sink_pid" 2>/dev/null || true; fi
    ip netns del "$ns_a" 2>/dev/null || true
    ip netns del "$ns_b" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

addr_a=198.18.0.1
addr_b=198.18.0.2
ip netns add "$ns_a"
ip netns add "$ns_b"
# Created inside A, so no interface name is taken in the caller's namespace.
ip -n "$ns_a" link add veth0 type veth peer name veth1 netns "$ns_b"
ip -n "$ns_a" addr add "$addr_a/24" dev veth0
ip -n "$ns_b" addr add "$addr_b/24" dev veth1
for ns in "$ns_a" "$ns_b"; do ip -n "$ns" link set lo up; done
ip -n "$ns_a" link set veth0 up
ip -n "$ns_b" link set veth1 up
# Permanent neighbour entries: no ARP at the start of a run drops packets.
mac_a=$(ip -n "$ns_a" -br link show veth0 | awk '{print $3}')
mac_b=$(ip -n "$ns_b" -br link show veth1 | awk '{print $3}')
ip -n "$ns_a" neigh replace "$addr_b" lladdr "$mac_b" dev veth0 nud permanent
ip -n "$ns_b" neigh replace "$addr_a" lladdr "$mac_a" dev veth1 nud permanent

# Wait until a raw socket for the protocol is open in namespace B
# (/proc/net/raw shows the protocol as the local "port", in hex).
wait_sink_ready() {
    local hex
    hex=$(printf '%04X' "$protocol")
    for _ in $(seq 100); do
        if ip netns exec "$ns_b" awk -v p=":$hex" 'NR > 1 && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }' /proc/net/raw; then
            return 0
        fi
        kill -0 "$sink_pid" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

field() { # field NAME LINE -> value of NAME=... in a summary line
    local name=$1 line=$2
    awk -v n="$name" '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == n) print kv[2] } }' <<<"$line"
}

# One measurement: sink in B first, then send from A for the duration; the
# sink stops by itself IDLE_MS after the last packet. Appends a result row.
measure() {
    local impl=$1 run=$2 exe=${bin[$1]} out="$work/$1.$2"
    ip netns exec "$ns_b" timeout -s INT -k 2 $((duration + 20)) \
        "$exe" sink --protocol "$protocol" --batch "$batch" \
        --idle-timeout-ms "$idle_ms" --duration-s $((duration + 15)) \
        >"$out.sink" 2>"$out.sink.err" &
    sink_pid=$!
    if ! wait_sink_ready; then
        cat "$out.sink.err" >&2
        die "$impl sink did not open its socket"
    fi
    local rc=0
    ip netns exec "$ns_a" timeout -s INT -k 2 $((duration + 10)) \
        "$exe" send --dst "$addr_b" --protocol "$protocol" --size "$size" \
        --batch "$batch" --duration-s "$duration" ${send_extra[$impl]:-} \
        >"$out.send" 2>"$out.send.err" || rc=$?
    [[ $rc -eq 0 ]] || { cat "$out.send.err" >&2; die "$impl send failed (exit $rc)"; }
    wait "$sink_pid" || { rc=$?; cat "$out.sink.err" >&2; die "$impl sink failed (exit $rc)"; }
    sink_pid=""
    local send_line sink_line
    send_line=$(grep -E '^packets=[0-9]+ seconds=[0-9.]+ pps=[0-9]+( invalid=[0-9]+)?( drops=[0-9]+)?$' "$out.send" | tail -n1) ||
        die "$impl send printed no summary line"
    sink_line=$(grep -E '^packets=[0-9]+ seconds=[0-9.]+ pps=[0-9]+( invalid=[0-9]+)?( drops=[0-9]+)?$' "$out.sink" | tail -n1) ||
        die "$impl sink printed no summary line"
    local sent got loss
    sent=$(field packets "$send_line")
    got=$(field packets "$sink_line")
    loss=$(awk -v s="$sent" -v r="$got" 'BEGIN { printf "%.2f", (s > 0 ? 100 * (s - r) / s : 0) }')
    printf '%s %s %s %s %s\n' "$impl" "$(field pps "$send_line")" "$(field pps "$sink_line")" "$loss" \
        >>"$work/results"
    printf '| %s | %s | send: %s | sink: %s | %s%% |\n' "$impl" "$run" "$send_line" "$sink_line" "$loss" \
        >>"$work/detail"
    echo "  $impl run $run: send $send_line / sink $sink_line" >&2
}

echo "measuring ${impls[*]}: $runs runs x ${duration}s, ${size}-byte datagrams, batch $batch, protocol $protocol" >&2
# Interleave the implementations so slow drift in machine load hits all alike.
for run in $(seq "$runs"); do
    for impl in "${impls[@]}"; do
        measure "$impl" "$run"
    done
done

median() { # median of column $2 for implementation $1
    awk -v i="$1" -v c="$2" '$1 == i { print $c }' "$work/results" | sort -g |
        awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
fmt_int() { awk '{ printf "%.0f\n", $1 }' <<<"$1"; }

cat <<EOF
## Raw IPv4 send/sink over a veth pair

$(date -u '+%Y-%m-%d %H:%M UTC'), kernel $(uname -r), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg).
${size}-byte datagrams (protocol $protocol), batch $batch, ${duration} s per run, median of $runs runs.
Go peer: golang.org/x/net/ipv4 $xnet_version (Debian), ipv4.NewRawConn (IP_HDRINCL) with RawConn.WriteBatch / RawConn.ReadBatch.

| implementation | send pps | received pps | loss % |
| --- | ---: | ---: | ---: |
EOF
for impl in "${impls[@]}"; do
    printf '| %s | %s | %s | %s |\n' "$impl" "$(fmt_int "$(median "$impl" 2)")" \
        "$(fmt_int "$(median "$impl" 3)")" "$(median "$impl" 4)"
done
cat <<EOF

send pps: packets the sender handed to the kernel / its sending time.
received pps: packets the sink counted / time from its first to its last batch.
Each column is the median over the runs on its own.

<details><summary>every run</summary>

| implementation | run | sender | sink | loss |
| --- | --- | --- | --- | --- |
$(cat "$work/detail")

</details>
EOF
