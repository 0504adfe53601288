//! Capturing on a live network interface.
//!
//! Linux `AF_PACKET` sockets (through `pnet_datalink`, so no libpcap is needed to build or run) see every frame
//! the interface sends and receives. Packets are stamped with the wall clock, and the clock also closes
//! intervals while the interface is quiet, so idle interfaces get their NODATA records on time. Capturing needs
//! `CAP_NET_RAW` (root, in practice).

use crate::packet::{decode, linktype};
use crate::table::FlowTable;
use crate::{CaptureError, FrameStats};
use arrow::record_batch::RecordBatch;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// When to stop capturing.
#[derive(Clone, Debug, Default)]
pub struct LiveOptions {
    /// The interface name (`eth0`, `veth-a`).
    pub interface: String,
    /// Stop after this long.
    pub duration: Option<Duration>,
    /// Stop after this many frames.
    pub max_frames: Option<u64>,
    /// Set from elsewhere (a Ctrl-C handler) to stop; the current interval is then written.
    pub stop: Arc<AtomicBool>,
}

/// Why a live capture could not run.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// No interface of that name.
    #[error("no network interface named `{name}` (there are: {known})")]
    NoSuchInterface {
        /// The name asked for.
        name: String,
        /// The interfaces that exist.
        known: String,
    },
    /// The socket could not be opened (usually: not root / no CAP_NET_RAW).
    #[error("cannot capture on `{name}`: {source} (capturing needs root or CAP_NET_RAW)")]
    Open {
        /// The interface.
        name: String,
        /// Why.
        source: io::Error,
    },
    /// Reading failed.
    #[error("capturing on `{name}`: {source}")]
    Read {
        /// The interface.
        name: String,
        /// Why.
        source: io::Error,
    },
    /// The sink failed.
    #[error(transparent)]
    Sink(#[from] CaptureError),
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Captures on `opts.interface` into `table` until a stop condition, handing each finished batch to `sink`.
pub fn run_live<E: From<LiveError>>(
    opts: &LiveOptions,
    table: &mut FlowTable,
    mut sink: impl FnMut(RecordBatch) -> Result<(), E>,
) -> Result<FrameStats, E> {
    let all = pnet_datalink::interfaces();
    let Some(iface) = all.iter().find(|i| i.name == opts.interface) else {
        return Err(LiveError::NoSuchInterface {
            name: opts.interface.clone(),
            known: all
                .iter()
                .map(|i| i.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }
        .into());
    };
    let config = pnet_datalink::Config {
        read_timeout: Some(Duration::from_millis(200)),
        promiscuous: false,
        ..Default::default()
    };
    let open_err = |source| LiveError::Open {
        name: opts.interface.clone(),
        source,
    };
    let mut rx = match pnet_datalink::channel(iface, config).map_err(open_err)? {
        pnet_datalink::Channel::Ethernet(_tx, rx) => rx,
        _ => {
            return Err(open_err(io::Error::other("not an Ethernet-like channel")).into());
        }
    };
    // Interfaces without a link-layer address (tun, WireGuard) deliver bare IP packets.
    let link = if iface.mac.is_some() && !iface.is_point_to_point() {
        linktype::ETHERNET
    } else {
        linktype::RAW
    };
    let began = Instant::now();
    let mut frames = FrameStats::default();
    table.advance(now_secs());
    loop {
        if opts.stop.load(Ordering::Relaxed)
            || opts.duration.is_some_and(|d| began.elapsed() >= d)
            || opts.max_frames.is_some_and(|n| frames.frames >= n)
        {
            break;
        }
        match rx.next() {
            Ok(frame) => {
                frames.frames += 1;
                match decode(link, frame, now_secs()) {
                    Ok(p) => table.packet(&p),
                    Err(why) => frames.count(why),
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::TimedOut
                        | io::ErrorKind::WouldBlock
                        | io::ErrorKind::Interrupted
                ) => {}
            Err(source) => {
                return Err(LiveError::Read {
                    name: opts.interface.clone(),
                    source,
                }
                .into());
            }
        }
        for b in table.advance(now_secs()) {
            sink(b)?;
        }
    }
    for b in table.finish() {
        sink(b)?;
    }
    Ok(frames)
}

/// A stop flag that Ctrl-C (SIGINT) sets, so that a capture ends by writing its current interval instead of
/// losing it. If a handler is already installed, the flag is returned unset (the capture then stops on its
/// other conditions).
pub fn stop_on_ctrl_c() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let set = flag.clone();
    let _ = ctrlc::set_handler(move || set.store(true, Ordering::Relaxed));
    flag
}
