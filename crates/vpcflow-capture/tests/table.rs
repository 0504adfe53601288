//! Packets to records: decoding every link type a capture can have, aggregation as AWS documents it, the
//! bounded table, and exact packet accounting.

mod common;

use arrow::record_batch::RecordBatch;
use common::*;
use proptest::prelude::*;
use std::sync::Arc;
use vpcflow_capture::packet::linktype;
use vpcflow_capture::{
    FlowTable, InterfaceInfo, InterfaceMap, ModelVerdicts, PacketInfo, PcapNgWriter, PcapSource,
    PcapWriter, TableConfig, TrafficType, decode, run_pcap,
};
use vpcflow_record::{Field, Format, Record};

fn text(batches: &[RecordBatch]) -> String {
    let mut out = Vec::new();
    for b in batches {
        vpcflow_record::text::write_batch(b, &mut out).unwrap();
    }
    String::from_utf8(out).unwrap()
}

fn map(pairs: &[(&str, &str)]) -> Arc<InterfaceMap> {
    let flags: Vec<String> = pairs.iter().map(|(a, e)| format!("{a}={e}")).collect();
    Arc::new(InterfaceMap::from_flags(&flags, Some("123456789012"), None).unwrap())
}

fn config(aggregation: i64) -> TableConfig {
    TableConfig {
        aggregation,
        ..TableConfig::default()
    }
}

#[allow(clippy::too_many_arguments)] // one argument per field of a packet, in the order tests read them
fn pkt(
    ts: i64,
    src: &str,
    sport: u16,
    dst: &str,
    dport: u16,
    protocol: u8,
    flags: u8,
    len: u32,
) -> PacketInfo {
    PacketInfo {
        ts,
        src: src.parse().unwrap(),
        dst: dst.parse().unwrap(),
        protocol,
        src_port: sport,
        dst_port: dport,
        tcp_flags: flags,
        len,
        icmp: None,
    }
}

#[test]
fn decodes_every_link_type_and_protocol() {
    let t = tcp("10.0.0.5", 40000, "10.0.0.6", 443, 2, 0);
    let p = decode(linktype::ETHERNET, &t, 7).unwrap();
    assert_eq!(
        (p.protocol, p.src_port, p.dst_port, p.tcp_flags, p.len, p.ts),
        (6, 40000, 443, 2, 40, 7)
    );

    let v = decode(linktype::ETHERNET, &vlan(&t, 42), 7).unwrap();
    assert_eq!(v, p, "an 802.1Q tag changes nothing");
    let s = decode(linktype::LINUX_SLL, &sll(&t), 7).unwrap();
    assert_eq!(s, p, "a Linux cooked header changes nothing");
    let raw = decode(linktype::RAW, &t[14..], 7).unwrap();
    assert_eq!(raw, p);

    let u = decode(
        linktype::ETHERNET,
        &udp("2001:db8::5", 5353, "2001:db8::6", 53, 20),
        1,
    )
    .unwrap();
    assert_eq!(
        (u.protocol, u.src_port, u.dst_port, u.len),
        (17, 5353, 53, 40 + 8 + 20)
    );
    assert!(u.src.is_ipv6());

    let i = decode(linktype::ETHERNET, &ping("10.0.0.5", "10.0.0.6", 56), 1).unwrap();
    assert_eq!(
        (i.protocol, i.src_port, i.dst_port, i.icmp, i.len),
        (1, 0, 0, Some((8, 0)), 84)
    );
    let i6 = decode(
        linktype::ETHERNET,
        &ping("2001:db8::5", "2001:db8::6", 56),
        1,
    )
    .unwrap();
    assert_eq!((i6.protocol, i6.icmp), (58, Some((128, 0))));

    let gre = decode(
        linktype::RAW,
        &raw_ipv4([10, 0, 0, 5], [10, 0, 0, 6], 47, 30),
        1,
    )
    .unwrap();
    assert_eq!((gre.protocol, gre.src_port, gre.len), (47, 0, 50));

    // ARP is not IP; a frame cut inside the Ethernet header is truncated.
    let mut arp = t[..12].to_vec();
    arp.extend_from_slice(&[0x08, 0x06]);
    arp.extend_from_slice(&[0u8; 28]);
    assert_eq!(
        decode(linktype::ETHERNET, &arp, 1),
        Err(vpcflow_capture::NotIp::OtherProtocol)
    );
    assert_eq!(
        decode(linktype::ETHERNET, &t[..10], 1),
        Err(vpcflow_capture::NotIp::Truncated)
    );
}

#[test]
fn reads_pcap_and_pcapng_alike() {
    let frames = [
        tcp("10.0.0.5", 40000, "10.0.0.6", 443, 2, 0),
        tcp("10.0.0.6", 443, "10.0.0.5", 40000, 18, 0),
        udp("10.0.0.5", 5000, "10.0.0.6", 53, 30),
    ];
    let mut w = PcapWriter::new(Vec::new(), linktype::ETHERNET).unwrap();
    for (k, f) in frames.iter().enumerate() {
        w.write(1_700_000_000 + k as u32, 0, f).unwrap();
    }
    let pcap = w.into_inner();
    let mut ng = PcapNgWriter::new(Vec::new()).unwrap();
    ng.interface(linktype::ETHERNET).unwrap();
    ng.interface(linktype::LINUX_SLL).unwrap();
    for (k, f) in frames.iter().enumerate() {
        let ts = (1_700_000_000 + k as u64) * 1_000_000 + 250_000;
        if k == 1 {
            ng.write(1, ts, &sll(f)).unwrap();
        } else {
            ng.write(0, ts, f).unwrap();
        }
    }
    let pcapng = ng.into_inner();
    let read = |bytes: Vec<u8>| {
        let mut src = PcapSource::new(std::io::Cursor::new(bytes)).unwrap();
        let mut out = Vec::new();
        while let Some(f) = src.next_frame().unwrap() {
            out.push(f.unwrap());
        }
        out
    };
    let a = read(pcap);
    let b = read(pcapng);
    assert_eq!(a.len(), 3);
    assert_eq!(a, b);
    assert_eq!(a[2].ts, 1_700_000_002);
    assert!(PcapSource::new(std::io::Cursor::new(b"not a capture at all, no".to_vec())).is_err());
}

#[test]
fn one_record_per_interface_flow_and_interval_both_directions() {
    // eni-a (10.0.0.5) talks to eni-b (10.0.0.6): each packet is egress on one and ingress on the other.
    let m = map(&[("10.0.0.5", "eni-a"), ("10.0.0.6", "eni-b")]);
    let mut t = FlowTable::new(config(60), m);
    t.packet(&pkt(120, "10.0.0.5", 40000, "10.0.0.6", 443, 6, 2, 60));
    t.packet(&pkt(121, "10.0.0.6", 443, "10.0.0.5", 40000, 6, 18, 60));
    t.packet(&pkt(125, "10.0.0.5", 40000, "10.0.0.6", 443, 6, 16, 1500));
    // The next minute: the flow goes on in a new record; then a quiet minute gives NODATA.
    t.packet(&pkt(185, "10.0.0.5", 40000, "10.0.0.6", 443, 6, 17, 52));
    t.packet(&pkt(300, "10.0.0.6", 443, "10.0.0.5", 40000, 6, 4, 40));
    let out = text(&t.finish());
    insta::assert_snapshot!(out, @r"
    2 123456789012 eni-a 10.0.0.5 10.0.0.6 40000 443 6 2 1560 120 125 ACCEPT OK
    2 123456789012 eni-a 10.0.0.6 10.0.0.5 443 40000 6 1 60 121 121 ACCEPT OK
    2 123456789012 eni-b 10.0.0.5 10.0.0.6 40000 443 6 2 1560 120 125 ACCEPT OK
    2 123456789012 eni-b 10.0.0.6 10.0.0.5 443 40000 6 1 60 121 121 ACCEPT OK
    2 123456789012 eni-a 10.0.0.5 10.0.0.6 40000 443 6 1 52 185 185 ACCEPT OK
    2 123456789012 eni-b 10.0.0.5 10.0.0.6 40000 443 6 1 52 185 185 ACCEPT OK
    2 123456789012 eni-a - - - - - - - 240 300 - NODATA
    2 123456789012 eni-b - - - - - - - 240 300 - NODATA
    2 123456789012 eni-a 10.0.0.6 10.0.0.5 443 40000 6 1 40 300 300 ACCEPT OK
    2 123456789012 eni-b 10.0.0.6 10.0.0.5 443 40000 6 1 40 300 300 ACCEPT OK
    ");
}

#[test]
fn custom_format_fields_and_version() {
    let m = Arc::new(
        InterfaceMap::new(vec![InterfaceInfo {
            id: "eni-a".into(),
            account: Some("123456789012".into()),
            // Two addresses: records show the primary for the interface's own side, pkt-* the real one.
            addresses: vec!["10.0.1.5".parse().unwrap(), "10.0.1.9".parse().unwrap()],
            vpc_id: Some("vpc-1".into()),
            vpc_cidrs: vec!["10.0.0.0/16".parse().unwrap()],
            subnet_id: Some("subnet-1".into()),
            subnet_cidrs: vec!["10.0.1.0/24".parse().unwrap()],
            instance_id: Some("i-1".into()),
            region: Some("ap-northeast-1".into()),
            az_id: Some("apne1-az4".into()),
            ..InterfaceInfo::default()
        }])
        .unwrap(),
    );
    let format = Format::parse(
        "${version} ${interface-id} ${vpc-id} ${subnet-id} ${instance-id} ${srcaddr} ${dstaddr} ${pkt-srcaddr} \
         ${pkt-dstaddr} ${tcp-flags} ${type} ${region} ${az-id} ${flow-direction} ${traffic-path} ${log-status}",
    )
    .unwrap();
    assert_eq!(format.version(), 5);
    let mut t = FlowTable::new(
        TableConfig {
            format,
            ..config(600)
        },
        m,
    );
    t.packet(&pkt(10, "203.0.113.7", 5555, "10.0.1.9", 22, 6, 2, 60));
    t.packet(&pkt(11, "10.0.1.9", 22, "203.0.113.7", 5555, 6, 18, 60));
    t.packet(&pkt(12, "10.0.1.9", 22, "203.0.113.7", 5555, 6, 17, 52));
    // Not logged: the Amazon DNS server (VPC base + 2), the VPC router, instance metadata, DHCP.
    t.packet(&pkt(13, "10.0.1.5", 40000, "10.0.0.2", 53, 17, 0, 60));
    t.packet(&pkt(13, "10.0.1.5", 40000, "10.0.1.1", 53, 17, 0, 60));
    t.packet(&pkt(13, "10.0.1.5", 40000, "169.254.169.254", 80, 6, 2, 60));
    t.packet(&pkt(13, "10.0.1.5", 68, "255.255.255.255", 67, 17, 0, 300));
    let out = text(&t.finish());
    insta::assert_snapshot!(out, @r"
    5 eni-a vpc-1 subnet-1 i-1 203.0.113.7 10.0.1.5 203.0.113.7 10.0.1.9 2 IPv4 ap-northeast-1 apne1-az4 ingress - OK
    5 eni-a vpc-1 subnet-1 i-1 10.0.1.5 203.0.113.7 10.0.1.9 203.0.113.7 19 IPv4 ap-northeast-1 apne1-az4 egress - OK
    ");
    assert_eq!(t.stats().unlogged, 4);
}

#[test]
fn a_full_table_writes_skipdata_and_traffic_type_filters() {
    let m = map(&[("10.0.0.5", "eni-a")]);
    let mut t = FlowTable::new(
        TableConfig {
            max_flows: 2,
            ..config(60)
        },
        m.clone(),
    );
    for port in 1..=5u16 {
        t.packet(&pkt(0, "198.51.100.1", port, "10.0.0.5", 80, 6, 2, 60));
    }
    t.packet(&pkt(1, "198.51.100.1", 1, "10.0.0.5", 80, 6, 16, 60));
    let out = text(&t.finish());
    insta::assert_snapshot!(out, @r"
    2 123456789012 eni-a 198.51.100.1 10.0.0.5 1 80 6 2 120 0 1 ACCEPT OK
    2 123456789012 eni-a 198.51.100.1 10.0.0.5 2 80 6 1 60 0 0 ACCEPT OK
    2 123456789012 eni-a - - - - - - - 0 60 - SKIPDATA
    ");
    let s = t.stats();
    assert_eq!((s.recorded_packets, s.skipped_packets), (3, 3));

    let mut r = FlowTable::new(
        TableConfig {
            traffic_type: TrafficType::Reject,
            ..config(60)
        },
        m,
    );
    r.packet(&pkt(0, "198.51.100.1", 1, "10.0.0.5", 80, 6, 2, 60));
    assert_eq!(text(&r.finish()), "");
    assert_eq!(r.stats().filtered, 1);
}

/// A table with verdicts from experiment 2's VPC (inbound HTTP allowed, everything outbound allowed), writing
/// the fields that show a close.
fn exp2_table() -> FlowTable {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../vpcflow-diagnose/tests/data/exp2-http-allowed/vpc"
    );
    let model = Arc::new(vpcflow_netmodel::VpcModel::load(std::path::Path::new(dir)).unwrap());
    let m = Arc::new(InterfaceMap::from_model(&model, Some("417338593075"), None).unwrap());
    FlowTable::new(
        TableConfig {
            format: Format::parse(
                "${srcaddr} ${dstaddr} ${srcport} ${dstport} ${packets} ${tcp-flags} ${action}",
            )
            .unwrap(),
            ..config(600)
        },
        m,
    )
    .with_verdicts(ModelVerdicts::new(model))
}

#[test]
fn packets_after_a_tcp_connection_closes_are_rejected() {
    let mut t = exp2_table();
    let me = "10.0.10.30";
    let web = "93.184.216.34";
    // The instance opens HTTPS to a web server: allowed out, and the answers are allowed in (stateful).
    t.packet(&pkt(0, me, 40000, web, 443, 6, 2, 60));
    t.packet(&pkt(0, web, 443, me, 40000, 6, 18, 60));
    t.packet(&pkt(1, me, 40000, web, 443, 6, 16, 52));
    t.packet(&pkt(2, me, 40000, web, 443, 6, 17, 52));
    t.packet(&pkt(2, web, 443, me, 40000, 6, 17, 52));
    t.packet(&pkt(2, me, 40000, web, 443, 6, 16, 52));
    // Closed. A retransmitted FIN from the server is not allowed by any inbound rule: REJECT.
    t.packet(&pkt(3, web, 443, me, 40000, 6, 17, 52));
    let out = text(&t.finish());
    insta::assert_snapshot!(out, @r"
    10.0.10.30 93.184.216.34 40000 443 4 3 ACCEPT
    93.184.216.34 10.0.10.30 443 40000 2 19 ACCEPT
    93.184.216.34 10.0.10.30 443 40000 1 1 REJECT
    ");
}

/// The segments of a TCP conversation from `me:40000` to `web:443`, the handshake at `open`, a data segment each
/// way at every time in `data`, and the close at `close`.
fn conversation(t: &mut FlowTable, open: i64, data: &[i64], close: i64) {
    let (me, web) = ("10.0.10.30", "93.184.216.34");
    t.packet(&pkt(open, me, 40000, web, 443, 6, 2, 60)); // SYN
    t.packet(&pkt(open, web, 443, me, 40000, 6, 18, 60)); // SYN-ACK
    t.packet(&pkt(open, me, 40000, web, 443, 6, 16, 52)); // ACK
    for &ts in data {
        t.packet(&pkt(ts, me, 40000, web, 443, 6, 24, 500)); // PSH-ACK
        t.packet(&pkt(ts, web, 443, me, 40000, 6, 24 | 32, 1400)); // PSH-ACK-URG
        t.packet(&pkt(ts, me, 40000, web, 443, 6, 16 | 64 | 128, 52)); // ACK with ECE and CWR
    }
    t.packet(&pkt(close, me, 40000, web, 443, 6, 17, 52)); // FIN-ACK
    t.packet(&pkt(close, web, 443, me, 40000, 6, 17, 52));
    t.packet(&pkt(close, me, 40000, web, 443, 6, 16, 52));
}

#[test]
fn tcp_flags_of_a_short_conversation_are_3_and_19() {
    // Opened and closed within one interval: AWS logs SYN and FIN (3) for the client, SYN-ACK and FIN (19) for the
    // server; ACK alone, PSH, URG, ECE and CWR are never logged.
    let mut t = exp2_table();
    conversation(&mut t, 0, &[1, 2], 3);
    insta::assert_snapshot!(text(&t.finish()), @r"
    10.0.10.30 93.184.216.34 40000 443 8 3 ACCEPT
    93.184.216.34 10.0.10.30 443 40000 4 19 ACCEPT
    ");
}

#[test]
fn tcp_flags_of_a_long_conversation_follow_its_intervals() {
    // Open over three 600-second intervals: the handshake's flags in the first (2 and 18), none in the middle one
    // (only data), FIN in the last.
    let mut t = exp2_table();
    conversation(&mut t, 0, &[100, 700, 1300], 1350);
    insta::assert_snapshot!(text(&t.finish()), @r"
    10.0.10.30 93.184.216.34 40000 443 4 2 ACCEPT
    93.184.216.34 10.0.10.30 443 40000 2 18 ACCEPT
    10.0.10.30 93.184.216.34 40000 443 2 0 ACCEPT
    93.184.216.34 10.0.10.30 443 40000 1 0 ACCEPT
    10.0.10.30 93.184.216.34 40000 443 4 1 ACCEPT
    93.184.216.34 10.0.10.30 443 40000 2 1 ACCEPT
    ");
}

#[test]
fn crossing_fins_close_after_both_acks() {
    let mut t = exp2_table();
    let me = "10.0.10.30";
    let web = "93.184.216.34";
    t.packet(&pkt(0, me, 40000, web, 443, 6, 2, 60));
    t.packet(&pkt(0, web, 443, me, 40000, 6, 18, 60));
    // Both ends close at once: the FINs cross, then each end ACKs the other's FIN. The server's ACK comes after
    // the instance's, in the same second, and is part of the close, not a late packet.
    t.packet(&pkt(1, me, 40000, web, 443, 6, 17, 52));
    t.packet(&pkt(1, web, 443, me, 40000, 6, 17, 52));
    t.packet(&pkt(1, me, 40000, web, 443, 6, 16, 52));
    t.packet(&pkt(1, web, 443, me, 40000, 6, 16, 52));
    // A second later the connection is gone: a retransmitted FIN from the server is a late packet.
    t.packet(&pkt(2, web, 443, me, 40000, 6, 17, 52));
    let out = text(&t.finish());
    insta::assert_snapshot!(out, @r"
    10.0.10.30 93.184.216.34 40000 443 3 3 ACCEPT
    93.184.216.34 10.0.10.30 443 40000 3 19 ACCEPT
    93.184.216.34 10.0.10.30 443 40000 1 1 REJECT
    ");
}

#[test]
fn a_pcap_runs_through_the_table_batch_by_batch() {
    let mut w = PcapWriter::new(Vec::new(), linktype::ETHERNET).unwrap();
    for k in 0..1000u32 {
        let f = udp("10.0.0.5", 10000 + (k % 7) as u16, "10.0.0.6", 53, 12);
        w.write(1_700_000_000 + k, 0, &f).unwrap();
    }
    let bytes = w.into_inner();
    let mut src = PcapSource::new(std::io::Cursor::new(bytes)).unwrap();
    let mut t = FlowTable::new(config(60), map(&[("10.0.0.5", "eni-a")]));
    let mut rows = Vec::new();
    let frames = run_pcap::<vpcflow_capture::CaptureError>(&mut src, &mut t, |b| {
        for r in 0..b.num_rows() {
            rows.push(Record::from_batch(&b, r, None));
        }
        Ok(())
    })
    .unwrap();
    assert_eq!(frames.frames, 1000);
    let packets: i64 = rows.iter().filter_map(|r| r.int(Field::Packets)).sum();
    assert_eq!(packets, 1000);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Every packet read lands in exactly one OK record or in a SKIPDATA interval, whatever the stream and
    /// however small the table.
    #[test]
    fn every_packet_is_accounted_for_exactly_once(
        packets in proptest::collection::vec((0i64..400, 0u8..3, 0u16..40, 0u8..3, 40u32..1500, 0u8..64), 1..600),
        max_flows in 1usize..20,
        aggregation in prop_oneof![Just(60i64), Just(600i64)],
    ) {
        // Only the VPC side is mapped, so each packet is one observation.
        let m = map(&[("10.0.0.5", "eni-a"), ("10.0.0.6", "eni-b")]);
        let mut t = FlowTable::new(TableConfig { max_flows, ..config(aggregation) }, m);
        let mut sorted = packets.clone();
        sorted.sort_by_key(|p| p.0);
        for (ts, host, port, proto, len, flags) in &sorted {
            let inside = if *host == 0 { "10.0.0.5" } else { "10.0.0.6" };
            let outside = format!("198.51.100.{}", host + 1);
            let protocol = [6u8, 17, 1][*proto as usize];
            let (sp, dp) = if protocol == 1 { (0, 0) } else { (*port, 443) };
            let p = if port % 2 == 0 {
                pkt(*ts, inside, sp, &outside, dp, protocol, *flags, *len)
            } else {
                pkt(*ts, &outside, sp, inside, dp, protocol, *flags, *len)
            };
            t.packet(&p);
        }
        let batches = t.finish();
        let mut ok_packets = 0i64;
        let mut ok_bytes = 0i64;
        let mut skipdata = 0;
        for b in &batches {
            for r in 0..b.num_rows() {
                let rec = Record::from_batch(b, r, None);
                match rec.text(Field::LogStatus) {
                    Some("OK") => {
                        ok_packets += rec.int(Field::Packets).unwrap();
                        ok_bytes += rec.int(Field::Bytes).unwrap();
                    }
                    Some("SKIPDATA") => skipdata += 1,
                    _ => {}
                }
            }
        }
        let s = t.stats();
        prop_assert_eq!(s.packets, sorted.len() as u64);
        prop_assert_eq!(ok_packets as u64 + s.skipped_packets, s.packets);
        prop_assert_eq!(ok_bytes as u64, s.recorded_bytes);
        prop_assert_eq!(skipdata > 0, s.skipped_packets > 0);
        prop_assert!(s.peak_flows as usize <= max_flows);
    }
}
