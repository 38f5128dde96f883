//! The internet checksum: RFC 1071 computation and RFC 1624 incremental update.
//!
//! The checksum is the 16-bit one's complement of the one's-complement sum of
//! the data taken as big-endian 16-bit words (an odd final byte is padded with a
//! zero byte for the sum only). Summation is byte-order independent (RFC 1071
//! §2(B)), so the sum runs over native-endian 64-bit words in independent
//! add-with-carry chains (two for short buffers, eight for long ones), folds
//! once, and swaps once at the end.
//!
//! ```
//! use ipv4kit_wire::checksum::{checksum, verify, Checksum};
//!
//! // An IGMPv2 leave for 225.1.1.3 (tcpdump's IGMP_V2.pcap, frame 5).
//! let leave = [0x17, 0x00, 0x06, 0xfb, 0xe1, 0x01, 0x01, 0x03];
//! assert!(verify(&leave));
//!
//! // Computing it: zero the field, sum, store big-endian.
//! let mut msg = leave;
//! msg[2..4].fill(0);
//! assert_eq!(checksum(&msg), 0x06fb);
//!
//! // The same sum over several slices, of any lengths.
//! let mut c = Checksum::new();
//! c.add_bytes(&msg[..3]);
//! c.add_bytes(&msg[3..]);
//! assert_eq!(c.finish(), 0x06fb);
//! ```

/// A running one's-complement sum over one or more byte slices.
///
/// Slices may have any length, odd ones included: the accumulator remembers
/// whether the bytes so far had odd length and places the next slice's bytes
/// accordingly, so summing `a` then `b` equals summing their concatenation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Checksum {
    /// Sum of big-endian words, kept below 2^17 by folding.
    sum: u32,
    /// The bytes added so far had odd length.
    odd: bool,
}

impl Checksum {
    /// An empty sum.
    #[inline]
    pub const fn new() -> Self {
        Checksum { sum: 0, odd: false }
    }

    /// Adds the bytes of `data`, continuing where the previous slice ended.
    #[inline]
    pub fn add_bytes(&mut self, data: &[u8]) -> &mut Self {
        let mut s = sum_be(data);
        if self.odd {
            s = s.swap_bytes();
        }
        self.sum = fold32(self.sum + u32::from(s));
        if data.len() % 2 == 1 {
            self.odd = !self.odd;
        }
        self
    }

    /// Adds one big-endian 16-bit word (for pseudo-headers and single fields).
    ///
    /// Must be called at an even offset (after slices of even total length).
    #[inline]
    pub fn add_u16(&mut self, word: u16) -> &mut Self {
        self.sum = fold32(self.sum + u32::from(word));
        self
    }

    /// Adds a 32-bit value as two big-endian words (an IPv4 address, say).
    ///
    /// Must be called at an even offset (after slices of even total length).
    #[inline]
    pub fn add_u32(&mut self, value: u32) -> &mut Self {
        self.add_u16((value >> 16) as u16).add_u16(value as u16)
    }

    /// The one's-complement sum so far, folded to 16 bits (not complemented).
    #[inline]
    pub fn sum(&self) -> u16 {
        fold32(self.sum) as u16
    }

    /// The checksum: the complement of the sum, ready to store big-endian.
    #[inline]
    pub fn finish(&self) -> u16 {
        !self.sum()
    }
}

/// Computes the internet checksum of `data` (the value to store, big-endian, in
/// a checksum field that was zero during the computation).
#[inline]
pub fn checksum(data: &[u8]) -> u16 {
    !sum_be(data)
}

/// Verifies data that includes its checksum field: true when the
/// one's-complement sum of all of it is `0xffff`.
#[inline]
pub fn verify(data: &[u8]) -> bool {
    sum_be(data) == 0xffff
}

/// [`verify`] specialised to the shape of an IPv4 header: 20 fixed octets
/// summed in straight-line code, then options in whole 32-bit words. Any other
/// shape takes the general path. Same answer as [`verify`] for every input;
/// meant for headers (at most 60 octets), though no length overflows it
/// below 16 GiB.
#[inline]
pub(crate) fn verify_ipv4_header(data: &[u8]) -> bool {
    let Some((fixed, options)) = data.split_first_chunk::<20>() else {
        return verify(data);
    };
    let (opt_words, odd) = options.as_chunks::<4>();
    if !odd.is_empty() {
        return verify(data);
    }
    let (words, _) = fixed.as_chunks::<4>();
    let mut total: u64 = 0;
    for w in words {
        total += u64::from(u32::from_ne_bytes(*w));
    }
    // One option word (Router Alert) is the common case past 20 octets.
    let more: u64 = match opt_words {
        [] => 0,
        [w] => u64::from(u32::from_ne_bytes(*w)),
        _ => opt_words
            .iter()
            .map(|w| u64::from(u32::from_ne_bytes(*w)))
            .sum(),
    };
    // Each sum has fewer than 2^32 words: neither can overflow, nor their sum.
    u16::from_be(fold64(total + more)) == 0xffff
}

/// RFC 1624 incremental update: the new checksum after one 16-bit word of the
/// covered data changed from `old_word` to `new_word`.
///
/// Uses equation 3, `HC' = ~(~HC + ~m + m')`, which never yields the `-0`
/// (0x0000 where 0xffff belongs) error of equation 2.
///
/// ```
/// use ipv4kit_wire::checksum::{checksum, update};
///
/// let mut hdr = [0x45, 0, 0, 20, 0, 0, 0, 0, 64, 2, 0, 0, 198, 18, 0, 1, 224, 0, 0, 1];
/// let before = checksum(&hdr);
/// // Decrement the TTL (the TTL and protocol share one 16-bit word).
/// let old = u16::from_be_bytes([hdr[8], hdr[9]]);
/// hdr[8] -= 1;
/// let new = u16::from_be_bytes([hdr[8], hdr[9]]);
/// assert_eq!(update(before, old, new), checksum(&hdr));
/// ```
#[inline]
pub fn update(old_checksum: u16, old_word: u16, new_word: u16) -> u16 {
    let sum = u32::from(!old_checksum) + u32::from(!old_word) + u32::from(new_word);
    !(fold32(sum) as u16)
}

/// RFC 1624 incremental update for a changed 32-bit field (an address).
#[inline]
pub fn update_u32(old_checksum: u16, old_value: u32, new_value: u32) -> u16 {
    let c = update(
        old_checksum,
        (old_value >> 16) as u16,
        (new_value >> 16) as u16,
    );
    update(c, old_value as u16, new_value as u16)
}

/// The running sum of the IPv6 pseudo-header (RFC 8200 §8.1): source,
/// destination, upper-layer packet length and Next Header, ready for the
/// upper-layer message to be added with [`Checksum::add_bytes`].
///
/// `upper_len` is the length of the upper-layer message alone (for MLD the
/// ICMPv6 message, without the hop-by-hop header); `next_header` the
/// upper-layer protocol (58 for ICMPv6), not the fixed header's Next Header.
///
/// ```
/// use core::net::Ipv6Addr;
/// use ipv4kit_wire::checksum::{icmpv6_checksum, pseudo_header_v6};
///
/// let src: Ipv6Addr = "fe80::b2a8:6eff:fe0c:d4e8".parse().unwrap();
/// let dst: Ipv6Addr = "ff02::1".parse().unwrap();
/// // tcpdump icmpv6.pcap packet 3: an MLDv2 General Query, checksum zeroed.
/// let mut query = [0u8; 28];
/// query[..6].copy_from_slice(&[0x82, 0, 0, 0, 0x27, 0x10]);
/// query[24..26].copy_from_slice(&[0x02, 0x3c]);
/// let mut c = pseudo_header_v6(src, dst, 28, 58);
/// c.add_bytes(&query);
/// assert_eq!(c.finish(), 0x623a);
/// assert_eq!(icmpv6_checksum(src, dst, &query), 0x623a);
/// ```
#[inline]
pub fn pseudo_header_v6(
    src: core::net::Ipv6Addr,
    dst: core::net::Ipv6Addr,
    upper_len: u32,
    next_header: u8,
) -> Checksum {
    let sum = u16::from_be(fold64(pseudo_v6_ne(
        &src.octets(),
        &dst.octets(),
        upper_len,
        next_header,
    )));
    Checksum {
        sum: u32::from(sum),
        odd: false,
    }
}

/// The ICMPv6 checksum of `msg` (its checksum field zero) sent from `src` to
/// `dst`: pseudo-header with Next Header 58 and the message length, then the
/// message (RFC 4443 §2.3, RFC 8200 §8.1). Messages longer than 4 GiB are not
/// meaningful (the length field is 32 bits).
#[inline]
pub fn icmpv6_checksum(src: core::net::Ipv6Addr, dst: core::net::Ipv6Addr, msg: &[u8]) -> u16 {
    !u16::from_be(fold64(icmpv6_sum_ne(&src.octets(), &dst.octets(), msg)))
}

/// Verifies an ICMPv6 message that includes its checksum (RFC 4443 §2.3):
/// true when pseudo-header plus message sum to `0xffff`.
#[inline]
pub fn verify_icmpv6(src: core::net::Ipv6Addr, dst: core::net::Ipv6Addr, msg: &[u8]) -> bool {
    u16::from_be(fold64(icmpv6_sum_ne(&src.octets(), &dst.octets(), msg))) == 0xffff
}

/// Native-endian sum of the ICMPv6 pseudo-header and `msg`, unfolded.
#[inline]
pub(crate) fn icmpv6_sum_ne(src: &[u8; 16], dst: &[u8; 16], msg: &[u8]) -> u64 {
    add_carry(pseudo_v6_ne(src, dst, msg.len() as u32, 58), sum_ne(msg))
}

/// Native-endian sum of the IPv6 pseudo-header, unfolded: each address as
/// two 64-bit words added with end-around carry (straight-line code, no loop),
/// then the length and Next Header words, which are below 2^33 together.
#[inline(always)]
fn pseudo_v6_ne(src: &[u8; 16], dst: &[u8; 16], upper_len: u32, next_header: u8) -> u64 {
    let (s, d) = (u128::from_ne_bytes(*src), u128::from_ne_bytes(*dst));
    let addrs = add_carry(
        add_carry(s as u64, (s >> 64) as u64),
        add_carry(d as u64, (d >> 64) as u64),
    );
    let tail = u64::from(u32::from_ne_bytes(upper_len.to_be_bytes()))
        + u64::from(u32::from_ne_bytes([0, 0, 0, next_header]));
    add_carry(addrs, tail)
}

/// One's-complement addition of two 64-bit partial sums.
#[inline(always)]
fn add_carry(acc: u64, word: u64) -> u64 {
    let (s, carry) = acc.overflowing_add(word);
    s + u64::from(carry)
}

#[inline(always)]
fn fold32(mut s: u32) -> u32 {
    s = (s & 0xffff) + (s >> 16);
    (s & 0xffff) + (s >> 16)
}

/// Folds a 64-bit one's-complement sum to 16 bits with two end-around-carry
/// additions (64 → 32 → 16 bits), each an add and an add-with-carry.
#[inline(always)]
fn fold64(s: u64) -> u16 {
    let (lo, carry) = (s as u32).overflowing_add((s >> 32) as u32);
    // With a carry out, `lo` is at most 0xffff_fffe: adding it cannot wrap.
    let x = lo + u32::from(carry);
    let (lo, carry) = (x as u16).overflowing_add((x >> 16) as u16);
    lo + u16::from(carry)
}

/// The one's-complement sum of `data` as big-endian words, folded to 16 bits.
#[inline]
fn sum_be(data: &[u8]) -> u16 {
    u16::from_be(fold64(sum_ne(data)))
}

/// Below this length [`sum_ne`] takes [`sum_ne_short`].
const SHORT_LEN: usize = 128;

/// [`sum_ne`] for short buffers (headers, small messages): 32-octet blocks
/// into four add-with-carry chains, then at most one 16-octet load pair,
/// one 8-octet word and 7 trailing octets, with no vector set-up or
/// reduction. A 20-octet header takes no loop at all; a 64-octet message
/// two blocks, each chain two additions deep.
#[inline(always)]
fn sum_ne_short(data: &[u8]) -> u64 {
    let (mut a, mut b) = (0u64, 0u64);
    let mut rest = data;
    if rest.len() >= 32 {
        // Four chains, so each is only len/32 additions deep.
        let (quads, tail) = rest.as_chunks::<32>();
        let (mut c, mut d) = (0u64, 0u64);
        for q in quads {
            let (w, _) = q.as_chunks::<8>();
            a = add_carry(a, u64::from_ne_bytes(w[0]));
            b = add_carry(b, u64::from_ne_bytes(w[1]));
            c = add_carry(c, u64::from_ne_bytes(w[2]));
            d = add_carry(d, u64::from_ne_bytes(w[3]));
        }
        a = add_carry(a, c);
        b = add_carry(b, d);
        rest = tail;
    }
    // Under 32 octets left: at most one 16-octet pair, no loop.
    if let Some((p, tail)) = rest.split_first_chunk::<16>() {
        let v = u128::from_ne_bytes(*p);
        a = add_carry(a, v as u64);
        b = add_carry(b, (v >> 64) as u64);
        rest = tail;
    }
    if let Some((w, tail)) = rest.split_first_chunk::<8>() {
        a = add_carry(a, u64::from_ne_bytes(*w));
        rest = tail;
    }
    // At most 7 octets: their words sum below 2^34.
    let mut small: u64 = 0;
    if let Some((w, tail)) = rest.split_first_chunk::<4>() {
        small += u64::from(u32::from_ne_bytes(*w));
        rest = tail;
    }
    match *rest {
        [x, y, z] => {
            small += u64::from(u16::from_ne_bytes([x, y])) + u64::from(u16::from_ne_bytes([z, 0]))
        }
        [x, y] => small += u64::from(u16::from_ne_bytes([x, y])),
        [x] => small += u64::from(u16::from_ne_bytes([x, 0])),
        _ => {}
    }
    add_carry(add_carry(a, b), small)
}

/// Sum of native-endian 16-bit words (a trailing odd byte padded with zero),
/// not yet folded.
///
/// Whole 64-byte blocks go through eight independent 64-bit accumulators with
/// end-around carry, so eight add-with-carry chains run side by side. The tail
/// (under 64 bytes) takes 8-byte words with carry, then at most 7 bytes into a
/// plain 64-bit total that cannot overflow.
#[inline]
fn sum_ne(data: &[u8]) -> u64 {
    if data.len() < SHORT_LEN {
        return sum_ne_short(data);
    }
    #[inline(always)]
    fn add(acc: u64, word: u64) -> u64 {
        let (s, carry) = acc.overflowing_add(word);
        s + u64::from(carry)
    }
    let (blocks, rest) = data.as_chunks::<64>();
    let mut total = 0;
    if !blocks.is_empty() {
        let mut acc = [0u64; 8];
        for block in blocks {
            let (words, _) = block.as_chunks::<8>();
            for (a, w) in acc.iter_mut().zip(words) {
                *a = add(*a, u64::from_ne_bytes(*w));
            }
        }
        // Pairwise, so the merge is three adds deep rather than eight.
        let [a0, a1, a2, a3, a4, a5, a6, a7] = acc;
        total = add(add(add(a0, a1), add(a2, a3)), add(add(a4, a5), add(a6, a7)));
    }
    let (words, rest) = rest.as_chunks::<8>();
    for w in words {
        total = add(total, u64::from_ne_bytes(*w));
    }
    let mut small: u64 = 0;
    let mut rest = rest;
    if let Some((w, tail)) = rest.split_first_chunk::<4>() {
        small += u64::from(u32::from_ne_bytes(*w));
        rest = tail;
    }
    if let Some((w, tail)) = rest.split_first_chunk::<2>() {
        small += u64::from(u16::from_ne_bytes(*w));
        if let Some(&b) = tail.first() {
            small += u64::from(u16::from_ne_bytes([b, 0]));
        }
    } else if let Some(&b) = rest.first() {
        small += u64::from(u16::from_ne_bytes([b, 0]));
    }
    add(total, small)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The textbook definition, for comparison.
    fn reference(data: &[u8]) -> u16 {
        let mut sum: u32 = 0;
        for pair in data.chunks(2) {
            let word = u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]);
            sum += u32::from(word);
            sum = (sum & 0xffff) + (sum >> 16);
        }
        !(sum as u16)
    }

    #[test]
    fn rfc1071_example_sums_to_ddf2() {
        // RFC 1071 §3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2.
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(!checksum(&data), 0xddf2);
        assert_eq!(Checksum::new().add_bytes(&data).sum(), 0xddf2);
    }

    #[test]
    fn empty_input_checksums_to_ffff() {
        assert_eq!(checksum(&[]), 0xffff);
        assert!(!verify(&[]));
    }

    #[test]
    fn ipv4_header_from_capture_verifies() {
        // tcpdump IGMP_V2.pcap frame 5: IPv4 header with Router Alert.
        let hdr = [
            0x46, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0xc0, 0xa8,
            0x0b, 0xc9, 0xe0, 0x00, 0x00, 0x02, 0x94, 0x04, 0x00, 0x00,
        ];
        let mut h = hdr;
        let c = checksum(&h);
        h[10..12].copy_from_slice(&c.to_be_bytes());
        assert!(verify(&h));
    }

    #[test]
    fn icmpv6_checksum_of_captured_mld_messages_verifies() {
        use core::net::Ipv6Addr;
        // tcpdump icmpv6.pcap packet 2: MLDv2 report TO_EX(ff02::db8:1122:3344).
        let src: Ipv6Addr = "fe80::215:17ff:fecc:e546".parse().unwrap();
        let dst: Ipv6Addr = "ff02::16".parse().unwrap();
        let mut msg = [
            0x8f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0xff, 0x02, 0,
            0, 0, 0, 0, 0, 0, 0, 0x0d, 0xb8, 0x11, 0x22, 0x33, 0x44,
        ];
        let c = icmpv6_checksum(src, dst, &msg);
        msg[2..4].copy_from_slice(&c.to_be_bytes());
        assert!(verify_icmpv6(src, dst, &msg));
        let mut acc = pseudo_header_v6(src, dst, 28, 58);
        acc.add_bytes(&msg);
        assert_eq!(acc.sum(), 0xffff);
        msg[5] ^= 1;
        assert!(!verify_icmpv6(src, dst, &msg));
    }

    #[test]
    fn rfc1624_update_avoids_negative_zero() {
        // RFC 1624 §4: a header whose checksum is 0xdd2f; a word 0x5555 changes
        // to 0x3285. Equation 3 gives 0x0000, the correct answer here.
        assert_eq!(update(0xdd2f, 0x5555, 0x3285), 0x0000);
    }

    proptest! {
        #[test]
        fn matches_reference_for_any_bytes(data in proptest::collection::vec(any::<u8>(), 0..2000)) {
            prop_assert_eq!(checksum(&data), reference(&data));
        }

        #[test]
        fn split_sums_equal_whole_sum(data in proptest::collection::vec(any::<u8>(), 0..300),
                                      cuts in proptest::collection::vec(any::<usize>(), 0..5)) {
            let mut c = Checksum::new();
            let mut cuts: std::vec::Vec<usize> = cuts.iter().map(|c| c % (data.len() + 1)).collect();
            cuts.sort_unstable();
            let mut start = 0;
            for cut in cuts {
                c.add_bytes(&data[start..cut]);
                start = cut;
            }
            c.add_bytes(&data[start..]);
            prop_assert_eq!(c.finish(), reference(&data));
        }

        #[test]
        fn ipv4_header_shape_gives_the_general_answer(data in proptest::collection::vec(any::<u8>(), 0..80)) {
            prop_assert_eq!(verify_ipv4_header(&data), verify(&data));
            // And for headers whose checksum was filled in.
            let mut fixed = data.clone();
            if fixed.len() >= 20 {
                fixed[10..12].fill(0);
                let c = checksum(&fixed);
                fixed[10..12].copy_from_slice(&c.to_be_bytes());
                prop_assert_eq!(verify_ipv4_header(&fixed), verify(&fixed));
                prop_assert!(verify(&fixed));
            }
        }

        #[test]
        fn icmpv6_checksum_equals_the_sum_over_a_written_out_pseudo_header(
            src in any::<[u8; 16]>(), dst in any::<[u8; 16]>(),
            msg in proptest::collection::vec(any::<u8>(), 0..300)) {
            let mut whole = std::vec::Vec::new();
            whole.extend_from_slice(&src);
            whole.extend_from_slice(&dst);
            whole.extend_from_slice(&(msg.len() as u32).to_be_bytes());
            whole.extend_from_slice(&[0, 0, 0, 58]);
            whole.extend_from_slice(&msg);
            let (s, d) = (core::net::Ipv6Addr::from(src), core::net::Ipv6Addr::from(dst));
            prop_assert_eq!(icmpv6_checksum(s, d, &msg), reference(&whole));
            let mut acc = pseudo_header_v6(s, d, msg.len() as u32, 58);
            acc.add_bytes(&msg);
            prop_assert_eq!(acc.finish(), reference(&whole));
        }

        #[test]
        fn unaligned_starts_give_same_result(data in proptest::collection::vec(any::<u8>(), 1..600), off in 0usize..8) {
            let mut padded = std::vec![0u8; off];
            padded.extend_from_slice(&data);
            prop_assert_eq!(checksum(&padded[off..]), reference(&data));
        }

        #[test]
        fn incremental_update_equals_recompute(mut data in proptest::collection::vec(any::<u8>(), 2..64).prop_filter("even", |d| d.len() % 2 == 0),
                                               idx in any::<usize>(), new in any::<u16>()) {
            let i = (idx % (data.len() / 2)) * 2;
            let old_sum = checksum(&data);
            let old = u16::from_be_bytes([data[i], data[i + 1]]);
            data[i..i + 2].copy_from_slice(&new.to_be_bytes());
            let updated = update(old_sum, old, new);
            let fresh = checksum(&data);
            // Both are valid encodings of the same sum; they differ only by ±0.
            prop_assert!(updated == fresh || (updated ^ fresh == 0xffff && (updated == 0 || fresh == 0)),
                         "updated {:04x} fresh {:04x}", updated, fresh);
        }
    }
}
