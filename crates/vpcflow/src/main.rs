//! `vpcflow`: the command line over the vpcflow crates. Every subcommand is a few lines of glue; the work is
//! in the library crates so that the web dashboard and tests use the same code.

mod athena_ddl;
mod capture;
mod cat;
mod check;
mod cluster;
mod conversations;
mod convert;
mod deliver;
mod detect;
mod diagnose;
mod enrich;
mod errors;
mod explain;
mod fields;
mod generate;
mod inputs;
mod intel;
mod query;
mod ranges;
mod serve;
mod simulate;
mod stats;
mod timeline;
mod top;
mod validate;

use clap::{Parser, Subcommand};

// Queries allocate and free many batch-sized buffers; glibc hands them back to the kernel and faults them in
// again (memset and page faults were ~6% of a text query). mimalloc keeps them. Its transparent huge pages are
// off (`no_thp`): each fault then zeroed 2 MiB and some runs stalled in the kernel (system time 0.13–0.38 s
// against 0.10–0.13 s on top talkers), for the same best times and a third more memory.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::process::ExitCode;

/// VPC Flow Logs, end to end: read every format AWS writes, explain records in plain words.
#[derive(Parser)]
#[command(name = "vpcflow", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print records as a table, JSON Lines, CSV or AWS's own text format.
    ///
    /// Examples:
    ///   vpcflow cat flows.log.gz
    ///   vpcflow cat --output json --fields srcaddr,dstaddr,dstport,action s3-copy/AWSLogs/
    ///   aws logs filter-log-events --log-group-name vpc-flows | vpcflow cat -
    ///   vpcflow cat --format '${version} ${vpc-id} ${srcaddr} ${dstaddr} ${action}' firehose.txt
    #[command(verbatim_doc_comment)]
    Cat(cat::Args),
    /// Say what each record means, in English or Japanese.
    ///
    /// Which side of a record is the interface is read as `conversations` reads it: a first pass
    /// learns each interface's own address from the inputs (reading only the fields that tell),
    /// then a second explains each record. Standard input and pipes cannot be read twice, so
    /// their records are read each on its own, as --per-record does. S3 objects and log groups
    /// are fetched twice (with --cache, S3 objects once).
    ///
    /// Examples:
    ///   vpcflow explain examples/flow-logs/aws-docs.log
    ///   vpcflow explain --lang ja --tz Asia/Tokyo examples/flow-logs/seed-experiments.txt
    ///   vpcflow explain --output json flows.log.gz | jq .text
    #[command(verbatim_doc_comment)]
    Explain(explain::Args),
    /// Read everything, report every problem, and print how many records were good.
    ///
    /// Exits with 1 when any record or file was bad. Examples:
    ///   vpcflow validate s3-copy/AWSLogs/
    ///   vpcflow validate --fields srcaddr,dstaddr,action flows/
    #[command(verbatim_doc_comment)]
    Validate(validate::Args),
    /// Look up or update AWS's published address ranges (who owns a public address).
    ///
    /// Examples:
    ///   vpcflow ranges lookup 15.152.63.145
    ///   vpcflow ranges update
    ///   vpcflow ranges info
    #[command(verbatim_doc_comment)]
    Ranges(ranges::Args),
    /// Who is on the other end: country of registration, AS number and organisation, threat lists.
    ///
    /// Examples:
    ///   vpcflow enrich lookup 1.1.1.1 2001:4860:4860::8888
    ///   vpcflow enrich status
    ///   vpcflow enrich update
    #[command(verbatim_doc_comment)]
    Enrich(enrich::Args),
    /// Threat lists: import your own, fetch public ones (Spamhaus DROP, Tor, Feodo Tracker), see what is in use.
    ///
    /// Examples:
    ///   vpcflow intel add scanners scanners.txt --category scanner
    ///   vpcflow intel update
    ///   vpcflow intel update tor-exits
    ///   vpcflow intel status
    #[command(verbatim_doc_comment)]
    Intel(intel::Args),
    /// List every field a flow log record can have, with its version and column type.
    ///
    /// Examples:
    ///   vpcflow fields
    #[command(verbatim_doc_comment)]
    Fields(fields::Args),
    /// Pair both directions of each connection, say who initiated and whether it was allowed.
    ///
    /// Records of one connection are joined across aggregation intervals and across the interfaces of NAT and
    /// transit gateways (pkt-srcaddr/pkt-dstaddr). Examples:
    ///   vpcflow conversations flows.log.gz
    ///   vpcflow conversations --lang ja --tz Asia/Tokyo s3-copy/AWSLogs/
    #[command(verbatim_doc_comment)]
    Conversations(conversations::Args),
    /// Say why each rejected connection was rejected: security group, network ACL, route or Block Public Access.
    ///
    /// From the records alone, with how sure each reading is; with --vpc-config (saved `aws ec2 describe-*`
    /// JSON), the exact rule, or missing rule, and the smallest change that would allow it. Exits with 1 when
    /// the configuration had problems (each is printed with its file and JSON path). Examples:
    ///   vpcflow diagnose flows.log
    ///   vpcflow diagnose --vpc-config vpc-config/ flows.log
    ///   vpcflow diagnose --vpc-config vpc-config/ --lang ja --output json flows.log
    #[command(verbatim_doc_comment)]
    Diagnose(diagnose::Args),
    /// Is it an attack? Scans, sweeps, exposed ports, brute force, exfiltration, floods, beacons, listed addresses,
    /// Tor, mining, new behaviour and DNS around the VPC's resolver, for IPv4 and IPv6.
    ///
    /// Each finding has its detection id, severity, actor and target, time range, evidence and MITRE ATT&CK
    /// technique, explained in English or Japanese; docs/detections.md describes every detection. Examples:
    ///   vpcflow detect s3-copy/
    ///   vpcflow detect --vpc-config vpc-config/ --since 2024-01-01 --output json flows/
    ///   vpcflow detect --config detect.toml --lang ja --min-severity medium flows/
    ///   vpcflow detect --list
    #[command(verbatim_doc_comment)]
    Detect(detect::Args),
    /// Would this traffic be allowed, and why? Evaluates the configuration alone, request and reply.
    ///
    /// Exits with 0 when allowed, 1 when not (or not decidable). Examples:
    ///   vpcflow check --vpc-config vpc-config/ --from 203.0.113.12 --to 10.0.10.30:80/tcp
    ///   vpcflow check --vpc-config vpc-config/ --from 10.0.10.30 --to 162.159.200.123:123/udp
    ///   vpcflow check --vpc-config vpc-config/ --from 203.0.113.12 --to 172.31.16.139/icmp
    #[command(verbatim_doc_comment)]
    Check(check::Args),
    /// Ask anything with SQL: a `flows` table with Athena's columns over every input.
    ///
    /// Examples:
    ///   vpcflow query 'SELECT srcaddr, dstaddr, SUM(bytes) AS total FROM flows GROUP BY srcaddr, dstaddr ORDER BY total DESC LIMIT 10' s3-copy/
    ///   vpcflow query "SELECT dstport, COUNT(*) FROM flows WHERE action = 'REJECT' AND protocol = 6 GROUP BY dstport" flows.log.gz
    ///   vpcflow query -o json "SELECT srcaddr, aws_service(dstaddr) AS svc FROM flows WHERE NOT is_private(dstaddr)" logs/
    ///   vpcflow query -o parquet --out rejects.parquet "SELECT * FROM flows WHERE action = 'REJECT'" logs/
    #[command(verbatim_doc_comment)]
    Query(query::Args),
    /// The top N of any fields by flows, packets or bytes, like nfdump -s.
    ///
    /// Examples:
    ///   vpcflow top srcaddr,dstaddr --by bytes -n 10 s3-copy/
    ///   vpcflow top dstport --by flows --where 'action reject and proto tcp' flows/
    ///   vpcflow top srcaddr --where 'src not private and dst port 22' flows/
    ///   vpcflow top interface_id --by packets --where "dstport = 443 AND bytes > 1000" flows/
    #[command(verbatim_doc_comment)]
    Top(top::Args),
    /// One summary: records, flows, packets, bytes, time range, ACCEPT/REJECT, NODATA/SKIPDATA, interfaces.
    ///
    /// Examples:
    ///   vpcflow stats s3-copy/
    ///   vpcflow stats --tz Asia/Tokyo --where 'dst port 22' flows.log.gz
    #[command(verbatim_doc_comment)]
    Stats(stats::Args),
    /// Flows, packets, bytes and rejects per time bin.
    ///
    /// Examples:
    ///   vpcflow timeline --bin 5m s3-copy/
    ///   vpcflow timeline --bin 1h --tz Asia/Tokyo --where 'action reject' flows/
    #[command(verbatim_doc_comment)]
    Timeline(timeline::Args),
    /// Write every record as Parquet in AWS's delivery schema under Hive-compatible keys.
    ///
    /// Athena, Spark and DuckDB read the result as is, and `vpcflow query` reads it much faster than text.
    /// Examples:
    ///   vpcflow convert s3-copy/ --to parquet --out parquet-copy/
    ///   vpcflow convert flows/ --out pq/ --compression gzip --verify
    #[command(verbatim_doc_comment)]
    Convert(convert::Args),
    /// Write realistic synthetic flow logs in AWS's S3 layout (gzip'd objects, one per five minutes).
    ///
    /// Many interfaces, Zipf-skewed talkers, rejected internet scans, replies, NODATA/SKIPDATA and IPv6.
    /// Examples:
    ///   vpcflow generate --records 10M --out /tmp/flows
    ///   vpcflow generate --records 50k --format '${version} ${vpc-id} ${srcaddr} ${dstaddr} ${action}' --out x/
    #[command(verbatim_doc_comment)]
    Generate(generate::Args),
    /// Deliver records the way AWS does: S3 layout files, S3 objects, or CloudWatch Logs events.
    ///
    /// Objects are gzip'd text with the header line (or Parquet), one per account, region and
    /// 5-minute window of the records' end time, under AWS's keys and names; CloudWatch Logs gets
    /// one stream per interface (`eni-…-all`). What cannot be delivered waits in a spool and is
    /// sent by the next run (exit code 3 until then). Examples:
    ///   vpcflow deliver flows.log --to dir:s3-copy/ --layout hive --account 123456789012
    ///   vpcflow deliver s3-copy/ --to s3://my-bucket/flow-logs --parquet
    ///   vpcflow deliver flows.log.gz --to logs:/vpc/flow-logs --region eu-west-1
    ///   vpcflow deliver --to s3://my-bucket   # only what the spool holds
    #[command(verbatim_doc_comment)]
    Deliver(deliver::Args),
    /// Produce flow log records from packets: a pcap/pcapng file or a live interface.
    ///
    /// Each interface's traffic is aggregated per 5-tuple and interval, as AWS does; NODATA for idle interfaces,
    /// SKIPDATA beyond --max-flows, and traffic AWS does not log (DNS, metadata, DHCP) left out. With
    /// --vpc-config, ACCEPT/REJECT come from the security groups, network ACLs and routes. Examples:
    ///   vpcflow capture --pcap web.pcap --eni 10.0.10.30=eni-0322957cfa6bc9585 --account 417338593075
    ///   vpcflow capture --pcap trace.pcapng --vpc-config vpc-config/ --account 417338593075 --aggregation 60
    ///   vpcflow capture --pcap web.pcap --eni-map enis.yaml --format '${version} ${srcaddr} ${dstaddr} ${tcp-flags} ${flow-direction}'
    ///   sudo vpcflow capture --interface eth0 --eni 10.0.1.5=eni-0a1b2c3d4e5f67890 --aggregation 60 -o json
    #[command(verbatim_doc_comment)]
    Capture(capture::Args),
    /// Produce the records AWS would write for a modelled VPC and a traffic scenario (YAML).
    ///
    /// Both directions, on every interface the traffic crosses (NAT gateways with pkt-srcaddr/pkt-dstaddr),
    /// with the verdicts of the security groups, network ACLs and routes. Examples:
    ///   vpcflow simulate examples/scenarios/exp1-http-rejected-by-security-group.yaml
    ///   vpcflow simulate --format '${version} ${interface-id} ${srcaddr} ${dstaddr} ${pkt-srcaddr} ${pkt-dstaddr} ${action}' examples/scenarios/nat-gateway.yaml
    ///   vpcflow simulate -o json --aggregation 60 examples/scenarios/exp4-ntp-reply-blocked-by-network-acl.yaml
    #[command(verbatim_doc_comment)]
    Simulate(simulate::Args),
    /// A local web dashboard: overview, rejects and why, flows, flow map, coverage and SQL, in English or Japanese.
    ///
    /// Loads the inputs into memory, then prints the page's URL. Examples:
    ///   vpcflow serve s3-copy/
    ///   vpcflow serve --vpc-config vpc-config/ --lang ja flows/
    ///   vpcflow serve --listen 0.0.0.0:8765 --token "$(openssl rand -hex 16)" flows/
    #[command(verbatim_doc_comment)]
    Serve(serve::Args),
    /// Run a scheduler or an executor of a cluster that runs `vpcflow query --cluster` (Apache DataFusion Ballista).
    ///
    /// Examples:
    ///   vpcflow cluster scheduler --bind 0.0.0.0:50050
    ///   vpcflow cluster executor --scheduler scheduler.internal:50050 --bind 0.0.0.0:50051
    ///   vpcflow query --cluster df://scheduler.internal:50050 'SELECT count(*) FROM flows' s3://bucket/AWSLogs/
    #[command(verbatim_doc_comment)]
    Cluster(cluster::Args),
    /// Print the Athena table (CREATE EXTERNAL TABLE with partition projection) over the same S3 flow logs.
    ///
    /// The table is AWS's partition-projection table, so queries run unchanged on Athena and on vpcflow; the
    /// functions vpcflow adds that Athena lacks are listed after it. Examples:
    ///   vpcflow athena-ddl --location s3://flow-logs-bucket --accounts 123456789012 --regions us-east-1
    ///   vpcflow athena-ddl --location s3://bucket/prefix --parquet --accounts 123456789012 --regions eu-west-1,us-east-1
    #[command(verbatim_doc_comment)]
    AthenaDdl(athena_ddl::Args),
}

fn main() -> ExitCode {
    errors::on_panic();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Cat(args) => cat::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Ranges(args) => ranges::run(args),
        Command::Enrich(args) => enrich::run(args),
        Command::Intel(args) => intel::run(args),
        Command::Validate(args) => validate::run(args),
        Command::Fields(args) => fields::run(args),
        Command::Conversations(args) => conversations::run(args),
        Command::Diagnose(args) => diagnose::run(args),
        Command::Check(args) => check::run(args),
        Command::Detect(args) => detect::run(args),
        Command::Query(args) => query::run(args),
        Command::Top(args) => top::run(args),
        Command::Stats(args) => stats::run(args),
        Command::Timeline(args) => timeline::run(args),
        Command::Convert(args) => convert::run(args),
        Command::Generate(args) => generate::run(args),
        Command::Capture(args) => capture::run(args),
        Command::Simulate(args) => simulate::run(args),
        Command::Deliver(args) => deliver::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Cluster(args) => cluster::run(args),
        Command::AthenaDdl(args) => athena_ddl::run(args),
    };
    result.unwrap_or_else(|e| errors::report(&e))
}
