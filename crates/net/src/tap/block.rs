//! Reading a `TPACKET_V3` block and a `sockaddr_ll`: plain byte parsing,
//! total (any bytes give frames or an early end, never a panic), so it runs
//! under Miri and the fuzzer.
//!
//! A block (`<linux/if_packet.h>`) is a `tpacket_block_desc`: `version`,
//! `offset_to_priv`, then `tpacket_hdr_v1` at offset 8 with `block_status`,
//! `num_pkts`, `offset_to_first_pkt` and `blk_len`. Each frame is a
//! `tpacket3_hdr` (48 bytes: `tp_next_offset`, `tp_sec`, `tp_nsec`,
//! `tp_snaplen`, `tp_len`, `tp_status`, `tp_mac`, `tp_net`, ...) followed, at
//! `TPACKET_ALIGN(48)`, by the `sockaddr_ll` of the frame; the captured bytes
//! start `tp_mac` bytes after the frame header. Native byte order throughout
//! (except `sll_protocol`, network order). `sys::packet` checks these offsets
//! against libc's structs at compile time.

/// `sizeof(struct tpacket3_hdr)`.
pub(crate) const TPACKET3_HDR_LEN: usize = 48;
/// `sizeof(struct sockaddr_ll)`.
pub(crate) const SOCKADDR_LL_LEN: usize = 20;
/// Where the `sockaddr_ll` sits after a frame header (`TPACKET_ALIGN(48)`).
const LL_OFFSET: usize = 48;

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The link-layer facts of a `sockaddr_ll`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct LinkFields {
    pub(crate) protocol: u16,
    pub(crate) ifindex: u32,
    pub(crate) hatype: u16,
    pub(crate) pkttype: u8,
    pub(crate) addr: [u8; 8],
    pub(crate) addr_len: u8,
}

/// Parses a `sockaddr_ll` (`sll_family`, `sll_protocol` (network order),
/// `sll_ifindex`, `sll_hatype`, `sll_pkttype`, `sll_halen`, `sll_addr[8]`).
pub(crate) fn link_fields(b: &[u8]) -> Option<LinkFields> {
    let b = b.get(..SOCKADDR_LL_LEN)?;
    let mut addr = [0u8; 8];
    addr.copy_from_slice(&b[12..20]);
    Some(LinkFields {
        protocol: u16::from_be_bytes([b[2], b[3]]),
        ifindex: u32_at(b, 4)?,
        hatype: u16_at(b, 8)?,
        pkttype: b[10],
        addr_len: b[11].min(8),
        addr,
    })
}

/// One frame of a block.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BlockFrame<'a> {
    pub(crate) data: &'a [u8],
    pub(crate) sec: u32,
    pub(crate) nsec: u32,
    /// `tp_len`: the frame's length on the wire (as the socket type counts).
    pub(crate) len: u32,
    pub(crate) link: Option<LinkFields>,
}

/// The frames of a block, in arrival order.
#[derive(Clone, Debug)]
pub(crate) struct BlockFrames<'a> {
    block: &'a [u8],
    at: usize,
    left: u32,
}

/// The frames of `block` (the whole block, header included). A block whose
/// header or frames do not fit its bytes ends early.
pub(crate) fn frames(block: &[u8]) -> BlockFrames<'_> {
    let num = u32_at(block, 12).unwrap_or(0);
    let first = u32_at(block, 16).unwrap_or(0) as usize;
    // blk_len bounds the frames when it is sane; else the block's bytes do.
    let end = match u32_at(block, 20) {
        Some(l) if (l as usize) <= block.len() => l as usize,
        _ => block.len(),
    };
    BlockFrames {
        block: &block[..end],
        at: first,
        left: if first == 0 { 0 } else { num },
    }
}

impl<'a> Iterator for BlockFrames<'a> {
    type Item = BlockFrame<'a>;

    fn next(&mut self) -> Option<BlockFrame<'a>> {
        if self.left == 0 {
            return None;
        }
        let frame = self.read();
        match frame {
            Some((f, next)) => {
                self.left -= 1;
                // The kernel chains frames at least a header apart; an
                // offset of 0 ends the chain and a shorter one is a lie
                // that would make frames overlap (and their number grow
                // with `num_pkts` instead of the block's size).
                if next < TPACKET3_HDR_LEN {
                    self.left = 0;
                }
                self.at = self.at.saturating_add(next);
                Some(f)
            }
            None => {
                self.left = 0;
                None
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.left as usize))
    }
}

impl<'a> BlockFrames<'a> {
    fn read(&self) -> Option<(BlockFrame<'a>, usize)> {
        let h = self.block.get(self.at..)?;
        if h.len() < TPACKET3_HDR_LEN {
            return None;
        }
        let next = u32_at(h, 0)? as usize;
        let sec = u32_at(h, 4)?;
        let nsec = u32_at(h, 8)?;
        let snaplen = u32_at(h, 12)? as usize;
        let len = u32_at(h, 16)?;
        let mac = usize::from(u16_at(h, 24)?);
        let data = h.get(mac..mac.checked_add(snaplen)?)?;
        let link = h.get(LL_OFFSET..).and_then(link_fields);
        Some((
            BlockFrame {
                data,
                sec,
                nsec,
                len,
                link,
            },
            next,
        ))
    }
}

/// Test helper: writes a block holding `frames` (data, sec, nsec, tp_len)
/// as the kernel lays it out for a `SOCK_DGRAM` socket.
#[cfg(test)]
pub(crate) fn build_block(
    size: usize,
    frames: &[(&[u8], u32, u32, u32)],
    ll: &[u8; 20],
) -> Vec<u8> {
    let mut b = vec![0u8; size];
    b[0..4].copy_from_slice(&3u32.to_ne_bytes());
    b[8..12].copy_from_slice(&1u32.to_ne_bytes());
    b[12..16].copy_from_slice(&(frames.len() as u32).to_ne_bytes());
    let first = 48usize;
    b[16..20].copy_from_slice(&(first as u32).to_ne_bytes());
    let mut at = first;
    for (i, (data, sec, nsec, len)) in frames.iter().enumerate() {
        let mac = 48 + 20 + 12; // like the kernel: aligned header + 16 + pad
        let total = (mac + data.len()).next_multiple_of(16);
        let next = if i + 1 == frames.len() { 0 } else { total };
        b[at..at + 4].copy_from_slice(&(next as u32).to_ne_bytes());
        b[at + 4..at + 8].copy_from_slice(&sec.to_ne_bytes());
        b[at + 8..at + 12].copy_from_slice(&nsec.to_ne_bytes());
        b[at + 12..at + 16].copy_from_slice(&(data.len() as u32).to_ne_bytes());
        b[at + 16..at + 20].copy_from_slice(&len.to_ne_bytes());
        b[at + 24..at + 26].copy_from_slice(&(mac as u16).to_ne_bytes());
        b[at + 26..at + 28].copy_from_slice(&(mac as u16).to_ne_bytes());
        b[at + 48..at + 68].copy_from_slice(ll);
        b[at + mac..at + mac + data.len()].copy_from_slice(data);
        at += total;
    }
    b[20..24].copy_from_slice(&(at as u32).to_ne_bytes());
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ll() -> [u8; 20] {
        let mut b = [0u8; 20];
        b[0..2].copy_from_slice(&17u16.to_ne_bytes());
        b[2..4].copy_from_slice(&0x0800u16.to_be_bytes());
        b[4..8].copy_from_slice(&7u32.to_ne_bytes());
        b[8..10].copy_from_slice(&1u16.to_ne_bytes());
        b[10] = 2;
        b[11] = 6;
        b[12..18].copy_from_slice(&[2, 0, 0, 0, 0, 1]);
        b
    }

    #[test]
    fn frames_come_out_in_order_with_their_link_fields() {
        let block = build_block(4096, &[(b"abc", 1, 2, 3), (b"defgh", 4, 5, 600)], &ll());
        let got: Vec<_> = frames(&block).collect();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].data, b"abc");
        assert_eq!((got[0].sec, got[0].nsec, got[0].len), (1, 2, 3));
        assert_eq!(got[1].data, b"defgh");
        assert_eq!(got[1].len, 600);
        let l = got[1].link.unwrap();
        assert_eq!(l.protocol, 0x0800);
        assert_eq!(l.ifindex, 7);
        assert_eq!(l.pkttype, 2);
        assert_eq!(&l.addr[..usize::from(l.addr_len)], &[2, 0, 0, 0, 0, 1]);
    }

    #[test]
    fn a_block_that_lies_about_its_frames_ends_early_without_panicking() {
        let mut block = build_block(512, &[(b"abc", 1, 2, 3), (b"de", 4, 5, 2)], &ll());
        // Claims 1000 frames: the walk stops where the chain ends.
        block[12..16].copy_from_slice(&1000u32.to_ne_bytes());
        assert_eq!(frames(&block).count(), 2);
        // A snaplen running past the block: that frame is not given.
        block[48 + 12..48 + 16].copy_from_slice(&u32::MAX.to_ne_bytes());
        assert_eq!(frames(&block).count(), 0);
        // First frame offset past the end, or zero.
        block[16..20].copy_from_slice(&100_000u32.to_ne_bytes());
        assert_eq!(frames(&block).count(), 0);
        block[16..20].copy_from_slice(&0u32.to_ne_bytes());
        assert_eq!(frames(&block).count(), 0);
        // A next-frame offset shorter than a frame header ends the walk
        // after that frame: frames never overlap.
        let mut block = build_block(512, &[(b"abc", 1, 2, 3), (b"de", 4, 5, 2)], &ll());
        block[12..16].copy_from_slice(&1000u32.to_ne_bytes());
        block[48..52].copy_from_slice(&1u32.to_ne_bytes());
        assert_eq!(frames(&block).count(), 1);
        block[48..52].copy_from_slice(&47u32.to_ne_bytes());
        assert_eq!(frames(&block).count(), 1);
        // Every short prefix of a block is handled.
        let good = build_block(512, &[(b"abc", 1, 2, 3)], &ll());
        for n in 0..good.len() {
            let _ = frames(&good[..n]).count();
        }
    }
}
