//! The reverse map: from a user frame to every PTE that maps it, without a
//! per-PTE record. It is object-based (Linux's anon_vma / address_space
//! idea, made small):
//!
//! * An **anonymous** frame (a private page of any area, or a page of a
//!   shared anonymous area) is mapped at one virtual page only: fork gives
//!   the child the same addresses, and nothing moves pages. The frame
//!   records that page ([`Owner::Anon`]); its mappers are the address
//!   spaces whose PTE at that page names the frame.
//! * A **page-cache** frame records (inode, page index) ([`Owner::File`]);
//!   its mappers are the shared file areas of that inode that cover the
//!   index, at `area.start + index * PAGE_SIZE - area.offset`.
//!
//! Which address spaces to look in: all of them (the kernel has at most 64
//! processes), starting with a hint (the first one found mapping the frame
//! last time); if that one is busy the walk ends there, incomplete.
//! The frame's reference count says how many PTEs there are: every PTE
//! holds one reference, the swap cache and the page cache one each. The
//! walk stops when it has found them all; if an address space it needed to
//! look in was busy (locked by someone else), the walk is incomplete and
//! the caller leaves the frame alone. So fork copies no rmap data at all,
//! and a wrong guess (a frame mapped somewhere the rules above do not
//! predict) only makes a frame unevictable, never unmaps a stranger's page.

use crate::reclaim::Evict;
use crate::PAGE_SIZE;

/// What a frame is. Stored in each frame's metadata.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum FrameKind {
    /// On the free list.
    Free = 0,
    /// Kernel memory: heap, kernel stacks, trapframes, the zero frame, swap
    /// read-ahead, DMA pages, held frames. Never reclaimed through the rmap.
    Kernel = 1,
    /// A page-table page (of a user or the kernel's table). Never evicted.
    PageTable = 2,
    /// A user page found by its virtual page: anonymous memory and private
    /// copies of file pages (heap, stack, data, MAP_PRIVATE).
    Anon = 3,
    /// A page-cache page of a file, mapped by MAP_SHARED areas.
    File = 4,
}

impl FrameKind {
    pub const fn from_u8(v: u8) -> FrameKind {
        match v {
            1 => FrameKind::Kernel,
            2 => FrameKind::PageTable,
            3 => FrameKind::Anon,
            4 => FrameKind::File,
            _ => FrameKind::Free,
        }
    }

    /// A user page: the reclaim policies see it.
    pub const fn is_user(self) -> bool {
        matches!(self, FrameKind::Anon | FrameKind::File)
    }
}

/// Where a user frame is mapped, as its metadata records it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Owner {
    /// At virtual page `vpn` (address / PAGE_SIZE) of some address spaces.
    Anon { vpn: u32 },
    /// Page `index` of inode `inum`, in the shared areas mapping it.
    File { inum: u32, index: u32 },
}

/// PTEs that map a frame with `refs` references, of which the swap cache
/// holds one if `swap_cached` and the page cache one if `page_cached`.
/// Other holders (a fault between taking a frame and mapping it, an I/O in
/// flight) make the count look higher, so the walk finds fewer and calls
/// itself incomplete: safe.
pub fn expected_ptes(refs: u32, swap_cached: bool, page_cached: bool) -> usize {
    (refs as usize).saturating_sub(usize::from(swap_cached) + usize::from(page_cached))
}

/// Where page `index` of a file shows in a shared area [start, end) whose
/// first byte is file offset `offset`; None if it is not in the area (or
/// the area is not page-aligned in the file, when no cache page maps it).
pub fn file_va(start: usize, end: usize, offset: usize, index: u32) -> Option<usize> {
    if !offset.is_multiple_of(PAGE_SIZE) {
        return None;
    }
    let at = (index as usize).checked_mul(PAGE_SIZE)?;
    let va = start.checked_add(at.checked_sub(offset)?)?;
    (va < end).then_some(va)
}

/// What looking into one address-space slot found.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Probe {
    /// It can be searched now.
    Ready,
    /// No address space there (unused slot, kernel thread).
    Empty,
    /// Someone else holds it: it cannot be searched now.
    Busy,
    /// Never searched: its pages are never evicted (the kernel: init's).
    /// Like `Busy` for completeness, but always so, so never a hint.
    Never,
}

/// The address spaces, as the walk sees them (the kernel: its process
/// table with try-locks; tests: a model).
pub trait Spaces {
    /// Slots are `0..slots()`.
    fn slots(&self) -> usize;
    /// Make slot `i` searchable (the kernel try-locks it here).
    fn open(&mut self, i: usize) -> Probe;
    /// Calls `f(start, end, offset)` for each shared area of open slot `i`
    /// that maps inode `inum`.
    fn shared_file_areas(&self, i: usize, inum: u32, f: &mut dyn FnMut(usize, usize, usize));
    /// Whether open slot `i` has a present PTE at `va` naming `frame`.
    fn maps(&self, i: usize, va: usize, frame: usize) -> bool;
}

/// The result of a walk.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Walk {
    /// PTEs found (each reported to the caller).
    pub found: usize,
    /// Slots that were busy (only matters when incomplete).
    pub busy: usize,
    /// Every expected PTE was found.
    pub complete: bool,
    /// The first slot found mapping the frame.
    pub first: Option<usize>,
    /// The first slot that was busy.
    pub first_busy: Option<usize>,
}

impl Walk {
    /// Where the next walk for this frame should look first: where it was
    /// found, else the first busy space. A busy space is almost surely
    /// where a frame nobody was found mapping lives (its owner is faulting
    /// or in a system call): as the hint it ends the next walk at once
    /// while that space stays busy, instead of every walk opening every
    /// slot; if the guess is wrong, the next walk that gets in corrects it.
    pub fn next_hint(&self) -> Option<usize> {
        self.first.or(self.first_busy)
    }
}

/// Find the PTEs mapping `frame` (whose owner is `owner`): `expected` of
/// them (`expected_ptes`). Slot `hint` is searched first. `out(slot, va)`
/// gets each one; it returns false to stop (no room to note it), which
/// makes the walk incomplete.
pub fn find<S: Spaces + ?Sized>(
    s: &mut S,
    frame: usize,
    owner: Owner,
    expected: usize,
    hint: Option<usize>,
    out: &mut dyn FnMut(usize, usize) -> bool,
) -> Walk {
    let mut w = Walk::default();
    let n = s.slots();
    let hint = hint.filter(|&h| h < n);
    let order = hint.into_iter().chain((0..n).filter(|&i| Some(i) != hint));
    for i in order {
        if w.found >= expected {
            break;
        }
        match s.open(i) {
            Probe::Empty => continue,
            // A busy hint ends the walk: the frame is almost surely mapped
            // there, so the walk would end incomplete anyway, and looking
            // through every other space first is what makes reclaim slow
            // while the process that owns most memory is faulting.
            Probe::Busy if Some(i) == hint => {
                w.busy += 1;
                w.first_busy = Some(i);
                return w;
            }
            Probe::Busy => {
                w.busy += 1;
                w.first_busy.get_or_insert(i);
                continue;
            }
            Probe::Never => {
                w.busy += 1;
                continue;
            }
            Probe::Ready => {}
        }
        let mut stop = false;
        let mut hit = |va: usize, w: &mut Walk, s: &S| {
            if !stop && w.found < expected && s.maps(i, va, frame) {
                if !out(i, va) {
                    stop = true;
                    return;
                }
                w.found += 1;
                w.first.get_or_insert(i);
            }
        };
        match owner {
            Owner::Anon { vpn } => hit(vpn as usize * PAGE_SIZE, &mut w, s),
            Owner::File { inum, index } => {
                let mut vas = [0usize; 8];
                let mut nvas = 0;
                let mut more = false;
                s.shared_file_areas(i, inum, &mut |start, end, off| {
                    if let Some(va) = file_va(start, end, off, index) {
                        if nvas < vas.len() {
                            vas[nvas] = va;
                            nvas += 1;
                        } else {
                            more = true;
                        }
                    }
                });
                for &va in &vas[..nvas] {
                    hit(va, &mut w, s);
                }
                // More areas of one file in one space than we note at once
                // (a program mapping a file 9 times): incomplete.
                stop |= more;
            }
        }
        if stop {
            return Walk {
                complete: false,
                ..w
            };
        }
    }
    w.complete = w.found == expected;
    w
}

/// How to evict a frame, given how it could go as seen from each PTE that
/// maps it: keeping wins (one mapper that must keep it keeps it), then
/// writing (swap or write-back: the bytes exist nowhere else), then
/// dropping.
pub fn combine(a: Evict, b: Evict) -> Evict {
    fn rank(e: Evict) -> u8 {
        match e {
            Evict::Drop => 0,
            Evict::Swap => 1,
            Evict::WriteBack => 2,
            Evict::Keep => 3,
        }
    }
    if rank(a) >= rank(b) {
        a
    } else {
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;

    /// A model address space: present PTEs as (va, frame) and shared file
    /// areas as (start, end, inum, offset).
    #[derive(Clone, Default)]
    struct Space {
        ptes: Vec<(usize, usize)>,
        areas: Vec<(usize, usize, u32, usize)>,
    }

    enum Slot {
        Empty,
        /// Locked by someone else (what it maps cannot be seen).
        Busy,
        /// Never searched (init's).
        Never,
        Ready(Space),
    }

    struct Model {
        slots: Vec<Slot>,
        opened: Vec<usize>,
    }

    impl Model {
        fn new(slots: Vec<Slot>) -> Model {
            Model {
                slots,
                opened: Vec::new(),
            }
        }
        fn space(&self, i: usize) -> &Space {
            match &self.slots[i] {
                Slot::Ready(s) => s,
                _ => panic!("slot {i} searched without being open"),
            }
        }
    }

    impl Spaces for Model {
        fn slots(&self) -> usize {
            self.slots.len()
        }
        fn open(&mut self, i: usize) -> Probe {
            self.opened.push(i);
            match self.slots[i] {
                Slot::Empty => Probe::Empty,
                Slot::Busy => Probe::Busy,
                Slot::Never => Probe::Never,
                Slot::Ready(_) => Probe::Ready,
            }
        }
        fn shared_file_areas(&self, i: usize, inum: u32, f: &mut dyn FnMut(usize, usize, usize)) {
            for &(s, e, n, o) in &self.space(i).areas {
                if n == inum {
                    f(s, e, o);
                }
            }
        }
        fn maps(&self, i: usize, va: usize, frame: usize) -> bool {
            self.space(i).ptes.contains(&(va, frame))
        }
    }

    const P: usize = PAGE_SIZE;
    const F: usize = 77; // the frame looked for

    fn run(
        m: &mut Model,
        owner: Owner,
        expected: usize,
        hint: Option<usize>,
    ) -> (Walk, Vec<(usize, usize)>) {
        let mut got = Vec::new();
        let w = find(m, F, owner, expected, hint, &mut |i, va| {
            got.push((i, va));
            true
        });
        (w, got)
    }

    fn anon_at(va: usize) -> Space {
        Space {
            ptes: vec![(va, F)],
            areas: vec![],
        }
    }

    #[test]
    fn private_anon_frame_found_in_its_one_space_via_the_hint() {
        let mut m = Model::new(vec![
            Slot::Ready(Space::default()),
            Slot::Empty,
            Slot::Ready(anon_at(0x5000)),
        ]);
        let (w, got) = run(&mut m, Owner::Anon { vpn: 5 }, 1, Some(2));
        assert!(w.complete);
        assert_eq!(got, vec![(2, 0x5000)]);
        assert_eq!(w.first, Some(2));
        // The hint was right: nothing else was even looked at.
        assert_eq!(m.opened, vec![2]);
    }

    #[test]
    fn cow_shared_after_fork_found_in_parent_and_child() {
        // Parent 0 and child 3 share the frame at the same address; 1 maps
        // another frame there (a different family, or a COW copy).
        let mut other = Space::default();
        other.ptes.push((0x7000, 12));
        let mut m = Model::new(vec![
            Slot::Ready(anon_at(0x7000)),
            Slot::Ready(other),
            Slot::Empty,
            Slot::Ready(anon_at(0x7000)),
        ]);
        let (w, got) = run(&mut m, Owner::Anon { vpn: 7 }, 2, None);
        assert!(w.complete);
        assert_eq!(got, vec![(0, 0x7000), (3, 0x7000)]);
    }

    #[test]
    fn a_busy_space_makes_the_walk_incomplete_unless_all_were_found() {
        let mut m = Model::new(vec![Slot::Ready(anon_at(0x7000)), Slot::Busy]);
        let (w, got) = run(&mut m, Owner::Anon { vpn: 7 }, 2, None);
        assert!(!w.complete);
        assert_eq!((w.found, w.busy), (1, 1));
        assert_eq!(got.len(), 1);
        // If the refcount says one PTE, the busy space is not needed.
        let mut m = Model::new(vec![Slot::Ready(anon_at(0x7000)), Slot::Busy]);
        let (w, _) = run(&mut m, Owner::Anon { vpn: 7 }, 1, None);
        assert!(w.complete);
        assert_eq!(m.opened, vec![0]);
    }

    #[test]
    fn a_busy_hint_ends_the_walk() {
        let mut m = Model::new(vec![
            Slot::Ready(Space::default()),
            Slot::Busy,
            Slot::Ready(Space::default()),
        ]);
        let (w, got) = run(&mut m, Owner::Anon { vpn: 7 }, 1, Some(1));
        assert!(!w.complete);
        assert!(got.is_empty());
        assert_eq!(m.opened, vec![1]);
        // Without the hint every space is looked at.
        let (w, _) = run(&mut m, Owner::Anon { vpn: 7 }, 1, None);
        assert!(!w.complete);
        assert_eq!(w.busy, 1);
        assert_eq!(m.opened, vec![1, 0, 1, 2]);
    }

    #[test]
    fn a_frame_found_nowhere_but_a_busy_space_is_hinted_there() {
        // A fresh frame has no hint; its owner (slot 2) is busy faulting.
        // Without a hint from that walk, every later walk opened all 64
        // slots, thousands of instructions, to keep the frame again.
        let mut m = Model::new(vec![
            Slot::Ready(Space::default()),
            Slot::Empty,
            Slot::Busy,
            Slot::Ready(Space::default()),
        ]);
        let (w, _) = run(&mut m, Owner::Anon { vpn: 7 }, 1, None);
        assert!(!w.complete);
        assert_eq!(w.next_hint(), Some(2));
        m.opened.clear();
        let (w, _) = run(&mut m, Owner::Anon { vpn: 7 }, 1, w.next_hint());
        assert!(!w.complete);
        assert_eq!(m.opened, vec![2], "one slot looked at");
        // Where a mapping was found, that is the hint.
        let mut m = Model::new(vec![Slot::Busy, Slot::Ready(anon_at(0x7000))]);
        let (w, _) = run(&mut m, Owner::Anon { vpn: 7 }, 2, None);
        assert_eq!((w.first, w.next_hint()), (Some(1), Some(1)));
    }

    #[test]
    fn a_space_never_searched_is_never_the_hint() {
        // Slot 0 is init's, always refused; the frame's owner 2 is busy. Were
        // init the hint, every later walk would end there, on the wrong
        // space, for good.
        let mut m = Model::new(vec![Slot::Never, Slot::Empty, Slot::Busy]);
        let (w, _) = run(&mut m, Owner::Anon { vpn: 7 }, 1, None);
        assert!(!w.complete);
        assert_eq!((w.busy, w.next_hint()), (2, Some(2)));
    }

    #[test]
    fn shared_anon_mapped_by_a_family_is_found_everywhere() {
        let mut m = Model::new(vec![
            Slot::Ready(anon_at(0x9000)),
            Slot::Ready(anon_at(0x9000)),
            Slot::Ready(anon_at(0x9000)),
        ]);
        let (w, got) = run(&mut m, Owner::Anon { vpn: 9 }, 3, Some(1));
        assert!(w.complete);
        assert_eq!(got, vec![(1, 0x9000), (0, 0x9000), (2, 0x9000)]);
    }

    #[test]
    fn page_cache_frame_found_at_each_areas_own_address() {
        // Inode 4, page 3 (file offset 0x3000). Space 0 maps the file from
        // offset 0 at 0x10000 and again from offset 0x2000 at 0x40000;
        // space 1 from offset 0x1000 at 0x20000; space 2 maps another inode.
        let s0 = Space {
            ptes: vec![(0x13000, F), (0x41000, F)],
            areas: vec![(0x10000, 0x18000, 4, 0), (0x40000, 0x42000, 4, 0x2000)],
        };
        let s1 = Space {
            ptes: vec![(0x22000, F)],
            areas: vec![(0x20000, 0x30000, 4, 0x1000)],
        };
        let s2 = Space {
            ptes: vec![(0x13000, 5)],
            areas: vec![(0x10000, 0x18000, 5, 0)],
        };
        let mut m = Model::new(vec![Slot::Ready(s0), Slot::Ready(s1), Slot::Ready(s2)]);
        let (w, got) = run(&mut m, Owner::File { inum: 4, index: 3 }, 3, None);
        assert!(w.complete);
        assert_eq!(got, vec![(0, 0x13000), (0, 0x41000), (1, 0x22000)]);
    }

    #[test]
    fn an_area_not_yet_faulted_is_not_a_mapping() {
        let s = Space {
            ptes: vec![],
            areas: vec![(0x10000, 0x18000, 4, 0)],
        };
        let mut m = Model::new(vec![Slot::Ready(s)]);
        let (w, got) = run(&mut m, Owner::File { inum: 4, index: 1 }, 1, None);
        assert!(!w.complete);
        assert!(got.is_empty());
    }

    #[test]
    fn out_of_room_stops_incomplete() {
        let mut m = Model::new(vec![
            Slot::Ready(anon_at(0x7000)),
            Slot::Ready(anon_at(0x7000)),
        ]);
        let mut n = 0;
        let w = find(&mut m, F, Owner::Anon { vpn: 7 }, 2, None, &mut |_, _| {
            n += 1;
            n < 2
        });
        assert!(!w.complete);
        assert_eq!(w.found, 1);
    }

    #[test]
    fn nothing_expected_is_complete_at_once() {
        let mut m = Model::new(vec![Slot::Busy]);
        let (w, got) = run(&mut m, Owner::Anon { vpn: 7 }, 0, None);
        assert!(w.complete);
        assert!(got.is_empty());
        assert!(m.opened.is_empty());
    }

    #[test]
    fn file_va_rules() {
        assert_eq!(file_va(0x10000, 0x18000, 0, 0), Some(0x10000));
        assert_eq!(file_va(0x10000, 0x18000, 0, 7), Some(0x17000));
        assert_eq!(file_va(0x10000, 0x18000, 0, 8), None);
        assert_eq!(file_va(0x10000, 0x18000, 0x2000, 1), None);
        assert_eq!(file_va(0x10000, 0x18000, 0x2000, 2), Some(0x10000));
        // An area at an unaligned file offset maps no cache pages.
        assert_eq!(file_va(0x10000, 0x18000, 0x10, 0), None);
        assert_eq!(file_va(usize::MAX - P + 1, usize::MAX, 0, u32::MAX), None);
    }

    #[test]
    fn expected_ptes_subtracts_cache_references() {
        assert_eq!(expected_ptes(1, false, false), 1);
        assert_eq!(expected_ptes(3, true, false), 2);
        assert_eq!(expected_ptes(2, false, true), 1);
        assert_eq!(expected_ptes(1, true, false), 0);
        assert_eq!(expected_ptes(0, true, true), 0);
    }

    #[test]
    fn combine_keeps_then_writes_then_drops() {
        use Evict::*;
        assert_eq!(combine(Drop, Drop), Drop);
        assert_eq!(combine(Drop, Swap), Swap);
        assert_eq!(combine(Swap, Drop), Swap);
        assert_eq!(combine(Swap, Keep), Keep);
        assert_eq!(combine(WriteBack, Drop), WriteBack);
        assert_eq!(combine(Keep, WriteBack), Keep);
    }

    #[test]
    fn frame_kind_round_trips() {
        for k in [
            FrameKind::Free,
            FrameKind::Kernel,
            FrameKind::PageTable,
            FrameKind::Anon,
            FrameKind::File,
        ] {
            assert_eq!(FrameKind::from_u8(k as u8), k);
        }
        assert_eq!(FrameKind::from_u8(200), FrameKind::Free);
        assert!(FrameKind::Anon.is_user() && FrameKind::File.is_user());
        assert!(!FrameKind::PageTable.is_user() && !FrameKind::Kernel.is_user());
    }
}
