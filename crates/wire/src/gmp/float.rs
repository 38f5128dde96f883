//! The floating-point time codes of IGMPv3 and MLDv2, generic over their
//! width: IGMPv3's 8-bit Max Resp Code and QQIC (RFC 3376 §4.1.1, §4.1.7),
//! MLDv2's 8-bit QQIC (RFC 3810 §5.1.9) and 16-bit Maximum Response Code
//! (RFC 3810 §5.1.3).
//!
//! A code of `bits` bits below `2^(bits−1)` is the value itself. Otherwise it
//! reads `1 | exp (3 bits) | mant (bits − 4 bits)` and stands for
//! `(mant | 2^(bits−4)) << (exp + 3)`. Encoding gives the exact code where
//! the value is representable, else the code of the nearest value *below*
//! (RFC 9776 and RFC 9777, so a response is never asked for later than
//! meant), and all ones above the largest value.
//!
//! ```
//! use ipv4kit_wire::gmp::{float_decode, float_encode, float_max};
//!
//! assert_eq!(float_decode(8, 0x81), 136);
//! assert_eq!(float_max(8), 31_744);
//! assert_eq!(float_decode(16, 0x8001), 32_776);
//! assert_eq!(float_max(16), 8_387_584);
//! assert_eq!(float_encode(16, 32_775), 0x8000); // rounded down
//! assert_eq!(float_encode(8, 40_000), 0xff);
//! ```

/// The largest value a `bits`-bit float code carries (`bits` is 8 or 16).
#[inline]
pub const fn float_max(bits: u32) -> u32 {
    let mant_bits = bits - 4;
    ((1 << (mant_bits + 1)) - 1) << (7 + 3)
}

/// Decodes a `bits`-bit float code (`bits` is 8 or 16).
#[inline]
pub const fn float_decode(bits: u32, code: u32) -> u32 {
    let literal = 1 << (bits - 1);
    if code < literal {
        code
    } else {
        let mant_bits = bits - 4;
        let mant = (code & ((1 << mant_bits) - 1)) | (1 << mant_bits);
        let exp = (code >> mant_bits) & 0x07;
        mant << (exp + 3)
    }
}

/// Encodes `value` as a `bits`-bit float code: exact where representable,
/// else the nearest representable value below, all ones above
/// [`float_max`].
#[inline]
pub const fn float_encode(bits: u32, value: u32) -> u32 {
    let literal = 1 << (bits - 1);
    if value < literal {
        value
    } else if value >= float_max(bits) {
        (1 << bits) - 1
    } else {
        // The top set bit is the implicit mantissa bit shifted by exp + 3.
        let mant_bits = bits - 4;
        let msb = 31 - value.leading_zeros();
        let exp = msb - mant_bits - 3;
        let mant = (value >> (exp + 3)) & ((1 << mant_bits) - 1);
        literal | (exp << mant_bits) | mant
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixteen_bit_digest_values_decode() {
        // mld-spec-digest.md §5.2, computed from RFC 3810 §5.1.3.
        for (code, ms) in [
            (0x2710, 10_000),
            (0x7fff, 32_767),
            (0x8000, 32_768),
            (0x8001, 32_776),
            (0x9000, 65_536),
            (0xffff, 8_387_584),
        ] {
            assert_eq!(float_decode(16, code), ms, "code {code:#x}");
            assert_eq!(float_encode(16, ms), code, "value {ms}");
        }
    }

    #[test]
    fn every_sixteen_bit_code_round_trips_and_encoding_rounds_down() {
        // Every code and every 7th value natively; a sample under Miri,
        // where the full sweep alone would take many minutes.
        let (code_step, value_step) = if cfg!(miri) { (257, 70_001) } else { (1, 7) };
        for code in (0..=0xffffu32).step_by(code_step).chain([0xffff]) {
            assert_eq!(float_encode(16, float_decode(16, code)), code);
        }
        let mut v = 0u32;
        while v < 9_000_000 {
            let c = float_encode(16, v);
            assert!(float_decode(16, c) <= v);
            if c < 0xffff {
                assert!(float_decode(16, c + 1) > v, "value {v}");
            }
            v += value_step;
        }
    }
}
