//! `ranges::refresh` against a tiny HTTP server on 127.0.0.1 (there is no internet here, and a test should not
//! depend on AWS anyway).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use vpcflow_catalog::ranges::{self, AwsRanges};

const GOOD: &str = r#"{
  "syncToken": "1700000000",
  "createDate": "2023-11-14-22-13-20",
  "prefixes": [
    {"ip_prefix": "15.152.0.0/16", "region": "ap-northeast-3", "service": "AMAZON", "network_border_group": "ap-northeast-3"},
    {"ip_prefix": "15.152.0.0/16", "region": "ap-northeast-3", "service": "EC2", "network_border_group": "ap-northeast-3"}
  ],
  "ipv6_prefixes": [
    {"ipv6_prefix": "2406:da14::/35", "region": "ap-northeast-1", "service": "EC2", "network_border_group": "ap-northeast-1"}
  ]
}"#;

/// Serves a fixed set of paths until the test process ends; returns the base URL.
fn serve() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            // Skip the headers.
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
            }
            let path = request_line.split(' ').nth(1).unwrap_or("/").to_string();
            let (status, body) = match path.as_str() {
                "/ip-ranges.json" => ("200 OK", GOOD.to_string()),
                "/maintenance" => ("200 OK", "<html>down for maintenance</html>".to_string()),
                _ => ("404 Not Found", "not found".to_string()),
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    base
}

#[test]
fn downloads_validates_and_replaces_atomically() {
    let base = serve();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("nested/ip-ranges.json");

    let report = ranges::refresh(&format!("{base}/ip-ranges.json"), Some(&dest)).unwrap();
    assert_eq!(report.create_date, "2023-11-14-22-13-20");
    assert_eq!((report.ipv4_prefixes, report.ipv6_prefixes), (2, 1));
    assert_eq!(report.previous_create_date, None);
    assert_eq!(report.path, dest);
    assert_eq!(report.bytes, GOOD.len());
    assert_eq!(
        report.to_string(),
        format!(
            "wrote {}: createDate 2023-11-14-22-13-20, 2 IPv4 and 1 IPv6 prefixes, {} bytes",
            dest.display(),
            GOOD.len()
        )
    );

    let loaded = AwsRanges::load(&dest).unwrap();
    assert_eq!(loaded.create_date(), "2023-11-14-22-13-20");
    let owner = loaded.lookup("15.152.63.145".parse().unwrap()).unwrap();
    assert_eq!(
        (owner.service.as_str(), owner.region.as_str()),
        ("EC2", "ap-northeast-3")
    );

    // A second refresh reports what it replaced; no temporary files are left behind.
    let again = ranges::refresh(&format!("{base}/ip-ranges.json"), Some(&dest)).unwrap();
    assert_eq!(
        again.previous_create_date.as_deref(),
        Some("2023-11-14-22-13-20")
    );
    let names: Vec<_> = std::fs::read_dir(dest.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["ip-ranges.json"]);
}

#[test]
fn keeps_the_old_copy_when_the_download_is_not_ip_ranges() {
    let base = serve();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("ip-ranges.json");
    std::fs::write(&dest, GOOD).unwrap();

    let err = ranges::refresh(&format!("{base}/maintenance"), Some(&dest)).unwrap_err();
    assert!(
        matches!(
            err,
            ranges::RangesError::Invalid {
                source: ranges::InvalidRanges::Json(_),
                ..
            }
        ),
        "{err}"
    );
    let err = ranges::refresh(&format!("{base}/nope"), Some(&dest)).unwrap_err();
    assert!(matches!(err, ranges::RangesError::Download { .. }), "{err}");
    assert!(err.to_string().contains("404"), "{err}");
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), GOOD);

    let err = ranges::refresh("http://127.0.0.1:1/ip-ranges.json", Some(&dest)).unwrap_err();
    assert!(err.to_string().contains("download"), "{err}");
}

#[test]
fn default_url_is_aws() {
    assert_eq!(
        ranges::DEFAULT_URL,
        "https://ip-ranges.amazonaws.com/ip-ranges.json"
    );
}
