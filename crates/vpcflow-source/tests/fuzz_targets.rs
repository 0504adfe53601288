//! The fuzz targets' checks (`fuzz/checks/`), run on stable Rust as a test: over every fixture the repository
//! has (log text, gzip, CloudWatch JSON, Parquet), then over mutations of them for a fixed time, so that a change
//! that panics on bad input fails the test suite, not only a nightly `cargo fuzz` run.
//!
//! The mutations are libFuzzer's simplest (flip, set, insert, erase, duplicate, splice, tokens the parsers treat
//! specially) from a fixed seed: a run is reproducible, and a failing input is written to a file and printed, to
//! be added to `fuzz/corpus/<target>/` and to the fixtures here. `VPCFLOW_FUZZ_SECONDS` sets the time per target
//! (default: 60 under `CI=true`, as the issue asks of CI, and 3 otherwise).

#[allow(dead_code)]
#[path = "../../../fuzz/checks/parse_line.rs"]
mod parse_line;
#[allow(dead_code)]
#[path = "../../../fuzz/checks/read_input.rs"]
mod read_input;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Fixtures larger than this are left out (mutating them costs time and finds what the small ones find).
const MAX_SEED: u64 = 256 * 1024;

/// Byte strings the parsers treat specially, for the token mutation.
const TOKENS: &[&[u8]] = &[
    b" ",
    b"\n",
    b"\r\n",
    b"-",
    b"NODATA",
    b"SKIPDATA",
    b"ACCEPT",
    b"REJECT",
    b"OK",
    b"::",
    b"::ffff:",
    b"4294967296",
    b"18446744073709551616",
    b"-1",
    b"0",
    b"65536",
    b"xxx.xxx.xxx.xxx",
    b"eni-",
    b"${",
    b"version",
    b"\"message\":",
    b"{",
    b"}",
    b"[",
    b"]",
    b"\x1f\x8b\x08",
    b"PAR1",
    b"\xff\xfe",
    b"\xe3\x80\x80",
];

fn budget() -> Duration {
    let default = if std::env::var("CI").is_ok_and(|v| v == "true") {
        60
    } else {
        3
    };
    let seconds = std::env::var("VPCFLOW_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default);
    Duration::from_secs(seconds)
}

/// Every fixture file under the repository's example and test-data directories, sorted.
fn seeds() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    collect(&root.join("examples/flow-logs"), &mut files);
    let crates = std::fs::read_dir(root.join("crates")).expect("crates/");
    for krate in crates.flatten() {
        collect(&krate.path().join("tests/data"), &mut files);
    }
    files.sort();
    let seeds: Vec<Vec<u8>> = files.iter().filter_map(|f| std::fs::read(f).ok()).collect();
    assert!(
        seeds.len() > 20,
        "the fixtures were not found under {}",
        root.display()
    );
    seeds
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        match e.metadata() {
            Ok(m) if m.is_dir() => collect(&path, out),
            Ok(m) if m.len() <= MAX_SEED => out.push(path),
            _ => {}
        }
    }
}

/// xorshift64*: small, fixed, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One to four mutations of `data`, `other` for splicing.
fn mutate(rng: &mut Rng, data: &[u8], other: &[u8]) -> Vec<u8> {
    let mut out = data.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(7) {
            0 if at < out.len() => out[at] ^= 1 << rng.below(8),
            1 if at < out.len() => out[at] = rng.next() as u8,
            2 => out.insert(at, rng.next() as u8),
            3 if at < out.len() => {
                let end = (at + 1 + rng.below(16)).min(out.len());
                out.drain(at..end);
            }
            4 if at < out.len() => {
                let end = (at + 1 + rng.below(64)).min(out.len());
                let copy = out[at..end].to_vec();
                out.splice(at..at, copy);
            }
            5 if !other.is_empty() => {
                let from = rng.below(other.len());
                let end = (from + 1 + rng.below(256)).min(other.len());
                out.splice(at..at, other[from..end].iter().copied());
            }
            _ => {
                let token = TOKENS[rng.below(TOKENS.len())];
                out.splice(at..at, token.iter().copied());
            }
        }
    }
    out
}

/// Runs `check` on `data`; on a panic, keeps the input in a file and fails with where it is.
fn run(target: &str, check: fn(&[u8]), data: &[u8]) {
    if catch_unwind(AssertUnwindSafe(|| check(data))).is_ok() {
        return;
    }
    let file = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("fuzz-{target}-failure.bin"));
    let _ = std::fs::write(&file, data);
    panic!(
        "the {target} check failed on an input of {} bytes, kept in {} (add it to fuzz/corpus/{target}/ and to \
         the fixtures once fixed)",
        data.len(),
        file.display()
    );
}

/// Each seed as is, then mutations of the seeds until the time is up. Returns how many inputs were checked.
fn fuzz(target: &str, check: fn(&[u8]), seeds: &[Vec<u8>]) -> u64 {
    for s in seeds {
        run(target, check, s);
    }
    let mut rng = Rng(0x5eed_0000_0000_0001);
    let deadline = Instant::now() + budget();
    let mut checked = seeds.len() as u64;
    while Instant::now() < deadline {
        let data = &seeds[rng.below(seeds.len())];
        let other = &seeds[rng.below(seeds.len())];
        run(target, check, &mutate(&mut rng, data, other));
        checked += 1;
    }
    checked
}

#[test]
fn parse_line_holds_on_the_fixtures_and_their_mutations() {
    // The target's first byte picks the format: each fixture once under every format.
    let seeds: Vec<Vec<u8>> = seeds()
        .into_iter()
        .flat_map(|s| {
            (0u8..4).map(move |f| {
                let mut v = vec![f];
                v.extend_from_slice(&s);
                v
            })
        })
        .collect();
    let checked = fuzz("parse_line", parse_line::check, &seeds);
    assert!(checked >= seeds.len() as u64);
}

#[test]
fn read_input_holds_on_the_fixtures_and_their_mutations() {
    let seeds = seeds();
    let checked = fuzz("read_input", read_input::check, &seeds);
    assert!(checked >= seeds.len() as u64);
}
