//! Property tests over random sequences of joins, leaves and filter changes
//! on several requesters: the interface state is the §3.2 merge of the
//! requesters' filters at every step, and every change is reported — a
//! router applying the reports (RFC 3376 §6.4's view of the records) knows
//! the interface state after each report. The same properties for IGMP
//! (`Host<Igmp>`) and MLD (`Host<Mld>`, RFC 3810 §4 and §6.1).

mod common;
mod common_mld;

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use ipv4kit_gmp::{merge, Config, Filter, FilterMode, Instant, Requester};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Join,
    Leave,
    JoinSource(u8),
    LeaveSource(u8),
    Block(u8),
    Unblock(u8),
    SetFilter(bool, Vec<u8>),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        Just(Op::Join),
        Just(Op::Leave),
        (0..4u8).prop_map(Op::JoinSource),
        (0..4u8).prop_map(Op::LeaveSource),
        (0..4u8).prop_map(Op::Block),
        (0..4u8).prop_map(Op::Unblock),
        (any::<bool>(), prop::collection::vec(0..4u8, 0..4)).prop_map(|(e, v)| Op::SetFilter(e, v)),
    ]
}

macro_rules! family_props {
    ($family:ident, $common:ident, $addr:ty, $report:ident) => {
        mod $family {
            use super::$common::*;
            use super::*;

            type A = $addr;

        /// The requester's filter after `op`, as RFC 3678 defines the calls
        /// (`None`: no filter); `Err` where the call is refused.
        fn model(cur: Option<&Filter<A>>, op: &Op) -> Result<Option<Filter<A>>, ()> {
            use FilterMode::*;
            let edit = |f: &Filter<A>, x: A, add: bool| {
                let mut v = f.sources.clone();
                match (v.contains(&x), add) {
                    (false, true) => v.push(x),
                    (true, false) => v.retain(|y| *y != x),
                    _ => return Err(()),
                }
                let f = Filter::new(f.mode, v);
                Ok((!f.is_none()).then_some(f))
            };
            match (op, cur) {
                (Op::Join, None) => Ok(Some(Filter::new(Exclude, vec![]))),
                (Op::Join, Some(_)) => Err(()),
                (Op::Leave, Some(_)) => Ok(None),
                (Op::JoinSource(x), None) => Ok(Some(Filter::new(Include, vec![s((*x).into())]))),
                (Op::JoinSource(x), Some(f)) if f.mode == Include => edit(f, s((*x).into()), true),
                (Op::LeaveSource(x), Some(f)) if f.mode == Include => edit(f, s((*x).into()), false),
                (Op::Block(x), Some(f)) if f.mode == Exclude => edit(f, s((*x).into()), true),
                (Op::Unblock(x), Some(f)) if f.mode == Exclude => edit(f, s((*x).into()), false),
                (Op::SetFilter(e, v), _) => {
                    let f = Filter::new(
                        if *e { Exclude } else { Include },
                        v.iter().map(|x| s((*x).into())).collect(),
                    );
                    Ok((!f.is_none()).then_some(f))
                }
                _ => Err(()),
            }
        }

        /// A router's view of one group, updated by each record (RFC 3376 §6.4).
        fn apply(view: &mut Filter<A>, (ty, _, src): &Rec) {
            use FilterMode::*;
            match *ty {
                TO_IN => *view = Filter::new(Include, src.clone()),
                TO_EX => *view = Filter::new(Exclude, src.clone()),
                ALLOW | BLOCK => {
                    let add = (*ty == ALLOW) == (view.mode == Include);
                    let mut v = view.sources.clone();
                    if add {
                        v.extend(src);
                    } else {
                        v.retain(|x| !src.contains(x));
                    }
                    *view = Filter::new(view.mode, v);
                }
                _ => {}
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            #[test]
            fn interface_state_is_the_merge_and_every_change_is_reported(
                steps in prop::collection::vec((0..3u32, 0..3u8, op(), 0..3000u64), 1..40),
                seed in any::<u64>(),
            ) {
                let mut h = host_with(Config::default(), seed);
                let mut filters: BTreeMap<(u32, u8), Filter<A>> = BTreeMap::new();
                let mut views: BTreeMap<A, Filter<A>> = BTreeMap::new();
                let mut now = Instant::from_secs(1);
                let observe = |sent: Vec<(Instant, Msg)>, views: &mut BTreeMap<A, Filter<A>>| {
                    for (_, m) in sent {
                        let Msg::$report(recs) = m else { panic!("v3/MLDv2 only: {m:?}") };
                        for r in &recs {
                            apply(views.entry(r.1).or_insert_with(Filter::none), r);
                        }
                    }
                };
                for (req, gi, op, gap) in steps {
                    let next = now + Duration::from_millis(gap);
                    observe(run(&mut h, now, next), &mut views);
                    now = next;
                    let (r, grp) = (Requester(req), g(gi.into()));
                    let want = model(filters.get(&(req, gi)), &op);
                    let got = match &op {
                        Op::Join => h.join(now, r, grp),
                        Op::Leave => h.leave(now, r, grp),
                        Op::JoinSource(x) => h.join_source(now, r, grp, s((*x).into())),
                        Op::LeaveSource(x) => h.leave_source(now, r, grp, s((*x).into())),
                        Op::Block(x) => h.block(now, r, grp, s((*x).into())),
                        Op::Unblock(x) => h.unblock(now, r, grp, s((*x).into())),
                        Op::SetFilter(e, v) => {
                            let v: Vec<A> = v.iter().map(|x| s((*x).into())).collect();
                            let mode = if *e { FilterMode::Exclude } else { FilterMode::Include };
                            h.set_filter(now, r, grp, mode, &v)
                        }
                    };
                    match want {
                        Ok(f) => {
                            prop_assert!(got.is_ok(), "{op:?} refused: {got:?}");
                            match f {
                                Some(f) => filters.insert((req, gi), f),
                                None => filters.remove(&(req, gi)),
                            };
                        }
                        Err(()) => prop_assert!(got.is_err(), "{op:?} accepted"),
                    }
                    // §3.2 at every step, for every group.
                    for gj in 0..3u8 {
                        let want = merge(filters.iter().filter(|((_, x), _)| *x == gj).map(|(_, f)| f));
                        let got = h.interface_state(g(gj.into())).cloned().unwrap_or_else(Filter::none);
                        prop_assert_eq!(&got, &want, "group {}", gj);
                    }
                    // The report sent at once already tells a router the new state.
                    observe(drain(&mut h).into_iter().map(|m| (now, m)).collect(), &mut views);
                    for gj in 0..3u8 {
                        let state = h.interface_state(g(gj.into())).cloned().unwrap_or_else(Filter::none);
                        let view = views.get(&g(gj.into())).cloned().unwrap_or_else(Filter::none);
                        prop_assert_eq!(view, state, "router's view of group {}", gj);
                    }
                }
                // And after the retransmissions nothing is left pending.
                observe(run(&mut h, now, now + Duration::from_secs(10)), &mut views);
                prop_assert!(h.poll_timeout().is_none());
                prop_assert_eq!(h.tracked_groups(), h.groups().count());
            }
        }
        }
    };
}

family_props!(igmp, common, Ipv4Addr, V3);
family_props!(mld, common_mld, Ipv6Addr, V2);
