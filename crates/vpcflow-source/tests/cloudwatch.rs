//! CloudWatch Logs JSON as people save it: CLI output, subscription envelopes, Firehose objects.
//!
//! The fixtures in `tests/data/cloudwatch/` are shaped like the real thing: `aws logs` output pretty-printed as
//! the CLI prints it, envelopes gzip'd as CloudWatch Logs sends them, and a Firehose object made of one gzip
//! member per envelope with no delimiter between the JSON documents (`printf … | gzip -n >> object`).

use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Int32Type, Int64Type};
use std::path::{Path, PathBuf};
use vpcflow_source::{FileSummary, Input, ProblemKind, ReadOptions, Shape, read_input};

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

    fn strings(&self, column: &str) -> Vec<Option<String>> {
        self.batches
            .iter()
            .flat_map(|b| {
                let array = b
                    .data
                    .column_by_name(column)
                    .unwrap_or_else(|| panic!("no column {column}"));
                assert_eq!(array.data_type(), &DataType::Utf8, "{column}");
                array
                    .as_string::<i32>()
                    .iter()
                    .map(|v| v.map(str::to_string))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    fn i64s(&self, column: &str) -> Vec<Option<i64>> {
        self.batches
            .iter()
            .flat_map(|b| {
                let array = b
                    .data
                    .column_by_name(column)
                    .unwrap_or_else(|| panic!("no column {column}"));
                assert_eq!(array.data_type(), &DataType::Int64, "{column}");
                array.as_primitive::<Int64Type>().iter().collect::<Vec<_>>()
            })
            .collect()
    }

    fn i32s(&self, column: &str) -> Vec<Option<i32>> {
        self.batches
            .iter()
            .flat_map(|b| {
                let array = b
                    .data
                    .column_by_name(column)
                    .unwrap_or_else(|| panic!("no column {column}"));
                assert_eq!(array.data_type(), &DataType::Int32, "{column}");
                array.as_primitive::<Int32Type>().iter().collect::<Vec<_>>()
            })
            .collect()
    }
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/cloudwatch")
        .join(name)
}

fn text_file(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const SEED: &str = "2 417338593075 eni-0322957cfa6bc9585 82.209.245.153 10.0.10.30 123 35612 17 1 76 1676320247 1676320307 ACCEPT OK";

#[test]
fn filter_log_events_output() {
    let path = fixture("filter-log-events.json");
    let r = read(&path);
    assert_eq!(r.problems(), Vec::<String>::new());
    assert_eq!(r.batches.len(), 1);
    let batch = &r.batches[0];
    assert_eq!(batch.source.shape, Shape::CloudWatchJson);
    assert!(!batch.source.header);
    let names: Vec<String> = batch
        .data
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
    assert_eq!(r.positions(), [1, 2, 3]);
    assert_eq!(batch.location(2), format!("{}:event 3", path.display()));
    assert_eq!(r.i32s("version"), [Some(2), Some(2), Some(2)]);
    assert_eq!(r.strings("account_id"), strs(&[Some("417338593075"); 3]));
    assert_eq!(
        r.strings("interface_id"),
        strs(&[
            Some("eni-0322957cfa6bc9585"),
            Some("eni-0322957cfa6bc9585"),
            Some("eni-0a1b2c3d4e5f60789")
        ])
    );
    assert_eq!(
        r.strings("srcaddr"),
        strs(&[Some("82.209.245.153"), Some("10.0.10.30"), None])
    );
    assert_eq!(
        r.strings("dstaddr"),
        strs(&[Some("10.0.10.30"), Some("52.94.133.131"), None])
    );
    assert_eq!(r.i32s("srcport"), [Some(123), Some(49152), None]);
    assert_eq!(r.i32s("dstport"), [Some(35612), Some(443), None]);
    assert_eq!(r.i64s("protocol"), [Some(17), Some(6), None]);
    assert_eq!(r.i64s("packets"), [Some(1), Some(12), None]);
    assert_eq!(r.i64s("bytes"), [Some(76), Some(3964), None]);
    assert_eq!(
        r.i64s("start"),
        [Some(1676320247), Some(1676320247), Some(1676320260)]
    );
    assert_eq!(
        r.i64s("end"),
        [Some(1676320307), Some(1676320307), Some(1676320320)]
    );
    assert_eq!(
        r.strings("action"),
        strs(&[Some("ACCEPT"), Some("ACCEPT"), None])
    );
    assert_eq!(
        r.strings("log_status"),
        strs(&[Some("OK"), Some("OK"), Some("NODATA")])
    );
    assert_eq!(
        r.summary(),
        &FileSummary {
            name: path.display().to_string(),
            records: 3,
            bad_records: 0,
            failed: false,
            redacted: 0,
            bytes: 0
        }
    );
}

#[test]
fn get_log_events_pages() {
    // Two pages one after the other, the last one empty, as `--no-paginate` loops save them.
    let r = read(&fixture("get-log-events.json"));
    assert_eq!(r.problems(), Vec::<String>::new());
    assert_eq!(r.positions(), [1, 2]);
    assert_eq!(
        r.strings("srcaddr"),
        strs(&[Some("82.209.245.153"), Some("185.156.73.54")])
    );
    assert_eq!(r.i32s("dstport"), [Some(35612), Some(3389)]);
    assert_eq!(r.strings("action"), strs(&[Some("ACCEPT"), Some("REJECT")]));
    assert_eq!(r.summary().records, 2);
}

#[test]
fn gzipped_subscription_envelope() {
    let r = read(&fixture("subscription.json.gz"));
    assert_eq!(r.problems(), Vec::<String>::new());
    assert_eq!(r.positions(), [1, 2]);
    assert_eq!(
        r.strings("srcaddr"),
        strs(&[Some("82.209.245.153"), Some("10.0.10.30")])
    );
    assert_eq!(r.i32s("srcport"), [Some(123), Some(35612)]);
    assert_eq!(r.i64s("protocol"), [Some(17), Some(17)]);
    assert_eq!(r.summary().records, 2);
}

#[test]
fn firehose_object_of_gzip_members_with_a_control_message() {
    let path =
        fixture("firehose-vpcflow-1-2024-01-02-03-04-05-7b1c9e2a-52d4-4f0e-9a53-1d2f3e4a5b6c.gz");
    let r = read(&path);
    // The control message's text is not a record and is not counted as an event.
    assert_eq!(r.problems(), Vec::<String>::new());
    assert_eq!(r.positions(), [1, 2, 3]);
    assert_eq!(
        r.strings("interface_id"),
        strs(&[
            Some("eni-0322957cfa6bc9585"),
            Some("eni-0a1b2c3d4e5f60789"),
            Some("eni-0a1b2c3d4e5f60789")
        ])
    );
    assert_eq!(
        r.strings("srcaddr"),
        strs(&[Some("82.209.245.153"), Some("10.0.20.7"), None])
    );
    assert_eq!(r.i32s("dstport"), [Some(35612), Some(5432), None]);
    assert_eq!(r.i64s("bytes"), [Some(76), Some(8400), None]);
    assert_eq!(
        r.i64s("start"),
        [Some(1704164700), Some(1704164705), Some(1704164705)]
    );
    assert_eq!(
        r.strings("log_status"),
        strs(&[Some("OK"), Some("OK"), Some("NODATA")])
    );
    assert_eq!(r.summary().records, 3);
}

const CUSTOM: &str = "${version} ${vpc-id} ${subnet-id} ${instance-id} ${interface-id} ${account-id} ${type} ${srcaddr} \
                      ${dstaddr} ${srcport} ${dstport} ${pkt-srcaddr} ${pkt-dstaddr} ${protocol} ${bytes} ${packets} \
                      ${start} ${end} ${action} ${tcp-flags} ${log-status}";

#[test]
fn custom_format_messages_need_the_format() {
    let path = fixture("custom-format.jsonl");
    let opts = ReadOptions {
        format: Some(vpcflow_record::Format::parse(CUSTOM).unwrap()),
        ..ReadOptions::default()
    };
    let r = read_with(&path, &opts);
    assert_eq!(r.problems(), Vec::<String>::new());
    assert_eq!(r.positions(), [1, 2]);
    assert_eq!(r.batches[0].data.num_columns(), 21);
    assert_eq!(r.i32s("version"), [Some(3), Some(3)]);
    assert_eq!(
        r.strings("vpc_id"),
        strs(&[Some("vpc-0a1b2c3d4e5f60789"); 2])
    );
    assert_eq!(
        r.strings("instance_id"),
        strs(&[Some("i-0123456789abcdef0"), None])
    );
    assert_eq!(r.strings("type"), strs(&[Some("IPv4"), Some("IPv4")]));
    assert_eq!(
        r.strings("pkt_dstaddr"),
        strs(&[Some("52.94.133.131"), Some("10.0.2.15")])
    );
    assert_eq!(r.i64s("bytes"), [Some(3964), Some(1520)]);
    assert_eq!(r.i64s("packets"), [Some(12), Some(8)]);
    assert_eq!(r.i32s("tcp_flags"), [Some(19), Some(2)]);
    assert_eq!(r.strings("action"), strs(&[Some("ACCEPT"), Some("REJECT")]));

    // Without it, the first message says what is missing and the file stops there.
    let r = read(&path);
    assert!(r.batches.is_empty());
    assert_eq!(
        r.problems(),
        [format!(
            "{}:event 1: 21 fields and no header line: this is not the default format (14 fields); give the format \
             with --format (e.g. --format '${{version}} ${{vpc-id}} …')",
            path.display()
        )]
    );
    assert!(r.summary().failed);
}

#[test]
fn bad_messages_are_located_by_event_and_column() {
    let path = fixture("bad-message.json");
    let r = read(&path);
    let file = path.display();
    assert_eq!(
        r.problems(),
        [
            format!("{file}:event 2:69: field dstport: `abc` is not a whole number"),
            format!(
                "{file}:event 3: the event (an object with keys `ingestionTime`, `timestamp`) has no `message`"
            ),
        ]
    );
    assert!(r.problems.iter().all(|p| p.kind == ProblemKind::BadRecord));
    assert_eq!(r.positions(), [1, 4]);
    assert_eq!(
        r.strings("srcaddr"),
        strs(&[Some("82.209.245.153"), Some("185.156.73.54")])
    );
    assert_eq!(
        r.summary(),
        &FileSummary {
            name: file.to_string(),
            records: 2,
            bad_records: 2,
            failed: false,
            redacted: 0,
            bytes: 0
        }
    );
}

#[test]
fn truncated_json_keeps_the_events_before_the_cut() {
    // The first 700 bytes of filter-log-events.json: the cut falls inside the second event.
    let path = fixture("truncated.json");
    let r = read(&path);
    assert_eq!(
        r.problems(),
        [format!(
            "{}: the JSON is cut short at line 15, column 6 (byte 700): EOF while parsing a value; the 1 event \
             before it was read",
            path.display()
        )]
    );
    assert_eq!(r.problems[0].kind, ProblemKind::BadFile);
    assert_eq!(r.positions(), [1]);
    assert_eq!(r.strings("srcaddr"), strs(&[Some("82.209.245.153")]));
    let s = r.summary();
    assert_eq!((s.records, s.bad_records, s.failed), (1, 0, true));
}

#[test]
fn malformed_json_names_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{{\"events\": [\n  {{\"message\": \"{SEED}\"}},,\n  {{\"message\": \"{SEED}\"}}\n]}}\n"
    );
    let path = text_file(&dir, "broken.json", &text);
    let r = read(&path);
    assert_eq!(
        r.problems(),
        [format!(
            "{}: malformed JSON at line 2, column {}: expected value; the 1 event before it was read",
            path.display(),
            SEED.len() + 19,
        )]
    );
    assert_eq!(r.positions(), [1]);

    // Firehose-style, on one line: the position counts from the start of the file, not of the broken value.
    let first = format!("{{\"message\":\"{SEED}\"}}");
    let path = text_file(
        &dir,
        "glued.json",
        &format!("\n{first}{first}{{\"message\": tru}}"),
    );
    let r = read(&path);
    assert_eq!(
        r.problems(),
        [format!(
            "{}: malformed JSON at line 2, column {}: expected ident; the 2 events before it were read",
            path.display(),
            2 * first.len() + 16,
        )]
    );
    assert_eq!(r.positions(), [1, 2]);
}

#[test]
fn events_on_their_own_and_arrays_of_envelopes() {
    let dir = tempfile::tempdir().unwrap();
    // JSON Lines of bare events, as `jq -c '.events[]'` leaves them.
    let lines = format!(
        "{{\"timestamp\":1,\"message\":\"{SEED}\"}}\n{{\"timestamp\":2,\"message\":\"{SEED}\\n\"}}\n"
    );
    let r = read(&text_file(&dir, "events.jsonl", &lines));
    assert_eq!(r.problems(), Vec::<String>::new());
    assert_eq!(r.positions(), [1, 2]);
    assert_eq!(r.i32s("srcport"), [Some(123), Some(123)]);

    // An array of envelopes (as a Lambda test event file may hold), `messageType` after `logEvents`.
    let envelopes = format!(
        "[{{\"logEvents\":[{{\"id\":\"1\",\"timestamp\":1,\"message\":\"{SEED}\"}}],\"messageType\":\"DATA_MESSAGE\"}},\
         {{\"logEvents\":[{{\"id\":\"\",\"timestamp\":1,\"message\":\"CWL CONTROL MESSAGE\"}}],\"messageType\":\"CONTROL_MESSAGE\"}},\
         {{\"messageType\":\"DATA_MESSAGE\",\"logEvents\":[{{\"id\":\"2\",\"timestamp\":1,\"message\":\"{SEED}\"}}]}}]"
    );
    let r = read(&text_file(&dir, "envelopes.json", &envelopes));
    assert_eq!(r.problems(), Vec::<String>::new());
    assert_eq!(r.positions(), [1, 2]);
    assert_eq!(
        r.strings("dstaddr"),
        strs(&[Some("10.0.10.30"), Some("10.0.10.30")])
    );
}

#[test]
fn json_that_is_not_cloudwatch_output_says_what_was_expected() {
    let dir = tempfile::tempdir().unwrap();
    let expected = "expected `aws logs filter-log-events` or `get-log-events` output ({\"events\": […]}), a \
                    subscription envelope ({\"messageType\": \"DATA_MESSAGE\", \"logEvents\": […]}) or log events \
                    ({\"message\": …})";
    let path = text_file(
        &dir,
        "config.json",
        "{\"Version\": \"2012-10-17\", \"Statement\": []}",
    );
    let r = read(&path);
    assert_eq!(
        r.problems(),
        [format!(
            "{}: JSON value 1 (an object with keys `Statement`, `Version`) is not CloudWatch Logs output: {expected}",
            path.display()
        )]
    );
    assert!(r.summary().failed);

    let path = text_file(
        &dir,
        "numbers.json",
        &format!("{{\"message\": \"{SEED}\"}}\n[1]"),
    );
    let r = read(&path);
    assert_eq!(
        r.problems(),
        [format!(
            "{}: JSON value 2, element 1 (the number 1) is not CloudWatch Logs output: {expected}",
            path.display()
        )]
    );
    assert_eq!(r.positions(), [1]);

    let path = text_file(
        &dir,
        "lambda.json",
        "{\"awslogs\": {\"data\": \"H4sIAAAAAAAAA6tWKkktLlGyUlAqSy0qzszPUzLUM1TSUcpLzE0FCiWlFpUoAQBH+2DCIAAAAA==\"}}",
    );
    let r = read(&path);
    assert_eq!(
        r.problems(),
        [format!(
            "{}: JSON value 1 is a Lambda event whose `awslogs.data` is still base64 and gzip: decode it first \
             (`jq -r .awslogs.data | base64 -d | gunzip`)",
            path.display()
        )]
    );

    let path = text_file(&dir, "events-string.json", "{\"events\": \"none\"}");
    let r = read(&path);
    assert_eq!(
        r.problems(),
        [format!(
            "{}: JSON value 1: `events` is a string, not a list of log events",
            path.display()
        )]
    );
}

#[test]
fn an_empty_page_is_an_empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = text_file(
        &dir,
        "empty.json",
        "{\"events\": [], \"searchedLogStreams\": []}\n",
    );
    let r = read(&path);
    assert_eq!(
        r.problems(),
        [format!("{}: no records (empty file)", path.display())]
    );
}

#[test]
fn the_caller_can_stop_at_the_first_item() {
    let path = fixture("bad-message.json");
    let mut items = 0;
    read_input(&Input::Path(path), &ReadOptions::default(), &mut |_| {
        items += 1;
        false
    });
    assert_eq!(items, 1);
}
