//! The IPv4 header every IGMP message goes out under (RFC 1112 App. I,
//! RFC 2236 §2, RFC 3376 §4): TTL 1, Router Alert from v2 on, TOS 0xc0 for v3,
//! and the destination each message type prescribes.

use core::net::Ipv4Addr;

use super::{
    LeaveV2, QueryV1, QueryV2, QueryV3, ReportV1, ReportV2, ReportV3, IGMPV3_TOS, IGMP_TTL,
};
use crate::ipv4::{IpProtocol, Ipv4Repr, ROUTER_ALERT};

/// The IGMP version whose IPv4 encapsulation rules a message follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IgmpVersion {
    /// IGMPv1 (RFC 1112 App. I): TTL 1, no Router Alert (RFC 1112 predates
    /// RFC 2113), TOS 0.
    V1,
    /// IGMPv2 (RFC 2236 §2): TTL 1 and the Router Alert option, TOS 0.
    V2,
    /// IGMPv3 (RFC 3376 §4): TTL 1, Router Alert and TOS 0xc0
    /// (Internetwork Control).
    V3,
}

/// The IPv4 header an IGMP message of `version`, `igmp_len` octets long,
/// goes out under from `src` to `dst`: protocol 2, TTL [`IGMP_TTL`], the
/// Router Alert option from v2 on (RFC 2236 §2, RFC 3376 §4, RFC 2113) and
/// TOS [`IGMPV3_TOS`] for v3 (RFC 3376 §4).
///
/// Use this where the message is already encoded (a chunk from
/// [`ReportV3Splitter`](super::ReportV3Splitter), a received message sent
/// on); the reprs' own `ipv4_repr` methods pick `dst` and `igmp_len` for
/// you. `src` 0.0.0.0 lets a Linux raw socket with `IP_HDRINCL` fill in the
/// interface's address.
///
/// ```
/// use core::net::Ipv4Addr;
/// use ipv4kit_wire::igmp::{ipv4_repr, IgmpVersion, ALL_IGMPV3_ROUTERS};
///
/// let ip = ipv4_repr(IgmpVersion::V3, Ipv4Addr::UNSPECIFIED, ALL_IGMPV3_ROUTERS, 16);
/// assert_eq!((ip.ttl, ip.tos(), ip.header_len(), ip.total_len()), (1, 0xc0, 24, 40));
/// ```
#[inline]
pub const fn ipv4_repr(
    version: IgmpVersion,
    src: Ipv4Addr,
    dst: Ipv4Addr,
    igmp_len: usize,
) -> Ipv4Repr<'static> {
    let (tos, options): (u8, &'static [u8]) = match version {
        IgmpVersion::V1 => (0, &[]),
        IgmpVersion::V2 => (0, &ROUTER_ALERT),
        IgmpVersion::V3 => (IGMPV3_TOS, &ROUTER_ALERT),
    };
    Ipv4Repr {
        src,
        dst,
        protocol: IpProtocol::IGMP,
        ttl: IGMP_TTL,
        dscp: 0,
        ecn: 0,
        ident: 0,
        dont_frag: false,
        more_frags: false,
        frag_offset: 0,
        options,
        payload_len: igmp_len,
    }
    .with_tos(tos)
}

macro_rules! ipv4_repr_method {
    ($($repr:ty => $version:ident, $rfc:literal;)*) => {$(
        impl $repr {
            #[doc = concat!(
                "The IPv4 header this message goes out under from `src` (",
                $rfc,
                "): [`destination`](Self::destination), TTL 1 and the rest as ",
                "[`ipv4_repr`] gives it for [`IgmpVersion::", stringify!($version), "`]. ",
                "`payload_len` is [`buffer_len`](Self::buffer_len)."
            )]
            #[inline]
            pub fn ipv4_repr(&self, src: Ipv4Addr) -> Ipv4Repr<'static> {
                ipv4_repr(IgmpVersion::$version, src, self.destination(), self.buffer_len())
            }
        }
    )*};
}

ipv4_repr_method! {
    QueryV1 => V1, "RFC 1112 App. I";
    ReportV1 => V1, "RFC 1112 App. I";
    QueryV2 => V2, "RFC 2236 §2";
    ReportV2 => V2, "RFC 2236 §2";
    LeaveV2 => V2, "RFC 2236 §2";
    QueryV3<'_> => V3, "RFC 3376 §4";
    ReportV3<'_> => V3, "RFC 3376 §4";
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::igmp::{MaxRespCode, Qqic, ALL_ROUTERS, ALL_SYSTEMS};
    use crate::ipv4::Ipv4Packet;

    #[test]
    fn each_version_gets_its_ttl_tos_and_router_alert() {
        let g = Ipv4Addr::new(239, 1, 2, 3);
        let src = Ipv4Addr::new(198, 18, 0, 1);
        let v1 = ReportV1 { group: g }.ipv4_repr(src);
        assert_eq!((v1.dst, v1.ttl, v1.tos(), v1.options), (g, 1, 0, &[][..]));
        let v2 = LeaveV2 { group: g }.ipv4_repr(src);
        assert_eq!(
            (v2.dst, v2.ttl, v2.tos(), v2.options),
            (ALL_ROUTERS, 1, 0, &ROUTER_ALERT[..])
        );
        let q = QueryV3 {
            max_resp_code: MaxRespCode(100),
            group: Ipv4Addr::UNSPECIFIED,
            s_flag: false,
            qrv: 2,
            qqic: Qqic(125),
            sources: &[],
        };
        let v3 = q.ipv4_repr(src);
        assert_eq!(
            (v3.dst, v3.ttl, v3.tos(), v3.payload_len),
            (ALL_SYSTEMS, 1, 0xc0, 12)
        );
        assert_eq!(v3.protocol, IpProtocol::IGMP);
    }

    #[test]
    fn a_v3_report_datagram_parses_back_with_router_alert() {
        let report = ReportV3 { records: &[] };
        let ip = report.ipv4_repr(Ipv4Addr::new(198, 18, 0, 1));
        let mut buf = [0u8; 32];
        let n = ip.emit(&mut buf).unwrap();
        let m = report.emit(&mut buf[n..]).unwrap();
        let p = Ipv4Packet::new_checked(&buf[..n + m]).unwrap();
        assert!(p.verify_checksum());
        assert_eq!(
            (p.dst(), p.ttl(), p.tos()),
            (ALL_IGMPV3_ROUTERS_ADDR, 1, 0xc0)
        );
        assert_eq!(p.router_alert(), Some(0));
        assert_eq!(Ipv4Repr::parse(&p), ip);
    }

    const ALL_IGMPV3_ROUTERS_ADDR: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 22);
}
