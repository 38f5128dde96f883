//! Every capture in tests/data/analyze (built with injected faults, or
//! recorded between namespaces) against its manifest: the violations at
//! the frames and RFC sections the manifest names, the queriers in order,
//! the groups at the end; recorded clean captures give no violation.
//!
//! Each capture is analysed with its manifest's `link` as the link prefix
//! when it is IPv4 (the off-link query check needs it). Manifest entries
//! for rules this analysis does not check yet would be listed in
//! `NOT_CHECKED` with the reason and must still be missing (so the list
//! shrinks when they are added); none is now. Violations the analysis finds
//! beyond a manifest are listed in `EXTRA`, each with the reason it is right.

use std::collections::BTreeSet;
use std::path::Path;

use ipv4kit_analyze::{analyze_files, Options};
use serde_json::Value;

/// (capture, frame, rfc): in the manifest, not found, and why.
const NOT_CHECKED: &[(&str, u64, &str, &str)] = &[];

/// (capture, frame, rfc): found beyond the manifest, and why that is right.
const EXTRA: &[(&str, u64, &str, &str)] = &[];

fn manifests() -> Vec<(String, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/analyze");
    let mut out = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if let Some(stem) = name.strip_suffix(".expected.json") {
            let m: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            out.push((dir.join(format!("{stem}.pcap")).display().to_string(), m));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn every_manifest_entry_is_found_at_its_frame() {
    let all = manifests();
    assert!(all.len() >= 10, "{}", all.len());
    let mut failures = Vec::new();
    for (path, m) in &all {
        let name = Path::new(path)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        // The link's prefix, when IPv4: queries from outside it are off-link.
        let options = Options {
            link_prefixes: m["link"]
                .as_str()
                .and_then(|l| ipv4kit_analyze::parse_link_prefix(l).ok())
                .into_iter()
                .collect(),
            ..Options::default()
        };
        let r = analyze_files(&[path], options);
        assert!(
            r.summary.file_errors.is_empty(),
            "{name}: {:?}",
            r.summary.file_errors
        );
        assert_eq!(Some(r.summary.frames), m["frames"].as_u64(), "{name}");
        let got: BTreeSet<(u64, String)> = r
            .violations
            .iter()
            .map(|v| (v.frame, v.rfc.to_string()))
            .collect();
        let want: BTreeSet<(u64, String)> = m["violations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                (
                    v["frame"].as_u64().unwrap(),
                    v["rfc"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let skipped = |f: u64, rfc: &str, list: &[(&str, u64, &str, &str)]| {
            list.iter()
                .any(|(n, fr, ru, _)| *n == name && *fr == f && *ru == rfc)
        };
        for (f, rfc) in want.difference(&got) {
            if !skipped(*f, rfc, NOT_CHECKED) {
                failures.push(format!("{name}: missing frame {f} {rfc}"));
            }
        }
        for (f, rfc) in got.difference(&want) {
            if !skipped(*f, rfc, EXTRA) {
                let why = r
                    .violations
                    .iter()
                    .find(|v| v.frame == *f)
                    .map(|v| v.reason.clone());
                failures.push(format!("{name}: extra frame {f} {rfc}: {why:?}"));
            }
        }
        for (n, f, rfc, _) in NOT_CHECKED.iter().filter(|x| x.0 == name) {
            assert!(
                !got.contains(&(*f, rfc.to_string())),
                "{n} frame {f} {rfc} is found now: drop it from NOT_CHECKED"
            );
        }
        // The queriers, in the order they were elected.
        let mut queriers: Vec<String> = Vec::new();
        for l in &r.links {
            for p in &l.protocols {
                for q in p.querier_timeline.iter().filter_map(|q| q.querier) {
                    if queriers.last() != Some(&q.to_string()) {
                        queriers.push(q.to_string());
                    }
                }
            }
        }
        let want_q: Vec<String> = m["queriers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q.as_str().unwrap().to_string())
            .collect();
        if queriers != want_q {
            failures.push(format!(
                "{name}: queriers {queriers:?}, manifest {want_q:?}"
            ));
        }
        // The groups at the end, with their filter mode.
        let groups: BTreeSet<(String, String)> = r
            .links
            .iter()
            .flat_map(|l| &l.protocols)
            .flat_map(|p| &p.table.groups)
            .map(|g| (g.group.to_string(), g.filter_mode.to_string()))
            .collect();
        let want_g: BTreeSet<(String, String)> = m["groups_at_end"]
            .as_object()
            .map(|o| {
                o.iter()
                    .map(|(g, v)| {
                        (
                            g.clone(),
                            v["filter_mode"].as_str().unwrap_or("").to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        if groups != want_g {
            failures.push(format!("{name}: groups {groups:?}, manifest {want_g:?}"));
        }
        if m["clean"] == true {
            assert!(r.violations.is_empty(), "{name}: {:#?}", r.violations);
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
