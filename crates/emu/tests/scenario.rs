//! The scenario parser: errors name the file, the line and what is wrong;
//! property tests show it total and faithful to what it is given.

use std::net::Ipv4Addr;
use std::time::Duration;

use ipv4kit_emu::scenario::{parse, HostRange, Op, MAX_STEPS};
use ipv4kit_gmp::{Config, Igmp};
use proptest::prelude::*;

fn err(text: &str) -> String {
    parse::<Igmp>("s.txt", text).unwrap_err().to_string()
}

fn g(n: u8) -> Ipv4Addr {
    Ipv4Addr::new(239, 1, 1, n)
}

#[test]
fn every_op_parses_with_comments_and_blank_lines() {
    let s = parse::<Igmp>(
        "s.txt",
        "# a scenario\n\n0 all join 239.1.1.1 # every host\n1.5 2 block 239.1.1.1 198.18.9.1,198.18.9.2\n\
         2 3-4 join-source 232.1.1.1 198.18.9.1\n3 3-4 leave-source 232.1.1.1 198.18.9.1\n\
         4 2 unblock 239.1.1.1 198.18.9.2\n5 all zap 239.1.1.1 239.1.1.2\n6 1 leave 239.1.1.2\n",
    )
    .unwrap();
    let ops: Vec<_> = s
        .steps
        .iter()
        .map(|s| (s.line, s.hosts, s.op.clone()))
        .collect();
    let s1 = Ipv4Addr::new(198, 18, 9, 1);
    let s2 = Ipv4Addr::new(198, 18, 9, 2);
    let ssm = Ipv4Addr::new(232, 1, 1, 1);
    assert_eq!(
        ops,
        vec![
            (3, HostRange::All, Op::Join(g(1))),
            (4, HostRange::Range(2, 2), Op::Block(g(1), vec![s1, s2])),
            (5, HostRange::Range(3, 4), Op::JoinSource(ssm, vec![s1])),
            (6, HostRange::Range(3, 4), Op::LeaveSource(ssm, vec![s1])),
            (7, HostRange::Range(2, 2), Op::Unblock(g(1), vec![s2])),
            (8, HostRange::All, Op::Zap(g(1), g(2))),
            (9, HostRange::Range(1, 1), Op::Leave(g(2))),
        ]
    );
    assert_eq!(s.steps[1].at, Duration::from_millis(1500));
}

#[test]
fn steps_are_played_in_time_order_keeping_file_order_at_equal_times() {
    let s = parse::<Igmp>(
        "s",
        "2 all leave 239.1.1.1\n0 all join 239.1.1.1\n0 all join 239.1.1.2",
    )
    .unwrap();
    let lines: Vec<usize> = s.steps.iter().map(|s| s.line).collect();
    assert_eq!(lines, [2, 3, 1]);
}

#[test]
fn errors_name_the_file_the_line_and_the_problem() {
    assert_eq!(
        err("\n\nx all join 239.1.1.1"),
        "s.txt:3: seconds x: not a number"
    );
    assert_eq!(
        err("-1 all join 239.1.1.1"),
        "s.txt:1: seconds -1: want 0 to 1000000"
    );
    assert_eq!(
        err("0 0 join 239.1.1.1"),
        "s.txt:1: hosts 0: want all, K or K-M (host numbers from 1)"
    );
    assert_eq!(
        err("0 5-2 join 239.1.1.1"),
        "s.txt:1: hosts 5-2: the range ends before it starts"
    );
    assert!(err("0 all jump 239.1.1.1").starts_with("s.txt:1: op jump: want one of join, leave"));
    assert!(err("0 all join").contains("missing group"));
    assert!(err("0 all").contains("missing op"));
    assert_eq!(
        err("0 all join 10.0.0.1"),
        "s.txt:1: group 10.0.0.1: not a multicast address (224.0.0.0/4)"
    );
    assert!(err("0 all join 224.0.0.1").contains("never reported"));
    assert!(err("0 all join 239.1.1.1 198.18.0.1").contains("unexpected \"198.18.0.1\""));
    assert!(err("0 all block 239.1.1.1").contains("missing sources"));
    assert!(err("0 all block 239.1.1.1 239.0.0.1").contains("source 239.0.0.1: not a unicast"));
    assert!(err("0 all join-source 239.1.1.1 1.2.3").contains("source 1.2.3: not an address"));
    assert!(err("0 all zap 239.1.1.1").contains("missing second group of zap"));
}

#[test]
fn ssm_groups_are_refused_in_exclude_mode() {
    // RFC 4604 §2.2.1: no any-source join, no block, no zap into an SSM group.
    for line in [
        "0 all join 232.1.1.1",
        "0 all block 232.1.1.1 198.18.0.9",
        "0 all zap 239.1.1.1 232.1.1.1",
    ] {
        let e = err(line);
        assert!(e.contains("232.1.1.1 is an SSM group"), "{line}: {e}");
    }
    assert!(parse::<Igmp>("s", "0 all join-source 232.1.1.1 198.18.0.9").is_ok());
}

#[test]
fn host_ranges_beyond_the_hosts_are_refused_before_the_start() {
    let s = parse::<Igmp>("s.txt", "0 all join 239.1.1.1\n1 5-11 leave 239.1.1.1").unwrap();
    let e = s.validate(10, &Config::<Igmp>::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "s.txt:2: hosts 5-11 reach past the 10 hosts emulated"
    );
    s.validate(11, &Config::<Igmp>::default()).unwrap();
}

#[test]
fn calls_the_engine_refuses_are_found_for_the_hosts_concerned() {
    let s = parse::<Igmp>("s.txt", "0 1-5 join 239.1.1.1\n1 all leave 239.1.1.1\n").unwrap();
    let e = s.validate(8, &Config::<Igmp>::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "s.txt:2: hosts 6-8: leave 239.1.1.1 refused: requester has no filter for the group"
    );
    let s = parse::<Igmp>(
        "s.txt",
        "0 all join 239.1.1.1\n1 all join-source 239.1.1.1 198.18.0.9",
    )
    .unwrap();
    let e = s
        .validate(3, &Config::<Igmp>::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("join-source 239.1.1.1 198.18.0.9 refused"),
        "{e}"
    );
}

#[test]
fn more_steps_than_the_cap_are_refused() {
    let text = "0 all join 239.1.1.1\n".repeat(MAX_STEPS + 1);
    assert!(err(&text).contains(&format!("s.txt:{}: more than", MAX_STEPS + 1)));
}

fn op_text() -> impl Strategy<Value = (String, Op<Ipv4Addr>)> {
    let grp = (1u8..=250).prop_map(g);
    let srcs = prop::collection::vec((1u8..=250).prop_map(|n| Ipv4Addr::new(198, 18, 7, n)), 1..5);
    prop_oneof![
        grp.clone().prop_map(|g| (format!("join {g}"), Op::Join(g))),
        grp.clone()
            .prop_map(|g| (format!("leave {g}"), Op::Leave(g))),
        (grp.clone(), srcs.clone())
            .prop_map(|(g, s)| (format!("block {g} {}", list(&s)), Op::Block(g, s))),
        (grp.clone(), srcs).prop_map(|(g, s)| (
            format!("join-source {g} {}", list(&s)),
            Op::JoinSource(g, s)
        )),
        (grp.clone(), grp).prop_map(|(a, b)| (format!("zap {a} {b}"), Op::Zap(a, b))),
    ]
}

fn list(s: &[Ipv4Addr]) -> String {
    s.iter()
        .map(|a| a.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

proptest! {
    #[test]
    fn parse_never_panics(text in "\\PC{0,200}") {
        let _ = parse::<Igmp>("p", &text);
    }

    #[test]
    fn parse_never_panics_on_near_misses(
        lines in prop::collection::vec(
            "[0-9. ]{0,6} (all|[0-9]{1,3}|[0-9]{1,2}-[0-9]{1,3}) (join|leave|block|zap|join-source) (2[23][0-9]\\.[0-9]\\.[0-9]\\.[0-9]) ?([0-9.,]{0,20})",
            0..8,
        )
    ) {
        if let Ok(s) = parse::<Igmp>("p", &lines.join("\n")) {
            let _ = s.validate(50, &Config::<Igmp>::default());
        }
    }

    #[test]
    fn what_is_written_is_what_is_parsed(
        steps in prop::collection::vec((0u32..100_000, 1u32..50, 0u32..50, op_text()), 1..10)
    ) {
        let text: String = steps
            .iter()
            .map(|(ms, k, extra, (op, _))| format!("{}.{:03} {k}-{} {op}\n", ms / 1000, ms % 1000, k + extra))
            .collect();
        let s = parse::<Igmp>("p", &text).unwrap();
        let mut want: Vec<_> = steps
            .iter()
            .enumerate()
            .map(|(i, (ms, k, extra, (_, op)))| (Duration::from_millis(u64::from(*ms)), i + 1, HostRange::Range(*k, k + extra), op.clone()))
            .collect();
        want.sort_by_key(|w| w.0);
        let got: Vec<_> = s.steps.iter().map(|s| (s.at, s.line, s.hosts, s.op.clone())).collect();
        prop_assert_eq!(got, want);
    }
}
