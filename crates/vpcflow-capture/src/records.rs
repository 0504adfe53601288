//! Flow records as Arrow batches in the format's schema, so that `--output`, `vpcflow cat`'s writers and the
//! delivery crate take them unchanged.
//!
//! Rows are built once per flow per interval, never per packet, so the per-field `match` here costs nothing
//! that matters; the columns are resolved from the format once.

use crate::interfaces::InterfaceInfo;
use arrow::array::{ArrayRef, Int32Builder, Int64Builder, StringBuilder};
use arrow::datatypes::{DataType, SchemaRef};
use arrow::record_batch::RecordBatch;
use std::fmt::Write as _;
use std::net::IpAddr;
use std::sync::Arc;
use vpcflow_record::{Action, Direction, Field, Format, LogStatus};

/// One record before it becomes a row.
#[derive(Clone, Debug)]
pub struct Row<'a> {
    /// The interface.
    pub interface: &'a InterfaceInfo,
    /// `OK`, `NODATA` or `SKIPDATA`.
    pub status: LogStatus,
    /// The traffic, for `OK` records.
    pub flow: Option<FlowValues>,
    /// `start` (first packet, or the interval's start for NODATA/SKIPDATA).
    pub start: i64,
    /// `end`.
    pub end: i64,
}

/// The traffic fields of an `OK` record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlowValues {
    /// `srcaddr`.
    pub srcaddr: IpAddr,
    /// `dstaddr`.
    pub dstaddr: IpAddr,
    /// `pkt-srcaddr`.
    pub pkt_srcaddr: IpAddr,
    /// `pkt-dstaddr`.
    pub pkt_dstaddr: IpAddr,
    /// `srcport`.
    pub srcport: u16,
    /// `dstport`.
    pub dstport: u16,
    /// `protocol`.
    pub protocol: u8,
    /// `packets`.
    pub packets: u64,
    /// `bytes`.
    pub bytes: u64,
    /// `action`.
    pub action: Action,
    /// `tcp-flags`.
    pub tcp_flags: u8,
    /// `flow-direction`.
    pub direction: Direction,
    /// `traffic-path` (egress only, when the VPC model knows the route).
    pub traffic_path: Option<u8>,
}

enum Column {
    I32(Int32Builder),
    I64(Int64Builder),
    Str(StringBuilder),
}

/// Accumulates rows into batches of at most `batch_rows` rows.
pub struct RecordBuilder {
    format: Format,
    schema: SchemaRef,
    version: i32,
    columns: Vec<Column>,
    rows: usize,
    batch_rows: usize,
    done: Vec<RecordBatch>,
    scratch: String,
}

impl RecordBuilder {
    /// A builder for records of `format`.
    pub fn new(format: Format, batch_rows: usize) -> RecordBuilder {
        let schema = Arc::new(vpcflow_record::schema(format.fields()));
        let version = i32::from(format.version());
        let mut b = RecordBuilder {
            format,
            schema,
            version,
            columns: Vec::new(),
            rows: 0,
            batch_rows: batch_rows.max(1),
            done: Vec::new(),
            scratch: String::new(),
        };
        b.columns = b.fresh_columns();
        b
    }

    /// The schema of the batches (`vpcflow_record::schema` of the format's fields).
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// The format.
    pub fn format(&self) -> &Format {
        &self.format
    }

    fn fresh_columns(&self) -> Vec<Column> {
        self.schema
            .fields()
            .iter()
            .map(|f| match f.data_type() {
                DataType::Int32 => Column::I32(Int32Builder::with_capacity(self.batch_rows)),
                DataType::Int64 => Column::I64(Int64Builder::with_capacity(self.batch_rows)),
                _ => Column::Str(StringBuilder::with_capacity(
                    self.batch_rows,
                    self.batch_rows * 16,
                )),
            })
            .collect()
    }

    /// Appends one record.
    pub fn push(&mut self, row: &Row<'_>) {
        let fields: Arc<[Field]> = self.format.fields().into();
        for (i, field) in fields.iter().enumerate() {
            let value = self.value(*field, row);
            match (&mut self.columns[i], value) {
                (Column::I32(b), V::Int(v)) => b.append_value(v as i32),
                (Column::I64(b), V::Int(v)) => b.append_value(v),
                (Column::Str(b), V::Str) => b.append_value(&self.scratch),
                (Column::I32(b), _) => b.append_null(),
                (Column::I64(b), _) => b.append_null(),
                (Column::Str(b), _) => b.append_null(),
            }
        }
        self.rows += 1;
        if self.rows >= self.batch_rows {
            self.flush();
        }
    }

    /// The value of `field` for `row`; text values are left in `self.scratch`.
    fn value(&mut self, field: Field, row: &Row<'_>) -> V {
        let iface = row.interface;
        let flow = row.flow.as_ref();
        self.scratch.clear();
        let s = &mut self.scratch;
        let text = |s: &mut String, t: Option<&str>| match t {
            Some(t) => {
                s.push_str(t);
                V::Str
            }
            None => V::Null,
        };
        let addr = |s: &mut String, a: Option<IpAddr>| match a {
            Some(a) => {
                let _ = write!(s, "{a}");
                V::Str
            }
            None => V::Null,
        };
        match field {
            Field::Version => V::Int(i64::from(self.version)),
            Field::AccountId => text(s, Some(iface.account.as_deref().unwrap_or("unknown"))),
            Field::InterfaceId => text(s, Some(&iface.id)),
            Field::Srcaddr => addr(s, flow.map(|f| f.srcaddr)),
            Field::Dstaddr => addr(s, flow.map(|f| f.dstaddr)),
            Field::PktSrcaddr => addr(s, flow.map(|f| f.pkt_srcaddr)),
            Field::PktDstaddr => addr(s, flow.map(|f| f.pkt_dstaddr)),
            Field::Srcport => flow.map_or(V::Null, |f| V::Int(i64::from(f.srcport))),
            Field::Dstport => flow.map_or(V::Null, |f| V::Int(i64::from(f.dstport))),
            Field::Protocol => flow.map_or(V::Null, |f| V::Int(i64::from(f.protocol))),
            Field::Packets => flow.map_or(V::Null, |f| V::Int(f.packets as i64)),
            Field::Bytes => flow.map_or(V::Null, |f| V::Int(f.bytes as i64)),
            Field::Start => V::Int(row.start),
            Field::End => V::Int(row.end),
            Field::Action => text(s, flow.map(|f| f.action.word())),
            Field::LogStatus => text(s, Some(row.status.word())),
            Field::VpcId => text(s, iface.vpc_id.as_deref()),
            Field::SubnetId => text(s, iface.subnet_id.as_deref()),
            Field::InstanceId => text(s, iface.instance_id.as_deref()),
            Field::TcpFlags => flow.map_or(V::Null, |f| V::Int(i64::from(f.tcp_flags))),
            Field::Type => text(
                s,
                flow.map(|f| {
                    if f.pkt_srcaddr.is_ipv4() {
                        "IPv4"
                    } else {
                        "IPv6"
                    }
                }),
            ),
            Field::Region => text(s, iface.region.as_deref()),
            Field::AzId => text(s, iface.az_id.as_deref()),
            Field::FlowDirection => text(s, flow.map(|f| f.direction.word())),
            Field::TrafficPath => match flow {
                Some(f) if f.direction == Direction::Egress => {
                    f.traffic_path.map_or(V::Null, |p| V::Int(i64::from(p)))
                }
                _ => V::Null,
            },
            Field::InterfaceType => text(
                s,
                iface
                    .interface_type
                    .as_deref()
                    .filter(|t| *t != "interface"),
            ),
            // Everything else (sublocations, AWS service names, ECS, tags, next hops, transit gateway fields)
            // is not known from packets or from the model: `-`, as AWS writes for what does not apply.
            _ => V::Null,
        }
    }

    /// Closes the current batch (if it has rows).
    pub fn flush(&mut self) {
        if self.rows == 0 {
            return;
        }
        let fresh = self.fresh_columns();
        let columns: Vec<ArrayRef> = std::mem::replace(&mut self.columns, fresh)
            .into_iter()
            .map(|c| -> ArrayRef {
                match c {
                    Column::I32(mut b) => Arc::new(b.finish()),
                    Column::I64(mut b) => Arc::new(b.finish()),
                    Column::Str(mut b) => Arc::new(b.finish()),
                }
            })
            .collect();
        let batch = RecordBatch::try_new(self.schema.clone(), columns)
            .expect("columns are built from the schema");
        self.done.push(batch);
        self.rows = 0;
    }

    /// The finished batches (the current one is closed first).
    pub fn take(&mut self) -> Vec<RecordBatch> {
        self.flush();
        std::mem::take(&mut self.done)
    }
}

enum V {
    Null,
    Int(i64),
    Str,
}
