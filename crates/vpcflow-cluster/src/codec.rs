//! The codecs every side of a cluster uses to turn plans into bytes and back.
//!
//! The client, the scheduler and the executors must agree on them. The logical codec carries the `flows` table
//! from the client to the scheduler as its [`TableDescription`] (the inputs as named, not the files under
//! them: the scheduler lists and prunes them itself when it plans the query); everything else goes to
//! Ballista's codec. The physical codec carries the `flows` scan from the scheduler to the executors as a
//! [`ScanSpec`] holding only the pieces of the task's own partitions (Ballista narrows the scan's file groups
//! to them before it encodes a task); it is composed with Ballista's, which records which codec encoded each
//! node, so nothing is decoded by the wrong one.

use crate::config::flows_options;
use ballista_core::serde::{BallistaLogicalExtensionCodec, BallistaPhysicalExtensionCodec};
use datafusion::catalog::TableProvider;
use datafusion::common::{DataFusionError, Result, TableReference};
use datafusion::datasource::file_format::FileFormatFactory;
use datafusion::datasource::source::DataSourceExec;
use datafusion::execution::TaskContext;
use datafusion::logical_expr::{AggregateUDF, Extension, LogicalPlan, ScalarUDF, WindowUDF};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::prelude::SessionConfig;
use datafusion_proto::logical_plan::LogicalExtensionCodec;
use datafusion_proto::physical_plan::{
    ComposedPhysicalExtensionCodec, PhysicalExtensionCodec, PhysicalProtoConverterExtension,
};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, OnceLock};
use vpcflow_engine::{
    FlowsFileSource, FlowsTable, Observer, ScanEvent, ScanSpec, TableDescription, TableOptions,
    scan_spec_of,
};

/// The logical codec (client to scheduler).
pub fn logical() -> Arc<dyn LogicalExtensionCodec> {
    Arc::new(FlowsLogicalCodec::default())
}

/// The physical codec (scheduler to executors, executors to each other).
pub fn physical() -> Arc<dyn PhysicalExtensionCodec> {
    Arc::new(ComposedPhysicalExtensionCodec::new(vec![
        Arc::new(FlowsPhysicalCodec),
        Arc::new(BallistaPhysicalExtensionCodec::default()),
    ]))
}

/// The first byte of an encoded table provider: ours, or Ballista's after it.
const FLOWS_TABLE: u8 = b'F';
const OTHER_TABLE: u8 = b'O';

/// The `flows` table as its description; anything else as Ballista encodes it. datafusion-proto has no composed
/// logical codec, so the tag byte says whose bytes follow.
#[derive(Debug, Default)]
pub struct FlowsLogicalCodec {
    inner: BallistaLogicalExtensionCodec,
}

impl LogicalExtensionCodec for FlowsLogicalCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[LogicalPlan],
        ctx: &TaskContext,
    ) -> Result<Extension> {
        self.inner.try_decode(buf, inputs, ctx)
    }

    fn try_encode(&self, node: &Extension, buf: &mut Vec<u8>) -> Result<()> {
        self.inner.try_encode(node, buf)
    }

    fn try_decode_table_provider(
        &self,
        buf: &[u8],
        table_ref: &TableReference,
        schema: datafusion::arrow::datatypes::SchemaRef,
        ctx: &TaskContext,
    ) -> Result<Arc<dyn TableProvider>> {
        match buf.split_first() {
            Some((&FLOWS_TABLE, rest)) => {
                let description: TableDescription = serde_json::from_slice(rest).map_err(|e| {
                    DataFusionError::Plan(format!("the description of table {table_ref}: {e}"))
                })?;
                let table = decode_table(&description, ctx.session_config())?;
                if table.schema().fields() != schema.fields() {
                    return Err(DataFusionError::Plan(format!(
                        "table {table_ref} has other columns here than where the query was planned \
                         (is every process of the cluster the same vpcflow?)"
                    )));
                }
                Ok(Arc::new(table))
            }
            Some((&OTHER_TABLE, rest)) => self
                .inner
                .try_decode_table_provider(rest, table_ref, schema, ctx),
            _ => Err(DataFusionError::Plan(format!(
                "table {table_ref} was encoded by another program than vpcflow"
            ))),
        }
    }

    fn try_encode_table_provider(
        &self,
        table_ref: &TableReference,
        node: Arc<dyn TableProvider>,
        buf: &mut Vec<u8>,
    ) -> Result<()> {
        if let Some(table) = node.downcast_ref::<FlowsTable>() {
            buf.push(FLOWS_TABLE);
            serde_json::to_writer(buf, &table.description()?)
                .map_err(|e| DataFusionError::External(Box::new(e)))?;
            return Ok(());
        }
        buf.push(OTHER_TABLE);
        self.inner.try_encode_table_provider(table_ref, node, buf)
    }

    fn try_decode_file_format(
        &self,
        buf: &[u8],
        ctx: &TaskContext,
    ) -> Result<Arc<dyn FileFormatFactory>> {
        self.inner.try_decode_file_format(buf, ctx)
    }

    fn try_encode_file_format(
        &self,
        buf: &mut Vec<u8>,
        node: Arc<dyn FileFormatFactory>,
    ) -> Result<()> {
        self.inner.try_encode_file_format(buf, node)
    }

    fn try_decode_udf(&self, name: &str, buf: &[u8]) -> Result<Arc<ScalarUDF>> {
        self.inner.try_decode_udf(name, buf)
    }

    fn try_encode_udf(&self, node: &ScalarUDF, buf: &mut Vec<u8>) -> Result<()> {
        self.inner.try_encode_udf(node, buf)
    }

    fn try_decode_udaf(&self, name: &str, buf: &[u8]) -> Result<Arc<AggregateUDF>> {
        self.inner.try_decode_udaf(name, buf)
    }

    fn try_encode_udaf(&self, node: &AggregateUDF, buf: &mut Vec<u8>) -> Result<()> {
        self.inner.try_encode_udaf(node, buf)
    }

    fn try_decode_udwf(&self, name: &str, buf: &[u8]) -> Result<Arc<WindowUDF>> {
        self.inner.try_decode_udwf(name, buf)
    }

    fn try_encode_udwf(&self, node: &WindowUDF, buf: &mut Vec<u8>) -> Result<()> {
        self.inner.try_encode_udwf(node, buf)
    }
}

/// The table on the scheduler: listed and pruned here, per query, through this process's own AWS credentials;
/// its scan is planned for tasks (its partitions never share pieces). Problems met while listing are logged,
/// and stop the query under `vpcflow.strict`.
fn decode_table(description: &TableDescription, config: &SessionConfig) -> Result<FlowsTable> {
    let strict = flows_options(config).strict;
    let remote = description
        .inputs
        .iter()
        .any(|i| i.starts_with("s3://"))
        .then(remote)
        .transpose()?;
    FlowsTable::from_description(
        description,
        TableOptions {
            observer: Some(logging_observer(strict)),
            remote,
            distributed: true,
            ..TableOptions::default()
        },
    )
}

/// This process's network side for S3 (its own credential chain, endpoint and region from its environment),
/// made once.
pub fn remote() -> Result<Arc<vpcflow_source::Remote>> {
    static REMOTE: OnceLock<Arc<vpcflow_source::Remote>> = OnceLock::new();
    if let Some(r) = REMOTE.get() {
        return Ok(r.clone());
    }
    let made = vpcflow_source::Remote::new(vpcflow_source::aws::AwsOptions::default(), None)
        .map_err(DataFusionError::IoError)?;
    Ok(REMOTE.get_or_init(|| made).clone())
}

/// Logs each problem in the input with its location (the scheduler's or executor's log); under `strict`, the
/// first one stops the read, and so the task and the query.
pub fn logging_observer(strict: bool) -> Observer {
    Arc::new(move |event: ScanEvent<'_>| match event {
        ScanEvent::Problem(p) => {
            log::warn!("{p}");
            !strict
        }
        ScanEvent::Done { .. } | ScanEvent::Planned { .. } => true,
    })
}

/// The `flows` scan as a task carries it.
#[derive(Serialize, Deserialize)]
struct EncodedScan {
    /// The pieces of the task's partitions only.
    spec: ScanSpec,
    projection: Option<Vec<usize>>,
    /// Rows wanted at most (a `LIMIT` pushed into the scan).
    limit: Option<usize>,
}

/// Encodes and decodes the `flows` scan (a `DataSourceExec` whose file source is vpcflow's); any other node is
/// refused, so that the composed codec hands it to Ballista's.
#[derive(Debug)]
pub struct FlowsPhysicalCodec;

impl PhysicalExtensionCodec for FlowsPhysicalCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[Arc<dyn ExecutionPlan>],
        ctx: &TaskContext,
        _proto_converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        if !inputs.is_empty() {
            return Err(DataFusionError::Internal(
                "the flows scan has no inputs".to_string(),
            ));
        }
        let scan: EncodedScan = serde_json::from_slice(buf)
            .map_err(|e| DataFusionError::Internal(format!("a flows scan as sent: {e}")))?;
        let strict = flows_options(ctx.session_config()).strict;
        // Never sharing: the other partitions of this scan may be other tasks'.
        let source = FlowsFileSource::local(scan.spec, Some(logging_observer(strict)), false, None);
        let exec: Arc<dyn ExecutionPlan> = source.exec(scan.projection)?;
        Ok(match scan.limit {
            Some(limit) => exec.with_fetch(Some(limit)).unwrap_or(exec),
            None => exec,
        })
    }

    fn try_encode(
        &self,
        node: Arc<dyn ExecutionPlan>,
        buf: &mut Vec<u8>,
        _proto_converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<()> {
        let scan = node
            .downcast_ref::<DataSourceExec>()
            .and_then(|exec| Some((exec, scan_spec_of(exec)?)));
        let Some((exec, (spec, projection))) = scan else {
            return Err(DataFusionError::NotImplemented(format!(
                "not a flows scan: {}",
                node.name()
            )));
        };
        let encoded = EncodedScan {
            spec,
            projection,
            limit: exec.fetch(),
        };
        serde_json::to_writer(buf, &encoded).map_err(|e| DataFusionError::External(Box::new(e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ballista_scheduler::state::task_builder::restrict_plan_to_partitions;
    use datafusion::arrow::array::{AsArray, RecordBatch};
    use datafusion::arrow::datatypes::Int64Type;
    use datafusion::prelude::SessionContext;
    use datafusion_proto::physical_plan::AsExecutionPlan;
    use datafusion_proto::protobuf::PhysicalPlanNode;
    use futures::TryStreamExt;
    use vpcflow_source::Input;

    /// Six small files of three records each (bytes 1..=18 in all), one flows table over their directory.
    fn table(dir: &std::path::Path) -> FlowsTable {
        let header = vpcflow_record::Format::default_v2().header_line();
        for f in 0..6 {
            let mut text = format!("{header}\n");
            for r in 0..3 {
                let bytes = f * 3 + r + 1;
                text.push_str(&format!(
                    "2 123456789012 eni-0a{f} 10.0.0.{r} 10.0.1.{f} 1234 443 6 1 {bytes} 1704067200 \
                     1704067260 ACCEPT OK\n"
                ));
            }
            std::fs::write(dir.join(format!("f{f}.log")), text).unwrap();
        }
        FlowsTable::new(
            &[Input::Path(dir.to_path_buf())],
            TableOptions {
                distributed: true,
                ..TableOptions::default()
            },
        )
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    }

    /// The first node named `name` in `plan`.
    fn find(plan: &Arc<dyn ExecutionPlan>, name: &str) -> Option<Arc<dyn ExecutionPlan>> {
        if plan.name() == name {
            return Some(plan.clone());
        }
        plan.children().into_iter().find_map(|c| find(c, name))
    }

    fn round_trip(plan: Arc<dyn ExecutionPlan>, ctx: &SessionContext) -> Arc<dyn ExecutionPlan> {
        let codec = physical();
        let node = PhysicalPlanNode::try_from_physical_plan(plan, codec.as_ref()).unwrap();
        node.try_into_physical_plan(&ctx.task_ctx(), codec.as_ref())
            .unwrap()
    }

    fn pieces(plan: &Arc<dyn ExecutionPlan>) -> Vec<Vec<String>> {
        let exec = plan
            .downcast_ref::<DataSourceExec>()
            .expect("the flows scan");
        let (spec, _) = scan_spec_of(exec).expect("a flows scan");
        spec.partitions
            .iter()
            .map(|p| p.iter().map(|piece| piece.location.clone()).collect())
            .collect()
    }

    #[test]
    fn each_task_carries_and_reads_only_its_own_pieces() {
        let dir = tempfile::tempdir().unwrap();
        let rt = runtime();
        let ctx = SessionContext::new_with_config(vpcflow_engine::session_config(3));
        vpcflow_engine::install(&ctx);
        ctx.register_table("flows", Arc::new(table(dir.path())))
            .unwrap();
        let plan = rt
            .block_on(async {
                ctx.sql("SELECT bytes FROM flows")
                    .await?
                    .create_physical_plan()
                    .await
            })
            .unwrap();
        let scan = find(&plan, "DataSourceExec").expect("a scan");
        let all = pieces(&scan);
        assert_eq!(all.len(), 3, "{all:?}");
        let source = |plan: &Arc<dyn ExecutionPlan>| {
            let exec = plan.downcast_ref::<DataSourceExec>().unwrap();
            let config = exec
                .data_source()
                .downcast_ref::<datafusion::datasource::physical_plan::FileScanConfig>()
                .unwrap();
            config
                .file_source()
                .downcast_ref::<FlowsFileSource>()
                .unwrap()
                .clone()
        };
        // The table was made for a cluster: even the scheduler's own plan does not share.
        assert!(!source(&scan).shares_work());
        let mut seen = Vec::new();
        let mut total = 0;
        for i in 0..all.len() {
            let task = restrict_plan_to_partitions(scan.clone(), &[i]).unwrap();
            let decoded = round_trip(task, &ctx);
            assert_eq!(pieces(&decoded), vec![all[i].clone()], "task {i}");
            assert!(!source(&decoded).shares_work());
            assert_eq!(decoded.schema(), scan.schema());
            // Run as an executor runs a task: every partition of the plan it was handed.
            let batches: Vec<RecordBatch> = rt
                .block_on(async {
                    let stream = decoded.execute(0, ctx.task_ctx())?;
                    stream.try_collect().await
                })
                .unwrap();
            for b in &batches {
                total += b
                    .column(0)
                    .as_primitive::<Int64Type>()
                    .iter()
                    .flatten()
                    .sum::<i64>();
            }
            seen.extend(all[i].clone());
        }
        seen.sort();
        let mut every: Vec<String> = all.concat();
        every.sort();
        assert_eq!(seen, every);
        assert_eq!(seen.len(), 6);
        assert_eq!(total, (1..=18).sum::<i64>());
    }

    #[test]
    fn the_table_travels_as_its_description() {
        let dir = tempfile::tempdir().unwrap();
        let table = Arc::new(table(dir.path()));
        let codec = logical();
        let name = TableReference::bare("flows");
        let mut buf = Vec::new();
        codec
            .try_encode_table_provider(&name, table.clone(), &mut buf)
            .unwrap();
        let text = String::from_utf8_lossy(&buf[1..]).into_owned();
        // The directory as named, not its files.
        assert!(text.contains(&dir.path().display().to_string()), "{text}");
        assert!(!text.contains("f0.log"), "{text}");
        let ctx = SessionContext::new();
        let decoded = codec
            .try_decode_table_provider(&buf, &name, table.schema(), &ctx.task_ctx())
            .unwrap();
        let decoded = decoded.downcast_ref::<FlowsTable>().unwrap();
        assert_eq!(decoded.description().unwrap(), table.description().unwrap());
        assert_eq!(decoded.schema(), table.schema());
        // Standard input cannot travel.
        let stdin = FlowsTable::new(&[Input::Stdin], TableOptions::default());
        let e = codec
            .try_encode_table_provider(&name, Arc::new(stdin), &mut Vec::new())
            .unwrap_err();
        assert!(
            e.to_string().contains("can only be read by the process"),
            "{e}"
        );
    }
}
