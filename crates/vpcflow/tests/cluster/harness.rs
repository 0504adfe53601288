//! A cluster of real processes on 127.0.0.1: one `vpcflow cluster scheduler` and executors, each its own
//! `vpcflow` process, as an operator would run them.
//!
//! Ports are picked by the processes (port 0) and read from their first line of output; each process logs to
//! a file whose tail is printed when something does not happen in time; every process is killed when the
//! cluster is dropped; and one cluster runs at a time in this test binary (two would share two cores and time
//! each other out).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Scheduler timings for tests: an executor silent for 5 s is lost, looked for every second; with none left,
/// queries fail after 5 s more.
const EXECUTOR_TIMEOUT: &str = "5";
const EXPIRE_INTERVAL: &str = "1";
const NO_EXECUTORS_GRACE: &str = "5";
/// Executors beat every second, with one task slot each (so that two executors are two slots and a stage of
/// eight partitions runs in four waves).
const HEARTBEAT: &str = "1";

pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_vpcflow"))
}

/// One process of the cluster.
struct Process {
    name: String,
    child: Child,
    log: PathBuf,
}

impl Process {
    /// Starts `vpcflow ARGS` with `env` added to its environment and its standard error in `log`, and returns it
    /// with its first line of output.
    fn start(
        name: &str,
        args: &[&str],
        env: &[(String, String)],
        log: PathBuf,
    ) -> (Process, String) {
        let stderr = std::fs::File::create(&log).unwrap();
        let mut child = Command::new(binary())
            .args(args)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .env(
                "RUST_LOG",
                "warn,vpcflow_cluster=info,ballista_scheduler=info",
            )
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let mut process = Process {
            name: name.to_string(),
            child,
            log,
        };
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(line) if !line.is_empty() => (process, line.trim().to_string()),
            _ => {
                let _ = process.child.kill();
                panic!("{name} did not start:\n{}", process.tail());
            }
        }
    }

    /// The last lines of the process's log.
    fn tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let from = lines.len().saturating_sub(40);
        format!(
            "--- {} ({}) ---\n{}",
            self.name,
            self.log.display(),
            lines[from..].join("\n")
        )
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A scheduler and its executors.
pub struct Cluster {
    scheduler: Process,
    /// The scheduler's address, `127.0.0.1:PORT`.
    pub address: String,
    executors: Vec<Option<Process>>,
    /// What every executor has in its environment besides the test's own.
    executor_env: Vec<(String, String)>,
    dir: tempfile::TempDir,
    _turn: MutexGuard<'static, ()>,
}

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

impl Cluster {
    /// A scheduler and `executors` executors, all registered.
    pub fn start(executors: usize) -> Cluster {
        Cluster::start_with(executors, &[], &[])
    }

    /// A scheduler with `scheduler_env` in its environment and `executors` executors with `executor_env` in
    /// theirs (each process reads S3 with its own settings), all registered.
    pub fn start_with(
        executors: usize,
        scheduler_env: &[(String, String)],
        executor_env: &[(String, String)],
    ) -> Cluster {
        let turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        let dir = tempfile::tempdir().unwrap();
        let (scheduler, line) = Process::start(
            "scheduler",
            &[
                "cluster",
                "scheduler",
                "--bind",
                "127.0.0.1:0",
                "--executor-timeout",
                EXECUTOR_TIMEOUT,
                "--expire-interval",
                EXPIRE_INTERVAL,
                "--no-executors-grace",
                NO_EXECUTORS_GRACE,
            ],
            scheduler_env,
            dir.path().join("scheduler.log"),
        );
        let address = line
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("scheduler said {line:?}"))
            .to_string();
        let mut cluster = Cluster {
            scheduler,
            address,
            executors: Vec::new(),
            executor_env: executor_env.to_vec(),
            dir,
            _turn: turn,
        };
        for _ in 0..executors {
            cluster.add_executor();
        }
        cluster.wait_for_executors(executors);
        cluster
    }

    /// `df://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("df://{}", self.address)
    }

    /// Starts one more executor; returns its index.
    pub fn add_executor(&mut self) -> usize {
        let i = self.executors.len();
        let (process, line) = Process::start(
            &format!("executor {i}"),
            &[
                "cluster",
                "executor",
                "--scheduler",
                &self.address,
                "--bind",
                "127.0.0.1:0",
                "--grpc-port",
                "0",
                "--slots",
                "1",
                "--heartbeat",
                HEARTBEAT,
                "--memory",
                "512M",
            ],
            &self.executor_env,
            self.dir.path().join(format!("executor-{i}.log")),
        );
        assert!(line.starts_with("executor "), "executor {i} said {line:?}");
        self.executors.push(Some(process));
        i
    }

    /// Kills executor `i` at once (SIGKILL: no goodbye to the scheduler).
    pub fn kill_executor(&mut self, i: usize) {
        if let Some(mut p) = self.executors[i].take() {
            p.kill();
        }
    }

    /// The index of the live executor that owns the TCP connection from `local_port` to `remote_port` on
    /// 127.0.0.1 (the connection's socket in `/proc/net/tcp`, the socket among the executor's `/proc/PID/fd`).
    pub fn executor_owning(&self, local_port: u16, remote_port: u16) -> Option<usize> {
        let tcp = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
        let port = |address: &str| {
            let (_, p) = address.split_once(':')?;
            u16::from_str_radix(p, 16).ok()
        };
        // Lines: `sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...`.
        let inode = tcp.lines().skip(1).find_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            (port(fields.get(1)?)? == local_port && port(fields.get(2)?)? == remote_port)
                .then(|| fields.get(9).map(|s| format!("socket:[{s}]")))?
        })?;
        self.executors.iter().enumerate().find_map(|(i, e)| {
            let fds = std::fs::read_dir(format!("/proc/{}/fd", e.as_ref()?.child.id())).ok()?;
            fds.flatten()
                .filter_map(|fd| std::fs::read_link(fd.path()).ok())
                .any(|target| target.display().to_string() == inode)
                .then_some(i)
        })
    }

    /// The scheduler's REST answer at `path`, as JSON.
    fn api(&self, path: &str) -> serde_json::Value {
        let url = format!("http://{}{path}", self.address);
        let mut response = ureq::get(&url).call().unwrap();
        serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap()
    }

    /// The tasks of the scan stage (the stage whose plan reads `flows`) of the job started last, as (the
    /// partitions the task ran, the rows it read), from the REST API.
    pub fn last_scan_tasks(&self) -> Vec<(Vec<u64>, u64)> {
        let jobs = self.api("/api/jobs");
        let last = jobs
            .as_array()
            .unwrap()
            .iter()
            .max_by_key(|j| j["start_time"].as_u64().unwrap_or(0))
            .expect("a job");
        let stages = self.api(&format!(
            "/api/job/{}/stages",
            last["job_id"].as_str().unwrap()
        ));
        let scan = stages["stages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| {
                s["stage_plan"]
                    .as_str()
                    .unwrap_or("")
                    .contains("file_type=flows")
            })
            .expect("a stage that scans flows");
        scan["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                let partitions = t["partition_id"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p.as_u64().unwrap())
                    .collect();
                (partitions, t["input_rows"].as_u64().unwrap())
            })
            .collect()
    }

    /// The executors the scheduler knows, from its REST API.
    pub fn registered_executors(&self) -> usize {
        let url = format!("http://{}/api/executors", self.address);
        let Ok(mut response) = ureq::get(&url).call() else {
            return usize::MAX;
        };
        let text = response.body_mut().read_to_string().unwrap_or_default();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        value.as_array().map_or(usize::MAX, Vec::len)
    }

    /// Waits until the scheduler knows exactly `n` executors (it counts a killed one until its heartbeat times
    /// out).
    pub fn wait_for_executors(&self, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let now = self.registered_executors();
            if now == n {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "the scheduler knows {now} executors, not {n}, after 60 s\n{}",
                    self.logs()
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The tails of every process's log.
    pub fn logs(&self) -> String {
        std::iter::once(&self.scheduler)
            .chain(self.executors.iter().flatten())
            .map(Process::tail)
            .collect::<Vec<_>>()
            .join("\n")
    }
}
