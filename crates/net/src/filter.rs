//! Filters a socket can carry: the ICMP type filter of raw ICMP sockets and
//! classic BPF programs. Set them with
//! [`DatagramOptions`](crate::DatagramOptions).

/// Which ICMP types a raw ICMP socket drops, for all 256 types.
///
/// Linux's `ICMP_FILTER` is a 32-bit mask over types 0–31; types 32–255 are
/// always delivered. This type models all 256 so that blocking type 32 is
/// not confused with blocking type 0 (Go's `x/net/ipv4` aliases them);
/// [`DatagramOptions::set_icmp_filter`](crate::DatagramOptions::set_icmp_filter) refuses a filter the kernel cannot
/// apply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct IcmpFilter {
    /// Bit `t` set: type `t` is blocked.
    blocked: [u64; 4],
}

impl IcmpFilter {
    /// A filter that accepts every type.
    pub const fn accept_all() -> IcmpFilter {
        IcmpFilter { blocked: [0; 4] }
    }

    /// A filter that blocks every type the kernel can filter (0–31).
    pub const fn block_all_filterable() -> IcmpFilter {
        IcmpFilter {
            blocked: [0xffff_ffff, 0, 0, 0],
        }
    }

    /// Blocks ICMP type `ty`.
    pub fn block(&mut self, ty: u8) -> &mut Self {
        self.blocked[usize::from(ty / 64)] |= 1 << (ty % 64);
        self
    }

    /// Accepts ICMP type `ty`.
    pub fn accept(&mut self, ty: u8) -> &mut Self {
        self.blocked[usize::from(ty / 64)] &= !(1 << (ty % 64));
        self
    }

    /// Whether type `ty` is blocked.
    pub fn will_block(&self, ty: u8) -> bool {
        self.blocked[usize::from(ty / 64)] & (1 << (ty % 64)) != 0
    }

    /// The kernel's mask, or `None` if a type ≥ 32 is blocked.
    pub fn kernel_mask(&self) -> Option<u32> {
        if self.blocked[0] >> 32 != 0 || self.blocked[1..].iter().any(|&w| w != 0) {
            return None;
        }
        Some(self.blocked[0] as u32)
    }

    /// The filter a kernel mask describes (types ≥ 32 accepted).
    pub fn from_kernel_mask(mask: u32) -> IcmpFilter {
        IcmpFilter {
            blocked: [u64::from(mask), 0, 0, 0],
        }
    }
}

/// One classic BPF instruction, laid out as Linux's `struct sock_filter`.
///
/// Programs for [`DatagramOptions::attach_filter`](crate::DatagramOptions::attach_filter) are slices of these (as
/// `tcpdump -dd` prints them: `{ code, jt, jf, k }`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct BpfInstruction {
    /// Operation code.
    pub code: u16,
    /// Jump offset if true.
    pub jt: u8,
    /// Jump offset if false.
    pub jf: u8,
    /// Generic field (constant, offset).
    pub k: u32,
}

impl BpfInstruction {
    /// An instruction from its four fields.
    pub const fn new(code: u16, jt: u8, jf: u8, k: u32) -> BpfInstruction {
        BpfInstruction { code, jt, jf, k }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icmp_filter_keeps_type_32_apart_from_type_0() {
        let mut f = IcmpFilter::accept_all();
        f.block(32);
        assert!(f.will_block(32));
        assert!(!f.will_block(0));
        assert_eq!(f.kernel_mask(), None);
        f.accept(32).block(0).block(31);
        assert_eq!(f.kernel_mask(), Some(0x8000_0001));
        f.block(255);
        assert!(f.will_block(255));
        assert_eq!(f.kernel_mask(), None);
    }

    #[test]
    fn icmp_filter_from_kernel_mask_accepts_high_types() {
        let f = IcmpFilter::from_kernel_mask(u32::MAX);
        assert!((0..32).all(|t| f.will_block(t)));
        assert!((32..=255).all(|t| !f.will_block(t)));
        assert_eq!(f, IcmpFilter::block_all_filterable());
    }
}
