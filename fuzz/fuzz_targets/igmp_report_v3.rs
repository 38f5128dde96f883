#![no_main]
use ipv4kit_fuzzing::igmp::igmp_report_v3 as body;
libfuzzer_sys::fuzz_target!(|data: &[u8]| body(data));
