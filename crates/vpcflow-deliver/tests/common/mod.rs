//! Test helpers: records with current timestamps, reading delivered bytes back with vpcflow's own reader, a local
//! moto server (S3 + CloudWatch Logs), and a proxy that loses one response to make a failure ambiguous.
#![allow(dead_code)]

use arrow::record_batch::RecordBatch;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use vpcflow_deliver::{AwsSettings, Options, Retry};
use vpcflow_record::Format;
use vpcflow_source::{Input, Item, ReadOptions, read_input};

/// Records in the default format: `n` of them over three interfaces and two accounts, ending between `base`
/// and `base + n * step` seconds, as text lines without a header.
pub fn lines(n: usize, base: i64, step: i64) -> Vec<String> {
    (0..n)
        .map(|i| {
            let start = base + i as i64 * step;
            let account = if i % 5 == 0 {
                "210987654321"
            } else {
                "123456789012"
            };
            format!(
                "2 {account} eni-0a{:02}b 10.0.{}.{} 203.0.113.{} {} 443 6 {} {} {start} {} {} OK",
                i % 3,
                i % 7,
                i % 250,
                i % 200,
                1024 + i % 50000,
                1 + i % 9,
                40 + i * 13 % 9000,
                start + 55,
                if i % 4 == 0 { "REJECT" } else { "ACCEPT" },
            )
        })
        .collect()
}

/// Parses lines (in `format`) into one batch with the record model's schema.
pub fn batch(format: &Format, lines: &[String]) -> RecordBatch {
    let mut text = format.header_line();
    text.push('\n');
    for l in lines {
        text.push_str(l);
        text.push('\n');
    }
    let batches = read_back("input.log", text.into_bytes());
    assert_eq!(batches.len(), 1, "one batch expected");
    batches.into_iter().next().unwrap()
}

/// Reads bytes as vpcflow reads an object (by content: gzip, Parquet, text), panicking on any problem.
pub fn read_back(name: &str, data: Vec<u8>) -> Vec<RecordBatch> {
    let input = Input::Memory {
        name: name.to_string(),
        data: bytes::Bytes::from(data),
    };
    let mut out = Vec::new();
    read_input(&input, &ReadOptions::default(), &mut |item| {
        match item {
            Item::Batch(b) => out.push(b.data),
            Item::Problem(p) => panic!("{p}"),
            Item::Done(_) => {}
        }
        true
    });
    out
}

/// Every row as an AWS text line (without newline): what a record comparison compares.
pub fn rows(batches: &[RecordBatch]) -> Vec<String> {
    let mut out = Vec::new();
    for b in batches {
        for row in 0..b.num_rows() {
            let mut line = Vec::new();
            vpcflow_record::text::write_row(b, row, &mut line);
            line.pop();
            out.push(String::from_utf8(line).unwrap());
        }
    }
    out
}

/// Sorted copy, for comparing multisets of records.
pub fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A moto server for this test binary, or `None` (the test is skipped) when moto is not installed and this is
/// not CI. Under `CI=true` a missing moto fails the test. `VPCFLOW_TEST_MOTO=http://host:port` uses a running one.
pub fn moto() -> Option<String> {
    static SERVER: OnceLock<Option<Server>> = OnceLock::new();
    SERVER
        .get_or_init(|| {
            if let Ok(url) = std::env::var("VPCFLOW_TEST_MOTO") {
                return Some(Server {
                    url,
                    _process: None,
                });
            }
            match start_moto() {
                Ok((url, child, stdin)) => Some(Server {
                    url,
                    _process: Some((child, stdin)),
                }),
                Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => {
                    panic!("moto is required under CI (pip install 'moto[server]'): {e}")
                }
                Err(e) => {
                    eprintln!("skipping: no moto server ({e}); pip install 'moto[server]'");
                    None
                }
            }
        })
        .as_ref()
        .map(|s| s.url.clone())
}

/// A running server; its process ends when the held standard input closes with this test binary.
struct Server {
    url: String,
    _process: Option<(Child, ChildStdin)>,
}

/// Starts moto in a Python process that stops when its standard input closes, that is when this test binary
/// exits, so that no server outlives the tests.
fn start_moto() -> Result<(String, Child, ChildStdin), String> {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let script = format!(
        "import sys\nfrom moto.server import ThreadedMotoServer\n\
         s = ThreadedMotoServer(ip_address='127.0.0.1', port={port}, verbose=False)\n\
         s.start()\nprint('ready', flush=True)\nsys.stdin.read()\ns.stop()\n"
    );
    let mut child = Command::new("python3")
        .args(["-c", &script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("python3: {e}"))?;
    let stdin = child.stdin.take().unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .map_err(|e| e.to_string())?;
    if first.trim() != "ready" {
        let _ = child.kill();
        let _ = child.wait();
        return Err("moto did not start (is moto[server] installed?)".into());
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            return Err("moto did not listen".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok((format!("http://127.0.0.1:{port}"), child, stdin))
}

/// Options for a test: the endpoint, dummy credentials, a fresh spool and fast retries.
pub fn options(endpoint: &str, spool: &std::path::Path) -> Options {
    Options {
        region: Some("us-east-1".into()),
        spool: Some(spool.to_path_buf()),
        retry: Retry {
            attempts: 3,
            first_backoff: Duration::from_millis(100),
        },
        aws: AwsSettings {
            endpoint_url: Some(endpoint.to_string()),
            static_credentials: Some(("testing".into(), "testing".into())),
        },
        ..Options::default()
    }
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// SDK clients for checking what arrived.
pub fn s3_client(rt: &tokio::runtime::Runtime, endpoint: &str) -> aws_sdk_s3::Client {
    let opts = options(endpoint, &std::env::temp_dir());
    let config = rt.block_on(vpcflow_deliver::sdk_config(&opts));
    let conf = aws_sdk_s3::config::Builder::from(&config)
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

pub fn logs_client(rt: &tokio::runtime::Runtime, endpoint: &str) -> aws_sdk_cloudwatchlogs::Client {
    let opts = options(endpoint, &std::env::temp_dir());
    let config = rt.block_on(vpcflow_deliver::sdk_config(&opts));
    aws_sdk_cloudwatchlogs::Client::new(&config)
}

/// Every object under `bucket`, as (key, bytes), in key order.
pub fn s3_objects(
    rt: &tokio::runtime::Runtime,
    client: &aws_sdk_s3::Client,
    bucket: &str,
) -> Vec<(String, Vec<u8>)> {
    rt.block_on(async {
        let mut out = Vec::new();
        let mut token = None;
        loop {
            let page = client
                .list_objects_v2()
                .bucket(bucket)
                .set_continuation_token(token)
                .send()
                .await
                .unwrap();
            for o in page.contents() {
                let key = o.key().unwrap().to_string();
                let body = client
                    .get_object()
                    .bucket(bucket)
                    .key(&key)
                    .send()
                    .await
                    .unwrap();
                let data = body.body.collect().await.unwrap().into_bytes().to_vec();
                out.push((key, data));
            }
            token = page.next_continuation_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        out.sort();
        out
    })
}

/// Every stream of a log group with its events as (timestamp, message), read with GetLogEvents.
pub fn log_streams(
    rt: &tokio::runtime::Runtime,
    client: &aws_sdk_cloudwatchlogs::Client,
    group: &str,
) -> Vec<(String, Vec<(i64, String)>)> {
    rt.block_on(async {
        let streams = client
            .describe_log_streams()
            .log_group_name(group)
            .send()
            .await
            .unwrap();
        let mut out = Vec::new();
        for s in streams.log_streams() {
            let name = s.log_stream_name().unwrap().to_string();
            let mut events = Vec::new();
            let mut token: Option<String> = None;
            loop {
                let page = client
                    .get_log_events()
                    .log_group_name(group)
                    .log_stream_name(&name)
                    .start_from_head(true)
                    .set_next_token(token.clone())
                    .send()
                    .await
                    .unwrap();
                for e in page.events() {
                    events.push((e.timestamp().unwrap(), e.message().unwrap().to_string()));
                }
                let next = page.next_forward_token().map(str::to_string);
                if next.is_none() || next == token || page.events().is_empty() {
                    break;
                }
                token = next;
            }
            out.push((name, events));
        }
        out.sort();
        out
    })
}

/// A TCP proxy to `target`. While armed, the first request whose bytes contain `needle` is forwarded but its
/// response is thrown away and the client's connection closed: the request took effect, the client cannot
/// know. Returns the proxy's URL and the arming switch.
pub fn lossy_proxy(target: &str, needle: &'static str) -> (String, Arc<AtomicBool>) {
    let target = target.trim_start_matches("http://").to_string();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let armed = Arc::new(AtomicBool::new(false));
    let switch = armed.clone();
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { continue };
            let Ok(server) = TcpStream::connect(&target) else {
                continue;
            };
            let armed = armed.clone();
            let drop_response = Arc::new(AtomicBool::new(false));
            let (mut c_read, mut s_write) =
                (client.try_clone().unwrap(), server.try_clone().unwrap());
            let flag = drop_response.clone();
            std::thread::spawn(move || {
                let mut buf = vec![0u8; 1 << 16];
                loop {
                    let n = match c_read.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    let chunk = &buf[..n];
                    if armed.load(Ordering::SeqCst)
                        && chunk.windows(needle.len()).any(|w| w == needle.as_bytes())
                    {
                        armed.store(false, Ordering::SeqCst);
                        flag.store(true, Ordering::SeqCst);
                    }
                    if s_write.write_all(chunk).is_err() {
                        break;
                    }
                }
                let _ = s_write.shutdown(Shutdown::Write);
            });
            let (mut s_read, mut c_write) = (server, client);
            std::thread::spawn(move || {
                let mut buf = vec![0u8; 1 << 16];
                loop {
                    let n = match s_read.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    if drop_response.load(Ordering::SeqCst) {
                        // The server answered; the client never hears it.
                        let _ = c_write.shutdown(Shutdown::Both);
                        let _ = s_read.shutdown(Shutdown::Both);
                        break;
                    }
                    if c_write.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
                let _ = c_write.shutdown(Shutdown::Both);
            });
        }
    });
    (url, switch)
}
