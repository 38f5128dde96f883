//! IPv6 addresses of interfaces, with their scope.

use std::net::Ipv6Addr;

use crate::error::{Error, Result};
use crate::sys::os;

/// An IPv6 address of an interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct InterfaceAddr6 {
    /// The interface's index.
    pub index: u32,
    /// The address.
    pub addr: Ipv6Addr,
    /// The prefix length of its subnet (from the netmask).
    pub prefix_len: u8,
    /// The scope id a socket address needs to reach it: the interface index
    /// for a link-local address (fe80::/10, RFC 4007 §6), 0 for global ones.
    pub scope_id: u32,
}

impl InterfaceAddr6 {
    /// Whether the address is link-local unicast (fe80::/10).
    pub fn is_link_local(&self) -> bool {
        self.addr.segments()[0] & 0xffc0 == 0xfe80
    }
}

/// Every IPv6 address of every interface of the calling thread's network
/// namespace (`getifaddrs`), in the kernel's order.
pub fn interface_addrs6() -> Result<Vec<InterfaceAddr6>> {
    let mut out = Vec::new();
    for e in os::getifaddrs6()? {
        let Ok(index) = os::if_nametoindex(&e.name) else {
            continue; // vanished meanwhile
        };
        out.push(InterfaceAddr6 {
            index,
            addr: e.addr,
            prefix_len: e.prefix_len,
            scope_id: e.scope_id,
        });
    }
    Ok(out)
}

/// The IPv6 addresses of interface `index`.
pub fn interface_addrs6_of(index: u32) -> Result<Vec<InterfaceAddr6>> {
    let mut all = interface_addrs6()?;
    all.retain(|a| a.index == index);
    Ok(all)
}

/// The link-local address of interface `index` (the source of its MLD
/// messages, RFC 3810 §5), if it has one.
pub fn link_local_addr(index: u32) -> Result<InterfaceAddr6> {
    interface_addrs6_of(index)?
        .into_iter()
        .find(InterfaceAddr6::is_link_local)
        .ok_or_else(|| {
            Error::new(
                "getifaddrs",
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "the interface has no link-local IPv6 address",
                ),
            )
            .with_object(format!("ifindex {index}"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg_attr(miri, ignore)]
    fn loopback_has_colon_colon_one_with_scope_zero_if_ipv6_is_on() {
        let lo = interface_addrs6_of(1).unwrap();
        if let Some(a) = lo.iter().find(|a| a.addr == Ipv6Addr::LOCALHOST) {
            assert_eq!((a.prefix_len, a.scope_id), (128, 0));
            assert!(!a.is_link_local());
        }
    }
}
