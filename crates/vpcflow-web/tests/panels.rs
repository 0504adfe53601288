//! The dashboard's numbers against an independent computation: every panel's one-pass aggregation over the cache
//! must equal what DataFusion answers for the panel's SQL (the SQL the page shows and downloads), over generated
//! logs and under every kind of state (the whole range, a brushed range, a clicked value, a `--where` filter).
//! Then the SQL view's limits and the server's guard, over HTTP.

use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Int64Type};
use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::time::Duration;
use vpcflow_web::panels::{self, Axis};
use vpcflow_web::sql::Limits;
use vpcflow_web::state::State;
use vpcflow_web::{Dashboard, sqltext};

/// The cache over `paths`, read through a session as `vpcflow serve` reads them.
fn load(paths: &[String]) -> vpcflow_web::Cache {
    let session = vpcflow_source::session::Session::open(
        vpcflow_source::session::SessionOptions {
            inputs: paths.to_vec(),
            ..Default::default()
        },
        std::sync::Arc::new(|_| {}),
    )
    .unwrap();
    vpcflow_web::load(&session, &vpcflow_web::LoadOptions::default())
        .unwrap()
        .expect("not --strict")
}

fn dashboard(records: u64) -> (tempfile::TempDir, Dashboard) {
    let dir = tempfile::tempdir().unwrap();
    let opts = vpcflow_capture::synth::SynthOptions {
        records,
        records_per_file: 5_000,
        interfaces: 40,
        ..Default::default()
    };
    let files = vpcflow_capture::synth::generate(dir.path(), &opts).unwrap();
    let paths: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    let cache = load(&paths);
    assert_eq!(cache.rows as u64, records);
    let d = Dashboard::new(cache, None, vpcflow_web::Options::default()).unwrap();
    (dir, d)
}

/// Rows of a query, each as text cells keyed by column.
fn query(d: &Dashboard, sql: &str) -> Vec<HashMap<String, Option<String>>> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let a = rt
        .block_on(d.app().tables.run(
            sql,
            Limits {
                rows: 1_000_000,
                time: Duration::from_secs(60),
            },
        ))
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let mut out = Vec::new();
    for b in &a.batches {
        for r in 0..b.num_rows() {
            let mut row = HashMap::new();
            for (i, f) in b.schema().fields().iter().enumerate() {
                let col = b.column(i);
                let v = (!col.is_null(r))
                    .then(|| arrow::util::display::array_value_to_string(col, r).unwrap());
                row.insert(f.name().clone(), v);
            }
            out.push(row);
        }
    }
    out
}

fn n(row: &HashMap<String, Option<String>>, k: &str) -> u64 {
    row[k].as_deref().map_or(0, |v| v.parse().unwrap())
}

fn states(d: &Dashboard) -> Vec<String> {
    let (lo, hi) = d.app().derived.extent.unwrap();
    let third = (hi - lo) / 3;
    vec![
        String::new(),
        format!("from={}&to={}", lo + third, lo + 2 * third),
        format!(
            "f=in:interface_id:{}&f=in:interface_id:{}&f=ex:dstport:443",
            vpcflow_web::scan::text_of(&d.app().cache, "interface_id", 0).unwrap(),
            vpcflow_web::scan::text_of(&d.app().cache, "interface_id", 1).unwrap()
        ),
        format!(
            "f=in:addr:{}",
            vpcflow_web::scan::text_of(&d.app().cache, "srcaddr", 0).unwrap()
        ),
        "where=dst%20port%2022%20or%20action%20reject".to_string(),
        "where=bytes%20%3E%201000%20AND%20protocol%20%3D%206".to_string(),
        format!("from={}&to={}&f=in:action:REJECT", lo, lo + third),
    ]
}

/// A rejected combination as cells: interface, source, destination, port, records, bytes.
type RejectCells = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    u64,
    u64,
);

#[test]
fn panels_agree_with_their_sql() {
    let (_dir, d) = dashboard(60_000);
    let app = d.app();
    for q in states(&d) {
        let state = State::parse(&q).unwrap();
        let condition = state.condition(&app.cache).unwrap();
        let filter = condition.as_ref().map(|c| app.tables.filter(c).unwrap());
        let axis = Axis::new(state.from, state.to, app.derived.extent, 180);
        for by_bytes in [true, false] {
            let o = panels::overview(
                &app.cache,
                &app.derived,
                filter.as_ref(),
                axis,
                by_bytes,
                10,
                2,
            )
            .unwrap();
            let k = &query(&d, &sqltext::kpis(condition.as_deref()))[0];
            let got = [
                o.kpis.records,
                o.kpis.flows,
                o.kpis.bytes,
                o.kpis.packets,
                o.kpis.accept,
                o.kpis.reject,
                o.kpis.nodata,
                o.kpis.skipdata,
                o.kpis.sources,
                o.kpis.destinations,
                o.kpis.interfaces,
            ];
            let want = [
                "records",
                "flows",
                "bytes",
                "packets",
                "accept",
                "reject",
                "nodata",
                "skipdata",
                "sources",
                "destinations",
                "interfaces",
            ]
            .map(|c| n(k, c));
            assert_eq!(got, want, "kpis for `{q}`");
            assert!(o.kpis.records > 0, "the state `{q}` selects something");
            for (column, rows) in &o.top {
                let sql = query(
                    &d,
                    &sqltext::top(condition.as_deref(), column, by_bytes, 10),
                );
                let want: Vec<(String, u64, u64, u64)> = sql
                    .iter()
                    .map(|r| {
                        (
                            r["value"].clone().unwrap(),
                            n(r, "flows"),
                            n(r, "bytes"),
                            n(r, "rejects"),
                        )
                    })
                    .collect();
                let got: Vec<(String, u64, u64, u64)> = rows
                    .iter()
                    .map(|r| (r.value.clone(), r.flows, r.bytes, r.rejects))
                    .collect();
                assert_eq!(got, want, "top {column} for `{q}` (by bytes: {by_bytes})");
            }
            let mut bins: BTreeMap<i64, [u64; 5]> = BTreeMap::new();
            for r in query(&d, &sqltext::timeline(condition.as_deref(), &axis)) {
                let t: i64 = r["time"].as_deref().unwrap().parse().unwrap();
                bins.insert(
                    t,
                    ["accept", "reject", "nodata", "bytes_in", "bytes_out"].map(|c| n(&r, c)),
                );
            }
            for (i, t) in axis.starts().iter().enumerate() {
                let got = [
                    o.accept[i],
                    o.reject[i],
                    o.nodata[i],
                    o.bytes_in[i],
                    o.bytes_out[i],
                ];
                assert_eq!(
                    got,
                    bins.remove(t).unwrap_or_default(),
                    "timeline bin {t} for `{q}`"
                );
            }
            assert!(
                bins.is_empty(),
                "every record's bin is on the axis for `{q}`"
            );
        }
        let r = panels::rejects(&app.cache, filter.as_ref(), axis, 1_000_000, 2).unwrap();
        let mut want: Vec<RejectCells> =
            query(&d, &sqltext::rejects(condition.as_deref(), 1_000_000))
                .iter()
                .map(|x| {
                    (
                        x["interface_id"].clone(),
                        x["srcaddr"].clone(),
                        x["dstaddr"].clone(),
                        x["dstport"].clone(),
                        n(x, "flows"),
                        n(x, "bytes"),
                    )
                })
                .collect();
        let mut got: Vec<_> = r
            .rows
            .iter()
            .map(|x| {
                (
                    x.key.interface.clone(),
                    x.key.src.clone(),
                    x.key.dst.clone(),
                    x.key.dstport.map(|p| p.to_string()),
                    x.flows,
                    x.bytes,
                )
            })
            .collect();
        want.sort();
        got.sort();
        assert_eq!(got, want, "rejects for `{q}`");
    }
}

#[test]
fn keyset_pages_visit_every_row_once_in_order() {
    let (_dir, d) = dashboard(12_000);
    let app = d.app();
    let bytes_of = |row: u32| -> Option<i64> {
        let (b, i) = vpcflow_web::flows::locate(&app.cache, row).unwrap();
        let c = b.column(app.cache.index("bytes").unwrap());
        (c.data_type() == &DataType::Int64 && c.is_valid(i))
            .then(|| c.as_primitive::<Int64Type>().value(i))
    };
    for ascending in [true, false] {
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = vpcflow_web::flows::page(
                &app.cache, &app.ranks, None, "bytes", ascending, after, 997, 2,
            )
            .unwrap();
            seen.extend(page.rows.iter().map(|(r, _)| *r));
            match page.next {
                Some(c) => after = vpcflow_web::flows::Cursor::parse(&c),
                None => break,
            }
        }
        let mut unique = seen.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), 12_000, "every row once");
        assert_eq!(seen.len(), 12_000);
        let keys: Vec<i64> = seen
            .iter()
            .map(|r| bytes_of(*r).unwrap_or(i64::MIN + 1))
            .collect();
        let mut sorted = keys.clone();
        if ascending {
            sorted.sort();
        } else {
            sorted.sort_by(|a, b| b.cmp(a));
        }
        assert_eq!(keys, sorted, "in order (ascending: {ascending})");
    }
}

#[test]
fn sql_view_reads_only_the_flows_table() {
    let (dir, d) = dashboard(5_000);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let limits = Limits {
        rows: 10,
        time: Duration::from_secs(30),
    };
    let run = |sql: &str| rt.block_on(d.app().tables.run(sql, limits));
    let target = dir.path().join("written.csv");
    for sql in [
        format!("COPY (SELECT * FROM flows) TO '{}'", target.display()),
        "CREATE TABLE t AS SELECT * FROM flows".to_string(),
        "INSERT INTO flows SELECT * FROM flows".to_string(),
        "CREATE EXTERNAL TABLE etc STORED AS CSV LOCATION '/etc/'".to_string(),
        "SELECT * FROM '/etc/passwd'".to_string(),
        "SET datafusion.execution.batch_size = 1".to_string(),
        "DROP VIEW flows".to_string(),
    ] {
        assert!(run(&sql).is_err(), "{sql} must be refused");
    }
    assert!(!target.exists(), "nothing was written");
    let a = run("SELECT * FROM vpc_flow_logs").unwrap();
    assert!(a.truncated, "rows are cut at the limit");
    assert_eq!(a.batches.iter().map(|b| b.num_rows()).sum::<usize>(), 10);
    // Athena's columns that no input has are there, as NULLs of their type.
    let a = run("SELECT COUNT(vpc_id) AS n, COUNT(*) AS all_rows FROM flows").unwrap();
    assert_eq!(
        a.batches[0].column(0).as_primitive::<Int64Type>().value(0),
        0
    );
    assert_eq!(
        a.batches[0].column(1).as_primitive::<Int64Type>().value(0),
        5_000
    );
}

/// One raw HTTP/1.1 exchange: the status code and the whole response.
fn http(port: u16, request: &str) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let code = out.split(' ').nth(1).unwrap().parse().unwrap();
    (code, out)
}

fn serve(options: vpcflow_web::Options) -> u16 {
    let (dir, _) = dashboard(100);
    let files: Vec<String> = walk(dir.path());
    let cache = load(&files);
    let d = Dashboard::new(cache, None, options).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let _keep = dir;
        d.serve(listener)
    });
    port
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p.display().to_string());
        }
    }
    out
}

#[test]
fn the_guard_keeps_it_local() {
    let port = serve(vpcflow_web::Options::default());
    let get = |path: &str, host: &str| {
        http(
            port,
            &format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
        )
    };
    let (code, page) = get("/", &format!("127.0.0.1:{port}"));
    assert_eq!(code, 200);
    assert!(
        page.contains(vpcflow_web::security::CSP),
        "the CSP header is sent"
    );
    assert!(
        page.to_ascii_lowercase()
            .contains("x-content-type-options: nosniff")
    );
    assert_eq!(get("/", &format!("localhost:{port}")).0, 200);
    // DNS rebinding: another name for 127.0.0.1 is refused.
    assert_eq!(get("/", &format!("rebind.example:{port}")).0, 421);
    assert_eq!(get("/api/meta", "attacker.example").0, 421);
    // Anything but GET must come from the page's own origin.
    let body = r#"{"sql":"SELECT 1"}"#;
    let post = |origin: Option<&str>| {
        let origin = origin
            .map(|o| format!("Origin: {o}\r\n"))
            .unwrap_or_default();
        http(
            port,
            &format!(
                "POST /api/sql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{origin}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            ),
        )
    };
    assert_eq!(post(None).0, 403);
    assert_eq!(post(Some("http://evil.example")).0, 403);
    assert_eq!(post(Some(&format!("http://127.0.0.1:{port}"))).0, 200);
    // Assets are cached for long; a wrong hash is not served.
    let index = get("/", "localhost").1;
    let asset = index
        .split("src=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let (code, r) = get(&asset, "localhost");
    assert_eq!(code, 200);
    assert!(r.contains("immutable"));
    assert_eq!(get("/assets/0000000000000000/app.js", "localhost").0, 404);
}

#[test]
fn a_token_is_required_when_set() {
    let port = serve(vpcflow_web::Options {
        token: Some("s3cr3t".to_string()),
        ..Default::default()
    });
    let req = |path: &str, cookie: &str| {
        http(
            port,
            &format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n{cookie}Connection: close\r\n\r\n"),
        )
    };
    assert_eq!(req("/api/meta", "").0, 401);
    assert_eq!(req("/api/meta?token=wrong", "").0, 401);
    let (code, r) = req("/overview?token=s3cr3t&lang=ja", "");
    assert_eq!(code, 303);
    assert!(
        r.contains("location: /overview?lang=ja") || r.contains("Location: /overview?lang=ja"),
        "{r}"
    );
    assert!(r.contains("vpcflow_token=s3cr3t; HttpOnly; SameSite=Strict"));
    assert_eq!(req("/api/meta", "Cookie: vpcflow_token=s3cr3t\r\n").0, 200);
    assert_eq!(req("/api/meta", "Cookie: vpcflow_token=nope\r\n").0, 401);
}

#[test]
fn beyond_loopback_needs_a_token() {
    let e = vpcflow_web::server::bind(Some("0.0.0.0:0".parse().unwrap()), None).unwrap_err();
    assert!(e.to_string().contains("without --token"), "{e}");
    assert!(vpcflow_web::server::bind(Some("127.0.0.1:0".parse().unwrap()), None).is_ok());
}
