//! Whole MLD datagrams: the IPv6 header with hop limit 1, the hop-by-hop
//! header with Router Alert 0, the message (RFC 3810 §5, RFC 2711).

use core::net::Ipv6Addr;

use super::{
    is_link_local, MldEmitError, MldError, MldMessage, MldRepr, HOP_BY_HOP_RA_LEN, MLD_HOP_LIMIT,
};
use crate::ipv6::{
    Ipv6Packet, Ipv6Repr, UpperLayer, HEADER_LEN, MLD_HOP_BY_HOP, NEXT_HEADER_HOP_BY_HOP,
    NEXT_HEADER_ICMPV6, ROUTER_ALERT_MLD,
};

/// Writes a whole MLD datagram to the message's own destination
/// ([`MldRepr::destination`]); returns its length: 40 + 8 + the message.
#[inline]
pub fn emit_datagram<M: MldRepr + ?Sized>(
    message: &M,
    src: Ipv6Addr,
    buf: &mut [u8],
) -> Result<usize, MldEmitError> {
    emit_datagram_to(message, src, message.destination(), buf)
}

/// Writes a whole MLD datagram from `src` to `dst`: the IPv6 header (hop
/// limit 1, traffic class 0, flow label 0, RFC 3810 §5), the 8-octet
/// hop-by-hop header with Router Alert 0 (RFC 2711 §2.1), the message with
/// its checksum. Returns the length written.
///
/// ```
/// use ipv4kit_wire::mld::{emit_datagram_to, DoneV1, ALL_ROUTERS};
///
/// let done = DoneV1 { group: "ff02::1:ff9a:3b7c".parse().unwrap() };
/// let mut buf = [0u8; 72];
/// let n = emit_datagram_to(&done, "fe80::1".parse().unwrap(), ALL_ROUTERS, &mut buf).unwrap();
/// assert_eq!(&buf[40..48], [58, 0, 5, 2, 0, 0, 1, 0]);
/// assert_eq!(buf[7], 1); // hop limit
/// assert_eq!(n, 72);
/// ```
pub fn emit_datagram_to<M: MldRepr + ?Sized>(
    message: &M,
    src: Ipv6Addr,
    dst: Ipv6Addr,
    buf: &mut [u8],
) -> Result<usize, MldEmitError> {
    let msg_len = message.buffer_len();
    let payload_len = HOP_BY_HOP_RA_LEN + msg_len;
    let Ok(payload_len16) = u16::try_from(payload_len) else {
        return Err(MldEmitError::MessageTooLong { len: msg_len });
    };
    let total = HEADER_LEN + payload_len;
    super::check_buffer(buf, total)?;
    let repr = Ipv6Repr {
        traffic_class: 0,
        flow_label: 0,
        payload_len: payload_len16,
        next_header: NEXT_HEADER_HOP_BY_HOP,
        hop_limit: MLD_HOP_LIMIT,
        src,
        dst,
    };
    let (head, rest) = buf.split_at_mut(HEADER_LEN);
    repr.emit(head).map_err(|_| MldEmitError::BufferTooShort {
        needed: total,
        available: total,
    })?;
    let (hbh, msg) = rest.split_at_mut(HOP_BY_HOP_RA_LEN);
    hbh.copy_from_slice(&MLD_HOP_BY_HOP);
    let n = message.emit(src, dst, msg)?;
    Ok(HEADER_LEN + HOP_BY_HOP_RA_LEN + n)
}

/// A parsed MLD datagram: the IPv6 header fields, what the extension-header
/// walk found, and the message (checksum verified).
///
/// ```
/// use ipv4kit_wire::mld::{MldDatagram, MldMessage};
///
/// // tcpdump icmpv6.pcap packet 3 from the IPv6 header on.
/// let bytes = [
///     0x60, 0x00, 0x00, 0x00, 0x00, 0x24, 0x00, 0x01, 0xfe, 0x80, 0, 0, 0, 0, 0, 0,
///     0xb2, 0xa8, 0x6e, 0xff, 0xfe, 0x0c, 0xd4, 0xe8, 0xff, 0x02, 0, 0, 0, 0, 0, 0,
///     0, 0, 0, 0, 0, 0, 0, 0x01, 0x3a, 0x00, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00,
///     0x82, 0x00, 0x62, 0x3a, 0x27, 0x10, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
///     0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x3c, 0x00, 0x00,
/// ];
/// let d = MldDatagram::parse(&bytes).unwrap();
/// assert!(d.is_valid_for_receiver());
/// assert!(matches!(d.message, MldMessage::QueryV2(q) if q.qqic().secs() == 60));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MldDatagram<'a> {
    /// The IPv6 fixed header.
    pub header: Ipv6Repr,
    /// The value of the hop-by-hop Router Alert option, if present.
    pub router_alert: Option<u16>,
    /// Octets of extension headers before the message.
    pub ext_len: usize,
    /// The MLD message.
    pub message: MldMessage<'a>,
}

impl<'a> MldDatagram<'a> {
    /// Parses an IPv6 packet carrying an MLD message: the fixed header, the
    /// extension headers (bounded walk), then the message with its checksum
    /// verified over the pseudo-header (RFC 8200 §8.1: the final destination,
    /// the ICMPv6 length without the extension headers).
    pub fn parse(bytes: &'a [u8]) -> Result<Self, MldError> {
        let packet = Ipv6Packet::new_checked(bytes)?;
        let UpperLayer {
            next_header,
            offset,
            payload,
            router_alert,
            ..
        } = crate::ipv6::walk(packet.next_header(), payload_of(bytes, &packet))?;
        if next_header != NEXT_HEADER_ICMPV6 {
            return Err(MldError::NotIcmpv6 { next_header });
        }
        let header = Ipv6Repr::parse(&packet);
        let message = MldMessage::parse(payload, header.src, header.dst)?;
        Ok(MldDatagram {
            header,
            router_alert,
            ext_len: offset,
            message,
        })
    }

    /// Whether the receive checks of RFC 3810 §5.1.14, §5.2.13 and §10 and
    /// RFC 2711 hold: hop limit 1, Router Alert with value 0 (MLD), and a
    /// link-local source — or `::` for a report (a node without a valid
    /// link-local address yet, §5.2.13; routers still discard those).
    pub fn is_valid_for_receiver(&self) -> bool {
        let src_ok = is_link_local(self.header.src)
            || (self.header.src.is_unspecified()
                && matches!(
                    self.message,
                    MldMessage::ReportV1(_) | MldMessage::ReportV2(_)
                ));
        self.header.hop_limit == MLD_HOP_LIMIT
            && self.router_alert == Some(ROUTER_ALERT_MLD)
            && src_ok
    }
}

/// The payload of a checked packet, borrowed for the input's lifetime.
#[inline]
fn payload_of<'a>(bytes: &'a [u8], packet: &Ipv6Packet<&'a [u8]>) -> &'a [u8] {
    let len = usize::from(packet.payload_len());
    bytes.get(HEADER_LEN..HEADER_LEN + len).unwrap_or(&[])
}
