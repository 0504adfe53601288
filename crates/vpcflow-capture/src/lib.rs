//! Producing flow logs: packets into a flow table into records, records from a modelled VPC, and synthetic
//! logs at scale.
//!
//! Two doors lead to the same records. Packets, from a pcap/pcapng file ([`pcap::PcapSource`]) or a live Linux
//! interface ([`live`]), are decoded to what a flow log can see ([`PacketInfo`]) and aggregated per interface,
//! 5-tuple and interval by the [`FlowTable`], with ACCEPT/REJECT from the VPC model when one is given
//! ([`ModelVerdicts`]). A traffic scenario ([`simulate`]) replays who talks to whom through a modelled VPC,
//! interface by interface (NAT gateways included), into the same table. Either way the output is Arrow
//! `RecordBatch`es in the format's schema (Athena's column names), which the CLI prints and the delivery crate
//! writes to S3 or CloudWatch Logs. A third door, [`synth`], makes a large account's worth of plausible traffic
//! for benchmarks, written straight to AWS's S3 layout as fast as the disk takes it.

pub mod attacks;
pub mod interfaces;
pub mod live;
pub mod packet;
pub mod pcap;
pub mod records;
pub mod simulate;
mod summary;
pub mod synth;
pub mod synth_vpc;
pub mod table;
pub mod verdict;

pub use interfaces::{InterfaceInfo, InterfaceMap, MapError};
pub use packet::{NotIp, PacketInfo, decode};
pub use pcap::{CaptureError, PcapNgWriter, PcapSource, PcapWriter};
pub use table::{FlowTable, Observation, Stats, TableConfig, TrafficType};
pub use verdict::ModelVerdicts;
pub use vpcflow_record::{FileError, FileErrorKind};

/// A YAML parse error as a [`FileError`] at serde's line and column.
pub(crate) fn yaml_error(file: &str, e: serde_norway::Error) -> FileError {
    let at = e.location();
    FileError::parse(
        file,
        at.as_ref().map(|l| l.line() as u64),
        at.as_ref().map(|l| l.column() as u32),
        e.to_string(),
    )
}

/// Frames that were not IP packets, by reason, for the summary line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FrameStats {
    /// Frames read.
    pub frames: u64,
    /// Frames of other protocols (ARP, LLDP, ...).
    pub not_ip: u64,
    /// Frames too short to decode.
    pub truncated: u64,
    /// Frames of a link type this reader does not decode.
    pub unsupported: u64,
}

impl FrameStats {
    /// Counts a frame that produced no packet.
    pub fn count(&mut self, why: NotIp) {
        match why {
            NotIp::OtherProtocol => self.not_ip += 1,
            NotIp::Truncated => self.truncated += 1,
            NotIp::UnsupportedLinkType(_) => self.unsupported += 1,
        }
    }
}

/// Reads a whole capture through `table`, handing each finished batch to `sink` as soon as its interval closes
/// (so memory holds one interval, never the capture).
pub fn run_pcap<E: From<CaptureError>>(
    source: &mut PcapSource<'_>,
    table: &mut FlowTable,
    mut sink: impl FnMut(arrow::record_batch::RecordBatch) -> Result<(), E>,
) -> Result<FrameStats, E> {
    let mut frames = FrameStats::default();
    let mut since_drain = 0u32;
    while let Some(frame) = source.next_frame()? {
        frames.frames += 1;
        match frame {
            Ok(p) => table.packet(&p),
            Err(why) => frames.count(why),
        }
        since_drain += 1;
        if since_drain == 65536 {
            since_drain = 0;
            for b in table.take_batches() {
                sink(b)?;
            }
        }
    }
    for b in table.finish() {
        sink(b)?;
    }
    Ok(frames)
}
