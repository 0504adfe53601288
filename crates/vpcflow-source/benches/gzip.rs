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

#[path = "../../vpcflow-record/benches/support/lines.rs"]
mod lines;
use lines::lines;

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
