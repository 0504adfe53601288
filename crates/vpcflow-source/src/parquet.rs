//! Parquet (placeholder module to be filled).
use crate::{Item, ReadOptions};
use crate::layout::Partitions;

/// Parquet bytes or file.
pub enum ParquetData {
    /// A file read in place.
    File(std::fs::File),
    /// Bytes in memory.
    Bytes(bytes::Bytes),
}

/// Reads Parquet.
pub(crate) fn read_parquet(_data: ParquetData, name: String, _partitions: Partitions, _opts: &ReadOptions, emit: &mut dyn FnMut(Item) -> bool) {
    crate::read::fail_pub(&name, "Parquet is not read yet".into(), emit)
}
