//! IGMP and MLD rebuilt from a capture: which routers queried and which was
//! Querier when, who held which group over time, how long leaves and joins
//! took, and which messages break which RFC rule.
//!
//! A capture (pcap or pcapng, every link layer `ipv4kit decode` reads) is
//! replayed frame by frame through the router engine of `ipv4kit-gmp` in
//! passive mode, one engine per link (pcapng interface × outermost VLAN)
//! and per protocol, with the capture timestamps as its clock (the first
//! frame is [`Instant::ZERO`](ipv4kit_gmp::Instant::ZERO)). A tunnel is a
//! link of its own: the Ethernet frame or IP datagram that VXLAN (RFC 7348)
//! or GRE (RFC 2784, RFC 2890) carries in an IPv4 datagram is analysed on
//! the link of the outer one × the tunnel (the VNI; GRE's key, or without
//! one the outer source and destination) × the inner frame's outermost
//! VLAN. One level only: a tunnel inside a tunnel is counted as skipped.
//! Beside the
//! engine, the analysis keeps what a table does not: every querier's
//! timers as announced and as observed, each host's last report per group,
//! and the violations.
//!
//! ```
//! use std::net::Ipv4Addr;
//! use std::time::Duration;
//! use ipv4kit_analyze::{analyze_reader, Options};
//! use ipv4kit_capture::write::PcapWriter;
//! use ipv4kit_wire::igmp::ReportV2;
//! use ipv4kit_wire::ipv4::{IpProtocol, Ipv4Repr};
//!
//! // A v2 report for 239.1.1.1 without Router Alert, in a raw-IP pcap.
//! let group = Ipv4Addr::new(239, 1, 1, 1);
//! let ip = Ipv4Repr::new(Ipv4Addr::new(198, 18, 0, 2), group, IpProtocol::IGMP, 8).with_ttl(1);
//! let mut datagram = vec![0u8; ip.total_len()];
//! let n = ip.emit(&mut datagram).unwrap();
//! ReportV2 { group }.emit(&mut datagram[n..]).unwrap();
//! let mut w = PcapWriter::new(Vec::new(), 101, 65535).unwrap();
//! w.write_packet(Duration::from_secs(1), datagram.len() as u32, &datagram).unwrap();
//! let pcap = w.into_inner().unwrap();
//!
//! let r = analyze_reader(&pcap[..], "memory", Options::default()).unwrap();
//! assert_eq!(r.summary.igmp, 1);
//! assert_eq!((r.violations[0].frame, r.violations[0].rfc), (1, "RFC 2236 §2"));
//! assert_eq!(r.violations[0].reason, "no Router Alert option");
//! assert_eq!(r.links[0].protocols[0].table.groups.len(), 1);
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod addr;
pub mod bench_capture;
mod family;
pub mod report;
pub mod svg;
pub mod text;

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::ops::ControlFlow;
use std::path::Path;
use std::time::Duration;

use ipv4kit_capture::decode::{self, TunnelPayload};
use ipv4kit_capture::link::{self, Link};
use ipv4kit_capture::model::Packet;
use ipv4kit_capture::read::{self, CaptureError, Frame};
use ipv4kit_capture::time::Timestamp;
use ipv4kit_gmp::{Igmp, Instant, Mld};
use ipv4kit_wire::ipv4::{IpProtocol, Ipv4Option, Ipv4Packet};

pub use family::checks::parse_link_prefix;
use family::{Family, Msg};
pub use ipnet::Ipv4Net;
pub use report::{At, Report, Violation};

/// Links tracked; frames of further links are skipped and counted.
pub const MAX_LINKS: usize = 256;
/// Groups tracked per link and protocol (the engine's cap as well).
pub const MAX_GROUPS: usize = 4096;
/// Hosts tracked per group.
pub const MAX_HOLDERS: usize = 256;
/// Timeline entries kept per group.
pub const MAX_TIMELINE: usize = 64;
/// Queriers tracked per link and protocol.
pub const MAX_QUERIERS: usize = 64;
/// Querier periods kept per link and protocol.
pub const MAX_PERIODS: usize = 1024;
/// Leave and join latencies kept per link and protocol.
pub const MAX_LATENCIES: usize = 1024;
/// Violations listed (all are counted).
pub const MAX_VIOLATIONS_LISTED: usize = 10_000;
/// Unparsable frames listed (all are counted).
pub const MAX_UNPARSABLE_LISTED: usize = 100;

/// A time given to `--at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AtTime {
    /// This long after the first frame.
    Offset(Duration),
    /// This capture time.
    Absolute(Timestamp),
}

impl std::str::FromStr for AtTime {
    type Err = String;

    /// Seconds after the first frame (`30`, `+12.5`), or an RFC 3339 time
    /// in UTC (`2024-05-01T10:00:00Z`, fraction allowed).
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.strip_prefix('+').unwrap_or(s);
        if let Ok(x) = t.parse::<f64>() {
            if x.is_finite() && (0.0..=1e9).contains(&x) {
                return Ok(AtTime::Offset(Duration::from_secs_f64(x)));
            }
            return Err(format!("{s:?}: seconds must be in 0..=1e9"));
        }
        parse_rfc3339(t).map(AtTime::Absolute).ok_or_else(|| {
            format!("{s:?}: want seconds after the first frame (30, 12.5) or an RFC 3339 UTC time (2024-05-01T10:00:00Z)")
        })
    }
}

fn parse_rfc3339(s: &str) -> Option<Timestamp> {
    let s = s.strip_suffix('Z').or_else(|| s.strip_suffix('z'))?;
    let (date, time) = s.split_once(['T', 't', ' '])?;
    let mut d = date.splitn(3, '-').map(|x| x.parse::<u64>().ok());
    let (y, mo, da) = (d.next()??, d.next()??, d.next()??);
    let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
    let mut h = hms.splitn(3, ':').map(|x| x.parse::<u64>().ok());
    let (hh, mm, ss) = (h.next()??, h.next()??, h.next()??);
    if !(1970..=9999).contains(&y)
        || !(1..=12).contains(&mo)
        || !(1..=31).contains(&da)
        || hh > 23
        || mm > 59
        || ss > 60
    {
        return None;
    }
    if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let nanos = if frac.is_empty() {
        0
    } else {
        frac.parse::<u32>().ok()? * 10u32.pow(9 - frac.len() as u32)
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let (yy, m) = if mo <= 2 {
        (y - 1, mo + 9)
    } else {
        (y, mo - 3)
    };
    let era = yy / 400;
    let yoe = yy - era * 400;
    let doy = (153 * m + 2) / 5 + da - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(Timestamp {
        secs: days * 86_400 + hh * 3600 + mm * 60 + ss,
        nanos,
        digits: frac.len() as u8,
    })
}

/// What to analyse.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Only frames of this pcapng interface (`if_name`).
    pub iface: Option<String>,
    /// Take the membership tables at this time instead of the end.
    pub at: Option<AtTime>,
    /// The IPv4 prefixes of the link(s) (a capture does not say them): a
    /// query from outside every one is off-link (RFC 3376 §9.1). Empty: no
    /// IPv4 source is checked against a prefix. MLD needs none (its
    /// queries must come from link-local addresses, which is checked).
    pub link_prefixes: Vec<Ipv4Net>,
}

/// The capture's clock: timestamps ↔ the engines' [`Instant`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Clock {
    base: Timestamp,
}

impl Clock {
    fn instant(&self, ts: Timestamp) -> Instant {
        let ns = |t: Timestamp| u128::from(t.secs) * 1_000_000_000 + u128::from(t.nanos);
        let d = ns(ts).saturating_sub(ns(self.base));
        Instant::from_nanos(u64::try_from(d).unwrap_or(u64::MAX))
    }

    pub(crate) fn at(&self, i: Instant) -> At {
        let total = u128::from(self.base.nanos) + u128::from(i.as_nanos());
        let ts = Timestamp {
            secs: self
                .base
                .secs
                .saturating_add(u64::try_from(total / 1_000_000_000).unwrap_or(u64::MAX)),
            nanos: (total % 1_000_000_000) as u32,
            digits: self.base.digits,
        };
        At {
            ts,
            offset_ns: i.as_nanos(),
        }
    }
}

/// Where violations go, with what each needs to name its place.
pub(crate) struct Env<'a> {
    pub(crate) clock: Clock,
    file: &'a str,
    /// The file's position in the capture (violations sort by it, then frame).
    file_index: usize,
    link: &'a str,
    /// [`Options::link_prefixes`].
    pub(crate) link_prefixes: &'a [Ipv4Net],
    sink: &'a mut Sink,
}

impl Env<'_> {
    pub(crate) fn violation(
        &mut self,
        frame: u64,
        now: Instant,
        source: IpAddr,
        rfc: &'static str,
        reason: String,
    ) {
        let s = &mut *self.sink;
        s.total += 1;
        *s.by_rfc.entry(rfc).or_default() += 1;
        if s.list.len() < MAX_VIOLATIONS_LISTED {
            s.list.push((
                self.file_index,
                Violation {
                    file: Some(self.file.to_string()),
                    frame,
                    time: self.clock.at(now),
                    link: self.link.to_string(),
                    source,
                    rfc,
                    reason,
                },
            ));
        }
    }
}

#[derive(Default)]
struct Sink {
    /// With the index of the file each is in.
    list: Vec<(usize, Violation)>,
    total: u64,
    by_rfc: BTreeMap<&'static str, u64>,
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct LinkKey {
    file: usize,
    interface: Option<u32>,
    place: Place,
}

/// Where in a file's interface a packet was seen: its outermost VLAN, and
/// the tunnel it came out of.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Place {
    vlan: Option<u16>,
    tunnel: Option<Tunnel>,
}

/// A tunnel (one level deep) and the inner frame's outermost VLAN.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Tunnel {
    id: TunnelId,
    vlan: Option<u16>,
}

/// What tells a tunnel's links apart.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum TunnelId {
    /// VXLAN: the VNI (RFC 7348 §5).
    Vxlan(u32),
    /// GRE with a key (RFC 2890 §2.1).
    GreKey(u32),
    /// GRE without a key: the outer source and destination.
    Gre(Ipv4Addr, Ipv4Addr),
}

/// A link's name and the slot of one of its families (IGMP or MLD).
type Pick<P> = fn(&mut LinkState) -> (&str, &mut Option<Family<P>>);

struct LinkState {
    file: usize,
    name: String,
    interface: Option<String>,
    vlan: Option<u16>,
    last: Instant,
    igmp: Option<Family<Igmp>>,
    mld: Option<Family<Mld>>,
}

/// The analysis in progress: feed it frames, file by file, then
/// [`finish`](Analyzer::finish).
pub struct Analyzer {
    options: Options,
    files: Vec<String>,
    clock: Option<Clock>,
    end: Instant,
    at: Option<Instant>,
    at_taken: bool,
    /// Looked up for every frame: foldhash, not SipHash (capped at `MAX_LINKS`).
    keys: HashMap<LinkKey, usize, foldhash::fast::RandomState>,
    links: Vec<LinkState>,
    sink: Sink,
    unparsable: Vec<report::Unparsable>,
    summary: report::Summary,
    /// Whole IGMP datagrams skip `decode`'s model (`igmp_whole`); off only
    /// in the test that compares the two paths.
    igmp_fast: bool,
}

impl Analyzer {
    /// A new analysis.
    pub fn new(options: Options) -> Self {
        Analyzer {
            options,
            files: Vec::new(),
            clock: None,
            end: Instant::ZERO,
            at: None,
            at_taken: false,
            keys: HashMap::default(),
            links: Vec::new(),
            sink: Sink::default(),
            unparsable: Vec::new(),
            summary: report::Summary::default(),
            igmp_fast: true,
        }
    }

    /// The next frames come from the file `name`.
    pub fn begin_file(&mut self, name: &str) {
        self.files.push(name.to_string());
    }

    /// The current file could not be read to its end.
    pub fn file_error(&mut self, e: &CaptureError) {
        self.summary.file_errors.push(e.to_string());
    }

    fn unparsable(
        &mut self,
        frame: u64,
        now: Option<Instant>,
        layer: &'static str,
        reason: String,
    ) {
        self.summary.unparsable += 1;
        if self.unparsable.len() < MAX_UNPARSABLE_LISTED {
            let time = now.zip(self.clock).map(|(n, c)| c.at(n));
            self.unparsable.push(report::Unparsable {
                file: self.files.last().cloned(),
                frame,
                time,
                layer,
                reason,
            });
        }
    }

    /// One frame of the current file.
    pub fn frame(&mut self, frame: &Frame<'_>) {
        if self.files.is_empty() {
            self.files.push(String::from("-"));
        }
        self.summary.frames += 1;
        let file = self.files.len() - 1;
        let clock = *self.clock.get_or_insert_with(|| Clock {
            base: frame.ts.unwrap_or_default(),
        });
        if self.at.is_none() && !self.at_taken {
            self.at = self.options.at.map(|a| match a {
                AtTime::Offset(d) => Instant::ZERO + d,
                AtTime::Absolute(ts) => clock.instant(ts),
            });
        }
        let ts_now = frame.ts.map(|t| clock.instant(t));
        if let Some(n) = ts_now {
            self.end = self.end.max(n);
        }
        if let Some(at) = self
            .at
            .filter(|&a| !self.at_taken && ts_now.is_some_and(|n| n > a))
        {
            self.take_tables(at);
        }
        if let Some(want) = &self.options.iface {
            if frame.interface != Some(want.as_str()) {
                self.summary.skipped += 1;
                return;
            }
        }
        let (header, link) = link::dissect(frame.linktype, frame.data);
        let place = Place {
            vlan: header.vlans.first().map(|v| v.id),
            tunnel: None,
        };
        self.link_layer(frame, file, place, ts_now, link);
    }

    /// The IP packet of a link layer (the frame's, or a tunnel's inner one).
    fn link_layer(
        &mut self,
        frame: &Frame<'_>,
        file: usize,
        place: Place,
        ts: Option<Instant>,
        link: Link<'_>,
    ) {
        match link {
            Link::Ipv4(bytes) => self.ipv4(frame, file, place, ts, bytes),
            Link::Ipv6(bytes) => self.ipv6(frame, file, place, ts, bytes),
            Link::Truncated(what) => {
                self.unparsable(frame.index, ts, "link", format!("{what} cut short"));
            }
            Link::NotIp(_) | Link::Unsupported(_) => {}
        }
    }

    /// A UDP or GRE datagram (`bytes`, IPv4 with protocol 17 or 47): when
    /// it is VXLAN or GRE, the packet inside on the tunnel's link. As
    /// `decode`, only a datagram that is not fragmented and was captured
    /// whole is followed.
    fn tunnel(
        &mut self,
        frame: &Frame<'_>,
        file: usize,
        outer: Place,
        ts: Option<Instant>,
        bytes: &[u8],
    ) {
        let hl = usize::from(bytes[0] & 0x0f) * 4;
        let total = usize::from(u16::from_be_bytes([bytes[2], bytes[3]]));
        // More Fragments or a Fragment Offset (RFC 791 §3.1).
        let fragment = bytes[6] & 0x3f != 0 || bytes[7] != 0;
        if fragment || hl < 20 || total < hl || total > bytes.len() {
            return;
        }
        let Some(t) = decode::tunnel_header(bytes[9], &bytes[hl..total]) else {
            return;
        };
        if outer.tunnel.is_some() {
            self.summary.skipped += 1;
            return;
        }
        let id = match (t.vni, t.key) {
            (Some(vni), _) => TunnelId::Vxlan(vni),
            (None, Some(key)) => TunnelId::GreKey(key),
            (None, None) => TunnelId::Gre(
                Ipv4Addr::new(bytes[12], bytes[13], bytes[14], bytes[15]),
                Ipv4Addr::new(bytes[16], bytes[17], bytes[18], bytes[19]),
            ),
        };
        let (vlan, link) = match t.inner {
            TunnelPayload::Ethernet(b) => {
                let (header, link) = link::dissect(link::linktype::ETHERNET, b);
                (header.vlans.first().map(|v| v.id), link)
            }
            TunnelPayload::Ipv4(b) => (None, Link::Ipv4(b)),
            TunnelPayload::Ipv6(b) => (None, Link::Ipv6(b)),
        };
        let place = Place {
            vlan: outer.vlan,
            tunnel: Some(Tunnel { id, vlan }),
        };
        self.link_layer(frame, file, place, ts, link);
    }

    fn link(&mut self, frame: &Frame<'_>, file: usize, place: Place) -> Option<usize> {
        let key = LinkKey {
            file,
            interface: frame.interface_id,
            place,
        };
        if let Some(&i) = self.keys.get(&key) {
            return Some(i);
        }
        if self.links.len() >= MAX_LINKS {
            self.summary.skipped += 1;
            return None;
        }
        let mut name = match (frame.interface, frame.interface_id) {
            // Control characters escaped: the name starts lines of text.
            (Some(n), _) => ipv4kit_capture::text::printable(n).into_owned(),
            (None, Some(i)) => format!("if{i}"),
            (None, None) => std::path::Path::new(&self.files[file])
                .file_name()
                .map_or_else(|| "link".to_string(), |n| n.to_string_lossy().into_owned()),
        };
        if let Some(v) = place.vlan {
            name.push_str(&format!(" vlan {v}"));
        }
        if let Some(t) = place.tunnel {
            match t.id {
                TunnelId::Vxlan(vni) => name.push_str(&format!(" vxlan {vni}")),
                TunnelId::GreKey(key) => name.push_str(&format!(" gre key {key}")),
                TunnelId::Gre(src, dst) => name.push_str(&format!(" gre {src}>{dst}")),
            }
            if let Some(v) = t.vlan {
                name.push_str(&format!(" vlan {v}"));
            }
        }
        self.keys.insert(key, self.links.len());
        self.links.push(LinkState {
            file,
            name,
            interface: frame.interface.map(str::to_string),
            vlan: place.vlan,
            last: Instant::ZERO,
            igmp: None,
            mld: None,
        });
        Some(self.links.len() - 1)
    }

    /// The link's time for this frame: the capture's, never going back.
    fn now(&mut self, i: usize, ts: Option<Instant>) -> Instant {
        let l = &mut self.links[i];
        l.last = l.last.max(ts.unwrap_or(l.last));
        l.last
    }

    /// A datagram to group `dst` that is not IGMP/MLD: counted, and handed to
    /// the link's family (`pick`: the link's name and that family) for the
    /// join → first data latency.
    fn data<P: ipv4kit_gmp::router::RouterProtocol>(
        &mut self,
        frame: &Frame<'_>,
        file: usize,
        place: Place,
        ts: Option<Instant>,
        pick: Pick<P>,
        dst: P::Addr,
    ) where
        P::Addr: addr::Addr,
    {
        self.summary.data += 1;
        let key = LinkKey {
            file,
            interface: frame.interface_id,
            place,
        };
        let Some(i) = self.keys.get(&key).copied() else {
            return;
        };
        let now = self.now(i, ts);
        if let Some((f, mut env)) = self.family(i, file, now, pick, false) {
            f.data(&mut env, frame.index, now, dst);
        }
    }

    /// Link `i`'s IGMP or MLD (`pick`: the link's name and that family's
    /// slot; made at `now` if `make`), and the `Env` its checks report
    /// violations through.
    fn family<P: ipv4kit_gmp::router::RouterProtocol>(
        &mut self,
        i: usize,
        file: usize,
        now: Instant,
        pick: Pick<P>,
        make: bool,
    ) -> Option<(&mut Family<P>, Env<'_>)>
    where
        P::Addr: addr::Addr,
    {
        let clock = self.clock.unwrap_or(Clock {
            base: Timestamp::default(),
        });
        let (name, slot) = pick(&mut self.links[i]);
        let fam = if make {
            slot.get_or_insert_with(|| Family::new(now))
        } else {
            slot.as_mut()?
        };
        let env = Env {
            clock,
            file: &self.files[file],
            file_index: file,
            link: name,
            link_prefixes: &self.options.link_prefixes,
            sink: &mut self.sink,
        };
        Some((fam, env))
    }

    fn ipv4(
        &mut self,
        frame: &Frame<'_>,
        file: usize,
        place: Place,
        ts: Option<Instant>,
        bytes: &[u8],
    ) {
        // Only IGMP is dissected in full; other datagrams to a group are data.
        if bytes.len() >= 20 && bytes[0] >> 4 == 4 && bytes[9] != 2 {
            let dst = Ipv4Addr::new(bytes[16], bytes[17], bytes[18], bytes[19]);
            if dst.is_multicast() {
                self.data(frame, file, place, ts, |l| (&l.name, &mut l.igmp), dst);
            }
            // VXLAN (UDP) and GRE: the packet inside, on a link of its own.
            if matches!(bytes[9], 17 | 47) {
                self.tunnel(frame, file, place, ts, bytes);
            }
            return;
        }
        if self.igmp_fast && self.igmp_whole(frame, file, place, ts, bytes) {
            return;
        }
        let p = decode::ipv4_packet(bytes);
        let Some(ip) = p.ipv4.as_ref() else {
            self.bad_packet(frame, ts, &p, "ipv4");
            return;
        };
        if ip.protocol != 2 {
            return;
        }
        if ip.mf || ip.frag_offset != 0 {
            return;
        }
        let hl = usize::from(ip.ihl) * 4;
        let end = usize::from(ip.total_len).min(bytes.len());
        let raw = bytes.get(hl..end).unwrap_or(&[]);
        let src = ip.src;
        let Some((now, fam, mut env)) = self.igmp_family(frame, file, place, ts) else {
            return;
        };
        if !ip.checksum_ok {
            env.violation(
                frame.index,
                now,
                src.into(),
                "RFC 791 §3.1",
                format!(
                    "bad IPv4 header checksum 0x{:04x} (should be 0x{:04x})",
                    ip.checksum.unwrap_or(0),
                    ip.checksum_computed.unwrap_or(0)
                ),
            );
            return;
        }
        let Some(gmp) = p.igmp.as_ref() else {
            if raw.first() == Some(&0x11) && (9..=11).contains(&raw.len()) {
                fam.bad_length(&mut env, frame.index, now, src, raw.len());
            } else {
                use ipv4kit_wire::igmp::{IgmpError, IgmpMessage};
                let rfc = match IgmpMessage::parse_lenient(raw) {
                    Err(IgmpError::MessageTooShort { .. }) => Some("RFC 2236 §2"),
                    Err(IgmpError::SourcesTruncated { .. }) => Some("RFC 3376 §4.1.8"),
                    Err(
                        IgmpError::RecordHeaderTruncated { .. } | IgmpError::RecordTruncated { .. },
                    ) => Some("RFC 3376 §4.2.7"),
                    _ => None,
                };
                if let (Some(rfc), Some(e)) = (rfc, p.error.as_ref()) {
                    env.violation(
                        frame.index,
                        now,
                        src.into(),
                        rfc,
                        format!("malformed, to be discarded: {}", e.message),
                    );
                }
                self.bad_packet(frame, ts, &p, "igmp");
            }
            return;
        };
        if p.cut.is_some() {
            self.bad_packet(frame, ts, &p, "igmp");
            return;
        }
        let router_alert = ip
            .options
            .iter()
            .find(|o| o.kind == "router_alert")
            .map(|o| o.value.unwrap_or(0));
        let m = Msg {
            frame: frame.index,
            now,
            src,
            dst: ip.dst,
            ttl: ip.ttl,
            router_alert,
            gmp,
            raw,
        };
        fam.message(&mut env, &m);
    }

    /// An IGMP message of `frame`: counted, and its link's IGMP family with
    /// the link's time of the frame.
    fn igmp_family(
        &mut self,
        frame: &Frame<'_>,
        file: usize,
        place: Place,
        ts: Option<Instant>,
    ) -> Option<(Instant, &mut Family<Igmp>, Env<'_>)> {
        let i = self.link(frame, file, place)?;
        let now = self.now(i, ts);
        self.summary.igmp += 1;
        let pick: Pick<_> = |l| (&l.name, &mut l.igmp);
        let (fam, env) = self.family(i, file, now, pick, true)?;
        Some((now, fam, env))
    }

    /// The common case of [`ipv4`](Self::ipv4) without `decode`'s model of
    /// the datagram (most of the work per packet otherwise): a whole,
    /// unfragmented IGMP datagram whose header checksum is right, whose
    /// options all parse and whose message decodes. The same `Msg` as the
    /// full path makes for it; `false` (nothing done) for anything else,
    /// which the full path then reports.
    fn igmp_whole(
        &mut self,
        frame: &Frame<'_>,
        file: usize,
        place: Place,
        ts: Option<Instant>,
        bytes: &[u8],
    ) -> bool {
        let Ok(packet) = Ipv4Packet::new_checked(bytes) else {
            return false;
        };
        if packet.protocol() != IpProtocol::IGMP || packet.more_frags() || packet.frag_offset() != 0
        {
            return false;
        }
        let mut router_alert = None;
        for option in packet.options() {
            match option {
                Ok(Ipv4Option::RouterAlert { value }) => {
                    router_alert.get_or_insert(value);
                }
                Ok(_) => {}
                Err(_) => return false,
            }
        }
        let raw = packet.payload();
        let Ok(gmp) = decode::igmp_message(raw) else {
            return false;
        };
        let Some((now, fam, mut env)) = self.igmp_family(frame, file, place, ts) else {
            return true;
        };
        let m = Msg {
            frame: frame.index,
            now,
            src: packet.src(),
            dst: packet.dst(),
            ttl: packet.ttl(),
            router_alert,
            gmp: &gmp,
            raw,
        };
        fam.message(&mut env, &m);
        true
    }

    fn ipv6(
        &mut self,
        frame: &Frame<'_>,
        file: usize,
        place: Place,
        ts: Option<Instant>,
        bytes: &[u8],
    ) {
        // Hop-by-hop (0) and ICMPv6 (58) are dissected; others to a group are data.
        if bytes.len() >= 40 && bytes[0] >> 4 == 6 && !matches!(bytes[6], 0 | 58) {
            if bytes[24] == 0xff {
                let mut o = [0u8; 16];
                o.copy_from_slice(&bytes[24..40]);
                let dst = Ipv6Addr::from(o);
                self.data(frame, file, place, ts, |l| (&l.name, &mut l.mld), dst);
            }
            return;
        }
        let p = decode::ipv6_packet(bytes);
        let Some(ip) = p.ipv6.as_ref() else {
            self.bad_packet(frame, ts, &p, "ipv6");
            return;
        };
        if ip.protocol != 58 || ip.ext_headers.iter().any(|e| e.kind == "fragment") {
            return;
        }
        let start = 40 + ip.ext_headers.iter().map(|e| e.len).sum::<usize>();
        let end = (40 + usize::from(ip.payload_len)).min(bytes.len());
        let raw = bytes.get(start..end).unwrap_or(&[]);
        let is_mld = matches!(raw.first(), Some(130 | 131 | 132 | 143));
        if !is_mld {
            if p.error.is_some() {
                self.bad_packet(frame, ts, &p, "icmp6");
            }
            return;
        }
        let Some(i) = self.link(frame, file, place) else {
            return;
        };
        let now = self.now(i, ts);
        self.summary.mld += 1;
        let src = ip.src;
        let pick: Pick<_> = |l| (&l.name, &mut l.mld);
        let Some((fam, mut env)) = self.family(i, file, now, pick, true) else {
            return;
        };
        let Some(gmp) = p.mld.as_ref() else {
            if raw.first() == Some(&130) && raw.len() > 24 && raw.len() < 28 {
                fam.bad_length(&mut env, frame.index, now, src, raw.len());
            } else {
                self.bad_packet(frame, ts, &p, "mld");
            }
            return;
        };
        if p.cut.is_some() {
            self.bad_packet(frame, ts, &p, "mld");
            return;
        }
        let m = Msg {
            frame: frame.index,
            now,
            src,
            dst: ip.dst,
            ttl: ip.hop_limit,
            router_alert: ip.router_alert,
            gmp,
            raw,
        };
        fam.message(&mut env, &m);
    }

    fn bad_packet(
        &mut self,
        frame: &Frame<'_>,
        ts: Option<Instant>,
        p: &Packet,
        layer: &'static str,
    ) {
        let (layer, reason) = match (&p.error, p.cut) {
            (Some(e), _) => (e.layer, e.message.clone()),
            (None, Some(cut)) => (
                cut,
                format!(
                    "cut short at {cut} (snap length {} of {})",
                    frame.data.len(),
                    frame.orig_len
                ),
            ),
            (None, None) => (layer, "does not parse".to_string()),
        };
        self.unparsable(frame.index, ts, layer, reason);
    }

    fn take_tables(&mut self, at: Instant) {
        self.at_taken = true;
        let clock = self.clock.unwrap_or(Clock {
            base: Timestamp::default(),
        });
        for l in &mut self.links {
            let mut env = Env {
                clock,
                file: &self.files[l.file],
                file_index: l.file,
                link: &l.name,
                link_prefixes: &self.options.link_prefixes,
                sink: &mut self.sink,
            };
            if let Some(f) = l.igmp.as_mut() {
                f.snapshot(&mut env, at);
            }
            if let Some(f) = l.mld.as_mut() {
                f.snapshot(&mut env, at);
            }
        }
    }

    /// The analysis of everything fed so far.
    pub fn finish(mut self) -> Report {
        let clock = self.clock.unwrap_or(Clock {
            base: Timestamp::default(),
        });
        if let Some(at) = self.at.filter(|_| !self.at_taken) {
            self.take_tables(at);
        }
        let end = self.end;
        let several = self.files.len() > 1;
        let mut links = Vec::new();
        let mut s = self.summary;
        for l in self.links {
            let mut env = Env {
                clock,
                file: &self.files[l.file],
                file_index: l.file,
                link: &l.name,
                link_prefixes: &self.options.link_prefixes,
                sink: &mut self.sink,
            };
            let mut protocols = Vec::new();
            if let Some(f) = l.igmp {
                protocols.push(f.finish(&mut env, end));
            }
            if let Some(f) = l.mld {
                protocols.push(f.finish(&mut env, end));
            }
            for p in &protocols {
                s.queriers += p.queriers.len();
                s.groups += p.table.groups.len();
            }
            let name = if several {
                format!("{}: {}", self.files[l.file], l.name)
            } else {
                l.name
            };
            links.push(report::LinkReport {
                name,
                interface: l.interface,
                vlan: l.vlan,
                protocols,
            });
        }
        // In file order, by frame: a check that waits (a missing query)
        // lists its violation at the earlier frame that caused it.
        let mut list = self.sink.list;
        list.sort_by_key(|(file, v)| (*file, v.frame));
        let mut violations: Vec<Violation> = list.into_iter().map(|(_, v)| v).collect();
        let mut unparsable = self.unparsable;
        if !several {
            violations.iter_mut().for_each(|v| v.file = None);
            unparsable.iter_mut().for_each(|u| u.file = None);
        }
        s.files = self.files;
        s.links = links.len();
        s.violations = self.sink.total;
        s.violations_by_rfc = self.sink.by_rfc;
        if self.clock.is_some() {
            s.start = Some(clock.at(Instant::ZERO));
            s.end = Some(clock.at(end));
            s.duration_s = end.since_epoch().as_secs_f64();
            s.table_at = Some(clock.at(self.at.unwrap_or(end)));
        }
        Report {
            summary: s,
            links,
            violations,
            unparsable,
        }
    }
}

/// Analyses a pcap or pcapng stream; the error says why it could not be read
/// to its end (what was read before is lost with it: see [`Analyzer`] to keep it).
pub fn analyze_reader(
    reader: impl Read,
    name: &str,
    options: Options,
) -> Result<Report, CaptureError> {
    let mut a = Analyzer::new(options);
    a.begin_file(name);
    read::for_each_frame_in(reader, name, |f| {
        a.frame(&f);
        ControlFlow::Continue(())
    })?;
    Ok(a.finish())
}

/// Analyses capture files as one capture; a file that cannot be read to its
/// end is listed in `summary.file_errors`, what was read of it counts.
pub fn analyze_files<P: AsRef<Path>>(paths: &[P], options: Options) -> Report {
    let mut a = Analyzer::new(options);
    for p in paths {
        a.begin_file(&p.as_ref().display().to_string());
        if let Err(e) = read::for_each_frame(p.as_ref(), |f| {
            a.frame(&f);
            ControlFlow::Continue(())
        }) {
            a.file_error(&e);
        }
    }
    a.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn captures(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                captures(&p, out);
            } else if p
                .extension()
                .is_some_and(|x| x == "pcap" || x == "pcapng" || x == "cap")
            {
                out.push(p);
            }
        }
    }

    fn analyse(pcap: &[u8], fast: bool) -> String {
        let mut a = Analyzer::new(Options::default());
        a.igmp_fast = fast;
        a.begin_file("memory");
        if let Err(e) = read::for_each_frame_in(pcap, "memory", |f| {
            a.frame(&f);
            ControlFlow::Continue(())
        }) {
            a.file_error(&e);
        }
        serde_json::to_string(&a.finish()).unwrap_or_default()
    }

    /// `igmp_whole` gives the analysis what `decode`'s model gives, on every
    /// capture in tests/data (damaged and hostile ones among them) and on
    /// the benchmark's.
    #[test]
    fn whole_igmp_datagrams_analyse_alike_with_and_without_decodes_model() {
        let mut files = Vec::new();
        captures(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data"),
            &mut files,
        );
        assert!(files.len() > 50, "{} captures found", files.len());
        let mut pcaps: Vec<(String, Vec<u8>)> = files
            .iter()
            .map(|f| (f.display().to_string(), std::fs::read(f).unwrap()))
            .collect();
        pcaps.push(("mixed".into(), bench_capture::mixed(20_000)));
        pcaps.push(("distinct".into(), bench_capture::distinct_groups(5_000)));
        for (name, pcap) in &pcaps {
            let (fast, full) = (analyse(pcap, true), analyse(pcap, false));
            assert!(!full.is_empty(), "{name}");
            assert!(fast == full, "{name}: the two paths differ");
        }
    }
}
