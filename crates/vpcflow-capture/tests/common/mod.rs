//! Frames built from code, so that each test says exactly what its capture holds.
#![allow(dead_code)]

use etherparse::PacketBuilder;
use std::net::IpAddr;

pub const MAC_A: [u8; 6] = [2, 0, 0, 0, 0, 1];
pub const MAC_B: [u8; 6] = [2, 0, 0, 0, 0, 2];

/// A TCP segment over Ethernet with `flags` (FIN 1, SYN 2, RST 4, PSH 8, ACK 16) and `payload` bytes.
pub fn tcp(src: &str, sport: u16, dst: &str, dport: u16, flags: u8, payload: usize) -> Vec<u8> {
    let b = PacketBuilder::ethernet2(MAC_A, MAC_B);
    let b = match (
        src.parse::<IpAddr>().unwrap(),
        dst.parse::<IpAddr>().unwrap(),
    ) {
        (IpAddr::V4(s), IpAddr::V4(d)) => b.ipv4(s.octets(), d.octets(), 64),
        (IpAddr::V6(s), IpAddr::V6(d)) => b.ipv6(s.octets(), d.octets(), 64),
        _ => panic!("mixed families"),
    };
    let mut t = b.tcp(sport, dport, 1000, 65535);
    if flags & 1 != 0 {
        t = t.fin();
    }
    if flags & 2 != 0 {
        t = t.syn();
    }
    if flags & 4 != 0 {
        t = t.rst();
    }
    if flags & 8 != 0 {
        t = t.psh();
    }
    if flags & 16 != 0 {
        t = t.ack(1);
    }
    let body = vec![0u8; payload];
    let mut out = Vec::new();
    t.write(&mut out, &body).unwrap();
    out
}

/// A UDP datagram over Ethernet.
pub fn udp(src: &str, sport: u16, dst: &str, dport: u16, payload: usize) -> Vec<u8> {
    let b = PacketBuilder::ethernet2(MAC_A, MAC_B);
    let b = match (
        src.parse::<IpAddr>().unwrap(),
        dst.parse::<IpAddr>().unwrap(),
    ) {
        (IpAddr::V4(s), IpAddr::V4(d)) => b.ipv4(s.octets(), d.octets(), 64),
        (IpAddr::V6(s), IpAddr::V6(d)) => b.ipv6(s.octets(), d.octets(), 64),
        _ => panic!("mixed families"),
    };
    let body = vec![0u8; payload];
    let mut out = Vec::new();
    b.udp(sport, dport).write(&mut out, &body).unwrap();
    out
}

/// An ICMP (IPv4) or ICMPv6 echo request over Ethernet.
pub fn ping(src: &str, dst: &str, payload: usize) -> Vec<u8> {
    let b = PacketBuilder::ethernet2(MAC_A, MAC_B);
    let body = vec![0u8; payload];
    let mut out = Vec::new();
    match (
        src.parse::<IpAddr>().unwrap(),
        dst.parse::<IpAddr>().unwrap(),
    ) {
        (IpAddr::V4(s), IpAddr::V4(d)) => b
            .ipv4(s.octets(), d.octets(), 64)
            .icmpv4_echo_request(1, 1)
            .write(&mut out, &body)
            .unwrap(),
        (IpAddr::V6(s), IpAddr::V6(d)) => b
            .ipv6(s.octets(), d.octets(), 64)
            .icmpv6_echo_request(1, 1)
            .write(&mut out, &body)
            .unwrap(),
        _ => panic!("mixed families"),
    }
    out
}

/// A bare IPv4 packet of protocol `proto` with `payload` bytes (GRE, ESP, ...), without link header.
pub fn raw_ipv4(src: [u8; 4], dst: [u8; 4], proto: u8, payload: usize) -> Vec<u8> {
    let total = 20 + payload;
    let mut p = vec![
        0x45,
        0,
        (total >> 8) as u8,
        total as u8,
        0,
        0,
        0x40,
        0,
        64,
        proto,
        0,
        0,
    ];
    p.extend_from_slice(&src);
    p.extend_from_slice(&dst);
    p.resize(total, 0);
    p
}

/// Puts an 802.1Q tag (VLAN `id`) into an Ethernet frame.
pub fn vlan(frame: &[u8], id: u16) -> Vec<u8> {
    let mut out = frame[..12].to_vec();
    out.extend_from_slice(&[0x81, 0x00, (id >> 8) as u8, id as u8]);
    out.extend_from_slice(&frame[12..]);
    out
}

/// Rewrites an Ethernet frame as a Linux cooked (SLL) frame.
pub fn sll(frame: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 4, 0, 1, 0, 6];
    out.extend_from_slice(&MAC_A);
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&frame[12..14]);
    out.extend_from_slice(&frame[14..]);
    out
}
