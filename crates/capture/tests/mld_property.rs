//! Properties of the IPv6/MLD dissection on reports the wire codec writes:
//! every record comes back as written (type, group, sources, aux data
//! length) with the checksum verified; the fast JSON writer gives serde's
//! octets; the JSON's `mld` object holds the records under IGMP's keys;
//! and every prefix of the packet (a snap length cut) decodes without a
//! panic to whole records only, each as written, marked `cut`.

use std::net::Ipv6Addr;

use ipv4kit_capture::decode::ipv6_packet;
use ipv4kit_wire::gmp::GroupRecordRepr;
use ipv4kit_wire::mld::{GroupRecordType, ReportV2, ALL_MLDV2_ROUTERS};
use proptest::prelude::*;

const SRC: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 7);

/// The report behind an IPv6 header and the hop-by-hop Router Alert header.
fn packet(records: &[GroupRecordRepr<'_, Ipv6Addr>]) -> Vec<u8> {
    let report = ReportV2 { records };
    let mut msg = vec![0; report.buffer_len()];
    report.emit(SRC, ALL_MLDV2_ROUTERS, &mut msg).unwrap();
    let mut p = vec![0x60, 0, 0, 0];
    p.extend_from_slice(&((8 + msg.len()) as u16).to_be_bytes());
    p.extend_from_slice(&[0, 1]);
    p.extend_from_slice(&SRC.octets());
    p.extend_from_slice(&ALL_MLDV2_ROUTERS.octets());
    p.extend_from_slice(&[58, 0, 5, 2, 0, 0, 1, 0]);
    p.extend_from_slice(&msg);
    p
}

type Rec = (u8, u128, Vec<u128>, usize);

fn records() -> impl Strategy<Value = Vec<Rec>> {
    prop::collection::vec(
        (
            1u8..=6,
            any::<u128>(),
            prop::collection::vec(any::<u128>(), 0..4),
            0usize..3,
        ),
        0..5,
    )
}

proptest! {
    #[test]
    fn reports_decode_to_their_records_and_every_prefix_to_whole_ones(recs in records()) {
        let sources: Vec<Vec<Ipv6Addr>> =
            recs.iter().map(|r| r.2.iter().map(|s| Ipv6Addr::from(*s)).collect()).collect();
        let aux = [0xabu8; 8];
        let reprs: Vec<GroupRecordRepr<'_, Ipv6Addr>> = recs
            .iter()
            .zip(&sources)
            .map(|(r, s)| GroupRecordRepr {
                record_type: GroupRecordType::from(r.0),
                group: Ipv6Addr::from(r.1),
                sources: s,
                aux_data: &aux[..4 * r.3 % 12],
            })
            .collect();
        let bytes = packet(&reprs);
        let p = ipv6_packet(&bytes);
        prop_assert!(p.cut.is_none() && p.error.is_none(), "{p:?}");
        prop_assert_eq!(p.ipv6.as_ref().unwrap().router_alert, Some(0));
        let mld = p.mld.as_ref().unwrap();
        prop_assert_eq!(mld.checksum_ok, Some(true));
        let got = mld.records.as_ref().unwrap();
        prop_assert_eq!(got.len(), reprs.len());
        for (g, r) in got.iter().zip(&reprs) {
            prop_assert_eq!(g.record_type, u8::from(r.record_type));
            prop_assert_eq!(g.group, r.group);
            prop_assert_eq!(&g.sources[..], r.sources);
            prop_assert_eq!(usize::from(g.aux_data_len) * 4, r.aux_data.len());
        }
        let json = p.to_json();
        let mut fast = Vec::new();
        p.write_json(&mut fast).unwrap();
        prop_assert_eq!(&json, &String::from_utf8(fast).unwrap());
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&v["mld"]["type"], "report");
        prop_assert_eq!(v["mld"]["records"].as_array().unwrap().len(), reprs.len());
        for (j, r) in v["mld"]["records"].as_array().unwrap().iter().zip(&reprs) {
            prop_assert_eq!(j["group"].as_str().unwrap(), r.group.to_string());
            prop_assert_eq!(j["sources"].as_array().unwrap().len(), r.sources.len());
        }
        for n in 0..bytes.len() {
            let cut = ipv6_packet(&bytes[..n]);
            prop_assert!(cut.cut.is_some(), "{n}: {cut:?}");
            let _ = (cut.to_string(), cut.to_json());
            if let Some(m) = &cut.mld {
                prop_assert!(m.checksum_ok.is_none());
                for (g, w) in m.records.iter().flatten().zip(got) {
                    prop_assert_eq!(g, w);
                }
            }
        }
    }
}
