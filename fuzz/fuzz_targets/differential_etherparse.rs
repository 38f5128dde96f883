#![no_main]
use ipv4kit_fuzzing::differential::differential_etherparse as body;
libfuzzer_sys::fuzz_target!(|data: &[u8]| body(data));
