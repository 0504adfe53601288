//! Inflating gzip'd objects alone, no parsing: flate2 (zlib-rs) streaming as the reader did before, against
//! libdeflate on the whole object. One thread; prints the best of N rounds for each.
//! Usage: `inflate [--rounds N] [flate2|flate2-whole|libdeflate|both] PATH…` (directories are walked).

use std::io::{BufReader, Read};
use std::time::{Duration, Instant};

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut rounds = 5;
    if args.first().map(String::as_str) == Some("--rounds") {
        rounds = args[1].parse().expect("--rounds N");
        args.drain(..2);
    }
    let mode = match args.first().map(String::as_str) {
        Some(m @ ("flate2" | "flate2-whole" | "libdeflate" | "both")) => {
            let m = m.to_string();
            args.remove(0);
            m
        }
        _ => "both".to_string(),
    };
    let (inputs, problems) = vpcflow_source::expand_inputs(&args);
    assert!(problems.is_empty(), "{problems:?}");
    let paths: Vec<_> = inputs
        .into_iter()
        .map(|i| match i {
            vpcflow_source::Input::Path(p) => p,
            other => panic!("not a file: {other:?}"),
        })
        .collect();
    let compressed: u64 = paths
        .iter()
        .map(|p| std::fs::metadata(p).unwrap().len())
        .sum();
    for (name, run) in [
        ("flate2", flate2_stream as fn(&std::path::Path) -> u64),
        ("flate2-whole", flate2_whole),
        ("libdeflate", libdeflate_whole),
    ] {
        if (mode != "both" || name == "flate2-whole") && mode != name {
            continue;
        }
        let mut best = Duration::MAX;
        let mut out = 0;
        for _ in 0..rounds {
            let t = Instant::now();
            out = paths.iter().map(|p| run(p)).sum::<u64>();
            best = best.min(t.elapsed());
        }
        let s = best.as_secs_f64();
        println!(
            "{name:>10}: {:.1} ms for {} files, {:.1} MB -> {:.1} MB: {:.0} MB/s of text",
            s * 1e3,
            paths.len(),
            compressed as f64 / 1e6,
            out as f64 / 1e6,
            out as f64 / s / 1e6
        );
    }
}

/// As the reader did: a 64 KiB file buffer, the multi-member decoder, 1 MiB reads.
fn flate2_stream(path: &std::path::Path) -> u64 {
    let file = BufReader::with_capacity(1 << 16, std::fs::File::open(path).unwrap());
    let mut gz = flate2::bufread::MultiGzDecoder::new(file);
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = gz.read(&mut buf).unwrap();
        if n == 0 {
            return total;
        }
        total += n as u64 + u64::from(buf[n / 2]);
    }
}

/// zlib-rs through flate2 on the whole object in one call (single member assumed): streaming overhead apart.
fn flate2_whole(path: &std::path::Path) -> u64 {
    let data = std::fs::read(path).unwrap();
    let isize = u32::from_le_bytes(data[data.len() - 4..].try_into().unwrap()) as usize;
    let mut out = vec![0u8; isize];
    let mut d = flate2::Decompress::new_gzip(15);
    d.decompress(&data, &mut out, flate2::FlushDecompress::Finish)
        .unwrap();
    let n = d.total_out() as usize;
    n as u64 + u64::from(out[n / 2])
}

/// The whole object in memory, one call, the output sized from the gzip trailer (single member assumed here).
fn libdeflate_whole(path: &std::path::Path) -> u64 {
    let data = std::fs::read(path).unwrap();
    let isize = u32::from_le_bytes(data[data.len() - 4..].try_into().unwrap()) as usize;
    let mut out = vec![0u8; isize];
    let n = libdeflater::Decompressor::new()
        .gzip_decompress(&data, &mut out)
        .unwrap();
    n as u64 + u64::from(out[n / 2])
}
