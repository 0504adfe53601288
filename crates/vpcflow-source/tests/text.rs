//! Reading text inputs end to end: shapes, compression by content, and every way a file can be bad.

use arrow::array::{Array, AsArray};
use arrow::datatypes::{Int32Type, Int64Type};
use flate2::Compression;
use flate2::write::GzEncoder;
use std::io::Write;
use std::path::{Path, PathBuf};
use vpcflow_record::Format;
use vpcflow_source::{
    Batch, Column, FileSummary, Input, Item, ReadOptions, Shape, read_all, read_input,
};

const DOC_LINE: &str = "2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK";

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/flow-logs")
}

#[derive(Default, Debug)]
struct Seen {
    batches: Vec<Batch>,
    problems: Vec<String>,
    done: Vec<FileSummary>,
}

impl Seen {
    fn rows(&self) -> usize {
        self.batches.iter().map(|b| b.data.num_rows()).sum()
    }
}

fn read(input: Input, opts: &ReadOptions) -> Seen {
    let mut seen = Seen::default();
    read_input(&input, opts, &mut |item| {
        match item {
            Item::Batch(b) => seen.batches.push(b),
            Item::Problem(p) => seen.problems.push(p.to_string()),
            Item::Done(s) => seen.done.push(s),
        }
        true
    });
    seen
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    path
}

fn gzip(text: &str) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(text.as_bytes()).unwrap();
    e.finish().unwrap()
}

#[test]
fn docs_file_switches_format_at_each_header() {
    let seen = read(
        Input::Path(examples().join("aws-docs.log")),
        &ReadOptions::default(),
    );
    assert_eq!(seen.problems, Vec::<String>::new());
    let formats: Vec<usize> = seen
        .batches
        .iter()
        .map(|b| b.source.format.as_ref().unwrap().len())
        .collect();
    assert_eq!(formats, [14, 21, 6, 17]);
    assert_eq!(seen.rows(), 11 + 8 + 6 + 4);
    assert!(seen.batches.iter().all(|b| b.source.header));
    // The NAT gateway block: instance-id `-` is null, pkt-dstaddr is the internet host.
    let nat = &seen.batches[2];
    assert!(nat.data.column(0).is_null(0));
    assert_eq!(
        nat.data.column(5).as_string::<i32>().value(0),
        "203.0.113.5"
    );
    assert_eq!(
        nat.location(0),
        format!("{}:23", examples().join("aws-docs.log").display())
    );
    // tcp-flags of the SYN-ACK + FIN record.
    let flags = &seen.batches[1];
    assert_eq!(flags.data.schema().field(19).name(), "tcp_flags");
    assert_eq!(
        flags.data.column(19).as_primitive::<Int32Type>().value(7),
        19
    );
    assert_eq!(seen.done[0].records, 29);
}

#[test]
fn console_copies_in_both_forms() {
    let seen = read(
        Input::Path(examples().join("seed-experiments.txt")),
        &ReadOptions::default(),
    );
    assert_eq!(seen.problems, Vec::<String>::new());
    assert_eq!(seen.rows(), 8);
    assert_eq!(seen.batches[0].source.shape, Shape::ConsoleText);
    assert_eq!(seen.batches[0].positions, [2, 5, 8, 11, 14, 17, 20, 23]);
    let b = &seen.batches[0].data;
    assert_eq!(b.column(3).as_string::<i32>().value(0), "xxx.xxx.xxx.xxx");
    assert_eq!(b.column(9).as_primitive::<Int64Type>().value(0), 688);
    assert_eq!(seen.done[0].redacted, 4);

    let seen = read(
        Input::Path(examples().join("seed-articles.txt")),
        &ReadOptions::default(),
    );
    assert_eq!(seen.problems, Vec::<String>::new());
    assert_eq!(seen.rows(), 2);
    let b = &seen.batches[0].data;
    assert_eq!(b.column(1).as_string::<i32>().value(0), "XXXXXXXXX");
    assert!(
        b.column(10).is_null(0),
        "a redacted start is unknown, not zero"
    );
    assert_eq!(b.column(4).as_string::<i32>().value(1), "15.152.63.145");
}

#[test]
fn gzip_is_recognised_by_content_not_name() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{}\n{DOC_LINE}\n", Format::default_v2().header_line());
    let a = write(dir.path(), "plain-named.log", &gzip(&text));
    let b = write(dir.path(), "not-really.gz", text.as_bytes());
    // Firehose and `cat a.gz b.gz` produce several gzip members in one object.
    let mut two = gzip(&text);
    two.extend(gzip(&format!("{DOC_LINE}\n")));
    let c = write(dir.path(), "two-members.log.gz", &two);
    for (path, rows) in [(a, 1), (b, 1), (c, 2)] {
        let seen = read(Input::Path(path.clone()), &ReadOptions::default());
        assert_eq!(seen.problems, Vec::<String>::new(), "{}", path.display());
        assert_eq!(seen.rows(), rows, "{}", path.display());
    }
}

#[test]
fn truncated_gzip_keeps_what_came_before() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = Format::default_v2().header_line() + "\n";
    for _ in 0..2000 {
        text.push_str(DOC_LINE);
        text.push('\n');
    }
    let full = gzip(&text);
    let path = write(dir.path(), "cut.log.gz", &full[..full.len() / 2]);
    let seen = read(Input::Path(path.clone()), &ReadOptions::default());
    assert_eq!(seen.problems.len(), 1, "{:?}", seen.problems);
    let p = &seen.problems[0];
    assert!(p.starts_with(&format!("{}:", path.display())), "{p}");
    assert!(
        p.contains("the compressed data is truncated or corrupt"),
        "{p}"
    );
    assert!(seen.rows() > 0 && seen.rows() < 2000);
    assert!(seen.done[0].failed);
}

#[test]
fn bad_files_are_reported_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write(dir.path(), "empty.log", b"");
    let binary = write(
        dir.path(),
        "garbage.bin",
        &[0u8, 159, 146, 150, 0, 1, 2, 3, 255, 254],
    );
    let custom = write(
        dir.path(),
        "custom.txt",
        b"3 vpc-1 subnet-1 10.0.0.1 ACCEPT\n",
    );
    let cases = [
        (
            empty.clone(),
            format!("{}: no records (empty file)", empty.display()),
        ),
        (
            binary.clone(),
            format!(
                "{}: binary data: not text, gzip, Parquet or JSON flow logs",
                binary.display()
            ),
        ),
        (
            custom.clone(),
            format!(
                "{}:1: 5 fields and no header line: this is not the default format (14 fields); give the format with --format (e.g. --format '${{version}} ${{vpc-id}} …')",
                custom.display()
            ),
        ),
    ];
    for (path, expected) in cases {
        let seen = read(Input::Path(path), &ReadOptions::default());
        assert_eq!(seen.problems, [expected]);
        assert_eq!(seen.rows(), 0);
    }
    // With --format the custom file reads.
    let opts = ReadOptions {
        format: Some(
            Format::parse("${version} ${vpc-id} ${subnet-id} ${srcaddr} ${action}").unwrap(),
        ),
        ..ReadOptions::default()
    };
    let seen = read(Input::Path(custom), &opts);
    assert_eq!(seen.problems, Vec::<String>::new());
    assert_eq!(seen.rows(), 1);
}

#[test]
fn bad_lines_are_located_and_good_ones_kept() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../vpcflow/tests/data/malformed.log");
    let seen = read(Input::Path(path.clone()), &ReadOptions::default());
    let name = path.display().to_string();
    assert_eq!(
        seen.problems,
        [
            format!("{name}:1:29: field srcaddr: `55.123.456.78` is not an IPv4 or IPv6 address"),
            format!("{name}:2:29: field srcaddr: `172.11.22.333` is not an IPv4 or IPv6 address"),
            format!("{name}:3:29: field srcaddr: `172.11.22.333` is not an IPv4 or IPv6 address"),
            format!("{name}:5: 1 field, but the format has 14"),
            format!("{name}:6: 13 fields, but the format has 14"),
            format!(
                "{name}:7:116: 28 fields, but the format has 14 (it looks like 2 records joined on one line)"
            ),
            format!("{name}:8:106: field action: `DENY` is not one of ACCEPT, REJECT"),
        ]
    );
    assert_eq!(seen.rows(), 1);
    assert_eq!(seen.batches[0].positions, [4]);
    assert_eq!(seen.done[0].bad_records, 7);
}

#[test]
fn comment_lines_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "# NAT gateway example\n  # indented too\n{}\n# between\n{DOC_LINE}\n",
        Format::default_v2().header_line()
    );
    let path = write(dir.path(), "commented.log", text.as_bytes());
    let seen = read(Input::Path(path), &ReadOptions::default());
    assert_eq!(seen.problems, Vec::<String>::new());
    assert_eq!(seen.batches[0].positions, [5]);
    assert!(seen.batches[0].source.header);
}

#[test]
fn many_bad_lines_are_summarised_after_twenty() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for _ in 0..50 {
        text.push_str("2 1 eni-1 1.2.3.4 5.6.7.8 1 2 6 1 1 1 2 MAYBE OK\n");
    }
    text.push_str(DOC_LINE);
    let path = write(dir.path(), "noisy.log", text.as_bytes());
    let seen = read(Input::Path(path.clone()), &ReadOptions::default());
    assert_eq!(seen.problems.len(), 21);
    assert_eq!(
        seen.problems[20],
        format!("{}: 30 more bad records not shown", path.display())
    );
    assert_eq!(seen.rows(), 1);
    assert_eq!(seen.done[0].bad_records, 50);
}

#[test]
fn s3_tree_partitions_and_parallel_order() {
    let dir = tempfile::tempdir().unwrap();
    let header = Format::default_v2().header_line();
    let mut inputs = Vec::new();
    for (i, layout) in [
        "AWSLogs/123456789012/vpcflowlogs/us-east-1/2024/01/02/123456789012_vpcflowlogs_us-east-1_fl-01_20240102T0305Z_a1.log.gz",
        "AWSLogs/123456789012/vpcflowlogs/eu-west-1/2024/01/02/07/123456789012_vpcflowlogs_eu-west-1_fl-02_20240102T0705Z_b2.log.gz",
        "AWSLogs/aws-account-id=210987654321/aws-service=vpcflowlogs/aws-region=ap-northeast-1/year=2023/month=02/day=14/hour=05/210987654321_vpcflowlogs_ap-northeast-1_fl-03_20230214T0505Z_c3.log.gz",
    ]
    .iter()
    .enumerate()
    {
        let mut text = format!("{header}\n");
        for n in 0..(1000 * (i + 1)) {
            text.push_str(&DOC_LINE.replace("49761", &n.to_string()));
            text.push('\n');
        }
        inputs.push(Input::Path(write(dir.path(), layout, &gzip(&text))));
    }
    let columns = Column::parse_list("srcport,aws-account-id,aws-region,date,hour").unwrap();
    let opts = ReadOptions {
        columns: Some(columns),
        batch_size: 700,
        ..ReadOptions::default()
    };
    let mut seen = Vec::new();
    read_all(&inputs, &opts, 3, &mut |item| {
        if let Item::Batch(b) = item {
            seen.push(b);
        }
        true
    });
    let names: Vec<String> = seen[0]
        .data
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(
        names,
        ["srcport", "aws-account-id", "aws-region", "date", "hour"]
    );
    // Input order is kept, and within each file line order.
    let ports: Vec<i32> = seen
        .iter()
        .flat_map(|b| {
            b.data
                .column(0)
                .as_primitive::<Int32Type>()
                .values()
                .to_vec()
        })
        .collect();
    let expected: Vec<i32> = (0..1000).chain(0..2000).chain(0..3000).collect();
    assert_eq!(ports, expected);
    let last = seen.last().unwrap();
    assert_eq!(
        last.data.column(1).as_string::<i32>().value(0),
        "210987654321"
    );
    assert_eq!(
        last.data.column(2).as_string::<i32>().value(0),
        "ap-northeast-1"
    );
    assert_eq!(
        arrow::util::display::array_value_to_string(last.data.column(3), 0).unwrap(),
        "2023-02-14"
    );
    assert_eq!(last.data.column(4).as_string::<i32>().value(0), "05");
    assert!(
        seen[0].data.column(4).is_null(0),
        "no hour partition in the daily layout"
    );
}

/// Every input the fuzzer ever crashed on, read whole: no panic, and a final summary.
#[test]
fn fuzz_regressions_read_without_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let seen = read(Input::Path(path.clone()), &ReadOptions::default());
        assert_eq!(seen.done.len(), 1, "{}", path.display());
    }
}
