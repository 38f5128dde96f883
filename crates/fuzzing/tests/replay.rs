//! Replays every committed fuzz input as an ordinary test, on stable Rust:
//! each file in `fuzz/corpus/<target>/` and `fuzz/regressions/<target>/`
//! (crash reproducers, kept forever) goes through the body of `<target>`.

use std::fs;
use std::path::{Path, PathBuf};

use ipv4kit_fuzzing::{body, RESERVED, TARGETS};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// Runs every file under `fuzz/<kind>/<target>/`; returns how many ran.
fn replay(kind: &str) -> usize {
    let mut ran = 0;
    let Ok(dirs) = fs::read_dir(fuzz_dir().join(kind)) else {
        return 0;
    };
    for dir in dirs {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue; // a README
        }
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let Some(run) = body(&name) else {
            panic!("fuzz/{kind}/{name}: no fuzz body of that name");
        };
        let mut files: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for file in files {
            let data = match fs::read(&file) {
                Ok(data) => data,
                // A fuzzer running meanwhile may replace its corpus files.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => panic!("{}: {e}", file.display()),
            };
            let result = std::panic::catch_unwind(|| run(&data));
            assert!(result.is_ok(), "{} fails its body", file.display());
            ran += 1;
        }
    }
    ran
}

#[test]
fn every_corpus_input_passes_its_body() {
    let ran = replay("corpus");
    eprintln!("replayed {ran} corpus inputs");
    assert!(ran > 0, "no corpus found under {}", fuzz_dir().display());
}

#[test]
fn every_regression_input_passes_its_body() {
    let ran = replay("regressions");
    eprintln!("replayed {ran} regression inputs");
}

#[test]
fn every_fuzz_target_file_has_a_body_and_every_body_a_target_file() {
    let mut files: Vec<String> = fs::read_dir(fuzz_dir().join("fuzz_targets"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut names: Vec<String> = TARGETS.iter().map(|(n, _)| n.to_string()).collect();
    names.sort();
    assert_eq!(files, names);
    for name in &names {
        let path = fuzz_dir().join(format!("fuzz_targets/{name}.rs"));
        let text = fs::read_to_string(&path).unwrap();
        assert!(
            text.contains(&format!("::{name} as body;")),
            "{} does not call the body {name}",
            path.display()
        );
        // The module the target imports from must be the one that defines
        // the body (a renamed module once left two targets importing a path
        // that no longer existed, and only the fuzz build noticed).
        let module = text
            .split("use ipv4kit_fuzzing::")
            .nth(1)
            .and_then(|rest| rest.split("::").next())
            .unwrap_or_else(|| panic!("{} imports no ipv4kit_fuzzing body", path.display()));
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("src/{module}.rs"));
        let body = fs::read_to_string(&source)
            .unwrap_or_else(|e| panic!("{}: module {module}: {e}", path.display()));
        assert!(
            body.contains(&format!("pub fn {name}(")),
            "{}: ipv4kit_fuzzing::{module} has no `pub fn {name}`",
            path.display()
        );
    }
    for (reserved, _) in RESERVED {
        assert!(!names.iter().any(|n| n == reserved));
    }
}

#[test]
fn every_body_takes_trivial_inputs() {
    for (name, run) in TARGETS {
        for data in [&[][..], &[0u8; 1], &[0u8; 64], &[0xffu8; 64], &[0x45u8; 60]] {
            let result = std::panic::catch_unwind(|| run(data));
            assert!(result.is_ok(), "{name} fails on {data:02x?}");
        }
    }
}
