#![no_main]
use ipv4kit_fuzzing::cli::cli_capture as body;
libfuzzer_sys::fuzz_target!(|data: &[u8]| body(data));
