//! Property tests for the IPv6 and MLD codec: `parse(emit(x)) == x` for
//! every repr, whole datagrams included, the report splitter loses nothing
//! it may not lose, and no parser panics on any bytes.

use core::net::Ipv6Addr;

use ipv4kit_wire::ipv6::{
    walk, Ipv6Option, Ipv6OptionRepr, Ipv6Options, Ipv6Packet, Ipv6Repr, OptionsHeaderRepr,
};
use ipv4kit_wire::mld::{
    emit_datagram, max_mld_len, DoneV1, GroupRecordRepr, GroupRecordType, MaxRespCode, MldDatagram,
    MldMessage, MldRepr, Qqic, QueryV1, QueryV2, ReportV1, ReportV2, ReportV2Splitter,
    ALL_MLDV2_ROUTERS,
};
use proptest::prelude::*;

fn addr() -> impl Strategy<Value = Ipv6Addr> {
    any::<u128>().prop_map(Ipv6Addr::from)
}

fn record_type() -> impl Strategy<Value = GroupRecordType> {
    any::<u8>().prop_map(GroupRecordType::from)
}

type Rec = (GroupRecordType, Ipv6Addr, Vec<Ipv6Addr>, Vec<u8>);

fn records(max: usize, max_sources: usize) -> impl Strategy<Value = Vec<Rec>> {
    proptest::collection::vec(
        (
            record_type(),
            addr(),
            proptest::collection::vec(addr(), 0..max_sources),
            (0usize..3).prop_map(|w| vec![0x5a; 4 * w]),
        ),
        0..max,
    )
}

fn reprs(recs: &[Rec]) -> Vec<GroupRecordRepr<'_>> {
    recs.iter()
        .map(|(t, g, s, a)| GroupRecordRepr {
            record_type: *t,
            group: *g,
            sources: s,
            aux_data: a,
        })
        .collect()
}

proptest! {
    #[test]
    fn ipv6_repr_round_trips(tc in any::<u8>(), flow in any::<u32>(), len in any::<u16>(),
                             nh in any::<u8>(), hop in any::<u8>(), src in addr(), dst in addr()) {
        let repr = Ipv6Repr { traffic_class: tc, flow_label: flow, payload_len: len, next_header: nh, hop_limit: hop, src, dst };
        let mut buf = [0u8; 40];
        prop_assert_eq!(repr.emit(&mut buf), Ok(40));
        let parsed = Ipv6Repr::parse(&Ipv6Packet::new_unchecked(&buf[..]));
        prop_assert_eq!(parsed, Ipv6Repr { flow_label: flow & 0xf_ffff, ..repr });
    }

    #[test]
    fn options_headers_round_trip_with_their_padding(
        ra in proptest::option::of(any::<u16>()),
        others in proptest::collection::vec((2u8..=255, proptest::collection::vec(any::<u8>(), 0..12)), 0..4),
        ra_first in any::<bool>(),
    ) {
        let mut opts: Vec<Ipv6OptionRepr<'_>> = others.iter()
            .filter(|(t, _)| *t != 5)
            .map(|(t, d)| Ipv6OptionRepr::Other { option_type: *t, data: d })
            .collect();
        if let Some(v) = ra {
            if ra_first { opts.insert(0, Ipv6OptionRepr::RouterAlert(v)) } else { opts.push(Ipv6OptionRepr::RouterAlert(v)) }
        }
        let h = OptionsHeaderRepr { next_header: 58, options: &opts };
        let mut buf = vec![0xa5u8; h.buffer_len()];
        prop_assert_eq!(h.emit(&mut buf), Ok(buf.len()));
        prop_assert_eq!(buf.len() % 8, 0);
        let back: Vec<Ipv6OptionRepr<'_>> = Ipv6Options::new(&buf[2..])
            .map(Result::unwrap)
            .filter_map(|o| match o {
                Ipv6Option::Pad1 | Ipv6Option::PadN(_) => None,
                Ipv6Option::RouterAlert(v) => {
                    // RFC 8200 §4.2: 2n+0 alignment from the header start.
                    Some(Ipv6OptionRepr::RouterAlert(v))
                }
                Ipv6Option::Unknown { option_type, data } => Some(Ipv6OptionRepr::Other { option_type, data }),
                _ => None,
            })
            .collect();
        prop_assert_eq!(back, opts);
        let up = walk(0, &buf).unwrap();
        prop_assert_eq!(up.router_alert, ra);
        prop_assert_eq!(up.offset, buf.len());
        // Router Alert sits at an even offset.
        if ra.is_some() {
            let pos = buf.windows(2).enumerate().skip(2)
                .find(|(i, w)| *w == [5, 2] && is_option_start(&buf, *i)).map(|(i, _)| i).unwrap();
            prop_assert_eq!(pos % 2, 0);
        }
    }

    #[test]
    fn v1_messages_round_trip(mrd in any::<u16>(), group in addr(), src in addr(), dst in addr()) {
        let mut buf = [0u8; 24];
        let q = QueryV1 { max_resp_delay: mrd, group };
        q.emit(src, dst, &mut buf).unwrap();
        prop_assert!(matches!(MldMessage::parse(&buf, src, dst), Ok(MldMessage::QueryV1(v)) if v == q));
        let r = ReportV1 { group };
        r.emit(src, dst, &mut buf).unwrap();
        prop_assert!(matches!(MldMessage::parse(&buf, src, dst), Ok(MldMessage::ReportV1(v)) if v == r));
        let d = DoneV1 { group };
        d.emit(src, dst, &mut buf).unwrap();
        prop_assert!(matches!(MldMessage::parse(&buf, src, dst), Ok(MldMessage::DoneV1(v)) if v == d));
    }

    #[test]
    fn v2_queries_round_trip(mrc in any::<u16>(), group in addr(), s_flag in any::<bool>(), qrv in 0u8..8,
                             qqic in any::<u8>(), sources in proptest::collection::vec(addr(), 0..10),
                             src in addr(), dst in addr()) {
        let q = QueryV2 { max_resp_code: MaxRespCode(mrc), group, s_flag, qrv, qqic: Qqic(qqic), sources: &sources };
        let mut buf = vec![0xa5u8; q.buffer_len()];
        prop_assert_eq!(q.emit(src, dst, &mut buf), Ok(buf.len()));
        prop_assert!(matches!(MldMessage::parse(&buf, src, dst), Ok(MldMessage::QueryV2(v)) if v == q));
    }

    #[test]
    fn v2_reports_round_trip(recs in records(8, 6), src in addr()) {
        let reprs = reprs(&recs);
        let report = ReportV2 { records: &reprs };
        let mut buf = vec![0xa5u8; report.buffer_len()];
        prop_assert_eq!(report.emit(src, ALL_MLDV2_ROUTERS, &mut buf), Ok(buf.len()));
        let m = MldMessage::parse(&buf, src, ALL_MLDV2_ROUTERS).unwrap();
        prop_assert!(matches!(m, MldMessage::ReportV2(v) if v == report && v.extra().is_empty()));
    }

    #[test]
    fn whole_datagrams_round_trip(recs in records(4, 4), src in addr(), which in 0u8..3) {
        let reprs = reprs(&recs);
        let report = ReportV2 { records: &reprs };
        let q = QueryV1 { max_resp_delay: 1000, group: src };
        let msg: &dyn MldRepr = match which { 0 => &report, 1 => &q, _ => &DoneV1 { group: src } };
        let mut buf = vec![0u8; 48 + msg.buffer_len()];
        prop_assert_eq!(emit_datagram(msg, src, &mut buf), Ok(buf.len()));
        let d = MldDatagram::parse(&buf).unwrap();
        prop_assert_eq!(d.header.src, src);
        prop_assert_eq!(d.header.dst, msg.destination());
        prop_assert_eq!(d.header.hop_limit, 1);
        prop_assert_eq!(d.router_alert, Some(0));
        prop_assert_eq!(d.message.as_bytes(), &buf[48..]);
    }

    #[test]
    fn splitter_keeps_every_source_it_may_keep_and_respects_the_budget(
        recs in records(6, 120), mtu in 200usize..1500, src in addr(),
    ) {
        let recs: Vec<Rec> = recs.into_iter().map(|(t, g, s, _)| (t, g, s, Vec::new())).collect();
        let reprs = reprs(&recs);
        let max_len = max_mld_len(mtu);
        let mut s = ReportV2Splitter::new(&reprs, max_len, src);
        let mut buf = vec![0u8; max_len];
        let mut got: Vec<(GroupRecordType, Ipv6Addr, usize)> = Vec::new();
        while let Some(n) = s.next_into(&mut buf) {
            let n = n.unwrap();
            prop_assert!(n <= max_len);
            let Ok(MldMessage::ReportV2(r)) = MldMessage::parse(&buf[..n], src, ALL_MLDV2_ROUTERS) else { panic!() };
            for g in r.records() { got.push((g.record_type(), g.group(), g.sources().count())); }
        }
        let kept: usize = got.iter().map(|g| g.2).sum();
        let total: usize = recs.iter().map(|r| r.2.len()).sum();
        prop_assert_eq!(kept + s.dropped_sources(), total);
        // Only IS_EX / TO_EX records lose sources.
        let may_drop: usize = recs.iter().filter(|r| r.0.is_exclude()).map(|r| r.2.len()).sum();
        prop_assert!(s.dropped_sources() <= may_drop);
    }

    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300), nh in any::<u8>(),
                           src in addr(), dst in addr()) {
        let _ = MldMessage::parse(&bytes, src, dst);
        if let Ok(m) = MldMessage::parse_lenient(&bytes) {
            prop_assert_eq!(m.as_bytes(), &bytes[..]);
            if let MldMessage::ReportV2(r) = m { let _ = r.records().map(|g| g.sources().count()).sum::<usize>(); }
        }
        let _ = MldDatagram::parse(&bytes);
        let _ = walk(nh, &bytes);
        if let Ok(p) = Ipv6Packet::new_checked(&bytes[..]) { let _ = p.upper_layer(); }
    }
}

/// Whether an option starts at `i` when walking the header from offset 2.
fn is_option_start(buf: &[u8], i: usize) -> bool {
    let mut off = 2;
    while off < buf.len() {
        if off == i {
            return true;
        }
        off += if buf[off] == 0 {
            1
        } else {
            2 + usize::from(buf[off + 1])
        };
    }
    false
}
