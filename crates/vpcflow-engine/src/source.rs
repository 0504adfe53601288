//! The `flows` scan as DataFusion's own file scan: a `DataSourceExec` over a `FileScanConfig` whose file source
//! is vpcflow's reader ([`FlowsFileSource`]).
//!
//! Each piece of a [`ScanSpec`] is a `PartitionedFile` (its location in the store, its size, a byte range when
//! the reader can start mid-file) and each partition a `FileGroup`, so that a distributed engine that narrows a
//! plan to a task's partitions (Ballista slices `file_groups`) reads each piece exactly once. Objects are read
//! through the `Arc<dyn ObjectStore>` the runtime's registry holds for the scan's store: local files and S3 the
//! same way (a local file, or an S3 object in the cache, comes back as a file and is read in place).
//!
//! Parsing is blocking, CPU-bound work: each piece is read on a blocking thread that hands batches over a small
//! bounded channel, so memory stays bounded however large the input. S3 objects of a partition are fetched a few
//! pieces ahead, within a budget of bytes shared by all partitions.
//!
//! **Work sharing is local only.** In one process the partitions of an execution share their pieces: a
//! partition reads its own pieces first and then takes pieces its neighbours have not started, so a core slowed
//! by other load does not leave the other idle at the end. That needs every partition of the execution in this
//! process. It is on only when the engine's table builds the scan (`FlowsFileSource::local(.., sharing: true)`);
//! a source made from a plain [`ScanSpec`] ([`FlowsFileSource::new`], what a codec decodes on an executor) never
//! shares, and DataFusion's own file-stream work stealing is switched off in the engine's session
//! (`datafusion.execution.enable_file_stream_work_stealing = false`) because the scan shares its own way.

use crate::scan::{Data, Observer, PieceReader, ScanPiece, ScanSpec, Stopped, Store};
use crate::schema::schema_of;
use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{DataFusionError, Result};
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::{
    FileGroup, FileOpenFuture, FileOpener, FileScanConfig, FileScanConfigBuilder, FileSource,
};
use datafusion::datasource::projection::{ProjectionOpener, SplitProjection};
use datafusion::datasource::source::DataSourceExec;
use datafusion::datasource::table_schema::TableSchema;
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::physical_expr::projection::ProjectionExprs;
use datafusion::physical_expr::{LexOrdering, PhysicalExpr};
use datafusion::physical_plan::DisplayFormatType;
use datafusion::physical_plan::metrics::ExecutionPlanMetricsSet;
use futures::{FutureExt, StreamExt};
use object_store::ObjectStore;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use vpcflow_source::Column;

/// How many pieces of a partition are fetched ahead of the one being read (S3).
const FETCH_AHEAD: usize = 3;

/// Bytes of objects fetched ahead of their turn, at most, across the partitions of a process.
const FETCH_BUDGET: u32 = 256 << 10; // in KiB

/// The process's budget of fetched bytes (in KiB permits).
fn budget() -> &'static Arc<tokio::sync::Semaphore> {
    static BUDGET: std::sync::OnceLock<Arc<tokio::sync::Semaphore>> = std::sync::OnceLock::new();
    BUDGET.get_or_init(|| Arc::new(tokio::sync::Semaphore::new(FETCH_BUDGET as usize)))
}

/// What only the process that planned a scan has: who hears about problems, whether partitions share pieces, and
/// the network context for log streams.
#[derive(Default)]
struct Local {
    observer: Option<Observer>,
    /// The claims of the latest execution; `None`: each partition reads its own pieces.
    sharing: Option<Mutex<Option<Arc<Claims>>>>,
    remote: Option<Arc<vpcflow_source::Remote>>,
}

/// vpcflow's reader as a DataFusion file source.
#[derive(Clone)]
pub struct FlowsFileSource {
    spec: Arc<ScanSpec>,
    table_schema: TableSchema,
    projection: SplitProjection,
    metrics: ExecutionPlanMetricsSet,
    local: Arc<Local>,
}

impl fmt::Debug for FlowsFileSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlowsFileSource")
            .field("spec", &self.spec)
            .finish()
    }
}

impl FlowsFileSource {
    /// A source reading `spec`'s pieces: `spec.columns` is the table (every column a piece can produce).
    pub fn new(spec: ScanSpec) -> FlowsFileSource {
        FlowsFileSource::with_local(spec, Local::default())
    }

    /// A source for the process that planned the scan: `observer` hears about problems and finished pieces,
    /// `sharing` lets partitions take each other's unstarted pieces, `remote` reads log streams.
    pub fn local(
        spec: ScanSpec,
        observer: Option<Observer>,
        sharing: bool,
        remote: Option<Arc<vpcflow_source::Remote>>,
    ) -> FlowsFileSource {
        FlowsFileSource::with_local(
            spec,
            Local {
                observer,
                sharing: sharing.then(|| Mutex::new(None)),
                remote,
            },
        )
    }

    fn with_local(spec: ScanSpec, local: Local) -> FlowsFileSource {
        let columns: Vec<Column> = spec
            .columns
            .iter()
            .filter_map(|c| Column::from_name(c))
            .collect();
        let table_schema = TableSchema::from(Arc::new(schema_of(&columns)) as SchemaRef);
        FlowsFileSource {
            projection: SplitProjection::unprojected(&table_schema),
            table_schema,
            spec: Arc::new(spec),
            metrics: ExecutionPlanMetricsSet::new(),
            local: Arc::new(local),
        }
    }

    /// Whether the partitions of one execution share their pieces (only in the process that planned the scan,
    /// never in a plan that is dealt out to other processes).
    pub fn shares_work(&self) -> bool {
        self.local.sharing.is_some()
    }

    /// The scan's description (its pieces as planned; the file groups of a `FileScanConfig` may since have been
    /// narrowed: see [`scan_spec_of`]).
    pub fn spec(&self) -> &ScanSpec {
        &self.spec
    }

    /// The column indices of the table the scan produces, in order.
    pub fn projected_indices(&self) -> Vec<usize> {
        self.projection.file_indices.clone()
    }

    /// The scan node for `spec`, projected to `projection` (indices into `spec.columns`).
    pub fn exec(self, projection: Option<Vec<usize>>) -> Result<Arc<DataSourceExec>> {
        let spec = self.spec.clone();
        let url = ObjectStoreUrl::parse(spec.store.url())?;
        let groups: Vec<FileGroup> = spec
            .partitions
            .iter()
            .map(|part| FileGroup::new(part.iter().map(partitioned_file).collect()))
            .collect();
        let config = FileScanConfigBuilder::new(url, Arc::new(self))
            .with_file_groups(groups)
            .with_projection_indices(projection)?
            .build();
        Ok(DataSourceExec::from_data_source(config))
    }
}

/// A piece as DataFusion's file scan carries it (the piece itself rides along, for the names in messages).
fn partitioned_file(piece: &ScanPiece) -> PartitionedFile {
    let mut file = PartitionedFile::new(piece.location.clone(), piece.size);
    if let Some((start, end)) = piece.range {
        file = file.with_range(start as i64, end as i64);
    }
    file.object_meta.e_tag = piece.e_tag.clone();
    file.extensions.insert(piece.clone());
    file
}

/// The piece a `PartitionedFile` stands for (rebuilt from its location when it came over the wire without it).
fn piece_of(file: &PartitionedFile, store: &Store) -> ScanPiece {
    if let Some(p) = file.extensions.get::<ScanPiece>() {
        return p.clone();
    }
    let location = file.object_meta.location.to_string();
    let name = match store {
        Store::Local => format!("/{location}"),
        Store::S3 { bucket } => format!("s3://{bucket}/{location}"),
        Store::Logs { group } => format!("logs:{group}:{location}"),
        Store::Stdin => "<stdin>".to_string(),
    };
    ScanPiece {
        gzip: location.ends_with(".gz"),
        location,
        name,
        size: file.object_meta.size,
        range: file.range.as_ref().map(|r| (r.start as u64, r.end as u64)),
        e_tag: file.object_meta.e_tag.clone(),
    }
}

/// The scan a `DataSourceExec` of ours reads, with its file groups as they are now (a distributed scheduler may
/// have narrowed them to one task's partitions) and its projection: what a codec sends to an executor, which
/// rebuilds the node with [`FlowsFileSource::new`] and [`FlowsFileSource::exec`].
pub fn scan_spec_of(exec: &DataSourceExec) -> Option<(ScanSpec, Option<Vec<usize>>)> {
    let config = exec.data_source().downcast_ref::<FileScanConfig>()?;
    let source = config.file_source().downcast_ref::<FlowsFileSource>()?;
    let mut spec = (*source.spec).clone();
    spec.partitions = config
        .file_groups
        .iter()
        .map(|g| g.iter().map(|f| piece_of(f, &spec.store)).collect())
        .collect();
    let projection = Some(source.projection.file_indices.clone());
    Some((spec, projection))
}

impl FileSource for FlowsFileSource {
    fn create_file_opener(
        &self,
        object_store: Arc<dyn ObjectStore>,
        base_config: &FileScanConfig,
        partition: usize,
    ) -> Result<Arc<dyn FileOpener>> {
        let mut spec = (*self.spec).clone();
        spec.columns = self
            .projection
            .file_indices
            .iter()
            .map(|i| self.spec.columns[*i].clone())
            .collect();
        spec.partitions = base_config
            .file_groups
            .iter()
            .map(|g| g.iter().map(|f| piece_of(f, &spec.store)).collect())
            .collect();
        let claims = self.local.sharing.as_ref().map(|s| {
            let mut latest = s.lock().expect("claims lock");
            // A partition opened again starts a new execution (the same plan run twice).
            let fresh = match latest.as_ref() {
                Some(c) => {
                    c.started[partition].load(Ordering::Acquire) || c.taken.len() != count(&spec)
                }
                None => true,
            };
            if fresh {
                *latest = Some(Arc::new(Claims::new(&spec)));
            }
            let claims = latest.clone().expect("set above");
            claims.started[partition].store(true, Ordering::Release);
            claims
        });
        let reader = Arc::new(PieceReader::new(&spec, self.local.remote.clone()));
        let opener = Arc::new(FlowsOpener {
            spec: Arc::new(spec),
            reader,
            store: object_store,
            partition,
            claims,
            observer: self.local.observer.clone(),
            ahead: Mutex::new(HashMap::new()),
        }) as Arc<dyn FileOpener>;
        ProjectionOpener::try_new(
            self.projection.clone(),
            opener,
            self.table_schema.file_schema(),
        )
    }

    fn table_schema(&self) -> &TableSchema {
        &self.table_schema
    }

    fn with_batch_size(&self, _batch_size: usize) -> Arc<dyn FileSource> {
        // The spec's batch size (text is parsed in larger batches) stays.
        Arc::new(self.clone())
    }

    /// Only plain column selections are taken (a codec sends them as indices); anything else stays above the
    /// scan.
    fn try_pushdown_projection(
        &self,
        projection: &ProjectionExprs,
    ) -> Result<Option<Arc<dyn FileSource>>> {
        let merged = self.projection.source.try_merge(projection)?;
        let plain = merged.iter().all(|p| {
            p.expr
                .downcast_ref::<datafusion::physical_expr::expressions::Column>()
                .is_some_and(|c| c.name() == p.alias)
        });
        if !plain {
            return Ok(None);
        }
        let mut source = self.clone();
        source.projection = SplitProjection::new(self.table_schema.file_schema(), &merged);
        Ok(Some(Arc::new(source)))
    }

    fn projection(&self) -> Option<&ProjectionExprs> {
        Some(&self.projection.source)
    }

    fn metrics(&self) -> &ExecutionPlanMetricsSet {
        &self.metrics
    }

    fn file_type(&self) -> &str {
        "flows"
    }

    fn fmt_extra(&self, t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        if matches!(t, DisplayFormatType::TreeRender) {
            return Ok(());
        }
        let pieces: usize = self.spec.partitions.iter().map(Vec::len).sum();
        let columns: Vec<&str> = self
            .projection
            .file_indices
            .iter()
            .map(|i| self.spec.columns[*i].as_str())
            .collect();
        write!(
            f,
            ", partitions={}, pieces={}, columns=[{}]",
            self.spec.partitions.len(),
            pieces,
            columns.join(", ")
        )?;
        if !self.spec.filters.is_empty() {
            let filters: Vec<String> = self.spec.filters.iter().map(|p| p.to_string()).collect();
            write!(f, ", filters=[{}]", filters.join(", "))?;
        }
        if let Some(since) = self.spec.time.since {
            write!(f, ", since={since}")?;
        }
        if let Some(until) = self.spec.time.until {
            write!(f, ", until={until}")?;
        }
        Ok(())
    }

    /// Pieces are cut and dealt when the table plans the scan (by shape and size; gzip is never cut), so
    /// DataFusion does not cut them again.
    fn supports_repartitioning(&self) -> bool {
        false
    }

    fn repartitioned(
        &self,
        _target_partitions: usize,
        _repartition_file_min_size: usize,
        _output_ordering: Option<LexOrdering>,
        _config: &FileScanConfig,
    ) -> Result<Option<FileScanConfig>> {
        Ok(None)
    }

    fn apply_expressions(
        &self,
        f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        datafusion::physical_plan::apply_expression_roots(self.projection.source.iter(), f)
    }
}

fn count(spec: &ScanSpec) -> usize {
    spec.partitions.iter().map(Vec::len).sum()
}

/// Which pieces of one execution are taken, flattened over the partitions, and which partitions have started.
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

/// The pieces `partition` takes once its own are done: the others' from their ends, each only if no other
/// partition has taken it.
fn others(spec: &ScanSpec, partition: usize, claims: &Claims) -> Vec<(usize, usize)> {
    let n = spec.partitions.len();
    (1..n)
        .map(|k| (partition + k) % n)
        .flat_map(|q| (0..spec.partitions[q].len()).rev().map(move |i| (q, i)))
        .filter(|(q, i)| claims.take(*q, *i))
        .collect()
}

/// A fetch started ahead of its piece.
type Ahead = tokio::task::JoinHandle<Result<Fetched>>;

/// A fetched piece, with its share of the fetch budget (given back when the piece is read).
struct Fetched {
    data: Data,
    _permit: Option<tokio::sync::OwnedSemaphorePermit>,
}

/// Opens the pieces of one partition.
struct FlowsOpener {
    spec: Arc<ScanSpec>,
    reader: Arc<PieceReader>,
    store: Arc<dyn ObjectStore>,
    partition: usize,
    claims: Option<Arc<Claims>>,
    observer: Option<Observer>,
    /// Fetches started ahead, by piece index in the partition.
    ahead: Mutex<HashMap<usize, Ahead>>,
}

impl FlowsOpener {
    /// The index of `piece` in this partition's group.
    fn index_of(&self, piece: &ScanPiece) -> Option<usize> {
        self.spec
            .partitions
            .get(self.partition)?
            .iter()
            .position(|p| p.location == piece.location && p.range == piece.range)
    }

    /// The fetch of piece `i` of partition `q`: the one started ahead, or a new one.
    fn fetch(&self, q: usize, i: usize) -> Ahead {
        if q == self.partition
            && let Some(handle) = self.ahead.lock().expect("ahead lock").remove(&i)
        {
            return handle;
        }
        let piece = self.spec.partitions[q][i].clone();
        let (store, kind) = (self.store.clone(), self.spec.store.clone());
        tokio::spawn(fetch(store, kind, piece, None))
    }

    /// Starts fetching the pieces after `i` of this partition (S3 only: local files need no fetching ahead),
    /// as far as the fetch budget has room: a piece fetched ahead holds its share until it is read, and the
    /// piece being read never waits for the budget, so reading always goes on.
    fn fetch_ahead(&self, i: usize) {
        if !matches!(self.spec.store, Store::S3 { .. }) {
            return;
        }
        let Some(part) = self.spec.partitions.get(self.partition) else {
            return;
        };
        let mut ahead = self.ahead.lock().expect("ahead lock");
        for j in i + 1..(i + 1 + FETCH_AHEAD).min(part.len()) {
            if ahead.contains_key(&j) {
                continue;
            }
            let piece = part[j].clone();
            let kib = u32::try_from(piece.size.div_ceil(1024))
                .unwrap_or(u32::MAX)
                .clamp(1, FETCH_BUDGET);
            let Ok(permit) = budget().clone().try_acquire_many_owned(kib) else {
                break;
            };
            let (store, kind) = (self.store.clone(), self.spec.store.clone());
            ahead.insert(j, tokio::spawn(fetch(store, kind, piece, Some(permit))));
        }
    }
}

/// Resolves a piece to what the reader reads: a local file as it is, an S3 object fetched whole, a log stream
/// or standard input left to the source reader. `permit` is the piece's share of the fetch budget when it was
/// fetched ahead (held until the piece is read).
async fn fetch(
    store: Arc<dyn ObjectStore>,
    kind: Store,
    piece: ScanPiece,
    permit: Option<tokio::sync::OwnedSemaphorePermit>,
) -> Result<Fetched> {
    let location = object_store::path::Path::from(piece.location.as_str());
    let data = match kind {
        Store::Stdin => Data::Input(vpcflow_source::Input::Stdin),
        Store::Logs { group } => Data::Input(vpcflow_source::Input::Logs(
            vpcflow_source::listing::stream(&group, &piece.location),
        )),
        // A local file is opened by its path: an object store path cannot name every file (`<`, `>`, `"`, `%`
        // and the like are percent-encoded in it, and the local store then looks for the encoded name).
        Store::Local => Data::File(std::path::PathBuf::from(format!("/{}", piece.location))),
        Store::S3 { .. } => {
            match vpcflow_source::remote::fetch(&store, &location, None, piece.e_tag.clone())
                .await
                .map_err(|e| object_error(&piece, e))?
            {
                vpcflow_source::remote::Fetched::File(_, path, _) => Data::File(path),
                vpcflow_source::remote::Fetched::Bytes(bytes) => Data::Bytes(bytes),
            }
        }
    };
    Ok(Fetched {
        data,
        _permit: permit,
    })
}

/// An object that could not be fetched: a transient failure (throttling, a server error, a broken connection)
/// is an I/O error, which a distributed scheduler retries; anything else names the object.
fn object_error(piece: &ScanPiece, e: object_store::Error) -> DataFusionError {
    if vpcflow_source::s3::is_transient(&e) {
        return DataFusionError::IoError(std::io::Error::other(format!("{}: {e}", piece.name)));
    }
    DataFusionError::ObjectStore(Box::new(e))
}

impl FileOpener for FlowsOpener {
    fn open(&self, file: PartitionedFile) -> Result<FileOpenFuture> {
        let piece = piece_of(&file, &self.spec.store);
        let index = self.index_of(&piece);
        // A piece another partition took is not read again.
        if let (Some(claims), Some(i)) = (&self.claims, index)
            && !claims.take(self.partition, i)
        {
            let empty = futures::stream::empty::<Result<RecordBatch>>().boxed();
            return Ok(futures::future::ready(Ok(empty)).boxed());
        }
        // The last piece of the partition goes on with the pieces the others have not started.
        let last = index.is_some_and(|i| i + 1 == self.spec.partitions[self.partition].len());
        let stolen = match (&self.claims, last) {
            (Some(claims), true) => Some(claims.clone()),
            _ => None,
        };
        let mut first = match index {
            Some(i) => {
                let current = self.fetch(self.partition, i);
                self.fetch_ahead(i);
                current
            }
            None => tokio::spawn(fetch(
                self.store.clone(),
                self.spec.store.clone(),
                piece.clone(),
                None,
            )),
        };
        let (spec, reader, observer, partition) = (
            self.spec.clone(),
            self.reader.clone(),
            self.observer.clone(),
            self.partition,
        );
        let (store, kind) = (self.store.clone(), self.spec.store.clone());
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<RecordBatch>>(2);
        Ok(async move {
            let fetched = join(&mut first).await;
            let handle = tokio::runtime::Handle::current();
            tokio::task::spawn_blocking(move || {
                let send = |batch| tx.blocking_send(Ok(batch)).is_ok();
                let read = |piece: &ScanPiece, fetched: Result<Fetched>| -> Result<bool> {
                    match fetched {
                        Ok(Fetched { data, _permit }) => {
                            run(&reader, piece, data, observer.as_ref(), &mut |b| send(b))
                        }
                        // In the process that planned the scan, an object that cannot be fetched is reported
                        // like a bad file and the rest is read; elsewhere (an executor) the error goes to the
                        // scheduler, which retries a transient one.
                        Err(e) => match &observer {
                            Some(observer) => unfetched(observer, piece, &e),
                            None => Err(e),
                        },
                    }
                };
                let mut outcome = read(&piece, fetched);
                if let (Ok(true), Some(claims)) = (&outcome, stolen) {
                    for (q, i) in others(&spec, partition, &claims) {
                        let other = spec.partitions[q][i].clone();
                        let got = handle.block_on(tokio::spawn(fetch(
                            store.clone(),
                            kind.clone(),
                            other.clone(),
                            None,
                        )));
                        let got = got
                            .map_err(|e| DataFusionError::External(Box::new(e)))
                            .and_then(|r| r);
                        outcome = read(&other, got);
                        if !matches!(outcome, Ok(true)) {
                            break;
                        }
                    }
                }
                if let Err(e) = outcome {
                    let _ = tx.blocking_send(Err(e));
                }
            });
            let stream = futures::stream::unfold(rx, |mut rx| async move {
                rx.recv().await.map(|item| (item, rx))
            });
            Ok(stream.boxed())
        }
        .boxed())
    }
}

/// Tells the observer that a piece could not be fetched; `Err(Stopped)` when it says stop.
fn unfetched(observer: &Observer, piece: &ScanPiece, e: &DataFusionError) -> Result<bool> {
    let name = piece.name.clone();
    let problem = vpcflow_source::Problem::bad_file(
        vpcflow_record::Location::file(name.as_str()),
        vpcflow_source::Fault::CannotFetch {
            cause: e.find_root().to_string(),
        },
    );
    let summary = vpcflow_source::FileSummary {
        name,
        failed: true,
        bytes: piece.weight_bytes(),
        ..Default::default()
    };
    let first = piece.is_first();
    if !observer(crate::ScanEvent::Problem(&problem))
        || !observer(crate::ScanEvent::Done {
            summary: &summary,
            first,
        })
    {
        return Err(DataFusionError::External(Box::new(Stopped)));
    }
    Ok(true)
}

async fn join(handle: &mut Ahead) -> Result<Fetched> {
    handle
        .await
        .map_err(|e| DataFusionError::External(Box::new(e)))?
}

/// Reads one piece, turning a panic into an error and a stop (`--strict`) into [`Stopped`].
fn run(
    reader: &PieceReader,
    piece: &ScanPiece,
    data: Data,
    observer: Option<&Observer>,
    send: &mut dyn FnMut(RecordBatch) -> bool,
) -> Result<bool> {
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        reader.read(piece, data, observer, send)
    }));
    match outcome {
        Ok(Ok(wanted)) => Ok(wanted),
        Ok(Err(Stopped)) => Err(DataFusionError::External(Box::new(Stopped))),
        Err(_) => Err(DataFusionError::Internal(format!(
            "the flows scan of {} panicked",
            piece.name
        ))),
    }
}

/// The schema the scan of `spec` produces with `projection`.
pub fn output_schema(spec: &ScanSpec, projection: Option<&[usize]>) -> SchemaRef {
    let columns: Vec<Column> = spec
        .columns
        .iter()
        .enumerate()
        .filter(|(i, _)| projection.is_none_or(|p| p.contains(i)))
        .filter_map(|(_, c)| Column::from_name(c))
        .collect();
    Arc::new(schema_of(&columns))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(parts: &[usize]) -> ScanSpec {
        let piece = |p: usize, i: usize| ScanPiece {
            location: format!("p{p}-{i}"),
            name: format!("p{p}-{i}"),
            size: 1,
            range: None,
            e_tag: None,
            gzip: false,
        };
        ScanSpec {
            store: Store::Local,
            partitions: parts
                .iter()
                .enumerate()
                .map(|(p, n)| (0..*n).map(|i| piece(p, i)).collect())
                .collect(),
            format: None,
            columns: vec![],
            batch_size: 8192,
            filters: vec![],
            time: Default::default(),
        }
    }

    #[test]
    fn partitions_take_what_the_others_have_not_started() {
        let spec = spec(&[2, 3]);
        let claims = Claims::new(&spec);
        // Partition 0 took its first piece; partition 1 read its own and takes partition 0's from the end.
        assert!(claims.take(0, 0));
        for i in 0..3 {
            assert!(claims.take(1, i));
        }
        assert_eq!(others(&spec, 1, &claims), [(0, 1)]);
        assert!(!claims.take(0, 1));
        assert!(others(&spec, 0, &claims).is_empty());
    }
}
