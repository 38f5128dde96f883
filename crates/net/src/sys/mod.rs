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
#[cfg(target_os = "linux")]
pub(crate) mod linux;
#[cfg(target_os = "linux")]
pub(crate) mod mmsg;

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
