//! ipv4kit-tokio: ipv4kit's sockets on tokio, with their batches.
//!
//! [`AsyncSocket<S>`](AsyncSocket) puts one of `ipv4kit-net`'s sockets in
//! non-blocking mode and registers it with tokio's reactor
//! (`tokio::io::unix::AsyncFd`). Its methods wait for readiness, make the
//! socket's own call, and wait again only after the kernel said `EAGAIN`:
//!
//! - [`AsyncRawConn`]: raw IPv4 with `IP_HDRINCL` (`recv`, `recv_packet`,
//!   `send_repr`, `send_datagram`);
//! - [`AsyncPacketConn`]: UDP or raw datagrams with control messages
//!   (`recv_from`, `send_to`);
//! - [`AsyncMrouteSocket`]: the multicast-routing socket, its IGMP
//!   datagrams and kernel upcalls one by one
//!   ([`recv_message`](AsyncSocket::recv_message)) or as a `Stream`
//!   ([`messages`](AsyncSocket::messages));
//! - [`AsyncPacketConn6`]: UDP over IPv6 or raw ICMPv6 (MLD) with
//!   [`ControlMessage6`](ipv4kit_net::ControlMessage6)s (`recv_from`,
//!   `send_to`);
//! - [`AsyncMroute6Socket`]: the IPv6 multicast-routing socket (MRT6), its
//!   ICMPv6 messages and upcalls one by one or as a `Stream`
//!   ([`Mroute6Messages`]);
//! - for all of them, [`recv_batch`](AsyncSocket::recv_batch) and
//!   [`send_batch`](AsyncSocket::send_batch) over the same preallocated
//!   [`RecvBatch`](ipv4kit_net::RecvBatch) and
//!   [`SendBatch`](ipv4kit_net::SendBatch) as the synchronous calls
//!   (`recvmmsg`/`sendmmsg`; `iter6`/`push6` for IPv6): nothing allocates
//!   in steady state;
//! - [`AsyncTap`]: the `AF_PACKET` tap, each [`recv`](AsyncSocket::recv)
//!   a batch of packets borrowed from the `TPACKET_V3` ring (woken when
//!   the kernel retires a block) or the `recvmmsg` arena, with no copy and
//!   no allocation per packet; [`AsyncFrameSender`] sends whole frames.
//!
//! Options (groups, interfaces, TTLs, control messages) are set on the
//! socket itself, through [`AsyncSocket::get_ref`] and the option traits.
//! Each method's documentation says what is lost when its future is dropped
//! before it completes (for receives and single sends: nothing).
//!
//! A new socket type of `ipv4kit-net` joins in three small steps, all in this crate: a line
//! in the [`OwnedSocket`] list (it owns its descriptor), [`BatchRecv`] and
//! [`BatchSend`] impls naming its batch types (one call each), and its
//! single-datagram methods as one-line wrappers over
//! [`read_with`](AsyncSocket::read_with) and
//! [`write_with`](AsyncSocket::write_with), which also serve any call that
//! has no wrapper yet.
//!
//! The [`driver`] module runs the `ipv4kit-gmp` engines on these sockets:
//! a host's memberships ([`HostDriver`](driver::HostDriver)) or a querier
//! ([`QuerierDriver`](driver::QuerierDriver)) on an interface, the timers
//! on `tokio::time`, the events as a `Stream`.
//!
//! # Example: a batch of UDP datagrams over loopback
//!
//! ```
//! use std::net::{Ipv4Addr, SocketAddrV4};
//! use ipv4kit_net::{PacketConn, RecvBatch, SendBatch};
//! use ipv4kit_tokio::AsyncSocket;
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> Result<(), ipv4kit_net::Error> {
//!     let local = SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0);
//!     let rx = AsyncSocket::new(PacketConn::bind_udp(local)?)?;
//!     let tx = AsyncSocket::new(PacketConn::bind_udp(local)?)?;
//!     let dst = rx.get_ref().local_addr()?;
//!
//!     let mut out = SendBatch::new(32, 64);
//!     for i in 0..32u8 {
//!         out.push(dst, &[i; 10], None)?;
//!     }
//!     tx.send_all(&mut out).await?;
//!
//!     let mut batch = RecvBatch::new(32, 2048);
//!     let mut got = 0;
//!     while got < 32 {
//!         got += rx.recv_batch(&mut batch).await?;
//!         for d in &batch {
//!             assert_eq!(d.data.len(), 10);
//!         }
//!     }
//!     Ok(())
//! }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use ipv4kit_net as net;

mod batch;
mod conn;
pub mod driver;
mod mroute;
mod mroute6;
mod socket;
mod tap;

pub use batch::{BatchRecv, BatchSend};
pub use conn::{AsyncPacketConn, AsyncPacketConn6, AsyncRawConn};
pub use futures_core::Stream;
pub use mroute::{AsyncMrouteSocket, MrouteMessages, MrouteRecv};
pub use mroute6::{AsyncMroute6Socket, Mroute6Messages, Mroute6Recv};
pub use socket::{AsyncSocket, OwnedSocket};
pub use tap::{AsyncFrameSender, AsyncTap};

#[cfg(test)]
mod tests {
    /// The adapters, the drivers and their handles can move to and be
    /// shared between the tasks of a multi-thread runtime.
    #[test]
    fn adapters_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<crate::AsyncRawConn>();
        check::<crate::AsyncPacketConn>();
        check::<crate::AsyncMrouteSocket>();
        check::<crate::MrouteMessages<'static>>();
        check::<crate::AsyncPacketConn6>();
        check::<crate::AsyncMroute6Socket>();
        check::<crate::Mroute6Messages<'static>>();
        check::<crate::AsyncTap>();
        check::<crate::AsyncFrameSender>();
        use crate::driver::*;
        use ipv4kit_gmp::Igmp;
        use rand_xorshift::XorShiftRng;
        check::<QuerierHandle<Igmp>>();
        check::<HostHandle<Igmp, XorShiftRng>>();
        check::<Events<ipv4kit_gmp::RouterEvent<std::net::Ipv4Addr>>>();
        check::<QuerierDriver<Igmp, IgmpTapIo>>();
        check::<HostDriver<Igmp, XorShiftRng, IgmpSocket>>();
    }

    /// The adapter makes the socket non-blocking; `into_inner` hands it
    /// back blocking, as it came.
    #[test]
    fn into_inner_gives_the_socket_back_blocking() {
        use std::net::{Ipv4Addr, SocketAddrV4};
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .unwrap();
        rt.block_on(async {
            let sock = ipv4kit_net::PacketConn::bind_udp(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0))
                .unwrap();
            assert!(!socket2::SockRef::from(&sock).nonblocking().unwrap());
            let a = crate::AsyncSocket::new(sock).unwrap();
            assert!(socket2::SockRef::from(a.get_ref()).nonblocking().unwrap());
            let sock = a.into_inner().unwrap();
            assert!(!socket2::SockRef::from(&sock).nonblocking().unwrap());
        });
    }
}
