//! Parser throughput on default-format text: all 14 columns, a 4-column projection, and through gzip.
//!
//! Run: `cargo bench -p vpcflow-record --bench parse`. Throughput is reported in bytes; records/s = bytes/s ÷
//! the mean line length printed at the start.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use flate2::Compression;
use flate2::write::GzEncoder;
use std::hint::black_box;
use std::io::{Read, Write};
use vpcflow_record::{BatchBuilder, Field, Format};

/// Realistic default-format lines: private and public IPv4 (a few IPv6), ephemeral and service ports, TCP/UDP/ICMP,
/// ACCEPT/REJECT, a NODATA line now and then.
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
            writeln!(
                out,
                "2 123456789012 eni-{eni:017x} - - - - - - - {start} {} - NODATA",
                start + 60
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
        writeln!(
            out,
            "2 123456789012 eni-{eni:017x} {src} {dst} {sport} {dport} {proto} {packets} {bytes} {start} {} {action} OK",
            start + 1 + r % 59
        )
        .unwrap();
    }
    out
}

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
    let projection = [Field::Srcaddr, Field::Dstport, Field::Bytes, Field::Action];
    group.bench_function("4-columns", |b| {
        let mut builder = BatchBuilder::new(&format, Some(&projection), 8192);
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
