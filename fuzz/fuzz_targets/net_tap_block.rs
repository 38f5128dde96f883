#![no_main]
use ipv4kit_fuzzing::net::net_tap_block as body;
libfuzzer_sys::fuzz_target!(|data: &[u8]| body(data));
