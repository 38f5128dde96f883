#!/usr/bin/env bash
# Runs ipv4kit-wire's tests (unit, integration and doc tests) under Miri, to
# catch undefined behaviour in the codec and in zerocopy's casts, within about
# a few minutes on a 2-core machine.
#
#   .ci/miri.sh            (needs the nightly toolchain; installs Miri)
#
# What keeps it short:
# - PROPTEST_CASES=4: proptest reads it on top of every test's own config
#   (proptest 1.x applies the environment after `with_cases`), so the 2000-
#   and 4000-case property tests run 4 cases each;
# - the unit tests, the doc tests and the vector/capture tests only (below).
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

# Which of ipv4kit-wire's tests: the unit tests (every parser and emitter,
# IPv4, IGMP, IPv6, MLD and the shared gmp module, with their vectors), the
# doc tests, and the two integration tests that put real captured bytes
# through the views. The etherparse/smoltcp differential tests and the
# property tests run in the ordinary test step; under Miri they took most of
# a 15-minute budget (the wire crate's tests tripled with IPv6 and MLD) for
# code paths the tests kept here already walk.
start=$(date +%s)
cargo +nightly miri test -p ipv4kit-wire --locked --lib --test igmp_vectors --test mld_captures
cargo +nightly miri test -p ipv4kit-wire --locked --doc
echo "miri.sh: ipv4kit-wire under Miri in $(($(date +%s) - start)) s"

# The pure parts of ipv4kit-net's sys module: control-message encode/decode,
# sockaddr conversion, the batch pointer wiring (FFI tests are ignored under Miri).
start=$(date +%s)
cargo +nightly miri test -p ipv4kit-net --lib --locked -- sys:: tap::
echo "miri.sh: ipv4kit-net sys and tap under Miri in $(($(date +%s) - start)) s"
