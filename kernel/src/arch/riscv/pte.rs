//! The Sv39 page-table entry. Bits 0-7 are the hardware's flags (V R W X U
//! G A D), bits 8-9 are free for software: faultline marks copy-on-write
//! pages with bit 8 and pages of shared mappings with bit 9. The values live
//! in `abi::vmstat` so the page-table dump means the same to user programs.
pub use abi::vmstat::{
    PTE_A as A, PTE_COW as COW, PTE_D as D, PTE_R as R, PTE_SHARED as SHARED, PTE_U as U,
    PTE_V as V, PTE_W as W, PTE_X as X,
};

/// Bits of a PTE that are flags rather than the physical page number.
pub const FLAG_MASK: u64 = 0x3ff;

#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
#[repr(transparent)]
pub struct Pte(pub u64);

impl Pte {
    pub const fn new(pa: usize, flags: u64) -> Pte {
        Pte(((pa as u64 >> 12) << 10) | flags)
    }
    pub fn is_valid(self) -> bool {
        self.0 & V != 0
    }
    pub fn pa(self) -> usize {
        ((self.0 >> 10) << 12) as usize
    }
    pub fn flags(self) -> u64 {
        self.0 & FLAG_MASK
    }
    pub fn has(self, f: u64) -> bool {
        self.0 & f == f
    }
    pub fn with(self, f: u64) -> Pte {
        Pte(self.0 | f)
    }
    pub fn without(self, f: u64) -> Pte {
        Pte(self.0 & !f)
    }
}
