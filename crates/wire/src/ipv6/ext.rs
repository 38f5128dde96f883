//! The walk over IPv6 extension headers to the upper layer (RFC 8200 §4),
//! bounded on hostile chains.

use super::error::Ipv6Error;
use super::options::{Ipv6Options, OPTION_PADN, OPTION_ROUTER_ALERT};
use super::{
    MAX_EXT_HEADERS, NEXT_HEADER_DEST_OPTS, NEXT_HEADER_FRAGMENT, NEXT_HEADER_HOP_BY_HOP,
    NEXT_HEADER_ROUTING,
};

/// The Fragment header's fields (RFC 8200 §4.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Fragment {
    /// Fragment Offset in 8-octet units (13 bits).
    pub offset: u16,
    /// M flag: more fragments follow.
    pub more: bool,
    /// Identification.
    pub ident: u32,
}

impl Fragment {
    /// Whether this header marks a whole packet, not a piece of one
    /// (offset 0, M clear: an "atomic fragment", RFC 6946).
    #[inline]
    pub fn is_atomic(&self) -> bool {
        self.offset == 0 && !self.more
    }
}

/// One extension header, borrowed (RFC 8200 §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExtHeader<'a> {
    /// Which header this is: the Next Header value that announced it
    /// (0 hop-by-hop, 43 routing, 44 fragment, 60 destination options).
    pub header_type: u8,
    /// Its own Next Header field.
    pub next_header: u8,
    /// Offset from the start of the IPv6 payload.
    pub offset: usize,
    /// The whole header, its first two octets included.
    pub bytes: &'a [u8],
}

impl<'a> ExtHeader<'a> {
    /// The options of a Hop-by-Hop or Destination Options header (RFC 8200
    /// §4.2); an empty iterator for the other headers.
    #[inline]
    pub fn options(&self) -> Ipv6Options<'a> {
        match self.header_type {
            NEXT_HEADER_HOP_BY_HOP | NEXT_HEADER_DEST_OPTS => {
                Ipv6Options::new(self.bytes.get(2..).unwrap_or(&[]))
            }
            _ => Ipv6Options::new(&[]),
        }
    }

    /// The Fragment header's fields, for a Fragment header (RFC 8200 §4.5).
    #[inline]
    pub fn fragment(&self) -> Option<Fragment> {
        match (self.header_type, self.bytes) {
            (NEXT_HEADER_FRAGMENT, [_, _, a, b, i0, i1, i2, i3, ..]) => {
                let off_m = u16::from_be_bytes([*a, *b]);
                Some(Fragment {
                    offset: off_m >> 3,
                    more: off_m & 1 != 0,
                    ident: u32::from_be_bytes([*i0, *i1, *i2, *i3]),
                })
            }
            _ => None,
        }
    }
}

/// Whether a Next Header value announces one of the extension headers this
/// walk steps over (RFC 8200 §4.1: hop-by-hop, routing, fragment,
/// destination options).
#[inline]
pub const fn is_ext_header(next_header: u8) -> bool {
    matches!(
        next_header,
        NEXT_HEADER_HOP_BY_HOP | NEXT_HEADER_ROUTING | NEXT_HEADER_FRAGMENT | NEXT_HEADER_DEST_OPTS
    )
}

/// Iterator over the extension headers at the start of an IPv6 payload
/// (RFC 8200 §4), each checked to fit; it yields at most
/// [`MAX_EXT_HEADERS`] headers and then an error, and stops after any error.
///
/// ```
/// use ipv4kit_wire::ipv6::{ExtHeaders, NEXT_HEADER_HOP_BY_HOP, MLD_HOP_BY_HOP};
///
/// let mut walk = ExtHeaders::new(NEXT_HEADER_HOP_BY_HOP, &MLD_HOP_BY_HOP);
/// let hbh = walk.next().unwrap().unwrap();
/// assert_eq!(hbh.next_header, 58);
/// assert!(walk.next().is_none());
/// assert_eq!(walk.next_header(), 58);
/// assert_eq!(walk.offset(), 8);
/// ```
#[derive(Clone, Debug)]
pub struct ExtHeaders<'a> {
    payload: &'a [u8],
    next_header: u8,
    offset: usize,
    count: usize,
    done: bool,
}

impl<'a> ExtHeaders<'a> {
    /// A walk over `payload`, whose first header is announced by `next_header`
    /// (the fixed header's Next Header field).
    #[inline]
    pub fn new(next_header: u8, payload: &'a [u8]) -> Self {
        ExtHeaders {
            payload,
            next_header,
            offset: 0,
            count: 0,
            done: false,
        }
    }

    /// The Next Header value after the headers walked so far: the upper-layer
    /// protocol once the iterator is exhausted without error.
    #[inline]
    pub fn next_header(&self) -> u8 {
        self.next_header
    }

    /// Offset, from the start of the payload, of what follows the headers
    /// walked so far.
    #[inline]
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The octets after the headers walked so far.
    #[inline]
    pub fn rest(&self) -> &'a [u8] {
        self.payload.get(self.offset..).unwrap_or(&[])
    }
}

impl<'a> Iterator for ExtHeaders<'a> {
    type Item = Result<ExtHeader<'a>, Ipv6Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || !is_ext_header(self.next_header) {
            return None;
        }
        let header = self.next_header;
        let rest = self.rest();
        if self.count == MAX_EXT_HEADERS {
            self.done = true;
            return Some(Err(Ipv6Error::TooManyExtHeaders {
                limit: MAX_EXT_HEADERS,
            }));
        }
        if header == NEXT_HEADER_HOP_BY_HOP && self.offset != 0 {
            self.done = true;
            return Some(Err(Ipv6Error::HopByHopNotFirst {
                offset: self.offset,
            }));
        }
        let needed = match (header, rest) {
            (NEXT_HEADER_FRAGMENT, _) => 8,
            (_, [_, len, ..]) => 8 * (usize::from(*len) + 1),
            _ => 8,
        };
        let Some(bytes) = rest.get(..needed) else {
            self.done = true;
            return Some(Err(Ipv6Error::ExtHeaderTruncated {
                header,
                offset: self.offset,
                needed,
                available: rest.len(),
            }));
        };
        let ext = ExtHeader {
            header_type: header,
            next_header: bytes[0],
            offset: self.offset,
            bytes,
        };
        self.count += 1;
        self.offset += needed;
        self.next_header = ext.next_header;
        // A fragment other than the first does not start with the next header.
        if let Some(f) = ext.fragment() {
            if f.offset != 0 {
                self.done = true;
            }
        }
        Some(Ok(ext))
    }
}

impl core::iter::FusedIterator for ExtHeaders<'_> {}

/// Where the extension headers end: the upper-layer protocol and its octets,
/// plus what the walk met on the way (RFC 8200 §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UpperLayer<'a> {
    /// The upper-layer protocol (58 for ICMPv6), or 59 (No Next Header), or
    /// an extension header this walk does not step over (ESP, AH, ...).
    pub next_header: u8,
    /// Offset of the upper layer from the start of the IPv6 payload: the
    /// extension headers' total length (what the ICMPv6 pseudo-header's
    /// length leaves out, RFC 8200 §8.1).
    pub offset: usize,
    /// The upper-layer octets, up to the end of the payload.
    pub payload: &'a [u8],
    /// The value of the hop-by-hop Router Alert option, if there is one
    /// (RFC 2711; 0 = MLD).
    pub router_alert: Option<u16>,
    /// The Fragment header, if there is one. With a non-zero offset the walk
    /// stops there and `payload` is a piece of the original, not its start.
    pub fragment: Option<Fragment>,
    /// How many extension headers were walked.
    pub ext_headers: usize,
}

/// Walks the extension headers of `payload` (announced by `next_header`) to
/// the upper layer, checking each header and the options of hop-by-hop and
/// destination options headers (RFC 8200 §4, RFC 2711).
///
/// The two commonest shapes are answered inline, without the general walk:
/// no extension header at all, and the 8-octet hop-by-hop header every MLD
/// sender uses (Router Alert, PadN(0)) followed by the upper layer. Both give
/// what the general walk gives.
#[inline]
pub fn walk(next_header: u8, payload: &[u8]) -> Result<UpperLayer<'_>, Ipv6Error> {
    if !is_ext_header(next_header) {
        return Ok(UpperLayer {
            next_header,
            offset: 0,
            payload,
            router_alert: None,
            fragment: None,
            ext_headers: 0,
        });
    }
    if next_header == NEXT_HEADER_HOP_BY_HOP {
        if let [nh, 0, OPTION_ROUTER_ALERT, 2, a, b, OPTION_PADN, 0, ref rest @ ..] = *payload {
            if !is_ext_header(nh) {
                return Ok(UpperLayer {
                    next_header: nh,
                    offset: 8,
                    payload: rest,
                    router_alert: Some(u16::from_be_bytes([a, b])),
                    fragment: None,
                    ext_headers: 1,
                });
            }
        }
    }
    walk_chain(next_header, payload)
}

/// [`walk`]'s general case: any chain of extension headers.
fn walk_chain(next_header: u8, payload: &[u8]) -> Result<UpperLayer<'_>, Ipv6Error> {
    let mut headers = ExtHeaders::new(next_header, payload);
    let mut router_alert = None;
    let mut fragment = None;
    let mut count = 0;
    for h in headers.by_ref() {
        let h = h?;
        count += 1;
        match h.header_type {
            NEXT_HEADER_HOP_BY_HOP => {
                router_alert = match *h.bytes {
                    // The 8-octet header every MLD sender uses: Router Alert
                    // then PadN(0); no option walk needed.
                    [_, 0, OPTION_ROUTER_ALERT, 2, a, b, OPTION_PADN, 0] => {
                        Some(u16::from_be_bytes([a, b]))
                    }
                    _ => h.options().router_alert()?,
                }
            }
            NEXT_HEADER_DEST_OPTS => {
                for o in h.options() {
                    o?;
                }
            }
            NEXT_HEADER_FRAGMENT => fragment = h.fragment(),
            _ => {}
        }
    }
    Ok(UpperLayer {
        next_header: headers.next_header(),
        offset: headers.offset(),
        payload: headers.rest(),
        router_alert,
        fragment,
        ext_headers: count,
    })
}

#[cfg(test)]
mod tests {
    use super::super::{MLD_HOP_BY_HOP, NEXT_HEADER_ICMPV6, NEXT_HEADER_NONE};
    use super::*;
    use std::vec::Vec;

    #[test]
    fn mld_hop_by_hop_leads_to_icmpv6_with_router_alert_zero() {
        let mut p = Vec::from(MLD_HOP_BY_HOP);
        p.extend_from_slice(&[0x83, 0, 0, 0]);
        let up = walk(NEXT_HEADER_HOP_BY_HOP, &p).unwrap();
        assert_eq!(up.next_header, NEXT_HEADER_ICMPV6);
        assert_eq!(up.offset, 8);
        assert_eq!(up.payload, [0x83, 0, 0, 0]);
        assert_eq!(up.router_alert, Some(0));
        assert_eq!(up.ext_headers, 1);
    }

    proptest::proptest! {
        #[test]
        fn fast_paths_agree_with_the_general_walk(
            next_header in proptest::prop_oneof![
                proptest::prelude::Just(0u8), proptest::prelude::Just(58u8),
                proptest::prelude::any::<u8>()
            ],
            mld_hbh in proptest::prelude::any::<bool>(),
            nh in proptest::prelude::any::<u8>(),
            tail in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40),
        ) {
            let mut p = Vec::new();
            if mld_hbh {
                p.extend_from_slice(&MLD_HOP_BY_HOP);
                p[0] = nh;
            }
            p.extend_from_slice(&tail);
            proptest::prop_assert_eq!(walk(next_header, &p), walk_chain(next_header, &p));
        }
    }

    #[test]
    fn zeek_sixteen_octet_hop_by_hop_is_walked() {
        // zeek icmp6-mldv1.pcap packets 3-4: RA, PadN(2), PadN(4).
        let hbh = [58, 1, 5, 2, 0, 0, 1, 2, 0, 0, 1, 4, 0, 0, 0, 0];
        let up = walk(0, &hbh).unwrap();
        assert_eq!(up.router_alert, Some(0));
        assert_eq!(up.offset, 16);
    }

    #[test]
    fn every_header_kind_is_stepped_over() {
        // HbH -> DestOpts -> Routing -> Fragment(offset 0) -> No Next Header.
        let mut p = Vec::new();
        p.extend_from_slice(&[60, 0, 1, 4, 0, 0, 0, 0]);
        p.extend_from_slice(&[43, 0, 0, 1, 0, 0, 0, 0]);
        p.extend_from_slice(&[44, 0, 0, 0, 0, 0, 0, 0]);
        p.extend_from_slice(&[59, 0, 0, 1, 0xde, 0xad, 0xbe, 0xef]);
        let up = walk(0, &p).unwrap();
        assert_eq!(up.next_header, NEXT_HEADER_NONE);
        assert_eq!(up.ext_headers, 4);
        assert_eq!(up.offset, 32);
        assert_eq!(up.router_alert, None);
        assert_eq!(
            up.fragment,
            Some(Fragment {
                offset: 0,
                more: true,
                ident: 0xdeadbeef
            })
        );
    }

    #[test]
    fn later_fragment_stops_the_walk() {
        let p = [60, 0, 0x01, 0x00, 0, 0, 0, 7, 1, 4, 0, 0, 0, 0, 0, 0];
        let up = walk(NEXT_HEADER_FRAGMENT, &p).unwrap();
        assert_eq!(up.next_header, 60);
        assert_eq!(up.offset, 8);
        assert_eq!(up.fragment.unwrap().offset, 32);
    }

    #[test]
    fn hostile_chains_end_in_errors() {
        // A long chain of empty destination options headers.
        let mut p = Vec::new();
        for _ in 0..100 {
            p.extend_from_slice(&[60, 0, 1, 4, 0, 0, 0, 0]);
        }
        assert_eq!(
            walk(60, &p),
            Err(Ipv6Error::TooManyExtHeaders {
                limit: MAX_EXT_HEADERS
            })
        );
        // Truncated header, hop-by-hop not first.
        assert_eq!(
            walk(0, &[58, 1, 0, 0]),
            Err(Ipv6Error::ExtHeaderTruncated {
                header: 0,
                offset: 0,
                needed: 16,
                available: 4
            })
        );
        assert_eq!(
            walk(60, &[0, 0, 1, 4, 0, 0, 0, 0, 58, 0, 1, 4, 0, 0, 0, 0]),
            Err(Ipv6Error::HopByHopNotFirst { offset: 8 })
        );
        assert_eq!(
            walk(44, &[0; 7]),
            Err(Ipv6Error::ExtHeaderTruncated {
                header: 44,
                offset: 0,
                needed: 8,
                available: 7
            })
        );
    }

    #[test]
    fn upper_layer_without_extension_headers_is_the_payload() {
        let up = walk(58, &[1, 2, 3]).unwrap();
        assert_eq!(up.offset, 0);
        assert_eq!(up.payload, [1, 2, 3]);
        assert_eq!(up.ext_headers, 0);
    }
}
