//! Every format, byte for byte, and a closed output recognised by its kind in every format.

use arrow::array::{
    Array, ArrayRef, Int32Array, Int64Array, ListArray, StringArray, StringViewArray,
};
use arrow::datatypes::{DataType, Field, Int32Type, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use std::io::{self, Write};
use std::sync::Arc;
use vpcflow_print::{Options, Output, PrintError, Printer};

fn records() -> RecordBatch {
    let schema = Arc::new(Schema::new(vec![
        Field::new("srcaddr", DataType::Utf8, true),
        Field::new("dstport", DataType::Int32, true),
        Field::new("bytes", DataType::Int64, true),
        Field::new("log_status", DataType::Utf8, true),
    ]));
    RecordBatch::try_new(
        schema,
        vec![
            Arc::new(StringArray::from(vec![Some("10.0.0.1"), None])) as ArrayRef,
            Arc::new(Int32Array::from(vec![Some(443), None])),
            Arc::new(Int64Array::from(vec![Some(4249), None])),
            Arc::new(StringArray::from(vec![Some("OK"), Some("NODATA")])),
        ],
    )
    .unwrap()
}

fn print(
    output: Output,
    options: Options,
    batches: &[RecordBatch],
    columns: Option<&SchemaRef>,
) -> String {
    let mut p = Printer::new(output, Vec::new(), options);
    for b in batches {
        p.write(b).unwrap();
    }
    String::from_utf8(p.finish(columns).unwrap()).unwrap()
}

#[test]
fn table_aligns_every_row_or_prints_per_batch() {
    let b = records();
    let whole = print(
        Output::Table,
        Options::default(),
        &[b.clone(), b.clone()],
        None,
    );
    assert_eq!(whole.matches("+----------+").count(), 3, "{whole}");
    let per_batch = Options {
        table_per_batch: true,
        ..Options::default()
    };
    let twice = print(Output::Table, per_batch, &[b.clone(), b], None);
    assert_eq!(twice.matches("+----------+").count(), 6, "{twice}");
    let empty = print(
        Output::Table,
        Options::default(),
        &[],
        Some(&records().schema()),
    );
    assert!(
        empty.contains("| srcaddr | dstport | bytes | log_status |"),
        "{empty}"
    );
}

#[test]
fn csv_header_again_only_where_columns_change() {
    let b = records();
    let out = print(
        Output::Csv,
        Options::default(),
        &[b.clone(), b.clone()],
        None,
    );
    assert_eq!(
        out,
        "srcaddr,dstport,bytes,log_status\n10.0.0.1,443,4249,OK\n,,,NODATA\n10.0.0.1,443,4249,OK\n,,,NODATA\n"
    );
    let fewer = b.project(&[0, 3]).unwrap();
    let out = print(Output::Csv, Options::default(), &[b, fewer], None);
    assert!(
        out.contains("NODATA\nsrcaddr,log_status\n10.0.0.1,OK\n"),
        "{out}"
    );
    let empty = print(
        Output::Csv,
        Options::default(),
        &[],
        Some(&records().schema()),
    );
    assert_eq!(empty, "srcaddr,dstport,bytes,log_status\n");
}

#[test]
fn csv_nested_values_as_the_table_shows_them() {
    let parts = ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
        Some(vec![Some(22), Some(443)]),
        None,
    ]);
    let schema = Arc::new(Schema::new(vec![Field::new(
        "ports",
        parts.data_type().clone(),
        true,
    )]));
    let b = RecordBatch::try_new(schema, vec![Arc::new(parts) as ArrayRef]).unwrap();
    // A null in a one-column row is `""`, so that the row is not an empty line.
    assert_eq!(
        print(Output::Csv, Options::default(), &[b], None),
        "ports\n\"[22, 443]\"\n\"\"\n"
    );
}

#[test]
fn csv_formula_guard_for_spreadsheets() {
    let schema = Arc::new(Schema::new(vec![
        Field::new("tag", DataType::Utf8, true),
        Field::new("view", DataType::Utf8View, true),
        Field::new("n", DataType::Int64, true),
    ]));
    let b = RecordBatch::try_new(
        schema,
        vec![
            Arc::new(StringArray::from(vec![
                Some("=HYPERLINK(\"http://x\")"),
                Some("+1"),
                Some("-"),
                Some("@SUM(A1)"),
                Some("\tx"),
                Some("plain"),
                None,
            ])) as ArrayRef,
            Arc::new(StringViewArray::from(vec![Some("=1+1"); 7])),
            Arc::new(Int64Array::from(vec![-1; 7])),
        ],
    )
    .unwrap();
    let guarded = Options {
        csv_formula_guard: true,
        ..Options::default()
    };
    assert_eq!(
        print(Output::Csv, guarded, std::slice::from_ref(&b), None),
        "tag,view,n\n\"'=HYPERLINK(\"\"http://x\"\")\",'=1+1,-1\n'+1,'=1+1,-1\n'-,'=1+1,-1\n'@SUM(A1),'=1+1,-1\n\
         '\tx,'=1+1,-1\nplain,'=1+1,-1\n,'=1+1,-1\n"
    );
    // The command line's CSV keeps values as they are.
    let plain = print(Output::Csv, Options::default(), &[b], None);
    assert!(
        plain.starts_with("tag,view,n\n\"=HYPERLINK(\"\"http://x\"\")\",=1+1,-1\n"),
        "{plain}"
    );
}

#[test]
fn json_lines_with_explicit_nulls() {
    assert_eq!(
        print(Output::Json, Options::default(), &[records()], None),
        "{\"srcaddr\":\"10.0.0.1\",\"dstport\":443,\"bytes\":4249,\"log_status\":\"OK\"}\n\
         {\"srcaddr\":null,\"dstport\":null,\"bytes\":null,\"log_status\":\"NODATA\"}\n"
    );
}

#[test]
fn aws_text_with_header_where_asked() {
    let mut p = Printer::new(Output::Aws, Vec::new(), Options::default());
    p.header_next();
    p.write(&records()).unwrap();
    p.write(&records()).unwrap();
    let out = String::from_utf8(p.finish(None).unwrap()).unwrap();
    assert_eq!(
        out,
        "srcaddr dstport bytes log-status\n10.0.0.1 443 4249 OK\n- - - NODATA\n10.0.0.1 443 4249 OK\n- - - NODATA\n"
    );
    // No rows: the header alone, as AWS writes an object of a format.
    let mut p = Printer::new(Output::Aws, Vec::new(), Options::default());
    p.header_next();
    let out = String::from_utf8(p.finish(Some(&records().schema())).unwrap()).unwrap();
    assert_eq!(out, "srcaddr dstport bytes log-status\n");
}

#[test]
fn parquet_with_plain_strings_even_when_empty() {
    let schema = Arc::new(Schema::new(vec![Field::new("v", DataType::Utf8View, true)]));
    let b = RecordBatch::try_new(
        schema.clone(),
        vec![Arc::new(StringViewArray::from(vec![Some("a"), None])) as ArrayRef],
    )
    .unwrap();
    for (batches, rows) in [(vec![b], 2), (vec![], 0)] {
        let mut p = Printer::new(Output::Parquet, Vec::new(), Options::default());
        for b in &batches {
            p.write(b).unwrap();
        }
        let bytes = bytes::Bytes::from(p.finish(Some(&schema)).unwrap());
        let reader =
            parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(bytes).unwrap();
        assert_eq!(reader.schema().field(0).data_type(), &DataType::Utf8);
        let read: usize = reader.build().unwrap().map(|b| b.unwrap().num_rows()).sum();
        assert_eq!(read, rows);
    }
    let p = Printer::new(Output::Parquet, Vec::new(), Options::default());
    assert!(matches!(p.finish(None), Err(PrintError::NoColumns)));
}

/// A reader that went away after `room` bytes.
struct Closed {
    room: usize,
}

impl Write for Closed {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.room == 0 {
            return Err(io::Error::from(io::ErrorKind::BrokenPipe));
        }
        let n = buf.len().min(self.room);
        self.room -= n;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_closed_output_is_a_broken_pipe_in_every_format() {
    for output in [
        Output::Table,
        Output::Csv,
        Output::Json,
        Output::Parquet,
        Output::Aws,
    ] {
        for room in [0, 10] {
            let mut p = Printer::new(output, Closed { room }, Options::default());
            let mut error = None;
            for _ in 0..3 {
                if let Err(e) = p.write(&records()) {
                    error = Some(e);
                    break;
                }
            }
            let error = match error {
                Some(e) => e,
                None => p
                    .finish(Some(&records().schema()))
                    .err()
                    .expect("the output is closed"),
            };
            assert!(
                error.is_broken_pipe(),
                "{output:?} after {room} bytes: {error:?}"
            );
        }
    }
}
