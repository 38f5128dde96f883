//! IPv4 options (RFC 791 §3.1 "Options", RFC 1108, RFC 2113): parsing
//! iterator, typed options and their encoder.

use core::iter::FusedIterator;
use core::net::Ipv4Addr;

use super::error::{OptionEmitError, OptionError};
use super::limits::MAX_OPTIONS_LEN;

/// Option type octets ("copied" flag, class and number together; RFC 791 §3.1, IANA "IP Option Numbers").
pub mod kind {
    /// End of Option List (RFC 791 §3.1).
    pub const END_OF_LIST: u8 = 0x00;
    /// No Operation (RFC 791 §3.1).
    pub const NOP: u8 = 0x01;
    /// Record Route (RFC 791 §3.1).
    pub const RECORD_ROUTE: u8 = 0x07;
    /// Internet Timestamp (RFC 791 §3.1).
    pub const TIMESTAMP: u8 = 0x44;
    /// Security, basic (RFC 791 §3.1, RFC 1108 §2).
    pub const SECURITY: u8 = 0x82;
    /// Loose Source and Record Route (RFC 791 §3.1).
    pub const LOOSE_SOURCE_ROUTE: u8 = 0x83;
    /// Strict Source and Record Route (RFC 791 §3.1).
    pub const STRICT_SOURCE_ROUTE: u8 = 0x89;
    /// Router Alert (RFC 2113 §2.1).
    pub const ROUTER_ALERT: u8 = 0x94;
}

/// A Router Alert option with value 0, "routers shall examine packet"
/// (RFC 2113 §2.1), ready to put in [`Ipv4Repr::options`](super::Ipv4Repr::options).
/// IGMPv2/v3 messages carry it (RFC 2236 §2, RFC 3376 §4).
pub const ROUTER_ALERT: [u8; 4] = [kind::ROUTER_ALERT, 4, 0, 0];

/// The smallest legal pointer of a route option (RFC 791 §3.1).
pub const ROUTE_POINTER_MIN: u8 = 4;
/// The smallest legal pointer of a timestamp option (RFC 791 §3.1).
pub const TIMESTAMP_POINTER_MIN: u8 = 5;

/// Timestamp flag 0: timestamps only (RFC 791 §3.1).
pub const TS_ONLY: u8 = 0;
/// Timestamp flag 1: each timestamp preceded by the address of the registering entity (RFC 791 §3.1).
pub const TS_AND_ADDR: u8 = 1;
/// Timestamp flag 3: prespecified addresses, each followed by a timestamp (RFC 791 §3.1).
pub const TS_PRESPECIFIED: u8 = 3;

/// A Record Route, Loose or Strict Source Route option body (RFC 791 §3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RouteOption<'a> {
    /// Offset (from the option start, 1-based) of the next address slot; at least 4.
    pub pointer: u8,
    /// Route data: 4-byte addresses (a multiple of 4 bytes).
    pub data: &'a [u8],
}

impl<'a> RouteOption<'a> {
    /// All address slots of the route data, recorded or not (RFC 791 §3.1).
    #[inline]
    pub fn addresses(&self) -> RouteAddrs<'a> {
        RouteAddrs { rest: self.data }
    }

    /// The addresses before the pointer: recorded so far (Record Route) or
    /// already visited (source routes; RFC 791 §3.1).
    #[inline]
    pub fn recorded(&self) -> RouteAddrs<'a> {
        let end = usize::from(self.pointer.saturating_sub(ROUTE_POINTER_MIN));
        RouteAddrs {
            rest: self.data.get(..end).unwrap_or(self.data),
        }
    }

    /// True when the pointer is past the route data: the route is full (RFC 791 §3.1).
    #[inline]
    pub fn is_full(&self) -> bool {
        usize::from(self.pointer) > self.data.len() + 3
    }
}

/// Iterator over the 4-byte addresses of a route option (RFC 791 §3.1).
#[derive(Clone, Debug)]
pub struct RouteAddrs<'a> {
    rest: &'a [u8],
}

impl Iterator for RouteAddrs<'_> {
    type Item = Ipv4Addr;

    #[inline]
    fn next(&mut self) -> Option<Ipv4Addr> {
        let (addr, rest) = self.rest.split_first_chunk::<4>()?;
        self.rest = rest;
        Some(Ipv4Addr::from(*addr))
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.rest.len() / 4;
        (n, Some(n))
    }
}

impl ExactSizeIterator for RouteAddrs<'_> {}
impl FusedIterator for RouteAddrs<'_> {}

/// An Internet Timestamp option body (RFC 791 §3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TimestampOption<'a> {
    /// Offset (from the option start, 1-based) of the next free slot; at least 5.
    pub pointer: u8,
    /// Number of modules that could not register a timestamp (4 bits).
    pub overflow: u8,
    /// Format: [`TS_ONLY`], [`TS_AND_ADDR`] or [`TS_PRESPECIFIED`] (4 bits).
    pub flags: u8,
    /// The timestamp (and address) slots.
    pub data: &'a [u8],
}

/// One IPv4 option (RFC 791 §3.1), borrowing its data from the header.
///
/// ```
/// use ipv4kit_wire::ipv4::{Ipv4Option, Ipv4Options, ROUTER_ALERT};
///
/// let mut buf = [0u8; 4];
/// let n = Ipv4Option::RouterAlert { value: 0 }.emit(&mut buf).unwrap();
/// assert_eq!(&buf[..n], &ROUTER_ALERT);
/// let mut options = Ipv4Options::new(&buf);
/// assert_eq!(options.next(), Some(Ok(Ipv4Option::RouterAlert { value: 0 })));
/// assert_eq!(options.next(), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Ipv4Option<'a> {
    /// End of Option List, type 0 (RFC 791 §3.1); the iterator stops after it.
    EndOfList,
    /// No Operation, type 1 (RFC 791 §3.1).
    Nop,
    /// Router Alert, type 0x94, length 4 (RFC 2113 §2.1); value 0 = "examine packet".
    RouterAlert {
        /// The 16-bit value (RFC 2113 §2.1, IANA "IP Router Alert Options Values").
        value: u16,
    },
    /// Record Route, type 7 (RFC 791 §3.1).
    RecordRoute(RouteOption<'a>),
    /// Loose Source and Record Route, type 0x83 (RFC 791 §3.1).
    LooseSourceRoute(RouteOption<'a>),
    /// Strict Source and Record Route, type 0x89 (RFC 791 §3.1).
    StrictSourceRoute(RouteOption<'a>),
    /// Internet Timestamp, type 0x44 (RFC 791 §3.1).
    Timestamp(TimestampOption<'a>),
    /// Security, type 0x82 (RFC 791 §3.1; RFC 1108 §2 basic security option).
    Security {
        /// The option data after type and length: classification level, then
        /// protection authority flags (RFC 1108 §2); at least one byte.
        data: &'a [u8],
    },
    /// Any other option with the type–length–value layout (RFC 791 §3.1 case 2).
    Unknown {
        /// The option type octet.
        kind: u8,
        /// The option data after type and length.
        data: &'a [u8],
    },
}

/// True for the option types [`Ipv4Options`] parses into a named variant
/// (RFC 791 §3.1, RFC 1108 §2, RFC 2113 §2.1).
#[inline]
pub const fn is_known_kind(kind: u8) -> bool {
    matches!(
        kind,
        kind::END_OF_LIST
            | kind::NOP
            | kind::RECORD_ROUTE
            | kind::TIMESTAMP
            | kind::SECURITY
            | kind::LOOSE_SOURCE_ROUTE
            | kind::STRICT_SOURCE_ROUTE
            | kind::ROUTER_ALERT
    )
}

impl<'a> Ipv4Option<'a> {
    /// The option type octet (RFC 791 §3.1).
    #[inline]
    pub fn kind(&self) -> u8 {
        match self {
            Ipv4Option::EndOfList => kind::END_OF_LIST,
            Ipv4Option::Nop => kind::NOP,
            Ipv4Option::RouterAlert { .. } => kind::ROUTER_ALERT,
            Ipv4Option::RecordRoute(_) => kind::RECORD_ROUTE,
            Ipv4Option::LooseSourceRoute(_) => kind::LOOSE_SOURCE_ROUTE,
            Ipv4Option::StrictSourceRoute(_) => kind::STRICT_SOURCE_ROUTE,
            Ipv4Option::Timestamp(_) => kind::TIMESTAMP,
            Ipv4Option::Security { .. } => kind::SECURITY,
            Ipv4Option::Unknown { kind, .. } => *kind,
        }
    }

    /// Encoded length in bytes, type and length octets included (RFC 791 §3.1).
    #[inline]
    pub fn buffer_len(&self) -> usize {
        match self {
            Ipv4Option::EndOfList | Ipv4Option::Nop => 1,
            Ipv4Option::RouterAlert { .. } => 4,
            Ipv4Option::RecordRoute(r)
            | Ipv4Option::LooseSourceRoute(r)
            | Ipv4Option::StrictSourceRoute(r) => 3 + r.data.len(),
            Ipv4Option::Timestamp(t) => 4 + t.data.len(),
            Ipv4Option::Security { data } | Ipv4Option::Unknown { data, .. } => 2 + data.len(),
        }
    }

    /// Checks the option can be encoded so that it parses back to itself.
    fn check(&self) -> Result<usize, OptionEmitError> {
        let len = self.buffer_len();
        if len > MAX_OPTIONS_LEN {
            return Err(OptionEmitError::TooLong { len });
        }
        let kind = self.kind();
        match self {
            Ipv4Option::RecordRoute(r)
            | Ipv4Option::LooseSourceRoute(r)
            | Ipv4Option::StrictSourceRoute(r) => {
                if r.data.len() % 4 != 0 {
                    return Err(OptionEmitError::InvalidLength { kind, len });
                }
                if r.pointer < ROUTE_POINTER_MIN {
                    return Err(OptionEmitError::PointerTooSmall {
                        kind,
                        pointer: r.pointer,
                    });
                }
                if slot_beyond(r.pointer, len, 4) {
                    return Err(OptionEmitError::SlotBeyondOption {
                        kind,
                        pointer: r.pointer,
                        len: len as u8,
                    });
                }
            }
            Ipv4Option::Timestamp(t) => {
                if t.pointer < TIMESTAMP_POINTER_MIN {
                    return Err(OptionEmitError::PointerTooSmall {
                        kind,
                        pointer: t.pointer,
                    });
                }
                if t.overflow > 0x0f || t.flags > 0x0f {
                    return Err(OptionEmitError::TimestampFieldOutOfRange {
                        overflow: t.overflow,
                        flags: t.flags,
                    });
                }
                if slot_beyond(t.pointer, len, timestamp_slot(t.flags)) {
                    return Err(OptionEmitError::SlotBeyondOption {
                        kind,
                        pointer: t.pointer,
                        len: len as u8,
                    });
                }
            }
            Ipv4Option::Security { data: [] } => {
                return Err(OptionEmitError::InvalidLength { kind, len });
            }
            Ipv4Option::Unknown { kind, .. } if is_known_kind(*kind) => {
                return Err(OptionEmitError::KnownKind { kind: *kind });
            }
            _ => {}
        }
        Ok(len)
    }

    /// Encodes the option at the start of `buf` and returns its length
    /// (RFC 791 §3.1). Whatever emits successfully parses back to an equal
    /// option through [`Ipv4Options`].
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, OptionEmitError> {
        let len = self.check()?;
        let available = buf.len();
        let Some(out) = buf.get_mut(..len) else {
            return Err(OptionEmitError::BufferTooShort {
                needed: len,
                available,
            });
        };
        // check() proved len <= 40, so it fits the length octet.
        let len_octet = len as u8;
        let (head, body) = out.split_at_mut(1.min(len));
        head.fill(self.kind());
        match self {
            Ipv4Option::EndOfList | Ipv4Option::Nop => {}
            Ipv4Option::RouterAlert { value } => {
                let v = value.to_be_bytes();
                body.copy_from_slice(&[len_octet, v[0], v[1]]);
            }
            Ipv4Option::RecordRoute(r)
            | Ipv4Option::LooseSourceRoute(r)
            | Ipv4Option::StrictSourceRoute(r) => {
                if let Some((fixed, rest)) = body.split_first_chunk_mut::<2>() {
                    *fixed = [len_octet, r.pointer];
                    rest.copy_from_slice(r.data);
                }
            }
            Ipv4Option::Timestamp(t) => {
                if let Some((fixed, rest)) = body.split_first_chunk_mut::<3>() {
                    *fixed = [len_octet, t.pointer, (t.overflow << 4) | t.flags];
                    rest.copy_from_slice(t.data);
                }
            }
            Ipv4Option::Security { data } | Ipv4Option::Unknown { data, .. } => {
                if let Some((fixed, rest)) = body.split_first_mut() {
                    *fixed = len_octet;
                    rest.copy_from_slice(data);
                }
            }
        }
        Ok(len)
    }

    /// Encodes a sequence of options one after another at the start of `buf`
    /// and returns the total length, at most 40 (RFC 791 §3.1). No padding is
    /// added; [`Ipv4Repr::emit`](super::Ipv4Repr::emit) pads the options area.
    ///
    /// ```
    /// use ipv4kit_wire::ipv4::{Ipv4Option, RouteOption};
    ///
    /// let mut buf = [0u8; 40];
    /// let rr = RouteOption { pointer: 4, data: &[0; 8] };
    /// let n = Ipv4Option::emit_all(
    ///     &[Ipv4Option::RouterAlert { value: 0 }, Ipv4Option::RecordRoute(rr)],
    ///     &mut buf,
    /// )
    /// .unwrap();
    /// assert_eq!(&buf[..n], &[0x94, 4, 0, 0, 7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0]);
    /// ```
    pub fn emit_all(options: &[Ipv4Option<'_>], buf: &mut [u8]) -> Result<usize, OptionEmitError> {
        let mut total = 0usize;
        let mut seen = 0u8;
        for option in options {
            total += option.buffer_len();
            let bit = once_only_bit(option);
            if seen & bit != 0 {
                return Err(OptionEmitError::Duplicate {
                    kind: option.kind(),
                });
            }
            seen |= bit;
        }
        if total > MAX_OPTIONS_LEN {
            return Err(OptionEmitError::TooLong { len: total });
        }
        if total > buf.len() {
            return Err(OptionEmitError::BufferTooShort {
                needed: total,
                available: buf.len(),
            });
        }
        let mut at = 0;
        for option in options {
            at += option.emit(buf.get_mut(at..).unwrap_or(&mut []))?;
        }
        Ok(at)
    }
}

/// Iterator over the options area of a header (RFC 791 §3.1), yielding each
/// option or the error that ends the walk.
///
/// It stops after End of List (yielded once; the padding after it is not
/// looked at) and after the first error, and never reads past the bytes it
/// was given, so a walk is bounded by the options area (at most 40 bytes).
///
/// ```
/// use ipv4kit_wire::ipv4::{Ipv4Option, Ipv4Options, OptionError};
///
/// // NOP, then a Router Alert with a wrong length of 3.
/// let mut options = Ipv4Options::new(&[1, 0x94, 3, 0]);
/// assert_eq!(options.next(), Some(Ok(Ipv4Option::Nop)));
/// assert_eq!(options.next(), Some(Err(OptionError::InvalidLength { kind: 0x94, len: 3 })));
/// assert_eq!(options.next(), None);
/// ```
#[derive(Clone, Debug)]
pub struct Ipv4Options<'a> {
    rest: &'a [u8],
    /// Once-only option classes seen so far (see `once_only_bit`).
    seen: u8,
}

impl<'a> Ipv4Options<'a> {
    /// Walks `options`, the bytes of an RFC 791 §3.1 options area (e.g. [`Ipv4Packet::options_bytes`](super::Ipv4Packet::options_bytes)).
    #[inline]
    pub const fn new(options: &'a [u8]) -> Self {
        Ipv4Options {
            rest: options,
            seen: 0,
        }
    }

    #[inline]
    fn fail(&mut self, error: OptionError) -> Option<Result<Ipv4Option<'a>, OptionError>> {
        self.rest = &[];
        Some(Err(error))
    }
}

impl<'a> Iterator for Ipv4Options<'a> {
    type Item = Result<Ipv4Option<'a>, OptionError>;

    fn next(&mut self) -> Option<Self::Item> {
        let (&kind, after_kind) = self.rest.split_first()?;
        match kind {
            kind::END_OF_LIST => {
                self.rest = &[];
                return Some(Ok(Ipv4Option::EndOfList));
            }
            kind::NOP => {
                self.rest = after_kind;
                return Some(Ok(Ipv4Option::Nop));
            }
            _ => {}
        }
        let Some(&len) = after_kind.first() else {
            return self.fail(OptionError::Truncated { kind });
        };
        if len < 2 {
            return self.fail(OptionError::LengthTooSmall { kind, len });
        }
        let Some((option, after)) = self.rest.split_at_checked(usize::from(len)) else {
            let available = self.rest.len();
            return self.fail(OptionError::LengthBeyondOptions {
                kind,
                len,
                available,
            });
        };
        let data = option.get(2..).unwrap_or(&[]);
        match parse_body(kind, len, data) {
            Ok(option) => {
                let bit = once_only_bit(&option);
                if self.seen & bit != 0 {
                    return self.fail(OptionError::Duplicate { kind });
                }
                self.seen |= bit;
                self.rest = after;
                Some(Ok(option))
            }
            Err(e) => self.fail(e),
        }
    }
}

impl FusedIterator for Ipv4Options<'_> {}

/// Interprets one type–length–value option whose length already fits.
#[inline]
fn parse_body(kind: u8, len: u8, data: &[u8]) -> Result<Ipv4Option<'_>, OptionError> {
    let invalid = OptionError::InvalidLength { kind, len };
    match kind {
        kind::ROUTER_ALERT => match data {
            [a, b] => Ok(Ipv4Option::RouterAlert {
                value: u16::from_be_bytes([*a, *b]),
            }),
            _ => Err(invalid),
        },
        kind::RECORD_ROUTE | kind::LOOSE_SOURCE_ROUTE | kind::STRICT_SOURCE_ROUTE => {
            let Some((&pointer, route)) = data.split_first() else {
                return Err(invalid);
            };
            if route.len() % 4 != 0 {
                return Err(invalid);
            }
            if pointer < ROUTE_POINTER_MIN {
                return Err(OptionError::PointerTooSmall { kind, pointer });
            }
            if slot_beyond(pointer, usize::from(len), 4) {
                return Err(OptionError::SlotBeyondOption { kind, pointer, len });
            }
            let r = RouteOption {
                pointer,
                data: route,
            };
            Ok(match kind {
                kind::RECORD_ROUTE => Ipv4Option::RecordRoute(r),
                kind::LOOSE_SOURCE_ROUTE => Ipv4Option::LooseSourceRoute(r),
                _ => Ipv4Option::StrictSourceRoute(r),
            })
        }
        kind::TIMESTAMP => {
            let Some(([pointer, oflw_flg], slots)) = data.split_first_chunk::<2>() else {
                return Err(invalid);
            };
            if *pointer < TIMESTAMP_POINTER_MIN {
                return Err(OptionError::PointerTooSmall {
                    kind,
                    pointer: *pointer,
                });
            }
            if slot_beyond(*pointer, usize::from(len), timestamp_slot(oflw_flg & 0x0f)) {
                return Err(OptionError::SlotBeyondOption {
                    kind,
                    pointer: *pointer,
                    len,
                });
            }
            Ok(Ipv4Option::Timestamp(TimestampOption {
                pointer: *pointer,
                overflow: oflw_flg >> 4,
                flags: oflw_flg & 0x0f,
                data: slots,
            }))
        }
        kind::SECURITY if data.is_empty() => Err(invalid),
        kind::SECURITY => Ok(Ipv4Option::Security { data }),
        _ => Ok(Ipv4Option::Unknown { kind, data }),
    }
}

/// Whether a pointer inside an option names a slot that runs past the
/// option's end (RFC 791 §3.1 slots are 4 octets, timestamps with addresses
/// 8). A pointer past the end means "full" and is fine.
#[inline]
pub(crate) fn slot_beyond(pointer: u8, len: usize, slot: usize) -> bool {
    let pointer = usize::from(pointer);
    pointer <= len && pointer + slot - 1 > len
}

/// Slot size of a timestamp option: 8 octets when each entry carries an
/// address (flags 1 and 3, RFC 791 §3.1), else 4.
#[inline]
pub(crate) fn timestamp_slot(flags: u8) -> usize {
    if flags == TS_AND_ADDR || flags == TS_PRESPECIFIED {
        8
    } else {
        4
    }
}

/// The once-only class of an option (a bit), or 0 for options that may repeat.
#[inline]
fn once_only_bit(option: &Ipv4Option<'_>) -> u8 {
    match option {
        Ipv4Option::RecordRoute(_) => 1,
        Ipv4Option::LooseSourceRoute(_) | Ipv4Option::StrictSourceRoute(_) => 2,
        Ipv4Option::Timestamp(_) => 4,
        Ipv4Option::RouterAlert { .. } => 8,
        Ipv4Option::Security { .. } => 16,
        _ => 0,
    }
}

#[cfg(test)]
#[path = "options_tests.rs"]
pub(crate) mod tests;
