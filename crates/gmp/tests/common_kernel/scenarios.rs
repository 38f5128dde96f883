//! The scenarios both kernel-oracle files run, written once over
//! [`Family`]: the same socket calls on the kernel and the engine, the
//! same records expected, IGMPv3 or MLDv2 alike (RFC 3810 §6 restates RFC
//! 3376 §5 for IPv6).

use std::fmt::Debug;
use std::time::Duration;

use ipv4kit_gmp::FilterMode;

use super::{Op, Step, QUICK, SETTLE, TAIL};

/// Record types (RFC 3376 §4.2.12, RFC 3810 §5.2.12).
const IS_IN: u8 = 1;
const IS_EX: u8 = 2;
const TO_IN: u8 = 3;
const TO_EX: u8 = 4;
const ALLOW: u8 = 5;
const BLOCK: u8 = 6;

/// A record: type, group, sources.
pub type Record<A> = (u8, A, Vec<A>);

/// What a scenario needs of a test file.
pub trait Family {
    /// The address family.
    type Addr: Copy + Debug;
    /// A message as the file compares them.
    type Msg: Clone + Eq + Debug;
    /// The test's group `n`.
    fn g(n: u8) -> Self::Addr;
    /// The test's source `n`.
    fn s(n: u8) -> Self::Addr;
    /// An IGMPv3 / MLDv2 report of `records` (type, group, sources).
    fn report(records: Vec<Record<Self::Addr>>) -> Self::Msg;
    /// The records of an IGMPv3 / MLDv2 report; `None` for other messages.
    fn records(m: &Self::Msg) -> Option<&[Record<Self::Addr>]>;
    /// An IGMPv3 / MLDv2 query of `group` (`None`: a General Query) and
    /// `sources` with Max Resp `mrt`, to its destination.
    fn query(group: Option<Self::Addr>, sources: &[Self::Addr], mrt: Duration) -> Op<Self::Addr>;
    /// Runs `steps` on both (default version, the file's config) and
    /// compares, `tail` after the last.
    fn compare(
        steps: &[Step<Self::Addr>],
        tail: Duration,
        deviations: &[(usize, Self::Msg, Self::Msg)],
    ) -> Vec<Self::Msg>;
}

/// INCLUDE to INCLUDE with two sockets: ALLOW and BLOCK, each sent [RV]
/// = 2 times.
pub fn include_to_include_with_two_sockets<F: Family>() {
    let (g1, a, b) = (F::g(1), F::s(1), F::s(2));
    let steps = [
        (0, 0, Op::JoinSource(g1, a)),
        (SETTLE, 1, Op::JoinSource(g1, b)),
        (SETTLE, 1, Op::JoinSource(g1, a)),
        (SETTLE, 0, Op::LeaveSource(g1, a)),
        (SETTLE, 1, Op::LeaveSource(g1, b)),
        (SETTLE, 1, Op::LeaveSource(g1, a)),
    ];
    let got = F::compare(&steps, TAIL, &[]);
    assert_eq!(got.first(), Some(&F::report(vec![(ALLOW, g1, vec![a])])));
    assert_eq!(got.last(), Some(&F::report(vec![(BLOCK, g1, vec![a])])));
    assert_eq!(got.len(), 8, "4 changes, each sent [RV] = 2 times: {got:?}");
}

/// INCLUDE to EXCLUDE and back with three sockets (§3.2: EX{} with
/// INCLUDEs = EX{}; blocking a, included by socket 0, changes nothing;
/// blocking c does; leaving goes back to IN{a,b}).
pub fn include_to_exclude_and_back_with_three_sockets<F: Family>() {
    let (g1, a, b, c) = (F::g(2), F::s(1), F::s(2), F::s(3));
    let steps = [
        (0, 0, Op::JoinSource(g1, a)),
        (SETTLE, 1, Op::JoinSource(g1, b)),
        (SETTLE, 2, Op::Join(g1)),
        (SETTLE, 2, Op::Block(g1, a)),
        (SETTLE, 2, Op::Block(g1, c)),
        (SETTLE, 2, Op::Leave(g1)),
    ];
    let got = F::compare(&steps, TAIL, &[]);
    assert!(
        got.contains(&F::report(vec![(TO_EX, g1, vec![])])),
        "{got:?}"
    );
    assert!(
        got.contains(&F::report(vec![(BLOCK, g1, vec![c])])),
        "{got:?}"
    );
    assert_eq!(got.last(), Some(&F::report(vec![(TO_IN, g1, vec![a, b])])));
}

/// EXCLUDE to EXCLUDE with three sockets.
pub fn exclude_to_exclude_with_three_sockets<F: Family>() {
    let (g1, a, b, c) = (F::g(3), F::s(1), F::s(2), F::s(3));
    let steps = [
        (0, 0, Op::Join(g1)),
        (SETTLE, 0, Op::Block(g1, a)),
        (SETTLE, 0, Op::Block(g1, b)),
        (SETTLE, 1, Op::Join(g1)),
        (SETTLE, 1, Op::Block(g1, b)),
        (SETTLE, 1, Op::Block(g1, c)),
        (SETTLE, 2, Op::Join(g1)),
        (SETTLE, 2, Op::Block(g1, b)),
        (SETTLE, 0, Op::Unblock(g1, b)),
    ];
    let got = F::compare(&steps, TAIL, &[]);
    assert!(
        got.contains(&F::report(vec![(ALLOW, g1, vec![a, b])])),
        "socket 1's join (EXCLUDE {{}}) lifts both blocks: {got:?}"
    );
    assert_eq!(got.last(), Some(&F::report(vec![(ALLOW, g1, vec![b])])));
}

/// Changes made while retransmissions of earlier ones pend.
pub fn changes_while_retransmissions_pend<F: Family>() {
    let (g1, g2, a, b) = (F::g(4), F::g(5), F::s(1), F::s(2));
    let steps = [
        (0, 0, Op::Join(g1)),
        (QUICK, 0, Op::Block(g1, a)),
        (QUICK, 1, Op::JoinSource(g2, b)),
        (SETTLE, 0, Op::Unblock(g1, a)),
        (QUICK, 1, Op::LeaveSource(g2, b)),
        (QUICK, 0, Op::Leave(g1)),
    ];
    F::compare(&steps, TAIL, &[]);
}

/// General, group-specific and group-and-source-specific queries answered
/// with current-state records. RFC 3376 §5.2 and RFC 3810 §6.3: a query
/// with sources B for an EXCLUDE (A) group is answered with IS_IN (B−A),
/// the queried sources that are not excluded. Linux answers IS_EX with
/// the queried sources that are excluded (A*B), for IGMP and MLD alike.
pub fn answers_to_the_three_kinds_of_query<F: Family>() {
    let (g1, g2, a, b, c) = (F::g(6), F::g(7), F::s(1), F::s(2), F::s(3));
    let mrt = Duration::from_secs(1);
    let steps = [
        (0, 0, Op::Join(g1)),
        (QUICK, 0, Op::Block(g1, a)),
        (QUICK, 1, Op::JoinSource(g2, b)),
        (QUICK, 1, Op::JoinSource(g2, c)),
        (SETTLE, 0, F::query(None, &[], mrt)),
        (SETTLE, 0, F::query(Some(g1), &[], mrt)),
        (SETTLE, 0, F::query(Some(g2), &[a, b], mrt)),
        (SETTLE, 0, F::query(Some(g1), &[a, b], mrt)),
    ];
    let linux = [(
        7,
        F::report(vec![(IS_EX, g1, vec![a])]),
        F::report(vec![(IS_IN, g1, vec![b])]),
    )];
    let got = F::compare(&steps, Duration::from_millis(1500), &linux);
    let answers: Vec<&F::Msg> = got
        .iter()
        .filter(|m| F::records(m).is_some_and(|r| r.iter().all(|x| x.0 <= IS_EX)))
        .collect();
    assert_eq!(
        answers,
        vec![
            &F::report(vec![(IS_EX, g1, vec![a]), (IS_IN, g2, vec![b, c])]),
            &F::report(vec![(IS_EX, g1, vec![a])]),
            &F::report(vec![(IS_IN, g2, vec![b])]),
            &F::report(vec![(IS_IN, g1, vec![b])]),
        ]
    );
}

/// `set_filter` (the full-state call) against `MCAST_MSFILTER`: the same
/// records, every change sent [RV] = 2 times. Linux wants a membership
/// before `MCAST_MSFILTER`: each socket joins first; the engine's
/// `set_filter` would create one.
pub fn set_filter_puts_the_same_records_on_the_wire_as_mcast_msfilter<F: Family>() {
    let (g1, a, b, c) = (F::g(12), F::s(1), F::s(2), F::s(3));
    let set = |sock, mode, x: &[F::Addr]| (SETTLE, sock, Op::SetFilter(g1, mode, x.to_vec()));
    use FilterMode::{Exclude, Include};
    let steps = [
        (0, 0, Op::Join(g1)),
        set(0, Include, &[a, b]),
        set(0, Include, &[b, c]),
        set(0, Exclude, &[b]),
        set(0, Exclude, &[a]),
        (SETTLE, 1, Op::Join(g1)),
        set(1, Include, &[]),
        set(0, Include, &[]),
    ];
    let got = F::compare(&steps, TAIL, &[]);
    let once: Vec<F::Msg> = got.iter().step_by(2).cloned().collect();
    assert_eq!(
        once,
        vec![
            F::report(vec![(TO_EX, g1, vec![])]),
            F::report(vec![(TO_IN, g1, vec![a, b])]),
            F::report(vec![(ALLOW, g1, vec![c]), (BLOCK, g1, vec![a])]),
            F::report(vec![(TO_EX, g1, vec![b])]),
            F::report(vec![(BLOCK, g1, vec![a]), (ALLOW, g1, vec![b])]),
            F::report(vec![(ALLOW, g1, vec![a])]),
            F::report(vec![(BLOCK, g1, vec![a])]),
            F::report(vec![(TO_IN, g1, vec![])]),
        ],
        "every change sent [RV] = 2 times: {got:?}"
    );
    assert_eq!(got.len(), 16);
}
