//! The IO half: an [`Emulator`] of IGMP hosts on one interface. Reports go
//! out of one raw `IP_HDRINCL` socket in `sendmmsg` batches; queries come
//! in through the tap (an `AF_PACKET` socket that sees every IGMP message
//! on the link, to any group, without joining anything).

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::{Duration, Instant as WallClock};

use ipv4kit_gmp::{Igmp, Instant, RxMeta};
use ipv4kit_net::wire::igmp::IgmpMessage;
use ipv4kit_net::wire::ipv4::{IpProtocol, Ipv4Packet};
use ipv4kit_net::{interface_index, DatagramOptions, PacketType, RawConn, Result, SendBatch, Tap};

use crate::emulator::Emulator;
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
    /// IGMP messages from other hosts the tap saw (queries and others).
    pub received: u64,
    /// Received IGMP messages with a bad IP or IGMP checksum or length.
    pub received_invalid: u64,
}

/// Emulated IGMP hosts on a live interface.
#[derive(Debug)]
pub struct Runner {
    emu: Emulator<Igmp>,
    player: Player<Ipv4Addr>,
    raw: RawConn,
    tap: Tap,
    batch: SendBatch,
    buf: Box<[u8]>,
    start: WallClock,
    wire: WireStats,
    /// The delay measurements, when [`measure`](Runner::measure) is on.
    probe: Option<Probe>,
}

impl Runner {
    /// Opens the sockets on `iface` (needs `CAP_NET_RAW`): the raw socket
    /// sends out of it (`IP_MULTICAST_IF`, no loop), the tap listens on it.
    /// The clock starts now: the player's times count from here.
    pub fn open(iface: &str, emu: Emulator<Igmp>, player: Player<Ipv4Addr>) -> Result<Runner> {
        let ifindex = interface_index(iface)?;
        let raw = RawConn::new(IpProtocol::IGMP)?;
        raw.set_multicast_interface_index(ifindex)
            .map_err(|e| e.with_object(iface))?;
        raw.set_multicast_loop(false)?;
        let tap = Tap::open(iface)?;
        Ok(Runner {
            emu,
            player,
            raw,
            tap,
            batch: SendBatch::new(BATCH, 1600),
            buf: vec![0; 1600].into_boxed_slice(),
            start: WallClock::now(),
            wire: WireStats::default(),
            probe: None,
        })
    }

    /// The hosts.
    pub fn emulator(&self) -> &Emulator<Igmp> {
        &self.emu
    }

    /// The scenario's progress.
    pub fn player(&self) -> &Player<Ipv4Addr> {
        &self.player
    }

    /// What went over the wire.
    pub fn wire_stats(&self) -> WireStats {
        self.wire
    }

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
    pub fn measure_report(&mut self) -> Result<Option<crate::measure::Report<Ipv4Addr>>> {
        match &mut self.probe {
            Some(p) => p.finish(&self.emu).map(Some),
            None => Ok(None),
        }
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
        mut tick: impl FnMut(&Runner),
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
                p.poll(&self.emu)?;
            }
        }
        self.flush()
    }

    /// Waits up to `wait` for IGMP on the link and hands what other hosts
    /// sent to the emulator.
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
            let Ok(ip) = Ipv4Packet::new_checked(p.data) else {
                self.wire.received_invalid += 1;
                continue;
            };
            if ip.protocol() != IpProtocol::IGMP {
                continue;
            }
            self.wire.received += 1;
            if !ip.verify_checksum() {
                self.wire.received_invalid += 1;
                continue;
            }
            let Ok(msg) = IgmpMessage::parse(ip.payload()) else {
                self.wire.received_invalid += 1;
                continue;
            };
            let meta = RxMeta {
                destination: ip.dst(),
                router_alert: ip.router_alert().is_some(),
            };
            self.emu.handle_message(now, &msg, meta);
        }
        Ok(())
    }

    /// Sends everything the hosts queued, `BATCH` datagrams per call.
    fn flush(&mut self) -> Result<()> {
        while let Some(d) = self.emu.poll_transmit(&mut self.buf) {
            let Ok(d) = d else {
                // Reports are split to the MTU (at most 1500 octets): they fit.
                continue;
            };
            if self.batch.is_full() {
                self.send_batch()?;
            }
            self.batch.push(
                SocketAddrV4::new(d.destination, 0),
                &self.buf[..d.len],
                None,
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
