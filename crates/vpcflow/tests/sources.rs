//! Reading logs where they live, end to end, against moto's S3 and CloudWatch Logs server with the real SDK: the
//! same answers from `s3://…` as from the same files on disk for every delivery layout; a listing pruned to the
//! matching prefixes (requests counted by a proxy); objects that fail, break off or are throttled (the proxy
//! injects it); log groups with several streams and pages.

#[path = "../../vpcflow-deliver/tests/common/mod.rs"]
mod common;

use common::*;
use insta_cmd::get_cargo_bin;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

/// `vpcflow` with dummy credentials, talking to `endpoint` for every AWS service.
fn vpcflow(endpoint: &str) -> Command {
    let mut cmd = Command::new(get_cargo_bin("vpcflow"));
    cmd.env("TZ", "UTC")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("VPCFLOW_DATA_DIR", "/nonexistent-vpcflow-data");
    cmd
}

fn run(cmd: &mut Command) -> (String, String, i32) {
    let out = cmd.output().unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code().unwrap_or(-1),
    )
}

/// 2024-01-02T00:00:00Z.
const DAY2: i64 = 1_704_153_600;

/// Records over `days` days from 2024-01-01, written as AWS delivers them into `dir` with `layout`.
fn deliver(dir: &Path, n: usize, days: i64, layout: &str, parquet: bool) -> PathBuf {
    let step = days * 86_400 / n as i64;
    let input = dir.join(format!("in-{layout}-{parquet}.log"));
    let mut text = vpcflow_record::Format::default_v2().header_line();
    text.push('\n');
    for l in lines(n, DAY2 - 86_400, step) {
        text.push_str(&l);
        text.push('\n');
    }
    std::fs::write(&input, text).unwrap();
    let out = dir.join(format!("{layout}{}", if parquet { "-parquet" } else { "" }));
    let mut cmd = vpcflow("http://127.0.0.1:9");
    cmd.args(["deliver", input.to_str().unwrap(), "--layout", layout]);
    cmd.arg("--to").arg(format!("dir:{}", out.display()));
    if parquet {
        cmd.arg("--parquet");
    }
    let (_, err, code) = run(&mut cmd);
    assert_eq!(code, 0, "{err}");
    out
}

/// Uploads every file under `dir` to `bucket` under `prefix`, keyed by its path below `dir`.
fn upload(
    rt: &tokio::runtime::Runtime,
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    prefix: &str,
    dir: &Path,
) {
    rt.block_on(async {
        let _ = s3.create_bucket().bucket(bucket).send().await;
        for entry in walk(dir) {
            let key = format!("{prefix}{}", entry.strip_prefix(dir).unwrap().display());
            let body = std::fs::read(&entry).unwrap();
            s3.put_object()
                .bucket(bucket)
                .key(key)
                .body(body.into())
                .send()
                .await
                .unwrap();
        }
    });
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

const QUERIES: [&str; 3] = [
    "SELECT COUNT(*) AS n, SUM(bytes) AS b, COUNT(DISTINCT srcaddr) AS s FROM flows",
    "SELECT \"aws-account-id\", \"aws-region\", year, month, day, hour, COUNT(*) AS n FROM flows \
     GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6",
    "SELECT srcaddr, dstaddr, SUM(bytes) AS b FROM flows GROUP BY 1, 2 ORDER BY b DESC, 1, 2 LIMIT 5",
];

fn query(endpoint: &str, sql: &str, input: &str, extra: &[&str]) -> (String, String, i32) {
    let mut cmd = vpcflow(endpoint);
    cmd.args(["query", "-o", "csv"])
        .args(extra)
        .args([sql, input]);
    run(&mut cmd)
}

#[test]
fn every_layout_reads_the_same_from_s3_as_from_disk() {
    let Some(endpoint) = moto() else { return };
    let rt = runtime();
    let s3 = s3_client(&rt, &endpoint);
    let dir = tempfile::tempdir().unwrap();
    for (layout, parquet) in [
        ("default", false),
        ("hourly", false),
        ("hive", false),
        ("hive-hourly", false),
        ("default", true),
    ] {
        let tree = deliver(dir.path(), 300, 2, layout, parquet);
        let prefix = format!("{layout}-{parquet}/");
        upload(&rt, &s3, "layouts", &prefix, &tree);
        let remote = format!("s3://layouts/{prefix}");
        for sql in QUERIES {
            let (local, err, code) = query(&endpoint, sql, tree.to_str().unwrap(), &[]);
            assert_eq!(code, 0, "{layout} {parquet} local: {err}");
            let (from_s3, err, code) = query(&endpoint, sql, &remote, &[]);
            assert_eq!(code, 0, "{layout} {parquet} s3: {err}");
            assert!(local.lines().count() > 1, "{local}");
            assert_eq!(from_s3, local, "{layout} parquet={parquet}: {sql}");
        }
        // Commands that read records themselves read the same.
        let validate = |input: &str| {
            let mut cmd = vpcflow(&endpoint);
            run(cmd.args(["validate", input]))
        };
        let (local, _, _) = validate(tree.to_str().unwrap());
        let (from_s3, err, code) = validate(&remote);
        assert_eq!(code, 0, "{err}");
        assert_eq!(from_s3, local);
        assert!(local.contains("300 records"), "{local}");
    }
}

/// What the proxy does to requests whose request line contains a needle.
#[derive(Clone, Copy, Debug)]
enum Fault {
    /// Answer with this status and S3 error code, without asking the server.
    Status(u16, &'static str),
    /// Forward, then pass on half the response body and close the connection.
    Truncate,
}

/// An HTTP proxy in front of `target` that logs every request line and injects faults.
struct Proxy {
    url: String,
    log: Arc<Mutex<Vec<String>>>,
    /// (needle, fault, times left).
    faults: Arc<Mutex<Vec<(String, Fault, usize)>>>,
}

impl Proxy {
    fn new(target: &str) -> Proxy {
        let target = target.trim_start_matches("http://").to_string();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let log = Arc::new(Mutex::new(Vec::new()));
        let faults: Arc<Mutex<Vec<(String, Fault, usize)>>> = Arc::new(Mutex::new(Vec::new()));
        let (l, f) = (log.clone(), faults.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let (target, log, faults) = (target.clone(), l.clone(), f.clone());
                std::thread::spawn(move || serve(client, &target, &log, &faults));
            }
        });
        Proxy { url, log, faults }
    }

    fn fault(&self, needle: &str, fault: Fault, times: usize) {
        self.faults
            .lock()
            .unwrap()
            .push((needle.to_string(), fault, times));
    }

    fn requests(&self) -> Vec<String> {
        std::mem::take(&mut *self.log.lock().unwrap())
    }
}

/// Reads an HTTP message head (through the blank line).
fn head(r: &mut impl BufRead) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let mut line = Vec::new();
        if r.read_until(b'\n', &mut line).ok()? == 0 {
            return None;
        }
        out.extend_from_slice(&line);
        if line == b"\r\n" {
            return Some(out);
        }
    }
}

fn header(head: &[u8], name: &str) -> Option<String> {
    String::from_utf8_lossy(head).lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_string())
    })
}

/// Serves one client connection, one request at a time, each through a fresh connection to the server.
fn serve(
    client: TcpStream,
    target: &str,
    log: &Mutex<Vec<String>>,
    faults: &Mutex<Vec<(String, Fault, usize)>>,
) {
    let mut reader = BufReader::new(client.try_clone().unwrap());
    let mut writer = client;
    while let Some(request) = head(&mut reader) {
        let length: usize = header(&request, "content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0u8; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let line = String::from_utf8_lossy(&request)
            .lines()
            .next()
            .unwrap_or("")
            .to_string();
        log.lock().unwrap().push(line.clone());
        let fault = {
            let mut faults = faults.lock().unwrap();
            faults
                .iter_mut()
                .find(|(needle, _, left)| *left > 0 && line.contains(needle.as_str()))
                .map(|(_, fault, left)| {
                    *left -= 1;
                    *fault
                })
        };
        if let Some(Fault::Status(status, code)) = fault {
            let xml = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>injected</Message></Error>"
            );
            let response = format!(
                "HTTP/1.1 {status} Injected\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\r\n{xml}",
                xml.len()
            );
            if writer.write_all(response.as_bytes()).is_err() {
                return;
            }
            continue;
        }
        let Ok(mut upstream) = TcpStream::connect(target) else {
            return;
        };
        upstream.write_all(&request).unwrap();
        upstream.write_all(&body).unwrap();
        let mut up = BufReader::new(upstream);
        let Some(response) = head(&mut up) else {
            return;
        };
        let status_line = String::from_utf8_lossy(&response)
            .lines()
            .next()
            .unwrap_or("")
            .to_string();
        let no_body = line.starts_with("HEAD ")
            || status_line.contains(" 204 ")
            || status_line.contains(" 304 ");
        let mut payload = Vec::new();
        if !no_body {
            match header(&response, "content-length").and_then(|v| v.parse::<usize>().ok()) {
                Some(n) => {
                    payload.resize(n, 0);
                    if up.read_exact(&mut payload).is_err() {
                        return;
                    }
                }
                None => {
                    let _ = up.read_to_end(&mut payload);
                }
            }
        }
        if writer.write_all(&response).is_err() {
            return;
        }
        if matches!(fault, Some(Fault::Truncate)) {
            let _ = writer.write_all(&payload[..payload.len() / 2]);
            let _ = writer.shutdown(Shutdown::Both);
            return;
        }
        if writer.write_all(&payload).is_err() {
            return;
        }
    }
}

#[test]
fn the_listing_is_pruned_to_the_matching_prefixes() {
    let Some(endpoint) = moto() else { return };
    let rt = runtime();
    let s3 = s3_client(&rt, &endpoint);
    let dir = tempfile::tempdir().unwrap();
    // 2024-01-01 to 2024-01-04, one folder a day.
    let tree = deliver(dir.path(), 400, 4, "default", false);
    upload(&rt, &s3, "pruned", "", &tree);
    let proxy = Proxy::new(&endpoint);
    let (all, err, code) = query(
        &endpoint,
        "SELECT date, COUNT(*) FROM flows GROUP BY 1 ORDER BY 1",
        "s3://pruned/",
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let day3 = all
        .lines()
        .find(|l| l.starts_with("2024-01-03"))
        .unwrap()
        .to_string();
    let only_day3 = |requests: &[String], what: &str| {
        for r in requests {
            for other in [
                "/2024/01/01",
                "/2024/01/02",
                "/2024/01/04",
                "%2F2024%2F01%2F01",
                "%2F2024%2F01%2F02",
                "%2F2024%2F01%2F04",
            ] {
                assert!(!r.contains(other), "{what}: {r}\n{requests:#?}");
            }
        }
        let fetched = requests
            .iter()
            .filter(|r| r.starts_with("GET ") && r.contains(".log.gz"))
            .count();
        assert!(fetched > 0, "{what}: nothing fetched: {requests:#?}");
    };
    // The time range: nothing of the other days is listed or fetched.
    let (out, err, code) = query(
        &proxy.url,
        "SELECT COUNT(*) FROM flows",
        "s3://pruned/",
        &[
            "--since",
            "2024-01-03T00:00:00Z",
            "--until",
            "2024-01-03T22:00:00Z",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.lines()
            .nth(1)
            .is_some_and(|n| n.parse::<u64>().unwrap() > 0),
        "{out}"
    );
    only_day3(&proxy.requests(), "--since/--until");
    // The query's own condition on the key's date: the scan lists and fetches only that day. (The table's
    // columns come from the newest object, sampled when the table is made: the last day's, fetched once.)
    let (out, err, code) = query(
        &proxy.url,
        "SELECT date, COUNT(*) FROM flows WHERE date = DATE '2024-01-03' GROUP BY 1",
        "s3://pruned/",
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().nth(1), Some(day3.as_str()), "{out}");
    let without_sample = |requests: Vec<String>| -> Vec<String> {
        let newest = |r: &String| r.contains("/2024/01/04") || r.contains("%2F2024%2F01%2F04");
        let sample: Vec<&String> = requests.iter().filter(|r| newest(r)).collect();
        assert!(sample.len() <= 2, "{sample:#?}");
        requests.iter().filter(|r| !newest(r)).cloned().collect()
    };
    only_day3(&without_sample(proxy.requests()), "date =");
    // Athena's projection-style `day` condition prunes the same way.
    let (out, err, code) = query(
        &proxy.url,
        "SELECT COUNT(*) FROM vpc_flow_logs WHERE day = '2024/01/03'",
        "s3://pruned/",
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().nth(1), day3.split(',').nth(1), "{out}");
    only_day3(&without_sample(proxy.requests()), "day =");
}

#[test]
fn objects_that_fail_break_off_or_are_throttled() {
    let Some(endpoint) = moto() else { return };
    let rt = runtime();
    let s3 = s3_client(&rt, &endpoint);
    let dir = tempfile::tempdir().unwrap();
    let tree = deliver(dir.path(), 300, 1, "default", false);
    upload(&rt, &s3, "faults", "", &tree);
    let objects: Vec<String> = walk(&tree)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(objects.len() >= 3, "{objects:?}");
    let sql = "SELECT COUNT(*) AS n, SUM(bytes) AS b FROM flows";
    let (whole, err, code) = query(&endpoint, sql, "s3://faults/", &[]);
    assert_eq!(code, 0, "{err}");
    let proxy = Proxy::new(&endpoint);
    // Throttled twice, then served; cut off mid-body once, then fetched again from where it broke.
    proxy.fault(&objects[0], Fault::Status(503, "SlowDown"), 2);
    proxy.fault(&objects[1], Fault::Truncate, 1);
    let (out, err, code) = query(&proxy.url, sql, "s3://faults/", &[]);
    assert_eq!((code, out.as_str()), (0, whole.as_str()), "{err}");
    assert!(err.is_empty(), "{err}");
    let log = proxy.requests();
    assert!(
        log.iter().filter(|r| r.contains(&objects[0])).count() >= 3,
        "{log:#?}"
    );
    assert!(
        log.iter().filter(|r| r.contains(&objects[1])).count() >= 2,
        "{log:#?}"
    );
    // An object that keeps failing is reported like a bad file, and the rest is read.
    proxy.fault(&objects[2], Fault::Status(500, "InternalError"), usize::MAX);
    let (out, err, code) = query(&proxy.url, sql, "s3://faults/", &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&objects[2]) && err.contains("1 file not (fully) read"),
        "{err}"
    );
    let n = |csv: &str| {
        csv.lines()
            .nth(1)
            .unwrap()
            .split(',')
            .next()
            .unwrap()
            .parse::<u64>()
            .unwrap()
    };
    assert!(n(&out) < n(&whole) && n(&out) > 0, "{out} vs {whole}");
    // --strict stops there.
    let (_, err, code) = query(&proxy.url, sql, "s3://faults/", &["--strict"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("stopped at the first problem"), "{err}");
    // cat reads the same way.
    let mut cmd = vpcflow(&proxy.url);
    let (_, err, code) = run(cmd.args(["validate", "s3://faults/"]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(&objects[2]), "{err}");
}

#[test]
fn log_groups_with_several_streams_and_pages() {
    let Some(endpoint) = moto() else { return };
    let rt = runtime();
    let logs = logs_client(&rt, &endpoint);
    let group = format!("/vpc/flows-{}", std::process::id());
    let all = lines(12_500, now() - 3600, 0);
    // Three streams, one of them too long for one page of events.
    let streams = [
        ("eni-0a01b-all", &all[..10_500]),
        ("eni-0a02b-all", &all[10_500..12_000]),
        ("eni-0b03c-all", &all[12_000..]),
    ];
    // Every event its own millisecond, from `t0` on in input order, so that each one's timestamp can be told.
    let t0 = now() * 1000;
    let mut next = t0;
    rt.block_on(async {
        logs.create_log_group()
            .log_group_name(&group)
            .send()
            .await
            .unwrap();
        for (stream, lines) in streams {
            logs.create_log_stream()
                .log_group_name(&group)
                .log_stream_name(stream)
                .send()
                .await
                .unwrap();
            for chunk in lines.chunks(5_000) {
                let events: Vec<_> = chunk
                    .iter()
                    .map(|l| {
                        next += 1;
                        aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                            .timestamp(next - 1)
                            .message(l)
                            .build()
                            .unwrap()
                    })
                    .collect();
                logs.put_log_events()
                    .log_group_name(&group)
                    .log_stream_name(stream)
                    .set_log_events(Some(events))
                    .send()
                    .await
                    .unwrap();
            }
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let local = |lines: &[String], name: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        path.display().to_string()
    };
    let sql = "SELECT COUNT(*) AS n, SUM(bytes) AS b, COUNT(DISTINCT interface_id) AS i FROM flows";
    let (expected, err, code) = query(&endpoint, sql, &local(&all, "all.log"), &[]);
    assert_eq!(code, 0, "{err}");
    let (out, err, code) = query(&endpoint, sql, &format!("logs:{group}"), &["--since", "1d"]);
    assert_eq!((code, out.as_str()), (0, expected.as_str()), "{err}");
    assert!(expected.starts_with("n,b,i\n12500,"), "{expected}");
    // A stream prefix: one interface's streams.
    let (expected, _, _) = query(&endpoint, sql, &local(&all[..10_500], "first.log"), &[]);
    let (out, err, code) = query(&endpoint, sql, &format!("logs:{group}:eni-0a01"), &[]);
    assert_eq!((code, out.as_str()), (0, expected.as_str()), "{err}");
    // Each event's timestamp is its record's `event_time`.
    let times = "SELECT COUNT(DISTINCT event_time) AS n, CAST(MIN(event_time) AS BIGINT) AS first, \
                 CAST(MAX(event_time) AS BIGINT) AS last FROM flows";
    let (out, err, code) = query(&endpoint, times, &format!("logs:{group}"), &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, format!("n,first,last\n12500,{t0},{}\n", t0 + 12_499));
    // Records read by the commands that read them themselves, too.
    let mut cmd = vpcflow(&endpoint);
    let (out, err, code) = run(cmd.args(["validate", &format!("logs:{group}")]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("12500 records in 3 files: all good"), "{out}");
    let mut cmd = vpcflow(&endpoint);
    let stream = format!("logs:{group}:eni-0b03c-all");
    let (out, err, code) = run(cmd
        .args(["cat", "-o", "csv", "--fields", "event_time,srcaddr"])
        .arg(&stream));
    assert_eq!(code, 0, "{err}");
    let first_row = out.lines().nth(1).unwrap_or_default();
    let time: jiff::Timestamp = first_row.split(',').next().unwrap().parse().unwrap();
    assert_eq!(time.as_millisecond(), t0 + 12_000, "{first_row}");
}

/// File names and keys with the characters an object store path percent-encodes (`<`, `>`, `"`, `&`, `%`, `#`,
/// a space): every record is read, under the name as given, from disk (a directory and each file named) and
/// from S3 alike.
#[test]
fn hostile_names_are_read_under_their_own_names() {
    let dir = tempfile::tempdir().unwrap();
    let names = ["a<b>.log", "say \"hi\" & go.log", "100% #1.log", "%3C.log"];
    let all = lines(40, DAY2, 60);
    let header = vpcflow_record::Format::default_v2().header_line();
    let tree = dir.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    for (i, name) in names.iter().enumerate() {
        let text = format!("{header}\n{}\n", all[i * 10..i * 10 + 10].join("\n"));
        std::fs::write(tree.join(name), text).unwrap();
    }
    let sql = "SELECT \"$path\" AS path, COUNT(*) AS n FROM flows GROUP BY 1 ORDER BY 1";
    let expected = |root: &str| {
        let mut rows: Vec<String> = names.iter().map(|n| format!("{root}{n}")).collect();
        rows.sort();
        let rows: Vec<String> = rows
            .iter()
            .map(|p| {
                let quoted = if p.contains(['"', ',']) {
                    format!("\"{}\"", p.replace('"', "\"\""))
                } else {
                    p.clone()
                };
                format!("{quoted},10\n")
            })
            .collect();
        format!("path,n\n{}", rows.concat())
    };
    let root = format!("{}/", tree.display());
    // The directory, then each file by name.
    let (out, err, code) = query("http://127.0.0.1:9", sql, tree.to_str().unwrap(), &[]);
    assert_eq!((code, out.as_str()), (0, expected(&root).as_str()), "{err}");
    for name in names {
        let path = tree.join(name);
        let mut cmd = vpcflow("http://127.0.0.1:9");
        let (out, err, code) = run(cmd.args(["validate"]).arg(&path));
        assert_eq!(code, 0, "{name}: {err}");
        assert_eq!(out, "10 records in 1 files: all good\n", "{name}");
        let (out, err, code) = query(
            "http://127.0.0.1:9",
            "SELECT COUNT(*) AS n FROM flows",
            path.to_str().unwrap(),
            &[],
        );
        assert_eq!((code, out.as_str()), (0, "n\n10\n"), "{name}: {err}");
    }

    let Some(endpoint) = moto() else { return };
    let rt = runtime();
    let s3 = s3_client(&rt, &endpoint);
    upload(&rt, &s3, "hostile", "in/", &tree);
    let (out, err, code) = query(&endpoint, sql, "s3://hostile/in/", &[]);
    assert_eq!(
        (code, out.as_str()),
        (0, expected("s3://hostile/in/").as_str()),
        "{err}"
    );
    let mut cmd = vpcflow(&endpoint);
    let (out, err, code) = run(cmd.args(["validate", "s3://hostile/in/"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "40 records in 4 files: all good\n");
    let one = "s3://hostile/in/say \"hi\" & go.log";
    let (out, err, code) = query(&endpoint, "SELECT COUNT(*) AS n FROM flows", one, &[]);
    assert_eq!((code, out.as_str()), (0, "n\n10\n"), "{err}");
}
