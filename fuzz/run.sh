#!/usr/bin/env bash
# Runs every fuzz target for a fixed time and prints executions per target.
#
#   fuzz/run.sh [SECONDS_PER_TARGET]       (default 30)
#   FUZZ_TARGETS="ipv4_strict igmp_query" fuzz/run.sh 60
#   FUZZ_JOBS=2 fuzz/run.sh 600            (libFuzzer -fork=N per target)
#
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`);
# without them it says so and exits 0, unless IPV4KIT_REQUIRE_TOOLS=1 (which
# .ci/run sets): then a missing tool is a failure. Total time is bounded:
# build, then at most SECONDS_PER_TARGET + 60 s per target. Exits 1 if any
# target crashed (a panic = a broken invariant, a timeout or out-of-memory);
# the reproducer is left in fuzz/artifacts/<target>/ and the log in
# fuzz/artifacts/logs/<target>.log.
# Copy a reproducer to fuzz/regressions/<target>/ to keep it as a test.
set -uo pipefail
cd "$(dirname "$0")"

secs=${1:-30}
case $secs in '' | *[!0-9]*) echo "usage: $0 [SECONDS_PER_TARGET]" >&2; exit 2 ;; esac

# A missing tool is a skip, except where IPV4KIT_REQUIRE_TOOLS=1 (CI sets it).
skip() {
  if [ "${IPV4KIT_REQUIRE_TOOLS:-}" = 1 ]; then
    echo "fuzz/run.sh: $*; IPV4KIT_REQUIRE_TOOLS=1, so that is a failure" >&2
    exit 1
  fi
  echo "fuzz/run.sh: $*; skipping"
  exit 0
}
if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  skip "no nightly toolchain (rustup toolchain install nightly)"
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  skip "cargo-fuzz not installed (cargo install cargo-fuzz)"
fi

echo "==> building fuzz targets (nightly, release, AddressSanitizer)"
mkdir -p artifacts/logs
if ! cargo +nightly fuzz build >artifacts/logs/build.log 2>&1; then
  cat artifacts/logs/build.log >&2
  echo "fuzz/run.sh: build failed" >&2
  exit 1
fi

targets=${FUZZ_TARGETS:-$(cargo +nightly fuzz list)}
mkdir -p artifacts/logs
jobs=${FUZZ_JOBS:-1}
fork=()
[ "$jobs" -gt 1 ] && fork=(-fork="$jobs" -ignore_crashes=0)

crashed=0
rows=()
for t in $targets; do
  log=artifacts/logs/$t.log
  mkdir -p "corpus/$t"
  dirs=("corpus/$t")
  [ -d "regressions/$t" ] && dirs+=("regressions/$t")
  echo "==> $t for ${secs}s"
  start=$(date +%s)
  timeout --signal=INT --kill-after=10 $((secs + 60)) \
    cargo +nightly fuzz run "$t" "${dirs[@]}" -- \
    -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "${fork[@]}" \
    >"$log" 2>&1
  rc=$?
  elapsed=$(($(date +%s) - start))
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')
  [ -z "$execs" ] && execs=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
  execs=${execs:-0}
  run=$((elapsed > 0 ? elapsed : 1))
  [ "$run" -gt "$secs" ] && [ "$secs" -gt 0 ] && run=$secs
  rate=$((execs / run))
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')
  corpus=$(find "corpus/$t" -type f | wc -l)
  status=ok
  if [ $rc -ne 0 ]; then
    status="CRASH (exit $rc)"
    crashed=1
    artifact=$(grep -o 'artifacts/[^ ]*' "$log" | tail -1)
    [ -n "$artifact" ] && status="CRASH: fuzz/$artifact"
    # CI keeps only what is printed: show the panic and the input here.
    echo "--- $log (last 40 lines)" >&2
    tail -n 40 "$log" >&2
    [ -n "$artifact" ] && [ -f "$artifact" ] && { echo "--- input (base64):" >&2; base64 -w0 "$artifact" >&2; echo >&2; }
  fi
  rows+=("$(printf '%-26s %12s %10s %6s %7s %5ss  %s' "$t" "$execs" "$rate" "${cov:-?}" "$corpus" "$elapsed" "$status")")
done

echo
printf '%-26s %12s %10s %6s %7s %6s  %s\n' target executions "exec/s" cov corpus time status
for r in "${rows[@]}"; do echo "$r"; done
if [ $crashed -ne 0 ]; then
  echo
  echo "fuzz/run.sh: crash(es) found; see fuzz/artifacts/ and fuzz/artifacts/logs/" >&2
  exit 1
fi
