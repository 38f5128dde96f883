//! The full-state source filter API (RFC 3678 §5.2, `setsourcefilter` /
//! `getsourcefilter`): `MCAST_MSFILTER` for IPv4 and IPv6 sockets.
//!
//! One call replaces the socket's whole filter for a group: a mode
//! (INCLUDE or EXCLUDE) and a source list, where the delta calls
//! (`join_source_group`, `block_source`, ...) change one source at a time.
//! Linux asks for a membership first (join the group, then set its
//! filter); `INCLUDE {}` leaves the group.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::os::fd::AsFd;

use crate::error::Result;
use crate::sys::os;

/// Filter mode of a source filter (RFC 3376 §3.1, RFC 3678 §5.2:
/// `MCAST_INCLUDE` / `MCAST_EXCLUDE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SourceFilterMode {
    /// Receive only from the listed sources.
    Include,
    /// Receive from all but the listed sources.
    Exclude,
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for std::net::Ipv4Addr {}
    impl Sealed for std::net::Ipv6Addr {}
}

/// An address family `MCAST_MSFILTER` works for: [`Ipv4Addr`] (level
/// `IPPROTO_IP`) and [`Ipv6Addr`] (level `IPPROTO_IPV6`). Implemented on
/// every OS; off Linux the calls fail with the typed unsupported error.
pub trait FilterAddr: sealed::Sealed + Copy + std::fmt::Display {
    #[doc(hidden)]
    const LEVEL: i32;
    #[doc(hidden)]
    fn to_storage(self) -> libc::sockaddr_storage;
    #[doc(hidden)]
    fn from_storage(ss: &libc::sockaddr_storage) -> Option<Self>;
}

impl FilterAddr for Ipv4Addr {
    const LEVEL: i32 = libc::IPPROTO_IP;
    fn to_storage(self) -> libc::sockaddr_storage {
        crate::sys::addr::to_sockaddr_storage(self)
    }
    fn from_storage(ss: &libc::sockaddr_storage) -> Option<Self> {
        crate::sys::addr::storage_to_v4(ss)
    }
}

impl FilterAddr for Ipv6Addr {
    const LEVEL: i32 = libc::IPPROTO_IPV6;
    fn to_storage(self) -> libc::sockaddr_storage {
        crate::sys::inet6::to_sockaddr_storage6(self)
    }
    fn from_storage(ss: &libc::sockaddr_storage) -> Option<Self> {
        crate::sys::inet6::storage_to_v6(ss)
    }
}

const SET: &str = "setsockopt(MCAST_MSFILTER)";
const GET: &str = "getsockopt(MCAST_MSFILTER)";

/// `MCAST_MSFILTER` on any socket of the address's family. Errors name the
/// call, the option and the group with its interface (`EADDRNOTAVAIL`: not
/// a member; `ENOBUFS`: more sources than `igmp_max_msf` / `mld_max_msf`).
///
/// ```no_run
/// use std::net::{Ipv4Addr, UdpSocket};
/// use ipv4kit_net::{DatagramOptions, SocketOptions, SourceFilterMode, SourceFilterOptions};
///
/// let udp = UdpSocket::bind("0.0.0.0:0")?;
/// let s = SocketOptions::of(&udp);
/// let group = Ipv4Addr::new(239, 1, 2, 3);
/// s.join_group(2, group)?;
/// let sources = [Ipv4Addr::new(198, 18, 0, 7)];
/// s.set_source_filter(2, group, SourceFilterMode::Include, &sources)?;
/// assert_eq!(s.source_filter(2, group)?, (SourceFilterMode::Include, sources.to_vec()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait SourceFilterOptions: AsFd {
    /// Replaces the socket's filter for `group` on interface `ifindex`
    /// (`setsockopt(MCAST_MSFILTER)`, RFC 3678 §5.2.1). *Linux.*
    fn set_source_filter<A: FilterAddr>(
        &self,
        ifindex: u32,
        group: A,
        mode: SourceFilterMode,
        sources: &[A],
    ) -> Result<()> {
        let list: Vec<libc::sockaddr_storage> = sources.iter().map(|s| s.to_storage()).collect();
        os::set_msfilter(
            self.as_fd(),
            A::LEVEL,
            ifindex,
            group.to_storage(),
            mode == SourceFilterMode::Include,
            &list,
            SET,
        )
        .map_err(|e| e.with_object(format!("{group} on ifindex {ifindex}")))
    }

    /// The socket's filter for `group` on interface `ifindex`
    /// (`getsockopt(MCAST_MSFILTER)`, RFC 3678 §5.2.2). *Linux.*
    fn source_filter<A: FilterAddr>(
        &self,
        ifindex: u32,
        group: A,
    ) -> Result<(SourceFilterMode, Vec<A>)> {
        let mut capacity = 64;
        loop {
            let (include, list, total) = os::get_msfilter(
                self.as_fd(),
                A::LEVEL,
                ifindex,
                group.to_storage(),
                capacity,
                GET,
            )
            .map_err(|e| e.with_object(format!("{group} on ifindex {ifindex}")))?;
            if total > capacity {
                capacity = total;
                continue;
            }
            let mode = if include {
                SourceFilterMode::Include
            } else {
                SourceFilterMode::Exclude
            };
            return Ok((mode, list.iter().filter_map(A::from_storage).collect()));
        }
    }
}

// Like the other option traits: on ipv4kit's sockets and, for any other
// socket, through `SocketOptions::of` (a blanket impl over `AsFd` would put
// these methods on socket2's and std's types, where a same-named inherent
// method added later would silently win).
impl SourceFilterOptions for crate::SocketOptions<'_> {}
impl SourceFilterOptions for crate::PacketConn {}
impl SourceFilterOptions for crate::PacketConn6 {}
impl SourceFilterOptions for crate::RawConn {}
impl SourceFilterOptions for crate::Conn {}
