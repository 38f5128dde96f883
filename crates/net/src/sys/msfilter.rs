//! `MCAST_MSFILTER` (RFC 3678 §5.2, full-state source filter API): the
//! variable-length `struct group_filter` written and read as bytes.

use std::mem::size_of;
use std::os::fd::{AsRawFd, BorrowedFd};

use crate::error::{Error, Result};

/// The fixed part of `struct group_filter` (`<netinet/in.h>`, Linux
/// `<uapi/linux/in.h>`); `gf_slist` follows it.
#[repr(C)]
#[derive(Clone, Copy)]
struct GroupFilterHead {
    gf_interface: u32,
    gf_group: libc::sockaddr_storage,
    gf_fmode: u32,
    gf_numsrc: u32,
}

/// Where `gf_slist` starts: the head is padded to the alignment of
/// `sockaddr_storage`, which is where the array begins.
const SLIST: usize = size_of::<GroupFilterHead>();
const _: () = assert!(SLIST.is_multiple_of(std::mem::align_of::<libc::sockaddr_storage>()));
const STORAGE: usize = size_of::<libc::sockaddr_storage>();

/// `GROUP_FILTER_SIZE(n)`.
const fn group_filter_size(n: usize) -> usize {
    SLIST + n * STORAGE
}

fn write_head(buf: &mut [u8], head: &GroupFilterHead) {
    assert!(buf.len() >= SLIST);
    // SAFETY: `buf` has at least `size_of::<GroupFilterHead>()` bytes
    // (checked above); `write_unaligned` needs no alignment.
    unsafe { std::ptr::write_unaligned(buf.as_mut_ptr().cast::<GroupFilterHead>(), *head) };
}

fn read_head(buf: &[u8]) -> GroupFilterHead {
    assert!(buf.len() >= SLIST);
    // SAFETY: `buf` has at least `size_of::<GroupFilterHead>()` bytes; the
    // struct is integers only, valid for any bit pattern; unaligned read.
    unsafe { std::ptr::read_unaligned(buf.as_ptr().cast::<GroupFilterHead>()) }
}

/// `setsockopt(level, MCAST_MSFILTER)`: replaces the socket's filter for
/// `group` on `ifindex` with mode `MCAST_INCLUDE` (`include`) or `MCAST_EXCLUDE`
/// and `sources`.
pub(crate) fn set(
    fd: BorrowedFd<'_>,
    level: libc::c_int,
    ifindex: u32,
    group: libc::sockaddr_storage,
    include: bool,
    sources: &[libc::sockaddr_storage],
    op: &'static str,
) -> Result<()> {
    let Ok(numsrc) = u32::try_from(sources.len()) else {
        return Err(Error::new(
            op,
            std::io::Error::from_raw_os_error(libc::ENOBUFS),
        ));
    };
    let mut buf = vec![0u8; group_filter_size(sources.len())];
    write_head(
        &mut buf,
        &GroupFilterHead {
            gf_interface: ifindex,
            gf_group: group,
            gf_fmode: if include {
                libc::MCAST_INCLUDE
            } else {
                libc::MCAST_EXCLUDE
            } as u32,
            gf_numsrc: numsrc,
        },
    );
    for (i, s) in sources.iter().enumerate() {
        let at = &mut buf[SLIST + i * STORAGE..SLIST + (i + 1) * STORAGE];
        // SAFETY: `at` is exactly `size_of::<sockaddr_storage>()` bytes;
        // `write_unaligned` needs no alignment.
        unsafe { std::ptr::write_unaligned(at.as_mut_ptr().cast::<libc::sockaddr_storage>(), *s) };
    }
    // SAFETY: `buf` is readable for `buf.len()` bytes during the call; `fd`
    // is an open descriptor (BorrowedFd).
    let r = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            libc::MCAST_MSFILTER,
            buf.as_ptr().cast(),
            buf.len() as libc::socklen_t,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(Error::last(op))
    }
}

/// `getsockopt(level, MCAST_MSFILTER)` with room for `capacity` sources:
/// whether the filter mode is `MCAST_INCLUDE`, the sources the kernel copied, and how many it holds.
pub(crate) fn get(
    fd: BorrowedFd<'_>,
    level: libc::c_int,
    ifindex: u32,
    group: libc::sockaddr_storage,
    capacity: usize,
    op: &'static str,
) -> Result<(bool, Vec<libc::sockaddr_storage>, usize)> {
    let mut buf = vec![0u8; group_filter_size(capacity)];
    write_head(
        &mut buf,
        &GroupFilterHead {
            gf_interface: ifindex,
            gf_group: group,
            gf_fmode: 0,
            gf_numsrc: u32::try_from(capacity).unwrap_or(u32::MAX),
        },
    );
    let mut len = buf.len() as libc::socklen_t;
    // SAFETY: `buf` is writable for `len` bytes; the kernel writes at most
    // `len` bytes and updates `len`.
    let r = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            level,
            libc::MCAST_MSFILTER,
            buf.as_mut_ptr().cast(),
            &mut len,
        )
    };
    if r != 0 {
        return Err(Error::last(op));
    }
    let head = read_head(&buf);
    let total = head.gf_numsrc as usize;
    let copied = total
        .min(capacity)
        .min((len as usize).saturating_sub(SLIST) / STORAGE);
    let sources = (0..copied)
        .map(|i| {
            let at = &buf[SLIST + i * STORAGE..SLIST + (i + 1) * STORAGE];
            // SAFETY: `at` is exactly `size_of::<sockaddr_storage>()` bytes
            // of integers (valid for any pattern); unaligned read.
            unsafe { std::ptr::read_unaligned(at.as_ptr().cast::<libc::sockaddr_storage>()) }
        })
        .collect();
    Ok((head.gf_fmode == libc::MCAST_INCLUDE as u32, sources, total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::addr::storage_to_v4;
    use crate::sys::inet6::storage_to_v6;

    #[test]
    fn group_filter_layout_matches_the_c_struct() {
        // Linux x86-64/aarch64: 4 + 4 (padding) + 128 + 4 + 4.
        assert_eq!(group_filter_size(0), 144);
        assert_eq!(group_filter_size(2), 144 + 256);
        let mut buf = vec![0u8; SLIST];
        // SAFETY: sockaddr_storage is integers; all-zero is valid.
        let mut g: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
        g.ss_family = libc::AF_INET as libc::sa_family_t;
        write_head(
            &mut buf,
            &GroupFilterHead {
                gf_interface: 7,
                gf_group: g,
                gf_fmode: 1,
                gf_numsrc: 3,
            },
        );
        assert_eq!(buf[0..4], 7u32.to_ne_bytes());
        assert_eq!(buf[136..140], 1u32.to_ne_bytes());
        assert_eq!(buf[140..144], 3u32.to_ne_bytes());
        let h = read_head(&buf);
        assert_eq!((h.gf_interface, h.gf_fmode, h.gf_numsrc), (7, 1, 3));
    }

    #[test]
    fn storage_round_trips_both_families() {
        let a = std::net::Ipv4Addr::new(198, 18, 0, 9);
        let ss = super::super::addr::to_sockaddr_storage(a);
        assert_eq!(storage_to_v4(&ss), Some(a));
        assert_eq!(storage_to_v6(&ss), None);
        let b: std::net::Ipv6Addr = "2001:2::9".parse().unwrap();
        let ss = super::super::inet6::to_sockaddr_storage6(b);
        assert_eq!(storage_to_v6(&ss), Some(b));
        assert_eq!(storage_to_v4(&ss), None);
    }
}
