#![no_main]
use ipv4kit_fuzzing::mld::ipv6_walk as body;
libfuzzer_sys::fuzz_target!(|data: &[u8]| body(data));
