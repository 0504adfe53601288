//! Writes a large synthetic capture for the capture benchmark: `gen_pcap OUT PACKETS FLOWS`.
//!
//! TCP over Ethernet between 64 hosts of 10.0.0.0/24 (the mapped interfaces) and internet peers, both
//! directions, `FLOWS` distinct 5-tuples, one second of capture time per 100,000 packets. The frames are one
//! template with the addresses, ports and flags patched in, so writing is limited by the disk, not by building.

use std::io::BufWriter;
use vpcflow_capture::PcapWriter;
use vpcflow_capture::packet::linktype;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: gen_pcap OUT PACKETS FLOWS");
        std::process::exit(2);
    }
    let packets: u64 = args[2].parse().expect("PACKETS");
    let flows: u64 = args[3].parse::<u64>().expect("FLOWS").max(1);
    let out = BufWriter::with_capacity(1 << 22, std::fs::File::create(&args[1])?);
    let mut w = PcapWriter::new(out, linktype::ETHERNET)?;
    let mut frame = vec![0u8; 14 + 20 + 20 + 6];
    frame[12] = 0x08; // IPv4
    frame[14] = 0x45;
    let ip_len = (frame.len() - 14) as u16;
    frame[16..18].copy_from_slice(&ip_len.to_be_bytes());
    frame[22] = 64;
    frame[23] = 6;
    frame[46] = 5 << 4;
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    for k in 0..packets {
        // A cheap generator (xorshift) picks the flow; low flow numbers are hotter, as in real traffic.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let f = (state % flows).min(state.rotate_left(17) % flows);
        let host = [10, 0, 0, (f % 64) as u8 + 10];
        let peer = [203, (f >> 6) as u8, (f >> 14) as u8, 1 + (f % 250) as u8];
        let port = 1024 + (f % 60000) as u16;
        let inbound = state & 1 == 0;
        let (src, dst, sport, dport) = if inbound {
            (peer, host, port, 443u16)
        } else {
            (host, peer, 443u16, port)
        };
        frame[26..30].copy_from_slice(&src);
        frame[30..34].copy_from_slice(&dst);
        frame[34..36].copy_from_slice(&sport.to_be_bytes());
        frame[36..38].copy_from_slice(&dport.to_be_bytes());
        frame[47] = if inbound { 0x18 } else { 0x10 };
        w.write(
            1_700_000_000 + (k / 100_000) as u32,
            (k % 100_000) as u32,
            &frame,
        )?;
    }
    w.into_inner().into_inner().map_err(|e| e.into_error())?;
    Ok(())
}
