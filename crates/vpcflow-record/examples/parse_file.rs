//! Parses a default-format text file N times: a fixed workload for profilers (`valgrind --tool=callgrind`,
//! `perf`). Usage: `parse_file FILE [REPEAT]`.

use vpcflow_record::{BatchBuilder, Format};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: parse_file FILE [REPEAT]");
    let repeat: usize = args
        .next()
        .map_or(1, |r| r.parse().expect("REPEAT is a number"));
    let text = std::fs::read(path).expect("readable file");
    let mut builder = BatchBuilder::new(&Format::default_v2(), None, 8192);
    let mut rows = 0;
    for _ in 0..repeat {
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', &text) {
            if builder.push_line(&text[start..end]).is_ok() && builder.len() == 8192 {
                rows += builder.finish().batch.num_rows();
            }
            start = end + 1;
        }
        rows += builder.finish().batch.num_rows();
    }
    println!("{rows} rows");
}
