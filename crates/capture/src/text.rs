//! The text form of a [`Packet`]: one line, timestamp first, in the spirit
//! of `tcpdump -v`: for IPv4 `198.18.0.1 > 224.0.0.22: ttl 1 tos 0xc0 id 0
//! len 40 [RA] igmp v3 report ...`, for IPv6 `fe80::1 > ff02::16: hlim 1
//! len 36 HBH (rtalert: 0x0000) (padn) mld v2 report 1 record(s) ...`.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::model::{Gmp, Icmpv6, Ipv4, Ipv4Option, Ipv6, Packet};

/// `s` with its control characters written as escapes (`\n`, `\u{1b}`),
/// for a name a capture file carries (a pcapng interface's `if_name`):
/// printed as it is, it could break a line of text or forge one.
///
/// ```
/// use ipv4kit_capture::text::printable;
///
/// assert_eq!(printable("eth0"), "eth0");
/// assert_eq!(printable("t\n\r"), "t\\n\\r");
/// ```
pub fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// What the text line shows besides the packet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TextOptions {
    /// The link-layer header (MAC addresses, SLL fields), as `tcpdump -e`.
    pub link_header: bool,
}

/// A [`Packet`] with [`TextOptions`], ready to print.
#[derive(Debug, Clone, Copy)]
pub struct Text<'a> {
    packet: &'a Packet,
    options: TextOptions,
}

impl Packet {
    /// The JSON Lines form: one object, no newline.
    pub fn to_json(&self) -> String {
        // Serialising plain structs of strings, numbers and lists cannot fail.
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// Writes the JSON Lines form (no newline) straight into `out`: the same
    /// octets as [`Packet::to_json`], faster (see [`crate::json`]).
    pub fn write_json(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        crate::json::write_packet(out, self)
    }

    /// The text line with these options (`Display` is the default options).
    pub fn text(&self, options: TextOptions) -> Text<'_> {
        Text {
            packet: self,
            options,
        }
    }
}

fn join<T: fmt::Display>(items: &[T]) -> String {
    let mut s = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(s, "{item}");
    }
    s
}

impl fmt::Display for Packet {
    /// One readable line, e.g.
    /// `12:26:40.000000 3 192.168.11.201 > 225.10.10.10: ttl 1 id 0 len 32 [RA] igmp v2 report 225.10.10.10`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.text(TextOptions::default()).fmt(f)
    }
}

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self.packet;
        if let Some(ts) = &p.ts {
            write!(f, "{} ", ts.time_of_day())?;
        }
        if let Some(file) = &p.file {
            write!(f, "{file}:")?;
        }
        if let Some(frame) = p.frame {
            num(f, frame)?;
            f.write_str(" ")?;
        }
        if let Some(iface) = &p.iface {
            write!(f, "{} ", printable(iface))?;
        }
        if let Some(link) = &p.link {
            if self.options.link_header {
                match (link.src, link.dst) {
                    (Some(src), Some(dst)) => write!(f, "{src} > {dst}, ")?,
                    (Some(src), None) => write!(f, "{src}, ")?,
                    _ => {}
                }
                if let Some(h) = link.hatype {
                    write!(f, "hatype {h}, ")?;
                }
                if let Some(t) = link.pkttype {
                    write!(f, "pkttype {t}, ")?;
                }
                if let Some(t) = link.ethertype {
                    write!(f, "ethertype 0x{t:04x}, ")?;
                }
            }
            for v in &link.vlans {
                write!(f, "vlan {}, p {}, ", v.id, v.pcp)?;
            }
        }
        if let Some(why) = &p.not_decoded {
            f.write_str(why)?;
        }
        if let Some(ip) = &p.ipv4 {
            ipv4(f, ip)?;
        }
        if let Some(ip) = &p.ipv6 {
            ipv6(f, ip)?;
        }
        let has_ip = p.ipv4.is_some() || p.ipv6.is_some();
        if let Some(igmp) = &p.igmp {
            gmp_text(f, "igmp", igmp)?;
        } else if let Some(mld) = &p.mld {
            gmp_text(f, "mld", mld)?;
        } else if let Some(m) = &p.icmpv6 {
            icmpv6(f, m)?;
        } else if let (Some(ip), Some(len)) = (&p.ipv4, p.payload_len) {
            write!(
                f,
                " proto {} ({}) length {len}",
                ip.protocol_name, ip.protocol
            )?;
        } else if let (Some(ip), Some(len)) = (&p.ipv6, p.payload_len) {
            write!(
                f,
                " proto {} ({}) length {len}",
                ip.protocol_name, ip.protocol
            )?;
        }
        if let Some(cut) = p.cut {
            if !has_ip && p.not_decoded.is_none() {
                write!(f, "[|{cut}]")?;
            } else {
                write!(f, " [|{cut}]")?;
            }
        }
        if let Some(e) = &p.error {
            if !has_ip && p.not_decoded.is_none() && p.cut.is_none() {
                write!(f, "error ({}): {}", e.layer, e.message)?;
            } else {
                write!(f, " error ({}): {}", e.layer, e.message)?;
            }
        }
        if let Some(e) = &p.encap {
            write!(f, " {}", e.kind)?;
            if let Some(v) = e.vni {
                write!(f, " vni {v}")?;
            }
            if let Some(k) = e.key {
                write!(f, " key {k}")?;
            }
            f.write_str(": ")?;
            Text {
                packet: &e.inner,
                options: self.options,
            }
            .fmt(f)?;
        }
        Ok(())
    }
}

/// An address without `core::fmt`'s integer padding machinery (the hot
/// path of `decode`).
fn addr(f: &mut fmt::Formatter<'_>, a: std::net::Ipv4Addr) -> fmt::Result {
    let mut b = itoa::Buffer::new();
    for (i, x) in a.octets().iter().enumerate() {
        if i > 0 {
            f.write_str(".")?;
        }
        f.write_str(b.format(*x))?;
    }
    Ok(())
}

fn num(f: &mut fmt::Formatter<'_>, n: impl itoa::Integer) -> fmt::Result {
    f.write_str(itoa::Buffer::new().format(n))
}

fn ipv4(f: &mut fmt::Formatter<'_>, ip: &Ipv4) -> fmt::Result {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    addr(f, ip.src)?;
    f.write_str(" > ")?;
    addr(f, ip.dst)?;
    f.write_str(": ttl ")?;
    num(f, ip.ttl)?;
    let tos = [
        b' ',
        b't',
        b'o',
        b's',
        b' ',
        b'0',
        b'x',
        HEX[usize::from(ip.tos >> 4)],
        HEX[usize::from(ip.tos & 15)],
    ];
    f.write_str(std::str::from_utf8(&tos).unwrap_or(" tos ?"))?;
    f.write_str(" id ")?;
    num(f, ip.id)?;
    f.write_str(" len ")?;
    num(f, ip.total_len)?;
    if ip.df {
        f.write_str(" DF")?;
    }
    if ip.mf || ip.frag_offset != 0 {
        write!(
            f,
            " frag {}{}",
            ip.frag_offset,
            if ip.mf { "+" } else { "" }
        )?;
    }
    if !ip.checksum_ok {
        match (ip.checksum, ip.checksum_computed) {
            (Some(s), Some(c)) => write!(f, " [bad ip cksum 0x{s:04x} (->0x{c:04x})]")?,
            _ => f.write_str(" [bad ip cksum]")?,
        }
    }
    if !ip.options.is_empty() {
        f.write_str(" [")?;
        for (i, o) in ip.options.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            option(f, o)?;
        }
        f.write_str("]")?;
    }
    Ok(())
}

fn option(f: &mut fmt::Formatter<'_>, o: &Ipv4Option) -> fmt::Result {
    let name = match o.kind {
        "router_alert" => "RA",
        "record_route" => "RR",
        "timestamp" => "TS",
        "lsrr" => "LSRR",
        "ssrr" => "SSRR",
        "security" => "SEC",
        "end" => "EOL",
        "nop" => "NOP",
        _ => "?",
    };
    f.write_str(name)?;
    if let Some(addrs) = &o.addrs {
        write!(f, " {{{}}}", join(addrs))?;
    }
    if let Some(ts) = &o.timestamps {
        write!(f, " ts {{{}}}", join(ts))?;
    }
    Ok(())
}

/// An address in a text line.
trait TextAddr: fmt::Display {
    fn put(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
}

impl TextAddr for Ipv4Addr {
    fn put(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        addr(f, *self)
    }
}

impl TextAddr for Ipv6Addr {
    fn put(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// `fe80::1 > ff02::16: hlim 1 len 36 HBH (rtalert: 0x0000) (padn)`, as
/// `tcpdump -v` names the extension headers and options; traffic class and
/// flow label only when not zero, as tcpdump.
fn ipv6(f: &mut fmt::Formatter<'_>, ip: &Ipv6) -> fmt::Result {
    write!(f, "{} > {}: hlim {}", ip.src, ip.dst, ip.hop_limit)?;
    if ip.traffic_class != 0 {
        write!(f, " class 0x{:02x}", ip.traffic_class)?;
    }
    if ip.flow_label != 0 {
        write!(f, " flowlabel 0x{:05x}", ip.flow_label)?;
    }
    write!(f, " len {}", ip.payload_len)?;
    for h in &ip.ext_headers {
        match h.kind {
            "hop_by_hop" => f.write_str(" HBH")?,
            "dest_opts" => f.write_str(" DSTOPT")?,
            "routing" => f.write_str(" srcrt")?,
            "fragment" => write!(
                f,
                " frag (0x{:08x}:{}{})",
                h.id.unwrap_or(0),
                u32::from(h.frag_offset.unwrap_or(0)) * 8,
                if h.mf == Some(true) { "+" } else { "" }
            )?,
            other => write!(f, " {other}")?,
        }
        for o in h.options.iter().flatten() {
            match o.kind {
                "router_alert" => write!(f, " (rtalert: 0x{:04x})", o.value.unwrap_or(0))?,
                "padn" => f.write_str(" (padn)")?,
                "pad1" => f.write_str(" (pad1)")?,
                _ => write!(f, " (opt_type 0x{:02x})", o.type_code.unwrap_or(0))?,
            }
        }
    }
    Ok(())
}

fn icmpv6(f: &mut fmt::Formatter<'_>, m: &Icmpv6) -> fmt::Result {
    f.write_str(" icmp6 ")?;
    if m.kind == "unknown" {
        write!(f, "type {}", m.type_code)?;
    } else {
        for (i, word) in m.kind.split('_').enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(word)?;
        }
    }
    write!(f, ", length {}", m.len)?;
    if m.checksum_ok == Some(false) {
        match (m.checksum, m.checksum_computed) {
            (Some(s), Some(c)) => write!(f, " [bad icmp6 cksum 0x{s:04x} (->0x{c:04x})]")?,
            _ => f.write_str(" [bad icmp6 cksum]")?,
        }
    }
    Ok(())
}

/// An IGMP (`name` "igmp") or MLD ("mld") message. MLD's times have
/// millisecond resolution, IGMP's tenths of a second.
fn gmp_text<A: TextAddr>(f: &mut fmt::Formatter<'_>, name: &str, igmp: &Gmp<A>) -> fmt::Result {
    f.write_str(" ")?;
    f.write_str(name)?;
    if let Some(v) = igmp.version {
        write!(f, " v{v}")?;
    }
    match igmp.kind {
        "unknown" => write!(f, " type 0x{:02x}", igmp.type_code.unwrap_or(0))?,
        "mtrace_resp" => f.write_str(" mtrace resp")?,
        kind => write!(f, " {kind}")?,
    }
    if let Some(g) = &igmp.group {
        f.write_str(" ")?;
        g.put(f)?;
    }
    if let Some(ms) = igmp.max_resp_time_ms {
        if name == "mld" {
            write!(f, " max resp {}.{:03}s", ms / 1000, ms % 1000)?;
        } else {
            write!(f, " max resp {}.{:01}s", ms / 1000, (ms % 1000) / 100)?;
        }
    }
    if igmp.s_flag == Some(true) {
        f.write_str(" S")?;
    }
    if let Some(q) = igmp.qrv {
        write!(f, " qrv {q}")?;
    }
    if let Some(q) = igmp.qqi_s {
        write!(f, " qqi {q}s")?;
    }
    if let Some(src) = &igmp.sources {
        if !src.is_empty() {
            write!(f, " sources [{}]", join(src))?;
        }
    }
    if let Some(records) = &igmp.records {
        write!(f, " {} record(s)", records.len())?;
        for r in records {
            write!(
                f,
                " [{} {} {{{}}}]",
                r.record_type_name,
                r.group,
                join(&r.sources)
            )?;
        }
    }
    if let Some(n) = igmp.extra_len {
        write!(f, " +{n} extra octet(s)")?;
    }
    if igmp.checksum_ok == Some(false) {
        match (igmp.checksum, igmp.checksum_computed) {
            (Some(s), Some(c)) => write!(f, " [bad {name} cksum 0x{s:04x} (->0x{c:04x})]")?,
            _ => write!(f, " [bad {name} cksum]")?,
        }
    }
    Ok(())
}
