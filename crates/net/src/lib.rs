//! ipv4kit-net: IPv4 sockets (raw, datagram and stream) with IP-level options,
//! per-packet control messages, multicast and batched I/O.
//!
//! All `unsafe` code lives in the private `sys` module.
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub use ipv4kit_wire as wire;
