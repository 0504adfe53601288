//! `asn::refresh` and `intel::update` against a tiny HTTP server on 127.0.0.1, as `ranges update` is tested: the
//! download, the validation, the conversion and the atomic replacement, and that a bad download keeps the old copy.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use vpcflow_catalog::asn::{self, AsnTable, SourceFormat};
use vpcflow_catalog::intel::{self, Category, FEEDS, ListSet};

const IPTOASN: &str = "1.0.0.0\t1.0.0.255\t13335\tUS\tCLOUDFLARENET\n\
1.0.1.0\t1.0.3.255\t0\tNone\tNot routed\n\
203.0.113.0\t203.0.113.255\t64500\tNL\tEXAMPLE-NET Example Net\n\
2001:db8::\t2001:db8:ffff:ffff:ffff:ffff:ffff:ffff\t64500\tNL\tEXAMPLE-NET Example Net\n";

const DROP: &str = "{\"cidr\":\"192.0.2.0/24\",\"sblid\":\"SBL1\",\"rir\":\"arin\"}\n\
{\"cidr\":\"198.51.100.0/25\",\"sblid\":\"SBL2\",\"rir\":\"ripencc\"}\n\
{\"type\":\"metadata\",\"timestamp\":1765000000,\"size\":2,\"records\":2}\n";

fn gzip(text: &str) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(text.as_bytes()).unwrap();
    gz.finish().unwrap()
}

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
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
            }
            let path = request_line.split(' ').nth(1).unwrap_or("/").to_string();
            let (status, body) = match path.as_str() {
                "/ip2asn-combined.tsv.gz" => ("200 OK", gzip(IPTOASN)),
                "/drop_v4.json" => ("200 OK", DROP.as_bytes().to_vec()),
                "/torbulkexitlist" => ("200 OK", b"192.0.2.77\n2001:db8::77\n".to_vec()),
                "/maintenance" => ("200 OK", b"<html>down for maintenance</html>".to_vec()),
                _ => ("404 Not Found", b"not found".to_vec()),
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(&body);
        }
    });
    base
}

#[test]
fn asn_refresh_converts_and_replaces() {
    let base = serve();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("asn.bin.gz");
    let url = format!("{base}/ip2asn-combined.tsv.gz");
    let report = asn::refresh(
        &url,
        SourceFormat::Iptoasn,
        asn::iptoasn_info(),
        "2026-12-06",
        Some(&dest),
    )
    .unwrap();
    assert_eq!(report.ranges, (2, 1));
    assert_eq!(report.systems, 2);
    assert_eq!(report.info.date, "2026-12-06");
    assert_eq!(report.info.source, url);
    assert_eq!(report.info.licence, "PDDL 1.0 (public domain)");
    let table = AsnTable::load(&dest).unwrap();
    let hit = table.lookup("203.0.113.9".parse().unwrap()).unwrap();
    assert_eq!((hit.asn, hit.org), (64500, "EXAMPLE-NET Example Net"));
    assert_eq!(
        table.lookup("1.0.2.0".parse().unwrap()),
        None,
        "AS 0 is not routed"
    );
    assert_eq!(
        table.lookup("2001:db8::9".parse().unwrap()).unwrap().asn,
        64500
    );

    let before = std::fs::read(&dest).unwrap();
    for bad in ["/maintenance", "/nope"] {
        let err = asn::refresh(
            &format!("{base}{bad}"),
            SourceFormat::Iptoasn,
            asn::iptoasn_info(),
            "2026-12-07",
            Some(&dest),
        )
        .unwrap_err();
        assert!(err.contains(bad), "{err}");
    }
    assert_eq!(std::fs::read(&dest).unwrap(), before, "the old copy stays");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
}

#[test]
fn intel_update_stores_lists_with_their_terms() {
    let base = serve();
    let dir = tempfile::tempdir().unwrap();
    let drop = FEEDS.iter().find(|f| f.name == "spamhaus-drop").unwrap();
    let stored = intel::update(
        drop,
        Some(&format!("{base}/drop_v4.json")),
        "2026-12-06T05:00:00Z",
        Some(dir.path()),
    )
    .unwrap();
    assert_eq!(stored.entries, 2);
    assert_eq!(stored.info.category, Category::Drop);
    assert!(stored.info.terms.contains("spamhaus.org/drop/terms"));
    let tor = FEEDS.iter().find(|f| f.name == "tor-exits").unwrap();
    intel::update(
        tor,
        Some(&format!("{base}/torbulkexitlist")),
        "2026-12-06T05:00:00Z",
        Some(dir.path()),
    )
    .unwrap();

    let set = ListSet::load_dir(dir.path());
    let on = |ip: &str| -> Vec<String> {
        set.matches(ip.parse().unwrap())
            .map(|i| i.name.clone())
            .collect()
    };
    assert_eq!(on("192.0.2.200"), ["spamhaus-drop"]);
    assert_eq!(on("198.51.100.200"), Vec::<String>::new());
    assert_eq!(on("2001:db8::77"), ["tor-exits"]);
    let listed = &set.lists()[0].info();
    assert_eq!(listed.date, "2026-12-06T05:00:00Z");
    assert_eq!(listed.source, format!("{base}/drop_v4.json"));

    let before = std::fs::read_to_string(dir.path().join("spamhaus-drop.list")).unwrap();
    let err = intel::update(
        drop,
        Some(&format!("{base}/maintenance")),
        "x",
        Some(dir.path()),
    )
    .unwrap_err();
    assert!(err.contains("HTML"), "{err}");
    let err =
        intel::update(drop, Some(&format!("{base}/gone")), "x", Some(dir.path())).unwrap_err();
    assert!(err.contains("404"), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("spamhaus-drop.list")).unwrap(),
        before
    );
}
