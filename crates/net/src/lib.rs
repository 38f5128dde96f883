//! ipv4kit-net: IPv4 sockets (raw, datagram and stream) with IP-level options,
//! per-packet control messages, multicast and batched I/O.
//!
//! - [`RawConn`]: raw IPv4 with `IP_HDRINCL`; whole datagrams in and out.
//! - [`PacketConn`]: UDP or raw-without-header datagrams with per-packet
//!   [`ControlMessage`]s.
//! - [`Conn`]: TOS and TTL on a `TcpStream`.
//! - [`IpOptions`] and [`DatagramOptions`]: the socket options, implemented
//!   once for all of them (and for `socket2::Socket`, `std::net::UdpSocket`).
//! - [`RecvBatch`] and [`SendBatch`]: `recvmmsg`/`sendmmsg` with
//!   preallocated state; nothing allocates in steady state.
//! - [`MrouteSocket`]: the multicast-routing socket (`MRT_INIT`, VIFs,
//!   kernel upcalls), which sees every IGMP report on a link. *Linux.*
//! - [`Tap`]: a silent `AF_PACKET` receiver that sees every IGMP message
//!   on a link, on a `TPACKET_V3` ring; [`FrameSender`] sends whole
//!   Ethernet frames past the IP output path. *Linux.*
//! - [`iface`]: interface names, indexes, addresses and flags.
//! - IPv6, in the same shape: [`PacketConn6`] (UDP and raw ICMPv6 with
//!   [`ControlMessage6`]), [`Ipv6Options`] and [`Datagram6Options`],
//!   [`Icmp6Filter`], [`Mroute6Socket`] (`MRT6_INIT`, MIFs, upcalls) and
//!   [`interface_addrs6`] (addresses with scope ids); the batches are the
//!   same ([`RecvBatch::iter6`], [`SendBatch::push6`]).
//!
//! Errors are one type, [`Error`], naming the call or option that failed.
//! Socket calls interrupted by a signal (`EINTR`) are retried, as in Go and
//! Python; a timeout or non-blocking mode is the way to regain control.
//! Linux first: Linux-only calls return an `Unsupported` error elsewhere.
//!
//! All `unsafe` code lives in the private `sys` module.
//!
//! # Example: an IGMP querier's socket
//!
//! ```no_run
//! use std::net::Ipv4Addr;
//! use ipv4kit_net::wire::igmp::{MaxRespCode, Qqic, QueryV3, ALL_IGMPV3_ROUTERS};
//! use ipv4kit_net::wire::ipv4::IpProtocol;
//! use ipv4kit_net::{interface_index, ControlFlags, ControlMessage, DatagramOptions, RawConn, RecvBatch};
//!
//! # fn main() -> Result<(), ipv4kit_net::Error> {
//! let ifindex = interface_index("eth0")?;
//! let conn = RawConn::new(IpProtocol::IGMP)?;
//! // IGMPv3 reports go to 224.0.0.22: be a member to receive them.
//! conn.join_group(ifindex, ALL_IGMPV3_ROUTERS)?;
//! conn.set_control_message(ControlFlags::INTERFACE | ControlFlags::TTL, true)?;
//!
//! // A general query (RFC 3376 §4.1) built by the codec, under the IPv4
//! // header IGMPv3 prescribes (to 224.0.0.1, TTL 1, TOS 0xc0, Router Alert),
//! // out of eth0; the kernel fills in the source.
//! let query = QueryV3 {
//!     max_resp_code: MaxRespCode::from_tenths(100),
//!     group: Ipv4Addr::UNSPECIFIED,
//!     s_flag: false,
//!     qrv: 2,
//!     qqic: Qqic::from_secs(125),
//!     sources: &[],
//! };
//! let mut igmp = [0u8; 12];
//! let len = query.emit(&mut igmp).expect("12 octets fit");
//! let repr = query.ipv4_repr(Ipv4Addr::UNSPECIFIED);
//! let out = ControlMessage { ifindex: Some(ifindex), ..Default::default() };
//! conn.send_repr(&repr, &igmp[..len], Some(&out))?;
//!
//! let mut batch = RecvBatch::new(64, 1500);
//! loop {
//!     conn.recv_batch(&mut batch)?;
//!     for p in batch.packets() {
//!         match p.packet {
//!             Ok(ip) if p.meta.cm.ttl == Some(1) => println!("{} -> {}: {:02x?}", ip.src(), ip.dst(), ip.payload()),
//!             Ok(_) => {} // IGMP must come with TTL 1 (RFC 3376 §4)
//!             Err(e) => eprintln!("not a valid datagram: {e}"),
//!         }
//!     }
//! }
//! # }
//! ```
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub use ipv4kit_wire as wire;

mod batch;
mod conn;
mod control;
mod control6;
mod error;
mod filter;
mod filter6;
pub mod iface;
mod iface6;
mod inner;
mod mroute;
mod mroute6;
mod msfilter;
mod options;
mod options6;
mod packet;
mod packet6;
mod raw;
mod sockopt;
mod sys;
mod tap;

/// Entry points for `ipv4kit-fuzzing`: not part of the API, may change at any
/// time.
#[doc(hidden)]
pub mod __fuzz {
    /// Decodes a received control buffer as the receive paths do: the IPv4
    /// control messages and the `SO_RXQ_OVFL` drop count.
    pub fn decode_control(buf: &[u8]) -> (crate::ControlMessage, Option<u32>) {
        crate::sys::cmsg::decode_with_drops(buf)
    }

    /// Encodes a send-side control message (`IP_PKTINFO`) into `buf`; `None`
    /// when it does not fit.
    pub fn encode_control(cm: &crate::ControlMessage, buf: &mut [u8]) -> Option<usize> {
        crate::sys::cmsg::encode(cm, buf).ok()
    }

    /// Decodes a received control buffer as the IPv6 receive paths do: the
    /// IPv6 control messages and the `SO_RXQ_OVFL` drop count.
    pub fn decode_control6(buf: &[u8]) -> (crate::ControlMessage6, Option<u32>) {
        crate::sys::inet6::decode6(buf)
    }

    /// Encodes an IPv6 send-side control message into `buf`; `None` when it
    /// does not fit.
    pub fn encode_control6(cm: &crate::ControlMessage6, buf: &mut [u8]) -> Option<usize> {
        crate::sys::inet6::encode6(cm, buf).ok()
    }

    /// Walks a `TPACKET_V3` ring block as [`Tap`](crate::Tap) does: the
    /// (offset in the block, length) of each frame's bytes, and whether it
    /// had a `sockaddr_ll`.
    pub fn tap_block(block: &[u8]) -> Vec<(usize, usize, bool)> {
        crate::tap::block::frames(block)
            .map(|f| {
                let at = f.data.as_ptr() as usize - block.as_ptr() as usize;
                (at, f.data.len(), f.link.is_some())
            })
            .collect()
    }
}

pub use batch::{RecvBatch, RecvDatagram, RecvIter, RecvPacket, SendBatch};
pub use conn::Conn;
pub use control::{ControlFlags, ControlMessage, RecvMeta};
pub use error::{Error, InterfaceLost, Result};
pub use filter::{BpfInstruction, IcmpFilter};
pub use iface::{interface_index, interface_name, Interface, InterfaceAddr};
pub use mroute::{
    MrouteFlush, MrouteMessage, MrouteSocket, Upcall, UpcallKind, MAX_VIFS, UPCALL_HEADER_LEN,
};
pub use msfilter::{FilterAddr, SourceFilterMode, SourceFilterOptions};
pub use options::{DatagramOptions, IpOptions, SocketOptions};
pub use packet::PacketConn;
pub use raw::RawConn;
pub use tap::{
    multicast_mac, FrameSender, LinkAddr, PacketType, RingMode, RxPath, Tap, TapBatch, TapConfig,
    TapMeta, TapPacket, TapProtocols, TapStats, TxPath,
};

// IPv6 (the POSIX guide's other half): siblings of the IPv4 types above,
// sharing their batches, flags and error type; see `PacketConn6` for why.
pub use batch::{RecvDatagram6, RecvIter6};
pub use control6::{ControlMessage6, HopByHopOptions, RecvMeta6};
pub use filter6::Icmp6Filter;
pub use iface6::{interface_addrs6, interface_addrs6_of, link_local_addr, InterfaceAddr6};
pub use mroute6::{Mroute6Message, Mroute6Socket, Upcall6, MAX_MIFS, UPCALL6_HEADER_LEN};
pub use options6::{Datagram6Options, Ipv6Options};
pub use packet6::{PacketConn6, IPPROTO_ICMPV6};

#[cfg(test)]
mod tests {
    /// Connections and batches can move to and be shared between threads.
    #[test]
    fn public_types_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<crate::RawConn>();
        check::<crate::PacketConn>();
        check::<crate::PacketConn6>();
        check::<crate::Conn>();
        check::<crate::RecvBatch>();
        check::<crate::SendBatch>();
        check::<crate::Error>();
        check::<crate::MrouteSocket>();
        check::<crate::Mroute6Socket>();
    }
}
