//! IGMPv3 group records given on the command line as `TYPE:GROUP[:SRC,SRC...]`.

use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

use ipv4kit_wire::igmp::{GroupRecordRepr, GroupRecordType};

/// One group record as the user wrote it, e.g. `allow:232.1.1.1:10.0.0.1,10.0.0.2`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordSpec {
    /// The record type (RFC 3376 §4.2.12).
    pub record_type: GroupRecordType,
    /// The multicast address.
    pub group: Ipv4Addr,
    /// The sources, in the order given.
    pub sources: Vec<Ipv4Addr>,
}

impl RecordSpec {
    /// The codec's form, borrowing the sources.
    pub fn repr(&self) -> GroupRecordRepr<'_> {
        GroupRecordRepr {
            record_type: self.record_type,
            group: self.group,
            sources: &self.sources,
            aux_data: &[],
        }
    }
}

/// Why a record spec did not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordSpecError(String);

impl fmt::Display for RecordSpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RecordSpecError {}

/// The command-line names of the record types, in type-number order.
pub const RECORD_TYPE_NAMES: [(&str, GroupRecordType); 6] = [
    ("is-in", GroupRecordType::ModeIsInclude),
    ("is-ex", GroupRecordType::ModeIsExclude),
    ("to-in", GroupRecordType::ChangeToInclude),
    ("to-ex", GroupRecordType::ChangeToExclude),
    ("allow", GroupRecordType::AllowNewSources),
    ("block", GroupRecordType::BlockOldSources),
];

fn record_type(name: &str) -> Result<GroupRecordType, RecordSpecError> {
    let wanted = name.trim().to_ascii_lowercase().replace('_', "-");
    RECORD_TYPE_NAMES
        .iter()
        .find(|(n, _)| *n == wanted)
        .map(|(_, t)| *t)
        .ok_or_else(|| {
            RecordSpecError(format!(
                "unknown record type {name:?}: use one of is-in, is-ex, to-in, to-ex, allow, block"
            ))
        })
}

impl FromStr for RecordSpec {
    type Err = RecordSpecError;

    /// Parses `TYPE:GROUP[:SRC,SRC...]`. TYPE is case-insensitive and may be
    /// written with `_` (`TO_EX`); GROUP must be a multicast address other
    /// than 224.0.0.1 (RFC 3376 §4.2.8 / §6); ALLOW and BLOCK need at least
    /// one source (RFC 3376 §5.1 omits empty ones).
    fn from_str(s: &str) -> Result<RecordSpec, RecordSpecError> {
        let err = |why: String| RecordSpecError(format!("bad record {s:?}: {why}"));
        let mut parts = s.splitn(3, ':');
        let kind = parts.next().unwrap_or_default();
        let Some(group) = parts.next() else {
            return Err(err(
                "expected TYPE:GROUP[:SRC,SRC...], e.g. allow:232.1.1.1:10.0.0.1".into(),
            ));
        };
        let record_type = record_type(kind).map_err(|e| err(e.0))?;
        let group: Ipv4Addr = group
            .trim()
            .parse()
            .map_err(|_| err(format!("group {group:?} is not an IPv4 address")))?;
        if !group.is_multicast() {
            return Err(err(format!("group {group} is not a multicast address")));
        }
        if group == Ipv4Addr::new(224, 0, 0, 1) {
            return Err(err(
                "224.0.0.1 (all systems) is never reported (RFC 3376 §5)".into(),
            ));
        }
        let mut sources = Vec::new();
        if let Some(list) = parts.next() {
            for src in list.split(',') {
                let src = src.trim();
                if src.is_empty() {
                    return Err(err("empty source in the list".into()));
                }
                let addr: Ipv4Addr = src
                    .parse()
                    .map_err(|_| err(format!("source {src:?} is not an IPv4 address")))?;
                if addr.is_multicast() || addr.is_broadcast() || addr.is_unspecified() {
                    return Err(err(format!("source {addr} is not a unicast address")));
                }
                sources.push(addr);
            }
        }
        if sources.len() > usize::from(u16::MAX) {
            return Err(err(format!("{} sources, at most 65535", sources.len())));
        }
        if sources.is_empty()
            && matches!(
                record_type,
                GroupRecordType::AllowNewSources | GroupRecordType::BlockOldSources
            )
        {
            return Err(err(format!(
                "{kind} needs at least one source ({kind}:GROUP:SRC[,SRC...])"
            )));
        }
        Ok(RecordSpec {
            record_type,
            group,
            sources,
        })
    }
}

/// Fuzz body for `report --record`: the text as a record spec parses or
/// says why (naming the input); a spec that parses has a multicast group
/// other than 224.0.0.1, unicast sources, at least one source for ALLOW and
/// BLOCK, and written back as `TYPE:GROUP:SRC,...` parses to itself.
///
/// It lives here, not in `ipv4kit-fuzzing`, because the syntax is the
/// command's; the cargo-fuzz target `cli_args` calls it, and
/// `tests/record_spec_corpus.rs` replays that target's committed corpus.
#[doc(hidden)]
pub fn fuzz_record_spec(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let spec = match text.parse::<RecordSpec>() {
        Ok(spec) => spec,
        Err(e) => {
            assert!(e.to_string().starts_with("bad record "), "{e}");
            return;
        }
    };
    assert!(spec.group.is_multicast() && spec.group != Ipv4Addr::new(224, 0, 0, 1));
    assert!(spec.sources.len() <= usize::from(u16::MAX));
    for s in &spec.sources {
        assert!(!(s.is_multicast() || s.is_broadcast() || s.is_unspecified()));
    }
    if matches!(
        spec.record_type,
        GroupRecordType::AllowNewSources | GroupRecordType::BlockOldSources
    ) {
        assert!(!spec.sources.is_empty());
    }
    assert_eq!(spec.repr().sources, &spec.sources[..]);
    let name = RECORD_TYPE_NAMES
        .iter()
        .find(|(_, t)| *t == spec.record_type)
        .map(|(n, _)| *n)
        .unwrap();
    let mut written = format!("{name}:{}", spec.group);
    for (i, s) in spec.sources.iter().enumerate() {
        written.push(if i == 0 { ':' } else { ',' });
        written.push_str(&s.to_string());
    }
    assert_eq!(
        written.parse::<RecordSpec>().as_ref(),
        Ok(&spec),
        "{text:?}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> RecordSpec {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn bad(s: &str) -> String {
        s.parse::<RecordSpec>().unwrap_err().to_string()
    }

    #[test]
    fn every_type_name_parses() {
        for (name, t) in RECORD_TYPE_NAMES {
            let spec = ok(&format!("{name}:239.1.1.1:10.0.0.1"));
            assert_eq!(spec.record_type, t);
        }
        assert_eq!(
            ok("TO_EX:239.1.1.1").record_type,
            GroupRecordType::ChangeToExclude
        );
    }

    #[test]
    fn group_and_sources_in_order() {
        let spec = ok("allow:232.1.1.1:10.0.0.2, 10.0.0.1");
        assert_eq!(spec.group, Ipv4Addr::new(232, 1, 1, 1));
        assert_eq!(
            spec.sources,
            [Ipv4Addr::new(10, 0, 0, 2), Ipv4Addr::new(10, 0, 0, 1)]
        );
        let r = spec.repr();
        assert_eq!(r.sources.len(), 2);
        assert!(r.aux_data.is_empty());
        assert!(ok("to-ex:239.1.1.1").sources.is_empty());
        assert!(bad("is-in:239.1.1.1:").contains("empty source"));
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        assert!(bad("allow").contains("expected TYPE:GROUP"));
        assert!(bad("join:239.1.1.1").contains("unknown record type \"join\""));
        assert!(bad("to-ex:239.1.1").contains("group \"239.1.1\" is not an IPv4 address"));
        assert!(bad("to-ex:10.1.1.1").contains("not a multicast address"));
        assert!(bad("to-ex:224.0.0.1").contains("never reported"));
        assert!(bad("allow:232.1.1.1:10.0.0.1,,10.0.0.2").contains("empty source"));
        assert!(bad("allow:232.1.1.1:10.0.0.x").contains("source \"10.0.0.x\""));
        assert!(bad("allow:232.1.1.1:239.0.0.1").contains("not a unicast"));
        assert!(bad("allow:232.1.1.1").contains("allow needs at least one source"));
        assert!(bad("block:232.1.1.1").contains("block needs at least one source"));
        // The whole input is quoted, so the user sees which --record failed.
        assert!(bad("to-ex:10.1.1.1").starts_with("bad record \"to-ex:10.1.1.1\""));
    }
}
