//! `vpcflow cluster`: a Ballista scheduler or executor that runs vpcflow's SQL, and `query --cluster`.
//!
//! Built with the `cargo` feature `cluster`; without it the commands say how to get it.

use crate::inputs::InputArgs;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    role: Role,
}

#[derive(clap::Subcommand, Debug)]
enum Role {
    /// Run a scheduler: clients send it queries, it plans them and hands their tasks to the executors.
    ///
    /// Prints `listening on ADDR:PORT` once clients and executors can connect; its REST API is on the same port
    /// (`/api/executors`, `/api/jobs`). Stops on Ctrl-C or SIGTERM. Examples:
    ///   vpcflow cluster scheduler --bind 0.0.0.0:50050
    ///   vpcflow cluster scheduler --bind 127.0.0.1:0
    #[command(verbatim_doc_comment)]
    Scheduler(SchedulerArgs),
    /// Run an executor: it registers with the scheduler, runs the tasks it is given and serves their output.
    ///
    /// It reads the inputs itself: local paths must be the same on every executor (a shared file system), and
    /// S3 objects are read with this process's own AWS credentials. Examples:
    ///   vpcflow cluster executor --scheduler scheduler.internal:50050 --bind 0.0.0.0:50051
    ///   vpcflow cluster executor --scheduler 127.0.0.1:50050 --bind 127.0.0.1:0 --grpc-port 0 --slots 2
    #[command(verbatim_doc_comment)]
    Executor(ExecutorArgs),
}

#[derive(clap::Args, Debug)]
struct SchedulerArgs {
    /// Address and port for clients, executors and the REST API (port 0: any free port).
    #[arg(long, value_name = "ADDR:PORT", default_value = "0.0.0.0:50050")]
    bind: SocketAddr,

    /// The host name executors and clients use for this machine, when not the bound address.
    #[arg(long, value_name = "HOST")]
    external_host: Option<String>,

    /// Seconds without a heartbeat after which an executor is taken as lost and its tasks run elsewhere.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    executor_timeout: u64,

    /// Seconds between looks for lost executors.
    #[arg(long, value_name = "SECONDS", default_value_t = 5)]
    expire_interval: u64,

    /// Seconds running queries wait for an executor when none is left, before they fail (default: the executor
    /// timeout).
    #[arg(long, value_name = "SECONDS")]
    no_executors_grace: Option<u64>,
}

#[derive(clap::Args, Debug)]
struct ExecutorArgs {
    /// The scheduler's HOST:PORT.
    #[arg(long, value_name = "HOST:PORT", default_value = "localhost:50050")]
    scheduler: String,

    /// Address and port to serve task output on (Arrow Flight; port 0: any free port).
    #[arg(long, value_name = "ADDR:PORT", default_value = "0.0.0.0:50051")]
    bind: SocketAddr,

    /// Port the scheduler hands tasks to (0: any free port).
    #[arg(long, value_name = "PORT", default_value_t = 50052)]
    grpc_port: u16,

    /// The host name the scheduler and other executors use for this machine (default: the address the
    /// scheduler sees it connect from).
    #[arg(long, value_name = "HOST")]
    external_host: Option<String>,

    /// Tasks to run at once (default: one per core).
    #[arg(long, value_name = "N", default_value_t = 0)]
    slots: usize,

    /// Directory for shuffle files (default: a temporary directory, removed on exit).
    #[arg(long, value_name = "DIR")]
    work_dir: Option<PathBuf>,

    /// Memory the tasks may use before they spill to disk, e.g. 4G (default: 70% of the machine's).
    #[arg(long, value_name = "BYTES", value_parser = parse_size)]
    memory: Option<u64>,

    /// Seconds between heartbeats to the scheduler (keep it well under the scheduler's --executor-timeout).
    #[arg(long, value_name = "SECONDS", default_value_t = 5)]
    heartbeat: u64,
}

/// `4G`, `512M`, `1.5G` or plain bytes (binary units: `K` is 1024).
fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a size such as 4G, 512M or 1073741824"))?;
    let scale: u64 = match unit
        .trim()
        .to_ascii_uppercase()
        .trim_end_matches("IB")
        .trim_end_matches('B')
    {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        "T" => 1 << 40,
        other => return Err(format!("unknown unit {other:?} in {text:?} (K, M, G or T)")),
    };
    Ok((number * scale as f64) as u64)
}

/// `HOST:PORT` split at its last colon (`[::1]:50050` keeps its brackets off).
fn host_port(text: &str) -> anyhow::Result<(String, u16)> {
    let (host, port) = text
        .rsplit_once(':')
        .ok_or_else(|| anyhow::anyhow!("--scheduler {text:?}: write HOST:PORT"))?;
    let port = port
        .parse()
        .map_err(|_| anyhow::anyhow!("--scheduler {text:?}: the port is not a number"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        anyhow::bail!("--scheduler {text:?}: no host");
    }
    Ok((host.to_string(), port))
}

#[cfg(feature = "cluster")]
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    use std::io::Write;
    use std::time::Duration;
    vpcflow_cluster::init_logging();
    match args.role {
        Role::Scheduler(a) => {
            let options = vpcflow_cluster::SchedulerOptions {
                bind: a.bind,
                external_host: a.external_host,
                executor_timeout: Duration::from_secs(a.executor_timeout),
                expire_interval: Duration::from_secs(a.expire_interval),
                no_executors_grace: Duration::from_secs(
                    a.no_executors_grace.unwrap_or(a.executor_timeout),
                ),
                ..Default::default()
            };
            vpcflow_cluster::scheduler::run(options, |address| {
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "listening on {address}");
                let _ = out.flush();
            })?;
        }
        Role::Executor(a) => {
            let options = vpcflow_cluster::ExecutorOptions {
                scheduler: host_port(&a.scheduler)?,
                bind: a.bind,
                grpc_port: a.grpc_port,
                external_host: a.external_host,
                slots: a.slots,
                work_dir: a.work_dir,
                memory_pool: a.memory,
                heartbeat: Duration::from_secs(a.heartbeat),
            };
            vpcflow_cluster::executor::run(options, |address| {
                let mut out = std::io::stdout().lock();
                let _ = writeln!(
                    out,
                    "executor {} serving on {} (tasks on {})",
                    address.id, address.flight, address.grpc
                );
                let _ = out.flush();
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `vpcflow query --cluster URL`: runs `sql` on the cluster over `input`'s paths, handing result batches to
/// `on_batch`; returns the result's schema.
#[cfg(feature = "cluster")]
use anyhow::Context as _;

#[cfg(feature = "cluster")]
pub fn query(
    url: &str,
    sql: &str,
    input: &InputArgs,
    partitions: Option<usize>,
    mut on_batch: impl FnMut(&arrow::record_batch::RecordBatch) -> anyhow::Result<()>,
) -> anyhow::Result<arrow::datatypes::SchemaRef> {
    let mut options = vpcflow_cluster::ClientOptions {
        strict: input.strict,
        ..Default::default()
    };
    if let Some(n) = partitions {
        options.partitions = n.max(1);
    }
    let session = vpcflow_cluster::ClusterSession::connect(url, &options)?;
    if !input.paths.is_empty() {
        let settings = input.session_options()?;
        // This process samples S3 prefixes for the table's columns with its own settings (--profile); the
        // scheduler and executors list and read with theirs.
        let remote = input
            .paths
            .iter()
            .any(|p| p.starts_with("s3://"))
            .then(|| vpcflow_source::Remote::new(settings.aws.clone(), settings.cache.clone()))
            .transpose()
            .context("cannot start the network runtime")?;
        let observer: vpcflow_engine::Observer =
            std::sync::Arc::new(|event: vpcflow_engine::ScanEvent<'_>| {
                if let vpcflow_engine::ScanEvent::Problem(p) = event {
                    eprintln!("{p}");
                }
                true
            });
        session.register_inputs(
            &input.paths,
            vpcflow_engine::TableOptions {
                format: settings.format,
                time: settings.time,
                observer: Some(observer),
                remote,
                distributed: true,
            },
        )?;
    }
    let schema = session.query(sql, |b| {
        on_batch(b).map_err(|e| vpcflow_engine::DataFusionError::External(e.into()))
    })?;
    Ok(schema)
}

#[cfg(not(feature = "cluster"))]
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let _ = (args.role, parse_size, host_port);
    Err(not_built())
}

#[cfg(not(feature = "cluster"))]
pub fn query(
    _url: &str,
    _sql: &str,
    _input: &InputArgs,
    _partitions: Option<usize>,
    _on_batch: impl FnMut(&arrow::record_batch::RecordBatch) -> anyhow::Result<()>,
) -> anyhow::Result<arrow::datatypes::SchemaRef> {
    Err(not_built())
}

/// The error of a cluster command in a binary built without the feature.
#[cfg(not(feature = "cluster"))]
pub fn not_built() -> anyhow::Error {
    anyhow::anyhow!(
        "this vpcflow was built without the cluster feature: install it with \
         `cargo install --path crates/vpcflow --features cluster`"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_addresses() {
        assert_eq!(parse_size("4G"), Ok(4 << 30));
        assert_eq!(parse_size("512m"), Ok(512 << 20));
        assert_eq!(parse_size("1.5GiB"), Ok(3 << 29));
        assert_eq!(parse_size("1073741824"), Ok(1 << 30));
        assert!(parse_size("4X").unwrap_err().contains("unknown unit"));
        assert!(parse_size("lots").is_err());
        assert_eq!(
            host_port("scheduler.internal:50050").unwrap(),
            ("scheduler.internal".to_string(), 50050)
        );
        assert_eq!(host_port("[::1]:7").unwrap(), ("::1".to_string(), 7));
        assert!(host_port("scheduler").is_err());
        assert!(host_port(":50050").is_err());
    }
}
