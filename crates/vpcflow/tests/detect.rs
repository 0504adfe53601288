//! `vpcflow detect`, `intel` and `enrich` as people use them: findings in text and JSON, the rule that let an
//! attack in (with --vpc-config), a configuration mistake named by file and key, threat lists imported and shown.

use insta_cmd::assert_cmd_snapshot;

mod common;
use common::vpcflow;

const LOG: &str = "crates/vpcflow/tests/data/detect/ssh-bruteforce.log";

#[test]
fn brute_force_with_the_rule_that_let_it_in() {
    assert_cmd_snapshot!(vpcflow().args([
        "detect",
        "--vpc-config",
        "crates/vpcflow/tests/data/detect/vpc",
        LOG
    ]));
}

#[test]
fn findings_as_json_lines_in_japanese() {
    assert_cmd_snapshot!(vpcflow().args([
        "detect",
        "-o",
        "json",
        "--lang",
        "ja",
        "--min-severity",
        "high",
        LOG
    ]));
}

#[test]
fn a_bad_configuration_names_file_and_key() {
    assert_cmd_snapshot!(vpcflow().args([
        "detect",
        "--config",
        "crates/vpcflow/tests/data/detect/bad.toml",
        LOG
    ]));
}

#[test]
fn the_catalogue() {
    assert_cmd_snapshot!(vpcflow().args(["detect", "--list"]));
}

#[test]
fn lists_imported_enrich_and_detect() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("scanners.txt");
    std::fs::write(
        &list,
        "# our scanners list\n27.138.93.0/24\nnot-an-address\n2001:db8::/32\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = vpcflow()
            .env("VPCFLOW_DATA_DIR", dir.path())
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (code, out, err) = run(&[
        "intel",
        "add",
        "scanners",
        list.to_str().unwrap(),
        "--category",
        "scanner",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.starts_with("scanners: 2 entries (scanner) from "),
        "{out}"
    );
    assert!(
        err.contains("scanners.txt:3: skipped: no address or network in \"not-an-address\""),
        "{err}"
    );
    let (_, out, _) = run(&["intel", "status"]);
    assert!(out.contains("  scanners (scanner): 2 entries\n"), "{out}");
    assert!(
        out.contains("public lists not fetched yet (vpcflow intel update): spamhaus-drop"),
        "{out}"
    );
    let (_, out, _) = run(&["enrich", "lookup", "27.138.93.252", "1.1.1.1", "10.0.0.1"]);
    assert_eq!(
        out,
        "27.138.93.252\tJP\tAS9824\tJCOM Co., Ltd.\t-\tscanners\n\
         1.1.1.1\tAU\tAS13335\tCloudflare, Inc.\t-\t-\n\
         10.0.0.1\t-\t-\t-\t-\t-\n"
    );
    let (_, out, _) = run(&["detect", "--min-severity", "high", LOG]);
    assert!(
        out.contains("(AS9824 JCOM Co., Ltd., registered in JP) is on your list `scanners`"),
        "{out}"
    );
    let (code, _, err) = run(&["intel", "add", "Bad Name", list.to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(err.contains("is not a list name"), "{err}");
}
