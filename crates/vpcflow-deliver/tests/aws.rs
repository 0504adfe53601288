//! S3 and CloudWatch Logs through the real AWS SDK against a local moto server; what arrived is read back (S3
//! objects with vpcflow's own reader, log events with GetLogEvents) and compared record by record.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use vpcflow_deliver::{Deliver, Layout, LogsDelivery, Options, S3Delivery};
use vpcflow_record::Format;

/// A name no other test in this run uses (the moto server is shared).
fn unique(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

fn create_bucket(rt: &tokio::runtime::Runtime, client: &aws_sdk_s3::Client, bucket: &str) {
    rt.block_on(client.create_bucket().bucket(bucket).send())
        .unwrap();
}

/// An address nothing listens on.
fn unreachable() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    drop(l);
    url
}

fn spool_entries(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".meta.json")
        })
        .count()
}

#[test]
fn s3_objects_read_back_record_for_record() {
    let Some(endpoint) = moto() else { return };
    let rt = runtime();
    let client = s3_client(&rt, &endpoint);
    let format = Format::default_v2();
    let sent = lines(3000, now() - 3600, 1);
    for parquet in [false, true] {
        let bucket = unique("flows");
        create_bucket(&rt, &client, &bucket);
        let spool = tempfile::tempdir().unwrap();
        let opts = Options {
            parquet,
            layout: if parquet {
                Layout::HiveHourly
            } else {
                Layout::Default
            },
            ..options(&endpoint, spool.path())
        };
        let mut sink = S3Delivery::new(bucket.clone(), "vpc/prod".into(), opts).unwrap();
        for chunk in sent.chunks(700) {
            sink.deliver(&batch(&format, chunk), &format).unwrap();
        }
        let report = sink.flush().unwrap();
        assert_eq!(report.records, 3000);
        assert_eq!(report.spooled, 0, "{:?}", report.last_error);
        assert_eq!(spool_entries(spool.path()), 0);

        let objects = s3_objects(&rt, &client, &bucket);
        assert_eq!(objects.len() as u64, report.units);
        let mut back = Vec::new();
        for (key, data) in objects {
            assert!(key.starts_with("vpc/prod/AWSLogs/"), "{key}");
            assert!(
                key.ends_with(if parquet { ".log.parquet" } else { ".log.gz" }),
                "{key}"
            );
            let p = vpcflow_source::Partitions::from_key(&key);
            assert_eq!(p.region.as_deref(), Some("us-east-1"));
            assert_eq!(p.hour.is_some(), parquet);
            back.extend(rows(&read_back(&key, data)));
        }
        assert_eq!(sorted(back), sorted(sent.clone()), "parquet: {parquet}");
    }
}

#[test]
fn cloudwatch_logs_one_stream_per_interface_in_limited_batches() {
    let Some(endpoint) = moto() else { return };
    let rt = runtime();
    let client = logs_client(&rt, &endpoint);
    let format = Format::default_v2();
    let now = now();
    // 12,000 records on three interfaces over the last hour, and a few from 30 hours ago: more than 10,000
    // events for a stream cannot go in one request, nor can events more than 24 hours apart.
    let mut sent = lines(12_000, now - 3600, 0);
    sent.extend(lines(9, now - 30 * 3600, 60));
    let group = format!("/vpcflow/{}", unique("flows"));
    let spool = tempfile::tempdir().unwrap();
    let mut sink = LogsDelivery::new(group.clone(), options(&endpoint, spool.path())).unwrap();
    for chunk in sent.chunks(5000) {
        sink.deliver(&batch(&format, chunk), &format).unwrap();
    }
    let report = sink.flush().unwrap();
    assert_eq!(report.records, sent.len() as u64);
    assert_eq!(
        (report.spooled, report.rejected),
        (0, 0),
        "{:?}",
        report.last_error
    );
    // Per stream: 4,000 events an hour ago (one request) plus 3 thirty hours ago (another).
    assert_eq!(report.units, 6, "{:?}", report.locations);

    let mut expected: BTreeMap<String, Vec<(i64, String)>> = BTreeMap::new();
    for line in &sent {
        let f: Vec<&str> = line.split(' ').collect();
        let start: i64 = f[10].parse().unwrap();
        expected
            .entry(format!("{}-all", f[2]))
            .or_default()
            .push((start * 1000, line.clone()));
    }
    let streams = log_streams(&rt, &client, &group);
    assert_eq!(
        streams.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        ["eni-0a00b-all", "eni-0a01b-all", "eni-0a02b-all"]
    );
    for (name, events) in streams {
        // Chronological within the stream, and exactly the records sent, once each.
        assert!(events.windows(2).all(|w| w[0].0 <= w[1].0), "{name}");
        let mut want = expected.remove(&name).unwrap();
        want.sort();
        let mut got = events;
        got.sort();
        assert_eq!(got.len(), want.len(), "{name}");
        assert_eq!(got, want, "{name}");
        // Messages read back with vpcflow's reader are the records.
        let text: String = got.iter().map(|(_, m)| format!("{m}\n")).collect();
        assert_eq!(
            sorted(rows(&read_back("events.log", text.into_bytes()))),
            sorted(got.into_iter().map(|(_, m)| m).collect())
        );
    }
}

#[test]
fn unreachable_endpoint_spools_and_the_next_run_delivers_exactly_once() {
    let Some(endpoint) = moto() else { return };
    let rt = runtime();
    let format = Format::default_v2();
    let sent = lines(900, now() - 1800, 2);
    let spool = tempfile::tempdir().unwrap();

    // S3.
    let s3 = s3_client(&rt, &endpoint);
    let bucket = unique("spooled");
    create_bucket(&rt, &s3, &bucket);
    let mut down = S3Delivery::new(
        bucket.clone(),
        String::new(),
        options(&unreachable(), spool.path()),
    )
    .unwrap();
    down.deliver(&batch(&format, &sent), &format).unwrap();
    let report = down.flush().unwrap();
    assert_eq!(report.records, 0);
    assert_eq!(report.spooled_records, 900);
    assert!(report.spooled > 0 && report.last_error.is_some());
    assert_eq!(spool_entries(spool.path()), report.spooled as usize);
    drop(down);
    // A new process: nothing new to deliver, the spool is resumed.
    let mut up = S3Delivery::new(
        bucket.clone(),
        String::new(),
        options(&endpoint, spool.path()),
    )
    .unwrap();
    let report = up.flush().unwrap();
    assert_eq!(
        (report.records, report.spooled),
        (900, 0),
        "{:?}",
        report.last_error
    );
    assert_eq!(up.flush().unwrap().records, 0, "nothing sent twice");
    let back: Vec<String> = s3_objects(&rt, &s3, &bucket)
        .into_iter()
        .flat_map(|(k, d)| rows(&read_back(&k, d)))
        .collect();
    assert_eq!(sorted(back), sorted(sent.clone()));
    assert_eq!(spool_entries(spool.path()), 0);

    // CloudWatch Logs, with the same spool directory.
    let logs = logs_client(&rt, &endpoint);
    let group = unique("spooled-logs");
    let mut down = LogsDelivery::new(group.clone(), options(&unreachable(), spool.path())).unwrap();
    down.deliver(&batch(&format, &sent), &format).unwrap();
    let report = down.flush().unwrap();
    assert_eq!((report.records, report.spooled_records), (0, 900));
    drop(down);
    let mut up = LogsDelivery::new(group.clone(), options(&endpoint, spool.path())).unwrap();
    let report = up.flush().unwrap();
    assert_eq!(
        (report.records, report.spooled),
        (900, 0),
        "{:?}",
        report.last_error
    );
    let back: Vec<String> = log_streams(&rt, &logs, &group)
        .into_iter()
        .flat_map(|(_, events)| events.into_iter().map(|(_, m)| m))
        .collect();
    assert_eq!(sorted(back), sorted(sent));
    assert_eq!(spool_entries(spool.path()), 0);
}

#[test]
fn a_lost_put_log_events_response_does_not_duplicate_events() {
    let Some(endpoint) = moto() else { return };
    let rt = runtime();
    let logs = logs_client(&rt, &endpoint);
    let format = Format::default_v2();
    let sent = lines(60, now() - 600, 5);
    let (proxy, armed) = lossy_proxy(&endpoint, "PutLogEvents");
    let group = unique("ambiguous");
    let spool = tempfile::tempdir().unwrap();
    let mut sink = LogsDelivery::new(group.clone(), options(&proxy, spool.path())).unwrap();
    sink.deliver(&batch(&format, &sent), &format).unwrap();
    armed.store(true, Ordering::SeqCst);
    let report = sink.flush().unwrap();
    assert!(!armed.load(Ordering::SeqCst), "the proxy lost a response");
    assert_eq!(report.records, 60);
    assert_eq!(report.spooled, 0, "{:?}", report.last_error);
    // The first of the three streams' batches arrived but its answer was lost: found, not resent.
    assert_eq!(report.already_stored, 20);
    let back: Vec<String> = log_streams(&rt, &logs, &group)
        .into_iter()
        .flat_map(|(_, events)| events.into_iter().map(|(_, m)| m))
        .collect();
    assert_eq!(sorted(back), sorted(sent));
}
