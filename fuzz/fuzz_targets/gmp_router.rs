#![no_main]
use ipv4kit_fuzzing::router::gmp_router as body;
libfuzzer_sys::fuzz_target!(|data: &[u8]| body(data));
