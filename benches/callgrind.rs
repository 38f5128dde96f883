//! Instruction counts for the comparisons issue 12 set goals on, for runs
//! under callgrind (`valgrind --tool=callgrind`), where the machine's load
//! does not change the figure: the same inputs and the same walk functions
//! as `benches/mld.rs` and `benches/igmp.rs` (shared through
//! `benches/support/`), and the checksum calls of `benches/checksum.rs`.
//!
//! `python3 benches/callgrind.py` builds this, runs every case under
//! callgrind with collection switched on only inside [`measure`], and prints
//! instructions (and callgrind's cache-simulated cycle estimate) per call.
//!
//! The binary itself: `callgrind --list` prints the case names,
//! `callgrind --run CASE N` runs one case N times; with any other arguments
//! (as `cargo bench` passes) it runs every case once and checks that all
//! implementations of a case agree, so `cargo bench` stays quick.

#[path = "support/igmp_cases.rs"]
mod igmp_cases;
#[path = "support/mld_cases.rs"]
mod mld_cases;

use std::hint::black_box;

/// Runs `f` on `d` `n` times. The only function callgrind collects in; one
/// instance per case, with `f` inlined as it is in the criterion loops.
#[inline(never)]
fn measure<F: Fn(&[u8]) -> u32>(f: F, d: &[u8], n: u64) -> u32 {
    let mut acc = 0u32;
    for _ in 0..n {
        acc ^= f(black_box(d));
    }
    acc
}

type Runner = Box<dyn Fn(u64) -> u32>;

/// One case: `group/implementation/size` (criterion's naming) and its runner.
struct Case {
    name: String,
    run: Runner,
}

fn case<F: Fn(&[u8]) -> u32 + 'static>(name: String, input: Vec<u8>, f: F) -> Case {
    Case {
        name,
        run: Box::new(move |n| measure(&f, &input, n)),
    }
}

fn buffer(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + 3) as u8).collect()
}

fn cases() -> Vec<Case> {
    let mut v = Vec::new();
    // The loop and call alone: what every other row includes.
    v.push(case("overhead/none/0".into(), Vec::new(), |d| {
        d.len() as u32
    }));
    for len in [20usize, 64] {
        v.push(case(format!("checksum/ipv4kit/{len}"), buffer(len), |d| {
            u32::from(ipv4kit::wire::checksum::checksum(d))
        }));
        v.push(case(
            format!("checksum/etherparse/{len}"),
            buffer(len),
            |d| {
                u32::from(
                    etherparse::checksum::Sum16BitWords::new()
                        .add_slice(d)
                        .ones_complement(),
                )
            },
        ));
        v.push(case(format!("checksum/smoltcp/{len}"), buffer(len), |d| {
            u32::from(!smoltcp::wire::checksum::data(d))
        }));
    }
    for (r, s) in igmp_cases::SIZES {
        let bytes = igmp_cases::report(r, s);
        let g = "igmpv3_report_walk";
        v.push(case(
            format!("{g}/ipv4kit/{r}x{s}"),
            bytes.clone(),
            igmp_cases::walk_ours,
        ));
        v.push(case(
            format!("{g}/etherparse/{r}x{s}"),
            bytes,
            igmp_cases::walk_etherparse,
        ));
    }
    for (r, s) in mld_cases::SIZES {
        let bytes = mld_cases::report(r, s);
        let g = "mldv2_report_walk";
        v.push(case(
            format!("{g}/ipv4kit/{r}x{s}"),
            bytes.clone(),
            mld_cases::walk_ours,
        ));
        v.push(case(
            format!("{g}/etherparse/{r}x{s}"),
            bytes.clone(),
            mld_cases::walk_etherparse,
        ));
        v.push(case(
            format!("{g}/smoltcp/{r}x{s}"),
            bytes,
            mld_cases::walk_smoltcp,
        ));
    }
    let d = mld_cases::datagram;
    v.push(case(
        "ipv6_parse/ipv4kit/40".into(),
        d(),
        mld_cases::ipv6_ours,
    ));
    v.push(case(
        "ipv6_parse/etherparse/40".into(),
        d(),
        mld_cases::ipv6_etherparse,
    ));
    v.push(case(
        "ipv6_parse/smoltcp/40".into(),
        d(),
        mld_cases::ipv6_smoltcp,
    ));
    v.push(case("ipv6_parse/pnet/40".into(), d(), mld_cases::ipv6_pnet));
    v.push(case(
        "ipv6_parse/ipv4kit/to_upper_hbh".into(),
        d(),
        mld_cases::to_upper_ours,
    ));
    v.push(case(
        "ipv6_parse/etherparse/to_upper_hbh".into(),
        d(),
        mld_cases::to_upper_etherparse,
    ));
    v
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cases = cases();
    match args.first().map(String::as_str) {
        Some("--list") => {
            for c in &cases {
                println!("{}", c.name);
            }
        }
        Some("--run") => {
            let (Some(name), Some(n)) = (args.get(1), args.get(2).and_then(|n| n.parse().ok()))
            else {
                eprintln!("usage: callgrind --run CASE ITERATIONS");
                std::process::exit(2);
            };
            let Some(c) = cases.iter().find(|c| &c.name == name) else {
                eprintln!("callgrind: no case {name:?} (see --list)");
                std::process::exit(2);
            };
            println!("{}", (c.run)(n));
        }
        _ => {
            // Under `cargo bench`: each case once; the walks must agree.
            let mut by_row = std::collections::BTreeMap::new();
            for c in &cases {
                let mut parts = c.name.split('/');
                let (group, _, size) = (parts.next(), parts.next(), parts.next());
                let out = (c.run)(1);
                if group != Some("checksum") && group != Some("ipv6_parse") {
                    let first = *by_row.entry((group, size)).or_insert(out);
                    assert_eq!(first, out, "{} disagrees", c.name);
                }
            }
            println!(
                "callgrind: {} cases agree; count them with `python3 benches/callgrind.py`",
                cases.len()
            );
        }
    }
}
