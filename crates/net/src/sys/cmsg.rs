//! Control-message encoding and decoding over plain byte buffers.
//!
//! No system calls here, so everything runs under Miri. The layout follows
//! `CMSG_ALIGN`/`CMSG_LEN`/`CMSG_SPACE` from `<sys/socket.h>`: each message is
//! a `cmsghdr` followed by its data, and the next message starts at the
//! aligned end of the previous one.

use std::mem::size_of;
use std::net::Ipv4Addr;

use crate::control::ControlMessage;

/// `CMSG_ALIGN`: rounds up to the alignment of `cmsghdr`'s length field.
pub(crate) const fn cmsg_align(len: usize) -> usize {
    let a = size_of::<usize>();
    (len + a - 1) & !(a - 1)
}

/// `CMSG_LEN`: header plus `data_len` bytes of data, unpadded.
pub(crate) const fn cmsg_len(data_len: usize) -> usize {
    cmsg_align(size_of::<libc::cmsghdr>()) + data_len
}

/// `CMSG_SPACE`: header plus `data_len` bytes of data, padded.
pub(crate) const fn cmsg_space(data_len: usize) -> usize {
    cmsg_align(size_of::<libc::cmsghdr>()) + cmsg_align(data_len)
}

/// Size of an `in_pktinfo` (`ipi_ifindex`, `ipi_spec_dst`, `ipi_addr`).
const PKTINFO_LEN: usize = 12;
#[cfg(any(target_os = "linux", target_os = "android"))]
const _: () = assert!(PKTINFO_LEN == size_of::<libc::in_pktinfo>());

/// Size of the `SO_RXQ_OVFL` drop count (a `__u32`).
const DROPS_LEN: usize = size_of::<u32>();

/// Bytes a control buffer needs for everything this crate asks for on
/// receive (`IP_TTL`, `IP_TOS`, `IP_PKTINFO`, `SO_RXQ_OVFL`), with room to
/// spare for one more message the socket may have been configured for
/// elsewhere.
pub(crate) const CMSG_BUF_LEN: usize = cmsg_space(size_of::<libc::c_int>()) // IP_TTL
    + cmsg_space(size_of::<libc::c_int>()) // IP_TOS (1 byte on Linux; room for an int)
    + cmsg_space(PKTINFO_LEN) // IP_PKTINFO
    + cmsg_space(DROPS_LEN) // SO_RXQ_OVFL
    + cmsg_space(40); // spare: e.g. IP_RETOPTS

/// A control buffer aligned for `cmsghdr`, sized for [`CMSG_BUF_LEN`].
#[derive(Clone, Copy)]
#[repr(C, align(8))]
pub(crate) struct CmsgBuf(pub(crate) [u8; CMSG_BUF_LEN]);

impl CmsgBuf {
    pub(crate) const fn new() -> CmsgBuf {
        CmsgBuf([0; CMSG_BUF_LEN])
    }
}

impl Default for CmsgBuf {
    fn default() -> Self {
        CmsgBuf::new()
    }
}

/// The header fields of one control message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Header {
    len: usize,
    level: i32,
    ty: i32,
}

/// Reads the `cmsghdr` at the start of `buf`, if one fits.
fn read_header(buf: &[u8]) -> Option<Header> {
    if buf.len() < size_of::<libc::cmsghdr>() {
        return None;
    }
    // SAFETY: `buf` holds at least `size_of::<cmsghdr>()` readable bytes,
    // `read_unaligned` has no alignment requirement, and every bit pattern is
    // a valid `cmsghdr` (integers and, on some libcs, integer padding).
    let h: libc::cmsghdr = unsafe { std::ptr::read_unaligned(buf.as_ptr().cast()) };
    Some(Header {
        len: h.cmsg_len as usize,
        level: h.cmsg_level,
        ty: h.cmsg_type,
    })
}

/// Writes a `cmsghdr` at the start of `buf` (which must be long enough).
pub(crate) fn write_header(buf: &mut [u8], level: i32, ty: i32, data_len: usize) {
    assert!(buf.len() >= size_of::<libc::cmsghdr>());
    // SAFETY: an all-zero `cmsghdr` is valid (plain integers).
    let mut h: libc::cmsghdr = unsafe { std::mem::zeroed() };
    h.cmsg_len = cmsg_len(data_len) as _;
    h.cmsg_level = level;
    h.cmsg_type = ty;
    // SAFETY: checked above that `buf` has room for a `cmsghdr`;
    // `write_unaligned` has no alignment requirement.
    unsafe { std::ptr::write_unaligned(buf.as_mut_ptr().cast(), h) };
}

/// Iterates over the messages in a received control buffer, yielding
/// `(level, type, data)`. Stops at the first malformed header.
pub(crate) struct Messages<'a> {
    buf: &'a [u8],
}

pub(crate) fn messages(buf: &[u8]) -> Messages<'_> {
    Messages { buf }
}

impl<'a> Iterator for Messages<'a> {
    type Item = (i32, i32, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let h = read_header(self.buf)?;
        let hdr = cmsg_len(0);
        if h.len < hdr || h.len > self.buf.len() {
            self.buf = &[];
            return None;
        }
        let data = &self.buf[hdr..h.len];
        let next = cmsg_align(h.len).min(self.buf.len());
        self.buf = &self.buf[next..];
        Some((h.level, h.ty, data))
    }
}

fn read_int(data: &[u8]) -> Option<i32> {
    Some(i32::from_ne_bytes(data.get(..4)?.try_into().ok()?))
}

fn read_addr(data: &[u8]) -> Option<Ipv4Addr> {
    let b: [u8; 4] = data.get(..4)?.try_into().ok()?;
    Some(Ipv4Addr::from(b))
}

/// Decodes the IPv4 control messages in a received control buffer.
///
/// Unknown messages are skipped. `IP_TOS` arrives as one byte on Linux
/// (an `int` on some other systems); both are accepted.
#[cfg_attr(target_os = "linux", allow(dead_code))] // Linux receives with `decode_with_drops`
pub(crate) fn decode(buf: &[u8]) -> ControlMessage {
    decode_with_drops(buf).0
}

/// [`decode`], plus the socket's drop count (`SO_RXQ_OVFL`) if the buffer
/// has one, in the same walk.
pub(crate) fn decode_with_drops(buf: &[u8]) -> (ControlMessage, Option<u32>) {
    let mut cm = ControlMessage::default();
    // Only Linux and Android have `SO_RXQ_OVFL` to set it from.
    #[cfg_attr(
        not(any(target_os = "linux", target_os = "android")),
        allow(unused_mut)
    )]
    let mut drops = None;
    for (level, ty, data) in messages(buf) {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if level == libc::SOL_SOCKET && ty == libc::SO_RXQ_OVFL {
            drops = read_int(data).map(|v| v as u32);
            continue;
        }
        if level != libc::IPPROTO_IP {
            continue;
        }
        match ty {
            libc::IP_TTL => cm.ttl = read_int(data).map(|v| v as u8),
            libc::IP_TOS => cm.tos = data.first().copied(),
            #[cfg(any(target_os = "linux", target_os = "android"))]
            libc::IP_PKTINFO if data.len() >= PKTINFO_LEN => {
                // struct in_pktinfo { int ipi_ifindex; in_addr ipi_spec_dst; in_addr ipi_addr; }
                cm.ifindex = read_int(data).map(|v| v as u32);
                cm.dst = read_addr(&data[8..]);
            }
            _ => {}
        }
    }
    (cm, drops)
}

/// Too little room in a control buffer for the message to send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NoRoom;

/// Encodes the send side of `cm` (an `IP_PKTINFO` with `src` and `ifindex`)
/// into `buf`, returning the bytes used (0 when there is nothing to send).
pub(crate) fn encode(cm: &ControlMessage, buf: &mut [u8]) -> Result<usize, NoRoom> {
    if !cm.has_send_info() {
        return Ok(0);
    }
    encode_pktinfo(
        cm.ifindex.unwrap_or(0),
        cm.src.unwrap_or(Ipv4Addr::UNSPECIFIED),
        buf,
    )
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn encode_pktinfo(ifindex: u32, src: Ipv4Addr, buf: &mut [u8]) -> Result<usize, NoRoom> {
    let space = cmsg_space(PKTINFO_LEN);
    let buf = buf.get_mut(..space).ok_or(NoRoom)?;
    buf.fill(0);
    write_header(buf, libc::IPPROTO_IP, libc::IP_PKTINFO, PKTINFO_LEN);
    let data = &mut buf[cmsg_len(0)..];
    data[0..4].copy_from_slice(&(ifindex as i32).to_ne_bytes());
    data[4..8].copy_from_slice(&src.octets()); // ipi_spec_dst: source to use
                                               // ipi_addr (8..12) is ignored on send; left zero.
    Ok(space)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn encode_pktinfo(_ifindex: u32, _src: Ipv4Addr, _buf: &mut [u8]) -> Result<usize, NoRoom> {
    Err(NoRoom)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a control buffer the way the kernel does, for decode tests.
    fn push(buf: &mut Vec<u8>, level: i32, ty: i32, data: &[u8]) {
        let start = buf.len();
        buf.resize(start + cmsg_space(data.len()), 0);
        write_header(&mut buf[start..], level, ty, data.len());
        let d = start + cmsg_len(0);
        buf[d..d + data.len()].copy_from_slice(data);
    }

    #[test]
    fn cmsg_math_matches_libc() {
        for n in [0usize, 1, 4, 7, 8, 12, 13, 40] {
            // SAFETY: CMSG_SPACE and CMSG_LEN are pure arithmetic.
            let (space, len) = unsafe { (libc::CMSG_SPACE(n as u32), libc::CMSG_LEN(n as u32)) };
            assert_eq!(cmsg_space(n), space as usize, "CMSG_SPACE({n})");
            assert_eq!(cmsg_len(n), len as usize, "CMSG_LEN({n})");
        }
    }

    #[test]
    fn cmsg_buf_is_aligned_for_cmsghdr() {
        assert!(std::mem::align_of::<CmsgBuf>() >= std::mem::align_of::<libc::cmsghdr>());
        assert!(CMSG_BUF_LEN >= cmsg_space(12) + 3 * cmsg_space(4));
    }

    /// The kernel's order on receive: socket-level messages (`SO_RXQ_OVFL`
    /// from `sock_recv_drops`) before the IP-level ones.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn full_receive_buffer(drops: u32) -> Vec<u8> {
        let mut buf = Vec::new();
        push(
            &mut buf,
            libc::SOL_SOCKET,
            libc::SO_RXQ_OVFL,
            &drops.to_ne_bytes(),
        );
        push(
            &mut buf,
            libc::IPPROTO_IP,
            libc::IP_TTL,
            &1i32.to_ne_bytes(),
        );
        push(&mut buf, libc::IPPROTO_IP, libc::IP_TOS, &[0xc0]);
        let mut pkt = [0u8; PKTINFO_LEN];
        pkt[..4].copy_from_slice(&3i32.to_ne_bytes());
        pkt[8..].copy_from_slice(&[224, 0, 0, 22]);
        push(&mut buf, libc::IPPROTO_IP, libc::IP_PKTINFO, &pkt);
        buf
    }

    #[test]
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn decodes_the_drop_count_beside_the_ip_messages() {
        let buf = full_receive_buffer(4_000_000_000);
        // Everything the crate asks for fits the buffer it receives into.
        assert!(buf.len() <= CMSG_BUF_LEN);
        let (cm, drops) = decode_with_drops(&buf);
        assert_eq!(drops, Some(4_000_000_000));
        assert_eq!(decode(&buf), cm);
        assert_eq!((cm.ttl, cm.tos, cm.ifindex), (Some(1), Some(0xc0), Some(3)));
        assert_eq!(cm.dst, Some(Ipv4Addr::new(224, 0, 0, 22)));
        // The same number at IP level is not a drop count, and a short
        // payload is none.
        let mut other = Vec::new();
        push(
            &mut other,
            libc::IPPROTO_IP,
            libc::SO_RXQ_OVFL,
            &5u32.to_ne_bytes(),
        );
        push(&mut other, libc::SOL_SOCKET, libc::SO_RXQ_OVFL, &[1, 2]);
        assert_eq!(decode_with_drops(&other).1, None);
        assert_eq!(decode_with_drops(&[]), (ControlMessage::default(), None));
    }

    #[test]
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn every_truncation_of_a_full_buffer_decodes_a_prefix() {
        let full = full_receive_buffer(9);
        for n in 0..=full.len() {
            let (cm, drops) = decode_with_drops(&full[..n]);
            // Messages come whole or not at all: the drop count is first.
            let first = cmsg_space(DROPS_LEN);
            assert_eq!(drops, (n >= cmsg_len(DROPS_LEN)).then_some(9), "{n}");
            if n < first {
                assert_eq!(cm.ttl, None, "{n}");
            }
        }
    }

    #[test]
    fn decodes_ttl_tos_and_pktinfo() {
        let mut buf = Vec::new();
        push(
            &mut buf,
            libc::IPPROTO_IP,
            libc::IP_TTL,
            &64i32.to_ne_bytes(),
        );
        push(&mut buf, libc::IPPROTO_IP, libc::IP_TOS, &[0xb8]);
        let mut pkt = Vec::new();
        pkt.extend_from_slice(&7i32.to_ne_bytes());
        pkt.extend_from_slice(&[198, 18, 0, 2]);
        pkt.extend_from_slice(&[224, 0, 0, 22]);
        push(&mut buf, libc::IPPROTO_IP, libc::IP_PKTINFO, &pkt);
        let cm = decode(&buf);
        assert_eq!(cm.ttl, Some(64));
        assert_eq!(cm.tos, Some(0xb8));
        assert_eq!(cm.ifindex, Some(7));
        assert_eq!(cm.dst, Some(Ipv4Addr::new(224, 0, 0, 22)));
        assert_eq!(cm.src, None);
    }

    #[test]
    fn skips_unknown_levels_and_types() {
        let mut buf = Vec::new();
        push(
            &mut buf,
            libc::SOL_SOCKET,
            libc::IP_TTL,
            &1i32.to_ne_bytes(),
        );
        push(&mut buf, libc::IPPROTO_IP, 99, &[1, 2, 3]);
        push(
            &mut buf,
            libc::IPPROTO_IP,
            libc::IP_TTL,
            &3i32.to_ne_bytes(),
        );
        assert_eq!(decode(&buf).ttl, Some(3));
        assert_eq!(messages(&buf).count(), 3);
    }

    #[test]
    fn decode_never_reads_past_a_lying_header() {
        let mut buf = Vec::new();
        push(
            &mut buf,
            libc::IPPROTO_IP,
            libc::IP_TTL,
            &1i32.to_ne_bytes(),
        );
        // Claim more bytes than there are.
        write_header(&mut buf, libc::IPPROTO_IP, libc::IP_TTL, 1000);
        assert_eq!(decode(&buf), ControlMessage::default());
        // Claim fewer bytes than a header.
        let mut h = vec![0u8; 32];
        write_header(&mut h, libc::IPPROTO_IP, libc::IP_TTL, 0);
        h[0] = 1;
        h[1..8].fill(0);
        assert_eq!(messages(&h).count(), 0);
        // Every truncation of a valid buffer decodes without panicking.
        let mut full = Vec::new();
        push(
            &mut full,
            libc::IPPROTO_IP,
            libc::IP_TTL,
            &9i32.to_ne_bytes(),
        );
        push(&mut full, libc::IPPROTO_IP, libc::IP_PKTINFO, &[0; 12]);
        for n in 0..=full.len() {
            let _ = decode(&full[..n]);
        }
        assert_eq!(decode(&[]), ControlMessage::default());
    }

    #[test]
    fn encodes_pktinfo_and_decodes_it_back() {
        let mut buf = CmsgBuf::new();
        let cm = ControlMessage {
            src: Some(Ipv4Addr::new(198, 18, 0, 1)),
            ifindex: Some(3),
            ttl: Some(1), // ignored on send
            ..Default::default()
        };
        let n = encode(&cm, &mut buf.0).unwrap();
        assert_eq!(n, cmsg_space(PKTINFO_LEN));
        let msgs: Vec<_> = messages(&buf.0[..n]).collect();
        assert_eq!(msgs.len(), 1);
        let (level, ty, data) = msgs[0];
        assert_eq!((level, ty), (libc::IPPROTO_IP, libc::IP_PKTINFO));
        assert_eq!(&data[0..4], &3i32.to_ne_bytes());
        assert_eq!(&data[4..8], &[198, 18, 0, 1]);
        assert_eq!(decode(&buf.0[..n]).ifindex, Some(3));
    }

    #[test]
    fn encode_without_send_fields_writes_nothing() {
        let mut buf = [0xffu8; 8];
        let cm = ControlMessage {
            ttl: Some(3),
            ..Default::default()
        };
        assert_eq!(encode(&cm, &mut buf), Ok(0));
        assert_eq!(buf, [0xff; 8]);
    }

    #[test]
    fn encode_reports_a_short_buffer() {
        let cm = ControlMessage {
            ifindex: Some(1),
            ..Default::default()
        };
        let mut buf = [0u8; 8];
        assert_eq!(encode(&cm, &mut buf), Err(NoRoom));
    }
}
