//! The crate's one error type: which call or option failed, and why.

use std::fmt;
use std::io;

/// A failed socket call.
///
/// Names the system call or socket option that failed (`"recvmmsg"`,
/// `"setsockopt(IP_MULTICAST_IF)"`) and carries the [`io::Error`] the kernel
/// returned (its errno). `Display` reads as a sentence, e.g.
/// `setsockopt(IP_MULTICAST_IF) failed: No such device (os error 19)`.
///
/// Converts into [`io::Error`] (keeping the kind, with this error as the
/// payload), so `?` works in functions returning `io::Result`.
#[derive(Debug)]
pub struct Error {
    op: &'static str,
    hint: Option<&'static str>,
    source: io::Error,
    /// The object the call was about (an interface name), when known.
    object: Option<Box<str>>,
}

/// How a socket bound to one interface lost it (see
/// [`Error::interface_lost`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InterfaceLost {
    /// The interface went down (`ip link set … down`); it still exists.
    Down,
    /// The interface no longer exists (deleted, or moved to another
    /// network namespace).
    Gone,
}

/// The hint of an [`InterfaceLost::Down`] error.
pub(crate) const IFACE_DOWN_HINT: &str = "the interface went down";
/// The hint of an [`InterfaceLost::Gone`] error.
pub(crate) const IFACE_GONE_HINT: &str = "the interface no longer exists";

/// The hint given when creating a raw socket fails with `EPERM` or `EACCES`.
pub(crate) const RAW_SOCKET_HINT: &str =
    "raw sockets need CAP_NET_RAW (run as root or grant the capability)";

/// The hint given when `MRT_INIT` fails with `EADDRINUSE`.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))] // made by sys's Linux calls only
pub(crate) const MROUTE_IN_USE_HINT: &str =
    "another program already holds this network namespace's multicast-routing socket \
     (a multicast routing daemon such as pimd, smcroute or igmpproxy?); there can be only one";

/// The operation name of `MRT_INIT`, which [`Error::is_mroute_in_use`] looks for.
pub(crate) const MRT_INIT_OP: &str = "setsockopt(MRT_INIT)";

/// The operation name of `MRT6_INIT`, which [`Error::is_mroute_in_use`] looks for too.
pub(crate) const MRT6_INIT_OP: &str = "setsockopt(MRT6_INIT)";

impl Error {
    /// An error for the call or option `op` with the kernel's answer `source`.
    pub fn new(op: &'static str, source: io::Error) -> Error {
        Error {
            op,
            hint: None,
            source,
            object: None,
        }
    }

    /// The same error, naming the object the call was about (an interface
    /// name, say): `Display` then reads `bind(AF_PACKET) on eth0 failed: …`.
    pub fn with_object(mut self, object: impl Into<String>) -> Error {
        self.object = Some(object.into().into_boxed_str());
        self
    }

    /// The object the call was about, if the error names one.
    pub fn object(&self) -> Option<&str> {
        self.object.as_deref()
    }

    /// A socket bound to an interface lost it: `how` says whether it went
    /// down or away; `source` is what the kernel said (`ENETDOWN`...).
    pub(crate) fn lost(op: &'static str, how: InterfaceLost, source: io::Error) -> Error {
        Error {
            op,
            hint: Some(match how {
                InterfaceLost::Down => IFACE_DOWN_HINT,
                InterfaceLost::Gone => IFACE_GONE_HINT,
            }),
            source,
            object: None,
        }
    }

    /// Whether (and how) the call failed because the socket's interface
    /// went down or disappeared, as a [`Tap`](crate::Tap) reports it.
    pub fn interface_lost(&self) -> Option<InterfaceLost> {
        match self.hint {
            Some(IFACE_DOWN_HINT) => Some(InterfaceLost::Down),
            Some(IFACE_GONE_HINT) => Some(InterfaceLost::Gone),
            _ => None,
        }
    }

    /// The last OS error (`errno`) for the call `op`.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))] // made by sys's Linux calls only
    pub(crate) fn last(op: &'static str) -> Error {
        Error::new(op, io::Error::last_os_error())
    }

    /// `op` is not available on this operating system.
    #[allow(dead_code)]
    pub(crate) fn unsupported(op: &'static str) -> Error {
        Error::new(
            op,
            io::Error::new(
                io::ErrorKind::Unsupported,
                "not supported on this operating system",
            ),
        )
    }

    /// An argument the call cannot take (checked before reaching the kernel).
    pub(crate) fn invalid(op: &'static str, why: &'static str) -> Error {
        Error::new(op, io::Error::new(io::ErrorKind::InvalidInput, why))
    }

    /// A codec error (from `ipv4kit-wire`) while preparing the call `op`.
    pub(crate) fn codec<E>(op: &'static str, e: E) -> Error
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        Error::new(op, io::Error::new(io::ErrorKind::InvalidInput, e))
    }

    /// Adds a hint about the likely cause when creating a raw socket failed
    /// for lack of privilege.
    pub(crate) fn raw_socket(op: &'static str, source: io::Error) -> Error {
        let denied = matches!(
            source.raw_os_error(),
            Some(libc::EPERM) | Some(libc::EACCES)
        );
        Error {
            op,
            hint: denied.then_some(RAW_SOCKET_HINT),
            source,
            object: None,
        }
    }

    /// `MRT_INIT` failed: with `EADDRINUSE` the error says that another
    /// program holds the multicast-routing socket
    /// ([`is_mroute_in_use`](Self::is_mroute_in_use)).
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))] // made by sys's Linux calls only
    pub(crate) fn mrt_init(source: io::Error) -> Error {
        let in_use = source.raw_os_error() == Some(libc::EADDRINUSE);
        Error {
            op: MRT_INIT_OP,
            hint: in_use.then_some(MROUTE_IN_USE_HINT),
            source,
            object: None,
        }
    }

    /// `MRT6_INIT` failed: as [`mrt_init`](Self::mrt_init), for IPv6.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))] // made by sys's Linux calls only
    pub(crate) fn mrt6_init(source: io::Error) -> Error {
        let in_use = source.raw_os_error() == Some(libc::EADDRINUSE);
        Error {
            op: MRT6_INIT_OP,
            hint: in_use.then_some(MROUTE_IN_USE_HINT),
            source,
            object: None,
        }
    }

    /// Whether this is `MRT_INIT` refused because another socket in the
    /// network namespace already is the multicast-routing socket
    /// (`EADDRINUSE`; Linux allows one per namespace and routing table).
    /// See [`MrouteSocket::new`](crate::MrouteSocket::new).
    pub fn is_mroute_in_use(&self) -> bool {
        (self.op == MRT_INIT_OP || self.op == MRT6_INIT_OP)
            && self.raw_os_error() == Some(libc::EADDRINUSE)
    }

    /// The call or socket option that failed, e.g. `"setsockopt(IP_MINTTL)"`.
    pub fn op(&self) -> &'static str {
        self.op
    }

    /// The kind of the underlying [`io::Error`].
    pub fn kind(&self) -> io::ErrorKind {
        self.source.kind()
    }

    /// The OS error number, if the error came from the kernel.
    pub fn raw_os_error(&self) -> Option<i32> {
        self.source.raw_os_error()
    }

    /// The underlying [`io::Error`].
    pub fn io_error(&self) -> &io::Error {
        &self.source
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(object) = &self.object {
            return match self.hint {
                Some(hint) => write!(f, "{} on {object} failed: {hint}: {}", self.op, self.source),
                None => write!(f, "{} on {object} failed: {}", self.op, self.source),
            };
        }
        match self.hint {
            Some(hint) => write!(f, "{} failed: {}: {}", self.op, hint, self.source),
            None => write!(f, "{} failed: {}", self.op, self.source),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

impl From<Error> for io::Error {
    fn from(e: Error) -> io::Error {
        io::Error::new(e.source.kind(), e)
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn display_names_the_option_and_the_errno() {
        let e = Error::new(
            "setsockopt(IP_MULTICAST_IF)",
            io::Error::from_raw_os_error(libc::ENODEV),
        );
        let s = e.to_string();
        assert!(s.starts_with("setsockopt(IP_MULTICAST_IF) failed: "), "{s}");
        assert!(s.contains("os error 19"), "{s}");
        assert_eq!(e.raw_os_error(), Some(libc::ENODEV));
        assert!(e.source().is_some());
    }

    #[test]
    fn eperm_on_raw_socket_says_which_capability() {
        let e = Error::raw_socket(
            "socket(AF_INET, SOCK_RAW)",
            io::Error::from_raw_os_error(libc::EPERM),
        );
        assert!(e.to_string().contains("CAP_NET_RAW"), "{e}");
        let e = Error::raw_socket(
            "socket(AF_INET, SOCK_RAW)",
            io::Error::from_raw_os_error(libc::EINVAL),
        );
        assert!(!e.to_string().contains("CAP_NET_RAW"), "{e}");
    }

    #[test]
    fn mrt_init_in_use_is_recognised_and_explained() {
        let e = Error::mrt_init(io::Error::from_raw_os_error(libc::EADDRINUSE));
        assert!(e.is_mroute_in_use());
        let s = e.to_string();
        assert!(
            s.starts_with("setsockopt(MRT_INIT) failed: another program"),
            "{s}"
        );
        let e = Error::mrt_init(io::Error::from_raw_os_error(libc::EOPNOTSUPP));
        assert!(!e.is_mroute_in_use());
        assert!(!e.to_string().contains("another program"), "{e}");
        let e = Error::new("bind", io::Error::from_raw_os_error(libc::EADDRINUSE));
        assert!(!e.is_mroute_in_use());
    }

    #[test]
    fn an_error_names_its_object_and_says_how_an_interface_was_lost() {
        let e = Error::lost(
            "poll(AF_PACKET)",
            InterfaceLost::Gone,
            io::Error::from_raw_os_error(libc::ENETDOWN),
        )
        .with_object("eth9");
        assert_eq!(e.interface_lost(), Some(InterfaceLost::Gone));
        assert_eq!(e.object(), Some("eth9"));
        let s = e.to_string();
        assert!(
            s.starts_with("poll(AF_PACKET) on eth9 failed: the interface no longer exists: "),
            "{s}"
        );
        let e = Error::new("bind", io::Error::from_raw_os_error(libc::ENODEV)).with_object("x");
        assert_eq!(e.interface_lost(), None);
        assert!(e.to_string().starts_with("bind on x failed: "), "{e}");
    }

    #[test]
    fn converts_to_io_error_keeping_kind_and_message() {
        let e = Error::new("recvmmsg", io::Error::from_raw_os_error(libc::EAGAIN));
        let io: io::Error = e.into();
        assert_eq!(io.kind(), io::ErrorKind::WouldBlock);
        assert!(io.to_string().starts_with("recvmmsg failed"));
    }
}
