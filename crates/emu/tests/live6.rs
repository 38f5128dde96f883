//! Emulated MLD hosts (and, with `--mac-base`, IGMP hosts with their own
//! MAC addresses) on a real link between two namespaces: the emulator runs
//! in a; host b captures every frame with the tap, decodes each message
//! with the wire crate (checksums over the IPv6 pseudo-header verified,
//! hop limit 1, Router Alert 0, link-local source), feeds the reports to a
//! querier engine (`Router<Mld>`, its membership table is b's view) and
//! sends the General Query every host must answer.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant as WallClock};

use ipv4kit_emu::scenario;
use ipv4kit_emu::{
    EmuConfig, Emulator, Family, LinkFamily, MacRange, Player, Runner, Stats, WireStats,
};
use ipv4kit_gmp::{Config, FilterMode, Igmp, Instant, Mld, Router, RouterConfig, RouterRxMeta};
use ipv4kit_net::wire::igmp::IgmpMessage;
use ipv4kit_net::wire::ipv4::Ipv4Packet;
use ipv4kit_net::wire::mld::{
    emit_datagram_to, MaxRespCode, MldDatagram, MldMessage, Qqic, QueryV2, ALL_MLDV2_ROUTERS,
    ALL_NODES,
};
use ipv4kit_net::{FrameSender, PacketType, Tap, TapConfig, TapProtocols};
use ipv4kit_testnet::{require_privileges, Link, ADDR_A, ADDR_B, LINK_LOCAL_A, LINK_LOCAL_B};

/// A record: type code (RFC 3810 §5.2.12), group, sources (sorted).
type Rec = (u8, IpAddr, Vec<IpAddr>);

/// One report b heard: when, from which MAC and address, its records.
#[derive(Clone, Debug)]
struct Heard {
    at: Duration,
    mac: [u8; 6],
    source: IpAddr,
    records: Vec<Rec>,
}

/// A frame b heard: when, its source MAC, the packet from the IP header on.
type Frame = (Duration, [u8; 6], Vec<u8>);

/// Everything b's tap hears until stopped, as raw frames with their
/// source MAC and time (decoded after, so a failure names the frame).
struct Capture {
    stop: Arc<AtomicBool>,
    handle: JoinHandle<Vec<Frame>>,
}

impl Capture {
    fn start(link: &Link, start: WallClock) -> Capture {
        let mut tap = link.b.run(|| {
            let cfg = TapConfig::default().with_protocols(TapProtocols::BOTH);
            Tap::with_config(&link.if_b, &cfg).unwrap()
        });
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let handle = std::thread::spawn(move || {
            let mut out = Vec::new();
            while !flag.load(Ordering::Relaxed) {
                let batch = tap.recv(Some(Duration::from_millis(20))).unwrap();
                let t = start.elapsed();
                for p in batch {
                    if p.meta.packet_type == PacketType::Outgoing {
                        continue;
                    }
                    let mac = p.meta.src.mac().expect("an Ethernet source");
                    out.push((t, mac, p.data.to_vec()));
                }
            }
            out
        });
        Capture { stop, handle }
    }

    fn finish(self) -> Vec<Frame> {
        std::thread::sleep(Duration::from_millis(200));
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().unwrap()
    }
}

fn sorted<A: Into<IpAddr>>(it: impl Iterator<Item = A>) -> Vec<IpAddr> {
    let mut v: Vec<IpAddr> = it.map(Into::into).collect();
    v.sort();
    v
}

/// Decodes what b heard from the emulated hosts: every MLD message must
/// parse with its checksum right and pass the receiver's checks, every
/// IGMP one too (IP header checksum, TTL 1, Router Alert); each MLD report
/// also goes to `router`. The kernels' own messages (a's and b's
/// addresses) and the rest of ICMPv6 are left out.
fn decode(frames: Vec<Frame>, router: &mut Router<Mld>, router4: &mut Router<Igmp>) -> Vec<Heard> {
    let mut out = Vec::new();
    for (at, mac, data) in frames {
        let (source, records) = match data[0] >> 4 {
            6 => {
                let d = MldDatagram::parse(&data).expect("MLD parses, ICMPv6 checksum right");
                let src = d.header.src;
                if src == LINK_LOCAL_A || src == LINK_LOCAL_B {
                    continue;
                }
                let MldMessage::ReportV2(r) = d.message else {
                    if matches!(d.message, MldMessage::Unknown { .. }) {
                        continue;
                    }
                    panic!("not an MLDv2 report from {src}: {:?}", d.message);
                };
                assert!(d.is_valid_for_receiver(), "hop limit 1, RA 0: {d:?}");
                assert_eq!(d.header.dst, ALL_MLDV2_ROUTERS);
                assert_eq!(d.header.traffic_class, 0);
                let meta = RouterRxMeta {
                    source: src,
                    destination: d.header.dst,
                    ttl: d.header.hop_limit,
                    router_alert: d.router_alert.is_some(),
                };
                let icmp = &data[40 + d.ext_len..40 + usize::from(d.header.payload_len)];
                router.handle_bytes(Instant::from_nanos(at.as_nanos() as u64), icmp, meta);
                let recs = r
                    .records()
                    .map(|x| {
                        (
                            u8::from(x.record_type()),
                            IpAddr::V6(x.group()),
                            sorted(x.sources()),
                        )
                    })
                    .collect();
                (IpAddr::V6(src), recs)
            }
            _ => {
                let p = Ipv4Packet::new_checked(&data[..]).expect("IPv4 parses");
                if p.src() == ADDR_A {
                    continue;
                }
                assert!(p.verify_checksum(), "IP checksum from {}", p.src());
                assert_eq!((p.ttl(), p.router_alert()), (1, Some(0)));
                let IgmpMessage::ReportV3(r) = IgmpMessage::parse(p.payload()).unwrap() else {
                    panic!("not an IGMPv3 report from {}", p.src());
                };
                let meta = RouterRxMeta {
                    source: p.src(),
                    destination: p.dst(),
                    ttl: p.ttl(),
                    router_alert: true,
                };
                router4.handle_bytes(Instant::from_nanos(at.as_nanos() as u64), p.payload(), meta);
                let recs = r
                    .records()
                    .map(|x| {
                        (
                            u8::from(x.record_type()),
                            IpAddr::V4(x.group()),
                            sorted(x.sources()),
                        )
                    })
                    .collect();
                (IpAddr::V4(p.src()), recs)
            }
        };
        out.push(Heard {
            at,
            mac,
            source,
            records,
        });
    }
    out
}

struct Ran {
    stats: Stats,
    wire: WireStats,
}

/// Runs `n` hosts from `first` in a for `until`, all joining `group` at
/// the start (each with its own MAC from `macs` if given).
fn emulate<F: LinkFamily>(
    link: &Link,
    first: F::Addr,
    n: u32,
    group: F::Addr,
    macs: Option<MacRange>,
    until: Duration,
) -> JoinHandle<Ran>
where
    F::Addr: std::str::FromStr + std::fmt::Display + Send,
{
    let host = Config::<F> {
        unsolicited_report_interval: Duration::from_millis(500),
        ..Config::default()
    };
    let cfg = EmuConfig {
        hosts: n,
        first_address: first,
        host,
        seed: 9,
    };
    let s = scenario::parse_with::<F>("test", &format!("0 all join {group}"), &host).unwrap();
    s.validate(n, &host).unwrap();
    let iface = link.if_a.clone();
    link.a.spawn(move || {
        let emu = Emulator::new(cfg).unwrap();
        let player = Player::new(s.steps, n, NonZeroU32::new(50_000));
        let mut r = match macs {
            Some(m) => Runner::open_with_macs(&iface, emu, player, m).unwrap(),
            None => Runner::open(&iface, emu, player).unwrap(),
        };
        r.run(Some(until), &|| false, |_| {}).unwrap();
        Ran {
            stats: r.emulator().stats(),
            wire: r.wire_stats(),
        }
    })
}

/// b's MLDv2 General Query (to ff02::1, from b's link-local address) as a
/// whole frame out of b's interface; IGMP's from b as well when `igmp`.
fn general_query(link: &Link, max_resp: Duration) {
    let mut tx = link
        .b
        .run(|| FrameSender::open_with_ethertype(&link.if_b, 0x86dd).unwrap());
    let q = QueryV2 {
        max_resp_code: MaxRespCode::from_duration(max_resp),
        group: Ipv6Addr::UNSPECIFIED,
        s_flag: false,
        qrv: 2,
        qqic: Qqic::from_secs(125),
        sources: &[],
    };
    let mut frame = [0u8; 14 + 40 + 8 + 28];
    frame[..6].copy_from_slice(&Mld::multicast_mac(&ALL_NODES));
    frame[6..12].copy_from_slice(&tx.mac());
    frame[12..14].copy_from_slice(&0x86ddu16.to_be_bytes());
    let n = emit_datagram_to(&q, LINK_LOCAL_B, ALL_NODES, &mut frame[14..]).unwrap();
    assert_eq!(tx.send(&[&frame[..14 + n]]).unwrap(), 1);
}

/// The family helpers the test needs beside the emulator's.
trait TestFamily: LinkFamily {
    fn nth(first: Self::Addr, i: u32) -> IpAddr;
}
impl TestFamily for Mld {
    fn nth(first: Ipv6Addr, i: u32) -> IpAddr {
        IpAddr::V6(Ipv6Addr::from_bits(first.to_bits() + u128::from(i)))
    }
}
impl TestFamily for Igmp {
    fn nth(first: Ipv4Addr, i: u32) -> IpAddr {
        IpAddr::V4(Ipv4Addr::from(u32::from(first) + i))
    }
}

/// `n` hosts join `group`; for MLD, b queries once they settled. Every
/// host reports its join twice (RV 2) from its own address (and MAC, when
/// `macs`), and, when queried, answers once with its current state; b's
/// querier engine holds the group in EXCLUDE mode.
fn join_and_query<F: TestFamily>(n: u32, first: F::Addr, group: F::Addr, macs: Option<MacRange>)
where
    F::Addr: std::str::FromStr + std::fmt::Display + Send + Into<IpAddr>,
{
    let link = Link::with_ipv6().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let start = WallClock::now();
    let cap = Capture::start(&link, start);
    let mld = F::ETHERTYPE == 0x86dd;
    let settle = Duration::from_millis(1500);
    let run = emulate::<F>(
        &link,
        first,
        n,
        group,
        macs,
        settle + Duration::from_millis(1500),
    );
    std::thread::sleep(settle);
    let asked = start.elapsed();
    if mld {
        general_query(&link, Duration::from_secs(1));
    }
    let ran = run.join().unwrap();
    let mut router = Router::<Mld>::new(
        RouterConfig {
            passive: true,
            ..RouterConfig::new(LINK_LOCAL_B)
        },
        Instant::ZERO,
    );
    let mut router4 = Router::<Igmp>::new(
        RouterConfig {
            passive: true,
            ..RouterConfig::new(ADDR_B)
        },
        Instant::ZERO,
    );
    let heard = decode(cap.finish(), &mut router, &mut router4);
    let mut per_host: BTreeMap<IpAddr, Vec<Heard>> = BTreeMap::new();
    for h in heard {
        per_host.entry(h.source).or_default().push(h);
    }
    assert_eq!(per_host.len(), n as usize, "every host was heard");
    let g: IpAddr = group.into();
    let to_ex = vec![(4u8, g, vec![])];
    let is_ex = vec![(2u8, g, vec![])];
    for i in 0..n {
        let src = F::nth(first, i);
        let msgs = per_host
            .get(&src)
            .unwrap_or_else(|| panic!("host {src} heard"));
        let kinds: Vec<&Vec<Rec>> = msgs.iter().map(|m| &m.records).collect();
        if mld {
            assert_eq!(kinds, [&to_ex, &to_ex, &is_ex], "host {src}");
            let answered = msgs[2].at;
            assert!(
                answered >= asked && answered <= asked + Duration::from_millis(1300),
                "host {src} answered at {answered:?}, asked at {asked:?}"
            );
        } else {
            assert_eq!(kinds, [&to_ex, &to_ex], "host {src}");
        }
        if let Some(m) = macs {
            for h in msgs {
                assert_eq!(h.mac, m.mac(i), "host {src}'s frames carry its MAC");
            }
        }
    }
    assert_eq!(ran.stats.hosts_joined, n);
    let per = if mld { 3 } else { 2 };
    assert_eq!(ran.wire.sent, per * u64::from(n));
    assert_eq!(ran.wire.send_dropped, 0);
    if mld {
        assert_eq!(ran.stats.queries_delivered, u64::from(n));
    }
    // b's querier engine for the family holds the group.
    let mode = match g {
        IpAddr::V6(g6) => router.group(g6).map(|v| v.filter_mode()),
        IpAddr::V4(g4) => router4.group(g4).map(|v| v.filter_mode()),
    };
    assert_eq!(
        mode,
        Some(FilterMode::Exclude),
        "b's querier engine holds {g}"
    );
}

const GROUP6: Ipv6Addr = Ipv6Addr::new(0xff1e, 0, 0, 0, 0, 0, 0x8000, 1);

fn ll(last: u32) -> Ipv6Addr {
    Ipv6Addr::from_bits(0xfe80_0000_0000_0000_0000_0000_0001_0000 + u128::from(last))
}

#[test]
fn one_mld_host_joins_and_answers_a_general_query() {
    require_privileges!();
    join_and_query::<Mld>(1, ll(0x10), GROUP6, None);
}

#[test]
fn a_hundred_mld_hosts_join_and_each_answers_a_general_query() {
    require_privileges!();
    join_and_query::<Mld>(100, ll(0x100), GROUP6, None);
}

#[test]
fn mld_frames_from_mac_base_carry_each_hosts_mac_and_b_sees_the_memberships() {
    require_privileges!();
    let macs = MacRange::new([0x02, 0x00, 0x5e, 0x10, 0x00, 0xf0], 40).unwrap();
    join_and_query::<Mld>(40, ll(0x200), GROUP6, Some(macs));
}

#[test]
fn igmp_frames_from_mac_base_carry_each_hosts_mac_and_b_sees_the_memberships() {
    require_privileges!();
    let macs = MacRange::new([0x02, 0x00, 0x5e, 0x20, 0x00, 0x01], 40).unwrap();
    let first = Ipv4Addr::new(198, 18, 0, 50);
    join_and_query::<Igmp>(40, first, Ipv4Addr::new(239, 7, 0, 1), Some(macs));
}
