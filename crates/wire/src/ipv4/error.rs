//! Error types of the IPv4 codec: small `Copy` enums whose variants carry the
//! offending numbers and whose `Display` names the field (RFC 791 §3.1).

use core::fmt;

use super::limits::{MAX_OPTIONS_LEN, MAX_TOTAL_LEN, MIN_HEADER_LEN};

/// Why bytes are not a valid IPv4 header (RFC 791 §3.1, RFC 1122 §3.2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Ipv4Error {
    /// The buffer is shorter than the 20-byte fixed header.
    BufferTooShort {
        /// Bytes in the buffer.
        available: usize,
    },
    /// The Version field is not 4 (RFC 1122 §3.2.1.1: silently discard).
    UnexpectedVersion {
        /// The version found.
        version: u8,
    },
    /// IHL is below 5 words, the minimum header (RFC 791 §3.1).
    IhlTooSmall {
        /// The IHL found, in 32-bit words.
        ihl: u8,
    },
    /// IHL × 4 reaches beyond the end of the buffer.
    HeaderBeyondBuffer {
        /// Header length IHL × 4, in bytes.
        header_len: usize,
        /// Bytes in the buffer.
        available: usize,
    },
    /// Total Length is smaller than the header itself.
    TotalLenTooShort {
        /// The Total Length field.
        total_len: u16,
        /// Header length IHL × 4, in bytes.
        header_len: usize,
    },
    /// Total Length reaches beyond the end of the buffer (a truncated datagram).
    TotalLenBeyondBuffer {
        /// The Total Length field.
        total_len: u16,
        /// Bytes in the buffer.
        available: usize,
    },
    /// The header checksum does not verify (RFC 1122 §3.2.1.2: silently discard).
    BadChecksum {
        /// The Header Checksum field as received.
        stored: u16,
        /// The checksum the header should carry.
        computed: u16,
    },
}

impl fmt::Display for Ipv4Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Ipv4Error::BufferTooShort { available } => write!(
                f,
                "IPv4 header needs at least {MIN_HEADER_LEN} bytes but the buffer holds {available}"
            ),
            Ipv4Error::UnexpectedVersion { version } => {
                write!(f, "IPv4 version field is {version}, expected 4")
            }
            Ipv4Error::IhlTooSmall { ihl } => write!(
                f,
                "IPv4 IHL field is {ihl} words, below the minimum of 5 (20 bytes)"
            ),
            Ipv4Error::HeaderBeyondBuffer {
                header_len,
                available,
            } => write!(
                f,
                "IPv4 header length (IHL) is {header_len} bytes but the buffer holds only {available}"
            ),
            Ipv4Error::TotalLenTooShort {
                total_len,
                header_len,
            } => write!(
                f,
                "IPv4 total length {total_len} is smaller than the header length {header_len}"
            ),
            Ipv4Error::TotalLenBeyondBuffer {
                total_len,
                available,
            } => write!(
                f,
                "IPv4 total length {total_len} exceeds the {available} bytes in the buffer"
            ),
            Ipv4Error::BadChecksum { stored, computed } => write!(
                f,
                "IPv4 header checksum is {stored:#06x} but the header sums to {computed:#06x}"
            ),
        }
    }
}

impl core::error::Error for Ipv4Error {}

/// Why an option in a received header is malformed (RFC 791 §3.1, RFC 1122 §3.2.1.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OptionError {
    /// A multi-byte option's type is the last byte of the options area: no length byte.
    Truncated {
        /// The option type.
        kind: u8,
    },
    /// The option length is below 2, the size of type and length themselves.
    LengthTooSmall {
        /// The option type.
        kind: u8,
        /// The option length octet.
        len: u8,
    },
    /// The option length reaches beyond the options area.
    LengthBeyondOptions {
        /// The option type.
        kind: u8,
        /// The option length octet.
        len: u8,
        /// Bytes left in the options area from the option's start.
        available: usize,
    },
    /// The length is not one the option's RFC allows (Router Alert ≠ 4, a route
    /// not 3 + 4n, a timestamp below 4, security below 3).
    InvalidLength {
        /// The option type.
        kind: u8,
        /// The option length octet.
        len: u8,
    },
    /// A route or timestamp pointer below its smallest legal value (4 or 5).
    PointerTooSmall {
        /// The option type.
        kind: u8,
        /// The pointer octet.
        pointer: u8,
    },
    /// A route or timestamp pointer inside the option whose slot (4 octets,
    /// or 8 for timestamps with addresses) runs past the option's end: a
    /// router writing there would overrun it. Linux's `ip_options_compile`
    /// refuses such datagrams.
    SlotBeyondOption {
        /// The option type.
        kind: u8,
        /// The pointer octet.
        pointer: u8,
        /// The option length octet.
        len: u8,
    },
    /// A second Record Route, source route (loose or strict: at most one of
    /// either), Timestamp, Router Alert or Security option. RFC 791 §3.1 says
    /// the route options and Security appear at most once; Linux's
    /// `ip_options_compile` refuses a repeat of any of these.
    Duplicate {
        /// The option type of the repeat.
        kind: u8,
    },
}

impl fmt::Display for OptionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            OptionError::Truncated { kind } => write!(
                f,
                "IPv4 option type {kind:#04x} is the last byte of the options area and has no length"
            ),
            OptionError::LengthTooSmall { kind, len } => write!(
                f,
                "IPv4 option type {kind:#04x} has length {len}, below the minimum of 2"
            ),
            OptionError::LengthBeyondOptions {
                kind,
                len,
                available,
            } => write!(
                f,
                "IPv4 option type {kind:#04x} has length {len} but only {available} option bytes remain"
            ),
            OptionError::InvalidLength { kind, len } => write!(
                f,
                "IPv4 option type {kind:#04x} has length {len}, which its specification does not allow"
            ),
            OptionError::PointerTooSmall { kind, pointer } => write!(
                f,
                "IPv4 option type {kind:#04x} has pointer {pointer}, below its smallest legal value"
            ),
            OptionError::SlotBeyondOption { kind, pointer, len } => write!(
                f,
                "IPv4 option type {kind:#04x} has pointer {pointer}, whose slot runs past the option's length {len}"
            ),
            OptionError::Duplicate { kind } => write!(
                f,
                "IPv4 option type {kind:#04x} appears again, but may appear only once per header"
            ),
        }
    }
}

impl core::error::Error for OptionError {}

/// Why an option cannot be encoded (RFC 791 §3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OptionEmitError {
    /// The output buffer is too short.
    BufferTooShort {
        /// Bytes the option(s) need.
        needed: usize,
        /// Bytes in the buffer.
        available: usize,
    },
    /// The encoded option(s) would exceed the 40-byte options area.
    TooLong {
        /// Encoded length in bytes.
        len: usize,
    },
    /// The data length is not one the option's RFC allows (route data not a
    /// multiple of 4, empty security data).
    InvalidLength {
        /// The option type.
        kind: u8,
        /// The option length the data would give.
        len: usize,
    },
    /// A route or timestamp pointer below its smallest legal value (4 or 5).
    PointerTooSmall {
        /// The option type.
        kind: u8,
        /// The pointer.
        pointer: u8,
    },
    /// Timestamp overflow or flags does not fit in its 4 bits.
    TimestampFieldOutOfRange {
        /// The overflow count.
        overflow: u8,
        /// The flags.
        flags: u8,
    },
    /// [`Ipv4Option::Unknown`](super::Ipv4Option::Unknown) with a type this crate parses as a known option,
    /// which would not read back as `Unknown`.
    KnownKind {
        /// The option type.
        kind: u8,
    },
    /// A route or timestamp pointer inside the option whose slot runs past
    /// its end (see [`OptionError::SlotBeyondOption`]).
    SlotBeyondOption {
        /// The option type.
        kind: u8,
        /// The pointer.
        pointer: u8,
        /// The option length.
        len: u8,
    },
    /// A second option of a kind that may appear once (see
    /// [`OptionError::Duplicate`]).
    Duplicate {
        /// The option type of the repeat.
        kind: u8,
    },
}

impl fmt::Display for OptionEmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            OptionEmitError::BufferTooShort { needed, available } => write!(
                f,
                "IPv4 option needs {needed} bytes but the buffer holds {available}"
            ),
            OptionEmitError::TooLong { len } => write!(
                f,
                "IPv4 options of {len} bytes exceed the {MAX_OPTIONS_LEN}-byte options area"
            ),
            OptionEmitError::InvalidLength { kind, len } => write!(
                f,
                "IPv4 option type {kind:#04x} would have length {len}, which its specification does not allow"
            ),
            OptionEmitError::PointerTooSmall { kind, pointer } => write!(
                f,
                "IPv4 option type {kind:#04x} has pointer {pointer}, below its smallest legal value"
            ),
            OptionEmitError::TimestampFieldOutOfRange { overflow, flags } => write!(
                f,
                "IPv4 timestamp overflow {overflow} or flags {flags} does not fit in 4 bits"
            ),
            OptionEmitError::KnownKind { kind } => write!(
                f,
                "IPv4 option type {kind:#04x} is a known option and cannot be emitted as Unknown"
            ),
            OptionEmitError::SlotBeyondOption { kind, pointer, len } => write!(
                f,
                "IPv4 option type {kind:#04x} with pointer {pointer} names a slot past its length {len}"
            ),
            OptionEmitError::Duplicate { kind } => write!(
                f,
                "IPv4 option type {kind:#04x} may appear only once per header"
            ),
        }
    }
}

impl core::error::Error for OptionEmitError {}

/// Why an [`Ipv4Repr`](super::Ipv4Repr) cannot be emitted (RFC 791 §3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Ipv4EmitError {
    /// The output buffer is shorter than the header.
    BufferTooShort {
        /// Header length in bytes.
        needed: usize,
        /// Bytes in the buffer.
        available: usize,
    },
    /// The options exceed the 40-byte options area.
    OptionsTooLong {
        /// Option bytes given.
        len: usize,
    },
    /// Header plus payload exceed the 65535-byte Total Length.
    TotalLenTooLong {
        /// The Total Length the datagram would need.
        total_len: usize,
    },
    /// The fragment offset does not fit in 13 bits.
    FragOffsetTooLarge {
        /// The offset given, in 8-byte units.
        frag_offset: u16,
    },
    /// The DSCP does not fit in 6 bits.
    DscpOutOfRange {
        /// The DSCP given.
        dscp: u8,
    },
    /// The ECN does not fit in 2 bits.
    EcnOutOfRange {
        /// The ECN given.
        ecn: u8,
    },
}

impl fmt::Display for Ipv4EmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Ipv4EmitError::BufferTooShort { needed, available } => write!(
                f,
                "IPv4 header needs {needed} bytes but the buffer holds {available}"
            ),
            Ipv4EmitError::OptionsTooLong { len } => write!(
                f,
                "IPv4 options of {len} bytes exceed the {MAX_OPTIONS_LEN}-byte options area"
            ),
            Ipv4EmitError::TotalLenTooLong { total_len } => write!(
                f,
                "IPv4 total length {total_len} exceeds the maximum of {MAX_TOTAL_LEN}"
            ),
            Ipv4EmitError::FragOffsetTooLarge { frag_offset } => write!(
                f,
                "IPv4 fragment offset {frag_offset} exceeds the 13-bit maximum of 8191"
            ),
            Ipv4EmitError::DscpOutOfRange { dscp } => {
                write!(f, "IPv4 DSCP {dscp} exceeds the 6-bit maximum of 63")
            }
            Ipv4EmitError::EcnOutOfRange { ecn } => {
                write!(f, "IPv4 ECN {ecn} exceeds the 2-bit maximum of 3")
            }
        }
    }
}

impl core::error::Error for Ipv4EmitError {}
