//! The S3 layout on disk, read back with vpcflow's own reader.

mod common;

use common::*;
use std::io::Read;
use std::path::{Path, PathBuf};
use vpcflow_deliver::{Deliver, DirLayout, Layout, Options};
use vpcflow_record::Format;
use vpcflow_source::Partitions;

/// 2024-01-31T07:58:00Z: records from here cross the 08:00 hour and several 5-minute windows.
const BASE: i64 = 1_706_687_880;

fn files(root: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir(root);
    out.sort();
    out
}

fn walkdir(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walkdir(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn deliver_dir(
    opts: Options,
    format: &Format,
    lines: &[String],
) -> (tempfile::TempDir, Vec<PathBuf>) {
    let out = tempfile::tempdir().unwrap();
    let mut sink = DirLayout::new(out.path().to_path_buf(), opts);
    // Two batches, so that objects gather rows from both.
    let (a, b) = lines.split_at(lines.len() / 2);
    sink.deliver(&batch(format, a), format).unwrap();
    sink.deliver(&batch(format, b), format).unwrap();
    let report = sink.flush().unwrap();
    assert_eq!(report.records, lines.len() as u64);
    let written = files(out.path());
    assert_eq!(report.units as usize, written.len());
    (out, written)
}

#[test]
fn every_layout_reads_back_record_for_record() {
    let format = Format::default_v2();
    let sent = lines(1500, BASE, 1);
    for (layout, hourly) in [
        (Layout::Default, false),
        (Layout::Hourly, true),
        (Layout::Hive, false),
        (Layout::HiveHourly, true),
    ] {
        let opts = Options {
            region: Some("eu-west-1".into()),
            flow_log_id: "fl-0123456789abcdef0".into(),
            layout,
            ..Options::default()
        };
        let (out, written) = deliver_dir(opts, &format, &sent);
        let mut back = Vec::new();
        for path in &written {
            let key = path
                .strip_prefix(out.path())
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            // {account}_vpcflowlogs_{region}_{flow-log-id}_{YYYYMMDDTHHmmZ}_{hash}.log.gz
            let parts: Vec<&str> = name.trim_end_matches(".log.gz").split('_').collect();
            assert_eq!(parts.len(), 6, "{name}");
            assert!(name.ends_with(".log.gz"), "{name}");
            assert_eq!(
                parts[1..4],
                ["vpcflowlogs", "eu-west-1", "fl-0123456789abcdef0"]
            );
            assert_eq!(parts[5].len(), 8);
            assert!(parts[5].bytes().all(|b| b.is_ascii_hexdigit()));
            let p = Partitions::from_key(&key);
            assert_eq!(p.account.as_deref(), Some(parts[0]), "{key}");
            assert_eq!(p.region.as_deref(), Some("eu-west-1"));
            assert_eq!(p.service.as_deref(), Some("vpcflowlogs"));
            assert_eq!(p.flow_log_id.as_deref(), Some("fl-0123456789abcdef0"));
            let stamp = parts[4];
            assert_eq!(
                p.date().unwrap(),
                format!("{}-{}-{}", &stamp[0..4], &stamp[4..6], &stamp[6..8])
            );
            assert_eq!(p.hour.is_some(), hourly, "{key}");
            if hourly {
                assert_eq!(p.hour.as_deref(), Some(&stamp[9..11]));
            }
            if matches!(layout, Layout::Hive | Layout::HiveHourly) {
                assert!(key.starts_with("AWSLogs/aws-account-id="), "{key}");
            }
            // gzip'd text, header first.
            let data = std::fs::read(path).unwrap();
            let mut text = String::new();
            flate2::read::GzDecoder::new(&data[..])
                .read_to_string(&mut text)
                .unwrap();
            assert_eq!(text.lines().next().unwrap(), format.header_line());
            // Every record's end time is in the object's 5-minute window, and its account is the key's.
            let minute: i64 = stamp[11..13].parse().unwrap();
            assert_eq!(minute % 5, 0);
            let batches = read_back(&key, data);
            for line in rows(&batches) {
                let f: Vec<&str> = line.split(' ').collect();
                assert_eq!(f[1], parts[0]);
                let end: i64 = f[11].parse().unwrap();
                let t = jiff::Timestamp::from_second(end)
                    .unwrap()
                    .strftime("%Y%m%dT%H%MZ")
                    .to_string();
                let window = jiff::Timestamp::from_second(end - end % 300)
                    .unwrap()
                    .strftime("%Y%m%dT%H%MZ")
                    .to_string();
                assert_eq!(window, stamp, "record ending {t} in {name}");
                back.push(line);
            }
        }
        assert_eq!(sorted(back), sorted(sent.clone()), "{layout:?}");
    }
}

#[test]
fn the_same_records_get_the_same_names() {
    let format = Format::default_v2();
    let sent = lines(300, BASE, 2);
    let names = |written: &[PathBuf], root: &Path| -> Vec<String> {
        written
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().display().to_string())
            .collect()
    };
    let (a, wa) = deliver_dir(Options::default(), &format, &sent);
    let (b, wb) = deliver_dir(Options::default(), &format, &sent);
    assert_eq!(names(&wa, a.path()), names(&wb, b.path()));
}

#[test]
fn a_full_window_is_split_into_several_objects() {
    let format = Format::default_v2();
    // All in one window: 200 records ending within 4 minutes.
    let sent = lines(200, BASE + 2 * 60 + 5, 1);
    let opts = Options {
        max_object_bytes: 4000,
        ..Options::default()
    };
    let (out, written) = deliver_dir(opts, &format, &sent);
    let stamps: std::collections::BTreeSet<String> = written
        .iter()
        .map(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .split('_')
                .nth(4)
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(stamps.len(), 1, "one window");
    assert!(written.len() > 8 / 2, "split: {}", written.len());
    let mut back = Vec::new();
    for path in &written {
        let data = std::fs::read(path).unwrap();
        let mut text = String::new();
        flate2::read::GzDecoder::new(&data[..])
            .read_to_string(&mut text)
            .unwrap();
        let body = text.len() - format.header_line().len() - 1;
        assert!(body <= 4000, "{} bytes of records", body);
        back.extend(rows(&read_back(&path.display().to_string(), data)));
    }
    drop(out);
    assert_eq!(sorted(back), sorted(sent));
}

#[test]
fn formats_without_account_or_end_fall_back() {
    let format =
        Format::parse("${version} ${interface-id} ${srcaddr} ${dstaddr} ${start} ${action}")
            .unwrap();
    let sent: Vec<String> = (0..10)
        .map(|i| format!("5 eni-1 10.0.0.{i} 10.0.1.1 {} ACCEPT", BASE + i * 60))
        .collect();
    let (out, written) = deliver_dir(Options::default(), &format, &sent);
    let mut back = Vec::new();
    for path in &written {
        let key = path.strip_prefix(out.path()).unwrap().display().to_string();
        assert!(
            key.starts_with("AWSLogs/unknown/vpcflowlogs/us-east-1/2024/01/31/"),
            "{key}"
        );
        back.extend(rows(&read_back(&key, std::fs::read(path).unwrap())));
    }
    assert_eq!(sorted(back), sorted(sent.clone()));

    let opts = Options {
        account: Some("999988887777".into()),
        ..Options::default()
    };
    let (out, written) = deliver_dir(opts, &format, &sent);
    for path in &written {
        let key = path.strip_prefix(out.path()).unwrap().display().to_string();
        assert!(
            key.starts_with("AWSLogs/999988887777/vpcflowlogs/"),
            "{key}"
        );
        assert!(
            path.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("999988887777_vpcflowlogs_us-east-1_")
        );
    }
}

#[test]
fn parquet_objects_have_aws_types_and_gzip_columns() {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let format = Format::parse(
        "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} \
         ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${vpc-id} ${tcp-flags} ${flow-direction} ${traffic-path}",
    )
    .unwrap();
    let sent: Vec<String> = lines(400, BASE, 3)
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            format!(
                "{l} vpc-0abc {} {} {}",
                i % 20,
                if i % 2 == 0 { "ingress" } else { "egress" },
                if i % 3 == 0 {
                    "-".to_string()
                } else {
                    (i % 8 + 1).to_string()
                }
            )
        })
        .collect();
    let opts = Options {
        parquet: true,
        layout: Layout::HiveHourly,
        ..Options::default()
    };
    let (out, written) = deliver_dir(opts, &format, &sent);
    let mut back = Vec::new();
    for path in &written {
        let key = path.strip_prefix(out.path()).unwrap().display().to_string();
        assert!(key.ends_with(".log.parquet"), "{key}");
        let data = std::fs::read(path).unwrap();
        assert_eq!(&data[..4], b"PAR1");
        let reader = SerializedFileReader::new(bytes::Bytes::from(data.clone())).unwrap();
        let meta = reader.metadata();
        let schema = meta.file_metadata().schema_descr();
        let physical = |name: &str| {
            let i = (0..schema.num_columns())
                .find(|i| schema.column(*i).name() == name)
                .unwrap();
            schema.column(i).physical_type()
        };
        use parquet::basic::Type;
        for (name, ty) in [
            ("version", Type::INT32),
            ("srcport", Type::INT32),
            ("dstport", Type::INT32),
            ("protocol", Type::INT32),
            ("tcp_flags", Type::INT32),
            ("traffic_path", Type::INT32),
            ("packets", Type::INT64),
            ("bytes", Type::INT64),
            ("start", Type::INT64),
            ("end", Type::INT64),
            ("account_id", Type::BYTE_ARRAY),
            ("flow_direction", Type::BYTE_ARRAY),
        ] {
            assert_eq!(physical(name), ty, "{name}");
        }
        for rg in meta.row_groups() {
            for c in rg.columns() {
                assert!(matches!(
                    c.compression(),
                    parquet::basic::Compression::GZIP(_)
                ));
            }
        }
        let p = Partitions::from_key(&key);
        assert!(p.hour.is_some() && p.flow_log_id.is_some(), "{key}");
        back.extend(rows(&read_back(&key, data)));
    }
    assert_eq!(sorted(back), sorted(sent));
}

#[test]
fn batches_that_do_not_match_their_format_are_refused() {
    let format = Format::default_v2();
    let other = Format::parse("${version} ${srcaddr}").unwrap();
    let b = batch(&other, &["2 10.0.0.1".to_string()]);
    let out = tempfile::tempdir().unwrap();
    let mut sink = DirLayout::new(out.path().to_path_buf(), Options::default());
    let err = sink.deliver(&b, &format).unwrap_err();
    assert!(
        err.to_string()
            .contains("2 columns for a format of 14 fields"),
        "{err}"
    );
}
