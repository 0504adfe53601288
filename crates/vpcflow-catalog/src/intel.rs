//! Threat lists: sets of addresses and networks someone has judged dangerous (Spamhaus DROP, Tor exits, botnet
//! controllers, the user's own lists), and which of them an address is on.
//!
//! Nothing is shipped or fetched implicitly: the public lists' terms allow each user to fetch them for their own
//! use, not us to redistribute them, so `vpcflow intel update` downloads the [`FEEDS`] and `vpcflow intel add`
//! imports the user's files. Either way a list is stored in the user data directory (`intel/NAME.list`) as one
//! network a line under a header that keeps its source, date, terms and category, so that any process (the CLI,
//! the dashboard, a cluster executor) loads the same lists by reading that directory.
//!
//! Imported files may be plain lists (one address or CIDR a line, with `#`/`;` comments, as GuardDuty's TXT
//! format), CSV such as AlienVault OTX's or ProofPoint's exports (the first field that is an address counts),
//! JSON lines such as Spamhaus' (`{"cidr": …}`), or JSON documents such as STIX 2 bundles (`[ipv4-addr:value =
//! '…']` patterns) and Tor's relay details (`or_addresses`).

use ipnet::IpNet;
use serde::Serialize;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// What a list means, which decides how serious a match is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Botnet command-and-control servers.
    C2,
    /// Networks hijacked or run by criminals (Spamhaus DROP).
    Drop,
    /// Tor exit relays (traffic from Tor users leaves through them).
    TorExit,
    /// Any Tor relay (guards, middles, exits, directory authorities).
    TorRelay,
    /// Cryptocurrency mining pools and nodes.
    Crypto,
    /// Known scanners.
    Scanner,
    /// The user's own list.
    Custom,
}

impl Category {
    /// Every category, in declaration order.
    pub const ALL: [Category; 7] = [
        Category::C2,
        Category::Drop,
        Category::TorExit,
        Category::TorRelay,
        Category::Crypto,
        Category::Scanner,
        Category::Custom,
    ];

    /// The word used in files and on the command line.
    pub fn word(self) -> &'static str {
        match self {
            Category::C2 => "c2",
            Category::Drop => "drop",
            Category::TorExit => "tor-exit",
            Category::TorRelay => "tor-relay",
            Category::Crypto => "crypto",
            Category::Scanner => "scanner",
            Category::Custom => "custom",
        }
    }

    /// Reads [`Category::word`].
    pub fn from_word(word: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.word() == word)
    }
}

/// Where a list came from and under which terms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ListInfo {
    /// The list's name (`spamhaus-drop`, `scanners`).
    pub name: String,
    /// What it means.
    pub category: Category,
    /// A URL or the file it was imported from.
    pub source: String,
    /// When it was fetched or imported (UTC, RFC 3339).
    pub date: String,
    /// The terms of use (a URL or a sentence); empty for the user's own lists.
    pub terms: String,
    /// What it holds, in a few words.
    pub description: String,
}

/// One list, indexed for lookup.
#[derive(Clone, Debug)]
pub struct ThreatList {
    info: ListInfo,
    v4: Vec<(u32, u32)>,
    v6: Vec<(u128, u128)>,
    entries: usize,
}

impl ThreatList {
    /// A list of these networks.
    pub fn new(info: ListInfo, nets: &[IpNet]) -> ThreatList {
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        for net in nets {
            match net.trunc() {
                IpNet::V4(n) => v4.push((u32::from(n.network()), u32::from(n.broadcast()))),
                IpNet::V6(n) => v6.push((u128::from(n.network()), u128::from(n.broadcast()))),
            }
        }
        ThreatList {
            info,
            v4: merge(v4),
            v6: merge(v6),
            entries: nets.len(),
        }
    }

    /// Its description.
    pub fn info(&self) -> &ListInfo {
        &self.info
    }

    /// How many entries it was given.
    pub fn entries(&self) -> usize {
        self.entries
    }

    /// Whether `ip` is on the list.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match unmap(ip) {
            IpAddr::V4(v4) => covers(&self.v4, u32::from(v4)),
            IpAddr::V6(v6) => covers(&self.v6, u128::from(v6)),
        }
    }

    /// The list in its stored form: the header, then one network a line.
    pub fn to_text(&self) -> String {
        let i = &self.info;
        let mut out = format!(
            "# vpcflow threat list\n# name: {}\n# category: {}\n# source: {}\n# date: {}\n# terms: {}\n# description: {}\n",
            i.name,
            i.category.word(),
            one_line(&i.source),
            one_line(&i.date),
            one_line(&i.terms),
            one_line(&i.description)
        );
        for &(a, b) in &self.v4 {
            for net in ipnet::Ipv4Subnets::new(a.into(), b.into(), 0) {
                out.push_str(&format!("{net}\n"));
            }
        }
        for &(a, b) in &self.v6 {
            for net in ipnet::Ipv6Subnets::new(a.into(), b.into(), 0) {
                out.push_str(&format!("{net}\n"));
            }
        }
        out
    }

    /// Reads the stored form. Every line must be a header line or a network.
    pub fn from_text(text: &str) -> Result<ThreatList, String> {
        let mut header = std::collections::HashMap::new();
        let mut nets = Vec::new();
        for (n, line) in text.lines().enumerate() {
            if let Some(rest) = line.strip_prefix("# ") {
                if let Some((k, v)) = rest.split_once(": ") {
                    header.insert(k.to_string(), v.to_string());
                }
                continue;
            }
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let net = parse_net(line.trim())
                .ok_or_else(|| format!("line {}: not a network: {line:?}", n + 1))?;
            nets.push(net);
        }
        let get = |k: &str| header.get(k).cloned().unwrap_or_default();
        let name = get("name");
        if !valid_name(&name) {
            return Err("no valid `# name:` header: not a vpcflow threat list".into());
        }
        let category = Category::from_word(&get("category"))
            .ok_or_else(|| format!("unknown category {:?}", get("category")))?;
        Ok(ThreatList::new(
            ListInfo {
                name,
                category,
                source: get("source"),
                date: get("date"),
                terms: get("terms"),
                description: get("description"),
            },
            &nets,
        ))
    }
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

fn unmap(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Sorted, non-overlapping, non-adjacent ranges.
fn merge<T: Copy + Ord + Step>(mut ranges: Vec<(T, T)>) -> Vec<(T, T)> {
    ranges.sort_unstable();
    let mut out: Vec<(T, T)> = Vec::with_capacity(ranges.len());
    for (a, b) in ranges {
        match out.last_mut() {
            Some(last) if last.1.after().is_none_or(|next| next >= a) => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

trait Step: Sized {
    fn after(self) -> Option<Self>;
}

impl Step for u32 {
    fn after(self) -> Option<u32> {
        self.checked_add(1)
    }
}

impl Step for u128 {
    fn after(self) -> Option<u128> {
        self.checked_add(1)
    }
}

fn covers<T: Copy + Ord>(ranges: &[(T, T)], x: T) -> bool {
    let i = ranges.partition_point(|r| r.0 <= x);
    i > 0 && ranges[i - 1].1 >= x
}

/// A list name: lower-case letters, digits, `-` and `_`, starting with a letter or digit, at most 64 long.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// An address or network: `1.2.3.4`, `1.2.3.0/24`, `2001:db8::/32`, `1.2.3.4:9001`, `[2001:db8::1]:443`.
pub fn parse_net(text: &str) -> Option<IpNet> {
    let t = text.trim().trim_matches(|c| c == '"' || c == '\'');
    if let Ok(net) = t.parse::<IpNet>() {
        return Some(net.trunc());
    }
    if let Ok(ip) = t.parse::<IpAddr>() {
        return Some(IpNet::from(ip));
    }
    if let Ok(sock) = t.parse::<std::net::SocketAddr>() {
        return Some(IpNet::from(sock.ip()));
    }
    None
}

/// A line or entry of an imported file that held no address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// The line (1-based); 0 for entries of a JSON document.
    pub line: usize,
    /// Why.
    pub reason: String,
}

/// What an imported file held.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    /// The networks found.
    pub nets: Vec<IpNet>,
    /// Lines or entries without an address (domains, URLs, hashes, garbage), with their line.
    pub skipped: Vec<Skipped>,
}

/// Reads the addresses of a list file in any of the supported forms (see the module documentation).
pub fn parse_list(text: &str) -> Parsed {
    let text = text.trim_start_matches('\u{feff}');
    let trimmed = text.trim_start();
    if (trimmed.starts_with('{') || trimmed.starts_with('['))
        && let Ok(doc) = serde_json::from_str::<serde_json::Value>(trimmed)
    {
        let mut parsed = Parsed::default();
        walk_json(&doc, None, &mut parsed);
        return parsed;
    }
    let mut parsed = Parsed::default();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with(['#', ';']) || line.starts_with("//") {
            continue;
        }
        if line.starts_with('{') {
            match serde_json::from_str::<serde_json::Value>(line) {
                // A JSON line without an address is metadata (Spamhaus ends with one), not an error.
                Ok(v) => walk_json(&v, None, &mut parsed),
                Err(e) => parsed.skipped.push(Skipped {
                    line: n + 1,
                    reason: format!("not JSON: {e}"),
                }),
            }
            continue;
        }
        let content = line.split([';', '#']).next().unwrap_or("");
        let found = content.split([',', '\t', ' ', '|']).find_map(parse_net);
        match found {
            Some(net) => parsed.nets.push(net),
            // The first line of a CSV file is its header.
            None if n == 0 => {}
            None => parsed.skipped.push(Skipped {
                line: n + 1,
                reason: format!("no address or network in {:?}", truncate(line)),
            }),
        }
    }
    parsed
}

fn truncate(s: &str) -> String {
    s.chars().take(60).collect()
}

/// Keys whose string values are addresses in the JSON forms we know.
const ADDRESS_KEYS: &[&str] = &[
    "cidr",
    "ip",
    "ip_address",
    "ipv4",
    "ipv6",
    "address",
    "indicator",
    "value",
    "or_addresses",
    "exit_addresses",
];

fn walk_json(v: &serde_json::Value, key: Option<&str>, parsed: &mut Parsed) {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                walk_json(v, Some(k), parsed);
            }
        }
        Value::Array(items) => {
            for item in items {
                walk_json(item, key, parsed);
            }
        }
        Value::String(s) if key == Some("pattern") => stix_pattern(s, parsed),
        Value::String(s) if key.is_some_and(|k| ADDRESS_KEYS.contains(&k)) => match parse_net(s) {
            Some(net) => parsed.nets.push(net),
            None if key == Some("value") || key == Some("indicator") => {
                parsed.skipped.push(Skipped {
                    line: 0,
                    reason: format!("not an address: {:?}", truncate(s)),
                })
            }
            None => {}
        },
        _ => {}
    }
}

/// The addresses in a STIX 2 pattern: `[ipv4-addr:value = '198.51.100.1/32' OR ipv6-addr:value = '…']`.
fn stix_pattern(pattern: &str, parsed: &mut Parsed) {
    let mut found = false;
    for marker in ["ipv4-addr:value", "ipv6-addr:value"] {
        for (at, _) in pattern.match_indices(marker) {
            let rest = &pattern[at + marker.len()..];
            let Some(open) = rest.find('\'') else {
                continue;
            };
            let Some(len) = rest[open + 1..].find('\'') else {
                continue;
            };
            if let Some(net) = parse_net(&rest[open + 1..open + 1 + len]) {
                parsed.nets.push(net);
                found = true;
            }
        }
    }
    if !found {
        parsed.skipped.push(Skipped {
            line: 0,
            reason: format!("no address in STIX pattern {:?}", truncate(pattern)),
        });
    }
}

/// Every list in a directory, for lookup.
#[derive(Clone, Debug, Default)]
pub struct ListSet {
    lists: Vec<ThreatList>,
    problems: Vec<String>,
}

impl ListSet {
    /// These lists.
    pub fn new(lists: Vec<ThreatList>) -> ListSet {
        ListSet {
            lists,
            problems: Vec::new(),
        }
    }

    /// Reads every `*.list` in `dir` (none if it does not exist), in name order. A file that cannot be read is
    /// left out and named in [`ListSet::problems`].
    pub fn load_dir(dir: &Path) -> ListSet {
        let mut set = ListSet::default();
        let Ok(entries) = std::fs::read_dir(dir) else {
            return set;
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "list"))
            .collect();
        paths.sort();
        for path in paths {
            match std::fs::read_to_string(&path)
                .map_err(|e| e.to_string())
                .and_then(|t| ThreatList::from_text(&t))
            {
                Ok(list) => set.lists.push(list),
                Err(e) => set.problems.push(format!("{}: {e}", path.display())),
            }
        }
        set
    }

    /// The lists in the user data directory, read once per process.
    pub fn load_default() -> Arc<ListSet> {
        static DEFAULT: OnceLock<Arc<ListSet>> = OnceLock::new();
        DEFAULT
            .get_or_init(|| {
                Arc::new(
                    lists_dir()
                        .map(|d| ListSet::load_dir(&d))
                        .unwrap_or_default(),
                )
            })
            .clone()
    }

    /// The lists.
    pub fn lists(&self) -> &[ThreatList] {
        &self.lists
    }

    /// Files that could not be read.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    /// The lists `ip` is on, in list order.
    pub fn matches(&self, ip: IpAddr) -> impl Iterator<Item = &ListInfo> {
        self.lists
            .iter()
            .filter(move |l| l.contains(ip))
            .map(|l| &l.info)
    }

    /// Whether there are no lists.
    pub fn is_empty(&self) -> bool {
        self.lists.is_empty()
    }
}

/// Where lists are kept: `intel/` in the user data directory.
pub fn lists_dir() -> Option<PathBuf> {
    crate::ranges::user_data_dir().map(|d| d.join("intel"))
}

/// What `add` or `update` wrote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Stored {
    /// The list.
    pub info: ListInfo,
    /// The file written.
    pub path: PathBuf,
    /// Networks stored (after merging).
    pub entries: usize,
    /// Lines or entries without an address.
    pub skipped: Vec<Skipped>,
}

impl std::fmt::Display for Stored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} entries ({}) from {} into {}",
            self.info.name,
            self.entries,
            self.info.category.word(),
            self.info.source,
            self.path.display()
        )?;
        if !self.skipped.is_empty() {
            write!(
                f,
                "; {} lines without an address skipped",
                self.skipped.len()
            )?;
        }
        Ok(())
    }
}

/// Builds a list from the text of a file, refusing one that holds no address or more bad lines than good ones
/// (an error page, a file of domains).
pub fn build(text: &str, info: ListInfo) -> Result<(ThreatList, Vec<Skipped>), String> {
    if !valid_name(&info.name) {
        return Err(format!(
            "`{}` is not a list name: use lower-case letters, digits, `-` and `_`",
            info.name
        ));
    }
    if text.trim_start().starts_with('<') {
        return Err("not a list (it looks like an HTML or XML page)".into());
    }
    let parsed = parse_list(text);
    if parsed.nets.is_empty() {
        return Err(match parsed.skipped.first() {
            Some(s) => format!(
                "no address or network found (line {}: {})",
                s.line, s.reason
            ),
            None => "no address or network found".into(),
        });
    }
    if parsed.skipped.len() > parsed.nets.len() {
        let s = &parsed.skipped[0];
        return Err(format!(
            "{} of {} entries are not addresses (first: line {}: {})",
            parsed.skipped.len(),
            parsed.skipped.len() + parsed.nets.len(),
            s.line,
            s.reason
        ));
    }
    Ok((ThreatList::new(info, &parsed.nets), parsed.skipped))
}

/// Imports the user's file as list `info.name` into `dir` (default: [`lists_dir`]).
pub fn add(text: &str, info: ListInfo, dir: Option<&Path>) -> Result<Stored, String> {
    let (list, skipped) = build(text, info)?;
    store(list, skipped, dir)
}

fn store(list: ThreatList, skipped: Vec<Skipped>, dir: Option<&Path>) -> Result<Stored, String> {
    let dir = match dir {
        Some(d) => d.to_path_buf(),
        None => {
            lists_dir().ok_or("no data directory: set VPCFLOW_DATA_DIR, XDG_DATA_HOME or HOME")?
        }
    };
    let path = dir.join(format!("{}.list", list.info.name));
    let text = list.to_text();
    write_atomically(&path, text.as_bytes())?;
    Ok(Stored {
        entries: list.v4.len() + list.v6.len(),
        info: list.info,
        path,
        skipped,
    })
}

#[cfg(feature = "update")]
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    crate::download::replace_atomically(path, bytes)
}

#[cfg(not(feature = "update"))]
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            format!("cannot write {}: {e}", path.display())
        })
}

/// Removes list `name` from `dir` (default: [`lists_dir`]); returns whether it was there.
pub fn remove(name: &str, dir: Option<&Path>) -> Result<bool, String> {
    if !valid_name(name) {
        return Err(format!("`{name}` is not a list name"));
    }
    let dir = match dir {
        Some(d) => d.to_path_buf(),
        None => lists_dir().ok_or("no data directory")?,
    };
    let path = dir.join(format!("{name}.list"));
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(format!("cannot remove {}: {e}", path.display())),
    }
}

/// A public list `vpcflow intel update` can fetch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Feed {
    /// The name it is stored under.
    pub name: &'static str,
    /// What it means.
    pub category: Category,
    /// Where it is published.
    pub url: &'static str,
    /// Its terms of use.
    pub terms: &'static str,
    /// What it holds.
    pub description: &'static str,
}

/// The public lists whose terms let each user fetch them for their own use.
pub const FEEDS: &[Feed] = &[
    Feed {
        name: "spamhaus-drop",
        category: Category::Drop,
        url: "https://www.spamhaus.org/drop/drop_v4.json",
        terms: "Spamhaus DROP Terms of Use: free of charge for use in your own network, not to be \
                redistributed (https://www.spamhaus.org/drop/terms/)",
        description: "Spamhaus Don't Route Or Peer, IPv4: netblocks hijacked or run by criminals",
    },
    Feed {
        name: "spamhaus-dropv6",
        category: Category::Drop,
        url: "https://www.spamhaus.org/drop/drop_v6.json",
        terms: "Spamhaus DROP Terms of Use: free of charge for use in your own network, not to be \
                redistributed (https://www.spamhaus.org/drop/terms/)",
        description: "Spamhaus Don't Route Or Peer, IPv6",
    },
    Feed {
        name: "tor-exits",
        category: Category::TorExit,
        url: "https://check.torproject.org/torbulkexitlist",
        terms: "Tor Project data, published for anyone to use (https://metrics.torproject.org/)",
        description: "Tor exit relays: connections from Tor users arrive from these addresses",
    },
    Feed {
        name: "tor-relays",
        category: Category::TorRelay,
        url: "https://onionoo.torproject.org/details?type=relay&running=true&fields=or_addresses",
        terms: "Tor Project data, published for anyone to use (https://metrics.torproject.org/)",
        description: "Running Tor relays (guards, middles, exits): an instance connecting to them runs Tor",
    },
    Feed {
        name: "feodo",
        category: Category::C2,
        url: "https://feodotracker.abuse.ch/downloads/ipblocklist.txt",
        terms: "abuse.ch Feodo Tracker: free for commercial and non-commercial use \
                (https://feodotracker.abuse.ch/)",
        description: "abuse.ch Feodo Tracker: botnet command-and-control servers (Dridex, Emotet, QakBot, …)",
    },
];

/// Downloads `feed` (from `url` when given, for mirrors and tests) and stores it in `dir` (default:
/// [`lists_dir`]) atomically; the previous copy stays if anything fails. `now` is the fetch time (RFC 3339).
#[cfg(feature = "update")]
pub fn update(
    feed: &Feed,
    url: Option<&str>,
    now: &str,
    dir: Option<&Path>,
) -> Result<Stored, String> {
    let url = url.unwrap_or(feed.url);
    let body = crate::download::fetch(url, 64 << 20)?;
    let text = String::from_utf8_lossy(&body);
    let info = ListInfo {
        name: feed.name.into(),
        category: feed.category,
        source: url.into(),
        date: now.into(),
        terms: feed.terms.into(),
        description: feed.description.into(),
    };
    let (list, skipped) = build(&text, info).map_err(|e| format!("{url}: {e}"))?;
    store(list, skipped, dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(name: &str) -> ListInfo {
        ListInfo {
            name: name.into(),
            category: Category::Custom,
            source: "test".into(),
            date: "2026-12-06T00:00:00Z".into(),
            terms: String::new(),
            description: String::new(),
        }
    }

    fn nets(text: &str) -> Vec<String> {
        parse_list(text)
            .nets
            .iter()
            .map(|n| n.to_string())
            .collect()
    }

    #[test]
    fn plain_csv_and_comments() {
        let p = parse_list(
            "# scanners\n203.0.113.9\n198.51.100.0/24 ; SBL1\n\n2001:db8::/32 # doc\nevil.example\n",
        );
        assert_eq!(
            p.nets.iter().map(|n| n.to_string()).collect::<Vec<_>>(),
            ["203.0.113.9/32", "198.51.100.0/24", "2001:db8::/32"]
        );
        assert_eq!(p.skipped.len(), 1);
        assert_eq!(p.skipped[0].line, 6);
        // OTX CSV: a header, then the type before the address.
        assert_eq!(
            nets(
                "Indicator type,Indicator,Description\nIPv4,192.0.2.7,bad\nhostname,x.example,y\n"
            ),
            ["192.0.2.7/32"]
        );
        // ProofPoint: ip,category,score with quotes.
        assert_eq!(
            nets("ip,category,score\n\"192.0.2.8\",1,100\n"),
            ["192.0.2.8/32"]
        );
        // Tor relays with ports, Spamhaus JSON lines with a metadata line.
        assert_eq!(
            nets(
                "{\"cidr\":\"1.10.16.0/20\",\"sblid\":\"SBL256894\"}\n{\"type\":\"metadata\",\"timestamp\":1}\n"
            ),
            ["1.10.16.0/20"]
        );
    }

    #[test]
    fn json_documents() {
        let stix = r#"{"type":"bundle","objects":[
            {"type":"indicator","pattern":"[ipv4-addr:value = '198.51.100.1']"},
            {"type":"indicator","pattern":"[ipv6-addr:value = '2001:db8::/48' OR ipv4-addr:value = '192.0.2.0/25']"},
            {"type":"indicator","pattern":"[domain-name:value = 'x.example']"}]}"#;
        let p = parse_list(stix);
        assert_eq!(p.nets.len(), 3);
        assert_eq!(p.skipped.len(), 1);
        let onionoo = r#"{"version":"8.0","relays":[{"or_addresses":["192.0.2.1:9001","[2001:db8::1]:443"]}]}"#;
        assert_eq!(nets(onionoo), ["192.0.2.1/32", "2001:db8::1/128"]);
    }

    #[test]
    fn lookup_merge_and_round_trip() {
        let (list, _) = build(
            "10.0.0.0/25\n10.0.0.128/25\n10.0.1.5\n2001:db8::/64\n",
            info("mine"),
        )
        .unwrap();
        assert!(list.contains("10.0.0.200".parse().unwrap()));
        assert!(list.contains("::ffff:10.0.1.5".parse().unwrap()));
        assert!(!list.contains("10.0.1.6".parse().unwrap()));
        assert!(list.contains("2001:db8::ffff".parse().unwrap()));
        assert!(!list.contains("2001:db8:0:1::".parse().unwrap()));
        let text = list.to_text();
        assert!(text.contains("\n10.0.0.0/24\n10.0.1.5/32\n"), "{text}");
        let back = ThreatList::from_text(&text).unwrap();
        assert_eq!(back.info(), list.info());
        assert!(back.contains("10.0.0.1".parse().unwrap()));
        assert!(ThreatList::from_text("1.2.3.4\n").is_err());
    }

    #[test]
    fn refusals() {
        assert!(
            build("<html>rate limited</html>", info("x"))
                .unwrap_err()
                .contains("HTML")
        );
        assert!(
            build("a.example\nb.example\n", info("x"))
                .unwrap_err()
                .contains("no address")
        );
        assert!(
            build("1.2.3.4\nx\ny\nz\n", info("x"))
                .unwrap_err()
                .contains("3 of 4")
        );
        assert!(
            build("1.2.3.4", info("Bad Name"))
                .unwrap_err()
                .contains("not a list name")
        );
    }

    #[test]
    fn directory() {
        let dir = tempfile::tempdir().unwrap();
        let stored = add("203.0.113.9\n", info("scanners"), Some(dir.path())).unwrap();
        assert_eq!(stored.entries, 1);
        std::fs::write(dir.path().join("broken.list"), "nonsense").unwrap();
        let set = ListSet::load_dir(dir.path());
        assert_eq!(set.lists().len(), 1);
        assert_eq!(set.problems().len(), 1);
        let names: Vec<_> = set
            .matches("203.0.113.9".parse().unwrap())
            .map(|i| i.name.as_str())
            .collect();
        assert_eq!(names, ["scanners"]);
        assert!(remove("scanners", Some(dir.path())).unwrap());
        assert!(!remove("scanners", Some(dir.path())).unwrap());
    }
}
