//! The ICMPv6 type filter of raw ICMPv6 sockets (`ICMP6_FILTER`, RFC 3542
//! §3.2). Set it with [`Datagram6Options`](crate::Datagram6Options).

/// Which ICMPv6 types a raw ICMPv6 socket drops, for all 256 types.
///
/// Unlike IPv4's 32-type [`IcmpFilter`](crate::IcmpFilter), the kernel's
/// ICMPv6 filter covers every type (`struct icmp6_filter`: eight 32-bit
/// words, bit set = blocked), so every filter this type can describe is
/// applied as it is. A new raw ICMPv6 socket passes every type.
///
/// ```
/// use ipv4kit_net::Icmp6Filter;
/// // Only MLD: queries, v1 reports and done, v2 reports (RFC 3810 §5).
/// let mut f = Icmp6Filter::block_all();
/// for t in [130, 131, 132, 143] {
///     f.pass(t);
/// }
/// assert!(f.will_pass(143) && f.will_block(128));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Icmp6Filter {
    /// Bit `t % 32` of word `t / 32` set: type `t` is blocked (the kernel's
    /// layout).
    blocked: [u32; 8],
}

impl Default for Icmp6Filter {
    fn default() -> Icmp6Filter {
        Icmp6Filter::pass_all()
    }
}

impl Icmp6Filter {
    /// Passes every type (`ICMP6_FILTER_SETPASSALL`).
    pub const fn pass_all() -> Icmp6Filter {
        Icmp6Filter { blocked: [0; 8] }
    }

    /// Blocks every type (`ICMP6_FILTER_SETBLOCKALL`).
    pub const fn block_all() -> Icmp6Filter {
        Icmp6Filter {
            blocked: [u32::MAX; 8],
        }
    }

    /// Passes type `ty` (`ICMP6_FILTER_SETPASS`).
    pub fn pass(&mut self, ty: u8) -> &mut Self {
        self.blocked[usize::from(ty / 32)] &= !(1 << (ty % 32));
        self
    }

    /// Blocks type `ty` (`ICMP6_FILTER_SETBLOCK`).
    pub fn block(&mut self, ty: u8) -> &mut Self {
        self.blocked[usize::from(ty / 32)] |= 1 << (ty % 32);
        self
    }

    /// Whether type `ty` is blocked (`ICMP6_FILTER_WILLBLOCK`).
    pub fn will_block(&self, ty: u8) -> bool {
        self.blocked[usize::from(ty / 32)] & (1 << (ty % 32)) != 0
    }

    /// Whether type `ty` passes (`ICMP6_FILTER_WILLPASS`).
    pub fn will_pass(&self, ty: u8) -> bool {
        !self.will_block(ty)
    }

    pub(crate) fn kernel_words(&self) -> [u32; 8] {
        self.blocked
    }

    pub(crate) fn from_kernel_words(words: [u32; 8]) -> Icmp6Filter {
        Icmp6Filter { blocked: words }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_is_its_own_bit() {
        for t in 0..=255u8 {
            let mut f = Icmp6Filter::pass_all();
            f.block(t);
            for u in 0..=255u8 {
                assert_eq!(f.will_block(u), u == t, "{t} {u}");
            }
            let mut g = Icmp6Filter::block_all();
            g.pass(t);
            assert_eq!((0..=255u8).filter(|&u| g.will_pass(u)).count(), 1);
        }
        assert_eq!(Icmp6Filter::default(), Icmp6Filter::pass_all());
    }
}
