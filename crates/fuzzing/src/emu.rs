//! Fuzz body for the emulator's scenario files (`ipv4kit-emu`).

use std::fmt::Write;

use ipv4kit_emu::scenario::{self, Op, Step, MAX_STEPS};
use ipv4kit_emu::{simulate, EmuConfig, Emulator};
use ipv4kit_gmp::{Config, Igmp, Instant};

/// Hosts the body plays a scenario on.
const HOSTS: u32 = 6;

fn render(step: &Step<std::net::Ipv4Addr>) -> String {
    let list = |s: &[std::net::Ipv4Addr]| {
        s.iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    let op = match &step.op {
        Op::Join(g) => format!("join {g}"),
        Op::Leave(g) => format!("leave {g}"),
        Op::JoinSource(g, s) => format!("join-source {g} {}", list(s)),
        Op::LeaveSource(g, s) => format!("leave-source {g} {}", list(s)),
        Op::Block(g, s) => format!("block {g} {}", list(s)),
        Op::Unblock(g, s) => format!("unblock {g} {}", list(s)),
        Op::Zap(a, b) => format!("zap {a} {b}"),
    };
    format!(
        "{}.{:09} {} {op}",
        step.at.as_secs(),
        step.at.subsec_nanos(),
        step.hosts
    )
}

/// A scenario file's text (lossy UTF-8): parsing is total; what parses has
/// at most [`MAX_STEPS`] steps in time order, prints back to text that
/// parses to the same steps, and, once [`Scenario::validate`](scenario::Scenario::validate)
/// accepts it for a few hosts, plays on them (virtual clock) without one
/// call being refused: validation finds every refusal before the start.
pub fn emu_scenario(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(s) = scenario::parse::<Igmp>("fuzz", &text) else {
        return;
    };
    assert!(s.steps.len() <= MAX_STEPS);
    assert!(s.steps.windows(2).all(|w| w[0].at <= w[1].at));
    let mut again = String::new();
    for step in &s.steps {
        assert!(step.line >= 1);
        writeln!(again, "{}", render(step)).unwrap();
    }
    let back = scenario::parse::<Igmp>("fuzz", &again).expect("printed steps parse");
    assert_eq!(back.steps.len(), s.steps.len());
    for (a, b) in s.steps.iter().zip(&back.steps) {
        assert_eq!((a.at, a.hosts, &a.op), (b.at, b.hosts, &b.op));
    }
    let config = Config::<Igmp>::default();
    if s.validate(HOSTS, &config).is_err() {
        return;
    }
    let mut emu = Emulator::new(EmuConfig {
        hosts: HOSTS,
        first_address: std::net::Ipv4Addr::new(198, 18, 0, 10),
        host: config,
        seed: 1,
    })
    .expect("six addresses");
    let end = s.steps.last().map_or(Instant::ZERO, |l| {
        Instant::from_nanos(l.at.as_nanos() as u64) + std::time::Duration::from_secs(5)
    });
    simulate(&mut emu, &s, None, end, |_, d, bytes| {
        assert!(d.len <= 1500 && d.len == bytes.len());
    });
    assert_eq!(emu.stats().calls_refused, 0, "validation missed a refusal");
}
