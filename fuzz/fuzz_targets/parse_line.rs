//! Any bytes as lines of several formats: the parser must never panic, and what it accepted, written back as
//! AWS text and parsed again, must give the same batch (writing is the parser's inverse on what it accepts).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;
use vpcflow_record::{BatchBuilder, Field, Format};

static FORMATS: LazyLock<Vec<Format>> = LazyLock::new(|| {
    vec![
        Format::default_v2(),
        Format::transit_gateway_default(),
        Format::new(Field::ALL.iter().copied().filter(|f| f.family() == vpcflow_record::Family::Vpc).collect())
            .unwrap(),
        Format::parse("version vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol bytes packets start end action tcp-flags log-status").unwrap(),
    ]
});

fuzz_target!(|data: &[u8]| {
    if data.is_empty() {
        return;
    }
    let format = &FORMATS[data[0] as usize % FORMATS.len()];
    let mut builder = BatchBuilder::new(format, None, 16);
    let mut accepted = Vec::new();
    for line in data[1..].split(|b| *b == b'\n') {
        if builder.push_line(line).is_ok() {
            accepted.push(line);
        }
    }
    let parsed = builder.finish();
    let batch = parsed.batch;
    assert_eq!(batch.num_rows() + parsed.errors.len(), accepted.len());
    let mut out = Vec::new();
    vpcflow_record::text::write_batch(&batch, &mut out).unwrap();
    let mut again = BatchBuilder::new(format, None, 16);
    for line in out.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        again.push_line(line).expect("written lines parse");
    }
    let again = again.finish();
    assert!(again.errors.is_empty(), "{:?}", again.errors);
    assert_eq!(again.batch, batch);
});
