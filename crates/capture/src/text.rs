//! The text form of a [`Packet`]: one line, timestamp first, in the spirit
//! of `tcpdump -v`.

use std::fmt::{self, Write as _};

use crate::model::{Igmp, Ipv4, Ipv4Option, Packet};

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
            write!(f, "{iface} ")?;
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
        if let Some(igmp) = &p.igmp {
            igmp_text(f, igmp)?;
        } else if let (Some(ip), Some(len)) = (&p.ipv4, p.payload_len) {
            write!(
                f,
                " proto {} ({}) length {len}",
                ip.protocol_name, ip.protocol
            )?;
        }
        if let Some(cut) = p.cut {
            if p.ipv4.is_none() && p.not_decoded.is_none() {
                write!(f, "[|{cut}]")?;
            } else {
                write!(f, " [|{cut}]")?;
            }
        }
        if let Some(e) = &p.error {
            if p.ipv4.is_none() && p.not_decoded.is_none() && p.cut.is_none() {
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

fn igmp_text(f: &mut fmt::Formatter<'_>, igmp: &Igmp) -> fmt::Result {
    f.write_str(" igmp")?;
    if let Some(v) = igmp.version {
        write!(f, " v{v}")?;
    }
    match igmp.kind {
        "unknown" => write!(f, " type 0x{:02x}", igmp.type_code.unwrap_or(0))?,
        "mtrace_resp" => f.write_str(" mtrace resp")?,
        kind => write!(f, " {kind}")?,
    }
    if let Some(g) = igmp.group {
        f.write_str(" ")?;
        addr(f, g)?;
    }
    if let Some(ms) = igmp.max_resp_time_ms {
        write!(f, " max resp {}.{:01}s", ms / 1000, (ms % 1000) / 100)?;
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
            (Some(s), Some(c)) => write!(f, " [bad igmp cksum 0x{s:04x} (->0x{c:04x})]")?,
            _ => f.write_str(" [bad igmp cksum]")?,
        }
    }
    Ok(())
}
