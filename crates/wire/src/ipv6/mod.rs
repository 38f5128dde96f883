//! IPv6 (RFC 8200) as far as MLD and packet-level tools need it: the fixed
//! header view [`Ipv6Packet`] and repr [`Ipv6Repr`], the walk over extension
//! headers to the upper layer ([`ExtHeaders`], [`Ipv6Packet::upper_layer`],
//! bounded by [`MAX_EXT_HEADERS`]), and the options of hop-by-hop and
//! destination options headers ([`Ipv6Options`], [`OptionsHeaderRepr`]) with
//! Router Alert (RFC 2711). The ICMPv6 checksum over the pseudo-header is in
//! [`checksum`](crate::checksum::pseudo_header_v6).
//!
//! ```
//! use core::net::Ipv6Addr;
//! use ipv4kit_wire::ipv6::{Ipv6Packet, Ipv6Repr, MLD_HOP_BY_HOP, NEXT_HEADER_HOP_BY_HOP};
//!
//! let mut buf = [0u8; 52];
//! let repr = Ipv6Repr {
//!     traffic_class: 0,
//!     flow_label: 0,
//!     payload_len: 12,
//!     next_header: NEXT_HEADER_HOP_BY_HOP,
//!     hop_limit: 1,
//!     src: "fe80::1".parse().unwrap(),
//!     dst: "ff02::16".parse().unwrap(),
//! };
//! repr.emit(&mut buf).unwrap();
//! buf[40..48].copy_from_slice(&MLD_HOP_BY_HOP);
//! let packet = Ipv6Packet::new_checked(&buf[..]).unwrap();
//! let upper = packet.upper_layer().unwrap();
//! assert_eq!((upper.next_header, upper.offset, upper.router_alert), (58, 8, Some(0)));
//! assert_eq!(upper.payload.len(), 4);
//! ```

mod error;
mod ext;
mod options;
mod packet;

pub use error::{Ipv6EmitError, Ipv6Error};
pub use ext::{is_ext_header, walk, ExtHeader, ExtHeaders, Fragment, UpperLayer};
pub use options::{
    Ipv6Option, Ipv6OptionRepr, Ipv6Options, OptionsHeaderRepr, MLD_HOP_BY_HOP, OPTION_PAD1,
    OPTION_PADN, OPTION_ROUTER_ALERT, ROUTER_ALERT_MLD,
};
pub use packet::{Ipv6Header, Ipv6Packet, Ipv6Repr, HEADER_LEN};

/// Next Header 0: Hop-by-Hop Options (RFC 8200 §4.3).
pub const NEXT_HEADER_HOP_BY_HOP: u8 = 0;
/// Next Header 43: Routing (RFC 8200 §4.4).
pub const NEXT_HEADER_ROUTING: u8 = 43;
/// Next Header 44: Fragment (RFC 8200 §4.5).
pub const NEXT_HEADER_FRAGMENT: u8 = 44;
/// Next Header 58: ICMPv6 (RFC 4443).
pub const NEXT_HEADER_ICMPV6: u8 = 58;
/// Next Header 59: No Next Header (RFC 8200 §4.7).
pub const NEXT_HEADER_NONE: u8 = 59;
/// Next Header 60: Destination Options (RFC 8200 §4.6).
pub const NEXT_HEADER_DEST_OPTS: u8 = 60;

/// The most extension headers the walk steps over before it calls the chain
/// hostile. RFC 8200 §4.1 expects each header at most once (Destination
/// Options twice), so a legitimate packet has at most five of these four kinds.
pub const MAX_EXT_HEADERS: usize = 16;
