//! `vpcflow deliver` end to end: the S3 layout on disk, and S3 through the SDK against moto with a spool that
//! survives an unreachable endpoint.

#[path = "../../vpcflow-deliver/tests/common/mod.rs"]
mod common;

use common::*;
use insta_cmd::get_cargo_bin;
use std::path::Path;
use std::process::Command;

fn vpcflow() -> Command {
    let mut cmd = Command::new(get_cargo_bin("vpcflow"));
    cmd.env("TZ", "UTC")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    cmd
}

fn write_input(dir: &Path, lines: &[String]) -> String {
    let path = dir.join("in.log");
    let mut text = vpcflow_record::Format::default_v2().header_line();
    text.push('\n');
    for l in lines {
        text.push_str(l);
        text.push('\n');
    }
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn deliver_to_a_directory_in_the_hive_layout() {
    let tmp = tempfile::tempdir().unwrap();
    // 2024-01-31T07:58:00Z onwards.
    let sent = lines(500, 1_706_687_880, 3);
    let input = write_input(tmp.path(), &sent);
    let out = tmp.path().join("out");
    let run = vpcflow()
        .args(["deliver", &input, "--to"])
        .arg(format!("dir:{}", out.display()))
        .args([
            "--layout",
            "hive",
            "--region",
            "eu-west-1",
            "--account",
            "123456789012",
        ])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("delivered 500 records in"), "{stderr}");
    let stdout = String::from_utf8(run.stdout).unwrap();
    let mut back = Vec::new();
    for path in stdout.lines() {
        assert!(path.contains("/AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=eu-west-1/year=2024/month=01/day=31/"), "{path}");
        let name = Path::new(path)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(
            name.starts_with("123456789012_vpcflowlogs_eu-west-1_fl-00000000000000000_20240131T"),
            "{name}"
        );
        assert!(name.ends_with(".log.gz"));
        back.extend(rows(&read_back(path, std::fs::read(path).unwrap())));
    }
    assert_eq!(sorted(back), sorted(sent));
}

#[test]
fn deliver_to_s3_spools_while_unreachable_and_the_next_run_sends_it_once() {
    let Some(endpoint) = moto() else { return };
    let rt = runtime();
    let s3 = s3_client(&rt, &endpoint);
    let bucket = format!("cli-{}", std::process::id());
    rt.block_on(s3.create_bucket().bucket(&bucket).send())
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let sent = lines(700, now() - 1200, 1);
    let input = write_input(tmp.path(), &sent);
    let spool = tmp.path().join("spool");
    let dest = format!("s3://{bucket}/flows");
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };

    let run = vpcflow()
        .args([
            "deliver",
            &input,
            "--to",
            &dest,
            "--endpoint-url",
            &dead,
            "--attempts",
            "1",
            "--spool",
        ])
        .arg(&spool)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("700 records in"), "{stderr}");
    assert!(stderr.contains("wait in"), "{stderr}");
    assert!(s3_objects(&rt, &s3, &bucket).is_empty());

    // No input: only the spool is sent.
    let run = vpcflow()
        .args([
            "deliver",
            "--to",
            &dest,
            "--endpoint-url",
            &endpoint,
            "--spool",
        ])
        .arg(&spool)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(stderr.contains("delivered 700 records"), "{stderr}");

    let run = vpcflow()
        .args([
            "deliver",
            "--to",
            &dest,
            "--endpoint-url",
            &endpoint,
            "--spool",
        ])
        .arg(&spool)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&run.stderr).contains("delivered 0 records"));

    let back: Vec<String> = s3_objects(&rt, &s3, &bucket)
        .into_iter()
        .inspect(|(k, _)| assert!(k.starts_with("flows/AWSLogs/"), "{k}"))
        .flat_map(|(k, d)| rows(&read_back(&k, d)))
        .collect();
    assert_eq!(sorted(back), sorted(sent));
}
