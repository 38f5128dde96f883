//! Everything that talks to the C library: the only place `unsafe` is allowed.
//!
//! Pure parts (control-message encoding, `sockaddr_in` conversion, the wiring
//! of the `mmsghdr` arrays) are separate from system calls so their tests run
//! under Miri: `cargo +nightly miri test -p ipv4kit-net sys::`.
#![allow(unsafe_code)]
// Field types (`msg_controllen`, `cmsg_len`) differ between libcs; the casts are for them.
#![allow(clippy::unnecessary_cast)]

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
pub(crate) mod packet;
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
