//! Who routes a public address: its autonomous system number and the organisation behind it.
//!
//! A snapshot ships inside the crate, converted at development time from a CC BY 4.0 dataset (the npm package
//! `@ip-location-db/asn`: RouteViews, the five RIRs' statistics via the NRO, and DB-IP's IP to ASN Lite;
//! `examples/asn_snapshot.rs` does the conversion, `data/asn.NOTICE` says where it came from). `refresh` downloads a
//! newer table into the user's data directory in the same compact form, and `load_default` prefers that copy.
//!
//! The table is a list of range starts per family, sorted, each with the system that holds the addresses from
//! there up to the next start (or none, for the gaps between announced space); a lookup is one binary search. On
//! disk the starts are delta-encoded varints and the systems (number and name) are interned once and numbered by
//! how often they appear, then the whole is gzip'd: some 470,000 IPv4 and 180,000 IPv6 ranges fit in about 3 MB.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::Read;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// The snapshot shipped with this build (the compact format below, gzip'd).
const BUILTIN: &[u8] = include_bytes!("../data/asn.bin.gz");

/// The file name of the user's refreshed copy inside the data directory.
const FILE_NAME: &str = "asn.bin.gz";

/// The first bytes of the compact format (after gzip).
const MAGIC: &[u8; 8] = b"VPCFASN1";

/// Marks a range of addresses no system announces.
const NONE: u32 = u32::MAX;

/// Where a table came from and under which terms: shown by `vpcflow enrich status`, kept inside the file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetInfo {
    /// What the data is (`@ip-location-db/asn 2.3.2026061719`, `iptoasn.com ip2asn-combined`).
    pub dataset: String,
    /// When the data was published (`2026-06-17`), or fetched when the source does not say.
    pub date: String,
    /// Where it was downloaded from.
    pub source: String,
    /// The licence of the data (`CC BY 4.0`, `PDDL 1.0`).
    pub licence: String,
    /// The attribution its licence asks for.
    pub attribution: String,
}

/// An autonomous system.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct AsInfo<'a> {
    /// The AS number (`13335`).
    pub asn: u32,
    /// The organisation's name as registered (`Cloudflare, Inc.`); may be empty.
    pub org: &'a str,
}

/// The ASN table, indexed for lookup.
pub struct AsnTable {
    info: DatasetInfo,
    origin: String,
    v4_starts: Vec<u32>,
    v4_systems: Vec<u32>,
    v6_starts: Vec<u128>,
    v6_systems: Vec<u32>,
    asns: Vec<u32>,
    org_ends: Vec<u32>,
    orgs: String,
}

impl std::fmt::Debug for AsnTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsnTable")
            .field("info", &self.info)
            .field("origin", &self.origin)
            .field("ranges", &self.range_counts())
            .field("systems", &self.asns.len())
            .finish()
    }
}

impl AsnTable {
    /// The snapshot shipped with this build, decoded on first use and shared afterwards.
    pub fn builtin() -> Arc<AsnTable> {
        static BUILTIN_TABLE: OnceLock<Arc<AsnTable>> = OnceLock::new();
        BUILTIN_TABLE
            .get_or_init(|| {
                let mut table =
                    AsnTable::from_bytes(BUILTIN).expect("the shipped ASN snapshot is valid");
                table.origin = "built-in snapshot".to_string();
                Arc::new(table)
            })
            .clone()
    }

    /// Reads a table in the compact format.
    pub fn load(path: &Path) -> Result<AsnTable, String> {
        let bytes =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let mut table =
            AsnTable::from_bytes(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        table.origin = path.display().to_string();
        Ok(table)
    }

    /// The user's refreshed copy when there is one and it is valid, otherwise the built-in snapshot (a broken
    /// copy must not stop an explanation; `load` reports its error to commands that want it).
    pub fn load_default() -> Arc<AsnTable> {
        static DEFAULT: OnceLock<Arc<AsnTable>> = OnceLock::new();
        DEFAULT
            .get_or_init(|| {
                user_asn_path()
                    .filter(|p| p.is_file())
                    .and_then(|p| AsnTable::load(&p).ok())
                    .map(Arc::new)
                    .unwrap_or_else(AsnTable::builtin)
            })
            .clone()
    }

    /// The system announcing `ip`, `None` for private, reserved and unannounced space.
    pub fn lookup(&self, ip: IpAddr) -> Option<AsInfo<'_>> {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        let system = match ip {
            IpAddr::V4(v4) => find(&self.v4_starts, &self.v4_systems, u32::from(v4)),
            IpAddr::V6(v6) => find(&self.v6_starts, &self.v6_systems, u128::from(v6)),
        }?;
        let i = system as usize;
        let from = if i == 0 {
            0
        } else {
            self.org_ends[i - 1] as usize
        };
        Some(AsInfo {
            asn: self.asns[i],
            org: &self.orgs[from..self.org_ends[i] as usize],
        })
    }

    /// Where the data came from and its terms.
    pub fn info(&self) -> &DatasetInfo {
        &self.info
    }

    /// `built-in snapshot` or the file read.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Announced IPv4 and IPv6 ranges in the table.
    pub fn range_counts(&self) -> (usize, usize) {
        let count = |s: &[u32]| s.iter().filter(|&&x| x != NONE).count();
        (count(&self.v4_systems), count(&self.v6_systems))
    }

    /// Distinct autonomous systems.
    pub fn system_count(&self) -> usize {
        self.asns.len()
    }

    /// Encodes the table in the compact format (gzip'd).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(8 << 20);
        out.extend_from_slice(MAGIC);
        let meta = serde_json::to_vec(&self.info).expect("dataset info serialises");
        put(&mut out, meta.len() as u128);
        out.extend_from_slice(&meta);
        put(&mut out, self.asns.len() as u128);
        let mut from = 0usize;
        for (asn, &end) in self.asns.iter().zip(&self.org_ends) {
            let org = &self.orgs.as_bytes()[from..end as usize];
            put(&mut out, u128::from(*asn));
            put(&mut out, org.len() as u128);
            out.extend_from_slice(org);
            from = end as usize;
        }
        put(&mut out, self.v4_starts.len() as u128);
        let mut prev = 0u32;
        for (&start, &system) in self.v4_starts.iter().zip(&self.v4_systems) {
            put(&mut out, u128::from(start - prev));
            put(&mut out, system_code(system));
            prev = start;
        }
        put(&mut out, self.v6_starts.len() as u128);
        let mut prev_hi = 0u64;
        for (&start, &system) in self.v6_starts.iter().zip(&self.v6_systems) {
            let hi = (start >> 64) as u64;
            put(&mut out, u128::from(hi - prev_hi));
            put(&mut out, u128::from(start as u64));
            put(&mut out, system_code(system));
            prev_hi = hi;
        }
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        std::io::Write::write_all(&mut gz, &out).expect("writing to memory");
        gz.finish().expect("writing to memory")
    }

    /// Decodes the compact format (gzip'd). Anything else, or a truncated or inconsistent file, is an error.
    pub fn from_bytes(bytes: &[u8]) -> Result<AsnTable, String> {
        let mut raw = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .take(256 << 20)
            .read_to_end(&mut raw)
            .map_err(|e| format!("not a vpcflow ASN table (gzip: {e})"))?;
        let mut r = Reader { bytes: &raw, at: 0 };
        if r.take(MAGIC.len())? != MAGIC {
            return Err("not a vpcflow ASN table".into());
        }
        let meta_len = r.count()?;
        let info: DatasetInfo = serde_json::from_slice(r.take(meta_len)?)
            .map_err(|e| format!("bad dataset description: {e}"))?;
        let systems = r.count()?;
        let mut asns = Vec::with_capacity(systems);
        let mut org_ends = Vec::with_capacity(systems);
        let mut orgs = String::new();
        for _ in 0..systems {
            asns.push(r.u32()?);
            let len = r.count()?;
            let org = std::str::from_utf8(r.take(len)?)
                .map_err(|_| "an organisation name is not UTF-8".to_string())?;
            orgs.push_str(org);
            org_ends.push(u32::try_from(orgs.len()).map_err(|_| "names too long")?);
        }
        let check = |code: u128| -> Result<u32, String> {
            match code {
                0 => Ok(NONE),
                c if c <= systems as u128 => Ok((c - 1) as u32),
                _ => Err("a range names a system that is not in the table".into()),
            }
        };
        let n4 = r.count()?;
        let (mut v4_starts, mut v4_systems) = (Vec::with_capacity(n4), Vec::with_capacity(n4));
        let mut prev = 0u32;
        for i in 0..n4 {
            let delta = r.u32()?;
            if i > 0 && delta == 0 {
                return Err("IPv4 ranges out of order".into());
            }
            prev = prev.checked_add(delta).ok_or("IPv4 range past the end")?;
            v4_starts.push(prev);
            v4_systems.push(check(r.varint()?)?);
        }
        let n6 = r.count()?;
        let (mut v6_starts, mut v6_systems) = (Vec::with_capacity(n6), Vec::with_capacity(n6));
        let mut prev_hi = 0u64;
        for _ in 0..n6 {
            let delta = u64::try_from(r.varint()?).map_err(|_| "bad IPv6 range")?;
            prev_hi = prev_hi
                .checked_add(delta)
                .ok_or("IPv6 range past the end")?;
            let lo = u64::try_from(r.varint()?).map_err(|_| "bad IPv6 range")?;
            let start = (u128::from(prev_hi) << 64) | u128::from(lo);
            if v6_starts.last().is_some_and(|&p| p >= start) {
                return Err("IPv6 ranges out of order".into());
            }
            v6_starts.push(start);
            v6_systems.push(check(r.varint()?)?);
        }
        if r.at != raw.len() {
            return Err("trailing bytes after the table".into());
        }
        Ok(AsnTable {
            info,
            origin: "table".into(),
            v4_starts,
            v4_systems,
            v6_starts,
            v6_systems,
            asns,
            org_ends,
            orgs,
        })
    }
}

/// The system of the range holding `ip`: the last start at or below it.
fn find<T: Ord + Copy>(starts: &[T], systems: &[u32], ip: T) -> Option<u32> {
    let i = starts.partition_point(|&s| s <= ip);
    let system = *systems.get(i.checked_sub(1)?)?;
    (system != NONE).then_some(system)
}

fn system_code(system: u32) -> u128 {
    if system == NONE {
        0
    } else {
        u128::from(system) + 1
    }
}

/// LEB128.
fn put(out: &mut Vec<u8>, mut v: u128) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or("the table is truncated")?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn varint(&mut self) -> Result<u128, String> {
        let mut v = 0u128;
        for shift in (0..19 * 7).step_by(7) {
            let byte = *self.bytes.get(self.at).ok_or("the table is truncated")?;
            self.at += 1;
            v |= u128::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err("a number in the table is too long".into())
    }

    fn u32(&mut self) -> Result<u32, String> {
        u32::try_from(self.varint()?).map_err(|_| "a number in the table is too large".into())
    }

    /// A count of things that follow, each at least a byte: never more than the bytes left.
    fn count(&mut self) -> Result<usize, String> {
        let n = self.varint()?;
        if n > (self.bytes.len() - self.at) as u128 {
            return Err("the table is truncated".into());
        }
        Ok(n as usize)
    }
}

/// Collects ranges from a source file and builds an [`AsnTable`].
#[derive(Default)]
pub struct Builder {
    v4: Vec<(u32, u32, u32)>,
    v6: Vec<(u128, u128, u32)>,
    systems: HashMap<u32, u32>,
    names: Vec<(u32, String, u64)>,
}

impl Builder {
    /// Adds the inclusive range `first..=last` held by `asn` (named `org`). AS 0 ("not routed") and ranges whose
    /// ends are of different families or reversed are ignored; returns whether the range was kept.
    pub fn add(&mut self, first: IpAddr, last: IpAddr, asn: u32, org: &str) -> bool {
        if asn == 0 {
            return false;
        }
        let next = self.names.len() as u32;
        let system = *self.systems.entry(asn).or_insert(next);
        if system == next {
            self.names.push((asn, org.trim().to_string(), 0));
        }
        let kept = match (first, last) {
            (IpAddr::V4(a), IpAddr::V4(b)) if a <= b => {
                self.v4.push((u32::from(a), u32::from(b), system));
                true
            }
            (IpAddr::V6(a), IpAddr::V6(b)) if a <= b => {
                self.v6.push((u128::from(a), u128::from(b), system));
                true
            }
            _ => false,
        };
        if kept {
            self.names[system as usize].2 += 1;
        }
        kept
    }

    /// The table: systems numbered by how many ranges they hold (frequent ones get the short codes), ranges
    /// sorted, overlaps cut at the earlier range's end, and gaps marked.
    pub fn finish(self, info: DatasetInfo) -> Result<AsnTable, String> {
        if self.v4.is_empty() && self.v6.is_empty() {
            return Err("no address ranges found".into());
        }
        let mut order: Vec<u32> = (0..self.names.len() as u32).collect();
        order.sort_by_key(|&i| (std::cmp::Reverse(self.names[i as usize].2), i));
        let mut renumber = vec![0u32; order.len()];
        let (mut asns, mut org_ends, mut orgs) = (Vec::new(), Vec::new(), String::new());
        for (new, &old) in order.iter().enumerate() {
            renumber[old as usize] = new as u32;
            let (asn, org, _) = &self.names[old as usize];
            asns.push(*asn);
            orgs.push_str(org);
            org_ends.push(u32::try_from(orgs.len()).map_err(|_| "names too long")?);
        }
        let (v4_starts, v4_systems) = layout(self.v4, &renumber);
        let (v6_starts, v6_systems) = layout(self.v6, &renumber);
        Ok(AsnTable {
            info,
            origin: "table".into(),
            v4_starts,
            v4_systems,
            v6_starts,
            v6_systems,
            asns,
            org_ends,
            orgs,
        })
    }
}

/// Sorted starts with their systems, a gap entry after every range not followed directly by another.
fn layout<T>(mut ranges: Vec<(T, T, u32)>, renumber: &[u32]) -> (Vec<T>, Vec<u32>)
where
    T: Copy + Ord + num::Step,
{
    ranges.sort_by_key(|r| (r.0, std::cmp::Reverse(r.1)));
    let (mut starts, mut systems) = (Vec::with_capacity(ranges.len()), Vec::new());
    let mut covered: Option<T> = None;
    for (first, last, system) in ranges {
        let first = match covered {
            Some(end) if first <= end => match T::next(end) {
                Some(n) if n <= last => n,
                _ => continue,
            },
            _ => first,
        };
        if let Some(end) = covered
            && T::next(end) != Some(first)
        {
            starts.push(T::next(end).expect("a gap follows a range that ends before the top"));
            systems.push(NONE);
        }
        starts.push(first);
        systems.push(renumber[system as usize]);
        covered = Some(last);
    }
    if let Some(next) = covered.and_then(T::next) {
        starts.push(next);
        systems.push(NONE);
    }
    (starts, systems)
}

mod num {
    /// The next address, `None` past the last one.
    pub trait Step: Sized {
        fn next(self) -> Option<Self>;
    }

    impl Step for u32 {
        fn next(self) -> Option<u32> {
            self.checked_add(1)
        }
    }

    impl Step for u128 {
        fn next(self) -> Option<u128> {
            self.checked_add(1)
        }
    }
}

/// The source formats a table can be built from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceFormat {
    /// `@ip-location-db/asn`'s CSV: `first,last,asn,"organisation"` (addresses as text).
    IpLocationDb,
    /// iptoasn.com's TSV: `first\tlast\tasn\tcountry\tdescription`.
    Iptoasn,
}

impl SourceFormat {
    /// Reads `ip-location-db` or `iptoasn`.
    pub fn from_name(name: &str) -> Option<SourceFormat> {
        match name {
            "ip-location-db" => Some(SourceFormat::IpLocationDb),
            "iptoasn" => Some(SourceFormat::Iptoasn),
            _ => None,
        }
    }
}

/// Reads one source file into `builder`; returns the ranges kept. A line that cannot be read is an error naming
/// the line, so that a changed upstream format is noticed instead of silently yielding an empty table.
pub fn read_source(
    text: &str,
    format: SourceFormat,
    builder: &mut Builder,
) -> Result<usize, String> {
    let mut kept = 0;
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let fields = match format {
            SourceFormat::IpLocationDb => csv_fields(line),
            SourceFormat::Iptoasn => line.split('\t').map(str::to_string).collect(),
        };
        let bad = || format!("line {}: not a `first,last,asn,org` range: {line:?}", n + 1);
        if fields.len() < 3 {
            return Err(bad());
        }
        let first: IpAddr = fields[0].trim().parse().map_err(|_| bad())?;
        let last: IpAddr = fields[1].trim().parse().map_err(|_| bad())?;
        let asn: u32 = fields[2].trim().parse().map_err(|_| bad())?;
        let org = match format {
            SourceFormat::IpLocationDb => fields.get(3),
            SourceFormat::Iptoasn => fields.get(4),
        };
        let org = org.map_or("", |s| s.as_str());
        if builder.add(first, last, asn, if org == "Not routed" { "" } else { org }) {
            kept += 1;
        }
    }
    Ok(kept)
}

/// Splits one CSV line (RFC 4180 quoting, `""` inside quotes).
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                fields.last_mut().expect("one field").push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(String::new()),
            (c, _) => fields.last_mut().expect("one field").push(c),
        }
    }
    fields
}

/// Where `refresh` writes and `load_default` looks: `asn.bin.gz` in the user data directory.
pub fn user_asn_path() -> Option<PathBuf> {
    crate::ranges::user_data_dir().map(|d| d.join(FILE_NAME))
}

/// Where `vpcflow enrich update` downloads from by default: iptoasn.com's combined table (public domain, PDDL,
/// refreshed hourly; IPv4 and IPv6 in one gzip'd file).
#[cfg(feature = "update")]
pub const DEFAULT_URL: &str = "https://iptoasn.com/data/ip2asn-combined.tsv.gz";

/// What `refresh` did.
#[cfg(feature = "update")]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RefreshReport {
    /// The file written.
    pub path: PathBuf,
    /// The new table's description.
    pub info: DatasetInfo,
    /// Announced IPv4 and IPv6 ranges.
    pub ranges: (usize, usize),
    /// Distinct systems.
    pub systems: usize,
    /// Size of the file written.
    pub bytes: usize,
}

#[cfg(feature = "update")]
impl std::fmt::Display for RefreshReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "wrote {}: {} ({}), {} IPv4 and {} IPv6 ranges, {} systems, {} bytes; licence {}",
            self.path.display(),
            self.info.dataset,
            self.info.date,
            self.ranges.0,
            self.ranges.1,
            self.systems,
            self.bytes,
            self.info.licence
        )
    }
}

/// Downloads a source table (gzip'd or not) from `url`, converts it, and replaces `dest` (default:
/// [`user_asn_path`]) atomically. `info` describes the data (its licence and attribution); its `source` and, when
/// empty, its `date` (today, UTC) are filled in.
#[cfg(feature = "update")]
pub fn refresh(
    url: &str,
    format: SourceFormat,
    mut info: DatasetInfo,
    today: &str,
    dest: Option<&Path>,
) -> Result<RefreshReport, String> {
    let dest = crate::download::destination(dest, FILE_NAME)?;
    info.source = url.to_string();
    if info.date.is_empty() {
        info.date = today.to_string();
    }
    crate::download::update(url, 512 << 20, &dest, |body| {
        let text = if body.starts_with(&[0x1f, 0x8b]) {
            let mut text = String::new();
            flate2::read::MultiGzDecoder::new(&body[..])
                .take(2 << 30)
                .read_to_string(&mut text)
                .map_err(|e| format!("cannot inflate: {e}"))?;
            text
        } else {
            String::from_utf8(body).map_err(|_| "not a text table".to_string())?
        };
        let mut builder = Builder::default();
        read_source(&text, format, &mut builder)?;
        let table = builder.finish(info)?;
        let bytes = table.to_bytes();
        let report = RefreshReport {
            path: dest.clone(),
            info: table.info.clone(),
            ranges: table.range_counts(),
            systems: table.system_count(),
            bytes: bytes.len(),
        };
        Ok((bytes, report))
    })
}

/// What iptoasn.com's data is and its terms.
pub fn iptoasn_info() -> DatasetInfo {
    DatasetInfo {
        dataset: "iptoasn.com ip2asn-combined".into(),
        date: String::new(),
        source: String::new(),
        licence: "PDDL 1.0 (public domain)".into(),
        attribution: "IP to ASN data by iptoasn.com (PDDL)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn small() -> AsnTable {
        let text = "1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"\n\
                    1.0.4.0,1.0.7.255,38803,Gtelecom Pty Ltd\n\
                    1.0.5.0,1.0.8.255,64500,\"Overlap \"\"Net\"\"\"\n\
                    1.0.9.0,1.0.9.255,38803,Gtelecom Pty Ltd\n\
                    255.255.255.0,255.255.255.255,64501,Top\n\
                    2001:db8::,2001:db8:0:ffff:ffff:ffff:ffff:ffff,64500,Example Net\n\
                    2001:db8:1::1,2001:db8:1::7,64502,Odd\n";
        let mut b = Builder::default();
        assert_eq!(
            read_source(text, SourceFormat::IpLocationDb, &mut b).unwrap(),
            7
        );
        b.finish(DatasetInfo {
            dataset: "test".into(),
            ..DatasetInfo::default()
        })
        .unwrap()
    }

    #[test]
    fn lookups_gaps_and_overlaps() {
        let t = small();
        let at = |s: &str| t.lookup(ip(s)).map(|a| (a.asn, a.org.to_string()));
        assert_eq!(at("1.0.0.1"), Some((13335, "Cloudflare, Inc.".into())));
        assert_eq!(at("1.0.1.0"), None, "a gap");
        assert_eq!(at("0.255.255.255"), None, "before the first range");
        assert_eq!(
            at("1.0.5.1").unwrap().0,
            38803,
            "the earlier range keeps its span"
        );
        assert_eq!(at("1.0.8.1"), Some((64500, "Overlap \"Net\"".into())));
        assert_eq!(at("1.0.9.9").unwrap().0, 38803);
        assert_eq!(at("1.0.10.0"), None);
        assert_eq!(at("255.255.255.255").unwrap().0, 64501);
        assert_eq!(at("2001:db8::5").unwrap().0, 64500);
        assert_eq!(at("2001:db8:1::"), None);
        assert_eq!(at("2001:db8:1::7").unwrap().0, 64502);
        assert_eq!(at("2001:db8:1::8"), None);
        assert_eq!(at("::ffff:1.0.0.9").unwrap().0, 13335);
        assert_eq!(t.range_counts(), (5, 2));
        assert_eq!(t.system_count(), 5);
    }

    #[test]
    fn round_trip_and_refusals() {
        let t = small();
        let bytes = t.to_bytes();
        let back = AsnTable::from_bytes(&bytes).unwrap();
        assert_eq!(back.info().dataset, "test");
        assert_eq!(back.v4_starts, t.v4_starts);
        assert_eq!(back.v6_starts, t.v6_starts);
        assert_eq!(back.lookup(ip("1.0.8.1")).unwrap().org, "Overlap \"Net\"");
        assert!(AsnTable::from_bytes(b"<html>").is_err());
        // Every truncation is an error, never a panic.
        let mut raw = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_end(&mut raw)
            .unwrap();
        for cut in 0..raw.len() {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            std::io::Write::write_all(&mut gz, &raw[..cut]).unwrap();
            assert!(
                AsnTable::from_bytes(&gz.finish().unwrap()).is_err(),
                "{cut}"
            );
        }
    }

    #[test]
    fn iptoasn_lines() {
        let text = "1.0.0.0\t1.0.0.255\t13335\tUS\tCLOUDFLARENET\n\
                    1.0.1.0\t1.0.3.255\t0\tNone\tNot routed\n\
                    2001:200::\t2001:200:dff:ffff:ffff:ffff:ffff:ffff\t2500\tJP\tWIDE-BB WIDE Project\n";
        let mut b = Builder::default();
        assert_eq!(read_source(text, SourceFormat::Iptoasn, &mut b).unwrap(), 2);
        let t = b.finish(DatasetInfo::default()).unwrap();
        assert_eq!(t.lookup(ip("1.0.2.1")), None);
        assert_eq!(
            t.lookup(ip("2001:200::1")).unwrap().org,
            "WIDE-BB WIDE Project"
        );
        let err = read_source("garbage\n", SourceFormat::Iptoasn, &mut Builder::default());
        assert!(err.unwrap_err().contains("line 1"));
    }

    #[test]
    fn builtin_snapshot() {
        let t = AsnTable::builtin();
        assert_eq!(t.info().licence, "CC BY 4.0");
        let one = t.lookup(ip("1.1.1.1")).unwrap();
        assert_eq!((one.asn, one.org), (13335, "Cloudflare, Inc."));
        assert_eq!(t.lookup(ip("8.8.8.8")).unwrap().asn, 15169);
        assert_eq!(t.lookup(ip("2001:4860:4860::8888")).unwrap().asn, 15169);
        assert_eq!(t.lookup(ip("10.0.0.1")), None);
        let (v4, v6) = t.range_counts();
        assert!(v4 > 400_000 && v6 > 100_000, "{v4} {v6}");
    }
}
