//! ipv4kit-emu: many emulated IGMP or MLD hosts on one interface, each with
//! its own address and its own RFC 3376 (RFC 3810) state.
//!
//! Every host is a host engine of `ipv4kit-gmp` ([`Host`](ipv4kit_gmp::Host)):
//! its own groups and filters, its own compatibility mode, its own random
//! report delays, and its own source address (consecutive from a first
//! one). The [`Emulator`] keeps them side by side with **one** timer heap
//! for all of them (deadlines with lazy invalidation, not one timer per
//! host), hands received queries to the hosts they concern (a General
//! Query to every host, a group-specific one to the hosts holding the
//! group) and writes each host's messages as whole IPv4 datagrams (TTL 1,
//! Router Alert, ToS 0xc0 for v3 reports, the host's address). It is
//! sans-IO like the engine: the caller owns the clock.
//!
//! A [`scenario`] file gives timed membership calls for ranges of hosts;
//! a [`Player`] hands them out in time order, optionally capped at a rate;
//! [`Scenario::validate`](scenario::Scenario::validate) refuses, before
//! anything is sent, calls the engine would refuse.
//!
//! The [`Runner`] is the IO half: one raw `IP_HDRINCL` socket sending in
//! `sendmmsg` batches, and the tap (`AF_PACKET`) hearing queries on the
//! link. `ipv4kit emulate` is built on it.
//!
//! MLD (`Emulator<Mld>`, `Runner<Mld>`): hosts on consecutive link-local
//! addresses (fe80::/64), each message in an IPv6 header with hop limit 1
//! and a hop-by-hop Router Alert 0 (RFC 3810 §5), its ICMPv6 checksum over
//! the pseudo-header with the host's own address, sent through an IPv6
//! `IPPROTO_RAW` socket (header included). With a [`MacRange`] each host
//! also has its own MAC address and the runner sends whole Ethernet
//! frames ([`Runner::open_with_macs`]).
//!
//! [`measure`] computes the RFC 3918 join and leave delays from reports
//! sent and multicast data heard (sans-IO); [`probe`] feeds it from a tap
//! beside the runner ([`Runner::measure`]).
//!
//! ```
//! use std::net::Ipv4Addr;
//! use ipv4kit_emu::{scenario, simulate, EmuConfig, Emulator};
//! use ipv4kit_gmp::{Config, Igmp, Instant};
//!
//! let mut emu = Emulator::<Igmp>::new(EmuConfig {
//!     hosts: 100,
//!     first_address: Ipv4Addr::new(198, 18, 0, 10),
//!     host: Config::default(),
//!     seed: 7,
//! })
//! .unwrap();
//! let s = scenario::parse::<Igmp>("s", "0 all join 239.1.1.1\n5 1-50 leave 239.1.1.1").unwrap();
//! s.validate(emu.len(), &Config::<Igmp>::default()).unwrap();
//! let mut reports = 0;
//! simulate(&mut emu, &s, None, Instant::from_secs(10), |_, _, _| reports += 1);
//! // Each join and each leave is reported [Robustness Variable] = 2 times.
//! assert_eq!(reports, 2 * 100 + 2 * 50);
//! assert_eq!(emu.members(Ipv4Addr::new(239, 1, 1, 1)), 50);
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod emulator;
mod family;
mod family6;
pub mod histogram;
mod link;
pub mod measure;
mod player;
pub mod probe;
mod runner;
pub mod scenario;

pub use emulator::{apply_op, Datagram, EmuConfig, EmuError, EmuHost, Emulator, HostOp, Stats};
pub use family::Family;
pub use link::{LinkFamily, MacError, MacRange, RawTx};
pub use player::{simulate, Player};
pub use runner::{Runner, WireStats, BATCH};

/// The requester (socket) every call of an emulated host is made on: one
/// socket per host, as a scenario line means.
pub const REQUESTER: ipv4kit_gmp::Requester = ipv4kit_gmp::Requester(0);
