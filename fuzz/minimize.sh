#!/usr/bin/env bash
# Minimises the committed corpora: merges fuzz/corpus/<target>/ (seeds and
# whatever fuzz/run.sh added) down to the inputs that keep the coverage, and
# stores them as min-<sha1> files, the ones .gitignore lets through.
#
#   fuzz/minimize.sh [TARGET...]          (default: every target)
#
# Inputs are cut to MAX_LEN octets (1024 for cli_capture and
# capture_pcapng_blocks, whose inputs are
# whole capture files; 256 for the rest: room for any IPv4 header and IGMP
# messages with a dozen records) so the committed corpora stay small.
#
# Then check the size (`du -sh --apparent-size fuzz/corpus`; keep it at a few
# hundred KB), run `cargo test -p ipv4kit-fuzzing` and commit.
set -euo pipefail
cd "$(dirname "$0")"
targets=${*:-$(cargo +nightly fuzz list)}
for t in $targets; do
  [ -d "corpus/$t" ] || continue
  out=$(mktemp -d)
  max_len=${MAX_LEN:-256}
  case $t in cli_capture | capture_pcapng_blocks) max_len=${MAX_LEN:-1024} ;; esac
  cargo +nightly fuzz run "$t" "$out" "corpus/$t" -- -merge=1 -max_len="$max_len" \
    -timeout=10 -rss_limit_mb=2048 \
    >"/tmp/ipv4kit-minimize-$t.log" 2>&1
  before=$(find "corpus/$t" -type f | wc -l)
  find "corpus/$t" -type f -delete
  for f in "$out"/*; do
    [ -e "$f" ] || continue
    mv "$f" "corpus/$t/min-$(basename "$f")"
  done
  rmdir "$out"
  echo "$t: $before -> $(find "corpus/$t" -type f | wc -l) files"
done
du -sh --apparent-size corpus
