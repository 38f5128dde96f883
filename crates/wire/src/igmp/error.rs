//! Parse and emit errors for IGMP messages.

use core::fmt;

/// Why a byte string is not an acceptable IGMP message (RFC 1112 App. I,
/// RFC 2236 §2, RFC 3376 §4 and §7.1, RFC 9776 §4 and §7.1).
///
/// Returned by [`IgmpMessage::parse`](super::IgmpMessage::parse) and
/// [`IgmpMessage::parse_lenient`](super::IgmpMessage::parse_lenient). Each
/// variant carries the numbers that were wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IgmpError {
    /// Fewer than the 8 octets every IGMP message has (RFC 1112 App. I,
    /// RFC 2236 §2, RFC 3376 §4).
    MessageTooShort {
        /// Length of the message in octets.
        len: usize,
    },
    /// A Membership Query (type 0x11) of 9, 10 or 11 octets: neither v1/v2
    /// (exactly 8) nor v3 (12 or more), so RFC 3376/9776 §7.1 says it MUST be
    /// silently ignored. Surfaced as an error so the caller can count it.
    QueryLengthInvalid {
        /// Length of the message in octets.
        len: usize,
    },
    /// An IGMPv3 query whose Number of Sources needs more octets than the
    /// message has (RFC 3376 §4.1.8: 12 + 4·N octets at least).
    SourcesTruncated {
        /// Number of Sources (N) in the message.
        declared: u16,
        /// Whole source addresses the message has room for.
        available: usize,
    },
    /// An IGMPv3 report ends inside the 8-octet header of a group record
    /// (RFC 3376 §4.2.4).
    RecordHeaderTruncated {
        /// Zero-based index of the record.
        index: u16,
        /// Octets left for the record.
        available: usize,
    },
    /// An IGMPv3 group record whose sources and auxiliary data run past the
    /// end of the message (RFC 3376 §4.2.4: 8 + 4·N + 4·Aux Data Len octets).
    RecordTruncated {
        /// Zero-based index of the record.
        index: u16,
        /// Octets the record needs, header included.
        needed: usize,
        /// Octets left for the record.
        available: usize,
    },
    /// The checksum does not verify (RFC 3376/9776 §4.1.2, §4.2.2: it MUST be
    /// verified before the message is processed).
    BadChecksum {
        /// The checksum the message should carry.
        computed: u16,
        /// The checksum the message carries.
        stored: u16,
    },
}

impl fmt::Display for IgmpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            IgmpError::MessageTooShort { len } => write!(
                f,
                "IGMP message of {len} octets is shorter than the 8-octet minimum"
            ),
            IgmpError::QueryLengthInvalid { len } => write!(
                f,
                "IGMP membership query of {len} octets is neither 8 (v1/v2) nor at least 12 (v3) octets long"
            ),
            IgmpError::SourcesTruncated { declared, available } => write!(
                f,
                "IGMPv3 query declares {declared} sources but has room for only {available}"
            ),
            IgmpError::RecordHeaderTruncated { index, available } => write!(
                f,
                "IGMPv3 report group record {index} has only {available} octets left for its 8-octet header"
            ),
            IgmpError::RecordTruncated {
                index,
                needed,
                available,
            } => write!(
                f,
                "IGMPv3 report group record {index} needs {needed} octets but only {available} are left"
            ),
            IgmpError::BadChecksum { computed, stored } => write!(
                f,
                "IGMP checksum is {stored:#06x} but the message sums to {computed:#06x}"
            ),
        }
    }
}

impl core::error::Error for IgmpError {}

/// Why a repr could not be written (RFC 3376 §4 field limits, or the caller's
/// buffer).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IgmpEmitError {
    /// The output buffer is shorter than the message.
    BufferTooShort {
        /// Octets the message needs.
        needed: usize,
        /// Octets the buffer has.
        available: usize,
    },
    /// More sources than the 16-bit Number of Sources field can count
    /// (RFC 3376 §4.1.8, §4.2.6).
    TooManySources {
        /// Number of sources given.
        count: usize,
    },
    /// More group records than the 16-bit Number of Group Records field can
    /// count (RFC 3376 §4.2.3).
    TooManyRecords {
        /// Number of records given.
        count: usize,
    },
    /// Auxiliary data must be whole 32-bit words, at most 255 of them (RFC 3376
    /// §4.2.6, §4.2.10).
    AuxDataInvalid {
        /// Length of the auxiliary data in octets.
        len: usize,
    },
    /// The size budget given to the report splitter cannot hold even one group
    /// record with one source (RFC 3376 §4.2.16).
    BudgetTooSmall {
        /// The budget (maximum IGMP message length) in octets.
        max_len: usize,
        /// The smallest budget that would do for the record at hand.
        needed: usize,
    },
}

impl fmt::Display for IgmpEmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            IgmpEmitError::BufferTooShort { needed, available } => write!(
                f,
                "IGMP message needs {needed} octets but the buffer has {available}"
            ),
            IgmpEmitError::TooManySources { count } => write!(
                f,
                "{count} sources do not fit the 16-bit Number of Sources field"
            ),
            IgmpEmitError::TooManyRecords { count } => write!(
                f,
                "{count} group records do not fit the 16-bit Number of Group Records field"
            ),
            IgmpEmitError::AuxDataInvalid { len } => write!(
                f,
                "auxiliary data of {len} octets is not a whole number of 32-bit words up to 255 words"
            ),
            IgmpEmitError::BudgetTooSmall { max_len, needed } => write!(
                f,
                "IGMPv3 report budget of {max_len} octets is below the {needed} octets one group record needs"
            ),
        }
    }
}

impl core::error::Error for IgmpEmitError {}

crate::gmp::impl_from_gmp_errors!(IgmpError, IgmpEmitError);

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::string::ToString;

    #[test]
    fn parse_errors_display_name_fields_and_numbers() {
        let cases = [
            (
                IgmpError::MessageTooShort { len: 4 },
                "IGMP message of 4 octets is shorter than the 8-octet minimum",
            ),
            (
                IgmpError::QueryLengthInvalid { len: 10 },
                "IGMP membership query of 10 octets is neither 8 (v1/v2) nor at least 12 (v3) octets long",
            ),
            (
                IgmpError::SourcesTruncated { declared: 65535, available: 1 },
                "IGMPv3 query declares 65535 sources but has room for only 1",
            ),
            (
                IgmpError::RecordHeaderTruncated { index: 2, available: 3 },
                "IGMPv3 report group record 2 has only 3 octets left for its 8-octet header",
            ),
            (
                IgmpError::RecordTruncated { index: 0, needed: 24, available: 8 },
                "IGMPv3 report group record 0 needs 24 octets but only 8 are left",
            ),
            (
                IgmpError::BadChecksum { computed: 0x0904, stored: 0x0905 },
                "IGMP checksum is 0x0905 but the message sums to 0x0904",
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
                IgmpEmitError::BufferTooShort {
                    needed: 12,
                    available: 8,
                },
                "IGMP message needs 12 octets but the buffer has 8",
            ),
            (
                IgmpEmitError::TooManySources { count: 70000 },
                "70000 sources do not fit the 16-bit Number of Sources field",
            ),
            (
                IgmpEmitError::TooManyRecords { count: 65536 },
                "65536 group records do not fit the 16-bit Number of Group Records field",
            ),
            (
                IgmpEmitError::AuxDataInvalid { len: 3 },
                "auxiliary data of 3 octets is not a whole number of 32-bit words up to 255 words",
            ),
            (
                IgmpEmitError::BudgetTooSmall {
                    max_len: 16,
                    needed: 20,
                },
                "IGMPv3 report budget of 16 octets is below the 20 octets one group record needs",
            ),
        ];
        for (e, text) in cases {
            assert_eq!(e.to_string(), text);
        }
    }

    #[test]
    fn errors_are_copy_clone_eq_hash_and_std_errors() {
        let a = IgmpError::QueryLengthInvalid { len: 9 };
        let b = a; // Copy
        #[allow(clippy::clone_on_copy)]
        let c = a.clone();
        assert_eq!(b, c);
        let set: HashSet<IgmpError> = [a, b, IgmpError::MessageTooShort { len: 9 }].into();
        assert_eq!(set.len(), 2);
        let e: &dyn core::error::Error = &a;
        assert!(e.source().is_none());

        let x = IgmpEmitError::TooManySources { count: 1 };
        #[allow(clippy::clone_on_copy)]
        let y = x.clone();
        let set: HashSet<IgmpEmitError> = [x, y].into();
        assert_eq!(set.len(), 1);
        let e: &dyn core::error::Error = &x;
        assert!(!e.to_string().is_empty());
    }
}
