//! The analysis as text a person reads top to bottom: the summary, then per
//! link and protocol the queriers, the membership table and the group
//! timelines, the latencies, and last the violations and unparsable frames.

use std::fmt::{self, Write};
use std::net::IpAddr;

use crate::report::{At, ProtocolReport, Report, Table};

fn t(a: &At) -> impl fmt::Display + '_ {
    a.ts.time_of_day()
}

/// An address as its `Display` writes it; IPv4 without the formatting
/// machinery's cost per octet (the text has a line per group, per host and
/// per change, each with addresses).
struct Ip<'a>(&'a IpAddr);

impl fmt::Display for Ip<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let IpAddr::V4(a) = self.0 else {
            return self.0.fmt(f);
        };
        let mut buf = [0u8; 15];
        let mut n = 0;
        for (i, &o) in a.octets().iter().enumerate() {
            if i > 0 {
                buf[n] = b'.';
                n += 1;
            }
            if o >= 100 {
                buf[n] = b'0' + o / 100;
                n += 1;
            }
            if o >= 10 {
                buf[n] = b'0' + o / 10 % 10;
                n += 1;
            }
            buf[n] = b'0' + o % 10;
            n += 1;
        }
        f.write_str(std::str::from_utf8(&buf[..n]).unwrap_or_default())
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
        for g in &p.groups {
            writeln!(
                out,
                "    {} ({} message(s), {} host(s)):",
                Ip(&g.group),
                g.messages,
                g.hosts_seen
            )?;
            for e in &g.timeline {
                // Written piece by piece: a capture can give thousands of
                // these lines, and per-line temporaries were most of the
                // text's cost.
                write!(out, "      {} {:7} ", t(&e.time), e.event)?;
                if let Some(h) = e.host {
                    write!(out, "{}", Ip(&h))?;
                }
                if let Some(m) = e.filter_mode {
                    write!(out, " {} ", upper(m))?;
                    sources(out, e.sources.iter().map(|s| (s, None)))?;
                }
                if let Some(v) = e.version {
                    write!(out, " v{v}")?;
                }
                writeln!(out, " → {} holder(s)", e.holders)?;
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
    writeln!(
        out,
        "    answers to queries: {}, {} late; delay/Max Resp mean {:.2} max {:.2}",
        a.count, a.late, a.delay_fraction.mean_s, a.delay_fraction.max_s
    )?;
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
    for g in &tb.groups {
        write!(out, "    {} {} ", Ip(&g.group), upper(g.filter_mode))?;
        sources(
            out,
            g.sources.iter().map(|s| (&s.source, Some(s.expires_s))),
        )?;
        write!(out, " v{} up {:.1} s expires ", g.version, g.up_s)?;
        match g.expires_s {
            Some(e) => write!(out, "{e:.1} s")?,
            None => out.write_char('-')?,
        }
        writeln!(out, " last reporter {}", Ip(&g.last_reporter))?;
        for h in &g.hosts {
            write!(out, "      host {} {} ", Ip(&h.host), upper(h.filter_mode))?;
            sources(out, h.sources.iter().map(|s| (s, None)))?;
            writeln!(
                out,
                " v{} since {} last report {}",
                h.version,
                t(&h.since),
                t(&h.last_report)
            )?;
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

/// `{a, b (12 s), c (excluded)}`: a source list, each with its timer when
/// `Some` (`None` in it: an excluded source, no timer).
fn sources<'a, W, I>(out: &mut W, list: I) -> fmt::Result
where
    W: Write + ?Sized,
    I: Iterator<Item = (&'a IpAddr, Option<Option<f64>>)>,
{
    out.write_char('{')?;
    for (i, (a, timer)) in list.enumerate() {
        if i > 0 {
            out.write_str(", ")?;
        }
        write!(out, "{}", Ip(a))?;
        match timer {
            Some(Some(e)) => write!(out, " ({e:.0} s)")?,
            Some(None) => out.write_str(" (excluded)")?,
            None => {}
        }
    }
    out.write_char('}')?;
    Ok(())
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
