//! Packets per second from a pcap in memory into flow records (decode, interface lookup, flow table, records).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::sync::Arc;
use vpcflow_capture::packet::linktype;
use vpcflow_capture::{FlowTable, InterfaceMap, PcapSource, PcapWriter, TableConfig, run_pcap};

fn capture(packets: u64, flows: u64) -> Vec<u8> {
    let mut w = PcapWriter::new(Vec::new(), linktype::ETHERNET).unwrap();
    let mut frame = vec![0u8; 60];
    frame[12] = 0x08;
    frame[14] = 0x45;
    frame[17] = 46;
    frame[22] = 64;
    frame[23] = 6;
    frame[46] = 5 << 4;
    for k in 0..packets {
        let f = (k.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 20) % flows;
        frame[26..30].copy_from_slice(&[203, (f >> 8) as u8, f as u8, 1]);
        frame[30..34].copy_from_slice(&[10, 0, 0, (f % 64) as u8 + 10]);
        frame[34..36].copy_from_slice(&(1024 + (f % 60000) as u16).to_be_bytes());
        frame[36..38].copy_from_slice(&443u16.to_be_bytes());
        frame[47] = 0x18;
        w.write(1_700_000_000 + (k / 100_000) as u32, 0, &frame)
            .unwrap();
    }
    w.into_inner()
}

fn map() -> Arc<InterfaceMap> {
    let flags: Vec<String> = (0..64)
        .map(|i| format!("10.0.0.{}=eni-{:017x}", i + 10, i))
        .collect();
    Arc::new(InterfaceMap::from_flags(&flags, Some("123456789012"), None).unwrap())
}

fn bench(c: &mut Criterion) {
    let packets = 2_000_000;
    let data = capture(packets, 50_000);
    let map = map();
    let mut g = c.benchmark_group("capture");
    g.throughput(Throughput::Elements(packets));
    g.sample_size(10);
    g.bench_function("pcap_to_records_2M_packets_50k_flows", |b| {
        b.iter(|| {
            let mut src = PcapSource::new(std::io::Cursor::new(&data[..])).unwrap();
            let mut table = FlowTable::new(TableConfig::default(), map.clone());
            let mut rows = 0;
            run_pcap::<vpcflow_capture::CaptureError>(&mut src, &mut table, |b| {
                rows += b.num_rows();
                Ok(())
            })
            .unwrap();
            rows
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
