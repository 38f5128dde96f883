//! MLDv1 (RFC 2710 §3): Multicast Listener Query, Report and Done, 24 octets
//! each: type, code, checksum, Maximum Response Delay, reserved, address.

use core::fmt;
use core::net::Ipv6Addr;
use core::time::Duration;

use super::{
    check_buffer, fill_checksum, query_destination, write_header, MldEmitError, MldHeader, MldRepr,
    ALL_ROUTERS, MLDV1_LEN, TYPE_DONE_V1, TYPE_QUERY, TYPE_REPORT_V1,
};

macro_rules! v1_message {
    (
        $(#[$view_doc:meta])* view $view:ident,
        $(#[$repr_doc:meta])* repr $repr:ident { $($field:ident : $fty:ty),* },
        type $msg_type:expr,
        delay |$r:ident| $delay:expr,
        $(#[$dest_doc:meta])* destination |$this:ident| $dest:expr
    ) => {
        $(#[$view_doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $view<'a> {
            hdr: &'a MldHeader,
            bytes: &'a [u8],
        }

        impl<'a> $view<'a> {
            #[inline]
            pub(crate) fn new(hdr: &'a MldHeader, bytes: &'a [u8]) -> Self {
                $view { hdr, bytes }
            }

            /// Multicast Address (RFC 2710 §3.6).
            #[inline]
            pub fn group(&self) -> Ipv6Addr {
                Ipv6Addr::from(self.hdr.group)
            }

            /// Maximum Response Delay in milliseconds, linear (RFC 2710 §3.4);
            /// meaningful in queries, sent as 0 elsewhere.
            #[inline]
            pub fn max_resp_delay(&self) -> u16 {
                self.hdr.max_resp.get()
            }

            /// Code, sent as 0 and ignored (RFC 2710 §3.2).
            #[inline]
            pub fn code(&self) -> u8 {
                self.hdr.code
            }

            /// Reserved octets 6–7, sent as 0 and ignored (RFC 2710 §3.5).
            #[inline]
            pub fn reserved(&self) -> u16 {
                self.hdr.reserved.get()
            }

            /// The stored Checksum field (RFC 2710 §3.3).
            #[inline]
            pub fn checksum(&self) -> u16 {
                self.hdr.checksum.get()
            }

            /// Octets past the first 24: covered by the checksum, otherwise
            /// ignored (RFC 2710 §3.7). Empty in a well-formed message.
            #[inline]
            pub fn extra(&self) -> &'a [u8] {
                self.bytes.get(MLDV1_LEN..).unwrap_or(&[])
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
                    .field("max_resp_delay", &self.max_resp_delay())
                    .field("checksum", &format_args!("{:#06x}", self.checksum()))
                    .field("extra_len", &self.extra().len())
                    .finish()
            }
        }

        $(#[$repr_doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $repr {
            $(
                #[doc = concat!("The `", stringify!($field), "` field (RFC 2710 §3).")]
                pub $field: $fty,
            )*
        }

        impl $repr {
            /// Octets [`emit`](MldRepr::emit) writes: 24.
            #[inline]
            pub const fn buffer_len(&self) -> usize {
                MLDV1_LEN
            }

            /// Writes the message with its checksum for `src` → `dst` into
            /// `buf`; returns 24.
            pub fn emit(&self, src: Ipv6Addr, dst: Ipv6Addr, buf: &mut [u8]) -> Result<usize, MldEmitError> {
                check_buffer(buf, MLDV1_LEN)?;
                let $r = self;
                write_header(buf, $msg_type, $delay, $r.group);
                fill_checksum(src, dst, &mut buf[..MLDV1_LEN]);
                Ok(MLDV1_LEN)
            }

            $(#[$dest_doc])*
            #[inline]
            pub fn destination(&self) -> Ipv6Addr {
                let $this = self;
                $dest
            }
        }

        impl MldRepr for $repr {
            #[inline]
            fn buffer_len(&self) -> usize {
                MLDV1_LEN
            }
            #[inline]
            fn emit(&self, src: Ipv6Addr, dst: Ipv6Addr, buf: &mut [u8]) -> Result<usize, MldEmitError> {
                $repr::emit(self, src, dst, buf)
            }
            #[inline]
            fn destination(&self) -> Ipv6Addr {
                $repr::destination(self)
            }
        }

        impl PartialEq<$repr> for $view<'_> {
            fn eq(&self, other: &$repr) -> bool {
                let $r = other;
                self.group() == $r.group && self.max_resp_delay() == $delay
            }
        }
    };
}

v1_message! {
    /// An MLDv1 Multicast Listener Query: type 130, exactly 24 octets
    /// (RFC 2710 §3, RFC 3810 §8.1). Group `::` is a General Query.
    ///
    /// ```
    /// use ipv4kit_wire::mld::MldMessage;
    ///
    /// // zeek icmp6-mld-query.pcap: MRD 10000 ms, General Query.
    /// let src = "2001:db8::527:cdf4".parse().unwrap();
    /// let dst = "ff02::1".parse().unwrap();
    /// let mut msg = [0u8; 24];
    /// msg[0] = 130;
    /// msg[4..6].copy_from_slice(&10_000u16.to_be_bytes());
    /// let c = ipv4kit_wire::checksum::icmpv6_checksum(src, dst, &msg);
    /// msg[2..4].copy_from_slice(&c.to_be_bytes());
    /// let MldMessage::QueryV1(q) = MldMessage::parse(&msg, src, dst).unwrap() else { panic!() };
    /// assert_eq!(q.max_resp_delay(), 10_000);
    /// assert!(q.group().is_unspecified());
    /// ```
    view QueryV1View,
    /// An MLDv1 Query to emit (RFC 2710 §3): to ff02::1 when general, to the
    /// group otherwise.
    repr QueryV1 { max_resp_delay: u16, group: Ipv6Addr },
    type TYPE_QUERY,
    delay |r| r.max_resp_delay,
    /// IPv6 destination: ff02::1 for a General Query, the group otherwise (RFC 2710 §8).
    destination |q| query_destination(q.group)
}

impl QueryV1View<'_> {
    /// Whether this is a General Query (address `::`, RFC 2710 §3.6).
    #[inline]
    pub fn is_general(&self) -> bool {
        self.group().is_unspecified()
    }

    /// [`max_resp_delay`](Self::max_resp_delay) as a [`Duration`].
    #[inline]
    pub fn max_resp_duration(&self) -> Duration {
        Duration::from_millis(u64::from(self.max_resp_delay()))
    }
}

v1_message! {
    /// An MLDv1 Multicast Listener Report: type 131 (RFC 2710 §3).
    view ReportV1View,
    /// An MLDv1 Report to emit (RFC 2710 §3), sent to the group.
    ///
    /// ```
    /// use ipv4kit_wire::mld::{MldMessage, ReportV1};
    ///
    /// let src = "fe80::1".parse().unwrap();
    /// let r = ReportV1 { group: "ff02::1:ff0e:4c67".parse().unwrap() };
    /// let mut buf = [0u8; 24];
    /// r.emit(src, r.destination(), &mut buf).unwrap();
    /// assert!(matches!(MldMessage::parse(&buf, src, r.group), Ok(MldMessage::ReportV1(v)) if v == r));
    /// ```
    repr ReportV1 { group: Ipv6Addr },
    type TYPE_REPORT_V1,
    delay |_r| 0,
    /// IPv6 destination: the group (RFC 2710 §8).
    destination |r| r.group
}

v1_message! {
    /// An MLDv1 Multicast Listener Done: type 132 (RFC 2710 §3).
    view DoneV1View,
    /// An MLDv1 Done to emit (RFC 2710 §3), sent to ff02::2.
    repr DoneV1 { group: Ipv6Addr },
    type TYPE_DONE_V1,
    delay |_r| 0,
    /// IPv6 destination: ff02::2, all routers (RFC 2710 §8).
    destination |_d| ALL_ROUTERS
}
