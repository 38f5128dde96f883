//! A fast writer for the JSON Lines form: the same octets as serde_json
//! gives for [`Packet`] (the reference; tests and the `cli_capture` fuzz
//! body hold the two equal), written straight into an [`io::Write`] without
//! escaping the keys and fixed names that need none. Serialising through
//! serde spent most of `decode --json`'s time escaping keys.

use std::io::{self, Write};
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::link::{LinkHeader, Mac};
use crate::model::{
    Gmp, GroupRecord, Icmpv6, Ipv4, Ipv4Option, Ipv6, Ipv6ExtHeader, LayerError, Packet,
};
use crate::time::Timestamp;

/// Writes `packet` as one JSON object (no newline), exactly as
/// `serde_json::to_writer` would.
pub fn write_packet(out: &mut impl Write, p: &Packet) -> io::Result<()> {
    let mut o = Obj::new(out)?;
    if let Some(f) = &p.file {
        o.string("file", f)?;
    }
    o.opt_num("frame", p.frame)?;
    if let Some(t) = &p.ts {
        o.key("time")?;
        time(o.out, t, true)?;
    }
    if let Some(t) = &p.ts_epoch {
        o.key("time_epoch")?;
        time(o.out, t, false)?;
    }
    if let Some(i) = &p.iface {
        o.string("iface", i)?;
    }
    o.opt_num("ifindex", p.ifindex)?;
    o.opt_num("orig_len", p.orig_len)?;
    if let Some(l) = &p.link {
        o.key("link")?;
        link(o.out, l)?;
    }
    if let Some(n) = &p.not_decoded {
        o.string("not_decoded", n)?;
    }
    if let Some(ip) = &p.ipv4 {
        o.key("ipv4")?;
        ipv4(o.out, ip)?;
    }
    if let Some(ip) = &p.ipv6 {
        o.key("ipv6")?;
        ipv6(o.out, ip)?;
    }
    if let Some(m) = &p.igmp {
        o.key("igmp")?;
        igmp(o.out, m)?;
    }
    if let Some(m) = &p.mld {
        o.key("mld")?;
        igmp(o.out, m)?;
    }
    if let Some(m) = &p.icmpv6 {
        o.key("icmpv6")?;
        icmpv6(o.out, m)?;
    }
    o.opt_num("payload_len", p.payload_len)?;
    if let Some(c) = p.cut {
        o.raw_str("cut", c)?;
    }
    if let Some(e) = &p.error {
        o.key("error")?;
        error(o.out, e)?;
    }
    if let Some(e) = &p.encap {
        o.key("encap")?;
        let mut t = Obj::new(o.out)?;
        t.raw_str("type", e.kind)?;
        t.opt_num("vni", e.vni)?;
        t.opt_num("protocol", e.protocol)?;
        t.opt_num("key", e.key)?;
        t.key("inner")?;
        write_packet(t.out, &e.inner)?;
        t.end()?;
    }
    o.end()
}

/// An object being written: tracks the comma.
struct Obj<'w, W: Write> {
    out: &'w mut W,
    first: bool,
}

impl<'w, W: Write> Obj<'w, W> {
    fn new(out: &'w mut W) -> io::Result<Self> {
        out.write_all(b"{")?;
        Ok(Obj { out, first: true })
    }

    /// `key` is one of ours: plain ASCII, no escaping needed.
    fn key(&mut self, key: &str) -> io::Result<()> {
        if !self.first {
            self.out.write_all(b",")?;
        }
        self.first = false;
        self.out.write_all(b"\"")?;
        self.out.write_all(key.as_bytes())?;
        self.out.write_all(b"\":")
    }

    fn num(&mut self, key: &str, n: impl itoa::Integer) -> io::Result<()> {
        self.key(key)?;
        self.out.write_all(itoa::Buffer::new().format(n).as_bytes())
    }

    fn opt_num(&mut self, key: &str, n: Option<impl itoa::Integer>) -> io::Result<()> {
        match n {
            Some(n) => self.num(key, n),
            None => Ok(()),
        }
    }

    fn bool(&mut self, key: &str, b: bool) -> io::Result<()> {
        self.key(key)?;
        self.out.write_all(if b { b"true" } else { b"false" })
    }

    /// A string of ours that needs no escaping (names, keywords).
    fn raw_str(&mut self, key: &str, s: &str) -> io::Result<()> {
        self.key(key)?;
        self.out.write_all(b"\"")?;
        self.out.write_all(s.as_bytes())?;
        self.out.write_all(b"\"")
    }

    /// Any string: escaped as serde_json escapes it.
    fn string(&mut self, key: &str, s: &str) -> io::Result<()> {
        self.key(key)?;
        serde_json::to_writer(&mut *self.out, s).map_err(io::Error::from)
    }

    fn addr(&mut self, key: &str, a: impl JsonAddr) -> io::Result<()> {
        self.key(key)?;
        a.write(self.out)
    }

    fn end(self) -> io::Result<()> {
        self.out.write_all(b"}")
    }
}

fn addr(out: &mut impl Write, a: Ipv4Addr) -> io::Result<()> {
    let o = a.octets();
    let mut b = itoa::Buffer::new();
    out.write_all(b"\"")?;
    for (i, x) in o.iter().enumerate() {
        if i > 0 {
            out.write_all(b".")?;
        }
        out.write_all(b.format(*x).as_bytes())?;
    }
    out.write_all(b"\"")
}

/// An address as a JSON string, as serde writes it (its `Display` form).
trait JsonAddr: Copy {
    fn write(self, out: &mut impl Write) -> io::Result<()>;
}

impl JsonAddr for Ipv4Addr {
    fn write(self, out: &mut impl Write) -> io::Result<()> {
        addr(out, self)
    }
}

impl JsonAddr for Ipv6Addr {
    fn write(self, out: &mut impl Write) -> io::Result<()> {
        write!(out, "\"{self}\"")
    }
}

fn addrs<A: JsonAddr>(out: &mut impl Write, list: &[A]) -> io::Result<()> {
    out.write_all(b"[")?;
    for (i, a) in list.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        a.write(out)?;
    }
    out.write_all(b"]")
}

fn time(out: &mut impl Write, t: &Timestamp, rfc3339: bool) -> io::Result<()> {
    if rfc3339 {
        write!(out, "\"{}\"", t.rfc3339())
    } else {
        write!(out, "\"{}\"", t.epoch())
    }
}

fn mac(out: &mut impl Write, m: Mac) -> io::Result<()> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = [0u8; 19];
    s[0] = b'"';
    for (i, b) in m.0.iter().enumerate() {
        s[1 + i * 3] = HEX[usize::from(b >> 4)];
        s[2 + i * 3] = HEX[usize::from(b & 15)];
        s[3 + i * 3] = if i == 5 { b'"' } else { b':' };
    }
    out.write_all(&s)
}

fn link(out: &mut impl Write, l: &LinkHeader) -> io::Result<()> {
    let mut o = Obj::new(out)?;
    o.raw_str("type", l.kind)?;
    o.num("linktype", l.linktype)?;
    if let Some(m) = l.src {
        o.key("src")?;
        mac(o.out, m)?;
    }
    if let Some(m) = l.dst {
        o.key("dst")?;
        mac(o.out, m)?;
    }
    if !l.vlans.is_empty() {
        o.key("vlans")?;
        o.out.write_all(b"[")?;
        for (i, v) in l.vlans.iter().enumerate() {
            if i > 0 {
                o.out.write_all(b",")?;
            }
            let mut t = Obj::new(o.out)?;
            t.num("tpid", v.tpid)?;
            t.num("id", v.id)?;
            t.num("pcp", v.pcp)?;
            t.end()?;
        }
        o.out.write_all(b"]")?;
    }
    o.opt_num("ethertype", l.ethertype)?;
    o.opt_num("hatype", l.hatype)?;
    o.opt_num("pkttype", l.pkttype)?;
    o.opt_num("ifindex", l.ifindex)?;
    o.opt_num("fcs_len", l.fcs_len)?;
    o.end()
}

fn ipv4(out: &mut impl Write, ip: &Ipv4) -> io::Result<()> {
    let mut o = Obj::new(out)?;
    o.addr("src", ip.src)?;
    o.addr("dst", ip.dst)?;
    o.num("ttl", ip.ttl)?;
    o.num("protocol", ip.protocol)?;
    o.raw_str("protocol_name", ip.protocol_name)?;
    o.num("tos", ip.tos)?;
    o.num("ihl", ip.ihl)?;
    o.num("total_len", ip.total_len)?;
    o.num("id", ip.id)?;
    o.bool("df", ip.df)?;
    o.bool("mf", ip.mf)?;
    o.num("frag_offset", ip.frag_offset)?;
    o.bool("checksum_ok", ip.checksum_ok)?;
    o.opt_num("checksum", ip.checksum)?;
    o.opt_num("checksum_computed", ip.checksum_computed)?;
    o.key("options")?;
    o.out.write_all(b"[")?;
    for (i, opt) in ip.options.iter().enumerate() {
        if i > 0 {
            o.out.write_all(b",")?;
        }
        option(o.out, opt)?;
    }
    o.out.write_all(b"]")?;
    o.end()
}

fn option(out: &mut impl Write, op: &Ipv4Option) -> io::Result<()> {
    let mut o = Obj::new(out)?;
    o.raw_str("kind", op.kind)?;
    o.opt_num("value", op.value)?;
    o.opt_num("type", op.type_code)?;
    if let Some(d) = &op.data {
        o.string("data", d)?;
    }
    o.opt_num("pointer", op.pointer)?;
    if let Some(a) = &op.addrs {
        o.key("addrs")?;
        addrs(o.out, a)?;
    }
    if let Some(ts) = &op.timestamps {
        o.key("timestamps")?;
        o.out.write_all(b"[")?;
        for (i, t) in ts.iter().enumerate() {
            if i > 0 {
                o.out.write_all(b",")?;
            }
            o.out.write_all(itoa::Buffer::new().format(*t).as_bytes())?;
        }
        o.out.write_all(b"]")?;
    }
    o.opt_num("flags", op.flags)?;
    o.opt_num("overflow", op.overflow)?;
    o.end()
}

fn ipv6(out: &mut impl Write, ip: &Ipv6) -> io::Result<()> {
    let mut o = Obj::new(out)?;
    o.addr("src", ip.src)?;
    o.addr("dst", ip.dst)?;
    o.num("hop_limit", ip.hop_limit)?;
    o.num("traffic_class", ip.traffic_class)?;
    o.num("flow_label", ip.flow_label)?;
    o.num("payload_len", ip.payload_len)?;
    o.num("next_header", ip.next_header)?;
    o.key("ext_headers")?;
    o.out.write_all(b"[")?;
    for (i, h) in ip.ext_headers.iter().enumerate() {
        if i > 0 {
            o.out.write_all(b",")?;
        }
        ext_header(o.out, h)?;
    }
    o.out.write_all(b"]")?;
    o.num("protocol", ip.protocol)?;
    o.raw_str("protocol_name", ip.protocol_name)?;
    o.opt_num("router_alert", ip.router_alert)?;
    o.end()
}

fn ext_header(out: &mut impl Write, h: &Ipv6ExtHeader) -> io::Result<()> {
    let mut o = Obj::new(out)?;
    o.raw_str("type", h.kind)?;
    o.num("len", h.len)?;
    if let Some(options) = &h.options {
        o.key("options")?;
        o.out.write_all(b"[")?;
        for (i, op) in options.iter().enumerate() {
            if i > 0 {
                o.out.write_all(b",")?;
            }
            let mut t = Obj::new(o.out)?;
            t.raw_str("kind", op.kind)?;
            t.opt_num("value", op.value)?;
            t.opt_num("type", op.type_code)?;
            t.opt_num("len", op.len)?;
            t.end()?;
        }
        o.out.write_all(b"]")?;
    }
    o.opt_num("frag_offset", h.frag_offset)?;
    if let Some(b) = h.mf {
        o.bool("mf", b)?;
    }
    o.opt_num("id", h.id)?;
    o.end()
}

fn icmpv6(out: &mut impl Write, m: &Icmpv6) -> io::Result<()> {
    let mut o = Obj::new(out)?;
    o.raw_str("type", m.kind)?;
    o.num("type_code", m.type_code)?;
    o.num("code", m.code)?;
    if let Some(b) = m.checksum_ok {
        o.bool("checksum_ok", b)?;
    }
    o.opt_num("checksum", m.checksum)?;
    o.opt_num("checksum_computed", m.checksum_computed)?;
    o.num("len", m.len)?;
    o.end()
}

fn igmp<A: JsonAddr>(out: &mut impl Write, m: &Gmp<A>) -> io::Result<()> {
    let mut o = Obj::new(out)?;
    o.raw_str("type", m.kind)?;
    o.opt_num("type_code", m.type_code)?;
    o.opt_num("version", m.version)?;
    if let Some(b) = m.checksum_ok {
        o.bool("checksum_ok", b)?;
    }
    o.opt_num("checksum", m.checksum)?;
    o.opt_num("checksum_computed", m.checksum_computed)?;
    if let Some(g) = m.group {
        o.addr("group", g)?;
    }
    o.opt_num("max_resp_code", m.max_resp_code)?;
    o.opt_num("max_resp_time_ms", m.max_resp_time_ms)?;
    if let Some(b) = m.s_flag {
        o.bool("s_flag", b)?;
    }
    o.opt_num("qrv", m.qrv)?;
    o.opt_num("qqic", m.qqic)?;
    o.opt_num("qqi_s", m.qqi_s)?;
    if let Some(s) = &m.sources {
        o.key("sources")?;
        addrs(o.out, s)?;
    }
    if let Some(r) = &m.records {
        o.key("records")?;
        o.out.write_all(b"[")?;
        for (i, rec) in r.iter().enumerate() {
            if i > 0 {
                o.out.write_all(b",")?;
            }
            record(o.out, rec)?;
        }
        o.out.write_all(b"]")?;
    }
    o.opt_num("extra_len", m.extra_len)?;
    o.end()
}

fn record<A: JsonAddr>(out: &mut impl Write, r: &GroupRecord<A>) -> io::Result<()> {
    let mut o = Obj::new(out)?;
    o.num("record_type", r.record_type)?;
    o.raw_str("record_type_name", r.record_type_name)?;
    o.addr("group", r.group)?;
    o.key("sources")?;
    addrs(o.out, &r.sources)?;
    o.num("aux_data_len", r.aux_data_len)?;
    o.end()
}

fn error(out: &mut impl Write, e: &LayerError) -> io::Result<()> {
    let mut o = Obj::new(out)?;
    o.raw_str("layer", e.layer)?;
    o.string("message", &e.message)?;
    o.end()
}
