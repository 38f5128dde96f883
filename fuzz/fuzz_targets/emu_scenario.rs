#![no_main]
use ipv4kit_fuzzing::emu::emu_scenario as body;
libfuzzer_sys::fuzz_target!(|data: &[u8]| body(data));
