//! IGMPv1 Membership Report (RFC 1112 App. I), IGMPv2 Membership Report and
//! Leave Group (RFC 2236 §2): 8 octets of type, unused byte, checksum and group.
//!
//! Longer messages are read as their first 8 octets (RFC 2236 §2.5: "MUST
//! ignore anything past the first 8 octets"); the checksum still covers all of
//! them.

use core::fmt;
use core::net::Ipv4Addr;

use super::{
    check_buffer, fill_checksum, write_header, Header, IgmpEmitError, ALL_ROUTERS, HEADER_LEN,
    TYPE_LEAVE_V2, TYPE_REPORT_V1, TYPE_REPORT_V2,
};

macro_rules! group_message {
    (
        $(#[$view_doc:meta])* view $view:ident,
        $(#[$repr_doc:meta])* repr $repr:ident,
        type $msg_type:expr,
        rfc $rfc:literal,
        $(#[$dest_doc:meta])* destination |$this:ident| $dest:expr
    ) => {
        $(#[$view_doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $view<'a> {
            hdr: &'a Header,
            bytes: &'a [u8],
        }

        impl<'a> $view<'a> {
            #[inline]
            pub(crate) fn new(hdr: &'a Header, bytes: &'a [u8]) -> Self {
                $view { hdr, bytes }
            }

            #[doc = concat!("Group Address (", $rfc, ").")]
            #[inline]
            pub fn group(&self) -> Ipv4Addr {
                self.hdr.group()
            }

            #[doc = concat!("Byte 1, unused in this message: sent as 0, ignored on receipt (", $rfc, ").")]
            #[inline]
            pub fn unused(&self) -> u8 {
                self.hdr.code
            }

            #[doc = concat!("The stored Checksum field (", $rfc, ").")]
            #[inline]
            pub fn checksum(&self) -> u16 {
                self.hdr.checksum.get()
            }

            /// Octets past the first 8: covered by the checksum, otherwise
            /// ignored (RFC 2236 §2.5). Empty in a well-formed message.
            #[inline]
            pub fn extra(&self) -> &'a [u8] {
                self.bytes.get(HEADER_LEN..).unwrap_or(&[])
            }

            /// The whole message, extra octets included.
            #[inline]
            pub fn as_bytes(&self) -> &'a [u8] {
                self.bytes
            }
        }

        impl fmt::Debug for $view<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($view))
                    .field("group", &self.group())
                    .field("unused", &self.unused())
                    .field("checksum", &format_args!("{:#06x}", self.checksum()))
                    .field("extra_len", &self.extra().len())
                    .finish()
            }
        }

        $(#[$repr_doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $repr {
            #[doc = concat!("The group reported on (", $rfc, ").")]
            pub group: Ipv4Addr,
        }

        impl $repr {
            /// The repr of a parsed message.
            #[inline]
            pub fn from_view(view: &$view<'_>) -> Self {
                $repr { group: view.group() }
            }

            /// Octets [`emit`](Self::emit) writes: 8.
            #[inline]
            pub const fn buffer_len(&self) -> usize {
                HEADER_LEN
            }

            /// Writes the message with its checksum into `buf`; returns 8.
            pub fn emit(&self, buf: &mut [u8]) -> Result<usize, IgmpEmitError> {
                check_buffer(buf, HEADER_LEN)?;
                write_header(buf, $msg_type, 0, self.group);
                fill_checksum(&mut buf[..HEADER_LEN]);
                Ok(HEADER_LEN)
            }

            $(#[$dest_doc])*
            #[inline]
            pub fn destination(&self) -> Ipv4Addr {
                let $this = self;
                $dest
            }
        }

        impl PartialEq<$repr> for $view<'_> {
            fn eq(&self, other: &$repr) -> bool {
                self.group() == other.group
            }
        }

        impl PartialEq<$view<'_>> for $repr {
            fn eq(&self, other: &$view<'_>) -> bool {
                self.group == other.group()
            }
        }
    };
}

group_message! {
    /// An IGMPv1 Membership Report, type 0x12 (RFC 1112 App. I).
    ///
    /// ```
    /// use ipv4kit_wire::igmp::IgmpMessage;
    /// use core::net::Ipv4Addr;
    ///
    /// // tcpdump IGMP_V1.pcap frame 3.
    /// let bytes = [0x12, 0x00, 0xfe, 0x04, 0xef, 0xff, 0xff, 0xfa];
    /// let IgmpMessage::ReportV1(r) = IgmpMessage::parse(&bytes).unwrap() else { panic!() };
    /// assert_eq!(r.group(), Ipv4Addr::new(239, 255, 255, 250));
    /// ```
    view ReportV1View,
    /// An IGMPv1 Membership Report to emit (RFC 1112 App. I), sent to the group.
    ///
    /// ```
    /// use ipv4kit_wire::igmp::ReportV1;
    /// use core::net::Ipv4Addr;
    ///
    /// let r = ReportV1 { group: Ipv4Addr::new(224, 0, 0, 252) };
    /// let mut buf = [0u8; 8];
    /// r.emit(&mut buf).unwrap();
    /// // tcpdump IGMP_V1.pcap frame 2.
    /// assert_eq!(buf, [0x12, 0x00, 0x0d, 0x03, 0xe0, 0x00, 0x00, 0xfc]);
    /// assert_eq!(r.destination(), r.group);
    /// ```
    repr ReportV1,
    type TYPE_REPORT_V1,
    rfc "RFC 1112 App. I",
    /// IPv4 destination: the group itself (RFC 1112 App. I).
    destination |r| r.group
}

group_message! {
    /// An IGMPv2 Membership Report, type 0x16 (RFC 2236 §2).
    ///
    /// ```
    /// use ipv4kit_wire::igmp::IgmpMessage;
    /// use core::net::Ipv4Addr;
    ///
    /// // smoltcp REPORT_PACKET_BYTES.
    /// let bytes = [0x16, 0x00, 0x08, 0xda, 0xe1, 0x00, 0x00, 0x25];
    /// let IgmpMessage::ReportV2(r) = IgmpMessage::parse(&bytes).unwrap() else { panic!() };
    /// assert_eq!(r.group(), Ipv4Addr::new(225, 0, 0, 37));
    /// assert_eq!(r.checksum(), 0x08da);
    /// ```
    view ReportV2View,
    /// An IGMPv2 Membership Report to emit (RFC 2236 §2), sent to the group.
    ///
    /// ```
    /// use ipv4kit_wire::igmp::ReportV2;
    /// use core::net::Ipv4Addr;
    ///
    /// let r = ReportV2 { group: Ipv4Addr::new(224, 0, 0, 1) };
    /// let mut buf = [0u8; 8];
    /// r.emit(&mut buf).unwrap();
    /// // etherparse's hand-computed vector.
    /// assert_eq!(buf, [0x16, 0x00, 0x09, 0xfe, 0xe0, 0x00, 0x00, 0x01]);
    /// ```
    repr ReportV2,
    type TYPE_REPORT_V2,
    rfc "RFC 2236 §2",
    /// IPv4 destination: the group itself (RFC 2236 §9).
    destination |r| r.group
}

group_message! {
    /// An IGMPv2 Leave Group, type 0x17 (RFC 2236 §2). Routers accept it sent
    /// to 224.0.0.2 or to the group (RFC 2236 §9, RFC 3376 §7.3.2).
    ///
    /// ```
    /// use ipv4kit_wire::igmp::IgmpMessage;
    /// use core::net::Ipv4Addr;
    ///
    /// // smoltcp LEAVE_PACKET_BYTES.
    /// let bytes = [0x17, 0x00, 0x02, 0x69, 0xe0, 0x00, 0x06, 0x96];
    /// let IgmpMessage::LeaveV2(l) = IgmpMessage::parse(&bytes).unwrap() else { panic!() };
    /// assert_eq!(l.group(), Ipv4Addr::new(224, 0, 6, 150));
    /// ```
    view LeaveV2View,
    /// An IGMPv2 Leave Group to emit (RFC 2236 §2), sent to 224.0.0.2.
    ///
    /// ```
    /// use ipv4kit_wire::igmp::LeaveV2;
    /// use core::net::Ipv4Addr;
    ///
    /// let l = LeaveV2 { group: Ipv4Addr::new(225, 1, 1, 3) };
    /// let mut buf = [0u8; 8];
    /// l.emit(&mut buf).unwrap();
    /// // tcpdump IGMP_V2.pcap frame 5.
    /// assert_eq!(buf, [0x17, 0x00, 0x06, 0xfb, 0xe1, 0x01, 0x01, 0x03]);
    /// assert_eq!(l.destination(), Ipv4Addr::new(224, 0, 0, 2));
    /// ```
    repr LeaveV2,
    type TYPE_LEAVE_V2,
    rfc "RFC 2236 §2",
    /// IPv4 destination: 224.0.0.2, all routers (RFC 2236 §9).
    destination |_l| ALL_ROUTERS
}

#[cfg(test)]
mod tests {
    use super::super::{IgmpError, IgmpMessage};
    use super::*;

    #[test]
    fn long_reports_are_read_as_their_first_eight_octets() {
        // A v2 report with 4 trailing octets, checksummed over all 12.
        let mut b = [0x16, 0x00, 0, 0, 0xe0, 0x00, 0x00, 0xfb, 1, 2, 3, 4];
        fill_checksum(&mut b);
        let IgmpMessage::ReportV2(r) = IgmpMessage::parse(&b).unwrap() else {
            panic!()
        };
        assert_eq!(r.group(), Ipv4Addr::new(224, 0, 0, 251));
        assert_eq!(r.extra(), [1, 2, 3, 4]);
        // The checksum over the first 8 alone would not do.
        let mut short_sum = b;
        short_sum[2..4].fill(0);
        fill_checksum(&mut short_sum[..8]);
        assert!(matches!(
            IgmpMessage::parse(&short_sum),
            Err(IgmpError::BadChecksum { .. })
        ));
    }

    #[test]
    fn unused_byte_is_exposed_and_ignored() {
        // zeek igmp-many-groups.pcap: v2 reports with byte 1 = 0x14.
        let b = [0x16, 0x14, 0xfa, 0xe9, 0xef, 0x00, 0x00, 0x01];
        let IgmpMessage::ReportV2(r) = IgmpMessage::parse(&b).unwrap() else {
            panic!()
        };
        assert_eq!(r.unused(), 0x14);
        assert_eq!(
            r,
            ReportV2 {
                group: Ipv4Addr::new(239, 0, 0, 1)
            }
        );
    }

    #[test]
    fn smoltcp_leave_is_reproduced_over_a_dirty_buffer() {
        let mut buf = [0xa5u8; 8];
        LeaveV2 {
            group: Ipv4Addr::new(224, 0, 6, 150),
        }
        .emit(&mut buf)
        .unwrap();
        assert_eq!(buf, [0x17, 0x00, 0x02, 0x69, 0xe0, 0x00, 0x06, 0x96]);
    }

    #[test]
    fn fuchsia_ipv4_packets_carry_these_igmp_messages() {
        // other-igmp-vectors.md A.2, IGMP parts of the full IPv4 packets.
        let mut buf = [0u8; 8];
        ReportV2 {
            group: Ipv4Addr::new(239, 1, 1, 1),
        }
        .emit(&mut buf)
        .unwrap();
        assert_eq!(buf, [0x16, 0x00, 0xf9, 0xfc, 0xef, 0x01, 0x01, 0x01]);
        LeaveV2 {
            group: Ipv4Addr::new(239, 1, 1, 1),
        }
        .emit(&mut buf)
        .unwrap();
        assert_eq!(buf, [0x17, 0x00, 0xf8, 0xfc, 0xef, 0x01, 0x01, 0x01]);
    }
}
