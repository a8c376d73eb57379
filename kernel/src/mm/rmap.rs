//! The reverse map, kernel side: `vm::rmap::find` (pure, host-tested) run
//! over the process table. A frame's metadata says where its PTEs can be
//! (`frame::owner`); this file gives the walk the address spaces, taking
//! each one's lock with `try_lock` only (reclaim never waits for a second
//! address space while holding one), and keeps the locks it needs for a
//! batch of evictions.
//!
//! The caller's own address space, if it holds its lock (`own`), stands in
//! for its process slot. init's space is never searched (`Probe::Never`):
//! its pages, and any frame it shares, are never evicted.
use super::addr::{PhysAddr, VirtAddr};
use super::aspace::AddressSpace;
use super::backing::Backing;
use super::frame;
use crate::arch::riscv::pte::Pte;
use crate::proc::{self, PROCS};
use crate::sync::SleepLockGuard;
use abi::limits::NPROC;
use vm::rmap::{expected_ptes, find, Owner, Probe, Spaces, Walk};
use vm::swap::PteState;
use vm::VmaFlags;

const _: () = assert!(NPROC <= 64, "Procs::pinned is a u64");

type Guard = SleepLockGuard<'static, Option<AddressSpace>>;

/// Most PTEs one walk notes (a page-cache page mapped more often is not
/// evicted).
pub const MAX_MAPS: usize = 32;

/// The address spaces reclaim may look into.
pub struct Procs<'a> {
    own: Option<&'a mut AddressSpace>,
    /// The process slot `own` stands for.
    own_slot: Option<usize>,
    guards: [Option<Guard>; NPROC],
    /// Slots whose lock is kept until `unlock_all`: a PTE there changed and
    /// may have to be put back.
    pinned: u64,
    /// Slots whose guard is in `guards`.
    held: u64,
}

impl<'a> Procs<'a> {
    pub fn new(own: Option<&'a mut AddressSpace>) -> Procs<'a> {
        let own_slot = own
            .as_ref()
            .and(proc::current())
            .and_then(|me| PROCS.iter().position(|p| core::ptr::eq(p, me)));
        Procs {
            own,
            own_slot,
            guards: [const { None }; NPROC],
            pinned: 0,
            held: 0,
        }
    }

    /// Slot `i`'s address space, if open.
    pub fn space(&self, i: usize) -> Option<&AddressSpace> {
        if Some(i) == self.own_slot {
            return self.own.as_deref();
        }
        self.guards.get(i)?.as_ref()?.as_ref()
    }

    pub fn space_mut(&mut self, i: usize) -> Option<&mut AddressSpace> {
        if Some(i) == self.own_slot {
            return self.own.as_deref_mut();
        }
        self.guards.get_mut(i)?.as_mut()?.as_mut()
    }

    /// Keep slot `i` locked until `unlock_all`.
    pub fn pin(&mut self, i: usize) {
        self.pinned |= 1 << i;
    }

    /// Let go of the locks taken only to look.
    pub fn unlock_unpinned(&mut self) {
        let mut drop = self.held & !self.pinned;
        self.held &= self.pinned;
        while drop != 0 {
            let i = drop.trailing_zeros() as usize;
            drop &= drop - 1;
            self.guards[i] = None;
        }
    }

    pub fn unlock_all(&mut self) {
        self.pinned = 0;
        self.unlock_unpinned();
    }

    /// The leaf slot of `va` in slot `i`'s page table.
    pub fn pte(&mut self, i: usize, va: usize) -> Option<&mut Pte> {
        self.space_mut(i)?.pt.slot(VirtAddr(va), false)
    }

    /// Find the PTEs mapping `pa` into `out` (process slot, va). None if
    /// `pa` is not a user frame; else the walk (complete or not).
    pub fn mappings(
        &mut self,
        pa: PhysAddr,
        out: &mut [(usize, usize); MAX_MAPS],
        n: &mut usize,
    ) -> Option<Walk> {
        let owner = frame::owner(pa)?;
        let refs = frame::refs(pa);
        let in_swap_cache = frame::meta(pa)
            .slot
            .load(core::sync::atomic::Ordering::Relaxed)
            != frame::NO_SLOT;
        let expected = expected_ptes(refs, in_swap_cache, matches!(owner, Owner::File { .. }));
        *n = 0;
        let w = find(
            self,
            pa.0,
            owner,
            expected,
            frame::hint(pa),
            &mut |i, va| {
                if *n == MAX_MAPS {
                    return false;
                }
                out[*n] = (i, va);
                *n += 1;
                true
            },
        );
        if let Some(h) = w.next_hint() {
            frame::set_hint(pa, h);
        }
        Some(w)
    }
}

impl Spaces for Procs<'_> {
    fn slots(&self) -> usize {
        NPROC
    }

    fn open(&mut self, i: usize) -> Probe {
        if Some(i) == self.own_slot {
            return if proc::is_init(&PROCS[i]) {
                Probe::Never
            } else {
                Probe::Ready
            };
        }
        if let Some(g) = &self.guards[i] {
            return if g.is_some() {
                Probe::Ready
            } else {
                Probe::Empty
            };
        }
        if proc::is_init(&PROCS[i]) {
            return Probe::Never;
        }
        match PROCS[i].aspace.try_lock() {
            None => Probe::Busy,
            Some(g) if g.is_none() => Probe::Empty,
            Some(g) => {
                self.guards[i] = Some(g);
                self.held |= 1 << i;
                Probe::Ready
            }
        }
    }

    fn shared_file_areas(&self, i: usize, inum: u32, f: &mut dyn FnMut(usize, usize, usize)) {
        let Some(a) = self.space(i) else { return };
        for v in a.vmas.iter() {
            if let (true, Backing::File { inode, offset, .. }) =
                (v.flags.contains(VmaFlags::SHARED), &v.backing)
            {
                if inode.inum() == inum {
                    f(v.start, v.end, *offset);
                }
            }
        }
    }

    fn maps(&self, i: usize, va: usize, frame: usize) -> bool {
        let Some(a) = self.space(i) else { return false };
        match PteState::of(a.pt.get(VirtAddr(va)).unwrap_or_default().0) {
            PteState::Present(p) => Pte(p).pa() == frame,
            _ => false,
        }
    }
}

/// Whether frame `pa` is a user page (the replacement policy's business).
pub fn is_user(pa: PhysAddr) -> bool {
    frame::kind(pa).is_user() && pa != frame::zero_frame()
}
