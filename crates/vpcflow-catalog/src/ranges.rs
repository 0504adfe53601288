//! Who at AWS owns a public address: AWS's published `ip-ranges.json`, looked up by longest prefix.
//!
//! The question the seeds keep asking by hand ("is 15.152.63.145 really AWS? which region?") is answered from the
//! same file AWS publishes for firewall rules. A snapshot ships inside the crate so that answers work offline
//! and reproducibly; `refresh` fetches a newer copy into the user's data directory, and `load_default` prefers
//! that copy when it exists.
//!
//! Lookup is a binary search per prefix length present in the file (a few dozen at most), longest first, so it
//! costs well under a microsecond and needs no tree.

use serde::Deserialize;
use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// Where AWS publishes the ranges.
#[cfg(feature = "update")]
pub const DEFAULT_URL: &str = "https://ip-ranges.amazonaws.com/ip-ranges.json";

/// The snapshot shipped with this build, gzip-compressed (about 120 KB instead of 2.6 MB).
const BUILTIN_GZ: &[u8] = include_bytes!("../data/aws-ip-ranges.json.gz");

/// The file name of the user's refreshed copy inside the data directory.
const FILE_NAME: &str = "ip-ranges.json";

/// Refuse downloads larger than this: the real file is a few MB, so anything much bigger is not it.
#[cfg(feature = "update")]
const MAX_DOWNLOAD: u64 = 64 * 1024 * 1024;

/// The owner of an address according to `ip-ranges.json`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Owner {
    /// The published prefix that contains the address.
    pub prefix: ipnet::IpNet,
    /// AWS's service name for the prefix (`EC2`, `S3`, `AMAZON` for "some AWS service").
    pub service: String,
    /// The region code (`ap-northeast-3`), or `GLOBAL`.
    pub region: String,
    /// The network border group (the region, or a Local Zone / Wavelength group).
    pub network_border_group: String,
}

/// AWS's address ranges, indexed for lookup.
pub struct AwsRanges {
    create_date: String,
    sync_token: String,
    origin: String,
    v4: Table<u32>,
    v6: Table<u128>,
    count: usize,
}

impl std::fmt::Debug for AwsRanges {
    // A summary: the tables hold some 17 000 prefixes, which nobody wants in a debug print.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsRanges")
            .field("create_date", &self.create_date)
            .field("origin", &self.origin)
            .field("prefixes", &self.count)
            .finish()
    }
}

/// One address family: a level per prefix length, longest first.
#[derive(Debug)]
struct Table<T> {
    levels: Vec<Level<T>>,
}

/// All prefixes of one length, sorted by network address, with the chosen owner of each.
#[derive(Debug)]
struct Level<T> {
    len: u8,
    nets: Vec<T>,
    owners: Vec<Entry>,
}

#[derive(Debug, Clone)]
struct Entry {
    service: Arc<str>,
    region: Arc<str>,
    network_border_group: Arc<str>,
}

trait Bits: Copy + Ord {
    fn mask(self, len: u8) -> Self;
}

impl Bits for u32 {
    fn mask(self, len: u8) -> u32 {
        if len == 0 {
            0
        } else {
            self & (u32::MAX << (32 - len))
        }
    }
}

impl Bits for u128 {
    fn mask(self, len: u8) -> u128 {
        if len == 0 {
            0
        } else {
            self & (u128::MAX << (128 - len))
        }
    }
}

impl<T: Bits> Table<T> {
    /// Builds the levels from `(network, length, rank, entry)`. Among identical prefixes the lowest rank wins
    /// (a named service before the catch-all `AMAZON`), then the first in file order.
    fn build(mut items: Vec<(T, u8, u8, Entry)>) -> Table<T> {
        // Stable sort keeps file order among equal keys.
        items.sort_by(|a, b| (b.1, a.0, a.2).cmp(&(a.1, b.0, b.2)));
        let mut levels: Vec<Level<T>> = Vec::new();
        for (net, len, _, entry) in items {
            match levels.last_mut() {
                Some(level) if level.len == len => {
                    if level.nets.last() == Some(&net) {
                        continue;
                    }
                    level.nets.push(net);
                    level.owners.push(entry);
                }
                _ => levels.push(Level {
                    len,
                    nets: vec![net],
                    owners: vec![entry],
                }),
            }
        }
        Table { levels }
    }

    fn lookup(&self, addr: T) -> Option<(u8, T, &Entry)> {
        self.levels.iter().find_map(|level| {
            let net = addr.mask(level.len);
            level
                .nets
                .binary_search(&net)
                .ok()
                .map(|i| (level.len, net, &level.owners[i]))
        })
    }

    fn len(&self) -> usize {
        self.levels.iter().map(|l| l.nets.len()).sum()
    }
}

#[derive(Deserialize)]
struct RawFile {
    #[serde(rename = "syncToken", default)]
    sync_token: String,
    #[serde(rename = "createDate")]
    create_date: String,
    prefixes: Vec<RawV4>,
    #[serde(default)]
    ipv6_prefixes: Vec<RawV6>,
}

#[derive(Deserialize)]
struct RawV4 {
    ip_prefix: String,
    region: String,
    service: String,
    #[serde(default)]
    network_border_group: String,
}

#[derive(Deserialize)]
struct RawV6 {
    ipv6_prefix: String,
    region: String,
    service: String,
    #[serde(default)]
    network_border_group: String,
}

/// Interns the few dozen distinct service and region names so that 17 000 entries share them.
#[derive(Default)]
struct Interner(std::collections::HashMap<String, Arc<str>>);

impl Interner {
    fn get(&mut self, s: &str) -> Arc<str> {
        if let Some(a) = self.0.get(s) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(s);
        self.0.insert(s.to_string(), a.clone());
        a
    }

    fn entry(&mut self, service: &str, region: &str, nbg: &str) -> Entry {
        Entry {
            service: self.get(service),
            region: self.get(region),
            network_border_group: self.get(if nbg.is_empty() { region } else { nbg }),
        }
    }
}

/// `AMAZON` is the superset entry AWS lists beside every specific service, so it ranks last.
fn rank(service: &str) -> u8 {
    u8::from(service == "AMAZON")
}

impl AwsRanges {
    /// The snapshot shipped with this build, decompressed and indexed on first use and shared afterwards.
    pub fn builtin() -> Arc<AwsRanges> {
        static BUILTIN: OnceLock<Arc<AwsRanges>> = OnceLock::new();
        BUILTIN
            .get_or_init(|| {
                let mut json = Vec::with_capacity(3 << 20);
                flate2::read::GzDecoder::new(BUILTIN_GZ)
                    .read_to_end(&mut json)
                    .expect("the shipped ip-ranges snapshot is valid gzip");
                let mut ranges =
                    AwsRanges::from_json(&json).expect("the shipped ip-ranges snapshot is valid");
                ranges.origin = "built-in snapshot".to_string();
                Arc::new(ranges)
            })
            .clone()
    }

    /// Parses and indexes an `ip-ranges.json` document. Refuses documents without a `createDate`, without any
    /// prefix, or with a prefix that is not a CIDR block, so that an error page or a truncated download is never
    /// mistaken for an empty set of ranges.
    pub fn from_json(bytes: &[u8]) -> Result<AwsRanges, InvalidRanges> {
        let raw: RawFile = serde_json::from_slice(bytes)?;
        if raw.prefixes.is_empty() && raw.ipv6_prefixes.is_empty() {
            return Err(InvalidRanges::Empty);
        }
        let mut names = Interner::default();
        let mut v4 = Vec::with_capacity(raw.prefixes.len());
        for p in &raw.prefixes {
            let net: ipnet::Ipv4Net = p
                .ip_prefix
                .parse()
                .map_err(|_| InvalidRanges::Ipv4(p.ip_prefix.clone()))?;
            let net = net.trunc();
            v4.push((
                u32::from(net.network()),
                net.prefix_len(),
                rank(&p.service),
                names.entry(&p.service, &p.region, &p.network_border_group),
            ));
        }
        let mut v6 = Vec::with_capacity(raw.ipv6_prefixes.len());
        for p in &raw.ipv6_prefixes {
            let net: ipnet::Ipv6Net = p
                .ipv6_prefix
                .parse()
                .map_err(|_| InvalidRanges::Ipv6(p.ipv6_prefix.clone()))?;
            let net = net.trunc();
            v6.push((
                u128::from(net.network()),
                net.prefix_len(),
                rank(&p.service),
                names.entry(&p.service, &p.region, &p.network_border_group),
            ));
        }
        Ok(AwsRanges {
            create_date: raw.create_date,
            sync_token: raw.sync_token,
            origin: "ip-ranges.json".to_string(),
            count: raw.prefixes.len() + raw.ipv6_prefixes.len(),
            v4: Table::build(v4),
            v6: Table::build(v6),
        })
    }

    /// Reads a file in the `ip-ranges.json` format.
    pub fn load(path: &Path) -> Result<AwsRanges, RangesError> {
        let bytes = std::fs::read(path).map_err(|source| RangesError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut ranges = AwsRanges::from_json(&bytes).map_err(|source| RangesError::Invalid {
            origin: path.display().to_string(),
            source,
        })?;
        ranges.origin = path.display().to_string();
        Ok(ranges)
    }

    /// The user's refreshed copy when there is one and it is valid, otherwise the built-in snapshot. A broken
    /// user copy falls back silently because explaining a record must not fail over reference data; `load`
    /// reports the error for commands that want it.
    pub fn load_default() -> Arc<AwsRanges> {
        user_ranges_path()
            .filter(|p| p.is_file())
            .and_then(|p| AwsRanges::load(&p).ok())
            .map(Arc::new)
            .unwrap_or_else(AwsRanges::builtin)
    }

    /// The owner of `ip`: the longest published prefix containing it; among identical prefixes a named service
    /// (EC2, S3, ...) rather than the catch-all AMAZON. `None` when AWS does not publish the address.
    pub fn lookup(&self, ip: IpAddr) -> Option<Owner> {
        // An IPv4-mapped IPv6 address is the IPv4 address as far as ownership goes.
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        let (prefix, entry) = match ip {
            IpAddr::V4(v4) => {
                let (len, net, entry) = self.v4.lookup(u32::from(v4))?;
                let net = ipnet::Ipv4Net::new(Ipv4Addr::from(net), len).ok()?;
                (ipnet::IpNet::V4(net), entry)
            }
            IpAddr::V6(v6) => {
                let (len, net, entry) = self.v6.lookup(u128::from(v6))?;
                let net = ipnet::Ipv6Net::new(Ipv6Addr::from(net), len).ok()?;
                (ipnet::IpNet::V6(net), entry)
            }
        };
        Some(Owner {
            prefix,
            service: entry.service.to_string(),
            region: entry.region.to_string(),
            network_border_group: entry.network_border_group.to_string(),
        })
    }

    /// The document's `createDate` (`2026-08-22-21-17-05`, UTC), which tells how current the data is.
    pub fn create_date(&self) -> &str {
        &self.create_date
    }

    /// The document's `syncToken` (publication time in Unix seconds), empty if absent.
    pub fn sync_token(&self) -> &str {
        &self.sync_token
    }

    /// Where the data came from: `built-in snapshot` or a file path.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// How many prefixes the document lists (IPv4 and IPv6, counting duplicates across services).
    pub fn prefix_count(&self) -> usize {
        self.count
    }

    /// How many distinct IPv4 and IPv6 prefixes are indexed.
    pub fn distinct_prefixes(&self) -> (usize, usize) {
        (self.v4.len(), self.v6.len())
    }
}

/// The directory for vpcflow's downloaded data: `$VPCFLOW_DATA_DIR`, else `$XDG_DATA_HOME/vpcflow`, else
/// `~/.local/share/vpcflow`. Empty variables count as unset, as the XDG specification asks.
pub fn user_data_dir() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = var("VPCFLOW_DATA_DIR") {
        return Some(PathBuf::from(dir));
    }
    if let Some(dir) = var("XDG_DATA_HOME") {
        return Some(PathBuf::from(dir).join("vpcflow"));
    }
    var("HOME").map(|home| PathBuf::from(home).join(".local/share/vpcflow"))
}

/// Where `refresh` writes and `load_default` looks: `ip-ranges.json` in [`user_data_dir`].
pub fn user_ranges_path() -> Option<PathBuf> {
    user_data_dir().map(|d| d.join(FILE_NAME))
}

/// What `refresh` did.
#[cfg(feature = "update")]
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RefreshReport {
    /// The file written.
    pub path: PathBuf,
    /// The new document's `createDate`.
    pub create_date: String,
    /// The `createDate` of the copy that was replaced, if there was a readable one.
    pub previous_create_date: Option<String>,
    /// IPv4 prefixes listed.
    pub ipv4_prefixes: usize,
    /// IPv6 prefixes listed.
    pub ipv6_prefixes: usize,
    /// Size of the document in bytes.
    pub bytes: usize,
}

#[cfg(feature = "update")]
impl std::fmt::Display for RefreshReport {
    /// One line for a terminal: what was written, how current it is, what it replaced.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "wrote {}: createDate {}, {} IPv4 and {} IPv6 prefixes, {} bytes",
            self.path.display(),
            self.create_date,
            self.ipv4_prefixes,
            self.ipv6_prefixes,
            self.bytes
        )?;
        match &self.previous_create_date {
            Some(previous) => write!(f, " (replaced createDate {previous})"),
            None => Ok(()),
        }
    }
}

/// Why a document is not AWS's `ip-ranges.json`.
#[derive(Debug, thiserror::Error)]
pub enum InvalidRanges {
    /// Not JSON of that shape (an error page, a truncated download).
    #[error("not an AWS ip-ranges.json document: {0}")]
    Json(#[from] serde_json::Error),
    /// No prefix at all.
    #[error("the ip-ranges document lists no prefixes")]
    Empty,
    /// An IPv4 prefix that is not a CIDR block.
    #[error("invalid IPv4 prefix {0:?} in ip-ranges")]
    Ipv4(String),
    /// An IPv6 prefix that is not a CIDR block.
    #[error("invalid IPv6 prefix {0:?} in ip-ranges")]
    Ipv6(String),
}

/// Why ranges could not be loaded or refreshed.
#[derive(Debug, thiserror::Error)]
pub enum RangesError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file or download is not an ip-ranges document.
    #[error("{origin}: {source}")]
    Invalid {
        /// The file or URL.
        origin: String,
        /// What is wrong with it.
        source: InvalidRanges,
    },
    /// The download failed (no connection, an HTTP error status, too large).
    #[cfg(feature = "update")]
    #[error("download of {url} failed: {source}")]
    Download {
        /// The URL.
        url: String,
        /// Why.
        source: Box<ureq::Error>,
    },
    /// The copy could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Nowhere to keep a copy.
    #[error("no data directory: set VPCFLOW_DATA_DIR, XDG_DATA_HOME or HOME")]
    NoDataDirectory,
    /// The destination names a directory, not a file.
    #[error("{} is not a file path", .0.display())]
    NotAFilePath(PathBuf),
}

/// Downloads `url`, checks that it is an ip-ranges document, and replaces `dest` (default: [`user_ranges_path`])
/// atomically: the data is written to a temporary file beside `dest` and renamed over it, so a reader never sees
/// half a file and a failed download leaves the old copy in place.
#[cfg(feature = "update")]
pub fn refresh(url: &str, dest: Option<&Path>) -> Result<RefreshReport, RangesError> {
    let dest = match dest {
        Some(p) => p.to_path_buf(),
        None => user_ranges_path().ok_or(RangesError::NoDataDirectory)?,
    };
    let download = |source| RangesError::Download {
        url: url.to_string(),
        source: Box::new(source),
    };
    let invalid = |source| RangesError::Invalid {
        origin: url.to_string(),
        source,
    };
    let config = ureq::Agent::config_builder()
        .timeout_global(Some(std::time::Duration::from_secs(120)))
        .user_agent(concat!("vpcflow/", env!("CARGO_PKG_VERSION")))
        .build();
    let agent = ureq::Agent::new_with_config(config);
    let mut response = agent.get(url).call().map_err(download)?;
    let bytes = response
        .body_mut()
        .with_config()
        .limit(MAX_DOWNLOAD)
        .read_to_vec()
        .map_err(download)?;
    let raw: RawFile = serde_json::from_slice(&bytes)
        .map_err(InvalidRanges::from)
        .map_err(invalid)?;
    // Full validation (every prefix parses) before anything is written.
    AwsRanges::from_json(&bytes).map_err(invalid)?;

    let previous_create_date = AwsRanges::load(&dest).ok().map(|r| r.create_date);
    if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| RangesError::Write {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    let file_name = dest
        .file_name()
        .ok_or_else(|| RangesError::NotAFilePath(dest.clone()))?;
    let mut tmp_name = file_name.to_os_string();
    tmp_name.push(format!(".tmp-{}", std::process::id()));
    let tmp = dest.with_file_name(tmp_name);
    let write = std::fs::write(&tmp, &bytes).and_then(|()| std::fs::rename(&tmp, &dest));
    if let Err(e) = write {
        let _ = std::fs::remove_file(&tmp);
        return Err(RangesError::Write {
            path: dest,
            source: e,
        });
    }
    Ok(RefreshReport {
        path: dest,
        create_date: raw.create_date,
        previous_create_date,
        ipv4_prefixes: raw.prefixes.len(),
        ipv6_prefixes: raw.ipv6_prefixes.len(),
        bytes: bytes.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn builtin_snapshot_loads() {
        let r = AwsRanges::builtin();
        assert_eq!(r.create_date(), "2026-08-22-21-17-05");
        assert_eq!(r.prefix_count(), 10666 + 6160);
        assert!(Arc::ptr_eq(&r, &AwsRanges::builtin()));
    }

    #[test]
    fn osaka_ntp_server() {
        let o = AwsRanges::builtin().lookup(ip("15.152.63.145")).unwrap();
        assert_eq!(o.region, "ap-northeast-3");
        assert_eq!(
            o.service, "EC2",
            "a named service beats AMAZON on the same prefix"
        );
        assert_eq!(o.prefix.to_string(), "15.152.0.0/16");
    }

    #[test]
    fn ireland_ec2() {
        let o = AwsRanges::builtin().lookup(ip("52.213.180.42")).unwrap();
        assert_eq!(
            (o.service.as_str(), o.region.as_str()),
            ("EC2", "eu-west-1")
        );
        assert_eq!(o.prefix.to_string(), "52.208.0.0/13");
    }

    #[test]
    fn not_aws() {
        let r = AwsRanges::builtin();
        for a in [
            "203.0.113.5",
            "10.0.0.1",
            "162.159.200.123",
            "2001:db8::1",
            "0.0.0.0",
            "255.255.255.255",
        ] {
            assert_eq!(r.lookup(ip(a)), None, "{a}");
        }
    }

    #[test]
    fn ipv6_lookup() {
        let o = AwsRanges::builtin()
            .lookup(ip("2600:f0f0:c045::1234"))
            .unwrap();
        assert_eq!(o.region, "eu-west-2");
        assert!(o.prefix.prefix_len() >= 40);
        // IPv4-mapped addresses are looked up as IPv4.
        let mapped = AwsRanges::builtin()
            .lookup(ip("::ffff:15.152.63.145"))
            .unwrap();
        assert_eq!(mapped.region, "ap-northeast-3");
    }

    #[test]
    fn longest_prefix_and_service_preference() {
        let json = br#"{"syncToken":"1","createDate":"2020-01-01-00-00-00","prefixes":[
            {"ip_prefix":"10.0.0.0/8","region":"us-east-1","service":"AMAZON","network_border_group":"us-east-1"},
            {"ip_prefix":"10.1.0.0/16","region":"us-west-2","service":"AMAZON","network_border_group":"us-west-2"},
            {"ip_prefix":"10.1.0.0/16","region":"us-west-2","service":"S3","network_border_group":"us-west-2"},
            {"ip_prefix":"10.1.2.3/32","region":"GLOBAL","service":"ROUTE53","network_border_group":"GLOBAL"}],
            "ipv6_prefixes":[{"ipv6_prefix":"2600:1f00::/24","region":"us-east-1","service":"AMAZON","network_border_group":"us-east-1"}]}"#;
        let r = AwsRanges::from_json(json).unwrap();
        assert_eq!(r.prefix_count(), 5);
        assert_eq!(r.distinct_prefixes(), (3, 1));
        assert_eq!(r.lookup(ip("10.1.2.3")).unwrap().service, "ROUTE53");
        assert_eq!(r.lookup(ip("10.1.2.4")).unwrap().service, "S3");
        assert_eq!(r.lookup(ip("10.2.0.1")).unwrap().region, "us-east-1");
        assert_eq!(r.lookup(ip("11.0.0.1")), None);
        assert_eq!(
            r.lookup(ip("2600:1f00::1")).unwrap().prefix.to_string(),
            "2600:1f00::/24"
        );
    }

    #[test]
    fn refuses_non_documents() {
        assert!(matches!(
            AwsRanges::from_json(b"<html>503</html>"),
            Err(InvalidRanges::Json(_))
        ));
        assert!(matches!(
            AwsRanges::from_json(br#"{"createDate":"x","prefixes":[]}"#),
            Err(InvalidRanges::Empty)
        ));
        let bad = br#"{"createDate":"x","prefixes":[{"ip_prefix":"10.0.0/8","region":"r","service":"S3"}]}"#;
        assert!(matches!(
            AwsRanges::from_json(bad),
            Err(InvalidRanges::Ipv4(p)) if p == "10.0.0/8"
        ));
    }
}
