//! Everything that talks to the C library: the only place `unsafe` is allowed.
//!
//! Pure parts (control-message encoding, `sockaddr_in` conversion, the wiring
//! of the `mmsghdr` arrays) are separate from system calls so their tests run
//! under Miri: `cargo +nightly miri test -p ipv4kit-net sys::`.
#![allow(unsafe_code)]
// Field types (`msg_controllen`, `cmsg_len`) differ between libcs; the casts are for them.
#![allow(clippy::unnecessary_cast)]
// The pure helpers (sockaddr and cmsg codecs, option numbers) are compiled on
// every system for their tests and Miri, but only Linux's calls use them.
#![cfg_attr(not(target_os = "linux"), allow(dead_code))]

pub(crate) mod addr;
pub(crate) mod cmsg;
pub(crate) mod inet6;
#[cfg(target_os = "linux")]
pub(crate) mod linux;
#[cfg(target_os = "linux")]
pub(crate) mod linux6;
#[cfg(target_os = "linux")]
pub(crate) mod mmsg;
#[cfg(target_os = "linux")]
pub(crate) mod mroute;
#[cfg(target_os = "linux")]
pub(crate) mod mroute6;
#[cfg(target_os = "linux")]
pub(crate) mod msfilter;
#[cfg(target_os = "linux")]
pub(crate) mod options;
#[cfg(target_os = "linux")]
pub(crate) mod packet;
#[cfg(target_os = "linux")]
pub(crate) mod packet_tx;
#[cfg(not(target_os = "linux"))]
pub(crate) mod unsupported;

/// The calls code outside `sys` makes without a `cfg` of its own: Linux's,
/// or elsewhere [`unsupported`]'s, with the same signatures.
#[cfg(target_os = "linux")]
pub(crate) use linux as os;
#[cfg(not(target_os = "linux"))]
pub(crate) use unsupported as os;

/// One IPv4 entry of `getifaddrs`.
pub(crate) struct IfAddr {
    /// The interface's name.
    pub(crate) name: String,
    /// Its `IFF_*` flags.
    pub(crate) flags: u32,
    /// The entry's IPv4 address (`None` for other families).
    pub(crate) addr: Option<std::net::Ipv4Addr>,
    /// Its netmask.
    pub(crate) netmask: Option<std::net::Ipv4Addr>,
}

/// One IPv6 entry of `getifaddrs`.
pub(crate) struct IfAddr6 {
    /// The interface's name.
    pub(crate) name: String,
    /// The entry's IPv6 address.
    pub(crate) addr: std::net::Ipv6Addr,
    /// The prefix length of its subnet (from the netmask; 128 without one).
    pub(crate) prefix_len: u8,
    /// Its scope id (the interface index for link-local addresses).
    pub(crate) scope_id: u32,
}

/// What `poll_in` of [`os`]`::packet` saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ready {
    /// Something to read.
    In,
    /// An error is pending on the socket (`POLLERR`), or it hung up.
    Err,
    /// The timeout passed.
    Timeout,
}

/// An integer socket option of [`os`]'s `get_int_option` /
/// `set_int_option`, named here so callers need no constant that only
/// Linux's libc has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IntOption {
    /// `IP_MINTTL`.
    MinTtl,
    /// `IP_MULTICAST_ALL`.
    MulticastAll,
    /// `SO_REUSEPORT`.
    ReusePort,
    /// `IP_ROUTER_ALERT`.
    RouterAlert,
    /// `IPV6_MULTICAST_ALL`.
    MulticastAll6,
    /// `IPV6_ROUTER_ALERT`.
    RouterAlert6,
    /// `IPV6_CHECKSUM`.
    Checksum6,
}

impl IntOption {
    /// The getter's name in errors: `getsockopt(…)`.
    pub(crate) fn get_op(self) -> &'static str {
        match self {
            IntOption::MinTtl => "getsockopt(IP_MINTTL)",
            IntOption::MulticastAll => "getsockopt(IP_MULTICAST_ALL)",
            IntOption::ReusePort => "getsockopt(SO_REUSEPORT)",
            IntOption::RouterAlert => "getsockopt(IP_ROUTER_ALERT)",
            IntOption::MulticastAll6 => "getsockopt(IPV6_MULTICAST_ALL)",
            IntOption::RouterAlert6 => "getsockopt(IPV6_ROUTER_ALERT)",
            IntOption::Checksum6 => "getsockopt(IPV6_CHECKSUM)",
        }
    }

    /// The setter's name in errors: `setsockopt(…)`.
    pub(crate) fn set_op(self) -> &'static str {
        match self {
            IntOption::MinTtl => "setsockopt(IP_MINTTL)",
            IntOption::MulticastAll => "setsockopt(IP_MULTICAST_ALL)",
            IntOption::ReusePort => "setsockopt(SO_REUSEPORT)",
            IntOption::RouterAlert => "setsockopt(IP_ROUTER_ALERT)",
            IntOption::MulticastAll6 => "setsockopt(IPV6_MULTICAST_ALL)",
            IntOption::RouterAlert6 => "setsockopt(IPV6_ROUTER_ALERT)",
            IntOption::Checksum6 => "setsockopt(IPV6_CHECKSUM)",
        }
    }
}

/// `SO_RCVBUFFORCE` (libc lacks it for most Linux targets).
#[cfg(target_os = "linux")]
pub(crate) const SO_RCVBUFFORCE: libc::c_int = if cfg!(target_arch = "sparc64") {
    0x100b
} else {
    33
};

/// `ICMP_FILTER`, a `SOL_RAW` option of raw ICMP sockets (`<linux/icmp.h>`).
#[cfg(target_os = "linux")]
pub(crate) const ICMP_FILTER: libc::c_int = 1;

/// Runs a system call wrapper again while it fails with `EINTR`.
///
/// A signal (or the cgroup freezer) interrupting a blocked receive with a
/// timeout makes Linux return `EINTR` instead of restarting the call; like
/// Go's runtime and Python (PEP 475), the socket calls retry it, so callers
/// see only real outcomes. Use a non-blocking socket or a timeout to regain
/// control.
pub(crate) fn retry_eintr<T>(mut f: impl FnMut() -> std::io::Result<T>) -> std::io::Result<T> {
    loop {
        match f() {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            r => return r,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io;

    #[test]
    fn eintr_is_retried_and_other_errors_are_not() {
        let mut calls = 0;
        let r = super::retry_eintr(|| {
            calls += 1;
            if calls < 3 {
                Err(io::Error::from_raw_os_error(libc::EINTR))
            } else {
                Ok(calls)
            }
        });
        assert_eq!(r.unwrap(), 3);
        let r: io::Result<()> =
            super::retry_eintr(|| Err(io::Error::from_raw_os_error(libc::EAGAIN)));
        assert_eq!(r.unwrap_err().kind(), io::ErrorKind::WouldBlock);
    }
}
