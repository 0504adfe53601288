//! Reading pcap and pcapng captures as a stream of packets, and writing small captures.
//!
//! The reader streams through a fixed buffer (it never holds the file), so memory stays bounded by the flow
//! table however large the capture is. pcapng files may mix interfaces of different link types and timestamp
//! resolutions; each packet is decoded with its own interface's. The writers exist for tests, benchmarks and
//! fixtures: a capture built from code says exactly what it contains.

use crate::packet::{NotIp, PacketInfo, decode};
use pcap_parser::pcapng::Block;
use pcap_parser::traits::PcapReaderIterator;
use pcap_parser::{PcapBlockOwned, PcapError};
use std::io::{self, Read, Write};
use vpcflow_record::FileError;

/// Why a capture could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// Neither a pcap nor a pcapng file.
    #[error("not a pcap or pcapng file")]
    NotACapture,
    /// The file ends inside a block.
    #[error("the capture is truncated after {0} bytes")]
    Truncated(usize),
    /// A block that does not parse.
    #[error("malformed capture after {offset} bytes: {message}")]
    Malformed {
        /// Bytes consumed before the bad block.
        offset: usize,
        /// What the parser said.
        message: String,
    },
    /// Reading failed.
    #[error("reading the capture: {0}")]
    Io(#[from] io::Error),
}

impl CaptureError {
    /// This error as an error of the capture file `file`: reading failures stay I/O errors, the rest say what
    /// is wrong with the content.
    pub fn in_file(self, file: impl Into<std::sync::Arc<str>>) -> FileError {
        match self {
            CaptureError::Io(e) => FileError::io(file, e),
            other => FileError::parse(file, None, None, other.to_string()),
        }
    }
}

impl<'r> PcapSource<'r> {
    /// Opens a capture file (buffered), its errors as errors of that file.
    pub fn open(path: &std::path::Path) -> Result<PcapSource<'r>, FileError> {
        let name = path.display().to_string();
        let file = std::fs::File::open(path).map_err(|e| FileError::io(name.as_str(), e))?;
        PcapSource::new(io::BufReader::with_capacity(1 << 20, file)).map_err(|e| e.in_file(name))
    }
}

/// One captured frame: a packet, or the reason it is not an IP packet.
pub type Frame = Result<PacketInfo, NotIp>;

#[derive(Clone, Copy)]
struct IfaceInfo {
    link: i32,
    /// Timestamp units per second.
    resolution: u64,
    offset: i64,
}

/// A pcap or pcapng capture read packet by packet.
pub struct PcapSource<'r> {
    reader: Box<dyn PcapReaderIterator + Send + 'r>,
    legacy_link: i32,
    interfaces: Vec<IfaceInfo>,
    last_ts: i64,
    frames: u64,
}

impl<'r> PcapSource<'r> {
    /// Opens a capture; the format (pcap in either byte order and resolution, or pcapng) is recognised by its
    /// first bytes.
    pub fn new(input: impl Read + Send + 'r) -> Result<PcapSource<'r>, CaptureError> {
        let reader = pcap_parser::create_reader(1 << 20, input).map_err(|e| match e {
            PcapError::ReadError => CaptureError::Io(io::Error::other("read failed")),
            PcapError::Eof | PcapError::Incomplete(_) => CaptureError::Truncated(0),
            _ => CaptureError::NotACapture,
        })?;
        Ok(PcapSource {
            reader,
            legacy_link: crate::packet::linktype::ETHERNET,
            interfaces: Vec::new(),
            last_ts: 0,
            frames: 0,
        })
    }

    /// How many frames (packet records) have been read.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// The next frame, decoded; `None` at the end of the capture.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, CaptureError> {
        loop {
            let consumed = self.reader.consumed();
            let (len, frame) = match self.reader.next() {
                Ok((len, block)) => {
                    let frame = match block {
                        PcapBlockOwned::LegacyHeader(h) => {
                            self.legacy_link = h.network.0;
                            None
                        }
                        PcapBlockOwned::Legacy(b) => {
                            let ts = i64::from(b.ts_sec);
                            self.last_ts = ts;
                            Some(decode(self.legacy_link, b.data, ts))
                        }
                        PcapBlockOwned::NG(Block::SectionHeader(_)) => {
                            self.interfaces.clear();
                            None
                        }
                        PcapBlockOwned::NG(Block::InterfaceDescription(idb)) => {
                            self.interfaces.push(IfaceInfo {
                                link: idb.linktype.0,
                                resolution: idb.ts_resolution().unwrap_or(1_000_000).max(1),
                                offset: idb.ts_offset(),
                            });
                            None
                        }
                        PcapBlockOwned::NG(Block::EnhancedPacket(epb)) => {
                            let iface = interface(&self.interfaces, epb.if_id);
                            let raw = (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
                            let ts = (raw / iface.resolution) as i64 + iface.offset;
                            self.last_ts = ts;
                            let data = &epb.data[..(epb.caplen as usize).min(epb.data.len())];
                            Some(decode(iface.link, data, ts))
                        }
                        PcapBlockOwned::NG(Block::SimplePacket(spb)) => {
                            // No timestamp: the packet is placed at the last time seen.
                            let iface = interface(&self.interfaces, 0);
                            Some(decode(iface.link, spb.data, self.last_ts))
                        }
                        PcapBlockOwned::NG(_) => None,
                    };
                    (len, frame)
                }
                Err(PcapError::Eof) => return Ok(None),
                Err(PcapError::Incomplete(_)) => {
                    if self.reader.reader_exhausted() {
                        return Err(CaptureError::Truncated(consumed));
                    }
                    self.reader.refill().map_err(|e| malformed(consumed, e))?;
                    continue;
                }
                Err(PcapError::UnexpectedEof) => return Err(CaptureError::Truncated(consumed)),
                Err(PcapError::BufferTooSmall) => {
                    let size = self.reader.data().len().max(1 << 20) * 2;
                    if !self.reader.grow(size) {
                        return Err(CaptureError::Malformed {
                            offset: consumed,
                            message: "a block larger than the read buffer can grow to".into(),
                        });
                    }
                    self.reader.refill().map_err(|e| malformed(consumed, e))?;
                    continue;
                }
                Err(e) => return Err(malformed(consumed, e)),
            };
            self.reader.consume(len);
            if let Some(frame) = frame {
                self.frames += 1;
                return Ok(Some(frame));
            }
        }
    }
}

fn interface(interfaces: &[IfaceInfo], id: u32) -> IfaceInfo {
    {
        interfaces.get(id as usize).copied().unwrap_or(IfaceInfo {
            link: crate::packet::linktype::ETHERNET,
            resolution: 1_000_000,
            offset: 0,
        })
    }
}

fn malformed(offset: usize, e: PcapError<&[u8]>) -> CaptureError {
    CaptureError::Malformed {
        offset,
        message: format!("{e:?}"),
    }
}

/// Writes a classic pcap file (microsecond timestamps, little-endian).
pub struct PcapWriter<W: Write> {
    out: W,
}

impl<W: Write> PcapWriter<W> {
    /// Writes the file header for link type `link` (see [`crate::packet::linktype`]).
    pub fn new(mut out: W, link: i32) -> io::Result<PcapWriter<W>> {
        let mut h = Vec::with_capacity(24);
        h.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        h.extend_from_slice(&2u16.to_le_bytes());
        h.extend_from_slice(&4u16.to_le_bytes());
        h.extend_from_slice(&0i32.to_le_bytes());
        h.extend_from_slice(&0u32.to_le_bytes());
        h.extend_from_slice(&65535u32.to_le_bytes());
        h.extend_from_slice(&(link as u32).to_le_bytes());
        out.write_all(&h)?;
        Ok(PcapWriter { out })
    }

    /// Appends one frame captured at `ts_sec` + `ts_usec`.
    pub fn write(&mut self, ts_sec: u32, ts_usec: u32, frame: &[u8]) -> io::Result<()> {
        let mut h = [0u8; 16];
        h[0..4].copy_from_slice(&ts_sec.to_le_bytes());
        h[4..8].copy_from_slice(&ts_usec.to_le_bytes());
        h[8..12].copy_from_slice(&(frame.len() as u32).to_le_bytes());
        h[12..16].copy_from_slice(&(frame.len() as u32).to_le_bytes());
        self.out.write_all(&h)?;
        self.out.write_all(frame)
    }

    /// The underlying writer.
    pub fn into_inner(self) -> W {
        self.out
    }
}

/// Writes a pcapng file: one section, interfaces added as needed, enhanced packet blocks with microsecond
/// timestamps.
pub struct PcapNgWriter<W: Write> {
    out: W,
}

impl<W: Write> PcapNgWriter<W> {
    /// Writes the section header block.
    pub fn new(mut out: W) -> io::Result<PcapNgWriter<W>> {
        let mut b = Vec::new();
        b.extend_from_slice(&0x0A0D_0D0Au32.to_le_bytes());
        b.extend_from_slice(&28u32.to_le_bytes());
        b.extend_from_slice(&0x1A2B_3C4Du32.to_le_bytes());
        b.extend_from_slice(&1u16.to_le_bytes());
        b.extend_from_slice(&0u16.to_le_bytes());
        b.extend_from_slice(&(-1i64).to_le_bytes());
        b.extend_from_slice(&28u32.to_le_bytes());
        out.write_all(&b)?;
        Ok(PcapNgWriter { out })
    }

    /// Declares the next interface (ids count from 0) with link type `link`.
    pub fn interface(&mut self, link: i32) -> io::Result<()> {
        let mut b = Vec::new();
        b.extend_from_slice(&1u32.to_le_bytes());
        b.extend_from_slice(&20u32.to_le_bytes());
        b.extend_from_slice(&(link as u16).to_le_bytes());
        b.extend_from_slice(&0u16.to_le_bytes());
        b.extend_from_slice(&0u32.to_le_bytes());
        b.extend_from_slice(&20u32.to_le_bytes());
        self.out.write_all(&b)
    }

    /// Appends one frame seen on interface `iface` at `ts_usec` microseconds since the epoch.
    pub fn write(&mut self, iface: u32, ts_usec: u64, frame: &[u8]) -> io::Result<()> {
        let padded = frame.len().div_ceil(4) * 4;
        let total = (32 + padded) as u32;
        let mut b = Vec::with_capacity(total as usize);
        b.extend_from_slice(&6u32.to_le_bytes());
        b.extend_from_slice(&total.to_le_bytes());
        b.extend_from_slice(&iface.to_le_bytes());
        b.extend_from_slice(&((ts_usec >> 32) as u32).to_le_bytes());
        b.extend_from_slice(&(ts_usec as u32).to_le_bytes());
        b.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        b.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        b.extend_from_slice(frame);
        b.resize(28 + padded, 0);
        b.extend_from_slice(&total.to_le_bytes());
        self.out.write_all(&b)
    }

    /// The underlying writer.
    pub fn into_inner(self) -> W {
        self.out
    }
}
