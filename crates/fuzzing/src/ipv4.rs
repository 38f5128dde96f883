//! IPv4 header and option bodies: `ipv4_strict`, `ipv4_lenient`,
//! `ipv4_options`, `ipv4_repr_roundtrip`.

use std::net::Ipv4Addr;

use arbitrary::{Arbitrary, Unstructured};
use ipv4kit_wire::checksum;
use ipv4kit_wire::ipv4::{
    bsd, is_known_kind, kind, IpProtocol, Ipv4EmitError, Ipv4Error, Ipv4Option, Ipv4Options,
    Ipv4Packet, Ipv4Repr, OptionEmitError, RouteOption, TimestampOption, FLAG_RESERVED,
    MAX_OPTIONS_LEN, MIN_HEADER_LEN,
};

/// `new_checked` on arbitrary bytes: Ok ⇒ `new_lenient` Ok with the same
/// fields and every view invariant ([`check_view`]) holds, the checksum
/// verifies and the header re-emits byte for byte through [`Ipv4Repr`];
/// `BadChecksum` ⇒ lenient Ok and storing the computed checksum makes the
/// header pass; any other error ⇒ lenient fails the same way.
pub fn ipv4_strict(data: &[u8]) {
    let checked = Ipv4Packet::new_checked(data);
    let lenient = Ipv4Packet::new_lenient(data);
    match checked {
        Ok(p) => {
            let l = lenient.expect("strict Ok but lenient Err");
            assert_eq!(p, l);
            assert!(p.verify_checksum());
            check_view(data, &p);
            check_reemit(data, &p, true);
            check_decrement_ttl(data, true);
        }
        Err(Ipv4Error::BadChecksum { stored, computed }) => {
            let l = lenient.expect("BadChecksum but lenient Err: lengths were fine");
            assert!(!l.verify_checksum());
            assert_eq!(stored, l.checksum());
            assert_ne!(stored, computed);
            // Storing the computed value must make the header pass.
            let mut fixed = data.to_vec();
            fixed[10..12].copy_from_slice(&computed.to_be_bytes());
            assert!(
                Ipv4Packet::new_checked(&fixed[..]).is_ok(),
                "the computed checksum {computed:#06x} does not verify"
            );
            // So must fill_checksum.
            let mut filled = Ipv4Packet::new_unchecked(data.to_vec());
            filled.fill_checksum();
            assert_eq!(filled.checksum(), computed);
        }
        Err(e) => {
            assert_eq!(lenient, Err(e), "strict and lenient disagree on lengths");
            let _ = e.to_string();
        }
    }
}

/// `new_lenient` on arbitrary bytes, plus the unchecked view: accessors of
/// `new_unchecked` never panic whatever the bytes; a lenient view satisfies
/// every [`check_view`] invariant; `new_checked` is Ok exactly when the
/// checksum verifies; the BSD byte-order conversions undo each other.
pub fn ipv4_lenient(data: &[u8]) {
    touch_unchecked(data);
    match Ipv4Packet::new_lenient(data) {
        Ok(p) => {
            check_view(data, &p);
            match Ipv4Packet::new_checked(data) {
                Ok(_) => assert!(p.verify_checksum()),
                Err(Ipv4Error::BadChecksum { .. }) => assert!(!p.verify_checksum()),
                Err(e) => panic!("lenient Ok, strict {e}"),
            }
            check_reemit(data, &p, p.verify_checksum());
            check_decrement_ttl(data, p.verify_checksum());
        }
        Err(e) => {
            let _ = e.to_string();
            assert!(!matches!(e, Ipv4Error::BadChecksum { .. }));
        }
    }
    // BSD raw-socket byte order: from_wire_order then to_wire_order(Total) is the identity.
    let mut hdr = data.to_vec();
    match bsd::from_wire_order(&mut hdr) {
        Ok(()) => {
            assert_eq!(hdr[..2], data[..2]);
            assert_eq!(hdr[4..6], data[4..6]);
            assert_eq!(hdr[8..], data[8..]);
            bsd::to_wire_order(&mut hdr, bsd::RecvLen::Total).unwrap();
            assert_eq!(hdr, data);
        }
        Err(e) => assert_eq!(
            e,
            Ipv4Error::BufferTooShort {
                available: data.len()
            }
        ),
    }
}

/// Every accessor of an unchecked view, over bytes that may be anything.
fn touch_unchecked(data: &[u8]) {
    let p = Ipv4Packet::new_unchecked(data);
    let _ = (p.version(), p.ihl(), p.tos(), p.dscp(), p.ecn(), p.ident());
    let _ = (p.flags(), p.dont_frag(), p.more_frags(), p.reserved_flag());
    let _ = (p.frag_offset(), p.frag_offset_bytes(), p.is_fragment());
    let _ = (p.ttl(), p.protocol(), p.checksum(), p.src(), p.dst());
    let _ = (p.verify_checksum(), p.router_alert(), p.header().ttl);
    assert!(p.header_bytes().len() <= data.len());
    assert!(p.options_bytes().len() <= MAX_OPTIONS_LEN);
    assert!(p.payload().len() <= data.len());
    assert!(p.datagram_bytes().len() <= data.len());
    assert!(p.options().count() <= MAX_OPTIONS_LEN);
    let _ = format!("{p:?} {}", p.protocol());
}

/// The invariants of a view that `new_lenient` (or `new_checked`) accepted.
pub fn check_view(data: &[u8], p: &Ipv4Packet<&[u8]>) {
    let header_len = p.header_len();
    let total_len = usize::from(p.total_len());
    assert_eq!(p.version(), 4);
    assert!((5..=15).contains(&p.ihl()));
    assert_eq!(header_len, usize::from(p.ihl()) * 4);
    assert!(header_len <= total_len && total_len <= data.len());
    assert_eq!(p.as_bytes(), data);
    assert_eq!(p.header_bytes(), &data[..header_len]);
    assert_eq!(p.options_bytes(), &data[MIN_HEADER_LEN..header_len]);
    assert_eq!(p.options_bytes_ref(), p.options_bytes());
    assert_eq!(p.payload().len(), total_len - header_len);
    assert_eq!(p.payload(), &data[header_len..total_len]);
    assert_eq!(p.payload_ref(), p.payload());
    assert_eq!(p.datagram_bytes(), &data[..total_len]);
    // Field decompositions.
    assert_eq!((p.dscp() << 2) | p.ecn(), p.tos());
    let flags_frag = u16::from_be_bytes([data[6], data[7]]);
    assert_eq!(p.flags(), (flags_frag >> 13) as u8);
    assert_eq!(p.reserved_flag(), flags_frag & FLAG_RESERVED != 0);
    assert_eq!(p.frag_offset(), flags_frag & 0x1fff);
    assert_eq!(
        u32::from(p.frag_offset_bytes()),
        u32::from(p.frag_offset()) * 8
    );
    assert_eq!(p.is_fragment(), p.more_frags() || p.frag_offset() != 0);
    assert_eq!(p.protocol(), IpProtocol(data[9]));
    assert_eq!(
        p.src(),
        Ipv4Addr::new(data[12], data[13], data[14], data[15])
    );
    assert_eq!(
        p.dst(),
        Ipv4Addr::new(data[16], data[17], data[18], data[19])
    );
    assert_eq!(
        p.verify_checksum(),
        checksum::verify(&data[..header_len]),
        "verify_checksum disagrees with checksum::verify"
    );
    // Options: the walk is bounded and router_alert agrees with it.
    let walked = walk_options(p.options_bytes());
    assert_eq!(p.router_alert(), walked.router_alert);
}

/// Re-emits a parsed header through `Ipv4Repr` and compares: identical but
/// for the reserved flag (not represented, written as 0) and the checksum
/// (recomputed; identical too when the original verified).
fn check_reemit(data: &[u8], p: &Ipv4Packet<&[u8]>, checksum_ok: bool) {
    let repr = Ipv4Repr::parse(p);
    assert_eq!(repr.header_len(), p.header_len());
    assert_eq!(repr.total_len(), usize::from(p.total_len()));
    let mut buf = [0xa5u8; 60];
    let n = repr
        .emit(&mut buf)
        .unwrap_or_else(|e| panic!("a parsed header does not re-emit: {e}"));
    assert_eq!(n, p.header_len());
    assert!(
        checksum::verify(&buf[..n]),
        "an emitted header does not verify"
    );
    let mut expected = data[..n].to_vec();
    expected[6] &= !0x80; // the reserved flag
    let (stored, emitted) = (
        u16::from_be_bytes([data[10], data[11]]),
        u16::from_be_bytes([buf[10], buf[11]]),
    );
    if checksum_ok && !p.reserved_flag() && stored != emitted {
        // Both one's complement zeros verify (RFC 1624 §3); emit writes 0x0000.
        assert_eq!(
            (stored, emitted),
            (0xffff, 0x0000),
            "re-emitted checksum differs"
        );
    }
    expected[10..12].copy_from_slice(&buf[10..12]);
    assert_eq!(buf[..n], expected[..], "re-emitted header differs");
    let again = Ipv4Packet::new_checked(&buf[..n]);
    // The emitted header alone has no payload; it checks except for Total Length.
    if repr.payload_len == 0 {
        assert_eq!(Ipv4Repr::parse(&again.unwrap()), repr);
    }
}

/// RFC 1624 incremental update: a datagram whose checksum verified still
/// verifies after the TTL is decremented.
fn check_decrement_ttl(data: &[u8], checksum_ok: bool) {
    let mut copy = Ipv4Packet::new_unchecked(data.to_vec());
    let ttl = copy.ttl();
    match copy.decrement_ttl() {
        Some(new) => {
            assert_eq!(new, ttl - 1);
            assert_eq!(copy.ttl(), new);
            if checksum_ok {
                assert!(
                    copy.verify_checksum(),
                    "decrement_ttl broke the checksum of a valid header (ttl {ttl}, checksum {:#06x})",
                    u16::from_be_bytes([data[10], data[11]])
                );
            }
        }
        None => {
            assert_eq!(ttl, 0);
            assert_eq!(copy.into_inner(), data);
        }
    }
}

/// What walking an options area found.
struct Walked {
    router_alert: Option<u16>,
}

/// Walks an options area asserting the iterator's contract; every `Ok` option
/// re-emits to exactly the octets it was read from.
fn walk_options(bytes: &[u8]) -> Walked {
    let mut at = 0usize;
    let mut items = 0usize;
    let mut router_alert = None;
    let mut ended = false;
    let mut iter = Ipv4Options::new(bytes);
    for item in iter.by_ref() {
        items += 1;
        assert!(items <= bytes.len(), "options walk does not consume bytes");
        assert!(!ended, "the walk went on after End of List or an error");
        match item {
            Ok(option) => {
                let len = option.buffer_len();
                assert!(at + len <= bytes.len(), "option reaches past the area");
                let mut out = [0xa5u8; 256];
                if len > MAX_OPTIONS_LEN {
                    // Only over an area longer than a header allows (ipv4_options
                    // feeds any length): an option too long for any header.
                    assert!(bytes.len() > MAX_OPTIONS_LEN);
                    assert_eq!(option.emit(&mut out), Err(OptionEmitError::TooLong { len }));
                    check_option_accessors(&option);
                    at += len;
                    continue;
                }
                let n = option
                    .emit(&mut out)
                    .unwrap_or_else(|e| panic!("parsed option {option:?} does not emit: {e}"));
                assert_eq!(n, len);
                if option != Ipv4Option::EndOfList {
                    assert_eq!(
                        out[..n],
                        bytes[at..at + n],
                        "option {option:?} re-emits differently"
                    );
                } else {
                    assert_eq!(bytes[at], kind::END_OF_LIST);
                    ended = true;
                }
                check_option_accessors(&option);
                if let (Ipv4Option::RouterAlert { value }, None) = (&option, router_alert) {
                    router_alert = Some(*value);
                }
                at += len;
            }
            Err(e) => {
                let _ = e.to_string();
                // An error ends router_alert's walk too: it keeps what it found before.
                ended = true;
            }
        }
    }
    assert!(iter.next().is_none(), "the options iterator is not fused");
    if bytes.len() <= MAX_OPTIONS_LEN {
        assert!(items <= MAX_OPTIONS_LEN);
    }
    if !ended {
        assert_eq!(at, bytes.len(), "walk stopped early without an error");
    }
    Walked { router_alert }
}

fn check_option_accessors(option: &Ipv4Option<'_>) {
    match option {
        Ipv4Option::RecordRoute(r)
        | Ipv4Option::LooseSourceRoute(r)
        | Ipv4Option::StrictSourceRoute(r) => {
            assert!(r.pointer >= 4);
            assert_eq!(r.data.len() % 4, 0);
            assert_eq!(r.addresses().len(), r.data.len() / 4);
            assert!(r.recorded().count() <= r.addresses().count());
            assert_eq!(r.is_full(), usize::from(r.pointer) > r.data.len() + 3);
        }
        Ipv4Option::Timestamp(t) => {
            assert!(t.pointer >= 5 && t.overflow <= 15 && t.flags <= 15);
        }
        Ipv4Option::Unknown { kind, .. } => assert!(!is_known_kind(*kind)),
        other => assert!(is_known_kind(other.kind())),
    }
    let _ = format!("{option:?}");
}

/// `Ipv4Options` over an arbitrary options area (any length, not only the
/// 0–40 octets a header allows): the walk ends within one item per octet (so
/// within 40 on a real header), is fused, stops after End of List or the
/// first error, and every option re-emits to its octets; `emit_all` of the
/// options read rebuilds the area read.
pub fn ipv4_options(data: &[u8]) {
    let walked = walk_options(data);
    let _ = walked;
    // emit_all of everything read Ok, up to End of List or the first error.
    let options: Vec<Ipv4Option<'_>> = Ipv4Options::new(data)
        .map_while(Result::ok)
        .take_while(|o| *o != Ipv4Option::EndOfList)
        .collect();
    let consumed: usize = options.iter().map(Ipv4Option::buffer_len).sum();
    let mut out = [0xa5u8; MAX_OPTIONS_LEN];
    match Ipv4Option::emit_all(&options, &mut out) {
        Ok(n) => {
            assert_eq!(n, consumed);
            assert_eq!(out[..n], data[..n]);
        }
        Err(OptionEmitError::TooLong { len }) => {
            assert_eq!(len, consumed);
            assert!(consumed > MAX_OPTIONS_LEN);
        }
        Err(e) => panic!("emit_all of parsed options failed: {e}"),
    }
    // The same area inside a header: router_alert agrees with the walk.
    if data.len() <= MAX_OPTIONS_LEN && data.len().is_multiple_of(4) {
        let header_len = MIN_HEADER_LEN + data.len();
        let mut dgram = vec![0u8; header_len];
        dgram[0] = 0x40 | (header_len / 4) as u8;
        dgram[2..4].copy_from_slice(&(header_len as u16).to_be_bytes());
        dgram[MIN_HEADER_LEN..].copy_from_slice(data);
        let p = Ipv4Packet::new_lenient(&dgram[..]).expect("a built header parses");
        check_view(&dgram, &p);
    }
}

/// An [`Ipv4Repr`] with owned options, for [`ipv4_repr_roundtrip`].
#[derive(Debug, Arbitrary)]
pub struct ReprInput {
    src: [u8; 4],
    dst: [u8; 4],
    protocol: u8,
    ttl: u8,
    dscp: u8,
    ecn: u8,
    ident: u16,
    dont_frag: bool,
    more_frags: bool,
    frag_offset: u16,
    /// Raw option bytes (may exceed 40).
    options: Vec<u8>,
    payload_len: u16,
    /// Shrinks the output buffer by this many octets (mod 61).
    short_by: u8,
    /// Options built from values, encoded with `Ipv4Option::emit_all`.
    typed_options: Vec<OptionInput>,
}

/// One option as plain values, for [`ipv4_repr_roundtrip`].
#[derive(Debug, Arbitrary)]
pub enum OptionInput {
    /// End of Option List.
    EndOfList,
    /// No Operation.
    Nop,
    /// Router Alert with a value.
    RouterAlert(u16),
    /// Record Route, LSRR or SSRR (by `which` mod 3) with pointer and data.
    Route(u8, u8, Vec<u8>),
    /// Timestamp: pointer, overflow, flags, data.
    Timestamp(u8, u8, u8, Vec<u8>),
    /// Security with data.
    Security(Vec<u8>),
    /// Unknown kind with data.
    Unknown(u8, Vec<u8>),
}

impl OptionInput {
    fn to_option(&self) -> Ipv4Option<'_> {
        match self {
            OptionInput::EndOfList => Ipv4Option::EndOfList,
            OptionInput::Nop => Ipv4Option::Nop,
            OptionInput::RouterAlert(value) => Ipv4Option::RouterAlert { value: *value },
            OptionInput::Route(which, pointer, data) => {
                let r = RouteOption {
                    pointer: *pointer,
                    data,
                };
                match which % 3 {
                    0 => Ipv4Option::RecordRoute(r),
                    1 => Ipv4Option::LooseSourceRoute(r),
                    _ => Ipv4Option::StrictSourceRoute(r),
                }
            }
            OptionInput::Timestamp(pointer, overflow, flags, data) => {
                Ipv4Option::Timestamp(TimestampOption {
                    pointer: *pointer,
                    overflow: *overflow,
                    flags: *flags,
                    data,
                })
            }
            OptionInput::Security(data) => Ipv4Option::Security { data },
            OptionInput::Unknown(kind, data) => Ipv4Option::Unknown { kind: *kind, data },
        }
    }
}

/// Builds a [`ReprInput`] from the bytes and runs [`ipv4_repr_roundtrip_input`].
pub fn ipv4_repr_roundtrip(data: &[u8]) {
    if let Ok(input) = ReprInput::arbitrary_take_rest(Unstructured::new(data)) {
        ipv4_repr_roundtrip_input(input);
    }
}

/// Arbitrary repr → emit → parse → equal; an emit error is the first of the
/// documented checks that fails. Then typed options → `emit_all` → walk →
/// equal options.
pub fn ipv4_repr_roundtrip_input(input: ReprInput) {
    let repr = Ipv4Repr {
        src: Ipv4Addr::from(input.src),
        dst: Ipv4Addr::from(input.dst),
        protocol: IpProtocol(input.protocol),
        ttl: input.ttl,
        dscp: input.dscp,
        ecn: input.ecn,
        ident: input.ident,
        dont_frag: input.dont_frag,
        more_frags: input.more_frags,
        frag_offset: input.frag_offset,
        options: &input.options,
        payload_len: usize::from(input.payload_len),
    };
    let mut buf = [0xa5u8; 60];
    let avail = 60 - usize::from(input.short_by % 61);
    let result = repr.emit(&mut buf[..avail]);
    let expected_err = if repr.options.len() > MAX_OPTIONS_LEN {
        Some(Ipv4EmitError::OptionsTooLong {
            len: repr.options.len(),
        })
    } else if repr.total_len() > 65535 {
        Some(Ipv4EmitError::TotalLenTooLong {
            total_len: repr.total_len(),
        })
    } else if repr.frag_offset > 0x1fff {
        Some(Ipv4EmitError::FragOffsetTooLarge {
            frag_offset: repr.frag_offset,
        })
    } else if repr.dscp > 0x3f {
        Some(Ipv4EmitError::DscpOutOfRange { dscp: repr.dscp })
    } else if repr.ecn > 3 {
        Some(Ipv4EmitError::EcnOutOfRange { ecn: repr.ecn })
    } else if repr.header_len() > avail {
        Some(Ipv4EmitError::BufferTooShort {
            needed: repr.header_len(),
            available: avail,
        })
    } else {
        None
    };
    match (result, expected_err) {
        (Ok(n), None) => {
            assert_eq!(n, repr.header_len());
            let mut dgram = buf[..n].to_vec();
            dgram.resize(repr.total_len(), 0);
            let p = Ipv4Packet::new_checked(&dgram[..]).expect("an emitted header checks");
            check_view(&dgram, &p);
            let parsed = Ipv4Repr::parse(&p);
            // Options come back padded with End of List octets.
            assert_eq!(parsed.options.len(), repr.options.len().next_multiple_of(4));
            assert_eq!(&parsed.options[..repr.options.len()], repr.options);
            assert!(parsed.options[repr.options.len()..].iter().all(|&b| b == 0));
            assert_eq!(
                Ipv4Repr {
                    options: repr.options,
                    ..parsed
                },
                repr
            );
        }
        (Err(e), Some(expected)) => {
            assert_eq!(e, expected);
            let _ = e.to_string();
        }
        (got, expected) => panic!("emit gave {got:?}, expected error {expected:?}"),
    }

    // Typed options: emit_all then walk back.
    let options: Vec<Ipv4Option<'_>> = input
        .typed_options
        .iter()
        .map(OptionInput::to_option)
        .collect();
    let mut area = [0xa5u8; MAX_OPTIONS_LEN];
    match Ipv4Option::emit_all(&options, &mut area) {
        Ok(n) => {
            let total: usize = options.iter().map(Ipv4Option::buffer_len).sum();
            assert_eq!(n, total);
            // Parsing stops after End of List; compare up to and including it.
            let expected: Vec<_> = match options.iter().position(|o| *o == Ipv4Option::EndOfList) {
                Some(i) => options[..=i].to_vec(),
                None => options.clone(),
            };
            let back: Vec<_> = Ipv4Options::new(&area[..n])
                .collect::<Result<_, _>>()
                .unwrap_or_else(|e| panic!("emitted options do not parse: {e}"));
            assert_eq!(back, expected);
        }
        Err(e) => {
            let _ = e.to_string();
            // Some option must be at fault, or the total too long.
            let total: usize = options.iter().map(Ipv4Option::buffer_len).sum();
            let each_ok = options
                .iter()
                .all(|o| o.emit(&mut [0u8; MAX_OPTIONS_LEN]).is_ok());
            // Or a once-only option (Record Route, a source route, Timestamp,
            // Router Alert, Security) repeats.
            let class = |o: &Ipv4Option<'_>| match o {
                Ipv4Option::RecordRoute(_) => 1u8,
                Ipv4Option::LooseSourceRoute(_) | Ipv4Option::StrictSourceRoute(_) => 2,
                Ipv4Option::Timestamp(_) => 4,
                Ipv4Option::RouterAlert { .. } => 8,
                Ipv4Option::Security { .. } => 16,
                _ => 0,
            };
            let mut seen = 0u8;
            let mut repeats = false;
            for o in &options {
                repeats |= seen & class(o) != 0;
                seen |= class(o);
            }
            assert!(
                total > MAX_OPTIONS_LEN || !each_ok || repeats,
                "emit_all failed ({e}) but every option emits, they fit and none repeats"
            );
            if repeats && each_ok && total <= MAX_OPTIONS_LEN {
                assert!(matches!(e, OptionEmitError::Duplicate { .. }), "{e:?}");
            }
        }
    }
}
