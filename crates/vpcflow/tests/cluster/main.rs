//! vpcflow on a Ballista cluster of separate processes: a scheduler and executors on 127.0.0.1, queried with
//! `vpcflow query --cluster` and compared with the same query on one machine.
#![cfg(feature = "cluster")]

mod harness;

use harness::{Cluster, binary};
use std::process::Command;
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

/// A query that keeps one executor busy for about ten seconds in one task (a hundred million rows of a cross
/// join, planned by DataFusion alone so that it runs without any input files), and its answer, computed here.
fn long_query() -> (String, String) {
    const ROWS: u64 = 1000;
    const SERIES: u64 = 100_000;
    let values: Vec<String> = (0..ROWS).map(|i| format!("({i})")).collect();
    let sql = format!(
        "SELECT count(*) AS n, sum((a.column1 + v) % 7) AS s FROM (VALUES {}) AS a \
         CROSS JOIN (SELECT unnest(generate_series(1, {SERIES})) AS v) AS b",
        values.join(",")
    );
    // Sum of k % 7 for k in 0..n.
    let below = |n: u64| n / 7 * 21 + (0..n % 7).sum::<u64>();
    let sum: u64 = (0..ROWS)
        .map(|a| below(a + SERIES + 1) - below(a + 1))
        .sum();
    (sql, format!("n,s\n{},{sum}\n", ROWS * SERIES))
}

/// Starts `vpcflow query --cluster` in the background.
fn spawn_on_cluster(cluster: &Cluster, sql: &str) -> std::process::Child {
    Command::new(binary())
        .args(["query", "--cluster", &cluster.url(), "-o", "csv", sql])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

fn finish(child: std::process::Child) -> (String, String, i32) {
    let out = child.wait_with_output().unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn killing_the_busy_executor_mid_query_still_gives_the_right_answer() {
    let mut cluster = Cluster::start(2);
    let (sql, expected) = long_query();
    let query = spawn_on_cluster(&cluster, &sql);
    cluster.wait_for_a_running_job();
    std::thread::sleep(Duration::from_millis(500));
    let busy = cluster.busiest_executor();
    cluster.kill_executor(busy);
    let (out, err, code) = finish(query);
    assert_eq!(code, 0, "{err}\n{}", cluster.logs());
    assert_eq!(out, expected);
    cluster.wait_for_executors(1);
}

#[test]
fn with_every_executor_gone_a_running_query_fails_promptly() {
    let mut cluster = Cluster::start(2);
    let (sql, _) = long_query();
    let query = spawn_on_cluster(&cluster, &sql);
    cluster.wait_for_a_running_job();
    cluster.kill_executor(0);
    cluster.kill_executor(1);
    let started = Instant::now();
    let (out, err, code) = finish(query);
    let took = started.elapsed();
    assert_ne!(code, 0, "{out}");
    // Heartbeat timeout (5 s) + expiry check (1 s) + the grace for a new executor (5 s), and slack for a busy
    // machine: never a hang.
    assert!(took < Duration::from_secs(40), "took {took:?}: {err}");
    assert!(err.to_lowercase().contains("executor"), "{err}");
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
fn flow_logs_are_refused_until_the_scan_can_be_shared_out() {
    // No scheduler is needed: the refusal comes before anything is sent.
    let (out, err, code) = vpcflow(&[
        "query",
        "--cluster",
        "df://127.0.0.1:9",
        "SELECT count(*) FROM flows",
        "tests/data/s3-object.log",
    ]);
    assert_eq!(code, 2, "{out}");
    assert!(err.contains("needs the distributed flows scan"), "{err}");
    let (_, err, code) = vpcflow(&["query", "--cluster", "127.0.0.1:50050", "SELECT 1"]);
    assert_eq!(code, 2);
    assert!(err.contains("is not a cluster address"), "{err}");
}
