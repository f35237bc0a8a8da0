#![no_main]
//! Placeholder: the nmsg_dns_name target is written by its issue.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|_data: &[u8]| {});
