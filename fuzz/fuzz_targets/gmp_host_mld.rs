#![no_main]
use ipv4kit_fuzzing::gmp_mld::gmp_host_mld as body;
libfuzzer_sys::fuzz_target!(|data: &[u8]| body(data));
