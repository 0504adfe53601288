//! Parser throughput on default-format text: all 14 columns, 4- and 3-column projections, and through gzip.
//!
//! Run: `cargo bench -p vpcflow-record --bench parse`. Throughput is reported in bytes; records/s = bytes/s ÷
//! the mean line length printed at the start.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use flate2::Compression;
use flate2::write::GzEncoder;
use std::hint::black_box;
use std::io::{Read, Write};
use vpcflow_record::{BatchBuilder, Field, Format};

#[path = "support/lines.rs"]
mod lines;
use lines::lines;

fn parse(text: &[u8], builder: &mut BatchBuilder) -> usize {
    // Lines are found with memchr, as the file reader does.
    let mut rows = 0;
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', text) {
        let line = &text[start..end];
        start = end + 1;
        builder.push_line(line).unwrap();
        if builder.len() == 8192 {
            rows += black_box(builder.finish()).batch.num_rows();
        }
    }
    rows + builder.finish().batch.num_rows()
}

fn bench(c: &mut Criterion) {
    let n = 200_000;
    let text = lines(n);
    eprintln!(
        "{n} lines, {:.1} bytes per line",
        text.len() as f64 / n as f64
    );
    let format = Format::default_v2();
    let mut group = c.benchmark_group("parse-default-format");
    group.throughput(Throughput::Elements(n as u64));
    group.sample_size(20);
    group.bench_function("all-columns", |b| {
        let mut builder = BatchBuilder::new(&format, None, 8192);
        b.iter(|| assert_eq!(parse(&text, &mut builder), n));
    });
    // As the query engine asks for them: text as views.
    group.bench_function("all-columns-views", |b| {
        let mut builder = BatchBuilder::new(&format, None, 8192).with_views();
        b.iter(|| assert_eq!(parse(&text, &mut builder), n));
    });
    let projection = [Field::Srcaddr, Field::Dstport, Field::Bytes, Field::Action];
    group.bench_function("4-columns", |b| {
        let mut builder = BatchBuilder::new(&format, Some(&projection), 8192);
        b.iter(|| assert_eq!(parse(&text, &mut builder), n));
    });
    // Top talkers: most of each line is skipped.
    let talkers = [Field::Srcaddr, Field::Dstaddr, Field::Bytes];
    group.bench_function("3-columns-views", |b| {
        let mut builder = BatchBuilder::new(&format, Some(&talkers), 8192).with_views();
        b.iter(|| assert_eq!(parse(&text, &mut builder), n));
    });
    group.bench_function("gzip-all-columns", |b| {
        let mut gz = GzEncoder::new(Vec::new(), Compression::default());
        gz.write_all(&text).unwrap();
        let gz = gz.finish().unwrap();
        let mut builder = BatchBuilder::new(&format, None, 8192);
        let mut plain = Vec::with_capacity(text.len());
        b.iter(|| {
            plain.clear();
            flate2::read::GzDecoder::new(&gz[..])
                .read_to_end(&mut plain)
                .unwrap();
            assert_eq!(parse(&plain, &mut builder), n);
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
