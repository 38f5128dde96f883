//! Socket options Linux has and other systems lack (or name differently),
//! reached as `sys::os::…` so that `options.rs` and `options6.rs` need no
//! `cfg` of their own; `unsupported` has the same signatures elsewhere.

use std::net::Ipv4Addr;
use std::os::fd::BorrowedFd;

use super::addr::to_in_addr;
use super::inet6;
use super::linux::{getsockopt, setsockopt};
use super::IntOption;
use crate::error::{Error, Result};

/// The level and name of an integer option.
fn level_name(opt: IntOption) -> (libc::c_int, libc::c_int) {
    match opt {
        IntOption::MinTtl => (libc::IPPROTO_IP, libc::IP_MINTTL),
        IntOption::MulticastAll => (libc::IPPROTO_IP, libc::IP_MULTICAST_ALL),
        IntOption::ReusePort => (libc::SOL_SOCKET, libc::SO_REUSEPORT),
        IntOption::RouterAlert => (libc::IPPROTO_IP, libc::IP_ROUTER_ALERT),
        IntOption::MulticastAll6 => (libc::IPPROTO_IPV6, inet6::IPV6_MULTICAST_ALL),
        IntOption::RouterAlert6 => (libc::IPPROTO_IPV6, libc::IPV6_ROUTER_ALERT),
        IntOption::Checksum6 => (libc::IPPROTO_IPV6, libc::IPV6_CHECKSUM),
    }
}

/// `getsockopt` of an integer option.
pub(crate) fn get_int_option(fd: BorrowedFd<'_>, opt: IntOption) -> Result<libc::c_int> {
    let (level, name) = level_name(opt);
    getsockopt(fd, level, name, opt.get_op())
}

/// `setsockopt` of an integer option.
pub(crate) fn set_int_option(fd: BorrowedFd<'_>, opt: IntOption, value: libc::c_int) -> Result<()> {
    let (level, name) = level_name(opt);
    setsockopt(fd, level, name, &value, opt.set_op())
}

/// `setsockopt(IP_MULTICAST_IF)` with an `ip_mreqn` naming the interface
/// by index.
pub(crate) fn set_multicast_interface_index(fd: BorrowedFd<'_>, ifindex: u32) -> Result<()> {
    let mreqn = libc::ip_mreqn {
        imr_multiaddr: to_in_addr(Ipv4Addr::UNSPECIFIED),
        imr_address: to_in_addr(Ipv4Addr::UNSPECIFIED),
        imr_ifindex: ifindex as libc::c_int,
    };
    setsockopt(
        fd,
        libc::IPPROTO_IP,
        libc::IP_MULTICAST_IF,
        &mreqn,
        "setsockopt(IP_MULTICAST_IF)",
    )
}

/// `getsockopt(SOL_RAW, ICMP_FILTER)`: the kernel's 32-bit mask.
pub(crate) fn icmp_filter(fd: BorrowedFd<'_>) -> Result<u32> {
    getsockopt(
        fd,
        libc::SOL_RAW,
        super::ICMP_FILTER,
        "getsockopt(ICMP_FILTER)",
    )
}

/// `setsockopt(SOL_RAW, ICMP_FILTER)` with the kernel's 32-bit mask.
pub(crate) fn set_icmp_filter(fd: BorrowedFd<'_>, mask: u32) -> Result<()> {
    setsockopt(
        fd,
        libc::SOL_RAW,
        super::ICMP_FILTER,
        &mask,
        "setsockopt(ICMP_FILTER)",
    )
}

/// `getsockopt(SO_BINDTODEVICE)`: the device's name, if bound.
pub(crate) fn device(fd: BorrowedFd<'_>) -> Result<Option<String>> {
    let d = socket2::SockRef::from(&fd)
        .device()
        .map_err(|e| Error::new("getsockopt(SO_BINDTODEVICE)", e))?;
    Ok(d.map(|b| String::from_utf8_lossy(&b).into_owned()))
}

/// `getsockopt(ICMP6_FILTER)`: the kernel's eight 32-bit words.
pub(crate) fn icmp6_filter(fd: BorrowedFd<'_>) -> Result<[u32; 8]> {
    getsockopt(
        fd,
        libc::IPPROTO_ICMPV6,
        inet6::ICMP6_FILTER,
        "getsockopt(ICMP6_FILTER)",
    )
}

/// `setsockopt(ICMP6_FILTER)` with the kernel's eight 32-bit words.
pub(crate) fn set_icmp6_filter(fd: BorrowedFd<'_>, words: &[u32; 8]) -> Result<()> {
    setsockopt(
        fd,
        libc::IPPROTO_ICMPV6,
        inet6::ICMP6_FILTER,
        words,
        "setsockopt(ICMP6_FILTER)",
    )
}

/// `getsockopt(IPV6_HOPOPTS)`: the sticky hop-by-hop options header,
/// empty when there is none.
pub(crate) fn hop_by_hop_options(fd: BorrowedFd<'_>) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; 2048];
    let n = inet6::getsockopt_bytes(
        fd,
        libc::IPPROTO_IPV6,
        libc::IPV6_HOPOPTS,
        &mut buf,
        "getsockopt(IPV6_HOPOPTS)",
    )?;
    buf.truncate(n);
    Ok(buf)
}

/// `setsockopt(IPV6_HOPOPTS)`; an empty `header` removes it.
pub(crate) fn set_hop_by_hop_options(fd: BorrowedFd<'_>, header: &[u8]) -> Result<()> {
    inet6::setsockopt_bytes(
        fd,
        libc::IPPROTO_IPV6,
        libc::IPV6_HOPOPTS,
        header,
        "setsockopt(IPV6_HOPOPTS)",
    )
}
