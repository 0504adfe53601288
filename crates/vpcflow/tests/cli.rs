//! The command line as people use it: exact output (snapshots), exit codes, stdin, bad input, broken pipes.

use insta_cmd::assert_cmd_snapshot;
use std::io::{Read, Write};
use std::process::Stdio;

mod common;
use common::{root, vpcflow};

#[test]
fn cat_table() {
    assert_cmd_snapshot!(vpcflow().args(["cat", "crates/vpcflow/tests/data/s3-object.log"]));
}

#[test]
fn cat_json_lines_keyed_by_athena_columns() {
    assert_cmd_snapshot!(vpcflow().args([
        "cat",
        "-o",
        "json",
        "crates/vpcflow/tests/data/s3-object.log"
    ]));
}

#[test]
fn cat_csv() {
    assert_cmd_snapshot!(vpcflow().args([
        "cat",
        "-o",
        "csv",
        "crates/vpcflow/tests/data/s3-object.log"
    ]));
}

#[test]
fn cat_fields_choose_columns() {
    assert_cmd_snapshot!(vpcflow().args([
        "cat",
        "-o",
        "csv",
        "--fields",
        "srcaddr,dstport,log_status,$path",
        "crates/vpcflow/tests/data/s3-object.log"
    ]));
}

#[test]
fn cat_unknown_field_says_what_was_meant() {
    assert_cmd_snapshot!(vpcflow().args([
        "cat",
        "--fields",
        "scraddr",
        "examples/flow-logs/aws-docs.log"
    ]));
}

#[test]
fn aws_output_round_trips_byte_for_byte() {
    let path = root().join("crates/vpcflow/tests/data/s3-object.log");
    let original = std::fs::read(&path).unwrap();
    let out = vpcflow()
        .args(["cat", "-o", "aws"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(original.clone()).unwrap()
    );

    // The same through gzip and stdin, headerless.
    let body: Vec<u8> = original
        .split(|b| *b == b'\n')
        .skip(1)
        .flat_map(|l| [l, b"\n"].concat())
        .collect();
    let body = &body[..body.len() - 1];
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(body).unwrap();
    let gz = gz.finish().unwrap();
    let mut child = vpcflow()
        .args(["cat", "-o", "aws", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&gz).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout, body);
}

#[test]
fn bad_lines_are_reported_counted_and_skipped() {
    assert_cmd_snapshot!(vpcflow().args([
        "cat",
        "-o",
        "aws",
        "crates/vpcflow/tests/data/malformed.log"
    ]));
}

#[test]
fn strict_stops_at_the_first_problem() {
    assert_cmd_snapshot!(vpcflow().args([
        "cat",
        "--strict",
        "-o",
        "aws",
        "crates/vpcflow/tests/data/malformed.log"
    ]));
}

#[test]
fn missing_file_is_reported_and_the_rest_is_read() {
    assert_cmd_snapshot!(vpcflow().args([
        "cat",
        "-o",
        "aws",
        "--fields",
        "srcaddr,action",
        "no-such-file.log",
        "examples/flow-logs/seed-articles.txt"
    ]));
}

/// Problems as data: each one's location (line and byte column, or log event with its timestamp), kind and
/// stable code, beside the counts; the text form on stderr is the same as `cat`'s.
#[test]
fn validate_as_json_locates_each_problem() {
    assert_cmd_snapshot!(vpcflow().args([
        "validate",
        "-o",
        "json",
        "crates/vpcflow/tests/data/malformed.log",
        "crates/vpcflow-source/tests/data/cloudwatch/bad-message.json"
    ]));
}

/// A log event's timestamp is kept as `event_time`; where the format has no `start` and `end`, it decides what
/// `--since`/`--until` keep, for commands that read records themselves and for queries alike.
#[test]
fn event_time_stands_in_for_a_missing_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.jsonl");
    let events: String = [
        (1_704_164_400_000i64, "10.0.0.5 203.0.113.9 40"),
        (1_704_164_460_500, "10.0.0.6 203.0.113.9 50"),
        (1_704_164_520_000, "10.0.0.7 203.0.113.9 60"),
    ]
    .iter()
    .map(|(t, m)| format!("{{\"timestamp\":{t},\"message\":\"{m}\"}}\n"))
    .collect();
    std::fs::write(&path, events).unwrap();
    let format = "${srcaddr} ${dstaddr} ${bytes}";
    // 2024-01-02T03:01:00Z: the second event onwards.
    let since = "2024-01-02T03:01:00Z";
    let out = vpcflow()
        .args(["cat", "-o", "csv", "--fields", "event_time,srcaddr,bytes"])
        .args(["--format", format, "--since", since])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "event_time,srcaddr,bytes\n2024-01-02T03:01:00.500Z,10.0.0.6,50\n2024-01-02T03:02:00Z,10.0.0.7,60\n",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = vpcflow()
        .args(["query", "-o", "csv", "--format", format, "--since", since])
        .args(["--until", "2024-01-02T03:02:00Z"])
        .arg("SELECT event_time, srcaddr, bytes FROM flows")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "event_time,srcaddr,bytes\n2024-01-02T03:01:00.500Z,10.0.0.6,50\n",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn headerless_custom_format_needs_format() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("firehose.txt");
    std::fs::write(&path, "3 vpc-0a1b 10.0.0.5 203.0.113.9 ACCEPT\n").unwrap();
    let out = vpcflow()
        .args(["cat", "-o", "json"])
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("5 fields and no header line"), "{stderr}");
    assert!(stderr.contains("give the format with --format"), "{stderr}");
    let out = vpcflow()
        .args([
            "cat",
            "-o",
            "json",
            "--format",
            "${version} ${vpc-id} ${srcaddr} ${dstaddr} ${action}",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "{\"version\":3,\"vpc_id\":\"vpc-0a1b\",\"srcaddr\":\"10.0.0.5\",\"dstaddr\":\"203.0.113.9\",\"action\":\"ACCEPT\"}\n"
    );
}

#[test]
fn s3_partitions_are_columns() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join(
        "AWSLogs/123456789012/vpcflowlogs/ap-northeast-1/2023/02/14/123456789012_vpcflowlogs_ap-northeast-1_fl-0a_20230214T0530Z_ab12.log",
    );
    std::fs::create_dir_all(key.parent().unwrap()).unwrap();
    std::fs::copy(root().join("crates/vpcflow/tests/data/s3-object.log"), &key).unwrap();
    let out = vpcflow()
        .args([
            "cat",
            "-o",
            "csv",
            "--fields",
            "interface_id,aws-account-id,aws-region,date,hour",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "interface_id,aws-account-id,aws-region,date,hour\n\
         eni-1235b8ca123456789,123456789012,ap-northeast-1,2023-02-14,\n\
         eni-1235b8ca123456789,123456789012,ap-northeast-1,2023-02-14,\n\
         eni-1235b8ca123456789,123456789012,ap-northeast-1,2023-02-14,\n\
         eni-1235b8ca123456789,123456789012,ap-northeast-1,2023-02-14,\n\
         eni-11111111aaaaaaaaa,123456789012,ap-northeast-1,2023-02-14,\n"
    );
}

#[test]
fn closed_stdout_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.log");
    let line = "2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK\n";
    std::fs::write(&path, line.repeat(200_000)).unwrap();
    let mut child = vpcflow()
        .args(["cat", "-o", "aws"])
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 10];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{:?}", out.status);
    assert_eq!(String::from_utf8(out.stderr).unwrap(), "");
}

#[test]
fn empty_stdin_is_reported() {
    // With no path and stdin not a terminal, stdin is read; empty input is a problem, not silence.
    assert_cmd_snapshot!(vpcflow().args(["cat"]).stdin(Stdio::null()));
}

#[test]
fn fields_lists_the_catalogue() {
    assert_cmd_snapshot!(vpcflow().args(["fields"]));
}

#[test]
fn explain_examples_in_english() {
    assert_cmd_snapshot!(vpcflow().args(["explain", "--tz", "UTC", "examples/flow-logs/"]));
}

#[test]
fn explain_examples_in_japanese() {
    assert_cmd_snapshot!(vpcflow().args([
        "explain",
        "--lang",
        "ja",
        "--tz",
        "Asia/Tokyo",
        "examples/flow-logs/"
    ]));
}

#[test]
fn explain_json() {
    assert_cmd_snapshot!(vpcflow().args([
        "explain",
        "-o",
        "json",
        "--tz",
        "UTC",
        "examples/flow-logs/seed-experiments.txt"
    ]));
}

#[test]
fn ranges_lookup() {
    assert_cmd_snapshot!(vpcflow().args([
        "ranges",
        "lookup",
        "15.152.63.145",
        "52.213.180.42",
        "203.0.113.5",
        "nope"
    ]));
}

#[test]
fn ranges_lookup_as_json() {
    assert_cmd_snapshot!(vpcflow().args([
        "ranges",
        "lookup",
        "--output",
        "json",
        "15.152.63.145",
        "203.0.113.5",
    ]));
}

#[test]
fn fields_as_json_lines() {
    let out = vpcflow().args(["fields", "-o", "json"]).output().unwrap();
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), vpcflow_record::Field::ALL.len());
    assert_eq!(
        lines[0],
        serde_json::json!({"field": "version", "column": "version", "version": 2, "type": "int", "family": "vpc"})
    );
}

#[test]
fn validate_reports_problems_as_json_lines() {
    assert_cmd_snapshot!(vpcflow().args([
        "validate",
        "-o",
        "json",
        "crates/vpcflow/tests/data/malformed.log",
        "no-such-file.log"
    ]));
}
