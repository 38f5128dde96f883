#![no_main]
use ipv4kit_fuzzing::net::net_cmsg6 as body;
libfuzzer_sys::fuzz_target!(|data: &[u8]| body(data));
