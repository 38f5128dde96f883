//! Network interfaces: name and index, IPv4 addresses, flags, MTU.
//!
//! Every function answers for the network namespace of the calling thread.

use std::net::Ipv4Addr;

use crate::error::{Error, Result};
use crate::sys::os as ffi;

/// The index of the interface called `name` (`if_nametoindex`); the error
/// names the interface (`if_nametoindex on nope0 failed: No such device`).
pub fn interface_index(name: &str) -> Result<u32> {
    ffi::if_nametoindex(name).map_err(|e| e.with_object(name))
}

/// The name of the interface with index `index` (`if_indextoname`).
pub fn interface_name(index: u32) -> Result<String> {
    ffi::if_indextoname(index).map_err(|e| e.with_object(format!("ifindex {index}")))
}

/// An IPv4 address of an interface with its prefix length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct InterfaceAddr {
    /// The address.
    pub addr: Ipv4Addr,
    /// The prefix length of its subnet (from the netmask).
    pub prefix_len: u8,
}

/// A network interface: its index, name, flags, IPv4 addresses and MTU.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    /// Interface index.
    pub index: u32,
    /// Interface name (`eth0`).
    pub name: String,
    /// The interface is administratively up (`IFF_UP`).
    pub up: bool,
    /// The interface is operational (`IFF_RUNNING`).
    pub running: bool,
    /// The interface supports multicast (`IFF_MULTICAST`).
    pub multicast: bool,
    /// The interface is a loopback (`IFF_LOOPBACK`).
    pub loopback: bool,
    /// Its IPv4 addresses, in the kernel's order.
    pub addrs: Vec<InterfaceAddr>,
    /// Its MTU (`SIOCGIFMTU`), if the kernel told.
    pub mtu: Option<u32>,
}

/// Every interface of the calling thread's network namespace
/// (`getifaddrs`), with its IPv4 addresses.
pub fn interfaces() -> Result<Vec<Interface>> {
    let mut out: Vec<Interface> = Vec::new();
    for e in ffi::getifaddrs()? {
        let pos = match out.iter().position(|i| i.name == e.name) {
            Some(p) => p,
            None => {
                let index = match ffi::if_nametoindex(&e.name) {
                    Ok(i) => i,
                    Err(_) => continue, // vanished meanwhile
                };
                let f = e.flags as libc::c_int;
                out.push(Interface {
                    index,
                    mtu: ffi::interface_mtu(&e.name).ok(),
                    name: e.name.clone(),
                    up: f & libc::IFF_UP != 0,
                    running: f & libc::IFF_RUNNING != 0,
                    multicast: f & libc::IFF_MULTICAST != 0,
                    loopback: f & libc::IFF_LOOPBACK != 0,
                    addrs: Vec::new(),
                });
                out.len() - 1
            }
        };
        if let Some(addr) = e.addr {
            let prefix_len = e.netmask.map_or(32, |m| u32::from(m).count_ones() as u8);
            out[pos].addrs.push(InterfaceAddr { addr, prefix_len });
        }
    }
    out.sort_by_key(|i| i.index);
    Ok(out)
}

/// The interface called `name`; an error naming it (`ENODEV`) if there is
/// none.
pub fn interface_by_name(name: &str) -> Result<Interface> {
    interfaces()?
        .into_iter()
        .find(|i| i.name == name)
        .ok_or_else(|| {
            Error::new(
                "getifaddrs",
                std::io::Error::from_raw_os_error(libc::ENODEV),
            )
            .with_object(name)
        })
}

/// The interface with index `index`; an error naming it (`ENODEV`) if there
/// is none.
pub fn interface_by_index(index: u32) -> Result<Interface> {
    interfaces()?
        .into_iter()
        .find(|i| i.index == index)
        .ok_or_else(|| {
            Error::new(
                "getifaddrs",
                std::io::Error::from_raw_os_error(libc::ENODEV),
            )
            .with_object(format!("ifindex {index}"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg_attr(miri, ignore)]
    fn loopback_is_index_1_named_lo_with_127_0_0_1() {
        assert_eq!(interface_name(1).unwrap(), "lo");
        assert_eq!(interface_index("lo").unwrap(), 1);
        let lo = interface_by_name("lo").unwrap();
        assert!(lo.loopback && lo.up);
        assert!(lo.addrs.contains(&InterfaceAddr {
            addr: Ipv4Addr::LOCALHOST,
            prefix_len: 8
        }));
        assert_eq!(lo.mtu, Some(65536));
    }

    #[test]
    #[cfg_attr(miri, ignore)]
    fn unknown_interfaces_fail_with_enodev_naming_them() {
        let e = interface_index("nope0").unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ENODEV));
        assert_eq!(e.object(), Some("nope0"));
        assert!(
            e.to_string().starts_with("if_nametoindex on nope0 failed"),
            "{e}"
        );
        let e = interface_name(u32::MAX).unwrap_err();
        assert_eq!(e.object(), Some("ifindex 4294967295"));
        let e = interface_by_name("nope0").unwrap_err();
        assert_eq!(
            (e.raw_os_error(), e.object()),
            (Some(libc::ENODEV), Some("nope0"))
        );
        let e = interface_by_index(u32::MAX).unwrap_err();
        assert_eq!(e.object(), Some("ifindex 4294967295"));
    }
}
