//! The synthetic default-format lines both parse benchmarks read (`vpcflow-record`'s `parse` and
//! `vpcflow-source`'s `gzip`, which includes this file by path), so that their numbers are on the same text.

use std::io::Write;

/// Realistic default-format lines: private and public IPv4 (a few IPv6), ephemeral and service ports, TCP/UDP/ICMP,
/// ACCEPT/REJECT, a NODATA line now and then.
pub fn lines(n: usize) -> Vec<u8> {
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
