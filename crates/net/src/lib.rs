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
//! - [`iface`]: interface names, indexes, addresses and flags.
//!
//! Errors are one type, [`Error`], naming the call or option that failed.
//! Linux first: Linux-only calls return an `Unsupported` error elsewhere.
//!
//! All `unsafe` code lives in the private `sys` module.
#![deny(unsafe_code)]
#![warn(missing_docs)]
// Elsewhere the Linux-only paths are compiled out and their helpers go unused.
#![cfg_attr(not(target_os = "linux"), allow(dead_code))]

pub use ipv4kit_wire as wire;

mod batch;
mod conn;
mod control;
mod error;
pub mod iface;
mod inner;
mod options;
mod packet;
mod raw;
mod sys;

pub use batch::{RecvBatch, RecvDatagram, RecvIter, RecvPacket, SendBatch};
pub use conn::Conn;
pub use control::{ControlFlags, ControlMessage, RecvMeta};
pub use error::{Error, Result};
pub use iface::{interface_index, interface_name, Interface, InterfaceAddr};
pub use options::{BpfInstruction, DatagramOptions, IcmpFilter, IpOptions};
pub use packet::PacketConn;
pub use raw::RawConn;

#[cfg(test)]
mod tests {
    /// Connections and batches can move to and be shared between threads.
    #[test]
    fn public_types_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<crate::RawConn>();
        check::<crate::PacketConn>();
        check::<crate::Conn>();
        check::<crate::RecvBatch>();
        check::<crate::SendBatch>();
        check::<crate::Error>();
    }
}
