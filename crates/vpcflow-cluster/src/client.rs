//! The client: a DataFusion session whose queries run on a Ballista cluster.
//!
//! SQL is planned here as in a single-machine engine (the same settings, functions and rules); Ballista's query
//! planner then sends the optimized plan to the scheduler and streams the result back from the executors. The
//! API is blocking like the engine's, so the CLI treats both alike.

use crate::codec;
use crate::config::FlowsOptions;
use ballista::extension::{SessionConfigExt, SessionContextExt};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::TableProvider;
use datafusion::common::{DataFusionError, Result};
use datafusion::execution::SessionStateBuilder;
use datafusion::prelude::SessionContext;
use futures::StreamExt;
use std::sync::Arc;
use std::time::{Duration, Instant};
use vpcflow_engine::{FlowsTable, TableOptions};
use vpcflow_source::Input;

/// How to set up a [`ClusterSession`].
#[derive(Clone, Debug)]
pub struct ClientOptions {
    /// Partitions each stage is cut into: the most tasks of one stage that can run at once. More than the
    /// cluster's task slots keeps every slot busy while the slowest finish (Ballista's default is 16).
    pub partitions: usize,
    /// Fail at the first problem in the input instead of logging it on the executor and reading on.
    pub strict: bool,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            partitions: 16,
            strict: false,
        }
    }
}

/// A query session on a cluster.
pub struct ClusterSession {
    runtime: tokio::runtime::Runtime,
    ctx: SessionContext,
    /// The scheduler's `HOST:PORT`.
    scheduler: String,
}

/// How long a query waits while the scheduler has no executor at all before it fails. Ballista keeps such a
/// query queued for ever when no executor was there to lose; an executor that is starting registers within
/// seconds.
const NO_EXECUTORS_GRACE: Duration = Duration::from_secs(10);

impl ClusterSession {
    /// A session on the scheduler at `url` (`df://HOST:PORT`). Nothing is sent until the first query, which
    /// fails with the connection's error if the scheduler cannot be reached.
    pub fn connect(url: &str, options: &ClientOptions) -> Result<ClusterSession> {
        let scheduler = scheduler_url(url)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("vpcflow-cluster-client")
            .enable_all()
            .build()
            .map_err(|e| DataFusionError::External(Box::new(e)))?;
        let flows = FlowsOptions {
            strict: options.strict,
        };
        let config = vpcflow_engine::session_config(options.partitions)
            .with_option_extension(flows)
            .with_ballista_logical_extension_codec(codec::logical())
            .with_ballista_physical_extension_codec(codec::physical());
        let state = SessionStateBuilder::new()
            .with_config(config)
            .with_default_features()
            .build();
        let ctx = runtime.block_on(SessionContext::remote_with_state(&scheduler, state))?;
        // Ballista's session keeps only DataFusion's functions: add vpcflow's after it, as the scheduler does.
        vpcflow_engine::install(&ctx);
        let scheduler = scheduler.trim_start_matches("df://").to_string();
        Ok(ClusterSession {
            runtime,
            ctx,
            scheduler,
        })
    }

    /// Registers the `flows` table over `paths`: files and directories every executor (and the scheduler) sees
    /// at the same path, and `s3://` prefixes, which every process reads with its own AWS credentials. Local
    /// files are probed here for the table's columns, S3 prefixes sampled (with `options.remote`); what is sent
    /// with each query is the table's description (the paths as named, made absolute), which the scheduler lists
    /// and prunes itself. Standard input and CloudWatch Logs groups are refused: only this process could read
    /// them.
    pub fn register_inputs(&self, paths: &[String], options: TableOptions) -> Result<()> {
        let inputs: Vec<Input> = paths.iter().map(|p| Input::parse(p)).collect();
        if inputs.is_empty() {
            return Ok(());
        }
        let table = FlowsTable::new(
            &inputs,
            TableOptions {
                distributed: true,
                ..options
            },
        );
        // Refuses what cannot be described before anything is sent.
        table.description()?;
        self.register_flows(Arc::new(table))
    }

    /// Registers `table` as `flows` and `vpc_flow_logs`.
    pub fn register_flows(&self, table: Arc<dyn TableProvider>) -> Result<()> {
        self.ctx.register_table("flows", table.clone())?;
        self.ctx.register_table("vpc_flow_logs", table)?;
        Ok(())
    }

    /// The DataFusion session.
    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    /// Runs `sql` on the cluster, handing each result batch to `on_batch` as it comes; returns the result's
    /// schema.
    pub fn query(
        &self,
        sql: &str,
        mut on_batch: impl FnMut(&RecordBatch) -> Result<()>,
    ) -> Result<SchemaRef> {
        let run = async {
            let df = self.ctx.sql(sql).await?;
            let mut stream = df.execute_stream().await?;
            let schema = stream.schema();
            while let Some(batch) = stream.next().await {
                let batch = batch?;
                if batch.num_rows() > 0 {
                    on_batch(&batch)?;
                }
            }
            Ok(schema)
        };
        self.runtime
            .block_on(async {
                tokio::select! {
                    result = run => result,
                    lost = no_executors(self.scheduler.clone()) => Err(lost),
                }
            })
            .map_err(stopped)
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
}

/// A task's error comes back from the scheduler as text (Ballista sends `{:?}` of it); a task stopped by
/// `--strict` says so in vpcflow's words, and where the problem is told.
fn stopped(e: DataFusionError) -> DataFusionError {
    if e.to_string().contains("External(Stopped)") {
        return DataFusionError::Execution(
            "stopped at the first problem in the input (--strict): the executor that met it logged its file, \
             line and field"
                .to_string(),
        );
    }
    e
}

/// Resolves with an error once the scheduler at `scheduler` (`HOST:PORT`) has had no executor for
/// [`NO_EXECUTORS_GRACE`], as its REST API says; never while the API cannot be read.
async fn no_executors(scheduler: String) -> DataFusionError {
    let mut empty_since: Option<Instant> = None;
    loop {
        let url = format!("http://{scheduler}/api/executors");
        let count = tokio::task::spawn_blocking(move || executor_count(&url))
            .await
            .ok()
            .flatten();
        if count == Some(0) {
            let since = *empty_since.get_or_insert_with(Instant::now);
            if since.elapsed() >= NO_EXECUTORS_GRACE {
                return DataFusionError::Execution(format!(
                    "no executor is registered with the scheduler at {scheduler} (for {} s): start one with \
                     `vpcflow cluster executor --scheduler {scheduler}`",
                    NO_EXECUTORS_GRACE.as_secs()
                ));
            }
        } else {
            empty_since = None;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// The number of executors in the scheduler's REST answer at `url`, or `None` when it cannot be had.
fn executor_count(url: &str) -> Option<usize> {
    let mut response = ureq::get(url).call().ok()?;
    let text = response.body_mut().read_to_string().ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    value.as_array().map(Vec::len)
}

/// Ballista's URL of the scheduler named by `df://HOST:PORT` (the port is required: there is no good default
/// when several clusters share a network).
fn scheduler_url(url: &str) -> Result<String> {
    let bad = |why: &str| {
        DataFusionError::Configuration(format!(
            "{url:?} is not a cluster address: {why} (write df://HOST:PORT, the scheduler's address)"
        ))
    };
    let rest = url
        .strip_prefix("df://")
        .ok_or_else(|| bad("it does not start with df://"))?;
    let rest = rest.trim_end_matches('/');
    let (host, port) = rest.rsplit_once(':').ok_or_else(|| bad("no port"))?;
    let port: u16 = port.parse().map_err(|_| bad("the port is not a number"))?;
    if host.is_empty() || host.contains('/') {
        return Err(bad("no host"));
    }
    Ok(format!("df://{host}:{port}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_addresses() {
        assert_eq!(
            scheduler_url("df://127.0.0.1:50050").unwrap(),
            "df://127.0.0.1:50050"
        );
        assert_eq!(
            scheduler_url("df://scheduler.internal:7000/").unwrap(),
            "df://scheduler.internal:7000"
        );
        assert_eq!(
            scheduler_url("df://[::1]:50050").unwrap(),
            "df://[::1]:50050"
        );
        for bad in [
            "127.0.0.1:50050",
            "df://host",
            "df://:50050",
            "df://h:port",
            "http://h:1",
        ] {
            let e = scheduler_url(bad).unwrap_err().to_string();
            assert!(e.contains("is not a cluster address"), "{bad}: {e}");
        }
    }
}
