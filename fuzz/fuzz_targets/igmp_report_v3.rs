#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ipv4kit_fuzzing::igmp::igmp_report_v3(data));
