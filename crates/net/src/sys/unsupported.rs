//! The system calls of [`linux`](super) that the rest of the crate makes
//! without a `cfg` of its own, for other systems: the same signatures, each
//! failing with an error of kind [`std::io::ErrorKind::Unsupported`] that
//! names the call (the arrangement of socket2's `sys/unix.rs` beside its
//! other systems). Code outside `sys` calls them as `sys::os::…` once, on
//! every system.

use std::net::SocketAddrV4;
use std::os::fd::BorrowedFd;

use super::{IfAddr, IfAddr6, IntOption};
use crate::control::{ControlFlags, ControlMessage, RecvMeta};
use crate::control6::{ControlMessage6, RecvMeta6};
use crate::error::{Error, Result};

pub(crate) mod packet;

/// `if_nametoindex`: unsupported here.
pub(crate) fn if_nametoindex(_name: &str) -> Result<u32> {
    Err(Error::unsupported("if_nametoindex"))
}

/// `if_indextoname`: unsupported here.
pub(crate) fn if_indextoname(_index: u32) -> Result<String> {
    Err(Error::unsupported("if_indextoname"))
}

/// `getifaddrs`: unsupported here.
pub(crate) fn getifaddrs() -> Result<Vec<IfAddr>> {
    Err(Error::unsupported("getifaddrs"))
}

/// The IPv6 entries of `getifaddrs`: unsupported here.
pub(crate) fn getifaddrs6() -> Result<Vec<IfAddr6>> {
    Err(Error::unsupported("getifaddrs"))
}

/// `ioctl(SIOCGIFMTU)`: unsupported here.
pub(crate) fn interface_mtu(_name: &str) -> Result<u32> {
    Err(Error::unsupported("ioctl(SIOCGIFMTU)"))
}

/// The IPv4 receive control messages: unsupported here.
pub(crate) fn set_recv_control(
    _fd: BorrowedFd<'_>,
    _changed: ControlFlags,
    _new: ControlFlags,
    _on: bool,
) -> Result<()> {
    Err(Error::unsupported("setsockopt(IP_PKTINFO)"))
}

/// `recvmsg` with control data: unsupported here.
pub(crate) fn recv_meta(
    _fd: BorrowedFd<'_>,
    _buf: &mut [u8],
    _recv_flags: libc::c_int,
    _flags: ControlFlags,
) -> Result<RecvMeta> {
    Err(Error::unsupported("recvmsg"))
}

/// `sendmsg` with control data: unsupported here.
pub(crate) fn send_parts(
    _fd: BorrowedFd<'_>,
    _parts: &[&[u8]; 2],
    _dst: Option<SocketAddrV4>,
    _cm: Option<&ControlMessage>,
) -> Result<usize> {
    Err(Error::unsupported("sendmsg"))
}

/// `setsockopt(SO_ATTACH_FILTER)`: unsupported here.
pub(crate) fn attach_filter(
    _fd: BorrowedFd<'_>,
    _program: &[crate::filter::BpfInstruction],
) -> Result<()> {
    Err(Error::unsupported("setsockopt(SO_ATTACH_FILTER)"))
}

/// `setsockopt(SO_DETACH_FILTER)`: unsupported here.
pub(crate) fn detach_filter(_fd: BorrowedFd<'_>) -> Result<()> {
    Err(Error::unsupported("setsockopt(SO_DETACH_FILTER)"))
}

/// `setsockopt(SO_BINDTODEVICE)`: unsupported here.
pub(crate) fn bind_to_device(_fd: BorrowedFd<'_>, _name: Option<&str>) -> Result<()> {
    Err(Error::unsupported("setsockopt(SO_BINDTODEVICE)"))
}

/// No `SO_RCVBUFFORCE` here: the size `SO_RCVBUF` got stays, as when Linux
/// refuses it.
pub(crate) fn force_recv_buffer_size(_fd: BorrowedFd<'_>, _size: usize) -> Result<()> {
    Ok(())
}

/// RFC 3678 `group_req` options: unsupported here.
pub(crate) fn group_req(
    _fd: BorrowedFd<'_>,
    _name: libc::c_int,
    op: &'static str,
    _ifindex: u32,
    _group: std::net::IpAddr,
) -> Result<()> {
    Err(Error::unsupported(op))
}

/// RFC 3678 `group_source_req` options: unsupported here.
pub(crate) fn group_source_req(
    _fd: BorrowedFd<'_>,
    _name: libc::c_int,
    op: &'static str,
    _ifindex: u32,
    _group: std::net::IpAddr,
    _source: std::net::IpAddr,
) -> Result<()> {
    Err(Error::unsupported(op))
}

/// `setsockopt(MCAST_MSFILTER)`: unsupported here.
pub(crate) fn set_msfilter(
    _fd: BorrowedFd<'_>,
    _level: libc::c_int,
    _ifindex: u32,
    _group: libc::sockaddr_storage,
    _include: bool,
    _sources: &[libc::sockaddr_storage],
    op: &'static str,
) -> Result<()> {
    Err(Error::unsupported(op))
}

/// `getsockopt(MCAST_MSFILTER)`: unsupported here.
pub(crate) fn get_msfilter(
    _fd: BorrowedFd<'_>,
    _level: libc::c_int,
    _ifindex: u32,
    _group: libc::sockaddr_storage,
    _capacity: usize,
    op: &'static str,
) -> Result<(bool, Vec<libc::sockaddr_storage>, usize)> {
    Err(Error::unsupported(op))
}

/// The `sendmmsg` arrays of an `AF_PACKET` sender: none exist here (no
/// [`frame_sender`] opens), so this type has no values.
pub(crate) enum MmsgFrames {}

impl MmsgFrames {
    /// `sendmmsg`: never called, there is no value to call it on.
    pub(crate) fn send(
        &mut self,
        _fd: BorrowedFd<'_>,
        _frames: &[&[u8]],
    ) -> std::io::Result<usize> {
        match *self {}
    }
}

/// A `PACKET_TX_RING`: none can be set up here, so this type has no
/// values.
pub(crate) enum TxRing {}

impl TxRing {
    /// `PACKET_TX_RING`: unsupported here.
    pub(crate) fn new(
        _fd: BorrowedFd<'_>,
        _ifindex: u32,
        _protocol: u16,
        _mtu: u32,
        _frames: usize,
    ) -> Result<TxRing> {
        Err(Error::unsupported("setsockopt(PACKET_TX_RING)"))
    }

    /// Never called: there is no value to call it on.
    pub(crate) fn max_frame(&self) -> usize {
        match *self {}
    }

    /// Never called: there is no value to call it on.
    pub(crate) fn send(
        &mut self,
        _fd: BorrowedFd<'_>,
        _frames: &[&[u8]],
    ) -> std::io::Result<usize> {
        match *self {}
    }
}

/// An `AF_PACKET` frame sender: unsupported here.
pub(crate) fn frame_sender(
    _name: &str,
    _protocol: u16,
    _count: usize,
) -> Result<(socket2::Socket, u32, [u8; 6], MmsgFrames)> {
    Err(Error::unsupported("socket(AF_PACKET, SOCK_RAW)"))
}

/// The IPv6 receive control messages: unsupported here.
pub(crate) fn set_recv_control6(
    _fd: BorrowedFd<'_>,
    _changed: ControlFlags,
    _new: ControlFlags,
    _on: bool,
) -> Result<()> {
    Err(Error::unsupported("setsockopt(IPV6_RECVPKTINFO)"))
}

/// `recvmsg` on an IPv6 socket with control data: unsupported here.
pub(crate) fn recv_meta6(
    _fd: BorrowedFd<'_>,
    _buf: &mut [u8],
    _recv_flags: libc::c_int,
    _flags: ControlFlags,
) -> Result<RecvMeta6> {
    Err(Error::unsupported("recvmsg"))
}

/// `sendmsg` on an IPv6 socket with control data: unsupported here.
pub(crate) fn send6(
    _fd: BorrowedFd<'_>,
    _payload: &[u8],
    _dst: std::net::SocketAddrV6,
    _cm: Option<&ControlMessage6>,
) -> Result<usize> {
    Err(Error::unsupported("sendmsg"))
}

/// `getsockopt` of an integer option: unsupported here.
pub(crate) fn get_int_option(_fd: BorrowedFd<'_>, opt: IntOption) -> Result<libc::c_int> {
    Err(Error::unsupported(opt.get_op()))
}

/// `setsockopt` of an integer option: unsupported here.
pub(crate) fn set_int_option(
    _fd: BorrowedFd<'_>,
    opt: IntOption,
    _value: libc::c_int,
) -> Result<()> {
    Err(Error::unsupported(opt.set_op()))
}

/// `setsockopt(IP_MULTICAST_IF)` with an `ip_mreqn`: unsupported here.
pub(crate) fn set_multicast_interface_index(_fd: BorrowedFd<'_>, _ifindex: u32) -> Result<()> {
    Err(Error::unsupported("setsockopt(IP_MULTICAST_IF)"))
}

/// `getsockopt(ICMP_FILTER)`: unsupported here.
pub(crate) fn icmp_filter(_fd: BorrowedFd<'_>) -> Result<u32> {
    Err(Error::unsupported("getsockopt(ICMP_FILTER)"))
}

/// `setsockopt(ICMP_FILTER)`: unsupported here.
pub(crate) fn set_icmp_filter(_fd: BorrowedFd<'_>, _mask: u32) -> Result<()> {
    Err(Error::unsupported("setsockopt(ICMP_FILTER)"))
}

/// `getsockopt(SO_BINDTODEVICE)`: unsupported here.
pub(crate) fn device(_fd: BorrowedFd<'_>) -> Result<Option<String>> {
    Err(Error::unsupported("getsockopt(SO_BINDTODEVICE)"))
}

/// `getsockopt(ICMP6_FILTER)`: unsupported here.
pub(crate) fn icmp6_filter(_fd: BorrowedFd<'_>) -> Result<[u32; 8]> {
    Err(Error::unsupported("getsockopt(ICMP6_FILTER)"))
}

/// `setsockopt(ICMP6_FILTER)`: unsupported here.
pub(crate) fn set_icmp6_filter(_fd: BorrowedFd<'_>, _words: &[u32; 8]) -> Result<()> {
    Err(Error::unsupported("setsockopt(ICMP6_FILTER)"))
}

/// `getsockopt(IPV6_HOPOPTS)`: unsupported here.
pub(crate) fn hop_by_hop_options(_fd: BorrowedFd<'_>) -> Result<Vec<u8>> {
    Err(Error::unsupported("getsockopt(IPV6_HOPOPTS)"))
}

/// `setsockopt(IPV6_HOPOPTS)`: unsupported here.
pub(crate) fn set_hop_by_hop_options(_fd: BorrowedFd<'_>, _header: &[u8]) -> Result<()> {
    Err(Error::unsupported("setsockopt(IPV6_HOPOPTS)"))
}

/// `MSG_WAITFORONE`, a `recvmmsg` flag: none here.
pub(crate) const MSG_WAITFORONE: libc::c_int = 0;

/// The `recvmmsg` arrays of a [`RecvBatch`](crate::RecvBatch): nothing to
/// hold here, where no call fills them (so no accessor is reached).
#[derive(Debug)]
pub(crate) struct MmsgRecv;

impl MmsgRecv {
    /// No arrays.
    pub(crate) fn new(_count: usize) -> MmsgRecv {
        MmsgRecv
    }

    /// `recvmmsg`: unsupported here.
    pub(crate) fn recv(
        &mut self,
        _fd: BorrowedFd<'_>,
        _arena: &mut [u8],
        _slot: usize,
        _n: usize,
        _flags: libc::c_int,
    ) -> std::io::Result<usize> {
        Err(unsupported_io())
    }

    /// Bytes received in entry `i`: none.
    pub(crate) fn len(&self, _i: usize) -> usize {
        0
    }

    /// `msg_flags` of entry `i`: none.
    pub(crate) fn msg_flags(&self, _i: usize) -> libc::c_int {
        0
    }

    /// The IPv4 source of entry `i`: none.
    pub(crate) fn name(&self, _i: usize) -> Option<SocketAddrV4> {
        None
    }

    /// The IPv6 source of entry `i`: none.
    pub(crate) fn name6(&self, _i: usize) -> Option<std::net::SocketAddrV6> {
        None
    }

    /// The control data of entry `i`: none.
    pub(crate) fn control(&self, _i: usize) -> &[u8] {
        &[]
    }
}

/// The `sendmmsg` arrays of a [`SendBatch`](crate::SendBatch): nothing to
/// hold here; the destinations and control messages are not kept, since
/// no call sends them.
#[derive(Debug)]
pub(crate) struct MmsgSend;

impl MmsgSend {
    /// No arrays.
    pub(crate) fn new(_count: usize) -> MmsgSend {
        MmsgSend
    }

    /// Keeps nothing of entry `i`.
    pub(crate) fn set(
        &mut self,
        _i: usize,
        _dst: SocketAddrV4,
        _cm: Option<&ControlMessage>,
    ) -> std::result::Result<(), super::cmsg::NoRoom> {
        Ok(())
    }

    /// Keeps nothing of entry `i`.
    pub(crate) fn set6(
        &mut self,
        _i: usize,
        _dst: std::net::SocketAddrV6,
        _cm: Option<&ControlMessage6>,
    ) -> std::result::Result<(), super::cmsg::NoRoom> {
        Ok(())
    }

    /// `sendmmsg`: unsupported here.
    pub(crate) fn send(
        &mut self,
        _fd: BorrowedFd<'_>,
        _arena: &[u8],
        _slot: usize,
        _from: usize,
        _lens: &[usize],
        _flags: libc::c_int,
    ) -> std::io::Result<usize> {
        Err(unsupported_io())
    }
}

/// The `io::Error` inside [`Error::unsupported`], for calls whose callers
/// name the call themselves.
fn unsupported_io() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "not supported on this operating system",
    )
}

/// The multicast-routing calls of `sys::mroute` (`<linux/mroute.h>`): each
/// fails with an `Unsupported` error naming it. The option numbers exist
/// only so callers compile; no call passes them to a kernel.
pub(crate) mod mroute {
    use std::net::Ipv4Addr;
    use std::os::fd::BorrowedFd;

    use crate::error::{Error, Result};

    /// `MRT_VERSION` (no such option here).
    pub(crate) const MRT_VERSION: libc::c_int = 0;
    /// `MRT_ASSERT` (no such option here).
    pub(crate) const MRT_ASSERT: libc::c_int = 0;
    /// `MRT_PIM` (no such option here).
    pub(crate) const MRT_PIM: libc::c_int = 0;
    /// `MRT_TABLE` (no such option here).
    pub(crate) const MRT_TABLE: libc::c_int = 0;
    /// `MRT_FLUSH` (no such option here).
    pub(crate) const MRT_FLUSH: libc::c_int = 0;
    /// `MRT_FLUSH_MFC` (no such bit here).
    pub(crate) const MRT_FLUSH_MFC: libc::c_int = 0;
    /// `MRT_FLUSH_MFC_STATIC` (no such bit here).
    pub(crate) const MRT_FLUSH_MFC_STATIC: libc::c_int = 0;
    /// `MRT_FLUSH_VIFS` (no such bit here).
    pub(crate) const MRT_FLUSH_VIFS: libc::c_int = 0;
    /// `MRT_FLUSH_VIFS_STATIC` (no such bit here).
    pub(crate) const MRT_FLUSH_VIFS_STATIC: libc::c_int = 0;
    /// `MAXVIFS`: the length of `mfcc_ttls`.
    pub(crate) const MAXVIFS: usize = 32;

    /// `setsockopt` of an `int`-valued `MRT_*` option: unsupported here.
    pub(crate) fn set_int(
        _fd: BorrowedFd<'_>,
        _name: libc::c_int,
        _value: libc::c_int,
        op: &'static str,
    ) -> Result<()> {
        Err(Error::unsupported(op))
    }

    /// `getsockopt` of an `int`-valued `MRT_*` option: unsupported here.
    pub(crate) fn get_int(
        _fd: BorrowedFd<'_>,
        _name: libc::c_int,
        op: &'static str,
    ) -> Result<libc::c_int> {
        Err(Error::unsupported(op))
    }

    /// `setsockopt(MRT_INIT)`: unsupported here.
    pub(crate) fn mrt_init(_fd: BorrowedFd<'_>) -> Result<()> {
        Err(Error::unsupported("setsockopt(MRT_INIT)"))
    }

    /// `setsockopt(MRT_DONE)`: unsupported here.
    pub(crate) fn mrt_done(_fd: BorrowedFd<'_>) -> Result<()> {
        Err(Error::unsupported("setsockopt(MRT_DONE)"))
    }

    /// `setsockopt(MRT_ADD_VIF)`: unsupported here.
    pub(crate) fn add_vif(
        _fd: BorrowedFd<'_>,
        _vifi: u16,
        _ifindex: u32,
        _threshold: u8,
    ) -> Result<()> {
        Err(Error::unsupported("setsockopt(MRT_ADD_VIF)"))
    }

    /// `setsockopt(MRT_DEL_VIF)`: unsupported here.
    pub(crate) fn del_vif(_fd: BorrowedFd<'_>, _vifi: u16) -> Result<()> {
        Err(Error::unsupported("setsockopt(MRT_DEL_VIF)"))
    }

    /// `setsockopt(MRT_ADD_MFC)`: unsupported here.
    pub(crate) fn add_mfc(
        _fd: BorrowedFd<'_>,
        _origin: Ipv4Addr,
        _group: Ipv4Addr,
        _parent: u16,
        _ttls: [u8; MAXVIFS],
    ) -> Result<()> {
        Err(Error::unsupported("setsockopt(MRT_ADD_MFC)"))
    }

    /// `setsockopt(MRT_DEL_MFC)`: unsupported here.
    pub(crate) fn del_mfc(_fd: BorrowedFd<'_>, _origin: Ipv4Addr, _group: Ipv4Addr) -> Result<()> {
        Err(Error::unsupported("setsockopt(MRT_DEL_MFC)"))
    }
}

/// The IPv6 multicast-routing calls of `sys::mroute6`
/// (`<linux/mroute6.h>`): each fails with an `Unsupported` error naming it.
/// The option numbers exist only so callers compile.
pub(crate) mod mroute6 {
    use std::net::Ipv6Addr;
    use std::os::fd::BorrowedFd;

    use crate::error::{Error, Result};

    /// `MRT6_VERSION` (no such option here).
    pub(crate) const MRT6_VERSION: libc::c_int = 0;
    /// `MRT6_ASSERT` (no such option here).
    pub(crate) const MRT6_ASSERT: libc::c_int = 0;
    /// `MRT6_PIM` (no such option here).
    pub(crate) const MRT6_PIM: libc::c_int = 0;
    /// `MRT6_TABLE` (no such option here).
    pub(crate) const MRT6_TABLE: libc::c_int = 0;
    /// `MRT6_FLUSH` (no such option here).
    pub(crate) const MRT6_FLUSH: libc::c_int = 0;

    /// `setsockopt` of an `int`-valued `MRT6_*` option: unsupported here.
    pub(crate) fn set_int(
        _fd: BorrowedFd<'_>,
        _name: libc::c_int,
        _value: libc::c_int,
        op: &'static str,
    ) -> Result<()> {
        Err(Error::unsupported(op))
    }

    /// `getsockopt` of an `int`-valued `MRT6_*` option: unsupported here.
    pub(crate) fn get_int(
        _fd: BorrowedFd<'_>,
        _name: libc::c_int,
        op: &'static str,
    ) -> Result<libc::c_int> {
        Err(Error::unsupported(op))
    }

    /// `setsockopt(MRT6_INIT)`: unsupported here.
    pub(crate) fn mrt6_init(_fd: BorrowedFd<'_>) -> Result<()> {
        Err(Error::unsupported("setsockopt(MRT6_INIT)"))
    }

    /// `setsockopt(MRT6_DONE)`: unsupported here.
    pub(crate) fn mrt6_done(_fd: BorrowedFd<'_>) -> Result<()> {
        Err(Error::unsupported("setsockopt(MRT6_DONE)"))
    }

    /// `setsockopt(MRT6_ADD_MIF)`: unsupported here.
    pub(crate) fn add_mif(_fd: BorrowedFd<'_>, _mifi: u16, _ifindex: u16) -> Result<()> {
        Err(Error::unsupported("setsockopt(MRT6_ADD_MIF)"))
    }

    /// `setsockopt(MRT6_DEL_MIF)`: unsupported here.
    pub(crate) fn del_mif(_fd: BorrowedFd<'_>, _mifi: u16) -> Result<()> {
        Err(Error::unsupported("setsockopt(MRT6_DEL_MIF)"))
    }

    /// `setsockopt(MRT6_ADD_MFC)`: unsupported here.
    pub(crate) fn add_mfc(
        _fd: BorrowedFd<'_>,
        _origin: Ipv6Addr,
        _group: Ipv6Addr,
        _parent: u16,
        _ifset: [u32; 8],
    ) -> Result<()> {
        Err(Error::unsupported("setsockopt(MRT6_ADD_MFC)"))
    }

    /// `setsockopt(MRT6_DEL_MFC)`: unsupported here.
    pub(crate) fn del_mfc(
        _fd: BorrowedFd<'_>,
        _origin: Ipv6Addr,
        _group: Ipv6Addr,
        _parent: u16,
    ) -> Result<()> {
        Err(Error::unsupported("setsockopt(MRT6_DEL_MFC)"))
    }
}
