//! Writing captures: pcap (microsecond or nanosecond) and pcapng with named
//! interfaces, frame by frame, into any [`Write`].
//!
//! ```
//! use std::time::Duration;
//! use ipv4kit_capture::write::PcapWriter;
//! use ipv4kit_capture::read::for_each_frame_in;
//!
//! let mut w = PcapWriter::new(Vec::new(), 101, 65535)?; // LINKTYPE_RAW
//! w.write_packet(Duration::new(1_600_000_000, 5_000), 4, &[0x45, 0, 0, 20])?;
//! let file = w.into_inner()?;
//! let mut seen = Vec::new();
//! for_each_frame_in(&file[..], "memory", |f| {
//!     seen.push((f.linktype, f.orig_len, f.data.to_vec()));
//!     std::ops::ControlFlow::Continue(())
//! })?;
//! assert_eq!(seen, [(101, 4, vec![0x45, 0, 0, 20])]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::io::{self, Write};
use std::time::Duration;

/// Writes a pcap file: the 24-octet file header, then one record per frame.
#[derive(Debug)]
pub struct PcapWriter<W: Write> {
    out: W,
    snaplen: u32,
    nanos: bool,
}

impl<W: Write> PcapWriter<W> {
    /// Writes the file header of a microsecond pcap with this LINKTYPE and
    /// snap length (frames longer than `snaplen` are cut to it).
    pub fn new(out: W, linktype: u32, snaplen: u32) -> io::Result<Self> {
        Self::with_resolution(out, linktype, snaplen, false)
    }

    /// As [`PcapWriter::new`], with nanosecond timestamps (magic `a1b23c4d`).
    pub fn new_nanos(out: W, linktype: u32, snaplen: u32) -> io::Result<Self> {
        Self::with_resolution(out, linktype, snaplen, true)
    }

    fn with_resolution(mut out: W, linktype: u32, snaplen: u32, nanos: bool) -> io::Result<Self> {
        let magic: u32 = if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 };
        let mut h = [0u8; 24];
        h[0..4].copy_from_slice(&magic.to_le_bytes());
        h[4..6].copy_from_slice(&2u16.to_le_bytes());
        h[6..8].copy_from_slice(&4u16.to_le_bytes());
        // thiszone and sigfigs stay zero.
        h[16..20].copy_from_slice(&snaplen.to_le_bytes());
        h[20..24].copy_from_slice(&linktype.to_le_bytes());
        out.write_all(&h)?;
        Ok(PcapWriter {
            out,
            snaplen,
            nanos,
        })
    }

    /// Writes one frame captured at `ts` (since the Unix epoch) whose length
    /// on the wire was `orig_len`; `bytes` beyond the snap length are left
    /// out. Timestamps past 2106 do not fit pcap's 32-bit seconds and are an
    /// `InvalidInput` error.
    pub fn write_packet(&mut self, ts: Duration, orig_len: u32, bytes: &[u8]) -> io::Result<()> {
        let secs = u32::try_from(ts.as_secs()).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "timestamp beyond pcap's 32-bit seconds",
            )
        })?;
        let frac = if self.nanos {
            ts.subsec_nanos()
        } else {
            ts.subsec_micros()
        };
        let cap = bytes.len().min(self.snaplen as usize);
        let caplen = u32::try_from(cap).unwrap_or(u32::MAX);
        let mut h = [0u8; 16];
        h[0..4].copy_from_slice(&secs.to_le_bytes());
        h[4..8].copy_from_slice(&frac.to_le_bytes());
        h[8..12].copy_from_slice(&caplen.to_le_bytes());
        h[12..16].copy_from_slice(&orig_len.max(caplen).to_le_bytes());
        self.out.write_all(&h)?;
        self.out.write_all(&bytes[..cap])
    }

    /// Flushes the underlying writer.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Flushes and returns the underlying writer.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

const SHB: u32 = 0x0a0d_0d0a;
const IDB: u32 = 1;
const EPB: u32 = 6;
const OPT_END: u16 = 0;
const SHB_USERAPPL: u16 = 4;
const IF_NAME: u16 = 2;
const IF_TSRESOL: u16 = 9;

/// Writes a pcapng file: one section, interfaces added as they come, and
/// Enhanced Packet Blocks with nanosecond timestamps.
#[derive(Debug)]
pub struct PcapNgWriter<W: Write> {
    out: W,
    snaplens: Vec<u32>,
    buf: Vec<u8>,
}

fn option(buf: &mut Vec<u8>, code: u16, value: &[u8]) {
    let len = u16::try_from(value.len()).unwrap_or(u16::MAX);
    buf.extend_from_slice(&code.to_le_bytes());
    buf.extend_from_slice(&len.to_le_bytes());
    buf.extend_from_slice(&value[..usize::from(len)]);
    pad(buf);
}

fn pad(buf: &mut Vec<u8>) {
    while !buf.len().is_multiple_of(4) {
        buf.push(0);
    }
}

impl<W: Write> PcapNgWriter<W> {
    /// Writes the Section Header Block (little-endian, `shb_userappl`
    /// "ipv4kit").
    pub fn new(out: W) -> io::Result<Self> {
        let mut w = PcapNgWriter {
            out,
            snaplens: Vec::new(),
            buf: Vec::with_capacity(256),
        };
        let mut body = Vec::new();
        body.extend_from_slice(&0x1a2b_3c4du32.to_le_bytes());
        body.extend_from_slice(&1u16.to_le_bytes());
        body.extend_from_slice(&0u16.to_le_bytes());
        body.extend_from_slice(&(-1i64).to_le_bytes()); // section length unknown
        option(&mut body, SHB_USERAPPL, b"ipv4kit");
        option(&mut body, OPT_END, &[]);
        w.block(SHB, &body)?;
        Ok(w)
    }

    /// Adds an interface (an Interface Description Block with `if_name` and
    /// nanosecond `if_tsresol`) and returns its id for
    /// [`write_packet`](Self::write_packet).
    ///
    /// pcapng allows a different link type and snap length per interface,
    /// but libpcap (so tcpdump) refuses a section whose interfaces do not
    /// all share the first one's: give every interface of a file the same
    /// link type and snap length when it is for tcpdump.
    pub fn add_interface(&mut self, linktype: u16, snaplen: u32, name: &str) -> io::Result<u32> {
        let mut body = Vec::new();
        body.extend_from_slice(&linktype.to_le_bytes());
        body.extend_from_slice(&0u16.to_le_bytes());
        body.extend_from_slice(&snaplen.to_le_bytes());
        if !name.is_empty() {
            option(&mut body, IF_NAME, name.as_bytes());
        }
        option(&mut body, IF_TSRESOL, &[9]);
        option(&mut body, OPT_END, &[]);
        self.block(IDB, &body)?;
        self.snaplens.push(snaplen);
        Ok(u32::try_from(self.snaplens.len() - 1).unwrap_or(u32::MAX))
    }

    /// Writes one frame of interface `iface` (from
    /// [`add_interface`](Self::add_interface)) captured at `ts`, `orig_len`
    /// long on the wire; bytes beyond the interface's snap length (0: none)
    /// are left out. An unknown interface is an `InvalidInput` error.
    pub fn write_packet(
        &mut self,
        iface: u32,
        ts: Duration,
        orig_len: u32,
        bytes: &[u8],
    ) -> io::Result<()> {
        let Some(&snaplen) = self.snaplens.get(iface as usize) else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("interface {iface} was never added"),
            ));
        };
        let cap = if snaplen == 0 {
            bytes.len()
        } else {
            bytes.len().min(snaplen as usize)
        };
        let caplen = u32::try_from(cap).unwrap_or(u32::MAX);
        let units = u64::try_from(ts.as_nanos()).unwrap_or(u64::MAX);
        let mut body = std::mem::take(&mut self.buf);
        body.clear();
        body.extend_from_slice(&iface.to_le_bytes());
        body.extend_from_slice(&((units >> 32) as u32).to_le_bytes());
        body.extend_from_slice(&(units as u32).to_le_bytes());
        body.extend_from_slice(&caplen.to_le_bytes());
        body.extend_from_slice(&orig_len.max(caplen).to_le_bytes());
        body.extend_from_slice(&bytes[..cap]);
        pad(&mut body);
        let r = self.block(EPB, &body);
        self.buf = body;
        r
    }

    fn block(&mut self, block_type: u32, body: &[u8]) -> io::Result<()> {
        let len = u32::try_from(body.len() + 12)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "block over 4 GiB"))?;
        self.out.write_all(&block_type.to_le_bytes())?;
        self.out.write_all(&len.to_le_bytes())?;
        self.out.write_all(body)?;
        self.out.write_all(&len.to_le_bytes())
    }

    /// Flushes the underlying writer.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Flushes and returns the underlying writer.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}
