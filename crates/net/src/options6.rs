//! IPv6-level socket options (RFC 3493 §5.2, RFC 3542, RFC 3678), as two
//! extension traits in the shape of [`IpOptions`](crate::IpOptions) and
//! [`DatagramOptions`](crate::DatagramOptions): [`Ipv6Options`] for every
//! IPv6 socket and [`Datagram6Options`] for datagram and raw ones.
//!
//! They are implemented for [`PacketConn6`](crate::PacketConn6). The method
//! names are those of the IPv4 traits where the meaning is the same
//! (`join_group`, `set_multicast_loop`...), so a program written for one
//! family reads the same for the other; a type that implements both
//! families' traits would need fully qualified calls, which is why the IPv6
//! traits are not implemented for `socket2::Socket` (wrap it with
//! [`PacketConn6::from_socket`](crate::PacketConn6::from_socket)).
//!
//! socket2 sets the options it has; the others go through `setsockopt` in
//! the crate's `sys` module. Options marked *Linux* return an error of kind
//! [`std::io::ErrorKind::Unsupported`] elsewhere.

use std::net::Ipv6Addr;
use std::os::fd::AsFd;
use std::time::Duration;

use socket2::SockRef;

use crate::error::{Error, Result};
use crate::filter::BpfInstruction;
use crate::filter6::Icmp6Filter;
use crate::sys::{os, IntOption};

fn sock<T: AsFd>(s: &T) -> SockRef<'_> {
    SockRef::from(s)
}

fn to_u8(op: &'static str, v: u32) -> Result<u8> {
    u8::try_from(v).map_err(|_| Error::invalid(op, "kernel returned a value above 255"))
}

/// Options every IPv6 socket has: unicast hop limit, traffic class,
/// `IPV6_V6ONLY`, blocking mode and timeouts.
pub trait Ipv6Options: AsFd + Sized {
    /// The hop limit of outgoing unicast datagrams
    /// (`getsockopt(IPV6_UNICAST_HOPS)`; the route's or the interface's
    /// default, 64, unless set).
    fn unicast_hops(&self) -> Result<u8> {
        let v = sock(self)
            .unicast_hops_v6()
            .map_err(|e| Error::new("getsockopt(IPV6_UNICAST_HOPS)", e))?;
        to_u8("getsockopt(IPV6_UNICAST_HOPS)", v)
    }

    /// Sets the hop limit of outgoing unicast datagrams
    /// (`setsockopt(IPV6_UNICAST_HOPS)`).
    fn set_unicast_hops(&self, hops: u8) -> Result<()> {
        sock(self)
            .set_unicast_hops_v6(u32::from(hops))
            .map_err(|e| Error::new("setsockopt(IPV6_UNICAST_HOPS)", e))
    }

    /// The traffic class of outgoing datagrams (`getsockopt(IPV6_TCLASS)`).
    fn traffic_class(&self) -> Result<u8> {
        let v = sock(self)
            .tclass_v6()
            .map_err(|e| Error::new("getsockopt(IPV6_TCLASS)", e))?;
        to_u8("getsockopt(IPV6_TCLASS)", v)
    }

    /// Sets the traffic class (DSCP and ECN) of outgoing datagrams
    /// (`setsockopt(IPV6_TCLASS)`, RFC 3542 §6.5).
    fn set_traffic_class(&self, tclass: u8) -> Result<()> {
        sock(self)
            .set_tclass_v6(u32::from(tclass))
            .map_err(|e| Error::new("setsockopt(IPV6_TCLASS)", e))
    }

    /// Whether the socket is IPv6-only (`getsockopt(IPV6_V6ONLY)`).
    fn only_v6(&self) -> Result<bool> {
        sock(self)
            .only_v6()
            .map_err(|e| Error::new("getsockopt(IPV6_V6ONLY)", e))
    }

    /// Restricts the socket to IPv6, refusing IPv4-mapped addresses
    /// (`setsockopt(IPV6_V6ONLY)`, RFC 3493 §5.3; before `bind`).
    fn set_only_v6(&self, on: bool) -> Result<()> {
        sock(self)
            .set_only_v6(on)
            .map_err(|e| Error::new("setsockopt(IPV6_V6ONLY)", e))
    }

    /// Switches non-blocking mode on or off (`fcntl(O_NONBLOCK)`).
    fn set_nonblocking(&self, on: bool) -> Result<()> {
        crate::sockopt::set_nonblocking(self.as_fd(), on)
    }

    /// The receive timeout (`getsockopt(SO_RCVTIMEO)`).
    fn read_timeout(&self) -> Result<Option<Duration>> {
        crate::sockopt::read_timeout(self.as_fd())
    }

    /// Sets the receive timeout (`setsockopt(SO_RCVTIMEO)`); a receive that
    /// times out fails with kind `WouldBlock`.
    fn set_read_timeout(&self, timeout: Option<Duration>) -> Result<()> {
        crate::sockopt::set_read_timeout(self.as_fd(), timeout)
    }
}

/// Options of IPv6 datagram and raw sockets: multicast, source-specific
/// multicast, the ICMPv6 filter, router alert, checksums, sticky hop-by-hop
/// options, device binding, buffers.
pub trait Datagram6Options: Ipv6Options {
    /// The interface index for outgoing multicast
    /// (`getsockopt(IPV6_MULTICAST_IF)`; 0 = routing decides).
    fn multicast_interface(&self) -> Result<u32> {
        sock(self)
            .multicast_if_v6()
            .map_err(|e| Error::new("getsockopt(IPV6_MULTICAST_IF)", e))
    }

    /// Chooses the interface for outgoing multicast by index
    /// (`setsockopt(IPV6_MULTICAST_IF)`; 0 lets the routing table choose,
    /// the default).
    fn set_multicast_interface(&self, ifindex: u32) -> Result<()> {
        sock(self)
            .set_multicast_if_v6(ifindex)
            .map_err(|e| Error::new("setsockopt(IPV6_MULTICAST_IF)", e))
    }

    /// The hop limit of outgoing multicast (`getsockopt(IPV6_MULTICAST_HOPS)`).
    fn multicast_hops(&self) -> Result<u8> {
        let v = sock(self)
            .multicast_hops_v6()
            .map_err(|e| Error::new("getsockopt(IPV6_MULTICAST_HOPS)", e))?;
        to_u8("getsockopt(IPV6_MULTICAST_HOPS)", v)
    }

    /// Sets the hop limit of outgoing multicast
    /// (`setsockopt(IPV6_MULTICAST_HOPS)`; default 1; 0 keeps datagrams on
    /// this host).
    fn set_multicast_hops(&self, hops: u8) -> Result<()> {
        sock(self)
            .set_multicast_hops_v6(u32::from(hops))
            .map_err(|e| Error::new("setsockopt(IPV6_MULTICAST_HOPS)", e))
    }

    /// Whether this host's own sockets receive the multicast it sends
    /// (`getsockopt(IPV6_MULTICAST_LOOP)`).
    fn multicast_loop(&self) -> Result<bool> {
        sock(self)
            .multicast_loop_v6()
            .map_err(|e| Error::new("getsockopt(IPV6_MULTICAST_LOOP)", e))
    }

    /// Sets multicast loopback (`setsockopt(IPV6_MULTICAST_LOOP)`; default on).
    fn set_multicast_loop(&self, on: bool) -> Result<()> {
        sock(self)
            .set_multicast_loop_v6(on)
            .map_err(|e| Error::new("setsockopt(IPV6_MULTICAST_LOOP)", e))
    }

    /// Whether the socket receives multicast for groups any socket on the
    /// host joined (`getsockopt(IPV6_MULTICAST_ALL)`). *Linux.*
    fn multicast_all(&self) -> Result<bool> {
        Ok(os::get_int_option(self.as_fd(), IntOption::MulticastAll6)? != 0)
    }

    /// Sets `IPV6_MULTICAST_ALL` (default on): off means the socket
    /// receives only the groups it joined itself. *Linux.*
    fn set_multicast_all(&self, on: bool) -> Result<()> {
        os::set_int_option(
            self.as_fd(),
            IntOption::MulticastAll6,
            libc::c_int::from(on),
        )
    }

    /// Joins `group` (any source) on interface `ifindex`
    /// (`setsockopt(MCAST_JOIN_GROUP)`, RFC 3678 §5.1; 0 = routing decides).
    /// *Linux.*
    fn join_group(&self, ifindex: u32, group: Ipv6Addr) -> Result<()> {
        group_req(
            self,
            libc::MCAST_JOIN_GROUP,
            "setsockopt(MCAST_JOIN_GROUP)",
            ifindex,
            group,
        )
    }

    /// Leaves `group` on interface `ifindex` (`setsockopt(MCAST_LEAVE_GROUP)`).
    /// *Linux.*
    fn leave_group(&self, ifindex: u32, group: Ipv6Addr) -> Result<()> {
        group_req(
            self,
            libc::MCAST_LEAVE_GROUP,
            "setsockopt(MCAST_LEAVE_GROUP)",
            ifindex,
            group,
        )
    }

    /// Joins `group` with the basic API's `ipv6_mreq`
    /// (`setsockopt(IPV6_JOIN_GROUP)`, RFC 3493 §5.2; Linux calls it
    /// `IPV6_ADD_MEMBERSHIP`). Same effect as [`join_group`](Self::join_group).
    fn join_group_mreq(&self, ifindex: u32, group: Ipv6Addr) -> Result<()> {
        sock(self)
            .join_multicast_v6(&group, ifindex)
            .map_err(|e| Error::new("setsockopt(IPV6_JOIN_GROUP)", e))
    }

    /// Leaves `group` with an `ipv6_mreq` (`setsockopt(IPV6_LEAVE_GROUP)`).
    fn leave_group_mreq(&self, ifindex: u32, group: Ipv6Addr) -> Result<()> {
        sock(self)
            .leave_multicast_v6(&group, ifindex)
            .map_err(|e| Error::new("setsockopt(IPV6_LEAVE_GROUP)", e))
    }

    /// Joins `group` in include mode for `source` on interface `ifindex`
    /// (`setsockopt(MCAST_JOIN_SOURCE_GROUP)`). *Linux.*
    fn join_source_group(&self, ifindex: u32, group: Ipv6Addr, source: Ipv6Addr) -> Result<()> {
        group_source_req(
            self,
            libc::MCAST_JOIN_SOURCE_GROUP,
            "setsockopt(MCAST_JOIN_SOURCE_GROUP)",
            ifindex,
            group,
            source,
        )
    }

    /// Removes `source` from an include-mode membership of `group`
    /// (`setsockopt(MCAST_LEAVE_SOURCE_GROUP)`). *Linux.*
    fn leave_source_group(&self, ifindex: u32, group: Ipv6Addr, source: Ipv6Addr) -> Result<()> {
        group_source_req(
            self,
            libc::MCAST_LEAVE_SOURCE_GROUP,
            "setsockopt(MCAST_LEAVE_SOURCE_GROUP)",
            ifindex,
            group,
            source,
        )
    }

    /// Stops receiving from `source` in an any-source membership of `group`
    /// (`setsockopt(MCAST_BLOCK_SOURCE)`). *Linux.*
    fn block_source(&self, ifindex: u32, group: Ipv6Addr, source: Ipv6Addr) -> Result<()> {
        group_source_req(
            self,
            libc::MCAST_BLOCK_SOURCE,
            "setsockopt(MCAST_BLOCK_SOURCE)",
            ifindex,
            group,
            source,
        )
    }

    /// Receives from `source` again (`setsockopt(MCAST_UNBLOCK_SOURCE)`).
    /// *Linux.*
    fn unblock_source(&self, ifindex: u32, group: Ipv6Addr, source: Ipv6Addr) -> Result<()> {
        group_source_req(
            self,
            libc::MCAST_UNBLOCK_SOURCE,
            "setsockopt(MCAST_UNBLOCK_SOURCE)",
            ifindex,
            group,
            source,
        )
    }

    /// The ICMPv6 types this raw ICMPv6 socket drops
    /// (`getsockopt(ICMP6_FILTER)`, RFC 3542 §3.2). *Linux.*
    fn icmp6_filter(&self) -> Result<Icmp6Filter> {
        Ok(Icmp6Filter::from_kernel_words(os::icmp6_filter(
            self.as_fd(),
        )?))
    }

    /// Sets which ICMPv6 types this raw ICMPv6 socket drops, any of the 256
    /// (`setsockopt(ICMP6_FILTER)`). *Linux.*
    fn set_icmp6_filter(&self, filter: &Icmp6Filter) -> Result<()> {
        os::set_icmp6_filter(self.as_fd(), &filter.kernel_words())
    }

    /// Asks for datagrams carrying a Router Alert hop-by-hop option
    /// (RFC 2711) with value `value` that this host forwards, or stops with
    /// `None` (`setsockopt(IPV6_ROUTER_ALERT)`; raw sockets only; Linux has
    /// no getter). Value 0 is MLD. *Linux.*
    fn set_router_alert(&self, value: Option<u16>) -> Result<()> {
        let v: libc::c_int = value.map_or(-1, libc::c_int::from);
        os::set_int_option(self.as_fd(), IntOption::RouterAlert6, v)
    }

    /// Where in the payload the kernel writes (on send) and checks (on
    /// receive) the checksum over the IPv6 pseudo-header, or `None` when it
    /// does neither (`getsockopt(IPV6_CHECKSUM)`, RFC 3542 §3.1). *Linux.*
    ///
    /// On a raw ICMPv6 socket this is always `Some(2)`: the kernel computes
    /// every ICMPv6 checksum (RFC 4443 §2.3, the pseudo-header of RFC 8200
    /// §8.1), whatever the two bytes held, and drops received messages whose
    /// checksum is wrong; it cannot be changed (the setter fails with
    /// `EINVAL`). On other raw sockets it is `None` until set.
    fn checksum_offset(&self) -> Result<Option<u32>> {
        let v = os::get_int_option(self.as_fd(), IntOption::Checksum6)?;
        Ok(u32::try_from(v).ok())
    }

    /// Makes the kernel compute and check a pseudo-header checksum at byte
    /// `offset` of the payload (an even number), or neither with `None`
    /// (`setsockopt(IPV6_CHECKSUM)`; raw sockets other than ICMPv6). *Linux.*
    fn set_checksum_offset(&self, offset: Option<u32>) -> Result<()> {
        let v: libc::c_int = match offset {
            Some(o) => libc::c_int::try_from(o)
                .map_err(|_| Error::invalid("setsockopt(IPV6_CHECKSUM)", "offset too large"))?,
            None => -1,
        };
        os::set_int_option(self.as_fd(), IntOption::Checksum6, v)
    }

    /// The sticky hop-by-hop options header sent with every datagram
    /// (`getsockopt(IPV6_HOPOPTS)`), empty when there is none. *Linux.*
    fn hop_by_hop_options(&self) -> Result<Vec<u8>> {
        os::hop_by_hop_options(self.as_fd())
    }

    /// Sets a hop-by-hop options header to send with every datagram (sticky
    /// `IPV6_HOPOPTS`, RFC 3542 §6.3), e.g.
    /// [`HopByHopOptions::ROUTER_ALERT_MLD`](crate::HopByHopOptions::ROUTER_ALERT_MLD)
    /// for MLD; an empty slice removes it. The bytes are the whole header
    /// (8·n bytes, Hdr Ext Len = n − 1); the kernel fills Next Header.
    /// Needs `CAP_NET_RAW`. *Linux.*
    fn set_hop_by_hop_options(&self, header: &[u8]) -> Result<()> {
        os::set_hop_by_hop_options(self.as_fd(), header)
    }

    /// Attaches a classic BPF program (`setsockopt(SO_ATTACH_FILTER)`); it
    /// replaces any program attached before. On an IPv6 socket the program
    /// sees what the socket would receive (no IPv6 header). *Linux.*
    fn attach_filter(&self, program: &[BpfInstruction]) -> Result<()> {
        crate::sockopt::attach_filter(self.as_fd(), program)
    }

    /// Removes the BPF program (`setsockopt(SO_DETACH_FILTER)`). *Linux.*
    fn detach_filter(&self) -> Result<()> {
        crate::sockopt::detach_filter(self.as_fd())
    }

    /// Whether `SO_REUSEADDR` is set (`getsockopt(SO_REUSEADDR)`).
    fn reuse_address(&self) -> Result<bool> {
        crate::sockopt::reuse_address(self.as_fd())
    }

    /// Sets `SO_REUSEADDR`: several sockets may bind the same address and
    /// port (multicast receivers; each gets a copy of every datagram).
    fn set_reuse_address(&self, on: bool) -> Result<()> {
        crate::sockopt::set_reuse_address(self.as_fd(), on)
    }

    /// Binds the socket to a device by name, or unbinds it with `None`
    /// (`setsockopt(SO_BINDTODEVICE)`). *Linux.*
    fn bind_to_device(&self, name: Option<&str>) -> Result<()> {
        crate::sockopt::bind_to_device(self.as_fd(), name)
    }

    /// The receive buffer size the kernel uses (`getsockopt(SO_RCVBUF)`).
    fn recv_buffer_size(&self) -> Result<usize> {
        crate::sockopt::recv_buffer_size(self.as_fd())
    }

    /// Sets the receive buffer size (`setsockopt(SO_RCVBUF)`). When the
    /// kernel caps it below `size` (at `net.core.rmem_max`), tries
    /// `SO_RCVBUFFORCE`, which needs `CAP_NET_ADMIN`; if that is refused the
    /// capped size stays and the call still succeeds, as for IPv4.
    fn set_recv_buffer_size(&self, size: usize) -> Result<()> {
        crate::sockopt::set_recv_buffer_size(self.as_fd(), size)
    }
}

fn group_req<T: AsFd + ?Sized>(
    s: &T,
    name: libc::c_int,
    op: &'static str,
    ifindex: u32,
    group: Ipv6Addr,
) -> Result<()> {
    crate::sockopt::group_req(s.as_fd(), name, op, ifindex, group.into())
}

fn group_source_req<T: AsFd + ?Sized>(
    s: &T,
    name: libc::c_int,
    op: &'static str,
    ifindex: u32,
    group: Ipv6Addr,
    source: Ipv6Addr,
) -> Result<()> {
    crate::sockopt::group_source_req(s.as_fd(), name, op, ifindex, group.into(), source.into())
}
