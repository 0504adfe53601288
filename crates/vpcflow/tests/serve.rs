//! `vpcflow serve` as started from a shell: it prints the page's URL on a line of its own once the inputs are
//! loaded, answers on it, and refuses to listen beyond loopback without a token.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_vpcflow");

fn example() -> String {
    format!(
        "{}/../../examples/flow-logs/aws-docs.log",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn prints_its_url_and_answers_there() {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", &example()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().to_string();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with('/'),
        "{url}"
    );
    let port: u16 = url
        .trim_start_matches("http://127.0.0.1:")
        .trim_end_matches('/')
        .parse()
        .unwrap();
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(b"GET /api/meta HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"rows\":"), "{answer}");
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
