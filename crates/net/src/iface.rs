//! Network interfaces: name and index, IPv4 addresses, flags, MTU.
//!
//! Every function answers for the network namespace of the calling thread.

use std::net::Ipv4Addr;

use crate::error::{Error, Result};
#[cfg(target_os = "linux")]
use crate::sys::linux as ffi;

/// The index of the interface called `name` (`if_nametoindex`).
pub fn interface_index(name: &str) -> Result<u32> {
    #[cfg(target_os = "linux")]
    {
        ffi::if_nametoindex(name)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = name;
        Err(Error::unsupported("if_nametoindex"))
    }
}

/// The name of the interface with index `index` (`if_indextoname`).
pub fn interface_name(index: u32) -> Result<String> {
    #[cfg(target_os = "linux")]
    {
        ffi::if_indextoname(index)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = index;
        Err(Error::unsupported("if_indextoname"))
    }
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
    #[cfg(target_os = "linux")]
    {
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
    #[cfg(not(target_os = "linux"))]
    {
        Err(Error::unsupported("getifaddrs"))
    }
}

/// The interface called `name`.
pub fn interface_by_name(name: &str) -> Result<Interface> {
    interfaces()?
        .into_iter()
        .find(|i| i.name == name)
        .ok_or_else(|| {
            Error::new(
                "getifaddrs",
                std::io::Error::from_raw_os_error(libc::ENODEV),
            )
        })
}

/// The interface with index `index`.
pub fn interface_by_index(index: u32) -> Result<Interface> {
    interfaces()?
        .into_iter()
        .find(|i| i.index == index)
        .ok_or_else(|| {
            Error::new(
                "getifaddrs",
                std::io::Error::from_raw_os_error(libc::ENODEV),
            )
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
    fn unknown_names_fail_with_enodev() {
        let e = interface_index("nonexistent0").unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ENODEV));
        assert!(e.to_string().starts_with("if_nametoindex failed"));
    }
}
