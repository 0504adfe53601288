//! The IANA "Assigned Internet Protocol Numbers" registry, complete.
//!
//! A flow log writes only the number (`6`, `17`, `50`); readers think in keywords (TCP, UDP, ESP). The whole
//! registry is here rather than a handful of common entries, because the unusual numbers (GRE from a VPN
//! appliance, 132 SCTP from telecom workloads, 4 IP-in-IP) are exactly the ones a reader cannot place. Numbers
//! 146 to 252 are unassigned; 253 and 254 are for experiments (RFC 3692); 255 is reserved.

/// `(number, keyword, description)`: 0..=145 in order, then 253, 254, 255. Some assigned numbers have no keyword
/// in the registry ("any host internal protocol"), so the keyword is optional.
const TABLE: &[(u8, Option<&str>, &str)] = &[
    (0, Some("HOPOPT"), "IPv6 Hop-by-Hop Option"),
    (1, Some("ICMP"), "Internet Control Message"),
    (2, Some("IGMP"), "Internet Group Management"),
    (3, Some("GGP"), "Gateway-to-Gateway"),
    (4, Some("IPv4"), "IPv4 encapsulation"),
    (5, Some("ST"), "Stream"),
    (6, Some("TCP"), "Transmission Control"),
    (7, Some("CBT"), "CBT"),
    (8, Some("EGP"), "Exterior Gateway Protocol"),
    (
        9,
        Some("IGP"),
        "any private interior gateway (used by Cisco for their IGRP)",
    ),
    (10, Some("BBN-RCC-MON"), "BBN RCC Monitoring"),
    (11, Some("NVP-II"), "Network Voice Protocol"),
    (12, Some("PUP"), "PUP"),
    (13, Some("ARGUS"), "ARGUS (deprecated)"),
    (14, Some("EMCON"), "EMCON"),
    (15, Some("XNET"), "Cross Net Debugger"),
    (16, Some("CHAOS"), "Chaos"),
    (17, Some("UDP"), "User Datagram"),
    (18, Some("MUX"), "Multiplexing"),
    (19, Some("DCN-MEAS"), "DCN Measurement Subsystems"),
    (20, Some("HMP"), "Host Monitoring"),
    (21, Some("PRM"), "Packet Radio Measurement"),
    (22, Some("XNS-IDP"), "XEROX NS IDP"),
    (23, Some("TRUNK-1"), "Trunk-1"),
    (24, Some("TRUNK-2"), "Trunk-2"),
    (25, Some("LEAF-1"), "Leaf-1"),
    (26, Some("LEAF-2"), "Leaf-2"),
    (27, Some("RDP"), "Reliable Data Protocol"),
    (28, Some("IRTP"), "Internet Reliable Transaction"),
    (29, Some("ISO-TP4"), "ISO Transport Protocol Class 4"),
    (30, Some("NETBLT"), "Bulk Data Transfer Protocol"),
    (31, Some("MFE-NSP"), "MFE Network Services Protocol"),
    (32, Some("MERIT-INP"), "MERIT Internodal Protocol"),
    (33, Some("DCCP"), "Datagram Congestion Control Protocol"),
    (34, Some("3PC"), "Third Party Connect Protocol"),
    (35, Some("IDPR"), "Inter-Domain Policy Routing Protocol"),
    (36, Some("XTP"), "XTP"),
    (37, Some("DDP"), "Datagram Delivery Protocol"),
    (
        38,
        Some("IDPR-CMTP"),
        "IDPR Control Message Transport Proto",
    ),
    (39, Some("TP++"), "TP++ Transport Protocol"),
    (40, Some("IL"), "IL Transport Protocol"),
    (41, Some("IPv6"), "IPv6 encapsulation"),
    (42, Some("SDRP"), "Source Demand Routing Protocol"),
    (43, Some("IPv6-Route"), "Routing Header for IPv6"),
    (44, Some("IPv6-Frag"), "Fragment Header for IPv6"),
    (45, Some("IDRP"), "Inter-Domain Routing Protocol"),
    (46, Some("RSVP"), "Reservation Protocol"),
    (47, Some("GRE"), "Generic Routing Encapsulation"),
    (48, Some("DSR"), "Dynamic Source Routing Protocol"),
    (49, Some("BNA"), "BNA"),
    (50, Some("ESP"), "Encap Security Payload"),
    (51, Some("AH"), "Authentication Header"),
    (52, Some("I-NLSP"), "Integrated Net Layer Security TUBA"),
    (53, Some("SWIPE"), "IP with Encryption (deprecated)"),
    (54, Some("NARP"), "NBMA Address Resolution Protocol"),
    (55, Some("Min-IPv4"), "Minimal IPv4 Encapsulation"),
    (
        56,
        Some("TLSP"),
        "Transport Layer Security Protocol using Kryptonet key management",
    ),
    (57, Some("SKIP"), "SKIP"),
    (58, Some("IPv6-ICMP"), "ICMP for IPv6"),
    (59, Some("IPv6-NoNxt"), "No Next Header for IPv6"),
    (60, Some("IPv6-Opts"), "Destination Options for IPv6"),
    (61, None, "any host internal protocol"),
    (62, Some("CFTP"), "CFTP"),
    (63, None, "any local network"),
    (64, Some("SAT-EXPAK"), "SATNET and Backroom EXPAK"),
    (65, Some("KRYPTOLAN"), "Kryptolan"),
    (66, Some("RVD"), "MIT Remote Virtual Disk Protocol"),
    (67, Some("IPPC"), "Internet Pluribus Packet Core"),
    (68, None, "any distributed file system"),
    (69, Some("SAT-MON"), "SATNET Monitoring"),
    (70, Some("VISA"), "VISA Protocol"),
    (71, Some("IPCV"), "Internet Packet Core Utility"),
    (72, Some("CPNX"), "Computer Protocol Network Executive"),
    (73, Some("CPHB"), "Computer Protocol Heart Beat"),
    (74, Some("WSN"), "Wang Span Network"),
    (75, Some("PVP"), "Packet Video Protocol"),
    (76, Some("BR-SAT-MON"), "Backroom SATNET Monitoring"),
    (77, Some("SUN-ND"), "SUN ND PROTOCOL-Temporary"),
    (78, Some("WB-MON"), "WIDEBAND Monitoring"),
    (79, Some("WB-EXPAK"), "WIDEBAND EXPAK"),
    (
        80,
        Some("ISO-IP"),
        "International Organization for Standardization Internet Protocol",
    ),
    (81, Some("VMTP"), "Versatile Message Transaction Protocol"),
    (
        82,
        Some("SECURE-VMTP"),
        "Secure Versatile Message Transaction Protocol",
    ),
    (83, Some("VINES"), "VINES"),
    (
        84,
        Some("TTP"),
        "Transaction Transport Protocol (also IPTM, Internet Protocol Traffic Manager)",
    ),
    (85, Some("NSFNET-IGP"), "NSFNET-IGP"),
    (86, Some("DGP"), "Dissimilar Gateway Protocol"),
    (87, Some("TCF"), "TCF"),
    (88, Some("EIGRP"), "EIGRP"),
    (89, Some("OSPFIGP"), "OSPFIGP"),
    (90, Some("Sprite-RPC"), "Sprite RPC Protocol"),
    (91, Some("LARP"), "Locus Address Resolution Protocol"),
    (92, Some("MTP"), "Multicast Transport Protocol"),
    (93, Some("AX.25"), "AX.25 Frames"),
    (94, Some("IPIP"), "IP-within-IP Encapsulation Protocol"),
    (
        95,
        Some("MICP"),
        "Mobile Internetworking Control Pro. (deprecated)",
    ),
    (96, Some("SCC-SP"), "Semaphore Communications Sec. Pro."),
    (97, Some("ETHERIP"), "Ethernet-within-IP Encapsulation"),
    (98, Some("ENCAP"), "Encapsulation Header"),
    (99, None, "any private encryption scheme"),
    (100, Some("GMTP"), "GMTP"),
    (101, Some("IFMP"), "Ipsilon Flow Management Protocol"),
    (102, Some("PNNI"), "PNNI over IP"),
    (103, Some("PIM"), "Protocol Independent Multicast"),
    (104, Some("ARIS"), "ARIS"),
    (105, Some("SCPS"), "SCPS"),
    (106, Some("QNX"), "QNX"),
    (107, Some("A/N"), "Active Networks"),
    (108, Some("IPComp"), "IP Payload Compression Protocol"),
    (109, Some("SNP"), "Sitara Networks Protocol"),
    (110, Some("Compaq-Peer"), "Compaq Peer Protocol"),
    (111, Some("IPX-in-IP"), "IPX in IP"),
    (112, Some("VRRP"), "Virtual Router Redundancy Protocol"),
    (113, Some("PGM"), "PGM Reliable Transport Protocol"),
    (114, None, "any 0-hop protocol"),
    (115, Some("L2TP"), "Layer Two Tunneling Protocol V3"),
    (116, Some("DDX"), "D-II Data Exchange (DDX)"),
    (117, Some("IATP"), "Interactive Agent Transfer Protocol"),
    (118, Some("STP"), "Schedule Transfer Protocol"),
    (119, Some("SRP"), "SpectraLink Radio Protocol"),
    (120, Some("UTI"), "UTI"),
    (121, Some("SMP"), "Simple Message Protocol"),
    (122, Some("SM"), "Simple Multicast Protocol (deprecated)"),
    (123, Some("PTP"), "Performance Transparency Protocol"),
    (124, Some("ISIS over IPv4"), "IS-IS over IPv4"),
    (125, Some("FIRE"), "FIRE"),
    (126, Some("CRTP"), "Combat Radio Transport Protocol"),
    (127, Some("CRUDP"), "Combat Radio User Datagram"),
    (128, Some("SSCOPMCE"), "SSCOPMCE"),
    (129, Some("IPLT"), "IPLT"),
    (130, Some("SPS"), "Secure Packet Shield"),
    (131, Some("PIPE"), "Private IP Encapsulation within IP"),
    (132, Some("SCTP"), "Stream Control Transmission Protocol"),
    (133, Some("FC"), "Fibre Channel"),
    (
        134,
        Some("RSVP-E2E-IGNORE"),
        "Reservation Protocol (RSVP) End-to-End Ignore",
    ),
    (
        135,
        Some("Mobility Header"),
        "Mobility Extension Header for IPv6",
    ),
    (136, Some("UDPLite"), "Lightweight User Datagram Protocol"),
    (137, Some("MPLS-in-IP"), "MPLS in IP"),
    (138, Some("manet"), "MANET Protocols"),
    (139, Some("HIP"), "Host Identity Protocol"),
    (140, Some("Shim6"), "Shim6 Protocol"),
    (141, Some("WESP"), "Wrapped Encapsulating Security Payload"),
    (142, Some("ROHC"), "Robust Header Compression"),
    (143, Some("Ethernet"), "Ethernet"),
    (
        144,
        Some("AGGFRAG"),
        "AGGFRAG encapsulation payload for ESP",
    ),
    (145, Some("NSH"), "Network Service Header"),
    (253, None, "Use for experimentation and testing"),
    (254, None, "Use for experimentation and testing"),
    (255, Some("Reserved"), "Reserved"),
];

/// The last number assigned to a named protocol; 146..=252 are unassigned.
const LAST_ASSIGNED: u8 = 145;

fn entry(n: u8) -> Option<&'static (u8, Option<&'static str>, &'static str)> {
    match n {
        0..=LAST_ASSIGNED => TABLE.get(n as usize),
        253..=255 => TABLE.get(LAST_ASSIGNED as usize + 1 + (n - 253) as usize),
        _ => None,
    }
}

/// The IANA keyword (`TCP`, `IPv6-ICMP`, `GRE`); `None` for unassigned numbers and for the few assigned numbers
/// that have no keyword (61, 63, 68, 99, 114, 253, 254).
pub fn name(n: u8) -> Option<&'static str> {
    entry(n).and_then(|e| e.1)
}

/// The registry's description (`Transmission Control`); `None` for unassigned numbers.
pub fn description(n: u8) -> Option<&'static str> {
    entry(n).map(|e| e.2)
}

/// Whether IANA has assigned `n` (including the experimental and reserved values).
pub fn is_assigned(n: u8) -> bool {
    entry(n).is_some()
}

/// A short label for prose: the keyword, else the description, else `unassigned`.
pub fn label(n: u8) -> &'static str {
    name(n).or_else(|| description(n)).unwrap_or("unassigned")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_in_number_order() {
        for n in 0..=255u8 {
            if let Some(e) = entry(n) {
                assert_eq!(e.0, n);
            }
        }
        assert_eq!(TABLE.len(), 149);
    }

    #[test]
    fn spot_checks() {
        assert_eq!(name(0), Some("HOPOPT"));
        assert_eq!(name(1), Some("ICMP"));
        assert_eq!(name(2), Some("IGMP"));
        assert_eq!(name(3), Some("GGP"));
        assert_eq!(name(4), Some("IPv4"));
        assert_eq!(name(5), Some("ST"));
        assert_eq!(name(6), Some("TCP"));
        assert_eq!(name(17), Some("UDP"));
        assert_eq!(name(41), Some("IPv6"));
        assert_eq!(name(47), Some("GRE"));
        assert_eq!(name(50), Some("ESP"));
        assert_eq!(name(51), Some("AH"));
        assert_eq!(name(58), Some("IPv6-ICMP"));
        assert_eq!(name(89), Some("OSPFIGP"));
        assert_eq!(name(112), Some("VRRP"));
        assert_eq!(name(132), Some("SCTP"));
        assert_eq!(name(143), Some("Ethernet"));
        assert_eq!(name(145), Some("NSH"));
        assert_eq!(name(255), Some("Reserved"));
        assert_eq!(description(6), Some("Transmission Control"));
        assert_eq!(
            description(253),
            Some("Use for experimentation and testing")
        );
        assert_eq!(name(61), None);
        assert_eq!(description(61), Some("any host internal protocol"));
    }

    #[test]
    fn unassigned_range() {
        for n in 146..=252u8 {
            assert_eq!(name(n), None);
            assert_eq!(description(n), None);
            assert!(!is_assigned(n));
        }
        assert_eq!(name(200), None);
        assert_eq!(label(200), "unassigned");
        assert!(is_assigned(254));
        assert_eq!(label(254), "Use for experimentation and testing");
    }
}
