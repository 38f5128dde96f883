#![no_main]
use ipv4kit_fuzzing::capture::analyze_capture as body;
libfuzzer_sys::fuzz_target!(|data: &[u8]| body(data));
