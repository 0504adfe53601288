//! One packet reduced to what a flow log can say about it.
//!
//! A flow log never sees payloads, MAC addresses or TCP sequence numbers: only the 5-tuple, the IP length, the
//! TCP flags and the time. Decoding therefore stops at the transport header, and a frame that is not IP (ARP,
//! LLDP, a truncated header) is reported as such rather than guessed at.

use etherparse::{EtherType, LaxNetSlice, LaxSlicedPacket, TransportSlice};
use std::net::IpAddr;

/// What the flow table needs from one packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PacketInfo {
    /// When it was seen, Unix seconds (flow log records have second resolution).
    pub ts: i64,
    /// The packet's source address (`pkt-srcaddr`).
    pub src: IpAddr,
    /// The packet's destination address (`pkt-dstaddr`).
    pub dst: IpAddr,
    /// The IANA number of the transport protocol (after IPv6 extension headers).
    pub protocol: u8,
    /// TCP/UDP/SCTP source port; 0 for protocols without ports, as AWS writes.
    pub src_port: u16,
    /// TCP/UDP/SCTP destination port; 0 for protocols without ports.
    pub dst_port: u16,
    /// The segment's TCP flag bits (FIN, SYN, RST, PSH, ACK, URG), which connection tracking needs; a record keeps
    /// only those AWS logs ([`vpcflow_record::TcpFlags::logged`]). 0 for other protocols.
    pub tcp_flags: u8,
    /// The IP packet's length (IPv4 total length, IPv6 payload length + 40): what `bytes` adds up.
    pub len: u32,
    /// ICMP / ICMPv6 type and code, which security group and network ACL rules can match on.
    pub icmp: Option<(u8, u8)>,
}

/// Why a captured frame produced no [`PacketInfo`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotIp {
    /// A frame of another protocol (ARP, LLDP, IPX, ...): flow logs cover IP traffic only.
    OtherProtocol,
    /// The link type of the capture is not one this reader decodes.
    UnsupportedLinkType(i32),
    /// Too short to hold the link or IP header.
    Truncated,
}

/// Link-layer header types (the `LINKTYPE_*` numbers of pcap and pcapng) that [`decode`] understands.
pub mod linktype {
    /// BSD loopback: a 4-byte address family in host order.
    pub const NULL: i32 = 0;
    /// Ethernet, with any 802.1Q/802.1ad VLAN tags.
    pub const ETHERNET: i32 = 1;
    /// Raw IP (the OpenBSD number).
    pub const RAW_OPENBSD: i32 = 12;
    /// Raw IP (the common number).
    pub const RAW_BSD: i32 = 14;
    /// Raw IPv4 or IPv6, no link header.
    pub const RAW: i32 = 101;
    /// OpenBSD loopback: a 4-byte address family in network order.
    pub const LOOP: i32 = 108;
    /// Linux "cooked" capture v1 (`tcpdump -i any`).
    pub const LINUX_SLL: i32 = 113;
    /// Raw IPv4.
    pub const IPV4: i32 = 228;
    /// Raw IPv6.
    pub const IPV6: i32 = 229;
    /// Linux "cooked" capture v2 (`tcpdump -i any` since libpcap 1.10).
    pub const LINUX_SLL2: i32 = 276;
}

/// Decodes one captured frame of link type `link` seen at `ts` (Unix seconds).
pub fn decode(link: i32, frame: &[u8], ts: i64) -> Result<PacketInfo, NotIp> {
    if link == linktype::ETHERNET
        && let Some(p) = fast_ipv4(frame, ts)
    {
        return Ok(p);
    }
    let sliced = match link {
        linktype::ETHERNET => {
            LaxSlicedPacket::from_ethernet(frame).map_err(|_| NotIp::Truncated)?
        }
        linktype::RAW
        | linktype::IPV4
        | linktype::IPV6
        | linktype::RAW_BSD
        | linktype::RAW_OPENBSD => LaxSlicedPacket::from_ip(frame).map_err(|_| NotIp::Truncated)?,
        linktype::LINUX_SLL => {
            // 16 bytes: packet type, ARPHRD type, address length, 8 address bytes, protocol (an EtherType).
            let proto = frame.get(14..16).ok_or(NotIp::Truncated)?;
            let ether = u16::from_be_bytes([proto[0], proto[1]]);
            LaxSlicedPacket::from_ether_type(EtherType(ether), &frame[16..])
        }
        linktype::LINUX_SLL2 => {
            // 20 bytes, the protocol (an EtherType) first.
            let proto = frame.get(0..2).ok_or(NotIp::Truncated)?;
            let ether = u16::from_be_bytes([proto[0], proto[1]]);
            let rest = frame.get(20..).ok_or(NotIp::Truncated)?;
            LaxSlicedPacket::from_ether_type(EtherType(ether), rest)
        }
        linktype::NULL | linktype::LOOP => {
            let rest = frame.get(4..).ok_or(NotIp::Truncated)?;
            LaxSlicedPacket::from_ip(rest).map_err(|_| NotIp::OtherProtocol)?
        }
        other => return Err(NotIp::UnsupportedLinkType(other)),
    };
    from_sliced(&sliced, ts)
}

/// The common case without the general slicer: untagged Ethernet, IPv4, an unfragmented TCP or UDP header
/// wholly captured. Anything else returns `None` and goes the general way.
#[inline]
fn fast_ipv4(f: &[u8], ts: i64) -> Option<PacketInfo> {
    if f.len() < 34 || f[12] != 0x08 || f[13] != 0x00 || f[14] >> 4 != 4 {
        return None;
    }
    let ihl = usize::from(f[14] & 0x0f) * 4;
    let protocol = f[23];
    // More-fragments set or a fragment offset: a later fragment has no ports.
    let fragmented = (u16::from_be_bytes([f[20], f[21]]) & 0x3fff) != 0;
    let t = 14 + ihl;
    let need = match protocol {
        6 => 20,
        17 => 8,
        _ => return None,
    };
    if ihl < 20 || fragmented || f.len() < t + need {
        return None;
    }
    Some(PacketInfo {
        ts,
        src: IpAddr::V4(std::net::Ipv4Addr::new(f[26], f[27], f[28], f[29])),
        dst: IpAddr::V4(std::net::Ipv4Addr::new(f[30], f[31], f[32], f[33])),
        protocol,
        src_port: u16::from_be_bytes([f[t], f[t + 1]]),
        dst_port: u16::from_be_bytes([f[t + 2], f[t + 3]]),
        tcp_flags: if protocol == 6 { f[t + 13] & 0x3f } else { 0 },
        len: u32::from(u16::from_be_bytes([f[16], f[17]])),
        icmp: None,
    })
}

fn from_sliced(sliced: &LaxSlicedPacket<'_>, ts: i64) -> Result<PacketInfo, NotIp> {
    let (src, dst, protocol, len) = match &sliced.net {
        Some(LaxNetSlice::Ipv4(ip)) => {
            let h = ip.header();
            (
                IpAddr::V4(h.source_addr()),
                IpAddr::V4(h.destination_addr()),
                ip.payload().ip_number.0,
                u32::from(h.total_len()),
            )
        }
        Some(LaxNetSlice::Ipv6(ip)) => {
            let h = ip.header();
            (
                IpAddr::V6(h.source_addr()),
                IpAddr::V6(h.destination_addr()),
                ip.payload().ip_number.0,
                u32::from(h.payload_length()) + 40,
            )
        }
        Some(LaxNetSlice::Arp(_)) => return Err(NotIp::OtherProtocol),
        None if sliced.stop_err.is_some() => return Err(NotIp::Truncated),
        None => return Err(NotIp::OtherProtocol),
    };
    let mut info = PacketInfo {
        ts,
        src,
        dst,
        protocol,
        src_port: 0,
        dst_port: 0,
        tcp_flags: 0,
        len,
        icmp: None,
    };
    match &sliced.transport {
        Some(TransportSlice::Tcp(tcp)) => {
            info.src_port = tcp.source_port();
            info.dst_port = tcp.destination_port();
            // Byte 13 of the TCP header holds CWR ECE URG ACK PSH RST SYN FIN; AWS logs the low six.
            info.tcp_flags = tcp.header_slice()[13] & 0x3f;
        }
        Some(TransportSlice::Udp(udp)) => {
            info.src_port = udp.source_port();
            info.dst_port = udp.destination_port();
        }
        Some(TransportSlice::Icmpv4(icmp)) => info.icmp = Some((icmp.type_u8(), icmp.code_u8())),
        Some(TransportSlice::Icmpv6(icmp)) => info.icmp = Some((icmp.type_u8(), icmp.code_u8())),
        Some(TransportSlice::Igmp(_)) | None => {
            // A transport header cut off by the snap length (or a later fragment): the ports are still the first
            // four bytes of a TCP/UDP/SCTP header when they were captured.
            if vpcflow_record::reading::has_ports(protocol)
                && let Some(payload) = sliced.net.as_ref().and_then(|n| n.ip_payload_ref())
                && !payload.fragmented
                && payload.payload.len() >= 4
            {
                let p = payload.payload;
                info.src_port = u16::from_be_bytes([p[0], p[1]]);
                info.dst_port = u16::from_be_bytes([p[2], p[3]]);
                if protocol == 6 && p.len() >= 14 {
                    info.tcp_flags = p[13] & 0x3f;
                }
            }
        }
    }
    Ok(info)
}
