//! ipv4kit-wire: a zero-copy, `no_std`, allocation-free codec for IPv4, IPv6, IGMP and MLD.
//!
//! Each protocol unit comes as a pair (the pattern smoltcp and Fuchsia's
//! `packet-formats` made familiar):
//!
//! - a **view** over borrowed bytes ([`ipv4::Ipv4Packet`], [`igmp::IgmpMessage`],
//!   [`igmp::GroupRecord`]) that validates once and then answers every accessor
//!   with a plain load, never copying;
//! - a **repr** or builder ([`ipv4::Ipv4Repr`], [`igmp::QueryV3`],
//!   [`igmp::ReportV3`], ...) that emits into a caller's `&mut [u8]` and returns
//!   the length written, or a typed error when the buffer is too short.
//!
//! Parsing is total: any byte string yields `Ok(view)` or a precise error, never a
//! panic. Checksums are verified on parse by default and computed on every emit
//! (see [`checksum`]).
//!
//! Modules:
//! - [`checksum`]: the internet checksum (RFC 1071) and its incremental update (RFC 1624).
//! - [`ipv4`]: the IPv4 header (RFC 791), its options (Router Alert, RFC 2113, above all).
//! - [`ipv6`]: the IPv6 header (RFC 8200), the extension-header walk, hop-by-hop Router Alert (RFC 2711).
//! - [`igmp`]: IGMPv1 (RFC 1112), v2 (RFC 2236) and v3 (RFC 3376, RFC 9776).
//! - [`mld`]: MLDv1 (RFC 2710) and MLDv2 (RFC 3810, RFC 9777), messages and whole datagrams.
//! - [`gmp`]: what IGMPv3 and MLDv2 share: float codes, group records, the report splitter.
//! - [`addr`]: multicast address classes and scopes (RFC 5771, RFC 2365, RFC 4291).
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(test)]
extern crate std;

pub mod addr;
pub mod checksum;
pub mod gmp;
pub mod igmp;
pub mod ipv4;
pub mod ipv6;
pub mod mld;
