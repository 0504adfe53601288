//! Parses a default-format text file N times: a fixed workload for profilers (`valgrind --tool=callgrind`,
//! `perf`). Usage: `parse_file FILE [REPEAT [FIELD,FIELD…]]`; the fields (as in format strings, e.g.
//! `srcaddr,dstaddr,bytes`) make a projection, read as views the way the query engine reads text.

use vpcflow_record::{BatchBuilder, Field, Format};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .expect("usage: parse_file FILE [REPEAT [FIELDS]]");
    let repeat: usize = args
        .next()
        .map_or(1, |r| r.parse().expect("REPEAT is a number"));
    let projection: Option<Vec<Field>> = args.next().map(|names| {
        names
            .split(',')
            .map(|n| Field::from_name(n).expect("a field name"))
            .collect()
    });
    let text = std::fs::read(path).expect("readable file");
    let mut builder = BatchBuilder::new(&Format::default_v2(), projection.as_deref(), 8192);
    if projection.is_some() {
        builder = builder.with_views();
    }
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
