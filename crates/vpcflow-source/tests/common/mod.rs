//! What the source tests share: reading one input to the end and keeping every item it produced. Each test file
//! adds its own accessors to `Read` in an `impl Read` block of its own.
#![allow(dead_code)] // each test binary uses a different part

use std::path::Path;
use vpcflow_source::{Batch, FileSummary, Input, Item, Problem, ReadOptions, read_input};

/// Everything one read produced, in order of kind.
pub struct Read {
    pub batches: Vec<Batch>,
    pub problems: Vec<Problem>,
    pub done: Vec<FileSummary>,
}

/// Reads `path` to the end with `opts`.
pub fn read_with(path: &Path, opts: &ReadOptions) -> Read {
    let mut read = Read {
        batches: Vec::new(),
        problems: Vec::new(),
        done: Vec::new(),
    };
    read_input(&Input::Path(path.to_path_buf()), opts, &mut |item| {
        match item {
            Item::Batch(b) => read.batches.push(b),
            Item::Problem(p) => read.problems.push(p),
            Item::Done(s) => read.done.push(s),
        }
        true
    });
    read
}

/// Reads `path` to the end with the default options.
pub fn read(path: &Path) -> Read {
    read_with(path, &ReadOptions::default())
}

/// `Some("x")` values as owned strings, to compare with a string column.
pub fn strs(values: &[Option<&str>]) -> Vec<Option<String>> {
    values.iter().map(|v| v.map(str::to_string)).collect()
}
