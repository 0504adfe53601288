//! The detection catalogue over a small hand-made day of flow logs: every planted attack is found with the right
//! detection, severity, actor and target, nothing else is, and the explanations read as they should.

use std::fmt::Write as _;
use std::sync::Arc;
use vpcflow_catalog::enrich::Enricher;
use vpcflow_catalog::intel::{Category, ListInfo, ListSet, ThreatList};
use vpcflow_engine::detect::{self, Config, Context, Severity, words};
use vpcflow_engine::{Engine, EngineOptions};

const T0: i64 = 1_704_067_200;

/// Default-format records (version 2), one line each.
struct Log(String);

impl Log {
    #[allow(clippy::too_many_arguments)]
    fn rec(
        &mut self,
        src: &str,
        dst: &str,
        sp: u16,
        dp: u16,
        proto: u8,
        packets: u64,
        bytes: u64,
        start: i64,
        secs: i64,
        action: &str,
    ) {
        writeln!(
            self.0,
            "2 123456789012 eni-0a1b2c3d4e5f60718 {src} {dst} {sp} {dp} {proto} {packets} {bytes} {start} {} {action} OK",
            start + secs
        )
        .unwrap();
    }
}

fn day() -> String {
    let mut log = Log(String::from(
        "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n",
    ));
    // Ordinary traffic: an instance talking to an AWS endpoint at irregular times, with irregular sizes.
    let mut x: u64 = 11;
    let mut t = T0;
    for _ in 0..400 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        t += 20 + ((x >> 33) % 150) as i64;
        let bytes = 2000 + (x >> 20) % 50_000;
        log.rec(
            "10.0.1.10",
            "52.94.133.131",
            40000 + (x % 20000) as u16,
            443,
            6,
            20,
            bytes,
            t,
            3,
            "ACCEPT",
        );
        log.rec(
            "52.94.133.131",
            "10.0.1.10",
            443,
            40000 + (x % 20000) as u16,
            6,
            25,
            bytes * 3,
            t,
            3,
            "ACCEPT",
        );
    }
    // A port scan inside the VPC: 40 ports, rejected.
    for port in 1..=40 {
        log.rec(
            "10.0.1.20",
            "10.0.2.30",
            61000,
            port,
            6,
            1,
            40,
            T0 + 3600 + i64::from(port),
            1,
            "REJECT",
        );
    }
    // SSH brute force from the internet, then a long session: possibly a success.
    for i in 0..25 {
        log.rec(
            "198.51.100.7",
            "10.0.2.30",
            50000 + i,
            22,
            6,
            12,
            3000,
            T0 + 7200 + i64::from(i) * 20,
            5,
            "ACCEPT",
        );
    }
    log.rec(
        "198.51.100.7",
        "10.0.2.30",
        51000,
        22,
        6,
        400,
        250_000,
        T0 + 8000,
        600,
        "ACCEPT",
    );
    // Redis reached from the internet.
    log.rec(
        "203.0.113.50",
        "10.0.2.31",
        45000,
        6379,
        6,
        10,
        900,
        T0 + 9000,
        2,
        "ACCEPT",
    );
    // An IPv6 beacon every five minutes for eight hours.
    for i in 0..96 {
        let jitter = (i * 7919 % 7) - 3;
        log.rec(
            "2600:1f18:4a3:100::10",
            "2001:db8:beef::1",
            55000 + i as u16,
            8443,
            6,
            6,
            640 + (i % 3) as u64,
            T0 + 600 + i * 300 + jitter,
            1,
            "ACCEPT",
        );
    }
    // The IPv6 instance's other traffic (to an AWS endpoint): its own address is the one in all its records.
    let mut t = T0 + 900;
    for i in 0..30 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        t += 60 + ((x >> 33) % 2400) as i64;
        let bytes = 4000 + (x >> 20) % 30_000;
        log.rec(
            "2600:1f18:4a3:100::10",
            "2600:1f18:4000::1",
            40000 + i,
            443,
            6,
            10,
            bytes,
            t,
            2,
            "ACCEPT",
        );
    }
    // DNS to a resolver outside the VPC.
    log.rec(
        "10.0.1.10",
        "8.8.8.8",
        53000,
        53,
        17,
        2,
        120,
        T0 + 10_000,
        1,
        "ACCEPT",
    );
    // A connection to a listed address.
    log.rec(
        "10.0.1.10",
        "192.0.2.66",
        47000,
        8080,
        6,
        10,
        1500,
        T0 + 11_000,
        2,
        "ACCEPT",
    );
    log.0
}

fn run(lang: words::Lang) -> (Vec<String>, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("day.log");
    std::fs::write(&path, day()).unwrap();
    let engine = Engine::new(
        &[vpcflow_source::Input::Path(path.clone())],
        EngineOptions {
            threads: Some(2),
            ..EngineOptions::default()
        },
    )
    .unwrap();
    let c2 = ThreatList::new(
        ListInfo {
            name: "botnet".into(),
            category: Category::C2,
            source: "test".into(),
            date: String::new(),
            terms: String::new(),
            description: String::new(),
        },
        &["192.0.2.64/28".parse().unwrap()],
    );
    let enricher = Enricher::new(
        vpcflow_catalog::asn::AsnTable::builtin(),
        Arc::new(ListSet::new(vec![c2])),
        vpcflow_catalog::AwsRanges::builtin(),
    );
    let config = Config::default();
    let cx = Context {
        config: &config,
        enricher: &enricher,
        since: None,
        until: None,
    };
    let report = detect::run(&engine, &cx).unwrap();
    let ids = report
        .findings
        .iter()
        .map(|f| {
            let ip = |a: Option<std::net::IpAddr>| a.map_or("*".to_string(), |a| a.to_string());
            format!(
                "{} {} {} -> {}",
                f.detection,
                f.severity.word(),
                ip(f.actor),
                ip(f.target)
            )
        })
        .collect();
    let text = report
        .findings
        .iter()
        .map(|f| words::render(f, lang))
        .collect();
    (ids, text)
}

#[test]
fn every_planted_attack_and_nothing_else() {
    let (ids, text) = run(words::Lang::En);
    assert_eq!(
        ids,
        [
            "scan.ports medium 10.0.1.20 -> 10.0.2.30",
            "exposure.port high 203.0.113.50 -> 10.0.2.31",
            "exposure.port low 198.51.100.7 -> 10.0.2.30",
            "bruteforce.ssh high 198.51.100.7 -> 10.0.2.30",
            "c2.beacon high 2600:1f18:4a3:100::10 -> 2001:db8:beef::1",
            "intel.listed high 10.0.1.10 -> 192.0.2.66",
            "dns.external low 10.0.1.10 -> 8.8.8.8",
        ]
    );
    insta::assert_snapshot!("detect_en", text.join("\n"));
    let (_, ja) = run(words::Lang::Ja);
    insta::assert_snapshot!("detect_ja", ja.join("\n"));
}

#[test]
fn allow_lists_and_thresholds_from_a_file() {
    let config = Config::parse(
        "[scan.ports]\nmin_ports = 41\n[bruteforce.ssh]\nallow = [\"198.51.100.0/24\"]\n",
    )
    .unwrap();
    assert_eq!(config.value("scan.ports", "min_ports"), 41.0);
    assert!(config.allowed("bruteforce.ssh", "198.51.100.7".parse().ok(), None));
    assert_eq!(Severity::Low.raised(), Severity::Medium);
}

#[test]
fn the_documentation_page_is_generated() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/detections.md");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == detect::catalogue::markdown(),
        "docs/detections.md is out of date: run `vpcflow detect --docs > docs/detections.md`"
    );
}
