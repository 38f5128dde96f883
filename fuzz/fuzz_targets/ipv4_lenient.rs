#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ipv4kit_fuzzing::ipv4::ipv4_lenient(data));
