//! Replays the committed inputs of the cargo-fuzz target `cli_args`
//! (`fuzz/corpus/cli_args/`, `fuzz/regressions/cli_args/`) through the
//! `report --record` parser's fuzz body, which lives in this crate because
//! the syntax is the command's. `ipv4kit-fuzzing` replays the same files
//! through the `--hex` half of the target.

use std::fs;
use std::path::Path;

use ipv4kit_cli::records::fuzz_record_spec;

fn replay(kind: &str) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../fuzz/{kind}/cli_args"));
    let Ok(entries) = fs::read_dir(&dir) else {
        return 0;
    };
    let mut files: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
    files.sort();
    for file in &files {
        let data = fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let result = std::panic::catch_unwind(|| fuzz_record_spec(&data));
        assert!(
            result.is_ok(),
            "{} fails the record-spec body",
            file.display()
        );
    }
    files.len()
}

#[test]
fn every_cli_args_corpus_input_passes_the_record_spec_body() {
    let ran = replay("corpus");
    eprintln!("replayed {ran} corpus inputs");
    assert!(ran > 0, "no corpus under fuzz/corpus/cli_args");
}

#[test]
fn every_cli_args_regression_input_passes_the_record_spec_body() {
    let ran = replay("regressions");
    eprintln!("replayed {ran} regression inputs");
}

#[test]
fn written_specs_pass_the_body() {
    for spec in [
        "allow:232.1.1.1:10.0.0.1,10.0.0.2",
        "TO_EX:239.1.1.1",
        "block:232.1.1.1",
        "is-in:239.1.1.1:",
        "is-ex/ff3e::1/2001:db8::1,2001:db8::2",
        "to-ex:ff05::1:3",
        "allow/232.1.1.1/10.0.0.1",
        "allow:ff3e::1:2001:db8::1",
        "block/ff02::1/fe80::1",
        "",
    ] {
        fuzz_record_spec(spec.as_bytes());
    }
}
