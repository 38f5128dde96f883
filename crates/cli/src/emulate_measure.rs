//! `ipv4kit emulate --measure`: the text form of the RFC 3918 figures.

use std::net::Ipv4Addr;

use ipv4kit_emu::histogram::Bucket;
use ipv4kit_emu::measure::{DelayStats, Report};

/// `<=1.024ms:3 <=2.048ms:5 ...`: the non-empty powers of two.
pub fn histogram_line(h: &[Bucket]) -> String {
    let bars: Vec<String> = h
        .iter()
        .map(|b| format!("<={:.3}ms:{}", b.le_us as f64 / 1000.0, b.count))
        .collect();
    if bars.is_empty() {
        "-".into()
    } else {
        bars.join(" ")
    }
}

fn lines(name: &str, s: &DelayStats<Ipv4Addr>) -> Vec<String> {
    vec![
        format!(
            "measure {name} packets={} never_received={} packets_after_leave={} leaves_not_stopped={}",
            s.packets, s.never_received, s.packets_after_leave, s.leaves_not_stopped
        ),
        format!("measure {name} join {}", s.join.line()),
        format!(
            "measure {name} join histogram {}",
            histogram_line(&s.join.histogram)
        ),
        format!("measure {name} leave {}", s.leave.line()),
        format!(
            "measure {name} leave histogram {}",
            histogram_line(&s.leave.histogram)
        ),
    ]
}

/// The lines printed after the summary: overall first, then each group.
pub fn text(r: &Report<Ipv4Addr>) -> Vec<String> {
    let mut out = vec![format!(
        "measure group_capacity={} groups={} unjoined_packets={} untracked={}",
        r.group_capacity,
        r.groups.len(),
        r.unjoined_packets,
        r.untracked
    )];
    out.extend(lines("all", &r.overall));
    for g in &r.groups {
        if let Some(a) = g.group {
            out.extend(lines(&format!("group={a}"), g));
        }
    }
    out
}

/// Prints [`text`] to stdout.
pub fn print(r: &Report<Ipv4Addr>) {
    for l in text(r) {
        println!("{l}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ipv4kit_emu::measure::{Effect, Measure};

    #[test]
    fn text_names_capacity_each_group_and_the_quantiles_in_milliseconds() {
        let g = Ipv4Addr::new(239, 1, 1, 1);
        let mut m = Measure::new(1_000_000_000);
        m.report(0, 0, g, Effect::Join);
        m.data(50_000_000, g);
        m.sample(50_000_000);
        let t = text(&m.report_now());
        assert_eq!(
            t[0],
            "measure group_capacity=1 groups=1 unjoined_packets=0 untracked=0"
        );
        assert!(
            t.iter()
                .any(|l| l.starts_with("measure all join count=1 min=50.000ms median=50.000ms")),
            "{t:?}"
        );
        assert!(
            t.iter()
                .any(|l| l == "measure group=239.1.1.1 join histogram <=65.536ms:1"),
            "{t:?}"
        );
    }
}
