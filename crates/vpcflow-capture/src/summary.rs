//! The counts of a production as one line a person reads: where every frame and packet went, and which records
//! came out. Every count is there so that nothing is lost silently (traffic AWS does not log, packets of no
//! mapped interface, observations the table had no room for).

use crate::{FrameStats, Stats};
use std::fmt;

impl fmt::Display for FrameStats {
    /// `N frames (I IP packets, M not IP)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let not_ip = self.not_ip + self.truncated + self.unsupported;
        write!(
            f,
            "{} frames ({} IP packets, {} not IP)",
            self.frames,
            self.frames - not_ip,
            not_ip
        )
    }
}

impl fmt::Display for Stats {
    /// Packet observations by fate, what AWS would not have logged (when any), and records by log status,
    /// separated by `; `.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} packet observations: {} in OK records, {} in SKIPDATA, {} filtered out",
            self.observations, self.recorded_packets, self.skipped_packets, self.filtered
        )?;
        if self.unlogged + self.unmapped + self.dropped_before_arrival > 0 {
            write!(
                f,
                "; {} not logged by AWS, {} of no mapped interface, {} rejected before arrival",
                self.unlogged, self.unmapped, self.dropped_before_arrival
            )?;
        }
        write!(
            f,
            "; {} records ({} OK, {} NODATA, {} SKIPDATA)",
            self.ok_records + self.nodata_records + self.skipdata_records,
            self.ok_records,
            self.nodata_records,
            self.skipdata_records
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_with_every_count() {
        let frames = FrameStats {
            frames: 10,
            not_ip: 2,
            truncated: 1,
            unsupported: 0,
        };
        assert_eq!(frames.to_string(), "10 frames (7 IP packets, 3 not IP)");
        let mut stats = Stats {
            observations: 9,
            recorded_packets: 7,
            skipped_packets: 1,
            filtered: 1,
            ok_records: 3,
            nodata_records: 1,
            ..Stats::default()
        };
        assert_eq!(
            stats.to_string(),
            "9 packet observations: 7 in OK records, 1 in SKIPDATA, 1 filtered out; 4 records (3 OK, 1 NODATA, 0 SKIPDATA)"
        );
        stats.unlogged = 2;
        assert!(stats.to_string().contains(
            "; 2 not logged by AWS, 0 of no mapped interface, 0 rejected before arrival; "
        ));
    }
}
