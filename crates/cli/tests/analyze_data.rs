//! The ground-truth captures of `tests/data/analyze` (issue 17: built with
//! injected faults by `make_faults.py`, recorded between namespaces by
//! `record.sh`; see its README.md) agree with their manifests as `ipv4kit
//! decode` reads them: the capture exists and holds `frames` frames, every
//! listed violation is an IGMP or MLD frame at the stated time, `clean`
//! says whether any are listed, and each names an RFC section. What the
//! violations *are* is `ipv4kit analyze`'s to find; this test keeps the
//! manifests honest about the files.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_ipv4kit");

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/analyze")
}

/// Every manifest, by file name, parsed.
fn manifests() -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".expected.json"))
        .map(|n| {
            let text = std::fs::read_to_string(dir().join(&n)).unwrap();
            let v = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{n}: {e}"));
            (n, v)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// `ipv4kit decode --json FILE`, one object per frame.
fn decoded(capture: &str) -> Vec<Value> {
    let out = Command::new(BIN)
        .args(["decode", "--json"])
        .arg(dir().join(capture))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{capture}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn epoch(frame: &Value) -> f64 {
    frame["time_epoch"].as_str().unwrap().parse().unwrap()
}

#[test]
fn every_capture_in_the_folder_has_a_manifest_and_both_kinds_are_there() {
    let names: Vec<String> = manifests()
        .iter()
        .map(|(_, m)| m["capture"].as_str().unwrap().to_owned())
        .collect();
    for e in std::fs::read_dir(dir()).unwrap() {
        let n = e.unwrap().file_name().into_string().unwrap();
        if n.ends_with(".pcap") || n.ends_with(".pcapng") {
            assert!(names.contains(&n), "{n} has no manifest");
        }
    }
    assert!(names.iter().filter(|n| n.starts_with("faults-")).count() >= 10);
    assert!(names.iter().filter(|n| n.starts_with("rec-")).count() >= 5);
}

#[test]
fn every_manifest_counts_the_frames_of_its_capture() {
    for (name, m) in manifests() {
        let frames = decoded(m["capture"].as_str().unwrap());
        assert_eq!(frames.len() as u64, m["frames"].as_u64().unwrap(), "{name}");
    }
}

#[test]
fn every_listed_violation_is_an_igmp_or_mld_frame_at_the_stated_time() {
    for (name, m) in manifests() {
        let frames = decoded(m["capture"].as_str().unwrap());
        let t0 = epoch(&frames[0]);
        let mut last = 0;
        for v in m["violations"].as_array().unwrap() {
            let n = v["frame"].as_u64().unwrap();
            assert!(n >= last, "{name}: violations out of frame order");
            last = n;
            let f = &frames[n as usize - 1];
            assert_eq!(f["frame"].as_u64(), Some(n), "{name}");
            let igmp = f["ipv4"]["protocol"] == 2;
            let mld = f.get("mld").is_some();
            assert!(igmp || mld, "{name}: frame {n} is neither IGMP nor MLD");
            let dt = epoch(f) - t0;
            let t = v["time"].as_f64().unwrap();
            assert!((dt - t).abs() < 1e-5, "{name}: frame {n} at {dt}, not {t}");
        }
    }
}

#[test]
fn clean_means_no_violations_and_every_violation_names_its_rfc_section() {
    for (name, m) in manifests() {
        let violations = m["violations"].as_array().unwrap();
        assert_eq!(m["clean"].as_bool(), Some(violations.is_empty()), "{name}");
        for v in violations {
            let rfc = v["rfc"].as_str().unwrap();
            let (num, section) = rfc
                .strip_prefix("RFC ")
                .and_then(|r| r.split_once(" §"))
                .unwrap_or_else(|| panic!("{name}: {rfc:?} is not 'RFC N §S'"));
            assert!(num.parse::<u32>().is_ok(), "{name}: {rfc:?}");
            assert!(
                section.split('.').all(|p| p.parse::<u32>().is_ok()),
                "{name}: {rfc:?}"
            );
            let kind = v["kind"].as_str().unwrap();
            assert!(
                !kind.is_empty()
                    && kind
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{name}: kind {kind:?}"
            );
            assert!(!v["reason"].as_str().unwrap().is_empty(), "{name}");
        }
        assert!(!m["queriers"].as_array().unwrap().is_empty(), "{name}");
        assert!(m["groups_at_end"].is_object(), "{name}");
    }
}
