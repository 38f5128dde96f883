//! ipv4kit: programs that speak IPv4, IGMP and (for the multicast half of
//! IPv6) MLD at the packet level — routing daemons, IGMP/MLD queriers,
//! packet-level test harnesses.
//!
//! This facade re-exports the workspace's library crates under one name, so
//! one dependency brings them all; each is also usable on its own (the paths
//! are the same items).
//!
//! | Module | Crate | What is in it |
//! |---|---|---|
//! | [`wire`] | `ipv4kit-wire` | `no_std`, allocation-free, `unsafe`-free codec: IPv4 headers and options ([`wire::ipv4`]), IGMPv1/v2/v3 ([`wire::igmp`], each message with the IPv4 header it goes out under), IPv6 headers and MLDv1/v2 ([`wire::ipv6`], [`wire::mld`]), the internet checksum ([`wire::checksum`]), multicast address knowledge ([`wire::addr`]) |
//! | [`gmp`] | `ipv4kit-gmp` | sans-IO group-membership engines, generic over IGMP and MLD: the host ([`gmp::Host`], RFC 3376/3810 state, reports, compatibility modes) and the router/querier ([`gmp::Router`]); `no_std` + `alloc` |
//! | [`net`] | `ipv4kit-net` | Linux sockets: [`net::RawConn`] (`IP_HDRINCL`), [`net::PacketConn`], [`net::Conn`], [`net::PacketConn6`], batches without allocation ([`net::RecvBatch`], [`net::SendBatch`]), the option traits ([`net::IpOptions`], [`net::DatagramOptions`], [`net::SocketOptions`] for foreign sockets), the multicast-routing sockets ([`net::MrouteSocket`], [`net::Mroute6Socket`]), the silent `AF_PACKET` tap ([`net::Tap`]) and [`net::FrameSender`] |
//! | [`capture`] | `ipv4kit-capture` | pcap and pcapng read and written, the link layers in front of IP, datagrams dissected into a serde model with a text form like `tcpdump -v` |
//! | `tokio` | `ipv4kit-tokio` | with the `tokio` feature: the sockets, batches, tap and multicast-routing sockets as async adapters on tokio |
//!
//! # Features
//!
//! - `tokio` (off by default): adds the `tokio` module (`ipv4kit-tokio`)
//!   and with it a dependency on tokio.
//!
//! # Example
//!
//! An IGMPv3 general query built with [`wire`], under the IPv4 header RFC 3376
//! §4 prescribes, read back as a receiver would, and dissected the way
//! [`capture`] prints it; [`net`] would send it with
//! [`RawConn::send_repr`](net::RawConn::send_repr).
//!
//! ```
//! use std::net::Ipv4Addr;
//! use ipv4kit::wire::igmp::{IgmpMessage, MaxRespCode, Qqic, QueryV3, ALL_SYSTEMS};
//! use ipv4kit::wire::ipv4::Ipv4Packet;
//!
//! let query = QueryV3 {
//!     max_resp_code: MaxRespCode::from_tenths(100),
//!     group: Ipv4Addr::UNSPECIFIED,
//!     s_flag: false,
//!     qrv: 2,
//!     qqic: Qqic::from_secs(125),
//!     sources: &[],
//! };
//! // To 224.0.0.1, TTL 1, TOS 0xc0, Router Alert; sized for the query.
//! let header = query.ipv4_repr(Ipv4Addr::new(198, 18, 0, 1));
//! let mut datagram = [0u8; 64];
//! let h = header.emit(&mut datagram)?;
//! let n = query.emit(&mut datagram[h..])?;
//! let datagram = &datagram[..h + n];
//!
//! let packet = Ipv4Packet::new_checked(datagram)?;
//! assert_eq!((packet.dst(), packet.ttl(), packet.router_alert()), (ALL_SYSTEMS, 1, Some(0)));
//! assert!(matches!(IgmpMessage::parse(packet.payload())?, IgmpMessage::QueryV3(_)));
//!
//! let dissected = ipv4kit::capture::decode::ipv4_packet(datagram);
//! assert!(dissected.to_string().contains("igmp"), "{dissected}");
//!
//! // What would send it (needs CAP_NET_RAW, so not run here).
//! fn send(datagram: &[u8]) -> Result<usize, ipv4kit::net::Error> {
//!     let conn = ipv4kit::net::RawConn::new(ipv4kit::wire::ipv4::IpProtocol::IGMP)?;
//!     conn.send_datagram(datagram, None)
//! }
//! # let _ = send;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use ipv4kit_analyze as analyze;
pub use ipv4kit_capture as capture;
pub use ipv4kit_gmp as gmp;
pub use ipv4kit_net as net;
#[cfg(feature = "tokio")]
pub use ipv4kit_tokio as tokio;
pub use ipv4kit_wire as wire;
