//! CloudWatch Logs shapes (placeholder module to be filled).
use crate::{Item, ReadOptions};
use crate::layout::Partitions;
use std::io::BufRead;

/// Reads CloudWatch Logs JSON.
pub(crate) fn read_json(_reader: impl BufRead, name: String, _partitions: Partitions, _opts: &ReadOptions, emit: &mut dyn FnMut(Item) -> bool) {
    crate::read::fail_pub(&name, "CloudWatch JSON is not read yet".into(), emit)
}
