//! Labelled attacks planted in synthetic flow logs: every kind `vpcflow detect` looks for, once over IPv4 and once
//! over IPv6, with the ground truth (who attacked whom, when, and which detection should say so).
//!
//! The attacks come from and go to the same interfaces as the background traffic of [`crate::synth`] (the same
//! seed gives the same world), so that an attacker has a history to stand out from. Their records are written as
//! extra objects in the windows they fall in, the way AWS delivers several objects per window. Everything is
//! derived from the seed: the same options give the same bytes.
//!
//! Where one attack rightly shows in a second detection (a brute force on SSH from the internet also means SSH
//! is open to the internet), the truth says so in `also`, so that such findings count as right, not as noise.

use crate::synth::{Interface, Rec, Rng, SynthOptions, World, write_object};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use vpcflow_catalog::s3_layout::WINDOW_SECONDS;

/// The hours of data the attacks need: the baseline detections (new outbound port, first mail) only look at
/// sources seen for six hours, and the beacons run for ten.
pub const MIN_HOURS: i64 = 12;

/// One planted attack.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attack {
    /// `scan.ports/ipv4`.
    pub id: String,
    /// The detection that should find it.
    pub detection: String,
    /// `ipv4` or `ipv6`.
    pub family: String,
    /// Who does it.
    pub actor: IpAddr,
    /// To whom, when one address.
    pub target: Option<IpAddr>,
    /// Its first record's start (Unix seconds).
    pub first: i64,
    /// Its last record's end.
    pub last: i64,
    /// Other detections that rightly report the same traffic.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<String>,
    /// What was planted, in a few words.
    pub what: String,
}

/// A threat list the attacks need (`vpcflow intel add NAME FILE --category CATEGORY`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct List {
    /// Its name.
    pub name: String,
    /// Its category word (`c2`).
    pub category: String,
    /// Addresses and networks, one a line.
    pub entries: Vec<String>,
}

/// What [`plant`] wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Planted {
    /// The attacks, in the catalogue's order.
    pub attacks: Vec<Attack>,
    /// The lists they need.
    pub lists: Vec<List>,
    /// The objects written.
    pub files: Vec<PathBuf>,
    /// Records written.
    pub records: u64,
}

impl Planted {
    /// Writes `attacks.jsonl` (one attack a line) and each list as `NAME.txt` into `dir`.
    pub fn write_truth(&self, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
        std::fs::create_dir_all(dir)?;
        let mut text = String::new();
        for a in &self.attacks {
            text.push_str(&serde_json::to_string(a).map_err(std::io::Error::other)?);
            text.push('\n');
        }
        let truth = dir.join("attacks.jsonl");
        std::fs::write(&truth, text)?;
        let mut written = vec![truth];
        for l in &self.lists {
            let path = dir.join(format!("{}.txt", l.name));
            let mut body = format!(
                "# {} ({}): planted by vpcflow generate --attacks\n",
                l.name, l.category
            );
            for e in &l.entries {
                body.push_str(e);
                body.push('\n');
            }
            std::fs::write(&path, body)?;
            written.push(path);
        }
        Ok(written)
    }
}

/// Why attacks cannot be planted in data of these options.
#[derive(Debug, thiserror::Error)]
pub enum PlantError {
    /// Too few hours.
    #[error(
        "--attacks needs at least {MIN_HOURS} hours of data (144 five-minute objects); these options make {0}: \
         raise --records or lower --per-file"
    )]
    TooShort(u64),
    /// Too few interfaces.
    #[error("--attacks needs at least 200 interfaces (20 with IPv6); these options have {0}")]
    TooFewInterfaces(usize),
    /// Writing failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Plants every attack kind (IPv4 and IPv6) into the windows of the data [`crate::synth::generate`] writes with
/// the same options, as extra objects under `out`.
pub fn plant(out: &Path, opts: &SynthOptions) -> Result<Planted, PlantError> {
    let windows = opts.records.div_ceil(opts.records_per_file.max(1)).max(1);
    if (windows as i64) * WINDOW_SECONDS < MIN_HOURS * 3600 {
        return Err(PlantError::TooShort(windows));
    }
    if opts.interfaces < 200 {
        return Err(PlantError::TooFewInterfaces(opts.interfaces));
    }
    let world = World::new(opts);
    let mut p = Planter::new(&world, opts);
    p.all();
    let Planter {
        recs,
        attacks,
        lists,
        ..
    } = p;
    let mut by_window: BTreeMap<i64, Vec<Rec<'_>>> = BTreeMap::new();
    for r in recs {
        let w = opts.start + (r.start - opts.start).div_euclid(WINDOW_SECONDS) * WINDOW_SECONDS;
        by_window.entry(w).or_default().push(r);
    }
    let mut planted = Planted {
        attacks,
        lists,
        ..Planted::default()
    };
    let mut rng = Rng::new(opts.seed ^ 0xA77A_C4ED);
    for (window, mut recs) in by_window {
        recs.sort_by_key(|r| (r.start, r.end));
        planted.records += recs.len() as u64;
        let hash = format!("{:08x}", rng.next() as u32);
        planted
            .files
            .push(write_object(out, opts, window, hash, &recs)?);
    }
    Ok(planted)
}

/// Builds the attacks' records and their truth.
struct Planter<'w> {
    world: &'w World,
    rng: Rng,
    t0: i64,
    recs: Vec<Rec<'w>>,
    attacks: Vec<Attack>,
    lists: Vec<List>,
}

/// The two families: which interfaces act, and each attack's remote addresses.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    V4,
    V6,
}

const HOUR: i64 = 3600;
const MINUTE: i64 = 60;

impl<'w> Planter<'w> {
    fn new(world: &'w World, opts: &SynthOptions) -> Planter<'w> {
        Planter {
            world,
            rng: Rng::new(opts.seed ^ 0x5EED_A77A),
            t0: opts.start,
            recs: Vec::new(),
            attacks: Vec::new(),
            lists: Vec::new(),
        }
    }

    /// The `k`th acting interface of a family: IPv4 ones are those without IPv6 (1, 2, 3, … skipping every
    /// tenth), IPv6 ones every tenth (10, 20, …). Interface 0, the busiest, is the one whose habits change.
    fn iface(&self, family: Family, k: usize) -> &'w Interface {
        let i = match family {
            Family::V4 => k + k / 9 + 1,
            Family::V6 => 10 * (k + 1),
        };
        &self.world.interfaces[i]
    }

    fn local(iface: &Interface, family: Family) -> String {
        match family {
            Family::V4 => iface.addr.clone(),
            Family::V6 => iface.v6.clone().expect("every tenth interface has IPv6"),
        }
    }

    fn ephemeral(&mut self) -> u16 {
        32768 + self.rng.below(28000) as u16
    }

    /// One record at `iface`.
    #[allow(clippy::too_many_arguments)]
    fn rec(
        &mut self,
        iface: &'w Interface,
        (src, sp): (&str, u16),
        (dst, dp): (&str, u16),
        protocol: u8,
        (packets, bytes): (u64, u64),
        (start, secs): (i64, i64),
        action: &'static str,
        flags: u8,
        ingress: bool,
    ) {
        self.recs.push(Rec {
            iface,
            src: src.to_string(),
            dst: dst.to_string(),
            srcport: sp,
            dstport: dp,
            protocol,
            packets,
            bytes,
            start,
            end: start + secs,
            action,
            status: "OK",
            flags,
            ingress,
            v6: src.contains(':'),
        });
    }

    /// A connection an interface makes to a remote address, and the reply (when `reply` packets are given).
    #[allow(clippy::too_many_arguments)]
    fn outbound(
        &mut self,
        iface: &'w Interface,
        local: &str,
        remote: (&str, u16),
        protocol: u8,
        sent: (u64, u64),
        reply: Option<(u64, u64)>,
        when: (i64, i64),
    ) {
        let sp = self.ephemeral();
        let tcp = protocol == 6;
        let flags = if !tcp {
            0
        } else if reply.is_some() {
            3
        } else {
            2
        };
        self.rec(
            iface,
            (local, sp),
            remote,
            protocol,
            sent,
            when,
            "ACCEPT",
            flags,
            false,
        );
        if let Some(back) = reply {
            self.rec(
                iface,
                remote,
                (local, sp),
                protocol,
                back,
                when,
                "ACCEPT",
                if tcp { 19 } else { 0 },
                true,
            );
        }
    }

    /// A connection from a remote address to a port of an interface, and the reply.
    #[allow(clippy::too_many_arguments)]
    fn inbound(
        &mut self,
        iface: &'w Interface,
        remote: &str,
        local: (&str, u16),
        sent: (u64, u64),
        reply: (u64, u64),
        when: (i64, i64),
    ) {
        let sp = self.ephemeral();
        self.rec(iface, (remote, sp), local, 6, sent, when, "ACCEPT", 3, true);
        self.rec(
            iface,
            local,
            (remote, sp),
            6,
            reply,
            when,
            "ACCEPT",
            19,
            false,
        );
    }

    /// Records the truth of an attack whose records were pushed since `from`.
    fn truth(
        &mut self,
        detection: &str,
        family: Family,
        (actor, target): (&str, Option<&str>),
        from: usize,
        also: &[&str],
        what: String,
    ) {
        let recs = &self.recs[from..];
        let first = recs.iter().map(|r| r.start).min().unwrap_or(self.t0);
        let last = recs.iter().map(|r| r.end).max().unwrap_or(self.t0);
        let fam = match family {
            Family::V4 => "ipv4",
            Family::V6 => "ipv6",
        };
        self.attacks.push(Attack {
            id: format!("{detection}/{fam}"),
            detection: detection.to_string(),
            family: fam.to_string(),
            actor: actor.parse().expect("planted addresses parse"),
            target: target.map(|t| t.parse().expect("planted addresses parse")),
            first,
            last,
            also: also.iter().map(|s| s.to_string()).collect(),
            what,
        });
    }

    fn all(&mut self) {
        for family in [Family::V4, Family::V6] {
            self.port_scan(family);
            self.sweep(family);
            self.exposure(family);
            self.brute_force(family, "bruteforce.ssh", 22);
            self.brute_force(family, "bruteforce.rdp", 3389);
            self.brute_force(family, "bruteforce.winrm", 5985);
            self.exfiltration(family);
            self.flood(family);
            self.beacon(family);
            self.listed(family);
            self.tor(family);
            self.mining(family);
            self.new_port(family);
            self.mail(family);
            self.dns(family);
        }
        self.attacks
            .sort_by_key(|a| (order(&a.detection), a.family.clone()));
    }

    /// When an attack of `family` starts: IPv6's a little after IPv4's.
    fn at(&self, family: Family, hours: f64) -> i64 {
        let shift = if family == Family::V6 { 12 * MINUTE } else { 0 };
        self.t0 + (hours * HOUR as f64) as i64 + shift
    }

    /// An instance of yours probes 40 (IPv6: 30) ports of a neighbour, which rejects them.
    fn port_scan(&mut self, family: Family) {
        let (a, b) = (self.iface(family, 0), self.iface(family, 1));
        let (src, dst) = (Self::local(a, family), Self::local(b, family));
        let t = self.at(family, 1.0);
        let from = self.recs.len();
        let ports = if family == Family::V4 { 40 } else { 30 };
        let sp = self.ephemeral();
        for (i, port) in (1..=ports).map(|i| {
            (
                i,
                [21u16, 22, 23, 25, 53, 80, 110, 111, 135, 139][i % 10] + (i / 10) as u16 * 1000,
            )
        }) {
            let when = (t + i as i64, 1);
            self.rec(
                a,
                (&src, sp),
                (&dst, port),
                6,
                (1, 44),
                when,
                "ACCEPT",
                2,
                false,
            );
            self.rec(
                b,
                (&src, sp),
                (&dst, port),
                6,
                (1, 44),
                when,
                "REJECT",
                2,
                true,
            );
        }
        self.truth(
            "scan.ports",
            family,
            (&src, Some(dst.as_str())),
            from,
            &[],
            format!("{src} probes {ports} ports of {dst} (a neighbour), which rejects them"),
        );
    }

    /// An instance of yours sends SYNs to one port on 60 (IPv6: 40) internet hosts in four minutes.
    fn sweep(&mut self, family: Family) {
        let a = self.iface(family, 2);
        let src = Self::local(a, family);
        let t = self.at(family, 1.5);
        let (hosts, port) = if family == Family::V4 {
            (60, 23)
        } else {
            (40, 22)
        };
        let from = self.recs.len();
        for j in 0..hosts {
            let dst = match family {
                Family::V4 => format!(
                    "80.{}.{}.{}",
                    90 + j % 10,
                    (j * 7) % 256,
                    1 + (j * 13) % 254
                ),
                Family::V6 => format!("2a02:c207:{:x}::1", 0x2000 + j * 3),
            };
            let sp = self.ephemeral();
            self.rec(
                a,
                (&src, sp),
                (&dst, port),
                6,
                (1, 60),
                (t + j * 4, 1),
                "ACCEPT",
                2,
                false,
            );
        }
        self.truth(
            "scan.sweep",
            family,
            (&src, None),
            from,
            &[],
            format!("{src} sends SYNs to TCP {port} of {hosts} internet hosts in four minutes"),
        );
    }

    /// An internet host reaches a database (Redis; IPv6: Elasticsearch) on an instance of yours.
    fn exposure(&mut self, family: Family) {
        let b = self.iface(family, 3);
        let dst = Self::local(b, family);
        let (src, port) = match family {
            Family::V4 => ("45.148.10.77", 6379),
            Family::V6 => ("2a0b:7280:100::77", 9200),
        };
        let t = self.at(family, 2.0);
        let from = self.recs.len();
        for i in 0..3 {
            self.inbound(b, src, (&dst, port), (10, 900), (8, 2400), (t + i * 40, 2));
        }
        self.truth(
            "exposure.port",
            family,
            (src, Some(dst.as_str())),
            from,
            &[],
            format!("{src} connects three times to port {port} of {dst}"),
        );
    }

    /// Many short logins from the internet, on SSH followed by a long session (over IPv4).
    fn brute_force(&mut self, family: Family, detection: &str, port: u16) {
        let k = match port {
            22 => 4,
            3389 => 5,
            _ => 6,
        };
        let b = self.iface(family, k);
        let dst = Self::local(b, family);
        let src = match (family, port) {
            (Family::V4, 22) => "185.234.216.59",
            (Family::V4, 3389) => "92.63.197.153",
            (Family::V4, _) => "141.98.11.92",
            (Family::V6, 22) => "2a03:b0c0:3:d0::1a1",
            (Family::V6, 3389) => "2a06:4880::53",
            (Family::V6, _) => "2a0f:e586::92",
        };
        let port = if family == Family::V6 && port == 5985 {
            5986
        } else {
            port
        };
        let hours = 2.5 + 0.5 * (k - 4) as f64;
        let t = self.at(family, hours);
        let attempts = if port == 22 { 30 } else { 25 };
        let from = self.recs.len();
        for i in 0..attempts {
            let jitter = self.rng.below(6) as i64;
            self.inbound(
                b,
                src,
                (&dst, port),
                (12, 3000),
                (10, 3400),
                (t + i * 20 + jitter, 5),
            );
        }
        let success = family == Family::V4 && port == 22;
        if success {
            self.inbound(
                b,
                src,
                (&dst, port),
                (400, 250_000),
                (500, 420_000),
                (t + attempts * 20 + 60, 600),
            );
        }
        self.truth(
            detection,
            family,
            (src, Some(dst.as_str())),
            from,
            &["exposure.port"],
            format!(
                "{src} makes {attempts} short connections to port {port} of {dst}{}",
                if success {
                    ", then a ten-minute session"
                } else {
                    ""
                }
            ),
        );
    }

    /// An instance of yours uploads 2.2 GB (IPv6: 1.5 GB) to an internet host in 50 minutes.
    fn exfiltration(&mut self, family: Family) {
        let a = self.iface(family, 7);
        let src = Self::local(a, family);
        let dst = match family {
            Family::V4 => "5.188.62.140",
            Family::V6 => "2a01:4f8:c0c:9a1e::2",
        };
        let per_minute: u64 = if family == Family::V4 {
            44_000_000
        } else {
            30_000_000
        };
        let t = self.at(family, 3.0);
        let from = self.recs.len();
        let sp = self.ephemeral();
        for m in 0..50 {
            let when = (t + m * MINUTE, 59);
            self.rec(
                a,
                (&src, sp),
                (dst, 443),
                6,
                (per_minute / 1400, per_minute),
                when,
                "ACCEPT",
                0,
                false,
            );
            self.rec(
                a,
                (dst, 443),
                (&src, sp),
                6,
                (per_minute / 2800, per_minute / 50),
                when,
                "ACCEPT",
                0,
                true,
            );
        }
        self.truth(
            "exfil.volume",
            family,
            (&src, Some(dst)),
            from,
            &[],
            format!(
                "{src} sends {:.1} GB to {dst} in 50 minutes",
                per_minute as f64 * 50.0 / 1e9
            ),
        );
    }

    /// An instance of yours floods an internet host with UDP to port 80 for six minutes.
    fn flood(&mut self, family: Family) {
        let a = self.iface(family, 8);
        let src = Self::local(a, family);
        let dst = match family {
            Family::V4 => "23.94.188.21",
            Family::V6 => "2604:a880:400:d0::1c",
        };
        let t = self.at(family, 4.5);
        let from = self.recs.len();
        for m in 0..6 {
            let sp = self.ephemeral();
            self.rec(
                a,
                (&src, sp),
                (dst, 80),
                17,
                (150_000, 9_000_000),
                (t + m * MINUTE, 59),
                "ACCEPT",
                0,
                false,
            );
        }
        self.truth(
            "dos.outbound",
            family,
            (&src, Some(dst)),
            from,
            &[],
            format!("{src} sends 150,000 UDP packets a minute to port 80 of {dst} for six minutes"),
        );
    }

    /// An instance of yours calls home every five minutes (a few seconds' jitter) for ten hours.
    fn beacon(&mut self, family: Family) {
        let a = self.iface(family, 9);
        let src = Self::local(a, family);
        let dst = match family {
            Family::V4 => "62.233.50.14",
            Family::V6 => "2a0d:5600:24::14",
        };
        let t = self.at(family, 0.5);
        let from = self.recs.len();
        for i in 0..120 {
            let jitter = self.rng.below(9) as i64 - 4;
            let size = 640 + self.rng.below(4);
            self.outbound(
                a,
                &src,
                (dst, 8443),
                6,
                (6, size),
                Some((5, 1180)),
                (t + i * 300 + jitter, 1),
            );
        }
        self.truth(
            "c2.beacon",
            family,
            (&src, Some(dst)),
            from,
            &[],
            format!("{src} connects to port 8443 of {dst} every five minutes for ten hours"),
        );
    }

    /// An instance of yours talks to a command-and-control server on the list `botnet`.
    fn listed(&mut self, family: Family) {
        let a = self.iface(family, 10);
        let src = Self::local(a, family);
        let (dst, net) = match family {
            Family::V4 => ("45.9.148.108", "45.9.148.0/24"),
            Family::V6 => ("2a0e:fd45:da0::108", "2a0e:fd45:da0::/48"),
        };
        let t = self.at(family, 5.0);
        let from = self.recs.len();
        for i in 0..5 {
            self.outbound(
                a,
                &src,
                (dst, 443),
                6,
                (10, 1500),
                Some((9, 5200)),
                (t + i * 97, 2),
            );
        }
        match self.lists.iter_mut().find(|l| l.name == "botnet") {
            Some(l) => l.entries.push(net.to_string()),
            None => self.lists.push(List {
                name: "botnet".into(),
                category: "c2".into(),
                entries: vec![net.to_string()],
            }),
        }
        self.truth(
            "intel.listed",
            family,
            (&src, Some(dst)),
            from,
            &[],
            format!("{src} connects five times to {dst}, in {net} on the c2 list `botnet`"),
        );
    }

    /// An instance of yours keeps a connection to a Tor relay's port 9001 for twenty minutes.
    fn tor(&mut self, family: Family) {
        let a = self.iface(family, 11);
        let src = Self::local(a, family);
        let dst = match family {
            Family::V4 => "185.220.101.47",
            Family::V6 => "2a0b:f4c2:2::47",
        };
        let t = self.at(family, 1.0);
        let from = self.recs.len();
        let sp = self.ephemeral();
        for m in 0..2 {
            let when = (t + m * 10 * MINUTE, 599);
            self.rec(
                a,
                (&src, sp),
                (dst, 9001),
                6,
                (300, 90_000),
                when,
                "ACCEPT",
                if m == 0 { 2 } else { 0 },
                false,
            );
            self.rec(
                a,
                (dst, 9001),
                (&src, sp),
                6,
                (280, 160_000),
                when,
                "ACCEPT",
                if m == 0 { 18 } else { 0 },
                true,
            );
        }
        self.truth(
            "tor.traffic",
            family,
            (&src, Some(dst)),
            from,
            &[],
            format!("{src} keeps a connection to port 9001 of {dst} for twenty minutes"),
        );
    }

    /// An instance of yours keeps a quiet connection to a mining pool's port for two hours.
    fn mining(&mut self, family: Family) {
        let a = self.iface(family, 12);
        let src = Self::local(a, family);
        let (dst, port) = match family {
            Family::V4 => ("51.15.65.182", 3333),
            Family::V6 => ("2001:41d0:8:e8ad::1", 14444),
        };
        let t = self.at(family, 1.0);
        let from = self.recs.len();
        let sp = self.ephemeral();
        for m in 0..12 {
            let when = (t + m * 10 * MINUTE, 599);
            self.rec(
                a,
                (&src, sp),
                (dst, port),
                6,
                (120, 14_000),
                when,
                "ACCEPT",
                if m == 0 { 2 } else { 0 },
                false,
            );
            self.rec(
                a,
                (dst, port),
                (&src, sp),
                6,
                (110, 21_000),
                when,
                "ACCEPT",
                if m == 0 { 18 } else { 0 },
                true,
            );
        }
        self.truth(
            "crypto.mining",
            family,
            (&src, Some(dst)),
            from,
            &[],
            format!("{src} keeps a quiet connection to port {port} of {dst} for two hours"),
        );
    }

    /// The busiest instance, after eight hours of its usual traffic, connects out to IRC (6667).
    fn new_port(&mut self, family: Family) {
        let a = &self.world.interfaces[0];
        let src = Self::local(a, family);
        let dst = match family {
            Family::V4 => "193.42.33.7",
            Family::V6 => "2a10:cc45:100::7",
        };
        let t = self.at(family, 8.0);
        let from = self.recs.len();
        for i in 0..3 {
            self.outbound(
                a,
                &src,
                (dst, 6667),
                6,
                (20, 4200),
                Some((18, 9000)),
                (t + i * 150, 30),
            );
        }
        self.truth(
            "behavior.new_port",
            family,
            (&src, Some(dst)),
            from,
            &[],
            format!("{src}, after eight hours without it, connects to port 6667 of {dst}"),
        );
    }

    /// The busiest instance, which never sent mail, sends it to 15 mail servers in ten minutes.
    fn mail(&mut self, family: Family) {
        let a = &self.world.interfaces[0];
        let src = Self::local(a, family);
        let t = self.at(family, 10.0);
        let from = self.recs.len();
        for j in 0..15i64 {
            let dst = match family {
                Family::V4 => format!("64.{}.{}.27", 233 - j % 3, 160 + j),
                Family::V6 => format!("2a00:1450:4010:c{:02x}::1b", j),
            };
            self.outbound(
                a,
                &src,
                (&dst, 25),
                6,
                (14, 5200),
                Some((12, 1400)),
                (t + j * 40, 3),
            );
        }
        self.truth(
            "behavior.smtp",
            family,
            (&src, None),
            from,
            &[],
            format!("{src}, which never sent mail, sends it to 15 mail servers in ten minutes"),
        );
    }

    /// An instance of yours asks a public resolver instead of the VPC's.
    fn dns(&mut self, family: Family) {
        let a = self.iface(family, 13);
        let src = Self::local(a, family);
        let dst = match family {
            Family::V4 => "8.8.8.8",
            Family::V6 => "2001:4860:4860::8888",
        };
        let t = self.at(family, 6.0);
        let from = self.recs.len();
        for i in 0..8 {
            self.outbound(
                a,
                &src,
                (dst, 53),
                17,
                (1, 74),
                Some((1, 130)),
                (t + i * 45, 1),
            );
        }
        self.truth(
            "dns.external",
            family,
            (&src, Some(dst)),
            from,
            &[],
            format!("{src} sends eight DNS queries to {dst}"),
        );
    }
}

/// The catalogue's order of detections (the truth file lists attacks in it).
fn order(detection: &str) -> usize {
    const ORDER: [&str; 15] = [
        "scan.ports",
        "scan.sweep",
        "exposure.port",
        "bruteforce.ssh",
        "bruteforce.rdp",
        "bruteforce.winrm",
        "exfil.volume",
        "dos.outbound",
        "c2.beacon",
        "intel.listed",
        "tor.traffic",
        "crypto.mining",
        "behavior.new_port",
        "behavior.smtp",
        "dns.external",
    ];
    ORDER
        .iter()
        .position(|d| *d == detection)
        .unwrap_or(ORDER.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_twice_and_deterministic() {
        let opts = SynthOptions {
            records: 150_000,
            records_per_file: 1000,
            threads: 1,
            independent_files: true,
            ..SynthOptions::default()
        };
        let dir = tempfile::tempdir().unwrap();
        let a = plant(dir.path(), &opts).unwrap();
        assert_eq!(a.attacks.len(), 30);
        let mut kinds: Vec<&str> = a.attacks.iter().map(|x| x.detection.as_str()).collect();
        kinds.dedup();
        assert_eq!(kinds.len(), 15);
        assert!(
            a.attacks
                .iter()
                .all(|x| x.actor.is_ipv4() == (x.family == "ipv4"))
        );
        assert_eq!(a.lists[0].entries, ["45.9.148.0/24", "2a0e:fd45:da0::/48"]);
        let dir2 = tempfile::tempdir().unwrap();
        let b = plant(dir2.path(), &opts).unwrap();
        assert_eq!(a.attacks, b.attacks);
        assert_eq!(
            std::fs::read(&a.files[3]).unwrap(),
            std::fs::read(&b.files[3]).unwrap()
        );
        let short = SynthOptions {
            records: 10_000,
            ..opts
        };
        assert!(matches!(
            plant(dir.path(), &short),
            Err(PlantError::TooShort(10))
        ));
    }
}
