//! A picture of the analysis: per link and protocol, the Querier over time
//! on the first row and each group's holders over time below it.

use std::fmt::Write;

use crate::report::Report;

const ROW: f64 = 18.0;
const LEFT: f64 = 230.0;
const WIDTH: f64 = 900.0;
/// Groups drawn per protocol; the rest are counted in a note.
pub const MAX_ROWS: usize = 200;

const COLORS: [&str; 6] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
];

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The SVG document.
pub fn to_svg(r: &Report) -> String {
    let dur = r.summary.duration_s.max(1e-3);
    let x = |s: f64| LEFT + (s / dur).clamp(0.0, 1.0) * (WIDTH - LEFT - 20.0);
    let mut body = String::new();
    let mut y = 30.0;
    for l in &r.links {
        for p in &l.protocols {
            let _ = writeln!(
                body,
                r#"<text x="10" y="{y}" font-weight="bold">{} — {}</text>"#,
                esc(&l.name),
                p.protocol.to_uppercase()
            );
            y += ROW;
            let _ = writeln!(body, r#"<text x="10" y="{}">querier</text>"#, y + 12.0);
            let queriers: Vec<_> = p.queriers.iter().map(|q| q.address).collect();
            for q in &p.querier_timeline {
                let Some(a) = q.querier else { continue };
                let i = queriers.iter().position(|&b| b == a).unwrap_or(0);
                let (x0, x1) = (x(q.from.secs()), x(q.to.secs()));
                let _ = writeln!(
                    body,
                    r#"<rect x="{x0:.1}" y="{y}" width="{:.1}" height="{}" fill="{}"><title>{a} {} – {}</title></rect>"#,
                    (x1 - x0).max(1.0),
                    ROW - 4.0,
                    COLORS[i % COLORS.len()],
                    q.from.ts.time_of_day(),
                    q.to.ts.time_of_day()
                );
                let _ = writeln!(
                    body,
                    r#"<text x="{:.1}" y="{}" font-size="10" fill="white">{a}</text>"#,
                    x0 + 2.0,
                    y + 11.0
                );
            }
            y += ROW;
            for g in p.groups.iter().take(MAX_ROWS) {
                let _ = writeln!(body, r#"<text x="10" y="{}">{}</text>"#, y + 12.0, g.group);
                // Holders over time: a bar from each change to the next,
                // darker with more holders.
                let mut prev: Option<(f64, usize)> = None;
                let end = r.summary.duration_s;
                let steps = g
                    .timeline
                    .iter()
                    .map(|e| (e.time.secs(), e.holders))
                    .chain(std::iter::once((end, 0)));
                for (s, n) in steps {
                    if let Some((s0, n0)) = prev {
                        if n0 > 0 {
                            let op = (0.35 + 0.15 * n0 as f64).min(1.0);
                            let _ = writeln!(
                                body,
                                r##"<rect x="{:.1}" y="{y}" width="{:.1}" height="{}" fill="#2ca02c" fill-opacity="{op:.2}"><title>{} holder(s)</title></rect>"##,
                                x(s0),
                                (x(s) - x(s0)).max(1.0),
                                ROW - 4.0,
                                n0
                            );
                        }
                    }
                    prev = Some((s, n));
                }
                y += ROW;
            }
            if p.groups.len() > MAX_ROWS {
                let _ = writeln!(
                    body,
                    r#"<text x="10" y="{}">… {} more groups</text>"#,
                    y + 12.0,
                    p.groups.len() - MAX_ROWS
                );
                y += ROW;
            }
            y += ROW / 2.0;
        }
    }
    // The time axis.
    let _ = writeln!(
        body,
        r#"<line x1="{LEFT}" y1="{y}" x2="{}" y2="{y}" stroke="black"/>"#,
        WIDTH - 20.0
    );
    for i in 0..=4 {
        let s = dur * f64::from(i) / 4.0;
        let _ = writeln!(
            body,
            r#"<text x="{:.1}" y="{}" font-size="10" text-anchor="middle">+{s:.1} s</text>"#,
            x(s),
            y + 14.0
        );
    }
    let h = y + 30.0;
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{h}\" font-family=\"monospace\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n{body}</svg>\n"
    )
}
