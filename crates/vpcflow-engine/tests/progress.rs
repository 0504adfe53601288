//! Progress in bytes: what a query will read is told once its listing is pruned (inputs and bytes as stored),
//! and every finished piece tells its bytes, so that the two meet at the end.

use std::io::Write;
use std::sync::{Arc, Mutex};
use vpcflow_engine::{Engine, EngineOptions, ScanEvent};

const HEADER: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";

fn lines(n: usize) -> String {
    let mut text = format!("{HEADER}\n");
    for i in 0..n {
        text.push_str(&format!(
            "2 123456789012 eni-0a1b2c3d 10.0.0.{} 203.0.113.{} {} 443 6 3 {} 1704153600 1704153660 ACCEPT OK\n",
            i % 250,
            i % 200,
            1024 + i,
            100 + i
        ));
    }
    text
}

#[test]
fn planned_bytes_and_read_bytes_meet() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("a.log");
    std::fs::write(&plain, lines(3000)).unwrap();
    let gz = dir.path().join("b.log.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(lines(2000).as_bytes()).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    let sizes = std::fs::metadata(&plain).unwrap().len() + std::fs::metadata(&gz).unwrap().len();

    // (inputs planned, bytes planned, inputs done, bytes done)
    let seen = Arc::new(Mutex::new((0u64, 0u64, 0u64, 0u64)));
    let tally = seen.clone();
    let observer: vpcflow_engine::Observer = Arc::new(move |event| {
        let mut t = tally.lock().unwrap();
        match event {
            ScanEvent::Planned { inputs, bytes } => {
                t.0 += inputs;
                t.1 += bytes;
            }
            ScanEvent::Done { summary, first } => {
                t.2 += u64::from(first);
                t.3 += summary.bytes;
            }
            ScanEvent::Problem(p) => panic!("{p}"),
        }
        true
    });
    let engine = Engine::new(
        &[vpcflow_source::Input::Path(dir.path().to_path_buf())],
        EngineOptions {
            threads: Some(2),
            observer: Some(observer),
            ..EngineOptions::default()
        },
    )
    .unwrap();
    let (_, batches) = engine.collect("SELECT COUNT(*) FROM flows").unwrap();
    let n = batches[0]
        .column(0)
        .as_any()
        .downcast_ref::<arrow::array::Int64Array>()
        .unwrap()
        .value(0);
    assert_eq!(n, 5000);
    assert_eq!(*seen.lock().unwrap(), (2, sizes, 2, sizes));
}
