//! Filters pushed into the Parquet scan skip row groups and pages by their statistics, and never change an
//! answer: every query here is checked against the same rows counted in Rust.

use arrow::array::{Int32Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;
use std::sync::{Arc, Mutex};
use vpcflow_engine::{Engine, EngineOptions};

const ROWS: usize = 20_000;

/// action, dstport, bytes.
type Row = (Option<&'static str>, Option<i32>, Option<i64>);

/// Row `i`: REJECT for the first 30% (as `convert` sorts them), NODATA (nulls) for the last 5%, ACCEPT between.
fn row(i: usize) -> Row {
    if i < ROWS * 3 / 10 {
        (Some("REJECT"), Some((i % 50) as i32), Some(i as i64))
    } else if i < ROWS * 95 / 100 {
        (Some("ACCEPT"), Some((i % 7) as i32 + 1000), Some(i as i64))
    } else {
        (None, None, None)
    }
}

/// A file of small row groups and pages, so that statistics have something to skip.
fn write_file(dir: &std::path::Path) -> String {
    let schema = Arc::new(Schema::new(vec![
        Field::new("srcaddr", DataType::Utf8, true),
        Field::new("dstport", DataType::Int32, true),
        Field::new("bytes", DataType::Int64, true),
        Field::new("action", DataType::Utf8, true),
    ]));
    let rows: Vec<_> = (0..ROWS).map(row).collect();
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(StringArray::from_iter((0..ROWS).map(|i| {
                rows[i].0.map(|_| format!("10.0.{}.{}", i % 3, i % 250))
            }))),
            Arc::new(Int32Array::from_iter(rows.iter().map(|r| r.1))),
            Arc::new(Int64Array::from_iter(rows.iter().map(|r| r.2))),
            Arc::new(StringArray::from_iter(rows.iter().map(|r| r.0))),
        ],
    )
    .unwrap();
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(4_000))
        .set_data_page_row_count_limit(500)
        .set_write_batch_size(500)
        .build();
    let path = dir.join("flows.parquet");
    let mut w =
        ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), schema, Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    path.display().to_string()
}

/// How many rows `keep` keeps.
fn expect(keep: &dyn Fn(&Row) -> bool) -> i64 {
    (0..ROWS).map(row).filter(|r| keep(r)).count() as i64
}

/// Filters on `action` with their answers, for every reader.
fn action_cases() -> Vec<(&'static str, i64)> {
    vec![
        ("action = 'REJECT'", expect(&|r| r.0 == Some("REJECT"))),
        ("action = 'ACCEPT'", expect(&|r| r.0 == Some("ACCEPT"))),
        (
            "action IN ('ACCEPT', 'NOPE')",
            expect(&|r| r.0 == Some("ACCEPT")),
        ),
        ("action = 'NOPE'", 0),
    ]
}

/// An engine over `path` on two threads.
fn engine(path: String, observer: Option<vpcflow_engine::Observer>) -> Engine {
    Engine::new(
        &[vpcflow_source::Input::Path(path.into())],
        EngineOptions {
            threads: Some(2),
            observer,
            ..EngineOptions::default()
        },
    )
    .unwrap()
}

/// An observer that adds up the records and bad records of the files read.
fn tally() -> (vpcflow_engine::Observer, Arc<Mutex<(u64, u64)>>) {
    let seen = Arc::new(Mutex::new((0u64, 0u64)));
    let tally = seen.clone();
    let observer: vpcflow_engine::Observer = Arc::new(move |event| {
        if let vpcflow_engine::ScanEvent::Done { summary, .. } = event {
            let mut t = tally.lock().unwrap();
            t.0 += summary.records;
            t.1 += summary.bad_records;
        }
        true
    });
    (observer, seen)
}

fn count(engine: &Engine, sql: &str) -> i64 {
    let (_, batches) = engine.collect(sql).unwrap();
    batches[0]
        .column(0)
        .as_any()
        .downcast_ref::<Int64Array>()
        .unwrap()
        .value(0)
}

#[test]
fn statistics_skip_without_changing_answers() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path());
    let engine = engine(path, None);
    let mut cases = action_cases();
    cases.extend([
        ("dstport >= 1000", expect(&|r| r.1 >= Some(1000))),
        ("dstport < 10", expect(&|r| r.1.is_some_and(|p| p < 10))),
        ("22 > dstport", expect(&|r| r.1.is_some_and(|p| p < 22))),
        (
            "bytes > 15000 AND action = 'ACCEPT'",
            expect(&|r| r.2 > Some(15000) && r.0 == Some("ACCEPT")),
        ),
        (
            "action = 'REJECT' OR dstport = 1003",
            expect(&|r| r.0 == Some("REJECT") || r.1 == Some(1003)),
        ),
        ("action IS NULL", expect(&|r| r.0.is_none())),
        ("action <> 'ACCEPT'", expect(&|r| r.0 == Some("REJECT"))),
    ]);
    for (filter, want) in cases {
        let got = count(
            &engine,
            &format!("SELECT COUNT(*) FROM flows WHERE {filter}"),
        );
        assert_eq!(got, want, "{filter}");
    }
    let (_, batches) = engine
        .collect("EXPLAIN SELECT COUNT(*) FROM flows WHERE action = 'REJECT' AND dstport IN (1, 2)")
        .unwrap();
    let text = arrow::util::pretty::pretty_format_batches(&batches)
        .unwrap()
        .to_string();
    assert!(
        text.contains("filters=[action = 'REJECT', dstport IN (1, 2)]"),
        "{text}"
    );
}

#[test]
fn skipped_rows_still_count_as_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path());
    let (observer, seen) = tally();
    let engine = engine(path, Some(observer));
    assert_eq!(
        count(&engine, "SELECT COUNT(*) FROM flows WHERE action = 'NOPE'"),
        0
    );
    assert_eq!(seen.lock().unwrap().0, ROWS as u64);
}

/// The same rows as text lines of the default format, with a malformed line among them.
fn write_text(dir: &std::path::Path) -> String {
    let mut text = String::from(
        "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n",
    );
    for i in 0..ROWS {
        let line = match row(i) {
            (Some(action), Some(port), Some(bytes)) => format!(
                "2 123456789010 eni-1 10.0.{}.{} 10.1.0.1 1234 {port} 6 1 {bytes} 1 2 {action} OK\n",
                i % 3,
                i % 250
            ),
            _ => "2 123456789010 eni-1 - - - - - - - 1 2 - NODATA\n".to_string(),
        };
        text.push_str(&line);
        if i == 100 {
            // Too few fields: reported whatever the query, never counted.
            text.push_str("2 123456789010 eni-1 10.0.0.1 10.1.0.1 1234 6 1 40 1 2 ACCEPT OK\n");
        }
    }
    let path = dir.join("flows.log");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// Text lines that an equality leaves out unread never change an answer, are still counted as read, and a
/// malformed line is reported whatever the filter.
#[test]
fn text_lines_left_out_never_change_answers() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_text(dir.path());
    // (records, bad records) of the last query.
    let (observer, seen) = tally();
    let engine = engine(path, Some(observer));
    let mut cases = action_cases();
    cases.extend([
        ("dstport IN (1, 2)", expect(&|r| matches!(r.1, Some(1 | 2)))),
        (
            "action = 'REJECT' AND dstport = 7",
            expect(&|r| r.0 == Some("REJECT") && r.1 == Some(7)),
        ),
        ("log_status = 'NODATA'", expect(&|r| r.0.is_none())),
        ("action IS NULL", expect(&|r| r.0.is_none())),
    ]);
    for (filter, want) in cases {
        *seen.lock().unwrap() = (0, 0);
        let got = count(
            &engine,
            &format!("SELECT COUNT(*) FROM flows WHERE {filter}"),
        );
        assert_eq!(got, want, "{filter}");
        let (records, bad) = *seen.lock().unwrap();
        assert_eq!((records, bad), (ROWS as u64, 1), "{filter}");
    }
}
