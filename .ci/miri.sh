#!/usr/bin/env bash
# Runs ipv4kit-wire's tests (unit, integration and doc tests) under Miri, to
# catch undefined behaviour in the codec and in zerocopy's casts, within about
# 5 minutes on a 2-core machine.
#
#   .ci/miri.sh            (needs the nightly toolchain; installs Miri)
#
# What keeps it short:
# - PROPTEST_CASES=4: proptest reads it on top of every test's own config
#   (proptest 1.x applies the environment after `with_cases`), so the 2000-
#   and 4000-case property tests run 4 cases each;
# - one test is skipped: igmp_proptest's
#   splitter_handles_thousands_of_records_and_sources (about 2 minutes under
#   Miri alone; it only scales up code the other splitter tests cover).
# Miri's isolation is off because proptest asks for the working directory
# (failure persistence) and the capture tests read tests/data.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! rustup toolchain list | grep -q '^nightly'; then
  echo "miri.sh: no nightly toolchain; install it with: rustup toolchain install nightly" >&2
  exit 1
fi
rustup +nightly component add miri rust-src >/dev/null 2>&1 || true
cargo +nightly miri setup >/dev/null

export PROPTEST_CASES="${PROPTEST_CASES:-4}"
export MIRIFLAGS="${MIRIFLAGS:--Zmiri-disable-isolation}"
# A target dir of its own: Miri's build artefacts never mix with the normal ones.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target/miri}"

start=$(date +%s)
cargo +nightly miri test -p ipv4kit-wire --locked -- \
  --skip splitter_handles_thousands_of_records_and_sources
echo "miri.sh: ipv4kit-wire under Miri in $(($(date +%s) - start)) s"

# The pure parts of ipv4kit-net's sys module: control-message encode/decode,
# sockaddr conversion, the batch pointer wiring (FFI tests are ignored under Miri).
start=$(date +%s)
cargo +nightly miri test -p ipv4kit-net --lib --locked -- sys:: tap::
echo "miri.sh: ipv4kit-net sys and tap under Miri in $(($(date +%s) - start)) s"
