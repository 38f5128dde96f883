//! The analysis as text a person reads top to bottom: the summary, then per
//! link and protocol the queriers, the membership table and the group
//! timelines, the latencies, and last the violations and unparsable frames.

use std::fmt::{self, Write};
use std::net::IpAddr;

use crate::report::{At, ProtocolReport, Report, Table};

fn t(a: &At) -> impl fmt::Display + '_ {
    a.ts.time_of_day()
}

/// One line of the group timelines or the table, built in a reused buffer
/// and written in one piece: the text has a line per group, per host and
/// per change (hundreds of thousands for a busy capture), and formatting
/// each piece through `write!` cost more than the analysis of a packet.
struct Line {
    buf: String,
    num: itoa::Buffer,
}

impl Line {
    fn new() -> Self {
        Line {
            buf: String::with_capacity(160),
            num: itoa::Buffer::new(),
        }
    }

    #[inline]
    fn s(&mut self, s: &str) -> &mut Self {
        self.buf.push_str(s);
        self
    }

    #[inline]
    fn n(&mut self, n: impl itoa::Integer) -> &mut Self {
        self.buf.push_str(self.num.format(n));
        self
    }

    /// An address as its `Display` writes it; IPv4 by hand.
    fn ip(&mut self, a: &IpAddr) -> &mut Self {
        match a {
            IpAddr::V4(a) => {
                for (i, &o) in a.octets().iter().enumerate() {
                    if i > 0 {
                        self.buf.push('.');
                    }
                    self.buf.push_str(self.num.format(o));
                }
            }
            IpAddr::V6(a) => {
                let _ = write!(self.buf, "{a}");
            }
        }
        self
    }

    fn time(&mut self, a: &At) -> &mut Self {
        let _ = write!(self.buf, "{}", t(a));
        self
    }

    /// `{a, b (12 s), c (excluded)}`: a source list, each with its timer
    /// when `Some` (`None` in it: an excluded source, no timer).
    fn sources<'a, I>(&mut self, list: I) -> &mut Self
    where
        I: Iterator<Item = (&'a IpAddr, Option<Option<f64>>)>,
    {
        self.buf.push('{');
        for (i, (a, timer)) in list.enumerate() {
            if i > 0 {
                self.buf.push_str(", ");
            }
            self.ip(a);
            match timer {
                Some(Some(e)) => {
                    let _ = write!(self.buf, " ({e:.0} s)");
                }
                Some(None) => self.buf.push_str(" (excluded)"),
                None => {}
            }
        }
        self.buf.push('}');
        self
    }

    /// Writes the line (with its newline) to `out` and empties it.
    fn end<W: Write + ?Sized>(&mut self, out: &mut W) -> fmt::Result {
        self.buf.push('\n');
        let r = out.write_str(&self.buf);
        self.buf.clear();
        r
    }
}

/// A timeline event padded to 7 columns.
fn event(e: &str) -> &str {
    match e {
        "join" => "join   ",
        "change" => "change ",
        "leave" => "leave  ",
        other => other,
    }
}

fn opt<T: fmt::Display>(v: Option<T>, unit: &str) -> String {
    v.map_or_else(|| "-".to_string(), |v| format!("{v}{unit}"))
}

/// Writes the report as text.
pub fn write<W: Write + ?Sized>(r: &Report, out: &mut W) -> fmt::Result {
    let s = &r.summary;
    writeln!(out, "capture: {}", s.files.join(", "))?;
    if let (Some(a), Some(b)) = (&s.start, &s.end) {
        writeln!(
            out,
            "  from {} to {} UTC ({:.3} s)",
            a.ts.rfc3339(),
            b.ts.rfc3339(),
            s.duration_s
        )?;
    }
    writeln!(
        out,
        "  {} frames: {} IGMP, {} MLD, {} data to groups, {} unparsable, {} skipped",
        s.frames, s.igmp, s.mld, s.data, s.unparsable, s.skipped
    )?;
    writeln!(
        out,
        "  {} link(s), {} querier(s), {} group(s) in the tables",
        s.links, s.queriers, s.groups
    )?;
    write!(out, "  {} violation(s)", s.violations)?;
    if !s.violations_by_rfc.is_empty() {
        let by: Vec<String> = s
            .violations_by_rfc
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        write!(out, " ({})", by.join(", "))?;
    }
    writeln!(out)?;
    for e in &s.file_errors {
        writeln!(out, "  error: {e}")?;
    }
    for l in &r.links {
        for p in &l.protocols {
            writeln!(out)?;
            writeln!(out, "link {} — {}", l.name, p.protocol.to_uppercase())?;
            protocol(p, out)?;
        }
    }
    if !r.violations.is_empty() {
        writeln!(out)?;
        writeln!(out, "violations:")?;
        for v in &r.violations {
            let file = v
                .file
                .as_deref()
                .map(|f| format!("{f} "))
                .unwrap_or_default();
            writeln!(
                out,
                "  {} {file}frame {} {} {}: {} — {}",
                t(&v.time),
                v.frame,
                v.link,
                v.source,
                v.rfc,
                v.reason
            )?;
        }
        if s.violations > r.violations.len() as u64 {
            writeln!(
                out,
                "  ... {} more",
                s.violations - r.violations.len() as u64
            )?;
        }
    }
    if !r.unparsable.is_empty() {
        writeln!(out)?;
        writeln!(out, "unparsable frames:")?;
        for u in &r.unparsable {
            let file = u
                .file
                .as_deref()
                .map(|f| format!("{f} "))
                .unwrap_or_default();
            let time = u
                .time
                .as_ref()
                .map(|a| format!("{} ", t(a)))
                .unwrap_or_default();
            writeln!(
                out,
                "  {time}{file}frame {} [{}] {}",
                u.frame, u.layer, u.reason
            )?;
        }
        if s.unparsable > r.unparsable.len() as u64 {
            writeln!(
                out,
                "  ... {} more",
                s.unparsable - r.unparsable.len() as u64
            )?;
        }
    }
    Ok(())
}

fn protocol<W: Write + ?Sized>(p: &ProtocolReport, out: &mut W) -> fmt::Result {
    let m = &p.messages;
    writeln!(
        out,
        "  messages: {} general queries, {} specific queries, {} v3 reports, {} older reports, {} leaves, {} other; {} data packets",
        m.general_queries, m.specific_queries, m.reports, m.old_reports, m.leaves, m.other, m.data
    )?;
    writeln!(
        out,
        "  queriers ({} election(s), {} take-over(s)):",
        p.elections, p.takeovers
    )?;
    for q in &p.queriers {
        let versions: Vec<String> = q.versions.iter().map(|v| format!("v{v}")).collect();
        writeln!(
            out,
            "    {} {} first {} last {}, querier for {:.1} s; {} general ({} at startup), {} specific",
            q.address,
            versions.join("/"),
            t(&q.first_seen),
            t(&q.last_seen),
            q.querier_s,
            q.general_queries,
            q.startup_queries,
            q.specific_queries
        )?;
        let i = &q.observed_interval;
        let observed = if i.count > 0 {
            format!(
                "observed interval {:.1} s (min {:.1}, max {:.1}, {} intervals)",
                i.mean_s, i.min_s, i.max_s, i.count
            )
        } else {
            "no interval observed".to_string()
        };
        writeln!(
            out,
            "      announced QRV {} QQI {} Max Resp {}, last-member Max Resp {}; {observed}",
            opt(q.qrv, ""),
            opt(q.qqi_s, " s"),
            opt(q.max_resp_ms.map(|m| f64::from(m) / 1000.0), " s"),
            opt(
                q.last_member_max_resp_ms.map(|m| f64::from(m) / 1000.0),
                " s"
            ),
        )?;
    }
    if !p.querier_timeline.is_empty() {
        writeln!(out, "  querier over time:")?;
        for q in &p.querier_timeline {
            let who = q.querier.map_or_else(
                || "none (Other Querier Present timer ran out)".to_string(),
                |a| a.to_string(),
            );
            writeln!(out, "    {} – {}  {who}", t(&q.from), t(&q.to))?;
        }
    }
    table(&p.table, out)?;
    if !p.groups.is_empty() {
        writeln!(out, "  group timelines:")?;
        let mut line = Line::new();
        for g in &p.groups {
            line.s("    ")
                .ip(&g.group)
                .s(" (")
                .n(g.messages)
                .s(" message(s), ")
                .n(g.hosts_seen)
                .s(" host(s)):")
                .end(out)?;
            for e in &g.timeline {
                line.s("      ")
                    .time(&e.time)
                    .s(" ")
                    .s(event(e.event))
                    .s(" ");
                if let Some(h) = e.host {
                    line.ip(&h);
                }
                if let Some(m) = e.filter_mode {
                    line.s(" ")
                        .s(upper(m))
                        .s(" ")
                        .sources(e.sources.iter().map(|s| (s, None)));
                }
                if let Some(v) = e.version {
                    line.s(" v").n(v);
                }
                line.s(" → ").n(e.holders).s(" holder(s)").end(out)?;
            }
            if g.timeline_dropped > 0 {
                writeln!(out, "      ... {} more change(s)", g.timeline_dropped)?;
            }
        }
    }
    if p.groups_untracked > 0 {
        writeln!(
            out,
            "  {} message(s) about groups beyond the {} tracked",
            p.groups_untracked,
            crate::MAX_GROUPS
        )?;
    }
    let l = &p.latency;
    let a = &l.answers;
    writeln!(out, "  latency:")?;
    write!(
        out,
        "    answers to queries: {}, {} late; delay/Max Resp mean {:.2} max {:.2}",
        a.count, a.late, a.delay_fraction.mean_s, a.delay_fraction.max_s
    )?;
    if a.v1_untimed > 0 {
        // RFC 1112 hosts answer within 10 s, whatever the Max Resp Time.
        write!(out, " (and {} IGMPv1, not timed)", a.v1_untimed)?;
    }
    writeln!(out)?;
    for x in &l.leaves {
        writeln!(
            out,
            "    leave {} by {} at {} (frame {}): {} last-member quer(ies), first after {}, {} after {}",
            x.group,
            x.host,
            t(&x.time),
            x.frame,
            x.last_member_queries,
            opt(x.first_query_after_s.map(|s| format!("{s:.3}")), " s"),
            x.outcome,
            opt(x.after_s.map(|s| format!("{s:.3}")), " s")
        )?;
    }
    for x in &l.joins {
        writeln!(
            out,
            "    join {} at {} (frame {}): first data {:.3} s later (frame {})",
            x.group,
            t(&x.time),
            x.frame,
            x.data_after_s,
            x.data_frame
        )?;
    }
    let e = &p.engine;
    if e.malformed
        + e.bad_ttl
        + e.not_link_local
        + e.ssm_ignored
        + e.ignored_records
        + e.groups_refused
        + e.sources_refused
        > 0
    {
        writeln!(
            out,
            "  engine ignored: {} malformed, {} TTL≠1, {} not link-local, {} SSM, {} records in compat mode, {} groups and {} sources over its caps",
            e.malformed, e.bad_ttl, e.not_link_local, e.ssm_ignored, e.ignored_records, e.groups_refused, e.sources_refused
        )?;
    }
    Ok(())
}

fn table<W: Write + ?Sized>(tb: &Table, out: &mut W) -> fmt::Result {
    let when = tb.at.as_ref().map(|a| t(a).to_string()).unwrap_or_default();
    writeln!(
        out,
        "  membership at {when}: querier {}, v{}, robustness {}, query interval {:.0} s, {} group(s)",
        opt(tb.querier, ""),
        tb.version,
        tb.robustness,
        tb.query_interval_s,
        tb.groups.len()
    )?;
    let mut line = Line::new();
    for g in &tb.groups {
        line.s("    ")
            .ip(&g.group)
            .s(" ")
            .s(upper(g.filter_mode))
            .s(" ")
            .sources(g.sources.iter().map(|s| (&s.source, Some(s.expires_s))))
            .s(" v")
            .n(g.version);
        let _ = write!(line.buf, " up {:.1} s expires ", g.up_s);
        match g.expires_s {
            Some(e) => {
                let _ = write!(line.buf, "{e:.1} s");
            }
            None => line.buf.push('-'),
        }
        line.s(" last reporter ").ip(&g.last_reporter).end(out)?;
        for h in &g.hosts {
            line.s("      host ")
                .ip(&h.host)
                .s(" ")
                .s(upper(h.filter_mode))
                .s(" ")
                .sources(h.sources.iter().map(|s| (s, None)))
                .s(" v")
                .n(h.version)
                .s(" since ")
                .time(&h.since)
                .s(" last report ")
                .time(&h.last_report)
                .end(out)?;
        }
    }
    Ok(())
}

/// `include`/`exclude` as the RFCs write filter modes.
fn upper(mode: &str) -> &str {
    match mode {
        "include" => "INCLUDE",
        "exclude" => "EXCLUDE",
        other => other,
    }
}

/// The report as text.
pub fn to_string(r: &Report) -> String {
    let mut s = String::new();
    // Writing into a String cannot fail.
    let _ = write(r, &mut s);
    s
}

/// Writes the report as text to `w` as it goes (a large report is not
/// built in memory first). Wrap an unbuffered `w` (a file, standard
/// output) in a [`std::io::BufWriter`].
///
/// ```
/// let report = ipv4kit_analyze::Analyzer::new(Default::default()).finish();
/// let mut out = Vec::new();
/// ipv4kit_analyze::text::write_io(&report, &mut out)?;
/// assert!(String::from_utf8(out).unwrap().starts_with("capture:"));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write_io<W: std::io::Write>(r: &Report, w: W) -> std::io::Result<()> {
    struct Adapter<W> {
        w: W,
        error: Option<std::io::Error>,
    }
    impl<W: std::io::Write> Write for Adapter<W> {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            self.w.write_all(s.as_bytes()).map_err(|e| {
                self.error = Some(e);
                fmt::Error
            })
        }
    }
    let mut a = Adapter { w, error: None };
    match write(r, &mut a) {
        Ok(()) => Ok(()),
        Err(_) => Err(a
            .error
            .unwrap_or_else(|| std::io::Error::other("formatting the report failed"))),
    }
}
