//! Error types of the IPv6 codec: small `Copy` enums whose variants carry the
//! offending numbers and whose `Display` names the field (RFC 8200).

use core::fmt;

/// Why bytes are not a usable IPv6 packet (RFC 8200 §3, §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Ipv6Error {
    /// The buffer is shorter than the 40-octet fixed header (RFC 8200 §3).
    BufferTooShort {
        /// Octets in the buffer.
        available: usize,
    },
    /// The Version field is not 6 (RFC 8200 §3).
    UnexpectedVersion {
        /// The version found.
        version: u8,
    },
    /// Payload Length reaches beyond the end of the buffer (a truncated packet).
    PayloadLenBeyondBuffer {
        /// The Payload Length field.
        payload_len: u16,
        /// Octets after the fixed header in the buffer.
        available: usize,
    },
    /// An extension header runs past the end of the payload (RFC 8200 §4).
    ExtHeaderTruncated {
        /// The Next Header value that announced it (0, 43, 44 or 60).
        header: u8,
        /// Its offset from the start of the payload.
        offset: usize,
        /// Octets it needs.
        needed: usize,
        /// Octets left in the payload.
        available: usize,
    },
    /// A Hop-by-Hop Options header somewhere other than right after the fixed
    /// header (RFC 8200 §4.1: it MUST immediately follow the IPv6 header).
    HopByHopNotFirst {
        /// Its offset from the start of the payload.
        offset: usize,
    },
    /// More extension headers than the walk accepts
    /// ([`MAX_EXT_HEADERS`](super::MAX_EXT_HEADERS)): a hostile chain.
    TooManyExtHeaders {
        /// The limit.
        limit: usize,
    },
    /// An option in a Hop-by-Hop or Destination Options header runs past the
    /// end of the header (RFC 8200 §4.2).
    OptionTruncated {
        /// The Option Type.
        option_type: u8,
        /// Offset of the option within the options area.
        offset: usize,
    },
    /// A Router Alert option whose Opt Data Len is not 2 (RFC 2711 §2.1).
    RouterAlertLenInvalid {
        /// The Opt Data Len found.
        len: u8,
    },
    /// More than one Router Alert option in one header (RFC 2711 §2.1: at most one).
    RouterAlertRepeated,
}

impl fmt::Display for Ipv6Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Ipv6Error::BufferTooShort { available } => write!(
                f,
                "IPv6 packet of {available} octets is shorter than the 40-octet fixed header"
            ),
            Ipv6Error::UnexpectedVersion { version } => {
                write!(f, "IPv6 header has version {version}, not 6")
            }
            Ipv6Error::PayloadLenBeyondBuffer {
                payload_len,
                available,
            } => write!(
                f,
                "IPv6 payload length {payload_len} is beyond the {available} octets after the header"
            ),
            Ipv6Error::ExtHeaderTruncated {
                header,
                offset,
                needed,
                available,
            } => write!(
                f,
                "IPv6 extension header {header} at payload offset {offset} needs {needed} octets but only {available} are left"
            ),
            Ipv6Error::HopByHopNotFirst { offset } => write!(
                f,
                "IPv6 hop-by-hop options header at payload offset {offset} does not follow the fixed header"
            ),
            Ipv6Error::TooManyExtHeaders { limit } => {
                write!(f, "IPv6 packet has more than {limit} extension headers")
            }
            Ipv6Error::OptionTruncated {
                option_type,
                offset,
            } => write!(
                f,
                "IPv6 option of type {option_type:#04x} at offset {offset} runs past the end of its header"
            ),
            Ipv6Error::RouterAlertLenInvalid { len } => write!(
                f,
                "IPv6 router alert option has data length {len}, not 2"
            ),
            Ipv6Error::RouterAlertRepeated => {
                write!(f, "IPv6 header carries more than one router alert option")
            }
        }
    }
}

impl core::error::Error for Ipv6Error {}

/// Why an IPv6 header or extension header could not be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Ipv6EmitError {
    /// The output buffer is shorter than what is to be written.
    BufferTooShort {
        /// Octets needed.
        needed: usize,
        /// Octets the buffer has.
        available: usize,
    },
    /// The options do not fit one header: at most 2048 octets (RFC 8200 §4.3,
    /// Hdr Ext Len is 8 bits), or an option's data is over 255 octets.
    OptionsTooLong {
        /// Octets the options and their padding take.
        len: usize,
    },
}

impl fmt::Display for Ipv6EmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Ipv6EmitError::BufferTooShort { needed, available } => write!(
                f,
                "IPv6 header needs {needed} octets but the buffer has {available}"
            ),
            Ipv6EmitError::OptionsTooLong { len } => write!(
                f,
                "IPv6 options of {len} octets do not fit one extension header"
            ),
        }
    }
}

impl core::error::Error for Ipv6EmitError {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::string::ToString;

    #[test]
    fn errors_display_name_fields_and_numbers() {
        let cases = [
            (
                Ipv6Error::BufferTooShort { available: 12 },
                "IPv6 packet of 12 octets is shorter than the 40-octet fixed header",
            ),
            (
                Ipv6Error::UnexpectedVersion { version: 4 },
                "IPv6 header has version 4, not 6",
            ),
            (
                Ipv6Error::PayloadLenBeyondBuffer {
                    payload_len: 36,
                    available: 30,
                },
                "IPv6 payload length 36 is beyond the 30 octets after the header",
            ),
            (
                Ipv6Error::ExtHeaderTruncated {
                    header: 0,
                    offset: 0,
                    needed: 16,
                    available: 8,
                },
                "IPv6 extension header 0 at payload offset 0 needs 16 octets but only 8 are left",
            ),
            (
                Ipv6Error::HopByHopNotFirst { offset: 8 },
                "IPv6 hop-by-hop options header at payload offset 8 does not follow the fixed header",
            ),
            (
                Ipv6Error::TooManyExtHeaders { limit: 16 },
                "IPv6 packet has more than 16 extension headers",
            ),
            (
                Ipv6Error::OptionTruncated {
                    option_type: 5,
                    offset: 4,
                },
                "IPv6 option of type 0x05 at offset 4 runs past the end of its header",
            ),
            (
                Ipv6Error::RouterAlertLenInvalid { len: 3 },
                "IPv6 router alert option has data length 3, not 2",
            ),
            (
                Ipv6Error::RouterAlertRepeated,
                "IPv6 header carries more than one router alert option",
            ),
        ];
        for (e, text) in cases {
            assert_eq!(e.to_string(), text);
        }
        assert_eq!(
            Ipv6EmitError::BufferTooShort {
                needed: 40,
                available: 2
            }
            .to_string(),
            "IPv6 header needs 40 octets but the buffer has 2"
        );
        assert_eq!(
            Ipv6EmitError::OptionsTooLong { len: 3000 }.to_string(),
            "IPv6 options of 3000 octets do not fit one extension header"
        );
    }

    #[test]
    fn errors_are_copy_clone_eq_hash() {
        let a = Ipv6Error::RouterAlertRepeated;
        #[allow(clippy::clone_on_copy)]
        let b = a.clone();
        let set: HashSet<Ipv6Error> = [a, b, Ipv6Error::BufferTooShort { available: 1 }].into();
        assert_eq!(set.len(), 2);
        let x = Ipv6EmitError::OptionsTooLong { len: 1 };
        let set: HashSet<Ipv6EmitError> = [x, x].into();
        assert_eq!(set.len(), 1);
    }
}
