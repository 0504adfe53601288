//! SQL over the cache: the `flows` table as Athena has it, in a DataFusion session that can only read.
//!
//! The page lets anyone with access type SQL, so the session is built to do nothing else: it knows one table
//! (`flows`, also `vpc_flow_logs`) over the cache in memory, plans no DDL, DML or statements (no `CREATE EXTERNAL
//! TABLE` over another path, no `COPY … TO`, no `SET`), cannot resolve a file path as a table (DataFusion's URL
//! tables are off), has no disk to spill to, a memory limit, a row limit and a time limit per query.

use crate::cache::Cache;
use arrow::datatypes::DataType;
use arrow::record_batch::RecordBatch;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{DFSchema, DFSchemaRef, ScalarValue};
use datafusion::datasource::{MemTable, provider_as_source};
use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder, col, lit};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::prelude::{SQLOptions, SessionConfig, SessionContext};
use futures::StreamExt;
use std::sync::Arc;
use std::time::Duration;

/// Limits on one query from the page.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Rows returned at most (the rest is cut, and the answer says so).
    pub rows: usize,
    /// Wall time.
    pub time: Duration,
}

/// Why a query failed: the user's mistake (shown as is) or a limit.
#[derive(Debug)]
pub enum SqlError {
    /// DataFusion refused or failed the query.
    Query(String),
    /// It ran longer than the limit.
    Timeout(Duration),
}

impl std::fmt::Display for SqlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SqlError::Query(m) => write!(f, "{m}"),
            SqlError::Timeout(d) => write!(f, "the query ran longer than {} s", d.as_secs()),
        }
    }
}

/// A query's answer.
pub struct Answer {
    /// The rows, at most the row limit.
    pub batches: Vec<RecordBatch>,
    /// The columns.
    pub schema: arrow::datatypes::SchemaRef,
    /// Whether rows were cut at the limit.
    pub truncated: bool,
}

/// The sessions over one cache.
pub struct Tables {
    /// The page's SQL: `flows` and `vpc_flow_logs` only, read-only.
    ctx: SessionContext,
    /// The stored columns' schema, for filters evaluated on the cached batches.
    stored: DFSchemaRef,
    /// The `flows` table's schema (every Athena column), for parsing filters.
    public: DFSchemaRef,
    /// Columns of the table that no input has, with their types.
    absent: Vec<(String, DataType)>,
}

/// What DataFusion may use for one query from the page (it cannot spill: there is no disk).
const MEMORY_LIMIT: usize = 1 << 30;

impl Tables {
    /// The sessions over `cache`.
    pub fn new(cache: &Cache, threads: usize) -> datafusion::error::Result<Tables> {
        let runtime = RuntimeEnvBuilder::new()
            .with_memory_limit(MEMORY_LIMIT, 1.0)
            .with_disk_manager_builder(
                DiskManagerBuilder::default().with_mode(DiskManagerMode::Disabled),
            )
            .build_arc()?;
        let mut config = SessionConfig::new()
            .with_target_partitions(threads.max(1))
            .with_batch_size(8192)
            .with_information_schema(true);
        config.options_mut().sql_parser.default_null_ordering = "nulls_last".to_string();
        let ctx = SessionContext::new_with_config_rt(config, runtime);
        for f in vpcflow_engine::scalar_functions() {
            ctx.register_udf(f);
        }
        for f in vpcflow_engine::aggregate_functions() {
            ctx.register_udaf(f);
        }
        ctx.add_optimizer_rule(Arc::new(vpcflow_engine::rules::CountsWithOneDistinct));
        ctx.add_analyzer_rule(Arc::new(vpcflow_engine::rules::ProjectedDays));
        ctx.add_analyzer_rule(Arc::new(vpcflow_engine::scalars::IfAsCase));

        let partitions = split(&cache.batches, threads.max(1));
        let mem = Arc::new(MemTable::try_new(cache.schema.clone(), partitions)?);
        let stored = Arc::new(DFSchema::try_from(cache.schema.as_ref().clone())?);
        let mut exprs = Vec::new();
        let mut absent = Vec::new();
        for c in &cache.columns {
            if c.stored {
                // Text is kept dictionary-encoded; SQL sees VARCHAR as in the engine.
                let e = if matches!(c.data_type, DataType::Utf8View | DataType::Utf8) {
                    datafusion::logical_expr::cast(col(ident(&c.name)), c.data_type.clone())
                } else {
                    col(ident(&c.name))
                };
                exprs.push(e.alias(&c.name));
            } else {
                let null = ScalarValue::try_from(&c.data_type)?;
                exprs.push(lit(null).alias(&c.name));
                absent.push((c.name.clone(), c.data_type.clone()));
            }
        }
        let plan: LogicalPlan = LogicalPlanBuilder::scan("flows", provider_as_source(mem), None)?
            .project(exprs)?
            .build()?;
        let public = plan.schema().clone();
        let view = Arc::new(datafusion::catalog::view::ViewTable::new(plan, None));
        ctx.register_table("flows", view.clone())?;
        ctx.register_table("vpc_flow_logs", view)?;
        Ok(Tables {
            ctx,
            stored,
            public,
            absent,
        })
    }

    /// The read-only session.
    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    /// Runs `sql` from the page within `limits`.
    pub async fn run(&self, sql: &str, limits: Limits) -> Result<Answer, SqlError> {
        let work = async {
            let options = SQLOptions::new()
                .with_allow_ddl(false)
                .with_allow_dml(false)
                .with_allow_statements(false);
            let df = self
                .ctx
                .sql_with_options(sql, options)
                .await
                .map_err(|e| SqlError::Query(e.to_string()))?;
            let mut stream = df
                .execute_stream()
                .await
                .map_err(|e| SqlError::Query(e.to_string()))?;
            let schema = stream.schema();
            let mut batches = Vec::new();
            let mut rows = 0;
            let mut truncated = false;
            while let Some(batch) = stream.next().await {
                let batch = batch.map_err(|e| SqlError::Query(e.to_string()))?;
                if rows + batch.num_rows() > limits.rows {
                    batches.push(batch.slice(0, limits.rows - rows));
                    truncated = true;
                    break;
                }
                rows += batch.num_rows();
                batches.push(batch);
            }
            Ok(Answer {
                batches,
                schema,
                truncated,
            })
        };
        match tokio::time::timeout(limits.time, work).await {
            Ok(r) => r,
            Err(_) => Err(SqlError::Timeout(limits.time)),
        }
    }

    /// A boolean SQL expression over `flows`' columns, compiled to run on the cached batches directly. Columns no
    /// input has are NULL, as in the table.
    pub fn filter(&self, sql: &str) -> datafusion::error::Result<Arc<dyn PhysicalExpr>> {
        let expr = self.ctx.parse_sql_expr(sql, &self.public)?;
        let absent = &self.absent;
        let expr = expr
            .transform(|e| {
                Ok(match e {
                    Expr::Column(c) => match absent.iter().find(|(n, _)| *n == c.name) {
                        Some((_, t)) => Transformed::yes(lit(ScalarValue::try_from(t)?)),
                        None => Transformed::yes(Expr::Column(
                            datafusion::common::Column::new_unqualified(c.name),
                        )),
                    },
                    other => Transformed::no(other),
                })
            })?
            .data;
        let physical = self.ctx.create_physical_expr(expr, &self.stored)?;
        if physical.data_type(self.stored.as_arrow())? != DataType::Boolean {
            return Err(datafusion::error::DataFusionError::Plan(format!(
                "the filter `{sql}` is not a condition (true or false for each record)"
            )));
        }
        Ok(physical)
    }
}

/// A double-quoted identifier for DataFusion's `col` (which would otherwise read `aws-region` as it is and
/// `$path` fine, but lower-cases nothing: names here are already Athena's).
fn ident(name: &str) -> datafusion::common::Column {
    datafusion::common::Column::new_unqualified(name)
}

/// The batches dealt round-robin into `n` partitions.
fn split(batches: &[RecordBatch], n: usize) -> Vec<Vec<RecordBatch>> {
    let mut parts = vec![Vec::new(); n];
    for (i, b) in batches.iter().enumerate() {
        parts[i % n].push(b.clone());
    }
    parts
}

/// A single-quoted SQL string.
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A double-quoted SQL identifier.
pub fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
