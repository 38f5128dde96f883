//! ipv4kit-gmp: the host side of group management (IGMPv1/v2/v3, MLDv1/v2), sans-IO.
//!
//! A [`Host`] is one interface's group membership as RFC 3376 describes it,
//! with the Linux kernel as the reference where the RFC leaves a choice. It
//! does no I/O and reads no clock: the caller passes the time into every
//! call ([`Instant`], on the caller's clock), runs the engine when
//! [`poll_timeout`](Host::poll_timeout) says, feeds it received messages as
//! `ipv4kit-wire` views ([`handle_message`](Host::handle_message)), and sends
//! what [`poll_transmit`](Host::poll_transmit) writes into its buffer.
//! Report delays come from the caller's random number generator
//! ([`rand_core::Rng`]), so a seeded run is reproducible. `no_std` with
//! `alloc`; no `unsafe`.
//!
//! The engine is generic over the protocol ([`Protocol`]: address type,
//! codec, timer defaults): `Host<Igmp, R>` is IGMP over IPv4 ([`Igmp`]),
//! `Host<Mld, R>` MLD over IPv6 ([`Mld`]; RFC 2710, RFC 3810, RFC 9777 where
//! it differs), the same state machines with IPv6 addresses.
//!
//! # Where each part of RFC 3376 is
//!
//! | RFC 3376 | What | Code |
//! | --- | --- | --- |
//! | §3.1 | per-socket filters, the service interface | [`Host::join`], [`Host::leave`], [`Host::join_source`], [`Host::leave_source`], [`Host::block`], [`Host::unblock`], [`Host::set_filter`], [`Host::leave_all`], [`Requester`], [`Filter`] |
//! | §3.2 | interface state = merge of socket states | [`merge`], [`Host::interface_state`] |
//! | §4 | messages | `ipv4kit_wire::igmp` (views in, [`Output`] encodes), [`Igmp`] |
//! | §4.2.16 | reports split to the MTU | [`Config::mtu`], the wire crate's `ReportV3Splitter` |
//! | §5.1 | state-change reports, retransmissions, merging pending changes | [`state_change_records`] (the table); `Host`'s per-group Filter Mode and Source Retransmission Counters |
//! | §5.2 | the five rules for scheduling query answers; the table of group-and-source answers | [`Host::handle_message`], [`Host::handle_timeout`] |
//! | §7.2 | older-querier compatibility, v1/v2 reports, v2 leaves | [`Compat`], [`Config::compatibility`], [`Config::force_version`], [`Event::CompatChanged`] |
//! | §8 | timers and defaults | [`Config`], [`Protocol`]'s constants |
//! | §9 | ignoring queries without Router Alert or to the wrong destination; limiting recorded sources | [`Config::require_router_alert`], [`Config::require_general_query_to_all_nodes`], [`Config::max_query_sources`], [`RxMeta`] |
//! | RFC 4604 §2.2.1 | no EXCLUDE for SSM groups | [`Config::ssm_range`], [`Config::refuse_ssm_exclude`], [`Error::SsmExclude`] |
//! | RFC 2236 §3 | v2 reports, report suppression, leaves by the last reporter | [`Host::handle_message`] |
//! | §6.2–§6.5 | router state: group and source timers, filter mode, the record tables, the switch to INCLUDE | [`Router`], [`Router::handle_message`], [`Router::handle_timeout`], [`GroupView`] |
//! | §6.6 | querier election, General / Group / Group-and-Source Queries, the S flag | [`Router::is_querier`], [`Router::poll_transmit`], [`RouterProtocol`] |
//! | §7.3 | older queriers (version switch) and older hosts (per-group mode) | [`Router::version`], [`GroupView::compat`], [`RouterEvent`] |
//! | §9 (router) | Router Alert, TTL, off-subnet and unspecified sources; caps | [`RouterConfig`], [`Counters`] |
//! | RFC 4604 §2.2.2 | SSM: EXCLUDE records and v1/v2 messages ignored | [`RouterConfig::ssm_range`], [`Counters::ssm_exclude`], [`Counters::ssm_old`] |
//! | RFC 8652 | the membership table | [`Router::table`], [`MembershipTable`] |
//!
//! # Where each part of RFC 3810 (MLDv2) is
//!
//! RFC 3810 restates RFC 3376 for IPv6; the host's state machines are the
//! same code, [`Mld`] holds what differs.
//!
//! | RFC 3810 | What | Code |
//! | --- | --- | --- |
//! | §4.1 | per-socket filters, the service interface | the same [`Host`] calls as §3.1 above |
//! | §4.2 | interface state = merge of socket states | [`merge`], [`Host::interface_state`] |
//! | §5.1 | Multicast Listener Query (v2), Maximum Response Code, QRV, QQIC | `ipv4kit_wire::mld::QueryV2View`, [`Mld`]'s [`Protocol::classify`] |
//! | §5.1.14 | queries only from link-local sources | [`MldRx::source`], [`Config::require_link_local_query_source`], [`IgnoreReason::SourceNotLinkLocal`] |
//! | §5.1.15 | queries accepted at any address of the interface | [`Config::require_general_query_to_all_nodes`] (off for MLD, [`Protocol::GENERAL_QUERY_TO_ALL_NODES_ONLY`]) |
//! | §5.2 | Version 2 Multicast Listener Report to ff02::16, split to the MTU (§5.2.15) | [`Mld`]'s `encode_reports`, the wire crate's `ReportV2Splitter`, [`Protocol::MIN_MTU`] (1280) |
//! | §5.2.13 | reports from the link-local address, or `::` without one | [`Host::set_source`], [`NotLinkLocal`] |
//! | §6 | which addresses are reported (not ff02::1, not scope 0/1) | [`Protocol::is_reported`] |
//! | §6.1 | state-change reports and their retransmission | as RFC 3376 §5.1 above |
//! | §6.2, §6.3 | query answers (the five rules) and the source-query table | as RFC 3376 §5.2 above |
//! | §8.1, §8.2 | MLDv1 queriers: Older Version Querier Present, MLDv1 Reports to the group and Done to ff02::2 | [`Compat::V2`], [`Config::force_version`] (Linux: `force_mld_version`) |
//! | §9 | timers and defaults (URI 1 s; MLDv1's 10 s from RFC 2710 §7.10) | [`Mld`]'s [`Protocol`] constants, [`Config`] |
//! | RFC 2711, §5 | Router Alert required on queries | [`Config::require_router_alert`], [`RxMeta::router_alert`] |
//! | RFC 4604, RFC 4607 §1 | no EXCLUDE for SSM groups, ff3x::/32 | [`Config::ssm_range`], [`Error::SsmExclude`] |
//!
//! Choices where the RFC allows several and Linux picked one: the
//! retransmission timer is per interface (a change sends every group's
//! pending records in one report); a filter-mode change clears the pending
//! source changes (the TO_IN/TO_EX record carries the whole state) and
//! source counters also count down while filter-mode records repeat; the
//! QRV and QQI of IGMPv3 queries are adopted. Where Linux departs from the
//! RFC the engine follows the RFC: only IGMPv2 *General* Queries start the
//! IGMPv2 Querier Present timer (RFC 3376 §7.2.1 as RFC 9776 reads it; Linux
//! also counts group-specific ones), the first IGMPv2 report of a join goes
//! at once (RFC 2236 §3; Linux waits up to 200 ms), and a group-and-source
//! query for an EXCLUDE (A) group is answered with IS_IN (B−A) (§5.2; Linux
//! sends IS_EX (A∗B)). `tests/kernel.rs` checks the engine against the
//! kernel and names each of these where it shows; `tests/mld_kernel.rs`
//! does the same for MLD (Linux's MLD host departs from RFC 3810 §6.3 in
//! the same way, IS_EX (A∗B)).
//!
//! # The whole loop
//!
//! ```
//! use core::net::Ipv4Addr;
//! use core::time::Duration;
//! use ipv4kit_gmp::{Config, Host, Igmp, Instant, MessageKind, Requester, RxMeta};
//! use ipv4kit_wire::igmp::{IgmpMessage, MaxRespCode, Qqic, QueryV3, ALL_SYSTEMS};
//! use rand_core::SeedableRng;
//!
//! let mut host: Host<Igmp, _> =
//!     Host::new(Config::default(), rand_xorshift::XorShiftRng::seed_from_u64(7));
//! let group = Ipv4Addr::new(239, 1, 2, 3);
//! let mut now = Instant::from_secs(1);
//! let mut buf = [0u8; 1500];
//!
//! // A socket joins: a State-Change Report (TO_EX {}) is queued at once.
//! host.join(now, Requester(1), group).unwrap();
//! let t = host.poll_transmit(&mut buf).unwrap().unwrap();
//! assert_eq!((t.destination, t.kind), (Ipv4Addr::new(224, 0, 0, 22), MessageKind::Report));
//! // ... send buf[..t.len] with TTL 1, Router Alert, ToS 0xc0 ...
//!
//! // Drive the timers: the one retransmission ([Robustness Variable] = 2).
//! while let Some(at) = host.poll_timeout() {
//!     now = at;
//!     host.handle_timeout(now);
//!     while let Some(t) = host.poll_transmit(&mut buf) {
//!         let _ = t.unwrap(); // send it
//!     }
//! }
//!
//! // A General Query arrives (parsed by the wire crate, checksum verified).
//! let mut q = [0u8; 12];
//! QueryV3 {
//!     max_resp_code: MaxRespCode::from_tenths(100),
//!     group: Ipv4Addr::UNSPECIFIED,
//!     s_flag: false,
//!     qrv: 2,
//!     qqic: Qqic::from_secs(125),
//!     sources: &[],
//! }
//! .emit(&mut q)
//! .unwrap();
//! let msg = IgmpMessage::parse(&q).unwrap();
//! host.handle_message(now, &msg, RxMeta { destination: ALL_SYSTEMS, router_alert: true });
//! assert!(host.poll_transmit(&mut buf).is_none(), "never answered at once (§5.2)");
//!
//! // Within Max Resp Time (10 s) the timer runs out and the answer is queued.
//! let at = host.poll_timeout().unwrap();
//! assert!(at <= now + Duration::from_secs(10));
//! host.handle_timeout(at);
//! let t = host.poll_transmit(&mut buf).unwrap().unwrap();
//! let IgmpMessage::ReportV3(report) = IgmpMessage::parse(&buf[..t.len]).unwrap() else { panic!() };
//! let record = report.records().next().unwrap();
//! assert_eq!(record.group(), group); // MODE_IS_EXCLUDE {}
//! ```
//!
//! # The whole loop, MLD
//!
//! ```
//! use core::net::Ipv6Addr;
//! use core::time::Duration;
//! use ipv4kit_gmp::{Config, Host, Instant, MessageKind, Mld, MldRx, Requester, RxMeta};
//! use ipv4kit_wire::mld::{MaxRespCode, MldMessage, Qqic, QueryV2, ALL_MLDV2_ROUTERS, ALL_NODES};
//! use rand_core::SeedableRng;
//!
//! let mut host: Host<Mld, _> =
//!     Host::new(Config::default(), rand_xorshift::XorShiftRng::seed_from_u64(7));
//! // The interface's link-local address: the checksums cover it (RFC 3810 §5.2.13).
//! let me: Ipv6Addr = "fe80::1".parse().unwrap();
//! host.set_source(me).unwrap();
//! let group: Ipv6Addr = "ff15::4b:1".parse().unwrap();
//! let mut now = Instant::from_secs(1);
//! let mut buf = [0u8; 1500];
//!
//! // A socket joins: a State-Change Report (TO_EX {}) to ff02::16 at once.
//! host.join(now, Requester(1), group).unwrap();
//! let t = host.poll_transmit(&mut buf).unwrap().unwrap();
//! assert_eq!((t.destination, t.kind), (ALL_MLDV2_ROUTERS, MessageKind::Report));
//! assert!(MldMessage::parse(&buf[..t.len], me, t.destination).is_ok());
//! // ... send buf[..t.len] from `me` with hop limit 1 and a hop-by-hop Router Alert ...
//!
//! // Drive the timers: the one retransmission ([Robustness Variable] = 2).
//! while let Some(at) = host.poll_timeout() {
//!     now = at;
//!     host.handle_timeout(now);
//!     while let Some(t) = host.poll_transmit(&mut buf) {
//!         let _ = t.unwrap(); // send it
//!     }
//! }
//!
//! // A General Query from the querier's link-local address.
//! let querier: Ipv6Addr = "fe80::2".parse().unwrap();
//! let mut q = [0u8; 28];
//! QueryV2 {
//!     max_resp_code: MaxRespCode::from_millis(10_000),
//!     group: Ipv6Addr::UNSPECIFIED,
//!     s_flag: false,
//!     qrv: 2,
//!     qqic: Qqic::from_secs(125),
//!     sources: &[],
//! }
//! .emit(querier, ALL_NODES, &mut q)
//! .unwrap();
//! let msg = MldRx::new(MldMessage::parse(&q, querier, ALL_NODES).unwrap(), querier);
//! host.handle_message(now, &msg, RxMeta { destination: ALL_NODES, router_alert: true });
//! assert!(host.poll_transmit(&mut buf).is_none(), "never answered at once (§6.2)");
//!
//! let at = host.poll_timeout().unwrap();
//! assert!(at <= now + Duration::from_secs(10));
//! host.handle_timeout(at);
//! let t = host.poll_transmit(&mut buf).unwrap().unwrap();
//! let MldMessage::ReportV2(report) = MldMessage::parse(&buf[..t.len], me, t.destination).unwrap()
//! else { panic!() };
//! assert_eq!(report.records().next().unwrap().group(), group); // MODE_IS_EXCLUDE {}
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

mod config;
mod filter;
pub mod host;
mod mld;
mod protocol;
pub mod router;
mod time;

pub use config::{Config, Error, Event, IgnoreReason};
pub use filter::{merge, state_change_records, Filter, FilterMode, RecordType};
pub use host::{BufferTooShort, Host, Requester, RxMeta, Transmit};
pub use mld::{Mld, MldRx, MldScratch, NotLinkLocal};
pub use protocol::{Compat, Igmp, MessageKind, Output, Protocol, QueryInfo, Received, Record};
pub use router::{
    Counters, GroupEntry, GroupView, MembershipTable, QuerySpec, Router, RouterConfig, RouterEvent,
    RouterProtocol, RouterReceived, RouterRxMeta, RouterTransmit, SourceEntry,
};
pub use time::Instant;
