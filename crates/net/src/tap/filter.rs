//! The tap's classic BPF program, run by the kernel on every frame before it
//! is queued, so the socket sees only what it asked for.
//!
//! The tap's socket is `SOCK_DGRAM`, so the program sees the packet from its
//! network header on; the EtherType comes from the kernel's metadata
//! (`skb->protocol`, the ancillary load `SKF_AD_OFF + SKF_AD_PROTOCOL`), not
//! from a link header, so the same program works on Ethernet, VLAN
//! sub-interfaces, tunnels and `lo`.
//!
//! - IGMP: IPv4 (EtherType 0x0800) with protocol 2 (RFC 3376 §4; every
//!   fragment, though IGMP is never fragmented in practice).
//! - MLD: IPv6 (0x86dd) whose next header is ICMPv6 (58), directly or after
//!   a hop-by-hop options header (next header 0, its own next header at
//!   offset 40). MLD messages always carry hop-by-hop Router Alert (RFC 3810
//!   §5), which is why `tcpdump`'s `icmp6` (the fixed header only) misses
//!   them and this program looks one header further.
//! - UDP to multicast: IPv4 with protocol 17 and a destination in
//!   224.0.0.0/4 (the multicast data a measurement of join and leave delay
//!   waits for, RFC 3918 §4.1).

use crate::filter::BpfInstruction;

const BPF_LD_H_ABS: u16 = 0x28;
const BPF_LD_B_ABS: u16 = 0x30;
const BPF_JEQ_K: u16 = 0x15;
const BPF_ALU_AND_K: u16 = 0x54;
const BPF_RET_K: u16 = 0x06;
/// `SKF_AD_OFF + SKF_AD_PROTOCOL`: `skb->protocol`, host order.
const AD_PROTOCOL: u32 = 0xffff_f000;

/// Which protocols a [`Tap`](crate::Tap) keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TapProtocols {
    /// IGMP over IPv4 (protocol 2).
    pub igmp: bool,
    /// ICMPv6 over IPv6, also behind a hop-by-hop header: MLD (RFC 3810)
    /// and the rest of ICMPv6.
    pub mld: bool,
    /// UDP over IPv4 to a multicast destination (224.0.0.0/4): multicast
    /// data.
    pub udp_multicast: bool,
}

impl TapProtocols {
    /// IGMP only.
    pub const IGMP: TapProtocols = TapProtocols {
        igmp: true,
        mld: false,
        udp_multicast: false,
    };
    /// ICMPv6 (MLD) only.
    pub const MLD: TapProtocols = TapProtocols {
        igmp: false,
        mld: true,
        udp_multicast: false,
    };
    /// IGMP and ICMPv6 (MLD).
    pub const BOTH: TapProtocols = TapProtocols {
        igmp: true,
        mld: true,
        udp_multicast: false,
    };
    /// IGMP and UDP to IPv4 multicast groups: reports and the data they
    /// ask for.
    pub const IGMP_AND_MULTICAST_UDP: TapProtocols = TapProtocols {
        igmp: true,
        mld: false,
        udp_multicast: true,
    };
}

impl Default for TapProtocols {
    fn default() -> Self {
        TapProtocols::IGMP
    }
}

/// Where a jump goes.
#[derive(Clone, Copy)]
enum To {
    Next,
    Accept,
    Drop,
    /// Instruction `n` of the program.
    At(usize),
}

struct Asm {
    code: Vec<(u16, To, To, u32)>,
}

impl Asm {
    fn ins(&mut self, code: u16, k: u32) -> &mut Self {
        self.code.push((code, To::Next, To::Next, k));
        self
    }
    fn jeq(&mut self, k: u32, jt: To, jf: To) -> &mut Self {
        self.code.push((BPF_JEQ_K, jt, jf, k));
        self
    }
    /// Resolves jumps (Accept and Drop are the last two instructions).
    fn finish(mut self) -> Vec<BpfInstruction> {
        let accept = self.code.len();
        let drop = accept + 1;
        self.code.push((BPF_RET_K, To::Next, To::Next, u32::MAX));
        self.code.push((BPF_RET_K, To::Next, To::Next, 0));
        let rel = |here: usize, to: To| -> u8 {
            let target = match to {
                To::Next => here + 1,
                To::Accept => accept,
                To::Drop => drop,
                To::At(n) => n,
            };
            u8::try_from(target - here - 1).expect("tap filter jumps are short")
        };
        self.code
            .iter()
            .enumerate()
            .map(|(i, &(code, jt, jf, k))| {
                if code == BPF_JEQ_K {
                    BpfInstruction::new(code, rel(i, jt), rel(i, jf), k)
                } else {
                    BpfInstruction::new(code, 0, 0, k)
                }
            })
            .collect()
    }
}

/// The program that keeps `protocols` and drops everything else.
pub(crate) fn program(protocols: TapProtocols) -> Vec<BpfInstruction> {
    let v4 = protocols.igmp || protocols.udp_multicast;
    if !v4 && !protocols.mld {
        return vec![BpfInstruction::new(BPF_RET_K, 0, 0, 0)];
    }
    let mut a = Asm { code: Vec::new() };
    a.ins(BPF_LD_H_ABS, AD_PROTOCOL);
    if v4 {
        // 1: IPv4? (else to the IPv6 test after the IPv4 part, or drop)
        let v4_len = 2 + usize::from(protocols.igmp) + 4 * usize::from(protocols.udp_multicast);
        let v6 = if protocols.mld {
            To::At(1 + v4_len)
        } else {
            To::Drop
        };
        a.jeq(0x0800, To::Next, v6).ins(BPF_LD_B_ABS, 9);
        if protocols.igmp {
            let other = if protocols.udp_multicast {
                To::Next
            } else {
                To::Drop
            };
            a.jeq(2, To::Accept, other);
        }
        if protocols.udp_multicast {
            // UDP, destination address's first octet 1110xxxx.
            a.jeq(17, To::Next, To::Drop)
                .ins(BPF_LD_B_ABS, 16)
                .ins(BPF_ALU_AND_K, 0xf0)
                .jeq(0xe0, To::Accept, To::Drop);
        }
    }
    if protocols.mld {
        a.jeq(0x86dd, To::Next, To::Drop)
            .ins(BPF_LD_B_ABS, 6)
            .jeq(58, To::Accept, To::Next)
            .jeq(0, To::Next, To::Drop)
            .ins(BPF_LD_B_ABS, 40)
            .jeq(58, To::Accept, To::Drop);
    }
    a.finish()
}

/// A classic BPF interpreter for the instructions [`program`] uses, for
/// tests: the verdict (bytes to keep) for `packet` with EtherType `proto`.
#[cfg(test)]
pub(crate) fn run(prog: &[BpfInstruction], proto: u16, packet: &[u8]) -> u32 {
    let mut a: u32 = 0;
    let mut pc = 0;
    while let Some(i) = prog.get(pc) {
        pc += 1;
        match i.code {
            BPF_LD_H_ABS if i.k == AD_PROTOCOL => a = u32::from(proto),
            BPF_LD_B_ABS => match packet.get(i.k as usize) {
                Some(&b) => a = u32::from(b),
                None => return 0, // the kernel drops on an out-of-bounds load
            },
            BPF_ALU_AND_K => a &= i.k,
            BPF_JEQ_K => pc += usize::from(if a == i.k { i.jt } else { i.jf }),
            BPF_RET_K => return i.k,
            c => panic!("instruction {c:#x} not modelled"),
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ipv4(protocol: u8) -> Vec<u8> {
        let mut p = vec![0x45, 0, 0, 28, 0, 0, 0, 0, 1, protocol];
        p.resize(28, 0);
        p
    }

    fn ipv6(next: u8, hbh_next: Option<u8>) -> Vec<u8> {
        let mut p = vec![0x60, 0, 0, 0, 0, 8, next, 1];
        p.resize(40, 0);
        if let Some(n) = hbh_next {
            p.extend_from_slice(&[n, 0, 5, 2, 0, 0, 1, 0]);
        }
        p.resize(p.len() + 8, 0);
        p
    }

    #[test]
    fn igmp_program_keeps_ipv4_protocol_2_only() {
        let p = program(TapProtocols::IGMP);
        assert_eq!(run(&p, 0x0800, &ipv4(2)), u32::MAX);
        assert_eq!(run(&p, 0x0800, &ipv4(17)), 0);
        assert_eq!(run(&p, 0x86dd, &ipv6(0, Some(58))), 0);
        assert_eq!(run(&p, 0x0806, &ipv4(2)), 0);
    }

    #[test]
    fn mld_program_looks_past_the_hop_by_hop_header() {
        let p = program(TapProtocols::MLD);
        assert_eq!(run(&p, 0x86dd, &ipv6(0, Some(58))), u32::MAX);
        assert_eq!(run(&p, 0x86dd, &ipv6(58, None)), u32::MAX);
        assert_eq!(run(&p, 0x86dd, &ipv6(0, Some(17))), 0);
        assert_eq!(run(&p, 0x86dd, &ipv6(17, None)), 0);
        assert_eq!(run(&p, 0x0800, &ipv4(2)), 0);
    }

    #[test]
    fn both_keeps_igmp_and_mld_and_nothing_else() {
        let p = program(TapProtocols::BOTH);
        assert_eq!(run(&p, 0x0800, &ipv4(2)), u32::MAX);
        assert_eq!(run(&p, 0x86dd, &ipv6(0, Some(58))), u32::MAX);
        assert_eq!(run(&p, 0x0800, &ipv4(6)), 0);
        assert_eq!(run(&p, 0x86dd, &ipv6(6, None)), 0);
        assert_eq!(run(&p, 0x88cc, &[]), 0);
    }

    fn ipv4_to(protocol: u8, dst: [u8; 4]) -> Vec<u8> {
        let mut p = ipv4(protocol);
        p[16..20].copy_from_slice(&dst);
        p
    }

    #[test]
    fn multicast_udp_keeps_udp_to_224_slash_4_beside_igmp() {
        let p = program(TapProtocols::IGMP_AND_MULTICAST_UDP);
        assert_eq!(run(&p, 0x0800, &ipv4(2)), u32::MAX);
        assert_eq!(run(&p, 0x0800, &ipv4_to(17, [239, 1, 1, 1])), u32::MAX);
        assert_eq!(run(&p, 0x0800, &ipv4_to(17, [224, 0, 0, 251])), u32::MAX);
        assert_eq!(run(&p, 0x0800, &ipv4_to(17, [198, 18, 0, 1])), 0);
        assert_eq!(run(&p, 0x0800, &ipv4_to(17, [240, 0, 0, 1])), 0);
        assert_eq!(run(&p, 0x0800, &ipv4_to(6, [239, 1, 1, 1])), 0);
        assert_eq!(run(&p, 0x86dd, &ipv6(0, Some(58))), 0);
        let all = program(TapProtocols {
            udp_multicast: true,
            ..TapProtocols::BOTH
        });
        assert_eq!(run(&all, 0x0800, &ipv4(2)), u32::MAX);
        assert_eq!(run(&all, 0x0800, &ipv4_to(17, [239, 1, 1, 1])), u32::MAX);
        assert_eq!(run(&all, 0x0800, &ipv4_to(17, [10, 1, 1, 1])), 0);
        assert_eq!(run(&all, 0x86dd, &ipv6(0, Some(58))), u32::MAX);
        assert_eq!(run(&all, 0x86dd, &ipv6(17, None)), 0);
        let udp_only = program(TapProtocols {
            igmp: false,
            mld: false,
            udp_multicast: true,
        });
        assert_eq!(run(&udp_only, 0x0800, &ipv4(2)), 0);
        assert_eq!(
            run(&udp_only, 0x0800, &ipv4_to(17, [239, 1, 1, 1])),
            u32::MAX
        );
    }

    #[test]
    fn an_empty_choice_drops_everything() {
        let p = program(TapProtocols {
            igmp: false,
            mld: false,
            udp_multicast: false,
        });
        assert_eq!(run(&p, 0x0800, &ipv4(2)), 0);
    }
}
