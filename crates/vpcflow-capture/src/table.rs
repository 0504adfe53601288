//! The flow table: packets in, one record per interface, flow and aggregation interval out.
//!
//! AWS aggregates each interface's traffic per 5-tuple over an aggregation interval (60 or 600 seconds) and
//! writes one record per flow at the end of the interval: packets and bytes summed, first and last packet time,
//! TCP flags OR-ed as AWS logs them (FIN, SYN, RST and SYN-ACK only: [`TcpFlags::logged`]). This table does the
//! same on interval boundaries aligned to the epoch. Time is the packets' own (a capture replays at any speed) or
//! the caller's clock through [`FlowTable::advance`] (a live capture with idle interfaces).
//!
//! Memory is bounded: the table holds at most `max_flows` flows. A packet of a new flow that does not fit is
//! counted, not kept, and the interval's records for that interface end with a `SKIPDATA` record, as AWS
//! writes when it runs out of capacity. Every packet is accounted for exactly once: in one `OK` record per
//! interface it crosses, or in a `SKIPDATA` interval, or in [`Stats`] as traffic AWS does not log, traffic of
//! no mapped interface, or traffic the `--traffic-type` filter leaves out.

use crate::interfaces::InterfaceMap;
use crate::packet::PacketInfo;
use crate::records::{FlowValues, RecordBuilder, Row};
use crate::verdict::ModelVerdicts;
use arrow::record_batch::RecordBatch;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use vpcflow_record::{Action, Direction, Format, LogStatus, TcpFlags};

type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Which records a flow log keeps (`--traffic-type`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TrafficType {
    /// Accepted and rejected traffic.
    #[default]
    All,
    /// Accepted traffic only.
    Accept,
    /// Rejected traffic only.
    Reject,
}

impl TrafficType {
    fn admits(self, action: Action) -> bool {
        match self {
            TrafficType::All => true,
            TrafficType::Accept => action == Action::Accept,
            TrafficType::Reject => action == Action::Reject,
        }
    }
}

/// How the table aggregates and what it writes.
#[derive(Clone, Debug)]
pub struct TableConfig {
    /// The record format (any custom format; `version` is the format's).
    pub format: Format,
    /// The aggregation interval in seconds (AWS allows 60 and 600).
    pub aggregation: i64,
    /// The most flows held at once; packets of further flows go to `SKIPDATA`.
    pub max_flows: usize,
    /// Which records to keep.
    pub traffic_type: TrafficType,
    /// Rows per Arrow batch.
    pub batch_rows: usize,
    /// Write `NODATA` records for interfaces idle through an interval.
    pub nodata: bool,
}

impl Default for TableConfig {
    fn default() -> Self {
        TableConfig {
            format: Format::default_v2(),
            aggregation: 600,
            max_flows: 1_000_000,
            traffic_type: TrafficType::All,
            batch_rows: 8192,
            nodata: true,
        }
    }
}

/// Where every packet went.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Packets given to [`FlowTable::packet`].
    pub packets: u64,
    /// Packets AWS does not log (Amazon DNS, metadata, time sync, DHCP, the VPC router).
    pub unlogged: u64,
    /// Packets neither of whose addresses belongs to a mapped interface.
    pub unmapped: u64,
    /// Packet observations (one per interface a packet crosses) given to the table.
    pub observations: u64,
    /// Packets rejected on leaving their source interface, so never seen at the destination's.
    pub dropped_before_arrival: u64,
    /// Observations left out by the traffic-type filter.
    pub filtered: u64,
    /// Observations counted in `OK` records written so far.
    pub recorded_packets: u64,
    /// Bytes in `OK` records written so far.
    pub recorded_bytes: u64,
    /// Observations that did not fit in the table, accounted to `SKIPDATA` records.
    pub skipped_packets: u64,
    /// `OK` records written.
    pub ok_records: u64,
    /// `NODATA` records written.
    pub nodata_records: u64,
    /// `SKIPDATA` records written.
    pub skipdata_records: u64,
    /// The most flows held at once.
    pub peak_flows: u64,
}

/// One packet crossing one interface, with its verdict already known (the simulator decides paths itself).
#[derive(Clone, Copy, Debug)]
pub struct Observation {
    /// The interface's index in the map.
    pub interface: u32,
    /// Into or out of the interface.
    pub direction: Direction,
    /// The packet as it is at this interface (its addresses are `pkt-srcaddr`/`pkt-dstaddr`).
    pub packet: PacketInfo,
    /// ACCEPT or REJECT.
    pub action: Action,
    /// `traffic-path`, for egress when the route is known.
    pub traffic_path: Option<u8>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct FlowKey {
    interface: u32,
    egress: bool,
    reject: bool,
    protocol: u8,
    src_port: u16,
    dst_port: u16,
    src: IpAddr,
    dst: IpAddr,
}

#[derive(Clone, Copy, Debug)]
struct FlowValue {
    packets: u64,
    bytes: u64,
    first: i64,
    last: i64,
    flags: u8,
    seq: u64,
    traffic_path: Option<u8>,
}

/// The flow table.
pub struct FlowTable {
    config: TableConfig,
    map: Arc<InterfaceMap>,
    verdicts: Option<ModelVerdicts>,
    flows: FastMap<FlowKey, FlowValue>,
    skipped: Vec<u64>,
    active: Vec<bool>,
    window: Option<i64>,
    seq: u64,
    out: RecordBuilder,
    stats: Stats,
}

impl FlowTable {
    /// A table for the interfaces of `map`; every packet is ACCEPT.
    pub fn new(config: TableConfig, map: Arc<InterfaceMap>) -> FlowTable {
        let n = map.len();
        FlowTable {
            out: RecordBuilder::new(config.format.clone(), config.batch_rows),
            flows: FastMap::with_capacity_and_hasher(
                config.max_flows.min(1 << 16),
                foldhash::fast::RandomState::default(),
            ),
            config,
            map,
            verdicts: None,
            skipped: vec![0; n],
            active: vec![false; n],
            window: None,
            seq: 0,
            stats: Stats::default(),
        }
    }

    /// Takes each packet's verdict from a VPC model (security groups with connection tracking, network ACLs,
    /// routes) instead of accepting everything.
    pub fn with_verdicts(mut self, verdicts: ModelVerdicts) -> FlowTable {
        self.verdicts = Some(verdicts);
        self
    }

    /// The record format.
    pub fn format(&self) -> &Format {
        &self.config.format
    }

    /// The interface map.
    pub fn map(&self) -> &Arc<InterfaceMap> {
        &self.map
    }

    /// The schema of the batches this table writes.
    pub fn schema(&self) -> arrow::datatypes::SchemaRef {
        self.out.schema()
    }

    /// Where every packet went so far.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Flows held now.
    pub fn len(&self) -> usize {
        self.flows.len()
    }

    /// Whether no flow is held.
    pub fn is_empty(&self) -> bool {
        self.flows.is_empty()
    }

    /// Counts one captured packet: an egress observation on the interface that owns its source, an ingress one
    /// on the interface that owns its destination (unless it was rejected on the way out).
    #[inline]
    pub fn packet(&mut self, p: &PacketInfo) {
        self.stats.packets += 1;
        self.roll(p.ts);
        let Some((src, dst)) = self.map.classify(p) else {
            self.stats.unlogged += 1;
            return;
        };
        if src.is_none() && dst.is_none() {
            self.stats.unmapped += 1;
            return;
        }
        if let Some(i) = src {
            let (action, path) = self.decide(i, Direction::Egress, p);
            self.observe(i, Direction::Egress, p, action, path);
            if action == Action::Reject {
                if dst.is_some_and(|d| d != i) {
                    self.stats.dropped_before_arrival += 1;
                }
                return;
            }
        }
        if let Some(i) = dst.filter(|d| Some(*d) != src) {
            let (action, path) = self.decide(i, Direction::Ingress, p);
            self.observe(i, Direction::Ingress, p, action, path);
        }
    }

    fn decide(&mut self, i: u32, direction: Direction, p: &PacketInfo) -> (Action, Option<u8>) {
        let Some(v) = self.verdicts.as_mut() else {
            return (Action::Accept, None);
        };
        let d = v.decide(i, &self.map.get(i).id, direction, p);
        let action = if d.allowed {
            Action::Accept
        } else {
            Action::Reject
        };
        (action, d.traffic_path)
    }

    /// Counts one observation whose verdict the caller decided.
    pub fn record(&mut self, obs: &Observation) {
        self.roll(obs.packet.ts);
        self.observe(
            obs.interface,
            obs.direction,
            &obs.packet,
            obs.action,
            obs.traffic_path,
        );
    }

    #[inline]
    fn observe(
        &mut self,
        interface: u32,
        direction: Direction,
        p: &PacketInfo,
        action: Action,
        traffic_path: Option<u8>,
    ) {
        self.stats.observations += 1;
        self.active[interface as usize] = true;
        if !self.config.traffic_type.admits(action) {
            self.stats.filtered += 1;
            return;
        }
        let key = FlowKey {
            interface,
            egress: direction == Direction::Egress,
            reject: action == Action::Reject,
            protocol: p.protocol,
            src_port: p.src_port,
            dst_port: p.dst_port,
            src: p.src,
            dst: p.dst,
        };
        if let Some(v) = self.flows.get_mut(&key) {
            v.packets += 1;
            v.bytes += u64::from(p.len);
            v.first = v.first.min(p.ts);
            v.last = v.last.max(p.ts);
            v.flags |= TcpFlags::logged(p.tcp_flags);
            if v.traffic_path.is_none() {
                v.traffic_path = traffic_path;
            }
        } else if self.flows.len() < self.config.max_flows {
            self.seq += 1;
            self.flows.insert(
                key,
                FlowValue {
                    packets: 1,
                    bytes: u64::from(p.len),
                    first: p.ts,
                    last: p.ts,
                    flags: TcpFlags::logged(p.tcp_flags),
                    seq: self.seq,
                    traffic_path,
                },
            );
            self.stats.peak_flows = self.stats.peak_flows.max(self.flows.len() as u64);
        } else {
            self.skipped[interface as usize] += 1;
            self.stats.skipped_packets += 1;
        }
    }

    fn window_of(&self, ts: i64) -> i64 {
        ts.div_euclid(self.config.aggregation) * self.config.aggregation
    }

    /// Moves to the interval of `ts`, closing the current one (and writing NODATA for any interval skipped over)
    /// when `ts` is past it. A packet older than the current interval is counted in the current one.
    #[inline]
    fn roll(&mut self, ts: i64) {
        let w = self.window_of(ts);
        match self.window {
            None => self.window = Some(w),
            Some(cur) if w > cur => {
                self.close(cur);
                let mut gap = cur + self.config.aggregation;
                while gap < w {
                    self.close(gap);
                    gap += self.config.aggregation;
                }
                self.window = Some(w);
            }
            Some(_) => {}
        }
    }

    /// Writes the records of the interval starting at `start`.
    fn close(&mut self, start: i64) {
        let end = start + self.config.aggregation;
        let mut entries: Vec<(FlowKey, FlowValue)> = self.flows.drain().collect();
        entries.sort_unstable_by_key(|(k, v)| (k.interface, v.seq));
        let map = self.map.clone();
        let mut next = 0;
        for (i, iface) in map.interfaces().iter().enumerate() {
            let mut any = false;
            while next < entries.len() && entries[next].0.interface as usize == i {
                let (k, v) = entries[next];
                next += 1;
                any = true;
                let (direction, srcaddr, dstaddr) = if k.egress {
                    (Direction::Egress, iface.own_address(k.src), k.dst)
                } else {
                    (Direction::Ingress, k.src, iface.own_address(k.dst))
                };
                let flow = FlowValues {
                    srcaddr,
                    dstaddr,
                    pkt_srcaddr: k.src,
                    pkt_dstaddr: k.dst,
                    srcport: k.src_port,
                    dstport: k.dst_port,
                    protocol: k.protocol,
                    packets: v.packets,
                    bytes: v.bytes,
                    action: if k.reject {
                        Action::Reject
                    } else {
                        Action::Accept
                    },
                    tcp_flags: v.flags,
                    direction,
                    traffic_path: v.traffic_path,
                };
                self.out.push(&Row {
                    interface: iface,
                    status: LogStatus::Ok,
                    flow: Some(flow),
                    start: v.first,
                    end: v.last,
                });
                self.stats.ok_records += 1;
                self.stats.recorded_packets += v.packets;
                self.stats.recorded_bytes += v.bytes;
            }
            let status = if self.skipped[i] > 0 {
                Some(LogStatus::SkipData)
            } else if !any && !self.active[i] && self.config.nodata {
                Some(LogStatus::NoData)
            } else {
                None
            };
            if let Some(status) = status {
                self.out.push(&Row {
                    interface: iface,
                    status,
                    flow: None,
                    start,
                    end,
                });
                match status {
                    LogStatus::SkipData => self.stats.skipdata_records += 1,
                    _ => self.stats.nodata_records += 1,
                }
            }
            self.skipped[i] = 0;
            self.active[i] = false;
        }
        if let Some(v) = self.verdicts.as_mut() {
            v.expire(end);
        }
    }

    /// Tells the table that time is `now` (Unix seconds): intervals that ended are closed. Returns the finished
    /// batches.
    pub fn advance(&mut self, now: i64) -> Vec<RecordBatch> {
        self.roll(now);
        self.out.take()
    }

    /// Batches finished so far (closed intervals), without moving time.
    pub fn take_batches(&mut self) -> Vec<RecordBatch> {
        self.out.take()
    }

    /// Closes the current interval and returns every remaining batch.
    pub fn finish(&mut self) -> Vec<RecordBatch> {
        if let Some(cur) = self.window.take() {
            self.close(cur);
        }
        self.out.take()
    }
}
