//! `conversations` and `diagnose` over inputs of any size.
//!
//! Pairing needs the records in time order, and the records of a day of logs do not fit in memory as objects. So
//! the records are read once, as Arrow batches of the few columns pairing needs; while they go by, what they
//! teach about the interfaces (each one's own address, which ones are NAT gateways) is learnt, and they go into
//! the engine's spilling sort keyed by start time. Out of the sort, one row at a time becomes a
//! [`Flow`] and goes through [`Analysis`], which hands out connections (and diagnoses) as they are decided. Memory
//! is the sort's limit plus what [`Analysis`] holds: the traffic of a few aggregation intervals.

use crate::sort::ExternalSort;
use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, BooleanBuilder, Int64Array, RecordBatch, StringArray,
    UInt32Array, UInt64Array,
};
use arrow::compute::{cast, filter_record_batch};
use arrow::datatypes::{DataType, Field as ArrowField, Int64Type, Schema, SchemaRef};
use datafusion::common::{DataFusionError, Result};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use vpcflow_diagnose::analysis::{Analysis, Item, Options};
use vpcflow_diagnose::pairing::Learned;
use vpcflow_diagnose::{Counts, Flow};
use vpcflow_netmodel::VpcModel;
use vpcflow_record::reading::OwnAddresses;
use vpcflow_record::{Action, Direction, Field};
use vpcflow_source::{Batch, Column, SourceInfo};

/// The fields pairing reads, in the order of the sorted batches' first columns.
const FIELDS: [Field; 16] = [
    Field::InterfaceId,
    Field::Srcaddr,
    Field::Dstaddr,
    Field::PktSrcaddr,
    Field::PktDstaddr,
    Field::Srcport,
    Field::Dstport,
    Field::Protocol,
    Field::Packets,
    Field::Bytes,
    Field::Start,
    Field::End,
    Field::Action,
    Field::TcpFlags,
    Field::RejectReason,
    Field::FlowDirection,
];

/// The columns after the fields: the sort key, the file, the position in it, and whether the file's format has
/// `reject-reason` at all.
const KEY: usize = FIELDS.len();
const FILE: usize = KEY + 1;
const POS: usize = KEY + 2;
const HAS_REJECT_REASON: usize = KEY + 3;

/// How much memory the sort holds before it spills, by default.
pub const SORT_MEMORY: usize = 512 << 20;

fn text_field(f: Field) -> bool {
    matches!(
        f,
        Field::InterfaceId
            | Field::Srcaddr
            | Field::Dstaddr
            | Field::PktSrcaddr
            | Field::PktDstaddr
            | Field::Action
            | Field::RejectReason
            | Field::FlowDirection
    )
}

/// The sorted batches' schema.
fn schema() -> SchemaRef {
    let mut fields: Vec<ArrowField> = FIELDS
        .iter()
        .map(|f| {
            let t = if text_field(*f) {
                DataType::Utf8
            } else {
                DataType::Int64
            };
            ArrowField::new(f.column(), t, true)
        })
        .collect();
    fields.push(ArrowField::new("key", DataType::Int64, false));
    fields.push(ArrowField::new("file", DataType::UInt32, false));
    fields.push(ArrowField::new("pos", DataType::UInt64, false));
    fields.push(ArrowField::new(
        "has_reject_reason",
        DataType::Boolean,
        false,
    ));
    Arc::new(Schema::new(fields))
}

/// Records on their way into pairing: read, learnt from, sorted.
pub struct Connections {
    sort: ExternalSort,
    schema: SchemaRef,
    own: OwnAddresses,
    intermediate: BTreeSet<String>,
    files: Vec<Arc<SourceInfo>>,
    file_index: HashMap<*const SourceInfo, u32>,
    seq: u64,
    records: u64,
}

fn external(e: arrow::error::ArrowError) -> DataFusionError {
    DataFusionError::ArrowError(Box::new(e), None)
}

impl Connections {
    /// Ready for records, sorting with at most `memory` bytes before spilling.
    pub fn new(memory: usize) -> Result<Connections> {
        let schema = schema();
        Ok(Connections {
            sort: ExternalSort::new(schema.clone(), "key", memory)?,
            schema,
            own: OwnAddresses::new(),
            intermediate: BTreeSet::new(),
            files: Vec::new(),
            file_index: HashMap::new(),
            seq: 0,
            records: 0,
        })
    }

    /// The columns to read.
    pub fn columns() -> Vec<Column> {
        FIELDS.iter().map(|f| Column::Field(*f)).collect()
    }

    /// Records that go into pairing so far (NODATA and SKIPDATA records, and records without an interface,
    /// addresses or protocol, do not).
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Takes a batch read with [`Connections::columns`].
    pub fn add(&mut self, batch: &Batch) -> Result<()> {
        let data = &batch.data;
        let n = data.num_rows();
        let column = |f: Field, t: &DataType| -> Result<ArrayRef> {
            match data.column_by_name(f.column()) {
                Some(c) if c.data_type() == t => Ok(c.clone()),
                Some(c) => cast(c, t).map_err(external),
                None => Ok(arrow::array::new_null_array(t, n)),
            }
        };
        let mut columns = Vec::with_capacity(FIELDS.len() + 4);
        for f in FIELDS {
            let t = if text_field(f) {
                DataType::Utf8
            } else {
                DataType::Int64
            };
            columns.push(column(f, &t)?);
        }
        let status = column(Field::LogStatus, &DataType::Utf8)?;
        let status = status.as_string::<i32>();
        let text = |i: usize| columns[i].as_string::<i32>();
        let (iface, src, dst) = (text(0), text(1), text(2));
        let (pkt_src, pkt_dst, way) = (text(3), text(4), text(15));
        let protocol = columns[7].as_primitive::<Int64Type>();
        let (start, end) = (
            columns[10].as_primitive::<Int64Type>(),
            columns[11].as_primitive::<Int64Type>(),
        );
        let mut keep = BooleanBuilder::with_capacity(n);
        let mut key = Vec::with_capacity(n);
        let mut pos = Vec::with_capacity(n);
        for row in 0..n {
            let traffic = status.is_null(row) || status.value(row) == "OK";
            let usable = traffic
                && !iface.is_null(row)
                && address(src, row).is_some()
                && address(dst, row).is_some()
                && protocol.is_valid(row)
                && u8::try_from(protocol.value(row)).is_ok();
            keep.append_value(usable);
            if !usable {
                continue;
            }
            let direction = if way.is_null(row) {
                None
            } else {
                Direction::from_word(way.value(row))
            };
            self.own
                .observe(iface.value(row), src.value(row), dst.value(row), direction);
            let differs =
                |p: &StringArray, a: &StringArray| !p.is_null(row) && p.value(row) != a.value(row);
            if (differs(pkt_src, src) || differs(pkt_dst, dst))
                && !self.intermediate.contains(iface.value(row))
            {
                self.intermediate.insert(iface.value(row).to_string());
            }
            // Start time, then the order read, in one key: start (or end, or 0) in the high bits.
            let t = if start.is_valid(row) {
                start.value(row)
            } else if end.is_valid(row) {
                end.value(row)
            } else {
                0
            };
            key.push(t.clamp(0, (1 << 34) - 1) << 29 | (self.seq & ((1 << 29) - 1)) as i64);
            self.seq += 1;
            pos.push(batch.positions.get(row).copied().unwrap_or(0));
        }
        let kept = key.len();
        if kept == 0 {
            return Ok(());
        }
        self.records += kept as u64;
        let file = self.file_of(&batch.source);
        let has_rr = batch
            .source
            .format
            .as_ref()
            .is_none_or(|f| f.has(Field::RejectReason))
            && data.column_by_name(Field::RejectReason.column()).is_some();
        let keep = keep.finish();
        let fields = RecordBatch::try_new(
            Arc::new(Schema::new(self.schema.fields()[..FIELDS.len()].to_vec())),
            columns,
        )
        .map_err(external)?;
        let fields = filter_record_batch(&fields, &keep).map_err(external)?;
        let mut columns = fields.columns().to_vec();
        columns.push(Arc::new(Int64Array::from(key)));
        columns.push(Arc::new(UInt32Array::from(vec![file; kept])));
        columns.push(Arc::new(UInt64Array::from(pos)));
        columns.push(Arc::new(BooleanArray::from(vec![has_rr; kept])));
        let sorted_row = RecordBatch::try_new(self.schema.clone(), columns).map_err(external)?;
        self.sort.push(sorted_row)
    }

    fn file_of(&mut self, source: &Arc<SourceInfo>) -> u32 {
        let ptr = Arc::as_ptr(source);
        if let Some(i) = self.file_index.get(&ptr) {
            return *i;
        }
        let i = self.files.len() as u32;
        self.files.push(source.clone());
        self.file_index.insert(ptr, i);
        i
    }

    /// Pairs (and, as `options` asks, diagnoses against `model`) every record added, handing out each connection
    /// as it is decided; `progress` hears how many records have gone through. Returns the counts.
    pub fn run(
        self,
        model: Option<&VpcModel>,
        options: Options,
        progress: &mut dyn FnMut(u64),
        out: &mut dyn FnMut(Item),
    ) -> Result<Counts> {
        let learned = Learned {
            own: self.own.finish(),
            intermediate: self.intermediate,
        };
        let files = self.files;
        let mut analysis = Analysis::new(learned, model, options);
        let mut done = 0u64;
        for batch in self.sort.finish() {
            let batch = batch?;
            for flow in flows(&batch, &files) {
                analysis.push(flow, &mut |item| out(item));
            }
            done += batch.num_rows() as u64;
            progress(done);
        }
        Ok(analysis.finish(&mut |item| out(item)))
    }
}

/// The flows of a sorted batch.
fn flows<'a>(
    batch: &'a RecordBatch,
    files: &'a [Arc<SourceInfo>],
) -> impl Iterator<Item = Flow> + 'a {
    let text = |i: usize| batch.column(i).as_string::<i32>();
    let int = |i: usize| batch.column(i).as_primitive::<Int64Type>();
    let (iface, src, dst, pkt_src, pkt_dst) = (text(0), text(1), text(2), text(3), text(4));
    let (src_port, dst_port, protocol) = (int(5), int(6), int(7));
    let (packets, bytes, start, end) = (int(8), int(9), int(10), int(11));
    let (action, flags, reason, way) = (text(12), int(13), text(14), text(15));
    let file = batch
        .column(FILE)
        .as_primitive::<arrow::datatypes::UInt32Type>();
    let pos = batch
        .column(POS)
        .as_primitive::<arrow::datatypes::UInt64Type>();
    let has_rr = batch.column(HAS_REJECT_REASON).as_boolean();
    let opt_int = |a: &'a arrow::array::PrimitiveArray<Int64Type>, row: usize| {
        a.is_valid(row).then(|| a.value(row))
    };
    let opt_text = |a: &'a StringArray, row: usize| (!a.is_null(row)).then(|| a.value(row));
    (0..batch.num_rows()).map(move |row| {
        let src_text = address(src, row).unwrap_or_default();
        let dst_text = address(dst, row).unwrap_or_default();
        let packet = |a: &'a StringArray, own: &str| address(a, row).filter(|p| p != own);
        Flow {
            location: files[file.value(row) as usize].location(pos.value(row)),
            interface: iface.value(row).to_string(),
            pkt_src: packet(pkt_src, &src_text),
            pkt_dst: packet(pkt_dst, &dst_text),
            src: src_text,
            dst: dst_text,
            src_port: opt_int(src_port, row).unwrap_or(0) as u16,
            dst_port: opt_int(dst_port, row).unwrap_or(0) as u16,
            protocol: protocol.value(row) as u8,
            packets: opt_int(packets, row),
            bytes: opt_int(bytes, row),
            start: opt_int(start, row),
            end: opt_int(end, row),
            action: opt_text(action, row).and_then(Action::from_word),
            tcp_flags: opt_int(flags, row).map(|f| f as u8),
            reject_reason: opt_text(reason, row)
                .filter(|r| !r.is_empty())
                .map(str::to_string),
            has_reject_reason: has_rr.value(row),
            way: opt_text(way, row).and_then(Direction::from_word),
        }
    })
}

/// An address field as pairing compares it: an address in its usual spelling, or a redaction placeholder as
/// written; `None` for anything else (a record with such an address takes no part, as in
/// [`Flow::from_record`]).
fn address(a: &StringArray, row: usize) -> Option<String> {
    if a.is_null(row) {
        return None;
    }
    let text = a.value(row);
    match vpcflow_record::values::parse_addr(text.as_bytes()) {
        Some(ip) => Some(ip.to_string()),
        None if vpcflow_record::values::is_redacted(text.as_bytes()) => Some(text.to_string()),
        None => None,
    }
}
