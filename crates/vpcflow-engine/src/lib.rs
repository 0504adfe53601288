//! SQL over flow logs.
//!
//! An embedded Apache DataFusion session with one table, `flows` (also reachable as `vpc_flow_logs`, the name
//! AWS's Athena documentation uses), over any inputs `vpcflow-source` reads. Its columns are Athena's, so
//! queries written for Athena run unchanged; the scan reads only the columns a query uses, on every core, and
//! streams (see [`table`]). Flow functions ([`udf`]), who is on the other end ([`enrich`]), Athena's (Trino's) functions that DataFusion lacks
//! ([`trino`], [`instants`], [`arrays`], [`scalars`]), plan rewrites ([`rules`]), the `--where` filter language
//! ([`filter`]), the canned reports behind `top`/`stats`/`timeline` ([`reports`]) and the Parquet export behind
//! `convert` ([`export`]) and the detections behind `detect` ([`detect`]) sit on top.
//!
//! The API is blocking on purpose: callers (the CLI, tests, the dashboard) hand over SQL and get batches in a
//! callback, and the async runtime stays an implementation detail of this crate.

pub mod arrays;
pub mod connections;
pub mod detect;
pub mod enrich;
pub mod export;
pub mod filter;
pub mod instants;
pub mod prune;
pub mod reports;
pub mod rules;
pub mod scalars;
pub mod scan;
pub mod schema;
pub mod sort;
pub mod source;
pub mod table;
pub mod trino;
pub mod udf;

pub use datafusion::error::DataFusionError;
pub use scan::{Observer, ScanEvent, ScanSpec, Stopped};
pub use source::{FlowsFileSource, scan_spec_of};
pub use table::{FlowsTable, TableDescription, TableOptions};

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use datafusion::common::Result;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::prelude::{SessionConfig, SessionContext};
use futures::StreamExt;
use std::sync::Arc;
use vpcflow_record::Format;
use vpcflow_source::{Input, Remote, TimeRange};

/// How to set up an [`Engine`].
#[derive(Clone, Default)]
pub struct EngineOptions {
    /// The format of headerless records (a file's header line wins).
    pub format: Option<Format>,
    /// Threads to read and compute with (default: every core).
    pub threads: Option<usize>,
    /// Hears about problems and finished files during scans.
    pub observer: Option<Observer>,
    /// Records outside this range are left out (`--since`/`--until`), and keys that cannot hold any are not
    /// listed.
    pub time: TimeRange,
    /// The network side, for S3 prefixes and CloudWatch Logs groups among the inputs.
    pub remote: Option<Arc<Remote>>,
}

/// A query session over one set of inputs.
pub struct Engine {
    runtime: tokio::runtime::Runtime,
    ctx: SessionContext,
    table: Arc<FlowsTable>,
}

impl Engine {
    /// Registers `flows` over `inputs` (files, directories, `-`, S3 prefixes, log groups) and the flow
    /// functions. Local files are probed here; S3 and CloudWatch Logs are listed per query.
    pub fn new(inputs: &[Input], options: EngineOptions) -> Result<Engine> {
        let threads = options
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .max(1);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name("vpcflow-query")
            // Fetches wait between attempts.
            .enable_time()
            .build()
            .map_err(|e| DataFusionError::External(Box::new(e)))?;
        let ctx = SessionContext::new_with_config(session_config(threads));
        install(&ctx);
        let table = Arc::new(FlowsTable::new(
            inputs,
            TableOptions {
                format: options.format,
                time: options.time,
                observer: options.observer,
                remote: options.remote,
                distributed: false,
            },
        ));
        ctx.register_table("flows", table.clone())?;
        ctx.register_table("vpc_flow_logs", table.clone())?;
        Ok(Engine {
            runtime,
            ctx,
            table,
        })
    }

    /// The `flows` table.
    pub fn table(&self) -> &Arc<FlowsTable> {
        &self.table
    }

    /// The DataFusion session, for callers that build plans themselves.
    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    /// Runs a blocking future on the engine's runtime.
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// Runs `sql`, handing each result batch to `on_batch` as it comes; returns the result's schema (known even
    /// when no row comes).
    pub fn query(
        &self,
        sql: &str,
        mut on_batch: impl FnMut(&RecordBatch) -> Result<()>,
    ) -> Result<SchemaRef> {
        self.runtime.block_on(async {
            let mut stream = self.stream(sql).await?;
            let schema = stream.schema();
            while let Some(batch) = stream.next().await {
                let batch = batch?;
                if batch.num_rows() > 0 {
                    on_batch(&batch)?;
                }
            }
            Ok(schema)
        })
    }

    /// Runs `sql` and keeps every result batch.
    pub fn collect(&self, sql: &str) -> Result<(SchemaRef, Vec<RecordBatch>)> {
        let mut batches = Vec::new();
        let schema = self.query(sql, |b| {
            batches.push(b.clone());
            Ok(())
        })?;
        Ok((schema, batches))
    }

    async fn stream(&self, sql: &str) -> Result<SendableRecordBatchStream> {
        let df = self.ctx.sql(sql).await?;
        df.execute_stream().await
    }
}

/// The session settings of every vpcflow session with `partitions` partitions (one machine's, or a cluster
/// client's, whose settings travel with its queries to the scheduler and every task).
pub fn session_config(partitions: usize) -> SessionConfig {
    let mut config = SessionConfig::new()
        .with_target_partitions(partitions.max(1))
        .with_batch_size(8192)
        .with_information_schema(true);
    // Athena's integer division and string comparisons are what users expect; keep DataFusion's defaults
    // otherwise, but do not let it re-partition tiny inputs for nothing.
    config.options_mut().optimizer.repartition_file_min_size = 1 << 20;
    // Athena (Trino) and DuckDB put NULLs last whichever way rows are sorted; DataFusion's default puts them
    // first in descending order, which would rank NODATA rows' NULL totals above every talker.
    config.options_mut().sql_parser.default_null_ordering = "nulls_last".to_string();
    // The flows scan shares its pieces between partitions itself, per execution (see `source`).
    config
        .options_mut()
        .execution
        .enable_file_stream_work_stealing = false;
    config
}

/// Registers the engine's functions and plan rules in `ctx`. Every session that plans vpcflow's SQL does this:
/// one machine's, and on a cluster the client's and the scheduler's (which plans each query again).
pub fn install(ctx: &SessionContext) {
    for f in scalar_functions() {
        ctx.register_udf(f);
    }
    for f in aggregate_functions() {
        ctx.register_udaf(f);
    }
    ctx.add_optimizer_rule(Arc::new(rules::CountsWithOneDistinct));
    ctx.add_analyzer_rule(Arc::new(rules::ProjectedDays));
    ctx.add_analyzer_rule(Arc::new(scalars::IfAsCase));
}

/// The scalar functions the engine adds to DataFusion's, in the order they are registered: later ones replace
/// earlier ones of the same name, and these replace DataFusion's `from_unixtime` (zoned, as Athena's),
/// `element_at` and `contains` (of arrays too). An executor that runs these plans elsewhere registers the same.
pub fn scalar_functions() -> Vec<datafusion::logical_expr::ScalarUDF> {
    udf::all()
        .into_iter()
        .chain(trino::all())
        .chain(instants::all())
        .chain(arrays::all())
        .chain(scalars::all())
        .chain(enrich::all())
        .collect()
}

/// The aggregate functions the engine adds to DataFusion's (see [`scalar_functions`]).
pub fn aggregate_functions() -> Vec<datafusion::logical_expr::AggregateUDF> {
    trino::aggregates()
        .into_iter()
        .chain(scalars::aggregates())
        .collect()
}

/// Whether a query failed because of what was asked: it does not plan (an unknown column or function, bad
/// syntax, a type mismatch). DataFusion's `Plan`, `SQL` and `SchemaError`, wherever they sit in the chain. The
/// user can fix these; errors met while running (a file that cannot be read, a value out of range) are not these.
pub fn is_user_error(e: &DataFusionError) -> bool {
    matches!(
        e.find_root(),
        DataFusionError::Plan(_) | DataFusionError::SQL(..) | DataFusionError::SchemaError(..)
    )
}

/// Whether a query failed on an invariant of DataFusion or of vpcflow that should always hold: a bug, not the
/// user's doing (DataFusion's `Internal`, wherever it sits in the chain).
pub fn is_internal_error(e: &DataFusionError) -> bool {
    matches!(e.find_root(), DataFusionError::Internal(_))
}

/// Whether a query ended because its observer asked to stop (`--strict`), not because of a fault.
pub fn is_stopped(e: &DataFusionError) -> bool {
    match e.find_root() {
        DataFusionError::External(inner) => inner.downcast_ref::<Stopped>().is_some(),
        _ => false,
    }
}
