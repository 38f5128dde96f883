//! The per-family IO of a [`Runner`](crate::Runner): the raw socket a
//! family's datagrams go out of, how a heard packet reaches the hosts, and
//! the per-host MAC addresses of `--mac-base`.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};

use ipv4kit_gmp::{Igmp, Instant, Mld, MldRx, RxMeta};
use ipv4kit_net::wire::igmp::IgmpMessage;
use ipv4kit_net::wire::ipv4::{IpProtocol, Ipv4Packet};
use ipv4kit_net::wire::mld::{MldDatagram, MldError, MldMessage};
use ipv4kit_net::{
    Datagram6Options, DatagramOptions, PacketConn6, RawConn, Result, SendBatch, TapProtocols,
};

use crate::emulator::Emulator;
use crate::family::Family;
use crate::probe::Probe;
use crate::runner::WireStats;

/// `IPPROTO_RAW`: an IPv6 raw socket for it takes whole datagrams, the
/// IPv6 header included (Linux sets `IPV6_HDRINCL` on it, `raw(7)`).
const IPPROTO_RAW: u8 = 255;

/// The raw socket whole IP datagrams go out of, header included.
#[derive(Debug)]
#[non_exhaustive]
pub enum RawTx {
    /// IPv4 with `IP_HDRINCL`.
    V4(RawConn),
    /// IPv6 `IPPROTO_RAW` (header included), out of interface `ifindex`.
    V6 {
        /// The socket.
        conn: PacketConn6,
        /// The interface, the scope of every link-scope destination.
        ifindex: u32,
    },
}

impl RawTx {
    /// Sends `batch[from..]` (`sendmmsg`); how many the kernel took.
    pub fn send_batch(&self, batch: &mut SendBatch, from: usize) -> Result<usize> {
        match self {
            RawTx::V4(c) => c.send_batch(batch, from),
            RawTx::V6 { conn, .. } => conn.send_batch(batch, from),
        }
    }
}

/// What a [`Runner`](crate::Runner) needs of a family on a live link:
/// the raw socket, the tap's filter and the receive path.
pub trait LinkFamily: Family {
    /// What the tap keeps.
    const TAP: TapProtocols;
    /// A raw socket sending whole datagrams out of `ifindex` (named
    /// `iface` in errors), not looping them back.
    fn open_raw(iface: &str, ifindex: u32) -> Result<RawTx>;
    /// Queues `datagram` to `destination` on `tx`'s interface.
    fn push(
        tx: &RawTx,
        batch: &mut SendBatch,
        destination: Self::Addr,
        datagram: &[u8],
    ) -> Result<()>;
    /// A packet heard on the link (from its IP header on): counted, checked
    /// and, if it is a message of the family, handed to the hosts it
    /// concerns.
    fn deliver(emu: &mut Emulator<Self>, now: Instant, packet: &[u8], wire: &mut WireStats);
    /// Reads what the RFC 3918 probe heard since the last call. The probe
    /// is IPv4 only ([`Runner::measure`](crate::Runner::measure) exists for
    /// IGMP runners), so other families never have one to poll.
    fn poll_probe(probe: &mut Probe, emu: &Emulator<Self>) -> Result<()> {
        let _ = (probe, emu);
        Ok(())
    }
}

impl LinkFamily for Igmp {
    const TAP: TapProtocols = TapProtocols::IGMP;

    fn open_raw(iface: &str, ifindex: u32) -> Result<RawTx> {
        let raw = RawConn::new(IpProtocol::IGMP)?;
        raw.set_multicast_interface_index(ifindex)
            .map_err(|e| e.with_object(iface))?;
        raw.set_multicast_loop(false)?;
        Ok(RawTx::V4(raw))
    }

    fn push(_: &RawTx, batch: &mut SendBatch, dst: Ipv4Addr, datagram: &[u8]) -> Result<()> {
        batch.push(SocketAddrV4::new(dst, 0), datagram, None)
    }

    fn poll_probe(probe: &mut Probe, emu: &Emulator<Igmp>) -> Result<()> {
        probe.poll(emu)
    }

    fn deliver(emu: &mut Emulator<Igmp>, now: Instant, packet: &[u8], wire: &mut WireStats) {
        let Ok(ip) = Ipv4Packet::new_checked(packet) else {
            wire.received_invalid += 1;
            return;
        };
        if ip.protocol() != IpProtocol::IGMP {
            return;
        }
        wire.received += 1;
        if !ip.verify_checksum() {
            wire.received_invalid += 1;
            return;
        }
        let Ok(msg) = IgmpMessage::parse(ip.payload()) else {
            wire.received_invalid += 1;
            return;
        };
        let meta = RxMeta {
            destination: ip.dst(),
            router_alert: ip.router_alert().is_some(),
        };
        emu.handle_message(now, &msg, meta);
    }
}

impl LinkFamily for Mld {
    const TAP: TapProtocols = TapProtocols::MLD;

    /// `IPPROTO_RAW` rather than a raw ICMPv6 socket: the hosts' link-local
    /// addresses are not the interface's, and an ICMPv6 socket would need
    /// `IPV6_FREEBIND` per source, a hop-by-hop control message per
    /// datagram and would recompute the checksum; with the header included
    /// the datagram goes out as the emulator wrote it, in `sendmmsg`
    /// batches like IPv4's.
    fn open_raw(iface: &str, ifindex: u32) -> Result<RawTx> {
        let conn = PacketConn6::raw(IPPROTO_RAW)?;
        conn.set_multicast_interface(ifindex)
            .map_err(|e| e.with_object(iface))?;
        conn.set_multicast_loop(false)?;
        Ok(RawTx::V6 { conn, ifindex })
    }

    fn push(tx: &RawTx, batch: &mut SendBatch, dst: Ipv6Addr, datagram: &[u8]) -> Result<()> {
        let scope = match tx {
            RawTx::V6 { ifindex, .. } => *ifindex,
            RawTx::V4(_) => 0,
        };
        batch.push6(SocketAddrV6::new(dst, 0, 0, scope), datagram, None)
    }

    fn deliver(emu: &mut Emulator<Mld>, now: Instant, packet: &[u8], wire: &mut WireStats) {
        let d = match MldDatagram::parse(packet) {
            Ok(d) => d,
            // The tap keeps all of ICMPv6; the rest of it is not ours.
            Err(MldError::NotIcmpv6 { .. }) => return,
            Err(_) => {
                wire.received += 1;
                wire.received_invalid += 1;
                return;
            }
        };
        if matches!(d.message, MldMessage::Unknown { .. }) {
            return;
        }
        wire.received += 1;
        // RFC 3810 §5.1.14, §5.2.13: hop limit 1, Router Alert, link-local
        // source; the engine checks the rest.
        if !d.is_valid_for_receiver() {
            wire.received_invalid += 1;
            return;
        }
        let meta = RxMeta {
            destination: d.header.dst,
            router_alert: d.router_alert.is_some(),
        };
        emu.handle_message(now, &MldRx::from(&d), meta);
    }
}

/// Why a `--mac-base` cannot give every host its own address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MacError {
    /// The base is a group address (I/G bit set).
    Multicast,
    /// Counting up from the base for every host changes its first octet
    /// (leaves the OUI's unicast block) or runs past ff:ff:ff:ff:ff:ff.
    OutOfRange,
}

impl core::fmt::Display for MacError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            MacError::Multicast => "a group address (the first octet's low bit is set)",
            MacError::OutOfRange => {
                "too few addresses left after it: counting up for every host changes its first octet"
            }
        })
    }
}

impl std::error::Error for MacError {}

/// The Ethernet addresses of `hosts` hosts, consecutive from a base, each
/// host's own (`--mac-base`).
///
/// ```
/// use ipv4kit_emu::MacRange;
///
/// let r = MacRange::new([0x02, 0, 0, 0, 0, 0xff], 3).unwrap();
/// assert_eq!(r.mac(1), [0x02, 0, 0, 0, 1, 0]);
/// assert!(MacRange::new([0x01, 0, 0x5e, 0, 0, 1], 1).is_err());
/// assert!(MacRange::new([0x02, 0xff, 0xff, 0xff, 0xff, 0xff], 2).is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MacRange {
    base: u64,
}

impl MacRange {
    /// The range from `base` for `hosts` hosts: all unicast, all with the
    /// base's first octet.
    pub fn new(base: [u8; 6], hosts: u32) -> core::result::Result<MacRange, MacError> {
        if base[0] & 1 == 1 {
            return Err(MacError::Multicast);
        }
        let b = mac_bits(base);
        let last = b + u64::from(hosts.saturating_sub(1));
        if last >> 40 != b >> 40 {
            return Err(MacError::OutOfRange);
        }
        Ok(MacRange { base: b })
    }

    /// Host `i`'s address (0-based).
    pub fn mac(&self, i: u32) -> [u8; 6] {
        let b = (self.base + u64::from(i)).to_be_bytes();
        [b[2], b[3], b[4], b[5], b[6], b[7]]
    }
}

fn mac_bits(m: [u8; 6]) -> u64 {
    let mut b = [0u8; 8];
    b[2..].copy_from_slice(&m);
    u64::from_be_bytes(b)
}
