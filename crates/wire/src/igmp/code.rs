//! The IGMPv3 floating-point codes: Max Resp Code (RFC 3376 §4.1.1) and
//! Querier's Query Interval Code (RFC 3376 §4.1.7), unchanged in RFC 9776.
//!
//! Both share one 8-bit format. A code below 128 is the value itself; a code
//! of 128 or more reads as `1 | exp (3 bits) | mant (4 bits)` and stands for
//! `(mant | 0x10) << (exp + 3)`, so the largest value is 31744.
//!
//! Encoding follows RFC 9776: a value that the format can represent gets its
//! exact code; any other value gets the code of the nearest representable value
//! *below* it (so a response is never scheduled later than the querier asked),
//! and values above 31744 clamp to `0xFF`. RFC 3376 left the rounding
//! direction unstated; RFC 9776 makes it "next lower" (§8.8 according to our
//! spec digest, `shared/vectors/igmp-spec-digest.md` §3; the section number
//! was not re-checked against the RFC text). scapy rounds the same way
//! (154 tenths → 0x83).

use core::time::Duration;

/// The largest value either float code can carry: code `0xFF`, 31744
/// (RFC 3376 §4.1.1, §4.1.7).
pub const FLOAT_CODE_MAX: u16 = 31744;

/// Decodes an 8-bit float code (RFC 3376 §4.1.1 / §4.1.7), the shared
/// [`gmp::float_decode`](crate::gmp::float_decode) at width 8.
#[inline]
const fn decode(code: u8) -> u16 {
    crate::gmp::float_decode(8, code as u32) as u16
}

/// Encodes a value: exact where representable, else the nearest representable
/// value below it (RFC 9776), clamped to `0xFF` above 31744.
#[inline]
const fn encode(value: u32) -> u8 {
    crate::gmp::float_encode(8, value) as u8
}

/// Max Resp Code of an IGMPv3 Membership Query (RFC 3376 §4.1.1, RFC 9776
/// §4.1.1): the longest time a host may wait before answering, in tenths of a
/// second, as an 8-bit float code.
///
/// Only IGMPv3 (12-byte and longer) queries carry this float code. An IGMPv2
/// query's byte 1 is a literal count of tenths (RFC 2236 §2.2), exposed by
/// [`QueryV2View::max_resp_time`](super::QueryV2View::max_resp_time); an
/// IGMPv1 query carries 0 there, which hosts read as 100 tenths
/// ([`V1_MAX_RESP_TIME_TENTHS`](super::V1_MAX_RESP_TIME_TENTHS)).
///
/// ```
/// use ipv4kit_wire::igmp::MaxRespCode;
/// use core::time::Duration;
///
/// // 0x81 decodes to (1 | 0x10) << 3 = 136 tenths = 13.6 s.
/// assert_eq!(MaxRespCode(0x81).tenths(), 136);
/// assert_eq!(MaxRespCode(0x81).duration(), Duration::from_millis(13_600));
/// // 154 tenths is not representable: the code below it, 0x83 (152), is used.
/// assert_eq!(MaxRespCode::from_tenths(154), MaxRespCode(0x83));
/// // Beyond the maximum (3174.4 s), the code clamps to 0xFF.
/// assert_eq!(MaxRespCode::from_tenths(40_000), MaxRespCode(0xff));
/// assert_eq!(MaxRespCode(0xff).tenths(), 31744);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MaxRespCode(pub u8);

impl MaxRespCode {
    /// The default Query Response Interval, 10 s (RFC 3376 §8.3): code 100.
    pub const DEFAULT: MaxRespCode = MaxRespCode(100);

    /// The code for `tenths` tenths of a second: exact if representable, else
    /// the nearest representable value below (RFC 9776; see the module docs), 0xFF above
    /// 31744.
    #[inline]
    pub const fn from_tenths(tenths: u32) -> Self {
        MaxRespCode(encode(tenths))
    }

    /// The code for a duration, truncated to whole tenths first, then encoded as
    /// [`from_tenths`](Self::from_tenths) does (never longer than `d`, except
    /// that nothing is shorter than code 0).
    #[inline]
    pub fn from_duration(d: Duration) -> Self {
        let tenths = d.as_millis() / 100;
        Self::from_tenths(u32::try_from(tenths).unwrap_or(u32::MAX))
    }

    /// The Max Resp Time in tenths of a second (RFC 3376 §4.1.1), 0..=31744.
    #[inline]
    pub const fn tenths(self) -> u16 {
        decode(self.0)
    }

    /// The Max Resp Time as a [`Duration`].
    #[inline]
    pub const fn duration(self) -> Duration {
        Duration::from_millis(self.tenths() as u64 * 100)
    }
}

impl From<u8> for MaxRespCode {
    /// Wraps a raw code byte.
    #[inline]
    fn from(code: u8) -> Self {
        MaxRespCode(code)
    }
}

/// Querier's Query Interval Code of an IGMPv3 Membership Query (RFC 3376
/// §4.1.7, RFC 9776 §4.1.7): the querier's Query Interval in seconds, as an
/// 8-bit float code. A code of 0 carries no interval; receivers then keep
/// their own Query Interval (default 125 s, RFC 3376 §8.2).
///
/// ```
/// use ipv4kit_wire::igmp::Qqic;
///
/// assert_eq!(Qqic(125).secs(), 125); // the default Query Interval, literal
/// assert_eq!(Qqic(0x89).secs(), 200);
/// assert_eq!(Qqic::from_secs(1000), Qqic(0xaf)); // 992 s: the nearest below
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Qqic(pub u8);

impl Qqic {
    /// The default Query Interval, 125 s (RFC 3376 §8.2): code 125.
    pub const DEFAULT: Qqic = Qqic(125);

    /// The code for `secs` seconds: exact if representable, else the nearest
    /// representable value below (RFC 9776; see the module docs), 0xFF above 31744.
    #[inline]
    pub const fn from_secs(secs: u32) -> Self {
        Qqic(encode(secs))
    }

    /// The code for a duration, truncated to whole seconds first.
    #[inline]
    pub fn from_duration(d: Duration) -> Self {
        Self::from_secs(u32::try_from(d.as_secs()).unwrap_or(u32::MAX))
    }

    /// The Querier's Query Interval in seconds (RFC 3376 §4.1.7), 0..=31744.
    #[inline]
    pub const fn secs(self) -> u16 {
        decode(self.0)
    }

    /// The Querier's Query Interval as a [`Duration`].
    #[inline]
    pub const fn duration(self) -> Duration {
        Duration::from_secs(self.secs() as u64)
    }
}

impl From<u8> for Qqic {
    /// Wraps a raw code byte.
    #[inline]
    fn from(code: u8) -> Self {
        Qqic(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_examples_decode() {
        for (code, value) in [
            (0x00, 0),
            (0x7f, 127),
            (0x80, 128),
            (0x81, 136),
            (0x89, 200),
            (0x8f, 248),
            (0x90, 256),
            (0xfe, 30720),
            (0xff, 31744),
        ] {
            assert_eq!(MaxRespCode(code).tenths(), value, "code {code:#x}");
            assert_eq!(Qqic(code).secs(), value, "code {code:#x}");
        }
    }

    #[test]
    fn encoding_rounds_down_like_scapy_and_the_derived_table() {
        // scapy-igmp.md §3 (154 -> 0x83 asserted by scapy; the rest derived).
        for (value, code) in [
            (127, 0x7f),
            (128, 0x80),
            (136, 0x81),
            (150, 0x82),
            (154, 0x83),
            (200, 0x89),
            (255, 0x8f),
            (256, 0x90),
            (1000, 0xaf),
            (31743, 0xfe),
            (31744, 0xff),
            (31745, 0xff),
            (u32::MAX, 0xff),
        ] {
            assert_eq!(MaxRespCode::from_tenths(value).0, code, "value {value}");
            assert_eq!(Qqic::from_secs(value).0, code, "value {value}");
        }
    }

    #[test]
    fn every_code_round_trips() {
        for code in 0..=255u8 {
            assert_eq!(
                MaxRespCode::from_tenths(MaxRespCode(code).tenths().into()).0,
                code
            );
            assert_eq!(Qqic::from_secs(Qqic(code).secs().into()).0, code);
            let d = MaxRespCode(code).duration();
            assert_eq!(MaxRespCode::from_duration(d).0, code);
            assert_eq!(Qqic::from_duration(Qqic(code).duration()).0, code);
        }
    }

    #[test]
    fn encode_is_the_largest_code_not_above_the_value_over_the_whole_range() {
        let mut prev = 0u8;
        for v in 0..=40_000u32 {
            let c = MaxRespCode::from_tenths(v);
            assert!(u32::from(c.tenths()) <= v, "value {v} code {:#x}", c.0);
            assert!(c.0 >= prev, "not monotonic at {v}");
            if c.0 < 0xff {
                // The next code up decodes above v: c is the largest fitting code.
                assert!(u32::from(MaxRespCode(c.0 + 1).tenths()) > v, "value {v}");
            }
            prev = c.0;
        }
    }

    #[test]
    fn fuchsia_mrc_assertions_hold() {
        // other-igmp-vectors.md A.3: 0x81 -> 13.6 s and back.
        assert_eq!(MaxRespCode(0x81).duration(), Duration::from_millis(13_600));
        assert_eq!(
            MaxRespCode::from_duration(Duration::from_millis(13_600)),
            MaxRespCode(0x81)
        );
        // smoltcp B.1: every duration from 31744 to 65535 tenths encodes to 0xFF.
        for t in 31744..=65535u32 {
            assert_eq!(MaxRespCode::from_tenths(t), MaxRespCode(0xff));
        }
    }
}
