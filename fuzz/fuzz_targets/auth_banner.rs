#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sshtriage::fuzzing::auth_banner(data));
