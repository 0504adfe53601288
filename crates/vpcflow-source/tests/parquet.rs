//! Parquet as AWS delivers it and as other tools write it. The files are written here with the `parquet` crate's
//! Arrow writer, in AWS's layout (GZIP codec, `_` column names, INT_32/INT_64/STRING types) or with the looser
//! types Spark, pandas and friends use.

use arrow::array::{
    Array, ArrayRef, AsArray, DictionaryArray, Float64Array, Int32Array, Int64Array,
    LargeStringArray, ListArray, RecordBatch, StringArray, UInt64Array,
};
use arrow::datatypes::{DataType, Date32Type, Field as ArrowField, Int32Type, Int64Type, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, GzipLevel};
use parquet::file::properties::WriterProperties;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use vpcflow_source::{Column, Extra, FileSummary, ProblemKind, ReadOptions, Shape};

mod common;
use common::{Read, read, read_with, strs};

impl Read {
    fn problems(&self) -> Vec<String> {
        self.problems.iter().map(ToString::to_string).collect()
    }

    fn summary(&self) -> &FileSummary {
        assert_eq!(self.done.len(), 1, "one summary per file");
        &self.done[0]
    }

    fn positions(&self) -> Vec<u64> {
        self.batches
            .iter()
            .flat_map(|b| b.positions.iter().copied())
            .collect()
    }

    fn names(&self) -> Vec<String> {
        self.batches[0]
            .data
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    fn types(&self) -> Vec<DataType> {
        self.batches[0]
            .data
            .schema()
            .fields()
            .iter()
            .map(|f| f.data_type().clone())
            .collect()
    }

    fn column(&self, name: &str, data_type: DataType) -> Vec<ArrayRef> {
        self.batches
            .iter()
            .map(|b| {
                let array = b
                    .data
                    .column_by_name(name)
                    .unwrap_or_else(|| panic!("no column {name}"));
                assert_eq!(array.data_type(), &data_type, "{name}");
                array.clone()
            })
            .collect()
    }

    fn strings(&self, name: &str) -> Vec<Option<String>> {
        self.column(name, DataType::Utf8)
            .iter()
            .flat_map(|a| {
                a.as_string::<i32>()
                    .iter()
                    .map(|v| v.map(str::to_string))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    fn i64s(&self, name: &str) -> Vec<Option<i64>> {
        self.column(name, DataType::Int64)
            .iter()
            .flat_map(|a| a.as_primitive::<Int64Type>().iter().collect::<Vec<_>>())
            .collect()
    }

    fn i32s(&self, name: &str) -> Vec<Option<i32>> {
        self.column(name, DataType::Int32)
            .iter()
            .flat_map(|a| a.as_primitive::<Int32Type>().iter().collect::<Vec<_>>())
            .collect()
    }
}

fn parquet_bytes(columns: Vec<(&str, ArrayRef)>, compression: Compression) -> Vec<u8> {
    let schema = Arc::new(Schema::new(
        columns
            .iter()
            .map(|(name, a)| ArrowField::new(*name, a.data_type().clone(), true))
            .collect::<Vec<_>>(),
    ));
    let batch = RecordBatch::try_new(
        schema.clone(),
        columns.into_iter().map(|(_, a)| a).collect(),
    )
    .unwrap();
    let props = WriterProperties::builder()
        .set_compression(compression)
        .build();
    let mut out = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut out, schema, Some(props)).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    out
}

fn write(path: &Path, bytes: &[u8]) -> PathBuf {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
    path.to_path_buf()
}

const AWS_KEY: &str = "AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1/year=2024/month=01/\
                       day=02/hour=03/123456789012_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20240102T0305Z_abcd1234.log.parquet";

/// The 14 default fields with AWS's Parquet types: three flows and a NODATA record.
fn aws_file() -> Vec<u8> {
    let s = |v: &[Option<&str>]| Arc::new(StringArray::from(v.to_vec())) as ArrayRef;
    let i32s = |v: &[Option<i32>]| Arc::new(Int32Array::from(v.to_vec())) as ArrayRef;
    let i64s = |v: &[Option<i64>]| Arc::new(Int64Array::from(v.to_vec())) as ArrayRef;
    let eni = Some("eni-0322957cfa6bc9585");
    parquet_bytes(
        vec![
            ("version", i32s(&[Some(2); 4])),
            ("account_id", s(&[Some("123456789012"); 4])),
            (
                "interface_id",
                s(&[eni, eni, eni, Some("eni-0a1b2c3d4e5f60789")]),
            ),
            (
                "srcaddr",
                s(&[
                    Some("82.209.245.153"),
                    Some("10.0.10.30"),
                    Some("2600:1f18:4a3:6902::1"),
                    None,
                ]),
            ),
            (
                "dstaddr",
                s(&[
                    Some("10.0.10.30"),
                    Some("52.94.133.131"),
                    Some("2606:4700::6810:85e5"),
                    None,
                ]),
            ),
            (
                "srcport",
                i32s(&[Some(123), Some(49152), Some(58114), None]),
            ),
            ("dstport", i32s(&[Some(35612), Some(443), Some(443), None])),
            ("protocol", i32s(&[Some(17), Some(6), Some(6), None])),
            ("packets", i64s(&[Some(1), Some(12), Some(3), None])),
            ("bytes", i64s(&[Some(76), Some(3964), Some(180), None])),
            (
                "start",
                i64s(&[
                    Some(1704164700),
                    Some(1704164700),
                    Some(1704164705),
                    Some(1704164710),
                ]),
            ),
            (
                "end",
                i64s(&[
                    Some(1704164760),
                    Some(1704164760),
                    Some(1704164765),
                    Some(1704164770),
                ]),
            ),
            (
                "action",
                s(&[Some("ACCEPT"), Some("ACCEPT"), Some("REJECT"), None]),
            ),
            (
                "log_status",
                s(&[Some("OK"), Some("OK"), Some("OK"), Some("NODATA")]),
            ),
        ],
        Compression::GZIP(GzipLevel::default()),
    )
}

#[test]
fn aws_parquet_reads_with_athena_types() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir.path().join(AWS_KEY), &aws_file());
    let r = read(&path);
    assert_eq!(r.problems(), Vec::<String>::new());
    assert_eq!(r.batches.len(), 1);
    let batch = &r.batches[0];
    assert_eq!(batch.source.shape, Shape::Parquet);
    assert_eq!(batch.source.format, None);
    assert_eq!(batch.source.partitions.region.as_deref(), Some("us-east-1"));
    assert_eq!(batch.location(3), format!("{}:row 4", path.display()));
    assert_eq!(r.positions(), [1, 2, 3, 4]);
    let defaults: Vec<vpcflow_record::Field> = vpcflow_record::format::DEFAULT_FIELDS.to_vec();
    assert_eq!(
        batch.data.schema().as_ref(),
        &vpcflow_record::schema(&defaults)
    );
    assert_eq!(r.i32s("version"), [Some(2); 4]);
    assert_eq!(r.strings("account_id"), strs(&[Some("123456789012"); 4]));
    assert_eq!(
        r.strings("srcaddr"),
        strs(&[
            Some("82.209.245.153"),
            Some("10.0.10.30"),
            Some("2600:1f18:4a3:6902::1"),
            None
        ])
    );
    assert_eq!(
        r.i32s("srcport"),
        [Some(123), Some(49152), Some(58114), None]
    );
    assert_eq!(r.i32s("dstport"), [Some(35612), Some(443), Some(443), None]);
    // INT_32 in AWS's file, bigint for Athena.
    assert_eq!(r.i64s("protocol"), [Some(17), Some(6), Some(6), None]);
    assert_eq!(r.i64s("packets"), [Some(1), Some(12), Some(3), None]);
    assert_eq!(r.i64s("bytes"), [Some(76), Some(3964), Some(180), None]);
    assert_eq!(
        r.i64s("start"),
        [
            Some(1704164700),
            Some(1704164700),
            Some(1704164705),
            Some(1704164710)
        ]
    );
    assert_eq!(
        r.i64s("end"),
        [
            Some(1704164760),
            Some(1704164760),
            Some(1704164765),
            Some(1704164770)
        ]
    );
    assert_eq!(
        r.strings("action"),
        strs(&[Some("ACCEPT"), Some("ACCEPT"), Some("REJECT"), None])
    );
    assert_eq!(
        r.strings("log_status"),
        strs(&[Some("OK"), Some("OK"), Some("OK"), Some("NODATA")])
    );
    assert_eq!(
        r.summary(),
        &FileSummary {
            name: path.display().to_string(),
            records: 4,
            bad_records: 0,
            failed: false,
            redacted: 0,
            bytes: 0
        }
    );
}

#[test]
fn partition_columns_and_projection() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir.path().join(AWS_KEY), &aws_file());
    let field = |name: &str| Column::from_name(name).unwrap();
    let columns = vec![
        field("dstport"),
        Column::Extra(Extra::AwsRegion),
        field("vpc-id"),
        field("logStatus"),
        Column::Extra(Extra::Date),
        Column::Extra(Extra::Path),
    ];
    let opts = ReadOptions {
        columns: Some(columns),
        batch_size: 3,
        ..ReadOptions::default()
    };
    let r = read_with(&path, &opts);
    assert_eq!(r.problems(), Vec::<String>::new());
    assert_eq!(
        r.names(),
        [
            "dstport",
            "aws-region",
            "vpc_id",
            "log_status",
            "date",
            "$path"
        ]
    );
    assert_eq!(
        r.types(),
        [
            DataType::Int32,
            DataType::Utf8,
            DataType::Utf8,
            DataType::Utf8,
            DataType::Date32,
            DataType::Utf8
        ]
    );
    // batch_size 3: two batches, row numbers running on.
    assert_eq!(
        r.batches
            .iter()
            .map(|b| b.positions.clone())
            .collect::<Vec<_>>(),
        [vec![1, 2, 3], vec![4]]
    );
    assert_eq!(r.i32s("dstport"), [Some(35612), Some(443), Some(443), None]);
    assert_eq!(r.strings("aws-region"), strs(&[Some("us-east-1"); 4]));
    assert_eq!(r.strings("vpc_id"), [None, None, None, None]);
    assert_eq!(
        r.strings("log_status"),
        strs(&[Some("OK"), Some("OK"), Some("OK"), Some("NODATA")])
    );
    let dates: Vec<Option<i32>> = r
        .column("date", DataType::Date32)
        .iter()
        .flat_map(|a| a.as_primitive::<Date32Type>().iter().collect::<Vec<_>>())
        .collect();
    assert_eq!(dates, [Some(19724); 4]); // 2024-01-02
    assert_eq!(
        r.strings("$path"),
        vec![Some(path.display().to_string()); 4]
    );

    // Partition columns only: no Parquet column is read, the rows are still counted.
    let opts = ReadOptions {
        columns: Some(vec![Column::Extra(Extra::AwsAccountId)]),
        ..ReadOptions::default()
    };
    let r = read_with(&path, &opts);
    assert_eq!(r.problems(), Vec::<String>::new());
    assert_eq!(
        r.strings("aws-account-id"),
        strs(&[Some("123456789012"); 4])
    );
    assert_eq!(r.summary().records, 4);
}

#[test]
fn loose_types_are_cast_and_bad_values_reported() {
    let dir = tempfile::tempdir().unwrap();
    let s = |v: &[Option<&str>]| Arc::new(StringArray::from(v.to_vec())) as ArrayRef;
    let interface: DictionaryArray<Int32Type> =
        vec!["eni-1a", "eni-1a", "eni-2b"].into_iter().collect();
    let flags = ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
        Some(vec![Some(2)]),
        None,
        Some(vec![]),
    ]);
    let bytes = parquet_bytes(
        vec![
            ("note", s(&[Some("from spark"), None, None])),
            ("version", s(&[Some("2"), Some("2"), Some("2")])),
            (
                "account_id",
                Arc::new(Int64Array::from(vec![
                    Some(123456789012),
                    Some(12345678901),
                    None,
                ])),
            ),
            ("interface_id", Arc::new(interface)),
            (
                "srcaddr",
                Arc::new(LargeStringArray::from(vec![
                    Some("10.0.0.1"),
                    Some("10.0.0.3"),
                    Some("xxx.xxx.xxx.xxx"),
                ])),
            ),
            (
                "dstaddr",
                s(&[Some("10.0.0.2"), Some("10.0.0.1"), Some("10.0.0.1")]),
            ),
            ("srcport", s(&[Some("443"), Some("-"), Some("")])),
            ("dstport", s(&[Some("49152"), Some("abc"), Some("70000")])),
            ("protocol", Arc::new(Int64Array::from(vec![6, 17, 300]))),
            (
                "packets",
                Arc::new(Float64Array::from(vec![Some(10.0), Some(f64::NAN), None])),
            ),
            (
                "bytes",
                Arc::new(UInt64Array::from(vec![Some(840), None, Some(60)])),
            ),
            (
                "start",
                s(&[Some("1704164700"), Some(""), Some("1704164700")]),
            ),
            (
                "end",
                Arc::new(Int64Array::from(vec![
                    Some(1704164760),
                    None,
                    Some(1704164760),
                ])),
            ),
            (
                "action",
                s(&[Some("ACCEPT"), Some("REJECT"), Some("accept")]),
            ),
            ("logStatus", s(&[Some("OK"), Some("OK"), Some("OK")])),
            ("tcp-flags", Arc::new(flags)),
        ],
        Compression::SNAPPY,
    );
    let path = write(&dir.path().join("export/part-00000.snappy.parquet"), &bytes);
    let r = read(&path);
    let file = path.display();
    assert_eq!(
        r.problems(),
        [
            format!(
                "{file}: column `tcp-flags` is of type List(Int32), which cannot hold a tcp-flags value; it is read as null"
            ),
            format!("{file}:row 2: field dstport: `abc` is not a whole number"),
            format!(
                "{file}:row 3: field dstport: `70000` is out of range (expected 0 to 65535); field protocol: `300` is \
                 out of range (expected 0 to 255); field action: `accept` is not one of ACCEPT, REJECT"
            ),
        ]
    );
    assert_eq!(
        r.problems.iter().map(|p| p.kind).collect::<Vec<_>>(),
        [
            ProblemKind::BadFile,
            ProblemKind::BadRecord,
            ProblemKind::BadRecord
        ]
    );
    // File order, unknown columns left out, every flow log column in Athena's type.
    assert_eq!(
        r.names(),
        [
            "version",
            "account_id",
            "interface_id",
            "srcaddr",
            "dstaddr",
            "srcport",
            "dstport",
            "protocol",
            "packets",
            "bytes",
            "start",
            "end",
            "action",
            "log_status",
            "tcp_flags"
        ]
    );
    assert_eq!(r.i32s("version"), [Some(2); 3]);
    // An account id stored as a number lost its leading zero; it is always 12 digits.
    assert_eq!(
        r.strings("account_id"),
        strs(&[Some("123456789012"), Some("012345678901"), None])
    );
    assert_eq!(
        r.strings("interface_id"),
        strs(&[Some("eni-1a"), Some("eni-1a"), Some("eni-2b")])
    );
    // A redacted address is kept as written and counted, as in text.
    assert_eq!(
        r.strings("srcaddr"),
        strs(&[Some("10.0.0.1"), Some("10.0.0.3"), Some("xxx.xxx.xxx.xxx")])
    );
    assert_eq!(r.i32s("srcport"), [Some(443), None, None]);
    assert_eq!(r.i32s("dstport"), [Some(49152), None, None]);
    assert_eq!(r.i64s("protocol"), [Some(6), Some(17), None]);
    assert_eq!(r.i64s("packets"), [Some(10), None, None]);
    assert_eq!(r.i64s("bytes"), [Some(840), None, Some(60)]);
    assert_eq!(r.i64s("start"), [Some(1704164700), None, Some(1704164700)]);
    assert_eq!(r.i64s("end"), [Some(1704164760), None, Some(1704164760)]);
    assert_eq!(
        r.strings("action"),
        strs(&[Some("ACCEPT"), Some("REJECT"), None])
    );
    assert_eq!(r.strings("log_status"), strs(&[Some("OK"); 3]));
    assert_eq!(r.i32s("tcp_flags"), [None, None, None]);
    assert_eq!(
        r.summary(),
        &FileSummary {
            name: file.to_string(),
            records: 3,
            bad_records: 2,
            failed: true,
            redacted: 1,
            bytes: 0
        }
    );

    // Past the limit, bad rows are counted, not shown one by one.
    let opts = ReadOptions {
        max_reported_per_file: 1,
        ..ReadOptions::default()
    };
    let r = read_with(&path, &opts);
    assert_eq!(
        r.problems()[1..],
        [
            format!("{file}:row 2: field dstport: `abc` is not a whole number"),
            format!("{file}: 1 more bad records not shown"),
        ]
    );
    assert_eq!(r.summary().bad_records, 2);
}

#[test]
fn transit_gateway_protocol_int64_and_timestamps() {
    let dir = tempfile::tempdir().unwrap();
    let stamps = arrow::array::TimestampMillisecondArray::from(vec![Some(1_704_164_700_000), None]);
    let bytes = parquet_bytes(
        vec![
            (
                "resource_type",
                Arc::new(StringArray::from(vec!["TransitGatewayAttachment"; 2])),
            ),
            (
                "tgw_id",
                Arc::new(StringArray::from(vec!["tgw-0123456789abcdef0"; 2])),
            ),
            ("protocol", Arc::new(Int64Array::from(vec![Some(6), None]))),
            (
                "packets_lost_no_route",
                Arc::new(Int64Array::from(vec![0, 3])),
            ),
            ("start", Arc::new(stamps)),
        ],
        Compression::GZIP(GzipLevel::default()),
    );
    let r = read(&write(&dir.path().join("tgw.parquet"), &bytes));
    assert_eq!(r.problems(), Vec::<String>::new());
    assert_eq!(
        r.names(),
        [
            "resource_type",
            "tgw_id",
            "protocol",
            "packets_lost_no_route",
            "start"
        ]
    );
    assert_eq!(r.i64s("protocol"), [Some(6), None]);
    assert_eq!(r.i64s("packets_lost_no_route"), [Some(0), Some(3)]);
    assert_eq!(r.i64s("start"), [Some(1704164700), None]);
}

#[test]
fn truncated_and_foreign_files() {
    let dir = tempfile::tempdir().unwrap();
    let whole = aws_file();
    let path = write(
        &dir.path().join("cut.log.parquet"),
        &whole[..whole.len() / 2],
    );
    let r = read(&path);
    assert!(r.batches.is_empty());
    assert_eq!(r.problems.len(), 1);
    assert_eq!(r.problems[0].kind, ProblemKind::BadFile);
    assert_eq!(
        r.problems[0].location.to_string(),
        path.display().to_string()
    );
    let message = &r.problems[0].message();
    assert_eq!(
        message,
        "not a readable Parquet file, truncated or corrupt? (Parquet error: Invalid Parquet file. Corrupt footer); \
         nothing was read"
    );
    assert!(r.summary().failed);

    // The footer is whole but the data is not: the problem says from which row on nothing could be read.
    let mut broken = whole.clone();
    broken[8..48].fill(0xff);
    let path = write(&dir.path().join("broken.log.parquet"), &broken);
    let r = read(&path);
    assert!(r.batches.is_empty());
    assert_eq!(r.problems.len(), 1, "{:?}", r.problems());
    assert_eq!(r.problems[0].kind, ProblemKind::BadFile);
    assert_eq!(
        r.problems[0].location.to_string(),
        format!("{}:row 1", path.display())
    );
    let message = &r.problems[0].message();
    assert!(
        message.starts_with("cannot read the rest of the file ("),
        "{message}"
    );
    assert!(
        message.ends_with("); the 0 rows before it were read"),
        "{message}"
    );
    assert!(r.summary().failed);

    // A Parquet file that is not flow logs.
    let bytes = parquet_bytes(
        vec![
            ("user", Arc::new(StringArray::from(vec!["a"]))),
            ("score", Arc::new(Int64Array::from(vec![1]))),
        ],
        Compression::UNCOMPRESSED,
    );
    let path = write(&dir.path().join("users.parquet"), &bytes);
    let r = read(&path);
    assert_eq!(
        r.problems(),
        [format!(
            "{}: no column is a flow log field (the file's columns: `user`, `score`)",
            path.display()
        )]
    );
    assert!(r.summary().failed);
}

#[test]
fn gzip_wrapped_parquet_is_read_from_memory() {
    let dir = tempfile::tempdir().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&aws_file()).unwrap();
    let path = write(&dir.path().join("flows.parquet.gz"), &gz.finish().unwrap());
    let r = read(&path);
    assert_eq!(r.problems(), Vec::<String>::new());
    assert_eq!(r.i64s("protocol"), [Some(17), Some(6), Some(6), None]);
    assert_eq!(r.summary().records, 4);
}
