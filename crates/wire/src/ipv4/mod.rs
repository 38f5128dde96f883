//! IPv4 (RFC 791, RFC 1122 §3.2.1): the header view [`Ipv4Packet`], its
//! options ([`Ipv4Options`], [`Ipv4Option`]), the header builder
//! [`Ipv4Repr`], protocol numbers ([`IpProtocol`]) and BSD raw-socket byte
//! order ([`bsd`]).
//!
//! ```
//! use core::net::Ipv4Addr;
//! use ipv4kit_wire::ipv4::{IpProtocol, Ipv4Packet, Ipv4Repr, ROUTER_ALERT};
//!
//! let mut buf = [0u8; 64];
//! let repr = Ipv4Repr::new(Ipv4Addr::new(198, 18, 0, 1), Ipv4Addr::new(224, 0, 0, 22), IpProtocol::IGMP, 8)
//!     .with_ttl(1)
//!     .with_options(&ROUTER_ALERT);
//! let header_len = repr.emit(&mut buf).unwrap();
//! let packet = Ipv4Packet::new_checked(&buf[..header_len + 8]).unwrap();
//! assert_eq!(packet.router_alert(), Some(0));
//! assert_eq!(packet.payload().len(), 8);
//! ```

/// BSD raw-socket byte order of the RFC 791 §3.1 header fields `ip_len` and `ip_off`.
pub mod bsd;
mod error;
mod limits;
mod options;
mod packet;
mod protocol;
mod repr;

pub use error::{Ipv4EmitError, Ipv4Error, OptionEmitError, OptionError};
pub use limits::{MAX_HEADER_LEN, MAX_OPTIONS_LEN, MAX_TOTAL_LEN, MIN_HEADER_LEN};
pub use options::{
    is_known_kind, kind, Ipv4Option, Ipv4Options, RouteAddrs, RouteOption, TimestampOption,
    ROUTER_ALERT, ROUTE_POINTER_MIN, TIMESTAMP_POINTER_MIN, TS_AND_ADDR, TS_ONLY, TS_PRESPECIFIED,
};
pub use packet::{Ipv4Header, Ipv4Packet, FLAG_DF, FLAG_MF, FLAG_RESERVED, FRAG_OFFSET_MASK};
pub use protocol::IpProtocol;
pub use repr::{Ipv4Repr, DEFAULT_TTL};
