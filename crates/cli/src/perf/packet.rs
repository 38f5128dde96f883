//! `send --via packet` (and `packet-sendmmsg`): whole Ethernet frames through a [`FrameSender`],
//! to the destination's MAC address (a multicast MAC, or the ARP table's
//! entry).

use std::net::Ipv4Addr;
use std::time::Duration;

use ipv4kit_net::iface::{interface_by_name, Interface};
use ipv4kit_net::wire::ipv4::{Ipv4Repr, MIN_HEADER_LEN};
use ipv4kit_net::{multicast_mac, FrameSender, TxPath};

use super::{payload_pattern, send_loop, Result};
use crate::args::{usage, SendArgs, SendVia};
use crate::igmp_send::interface_error;

/// `send --via packet`: whole frames through a [`FrameSender`].
pub(super) fn run_send_packet(args: &SendArgs, dst: Ipv4Addr, batch_len: usize) -> Result<()> {
    let name = args
        .iface
        .as_deref()
        .ok_or_else(|| usage("--via packet needs --iface IF (the frames go out of it)"))?;
    let iface = interface_by_name(name).map_err(|e| interface_error(name, e))?;
    let size = usize::from(args.size);
    if let Some(mtu) = iface.mtu {
        if size > mtu as usize {
            return Err(usage(format!(
                "--size {size} is more than {name}'s MTU ({mtu}); \
                 frames are not fragmented on this path"
            )));
        }
    }
    let src = iface
        .addrs
        .first()
        .ok_or_else(|| format!("{name} has no IPv4 address to send from"))?
        .addr;
    let dst_mac = destination_mac(dst, &iface)?;
    // The ring was never the slower by median (README, "send --via packet").
    let path = if args.via == SendVia::PacketSendmmsg {
        TxPath::Sendmmsg
    } else {
        TxPath::Ring
    };
    let mut sender = FrameSender::with_path(name, path)?;
    let mut frame = vec![0u8; 14 + size];
    frame[..6].copy_from_slice(&dst_mac);
    frame[6..12].copy_from_slice(&sender.mac());
    frame[12..14].copy_from_slice(&0x0800u16.to_be_bytes());
    let repr = Ipv4Repr::new(src, dst, args.protocol, size - MIN_HEADER_LEN).with_ttl(args.ttl);
    let n = repr.emit(&mut frame[14..])?;
    let pattern = payload_pattern();
    frame[14 + n..].copy_from_slice(&pattern[..size - n]);
    let frames: Vec<&[u8]> = vec![&frame[..]; batch_len];
    send_loop(args, batch_len, |n| match sender.send(&frames[..n]) {
        Ok(k) => Ok(k),
        Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => Ok(0),
        Err(e) => Err(e.into()),
    })
}

/// The Ethernet destination of `dst` on `iface`: the group's MAC for
/// multicast, all-ones for broadcast, else the neighbour's from the kernel's
/// ARP table (asked for with one UDP datagram when it has none yet).
fn destination_mac(dst: Ipv4Addr, iface: &Interface) -> Result<[u8; 6]> {
    if dst.is_multicast() {
        return Ok(multicast_mac(dst));
    }
    let on_link = iface.addrs.iter().find(|a| {
        let mask = u32::MAX
            .checked_shl(32 - u32::from(a.prefix_len))
            .unwrap_or(0);
        u32::from(a.addr) & mask == u32::from(dst) & mask
    });
    let Some(net) = on_link else {
        return Err(usage(format!(
            "--via packet sends to {}'s link or to multicast groups: {dst} is on neither \
             (use the raw path, the default, for routed destinations)",
            iface.name
        )));
    };
    let mask = u32::MAX
        .checked_shl(32 - u32::from(net.prefix_len))
        .unwrap_or(0);
    if dst.is_broadcast() || u32::from(dst) == u32::from(net.addr) | !mask {
        return Ok([0xff; 6]);
    }
    if let Some(mac) = arp_entry(dst, &iface.name) {
        return Ok(mac);
    }
    // Make the kernel resolve it: one UDP datagram (to the discard port).
    let udp = std::net::UdpSocket::bind((net.addr, 0))?;
    let _ = udp.send_to(b"", (dst, 9));
    for _ in 0..100 {
        std::thread::sleep(Duration::from_millis(10));
        if let Some(mac) = arp_entry(dst, &iface.name) {
            return Ok(mac);
        }
    }
    Err(format!("no ARP answer from {dst} on {}: is it up?", iface.name).into())
}

/// The complete entry for `dst` on `dev` in `/proc/net/arp`, if any.
fn arp_entry(dst: Ipv4Addr, dev: &str) -> Option<[u8; 6]> {
    let table = std::fs::read_to_string("/proc/net/arp").ok()?;
    parse_arp(&table, dst, dev)
}

/// Finds `dst` on `dev` in the text of `/proc/net/arp` (IP address, HW
/// type, Flags, HW address, Mask, Device); complete entries only (flag 0x2).
pub fn parse_arp(table: &str, dst: Ipv4Addr, dev: &str) -> Option<[u8; 6]> {
    table.lines().skip(1).find_map(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.len() < 6 || f[0] != dst.to_string() || f[5] != dev {
            return None;
        }
        let flags = u32::from_str_radix(f[2].trim_start_matches("0x"), 16).ok()?;
        if flags & 0x2 == 0 {
            return None;
        }
        let mut mac = [0u8; 6];
        let mut parts = f[3].split(':');
        for b in mac.iter_mut() {
            *b = u8::from_str_radix(parts.next()?, 16).ok()?;
        }
        Some(mac)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arp_entries_are_found_by_address_and_device_when_complete() {
        let t = "IP address       HW type     Flags       HW address            Mask     Device
198.18.0.2       0x1         0x2         aa:bb:cc:00:11:22     *        veth0
198.18.0.3       0x1         0x0         00:00:00:00:00:00     *        veth0
";
        let a = |s: &str| s.parse::<Ipv4Addr>().unwrap();
        assert_eq!(
            parse_arp(t, a("198.18.0.2"), "veth0"),
            Some([0xaa, 0xbb, 0xcc, 0, 0x11, 0x22])
        );
        assert_eq!(parse_arp(t, a("198.18.0.2"), "veth1"), None);
        assert_eq!(parse_arp(t, a("198.18.0.3"), "veth0"), None);
        assert_eq!(parse_arp("", a("198.18.0.2"), "veth0"), None);
    }
}
