#!/usr/bin/env bash
# AddressSanitizer over ipv4kit-net: its unit tests and its real-socket tests
# (namespaces, raw sockets, recvmmsg/sendmmsg), with std rebuilt under ASan so
# the whole process is instrumented. ASan's interceptors also check, on every
# recvmsg/recvmmsg/sendmsg/sendmmsg, that what the kernel reads or writes
# through the iovecs, names and control buffers the sys module hands it is
# live memory.
#
# Needs a nightly toolchain with rust-src; skips (exit 0) with a message when
# either is missing. Meant to run as root, where IPV4KIT_REQUIRE_PRIVILEGED=1
# turns any skipped socket test into a failure. Measured on 2 cores: 80 s cold
# (65 s of it building std and the dependencies under ASan; the target
# directory grows to about 860 MB), 6 s warm.
#
# Usage: bash .ci/asan.sh [which tests, as cargo test takes them; default
# --lib --tests, e.g. --test hostile --test batch to run fewer]
# Target directory: target/asan (override with ASAN_TARGET_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."

# A missing tool is a skip on a developer's machine and a failure where
# IPV4KIT_REQUIRE_TOOLS=1 (CI sets it), so CI cannot pass without running this.
skip() {
  if [ "${IPV4KIT_REQUIRE_TOOLS:-}" = 1 ]; then
    echo "asan: FAILED: $* (IPV4KIT_REQUIRE_TOOLS=1)" >&2
    exit 1
  fi
  echo "asan: SKIPPED: $*"
  exit 0
}

command -v rustup >/dev/null 2>&1 || skip "rustup not found (needed for the nightly toolchain)"
rustup run nightly rustc --version >/dev/null 2>&1 ||
  skip "no nightly toolchain (rustup toolchain install nightly)"
sysroot=$(rustup run nightly rustc --print sysroot)
[ -f "$sysroot/lib/rustlib/src/rust/library/Cargo.lock" ] ||
  skip "nightly has no rust-src, needed by -Zbuild-std (rustup +nightly component add rust-src)"
host=$(rustup run nightly rustc -vV | sed -n 's/^host: //p')
case "$host" in
  x86_64-unknown-linux-gnu | aarch64-unknown-linux-gnu) ;;
  *) skip "AddressSanitizer is not set up here for $host" ;;
esac

if [ "$(id -u)" = 0 ]; then
  export IPV4KIT_REQUIRE_PRIVILEGED=1
elif [ "${IPV4KIT_REQUIRE_PRIVILEGED:-}" != 1 ]; then
  echo "asan: not root: the real-socket tests will skip (run as root to include them)"
fi

export RUSTFLAGS="-Zsanitizer=address"
export CARGO_TARGET_DIR="${ASAN_TARGET_DIR:-target/asan}"
export CARGO_TERM_COLOR=never
# Stop at the first report; also look for leaks at exit.
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:detect_stack_use_after_return=1}"

echo "asan: $(rustup run nightly rustc --version), target $host, into $CARGO_TARGET_DIR"
start=$(date +%s)
# Unit and integration tests by default; doctests are examples that open no
# sockets, and rustdoc would need -Zbuild-std passed on to it as well.
which=("$@")
[ ${#which[@]} -gt 0 ] || which=(--lib --tests)
cargo +nightly test -Zbuild-std --target "$host" --locked -p ipv4kit-net "${which[@]}"
echo "asan: ipv4kit-net passed under AddressSanitizer in $(($(date +%s) - start)) s"
