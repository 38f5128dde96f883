//! `sockaddr_in` conversion, without system calls (runs under Miri).

use std::mem::size_of;
use std::net::{Ipv4Addr, SocketAddrV4};

/// A zeroed `sockaddr_in`.
pub(crate) fn zeroed_sockaddr_in() -> libc::sockaddr_in {
    // SAFETY: `sockaddr_in` is plain integers; all-zero is a valid value.
    unsafe { std::mem::zeroed() }
}

/// `SocketAddrV4` to `sockaddr_in` (network byte order fields).
pub(crate) fn to_sockaddr_in(addr: SocketAddrV4) -> libc::sockaddr_in {
    let mut sa = zeroed_sockaddr_in();
    sa.sin_family = libc::AF_INET as libc::sa_family_t;
    sa.sin_port = addr.port().to_be();
    sa.sin_addr = libc::in_addr {
        s_addr: u32::from_ne_bytes(addr.ip().octets()),
    };
    sa
}

/// `sockaddr_in` to `SocketAddrV4`; `None` if the family is not `AF_INET`
/// or `len` (the length the kernel reported) is too short.
pub(crate) fn from_sockaddr_in(sa: &libc::sockaddr_in, len: usize) -> Option<SocketAddrV4> {
    if len < size_of::<libc::sockaddr_in>() || i32::from(sa.sin_family) != libc::AF_INET {
        return None;
    }
    Some(SocketAddrV4::new(
        Ipv4Addr::from(sa.sin_addr.s_addr.to_ne_bytes()),
        u16::from_be(sa.sin_port),
    ))
}

/// `in_addr` from an address.
pub(crate) fn to_in_addr(addr: Ipv4Addr) -> libc::in_addr {
    libc::in_addr {
        s_addr: u32::from_ne_bytes(addr.octets()),
    }
}

/// `in_addr` to an address.
pub(crate) fn from_in_addr(a: libc::in_addr) -> Ipv4Addr {
    Ipv4Addr::from(a.s_addr.to_ne_bytes())
}

/// A `sockaddr_storage` holding `addr` as a `sockaddr_in` (port 0), as the
/// RFC 3678 `group_req`/`group_source_req` structures want.
pub(crate) fn to_sockaddr_storage(addr: Ipv4Addr) -> libc::sockaddr_storage {
    // SAFETY: `sockaddr_storage` is plain integers; all-zero is valid.
    let mut ss: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let sin = to_sockaddr_in(SocketAddrV4::new(addr, 0));
    const _: () = assert!(size_of::<libc::sockaddr_in>() <= size_of::<libc::sockaddr_storage>());
    // SAFETY: `sockaddr_storage` is larger than and at least as aligned as
    // `sockaddr_in` (that is its purpose; size checked above), so writing a
    // `sockaddr_in` at its start stays in bounds and is aligned.
    unsafe { std::ptr::write((&mut ss as *mut libc::sockaddr_storage).cast(), sin) };
    ss
}

/// The IPv4 address in a `sockaddr_storage` holding a `sockaddr_in`.
pub(crate) fn storage_to_v4(ss: &libc::sockaddr_storage) -> Option<Ipv4Addr> {
    if i32::from(ss.ss_family) != libc::AF_INET {
        return None;
    }
    // SAFETY: the family says the storage holds a `sockaddr_in`, which is
    // smaller than and no more aligned than `sockaddr_storage`.
    let sin = unsafe { &*(ss as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>() };
    Some(from_in_addr(sin.sin_addr))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sockaddr_in_round_trip_in_network_order() {
        let a = SocketAddrV4::new(Ipv4Addr::new(198, 18, 0, 1), 0x1234);
        let sa = to_sockaddr_in(a);
        assert_eq!(i32::from(sa.sin_family), libc::AF_INET);
        assert_eq!(sa.sin_port.to_ne_bytes(), [0x12, 0x34]);
        assert_eq!(sa.sin_addr.s_addr.to_ne_bytes(), [198, 18, 0, 1]);
        assert_eq!(
            from_sockaddr_in(&sa, size_of::<libc::sockaddr_in>()),
            Some(a)
        );
    }

    #[test]
    fn rejects_other_families_and_short_lengths() {
        let mut sa = to_sockaddr_in(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 1));
        assert_eq!(from_sockaddr_in(&sa, 4), None);
        sa.sin_family = libc::AF_INET6 as libc::sa_family_t;
        assert_eq!(from_sockaddr_in(&sa, size_of::<libc::sockaddr_in>()), None);
    }

    #[test]
    fn storage_holds_a_sockaddr_in() {
        let ss = to_sockaddr_storage(Ipv4Addr::new(232, 1, 2, 3));
        assert_eq!(i32::from(ss.ss_family), libc::AF_INET);
        // SAFETY: test-only read of the sockaddr_in just written.
        let sin: libc::sockaddr_in =
            unsafe { std::ptr::read((&ss as *const libc::sockaddr_storage).cast()) };
        assert_eq!(from_in_addr(sin.sin_addr), Ipv4Addr::new(232, 1, 2, 3));
        assert_eq!(
            from_in_addr(to_in_addr(Ipv4Addr::BROADCAST)),
            Ipv4Addr::BROADCAST
        );
    }
}
