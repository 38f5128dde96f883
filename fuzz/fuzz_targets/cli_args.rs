#![no_main]
use ipv4kit_fuzzing::capture::cli_args as body;
// The `report --record` parser is the command's syntax, so its body lives in
// ipv4kit-cli (replayed by crates/cli/tests/record_spec_corpus.rs).
use ipv4kit_cli::records::fuzz_record_spec;
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    body(data);
    fuzz_record_spec(data);
});
