#![no_main]
use ipv4kit_fuzzing::ipv4::ipv4_repr_roundtrip as body;
libfuzzer_sys::fuzz_target!(|data: &[u8]| body(data));
