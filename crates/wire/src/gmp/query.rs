//! The part of a version 3 query after the version 1 header, the same in
//! IGMPv3 (RFC 3376 §4.1.4–4.1.10) and MLDv2 (RFC 3810 §5.1.6–5.1.12): the
//! Flags/S/QRV octet, QQIC, Number of Sources, the sources and any extra
//! octets. Each protocol keeps its own header (8 octets with an 8-bit Max
//! Resp Code, or 24 with a 16-bit one) and its own view and repr types.

use core::fmt;

use zerocopy::network_endian::U16;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use super::{DebugList, GmpEmitError, GroupAddress, Sources};

/// Flags (4 bits), S (1 bit), QRV (3 bits), QQIC, Number of Sources.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub(crate) struct QueryTail {
    flags_s_qrv: u8,
    qqic: u8,
    num_sources: U16,
}

/// Octets of [`QueryTail`].
pub(crate) const QUERY_TAIL_LEN: usize = 4;

/// Why the octets after a query's header are not a query body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum QueryBodyError {
    /// Fewer than the 4 octets of Flags/S/QRV, QQIC and Number of Sources.
    Short,
    /// Number of Sources needs more octets than the message has.
    SourcesTruncated {
        /// Number of Sources (N).
        declared: u16,
        /// Whole sources the message has room for.
        available: usize,
    },
}

/// The parsed part of a v3 query after its header, borrowed.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct QueryBody<'a, A: GroupAddress> {
    tail: &'a QueryTail,
    sources: &'a [A::Octets],
    extra: &'a [u8],
}

impl<'a, A: GroupAddress> QueryBody<'a, A> {
    /// Parses the octets after the header, checking the sources fit.
    #[inline]
    pub(crate) fn parse(rest: &'a [u8]) -> Result<Self, QueryBodyError> {
        let Ok((tail, rest)) = QueryTail::ref_from_prefix(rest) else {
            return Err(QueryBodyError::Short);
        };
        let declared = tail.num_sources.get();
        match <[A::Octets]>::ref_from_prefix_with_elems(rest, usize::from(declared)) {
            Ok((sources, extra)) => Ok(QueryBody {
                tail,
                sources,
                extra,
            }),
            Err(_) => Err(QueryBodyError::SourcesTruncated {
                declared,
                available: rest.len() / A::LEN,
            }),
        }
    }

    /// The four high bits: "Resv" in RFC 3376/3810, "Flags" in RFC 9776/9777.
    #[inline]
    pub(crate) fn flags(&self) -> u8 {
        self.tail.flags_s_qrv >> 4
    }

    /// S flag, Suppress Router-Side Processing.
    #[inline]
    pub(crate) fn s_flag(&self) -> bool {
        self.tail.flags_s_qrv & 0x08 != 0
    }

    /// Querier's Robustness Variable, 0..=7.
    #[inline]
    pub(crate) fn qrv(&self) -> u8 {
        self.tail.flags_s_qrv & 0x07
    }

    /// QQIC, raw.
    #[inline]
    pub(crate) fn qqic(&self) -> u8 {
        self.tail.qqic
    }

    /// Number of Sources, N.
    #[inline]
    pub(crate) fn num_sources(&self) -> u16 {
        self.tail.num_sources.get()
    }

    /// The N sources.
    #[inline]
    pub(crate) fn sources(&self) -> Sources<'a, A> {
        Sources::new(self.sources)
    }

    /// Octets after the last source.
    #[inline]
    pub(crate) fn extra(&self) -> &'a [u8] {
        self.extra
    }

    /// Whether the body says what a repr with these fields writes (`qrv` as
    /// the caller's rule has it); Flags and extra octets are not compared.
    #[inline]
    pub(crate) fn matches(&self, s_flag: bool, qrv: u8, qqic: u8, sources: &[A]) -> bool {
        self.s_flag() == s_flag
            && self.qrv() == qrv
            && self.qqic() == qqic
            && self.sources().eq(sources.iter().copied())
    }

    /// Debug-prints a view of this query: its two header fields, then the
    /// body's (`qqic` as the protocol's type shows it).
    pub(crate) fn debug(
        &self,
        f: &mut fmt::Formatter<'_>,
        name: &str,
        max_resp_code: &dyn fmt::Debug,
        group: A,
        qqic: &dyn fmt::Debug,
    ) -> fmt::Result {
        f.debug_struct(name)
            .field("max_resp_code", max_resp_code)
            .field("group", &group)
            .field("flags", &self.flags())
            .field("s_flag", &self.s_flag())
            .field("qrv", &self.qrv())
            .field("qqic", qqic)
            .field("sources", &DebugList(self.sources()))
            .field("extra_len", &self.extra.len())
            .finish()
    }
}

/// The Number of Sources of a query or record to emit, or the error when
/// the 16-bit field cannot count them.
#[inline]
pub(crate) fn source_count<A>(sources: &[A]) -> Result<u16, GmpEmitError> {
    u16::try_from(sources.len()).map_err(|_| GmpEmitError::TooManySources {
        count: sources.len(),
    })
}

/// Writes the body of a v3 query (Flags 0, S, QRV — above 7 sent as 0 —,
/// QQIC, N and the sources) at the start of `out`, which the caller sized
/// to `4 + LEN·N` octets or more.
#[inline]
pub(crate) fn write_query_body<A: GroupAddress>(
    out: &mut [u8],
    s_flag: bool,
    qrv: u8,
    qqic: u8,
    num_sources: u16,
    sources: &[A],
) {
    let qrv = if qrv > 7 { 0 } else { qrv };
    let tail = QueryTail {
        flags_s_qrv: (u8::from(s_flag) << 3) | qrv,
        qqic,
        num_sources: U16::new(num_sources),
    };
    let Some((head, body)) = out.split_at_mut_checked(QUERY_TAIL_LEN) else {
        return;
    };
    head.copy_from_slice(tail.as_bytes());
    for (slot, src) in body.chunks_exact_mut(A::LEN).zip(sources) {
        slot.copy_from_slice(src.to_octets().as_bytes());
    }
}
