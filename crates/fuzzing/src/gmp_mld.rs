//! The MLD host engine (`Host<Mld>`) under arbitrary membership calls,
//! received MLD messages (from link-local or other sources, with or without
//! Router Alert) and times: the program of [`crate::gmp`], for MLD.

use std::net::Ipv6Addr;

use ipv4kit_gmp::{Host, Instant, Mld, MldRx, RxMeta};
use ipv4kit_wire::mld::MldMessage;

use crate::gmp::{host_program, HostFamily, Rng};

const SOURCE: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1);

impl HostFamily for Mld {
    const GROUPS: [Ipv6Addr; 6] = [
        Ipv6Addr::new(0xff15, 0, 0, 0, 0, 0, 0, 1),
        Ipv6Addr::new(0xff02, 0, 0, 0, 0, 1, 0xff00, 1),
        Ipv6Addr::new(0xff3e, 0, 0, 0, 0, 0, 0, 1),
        Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1),
        Ipv6Addr::new(0xff01, 0, 0, 0, 0, 0, 0, 7),
        Ipv6Addr::new(0x2001, 2, 0, 0, 0, 0, 0, 1),
    ];
    const MAX_RECEIVED: u8 = 96;
    fn source(b: u8) -> Ipv6Addr {
        Ipv6Addr::new(0x2001, 2, 0, 0, 0, 0, 0, u16::from(b % 12))
    }
    fn mtu(b: u8) -> usize {
        1280 + usize::from(b) * 8
    }
    fn start(h: &mut Host<Mld, Rng>) {
        h.set_source(SOURCE).expect("link-local");
    }
    fn receive(
        h: &mut Host<Mld, Rng>,
        now: Instant,
        a: u8,
        grp: Ipv6Addr,
        x: Ipv6Addr,
        msg: &[u8],
    ) {
        if let Ok(m) = MldMessage::parse_lenient(msg) {
            let from = if a & 4 == 0 {
                Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 2)
            } else {
                x
            };
            let meta = RxMeta {
                destination: if a & 1 == 0 {
                    Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1)
                } else {
                    grp
                },
                router_alert: a & 2 == 0,
            };
            h.handle_message(now, &MldRx::new(m, from), meta);
        }
    }
    fn last_octet(x: Ipv6Addr) -> u8 {
        x.octets()[15]
    }
    fn max_sent_len(mtu: usize) -> usize {
        mtu - 48
    }
    /// Parses with the checksum for the host's link-local source.
    fn check_sent(dst: Ipv6Addr, msg: &[u8]) {
        match MldMessage::parse(msg, SOURCE, dst) {
            Ok(MldMessage::ReportV2(_) | MldMessage::ReportV1(_) | MldMessage::DoneV1(_)) => {}
            other => panic!("sent message does not parse as a report or done: {other:?}"),
        }
    }
}

/// `gmp::host_program` on `Host<Mld>` from a link-local source:
/// MLD messages received from link-local or other sources (to ff02::1 or
/// the group, with or without Router Alert), MTUs from 1280 octets; every
/// message sent parses with its checksum for that source.
pub fn gmp_host_mld(data: &[u8]) {
    host_program::<Mld>(data);
}
