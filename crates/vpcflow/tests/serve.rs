//! `vpcflow serve` as started from a shell: it reads its inputs as every other reading command does (one read
//! session: local files, `s3://…` prefixes, `--since`/`--until`, `--strict`, problems as `file:line: message`),
//! prints the page's URL on a line of its own once they are loaded, answers on it, and refuses to listen beyond
//! loopback without a token.

#[path = "../../vpcflow-deliver/tests/common/mod.rs"]
mod common;

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_vpcflow");

fn example() -> String {
    format!(
        "{}/../../examples/flow-logs/aws-docs.log",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// A running `vpcflow serve`, stopped when dropped (a failed assertion included).
struct Served {
    child: Child,
    port: u16,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    /// Starts `cmd` (a `vpcflow serve …`) and waits for its URL.
    fn start(mut cmd: Command) -> Served {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line.trim().to_string();
        let mut served = Served { child, port: 0 };
        assert!(
            url.starts_with("http://127.0.0.1:") && url.ends_with('/'),
            "{url}"
        );
        served.port = url
            .trim_start_matches("http://127.0.0.1:")
            .trim_end_matches('/')
            .parse()
            .unwrap();
        served
    }

    /// A GET of `path`: the status line and the body.
    fn get(&self, path: &str) -> (String, String) {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap();
        (head.lines().next().unwrap().to_string(), body.to_string())
    }

    fn json(&self, path: &str) -> Value {
        let (status, body) = self.get(path);
        assert!(status.starts_with("HTTP/1.1 200"), "{status}: {body}");
        serde_json::from_str(&body).unwrap()
    }
}

fn serve(args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(["serve", "--listen", "127.0.0.1:0"]).args(args);
    cmd
}

#[test]
fn prints_its_url_and_answers_there() {
    let served = Served::start(serve(&[&example()]));
    let (status, body) = served.get("/api/meta");
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    assert!(body.contains("\"rows\":"), "{body}");
}

#[test]
fn refuses_to_listen_beyond_loopback_without_a_token() {
    let out = Command::new(BIN)
        .args(["serve", "--listen", "0.0.0.0:0", &example()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("refusing to listen on 0.0.0.0:0 without --token"),
        "{err}"
    );
}

/// Three records an hour apart, and a bad one on line 3.
fn write_log(dir: &Path) -> String {
    let path = dir.join("three.log");
    std::fs::write(
        &path,
        "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n\
         2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK\n\
         2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 notaport 6 20 4249 1418530010 1418530070 ACCEPT OK\n\
         2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20642 22 6 20 4249 1418533610 1418533670 REJECT OK\n\
         2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20643 22 6 20 4249 1418537210 1418537270 ACCEPT OK\n",
    )
    .unwrap();
    path.display().to_string()
}

/// What `vpcflow query` says on stderr about the same input, with the same flags.
fn query_problems(args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(["query", "-o", "csv", "SELECT * FROM flows"])
        .args(args)
        .output()
        .unwrap();
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn reads_with_since_until_and_shows_problems_as_the_cli_reports_them() {
    let dir = tempfile::tempdir().unwrap();
    let log = write_log(dir.path());
    // The middle hour only: the first and last records are outside it.
    let range = ["--since", "1418533000", "--until", "1418534000"];
    let mut args = range.to_vec();
    args.push(&log);
    let served = Served::start(serve(&args));
    let meta = served.json("/api/meta");
    assert_eq!(meta["rows"], 1, "{meta}");
    let flows = served.json("/api/flows?sort=start");
    assert_eq!(flows["page"]["rows"].as_array().unwrap().len(), 1);

    // The whole file: three good records, and the bad one reported where the CLI reports it.
    let served = Served::start(serve(&[&log]));
    assert_eq!(served.json("/api/meta")["rows"], 3);
    let coverage = served.json("/api/coverage");
    let problems = coverage["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{coverage}");
    let shown = format!(
        "{}: {}",
        problems[0]["location"].as_str().unwrap(),
        problems[0]["message"].as_str().unwrap()
    );
    assert_eq!(
        shown,
        format!("{log}:3:71: field dstport: `notaport` is not a whole number")
    );
    assert!(
        query_problems(&[&log]).contains(&shown),
        "the CLI reports the same line"
    );
    let files = coverage["files"].as_array().unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["name"], log.as_str());
    assert_eq!(files[0]["records"], 3);
    assert_eq!(files[0]["bad_records"], 1);
}

#[test]
fn strict_stops_at_the_first_problem_without_serving() {
    let dir = tempfile::tempdir().unwrap();
    let log = write_log(dir.path());
    let out = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--strict", &log])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "", "no URL");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(":3:71: field dstport")
            && err.contains("stopped at the first problem (--strict)"),
        "{err}"
    );
}

#[test]
fn a_missing_input_is_reported_and_nothing_is_served() {
    let out = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "/nonexistent/flows.log"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/flows.log"), "{err}");
}

#[test]
fn reads_an_s3_prefix() {
    let Some(endpoint) = common::moto() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let log = write_log(dir.path());
    let rt = common::runtime();
    let s3 = common::s3_client(&rt, &endpoint);
    rt.block_on(async {
        let _ = s3.create_bucket().bucket("served").send().await;
        s3.put_object()
            .bucket("served")
            .key("logs/three.log")
            .body(std::fs::read(&log).unwrap().into())
            .send()
            .await
            .unwrap();
    });
    let mut cmd = serve(&["s3://served/logs/"]);
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", &endpoint)
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    let served = Served::start(cmd);
    assert_eq!(served.json("/api/meta")["rows"], 3);
    let coverage = served.json("/api/coverage");
    assert_eq!(coverage["files"][0]["name"], "s3://served/logs/three.log");
    assert_eq!(
        coverage["problems"][0]["location"],
        "s3://served/logs/three.log:3:71"
    );
    let top = served.json("/api/overview");
    assert_eq!(top["overview"]["kpis"]["reject"], 1, "{top}");
}
