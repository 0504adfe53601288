//! The check of the `read_input` fuzz target, shared with the stable test that runs it over the fixtures and
//! their mutations (`crates/vpcflow-source/tests/fuzz_targets.rs`).
//!
//! Any bytes as a whole input (text, gzip, Parquet, CloudWatch JSON are told apart by content): reading must
//! never panic, and every item must be accounted for in the final summary.

use vpcflow_source::{Input, Item, ReadOptions, read_input};

/// Checks one input; panics (a failed assertion) when reading misbehaves.
pub fn check(data: &[u8]) {
    let input = Input::Memory {
        name: "fuzz".into(),
        data: bytes::Bytes::copy_from_slice(data),
    };
    let opts = ReadOptions {
        batch_size: 7,
        text_views: data.len().is_multiple_of(2),
        ..ReadOptions::default()
    };
    let (mut rows, mut done) = (0u64, 0);
    read_input(&input, &opts, &mut |item| {
        match item {
            Item::Batch(b) => rows += b.data.num_rows() as u64,
            Item::Done(s) => {
                done += 1;
                if !s.failed {
                    assert_eq!(s.records, rows);
                }
            }
            Item::Problem(_) => {}
        }
        true
    });
    assert_eq!(done, 1);
}
