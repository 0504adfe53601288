//! Reading gzip'd objects: the inflaters alone (flate2/zlib-rs streaming, as the reader did; libdeflate on the
//! whole object, as it does now) and the reader end to end (`read_input` on the object in memory, every column
//! checked), against the reader on the same text uncompressed.
//!
//! Run: `cargo bench -p vpcflow-source --bench gzip`. Throughput is in records (lines).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use flate2::Compression;
use flate2::write::GzEncoder;
use std::hint::black_box;
use std::io::{Read, Write};
use vpcflow_source::{Input, Item, ReadOptions, read_input};

/// Default-format lines as the parser benchmark makes them (crates/vpcflow-record/benches/parse.rs): private and
/// public IPv4, a few IPv6, TCP/UDP/ICMP, ACCEPT/REJECT, a NODATA line now and then.
fn lines(n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n * 112);
    let mut x: u64 = 0x9e3779b97f4a7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for i in 0..n {
        let r = next();
        let eni = r % 500;
        let start = 1_700_000_000 + (i as u64 / 1000) * 60;
        if r % 997 == 0 {
            let end = start + 60;
            writeln!(
                out,
                "2 123456789012 eni-{eni:017x} - - - - - - - {start} {end} - NODATA"
            )
            .unwrap();
            continue;
        }
        let (src, dst) = if r % 50 == 0 {
            (
                format!("2001:db8:{:x}::{:x}", r % 4096, (r >> 12) % 65536),
                "2001:db8:1::10".to_string(),
            )
        } else {
            (
                format!(
                    "{}.{}.{}.{}",
                    1 + r % 223,
                    (r >> 8) % 256,
                    (r >> 16) % 256,
                    (r >> 24) % 256
                ),
                format!("10.0.{}.{}", (r >> 32) % 256, (r >> 40) % 256),
            )
        };
        let proto = [6, 6, 6, 17, 17, 1][(r >> 44) as usize % 6];
        let dport = [443, 80, 22, 3389, 53, 123, 8080][(r >> 48) as usize % 7];
        let sport = 1024 + (r >> 20) % 64000;
        let packets = 1 + (r >> 30) % 200;
        let bytes = packets * (40 + (r >> 36) % 1400);
        let action = if r % 7 == 0 { "REJECT" } else { "ACCEPT" };
        let end = start + 1 + r % 59;
        writeln!(
            out,
            "2 123456789012 eni-{eni:017x} {src} {dst} {sport} {dport} {proto} {packets} {bytes} {start} {end} {action} OK"
        )
        .unwrap();
    }
    out
}

/// Records read from `data`, as `vpcflow validate` reads one object.
fn read(data: &bytes::Bytes) -> usize {
    let input = Input::Memory {
        name: "object.log.gz".into(),
        data: data.clone(),
    };
    let mut rows = 0;
    read_input(&input, &ReadOptions::default(), &mut |item| {
        match item {
            Item::Batch(b) => rows += black_box(b).data.num_rows(),
            Item::Problem(p) => panic!("{p}"),
            Item::Done(_) => {}
        }
        true
    });
    rows
}

fn bench(c: &mut Criterion) {
    let n = 200_000;
    let text = lines(n);
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    gz.write_all(&text).unwrap();
    let gz = gz.finish().unwrap();
    eprintln!(
        "{n} lines, {:.1} bytes per line, {:.1} MB gzip'd",
        text.len() as f64 / n as f64,
        gz.len() as f64 / 1e6
    );
    let mut group = c.benchmark_group("gzip-default-format");
    group.throughput(Throughput::Elements(n as u64));
    group.sample_size(20);
    group.bench_function("inflate-flate2-stream", |b| {
        let mut buf = vec![0u8; 1 << 20];
        b.iter(|| {
            let mut gz = flate2::bufread::MultiGzDecoder::new(&gz[..]);
            let mut total = 0;
            loop {
                match gz.read(&mut buf).unwrap() {
                    0 => break,
                    k => total += black_box(&buf[..k]).len(),
                }
            }
            assert_eq!(total, text.len());
        });
    });
    group.bench_function("inflate-libdeflate-whole", |b| {
        let mut out = vec![0u8; text.len()];
        let mut d = libdeflater::Decompressor::new();
        b.iter(|| assert_eq!(d.gzip_decompress(&gz, &mut out).unwrap(), text.len()));
    });
    let plain = bytes::Bytes::from(text.clone());
    group.bench_function("read-plain-text", |b| {
        b.iter(|| assert_eq!(read(&plain), n))
    });
    let gz = bytes::Bytes::from(gz);
    group.bench_function("read-gzip", |b| b.iter(|| assert_eq!(read(&gz), n)));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
