//! Reading capture files: pcap and pcapng (the pcap-file crate).

use std::fmt;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use pcap_file::pcap::PcapReader;
use pcap_file::pcapng::{Block, PcapNgReader};

/// One captured frame.
#[derive(Debug)]
pub struct Frame<'a> {
    /// 1-based index of the frame in its file.
    pub index: u64,
    /// The LINKTYPE of the interface it was captured on.
    pub linktype: u32,
    /// The captured bytes, link layer included.
    pub data: &'a [u8],
}

/// A capture file could not be read.
#[derive(Debug)]
pub struct CaptureError {
    /// What went wrong, as a sentence.
    pub message: String,
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CaptureError {}

const PCAP_MAGICS: [[u8; 4]; 4] = [
    [0xd4, 0xc3, 0xb2, 0xa1],
    [0xa1, 0xb2, 0xc3, 0xd4],
    [0x4d, 0x3c, 0xb2, 0xa1],
    [0xa1, 0xb2, 0x3c, 0x4d],
];
const PCAPNG_MAGIC: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];

/// Calls `each` for every frame in the pcap or pcapng file at `path`.
///
/// A file that is neither format, or that breaks off in a way the reader cannot
/// step over, is an error; frames read before that point have been handed out.
/// Error messages start with the path.
pub fn for_each_frame(path: &Path, each: impl FnMut(Frame<'_>)) -> Result<(), CaptureError> {
    let name = path.display().to_string();
    let file = File::open(path).map_err(|e| CaptureError {
        message: format!("{name}: cannot open: {e}"),
    })?;
    for_each_frame_in(BufReader::new(file), &name, each)
}

/// Calls `each` for every frame of a pcap or pcapng stream read from `reader`
/// (a file, standard input, or bytes in memory); `name` starts each error
/// message.
///
/// ```
/// use ipv4kit_capture::read::for_each_frame_in;
///
/// // A pcap header (little-endian, LINKTYPE_RAW) with no frames.
/// let mut pcap = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0];
/// pcap.extend_from_slice(&[0; 8]); // time zone, sigfigs
/// pcap.extend_from_slice(&65535u32.to_le_bytes()); // snaplen
/// pcap.extend_from_slice(&101u32.to_le_bytes()); // link type
/// let mut frames = 0;
/// for_each_frame_in(&pcap[..], "memory", |_| frames += 1).unwrap();
/// assert_eq!(frames, 0);
///
/// let err = for_each_frame_in(&b"GIF89a"[..], "memory", |_| {}).unwrap_err();
/// assert_eq!(err.to_string(), "memory: not a pcap or pcapng file (starts with 47494638)");
/// ```
pub fn for_each_frame_in(
    mut reader: impl Read,
    name: &str,
    mut each: impl FnMut(Frame<'_>),
) -> Result<(), CaptureError> {
    let err = |what: String| CaptureError {
        message: format!("{name}: {what}"),
    };
    let mut magic = [0u8; 4];
    reader
        .read_exact(&mut magic)
        .map_err(|_| err("not a capture file: shorter than a pcap header".into()))?;
    // Both readers want to see the magic number again.
    let reader = (&magic[..]).chain(reader);
    let mut index = 0u64;
    if PCAP_MAGICS.contains(&magic) {
        let mut pcap = PcapReader::new(reader).map_err(|e| err(format!("bad pcap header: {e}")))?;
        let linktype = u32::from(pcap.header().datalink);
        // Raw packets: pcap-file's checked form rejects orig_len > snaplen, which
        // is what every snaplen-truncated capture has.
        while let Some(packet) = pcap.next_raw_packet() {
            let packet = packet.map_err(|e| err(format!("frame {}: {e}", index + 1)))?;
            index += 1;
            each(Frame {
                index,
                linktype,
                data: &packet.data,
            });
        }
        Ok(())
    } else if magic == PCAPNG_MAGIC {
        let mut ng = PcapNgReader::new(reader)
            .map_err(|e| err(format!("bad pcapng section header: {e}")))?;
        // The reader tracks interfaces too, but its blocks borrow it mutably, so
        // keep our own list of link types per interface of the current section.
        let mut interfaces: Vec<u32> = Vec::new();
        while let Some(block) = ng.next_block() {
            let block = block.map_err(|e| err(format!("block after frame {index}: {e}")))?;
            let (iface, data) = match &block {
                Block::SectionHeader(_) => {
                    interfaces.clear();
                    continue;
                }
                Block::InterfaceDescription(idb) => {
                    interfaces.push(u32::from(idb.linktype));
                    continue;
                }
                Block::EnhancedPacket(epb) => (epb.interface_id as usize, &epb.data),
                Block::SimplePacket(spb) => (0, &spb.data),
                Block::Packet(pb) => (usize::from(pb.interface_id), &pb.data),
                _ => continue,
            };
            index += 1;
            let linktype = interfaces.get(iface).copied().unwrap_or(u32::MAX);
            each(Frame {
                index,
                linktype,
                data,
            });
        }
        Ok(())
    } else {
        Err(err(format!(
            "not a pcap or pcapng file (starts with {:02x}{:02x}{:02x}{:02x})",
            magic[0], magic[1], magic[2], magic[3]
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_capture_reads_to_the_end() {
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data");
        let mut total = 0;
        for dir in ["tcpdump", "zeek"] {
            for entry in std::fs::read_dir(data.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "pcap") {
                    for_each_frame(&path, |_| total += 1).unwrap();
                }
            }
        }
        assert!(total > 100, "read {total} frames");
    }

    #[test]
    fn a_text_file_is_not_a_capture() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
        let e = for_each_frame(&path, |_| {}).unwrap_err();
        assert!(e.message.contains("not a pcap or pcapng file"), "{e}");
    }
}
