#![no_main]
use ipv4kit_fuzzing::gmp::gmp_host as body;
libfuzzer_sys::fuzz_target!(|data: &[u8]| body(data));
