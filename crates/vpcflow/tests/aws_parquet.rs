//! `vpcflow convert` and `vpcflow deliver --parquet` both write AWS's Parquet delivery schema
//! (`vpcflow_record::delivery_schema`): protocol INT_32 for VPC flow logs, INT_64 for transit gateway ones.

use arrow::datatypes::{DataType, Schema};
use std::path::{Path, PathBuf};
use vpcflow_record::{Field, Format, delivery_schema};

mod common;
use common::vpcflow;

/// A transit gateway record and a VPC one, each in its format's default, with the header line.
fn inputs(dir: &Path) -> Vec<(PathBuf, Format)> {
    let tgw = Format::transit_gateway_default();
    let tgw_line = "6 TransitGatewayAttachment 123456789010 tgw-0123456789abcdef0 tgw-attach-0a1b2c3d4e5f60718 \
                    123456789010 210987654321 vpc-0a1a1a1a1a1a1a1a1 vpc-0b2b2b2b2b2b2b2b2 subnet-0a1a1a1a1a1a1a1a1 \
                    subnet-0b2b2b2b2b2b2b2b2 eni-0a1a1a1a1a1a1a1a1 eni-0b2b2b2b2b2b2b2b2 use1-az1 use1-az2 \
                    tgw-attach-0f9e8d7c6b5a4f3e2 10.20.33.164 10.40.2.236 39812 80 6 10 2340 1700000000 1700000060 \
                    OK IPv4 0 0 0 0 3 us-east-1 egress - -";
    let vpc = Format::default_v2();
    let vpc_line = "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 \
                    1418530010 1418530070 ACCEPT OK";
    [("tgw", tgw, tgw_line), ("vpc", vpc, vpc_line)]
        .into_iter()
        .map(|(name, format, line)| {
            let path = dir.join(format!("{name}.log"));
            std::fs::write(&path, format!("{}\n{line}\n", format.header_line())).unwrap();
            (path, format)
        })
        .collect()
}

fn parquet_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(parquet_files(&p));
        } else if p.to_string_lossy().ends_with(".parquet") {
            out.push(p);
        }
    }
    out
}

/// The Arrow schema a Parquet file's own schema maps to (without the writer's metadata).
fn schema_of(path: &Path) -> Schema {
    let file = std::fs::File::open(path).unwrap();
    let reader =
        parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    Schema::new(reader.schema().fields().clone())
}

fn protocol_type(schema: &Schema) -> &DataType {
    schema.field_with_name("protocol").unwrap().data_type()
}

/// The one Parquet file under `out` has AWS's types for its columns, and protocol's type is the one of the
/// input's kind of flow log. `exact`: the columns are the format's fields, in order (convert writes every column of
/// the table it reads, which may be more).
fn check(command: &str, out: &Path, format: &Format, exact: bool) {
    let files = parquet_files(out);
    assert_eq!(files.len(), 1, "{command}: {files:?}");
    let schema = schema_of(&files[0]);
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| Field::from_name(f.name()).unwrap())
        .collect();
    assert_eq!(schema, delivery_schema(&fields), "{command}");
    if exact {
        assert_eq!(fields, format.fields(), "{command}");
    }
    let protocol = if format.is_transit_gateway() {
        DataType::Int64
    } else {
        DataType::Int32
    };
    assert_eq!(protocol_type(&schema), &protocol, "{command}");
}

#[test]
fn convert_writes_aws_delivery_schema() {
    let tmp = tempfile::tempdir().unwrap();
    for (input, format) in inputs(tmp.path()) {
        let out = tmp
            .path()
            .join(format!("convert-{}", format.is_transit_gateway()));
        let run = vpcflow()
            .args(["convert", "--out"])
            .arg(&out)
            .arg(&input)
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        check("convert", &out, &format, false);
    }
}

#[test]
fn deliver_parquet_writes_aws_delivery_schema() {
    let tmp = tempfile::tempdir().unwrap();
    for (input, format) in inputs(tmp.path()) {
        let out = tmp
            .path()
            .join(format!("deliver-{}", format.is_transit_gateway()));
        let run = vpcflow()
            .arg("deliver")
            .arg(&input)
            .arg("--to")
            .arg(format!("dir:{}", out.display()))
            .args([
                "--parquet",
                "--account",
                "123456789010",
                "--region",
                "us-east-1",
            ])
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        check("deliver --parquet", &out, &format, true);
    }
}
