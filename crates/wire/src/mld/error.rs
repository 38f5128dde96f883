//! Parse and emit errors for MLD messages.

use core::fmt;

use crate::ipv6::Ipv6Error;

/// Why bytes are not an acceptable MLD message or datagram (RFC 2710 §3,
/// RFC 3810 §5 and §8.1, RFC 9777).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MldError {
    /// Shorter than the message type needs: 24 octets for queries, v1
    /// reports and dones (RFC 2710 §3), 8 for v2 reports (RFC 3810 §5.2),
    /// 4 (the ICMPv6 header) for anything.
    MessageTooShort {
        /// Length of the message in octets.
        len: usize,
        /// Octets the type needs.
        needed: usize,
    },
    /// A Multicast Listener Query of 25, 26 or 27 octets: neither MLDv1
    /// (24) nor MLDv2 (28 or more), so RFC 3810 §8.1 says it MUST be ignored.
    QueryLengthInvalid {
        /// Length of the message in octets.
        len: usize,
    },
    /// An MLDv2 query whose Number of Sources needs more octets than the
    /// message has (RFC 3810 §5.1.10: 28 + 16·N octets at least).
    SourcesTruncated {
        /// Number of Sources (N) in the message.
        declared: u16,
        /// Whole source addresses the message has room for.
        available: usize,
    },
    /// An MLDv2 report ends inside the 20-octet fixed part of a multicast
    /// address record (RFC 3810 §5.2.4).
    RecordHeaderTruncated {
        /// Zero-based index of the record.
        index: u16,
        /// Octets left for the record.
        available: usize,
    },
    /// An MLDv2 multicast address record whose sources and auxiliary data run
    /// past the end of the message (20 + 16·N + 4·Aux Data Len octets).
    RecordTruncated {
        /// Zero-based index of the record.
        index: u16,
        /// Octets the record needs, fixed part included.
        needed: usize,
        /// Octets left for the record.
        available: usize,
    },
    /// The ICMPv6 checksum over the pseudo-header and the message does not
    /// verify (RFC 3810 §5.1.2, §5.2.2: MUST be verified before processing).
    BadChecksum {
        /// The checksum the message should carry.
        computed: u16,
        /// The checksum the message carries.
        stored: u16,
    },
    /// The IPv6 header or its extension headers do not parse.
    Ipv6(Ipv6Error),
    /// The datagram's upper layer is not ICMPv6.
    NotIcmpv6 {
        /// The upper-layer Next Header value found.
        next_header: u8,
    },
}

impl fmt::Display for MldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            MldError::MessageTooShort { len, needed } => write!(
                f,
                "MLD message of {len} octets is shorter than the {needed} octets its type needs"
            ),
            MldError::QueryLengthInvalid { len } => write!(
                f,
                "MLD query of {len} octets is neither 24 (v1) nor at least 28 (v2) octets long"
            ),
            MldError::SourcesTruncated { declared, available } => write!(
                f,
                "MLDv2 query declares {declared} sources but has room for only {available}"
            ),
            MldError::RecordHeaderTruncated { index, available } => write!(
                f,
                "MLDv2 report address record {index} has only {available} octets left for its 20-octet header"
            ),
            MldError::RecordTruncated {
                index,
                needed,
                available,
            } => write!(
                f,
                "MLDv2 report address record {index} needs {needed} octets but only {available} are left"
            ),
            MldError::BadChecksum { computed, stored } => write!(
                f,
                "MLD checksum is {stored:#06x} but the message and pseudo-header sum to {computed:#06x}"
            ),
            MldError::Ipv6(e) => write!(f, "MLD datagram: {e}"),
            MldError::NotIcmpv6 { next_header } => write!(
                f,
                "MLD datagram carries next header {next_header}, not ICMPv6 (58)"
            ),
        }
    }
}

impl core::error::Error for MldError {}

impl From<Ipv6Error> for MldError {
    fn from(e: Ipv6Error) -> Self {
        MldError::Ipv6(e)
    }
}

crate::gmp::impl_from_gmp_errors!(MldError, MldEmitError);

/// Why an MLD repr could not be written (RFC 3810 §5 field limits, or the
/// caller's buffer).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MldEmitError {
    /// The output buffer is shorter than the message.
    BufferTooShort {
        /// Octets the message needs.
        needed: usize,
        /// Octets the buffer has.
        available: usize,
    },
    /// More sources than the 16-bit Number of Sources field counts.
    TooManySources {
        /// Number of sources given.
        count: usize,
    },
    /// More records than the 16-bit Nr of Mcast Address Records field counts.
    TooManyRecords {
        /// Number of records given.
        count: usize,
    },
    /// Auxiliary data that is not whole 32-bit words, at most 255.
    AuxDataInvalid {
        /// Length of the auxiliary data in octets.
        len: usize,
    },
    /// The size budget given to the report splitter cannot hold one record
    /// with one source (RFC 3810 §5.2.15).
    BudgetTooSmall {
        /// The budget in octets.
        max_len: usize,
        /// The smallest budget that would do.
        needed: usize,
    },
    /// The message does not fit one IPv6 datagram with the hop-by-hop header
    /// (Payload Length is 16 bits).
    MessageTooLong {
        /// Octets of the message.
        len: usize,
    },
}

impl fmt::Display for MldEmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            MldEmitError::BufferTooShort { needed, available } => write!(
                f,
                "MLD message needs {needed} octets but the buffer has {available}"
            ),
            MldEmitError::TooManySources { count } => write!(
                f,
                "{count} sources do not fit the 16-bit Number of Sources field"
            ),
            MldEmitError::TooManyRecords { count } => write!(
                f,
                "{count} address records do not fit the 16-bit Nr of Mcast Address Records field"
            ),
            MldEmitError::AuxDataInvalid { len } => write!(
                f,
                "auxiliary data of {len} octets is not a whole number of 32-bit words up to 255 words"
            ),
            MldEmitError::BudgetTooSmall { max_len, needed } => write!(
                f,
                "MLDv2 report budget of {max_len} octets is below the {needed} octets one address record needs"
            ),
            MldEmitError::MessageTooLong { len } => write!(
                f,
                "MLD message of {len} octets does not fit one IPv6 datagram"
            ),
        }
    }
}

impl core::error::Error for MldEmitError {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::string::ToString;

    #[test]
    fn parse_errors_display_name_fields_and_numbers() {
        let cases = [
            (
                MldError::MessageTooShort {
                    len: 20,
                    needed: 24,
                },
                "MLD message of 20 octets is shorter than the 24 octets its type needs",
            ),
            (
                MldError::QueryLengthInvalid { len: 26 },
                "MLD query of 26 octets is neither 24 (v1) nor at least 28 (v2) octets long",
            ),
            (
                MldError::SourcesTruncated {
                    declared: 3,
                    available: 2,
                },
                "MLDv2 query declares 3 sources but has room for only 2",
            ),
            (
                MldError::RecordHeaderTruncated {
                    index: 1,
                    available: 4,
                },
                "MLDv2 report address record 1 has only 4 octets left for its 20-octet header",
            ),
            (
                MldError::RecordTruncated {
                    index: 0,
                    needed: 68,
                    available: 52,
                },
                "MLDv2 report address record 0 needs 68 octets but only 52 are left",
            ),
            (
                MldError::BadChecksum {
                    computed: 0x623a,
                    stored: 0x623b,
                },
                "MLD checksum is 0x623b but the message and pseudo-header sum to 0x623a",
            ),
            (
                MldError::Ipv6(Ipv6Error::UnexpectedVersion { version: 4 }),
                "MLD datagram: IPv6 header has version 4, not 6",
            ),
            (
                MldError::NotIcmpv6 { next_header: 17 },
                "MLD datagram carries next header 17, not ICMPv6 (58)",
            ),
        ];
        for (e, text) in cases {
            assert_eq!(e.to_string(), text);
        }
    }

    #[test]
    fn emit_errors_display_name_fields_and_numbers() {
        let cases = [
            (
                MldEmitError::BufferTooShort {
                    needed: 24,
                    available: 8,
                },
                "MLD message needs 24 octets but the buffer has 8",
            ),
            (
                MldEmitError::TooManySources { count: 70000 },
                "70000 sources do not fit the 16-bit Number of Sources field",
            ),
            (
                MldEmitError::TooManyRecords { count: 70000 },
                "70000 address records do not fit the 16-bit Nr of Mcast Address Records field",
            ),
            (
                MldEmitError::AuxDataInvalid { len: 2 },
                "auxiliary data of 2 octets is not a whole number of 32-bit words up to 255 words",
            ),
            (
                MldEmitError::BudgetTooSmall {
                    max_len: 20,
                    needed: 44,
                },
                "MLDv2 report budget of 20 octets is below the 44 octets one address record needs",
            ),
            (
                MldEmitError::MessageTooLong { len: 70000 },
                "MLD message of 70000 octets does not fit one IPv6 datagram",
            ),
        ];
        for (e, text) in cases {
            assert_eq!(e.to_string(), text);
        }
    }

    #[test]
    fn errors_are_copy_clone_eq_hash_and_std_errors() {
        let a = MldError::QueryLengthInvalid { len: 25 };
        #[allow(clippy::clone_on_copy)]
        let b = a.clone();
        let set: HashSet<MldError> = [a, b, MldError::NotIcmpv6 { next_header: 6 }].into();
        assert_eq!(set.len(), 2);
        let e: &dyn core::error::Error = &a;
        assert!(e.source().is_none());
        let x = MldEmitError::MessageTooLong { len: 1 };
        let set: HashSet<MldEmitError> = [x, x].into();
        assert_eq!(set.len(), 1);
    }
}
