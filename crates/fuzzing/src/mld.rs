//! Fuzz bodies for the IPv6 extension-header walk and the MLD codec.

use core::net::Ipv6Addr;

use arbitrary::{Arbitrary, Unstructured};
use ipv4kit_wire::ipv6::{
    walk, ExtHeaders, Ipv6Option, Ipv6Packet, MAX_EXT_HEADERS, NEXT_HEADER_DEST_OPTS,
    NEXT_HEADER_HOP_BY_HOP,
};
use ipv4kit_wire::mld::{
    emit_datagram, DoneV1, GroupRecordRepr, GroupRecordType, MaxRespCode, MldDatagram, MldMessage,
    MldRepr, Qqic, QueryV1, QueryV2, ReportV1, ReportV2, ReportV2Splitter, ALL_MLDV2_ROUTERS,
};

/// Arbitrary bytes as an IPv6 packet: the checked view, the extension-header
/// walk and the option iterators stay within their bytes and bounds, and the
/// walk summary agrees with a step-by-step iteration.
pub fn ipv6_walk(data: &[u8]) {
    // Also the payload alone, for every first Next Header the fuzzer picks.
    if let Some((&nh, rest)) = data.split_first() {
        check_walk(nh, rest);
    }
    let Ok(p) = Ipv6Packet::new_checked(data) else {
        return;
    };
    assert_eq!(p.version(), 6);
    assert!(p.payload().len() == usize::from(p.payload_len()));
    check_walk(p.next_header(), p.payload());
}

fn check_walk(nh: u8, payload: &[u8]) {
    let summary = walk(nh, payload);
    let mut it = ExtHeaders::new(nh, payload);
    let mut count = 0;
    let mut last_end = 0;
    let mut failed = false;
    for h in it.by_ref() {
        let Ok(h) = h else {
            failed = true;
            continue;
        };
        count += 1;
        assert!(count <= MAX_EXT_HEADERS);
        assert_eq!(h.offset, last_end);
        assert!(h.offset + h.bytes.len() <= payload.len());
        assert_eq!(h.bytes.len() % 8, 0);
        last_end = h.offset + h.bytes.len();
        if matches!(
            h.header_type,
            NEXT_HEADER_HOP_BY_HOP | NEXT_HEADER_DEST_OPTS
        ) {
            let mut opt_bytes = 0;
            for o in h.options() {
                match o {
                    Ok(Ipv6Option::Pad1) => opt_bytes += 1,
                    Ok(Ipv6Option::PadN(n)) => opt_bytes += 2 + usize::from(n),
                    Ok(Ipv6Option::RouterAlert(_)) => opt_bytes += 4,
                    Ok(Ipv6Option::Unknown { data, .. }) => opt_bytes += 2 + data.len(),
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
            assert!(opt_bytes <= h.bytes.len() - 2);
        }
    }
    match summary {
        Ok(up) => {
            assert!(!failed || up.ext_headers < count);
            assert_eq!(up.offset, it.offset());
            assert_eq!(up.next_header, it.next_header());
            assert_eq!(up.offset + up.payload.len(), payload.len());
            assert_eq!(up.ext_headers, count);
        }
        Err(_) => assert!(failed || count > 0),
    }
}

const SRC: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1);
const DST: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x16);

/// Arbitrary bytes as an MLD message: strict and lenient parses agree, the
/// views cover exactly the input, record walks add up, and what parsed with
/// zero reserved fields re-emits to the same octets (checksum aside). The
/// same bytes are also tried as a whole datagram.
pub fn mld_dispatch(data: &[u8]) {
    let _ = MldDatagram::parse(data);
    let strict = MldMessage::parse(data, SRC, DST);
    let lenient = MldMessage::parse_lenient(data);
    match (&strict, &lenient) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Ok(_), Err(e)) => panic!("strict accepted what lenient refused: {e}"),
        (Err(_), _) => {}
    }
    let Ok(m) = lenient else { return };
    assert_eq!(m.as_bytes(), data);
    // A re-emitted message is never longer than what was parsed (extra
    // octets are dropped); a fixed 2048 was too short for big queries.
    let mut out = vec![0xa5u8; data.len()];
    match m {
        MldMessage::QueryV1(q) => {
            let r = QueryV1 {
                max_resp_delay: q.max_resp_delay(),
                group: q.group(),
            };
            same_but_checksum(data, &r, q.code() == 0 && q.reserved() == 0, &mut out);
        }
        MldMessage::ReportV1(v) => {
            let r = ReportV1 { group: v.group() };
            let clean = v.code() == 0 && v.reserved() == 0 && v.max_resp_delay() == 0;
            same_but_checksum(data, &r, clean && v.extra().is_empty(), &mut out);
        }
        MldMessage::DoneV1(v) => {
            let r = DoneV1 { group: v.group() };
            let clean = v.code() == 0 && v.reserved() == 0 && v.max_resp_delay() == 0;
            same_but_checksum(data, &r, clean && v.extra().is_empty(), &mut out);
        }
        MldMessage::QueryV2(q) => {
            let sources: Vec<Ipv6Addr> = q.sources().collect();
            assert_eq!(sources.len(), usize::from(q.num_sources()));
            let r = QueryV2 {
                max_resp_code: q.max_resp_code(),
                group: q.group(),
                s_flag: q.s_flag(),
                qrv: q.qrv(),
                qqic: q.qqic(),
                sources: &sources,
            };
            assert_eq!(q, r);
            let clean = q.code() == 0 && q.flags() == 0 && data[6..8] == [0, 0];
            same_but_checksum(data, &r, clean && q.extra().is_empty(), &mut out);
        }
        MldMessage::ReportV2(v) => {
            let mut len = 8;
            let mut count = 0;
            for rec in v.records() {
                assert_eq!(rec.sources().len(), usize::from(rec.num_sources()));
                assert_eq!(rec.aux_data().len(), 4 * usize::from(rec.aux_data_len()));
                len += rec.len();
                count += 1;
            }
            assert_eq!(count, v.num_records());
            assert_eq!(len + v.extra().len(), data.len());
        }
        MldMessage::Unknown { .. } => {}
        _ => {}
    }
}

fn same_but_checksum(data: &[u8], repr: &dyn MldRepr, clean: bool, out: &mut [u8]) {
    let n = repr.emit(SRC, DST, out).expect("emit of a parsed repr");
    let back = MldMessage::parse(&out[..n], SRC, DST).expect("what we emit parses");
    assert_eq!(back.as_bytes().len(), n);
    if clean && data.len() == n {
        assert_eq!(&out[..2], &data[..2]);
        assert_eq!(&out[4..n], &data[4..]);
    }
}

/// One record for the round trip.
#[derive(Debug, Arbitrary)]
pub struct Record {
    record_type: u8,
    group: [u8; 16],
    sources: Vec<[u8; 16]>,
    aux_words: u8,
}

/// Structured input of [`mld_roundtrip`].
#[derive(Debug, Arbitrary)]
pub struct MldRoundTripInput {
    src: [u8; 16],
    mrc: u16,
    group: [u8; 16],
    s_flag: bool,
    qrv: u8,
    qqic: u8,
    sources: Vec<[u8; 16]>,
    records: Vec<Record>,
    mtu: u16,
}

/// Arbitrary bytes as [`MldRoundTripInput`].
pub fn mld_roundtrip(data: &[u8]) {
    if let Ok(input) = MldRoundTripInput::arbitrary_take_rest(Unstructured::new(data)) {
        mld_roundtrip_input(input);
    }
}

/// Arbitrary reprs → emit (message and whole datagram) → parse → equal; the
/// splitter's reports each fit the budget and keep every source it may keep.
pub fn mld_roundtrip_input(input: MldRoundTripInput) {
    let src = Ipv6Addr::from(input.src);
    let sources: Vec<Ipv6Addr> = input
        .sources
        .iter()
        .take(64)
        .map(|s| Ipv6Addr::from(*s))
        .collect();
    let q = QueryV2 {
        max_resp_code: MaxRespCode(input.mrc),
        group: Ipv6Addr::from(input.group),
        s_flag: input.s_flag,
        qrv: input.qrv & 7,
        qqic: Qqic(input.qqic),
        sources: &sources,
    };
    let mut buf = vec![0xa5u8; 48 + q.buffer_len()];
    let n = emit_datagram(&q, src, &mut buf).unwrap();
    let d = MldDatagram::parse(&buf[..n]).unwrap();
    assert!(matches!(d.message, MldMessage::QueryV2(v) if v == q));

    let srcs: Vec<Vec<Ipv6Addr>> = input
        .records
        .iter()
        .take(16)
        .map(|r| {
            r.sources
                .iter()
                .take(200)
                .map(|s| Ipv6Addr::from(*s))
                .collect()
        })
        .collect();
    let aux = [0x5au8; 12];
    let recs: Vec<GroupRecordRepr<'_>> = input
        .records
        .iter()
        .zip(&srcs)
        .map(|(r, s)| GroupRecordRepr {
            record_type: GroupRecordType::from(r.record_type),
            group: Ipv6Addr::from(r.group),
            sources: s,
            aux_data: &aux[..4 * usize::from(r.aux_words % 4)],
        })
        .collect();
    let report = ReportV2 { records: &recs };
    let mut buf = vec![0xa5u8; report.buffer_len()];
    report.emit(src, ALL_MLDV2_ROUTERS, &mut buf).unwrap();
    let m = MldMessage::parse(&buf, src, ALL_MLDV2_ROUTERS).unwrap();
    assert!(matches!(m, MldMessage::ReportV2(v) if v == report));

    let max_len = usize::from(input.mtu).max(600);
    let mut s = ReportV2Splitter::new(&recs, max_len, src);
    let mut out = vec![0xa5u8; max_len];
    let mut kept = 0;
    while let Some(r) = s.next_into(&mut out) {
        let n = r.unwrap();
        assert!(n <= max_len);
        let Ok(MldMessage::ReportV2(v)) = MldMessage::parse(&out[..n], src, ALL_MLDV2_ROUTERS)
        else {
            panic!("splitter output does not parse");
        };
        kept += v.records().map(|g| g.sources().len()).sum::<usize>();
    }
    let total: usize = srcs.iter().map(Vec::len).sum();
    assert_eq!(kept + s.dropped_sources(), total);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_take_the_captured_general_query() {
        let mut msg = [0u8; 28];
        msg[..6].copy_from_slice(&[0x82, 0x00, 0x62, 0x3a, 0x27, 0x10]);
        msg[24..26].copy_from_slice(&[0x02, 0x3c]);
        mld_dispatch(&msg);
        ipv6_walk(&msg);
        mld_roundtrip(&msg);
    }
}
