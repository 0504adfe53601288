//! `vpcflow explain` over files reads each record's side of the interface as `vpcflow conversations` reads it: a
//! first pass learns each interface's own address from the inputs, then the records are explained. Standard input,
//! which cannot be read twice, is read record by record.

use insta_cmd::assert_cmd_snapshot;
use serde_json::Value;
use std::collections::BTreeMap;

mod common;
use common::{root, vpcflow};

#[path = "../../vpcflow-deliver/tests/common/mod.rs"]
mod aws;

const LEARNED: &str = "crates/vpcflow/tests/data/explain/learned.log";

#[test]
fn explain_learns_each_interface_address_from_its_inputs() {
    // 10.0.1.20's records with other VPC addresses say which side it is only through its other records; the two
    // Redis records of another interface leave a tie between their addresses, and say that they cannot tell.
    assert_cmd_snapshot!(vpcflow().args(["explain", "--tz", "UTC", LEARNED]));
}

#[test]
fn explain_reads_standard_input_record_by_record() {
    let text = std::fs::read(root().join(LEARNED)).unwrap();
    assert_cmd_snapshot!(
        vpcflow()
            .args(["explain", "--tz", "UTC", "-"])
            .pass_stdin(text)
    );
}

#[test]
fn per_record_reads_files_as_standard_input_is_read() {
    let stdin = vpcflow()
        .args(["explain", "--tz", "UTC", "-o", "json", "-"])
        .stdin(std::fs::File::open(root().join(LEARNED)).unwrap())
        .output()
        .unwrap();
    let file = vpcflow()
        .args([
            "explain",
            "--tz",
            "UTC",
            "-o",
            "json",
            "--per-record",
            LEARNED,
        ])
        .output()
        .unwrap();
    assert!(stdin.status.success() && file.status.success());
    let stdin = String::from_utf8(stdin.stdout).unwrap();
    let file = String::from_utf8(file.stdout).unwrap();
    assert_eq!(file.replace(LEARNED, "<stdin>"), stdin);
    assert!(
        stdin.contains("\"direction\":\"unknown\""),
        "nothing left to learn"
    );
}

#[test]
fn explain_learns_from_s3_as_from_files() {
    // Both passes read the object from moto's S3 server through the SDK.
    let Some(endpoint) = aws::moto() else { return };
    let rt = aws::runtime();
    let s3 = aws::s3_client(&rt, &endpoint);
    rt.block_on(async {
        let _ = s3.create_bucket().bucket("explain").send().await;
        let body = std::fs::read(root().join(LEARNED)).unwrap();
        s3.put_object()
            .bucket("explain")
            .key("learned.log")
            .body(body.into())
            .send()
            .await
            .unwrap();
    });
    let explain = |input: &str| {
        let out = vpcflow()
            .args(["explain", "--tz", "UTC", input])
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ENDPOINT_URL", &endpoint)
            .env("AWS_CONFIG_FILE", "/nonexistent")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let local = explain(LEARNED);
    assert!(local.contains("10.0.1.20 is this interface's own address"));
    assert_eq!(
        explain("s3://explain/learned.log").replace("s3://explain/learned.log", LEARNED),
        local
    );
}

/// `vpcflow <args> -o json`, parsed.
fn json(args: &[&str]) -> Vec<Value> {
    let out = vpcflow().args(args).args(["-o", "json"]).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::Deserializer::from_slice(&out.stdout)
        .into_iter::<Value>()
        .map(Result::unwrap)
        .collect()
}

/// Over every log fixture and the examples directory, as users name them: each record's way across its interface
/// in `explain` is its leg's way in `conversations`, and a record `explain` calls a request or a response is in
/// that direction of its connection.
#[test]
fn explain_and_conversations_agree_on_every_record() {
    let mut inputs = vec!["examples/flow-logs/".to_string(), LEARNED.to_string()];
    for dir in [
        "crates/vpcflow-diagnose/tests/data",
        "crates/vpcflow/tests/data/diagnose",
    ] {
        for e in std::fs::read_dir(root().join(dir)).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            let path = if name.ends_with(".log") {
                format!("{dir}/{name}")
            } else {
                format!("{dir}/{name}/flows.log")
            };
            if root().join(&path).is_file() {
                inputs.push(path);
            }
        }
    }
    let mut sides = 0;
    for input in &inputs {
        let explained: BTreeMap<String, Value> = json(&["explain", input])
            .into_iter()
            .map(|e| (e["location"].as_str().unwrap().to_string(), e))
            .collect();
        // One connection a line, with the records its legs point into; then a summary line.
        for line in json(&["conversations", input]) {
            if line.get("summary").is_some() {
                continue;
            }
            let c = &line["connection"];
            let flows = line["records"].as_array().unwrap();
            for leg in c["legs"].as_array().unwrap() {
                let way = leg["request_way"].as_str();
                for (key, is_request) in [("request", true), ("reply", false)] {
                    for i in leg[key].as_array().unwrap() {
                        let location = flows[i.as_u64().unwrap() as usize]["location"]
                            .as_str()
                            .unwrap();
                        let e = &explained[location];
                        let expected = match (way, is_request) {
                            (None, _) => "unknown",
                            (Some(w), true) => w,
                            (Some("inbound"), false) => "outbound",
                            (Some(_), false) => "inbound",
                        };
                        assert_eq!(e["direction"], expected, "{location}: directions differ");
                        sides += usize::from(expected != "unknown");
                        let role = e["role"].as_str().unwrap();
                        if role != "unknown" && !c["initiator"]["value"].is_null() {
                            assert_eq!(role == "request", is_request, "{location}: roles differ");
                        }
                    }
                }
            }
        }
    }
    // 64 records with a side when this was written.
    assert!(sides >= 60, "only {sides} records with a side");
}
