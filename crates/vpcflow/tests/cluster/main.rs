//! vpcflow on a Ballista cluster of separate processes: a scheduler and executors on 127.0.0.1, queried with
//! `vpcflow query --cluster` and compared with the same query on one machine: flow logs from a local directory
//! and from an S3 tree on a local S3-compatible server (moto), with more partitions than task slots; an
//! executor killed while it reads; every executor gone.
#![cfg(feature = "cluster")]

mod harness;
mod proxy;
#[path = "../../../vpcflow-deliver/tests/common/mod.rs"]
mod s3;

use harness::{Cluster, binary};
use proxy::{Fault, Proxy};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Runs `vpcflow ARGS`: (stdout, stderr, exit code).
fn vpcflow(args: &[&str]) -> (String, String, i32) {
    let out = Command::new(binary()).args(args).output().unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

/// The query on the cluster, as CSV.
fn on_cluster(cluster: &Cluster, sql: &str, paths: &[&str]) -> (String, String, i32) {
    let url = cluster.url();
    let mut args = vec!["query", "--cluster", &url, "-o", "csv", sql];
    args.extend_from_slice(paths);
    vpcflow(&args)
}

#[test]
fn functions_and_rules_are_known_on_every_side() {
    let cluster = Cluster::start(2);
    // VALUES runs on an executor, so the functions are decoded there by name; the scheduler plans the query
    // again with its own session (if() is rewritten to CASE by vpcflow's analyzer rule on both sides).
    let sql = "SELECT protocol_name(column1) AS p, if(column1 > 10, 'big', 'small') AS size, \
               count_if(column1 > 0) OVER () AS n FROM (VALUES (6), (17), (1)) AS t ORDER BY column1";
    let (out, err, code) = on_cluster(&cluster, sql, &[]);
    assert_eq!(code, 0, "{err}\n{}", cluster.logs());
    assert_eq!(out, "p,size,n\nICMP,small,3\nTCP,small,3\nUDP,big,3\n");
}

#[test]
fn a_lost_executor_is_noticed_and_none_left_fails_promptly() {
    let mut cluster = Cluster::start(2);
    cluster.kill_executor(0);
    cluster.wait_for_executors(1);
    cluster.kill_executor(1);
    cluster.wait_for_executors(0);
    let started = Instant::now();
    let (out, err, code) = on_cluster(
        &cluster,
        "SELECT count(*) AS n FROM (VALUES (1), (2)) AS t",
        &[],
    );
    let took = started.elapsed();
    assert_ne!(code, 0, "{out}");
    assert!(took < Duration::from_secs(30), "took {took:?}: {err}");
    assert!(err.contains("executor"), "{err}");
}

#[test]
fn what_only_this_process_can_read_is_refused() {
    // No scheduler is needed: the refusal comes before anything is sent.
    let (out, err, code) = vpcflow(&[
        "query",
        "--cluster",
        "df://127.0.0.1:9",
        "SELECT count(*) FROM flows",
        "logs:/vpc/flow-logs",
    ]);
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains("can only be read by the process that names it"),
        "{err}"
    );
    let (_, err, code) = vpcflow(&["query", "--cluster", "127.0.0.1:50050", "SELECT 1"]);
    assert_eq!(code, 2);
    assert!(err.contains("is not a cluster address"), "{err}");
}

/// Partitions of every stage: four times the cluster's two task slots, so each stage runs in waves.
const PARTITIONS: &str = "8";

/// Thirty gzip'd objects of a thousand records each in AWS's S3 layout (two and a half hours, five-minute
/// windows), written once per test run.
fn flow_logs() -> &'static Path {
    static DIR: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("logs");
        let (_, err, code) = vpcflow(&[
            "generate",
            "--out",
            out.to_str().unwrap(),
            "--records",
            "30000",
            "--per-file",
            "1000",
            "--interfaces",
            "40",
            "--seed",
            "7",
        ]);
        assert_eq!(code, 0, "{err}");
        (dir, out)
    })
    .1
}

/// The bench queries (bench/peers.py, with ties broken so that the order is one), and queries that use
/// vpcflow's functions, the key's partition columns, a join and DISTINCT.
const QUERIES: [&str; 9] = [
    "SELECT srcaddr, dstaddr, SUM(bytes) AS total FROM flows GROUP BY srcaddr, dstaddr \
     ORDER BY total DESC, srcaddr, dstaddr LIMIT 10",
    "SELECT dstport, COUNT(*) AS flows, COUNT(DISTINCT srcaddr) AS sources FROM flows WHERE action = 'REJECT' \
     GROUP BY dstport ORDER BY flows DESC, dstport LIMIT 10",
    "SELECT action, log_status, COUNT(*) AS n, SUM(packets) AS p, SUM(bytes) AS b FROM flows \
     GROUP BY action, log_status ORDER BY 1, 2",
    "SELECT start - start % 300 AS bin, SUM(bytes) AS b FROM flows GROUP BY 1 ORDER BY 1",
    "SELECT COUNT(DISTINCT interface_id) AS n FROM flows",
    "SELECT COUNT(*) AS n, SUM(bytes) AS b, MIN(start) AS first, MAX(\"end\") AS last FROM flows",
    "SELECT protocol_name(protocol) AS p, count_if(action = 'REJECT') AS rejected, \
     SUM(if(dstport < 1024, 1, 0)) AS low_ports FROM flows GROUP BY 1 ORDER BY 1",
    "SELECT \"aws-account-id\", \"aws-region\", day, hour, COUNT(*) AS n FROM flows \
     GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
    "SELECT f.interface_id, COUNT(*) AS n FROM flows f JOIN (SELECT interface_id FROM flows \
     GROUP BY 1 ORDER BY SUM(bytes) DESC, 1 LIMIT 3) t ON f.interface_id = t.interface_id \
     GROUP BY 1 ORDER BY 1",
];

/// `vpcflow query` on this machine, as CSV.
fn on_one_machine(sql: &str, input: &str, env: &[(String, String)]) -> String {
    let out = Command::new(binary())
        .args(["query", "-o", "csv", sql, input])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{sql}: {err}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().count() > 1, "{sql}: no rows");
    text
}

/// `vpcflow query --cluster` with more partitions than slots.
fn cluster_query(cluster: &Cluster, sql: &str, input: &str, env: &[(String, String)]) -> Command {
    let mut cmd = Command::new(binary());
    cmd.args([
        "query",
        "--cluster",
        &cluster.url(),
        "--partitions",
        PARTITIONS,
        "-o",
        "csv",
        sql,
        input,
    ])
    .envs(env.iter().map(|(k, v)| (k, v)));
    cmd
}

fn output(cmd: &mut Command) -> (String, String, i32) {
    let out = cmd.output().unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn flow_logs_from_a_shared_directory_answer_as_on_one_machine() {
    let logs = flow_logs().to_str().unwrap().to_string();
    let cluster = Cluster::start(2);
    for sql in QUERIES {
        let expected = on_one_machine(sql, &logs, &[]);
        let (out, err, code) = output(&mut cluster_query(&cluster, sql, &logs, &[]));
        assert_eq!(code, 0, "{sql}: {err}\n{}", cluster.logs());
        assert_eq!(out, expected, "{sql}");
    }
    // Every record once, not once per task.
    let (out, _, _) = output(&mut cluster_query(
        &cluster,
        "SELECT COUNT(*) AS n FROM flows",
        &logs,
        &[],
    ));
    assert_eq!(out, "n\n30000\n");
    // Eight tasks on two slots (four waves), each task reading its own partition's share: no task read
    // everything, and the shares add up to the whole.
    let tasks = cluster.last_scan_tasks();
    let mut partitions: Vec<u64> = tasks.iter().flat_map(|(p, _)| p.clone()).collect();
    partitions.sort();
    assert_eq!(partitions, (0..8).collect::<Vec<u64>>(), "{tasks:?}");
    assert!(tasks.iter().all(|(_, rows)| *rows < 30000), "{tasks:?}");
    assert_eq!(
        tasks.iter().map(|(_, rows)| rows).sum::<u64>(),
        30000,
        "{tasks:?}"
    );
    // EXPLAIN comes back from the scheduler: the scan as it planned it, dealt into eight partitions.
    let (out, err, code) = output(&mut cluster_query(
        &cluster,
        "EXPLAIN SELECT action, COUNT(*) FROM flows GROUP BY 1",
        &logs,
        &[],
    ));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("file_type=flows"), "{out}");
    assert!(out.contains("partitions=8, pieces=30"), "{out}");
}

/// A local S3 server, the variables that point a process's own AWS chain at `endpoint`, and the bucket with
/// the flow logs under `flows/`.
fn s3_env(endpoint: &str) -> Vec<(String, String)> {
    [
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ENDPOINT_URL", endpoint),
        ("AWS_CONFIG_FILE", "/nonexistent"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// Uploads the flow logs to moto once; returns moto's URL (None when moto cannot run outside CI).
fn flow_logs_in_s3() -> Option<String> {
    static UPLOADED: OnceLock<()> = OnceLock::new();
    let endpoint = s3::moto()?;
    UPLOADED.get_or_init(|| {
        let rt = s3::runtime();
        let client = s3::s3_client(&rt, &endpoint);
        let root = flow_logs();
        rt.block_on(async {
            let _ = client.create_bucket().bucket("cluster").send().await;
            for path in walk(root) {
                let key = format!("flows/{}", path.strip_prefix(root).unwrap().display());
                client
                    .put_object()
                    .bucket("cluster")
                    .key(key)
                    .body(std::fs::read(&path).unwrap().into())
                    .send()
                    .await
                    .unwrap();
            }
        });
    });
    Some(endpoint)
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

const S3_FLOWS: &str = "s3://cluster/flows/";

/// One object's key part, for the proxy to recognise its GET.
fn one_object() -> String {
    let root = flow_logs();
    let first = walk(root).into_iter().nth(13).unwrap();
    first.file_name().unwrap().to_str().unwrap().to_string()
}

#[test]
fn flow_logs_in_s3_answer_as_on_one_machine_each_process_with_its_own_credentials() {
    let Some(moto) = flow_logs_in_s3() else {
        return;
    };
    // The executors reach S3 through the proxy, the scheduler (which lists) and the client directly: each
    // process's own settings, nothing sent with the query.
    let proxy = Proxy::new(&moto);
    let direct = s3_env(&moto);
    let cluster = Cluster::start_with(2, &direct, &s3_env(&proxy.url));
    for sql in QUERIES {
        let expected = on_one_machine(sql, S3_FLOWS, &direct);
        let (out, err, code) = output(&mut cluster_query(&cluster, sql, S3_FLOWS, &direct));
        assert_eq!(code, 0, "{sql}: {err}\n{}", cluster.logs());
        assert_eq!(out, expected, "{sql}");
    }
    assert!(
        proxy.gets("/cluster/flows/") >= 30,
        "the executors read every object"
    );
}

#[test]
fn an_executor_killed_while_it_reads_gives_the_right_answer_or_a_clear_error() {
    let Some(moto) = flow_logs_in_s3() else {
        return;
    };
    let sql = QUERIES[0];
    let direct = s3_env(&moto);
    let expected = on_one_machine(sql, S3_FLOWS, &direct);
    let proxy = Proxy::new(&moto);
    let mut cluster = Cluster::start_with(2, &direct, &s3_env(&proxy.url));
    proxy.fault(&one_object(), Fault::Hold, 1);
    let query = cluster_query(&cluster, sql, S3_FLOWS, &direct)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    assert!(
        proxy.wait_for_a_hold(Duration::from_secs(60)),
        "{}",
        cluster.logs()
    );
    let reader = proxy.held_from()[0];
    let busy = cluster
        .executor_owning(reader, proxy.port)
        .expect("an executor is reading the held object");
    cluster.kill_executor(busy);
    proxy.release();
    let out = query.wait_with_output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    eprintln!(
        "killed executor {busy} while it read; the query {}",
        if out.status.success() {
            "answered".to_string()
        } else {
            format!("failed: {stderr}")
        }
    );
    if out.status.success() {
        assert_eq!(stdout, expected);
    } else {
        // Never a wrong answer: a failure says what happened.
        assert!(stdout.is_empty(), "{stdout}");
        assert!(
            stderr.contains("executor") || stderr.contains("task"),
            "{stderr}"
        );
    }
    cluster.wait_for_executors(1);
    // The one left answers the next query right.
    let (again, err, code) = output(&mut cluster_query(&cluster, sql, S3_FLOWS, &direct));
    assert_eq!(code, 0, "{err}");
    assert_eq!(again, expected);
}

#[test]
fn with_every_executor_gone_a_running_query_fails_promptly() {
    let Some(moto) = flow_logs_in_s3() else {
        return;
    };
    let direct = s3_env(&moto);
    let proxy = Proxy::new(&moto);
    let mut cluster = Cluster::start_with(2, &direct, &s3_env(&proxy.url));
    proxy.fault(&one_object(), Fault::Hold, 1);
    let query = cluster_query(&cluster, QUERIES[2], S3_FLOWS, &direct)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    assert!(
        proxy.wait_for_a_hold(Duration::from_secs(60)),
        "{}",
        cluster.logs()
    );
    cluster.kill_executor(0);
    cluster.kill_executor(1);
    let started = Instant::now();
    let out = query.wait_with_output().unwrap();
    let took = started.elapsed();
    proxy.release();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // Heartbeat timeout (5 s) + expiry check (1 s) + the grace for a new executor (5 s), and slack for a busy
    // machine: never a hang.
    assert!(took < Duration::from_secs(40), "took {took:?}: {stderr}");
    assert!(stderr.to_lowercase().contains("executor"), "{stderr}");
}

#[test]
fn a_throttled_read_is_retried_as_a_task() {
    let Some(moto) = flow_logs_in_s3() else {
        return;
    };
    let sql = QUERIES[4];
    let direct = s3_env(&moto);
    let expected = on_one_machine(sql, S3_FLOWS, &direct);
    let proxy = Proxy::new(&moto);
    let cluster = Cluster::start_with(2, &direct, &s3_env(&proxy.url));
    // More SlowDowns than the S3 client's own five attempts: the task fails with an I/O error, and Ballista
    // runs it again.
    let object = one_object();
    proxy.fault(&object, Fault::SlowDown, 6);
    let (out, err, code) = output(&mut cluster_query(&cluster, sql, S3_FLOWS, &direct));
    assert_eq!(code, 0, "{err}\n{}", cluster.logs());
    assert_eq!(out, expected);
    assert!(proxy.gets(&object) >= 7, "{}", proxy.gets(&object));
}

#[test]
fn problems_in_the_input_are_logged_where_they_are_met_and_strict_stops() {
    let dir = tempfile::tempdir().unwrap();
    let header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end \
                  action log-status";
    let good = "2 123456789012 eni-0a1b 10.0.0.1 10.0.0.2 1234 443 6 10 840 1704067200 1704067260 ACCEPT OK";
    std::fs::write(
        dir.path().join("bad.log"),
        format!("{header}\n{good}\n2 123456789012 eni-0a1b 10.0.0.1 10.0.0.2 1234\n{good}\n"),
    )
    .unwrap();
    let path = dir.path().to_str().unwrap().to_string();
    let cluster = Cluster::start(1);
    let sql = "SELECT COUNT(*) AS n, SUM(bytes) AS b FROM flows";
    let (out, err, code) = output(&mut cluster_query(&cluster, sql, &path, &[]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "n,b\n2,1680\n");
    // The executor that read the file says where the problem is.
    let logs = cluster.logs();
    assert!(logs.contains("bad.log:3"), "{logs}");
    // The setting travels with the query to the executor, where the first problem stops the task.
    let mut strict = cluster_query(&cluster, sql, &path, &[]);
    strict.arg("--strict");
    let (out, err, code) = output(&mut strict);
    assert_ne!(code, 0, "{out}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("stopped at the first problem"), "{err}");
}
