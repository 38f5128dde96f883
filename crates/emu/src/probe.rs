//! The IO half of the delay measurements: a second tap on the emulator's
//! interface that keeps IGMP and UDP to multicast groups
//! ([`TapProtocols::IGMP_AND_MULTICAST_UDP`]), so one ring holds, in the
//! order and with the timestamps the kernel gave them, the reports the
//! hosts sent (outgoing frames) and the data the interface received. The
//! emulated hosts are no kernel members: the tap's `PACKET_MR_ALLMULTI`
//! lets the data in without joining anything.

use std::net::Ipv4Addr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ipv4kit_gmp::{FilterMode, Igmp};
use ipv4kit_net::wire::gmp::GroupRecordType;
use ipv4kit_net::wire::igmp::IgmpMessage;
use ipv4kit_net::wire::ipv4::{IpProtocol, Ipv4Packet};
use ipv4kit_net::{PacketType, Result, Tap, TapConfig, TapProtocols};

use crate::emulator::Emulator;
use crate::measure::{Effect, Measure, Report};

/// How long without data a group counts as stopped.
pub const QUIET: Duration = Duration::from_secs(1);

/// Ring batches read per [`poll`](Probe::poll), so a flood cannot hold the
/// runner.
const BATCHES_PER_POLL: usize = 64;

/// Reports sent and multicast data received on the hosts' interface, fed
/// into a [`Measure`].
#[derive(Debug)]
pub struct Probe {
    tap: Tap,
    first: u32,
    hosts: u32,
    measure: Measure<Ipv4Addr>,
    next_sample: u64,
}

/// Nanoseconds since the Unix epoch.
fn nanos(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

impl Probe {
    /// Opens the tap on `iface` for the hosts `first`.. (`hosts` of them).
    pub fn open(iface: &str, first: Ipv4Addr, hosts: u32) -> Result<Probe> {
        let config = TapConfig::default().with_protocols(TapProtocols::IGMP_AND_MULTICAST_UDP);
        Ok(Probe {
            tap: Tap::with_config(iface, &config)?,
            first: u32::from(first),
            hosts,
            measure: Measure::new(QUIET.as_nanos() as u64),
            next_sample: 0,
        })
    }

    /// The measurements so far.
    pub fn measure(&self) -> &Measure<Ipv4Addr> {
        &self.measure
    }

    /// Reads what the tap holds (without waiting) into the measurements;
    /// `emu` tells whether a BLOCK left a host without the group.
    pub fn poll(&mut self, emu: &Emulator<Igmp>) -> Result<()> {
        for _ in 0..BATCHES_PER_POLL {
            let Some(batch) = self.tap.try_recv()? else {
                break;
            };
            for p in batch {
                let t = nanos(p.meta.timestamp);
                let Ok(ip) = Ipv4Packet::new_checked(p.data) else {
                    continue;
                };
                let outgoing = p.meta.packet_type == PacketType::Outgoing;
                match ip.protocol() {
                    IpProtocol::UDP if !outgoing && ip.dst().is_multicast() => {
                        self.measure.data(t, ip.dst());
                    }
                    IpProtocol::IGMP if outgoing => {
                        let host = u32::from(ip.src()).wrapping_sub(self.first);
                        if host < self.hosts {
                            report(&mut self.measure, emu, t, host, ip.payload());
                        }
                    }
                    _ => {}
                }
            }
            let now = nanos(SystemTime::now());
            if now >= self.next_sample {
                self.measure.sample(now);
                self.next_sample = now + QUIET.as_nanos() as u64 / 4;
            }
        }
        Ok(())
    }

    /// Reads the rest and ends the measurements: the final figures.
    pub fn finish(&mut self, emu: &Emulator<Igmp>) -> Result<Report<Ipv4Addr>> {
        self.poll(emu)?;
        self.measure.finish(nanos(SystemTime::now()));
        Ok(self.measure.report_now())
    }
}

/// Feeds one report `host` sent at `t`.
fn report(m: &mut Measure<Ipv4Addr>, emu: &Emulator<Igmp>, t: u64, host: u32, igmp: &[u8]) {
    let Ok(msg) = IgmpMessage::parse(igmp) else {
        return;
    };
    match msg {
        IgmpMessage::ReportV1(r) => m.report(t, host, r.group(), Effect::Join),
        IgmpMessage::ReportV2(r) => m.report(t, host, r.group(), Effect::Join),
        IgmpMessage::LeaveV2(r) => m.report(t, host, r.group(), Effect::Leave),
        IgmpMessage::ReportV3(r) => {
            for rec in r.records() {
                let g = rec.group();
                let effect = match rec.record_type() {
                    GroupRecordType::ModeIsExclude
                    | GroupRecordType::ChangeToExclude
                    | GroupRecordType::AllowNewSources => Effect::Join,
                    GroupRecordType::ModeIsInclude | GroupRecordType::ChangeToInclude
                        if rec.num_sources() > 0 =>
                    {
                        Effect::Join
                    }
                    GroupRecordType::ChangeToInclude => Effect::Leave,
                    // A BLOCK leaves when nothing is left of an INCLUDE
                    // filter: the host's state tells.
                    GroupRecordType::BlockOldSources => {
                        let gone = emu
                            .host(host)
                            .interface_state(g)
                            .is_none_or(|f| f.mode == FilterMode::Include && f.sources.is_empty());
                        if !gone {
                            continue;
                        }
                        Effect::Leave
                    }
                    _ => continue,
                };
                m.report(t, host, g, effect);
            }
        }
        _ => {}
    }
}
