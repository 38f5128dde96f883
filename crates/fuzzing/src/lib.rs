//! Fuzz bodies for every ipv4kit parser.
//!
//! Each body is a plain function over bytes (`pub fn name(data: &[u8])`), so
//! the same code runs three ways:
//!
//! - under libFuzzer, from the 3-line targets in `fuzz/fuzz_targets/`
//!   (`cargo +nightly fuzz run NAME`, or `fuzz/run.sh` for all of them);
//! - as ordinary `cargo test` on stable Rust, which replays every file in
//!   `fuzz/corpus/NAME/` and `fuzz/regressions/NAME/` through the body
//!   (`tests/replay.rs`);
//! - from a debugger or a unit test, on one reproducer.
//!
//! Bodies assert invariants, not only the absence of panics: strict and
//! lenient parses agree, lengths add up, iterators stop within their bounds,
//! what is parsed re-emits to the same octets, what is emitted parses back
//! equal, and the differential body agrees with etherparse except where an
//! RFC says we are right ([`differential::DELIBERATE_DIFFERENCES`]).
//! Emits go into buffers filled with `0xa5`, not zero, so an emit that
//! leaves an octet of its output unwritten (a reserved field, padding)
//! shows up in the comparison.
//!
//! Structured bodies (round trips from arbitrary reprs) take a type deriving
//! [`arbitrary::Arbitrary`] and have a `&[u8]` wrapper that builds it with
//! [`arbitrary::Unstructured`].

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod capture;
pub mod differential;
pub mod emu;
pub mod gmp;
pub mod gmp_mld;
pub mod igmp;
pub mod ipv4;
pub mod mld;
pub mod net;
pub mod router;

/// A fuzz body over raw bytes.
pub type Body = fn(&[u8]);

/// Every fuzz target: its name (the file `fuzz/fuzz_targets/NAME.rs` and the
/// folders `fuzz/corpus/NAME/`, `fuzz/regressions/NAME/`) and its body.
pub const TARGETS: &[(&str, Body)] = &[
    ("ipv4_strict", ipv4::ipv4_strict),
    ("ipv4_lenient", ipv4::ipv4_lenient),
    ("ipv4_options", ipv4::ipv4_options),
    ("ipv4_repr_roundtrip", ipv4::ipv4_repr_roundtrip),
    ("igmp_dispatch", igmp::igmp_dispatch),
    ("igmp_query", igmp::igmp_query),
    ("igmp_report_v3", igmp::igmp_report_v3),
    ("igmp_roundtrip", igmp::igmp_roundtrip),
    (
        "differential_etherparse",
        differential::differential_etherparse,
    ),
    ("cli_capture", capture::cli_capture),
    ("cli_args", capture::cli_args),
    ("capture_pcapng_blocks", capture::capture_pcapng_blocks),
    ("net_cmsg", net::net_cmsg),
    ("gmp_host", gmp::gmp_host),
    ("gmp_host_mld", gmp_mld::gmp_host_mld),
    ("gmp_router", router::gmp_router),
    ("ipv6_walk", mld::ipv6_walk),
    ("mld_dispatch", mld::mld_dispatch),
    ("mld_roundtrip", mld::mld_roundtrip),
    ("net_cmsg6", net::net_cmsg6),
    ("net_tap_block", net::net_tap_block),
    ("emu_scenario", emu::emu_scenario),
    ("analyze_capture", capture::analyze_capture),
];

/// Target names reserved for bodies that cannot be written yet, with the reason.
pub const RESERVED: &[(&str, &str)] = &[];

/// The body registered under `name`, if any.
pub fn body(name: &str) -> Option<Body> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, b)| *b)
}
