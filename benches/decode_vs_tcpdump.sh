#!/usr/bin/env bash
# ipv4kit decode against tcpdump and tshark on one generated Ethernet IGMP
# capture, text and JSON, timestamps on; prints a Markdown table of wall
# time and max RSS (/usr/bin/time). Output goes to /dev/null.
#
#   benches/decode_vs_tcpdump.sh [MEGABYTES]      (default 200)
#
# The capture (target/bench/igmp-<N>mb.pcap, not in git) is written by
# `cargo run --release -p ipv4kit-capture --example igmp_capture`.
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-200}
file=target/bench/igmp-${mb}mb.pcap
mkdir -p target/bench
cargo build --release -q -p ipv4kit-cli
[ -f "$file" ] || cargo run --release -q -p ipv4kit-capture --example igmp_capture -- "$file" "$mb"
bin=target/release/ipv4kit
cat "$file" >/dev/null # page cache warm for everyone

run() {
  local name=$1; shift
  local out
  /usr/bin/time -o target/bench/time.txt -f '%e %M' "$@" >/dev/null 2>/dev/null
  out=$(tail -1 target/bench/time.txt)
  echo "$name|${out% *}|${out#* }"
}

results=$(
  run "ipv4kit decode (text)" "$bin" decode "$file"
  run "ipv4kit decode --json" "$bin" decode --json "$file"
  run "tcpdump -n -r" tcpdump -n -r "$file"
  run "tcpdump -v -n -r" tcpdump -v -n -r "$file"
  run "tshark -r" tshark -r "$file"
)
base_n=$(echo "$results" | awk -F'|' '$1=="tcpdump -n -r"{print $2}')
base_v=$(echo "$results" | awk -F'|' '$1=="tcpdump -v -n -r"{print $2}')
echo "| command ($mb MB, $(stat -c %s "$file") octets) | wall s | vs tcpdump -n | vs tcpdump -v -n | max RSS MB |"
echo "|---|---|---|---|---|"
echo "$results" | while IFS='|' read -r name secs rss; do
  awk -v n="$name" -v s="$secs" -v r="$rss" -v bn="$base_n" -v bv="$base_v" \
    'BEGIN { printf "| `%s` | %.2f | %.2f× | %.2f× | %.1f |\n", n, s, bn / s, bv / s, r / 1024 }'
done
