//! The detections as data: what each one looks for, why it matters, its thresholds with their defaults, and what
//! to do about a finding. `vpcflow detect --list`, the generated documentation (`docs/detections.md`) and the
//! configuration file's checks all read this one table.

/// A threshold a configuration file can change.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Param {
    /// The key in the configuration file.
    pub key: &'static str,
    /// Its default.
    pub default: f64,
    /// What it means.
    pub doc: &'static str,
}

/// One detection.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Detection {
    /// The id findings carry (`scan.ports`).
    pub id: &'static str,
    /// A short title.
    pub title: &'static str,
    /// The MITRE ATT&CK technique (`T1046`).
    pub mitre: &'static str,
    /// The technique's name.
    pub mitre_name: &'static str,
    /// What it looks for in the records.
    pub what: &'static str,
    /// Why that matters.
    pub why: &'static str,
    /// How severe its findings are, and when.
    pub severity: &'static str,
    /// What to do about a finding.
    pub todo: &'static str,
    /// Where the thresholds come from.
    pub anchors: &'static str,
    /// Its thresholds.
    pub params: &'static [Param],
}

/// The brute-force detections (SSH, RDP, WinRM) share their thresholds' names, defaults and meaning.
const BRUTE_FORCE: &[Param] = &[
    p(
        "min_attempts",
        20.0,
        "short connections from one source to one host within a window",
    ),
    p("window_seconds", 1800.0, "the window"),
    p(
        "success_bytes",
        100_000.0,
        "bytes of a session counted as a possible success",
    ),
    p(
        "success_seconds",
        300.0,
        "duration of a session counted as a possible success",
    ),
];

const fn p(key: &'static str, default: f64, doc: &'static str) -> Param {
    Param { key, default, doc }
}

/// Every detection, in the order findings are reported.
pub const CATALOGUE: &[Detection] = &[
    Detection {
        id: "scan.ports",
        title: "Port scan of one host",
        mitre: "T1046",
        mitre_name: "Network Service Discovery",
        what: "One source probing many ports of one host within a short window: rejected connections, or TCP \
               connections of at most 3 packets and 180 bytes that never carried data (a SYN and maybe a reset).",
        why: "Scanning is how an intruder maps what a host runs before attacking it. From an instance of yours \
              (to the internet or to neighbours) it means the instance is compromised or misused; from the \
              internet it is background noise unless the host answered.",
        severity: "Medium when the scanner is internal (High from `high_ports` ports); Low when an external \
                   scanner found ports open (accepted). Rejected scans from the internet are not reported \
                   unless `report_rejected_inbound` is 1.",
        todo: "For an internal scanner: find what runs on the instance (process list, recent logins), isolate it \
               if nobody expects a scanner there, or allow-list it if it is your vulnerability scanner. For an \
               external one: check that the accepted ports should be reachable from the internet.",
        anchors: "GuardDuty Recon:EC2/Portscan; Zeek scan.zeek (15 ports in 5 minutes); Elastic 'Potential \
                  Network Scan' (50 ports a minute); Tailpipe internal_port_scanning (>15 an hour).",
        params: &[
            p(
                "min_ports",
                15.0,
                "distinct destination ports probed within a window",
            ),
            p("window_seconds", 300.0, "the window"),
            p(
                "high_ports",
                100.0,
                "ports at which an internal scan is High",
            ),
            p(
                "report_rejected_inbound",
                0.0,
                "1 reports external scans that were entirely rejected too",
            ),
        ],
    },
    Detection {
        id: "scan.sweep",
        title: "Sweep of one port across many hosts",
        mitre: "T1046",
        mitre_name: "Network Service Discovery",
        what: "One source probing the same port on many addresses within a short window (probes as for \
               `scan.ports`).",
        why: "A sweep looks for one service everywhere: worms and bots spread this way, and an intruder inside \
              a VPC sweeps for SSH, RDP or databases to move laterally.",
        severity: "High when the source is internal (sweeping the internet or the VPC); Low when an external \
                   sweep found the port open on some hosts. Entirely rejected external sweeps are not reported \
                   unless `report_rejected_inbound` is 1.",
        todo: "Treat an internal sweeper as compromised: isolate it, look for the process, and check the hosts \
               that answered. For an external sweep, close the port on the hosts that accepted it.",
        anchors: "GuardDuty Impact:EC2/PortSweep; Zeek scan.zeek (25 hosts in 5 minutes); Elastic 'Potential \
                  Network Sweep' (100 hosts); Tailpipe service_scanning_activity (>10 hosts an hour).",
        params: &[
            p(
                "min_hosts",
                25.0,
                "distinct destination hosts probed on one port within a window",
            ),
            p("window_seconds", 300.0, "the window"),
            p(
                "report_rejected_inbound",
                0.0,
                "1 reports external sweeps that were entirely rejected too",
            ),
        ],
    },
    Detection {
        id: "exposure.port",
        title: "Sensitive port reachable from the internet",
        mitre: "T1133",
        mitre_name: "External Remote Services",
        what: "Accepted inbound TCP connections from a public address that is not AWS's to a port that should \
               not face the internet: remote administration (SSH 22, RDP 3389, WinRM 5985/5986, VNC 5900), \
               databases and caches (MySQL, PostgreSQL, SQL Server, Oracle, MongoDB, Redis, Cassandra, \
               Memcached, CouchDB), Elasticsearch (9200/9300), Hadoop/EMR consoles (8088, 8890, 50070, 18080) \
               and the Docker API (2375/2376).",
        why: "Every port open to 0.0.0.0/0 is found by internet scanners within minutes and then attacked: \
              exposed databases and Docker APIs are taken over, admin ports are brute-forced.",
        severity: "High for databases, Elasticsearch, Hadoop/EMR and Docker; Low for remote administration, \
                   Medium from `many_sources` distinct sources; one level higher when a source is on a threat \
                   list.",
        todo: "Close the port to the internet (the finding names the security group rule with --vpc-config and \
               the smallest change), and reach the service through a VPN, AWS Systems Manager Session \
               Manager or a load balancer instead.",
        anchors: "GuardDuty Recon:EC2/PortProbeUnprotectedPort (Low; High for 9200/9300) and \
                  PortProbeEMRUnprotectedPort (High); Tailpipe public_service_access; Elastic 'RDP/SSH/VNC \
                  from the Internet'.",
        params: &[p(
            "many_sources",
            10.0,
            "distinct sources at which an admin port's exposure is Medium",
        )],
    },
    Detection {
        id: "bruteforce.ssh",
        title: "SSH brute force",
        mitre: "T1110",
        mitre_name: "Brute Force",
        what: "Many short accepted SSH connections (TCP 22) from one source to one host within a window: each \
               completed a handshake (at least 4 packets) but stayed under 20 kB and a minute, as failed logins \
               do. 'Possible success': after the attempts began, a connection from the same source that lasted \
               five minutes or carried 100 kB, as an interactive session does.",
        why: "Password guessing against SSH is the commonest attack on instances with port 22 open; a long \
              session after many failures suggests it worked.",
        severity: "Low when an instance of yours is the target; High when the attempts were followed by a \
                   possible success, or when the source is internal (your instance attacking others).",
        todo: "Allow only key-based logins, close port 22 to the internet, and with a possible success treat \
               the target as compromised: check its authentication log for the source's logins.",
        anchors: "GuardDuty UnauthorizedAccess:EC2/SSHBruteForce; Flowmon SSHDICT (20 attempts, 30-minute \
                  gaps); SSHCure's scan/brute-force/compromise phases; Zeek 30 guesses in 30 minutes.",
        params: BRUTE_FORCE,
    },
    Detection {
        id: "bruteforce.rdp",
        title: "RDP brute force",
        mitre: "T1110",
        mitre_name: "Brute Force",
        what: "As `bruteforce.ssh`, on RDP (TCP 3389).",
        why: "Exposed Windows hosts are guessed at over RDP continuously; a success gives a desktop session.",
        severity: "As `bruteforce.ssh`.",
        todo: "Close 3389 to the internet (use Session Manager or a VPN), enforce Network Level Authentication \
               and account lockout, and check the Security event log after a possible success.",
        anchors: "GuardDuty UnauthorizedAccess:EC2/RDPBruteForce.",
        params: BRUTE_FORCE,
    },
    Detection {
        id: "bruteforce.winrm",
        title: "WinRM brute force",
        mitre: "T1110",
        mitre_name: "Brute Force",
        what: "As `bruteforce.ssh`, on Windows Remote Management (TCP 5985 and 5986).",
        why: "WinRM gives remote PowerShell; guessing its credentials is a common way into Windows hosts.",
        severity: "As `bruteforce.ssh`.",
        todo: "Restrict WinRM to management networks, and check the target's logons after a possible success.",
        anchors: "GuardDuty Impact:EC2/WinRMBruteForce.",
        params: BRUTE_FORCE,
    },
    Detection {
        id: "exfil.volume",
        title: "Unusual outbound volume (exfiltration)",
        mitre: "T1048",
        mitre_name: "Exfiltration Over Alternative Protocol",
        what: "Bytes sent from an internal address to one external address in an hour, against absolute floors \
               and against that pair's own hours: at least `absolute_bytes` in an hour to an address that is \
               not AWS's; or at least `min_bytes` and `factor` times the pair's median hour (with at least \
               `baseline_hours` hours seen); or at least `min_bytes` to an address first contacted after the \
               source had been seen for `baseline_hours` hours.",
        why: "Stolen data has to leave: a sudden upload to somewhere new or far above the usual is how \
              exfiltration shows in flow logs.",
        severity: "Medium; High when the destination is on a threat list.",
        todo: "Find which process sent the data (the time range narrows it down), what the destination is, and \
               whether the transfer was expected (backups, uploads to a partner). Block the destination if not.",
        anchors: "GuardDuty Behavior:EC2/TrafficVolumeUnusual; Tailpipe large_data_transfer (100 MB in 6 \
                  hours; 500 MB high); Elastic ML 'Spike in Network Traffic'.",
        params: &[
            p(
                "absolute_bytes",
                1_073_741_824.0,
                "bytes in an hour to one non-AWS address that always count",
            ),
            p(
                "min_bytes",
                100_000_000.0,
                "bytes in an hour below which nothing counts",
            ),
            p(
                "factor",
                10.0,
                "how many times the pair's median hour counts as unusual",
            ),
            p("baseline_hours", 6.0, "hours of history a baseline needs"),
        ],
    },
    Detection {
        id: "dos.outbound",
        title: "Outbound denial of service",
        mitre: "T1498",
        mitre_name: "Network Denial of Service",
        what: "An internal address sending at least `packets_per_minute` packets a minute to one external \
               address for at least `min_seconds`, or `burst_packets_per_minute` in any minute. The kind \
               (DNS, UDP to a TCP port, an unusual protocol, small TCP packets) is reported.",
        why: "An instance flooding someone else is part of a botnet or misconfigured; either way AWS may \
              throttle or suspend it, and the target suffers.",
        severity: "High.",
        todo: "Stop the sending process or isolate the instance, and find how it was taken over.",
        anchors: "GuardDuty Backdoor:EC2/DenialOfService.{Tcp,Udp,Dns,UdpOnTcpPorts,UnusualProtocol}; Tailpipe \
                  high_packet_traffic (>10,000 packets in one record).",
        params: &[
            p(
                "packets_per_minute",
                60_000.0,
                "sustained packet rate to one address",
            ),
            p("min_seconds", 180.0, "how long the rate must last"),
            p(
                "burst_packets_per_minute",
                300_000.0,
                "a rate that counts in any single minute",
            ),
        ],
    },
    Detection {
        id: "c2.beacon",
        title: "Beaconing",
        mitre: "T1071",
        mitre_name: "Application Layer Protocol",
        what: "Outbound connections from one internal address to one external address and port at regular \
               intervals with regular sizes, over many hours: a score from 0 to 1 combines how regular the \
               intervals are (skew and spread), how regular the sizes are, how many hours are covered and how \
               many intervals share the commonest value.",
        why: "Malware calls home on a timer to fetch commands. Humans and most services do not connect with \
              clockwork regularity.",
        severity: "High from score `high_score`, Medium from `min_score`.",
        todo: "Identify the process making the connections and what the destination is; known update or \
               monitoring services can be allow-listed.",
        anchors: "RITA (Active Countermeasures) beacon analysis: timestamp, data size, duration and histogram \
                  scores weighted equally; at least 20 connections.",
        params: &[
            p(
                "min_connections",
                20.0,
                "connections (minutes with a connection) needed",
            ),
            p(
                "min_interval_seconds",
                120.0,
                "median interval below which traffic is continuous, not a beacon",
            ),
            p("min_score", 0.8, "score for a Medium finding"),
            p("high_score", 0.9, "score for a High finding"),
        ],
    },
    Detection {
        id: "intel.listed",
        title: "Traffic with a listed address",
        mitre: "T1071",
        mitre_name: "Application Layer Protocol",
        what: "Any record between an internal address and an address on a threat list (`vpcflow intel`), except \
               Tor and cryptocurrency lists, which `tor.traffic` and `crypto.mining` report.",
        why: "Talking to a botnet controller means infection; to a DROP network, to criminals' infrastructure; \
              your own lists name what you already know to be hostile.",
        severity: "High for accepted outbound traffic to a command-and-control list; Medium for other accepted \
                   traffic; Low when every record was rejected.",
        todo: "For outbound traffic, find the process that connected and treat the instance as compromised. For \
               inbound, check what the listed address reached and block it.",
        anchors: "GuardDuty Backdoor:EC2/C&CActivity.B, Trojan:EC2/BlackholeTraffic and DropPoint, \
                  UnauthorizedAccess:EC2/MaliciousIPCaller.Custom; RITA threat intel feeds.",
        params: &[],
    },
    Detection {
        id: "tor.traffic",
        title: "Tor",
        mitre: "T1090.003",
        mitre_name: "Proxy: Multi-hop Proxy",
        what: "Outbound connections to Tor relays, inbound connections from Tor exits (with the lists from \
               `vpcflow intel update`), or, without lists, outbound TCP to Tor's relay and directory ports \
               (9001, 9030) on public addresses.",
        why: "Tor hides who an instance talks to: malware uses it for command and control, and intruders use \
              exits to reach your services anonymously.",
        severity: "High for outbound connections to relays; Medium for inbound from exits and for the port \
                   fallback.",
        todo: "Find the Tor process on the instance and remove it unless it is sanctioned; block exit nodes at \
               the edge if your services should not be reached anonymously.",
        anchors: "GuardDuty UnauthorizedAccess:EC2/TorClient and TorRelay; Elastic 'Tor Activity to the \
                  Internet' (9001, 9030).",
        params: &[p(
            "use_ports",
            1.0,
            "1 reports the relay ports when no Tor list matches",
        )],
    },
    Detection {
        id: "crypto.mining",
        title: "Cryptocurrency mining",
        mitre: "T1496",
        mitre_name: "Resource Hijacking",
        what: "Long-lived outbound TCP connections to public addresses on mining-pool (stratum) ports or \
               cryptocurrency peer ports with little traffic, or any traffic with an address on a `crypto` \
               threat list.",
        why: "Stolen compute is turned into coins: miners keep one quiet connection to a pool open for hours.",
        severity: "High for a listed address; Medium for the port heuristic (the port lists are folklore, not \
                   authority).",
        todo: "Look for the miner process and how it got there (an exposed service, leaked keys), then rebuild \
               the instance.",
        anchors: "GuardDuty CryptoCurrency:EC2/BitcoinTool.B; stratum ports 3333, 4444, 5555, 7777, 14444 and \
                  peer ports 8333 (Bitcoin), 18080 (Monero), 30303 (Ethereum).",
        params: &[
            p(
                "min_seconds",
                1800.0,
                "how long the connection must be seen",
            ),
            p(
                "max_bytes_per_minute",
                50_000.0,
                "average bytes a minute above which it is not a miner's trickle",
            ),
        ],
    },
    Detection {
        id: "behavior.new_port",
        title: "First-seen outbound port",
        mitre: "T1571",
        mitre_name: "Non-Standard Port",
        what: "An internal address connecting out to a port on an external address that it had not used before, \
               after being seen for at least `baseline_hours` hours and making at least `min_history` outbound \
               connections, with at least `min_bytes` sent.",
        why: "Instances do the same things every day; a new kind of outbound connection often is a new \
              program — a backdoor, a tunnel, a miner.",
        severity: "Medium; Low for 80 and 443.",
        todo: "Find the process that opened it; allow-list the instance or port if the change was planned.",
        anchors: "GuardDuty Behavior:EC2/NetworkPortUnusual; Elastic 'Outbound Traffic to Uncommon Well Known \
                  Port' (new terms, 30 days).",
        params: &[
            p(
                "baseline_hours",
                6.0,
                "hours of history before a port counts as new",
            ),
            p(
                "min_history",
                100.0,
                "outbound connections the source made before, without the port",
            ),
            p("min_bytes", 1000.0, "bytes sent before a new port counts"),
        ],
    },
    Detection {
        id: "behavior.smtp",
        title: "SMTP from an instance that never sent mail",
        mitre: "T1071.003",
        mitre_name: "Application Layer Protocol: Mail Protocols",
        what: "An internal address connecting out to mail ports (25, 465, 587) on external addresses, having \
               sent no mail in its first `baseline_hours` hours.",
        why: "A spambot: an instance that suddenly sends mail to many servers is sending spam or phishing for \
              whoever took it over.",
        severity: "Medium; High from `many_destinations` mail servers.",
        todo: "Stop the sender and find how it was installed; check the account's outbound mail limits.",
        anchors: "GuardDuty Backdoor:EC2/Spambot; Elastic 'SMTP to the Internet'.",
        params: &[
            p(
                "baseline_hours",
                6.0,
                "hours of history without mail before mail counts as new",
            ),
            p(
                "min_history",
                100.0,
                "outbound connections the source made before, without mail",
            ),
            p(
                "many_destinations",
                10.0,
                "distinct mail servers at which the finding is High",
            ),
        ],
    },
    Detection {
        id: "dns.external",
        title: "DNS to resolvers outside the VPC",
        mitre: "T1071.004",
        mitre_name: "Application Layer Protocol: DNS",
        what: "Outbound DNS (53) or DNS over TLS (853) to external addresses. Flow logs never record queries to \
               the VPC's own resolver, so any DNS seen going out bypasses it; large volumes suggest a tunnel.",
        why: "Malware uses its own resolvers to avoid DNS filtering and logging, and DNS tunnels move data and \
              commands through queries.",
        severity: "Low; Medium from `tunnel_bytes_per_minute` bytes in a minute or `tunnel_bytes_per_hour` in \
                   an hour (a possible tunnel).",
        todo: "Point the instance at the VPC resolver (Route 53 Resolver), block outbound 53/853 in its \
               security group, and look at Route 53 Resolver query logs for tunnelling.",
        anchors: "Elastic 'DNS Activity to the Internet'; Sigma 'High DNS Bytes Out' (300 kB a minute).",
        params: &[
            p(
                "tunnel_bytes_per_minute",
                300_000.0,
                "bytes a minute to DNS that suggest a tunnel",
            ),
            p(
                "tunnel_bytes_per_hour",
                5_000_000.0,
                "bytes an hour to DNS that suggest a tunnel",
            ),
        ],
    },
];

/// The detection with this id.
pub fn find(id: &str) -> Option<&'static Detection> {
    CATALOGUE.iter().find(|d| d.id == id)
}

/// Ports whose exposure to the internet `exposure.port` reports, with the level of their group.
pub const SENSITIVE_PORTS: &[(u16, SensitiveKind)] = &[
    (22, SensitiveKind::Admin),
    (1433, SensitiveKind::Data),
    (1521, SensitiveKind::Data),
    (2375, SensitiveKind::Docker),
    (2376, SensitiveKind::Docker),
    (3306, SensitiveKind::Data),
    (3389, SensitiveKind::Admin),
    (5432, SensitiveKind::Data),
    (5900, SensitiveKind::Admin),
    (5984, SensitiveKind::Data),
    (5985, SensitiveKind::Admin),
    (5986, SensitiveKind::Admin),
    (6379, SensitiveKind::Data),
    (8088, SensitiveKind::Hadoop),
    (8890, SensitiveKind::Hadoop),
    (9042, SensitiveKind::Data),
    (9200, SensitiveKind::Search),
    (9300, SensitiveKind::Search),
    (11211, SensitiveKind::Data),
    (18080, SensitiveKind::Hadoop),
    (27017, SensitiveKind::Data),
    (50070, SensitiveKind::Hadoop),
];

/// Why a port is sensitive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SensitiveKind {
    /// Remote administration.
    Admin,
    /// A database or cache.
    Data,
    /// Elasticsearch / OpenSearch.
    Search,
    /// A Hadoop or EMR console.
    Hadoop,
    /// The Docker API.
    Docker,
}

/// Stratum (mining pool) and cryptocurrency peer ports.
pub const MINING_PORTS: &[u16] = &[
    3333, 3334, 3335, 3336, 4444, 5555, 7777, 8333, 9999, 14433, 14444, 18080, 30303, 45560, 45700,
];

/// Tor's relay (ORPort) and directory ports.
pub const TOR_PORTS: &[u16] = &[9001, 9030];

/// The remote-login services `bruteforce.*` watch, by detection id.
pub const BRUTEFORCE: &[(&str, &[u16])] = &[
    ("bruteforce.ssh", &[22]),
    ("bruteforce.rdp", &[3389]),
    ("bruteforce.winrm", &[5985, 5986]),
];

/// The documentation page of the catalogue (`docs/detections.md`), generated from this table; a test keeps the
/// committed page equal to it.
pub fn markdown() -> String {
    let mut s = String::from(
        "# Detections\n\n\
         <!-- Generated from crates/vpcflow-engine/src/detect/catalogue.rs by `vpcflow detect --docs`; \
         a test checks that this page matches. -->\n\n\
         `vpcflow detect PATH…` runs every detection below over flow logs (IPv4 and IPv6) and prints its findings: \
         each with its detection id, severity (low, medium, high, as GuardDuty grades), the actor and target \
         addresses, the time range, the evidence (counts and example records) and the MITRE ATT&CK technique, \
         explained in English or Japanese (`--lang ja`). With `--vpc-config DIR`, a finding about accepted inbound \
         traffic names the security group rule that let it in and the smallest change that would close it.\n\n\
         Addresses are internal when private (RFC 1918, RFC 6598, IPv6 unique local), link-local, or listed under \
         `internal` in the configuration file. Thresholds, allow lists and `enabled` are set per detection in a TOML \
         file given with `--config FILE`:\n\n\
         ```toml\n\
         internal = [\"198.18.0.0/15\"]     # more internal ranges (a VPC with public addresses)\n\
         allow = [\"192.0.2.10\"]           # never report these, as actor or as target\n\n\
         [scan.ports]\n\
         min_ports = 20\n\
         allow = [\"10.0.5.9\"]             # our vulnerability scanner: not reported as an actor\n\n\
         [bruteforce.ssh]\n\
         allow = [\"10.0.1.10\"]            # the bastion\n\
         allow_targets = [\"10.0.2.0/24\"]  # nor as a target\n\
         ```\n\n\
         | id | title | MITRE ATT&CK |\n|---|---|---|\n",
    );
    for d in CATALOGUE {
        s.push_str(&format!(
            "| [`{}`](#{}) | {} | {} {} |\n",
            d.id,
            anchor(d.id),
            d.title,
            d.mitre,
            d.mitre_name
        ));
    }
    for d in CATALOGUE {
        s.push_str(&format!(
            "\n## `{}`\n\n**{}** — {} {}\n\n",
            d.id, d.title, d.mitre, d.mitre_name
        ));
        s.push_str(&format!("- **What it looks for:** {}\n", d.what));
        s.push_str(&format!("- **Why it matters:** {}\n", d.why));
        s.push_str(&format!("- **Severity:** {}\n", d.severity));
        s.push_str(&format!("- **What to do:** {}\n", d.todo));
        s.push_str(&format!("- **Anchored on:** {}\n", d.anchors));
        if d.params.is_empty() {
            s.push_str("\nNo thresholds: only `enabled`, `allow` and `allow_targets`.\n");
        } else {
            s.push_str("\n| setting | default | meaning |\n|---|---|---|\n");
            for p in d.params {
                s.push_str(&format!(
                    "| `{}` | {} | {} |\n",
                    p.key,
                    number(p.default),
                    p.doc
                ));
            }
        }
    }
    s
}

/// GitHub's heading anchor for a detection's section.
fn anchor(id: &str) -> String {
    id.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect()
}

/// `15`, `0.8`, `1073741824`.
pub fn number(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_found() {
        for (i, d) in CATALOGUE.iter().enumerate() {
            assert_eq!(find(d.id).unwrap().id, d.id);
            assert!(CATALOGUE[..i].iter().all(|e| e.id != d.id), "{}", d.id);
            assert!(d.mitre.starts_with('T'), "{}", d.id);
        }
        assert!(SENSITIVE_PORTS.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
