//! The swap slot allocator: one 4 KiB slot per swapped page, with a
//! reference count per slot. A page that several PTEs share (copy-on-write
//! after fork) is written to one slot once; every PTE that mapped it holds
//! the slot, and the slot is free when the last of them lets go (swap-in,
//! unmap, exit).

use alloc::vec;
use alloc::vec::Vec;

/// Slot reference counts saturate far below this; a slot held by more
/// PTEs than this is refused (`dup` fails) rather than wrapped.
pub const MAX_REFS: u16 = u16::MAX;

/// Misuse of a slot number: a bug in the caller, reported not hidden.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SlotError {
    OutOfRange,
    NotInUse,
    TooManyRefs,
}

pub struct SlotAllocator {
    refs: Vec<u16>,
    used: usize,
    /// Where the next search starts (slots are handed out round-robin so
    /// the disk sees mostly sequential writes).
    hint: usize,
}

impl SlotAllocator {
    /// `n` slots, all free.
    pub fn new(n: usize) -> SlotAllocator {
        SlotAllocator {
            refs: vec![0; n],
            used: 0,
            hint: 0,
        }
    }

    pub fn total(&self) -> usize {
        self.refs.len()
    }

    pub fn used(&self) -> usize {
        self.used
    }

    pub fn free(&self) -> usize {
        self.total() - self.used
    }

    /// A free slot, now with one reference; None when swap is full.
    pub fn alloc(&mut self) -> Option<u32> {
        let n = self.refs.len();
        if self.used == n {
            return None;
        }
        for k in 0..n {
            let i = (self.hint + k) % n;
            if self.refs[i] == 0 {
                self.refs[i] = 1;
                self.used += 1;
                self.hint = (i + 1) % n;
                return Some(i as u32);
            }
        }
        None
    }

    /// One more holder of `slot` (fork copying a swapped PTE).
    pub fn dup(&mut self, slot: u32) -> Result<(), SlotError> {
        let r = self
            .refs
            .get_mut(slot as usize)
            .ok_or(SlotError::OutOfRange)?;
        match *r {
            0 => Err(SlotError::NotInUse),
            MAX_REFS => Err(SlotError::TooManyRefs),
            _ => {
                *r += 1;
                Ok(())
            }
        }
    }

    /// One holder fewer. Ok(true) when that was the last and the slot is
    /// free again.
    pub fn put(&mut self, slot: u32) -> Result<bool, SlotError> {
        let r = self
            .refs
            .get_mut(slot as usize)
            .ok_or(SlotError::OutOfRange)?;
        if *r == 0 {
            return Err(SlotError::NotInUse);
        }
        *r -= 1;
        if *r == 0 {
            self.used -= 1;
            return Ok(true);
        }
        Ok(false)
    }

    /// How many PTEs (and swap-cache entries, if the caller counts them)
    /// hold `slot`; 0 for a free or unknown slot.
    pub fn refs(&self, slot: u32) -> u16 {
        self.refs.get(slot as usize).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alloc_until_full_then_none() {
        let mut s = SlotAllocator::new(3);
        let a: Vec<u32> = (0..3).map(|_| s.alloc().unwrap()).collect();
        let mut sorted = a.clone();
        sorted.sort();
        assert_eq!(sorted, [0, 1, 2]);
        assert_eq!(s.alloc(), None);
        assert_eq!((s.used(), s.free()), (3, 0));
    }

    #[test]
    fn shared_slot_is_freed_by_its_last_holder() {
        let mut s = SlotAllocator::new(4);
        let x = s.alloc().unwrap();
        s.dup(x).unwrap();
        s.dup(x).unwrap();
        assert_eq!(s.refs(x), 3);
        assert_eq!(s.put(x), Ok(false));
        assert_eq!(s.put(x), Ok(false));
        assert_eq!(s.used(), 1);
        assert_eq!(s.put(x), Ok(true));
        assert_eq!((s.used(), s.refs(x)), (0, 0));
    }

    #[test]
    fn freed_slot_is_reused() {
        let mut s = SlotAllocator::new(2);
        let a = s.alloc().unwrap();
        let _b = s.alloc().unwrap();
        assert_eq!(s.put(a), Ok(true));
        assert_eq!(s.alloc(), Some(a));
    }

    #[test]
    fn misuse_is_an_error_not_a_corruption() {
        let mut s = SlotAllocator::new(2);
        assert_eq!(s.put(0), Err(SlotError::NotInUse));
        assert_eq!(s.dup(1), Err(SlotError::NotInUse));
        assert_eq!(s.put(9), Err(SlotError::OutOfRange));
        assert_eq!(s.dup(9), Err(SlotError::OutOfRange));
        assert_eq!(s.used(), 0);
    }

    #[test]
    fn refcount_saturates_instead_of_wrapping() {
        let mut s = SlotAllocator::new(1);
        let x = s.alloc().unwrap();
        for _ in 1..MAX_REFS {
            s.dup(x).unwrap();
        }
        assert_eq!(s.dup(x), Err(SlotError::TooManyRefs));
        assert_eq!(s.refs(x), MAX_REFS);
    }

    #[test]
    fn empty_allocator_is_always_full() {
        let mut s = SlotAllocator::new(0);
        assert_eq!(s.alloc(), None);
        assert_eq!(s.total(), 0);
    }
}
