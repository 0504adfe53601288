//! Any bytes as a whole input (text, gzip, Parquet, CloudWatch JSON are told apart by content): reading must
//! never panic, and every item must be accounted for in the final summary.
#![no_main]

#[path = "../checks/read_input.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));
