#![no_main]
use ipv4kit_fuzzing::igmp::igmp_query as body;
libfuzzer_sys::fuzz_target!(|data: &[u8]| body(data));
