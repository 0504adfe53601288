//! The `flows` table provider.
//!
//! The table is described by what the user named (files and directories, `-`, S3 prefixes, CloudWatch Logs
//! groups), the format of headerless records, the time range, and its columns: small enough to be sent to
//! another process. Local files are probed once, when the table is made (their header lines give the table its
//! columns, and their shapes decide how they are cut). S3 prefixes and log groups are listed when a query is
//! planned ([`FlowsTable::scan`]), with the query's conditions on the key's parts (`date`, `day`, `hour`,
//! `year`, `month`, `aws-account-id`, `aws-region`) and the time range pruning the listing to the prefixes that
//! can hold matching records; their columns come from the newest object under each prefix (one object's first
//! line, or its Parquet columns), besides Athena's and the `--format`'s.
//!
//! Each query's scan is DataFusion's file scan with vpcflow's reader ([`crate::source`]), one per store (local
//! files, a bucket, a log group, standard input), unioned when there are several.

use crate::prune::{Predicate, key_filter, on_key};
use crate::scan::{Observer, Probe, ScanPiece, ScanSpec, Store, deal, plan};
use crate::schema::{schema_of, table_columns, table_fields};
use crate::source::FlowsFileSource;
use arrow::datatypes::SchemaRef;
use async_trait::async_trait;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::{DataFusionError, Result};
use datafusion::datasource::TableType;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::empty::EmptyExec;
use datafusion::physical_plan::union::UnionExec;
use object_store::ObjectStore;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;
use vpcflow_record::{Field, Format};
use vpcflow_source::{Column, Input, KeyFilter, Partitions, Remote, TimeRange};

/// Flow log records from a set of inputs, as a SQL table with Athena's columns.
pub struct FlowsTable {
    /// The inputs as named (before directories are walked and prefixes listed).
    inputs: Vec<Input>,
    /// Local files and standard input, probed.
    probes: Vec<Probe>,
    /// S3 prefixes and log groups, listed per query.
    remote_roots: Vec<Input>,
    fields: Vec<Field>,
    columns: Vec<Column>,
    schema: SchemaRef,
    format: Option<Format>,
    time: TimeRange,
    observer: Option<Observer>,
    remote: Option<Arc<Remote>>,
    distributed: bool,
}

impl fmt::Debug for FlowsTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlowsTable")
            .field("inputs", &self.probes.len())
            .field("remote", &self.remote_roots)
            .field("fields", &self.fields)
            .finish()
    }
}

/// What a table is made of, besides its inputs.
#[derive(Clone, Default)]
pub struct TableOptions {
    /// The format of headerless records.
    pub format: Option<Format>,
    /// Records outside this range are left out, and keys that cannot hold any are not listed.
    pub time: TimeRange,
    /// Hears about problems and finished pieces.
    pub observer: Option<Observer>,
    /// The network side, for S3 and CloudWatch Logs inputs.
    pub remote: Option<Arc<Remote>>,
    /// The scan is planned for a distributed engine, which deals its partitions to tasks in other processes: the
    /// partitions of a scan must not share their pieces (each would take pieces that belong to another task).
    pub distributed: bool,
}

/// What a `flows` table is, small enough to send to another process (a cluster's scheduler), which builds the
/// same table from it ([`FlowsTable::from_description`]) and lists and prunes the inputs itself per query: the
/// inputs as named (directories and S3 prefixes, not the files under them), the table's record fields (so both
/// sides have the same columns), the format of headerless records and the time range.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TableDescription {
    /// Absolute paths of files and directories, and `s3://bucket/prefix`.
    pub inputs: Vec<String>,
    /// The record fields among the table's columns, by name.
    pub fields: Vec<String>,
    /// `--format`: the format of headerless records, as its header line.
    pub format: Option<String>,
    /// Records outside this range are left out.
    pub time: TimeRange,
}

impl FlowsTable {
    /// A table over `inputs` (files, directories, `-`, S3 prefixes, log groups). Directories are walked here
    /// (what cannot be read is told to the observer); S3 and CloudWatch Logs wait for a query.
    pub fn new(inputs: &[Input], options: TableOptions) -> FlowsTable {
        FlowsTable::build(inputs, options, None)
    }

    /// The table `description` describes (made by [`FlowsTable::description`] in another process), with the
    /// same columns whatever the inputs look like from here.
    pub fn from_description(
        description: &TableDescription,
        options: TableOptions,
    ) -> Result<FlowsTable> {
        let mut fields = Vec::with_capacity(description.fields.len());
        for name in &description.fields {
            fields.push(Field::from_name(name).ok_or_else(|| {
                DataFusionError::Plan(format!(
                    "the flows table names a field this vpcflow does not know: {name:?} (is every process of \
                     the cluster the same vpcflow?)"
                ))
            })?);
        }
        let format = match &description.format {
            Some(text) => Some(Format::parse(text).map_err(|e| {
                DataFusionError::Plan(format!("the flows table's format {text:?}: {e}"))
            })?),
            None => None,
        };
        let inputs: Vec<Input> = description.inputs.iter().map(|i| Input::parse(i)).collect();
        let options = TableOptions {
            format,
            time: description.time,
            ..options
        };
        Ok(FlowsTable::build(&inputs, options, Some(fields)))
    }

    /// What another process needs to build this table again ([`FlowsTable::from_description`]). Local paths
    /// are made absolute (the other process runs elsewhere); standard input and CloudWatch Logs groups cannot
    /// be described: only this process reads them.
    pub fn description(&self) -> Result<TableDescription> {
        let mut inputs = Vec::with_capacity(self.inputs.len());
        for input in &self.inputs {
            inputs.push(match input {
                Input::Path(p) => std::path::absolute(p)
                    .map_err(|e| {
                        DataFusionError::Plan(format!("{}: cannot make it absolute: {e}", p.display()))
                    })?
                    .display()
                    .to_string(),
                Input::S3(_) => input.display_name(),
                other => {
                    return Err(DataFusionError::NotImplemented(format!(
                        "{} can only be read by the process that names it: give files, directories every \
                         executor sees, or s3:// prefixes",
                        other.display_name()
                    )));
                }
            });
        }
        Ok(TableDescription {
            inputs,
            fields: self.fields.iter().map(|f| f.name().to_string()).collect(),
            format: self.format.as_ref().map(|f| f.header_line()),
            time: self.time,
        })
    }

    fn build(inputs: &[Input], options: TableOptions, fields: Option<Vec<Field>>) -> FlowsTable {
        let filter = KeyFilter::time(options.time);
        let (local, remote_roots): (Vec<Input>, Vec<Input>) =
            inputs.iter().cloned().partition(|i| !i.is_remote());
        let (local, problems) = vpcflow_source::expand(&local, &filter, None);
        if let Some(observer) = &options.observer {
            for p in &problems {
                observer(crate::ScanEvent::Problem(p));
            }
        }
        let paths: Vec<String> = local
            .iter()
            .map(|i| match i {
                Input::Path(p) => p.display().to_string(),
                _ => "-".to_string(),
            })
            .collect();
        let probes = probe_all(&paths);
        let fields = fields.unwrap_or_else(|| {
            let mut seen: Vec<String> = probes
                .iter()
                .flat_map(|p| p.fields.iter().flatten().cloned())
                .collect();
            if let Some(remote) = &options.remote {
                for root in &remote_roots {
                    if let Input::S3(o) = root {
                        seen.extend(sample_fields(remote, o, &filter));
                    }
                }
            }
            table_fields(seen.iter().map(String::as_str), options.format.as_ref())
        });
        let columns = table_columns(&fields);
        let schema = Arc::new(schema_of(&columns));
        FlowsTable {
            inputs: inputs.to_vec(),
            probes,
            remote_roots,
            fields,
            columns,
            schema,
            format: options.format,
            time: options.time,
            observer: options.observer,
            remote: options.remote,
            distributed: options.distributed,
        }
    }

    /// The record fields among the table's columns.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// The scan of the local inputs' `columns` cut into `partitions` parts, as plain data.
    pub fn scan_spec(&self, columns: &[Column], partitions: usize, batch_size: usize) -> ScanSpec {
        ScanSpec {
            store: Store::Local,
            partitions: plan(&self.probes, partitions),
            format: self.format.as_ref().map(|f| f.header_line()),
            columns: columns.iter().map(|c| c.name().to_string()).collect(),
            batch_size,
            filters: Vec::new(),
            time: self.time,
        }
    }

    /// The pieces of each store this query reads, after pruning by key.
    async fn pieces(
        &self,
        filter: &KeyFilter,
        partitions: usize,
    ) -> Result<Vec<(Store, Vec<Vec<ScanPiece>>)>> {
        let mut out: Vec<(Store, Vec<Vec<ScanPiece>>)> = Vec::new();
        let (stdin, files): (Vec<&Probe>, Vec<&Probe>) =
            self.probes.iter().partition(|p| p.path == "-");
        let files: Vec<Probe> = files
            .into_iter()
            .filter(|p| filter.may_hold(&Partitions::from_key(&p.path)))
            .cloned()
            .collect();
        if !files.is_empty() {
            out.push((Store::Local, plan(&files, partitions)));
        }
        if !stdin.is_empty() {
            out.push((Store::Stdin, plan(&[stdin[0].clone()], 1)));
        }
        for root in &self.remote_roots {
            let Some(remote) = &self.remote else {
                return Err(DataFusionError::Plan(format!(
                    "{} needs the network settings",
                    root.display_name()
                )));
            };
            let (remote, root, filter) = (remote.clone(), root.clone(), filter.clone());
            let io = remote.handle();
            let listed = io
                .spawn_blocking(move || vpcflow_source::expand(&[root], &filter, Some(&remote)))
                .await
                .map_err(|e| DataFusionError::External(Box::new(e)))?;
            let (found, problems) = listed;
            if let Some(observer) = &self.observer {
                for p in &problems {
                    if !observer(crate::ScanEvent::Problem(p)) {
                        return Err(DataFusionError::External(Box::new(crate::Stopped)));
                    }
                }
            }
            group_remote(found, partitions, &mut out);
        }
        Ok(out)
    }
}

/// Puts listed S3 objects and log streams into one piece list per bucket or group.
fn group_remote(found: Vec<Input>, partitions: usize, out: &mut Vec<(Store, Vec<Vec<ScanPiece>>)>) {
    let mut stores: Vec<(Store, Vec<ScanPiece>)> = Vec::new();
    for input in found {
        let name = input.display_name();
        let (store, piece) = match input {
            Input::S3(o) => (
                Store::S3 { bucket: o.bucket },
                ScanPiece {
                    gzip: o.key.ends_with(".gz"),
                    location: o.key,
                    name,
                    size: o.size.unwrap_or(0),
                    range: None,
                    e_tag: o.e_tag,
                },
            ),
            Input::Logs(l) => (
                Store::Logs { group: l.group },
                ScanPiece {
                    location: l.prefix.unwrap_or_default(),
                    name,
                    size: 0,
                    range: None,
                    e_tag: None,
                    gzip: false,
                },
            ),
            _ => continue,
        };
        match stores.iter_mut().find(|(s, _)| *s == store) {
            Some((_, pieces)) => pieces.push(piece),
            None => stores.push((store, vec![piece])),
        }
    }
    for (store, pieces) in stores {
        // Streams are of unknown size: give each the same weight.
        out.push((store, deal(pieces, partitions)));
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

/// The fields of the newest object under an S3 prefix (the last key at each level, within the time range):
/// its header line (from its first 64 KiB), or its Parquet columns. A flow log's format never changes, so the
/// newest objects carry the formats of the flow logs delivering there now. Costs one listing per level and
/// one fetch.
fn sample_fields(
    remote: &Arc<Remote>,
    root: &vpcflow_source::S3Object,
    filter: &KeyFilter,
) -> Vec<String> {
    let store = remote.s3_store(&root.bucket);
    let key = root.key.trim_end_matches('/').to_string();
    let filter = filter.clone();
    let found = remote.block_on(async move {
        let mut prefix = (!key.is_empty()).then(|| object_store::path::Path::from(key.as_str()));
        for _ in 0..16 {
            let listed = store.list_with_delimiter(prefix.as_ref()).await.ok()?;
            let newest = listed
                .objects
                .iter()
                .rev()
                .find(|o| filter.may_hold(&Partitions::from_key(o.location.as_ref())));
            if let Some(o) = newest {
                let head =
                    (!o.location.as_ref().ends_with(".parquet")).then(|| 0..o.size.min(64 << 10));
                return vpcflow_source::remote::fetch(&store, &o.location, head, None)
                    .await
                    .ok();
            }
            prefix = Some(
                listed
                    .common_prefixes
                    .into_iter()
                    .rev()
                    .find(|p| filter.may_hold(&Partitions::from_key(&format!("{p}/"))))?,
            );
        }
        None
    });
    let bytes = match found {
        Some(vpcflow_source::remote::Fetched::File(_, path, range)) => std::fs::read(path)
            .ok()
            .map(|b| b[range.start as usize..(range.end as usize).min(b.len())].to_vec()),
        Some(vpcflow_source::remote::Fetched::Bytes(b)) => Some(b.to_vec()),
        None => None,
    };
    bytes
        .map(|b| crate::scan::fields_of(&b))
        .unwrap_or_default()
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
        let config = state.config();
        let filter = key_filter(filters, self.time);
        let predicates: Vec<Predicate> = filters.iter().filter_map(Predicate::from_expr).collect();
        let mut scans: Vec<Arc<dyn ExecutionPlan>> = Vec::new();
        let pieces = self.pieces(&filter, config.target_partitions()).await?;
        if let Some(observer) = &self.observer {
            let all = pieces.iter().flat_map(|(_, parts)| parts.iter().flatten());
            let (inputs, bytes) = all.fold((0, 0), |(n, b), p| {
                (n + u64::from(p.is_first()), b + p.weight_bytes())
            });
            observer(crate::ScanEvent::Planned { inputs, bytes });
        }
        for (store, partitions) in pieces {
            if let Some(object_store) = self.object_store(&store) {
                let url = datafusion::execution::object_store::ObjectStoreUrl::parse(store.url())?;
                state
                    .runtime_env()
                    .register_object_store(url.as_ref(), object_store);
            }
            let spec = ScanSpec {
                store,
                partitions,
                format: self.format.as_ref().map(|f| f.header_line()),
                columns: self.columns.iter().map(|c| c.name().to_string()).collect(),
                batch_size: config.batch_size(),
                filters: predicates.clone(),
                time: self.time,
            };
            let source = FlowsFileSource::local(
                spec,
                self.observer.clone(),
                !self.distributed,
                self.remote.clone(),
            );
            scans.push(source.exec(projection.cloned())?);
        }
        if scans.is_empty() {
            let schema = match projection {
                Some(p) => Arc::new(self.schema.project(p)?),
                None => self.schema.clone(),
            };
            return Ok(Arc::new(EmptyExec::new(schema)));
        }
        UnionExec::try_new(scans)
    }

    /// Comparisons of fields with constants are offered to the scan, which may skip Parquet row groups and
    /// pages that cannot match, and text lines whose value is another; conditions on the key's parts prune the
    /// listing. DataFusion still filters every row read (`Inexact`).
    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        Ok(filters
            .iter()
            .map(|f| {
                if Predicate::from_expr(f).is_some() || on_key(f) {
                    TableProviderFilterPushDown::Inexact
                } else {
                    TableProviderFilterPushDown::Unsupported
                }
            })
            .collect())
    }
}

impl FlowsTable {
    /// The object store a scan of `store` reads through (the local file system is the runtime's own).
    fn object_store(&self, store: &Store) -> Option<Arc<dyn ObjectStore>> {
        match store {
            Store::Local => None,
            Store::S3 { bucket } => self.remote.as_ref().map(|r| r.s3_store(bucket)),
            // Read by the source reader itself: the registry only needs to know the name.
            Store::Logs { .. } | Store::Stdin => {
                Some(Arc::new(object_store::memory::InMemory::new()) as Arc<dyn ObjectStore>)
            }
        }
    }
}
