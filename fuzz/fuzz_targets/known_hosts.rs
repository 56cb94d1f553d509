#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sshtriage::fuzzing::known_hosts(data));
