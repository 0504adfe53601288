//! `vpcflow athena-ddl`: the Athena tables it prints, exactly, and the mistakes it refuses.

mod common;
use common::vpcflow;

fn run(args: &[&str]) -> (String, String, i32) {
    let out = vpcflow().arg("athena-ddl").args(args).output().unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn text_table_with_partition_projection() {
    let (out, err, code) = run(&[
        "--location",
        "s3://flow-logs-bucket/central/",
        "--accounts",
        "123456789012,210987654321",
        "--regions",
        "us-east-1,ap-northeast-1",
        "--since",
        "2024/01/01",
    ]);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!(out);
}

#[test]
fn columns_follow_a_custom_format_and_hours_are_partitions() {
    let (out, err, code) = run(&[
        "--location",
        "s3://b",
        "--accounts",
        "123456789012",
        "--regions",
        "eu-west-1",
        "--hourly",
        "--format",
        "${version} ${interface-id} ${srcaddr} ${dstaddr} ${region} ${end} ${action} ${reject-reason}",
    ]);
    assert_eq!(code, 0, "{err}");
    let table = out.split(");\n").next().unwrap();
    insta::assert_snapshot!(table);
}

#[test]
fn parquet_table_as_aws_documents_it() {
    let (out, err, code) = run(&[
        "--location",
        "s3://b/p",
        "--parquet",
        "--accounts",
        "123456789012",
        "--regions",
        "us-east-1",
    ]);
    assert_eq!(code, 0, "{err}");
    let table = out.split(");\n").next().unwrap();
    insta::assert_snapshot!(table);
}

#[test]
fn bad_arguments_are_named() {
    for (args, expected) in [
        (vec!["--location", "b/p"], "write s3://BUCKET"),
        (vec!["--location", "s3://b/AWSLogs/1"], "before AWSLogs/"),
        (
            vec!["--location", "s3://b", "--since", "2024-01-01"],
            "yyyy/MM/dd",
        ),
        (
            vec!["--location", "s3://b", "--table", "x; DROP"],
            "--table",
        ),
    ] {
        let mut all = args.clone();
        all.extend(["--accounts", "123456789012", "--regions", "us-east-1"]);
        let (_, err, code) = run(&all);
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    let (_, err, code) = run(&[
        "--location",
        "s3://b",
        "--accounts",
        "12345",
        "--regions",
        "us-east-1",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("\"12345\" is not an AWS account id"), "{err}");
}
