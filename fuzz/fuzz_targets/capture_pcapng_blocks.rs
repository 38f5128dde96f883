#![no_main]
use ipv4kit_fuzzing::capture::capture_pcapng_blocks as body;
libfuzzer_sys::fuzz_target!(|data: &[u8]| body(data));
