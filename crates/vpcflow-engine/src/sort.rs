//! Sorting more rows than memory holds: batches go in as they are read, and come back out in the order of one
//! column, with DataFusion's sort spilling sorted runs to disk under a memory limit and merging them.
//!
//! The caller pushes batches from its own thread (a reader's callback); the sort runs on the engine's runtime at
//! the same time, so sorting and spilling overlap reading. Once every batch is in, [`ExternalSort::finish`] yields
//! the rows in order, merged from memory and the spill files as they are read.

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use datafusion::common::{DataFusionError, Result};
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::expressions::col;
use datafusion::physical_expr::{LexOrdering, PhysicalSortExpr};
use datafusion::physical_plan::sorts::sort::SortExec;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::streaming::{PartitionStream, StreamingTableExec};
use datafusion::physical_plan::{ExecutionPlan, execute_stream};
use datafusion::prelude::SessionConfig;
use futures::StreamExt;
use std::sync::{Arc, Mutex};

/// Batches waiting for the sort: a few, so that reading never runs far ahead of sorting.
const QUEUE: usize = 4;

/// A sort by one column that spills to disk.
pub struct ExternalSort {
    runtime: tokio::runtime::Runtime,
    input: Option<tokio::sync::mpsc::Sender<RecordBatch>>,
    output: std::sync::mpsc::Receiver<Result<RecordBatch>>,
}

/// The batches pushed, as the one partition of a streaming table.
struct Pushed {
    schema: SchemaRef,
    batches: Mutex<Option<tokio::sync::mpsc::Receiver<RecordBatch>>>,
}

impl std::fmt::Debug for Pushed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pushed").finish_non_exhaustive()
    }
}

impl PartitionStream for Pushed {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, _ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        let rx = self.batches.lock().expect("not poisoned").take();
        let stream = futures::stream::unfold(rx, |rx| async move {
            let mut rx = rx?;
            let batch = rx.recv().await?;
            Some((Ok(batch), Some(rx)))
        });
        Box::pin(RecordBatchStreamAdapter::new(self.schema.clone(), stream))
    }
}

impl ExternalSort {
    /// A sort of batches of `schema` by the column `key` (ascending, nulls first), holding at most `memory`
    /// bytes before it spills to the system's temporary directory.
    pub fn new(schema: SchemaRef, key: &str, memory: usize) -> Result<ExternalSort> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("vpcflow-sort")
            .build()
            .map_err(|e| DataFusionError::External(Box::new(e)))?;
        let (tx, rx) = tokio::sync::mpsc::channel(QUEUE);
        let source = Arc::new(Pushed {
            schema: schema.clone(),
            batches: Mutex::new(Some(rx)),
        });
        let input = StreamingTableExec::try_new(
            schema.clone(),
            vec![source as Arc<dyn PartitionStream>],
            None,
            Vec::<LexOrdering>::new(),
            false,
            None,
        )?;
        let ordering = LexOrdering::new([PhysicalSortExpr::new_default(col(key, &schema)?)])
            .expect("one expression");
        let plan: Arc<dyn ExecutionPlan> = Arc::new(SortExec::new(ordering, Arc::new(input)));
        let env = RuntimeEnvBuilder::new()
            .with_memory_limit(memory, 1.0)
            .build_arc()?;
        // DataFusion keeps 10 MB back for merging spilled runs; a tenth of the limit is as much as the merge needs
        // and leaves small limits usable.
        let config = SessionConfig::new().with_sort_spill_reservation_bytes(memory / 10);
        let ctx = Arc::new(
            TaskContext::default()
                .with_session_config(config)
                .with_runtime(env),
        );
        let (out_tx, output) = std::sync::mpsc::sync_channel(QUEUE);
        runtime.spawn(async move {
            let mut stream = match execute_stream(plan, ctx) {
                Ok(s) => s,
                Err(e) => {
                    let _ = out_tx.send(Err(e));
                    return;
                }
            };
            while let Some(batch) = stream.next().await {
                let stop = batch.is_err();
                // The receiver blocks this worker while it is behind: that is the point (bounded memory).
                if tokio::task::block_in_place(|| out_tx.send(batch)).is_err() || stop {
                    return;
                }
            }
        });
        Ok(ExternalSort {
            runtime,
            input: Some(tx),
            output,
        })
    }

    /// Adds a batch; blocks while the sort is behind.
    pub fn push(&mut self, batch: RecordBatch) -> Result<()> {
        let tx = self.input.as_ref().expect("not finished");
        if tx.blocking_send(batch).is_err() {
            // The sort stopped: its error is waiting in the output.
            return match self.output.recv() {
                Ok(Err(e)) => Err(e),
                _ => Err(DataFusionError::Execution("the sort stopped".into())),
            };
        }
        Ok(())
    }

    /// Every row pushed, in order.
    pub fn finish(mut self) -> impl Iterator<Item = Result<RecordBatch>> {
        drop(self.input.take());
        Sorted { sort: self }
    }
}

struct Sorted {
    sort: ExternalSort,
}

impl Iterator for Sorted {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        let _ = &self.sort.runtime;
        self.sort.output.recv().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Array, Int64Array, StringArray};
    use arrow::datatypes::{DataType, Field, Schema};

    #[test]
    fn sorts_more_than_memory_holds() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("key", DataType::Int64, false),
            Field::new("text", DataType::Utf8, false),
        ]));
        // 200,000 rows of about 60 bytes under a 2 MiB limit: the sort must spill.
        let mut sort = ExternalSort::new(schema.clone(), "key", 2 << 20).unwrap();
        let mut next = 7u64;
        for _ in 0..50 {
            let keys: Vec<i64> = (0..4000)
                .map(|_| {
                    next = next
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    (next >> 33) as i64
                })
                .collect();
            let text: Vec<String> = keys.iter().map(|k| format!("{k:050}")).collect();
            let batch = RecordBatch::try_new(
                schema.clone(),
                vec![
                    Arc::new(Int64Array::from(keys)),
                    Arc::new(StringArray::from(text)),
                ],
            )
            .unwrap();
            sort.push(batch).unwrap();
        }
        let mut last = i64::MIN;
        let mut rows = 0;
        for batch in sort.finish() {
            let batch = batch.unwrap();
            let keys = batch
                .column(0)
                .as_any()
                .downcast_ref::<Int64Array>()
                .unwrap();
            let text = batch
                .column(1)
                .as_any()
                .downcast_ref::<StringArray>()
                .unwrap();
            for i in 0..keys.len() {
                assert!(keys.value(i) >= last);
                assert_eq!(text.value(i), format!("{:050}", keys.value(i)));
                last = keys.value(i);
            }
            rows += keys.len();
        }
        assert_eq!(rows, 200_000);
    }
}
