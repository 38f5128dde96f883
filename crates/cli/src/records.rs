//! Group records given on the command line: IGMPv3 ones as
//! `TYPE:GROUP[:SRC,SRC...]`, and for either family `TYPE/GROUP[/SRC,SRC...]`,
//! the form IPv6 addresses need (their colons would collide with the
//! first): `is-ex/ff3e::1/2001:db8::1,2001:db8::2`.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use ipv4kit_wire::gmp::{GroupAddress, GroupRecordRepr};
use ipv4kit_wire::igmp::GroupRecordType;
use ipv4kit_wire::mld;

/// One group record as the user wrote it, e.g. `allow:232.1.1.1:10.0.0.1,10.0.0.2`
/// or `allow/ff3e::8000:1/2001:db8::1`; `A` is [`Ipv4Addr`] (IGMPv3) or
/// [`Ipv6Addr`] (MLDv2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordSpec<A = Ipv4Addr> {
    /// The record type (RFC 3376 §4.2.12, RFC 3810 §5.2.12).
    pub record_type: GroupRecordType,
    /// The multicast address.
    pub group: A,
    /// The sources, in the order given.
    pub sources: Vec<A>,
}

impl<A: GroupAddress> RecordSpec<A> {
    /// The codec's form, borrowing the sources.
    pub fn repr(&self) -> GroupRecordRepr<'_, A> {
        GroupRecordRepr {
            record_type: self.record_type,
            group: self.group,
            sources: &self.sources,
            aux_data: &[],
        }
    }
}

/// A `--record` of either family: the group's address decides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AnyRecordSpec {
    /// An IGMPv3 group record.
    V4(RecordSpec<Ipv4Addr>),
    /// An MLDv2 multicast address record.
    V6(RecordSpec<Ipv6Addr>),
}

impl AnyRecordSpec {
    /// Whether the record is an IPv6 (MLDv2) one.
    pub fn is_v6(&self) -> bool {
        matches!(self, AnyRecordSpec::V6(_))
    }

    /// The record written back in the command's syntax: `TYPE:GROUP[:SRC,...]`
    /// for IPv4, `TYPE/GROUP[/SRC,...]` for IPv6.
    pub fn to_spec_string(&self) -> String {
        fn write<A: fmt::Display>(t: GroupRecordType, g: &A, s: &[A], sep: char) -> String {
            let mut out = format!("{}{sep}{g}", type_name(t));
            for (i, a) in s.iter().enumerate() {
                out.push(if i == 0 { sep } else { ',' });
                out.push_str(&a.to_string());
            }
            out
        }
        match self {
            AnyRecordSpec::V4(r) => write(r.record_type, &r.group, &r.sources, ':'),
            AnyRecordSpec::V6(r) => write(r.record_type, &r.group, &r.sources, '/'),
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

/// The command-line name of a record type.
pub fn type_name(t: GroupRecordType) -> &'static str {
    RECORD_TYPE_NAMES
        .iter()
        .find(|(_, x)| *x == t)
        .map_or("?", |(n, _)| *n)
}

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

/// The parts of a spec: type, group and the source list if any.
fn split(s: &str) -> Option<(&str, &str, Option<&str>)> {
    if s.contains('/') {
        let mut parts = s.splitn(3, '/');
        let kind = parts.next()?;
        let group = parts.next()?;
        return Some((kind, group, parts.next()));
    }
    let (kind, rest) = s.split_once(':')?;
    // `to-ex:ff3e::1` is a whole IPv6 group without sources; anything
    // longer with IPv6 addresses needs the `/` form.
    if rest.trim().parse::<Ipv6Addr>().is_ok() {
        return Some((kind, rest, None));
    }
    match rest.split_once(':') {
        Some((group, list)) => Some((kind, group, Some(list))),
        None => Some((kind, rest, None)),
    }
}

fn parse_sources<A: FromStr + Copy>(
    list: Option<&str>,
    family: &str,
    unicast: impl Fn(A) -> bool,
    show: impl Fn(A) -> String,
    err: &dyn Fn(String) -> RecordSpecError,
) -> Result<Vec<A>, RecordSpecError> {
    let mut sources = Vec::new();
    let Some(list) = list else {
        return Ok(sources);
    };
    for src in list.split(',') {
        let src = src.trim();
        if src.is_empty() {
            return Err(err("empty source in the list".into()));
        }
        let addr: A = src
            .parse()
            .map_err(|_| err(format!("source {src:?} is not an {family} address")))?;
        if !unicast(addr) {
            return Err(err(format!(
                "source {} is not a unicast address",
                show(addr)
            )));
        }
        sources.push(addr);
    }
    Ok(sources)
}

fn finish<A>(
    kind: &str,
    sep: char,
    record_type: GroupRecordType,
    group: A,
    sources: Vec<A>,
    err: &dyn Fn(String) -> RecordSpecError,
) -> Result<RecordSpec<A>, RecordSpecError> {
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
            "{kind} needs at least one source ({kind}{sep}GROUP{sep}SRC[,SRC...])"
        )));
    }
    Ok(RecordSpec {
        record_type,
        group,
        sources,
    })
}

fn ipv4_unicast(a: Ipv4Addr) -> bool {
    !(a.is_multicast() || a.is_broadcast() || a.is_unspecified())
}

fn ipv6_unicast(a: Ipv6Addr) -> bool {
    !(a.is_multicast() || a.is_unspecified())
}

impl FromStr for AnyRecordSpec {
    type Err = RecordSpecError;

    /// Parses `TYPE/GROUP[/SRC,SRC...]` (either family) or
    /// `TYPE:GROUP[:SRC,SRC...]` (IPv4; `TYPE:GROUP` also for an IPv6 group
    /// without sources). TYPE is case-insensitive and may be written with
    /// `_` (`TO_EX`). An IPv4 GROUP is a multicast address other than
    /// 224.0.0.1 (RFC 3376 §4.2.8 / §6); an IPv6 one a multicast address of
    /// link scope or wider other than ff02::1 (RFC 3810 §6). Sources are
    /// unicast addresses of the group's family; ALLOW and BLOCK need at
    /// least one (RFC 3376 §5.1 and RFC 3810 §6.1 omit empty ones).
    fn from_str(s: &str) -> Result<AnyRecordSpec, RecordSpecError> {
        let err = |why: String| RecordSpecError(format!("bad record {s:?}: {why}"));
        let Some((kind, group, list)) = split(s) else {
            return Err(err(
                "expected TYPE:GROUP[:SRC,SRC...] or TYPE/GROUP[/SRC,SRC...], \
                 e.g. allow:232.1.1.1:10.0.0.1 or allow/ff3e::1/2001:db8::1"
                    .into(),
            ));
        };
        let record_type = record_type(kind).map_err(|e| err(e.0))?;
        let sep = if s.contains('/') { '/' } else { ':' };
        let g = group.trim();
        if let Ok(group) = g.parse::<Ipv4Addr>() {
            if !group.is_multicast() {
                return Err(err(format!("group {group} is not a multicast address")));
            }
            if group == Ipv4Addr::new(224, 0, 0, 1) {
                return Err(err(
                    "224.0.0.1 (all systems) is never reported (RFC 3376 §5)".into(),
                ));
            }
            let sources = parse_sources(list, "IPv4", ipv4_unicast, |a| a.to_string(), &err)?;
            return finish(kind, sep, record_type, group, sources, &err).map(AnyRecordSpec::V4);
        }
        if let Ok(group) = g.parse::<Ipv6Addr>() {
            if !group.is_multicast() {
                return Err(err(format!("group {group} is not a multicast address")));
            }
            if !mld::is_reported(group) {
                return Err(err(format!(
                    "{group} is never reported: ff02::1 (all nodes) and groups of \
                     interface-local scope are not (RFC 3810 §6)"
                )));
            }
            let sources = parse_sources(list, "IPv6", ipv6_unicast, |a| a.to_string(), &err)?;
            return finish(kind, '/', record_type, group, sources, &err).map(AnyRecordSpec::V6);
        }
        if s.matches(':').count() > 2 && !s.contains('/') {
            return Err(err(format!(
                "group {group:?} is not an IP address; write IPv6 records as \
                 TYPE/GROUP[/SRC,SRC...], e.g. allow/ff3e::1/2001:db8::1"
            )));
        }
        Err(err(format!(
            "group {group:?} is not an IPv4 or IPv6 address"
        )))
    }
}

impl FromStr for RecordSpec<Ipv4Addr> {
    type Err = RecordSpecError;

    /// An IGMPv3 record (see [`AnyRecordSpec`]'s syntax); an IPv6 group is
    /// an error here.
    fn from_str(s: &str) -> Result<RecordSpec, RecordSpecError> {
        match s.parse::<AnyRecordSpec>()? {
            AnyRecordSpec::V4(r) => Ok(r),
            AnyRecordSpec::V6(_) => Err(RecordSpecError(format!(
                "bad record {s:?}: an IPv6 group in an IGMPv3 record"
            ))),
        }
    }
}

/// The source address type of a record, for the fuzz body's checks.
trait Unicast: Copy {
    fn is_unicast_source(self) -> bool;
}

impl Unicast for Ipv4Addr {
    fn is_unicast_source(self) -> bool {
        ipv4_unicast(self)
    }
}

impl Unicast for Ipv6Addr {
    fn is_unicast_source(self) -> bool {
        ipv6_unicast(self)
    }
}

fn check_spec<A: GroupAddress + Unicast>(spec: &RecordSpec<A>) {
    assert!(spec.sources.len() <= usize::from(u16::MAX));
    for s in &spec.sources {
        assert!(s.is_unicast_source());
    }
    if matches!(
        spec.record_type,
        GroupRecordType::AllowNewSources | GroupRecordType::BlockOldSources
    ) {
        assert!(!spec.sources.is_empty());
    }
    assert_eq!(spec.repr().sources, &spec.sources[..]);
}

/// Fuzz body for `report --record`: the text as a record spec parses or
/// says why (naming the input); a spec that parses has a multicast group
/// of its family that is reported (not 224.0.0.1, not ff02::1 or
/// interface-local), unicast sources, at least one source for ALLOW and
/// BLOCK, and written back (`TYPE:GROUP:SRC,...` or `TYPE/GROUP/SRC,...`)
/// parses to itself.
///
/// It lives here, not in `ipv4kit-fuzzing`, because the syntax is the
/// command's; the cargo-fuzz target `cli_args` calls it, and
/// `tests/record_spec_corpus.rs` replays that target's committed corpus.
#[doc(hidden)]
pub fn fuzz_record_spec(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let spec = match text.parse::<AnyRecordSpec>() {
        Ok(spec) => spec,
        Err(e) => {
            assert!(e.to_string().starts_with("bad record "), "{e}");
            return;
        }
    };
    match &spec {
        AnyRecordSpec::V4(r) => {
            assert!(r.group.is_multicast() && r.group != Ipv4Addr::new(224, 0, 0, 1));
            check_spec(r);
            assert_eq!(text.parse::<RecordSpec>().as_ref(), Ok(r));
        }
        AnyRecordSpec::V6(r) => {
            assert!(mld::is_reported(r.group));
            check_spec(r);
            assert!(text.parse::<RecordSpec>().is_err());
        }
    }
    let written = spec.to_spec_string();
    assert_eq!(
        written.parse::<AnyRecordSpec>().as_ref(),
        Ok(&spec),
        "{text:?} written as {written:?}"
    );
    // Either family's record in the `/` form too.
    let slashed = written.replacen(':', "/", 2);
    if let AnyRecordSpec::V4(_) = spec {
        assert_eq!(
            slashed.parse::<AnyRecordSpec>().as_ref(),
            Ok(&spec),
            "{slashed:?}"
        );
    }
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

    fn ok6(s: &str) -> RecordSpec<Ipv6Addr> {
        match s.parse::<AnyRecordSpec>() {
            Ok(AnyRecordSpec::V6(r)) => r,
            other => panic!("{s}: {other:?}"),
        }
    }

    fn bad6(s: &str) -> String {
        s.parse::<AnyRecordSpec>().unwrap_err().to_string()
    }

    #[test]
    fn ipv6_records_use_slashes_and_sources_keep_their_colons() {
        let r = ok6("is-ex/ff3e::1/2001:db8::1, 2001:db8::2");
        assert_eq!(r.record_type, GroupRecordType::ModeIsExclude);
        assert_eq!(r.group, "ff3e::1".parse::<Ipv6Addr>().unwrap());
        assert_eq!(r.sources.len(), 2);
        assert!(ok6("to-ex/ff05::1:3").sources.is_empty());
        assert!(
            ok6("TO_EX:ff05::1:3").sources.is_empty(),
            "no sources: colon form too"
        );
        // The slash form works for IPv4 too.
        assert_eq!(
            "allow/232.1.1.1/10.0.0.1".parse::<AnyRecordSpec>().unwrap(),
            AnyRecordSpec::V4(ok("allow:232.1.1.1:10.0.0.1"))
        );
        assert_eq!(
            AnyRecordSpec::V6(ok6("allow/ff3e::1/2001:db8::1,2001:db8::2")).to_spec_string(),
            "allow/ff3e::1/2001:db8::1,2001:db8::2"
        );
    }

    #[test]
    fn bad_ipv6_records_say_what_is_wrong() {
        assert!(bad6("allow:ff3e::1:2001:db8::1").contains("TYPE/GROUP[/SRC"));
        assert!(bad6("to-ex/2001:db8::1").contains("not a multicast"));
        assert!(bad6("to-ex/ff02::1").contains("ff02::1 (all nodes)"));
        assert!(bad6("to-ex/ff01::5").contains("interface-local"));
        assert!(bad6("allow/ff3e::1/10.0.0.1").contains("not an IPv6 address"));
        assert!(bad6("allow/ff3e::1/ff02::2").contains("not a unicast"));
        assert!(bad6("allow/ff3e::1/::").contains("not a unicast"));
        assert!(bad6("block/ff3e::1").contains("block needs at least one source (block/GROUP/SRC"));
        assert!(bad6("allow/239.1.1.1/2001:db8::1").contains("not an IPv4 address"));
        assert!("to-ex/ff3e::1"
            .parse::<RecordSpec>()
            .unwrap_err()
            .to_string()
            .contains("IPv6 group"));
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        assert!(bad("allow").contains("expected TYPE:GROUP"));
        assert!(bad("join:239.1.1.1").contains("unknown record type \"join\""));
        assert!(bad("to-ex:239.1.1").contains("group \"239.1.1\" is not an IPv4 or IPv6 address"));
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
