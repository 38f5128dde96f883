//! ipv4kit: programs that speak IPv4 and IGMP at the packet level.
//!
//! This facade re-exports the workspace crates:
//!
//! - [`wire`] (`ipv4kit-wire`): a `no_std`, allocation-free, `unsafe`-free codec for
//!   IPv4 headers and options, the internet checksum and IGMPv1/v2/v3.
//! - [`gmp`] (`ipv4kit-gmp`): a sans-IO IGMP host engine (RFC 3376 state,
//!   reports, query answers, older-version compatibility), `no_std` + `alloc`.
//! - [`net`] (`ipv4kit-net`): raw and datagram IPv4 sockets, control messages,
//!   multicast and batched I/O.
//! - `tokio` (`ipv4kit-tokio`, with the `tokio` feature): the sockets and
//!   their batches as async adapters on tokio.
//! - [`capture`] (`ipv4kit-capture`): pcap and pcapng files read and written,
//!   the link layers in front of IPv4, and IPv4/IGMP dissected into a serde
//!   model with a text form like `tcpdump -v`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use ipv4kit_capture as capture;
pub use ipv4kit_gmp as gmp;
pub use ipv4kit_net as net;
#[cfg(feature = "tokio")]
pub use ipv4kit_tokio as tokio;
pub use ipv4kit_wire as wire;
