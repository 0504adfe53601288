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
    /// Starts `vpcflow ARGS` with its standard error in `log`, and returns it with its first line of output.
    fn start(name: &str, args: &[&str], log: PathBuf) -> (Process, String) {
        let stderr = std::fs::File::create(&log).unwrap();
        let mut child = Command::new(binary())
            .args(args)
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
    dir: tempfile::TempDir,
    _turn: MutexGuard<'static, ()>,
}

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

impl Cluster {
    /// A scheduler and `executors` executors, all registered.
    pub fn start(executors: usize) -> Cluster {
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

    /// The index of the executor that used the most CPU over the last half second (the one running the task
    /// of a one-task stage), from `/proc`.
    pub fn busiest_executor(&self) -> usize {
        let cpu = |p: &Process| -> u64 {
            let stat =
                std::fs::read_to_string(format!("/proc/{}/stat", p.child.id())).unwrap_or_default();
            // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
            let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
            let fields: Vec<u64> = rest
                .split_whitespace()
                .filter_map(|f| f.parse().ok())
                .collect();
            fields.get(10).copied().unwrap_or(0) + fields.get(11).copied().unwrap_or(0)
        };
        let before: Vec<Option<u64>> = self.executors.iter().map(|e| e.as_ref().map(cpu)).collect();
        std::thread::sleep(Duration::from_millis(500));
        let after: Vec<Option<u64>> = self.executors.iter().map(|e| e.as_ref().map(cpu)).collect();
        (0..self.executors.len())
            .filter_map(|i| Some((i, after[i]? - before[i]?)))
            .max_by_key(|(_, used)| *used)
            .map(|(i, _)| i)
            .expect("a live executor")
    }

    /// The jobs the scheduler has running, from its REST API.
    pub fn running_jobs(&self) -> usize {
        let url = format!("http://{}/api/jobs", self.address);
        let Ok(mut response) = ureq::get(&url).call() else {
            return 0;
        };
        let text = response.body_mut().read_to_string().unwrap_or_default();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        value.as_array().map_or(0, |jobs| {
            jobs.iter()
                .filter(|j| j.to_string().to_lowercase().contains("running"))
                .count()
        })
    }

    /// Waits until the scheduler runs a job.
    pub fn wait_for_a_running_job(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.running_jobs() == 0 {
            if Instant::now() > deadline {
                panic!("no job started in 60 s\n{}", self.logs());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
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
