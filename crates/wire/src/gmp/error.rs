//! Errors of the shared group-record code, converted by each protocol into
//! its own error type (which names the protocol in its message).

use core::fmt;

/// Why a group record chain does not fit its report (RFC 3376 §4.2.4,
/// RFC 3810 §5.2.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RecordError {
    /// The report ends inside a record's fixed part.
    HeaderTruncated {
        /// Zero-based index of the record.
        index: u16,
        /// Octets left for the record.
        available: usize,
    },
    /// A record's sources and auxiliary data run past the end of the report.
    Truncated {
        /// Zero-based index of the record.
        index: u16,
        /// Octets the record needs, fixed part included.
        needed: usize,
        /// Octets left for the record.
        available: usize,
    },
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            RecordError::HeaderTruncated { index, available } => write!(
                f,
                "group record {index} has only {available} octets left for its fixed part"
            ),
            RecordError::Truncated {
                index,
                needed,
                available,
            } => write!(
                f,
                "group record {index} needs {needed} octets but only {available} are left"
            ),
        }
    }
}

impl core::error::Error for RecordError {}

/// Why a report could not be written (the field limits of RFC 3376 §4.2 and
/// RFC 3810 §5.2, or the caller's buffer). Converted into
/// [`IgmpEmitError`](crate::igmp::IgmpEmitError) and
/// [`MldEmitError`](crate::mld::MldEmitError).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GmpEmitError {
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
    /// More records than the 16-bit record count field counts.
    TooManyRecords {
        /// Number of records given.
        count: usize,
    },
    /// Auxiliary data that is not whole 32-bit words, at most 255.
    AuxDataInvalid {
        /// Length of the auxiliary data in octets.
        len: usize,
    },
    /// The size budget cannot hold one record with one source.
    BudgetTooSmall {
        /// The budget in octets.
        max_len: usize,
        /// The smallest budget that would do for the record at hand.
        needed: usize,
    },
}

impl fmt::Display for GmpEmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            GmpEmitError::BufferTooShort { needed, available } => write!(
                f,
                "report needs {needed} octets but the buffer has {available}"
            ),
            GmpEmitError::TooManySources { count } => write!(
                f,
                "{count} sources do not fit the 16-bit Number of Sources field"
            ),
            GmpEmitError::TooManyRecords { count } => write!(
                f,
                "{count} records do not fit the 16-bit record count field"
            ),
            GmpEmitError::AuxDataInvalid { len } => write!(
                f,
                "auxiliary data of {len} octets is not a whole number of 32-bit words up to 255 words"
            ),
            GmpEmitError::BudgetTooSmall { max_len, needed } => write!(
                f,
                "report budget of {max_len} octets is below the {needed} octets one record needs"
            ),
        }
    }
}

impl core::error::Error for GmpEmitError {}

/// `From<RecordError>` for a protocol's parse error and `From<GmpEmitError>`
/// for its emit error, whose variants carry the shared variants' names
/// (`RecordHeaderTruncated`, `RecordTruncated`; the emit variants as they are)
/// and fields: written once for IGMP and MLD.
macro_rules! impl_from_gmp_errors {
    ($parse:ident, $emit:ident) => {
        impl From<$crate::gmp::RecordError> for $parse {
            fn from(e: $crate::gmp::RecordError) -> Self {
                use $crate::gmp::RecordError;
                match e {
                    RecordError::HeaderTruncated { index, available } => {
                        $parse::RecordHeaderTruncated { index, available }
                    }
                    RecordError::Truncated {
                        index,
                        needed,
                        available,
                    } => $parse::RecordTruncated {
                        index,
                        needed,
                        available,
                    },
                }
            }
        }

        impl From<$crate::gmp::GmpEmitError> for $emit {
            fn from(e: $crate::gmp::GmpEmitError) -> Self {
                use $crate::gmp::GmpEmitError;
                match e {
                    GmpEmitError::BufferTooShort { needed, available } => {
                        $emit::BufferTooShort { needed, available }
                    }
                    GmpEmitError::TooManySources { count } => $emit::TooManySources { count },
                    GmpEmitError::TooManyRecords { count } => $emit::TooManyRecords { count },
                    GmpEmitError::AuxDataInvalid { len } => $emit::AuxDataInvalid { len },
                    GmpEmitError::BudgetTooSmall { max_len, needed } => {
                        $emit::BudgetTooSmall { max_len, needed }
                    }
                }
            }
        }
    };
}
pub(crate) use impl_from_gmp_errors;

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn errors_display_their_numbers() {
        assert_eq!(
            RecordError::Truncated {
                index: 1,
                needed: 36,
                available: 20
            }
            .to_string(),
            "group record 1 needs 36 octets but only 20 are left"
        );
        assert_eq!(
            RecordError::HeaderTruncated {
                index: 0,
                available: 3
            }
            .to_string(),
            "group record 0 has only 3 octets left for its fixed part"
        );
        for (e, text) in [
            (
                GmpEmitError::BufferTooShort {
                    needed: 9,
                    available: 8,
                },
                "report needs 9 octets but the buffer has 8",
            ),
            (
                GmpEmitError::TooManySources { count: 70000 },
                "70000 sources do not fit the 16-bit Number of Sources field",
            ),
            (
                GmpEmitError::TooManyRecords { count: 70000 },
                "70000 records do not fit the 16-bit record count field",
            ),
            (
                GmpEmitError::AuxDataInvalid { len: 3 },
                "auxiliary data of 3 octets is not a whole number of 32-bit words up to 255 words",
            ),
            (
                GmpEmitError::BudgetTooSmall {
                    max_len: 8,
                    needed: 20,
                },
                "report budget of 8 octets is below the 20 octets one record needs",
            ),
        ] {
            assert_eq!(e.to_string(), text);
        }
    }
}
