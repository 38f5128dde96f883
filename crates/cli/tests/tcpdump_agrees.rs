//! tcpdump as an independent decoder: for every IGMP frame in `tests/data`,
//! the fields `tcpdump -tt -v -n` prints agree with `ipv4kit decode --json`:
//! time, TOS, TTL, ID, length, DF, addresses, IP options (kinds in order,
//! and the addresses of route options), bad IP checksums (both values),
//! and the IGMP type, version, group, maximum response time, v3 record count
//! and each record's group, type and source count, bad IGMP checksums.
//!
//! IGMP inside VXLAN and GRE is compared on the inner packet. A frame the
//! capture cut short (`[|ether]`, `[|ip]`, `[|igmp]`) is cut at the same
//! layer on our side.
//!
//! Where tcpdump departs from the RFCs we check our side of the RFC instead
//! ([`RFC_DIFFERENCES`]). Needs tcpdump (CI installs it); without it the test
//! says so and passes, unless `IPV4KIT_REQUIRE_TOOLS=1`.

mod common_tcpdump;

use common_tcpdump::{captures, decode_json, have_tcpdump, record_abbrev, tcpdump_entries};
use serde_json::Value;

/// Where tcpdump prints something other than the RFC asks, and what we do.
const RFC_DIFFERENCES: &[(&str, &str)] = &[
    (
        "igmp query v3 [invalid len N]",
        "RFC 3376 §7.1: a query of 12 octets or more is an IGMPv3 query, and \
         §4.1.10: octets after the last source are ignored. tcpdump calls it \
         invalid; we decode it with extra_len.",
    ),
    (
        "igmp v3 report [invalid len N]",
        "RFC 3376 §4.2.11/§4.2.6: octets after the last record (and \
         auxiliary data inside records) are skipped, not an error. tcpdump \
         gives up on the message; we decode the records with extra_len.",
    ),
];

/// The text after `key` up to the next `,` or `)`.
fn field<'a>(entry: &'a str, key: &str) -> Option<&'a str> {
    let start = entry.find(key)? + key.len();
    let rest = &entry[start..];
    let end = rest.find([',', ')']).unwrap_or(rest.len());
    Some(rest[..end].trim())
}

/// The text after `key` up to the next `]`.
fn bracket<'a>(entry: &'a str, key: &str) -> Option<&'a str> {
    let start = entry.find(key)? + key.len();
    let rest = &entry[start..];
    Some(rest[..rest.find(']').unwrap_or(rest.len())].trim())
}

/// tcpdump's `[max resp time X]`: `12.5s`, `51m12s`, or for IGMPv2 the raw
/// code without a unit, in tenths of a second (RFC 2236 §2.2).
fn max_resp_ms(s: &str) -> u64 {
    if let Ok(tenths) = s.parse::<u64>() {
        return tenths * 100;
    }
    let mut ms = 0;
    let mut num = String::new();
    for c in s.chars() {
        match c {
            '0'..='9' | '.' => num.push(c),
            'h' | 'm' | 's' => {
                let v: f64 = num.parse().unwrap();
                ms += (v * match c {
                    'h' => 3_600_000.0,
                    'm' => 60_000.0,
                    _ => 1000.0,
                }) as u64;
                num.clear();
            }
            _ => {}
        }
    }
    assert!(num.is_empty(), "max resp time {s:?}");
    ms
}

/// tcpdump's `options (RA, RR 198.18.0.1, 0.0.0.0,EOL)` as `router_alert
/// record_route[198.18.0.1 0.0.0.0] end`; empty without options.
fn tcpdump_options(td: &str) -> String {
    let Some(start) = td.find("options (") else {
        return String::new();
    };
    let rest = &td[start + "options (".len()..];
    // The list ends at the `)` that closes it (route addresses have none).
    let list = &rest[..rest.find(')').unwrap_or(rest.len())];
    let mut out: Vec<String> = Vec::new();
    for token in list.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        let mut words = token.split_whitespace();
        let name = words.next().unwrap_or_default();
        let kind = match name {
            "RA" => "router_alert",
            "RR" => "record_route",
            "LSRR" => "lsrr",
            "SSRR" => "ssrr",
            "timestamp" => "timestamp",
            "EOL" => "end",
            "NOP" => "nop",
            // A further address of the route option before it.
            _ if name.parse::<std::net::Ipv4Addr>().is_ok() => {
                if let Some(last) = out.last_mut() {
                    last.insert_str(last.len() - 1, &format!(" {name}"));
                }
                continue;
            }
            other => other,
        };
        let addrs: Vec<&str> = words
            .filter(|w| w.parse::<std::net::Ipv4Addr>().is_ok())
            .collect();
        if matches!(kind, "record_route" | "lsrr" | "ssrr") {
            out.push(format!("{kind}[{}]", addrs.join(" ")));
        } else {
            out.push(kind.to_owned());
        }
    }
    out.join(" ")
}

/// Our `ipv4.options` in the form [`tcpdump_options`] gives.
fn our_options(ip: &Value) -> String {
    let Some(options) = ip["options"].as_array() else {
        return String::new();
    };
    options
        .iter()
        .map(|o| {
            let kind = o["kind"].as_str().unwrap_or("?");
            match o["addrs"].as_array() {
                Some(a) if matches!(kind, "record_route" | "lsrr" | "ssrr") => {
                    let a: Vec<&str> = a.iter().filter_map(Value::as_str).collect();
                    format!("{kind}[{}]", a.join(" "))
                }
                _ => kind.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Compares one frame; returns what differs.
fn compare(td: &str, ours: &Value) -> Vec<String> {
    let mut bad = Vec::new();
    let mut check = |what: &str, a: String, b: String| {
        if a != b {
            bad.push(format!("{what}: tcpdump {a}, ours {b}"));
        }
    };
    let ip = &ours["ipv4"];
    let igmp = &ours["igmp"];
    check(
        "time",
        td.split(' ').next().unwrap().into(),
        ours["time_epoch"].as_str().unwrap().into(),
    );
    let tos = u8::from_str_radix(field(td, "(tos 0x").unwrap(), 16).unwrap();
    check("tos", tos.to_string(), ip["tos"].to_string());
    check("ip options", tcpdump_options(td), our_options(ip));
    check(
        "ttl",
        field(td, "ttl ").unwrap().into(),
        ip["ttl"].to_string(),
    );
    check(
        "id",
        field(td, " id ").unwrap().into(),
        ip["id"].to_string(),
    );
    check(
        "length",
        field(td, " length ").unwrap().into(),
        ip["total_len"].to_string(),
    );
    check(
        "DF",
        field(td, "flags [").unwrap().contains("DF").to_string(),
        ip["df"].to_string(),
    );
    if let Some(sums) = field(td, "bad cksum ") {
        let (stored, computed) = sums.split_once(" (->").unwrap();
        let computed = computed.trim_end_matches(")!");
        check(
            "ip checksum",
            stored.into(),
            format!("{:x}", ip["checksum"].as_u64().unwrap()),
        );
        check(
            "ip checksum computed",
            computed.into(),
            format!("{:x}", ip["checksum_computed"].as_u64().unwrap()),
        );
    } else {
        check(
            "ip checksum ok",
            "true".into(),
            ip["checksum_ok"].to_string(),
        );
    }
    let (addrs, msg) = td.rsplit_once(": igmp ").unwrap();
    let addrs = addrs.rsplit(' ').take(3).collect::<Vec<_>>();
    check("src", addrs[2].into(), ip["src"].as_str().unwrap().into());
    check("dst", addrs[0].into(), ip["dst"].as_str().unwrap().into());
    let kind = igmp["type"].as_str().unwrap();
    let version = igmp["version"].as_u64().unwrap_or(0);
    let group = igmp["group"].as_str().unwrap_or("");
    if let Some(rest) = msg.strip_prefix("query v") {
        check("type", "query".into(), kind.into());
        check("version", rest[..1].into(), version.to_string());
        let gaddr = bracket(rest, "[gaddr ").map(|g| g.split(' ').next().unwrap().to_owned());
        check(
            "group",
            gaddr.unwrap_or_else(|| "0.0.0.0".into()),
            group.into(),
        );
        if version >= 2 {
            let ms = match bracket(rest, "[max resp time ") {
                Some(t) => max_resp_ms(t),
                None => 10_000, // tcpdump leaves the default (100 tenths) out
            };
            check(
                "max resp",
                ms.to_string(),
                igmp["max_resp_time_ms"].to_string(),
            );
        }
    } else if let Some(rest) = msg.strip_prefix("leave ") {
        check("type", "leave".into(), kind.into());
        check(
            "group",
            rest.split(' ').next().unwrap().into(),
            group.into(),
        );
    } else if let Some(rest) = msg
        .strip_prefix('v')
        .filter(|r| r[1..].starts_with(" report"))
    {
        check("type", "report".into(), kind.into());
        check("version", rest[..1].into(), version.to_string());
        if let Some(n) = rest.strip_prefix("3 report, ") {
            let count = n.split(' ').next().unwrap();
            let records = igmp["records"].as_array().unwrap();
            check("records", count.into(), records.len().to_string());
            for (r, t) in records.iter().zip(n.split("[gaddr ").skip(1)) {
                let mut words = t.split([' ', ',']).filter(|w| !w.is_empty());
                check(
                    "record group",
                    words.next().unwrap().into(),
                    r["group"].as_str().unwrap().into(),
                );
                check(
                    "record type",
                    words.next().unwrap().into(),
                    record_abbrev(r["record_type_name"].as_str().unwrap()).into(),
                );
                check(
                    "record sources",
                    words.next().unwrap().into(),
                    r["sources"].as_array().unwrap().len().to_string(),
                );
            }
        } else {
            check(
                "group",
                rest[9..].split(' ').next().unwrap().into(),
                group.into(),
            );
        }
    } else {
        let name = msg.split(' ').next().unwrap();
        let expected = match name {
            "dvmrp" => "dvmrp",
            "pimv1" => "pimv1",
            "mtrace" => "mtrace",
            "mresp" | "mtrace-resp" => "mtrace_resp",
            other => other,
        };
        check("type", expected.into(), kind.into());
    }
    if let Some(sum) = field(msg, "bad igmp cksum ") {
        check(
            "igmp checksum",
            sum.trim_end_matches('!').into(),
            format!("{:x}", igmp["checksum"].as_u64().unwrap()),
        );
    } else {
        check(
            "igmp checksum ok",
            "true".into(),
            igmp["checksum_ok"].to_string(),
        );
    }
    bad
}

#[test]
fn every_igmp_frame_agrees_with_tcpdump_except_where_the_rfc_says_otherwise() {
    if !have_tcpdump() {
        return;
    }
    let mut compared = 0;
    let mut rfc = 0;
    let mut cut = 0;
    let mut failures = Vec::new();
    for path in captures(&["tcpdump", "zeek", "built"]) {
        let Some(entries) = tcpdump_entries(&path) else {
            continue;
        };
        let ours = decode_json(&path);
        for (i, td) in entries.iter().enumerate() {
            let Some(frame) = ours.get(i) else { break };
            assert_eq!(frame["frame"], i as u64 + 1);
            // Inside VXLAN or GRE: the innermost packet, and tcpdump's
            // text from its last IP header on.
            let (mut frame, mut td) = (frame, td.as_str());
            while let Some(inner) = frame.get("encap").map(|e| &e["inner"]) {
                frame = inner;
                td = &td[td.rfind("IP (tos").unwrap_or(0)..];
                // compare() reads the time first.
                if frame.get("igmp").is_some() {
                    break;
                }
            }
            let with_time;
            if !td.starts_with(|c: char| c.is_ascii_digit()) {
                let time = ours[i]["time_epoch"].as_str().unwrap();
                with_time = format!("{time} {td}");
                td = &with_time;
            }
            let mut frame = frame.clone();
            frame["time_epoch"] = ours[i]["time_epoch"].clone();
            let frame = &frame;
            // Where tcpdump says the capture cut a layer short
            // (`[|ether]`, `[|ip]`, `[|igmp]`), we name the same layer.
            // A frame tcpdump prints nothing for shifts its numbering:
            // match on the time instead.
            let td_time = td.split(' ').next().unwrap_or_default();
            let same_time = ours
                .iter()
                .find(|f| f["time_epoch"].as_str() == Some(td_time));
            for (mark, layer) in [("[|ether]", "link"), ("[|ip]", "ipv4"), ("[|igmp]", "igmp")] {
                if td.contains(mark) {
                    cut += 1;
                    let theirs = same_time.map(|f| &f["cut"]);
                    if theirs.and_then(Value::as_str) != Some(layer) {
                        failures.push(format!(
                            "{} at {td_time}: tcpdump {mark}, ours cut {theirs:?}",
                            path.display(),
                        ));
                    }
                }
            }
            // IGMP frames both sides decoded whole.
            if !td.contains(": igmp ")
                || td.contains("[|")
                || frame.get("igmp").is_none()
                || frame.get("cut").is_some()
            {
                continue;
            }
            if td.contains("[invalid len") {
                // RFC_DIFFERENCES: we decode it, noting the extra octets.
                assert!(RFC_DIFFERENCES
                    .iter()
                    .any(|(t, _)| td.contains(&t[..t.len() - 16])));
                assert!(
                    frame["igmp"]["extra_len"].as_u64().unwrap() > 0,
                    "{td}\n{frame}"
                );
                rfc += 1;
                continue;
            }
            compared += 1;
            let bad = compare(td, frame);
            if !bad.is_empty() {
                failures.push(format!(
                    "{} frame {}: {bad:?}\n  tcpdump: {td}",
                    path.display(),
                    i + 1
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} disagreement(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(compared > 700, "compared only {compared} frames");
    assert!(cut >= 60, "only {cut} cut-short frames compared");
    assert!(rfc >= 2, "the RFC differences were not met ({rfc})");
    eprintln!(
        "{compared} IGMP frames agree with tcpdump; {rfc} differ where RFC 3376 says so; \
         {cut} cut-short frames cut at the same layer"
    );
}
