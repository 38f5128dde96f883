//! The IO half: an [`Emulator`] of IGMP or MLD hosts on one interface.
//! Reports go out of one raw socket (header included: `IP_HDRINCL`, IPv6
//! `IPPROTO_RAW`) in `sendmmsg` batches, or, when each host has its own
//! MAC address, as whole Ethernet frames through the `AF_PACKET`
//! [`FrameSender`]; queries come in through the tap (an `AF_PACKET`
//! socket that sees every IGMP or MLD message on the link, to any group,
//! without joining anything).

use std::time::{Duration, Instant as WallClock};

use ipv4kit_gmp::{Igmp, Instant};
use ipv4kit_net::{interface_index, FrameSender, PacketType, Result, SendBatch, Tap, TapConfig};

use crate::emulator::Emulator;
use crate::link::{LinkFamily, MacRange, RawTx};
use crate::player::Player;
use crate::probe::Probe;

/// Datagrams per `sendmmsg`.
pub const BATCH: usize = 64;
/// Longest wait for a query between timer runs.
const MAX_WAIT: Duration = Duration::from_millis(50);
/// Host steps applied before the runner sends and looks for queries again.
const STEPS_PER_ROUND: usize = 4096;

/// What a run did on the wire, beside the emulator's [`Stats`](crate::Stats).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WireStats {
    /// Datagrams the kernel took.
    pub sent: u64,
    /// `sendmmsg` calls.
    pub send_calls: u64,
    /// Datagrams the kernel refused for want of buffer space (`ENOBUFS`),
    /// after retries.
    pub send_dropped: u64,
    /// IGMP (MLD) messages from other hosts the tap saw (queries and others).
    pub received: u64,
    /// Received IGMP (MLD) messages with a bad checksum or length (MLD: or
    /// failing the receive checks of RFC 3810 §5.1.14: hop limit, Router
    /// Alert, link-local source).
    pub received_invalid: u64,
}

/// Octets of an Ethernet header.
const ETH_HEADER: usize = 14;
/// Octets of a frame slot: the header and the largest datagram.
const FRAME_SLOT: usize = ETH_HEADER + 1600;
/// Shortest Ethernet frame without its FCS (IEEE 802.3 §3.2.8 padding).
const ETH_MIN: usize = 60;

/// Frames being built for the [`FrameSender`], each host with its MAC.
struct Frames {
    tx: FrameSender,
    macs: MacRange,
    arena: Box<[u8]>,
    lens: [usize; BATCH],
    count: usize,
}

impl std::fmt::Debug for Frames {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Frames")
            .field("tx", &self.tx)
            .field("macs", &self.macs)
            .field("count", &self.count)
            .finish_non_exhaustive()
    }
}

/// Emulated IGMP (or, as `Runner<Mld>`, MLD) hosts on a live interface.
#[derive(Debug)]
pub struct Runner<F: LinkFamily = Igmp> {
    emu: Emulator<F>,
    player: Player<F::Addr>,
    raw: RawTx,
    frames: Option<Frames>,
    tap: Tap,
    batch: SendBatch,
    buf: Box<[u8]>,
    start: WallClock,
    wire: WireStats,
    /// The delay measurements, when [`measure`](Runner::measure) is on.
    probe: Option<Probe>,
}

impl<F: LinkFamily> Runner<F> {
    /// Opens the sockets on `iface` (needs `CAP_NET_RAW`): the raw socket
    /// sends out of it (`IP_MULTICAST_IF`/`IPV6_MULTICAST_IF`, no loop),
    /// the tap listens on it. The clock starts now: the player's times
    /// count from here.
    pub fn open(iface: &str, emu: Emulator<F>, player: Player<F::Addr>) -> Result<Runner<F>> {
        let ifindex = interface_index(iface)?;
        let raw = F::open_raw(iface, ifindex)?;
        let tap = Tap::with_config(iface, &TapConfig::default().with_protocols(F::TAP))?;
        Ok(Runner {
            emu,
            player,
            raw,
            frames: None,
            tap,
            batch: SendBatch::new(BATCH, 1600),
            buf: vec![0; 1600].into_boxed_slice(),
            start: WallClock::now(),
            wire: WireStats::default(),
            probe: None,
        })
    }

    /// Opens the runner as [`open`](Self::open) does, with each host its
    /// own MAC address from `macs` (`--mac-base`): datagrams go out as
    /// whole Ethernet frames through an `AF_PACKET` [`FrameSender`] (the
    /// host's MAC as source, the group's as destination, bypassing the
    /// interface's queueing discipline); queries still come in through the
    /// tap.
    pub fn open_with_macs(
        iface: &str,
        emu: Emulator<F>,
        player: Player<F::Addr>,
        macs: MacRange,
    ) -> Result<Runner<F>> {
        let mut r = Runner::open(iface, emu, player)?;
        r.frames = Some(Frames {
            tx: FrameSender::open_with_ethertype(iface, F::ETHERTYPE)?,
            macs,
            arena: vec![0; BATCH * FRAME_SLOT].into_boxed_slice(),
            lens: [0; BATCH],
            count: 0,
        });
        Ok(r)
    }

    /// The hosts.
    pub fn emulator(&self) -> &Emulator<F> {
        &self.emu
    }

    /// The scenario's progress.
    pub fn player(&self) -> &Player<F::Addr> {
        &self.player
    }

    /// What went over the wire.
    pub fn wire_stats(&self) -> WireStats {
        self.wire
    }

    /// Time since [`open`](Self::open).
    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    fn now(&self) -> Instant {
        Instant::from_nanos(self.start.elapsed().as_nanos() as u64)
    }

    /// Runs until `until` after the start (forever if `None`) or until
    /// `stop()` says so: plays the scenario, runs the hosts' timers, sends
    /// their reports and feeds them the queries heard. `tick` is called
    /// about once a second (progress lines).
    pub fn run(
        &mut self,
        until: Option<Duration>,
        stop: &dyn Fn() -> bool,
        mut tick: impl FnMut(&Runner<F>),
    ) -> Result<()> {
        let mut next_tick = Duration::from_secs(1);
        loop {
            let elapsed = self.start.elapsed();
            if stop() || until.is_some_and(|u| elapsed >= u) {
                break;
            }
            if elapsed >= next_tick {
                tick(self);
                next_tick += Duration::from_secs(1);
            }
            let now = self.now();
            for _ in 0..STEPS_PER_ROUND {
                let Some((h, op)) = self.player.next(now) else {
                    break;
                };
                // A refusal is counted in the stats (the scenario was
                // checked before the start, so it is rare).
                let _ = self.emu.apply_step(now, h, op);
            }
            self.emu.handle_timeout(now);
            self.flush()?;
            let mut wake = next_tick;
            if let Some(u) = until {
                wake = wake.min(u);
            }
            for t in [self.player.poll_timeout(), self.emu.poll_timeout()]
                .into_iter()
                .flatten()
            {
                wake = wake.min(t.since_epoch());
            }
            let wait = wake.saturating_sub(self.start.elapsed()).min(MAX_WAIT);
            self.receive(wait)?;
            if let Some(p) = &mut self.probe {
                F::poll_probe(p, &self.emu)?;
            }
        }
        self.flush()
    }

    /// Waits up to `wait` for IGMP (MLD) on the link and hands what other
    /// hosts sent to the emulator.
    fn receive(&mut self, wait: Duration) -> Result<()> {
        let batch = if wait.is_zero() {
            match self.tap.try_recv()? {
                Some(b) => b,
                None => return Ok(()),
            }
        } else {
            self.tap.recv(Some(wait))?
        };
        let now = Instant::from_nanos(self.start.elapsed().as_nanos() as u64);
        for p in batch {
            if p.meta.packet_type == PacketType::Outgoing {
                continue;
            }
            F::deliver(&mut self.emu, now, p.data, &mut self.wire);
        }
        Ok(())
    }

    /// Sends everything the hosts queued, `BATCH` datagrams per call.
    fn flush(&mut self) -> Result<()> {
        if self.frames.is_some() {
            return self.flush_frames();
        }
        while let Some(d) = self.emu.poll_transmit(&mut self.buf) {
            let Ok(d) = d else {
                // Reports are split to the MTU (at most 1500 octets): they fit.
                continue;
            };
            if self.batch.is_full() {
                self.send_batch()?;
            }
            F::push(
                &self.raw,
                &mut self.batch,
                d.destination,
                &self.buf[..d.len],
            )?;
        }
        self.send_batch()
    }

    fn send_batch(&mut self) -> Result<()> {
        let mut from = 0;
        let mut retries = 0;
        while from < self.batch.len() {
            self.wire.send_calls += 1;
            match self.raw.send_batch(&mut self.batch, from) {
                Ok(n) => {
                    from += n;
                    self.wire.sent += n as u64;
                }
                Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) && retries < 100 => {
                    retries += 1;
                    std::thread::sleep(Duration::from_micros(200));
                }
                Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => {
                    self.wire.send_dropped += (self.batch.len() - from) as u64;
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        self.batch.clear();
        Ok(())
    }
}

impl<F: LinkFamily> Runner<F> {
    /// [`flush`](Self::flush) with frames: each datagram is written in
    /// place after its Ethernet header, `BATCH` frames per `sendmmsg`.
    fn flush_frames(&mut self) -> Result<()> {
        loop {
            let Some(fr) = self.frames.as_mut() else {
                return Ok(());
            };
            if fr.count == BATCH {
                self.send_frames()?;
                continue;
            }
            let k = fr.count;
            let slot = &mut fr.arena[k * FRAME_SLOT..(k + 1) * FRAME_SLOT];
            let (eth, body) = slot.split_at_mut(ETH_HEADER);
            let Some(d) = self.emu.poll_transmit(body) else {
                break;
            };
            let Ok(d) = d else {
                continue;
            };
            eth[..6].copy_from_slice(&F::multicast_mac(&d.destination));
            eth[6..12].copy_from_slice(&fr.macs.mac(d.host));
            eth[12..].copy_from_slice(&F::ETHERTYPE.to_be_bytes());
            let len = ETH_HEADER + d.len;
            if len < ETH_MIN {
                slot[len..ETH_MIN].fill(0);
            }
            fr.lens[k] = len.max(ETH_MIN);
            fr.count += 1;
        }
        self.send_frames()
    }

    fn send_frames(&mut self) -> Result<()> {
        let Some(fr) = self.frames.as_mut() else {
            return Ok(());
        };
        let arena = &fr.arena;
        let lens = &fr.lens;
        let frames: [&[u8]; BATCH] =
            std::array::from_fn(|i| &arena[i * FRAME_SLOT..i * FRAME_SLOT + lens[i]]);
        let mut from = 0;
        let mut retries = 0;
        while from < fr.count {
            self.wire.send_calls += 1;
            match fr.tx.send(&frames[from..fr.count]) {
                Ok(n) => {
                    from += n;
                    self.wire.sent += n as u64;
                }
                Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) && retries < 100 => {
                    retries += 1;
                    std::thread::sleep(Duration::from_micros(200));
                }
                Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => {
                    self.wire.send_dropped += (fr.count - from) as u64;
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        fr.count = 0;
        Ok(())
    }
}

/// The RFC 3918 measurements, for IGMP hosts (the probe hears IPv4).
impl Runner<Igmp> {
    /// Turns on the RFC 3918 join and leave delay measurements
    /// ([`Probe`]): a second tap on `iface` that hears the hosts' reports
    /// and the multicast data. Call before [`run`](Self::run).
    pub fn measure(&mut self, iface: &str) -> Result<()> {
        let first = self.emu.address(0);
        self.probe = Some(Probe::open(iface, first, self.emu.len())?);
        Ok(())
    }

    /// Ends the measurements (reading what the tap still holds) and gives
    /// their figures; `None` when they are off.
    pub fn measure_report(&mut self) -> Result<Option<crate::measure::Report<std::net::Ipv4Addr>>> {
        match &mut self.probe {
            Some(p) => p.finish(&self.emu).map(Some),
            None => Ok(None),
        }
    }
}
