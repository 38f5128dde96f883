//! [`AsyncSocket`]: one of ipv4kit-net's sockets, non-blocking, registered
//! with tokio's reactor (`tokio::io::unix::AsyncFd`).

use std::io;
use std::os::fd::{AsFd, AsRawFd};
use std::task::{ready, Context, Poll};

use ipv4kit_net::{Error, Result};
use socket2::SockRef;
use tokio::io::unix::AsyncFd;

/// What errors name when waiting for readiness fails (the runtime is
/// shutting down, or the reactor is gone).
pub(crate) const READABLE_OP: &str = "AsyncFd::readable (epoll)";
pub(crate) const WRITABLE_OP: &str = "AsyncFd::writable (epoll)";

/// A socket of `ipv4kit-net` (`S`: [`RawConn`](ipv4kit_net::RawConn),
/// [`PacketConn`](ipv4kit_net::PacketConn),
/// [`MrouteSocket`](ipv4kit_net::MrouteSocket), or any other socket type
/// with a file descriptor), switched to non-blocking mode and registered
/// with the tokio reactor.
///
/// Every receive and send waits for readiness, makes the socket's own
/// (synchronous, non-blocking) call and, when that call says `EAGAIN`,
/// clears the readiness and waits again. Readiness is cleared *only* then:
/// after a call that returned data the next call goes straight to the
/// kernel, so a receive loop drains the queue with `recvmmsg` until it is
/// empty before it sleeps (the loop quinn's tokio runtime runs).
///
/// Methods take `&self`: one `AsyncSocket` can be shared by tasks (in an
/// `Arc`), one receiving while another sends. Options are set through
/// [`get_ref`](Self::get_ref) and the option traits of `ipv4kit-net`.
///
/// The batch methods ([`recv_batch`](Self::recv_batch),
/// [`send_batch`](Self::send_batch), [`send_all`](Self::send_all)) are
/// generic over [`BatchRecv`](crate::BatchRecv) and
/// [`BatchSend`](crate::BatchSend); the single-datagram ones are per
/// socket type ([`AsyncRawConn`](crate::AsyncRawConn),
/// [`AsyncPacketConn`](crate::AsyncPacketConn),
/// [`AsyncMrouteSocket`](crate::AsyncMrouteSocket)). A socket type without
/// them yet still works through [`read_with`](Self::read_with) and
/// [`write_with`](Self::write_with).
#[derive(Debug)]
pub struct AsyncSocket<S: AsRawFd> {
    pub(crate) fd: AsyncFd<S>,
}

/// A socket type that owns its file descriptor and keeps it, unchanged,
/// until it is dropped: what registering with the reactor needs (an
/// `AsyncFd` deregisters the descriptor when it goes, so the descriptor must
/// not be closed or reused by anyone else meanwhile).
///
/// Sealed: implemented here for the socket types of `ipv4kit-net` (IPv4,
/// IPv6, the tap and its frame sender), for `socket2::Socket` and for
/// `std::net::UdpSocket`; a new socket type of `ipv4kit-net` is added to
/// the list.
pub trait OwnedSocket: AsFd + AsRawFd + sealed::Sealed {}

mod sealed {
    pub trait Sealed {}
}

macro_rules! owned_socket {
    ($($t:ty),* $(,)?) => {$(
        impl sealed::Sealed for $t {}
        impl OwnedSocket for $t {}
    )*};
}

owned_socket!(
    ipv4kit_net::RawConn,
    ipv4kit_net::PacketConn,
    ipv4kit_net::MrouteSocket,
    ipv4kit_net::PacketConn6,
    ipv4kit_net::Mroute6Socket,
    ipv4kit_net::Tap,
    ipv4kit_net::FrameSender,
    socket2::Socket,
    std::net::UdpSocket,
);

impl<S: OwnedSocket> AsyncSocket<S> {
    /// Switches `sock` to non-blocking mode (`O_NONBLOCK`) and registers it
    /// with the reactor of the current tokio runtime (`epoll_ctl`).
    ///
    /// # Panics
    /// When called outside a tokio runtime (as `AsyncFd::new` does).
    pub fn new(sock: S) -> Result<AsyncSocket<S>> {
        SockRef::from(&sock)
            .set_nonblocking(true)
            .map_err(|e| Error::new("fcntl(F_SETFL, O_NONBLOCK)", e))?;
        // tokio 1.54 deprecated the safe `AsyncFd::new` for `register`, an
        // `unsafe fn` whose contract is that the descriptor stays open and
        // the same while registered (`AsyncFd::new` accepted a bare `RawFd`
        // owned by someone else). `OwnedSocket` restricts `S` to types that
        // own their descriptor and never swap it, which is that contract, so
        // the safe call stays sound here and this crate keeps
        // `forbid(unsafe_code)`.
        #[allow(deprecated)]
        let fd = AsyncFd::new(sock).map_err(|e| Error::new("epoll_ctl(EPOLL_CTL_ADD)", e))?;
        Ok(AsyncSocket { fd })
    }

    /// Deregisters the socket and gives it back in blocking mode.
    pub fn into_inner(self) -> Result<S> {
        let sock = self.fd.into_inner();
        SockRef::from(&sock)
            .set_nonblocking(false)
            .map_err(|e| Error::new("fcntl(F_SETFL, ~O_NONBLOCK)", e))?;
        Ok(sock)
    }
}

impl<S: AsRawFd> AsyncSocket<S> {
    /// The socket, for its options (join a group, set the multicast
    /// interface, switch control messages on...). It is non-blocking: its
    /// own receive and send calls return a `WouldBlock` error instead of
    /// waiting.
    pub fn get_ref(&self) -> &S {
        self.fd.get_ref()
    }

    /// The socket, mutably: for the calls that take `&mut self` (the
    /// tap's [`stats`](ipv4kit_net::Tap::stats)). Like
    /// [`get_ref`](Self::get_ref), it is non-blocking.
    pub fn get_mut(&mut self) -> &mut S {
        self.fd.get_mut()
    }

    /// Runs `op` on the socket once it is readable, again after every
    /// `WouldBlock` error (clearing the readiness first), and returns its
    /// first other result. `op` must be one non-blocking call on the
    /// socket, such as a `recv`.
    ///
    /// **Cancellation**: safe if `op` is a single receive call. The future
    /// is dropped only while it waits for readiness, never between `op`
    /// taking data from the kernel and returning it, so no datagram is lost.
    pub async fn read_with<R>(&self, mut op: impl FnMut(&S) -> Result<R>) -> Result<R> {
        loop {
            let mut guard = self
                .fd
                .readable()
                .await
                .map_err(|e| Error::new(READABLE_OP, e))?;
            match op(guard.get_inner()) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => guard.clear_ready(),
                r => return r,
            }
        }
    }

    /// Runs `op` on the socket once it is writable, again after every
    /// `WouldBlock` error, and returns its first other result.
    ///
    /// **Cancellation**: safe if `op` is a single send call: dropped while
    /// waiting, nothing was sent.
    pub async fn write_with<R>(&self, mut op: impl FnMut(&S) -> Result<R>) -> Result<R> {
        loop {
            let mut guard = self
                .fd
                .writable()
                .await
                .map_err(|e| Error::new(WRITABLE_OP, e))?;
            match op(guard.get_inner()) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => guard.clear_ready(),
                r => return r,
            }
        }
    }

    /// The poll form of [`read_with`](Self::read_with), for hand-written
    /// futures and streams: `Pending` (with `cx` woken on readiness) until
    /// `op` returns something other than a `WouldBlock` error.
    pub fn poll_read_with<R>(
        &self,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&S) -> Result<R>,
    ) -> Poll<Result<R>> {
        loop {
            let mut guard =
                ready!(self.fd.poll_read_ready(cx)).map_err(|e| Error::new(READABLE_OP, e))?;
            match op(guard.get_inner()) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => guard.clear_ready(),
                r => return Poll::Ready(r),
            }
        }
    }

    /// The poll form of [`write_with`](Self::write_with).
    pub fn poll_write_with<R>(
        &self,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&S) -> Result<R>,
    ) -> Poll<Result<R>> {
        loop {
            let mut guard =
                ready!(self.fd.poll_write_ready(cx)).map_err(|e| Error::new(WRITABLE_OP, e))?;
            match op(guard.get_inner()) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => guard.clear_ready(),
                r => return Poll::Ready(r),
            }
        }
    }
}

impl<S: AsRawFd> AsRawFd for AsyncSocket<S> {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.fd.as_raw_fd()
    }
}

impl<S: AsRawFd + AsFd> AsFd for AsyncSocket<S> {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.fd.get_ref().as_fd()
    }
}
