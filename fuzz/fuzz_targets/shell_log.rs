#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sshtriage::fuzzing::shell_log(data));
