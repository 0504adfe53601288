//! Reads inputs with the same code as `vpcflow validate` (every column checked, files on every core) and prints
//! the record count: the parser benchmark's vpcflow side without building the query engine.
//! Usage: `read_files [--threads N] PATH…`

use vpcflow_source::{Item, ReadOptions, expand_inputs, read_all};

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if args.first().map(String::as_str) == Some("--threads") {
        threads = args[1].parse().expect("--threads N");
        args.drain(..2);
    }
    let (inputs, problems) = expand_inputs(&args);
    assert!(problems.is_empty(), "{problems:?}");
    let (mut records, mut bad) = (0u64, 0u64);
    read_all(&inputs, &ReadOptions::default(), threads, &mut |item| {
        match item {
            Item::Batch(b) => records += b.data.num_rows() as u64,
            Item::Problem(_) => bad += 1,
            Item::Done(_) => {}
        }
        true
    });
    println!("{records} records, {bad} problems");
}
