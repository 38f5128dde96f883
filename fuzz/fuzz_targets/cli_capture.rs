#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ipv4kit_fuzzing::cli::cli_capture(data));
