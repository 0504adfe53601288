//! The check of the `parse_line` fuzz target, shared with the stable test that runs it over the fixtures and
//! their mutations (`crates/vpcflow-source/tests/fuzz_targets.rs`).
//!
//! Any bytes as lines of several formats: the parser must never panic, and what it accepted, written back as
//! AWS text and parsed again, must give the same batch (writing is the parser's inverse on what it accepts).
//! Text built as views must hold the same values, and a line a filter leaves out must be one that parses with
//! valid values in the filtered fields. A builder reading a few columns takes the same lines.

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

/// Checks one input; panics (a failed assertion) when the parser misbehaves.
pub fn check(data: &[u8]) {
    if data.is_empty() {
        return;
    }
    let format = &FORMATS[data[0] as usize % FORMATS.len()];
    let mut builder = BatchBuilder::new(format, None, 16);
    let mut viewed = BatchBuilder::new(format, None, 16).with_views();
    let filtered_fields = [Field::Action, Field::Dstport];
    let mut filtered = BatchBuilder::new(format, Some(&filtered_fields), 16);
    filtered.keep_only(Field::Action, &["REJECT".to_string()]);
    filtered.keep_only(Field::Dstport, &["22".to_string(), "443".to_string()]);
    // Most fields skipped in runs, addresses read: the top-talkers query's projection.
    let mut few = BatchBuilder::new(
        format,
        Some(&[Field::Srcaddr, Field::Dstaddr, Field::Bytes]),
        16,
    )
    .with_views();
    let mut accepted = Vec::new();
    for line in data[1..].split(|b| *b == b'\n') {
        let pushed = builder.push_line(line);
        assert_eq!(viewed.push_line(line), pushed);
        // Whether a line is taken depends on its field count alone.
        assert_eq!(few.push_line(line).is_ok(), pushed.is_ok());
        if pushed.is_ok() {
            accepted.push(line);
        }
        if filtered.excludes(line) {
            assert!(filtered.push_line(line).is_ok());
            assert!(filtered.finish().errors.is_empty());
        }
    }
    let parsed = builder.finish();
    let batch = parsed.batch;
    assert_eq!(batch.num_rows() + parsed.errors.len(), accepted.len());
    let views = viewed.finish();
    let few = few.finish();
    assert_eq!(few.batch.num_rows() + few.errors.len(), accepted.len());
    assert_eq!(views.errors, parsed.errors);
    let as_utf8: Vec<_> = views
        .batch
        .columns()
        .iter()
        .zip(batch.schema().fields())
        .map(|(c, f)| arrow::compute::cast(c, f.data_type()).unwrap())
        .collect();
    assert_eq!(as_utf8.as_slice(), batch.columns());
    let mut out = Vec::new();
    vpcflow_record::text::write_batch(&batch, &mut out).unwrap();
    let mut again = BatchBuilder::new(format, None, 16);
    for line in out.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        again.push_line(line).expect("written lines parse");
    }
    let again = again.finish();
    assert!(again.errors.is_empty(), "{:?}", again.errors);
    assert_eq!(again.batch, batch);
}
