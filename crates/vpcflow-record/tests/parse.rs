//! The parser against records from AWS's documentation and the seed articles.

use arrow::array::{Array, AsArray};
use arrow::datatypes::{Int32Type, Int64Type};
use vpcflow_record::{BatchBuilder, Field, Format, Record, Value};

/// Parses `lines` as one batch; errors as `line:column: message` in line order, whether the line was refused
/// at once (field count) or when the batch was finished (values).
fn parse_all(format: &Format, lines: &[&str]) -> (arrow::record_batch::RecordBatch, Vec<String>) {
    let mut b = BatchBuilder::new(format, None, 16);
    let mut errors = Vec::new();
    let mut accepted = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        match b.push_line(line.as_bytes()) {
            Ok(()) => accepted.push(i),
            Err(e) => errors.push((i, format!("{}:{}: {e}", i + 1, e.column))),
        }
    }
    let parsed = b.finish();
    for e in parsed.errors {
        let i = accepted[e.row];
        errors.push((i, format!("{}:{}: {}", i + 1, e.error.column, e.error)));
    }
    errors.sort();
    (parsed.batch, errors.into_iter().map(|(_, e)| e).collect())
}

#[test]
fn default_format_values_are_exact() {
    let (batch, errors) = parse_all(
        &Format::default_v2(),
        &[
            "2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK",
        ],
    );
    assert!(errors.is_empty());
    let names: Vec<_> = batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(
        names,
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
            "log_status"
        ]
    );
    assert_eq!(batch.column(0).as_primitive::<Int32Type>().value(0), 2);
    assert_eq!(batch.column(3).as_string::<i32>().value(0), "172.31.9.69");
    assert_eq!(batch.column(6).as_primitive::<Int32Type>().value(0), 3389);
    assert_eq!(batch.column(7).as_primitive::<Int64Type>().value(0), 6);
    assert_eq!(batch.column(9).as_primitive::<Int64Type>().value(0), 4249);
    assert_eq!(
        batch.column(11).as_primitive::<Int64Type>().value(0),
        1418530070
    );
    assert_eq!(batch.column(12).as_string::<i32>().value(0), "REJECT");
}

#[test]
fn nodata_fields_are_null_not_zero() {
    let (batch, errors) = parse_all(
        &Format::default_v2(),
        &["2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA"],
    );
    assert!(errors.is_empty());
    for col in [3, 4, 5, 6, 7, 8, 9, 12] {
        assert!(batch.column(col).is_null(0), "column {col}");
    }
    let r = Record::from_batch(&batch, 0, None);
    assert_eq!(r.get(Field::Srcaddr), Some(&Value::Absent));
    assert_eq!(r.int(Field::Start), Some(1431280876));
    assert_eq!(r.log_status(), Some(vpcflow_record::LogStatus::NoData));
}

#[test]
fn bad_lines_are_refused_whole_and_named() {
    let (batch, errors) = parse_all(
        &Format::default_v2(),
        &[
            "2 123456789010 eni-1235b8ca 55.123.456.78 172.11.22.333 0 0 1 8 672 1432917027 1432917142 ACCEPT OK",
            "2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 ACCEPT",
            "2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 70000 6 1 1 1 2 ACCEPT OK",
            "2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 accept OK",
            "2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 ACCEPT OK 2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 ACCEPT OK",
            "2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1x 1 2 ACCEPT OK",
            "2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 ACCEPT OK",
        ],
    );
    assert_eq!(
        errors,
        [
            "1:29: field srcaddr: `55.123.456.78` is not an IPv4 or IPv6 address",
            "2:0: 13 fields, but the format has 14",
            "3:42: field dstport: `70000` is out of range (expected 0 to 65535)",
            "4:54: field action: `accept` is not one of ACCEPT, REJECT",
            "5:64: 28 fields, but the format has 14 (it looks like 2 records joined on one line)",
            "6:48: field bytes: `1x` is not a whole number",
        ]
    );
    assert_eq!(batch.num_rows(), 1);
}

#[test]
fn redacted_values_are_kept_as_text_or_null() {
    // Seed 003: an account, an address and both times written over with x.
    let (batch, errors) = parse_all(
        &Format::default_v2(),
        &[
            "2 XXXXXXXXX eni-aaaaaaa xx.xx.xx.xx 10.0.0.1 123 40658 17 1 76 xxxxxxxxxx xxxxxxxxxx ACCEPT OK",
        ],
    );
    assert!(errors.is_empty(), "{errors:?}");
    let r = Record::from_batch(&batch, 0, None);
    assert_eq!(r.text(Field::AccountId), Some("XXXXXXXXX"));
    assert_eq!(
        r.addr(Field::Srcaddr),
        Some(vpcflow_record::Addr::Redacted("xx.xx.xx.xx".into()))
    );
    assert_eq!(r.get(Field::Start), Some(&Value::Absent));
}

#[test]
fn projection_and_missing_fields() {
    let format =
        Format::parse("instance-id interface-id srcaddr dstaddr pkt-srcaddr pkt-dstaddr").unwrap();
    let mut b = BatchBuilder::new(
        &format,
        Some(&[Field::PktDstaddr, Field::Action, Field::InterfaceId]),
        4,
    );
    b.push_line(b"- eni-1235b8ca123456789 10.0.1.5 10.0.0.220 10.0.1.5 203.0.113.5")
        .unwrap();
    // A trailing comment, as in AWS's documentation examples.
    b.push_line(b"i-01234567890123456 eni-1111aaaa2222bbbb3 10.0.1.5 203.0.113.5 10.0.1.5 203.0.113.5 #Traffic from the source instance").unwrap();
    let batch = b.finish().batch;
    assert_eq!(batch.num_rows(), 2);
    assert_eq!(batch.schema().field(0).name(), "pkt_dstaddr");
    assert_eq!(batch.column(0).as_string::<i32>().value(0), "203.0.113.5");
    assert_eq!(batch.column(1).null_count(), 2);
    assert_eq!(
        batch.column(2).as_string::<i32>().value(1),
        "eni-1111aaaa2222bbbb3"
    );
}

#[test]
fn non_utf8_text_is_refused_at_its_byte() {
    let mut b = BatchBuilder::new(&Format::default_v2(), None, 4);
    let mut line = b"2 1234 eni-ab".to_vec();
    line.extend([0xff, 0xfe]);
    line.extend(b" 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 ACCEPT OK");
    b.push_line(&line).unwrap();
    // Bytes outside UTF-8 in a field that is not text fail that field's own check.
    let mut line = b"2 1234 eni-ab 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 ACC".to_vec();
    line.extend([0xff]);
    line.extend(b" OK");
    b.push_line(&line).unwrap();
    let parsed = b.finish();
    assert_eq!(parsed.batch.num_rows(), 0);
    let e = &parsed.errors[0].error;
    assert_eq!(
        (e.column, e.to_string()),
        (14, "the line is not UTF-8 text (binary data?)".to_string())
    );
    assert!(
        parsed.errors[1]
            .error
            .to_string()
            .starts_with("field action:")
    );
}

#[test]
fn a_line_bad_late_leaves_no_trace() {
    let good = "2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 ACCEPT OK";
    let bad_late = [
        "2 999 eni-bad 10.9.9.9 10.9.9.8 9 9 9 9 9 9 9 ACCEPT BROKEN",
        "2 999 eni-bad 10.9.9.9 10.9.9.8 9 9 9 9 9x 9 9 ACCEPT OK",
        "2 999 eni-bad 10.9.9.9 10.9.9.8 9 99999 9 9 9 9 9 ACCEPT OK",
    ];
    let mut b = BatchBuilder::new(&Format::default_v2(), None, 2);
    for bad in bad_late {
        b.push_line(good.as_bytes()).unwrap();
        b.push_line(bad.as_bytes()).unwrap();
    }
    let mixed = b.finish();
    assert_eq!(
        mixed.errors.iter().map(|e| e.row).collect::<Vec<_>>(),
        [1, 3, 5]
    );
    let mut clean = BatchBuilder::new(&Format::default_v2(), None, 2);
    for _ in bad_late {
        clean.push_line(good.as_bytes()).unwrap();
    }
    assert_eq!(mixed.batch, clean.finish().batch);
}
