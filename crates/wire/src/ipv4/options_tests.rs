use super::*;
use proptest::prelude::*;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::string::ToString;
use std::vec::Vec;

fn collect(bytes: &[u8]) -> Vec<Result<Ipv4Option<'_>, OptionError>> {
    Ipv4Options::new(bytes).collect()
}

#[test]
fn router_alert_from_igmp_captures() {
    // Every RA in tests/data/tcpdump (IGMP_V1, IGMP_V2 reports, igmpv3-queries)
    // is these four bytes: copied flag set, class 0, number 20, value 0.
    assert_eq!(
        collect(&ROUTER_ALERT),
        [Ok(Ipv4Option::RouterAlert { value: 0 })]
    );
    assert_eq!(ROUTER_ALERT, [0x94, 0x04, 0x00, 0x00]);
}

#[test]
fn end_of_list_stops_and_padding_is_ignored() {
    assert_eq!(
        collect(&[1, 0, 0x94, 4, 0, 0, 0xff, 0xff]),
        [Ok(Ipv4Option::Nop), Ok(Ipv4Option::EndOfList)]
    );
}

#[test]
fn record_route_exposes_pointer_and_addresses() {
    // RFC 791 §3.1 Record Route with room for 2 addresses, one recorded.
    let bytes = [7, 11, 8, 10, 0, 0, 1, 0, 0, 0, 0, 1];
    let opts = collect(&bytes);
    let Ok(Ipv4Option::RecordRoute(rr)) = opts[0] else {
        panic!("{opts:?}")
    };
    assert_eq!(rr.pointer, 8);
    assert_eq!(
        rr.addresses().collect::<Vec<_>>(),
        [Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(0, 0, 0, 0)]
    );
    assert_eq!(rr.addresses().len(), 2);
    assert_eq!(
        rr.recorded().collect::<Vec<_>>(),
        [Ipv4Addr::new(10, 0, 0, 1)]
    );
    assert!(!rr.is_full());
    assert_eq!(opts[1], Ok(Ipv4Option::Nop));
    let full = RouteOption {
        pointer: 12,
        data: &[0; 8],
    };
    assert!(full.is_full());
    assert_eq!(full.recorded().count(), 2);
}

#[test]
fn source_routes_and_security_and_unknown() {
    let bytes = [
        0x83, 7, 4, 1, 2, 3, 4, // LSRR
        0x82, 4, 0xab, 0x01, // RFC 1108 BSO: level, authority
        0x88, 4, 0x12, 0x34, // Stream ID (obsolete): unknown here
        0x88, 2, // ... which may repeat
    ];
    assert_eq!(
        collect(&bytes),
        [
            Ok(Ipv4Option::LooseSourceRoute(RouteOption {
                pointer: 4,
                data: &[1, 2, 3, 4]
            })),
            Ok(Ipv4Option::Security { data: &[0xab, 1] }),
            Ok(Ipv4Option::Unknown {
                kind: 0x88,
                data: &[0x12, 0x34]
            }),
            Ok(Ipv4Option::Unknown {
                kind: 0x88,
                data: &[]
            }),
        ]
    );
    // SSRR, empty route (pointer past the end: full).
    assert_eq!(
        collect(&[0x89, 3, 4]),
        [Ok(Ipv4Option::StrictSourceRoute(RouteOption {
            pointer: 4,
            data: &[]
        }))]
    );
}

#[test]
fn a_second_source_route_or_record_route_is_an_error() {
    // A loose and a strict source route together: at most one source route.
    let two_routes = [0x83, 7, 4, 1, 2, 3, 4, 0x89, 3, 4];
    assert_eq!(
        collect(&two_routes)[1],
        Err(OptionError::Duplicate { kind: 0x89 })
    );
    let two_rr = [7, 3, 4, 7, 3, 4];
    assert_eq!(collect(&two_rr)[1], Err(OptionError::Duplicate { kind: 7 }));
    let two_ra = [0x94, 4, 0, 0, 0x94, 4, 0, 0];
    assert_eq!(
        collect(&two_ra)[1],
        Err(OptionError::Duplicate { kind: 0x94 })
    );
    // The encoder refuses the same sequences.
    let rr = Ipv4Option::RecordRoute(RouteOption {
        pointer: 4,
        data: &[],
    });
    assert_eq!(
        Ipv4Option::emit_all(&[rr, rr], &mut [0u8; 40]),
        Err(OptionEmitError::Duplicate { kind: 7 })
    );
}

#[test]
fn a_pointer_whose_slot_runs_past_the_option_is_an_error() {
    // Record Route of length 7 (one slot at 4..8) with pointer 5: writing an
    // address there would overrun the option; Linux refuses it too.
    let rr = [7, 7, 5, 0, 0, 0, 0];
    assert_eq!(
        collect(&rr),
        [Err(OptionError::SlotBeyondOption {
            kind: 7,
            pointer: 5,
            len: 7
        })]
    );
    // Pointer 8 (past the end) is a full route, not an error.
    assert!(collect(&[7, 7, 8, 0, 0, 0, 0])[0].is_ok());
    // Timestamp with addresses: 8-octet slots. Length 8, pointer 5 leaves 4.
    let ts = [0x44, 8, 5, 0x01, 0, 0, 0, 0];
    assert_eq!(
        collect(&ts),
        [Err(OptionError::SlotBeyondOption {
            kind: 0x44,
            pointer: 5,
            len: 8
        })]
    );
    // The same as timestamps only (flag 0): one 4-octet slot, fine.
    assert!(collect(&[0x44, 8, 5, 0x00, 0, 0, 0, 0])[0].is_ok());
    let bad = Ipv4Option::RecordRoute(RouteOption {
        pointer: 5,
        data: &[0; 4],
    });
    assert_eq!(
        bad.emit(&mut [0u8; 8]),
        Err(OptionEmitError::SlotBeyondOption {
            kind: 7,
            pointer: 5,
            len: 7
        })
    );
}

#[test]
fn timestamp_exposes_overflow_and_flags() {
    // RFC 791 §3.1: flag 1 (address + timestamp), overflow 3, one slot used.
    let bytes = [0x44, 12, 13, 0x31, 10, 0, 0, 1, 0, 0, 0, 42];
    assert_eq!(
        collect(&bytes),
        [Ok(Ipv4Option::Timestamp(TimestampOption {
            pointer: 13,
            overflow: 3,
            flags: TS_AND_ADDR,
            data: &bytes[4..]
        }))]
    );
}

#[test]
fn malformed_lengths_are_errors_and_stop_the_walk() {
    let cases: [(&[u8], OptionError); 10] = [
        (&[0x94], OptionError::Truncated { kind: 0x94 }),
        (
            &[0x94, 0],
            OptionError::LengthTooSmall { kind: 0x94, len: 0 },
        ),
        (
            &[0x88, 1, 0, 0],
            OptionError::LengthTooSmall { kind: 0x88, len: 1 },
        ),
        (
            &[0x94, 4, 0],
            OptionError::LengthBeyondOptions {
                kind: 0x94,
                len: 4,
                available: 3,
            },
        ),
        (
            &[0x94, 3, 0],
            OptionError::InvalidLength { kind: 0x94, len: 3 },
        ),
        (
            &[0x94, 5, 0, 0, 0],
            OptionError::InvalidLength { kind: 0x94, len: 5 },
        ),
        (&[7, 2], OptionError::InvalidLength { kind: 7, len: 2 }),
        (
            &[7, 5, 4, 0, 0],
            OptionError::InvalidLength { kind: 7, len: 5 },
        ),
        (
            &[0x83, 3, 3],
            OptionError::PointerTooSmall {
                kind: 0x83,
                pointer: 3,
            },
        ),
        (
            &[0x44, 4, 4, 0],
            OptionError::PointerTooSmall {
                kind: 0x44,
                pointer: 4,
            },
        ),
    ];
    for (bytes, error) in cases {
        let mut with_tail = bytes.to_vec();
        with_tail.extend_from_slice(&[1, 1]);
        let got = collect(bytes);
        assert_eq!(got, [Err(error)], "{bytes:?}");
        let mut it = Ipv4Options::new(&with_tail);
        let first = it.next();
        // Appending bytes changes these two cases; for the rest, the NOPs
        // after the bad option are never reached.
        if matches!(
            error,
            OptionError::LengthBeyondOptions { .. } | OptionError::Truncated { .. }
        ) {
            continue;
        }
        assert_eq!(first, Some(Err(error)), "{bytes:?}");
        assert_eq!(it.next(), None);
        assert_eq!(it.next(), None);
    }
    assert_eq!(
        collect(&[0x44, 3, 5]),
        [Err(OptionError::InvalidLength { kind: 0x44, len: 3 })]
    );
    assert_eq!(
        collect(&[0x82, 2]),
        [Err(OptionError::InvalidLength { kind: 0x82, len: 2 })]
    );
}

#[test]
fn emit_writes_rfc_layouts() {
    let mut buf = [0xeeu8; 16];
    let ts = Ipv4Option::Timestamp(TimestampOption {
        pointer: 5,
        overflow: 15,
        flags: TS_PRESPECIFIED,
        data: &[1, 2, 3, 4, 5, 6, 7, 8],
    });
    assert_eq!(ts.buffer_len(), 12);
    assert_eq!(ts.emit(&mut buf), Ok(12));
    assert_eq!(&buf[..12], &[0x44, 12, 5, 0xf3, 1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(Ipv4Option::Nop.emit(&mut buf), Ok(1));
    assert_eq!(buf[0], 1);
    assert_eq!(Ipv4Option::EndOfList.emit(&mut buf), Ok(1));
    assert_eq!(buf[0], 0);
}

#[test]
fn emit_rejects_what_would_not_parse_back() {
    let mut buf = [0u8; 64];
    let cases = [
        (
            Ipv4Option::RecordRoute(RouteOption {
                pointer: 4,
                data: &[0; 5],
            }),
            OptionEmitError::InvalidLength { kind: 7, len: 8 },
        ),
        (
            Ipv4Option::StrictSourceRoute(RouteOption {
                pointer: 3,
                data: &[],
            }),
            OptionEmitError::PointerTooSmall {
                kind: 0x89,
                pointer: 3,
            },
        ),
        (
            Ipv4Option::Timestamp(TimestampOption {
                pointer: 4,
                overflow: 0,
                flags: 0,
                data: &[],
            }),
            OptionEmitError::PointerTooSmall {
                kind: 0x44,
                pointer: 4,
            },
        ),
        (
            Ipv4Option::Timestamp(TimestampOption {
                pointer: 5,
                overflow: 16,
                flags: 0,
                data: &[],
            }),
            OptionEmitError::TimestampFieldOutOfRange {
                overflow: 16,
                flags: 0,
            },
        ),
        (
            Ipv4Option::Security { data: &[] },
            OptionEmitError::InvalidLength { kind: 0x82, len: 2 },
        ),
        (
            Ipv4Option::Unknown {
                kind: 0x94,
                data: &[0, 0],
            },
            OptionEmitError::KnownKind { kind: 0x94 },
        ),
        (
            Ipv4Option::Unknown {
                kind: 0x88,
                data: &[0; 39],
            },
            OptionEmitError::TooLong { len: 41 },
        ),
    ];
    for (option, error) in cases {
        assert_eq!(option.emit(&mut buf), Err(error));
    }
    assert_eq!(
        Ipv4Option::RouterAlert { value: 1 }.emit(&mut buf[..3]),
        Err(OptionEmitError::BufferTooShort {
            needed: 4,
            available: 3
        })
    );
    assert_eq!(
        Ipv4Option::emit_all(&[Ipv4Option::Nop; 41], &mut buf),
        Err(OptionEmitError::TooLong { len: 41 })
    );
    assert_eq!(
        Ipv4Option::emit_all(&[Ipv4Option::Nop; 5], &mut buf[..4]),
        Err(OptionEmitError::BufferTooShort {
            needed: 5,
            available: 4
        })
    );
}

fn hash_of<T: Hash>(t: &T) -> u64 {
    let mut h = DefaultHasher::new();
    t.hash(&mut h);
    h.finish()
}

#[test]
fn option_error_display_clone_hash() {
    let cases = [
        (
            OptionError::Truncated { kind: 0x94 },
            "IPv4 option type 0x94 is the last byte of the options area and has no length",
        ),
        (
            OptionError::LengthTooSmall { kind: 7, len: 1 },
            "IPv4 option type 0x07 has length 1, below the minimum of 2",
        ),
        (
            OptionError::LengthBeyondOptions {
                kind: 0x44,
                len: 40,
                available: 8,
            },
            "IPv4 option type 0x44 has length 40 but only 8 option bytes remain",
        ),
        (
            OptionError::InvalidLength { kind: 0x94, len: 3 },
            "IPv4 option type 0x94 has length 3, which its specification does not allow",
        ),
        (
            OptionError::PointerTooSmall {
                kind: 0x83,
                pointer: 2,
            },
            "IPv4 option type 0x83 has pointer 2, below its smallest legal value",
        ),
        (
            OptionError::SlotBeyondOption {
                kind: 7,
                pointer: 5,
                len: 7,
            },
            "IPv4 option type 0x07 has pointer 5, whose slot runs past the option's length 7",
        ),
        (
            OptionError::Duplicate { kind: 0x94 },
            "IPv4 option type 0x94 appears again, but may appear only once per header",
        ),
    ];
    for (e, text) in cases {
        assert_eq!(e.to_string(), text);
        #[allow(clippy::clone_on_copy)]
        let c = e.clone();
        assert_eq!(c, e);
        assert_eq!(hash_of(&c), hash_of(&e));
        let _: &dyn core::error::Error = &e;
    }
}

#[test]
fn option_emit_error_display_clone_hash() {
    let cases = [
        (
            OptionEmitError::BufferTooShort {
                needed: 4,
                available: 2,
            },
            "IPv4 option needs 4 bytes but the buffer holds 2",
        ),
        (
            OptionEmitError::TooLong { len: 44 },
            "IPv4 options of 44 bytes exceed the 40-byte options area",
        ),
        (
            OptionEmitError::SlotBeyondOption {
                kind: 0x44,
                pointer: 5,
                len: 8,
            },
            "IPv4 option type 0x44 with pointer 5 names a slot past its length 8",
        ),
        (
            OptionEmitError::Duplicate { kind: 7 },
            "IPv4 option type 0x07 may appear only once per header",
        ),
        (
            OptionEmitError::InvalidLength { kind: 7, len: 5 },
            "IPv4 option type 0x07 would have length 5, which its specification does not allow",
        ),
        (
            OptionEmitError::PointerTooSmall {
                kind: 0x44,
                pointer: 1,
            },
            "IPv4 option type 0x44 has pointer 1, below its smallest legal value",
        ),
        (
            OptionEmitError::TimestampFieldOutOfRange {
                overflow: 20,
                flags: 1,
            },
            "IPv4 timestamp overflow 20 or flags 1 does not fit in 4 bits",
        ),
        (
            OptionEmitError::KnownKind { kind: 1 },
            "IPv4 option type 0x01 is a known option and cannot be emitted as Unknown",
        ),
    ];
    for (e, text) in cases {
        assert_eq!(e.to_string(), text);
        #[allow(clippy::clone_on_copy)]
        let c = e.clone();
        assert_eq!(c, e);
        assert_eq!(hash_of(&c), hash_of(&e));
        let _: &dyn core::error::Error = &e;
    }
}

/// Owned data for one arbitrary valid option (proptest strategies cannot
/// hand out borrowed slices).
#[derive(Clone, Debug)]
pub(crate) enum OwnedOption {
    Nop,
    RouterAlert(u16),
    Route(u8, u8, Vec<u8>),
    Timestamp(u8, u8, u8, Vec<u8>),
    Security(Vec<u8>),
    Unknown(u8, Vec<u8>),
}

impl OwnedOption {
    pub(crate) fn as_option(&self) -> Ipv4Option<'_> {
        match self {
            OwnedOption::Nop => Ipv4Option::Nop,
            OwnedOption::RouterAlert(value) => Ipv4Option::RouterAlert { value: *value },
            OwnedOption::Route(k, pointer, data) => {
                let r = RouteOption {
                    pointer: *pointer,
                    data,
                };
                match k % 3 {
                    0 => Ipv4Option::RecordRoute(r),
                    1 => Ipv4Option::LooseSourceRoute(r),
                    _ => Ipv4Option::StrictSourceRoute(r),
                }
            }
            OwnedOption::Timestamp(pointer, overflow, flags, data) => {
                Ipv4Option::Timestamp(TimestampOption {
                    pointer: *pointer,
                    overflow: *overflow,
                    flags: *flags,
                    data,
                })
            }
            OwnedOption::Security(data) => Ipv4Option::Security { data },
            OwnedOption::Unknown(kind, data) => Ipv4Option::Unknown { kind: *kind, data },
        }
    }
}

pub(crate) fn arb_option() -> impl Strategy<Value = OwnedOption> {
    prop_oneof![
        Just(OwnedOption::Nop),
        any::<u16>().prop_map(OwnedOption::RouterAlert),
        (
            any::<u8>(),
            4u8..=255,
            proptest::collection::vec(any::<[u8; 4]>(), 0..=9)
        )
            .prop_map(|(k, p, addrs)| OwnedOption::Route(k, p, addrs.concat()))
            .prop_filter("slot within the option", |o| match o {
                OwnedOption::Route(_, p, d) => !slot_beyond(*p, 3 + d.len(), 4),
                _ => true,
            }),
        (
            5u8..=255,
            0u8..16,
            0u8..16,
            proptest::collection::vec(any::<u8>(), 0..=36)
        )
            .prop_map(|(p, o, f, d)| OwnedOption::Timestamp(p, o, f, d))
            .prop_filter("slot within the option", |o| match o {
                OwnedOption::Timestamp(p, _, f, d) => {
                    !slot_beyond(*p, 4 + d.len(), timestamp_slot(*f))
                }
                _ => true,
            }),
        proptest::collection::vec(any::<u8>(), 1..=38).prop_map(OwnedOption::Security),
        (
            any::<u8>().prop_filter("unknown kind", |k| !is_known_kind(*k)),
            proptest::collection::vec(any::<u8>(), 0..=38)
        )
            .prop_map(|(k, d)| OwnedOption::Unknown(k, d)),
    ]
}

/// A sequence of options whose encoding fits the 40-byte options area, with
/// each once-only kind at most once.
pub(crate) fn arb_options() -> impl Strategy<Value = Vec<OwnedOption>> {
    proptest::collection::vec(arb_option(), 0..6).prop_map(|mut opts| {
        let mut seen = 0u8;
        opts.retain(|o| {
            let bit = super::once_only_bit(&o.as_option());
            let fresh = seen & bit == 0;
            seen |= bit;
            fresh
        });
        while opts
            .iter()
            .map(|o| o.as_option().buffer_len())
            .sum::<usize>()
            > 40
        {
            opts.pop();
        }
        opts
    })
}

proptest! {
    #[test]
    fn iterating_any_bytes_never_panics_and_is_bounded(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let mut n = 0;
        for item in Ipv4Options::new(&bytes) {
            n += 1;
            if let Ok(Ipv4Option::RecordRoute(r) | Ipv4Option::LooseSourceRoute(r) | Ipv4Option::StrictSourceRoute(r)) = item {
                let _ = (r.addresses().count(), r.recorded().count(), r.is_full());
            }
        }
        prop_assert!(n <= bytes.len());
    }

    #[test]
    fn option_parse_of_emit_is_identity(owned in arb_option()) {
        let option = owned.as_option();
        let mut buf = [0u8; 40];
        let n = option.emit(&mut buf).unwrap();
        prop_assert_eq!(n, option.buffer_len());
        prop_assert_eq!(collect(&buf[..n]), std::vec![Ok(option)]);
    }

    #[test]
    fn sequence_parse_of_emit_is_identity(owned in arb_options()) {
        let options: Vec<Ipv4Option<'_>> = owned.iter().map(OwnedOption::as_option).collect();
        let mut buf = [0u8; 40];
        let n = Ipv4Option::emit_all(&options, &mut buf).unwrap();
        let parsed: Vec<_> = collect(&buf[..n]).into_iter().collect::<Result<_, _>>().unwrap();
        prop_assert_eq!(parsed, options);
    }
}
