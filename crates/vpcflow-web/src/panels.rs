//! The panels' numbers, computed in one pass over the cache per view.
//!
//! Every panel also has its SQL (see [`crate::sqltext`]): the same numbers from the `flows` table, which the
//! page shows, lets the user edit and downloads. The tests check that both give the same answer.
//!
//! The pass counts into arrays indexed by dictionary keys (one slot per distinct address, interface or port), so
//! a row costs a few array increments and no hashing; only the combinations of several values (rejected
//! source → destination:port, Sankey paths) go through a hash map, and only for the rows they concern.

use crate::cache::Cache;
use crate::scan::{Numbers, Selected, fold, key_of, keys};
use arrow::array::Array;
use datafusion::physical_expr::PhysicalExpr;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

/// An internet address.
pub const PUBLIC: u8 = 0;
/// A private address.
pub const PRIVATE: u8 = 1;
/// Not an address (`xxx.xxx.xxx.xxx`).
pub const NOT_AN_ADDRESS: u8 = 2;

/// Facts about each distinct address, computed once.
pub struct Derived {
    /// Per `srcaddr` key: [`PUBLIC`], [`PRIVATE`] (RFC 1918 and the like) or [`NOT_AN_ADDRESS`] (redacted).
    pub src_private: Vec<u8>,
    /// Per `dstaddr` key.
    pub dst_private: Vec<u8>,
    /// Per `srcaddr` key: its network (a subnet of `--vpc-config`, else its /24 or /64).
    pub src_net: Vec<u32>,
    /// Per `dstaddr` key.
    pub dst_net: Vec<u32>,
    /// The networks' names.
    pub nets: Vec<String>,
    /// The first and last record start.
    pub extent: Option<(i64, i64)>,
}

impl Derived {
    /// Looks at every distinct address once; `subnet_of` names the subnet of an address when a configuration
    /// says.
    pub fn new(
        cache: &Cache,
        threads: usize,
        subnet_of: &dyn Fn(std::net::IpAddr) -> Option<String>,
    ) -> Derived {
        let mut nets: Vec<String> = Vec::new();
        let mut net_ids: HashMap<String, u32> = HashMap::new();
        let mut derive = |column: &str| -> (Vec<u8>, Vec<u32>) {
            let Some(d) = cache.dictionary(column) else {
                return (Vec::new(), Vec::new());
            };
            let mut private = Vec::with_capacity(d.len());
            let mut net = Vec::with_capacity(d.len());
            for i in 0..d.len() {
                let text = d.value(i);
                let ip = vpcflow_record::values::parse_addr(text.as_bytes());
                private.push(match ip {
                    Some(ip) if is_private(ip) => PRIVATE,
                    Some(_) => PUBLIC,
                    None => NOT_AN_ADDRESS,
                });
                let name = match ip {
                    Some(ip) => subnet_of(ip).unwrap_or_else(|| network(ip)),
                    None => text.to_string(),
                };
                let next = nets.len() as u32;
                let id = *net_ids.entry(name.clone()).or_insert_with(|| {
                    nets.push(name);
                    next
                });
                net.push(id);
            }
            (private, net)
        };
        let (src_private, src_net) = derive("srcaddr");
        let (dst_private, dst_net) = derive("dstaddr");
        let extents = fold(
            cache,
            None,
            threads,
            || None::<(i64, i64)>,
            |acc, s| {
                let start = Numbers::of(cache, s.batch, "start");
                for i in 0..s.batch.num_rows() {
                    if let Some(t) = start.get(i) {
                        *acc = Some(acc.map_or((t, t), |(a, b)| (a.min(t), b.max(t))));
                    }
                }
            },
        )
        .unwrap_or_default();
        let extent = extents
            .into_iter()
            .flatten()
            .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)));
        Derived {
            src_private,
            dst_private,
            src_net,
            dst_net,
            nets,
            extent,
        }
    }
}

/// Private address space, as the `is_private` SQL function has it.
pub fn is_private(ip: std::net::IpAddr) -> bool {
    vpcflow_record::AddrScope::of(ip).is_private()
}

/// The /24 (IPv4) or /64 (IPv6) around an address.
fn network(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}.{}.{}.0/24", o[0], o[1], o[2])
        }
        std::net::IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

/// The time axis of a view: bins of `step` seconds from `origin`.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Axis {
    /// The range asked for (or the data's).
    pub from: i64,
    /// End of the range (exclusive).
    pub to: i64,
    /// Bin width, seconds.
    pub step: i64,
    /// Bins.
    pub bins: usize,
    /// The first and last record start of the whole cache.
    pub data_from: Option<i64>,
    /// See `data_from`.
    pub data_to: Option<i64>,
}

impl Axis {
    /// About `target` bins over the range, on a round step.
    pub fn new(
        from: Option<i64>,
        to: Option<i64>,
        extent: Option<(i64, i64)>,
        target: i64,
    ) -> Axis {
        let (lo, hi) = extent.unwrap_or((0, 0));
        let from = from.unwrap_or(lo);
        let to = to.unwrap_or(hi + 1).max(from + 1);
        const STEPS: [i64; 16] = [
            1, 5, 10, 30, 60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 604800,
        ];
        let span = to - from;
        let step = STEPS
            .iter()
            .copied()
            .find(|s| span / s <= target)
            .unwrap_or(span / target + 1);
        let origin = from - from.rem_euclid(step);
        let bins = ((to - origin + step - 1) / step).max(1) as usize;
        Axis {
            from: origin,
            to,
            step,
            bins,
            data_from: extent.map(|e| e.0),
            data_to: extent.map(|e| e.1),
        }
    }

    #[inline]
    fn bin(&self, t: i64) -> Option<usize> {
        if t < self.from {
            return None;
        }
        let b = ((t - self.from) / self.step) as usize;
        (b < self.bins).then_some(b)
    }

    /// Each bin's start.
    pub fn starts(&self) -> Vec<i64> {
        (0..self.bins)
            .map(|b| self.from + b as i64 * self.step)
            .collect()
    }
}

/// Counts of one value.
#[derive(Clone, Copy, Default, Debug)]
pub struct Counter {
    /// Records with traffic (log status OK or none).
    pub flows: u64,
    /// Bytes.
    pub bytes: u64,
    /// Of the flows, rejected.
    pub rejects: u64,
}

impl Counter {
    #[inline]
    fn add(&mut self, bytes: u64, rejected: bool) {
        self.flows += 1;
        self.bytes += bytes;
        self.rejects += rejected as u64;
    }

    fn merge(&mut self, o: &Counter) {
        self.flows += o.flows;
        self.bytes += o.bytes;
        self.rejects += o.rejects;
    }
}

/// One row of a top-N table.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct TopRow {
    /// The value (text as written; a port as its number).
    pub value: String,
    /// A label for the value (a port's service), when there is one.
    pub label: Option<String>,
    /// Records with traffic.
    pub flows: u64,
    /// Bytes.
    pub bytes: u64,
    /// Rejected records.
    pub rejects: u64,
}

/// The Overview's numbers.
#[derive(Debug, Serialize)]
pub struct Overview {
    /// The headline numbers.
    pub kpis: Kpis,
    /// The time axis.
    pub axis: Axis,
    /// Per bin: records accepted, rejected, and NODATA/SKIPDATA.
    pub accept: Vec<u64>,
    /// See `accept`.
    pub reject: Vec<u64>,
    /// See `accept`.
    pub nodata: Vec<u64>,
    /// Per bin: bytes from the internet to private addresses.
    pub bytes_in: Vec<u64>,
    /// Bytes from private addresses to the internet.
    pub bytes_out: Vec<u64>,
    /// Bytes between private addresses (or between public ones).
    pub bytes_internal: Vec<u64>,
    /// Top sources, destinations, destination ports and interfaces.
    pub top: Vec<(String, Vec<TopRow>)>,
}

/// The headline numbers.
#[derive(Debug, Default, Serialize, Clone, Copy)]
pub struct Kpis {
    /// Records.
    pub records: u64,
    /// Records with traffic.
    pub flows: u64,
    /// Bytes.
    pub bytes: u64,
    /// Packets.
    pub packets: u64,
    /// Accepted records.
    pub accept: u64,
    /// Rejected records.
    pub reject: u64,
    /// NODATA records.
    pub nodata: u64,
    /// SKIPDATA records.
    pub skipdata: u64,
    /// Distinct sources.
    pub sources: u64,
    /// Distinct destinations.
    pub destinations: u64,
    /// Distinct interfaces.
    pub interfaces: u64,
    /// Ten-minute windows (AWS's default aggregation interval) inside the data's time range, and inside the
    /// range asked for, in which no record started: time the logs do not cover.
    pub gaps: u64,
}

/// Codes of the few values the pass tests for.
struct Codes {
    accept: Option<u32>,
    reject: Option<u32>,
    ok: Option<u32>,
    nodata: Option<u32>,
    skipdata: Option<u32>,
}

impl Codes {
    fn new(cache: &Cache) -> Codes {
        Codes {
            accept: key_of(cache, "action", "ACCEPT"),
            reject: key_of(cache, "action", "REJECT"),
            ok: key_of(cache, "log_status", "OK"),
            nodata: key_of(cache, "log_status", "NODATA"),
            skipdata: key_of(cache, "log_status", "SKIPDATA"),
        }
    }

    /// A record with traffic: status OK, or no status at all.
    #[inline]
    fn traffic(&self, status: u32) -> bool {
        status == u32::MAX || Some(status) == self.ok
    }
}

struct OverviewAcc {
    k: Kpis,
    src_seen: Vec<bool>,
    dst_seen: Vec<bool>,
    if_seen: Vec<bool>,
    windows: Vec<u64>,
    series: [Vec<u64>; 6],
    src: Vec<Counter>,
    dst: Vec<Counter>,
    port: Vec<Counter>,
    iface: Vec<Counter>,
    buf: [Vec<u32>; 5],
}

fn dict_len(cache: &Cache, column: &str) -> usize {
    cache.dictionary(column).map_or(0, |d| d.len())
}

/// The Overview: headline numbers, the timeline by action and by direction, and the top tables.
pub fn overview(
    cache: &Cache,
    derived: &Derived,
    filter: Option<&Arc<dyn PhysicalExpr>>,
    axis: Axis,
    by_bytes: bool,
    n: usize,
    threads: usize,
) -> datafusion::error::Result<Overview> {
    let codes = Codes::new(cache);
    let (ns, nd, ni) = (
        dict_len(cache, "srcaddr"),
        dict_len(cache, "dstaddr"),
        dict_len(cache, "interface_id"),
    );
    let accs = fold(
        cache,
        filter,
        threads,
        || OverviewAcc {
            k: Kpis::default(),
            src_seen: vec![false; ns],
            dst_seen: vec![false; nd],
            if_seen: vec![false; ni],
            windows: vec![0; windows(&axis)],
            series: std::array::from_fn(|_| vec![0; axis.bins]),
            src: vec![Counter::default(); ns],
            dst: vec![Counter::default(); nd],
            port: vec![Counter::default(); 65536],
            iface: vec![Counter::default(); ni],
            buf: Default::default(),
        },
        |acc, s| overview_batch(cache, derived, &codes, &axis, acc, s),
    )?;
    let mut it = accs.into_iter();
    let mut a = it.next().expect("at least one thread");
    for b in it {
        merge_overview(&mut a, b);
    }
    a.k.sources = a.src_seen.iter().filter(|x| **x).count() as u64;
    a.k.destinations = a.dst_seen.iter().filter(|x| **x).count() as u64;
    a.k.interfaces = a.if_seen.iter().filter(|x| **x).count() as u64;
    a.k.gaps = gaps(&a.windows, &axis);
    let top = vec![
        (
            "srcaddr".to_string(),
            top_of(cache, "srcaddr", &a.src, by_bytes, n),
        ),
        (
            "dstaddr".to_string(),
            top_of(cache, "dstaddr", &a.dst, by_bytes, n),
        ),
        ("dstport".to_string(), top_ports(&a.port, by_bytes, n)),
        (
            "interface_id".to_string(),
            top_of(cache, "interface_id", &a.iface, by_bytes, n),
        ),
    ];
    let [accept, reject, nodata, bytes_in, bytes_out, bytes_internal] = a.series;
    Ok(Overview {
        kpis: a.k,
        axis,
        accept,
        reject,
        nodata,
        bytes_in,
        bytes_out,
        bytes_internal,
        top,
    })
}

/// The length of a coverage window, seconds.
const WINDOW: i64 = 600;

fn windows(axis: &Axis) -> usize {
    ((axis.to - axis.from) / WINDOW + 1).max(1) as usize
}

/// Windows inside the data's extent and the axis in which no record started.
fn gaps(seen: &[u64], axis: &Axis) -> u64 {
    let (Some(lo), Some(hi)) = (axis.data_from, axis.data_to) else {
        return 0;
    };
    (0..seen.len())
        .filter(|&w| {
            let t = axis.from + w as i64 * WINDOW;
            t >= lo - lo.rem_euclid(WINDOW) && t <= hi && t < axis.to && seen[w] == 0
        })
        .count() as u64
}

fn overview_batch(
    cache: &Cache,
    derived: &Derived,
    codes: &Codes,
    axis: &Axis,
    acc: &mut OverviewAcc,
    s: &Selected<'_>,
) {
    let b = s.batch;
    let [action, status, src, dst, iface] = &mut acc.buf;
    keys(cache, b, "action", action);
    keys(cache, b, "log_status", status);
    keys(cache, b, "srcaddr", src);
    keys(cache, b, "dstaddr", dst);
    keys(cache, b, "interface_id", iface);
    let start = Numbers::of(cache, b, "start");
    let bytes = Numbers::of(cache, b, "bytes");
    let packets = Numbers::of(cache, b, "packets");
    let dstport = Numbers::of(cache, b, "dstport");
    let k = &mut acc.k;
    for i in 0..b.num_rows() {
        if !s.passes(i) {
            continue;
        }
        k.records += 1;
        let st = status[i];
        let t = start.get(i);
        let bin = t.and_then(|t| axis.bin(t));
        if let Some(t) = t.filter(|t| *t >= axis.from)
            && let Some(w) = acc.windows.get_mut(((t - axis.from) / WINDOW) as usize)
        {
            *w += 1;
        }
        if iface[i] != u32::MAX {
            acc.if_seen[iface[i] as usize] = true;
        }
        if !codes.traffic(st) {
            if Some(st) == codes.nodata {
                k.nodata += 1;
            } else if Some(st) == codes.skipdata {
                k.skipdata += 1;
            }
            if let Some(bin) = bin {
                acc.series[2][bin] += 1;
            }
            continue;
        }
        k.flows += 1;
        let by = bytes.get(i).unwrap_or(0).max(0) as u64;
        k.bytes += by;
        k.packets += packets.get(i).unwrap_or(0).max(0) as u64;
        let a = action[i];
        let rejected = a != u32::MAX && Some(a) == codes.reject;
        if rejected {
            k.reject += 1;
        } else if a != u32::MAX && Some(a) == codes.accept {
            k.accept += 1;
        }
        let (sk, dk) = (src[i], dst[i]);
        if let Some(bin) = bin {
            acc.series[if rejected { 1 } else { 0 }][bin] += 1;
            let sp = if sk == u32::MAX {
                NOT_AN_ADDRESS
            } else {
                derived.src_private[sk as usize]
            };
            let dp = if dk == u32::MAX {
                NOT_AN_ADDRESS
            } else {
                derived.dst_private[dk as usize]
            };
            let lane = match (sp, dp) {
                (PUBLIC, PRIVATE) => 3,
                (PRIVATE, PUBLIC) => 4,
                _ => 5,
            };
            acc.series[lane][bin] += by;
        }
        if sk != u32::MAX {
            acc.src_seen[sk as usize] = true;
            acc.src[sk as usize].add(by, rejected);
        }
        if dk != u32::MAX {
            acc.dst_seen[dk as usize] = true;
            acc.dst[dk as usize].add(by, rejected);
        }
        if let Some(p) = dstport.get(i).filter(|p| (0..65536).contains(p)) {
            acc.port[p as usize].add(by, rejected);
        }
        if iface[i] != u32::MAX {
            acc.iface[iface[i] as usize].add(by, rejected);
        }
    }
}

fn merge_overview(a: &mut OverviewAcc, b: OverviewAcc) {
    let (x, y) = (&mut a.k, &b.k);
    x.records += y.records;
    x.flows += y.flows;
    x.bytes += y.bytes;
    x.packets += y.packets;
    x.accept += y.accept;
    x.reject += y.reject;
    x.nodata += y.nodata;
    x.skipdata += y.skipdata;
    for (s, o) in [
        (&mut a.src_seen, &b.src_seen),
        (&mut a.dst_seen, &b.dst_seen),
        (&mut a.if_seen, &b.if_seen),
    ] {
        for (p, q) in s.iter_mut().zip(o) {
            *p |= *q;
        }
    }
    for (p, q) in a.windows.iter_mut().zip(&b.windows) {
        *p += q;
    }
    for (s, o) in a.series.iter_mut().zip(&b.series) {
        for (p, q) in s.iter_mut().zip(o) {
            *p += q;
        }
    }
    for (s, o) in [
        (&mut a.src, &b.src),
        (&mut a.dst, &b.dst),
        (&mut a.port, &b.port),
        (&mut a.iface, &b.iface),
    ] {
        for (p, q) in s.iter_mut().zip(o) {
            p.merge(q);
        }
    }
}

/// The `n` largest counters by bytes or flows, ties by `key` (as `ORDER BY metric DESC, value` picks them).
fn top_indices<K: Ord>(
    counters: &[Counter],
    by_bytes: bool,
    n: usize,
    key: impl Fn(usize) -> K,
) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..counters.len())
        .filter(|&i| counters[i].flows > 0)
        .collect();
    let metric = |i: usize| {
        if by_bytes {
            counters[i].bytes
        } else {
            counters[i].flows
        }
    };
    let cmp = |a: &usize, b: &usize| {
        metric(*b)
            .cmp(&metric(*a))
            .then_with(|| key(*a).cmp(&key(*b)))
    };
    if idx.len() > n {
        idx.select_nth_unstable_by(n, cmp);
        idx.truncate(n);
    }
    idx.sort_by(cmp);
    idx
}

fn top_of(
    cache: &Cache,
    column: &str,
    counters: &[Counter],
    by_bytes: bool,
    n: usize,
) -> Vec<TopRow> {
    let Some(d) = cache.dictionary(column) else {
        return Vec::new();
    };
    top_indices(counters, by_bytes, n, |i| d.value(i))
        .into_iter()
        .map(|i| TopRow {
            value: d.value(i).to_string(),
            label: None,
            flows: counters[i].flows,
            bytes: counters[i].bytes,
            rejects: counters[i].rejects,
        })
        .collect()
}

fn top_ports(counters: &[Counter], by_bytes: bool, n: usize) -> Vec<TopRow> {
    top_indices(counters, by_bytes, n, |p| p)
        .into_iter()
        .map(|p| TopRow {
            value: p.to_string(),
            label: vpcflow_catalog::services::name(p as u16, 6)
                .or_else(|| vpcflow_catalog::services::name(p as u16, 17))
                .map(str::to_string),
            flows: counters[p].flows,
            bytes: counters[p].bytes,
            rejects: counters[p].rejects,
        })
        .collect()
}

/// A rejected combination: interface, source, destination, destination port, protocol.
#[derive(Clone, Debug, Serialize, PartialEq, Eq, Hash)]
pub struct RejectKey {
    /// The interface.
    pub interface: Option<String>,
    /// Source address.
    pub src: Option<String>,
    /// Destination address.
    pub dst: Option<String>,
    /// Destination port.
    pub dstport: Option<i64>,
    /// Protocol number.
    pub protocol: Option<i64>,
}

/// One rejected combination with its counts.
#[derive(Clone, Debug, Serialize)]
pub struct RejectRow {
    /// What was rejected.
    #[serde(flatten)]
    pub key: RejectKey,
    /// Rejected records.
    pub flows: u64,
    /// Bytes.
    pub bytes: u64,
    /// A rejected record of it (the first), for the "why" panel.
    pub example: u32,
}

/// The Rejects view's numbers.
#[derive(Debug, Serialize)]
pub struct Rejects {
    /// The time axis.
    pub axis: Axis,
    /// Rejected records per bin.
    pub reject: Vec<u64>,
    /// Rejected records in all.
    pub total: u64,
    /// The rejected combinations, most records first.
    pub rows: Vec<RejectRow>,
}

type Combo = (u32, u32, u32, i64, i64);

/// Rejected records over time and by combination (the `n` most frequent).
pub fn rejects(
    cache: &Cache,
    filter: Option<&Arc<dyn PhysicalExpr>>,
    axis: Axis,
    n: usize,
    threads: usize,
) -> datafusion::error::Result<Rejects> {
    let codes = Codes::new(cache);
    let Some(reject) = codes.reject else {
        return Ok(Rejects {
            axis,
            reject: vec![0; axis.bins],
            total: 0,
            rows: Vec::new(),
        });
    };
    let row_col = cache.index(crate::cache::ROW);
    let accs = fold(
        cache,
        filter,
        threads,
        || {
            (
                vec![0u64; axis.bins],
                HashMap::<Combo, (u64, u64, u32)>::new(),
                <[Vec<u32>; 5]>::default(),
            )
        },
        |(bins, map, buf), s| {
            let b = s.batch;
            let [action, status, src, dst, iface] = buf;
            keys(cache, b, "action", action);
            keys(cache, b, "log_status", status);
            keys(cache, b, "srcaddr", src);
            keys(cache, b, "dstaddr", dst);
            keys(cache, b, "interface_id", iface);
            let start = Numbers::of(cache, b, "start");
            let bytes = Numbers::of(cache, b, "bytes");
            let port = Numbers::of(cache, b, "dstport");
            let proto = Numbers::of(cache, b, "protocol");
            let rows = row_col.map(|c| {
                use arrow::array::AsArray;
                b.column(c)
                    .as_primitive::<arrow::datatypes::UInt32Type>()
                    .clone()
            });
            for i in 0..b.num_rows() {
                if action[i] != reject || !codes.traffic(status[i]) || !s.passes(i) {
                    continue;
                }
                if let Some(bin) = start.get(i).and_then(|t| axis.bin(t)) {
                    bins[bin] += 1;
                }
                let key = (
                    iface[i],
                    src[i],
                    dst[i],
                    port.get(i).unwrap_or(-1),
                    proto.get(i).unwrap_or(-1),
                );
                let row = rows.as_ref().map_or(0, |r| r.value(i));
                let e = map.entry(key).or_insert((0, 0, row));
                e.0 += 1;
                e.1 += bytes.get(i).unwrap_or(0).max(0) as u64;
                e.2 = e.2.min(row);
            }
        },
    )?;
    let mut bins = vec![0u64; axis.bins];
    let mut all: HashMap<Combo, (u64, u64, u32)> = HashMap::new();
    for (b, m, _) in accs {
        for (p, q) in bins.iter_mut().zip(b) {
            *p += q;
        }
        for (k, v) in m {
            let e = all.entry(k).or_insert((0, 0, v.2));
            e.0 += v.0;
            e.1 += v.1;
            e.2 = e.2.min(v.2);
        }
    }
    let total = bins
        .iter()
        .sum::<u64>()
        .max(all.values().map(|v| v.0).sum());
    let text = |c: &str, k: u32| {
        (k != u32::MAX)
            .then(|| crate::scan::text_of(cache, c, k))
            .flatten()
    };
    let mut rows: Vec<RejectRow> = all
        .into_iter()
        .map(|(k, v)| RejectRow {
            key: RejectKey {
                interface: text("interface_id", k.0),
                src: text("srcaddr", k.1),
                dst: text("dstaddr", k.2),
                dstport: (k.3 >= 0).then_some(k.3),
                protocol: (k.4 >= 0).then_some(k.4),
            },
            flows: v.0,
            bytes: v.1,
            example: v.2,
        })
        .collect();
    rows.sort_by(|a, b| {
        b.flows
            .cmp(&a.flows)
            .then_with(|| b.bytes.cmp(&a.bytes))
            .then_with(|| a.example.cmp(&b.example))
    });
    rows.truncate(n);
    Ok(Rejects {
        axis,
        reject: bins,
        total,
        rows,
    })
}

/// The Coverage view's numbers: log status per interface over time.
#[derive(Debug, Serialize)]
pub struct Coverage {
    /// The time axis.
    pub axis: Axis,
    /// The interfaces shown (those with the most NODATA/SKIPDATA records first).
    pub interfaces: Vec<String>,
    /// Per interface and bin: [OK, NODATA, SKIPDATA] records.
    pub cells: Vec<Vec<[u64; 3]>>,
    /// Records per `version`.
    pub versions: Vec<(Option<i64>, u64)>,
}

/// Log status per interface and time bin, for the `n` interfaces with the most NODATA/SKIPDATA records.
pub fn coverage(
    cache: &Cache,
    filter: Option<&Arc<dyn PhysicalExpr>>,
    axis: Axis,
    n: usize,
    threads: usize,
) -> datafusion::error::Result<Coverage> {
    let codes = Codes::new(cache);
    let ni = dict_len(cache, "interface_id").max(1);
    let accs = fold(
        cache,
        filter,
        threads,
        || {
            (
                vec![[0u64; 3]; ni * axis.bins],
                HashMap::<Option<i64>, u64>::new(),
                <[Vec<u32>; 2]>::default(),
            )
        },
        |(cells, versions, buf), s| {
            let b = s.batch;
            let [status, iface] = buf;
            keys(cache, b, "log_status", status);
            keys(cache, b, "interface_id", iface);
            let start = Numbers::of(cache, b, "start");
            let version = Numbers::of(cache, b, "version");
            for i in 0..b.num_rows() {
                if !s.passes(i) {
                    continue;
                }
                *versions.entry(version.get(i)).or_default() += 1;
                let (Some(bin), true) =
                    (start.get(i).and_then(|t| axis.bin(t)), iface[i] != u32::MAX)
                else {
                    continue;
                };
                let lane = if codes.traffic(status[i]) {
                    0
                } else if Some(status[i]) == codes.nodata {
                    1
                } else {
                    2
                };
                cells[iface[i] as usize * axis.bins + bin][lane] += 1;
            }
        },
    )?;
    let mut cells = vec![[0u64; 3]; ni * axis.bins];
    let mut versions: HashMap<Option<i64>, u64> = HashMap::new();
    for (c, v, _) in accs {
        for (p, q) in cells.iter_mut().zip(c) {
            for l in 0..3 {
                p[l] += q[l];
            }
        }
        for (k, x) in v {
            *versions.entry(k).or_default() += x;
        }
    }
    let per_if = |i: usize| -> (u64, u64) {
        let row = &cells[i * axis.bins..(i + 1) * axis.bins];
        (
            row.iter().map(|c| c[1] + c[2]).sum(),
            row.iter().map(|c| c[0] + c[1] + c[2]).sum(),
        )
    };
    let mut ifs: Vec<usize> = (0..ni).filter(|&i| per_if(i).1 > 0).collect();
    ifs.sort_by(|&a, &b| per_if(b).cmp(&per_if(a)).then(a.cmp(&b)));
    ifs.truncate(n);
    let mut versions: Vec<(Option<i64>, u64)> = versions.into_iter().collect();
    versions.sort();
    Ok(Coverage {
        axis,
        interfaces: ifs
            .iter()
            .map(|&i| crate::scan::text_of(cache, "interface_id", i as u32).unwrap_or_default())
            .collect(),
        cells: ifs
            .iter()
            .map(|&i| cells[i * axis.bins..(i + 1) * axis.bins].to_vec())
            .collect(),
        versions,
    })
}
