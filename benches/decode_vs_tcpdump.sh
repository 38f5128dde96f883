#!/usr/bin/env bash
# ipv4kit decode against tcpdump and tshark on one generated Ethernet IGMP
# capture, text and JSON, timestamps on; prints a Markdown table of wall
# time, CPU time (user + sys) and max RSS (/usr/bin/time). Output goes to
# /dev/null. Ratios are of CPU time: on a shared machine wall time mostly
# measures the neighbours.
#
#   benches/decode_vs_tcpdump.sh [MEGABYTES]      (default 200)
#   benches/decode_vs_tcpdump.sh MEGABYTES mld    (an MLD capture instead)
#
# The capture (target/bench/igmp-<N>mb.pcap, not in git) is written by
# `cargo run --release -p ipv4kit-capture --example igmp_capture`; with
# `mld`, target/bench/mld-<N>mb.pcap by the example `mld_capture`
# (MLDv1/v2 behind hop-by-hop Router Alert, IPv6 over Ethernet).
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-200}
kind=${2:-igmp}
case $kind in igmp | mld) ;; *) echo "usage: $0 [MEGABYTES] [igmp|mld]" >&2; exit 2 ;; esac
file=target/bench/${kind}-${mb}mb.pcap
mkdir -p target/bench
cargo build --release -q -p ipv4kit-cli
[ -f "$file" ] || cargo run --release -q -p ipv4kit-capture --example "${kind}_capture" -- "$file" "$mb"
bin=target/release/ipv4kit
cat "$file" >/dev/null # page cache warm for everyone

run() {
  local name=$1; shift
  local out
  /usr/bin/time -o target/bench/time.txt -f '%e %U %S %M' "$@" >/dev/null 2>/dev/null
  read -r wall user sys rss < <(tail -1 target/bench/time.txt)
  echo "$name|$wall|$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')|$rss"
}

results=$(
  run "ipv4kit decode (text)" "$bin" decode "$file"
  run "ipv4kit decode --json" "$bin" decode --json "$file"
  run "tcpdump -n -r" tcpdump -n -r "$file"
  run "tcpdump -v -n -r" tcpdump -v -n -r "$file"
  run "tshark -r" tshark -r "$file"
)
base_n=$(echo "$results" | awk -F'|' '$1=="tcpdump -n -r"{print $3}')
base_v=$(echo "$results" | awk -F'|' '$1=="tcpdump -v -n -r"{print $3}')
echo "| command ($mb MB, $(stat -c %s "$file") octets) | wall s | CPU s | vs tcpdump -n | vs tcpdump -v -n | max RSS MB |"
echo "|---|---|---|---|---|---|"
echo "$results" | while IFS='|' read -r name wall cpu rss; do
  awk -v n="$name" -v w="$wall" -v c="$cpu" -v r="$rss" -v bn="$base_n" -v bv="$base_v" \
    'BEGIN { printf "| `%s` | %.2f | %.2f | %.2f× | %.2f× | %.1f |\n", n, w, c, bn / c, bv / c, r / 1024 }'
done
