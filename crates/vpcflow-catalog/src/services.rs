//! Well-known services by port and transport protocol.
//!
//! The table answers "what is port 5439?" for the ports that actually show up in VPC flow logs: the IANA
//! well-known services, the databases and brokers AWS runs as managed services (Redshift, MSK, ElastiCache,
//! OpenSearch), the tunnels people build between VPCs (IPsec, WireGuard, GENEVE for Gateway Load Balancer) and the
//! container plumbing (Docker, Kubernetes, etcd, kubelet). TCP and UDP are told apart where the same number means
//! different things (TCP 514 is rsh, UDP 514 is syslog) or only one transport is used; it is deliberately not
//! the whole IANA port registry, whose thousands of obscure entries would mislabel ephemeral ports.

/// TCP.
const T: u8 = 0b01;
/// UDP.
const U: u8 = 0b10;
/// Both.
const B: u8 = T | U;

/// `(port, transports, name)`, sorted by port then transports.
const TABLE: &[(u16, u8, &str)] = &[
    (20, T, "FTP data"),
    (21, T, "FTP"),
    (22, T, "SSH"),
    (23, T, "Telnet"),
    (25, T, "SMTP"),
    (49, T, "TACACS+"),
    (53, B, "DNS"),
    (67, U, "DHCP server"),
    (68, U, "DHCP client"),
    (69, U, "TFTP"),
    (80, T, "HTTP"),
    (88, B, "Kerberos"),
    (110, T, "POP3"),
    (111, B, "RPC portmapper"),
    (119, T, "NNTP"),
    (123, U, "NTP"),
    (135, T, "Microsoft RPC"),
    (137, U, "NetBIOS name service"),
    (138, U, "NetBIOS datagram"),
    (139, T, "NetBIOS session (SMB)"),
    (143, T, "IMAP"),
    (161, U, "SNMP"),
    (162, U, "SNMP trap"),
    (179, T, "BGP"),
    (389, B, "LDAP"),
    (443, T, "HTTPS"),
    (443, U, "HTTPS (QUIC / HTTP/3)"),
    (445, T, "SMB"),
    (464, B, "Kerberos password change"),
    (465, T, "SMTP submission over TLS"),
    (500, U, "IPsec IKE"),
    (514, T, "rsh"),
    (514, U, "syslog"),
    (515, T, "LPD printing"),
    (587, T, "SMTP submission"),
    (623, U, "IPMI"),
    (636, T, "LDAPS"),
    (853, T, "DNS over TLS"),
    (873, T, "rsync"),
    (989, T, "FTPS data"),
    (990, T, "FTPS"),
    (993, T, "IMAPS"),
    (995, T, "POP3S"),
    (1080, T, "SOCKS proxy"),
    (1194, B, "OpenVPN"),
    (1433, T, "Microsoft SQL Server"),
    (1434, U, "Microsoft SQL Server browser"),
    (1521, T, "Oracle database"),
    (1701, U, "L2TP"),
    (1723, T, "PPTP"),
    (1812, U, "RADIUS"),
    (1813, U, "RADIUS accounting"),
    (1883, T, "MQTT"),
    (2049, B, "NFS"),
    (2181, T, "ZooKeeper"),
    (2375, T, "Docker API"),
    (2376, T, "Docker API over TLS"),
    (2379, T, "etcd client"),
    (2380, T, "etcd peer"),
    (3128, T, "HTTP proxy (Squid)"),
    (3260, T, "iSCSI"),
    (3268, T, "LDAP global catalog"),
    (3269, T, "LDAPS global catalog"),
    (3306, T, "MySQL"),
    (3389, B, "RDP"),
    (3478, B, "STUN/TURN"),
    (4500, U, "IPsec NAT traversal"),
    (4789, U, "VXLAN"),
    (5001, T, "iperf"),
    (5044, T, "Logstash Beats"),
    (5060, B, "SIP"),
    (5061, T, "SIP over TLS"),
    (5201, T, "iperf3"),
    (5353, U, "mDNS"),
    (5432, T, "PostgreSQL"),
    (5439, T, "Amazon Redshift"),
    (5671, T, "AMQP over TLS"),
    (5672, T, "AMQP"),
    (5900, T, "VNC"),
    (5985, T, "WinRM (HTTP)"),
    (5986, T, "WinRM (HTTPS)"),
    (6081, U, "GENEVE (Gateway Load Balancer)"),
    (6379, T, "Redis"),
    (6443, T, "Kubernetes API"),
    (8080, T, "HTTP alternate"),
    (8125, U, "StatsD"),
    (8443, T, "HTTPS alternate"),
    (8883, T, "MQTT over TLS"),
    (9042, T, "Cassandra"),
    (9090, T, "Prometheus"),
    (9092, T, "Kafka"),
    (9094, T, "Kafka over TLS"),
    (9200, T, "Elasticsearch / OpenSearch"),
    (9300, T, "Elasticsearch transport"),
    (9418, T, "Git"),
    (10250, T, "kubelet"),
    (11211, B, "Memcached"),
    (24224, T, "Fluentd forward"),
    (27017, T, "MongoDB"),
    (51820, U, "WireGuard"),
];

/// The service conventionally on `port` for IANA protocol `protocol` (6 TCP, 17 UDP). Other protocols have no
/// ports in the TCP/UDP sense, so they never name a service.
pub fn name(port: u16, protocol: u8) -> Option<&'static str> {
    let transport = match protocol {
        6 => T,
        17 => U,
        _ => return None,
    };
    let first = TABLE.partition_point(|e| e.0 < port);
    TABLE[first..]
        .iter()
        .take_while(|e| e.0 == port)
        .find(|e| e.1 & transport != 0)
        .map(|e| e.2)
}

/// Whether `port` is in the range operating systems pick client ports from (Linux 32768–60999, Windows and the
/// IANA dynamic range 49152–65535), so that a port there is probably the client's side of a conversation.
pub fn is_ephemeral(port: u16) -> bool {
    port >= 32768
}

/// How many entries the table has (for documentation and tests).
pub fn count() -> usize {
    TABLE.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted() {
        for w in TABLE.windows(2) {
            assert!((w[0].0, w[0].1) < (w[1].0, w[1].1), "{:?}", w);
        }
        assert!(count() >= 80, "{}", count());
    }

    #[test]
    fn names_by_port_and_transport() {
        assert_eq!(name(22, 6), Some("SSH"));
        assert_eq!(name(22, 17), None);
        assert_eq!(name(53, 6), Some("DNS"));
        assert_eq!(name(53, 17), Some("DNS"));
        assert_eq!(name(123, 17), Some("NTP"));
        assert_eq!(name(123, 6), None);
        assert_eq!(name(443, 6), Some("HTTPS"));
        assert_eq!(name(443, 17), Some("HTTPS (QUIC / HTTP/3)"));
        assert_eq!(name(514, 6), Some("rsh"));
        assert_eq!(name(514, 17), Some("syslog"));
        assert_eq!(name(3389, 6), Some("RDP"));
        assert_eq!(name(5439, 6), Some("Amazon Redshift"));
        assert_eq!(name(6443, 6), Some("Kubernetes API"));
        assert_eq!(name(51820, 17), Some("WireGuard"));
        assert_eq!(name(4500, 17), Some("IPsec NAT traversal"));
        assert_eq!(name(27017, 6), Some("MongoDB"));
        assert_eq!(name(80, 1), None);
        assert_eq!(name(50611, 6), None);
        assert_eq!(name(0, 6), None);
    }

    #[test]
    fn ephemeral_ports() {
        assert!(is_ephemeral(50611));
        assert!(is_ephemeral(35612));
        assert!(!is_ephemeral(5001));
        assert!(!is_ephemeral(443));
    }
}
