//! [`Conn`]: IP-level options on a stream socket.

use std::net::TcpStream;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};

use crate::options::IpOptions;

/// A TCP stream with IP-level options (TOS, TTL) from [`IpOptions`].
///
/// A thin owner: [`get_ref`](Self::get_ref) and
/// [`into_inner`](Self::into_inner) give the stream back.
#[derive(Debug)]
pub struct Conn {
    stream: TcpStream,
}

impl Conn {
    /// Wraps a connected stream.
    pub fn new(stream: TcpStream) -> Conn {
        Conn { stream }
    }

    /// The stream.
    pub fn get_ref(&self) -> &TcpStream {
        &self.stream
    }

    /// The stream, mutably (for reading and writing).
    pub fn get_mut(&mut self) -> &mut TcpStream {
        &mut self.stream
    }

    /// Gives up the wrapper, returning the stream.
    pub fn into_inner(self) -> TcpStream {
        self.stream
    }
}

impl From<TcpStream> for Conn {
    fn from(stream: TcpStream) -> Conn {
        Conn::new(stream)
    }
}

impl AsFd for Conn {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.stream.as_fd()
    }
}

impl AsRawFd for Conn {
    fn as_raw_fd(&self) -> RawFd {
        self.stream.as_raw_fd()
    }
}

impl IpOptions for Conn {}
