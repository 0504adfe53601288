//! Any bytes as lines of several formats: the parser must never panic, and what it accepted, written back as
//! AWS text and parsed again, must give the same batch (writing is the parser's inverse on what it accepts).
//! Text built as views must hold the same values, and a line a filter leaves out must be one that parses with
//! valid values in the filtered fields. A builder reading a few columns takes the same lines.
#![no_main]

#[path = "../checks/parse_line.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));
