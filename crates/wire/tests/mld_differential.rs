//! ipv4kit's IPv6, ICMPv6 and MLD codec against etherparse 0.21 (IPv6
//! header, extension headers, ICMPv6 checksum) and smoltcp 0.14 (MLDv2
//! query and report), where they overlap: what one writes the other reads
//! field for field, and both agree on arbitrary bytes.

use core::net::Ipv6Addr;

use etherparse::{Icmpv6Slice, Ipv6Slice};
use ipv4kit_wire::checksum::verify_icmpv6;
use ipv4kit_wire::ipv6::{Ipv6Packet, Ipv6Repr, MLD_HOP_BY_HOP};
use ipv4kit_wire::mld::{
    GroupRecordRepr, GroupRecordType, MaxRespCode, MldMessage, Qqic, QueryV2, ReportV2,
};
use proptest::prelude::*;
use smoltcp::phy::ChecksumCapabilities;
use smoltcp::wire::{Icmpv6Packet, Icmpv6Repr, MldAddressRecord, MldRepr};

fn addr() -> impl Strategy<Value = Ipv6Addr> {
    any::<u128>().prop_map(Ipv6Addr::from)
}

fn record_type() -> impl Strategy<Value = GroupRecordType> {
    (1u8..=6).prop_map(GroupRecordType::from)
}

/// Walks smoltcp's report payload record by record (smoltcp has the record
/// view, the caller steps over it): (type, group, sources, aux length).
fn smoltcp_records(mut data: &[u8], count: u16) -> Vec<(u8, Ipv6Addr, Vec<Ipv6Addr>, usize)> {
    let mut out = Vec::new();
    for _ in 0..count {
        let rec = MldAddressRecord::new_checked(data).expect("record");
        let n = usize::from(rec.num_srcs());
        let aux = 4 * usize::from(rec.aux_data_len());
        let payload = rec.payload();
        let sources = payload[..16 * n]
            .chunks_exact(16)
            .map(|c| Ipv6Addr::from(<[u8; 16]>::try_from(c).unwrap()))
            .collect();
        out.push((u8::from(rec.record_type()), rec.mcast_addr(), sources, aux));
        data = &data[20 + 16 * n + aux..];
    }
    out
}

proptest! {
    #[test]
    fn smoltcp_reads_our_mldv2_queries(
        mrc in any::<u16>(), group in addr(), s_flag in any::<bool>(), qrv in 0u8..8,
        qqic in any::<u8>(), sources in proptest::collection::vec(addr(), 0..6),
        src in addr(), dst in addr(),
    ) {
        let q = QueryV2 { max_resp_code: MaxRespCode(mrc), group, s_flag, qrv, qqic: Qqic(qqic), sources: &sources };
        let mut buf = vec![0u8; q.buffer_len()];
        q.emit(src, dst, &mut buf).unwrap();
        let packet = Icmpv6Packet::new_checked(&buf[..]).unwrap();
        let repr = Icmpv6Repr::parse(&src, &dst, &packet, &ChecksumCapabilities::default()).unwrap();
        let Icmpv6Repr::Mld(MldRepr::Query { max_resp_code, mcast_addr, s_flag: s, qrv: r, qqic: c, num_srcs, data }) = repr else {
            panic!("{repr:?}");
        };
        prop_assert_eq!((max_resp_code, mcast_addr, s, r, c), (mrc, group, s_flag, qrv, qqic));
        prop_assert_eq!(usize::from(num_srcs), sources.len());
        let theirs: Vec<Ipv6Addr> = data.chunks_exact(16).map(|c| Ipv6Addr::from(<[u8; 16]>::try_from(c).unwrap())).collect();
        prop_assert_eq!(theirs, sources);
    }

    #[test]
    fn we_read_smoltcps_mldv2_queries(
        mrc in any::<u16>(), group in addr(), s_flag in any::<bool>(), qrv in 0u8..8,
        qqic in any::<u8>(), sources in proptest::collection::vec(addr(), 0..6),
        src in addr(), dst in addr(),
    ) {
        let data: Vec<u8> = sources.iter().flat_map(|s| s.octets()).collect();
        let repr = Icmpv6Repr::Mld(MldRepr::Query {
            max_resp_code: mrc, mcast_addr: group, s_flag, qrv, qqic,
            num_srcs: sources.len() as u16, data: &data,
        });
        let mut buf = vec![0u8; repr.buffer_len()];
        repr.emit(&src, &dst, &mut Icmpv6Packet::new_unchecked(&mut buf[..]), &ChecksumCapabilities::default());
        let Ok(MldMessage::QueryV2(v)) = MldMessage::parse(&buf, src, dst) else {
            panic!("{:?}", MldMessage::parse(&buf, src, dst));
        };
        let ours = QueryV2 { max_resp_code: MaxRespCode(mrc), group, s_flag, qrv, qqic: Qqic(qqic), sources: &sources };
        prop_assert_eq!(v, ours);
    }

    #[test]
    fn smoltcp_reads_our_mldv2_reports(
        recs in proptest::collection::vec((record_type(), addr(), proptest::collection::vec(addr(), 0..4)), 0..6),
        src in addr(),
    ) {
        let reprs: Vec<GroupRecordRepr<'_>> = recs.iter().map(|(t, g, s)| GroupRecordRepr {
            record_type: *t, group: *g, sources: s, aux_data: &[],
        }).collect();
        let report = ReportV2 { records: &reprs };
        let dst = report.destination();
        let mut buf = vec![0u8; report.buffer_len()];
        report.emit(src, dst, &mut buf).unwrap();
        let packet = Icmpv6Packet::new_checked(&buf[..]).unwrap();
        let repr = Icmpv6Repr::parse(&src, &dst, &packet, &ChecksumCapabilities::default()).unwrap();
        let Icmpv6Repr::Mld(MldRepr::Report { nr_mcast_addr_rcrds, data }) = repr else {
            panic!("{repr:?}");
        };
        let theirs = smoltcp_records(data, nr_mcast_addr_rcrds);
        let ours: Vec<_> = recs.iter().map(|(t, g, s)| (u8::from(*t), *g, s.clone(), 0)).collect();
        prop_assert_eq!(theirs, ours);
    }

    #[test]
    fn icmpv6_checksum_verdicts_agree_with_etherparse(
        msg in proptest::collection::vec(any::<u8>(), 8..200), src in addr(), dst in addr(),
    ) {
        let slice = Icmpv6Slice::from_slice(&msg).unwrap();
        prop_assert_eq!(slice.is_checksum_valid(src.octets(), dst.octets()), verify_icmpv6(src, dst, &msg));
        // And with the checksum we compute filled in, both accept.
        let mut fixed = msg.clone();
        fixed[2..4].fill(0);
        let c = ipv4kit_wire::checksum::icmpv6_checksum(src, dst, &fixed);
        fixed[2..4].copy_from_slice(&c.to_be_bytes());
        prop_assert!(verify_icmpv6(src, dst, &fixed));
        prop_assert!(Icmpv6Slice::from_slice(&fixed).unwrap().is_checksum_valid(src.octets(), dst.octets()));
    }

    #[test]
    fn ipv6_headers_and_extension_walks_agree_with_etherparse(
        tc in any::<u8>(), flow in 0u32..0x10_0000, hop in any::<u8>(), src in addr(), dst in addr(),
        hbh in any::<bool>(), dest_opts in any::<bool>(), frag in any::<bool>(),
        upper in prop_oneof![Just(58u8), Just(17), Just(6), Just(59)],
        payload in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        // Build a chain: [HbH] [DestOpts] [Fragment(offset 0)] upper.
        let mut chain: Vec<(u8, Vec<u8>)> = Vec::new();
        if hbh { chain.push((0, MLD_HOP_BY_HOP.to_vec())); }
        if dest_opts { chain.push((60, vec![0, 0, 1, 4, 0, 0, 0, 0])); }
        if frag { chain.push((44, vec![0, 0, 0, 1, 0, 0, 0, 9])); }
        let mut body = Vec::new();
        for (i, (_, h)) in chain.iter().enumerate() {
            let mut h = h.clone();
            h[0] = chain.get(i + 1).map_or(upper, |n| n.0);
            body.extend_from_slice(&h);
        }
        body.extend_from_slice(&payload);
        let repr = Ipv6Repr {
            traffic_class: tc, flow_label: flow, payload_len: body.len() as u16,
            next_header: chain.first().map_or(upper, |c| c.0), hop_limit: hop, src, dst,
        };
        let mut buf = vec![0u8; 40];
        repr.emit(&mut buf).unwrap();
        buf.extend_from_slice(&body);

        let ours = Ipv6Packet::new_checked(&buf[..]).unwrap();
        prop_assert_eq!(Ipv6Repr::parse(&ours), repr);
        let up = ours.upper_layer().unwrap();
        let theirs = Ipv6Slice::from_slice(&buf).unwrap();
        let h = theirs.header();
        prop_assert_eq!(h.traffic_class(), tc);
        prop_assert_eq!(h.flow_label().value(), flow);
        prop_assert_eq!(h.hop_limit(), hop);
        prop_assert_eq!(h.source_addr(), src);
        prop_assert_eq!(h.destination_addr(), dst);
        prop_assert_eq!(h.payload_length(), repr.payload_len);
        prop_assert_eq!(theirs.payload().ip_number.0, up.next_header);
        prop_assert_eq!(theirs.payload().payload, up.payload);
        prop_assert_eq!(up.router_alert.is_some(), hbh);
    }

    #[test]
    fn ipv6_verdicts_on_arbitrary_bytes_agree_with_etherparse(
        mut bytes in proptest::collection::vec(any::<u8>(), 0..120), v6 in any::<bool>(),
    ) {
        if v6 && !bytes.is_empty() {
            bytes[0] = 0x60 | (bytes[0] & 0x0f);
        }
        let ours = Ipv6Packet::new_checked(&bytes[..]);
        let theirs = etherparse::Ipv6HeaderSlice::from_slice(&bytes);
        // etherparse's header slice does not look at Payload Length.
        if let Ok(p) = &ours {
            let h = theirs.expect("etherparse rejected what we accept");
            prop_assert_eq!(h.source_addr(), p.src());
            prop_assert_eq!(h.next_header().0, p.next_header());
        }
        // Where the whole packet parses for both, the upper layer agrees.
        if let (Ok(p), Ok(s)) = (&ours, Ipv6Slice::from_slice(&bytes)) {
            if let Ok(up) = p.upper_layer() {
                if up.fragment.is_none_or(|f| f.offset == 0) {
                    prop_assert_eq!(s.payload().ip_number.0, up.next_header);
                    prop_assert_eq!(s.payload().payload, up.payload);
                }
            }
        }
    }
}
