//! Proven on planted attacks: `vpcflow generate --attacks` writes twelve and a half hours of an account's traffic
//! with every kind of attack the catalogue knows planted in it (IPv4 and IPv6) and the ground truth; `vpcflow
//! detect` over it must find every attack with the right detection, and the findings that match no attack (the
//! false positives) are counted exactly. The same scoring gives BENCHMARKS.md's precision and recall per
//! detection.

use std::collections::BTreeMap;
use std::net::IpAddr;

mod common;
use common::vpcflow;

/// A planted attack, as `attacks.jsonl` has it.
#[derive(Debug)]
struct Attack {
    id: String,
    detection: String,
    actor: IpAddr,
    target: Option<IpAddr>,
    first: i64,
    last: i64,
    also: Vec<String>,
}

/// A finding, as `vpcflow detect -o json` prints it.
#[derive(Debug)]
struct Finding {
    detection: String,
    severity: String,
    actor: Option<IpAddr>,
    target: Option<IpAddr>,
    first: i64,
    last: i64,
}

fn text(v: &serde_json::Value, key: &str) -> String {
    v[key].as_str().unwrap_or_default().to_string()
}

fn addr(v: &serde_json::Value, key: &str) -> Option<IpAddr> {
    v[key].as_str().and_then(|s| s.parse().ok())
}

fn parse_attack(line: &str) -> Attack {
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    Attack {
        id: text(&v, "id"),
        detection: text(&v, "detection"),
        actor: addr(&v, "actor").unwrap(),
        target: addr(&v, "target"),
        first: v["first"].as_i64().unwrap(),
        last: v["last"].as_i64().unwrap(),
        also: v["also"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|d| d.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

fn parse_finding(line: &str) -> Finding {
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    Finding {
        detection: text(&v, "detection"),
        severity: text(&v, "severity"),
        actor: addr(&v, "actor"),
        target: addr(&v, "target"),
        first: v["first"].as_i64().unwrap(),
        last: v["last"].as_i64().unwrap(),
    }
}

/// Whether a finding reports an attack as `detection`: the same detection, the addresses it names are the
/// attack's, and the times overlap.
fn reports(f: &Finding, a: &Attack, detection: &str) -> bool {
    let actor = f.actor.is_none_or(|x| x == a.actor);
    let target = match (f.target, a.target) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    };
    f.detection == detection
        && actor
        && target
        && (f.actor.is_some() || f.target.is_some())
        && f.first <= a.last
        && a.first <= f.last
}

/// Per detection: attacks planted, attacks found, findings, findings that match an attack (as its detection or
/// one it is also rightly reported by).
#[derive(Default, Debug, PartialEq, Eq)]
struct Score {
    planted: usize,
    found: usize,
    findings: usize,
    right: usize,
}

fn score(attacks: &[Attack], findings: &[Finding]) -> (BTreeMap<String, Score>, Vec<String>) {
    let mut table: BTreeMap<String, Score> = BTreeMap::new();
    let mut missed = Vec::new();
    for a in attacks {
        let s = table.entry(a.detection.clone()).or_default();
        s.planted += 1;
        if findings.iter().any(|f| reports(f, a, &a.detection)) {
            s.found += 1;
        } else {
            missed.push(a.id.clone());
        }
    }
    for f in findings {
        let s = table.entry(f.detection.clone()).or_default();
        s.findings += 1;
        let right = attacks
            .iter()
            .any(|a| reports(f, a, &a.detection) || a.also.iter().any(|d| reports(f, a, d)));
        if right {
            s.right += 1;
        }
    }
    (table, missed)
}

/// The table BENCHMARKS.md shows.
fn render(table: &BTreeMap<String, Score>) -> String {
    let mut out = String::from(
        "| detection | planted | found | recall | findings | right | precision |\n|---|---|---|---|---|---|---|\n",
    );
    let pct = |a: usize, b: usize| {
        if b == 0 {
            "—".to_string()
        } else {
            format!("{:.0} %", 100.0 * a as f64 / b as f64)
        }
    };
    let mut total = Score::default();
    for (d, s) in table {
        out.push_str(&format!(
            "| `{d}` | {} | {} | {} | {} | {} | {} |\n",
            s.planted,
            s.found,
            pct(s.found, s.planted),
            s.findings,
            s.right,
            pct(s.right, s.findings)
        ));
        total.planted += s.planted;
        total.found += s.found;
        total.findings += s.findings;
        total.right += s.right;
    }
    out.push_str(&format!(
        "| all | {} | {} | {} | {} | {} | {} |\n",
        total.planted,
        total.found,
        pct(total.found, total.planted),
        total.findings,
        total.right,
        pct(total.right, total.findings)
    ));
    out
}

fn run(cmd: &mut std::process::Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{:?}: {}",
        cmd.get_args().collect::<Vec<_>>(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_planted_attack_is_found_by_its_detection() {
    let dir = tempfile::tempdir().unwrap();
    let flows = dir.path().join("flows");
    let data = dir.path().join("data");
    run(vpcflow().args([
        "generate",
        "--records",
        "150k",
        "--per-file",
        "1000",
        "--attacks",
        "--out",
        flows.to_str().unwrap(),
    ]));
    let truth = dir.path().join("flows.truth");
    run(vpcflow().env("VPCFLOW_DATA_DIR", &data).args([
        "intel",
        "add",
        "botnet",
        truth.join("botnet.txt").to_str().unwrap(),
        "--category",
        "c2",
    ]));
    let json = run(vpcflow().env("VPCFLOW_DATA_DIR", &data).args([
        "detect",
        "-o",
        "json",
        flows.to_str().unwrap(),
    ]));
    let attacks: Vec<Attack> = std::fs::read_to_string(truth.join("attacks.jsonl"))
        .unwrap()
        .lines()
        .map(parse_attack)
        .collect();
    let findings: Vec<Finding> = json.lines().map(parse_finding).collect();
    assert_eq!(attacks.len(), 30);
    let (table, missed) = score(&attacks, &findings);
    assert!(missed.is_empty(), "missed: {missed:?}\n{}", render(&table));
    let wrong: Vec<String> = findings
        .iter()
        .filter(|f| {
            !attacks
                .iter()
                .any(|a| reports(f, a, &a.detection) || a.also.iter().any(|d| reports(f, a, d)))
        })
        .map(|f| {
            format!(
                "{} {} {:?} -> {:?}",
                f.detection, f.severity, f.actor, f.target
            )
        })
        .collect();
    insta::assert_snapshot!("planted_attacks_scores", render(&table));
    insta::assert_debug_snapshot!("findings_matching_no_attack", wrong);
}

#[test]
fn the_scoring_can_fail() {
    let a = Attack {
        id: "scan.ports/ipv4".into(),
        detection: "scan.ports".into(),
        actor: "10.0.0.5".parse().unwrap(),
        target: Some("10.0.0.6".parse().unwrap()),
        first: 100,
        last: 200,
        also: vec![],
    };
    let f = |detection: &str, actor: &str, first: i64| Finding {
        detection: detection.into(),
        severity: "medium".into(),
        actor: actor.parse().ok(),
        target: "10.0.0.6".parse().ok(),
        first,
        last: first + 10,
    };
    // The wrong detection, the wrong actor, or another time do not report it.
    let (t, missed) = score(
        std::slice::from_ref(&a),
        &[
            f("scan.sweep", "10.0.0.5", 150),
            f("scan.ports", "10.0.0.7", 150),
            f("scan.ports", "10.0.0.5", 300),
        ],
    );
    assert_eq!(missed, ["scan.ports/ipv4"]);
    assert_eq!(t["scan.ports"].right, 0);
    assert_eq!(t["scan.sweep"].right, 0);
    let (t, missed) = score(&[a], &[f("scan.ports", "10.0.0.5", 150)]);
    assert!(missed.is_empty());
    assert_eq!(
        t["scan.ports"],
        Score {
            planted: 1,
            found: 1,
            findings: 1,
            right: 1
        }
    );
}
