//! The drivers between namespaces, on both tokio runtimes: an async
//! querier (tap + raw socket) sees the kernel of the peer namespace join
//! and leave groups, IGMPv3 and IGMPv2, its events and its table in step
//! (and on a raw socket with the router groups, IGMPv3, skipping its own
//! host's reports); a host driver's reports reach the peer's tap with
//! IGMP's IPv4 header, it answers the peer's query and falls back to
//! IGMPv2 on a v2 query; both keep working when their `run` is cancelled
//! over and over, and a report whose send was cancelled goes out on the
//! next `run`.

mod common;

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::time::Duration;

use common::*;
use ipv4kit_gmp::{Compat, Config, Event, Igmp, Requester, RouterConfig, RouterEvent};
use ipv4kit_net::wire::igmp::{
    GroupRecordType, IgmpMessage, MaxRespCode, Qqic, QueryV2, QueryV3, ALL_IGMPV3_ROUTERS,
    ALL_SYSTEMS, IGMPV3_TOS,
};
use ipv4kit_net::wire::ipv4::{IpProtocol, Ipv4Packet};
use ipv4kit_net::{interface_index, PacketType, RawConn, Tap};
use ipv4kit_testnet::{require_privileges, Link, ADDR_A, ADDR_B, PREFIX_LEN};
use ipv4kit_tokio::driver::{
    Events, GmpIo, HostDriver, HostHandle, IgmpSocket, IgmpTapIo, Inbound, Outbound, QuerierDriver,
    QuerierHandle,
};
use ipv4kit_tokio::{AsyncSocket, AsyncTap};
use rand_core::SeedableRng;
use rand_xorshift::XorShiftRng;

const G1: Ipv4Addr = Ipv4Addr::new(239, 5, 5, 1);
const G2: Ipv4Addr = Ipv4Addr::new(239, 5, 5, 2);

type Querier = QuerierDriver<Igmp, IgmpTapIo>;

/// A raw IGMP socket in a's namespace and a's interface index.
fn raw_igmp_on_a(link: &Link) -> (RawConn, u32) {
    link.a.run(|| {
        (
            RawConn::new(IpProtocol::IGMP).unwrap(),
            interface_index(&link.if_a).unwrap(),
        )
    })
}

/// Drops the last `handle` of a driver whose `run` is `task`, and checks
/// that `run` then ends without an error.
async fn run_ends_with_the_last_handle<H>(
    handle: H,
    task: tokio::task::JoinHandle<ipv4kit_net::Result<()>>,
) {
    drop(handle);
    let ended = tokio::time::timeout(PATIENCE, task).await;
    assert!(
        matches!(ended, Ok(Ok(Ok(())))),
        "run ends with the last handle: {ended:?}"
    );
}

/// Drives `checks` and `run` in one task, `run` dropped every 3 ms in the
/// middle of whatever it waits for, until the checks are done; more than
/// 100 cancellations are asked for.
async fn checks_pass_while_run_is_cancelled(
    checks: impl Future<Output = ()>,
    mut run: impl AsyncFnMut() -> ipv4kit_net::Result<()>,
) {
    tokio::pin!(checks);
    let mut cancelled = 0u32;
    loop {
        tokio::select! {
            () = &mut checks => break,
            r = tokio::time::timeout(Duration::from_millis(3), run()) => {
                assert!(r.is_err(), "run ended: {r:?}");
                cancelled += 1;
            }
        }
    }
    println!("run cancelled {cancelled} times");
    assert!(cancelled > 100);
}

/// A querier driver on `a`: the tap listens, a raw socket sends from
/// 198.18.0.1; Last Member Query Interval 200 ms so leaves end quickly.
fn querier(link: &Link) -> (Querier, QuerierHandle<Igmp>, Events<RouterEvent<Ipv4Addr>>) {
    let (tap, raw, ia) = link.a.run(|| {
        let ia = interface_index(&link.if_a).unwrap();
        (
            Tap::open(&link.if_a).unwrap(),
            RawConn::new(IpProtocol::IGMP).unwrap(),
            ia,
        )
    });
    let sender = IgmpSocket::from_conn(raw, ia).unwrap().with_source(ADDR_A);
    let io = IgmpTapIo::new(AsyncSocket::new(tap).unwrap(), sender).unwrap();
    let mut config = RouterConfig::new(ADDR_A);
    config.subnet_prefix = Some(PREFIX_LEN);
    config.last_member_query_interval = Duration::from_millis(200);
    QuerierDriver::new(config, io)
}

/// The next event matching `want` from the stream, within [`PATIENCE`].
async fn event_where(
    events: &mut Events<RouterEvent<Ipv4Addr>>,
    want: impl Fn(&RouterEvent<Ipv4Addr>) -> bool,
) -> RouterEvent<Ipv4Addr> {
    tokio::time::timeout(PATIENCE, async {
        loop {
            // Through the `Stream` impl (`recv` is the same channel).
            let e = next(events).await.expect("the driver is running");
            if want(&e) {
                return e;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no such event within the patience"))
}

/// The next event of `want`'s kind (a group added, or expired) is `want`,
/// and the table then holds `table` (group, last reporter).
async fn seen(
    events: &mut Events<RouterEvent<Ipv4Addr>>,
    handle: &QuerierHandle<Igmp>,
    want: RouterEvent<Ipv4Addr>,
    table: &[(Ipv4Addr, Ipv4Addr)],
) {
    let kind = std::mem::discriminant(&want);
    let e = event_where(events, |e| std::mem::discriminant(e) == kind).await;
    assert_eq!(e, want);
    assert_eq!(table_groups(handle), table);
}

/// Makes b's kernel report as IGMPv`version` (0: its default, v3).
fn force_igmp_version(link: &Link, version: &str) {
    link.b
        .sysctl(
            &format!("net.ipv4.conf.{}.force_igmp_version", link.if_b),
            version,
        )
        .unwrap();
}

fn table_groups(q: &QuerierHandle<Igmp>) -> Vec<(Ipv4Addr, Ipv4Addr)> {
    q.table()
        .groups
        .iter()
        .map(|g| (g.group, g.last_reporter))
        .collect()
}

/// The joins and leaves of b's kernel, checked on the querier's events and
/// table. Runs while `drive` makes the querier run.
async fn joins_and_leaves_are_seen(
    link: &Link,
    handle: &QuerierHandle<Igmp>,
    events: &mut Events<RouterEvent<Ipv4Addr>>,
) {
    let ib = link.b.run(|| interface_index(&link.if_b).unwrap());
    let host = link
        .b
        .run(|| UdpSocket::bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0)).unwrap());

    // IGMPv3: TO_EX {} to 224.0.0.22.
    host.join_multicast_v4_n(ib, G1);
    seen(
        events,
        handle,
        RouterEvent::GroupAdded { group: G1 },
        &[(G1, ADDR_B)],
    )
    .await;

    // IGMPv2: a report to the group itself, which only the tap sees.
    force_igmp_version(link, "2");
    host.join_multicast_v4_n(ib, G2);
    seen(
        events,
        handle,
        RouterEvent::GroupAdded { group: G2 },
        &[(G1, ADDR_B), (G2, ADDR_B)],
    )
    .await;

    // An IGMPv2 leave (to 224.0.0.2): Q(G) twice, then the group expires.
    host.leave_multicast_v4_n(ib, G2);
    seen(
        events,
        handle,
        RouterEvent::GroupExpired { group: G2 },
        &[(G1, ADDR_B)],
    )
    .await;

    // Back to IGMPv3 (a v2 host leaves only groups it reported last in v2
    // mode): TO_IN {}, Q(G) twice, expiry.
    force_igmp_version(link, "0");
    host.leave_multicast_v4_n(ib, G1);
    seen(events, handle, RouterEvent::GroupExpired { group: G1 }, &[]).await;

    assert!(handle.is_querier());
    let c = handle.counters();
    assert_eq!((c.malformed, c.bad_ttl, c.off_subnet), (0, 0, 0), "{c:?}");
    // The startup General Query, then Q(G) twice for each leave (LMQC 2).
    assert!(c.queries_sent >= 5, "{c:?}");
}

/// Any-source joins and leaves by interface index, for a std socket.
trait JoinN {
    fn join_multicast_v4_n(&self, ifindex: u32, group: Ipv4Addr);
    fn leave_multicast_v4_n(&self, ifindex: u32, group: Ipv4Addr);
}

impl JoinN for UdpSocket {
    fn join_multicast_v4_n(&self, ifindex: u32, group: Ipv4Addr) {
        ipv4kit_net::DatagramOptions::join_group(
            &ipv4kit_net::SocketOptions::of(self),
            ifindex,
            group,
        )
        .unwrap();
    }
    fn leave_multicast_v4_n(&self, ifindex: u32, group: Ipv4Addr) {
        ipv4kit_net::DatagramOptions::leave_group(
            &ipv4kit_net::SocketOptions::of(self),
            ifindex,
            group,
        )
        .unwrap();
    }
}

#[test]
fn the_async_querier_sees_the_kernel_join_and_leave_in_its_events_and_table() {
    require_privileges!();
    on_both_runtimes(|rt| async move {
        println!("{rt}");
        let link = Link::new().unwrap();
        let (mut driver, handle, mut events) = querier(&link);
        let task = tokio::spawn(async move { driver.run().await });
        joins_and_leaves_are_seen(&link, &handle, &mut events).await;
        run_ends_with_the_last_handle(handle, task).await;
    });
}

#[test]
fn a_querier_whose_run_is_cancelled_every_few_milliseconds_loses_nothing() {
    require_privileges!();
    on_both_runtimes(|rt| async move {
        println!("{rt}");
        let link = Link::new().unwrap();
        let (mut driver, handle, mut events) = querier(&link);
        checks_pass_while_run_is_cancelled(
            joins_and_leaves_are_seen(&link, &handle, &mut events),
            async || driver.run().await,
        )
        .await;
    });
}

/// b's view of the link: a tap (reports from a) and a raw IGMP socket (to
/// query a).
struct Peer {
    tap: AsyncTap,
    sender: IgmpSocket,
}

/// A report a sent, as b's tap saw it.
#[derive(Debug)]
struct SeenReport {
    dst: Ipv4Addr,
    ttl: u8,
    tos: u8,
    router_alert: bool,
    records: Vec<(GroupRecordType, Ipv4Addr)>,
}

impl Peer {
    fn open(link: &Link) -> Peer {
        let (tap, raw, ib) = link.b.run(|| {
            (
                Tap::open(&link.if_b).unwrap(),
                RawConn::new(IpProtocol::IGMP).unwrap(),
                interface_index(&link.if_b).unwrap(),
            )
        });
        Peer {
            tap: AsyncSocket::new(tap).unwrap(),
            sender: IgmpSocket::from_conn(raw, ib).unwrap().with_source(ADDR_B),
        }
    }

    /// The next IGMPv3 report from a.
    async fn report(&mut self) -> SeenReport {
        self.report_of(3).await
    }

    /// The next IGMPv`version` (2 or 3) report from a; a v2 report's group
    /// is its one record, typed `ModeIsExclude`.
    async fn report_of(&mut self, version: u8) -> SeenReport {
        loop {
            let batch = tokio::time::timeout(PATIENCE, self.tap.recv())
                .await
                .expect("a report within the patience")
                .unwrap();
            for p in batch {
                if p.meta.packet_type == PacketType::Outgoing {
                    continue;
                }
                let ip = Ipv4Packet::new_checked(p.data).unwrap();
                if ip.src() != ADDR_A || ip.protocol() != IpProtocol::IGMP {
                    continue;
                }
                let records = match (version, IgmpMessage::parse(ip.payload())) {
                    (3, Ok(IgmpMessage::ReportV3(r))) => {
                        r.records().map(|g| (g.record_type(), g.group())).collect()
                    }
                    (2, Ok(IgmpMessage::ReportV2(r))) => {
                        vec![(GroupRecordType::ModeIsExclude, r.group())]
                    }
                    _ => continue,
                };
                return SeenReport {
                    dst: ip.dst(),
                    ttl: ip.ttl(),
                    tos: ip.tos(),
                    router_alert: ip.router_alert().is_some(),
                    records,
                };
            }
        }
    }

    /// The next report from a whose records are `want`.
    async fn report_with(&mut self, want: &[(GroupRecordType, Ipv4Addr)]) -> SeenReport {
        loop {
            let r = self.report().await;
            if r.records == want {
                return r;
            }
        }
    }

    /// Sends an IGMPv2 General Query with Max Response Time 1 s.
    async fn general_query_v2(&self) {
        let mut q = [0u8; 8];
        QueryV2 {
            max_resp_time: 10,
            group: Ipv4Addr::UNSPECIFIED,
        }
        .emit(&mut q)
        .unwrap();
        self.sender
            .send(Outbound {
                destination: ALL_SYSTEMS,
                v3: false,
                message: &q,
            })
            .await
            .unwrap();
    }

    /// Sends an IGMPv3 General Query with Max Resp Time 1 s.
    async fn general_query(&self) {
        let mut q = [0u8; 12];
        QueryV3 {
            max_resp_code: MaxRespCode::from_tenths(10),
            group: Ipv4Addr::UNSPECIFIED,
            s_flag: false,
            qrv: 2,
            qqic: Qqic::from_secs(125),
            sources: &[],
        }
        .emit(&mut q)
        .unwrap();
        self.sender
            .send(Outbound {
                destination: ALL_SYSTEMS,
                v3: true,
                message: &q,
            })
            .await
            .unwrap();
    }
}

fn host_driver(
    link: &Link,
) -> (
    HostDriver<Igmp, XorShiftRng, IgmpSocket>,
    HostHandle<Igmp, XorShiftRng>,
    Events<Event>,
) {
    let (raw, ia) = raw_igmp_on_a(link);
    let io = IgmpSocket::from_conn(raw, ia).unwrap();
    HostDriver::new(Config::default(), XorShiftRng::seed_from_u64(7), io)
}

/// a's host driver joins and leaves; b sees each report, with TTL 1, ToS
/// 0xc0 and Router Alert (RFC 3376 §4), and b's General Query is answered
/// with the current state (§5.2).
async fn reports_and_answers(handle: &HostHandle<Igmp, XorShiftRng>, peer: &mut Peer) {
    handle.join(Requester(1), G1).unwrap();
    let r = peer
        .report_with(&[(GroupRecordType::ChangeToExclude, G1)])
        .await;
    assert_eq!(r.dst, ALL_IGMPV3_ROUTERS);
    assert_eq!(
        (r.ttl, r.tos, r.router_alert),
        (1, IGMPV3_TOS, true),
        "{r:?}"
    );

    // Past the retransmission (1 s at most), then the query.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    peer.general_query().await;
    let asked = tokio::time::Instant::now();
    let r = peer
        .report_with(&[(GroupRecordType::ModeIsExclude, G1)])
        .await;
    assert!(
        asked.elapsed() < Duration::from_millis(1500),
        "answered within Max Resp Time"
    );
    assert_eq!(
        (r.dst, r.ttl, r.tos, r.router_alert),
        (ALL_IGMPV3_ROUTERS, 1, IGMPV3_TOS, true)
    );

    handle.leave(Requester(1), G1).unwrap();
    peer.report_with(&[(GroupRecordType::ChangeToInclude, G1)])
        .await;
    assert_eq!(handle.with(|h| h.groups().count()), 0);
}

#[test]
fn a_host_drivers_reports_reach_the_peer_and_it_answers_a_query() {
    require_privileges!();
    on_both_runtimes(|rt| async move {
        println!("{rt}");
        let link = Link::new().unwrap();
        let mut peer = Peer::open(&link);
        let (mut driver, handle, _events) = host_driver(&link);
        let task = tokio::spawn(async move { driver.run().await });
        reports_and_answers(&handle, &mut peer).await;
        run_ends_with_the_last_handle(handle, task).await;
    });
}

#[test]
fn a_host_driver_whose_run_is_cancelled_every_few_milliseconds_still_reports_and_answers() {
    require_privileges!();
    on_both_runtimes(|rt| async move {
        println!("{rt}");
        let link = Link::new().unwrap();
        let mut peer = Peer::open(&link);
        let (mut driver, handle, _events) = host_driver(&link);
        checks_pass_while_run_is_cancelled(reports_and_answers(&handle, &mut peer), async || {
            driver.run().await
        })
        .await;
    });
}

/// An [`IgmpSocket`] whose sends wait for a permit first: a send the test
/// can hold in flight.
struct Gated {
    inner: IgmpSocket,
    gate: std::sync::Arc<tokio::sync::Semaphore>,
}

impl GmpIo<Ipv4Addr> for Gated {
    async fn recv(
        &mut self,
        deliver: &mut (dyn FnMut(Inbound<'_, Ipv4Addr>) + Send),
    ) -> ipv4kit_net::Result<()> {
        self.inner.recv(deliver).await
    }

    async fn send(&mut self, out: Outbound<'_, Ipv4Addr>) -> ipv4kit_net::Result<()> {
        self.gate.acquire().await.unwrap().forget();
        self.inner.send(out).await
    }
}

#[test]
fn a_report_whose_send_was_cancelled_goes_out_on_the_next_run() {
    require_privileges!();
    on_both_runtimes(|rt| async move {
        println!("{rt}");
        let link = Link::new().unwrap();
        let mut peer = Peer::open(&link);
        let (raw, ia) = raw_igmp_on_a(&link);
        let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(0));
        let io = Gated {
            inner: IgmpSocket::from_conn(raw, ia).unwrap(),
            gate: gate.clone(),
        };
        let (mut driver, handle, _events) =
            HostDriver::new(Config::<Igmp>::default(), XorShiftRng::seed_from_u64(7), io);
        handle.join(Requester(1), G1).unwrap();
        // The report leaves the engine for the driver, whose send waits at
        // the gate when `run` is dropped.
        let r = tokio::time::timeout(Duration::from_millis(50), driver.run()).await;
        assert!(r.is_err());
        assert_eq!(handle.with(|h| h.groups().count()), 1);
        let early = tokio::time::timeout(Duration::from_millis(200), peer.report()).await;
        assert!(early.is_err(), "nothing was sent yet: {early:?}");
        // Opened, the next `run` sends the held report first.
        gate.add_permits(1);
        let _ = tokio::time::timeout(Duration::from_millis(100), driver.run()).await;
        let r = peer.report().await;
        assert_eq!(r.records, [(GroupRecordType::ChangeToExclude, G1)]);
    });
}

#[test]
fn a_host_driver_falls_back_to_igmpv2_on_a_v2_query_and_says_so_in_its_events() {
    require_privileges!();
    on_both_runtimes(|rt| async move {
        println!("{rt}");
        let link = Link::new().unwrap();
        let mut peer = Peer::open(&link);
        let (mut driver, handle, mut events) = host_driver(&link);
        let task = tokio::spawn(async move { driver.run().await });
        handle.join(Requester(1), G1).unwrap();
        peer.report_with(&[(GroupRecordType::ChangeToExclude, G1)])
            .await;
        // RFC 3376 §7.2.1: an IGMPv2 query puts the host in IGMPv2 mode; it
        // answers with an IGMPv2 report to the group (RFC 2236 §3), ToS 0.
        peer.general_query_v2().await;
        let e = tokio::time::timeout(PATIENCE, events.recv()).await.unwrap();
        assert_eq!(
            e,
            Some(Event::CompatChanged {
                from: Compat::V3,
                to: Compat::V2
            })
        );
        let r = peer.report_of(2).await;
        assert_eq!(r.records, [(GroupRecordType::ModeIsExclude, G1)]);
        assert_eq!(
            (r.dst, r.ttl, r.tos, r.router_alert),
            (G1, 1, 0, true),
            "{r:?}"
        );
        assert_eq!(handle.with(|h| h.compat()), Compat::V2);
        run_ends_with_the_last_handle(handle, task).await;
    });
}

#[test]
fn a_querier_on_a_raw_socket_with_the_router_groups_sees_igmpv3_joins_and_leaves() {
    require_privileges!();
    on_both_runtimes(|rt| async move {
        println!("{rt}");
        let link = Link::new().unwrap();
        let (raw, ia) = raw_igmp_on_a(&link);
        let ib = link.b.run(|| interface_index(&link.if_b).unwrap());
        let io = IgmpSocket::from_conn(raw, ia).unwrap().with_source(ADDR_A);
        io.join_router_groups().unwrap();
        let mut config = RouterConfig::<Igmp>::new(ADDR_A);
        config.last_member_query_interval = Duration::from_millis(200);
        let (mut driver, handle, mut events) = QuerierDriver::new(config, io);
        let task = tokio::spawn(async move { driver.run().await });
        let host = link
            .b
            .run(|| UdpSocket::bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0)).unwrap());
        host.join_multicast_v4_n(ib, G1);
        let added = RouterEvent::GroupAdded { group: G1 };
        seen(&mut events, &handle, added, &[(G1, ADDR_B)]).await;
        host.leave_multicast_v4_n(ib, G1);
        let expired = RouterEvent::GroupExpired { group: G1 };
        seen(&mut events, &handle, expired, &[]).await;
        run_ends_with_the_last_handle(handle, task).await;
    });
}
