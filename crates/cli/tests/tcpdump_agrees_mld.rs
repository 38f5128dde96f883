//! tcpdump as an independent decoder of IPv6 and MLD, as `tcpdump_agrees`
//! is for IPv4 and IGMP: for every IPv6 frame in `tests/data` (the MLD
//! captures of `tests/data/mld`, the built `mld-*.pcap`, and the IPv6 PIM
//! frames among the IGMP captures), the fields `tcpdump -tt -v -n` prints
//! agree with `ipv4kit decode --json`:
//!
//! - IPv6: time, hop limit, traffic class, flow label, payload length,
//!   addresses, the hop-by-hop Router Alert value;
//! - ICMPv6: the checksum verdict (and both values when bad), the type of
//!   messages other than MLD (by name) and their length;
//! - MLD: type and version, group, maximum response delay in milliseconds,
//!   an MLDv2 query's S flag, QRV, QQI and source count, an MLDv2 report's
//!   record count and each record's group, type and source count.
//!
//! A frame the capture cut short (`[|ether]`, `[|ip6]`, `[|hbhopt]`,
//! `[|icmp6]`) is cut at the same layer on our side. Where tcpdump departs
//! from the RFCs we check our side of the RFC instead ([`RFC_DIFFERENCES`]).
//! Needs tcpdump (CI installs it); without it the test says so and passes,
//! unless `IPV4KIT_REQUIRE_TOOLS=1`.

mod common_tcpdump;

use common_tcpdump::{captures, decode_json, have_tcpdump, record_abbrev, tcpdump_entries};
use serde_json::Value;

/// Where tcpdump prints something other than the RFC asks, and what we do.
const RFC_DIFFERENCES: &[(&str, &str)] = &[
    (
        "aux data len not skipped",
        "RFC 3810 §5.2.6/§5.2.10: a multicast address record ends after its \
         Aux Data Len 32-bit words of auxiliary data. tcpdump 4.99 does not \
         skip them: it reads the next record from the auxiliary data \
         (built/mld-messages.pcap frame 6) and accepts a record whose \
         auxiliary data runs past the message (zeek/icmp6-mldv2.pcap frame \
         5). We skip them, and call such a record malformed (an `mld` error \
         saying how many octets it needs).",
    ),
    (
        "ipv6 fragments",
        "RFC 8200 §4.5: a fragment (but an atomic one, RFC 6946) holds a \
         piece of the upper layer. tcpdump decodes the start of a first \
         fragment's ICMPv6 message; we leave any fragment's upper layer \
         undecoded (its `payload_len` only) until it is reassembled.",
    ),
];

/// The text after `key` up to the next `,`, `)`, `]` or space.
fn word<'a>(entry: &'a str, key: &str) -> Option<&'a str> {
    let start = entry.find(key)? + key.len();
    let rest = &entry[start..];
    let end = rest.find([',', ')', ']', ' ']).unwrap_or(rest.len());
    Some(rest[..end].trim())
}

fn hex(s: &str) -> u64 {
    u64::from_str_radix(s.trim_start_matches("0x"), 16).unwrap()
}

/// Compares one IPv6 frame both sides decoded; returns what differs.
fn compare(td: &str, ours: &Value) -> Vec<String> {
    let mut bad = Vec::new();
    let mut check = |what: &str, a: String, b: String| {
        if a != b {
            bad.push(format!("{what}: tcpdump {a}, ours {b}"));
        }
    };
    let ip = &ours["ipv6"];
    check(
        "time",
        td.split(' ').next().unwrap().into(),
        ours["time_epoch"].as_str().unwrap_or("(none)").into(),
    );
    check(
        "hop limit",
        word(td, "hlim ").unwrap_or("(none)").into(),
        ip["hop_limit"].to_string(),
    );
    check(
        "traffic class",
        word(td, "(class ").map_or(0, hex).to_string(),
        ip["traffic_class"].to_string(),
    );
    check(
        "flow label",
        word(td, "flowlabel ").map_or(0, hex).to_string(),
        ip["flow_label"].to_string(),
    );
    check(
        "payload length",
        word(td, "payload length: ").unwrap_or("(none)").into(),
        ip["payload_len"].to_string(),
    );
    // `... payload length: 36) SRC > DST: ...`
    let after = &td[td.find("payload length: ").unwrap()..];
    let after = &after[after.find(") ").unwrap() + 2..];
    let mut addrs = after.split(' ');
    let (src, dst) = (addrs.next().unwrap(), addrs.nth(1).unwrap());
    // The destination ends in the `:` before the message.
    let dst = dst.strip_suffix(':').unwrap_or(dst);
    let strip_port = |a: &str, proto: u64| {
        // tcpdump writes UDP/TCP ports after a dot.
        if matches!(proto, 6 | 17) {
            a.rsplit_once('.').map_or(a, |(h, _)| h).to_owned()
        } else {
            a.to_owned()
        }
    };
    let proto = ip["protocol"].as_u64().unwrap();
    check(
        "src",
        strip_port(src, proto),
        ip["src"].as_str().unwrap_or("(none)").into(),
    );
    check(
        "dst",
        strip_port(dst, proto),
        ip["dst"].as_str().unwrap_or("(none)").into(),
    );
    check(
        "router alert",
        word(td, "(rtalert: ").map_or("none".into(), |v| hex(v).to_string()),
        ip.get("router_alert")
            .map_or("none".into(), |v| v.to_string()),
    );
    let Some(msg) = td.split_once("ICMP6, ").map(|(_, m)| m) else {
        return bad;
    };
    if td.contains(" frag (") {
        // RFC_DIFFERENCES[1]: the upper layer of a fragment is not decoded.
        return bad;
    }
    // The checksum verdict, for MLD and the rest alike.
    let icmp = ours
        .get("mld")
        .or(ours.get("icmpv6"))
        .unwrap_or(&Value::Null);
    if let Some(sums) = td.split_once("[bad icmp6 cksum ").map(|(_, s)| s) {
        let (stored, computed) = sums.split_once(" -> ").unwrap();
        let computed = &computed[..computed.find('!').unwrap()];
        check(
            "checksum ok",
            "false".into(),
            icmp["checksum_ok"].to_string(),
        );
        check(
            "checksum",
            hex(stored).to_string(),
            icmp["checksum"].to_string(),
        );
        check(
            "checksum computed",
            hex(computed).to_string(),
            icmp["checksum_computed"].to_string(),
        );
    } else if td.contains("[icmp6 sum ok]") {
        check(
            "checksum ok",
            "true".into(),
            icmp["checksum_ok"].to_string(),
        );
    }
    let mld = &ours["mld"];
    let kind = mld["type"].as_str().unwrap_or("");
    let version = mld["version"].to_string();
    if let Some(rest) = msg.strip_prefix("multicast listener query v2 ") {
        check("type", "query 2".into(), format!("{kind} {version}"));
        check(
            "max resp",
            word(rest, "[max resp delay=").unwrap_or("(none)").into(),
            mld["max_resp_time_ms"].to_string(),
        );
        check(
            "group",
            word(rest, "[gaddr ").unwrap_or("(none)").into(),
            mld["group"].as_str().unwrap_or("(none)").into(),
        );
        check(
            "s flag",
            rest.contains(" sflag ").to_string(),
            mld["s_flag"].to_string(),
        );
        check(
            "qrv",
            word(rest, "robustness=").unwrap_or("(none)").into(),
            mld["qrv"].to_string(),
        );
        check(
            "qqi",
            word(rest, "qqi=").unwrap_or("(none)").into(),
            mld["qqi_s"].to_string(),
        );
        let sources = rest
            .split_once(", ")
            .map_or("0", |(_, n)| n.split(' ').next().unwrap());
        check(
            "sources",
            sources.into(),
            mld["sources"].as_array().map_or(0, Vec::len).to_string(),
        );
    } else if let Some(rest) = msg.strip_prefix("multicast listener report v2, ") {
        check("type", "report 2".into(), format!("{kind} {version}"));
        let records = mld["records"].as_array().cloned().unwrap_or_default();
        check(
            "records",
            rest.split(' ').next().unwrap().into(),
            records.len().to_string(),
        );
        for (r, t) in records.iter().zip(rest.split("[gaddr ").skip(1)) {
            let mut words = t.split([' ', ',']).filter(|w| !w.is_empty());
            check(
                "record group",
                words.next().unwrap().into(),
                r["group"].as_str().unwrap_or("(none)").into(),
            );
            check(
                "record type",
                words.next().unwrap().into(),
                record_abbrev(r["record_type_name"].as_str().unwrap()).into(),
            );
            check(
                "record sources",
                words.next().unwrap().into(),
                r["sources"].as_array().map_or(0, Vec::len).to_string(),
            );
        }
    } else if let Some(rest) = msg.strip_prefix("multicast listener ") {
        // MLDv1: `querymax resp delay: 2500 addr: ::` (sic, no space).
        let name = &rest[..rest.find("max resp delay").unwrap_or(rest.len())];
        check("type", format!("{name} 1"), format!("{kind} {version}"));
        if name == "query" {
            check(
                "max resp",
                word(rest, "max resp delay: ").unwrap_or("(none)").into(),
                mld["max_resp_time_ms"].to_string(),
            );
        }
        check(
            "group",
            word(rest, "addr: ").unwrap_or("(none)").into(),
            mld["group"].as_str().unwrap_or("(none)").into(),
        );
    } else {
        // Any other ICMPv6 message: the name and the length.
        let name = msg.split(',').next().unwrap();
        let name = if name.starts_with("unknown icmp6 type") {
            "unknown"
        } else {
            name
        };
        let ours = &ours["icmpv6"];
        check(
            "icmp6 type",
            name.replace(' ', "_"),
            ours["type"].as_str().unwrap_or("").into(),
        );
        if let Some(len) = word(msg, "length ") {
            check("icmp6 length", len.into(), ours["len"].to_string());
        }
    }
    bad
}

#[test]
fn every_ipv6_and_mld_frame_agrees_with_tcpdump_except_where_the_rfc_says_otherwise() {
    if !have_tcpdump() {
        return;
    }
    let (mut compared, mut mld, mut rfc, mut cut) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    for path in captures(&["tcpdump", "zeek", "built", "mld/tcpdump", "mld/zeek"]) {
        let Some(entries) = tcpdump_entries(&path) else {
            continue;
        };
        let ours = decode_json(&path);
        for td in &entries {
            // Matched by time: tcpdump prints nothing for some frames.
            let td_time = td.split(' ').next().unwrap_or_default();
            let Some(frame) = ours
                .iter()
                .find(|f| f["time_epoch"].as_str() == Some(td_time))
            else {
                continue;
            };
            let is_v6 = frame.get("ipv6").is_some()
                || td.contains(" IP6 ")
                || td.contains("[|ip6]")
                || frame["link"]["ethertype"] == 0x86dd;
            if !is_v6 {
                continue;
            }
            let where_ = format!("{} frame {}", path.display(), frame["frame"]);
            for (mark, layers) in [
                ("[|ether]", &["link"][..]),
                ("[|ip6]", &["ipv6"]),
                ("[|hbhopt]", &["ipv6"]),
                ("[|icmp6]", &["icmp6", "mld"]),
            ] {
                if td.contains(mark) {
                    cut += 1;
                    let ours = frame["cut"].as_str().unwrap_or("none");
                    if !layers.contains(&ours) {
                        failures.push(format!("{where_}: tcpdump {mark}, ours cut {ours}"));
                    }
                }
            }
            if td.contains("[|") || frame.get("cut").is_some() || frame.get("ipv6").is_none() {
                continue;
            }
            if frame["error"]["layer"] == "mld" {
                // RFC_DIFFERENCES[0], or both sides call it malformed.
                let message = frame["error"]["message"].as_str().unwrap();
                assert!(message.contains("needs"), "{where_}: {message}");
                if !td.contains("[invalid number of sources") {
                    rfc += 1;
                }
                continue;
            }
            let aux = frame["mld"]["records"]
                .as_array()
                .is_some_and(|r| r.iter().any(|r| r["aux_data_len"] != 0));
            if aux && td.contains("[invalid number of sources") {
                rfc += 1; // RFC_DIFFERENCES[0]
                continue;
            }
            if td.contains(" frag (") {
                // RFC_DIFFERENCES[1]: the header only.
                assert!(frame.get("mld").is_none() && frame.get("icmpv6").is_none());
                rfc += 1;
            }
            compared += 1;
            if frame.get("mld").is_some() {
                mld += 1;
            }
            let bad = compare(td, frame);
            if !bad.is_empty() {
                failures.push(format!("{where_}: {bad:?}\n  tcpdump: {td}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} disagreement(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!(
        "{compared} IPv6 frames ({mld} MLD) agree with tcpdump; {rfc} differ where the RFCs \
         say so; {cut} cut-short frames cut at the same layer"
    );
    assert!(RFC_DIFFERENCES.len() == 2);
    assert!(compared >= 200, "compared only {compared} IPv6 frames");
    assert!(mld >= 45, "compared only {mld} MLD frames");
    assert!(cut >= 95, "only {cut} cut-short frames compared");
    assert!(rfc >= 3, "the RFC differences were not met ({rfc})");
}
