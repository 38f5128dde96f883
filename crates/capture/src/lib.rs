//! Capture files for ipv4kit.
//!
//! - [`read`]: pcap and pcapng files and streams, frame by frame (the
//!   module says why `pcap-parser` reads them); [`write`](mod@write): pcap and pcapng
//!   written; [`time`]: capture timestamps.
//! - [`link`]: the link layers in front of IPv4 and IPv6; [`hex`]: hex
//!   dumps as input (`ipv4kit decode --hex`).
//! - [`decode`]: an IPv4 datagram (and the IGMP message in it) or an IPv6
//!   packet (its extension headers, and the MLD or other ICMPv6 message in
//!   it) dissected into the [`model`], which serialises to JSON (serde) and
//!   prints as one text line in the spirit of `tcpdump -v`.
//!
//! ```
//! use ipv4kit_capture::decode::ipv4_packet;
//!
//! // An IGMPv2 report for 239.1.1.1 with Router Alert.
//! let bytes = [
//!     0x46, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x72, 0xc8,
//!     0xc0, 0xa8, 0x01, 0x65, 0xef, 0x01, 0x01, 0x01, 0x94, 0x04, 0x00, 0x00,
//!     0x16, 0x00, 0xf9, 0xfc, 0xef, 0x01, 0x01, 0x01,
//! ];
//! let packet = ipv4_packet(&bytes);
//! assert_eq!(packet.igmp.as_ref().unwrap().kind, "report");
//! assert!(packet.to_string().contains("igmp v2 report 239.1.1.1"));
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod decode;
pub mod hex;
pub mod json;
pub mod link;
pub mod model;
pub mod read;
pub mod text;
pub mod time;
pub mod write;
