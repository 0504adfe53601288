//! The `flows` table provider and its scan node.
//!
//! The provider knows the inputs (probed once, when the table is made) and the table's columns; each query's
//! scan gets a fresh [`ScanSpec`] for the columns that query needs, cut for the session's partition count. The
//! scan node runs each partition's reading on a thread of its own (reading and parsing are blocking, CPU-bound
//! work) and hands batches over a small bounded channel, so memory stays bounded however large the input: a
//! partition's reader is at most a couple of batches ahead of the query.
//!
//! In one process the partitions of an execution also share their work: a partition reads its own pieces first
//! and then takes pieces its neighbours have not started, so a core slowed by other load does not leave the
//! other idle at the end. Each piece is claimed once per execution. A scan built from the plain [`ScanSpec`]
//! elsewhere (one partition per remote executor) does not share: see [`FlowsExec::sharing_work`].

use crate::prune::Predicate;
use crate::scan::{Observer, Probe, ScanPiece, ScanSpec, Stopped, plan, read_pieces};
use crate::schema::{schema_of, table_columns, table_fields};
use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use async_trait::async_trait;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{DataFusionError, Result};
use datafusion::datasource::TableType;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    ChildrenPropertiesMode, DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning,
    PlanProperties, ReplaceChildrenOptions,
};
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use vpcflow_record::{Field, Format};
use vpcflow_source::Column;

/// Flow log records from a set of inputs, as a SQL table with Athena's columns.
pub struct FlowsTable {
    probes: Vec<Probe>,
    fields: Vec<Field>,
    columns: Vec<Column>,
    schema: SchemaRef,
    format: Option<Format>,
    observer: Option<Observer>,
}

impl fmt::Debug for FlowsTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlowsTable")
            .field("inputs", &self.probes.len())
            .field("fields", &self.fields)
            .finish()
    }
}

impl FlowsTable {
    /// A table over `paths` (files, or `-` for standard input; directories already expanded). `format` is the
    /// format of headerless records; `observer` hears about problems and finished files.
    pub fn new(paths: &[String], format: Option<Format>, observer: Option<Observer>) -> FlowsTable {
        let probes = probe_all(paths);
        let fields = table_fields(
            probes
                .iter()
                .flat_map(|p| p.fields.iter().flatten().map(String::as_str)),
            format.as_ref(),
        );
        let columns = table_columns(&fields);
        let schema = Arc::new(schema_of(&columns));
        FlowsTable {
            probes,
            fields,
            columns,
            schema,
            format,
            observer,
        }
    }

    /// The record fields among the table's columns.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// The scan of `columns` cut into `partitions` parts, as plain data.
    pub fn scan_spec(&self, columns: &[Column], partitions: usize, batch_size: usize) -> ScanSpec {
        ScanSpec {
            partitions: plan(&self.probes, partitions),
            format: self.format.as_ref().map(|f| f.header_line()),
            columns: columns.iter().map(|c| c.name().to_string()).collect(),
            batch_size,
            filters: Vec::new(),
        }
    }
}

/// Probes every input on every core (each probe is a file open and a small read).
fn probe_all(paths: &[String]) -> Vec<Probe> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    if paths.len() < 16 || threads == 1 {
        return paths.iter().map(|p| crate::scan::probe(p)).collect();
    }
    let chunk = paths.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = paths
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|p| crate::scan::probe(p))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("probing does not panic"))
            .collect()
    })
}

#[async_trait]
impl TableProvider for FlowsTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        _limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let columns: Vec<Column> = match projection {
            Some(p) => p.iter().map(|i| self.columns[*i]).collect(),
            None => self.columns.clone(),
        };
        let config = state.config();
        let mut spec = self.scan_spec(&columns, config.target_partitions(), config.batch_size());
        spec.filters = filters.iter().filter_map(Predicate::from_expr).collect();
        Ok(Arc::new(
            FlowsExec::new(spec, self.observer.clone()).sharing_work(),
        ))
    }

    /// Comparisons of fields with constants are offered to the scan, which may skip Parquet row groups and
    /// pages that cannot match, and text lines whose value is another; DataFusion still filters every row read
    /// (`Inexact`).
    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        Ok(filters
            .iter()
            .map(|f| {
                if Predicate::from_expr(f).is_some() {
                    TableProviderFilterPushDown::Inexact
                } else {
                    TableProviderFilterPushDown::Unsupported
                }
            })
            .collect())
    }
}

/// Reads the pieces of a [`ScanSpec`], one partition per part.
pub struct FlowsExec {
    spec: Arc<ScanSpec>,
    schema: SchemaRef,
    observer: Option<Observer>,
    properties: Arc<PlanProperties>,
    /// Per execution (its task context), which pieces are claimed; `None`: each partition reads its own.
    sharing: Option<Mutex<Vec<Execution>>>,
}

/// The claims of one execution of a [`FlowsExec`].
struct Execution {
    context: Weak<TaskContext>,
    claims: Arc<Claims>,
}

/// Which pieces of a scan are taken, flattened over the partitions, and which partitions have started.
struct Claims {
    /// Index of each partition's first piece in `taken`.
    first: Vec<usize>,
    taken: Vec<AtomicBool>,
    started: Vec<AtomicBool>,
}

impl Claims {
    fn new(spec: &ScanSpec) -> Claims {
        let mut first = Vec::with_capacity(spec.partitions.len());
        let mut n = 0;
        for part in &spec.partitions {
            first.push(n);
            n += part.len();
        }
        Claims {
            first,
            taken: (0..n).map(|_| AtomicBool::new(false)).collect(),
            started: (0..spec.partitions.len())
                .map(|_| AtomicBool::new(false))
                .collect(),
        }
    }

    /// Whether this call took the piece (it was free).
    fn take(&self, partition: usize, piece: usize) -> bool {
        !self.taken[self.first[partition] + piece].swap(true, Ordering::AcqRel)
    }
}

/// The pieces `partition` reads: its own in order, then (with `claims`) the others' from their ends, each only if
/// no other partition has taken it.
fn pieces_for<'a>(
    spec: &'a ScanSpec,
    partition: usize,
    claims: Option<Arc<Claims>>,
) -> impl Iterator<Item = &'a ScanPiece> + 'a {
    let n = spec.partitions.len();
    let own = spec
        .partitions
        .get(partition)
        .into_iter()
        .flat_map(move |p| (0..p.len()).map(move |i| (partition, i)));
    let others = claims.is_some().then(|| {
        (1..n)
            .map(move |k| (partition + k) % n)
            .flat_map(move |q| (0..spec.partitions[q].len()).rev().map(move |i| (q, i)))
    });
    own.chain(others.into_iter().flatten())
        .filter(move |(q, i)| claims.as_ref().is_none_or(|c| c.take(*q, *i)))
        .map(|(q, i)| &spec.partitions[q][i])
}

impl fmt::Debug for FlowsExec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlowsExec")
            .field("spec", &self.spec)
            .finish()
    }
}

impl FlowsExec {
    /// A scan node for `spec`; `observer` hears about problems and finished files.
    pub fn new(spec: ScanSpec, observer: Option<Observer>) -> FlowsExec {
        let columns: Vec<Column> = spec
            .columns
            .iter()
            .filter_map(|c| Column::from_name(c))
            .collect();
        let schema = Arc::new(schema_of(&columns));
        let properties = PlanProperties::new(
            EquivalenceProperties::new(schema.clone()),
            Partitioning::UnknownPartitioning(spec.partitions.len().max(1)),
            EmissionType::Incremental,
            Boundedness::Bounded,
        );
        FlowsExec {
            spec: Arc::new(spec),
            schema,
            observer,
            properties: Arc::new(properties),
            sharing: None,
        }
    }

    /// Lets the partitions of each execution take each other's unstarted pieces (all partitions must run in
    /// this process, as they do in one engine; not for a scan split across executors).
    pub fn sharing_work(mut self) -> FlowsExec {
        self.sharing = Some(Mutex::new(Vec::new()));
        self
    }

    /// The claims of the execution `context` belongs to, for `partition`; a partition started twice under one
    /// context starts a new execution.
    fn claims(&self, partition: usize, context: &Arc<TaskContext>) -> Option<Arc<Claims>> {
        let mut runs = self.sharing.as_ref()?.lock().expect("claims lock");
        runs.retain(|r| r.context.strong_count() > 0);
        let current = runs.iter().position(|r| {
            std::ptr::eq(r.context.as_ptr(), Arc::as_ptr(context))
                && !r.claims.started[partition].load(Ordering::Acquire)
        });
        let claims = match current {
            Some(i) => runs[i].claims.clone(),
            None => {
                runs.retain(|r| !std::ptr::eq(r.context.as_ptr(), Arc::as_ptr(context)));
                let claims = Arc::new(Claims::new(&self.spec));
                runs.push(Execution {
                    context: Arc::downgrade(context),
                    claims: claims.clone(),
                });
                claims
            }
        };
        claims.started[partition].store(true, Ordering::Release);
        Some(claims)
    }

    /// The scan, as plain data.
    pub fn spec(&self) -> &ScanSpec {
        &self.spec
    }
}

impl DisplayAs for FlowsExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        let pieces: usize = self.spec.partitions.iter().map(Vec::len).sum();
        write!(
            f,
            "FlowsExec: partitions={}, pieces={}, columns=[{}]",
            self.spec.partitions.len(),
            pieces,
            self.spec.columns.join(", ")
        )?;
        if !self.spec.filters.is_empty() {
            let filters: Vec<String> = self
                .spec
                .filters
                .iter()
                .map(crate::prune::Predicate::to_string)
                .collect();
            write!(f, ", filters=[{}]", filters.join(", "))?;
        }
        Ok(())
    }
}

impl ExecutionPlan for FlowsExec {
    fn name(&self) -> &str {
        "FlowsExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![]
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn replace_children(
        self: Arc<Self>,
        _children: Vec<Arc<dyn ExecutionPlan>>,
        _options: ReplaceChildrenOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        Ok(self)
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        self.replace_children(
            children,
            ReplaceChildrenOptions::new(ChildrenPropertiesMode::Recompute),
        )
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<RecordBatch>>(2);
        let claims = self.claims(partition, &context);
        let spec = self.spec.clone();
        let schema = self.schema.clone();
        let observer = self.observer.clone();
        std::thread::Builder::new()
            .name(format!("flows-scan-{partition}"))
            .spawn(move || {
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    let pieces = pieces_for(&spec, partition, claims);
                    read_pieces(&spec, pieces, &schema, observer.as_ref(), &mut |batch| {
                        tx.blocking_send(Ok(batch)).is_ok()
                    })
                }));
                let error = match outcome {
                    Ok(Ok(())) => return,
                    Ok(Err(Stopped)) => DataFusionError::External(Box::new(Stopped)),
                    Err(_) => DataFusionError::Internal(format!(
                        "the flows scan of partition {partition} panicked"
                    )),
                };
                let _ = tx.blocking_send(Err(error));
            })
            .map_err(|e| DataFusionError::External(Box::new(e)))?;
        let stream = futures::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        });
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            self.schema.clone(),
            stream,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::{Piece, Shape};

    fn spec(parts: &[usize]) -> ScanSpec {
        let piece = |p: usize, i: usize| ScanPiece {
            probe: Probe {
                path: format!("p{p}-{i}"),
                size: 1,
                gzip: false,
                shape: Shape::Stream,
                fields: None,
            },
            piece: Piece::Whole,
        };
        ScanSpec {
            partitions: parts
                .iter()
                .enumerate()
                .map(|(p, n)| (0..*n).map(|i| piece(p, i)).collect())
                .collect(),
            format: None,
            columns: vec![],
            batch_size: 8192,
            filters: vec![],
        }
    }

    fn paths<'a>(pieces: impl Iterator<Item = &'a ScanPiece>) -> Vec<String> {
        pieces.map(|p| p.probe.path.clone()).collect()
    }

    #[test]
    fn partitions_take_what_the_others_have_not_started() {
        let spec = spec(&[2, 3]);
        assert_eq!(paths(pieces_for(&spec, 1, None)), ["p1-0", "p1-1", "p1-2"]);
        let claims = Arc::new(Claims::new(&spec));
        let mut first = pieces_for(&spec, 0, Some(claims.clone()));
        assert_eq!(first.next().unwrap().probe.path, "p0-0");
        // Partition 1 runs ahead: its own pieces, then partition 0's from the end, not the one being read.
        assert_eq!(
            paths(pieces_for(&spec, 1, Some(claims.clone()))),
            ["p1-0", "p1-1", "p1-2", "p0-1"]
        );
        assert!(first.next().is_none());
    }
}
