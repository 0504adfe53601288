//! Property: a well-formed line of any format, parsed and written back as AWS text, is the same line byte for
//! byte; and the parser never panics on arbitrary bytes.

use proptest::prelude::*;
use vpcflow_record::{BatchBuilder, Field, Format, Kind};

fn value(kind: Kind) -> BoxedStrategy<String> {
    let absent = Just("-".to_string());
    let v: BoxedStrategy<String> = match kind {
        Kind::Int32 => (0i64..=i32::MAX as i64).prop_map(|v| v.to_string()).boxed(),
        Kind::Int64 => any::<u32>()
            .prop_map(|v| (v as i64 * 1000).to_string())
            .boxed(),
        Kind::Port => (0u32..=65535).prop_map(|v| v.to_string()).boxed(),
        Kind::Protocol | Kind::TcpFlags | Kind::TrafficPath => {
            (0u32..=255).prop_map(|v| v.to_string()).boxed()
        }
        Kind::Addr => prop_oneof![
            any::<[u8; 4]>().prop_map(|o| std::net::Ipv4Addr::from(o).to_string()),
            any::<[u16; 8]>().prop_map(|s| std::net::Ipv6Addr::from(s).to_string()),
        ]
        .boxed(),
        Kind::Action => prop_oneof![Just("ACCEPT".to_string()), Just("REJECT".to_string())].boxed(),
        Kind::LogStatus => prop_oneof![
            Just("OK".into()),
            Just("NODATA".into()),
            Just("SKIPDATA".into())
        ]
        .boxed(),
        Kind::IpType => {
            prop_oneof![Just("IPv4".into()), Just("IPv6".into()), Just("EFA".into())].boxed()
        }
        Kind::Direction => prop_oneof![Just("ingress".into()), Just("egress".into())].boxed(),
        Kind::Text => "[a-z0-9][a-zA-Z0-9:/%._-]{0,30}".boxed(),
    };
    prop_oneof![1 => absent, 6 => v].boxed()
}

fn format_and_line() -> impl Strategy<Value = (Format, String)> {
    proptest::sample::subsequence(Field::ALL.to_vec(), 1..Field::ALL.len())
        .prop_shuffle()
        .prop_flat_map(|fields| {
            let values: Vec<BoxedStrategy<String>> =
                fields.iter().map(|f| value(f.kind())).collect();
            (
                Just(Format::new(fields).unwrap()),
                values.prop_map(|v| v.join(" ")),
            )
        })
}

proptest! {
    #[test]
    fn well_formed_lines_round_trip((format, line) in format_and_line()) {
        let mut builder = BatchBuilder::new(&format, None, 4);
        builder.push_line(line.as_bytes()).unwrap();
        let parsed = builder.finish();
        prop_assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let batch = parsed.batch;
        let mut out = Vec::new();
        vpcflow_record::text::write_batch(&batch, &mut out).unwrap();
        prop_assert_eq!(String::from_utf8(out).unwrap(), format!("{line}\n"));
        // The header line reads back as the same format.
        prop_assert_eq!(Format::from_header(format.header_line().as_bytes()), Some(format));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        for format in [Format::default_v2(), Format::transit_gateway_default()] {
            let mut builder = BatchBuilder::new(&format, None, 4);
            for line in bytes.split(|b| *b == b'\n') {
                let _ = builder.push_line(line);
            }
            builder.finish();
        }
    }
}
