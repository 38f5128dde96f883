//! Filter modes, source sets and the two pure computations of RFC 3376:
//! the merge of socket states into interface state (§3.2) and the records a
//! change of interface state calls for (§5.1).
//!
//! Source sets are sorted vectors without duplicates: small, compact, and
//! cheap to intersect and subtract in one pass.

use alloc::vec::Vec;

/// A filter mode (RFC 3376 §3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FilterMode {
    /// Receive only from the listed sources.
    Include,
    /// Receive from every source except the listed ones.
    Exclude,
}

/// The type of a group record (RFC 3376 §4.2.12), protocol-neutral: IGMPv3
/// and MLDv2 use the same six (RFC 3810 §5.2.12).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecordType {
    /// MODE_IS_INCLUDE, a current-state record.
    IsInclude,
    /// MODE_IS_EXCLUDE, a current-state record.
    IsExclude,
    /// CHANGE_TO_INCLUDE_MODE, a filter-mode-change record.
    ToInclude,
    /// CHANGE_TO_EXCLUDE_MODE, a filter-mode-change record.
    ToExclude,
    /// ALLOW_NEW_SOURCES, a source-list-change record.
    Allow,
    /// BLOCK_OLD_SOURCES, a source-list-change record.
    Block,
}

/// A filter: a mode and a source set (sorted, no duplicates).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Filter<A> {
    /// The filter mode.
    pub mode: FilterMode,
    /// The sources, sorted, without duplicates.
    pub sources: Vec<A>,
}

impl<A: Ord + Copy> Filter<A> {
    /// `INCLUDE {}`: no reception at all, the state of a group nobody wants
    /// (RFC 3376 §3.1: a missing record counts as this).
    pub const fn none() -> Self {
        Filter {
            mode: FilterMode::Include,
            sources: Vec::new(),
        }
    }

    /// A filter with `sources` sorted and deduplicated.
    pub fn new(mode: FilterMode, mut sources: Vec<A>) -> Self {
        sources.sort_unstable();
        sources.dedup();
        Filter { mode, sources }
    }

    /// Whether this is `INCLUDE {}` (RFC 3376 §3.2: no record).
    pub fn is_none(&self) -> bool {
        self.mode == FilterMode::Include && self.sources.is_empty()
    }

    /// Whether traffic from `source` passes the filter.
    pub fn forwards(&self, source: &A) -> bool {
        let listed = self.sources.binary_search(source).is_ok();
        match self.mode {
            FilterMode::Include => listed,
            FilterMode::Exclude => !listed,
        }
    }
}

/// `a ∪ b` of two sorted sets.
pub(crate) fn union<A: Ord + Copy>(a: &[A], b: &[A]) -> Vec<A> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            core::cmp::Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            core::cmp::Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            core::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// `a ∩ b`, in place in `a`.
pub(crate) fn retain_in<A: Ord>(a: &mut Vec<A>, b: &[A]) {
    a.retain(|x| b.binary_search(x).is_ok());
}

/// `a − b`, in place in `a`.
pub(crate) fn retain_not_in<A: Ord>(a: &mut Vec<A>, b: &[A]) {
    a.retain(|x| b.binary_search(x).is_err());
}

/// Interface state from socket states, RFC 3376 §3.2: EXCLUDE with
/// ⋂(EXCLUDE lists) − ⋃(INCLUDE lists) if any socket excludes, else INCLUDE
/// with ⋃(INCLUDE lists). No sockets gives `INCLUDE {}`.
///
/// ```
/// use ipv4kit_gmp::{merge, Filter, FilterMode::*};
///
/// // RFC 3810 §4.2's first example, with IPv4-ish numbers for sources.
/// let s1 = Filter::new(Exclude, vec![1, 2, 3, 4]);
/// let s2 = Filter::new(Exclude, vec![2, 3, 4, 5]);
/// let s3 = Filter::new(Include, vec![4, 5, 6]);
/// assert_eq!(merge([&s1, &s2, &s3]), Filter::new(Exclude, vec![2, 3]));
/// let s4 = Filter::new(Exclude, vec![]);
/// assert_eq!(merge([&s1, &s2, &s3, &s4]), Filter::new(Exclude, vec![]));
/// ```
pub fn merge<'a, A: Ord + Copy + 'a>(
    sockets: impl IntoIterator<Item = &'a Filter<A>> + Clone,
) -> Filter<A> {
    let mut exclude: Option<Vec<A>> = None;
    let mut include: Vec<A> = Vec::new();
    for f in sockets.clone() {
        match f.mode {
            FilterMode::Exclude => match &mut exclude {
                None => exclude = Some(f.sources.clone()),
                Some(x) => retain_in(x, &f.sources),
            },
            FilterMode::Include => include = union(&include, &f.sources),
        }
    }
    match exclude {
        Some(mut x) => {
            retain_not_in(&mut x, &include);
            Filter {
                mode: FilterMode::Exclude,
                sources: x,
            }
        }
        None => Filter {
            mode: FilterMode::Include,
            sources: include,
        },
    }
}

/// The records of a State-Change Report for the change `old → new`, RFC 3376
/// §5.1's table (empty ALLOW/BLOCK omitted):
///
/// | old | new | records |
/// | --- | --- | --- |
/// | INCLUDE (A) | INCLUDE (B) | ALLOW (B−A), BLOCK (A−B) |
/// | EXCLUDE (A) | EXCLUDE (B) | ALLOW (A−B), BLOCK (B−A) |
/// | INCLUDE (A) | EXCLUDE (B) | TO_EX (B) |
/// | EXCLUDE (A) | INCLUDE (B) | TO_IN (B) |
///
/// ```
/// use ipv4kit_gmp::{state_change_records, Filter, FilterMode::*, RecordType};
///
/// let old = Filter::new(Exclude, vec![1, 2]);
/// let new = Filter::new(Exclude, vec![2, 3]);
/// assert_eq!(
///     state_change_records(&old, &new),
///     vec![(RecordType::Allow, vec![1]), (RecordType::Block, vec![3])]
/// );
/// ```
pub fn state_change_records<A: Ord + Copy>(
    old: &Filter<A>,
    new: &Filter<A>,
) -> Vec<(RecordType, Vec<A>)> {
    let diff = |a: &[A], b: &[A]| {
        let mut d = a.to_vec();
        retain_not_in(&mut d, b);
        d
    };
    let mut out = Vec::new();
    match (old.mode, new.mode) {
        (FilterMode::Include, FilterMode::Include) | (FilterMode::Exclude, FilterMode::Exclude) => {
            let (allow, block) = if new.mode == FilterMode::Include {
                (
                    diff(&new.sources, &old.sources),
                    diff(&old.sources, &new.sources),
                )
            } else {
                (
                    diff(&old.sources, &new.sources),
                    diff(&new.sources, &old.sources),
                )
            };
            if !allow.is_empty() {
                out.push((RecordType::Allow, allow));
            }
            if !block.is_empty() {
                out.push((RecordType::Block, block));
            }
        }
        (FilterMode::Include, FilterMode::Exclude) => {
            out.push((RecordType::ToExclude, new.sources.clone()))
        }
        (FilterMode::Exclude, FilterMode::Include) => {
            out.push((RecordType::ToInclude, new.sources.clone()))
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use FilterMode::*;

    fn f(mode: FilterMode, s: &[u8]) -> Filter<u8> {
        Filter::new(mode, s.to_vec())
    }

    /// RFC 3810 §4.2's examples (RFC 3376 §3.2 states the same rules).
    #[test]
    fn merge_follows_the_rfc_examples() {
        let (a, b, c, d, e, ff) = (1, 2, 3, 4, 5, 6);
        assert_eq!(
            merge([
                &f(Include, &[a, b, c]),
                &f(Include, &[b, c, d]),
                &f(Include, &[e, ff])
            ]),
            f(Include, &[a, b, c, d, e, ff])
        );
        assert_eq!(
            merge([
                &f(Exclude, &[a, b, c, d]),
                &f(Exclude, &[b, c, d, e]),
                &f(Include, &[d, e, ff])
            ]),
            f(Exclude, &[b, c])
        );
        assert_eq!(merge::<u8>([]), Filter::none());
    }

    /// Every row of RFC 3376 §5.1's table.
    #[test]
    fn state_change_records_follow_the_table() {
        use RecordType::*;
        type Row = (Filter<u8>, Filter<u8>, Vec<(RecordType, Vec<u8>)>);
        let rows: &[Row] = &[
            (
                f(Include, &[1, 2]),
                f(Include, &[2, 3]),
                vec![(Allow, vec![3]), (Block, vec![1])],
            ),
            (
                f(Exclude, &[1, 2]),
                f(Exclude, &[2, 3]),
                vec![(Allow, vec![1]), (Block, vec![3])],
            ),
            (
                f(Include, &[1]),
                f(Exclude, &[2]),
                vec![(ToExclude, vec![2])],
            ),
            (
                f(Exclude, &[1]),
                f(Include, &[2]),
                vec![(ToInclude, vec![2])],
            ),
            // join and leave of an any-source group
            (f(Include, &[]), f(Exclude, &[]), vec![(ToExclude, vec![])]),
            (f(Exclude, &[]), f(Include, &[]), vec![(ToInclude, vec![])]),
            // a source-specific join; no change at all
            (f(Include, &[]), f(Include, &[7]), vec![(Allow, vec![7])]),
            (f(Exclude, &[7]), f(Exclude, &[7]), vec![]),
        ];
        for (old, new, want) in rows {
            assert_eq!(&state_change_records(old, new), want, "{old:?} -> {new:?}");
        }
    }
}
