#![no_main]
use ipv4kit_fuzzing::mld::mld_roundtrip as body;
libfuzzer_sys::fuzz_target!(|data: &[u8]| body(data));
