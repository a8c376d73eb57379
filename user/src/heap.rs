//! The global allocator: K&R's malloc (as in xv6's umalloc.c) on top of
//! lazy `sbrk`, so the heap costs frames only for pages actually touched.
//!
//! A circular free list, sorted by address, of blocks measured in 16-byte
//! units, each with a one-unit header. Freed blocks merge with free
//! neighbours. User processes are single-threaded, so no lock is needed.
//! Alignments above 16 over-allocate and keep the real block's address
//! just below the aligned pointer.

use crate::sys;
use abi::syscall::SBRK_LAZY;
use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr::{self, null_mut};

#[repr(C)]
struct Header {
    next: *mut Header,
    /// Size of this block in units, header included.
    units: usize,
}

const UNIT: usize = core::mem::size_of::<Header>();
const _: () = assert!(UNIT == 16);
/// Grow the break by at least this many units (64 KiB) at a time; it is
/// lazy memory, so asking for more than needed costs nothing until used.
const MIN_GROW_UNITS: usize = 4096;

struct State {
    base: Header,
    freep: *mut Header,
}

pub struct Heap {
    state: UnsafeCell<State>,
}

// SAFETY: user processes have one thread and no signal handlers, so the
// state is never touched concurrently.
unsafe impl Sync for Heap {}

impl Heap {
    pub const fn new() -> Heap {
        Heap {
            state: UnsafeCell::new(State {
                base: Header {
                    next: null_mut(),
                    units: 0,
                },
                freep: null_mut(),
            }),
        }
    }
}

impl Default for Heap {
    fn default() -> Self {
        Heap::new()
    }
}

/// Puts block `ap` (a pointer just past its header) on the free list.
///
/// # Safety
/// `ap` came from `malloc` and is not on the list.
unsafe fn free(st: &mut State, ap: *mut u8) {
    // SAFETY: every block on the list and `bp` are valid headers we made.
    unsafe {
        let bp = (ap as *mut Header).sub(1);
        let mut p = st.freep;
        while !(bp > p && bp < (*p).next) {
            if p >= (*p).next && (bp > p || bp < (*p).next) {
                break; // freed block at the start or end of the arena
            }
            p = (*p).next;
        }
        if bp.add((*bp).units) == (*p).next {
            (*bp).units += (*(*p).next).units;
            (*bp).next = (*(*p).next).next;
        } else {
            (*bp).next = (*p).next;
        }
        if p.add((*p).units) == bp {
            (*p).units += (*bp).units;
            (*p).next = (*bp).next;
        } else {
            (*p).next = bp;
        }
        st.freep = p;
    }
}

/// Asks the kernel for at least `nu` more units; null if it refuses.
unsafe fn morecore(st: &mut State, nu: usize) -> *mut Header {
    let nu = nu.max(MIN_GROW_UNITS);
    // SAFETY: sbrk(0) changes nothing.
    let cur = unsafe { sys::sbrk(0, SBRK_LAZY) };
    if cur == usize::MAX {
        return null_mut();
    }
    // Pad up to a unit boundary, so consecutive chunks are adjacent and
    // free() can merge them.
    let pad = cur.wrapping_neg() & (UNIT - 1);
    let bytes = match nu.checked_mul(UNIT).and_then(|b| b.checked_add(pad)) {
        Some(b) if b <= i32::MAX as usize => b,
        _ => return null_mut(), // sbrk takes a C int
    };
    // SAFETY: growing the break never takes memory away from anyone.
    let old = unsafe { sys::sbrk(bytes as isize, SBRK_LAZY) };
    if old == usize::MAX {
        return null_mut();
    }
    // `old` is `cur` unless the break moved in between; either way use
    // only whole units inside [old, old + bytes).
    let start = (old + UNIT - 1) & !(UNIT - 1);
    let nu = (old + bytes - start) / UNIT;
    if nu < 2 {
        return null_mut();
    }
    let hp = start as *mut Header;
    // SAFETY: [start, start + nu units) is freshly added to the process.
    unsafe {
        (*hp).units = nu;
        free(st, hp.add(1) as *mut u8);
    }
    st.freep
}

/// A block of at least `nbytes` bytes, 16-byte aligned; null if none.
unsafe fn malloc(st: &mut State, nbytes: usize) -> *mut u8 {
    if nbytes > (i32::MAX as usize) - 2 * UNIT {
        return null_mut();
    }
    let nunits = nbytes.div_ceil(UNIT) + 1;
    if st.freep.is_null() {
        st.base.next = &mut st.base;
        st.base.units = 0;
        st.freep = &mut st.base;
    }
    // SAFETY: the list holds only valid headers.
    unsafe {
        let mut prevp = st.freep;
        let mut p = (*prevp).next;
        loop {
            if (*p).units >= nunits {
                if (*p).units == nunits {
                    (*prevp).next = (*p).next;
                } else {
                    // Hand out the tail end of the block.
                    (*p).units -= nunits;
                    p = p.add((*p).units);
                    (*p).units = nunits;
                }
                st.freep = prevp;
                return p.add(1) as *mut u8;
            }
            if p == st.freep {
                p = morecore(st, nunits);
                if p.is_null() {
                    return null_mut();
                }
            }
            prevp = p;
            p = (*p).next;
        }
    }
}

unsafe impl GlobalAlloc for Heap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: single-threaded (see the Sync impl); no reentrancy since
        // malloc/free call nothing that allocates.
        let st = unsafe { &mut *self.state.get() };
        if layout.align() <= UNIT {
            // SAFETY: st is ours.
            return unsafe { malloc(st, layout.size()) };
        }
        // Over-allocate, align inside, and remember the real block just
        // below the aligned address (there are at least 16 bytes there).
        let Some(n) = layout.size().checked_add(layout.align() + UNIT) else {
            return null_mut();
        };
        // SAFETY: st is ours.
        let raw = unsafe { malloc(st, n) };
        if raw.is_null() {
            return raw;
        }
        let aligned = (raw as usize + UNIT + layout.align() - 1) & !(layout.align() - 1);
        // SAFETY: aligned - 8 lies inside the block we just got.
        unsafe { ptr::write((aligned - 8) as *mut *mut u8, raw) };
        aligned as *mut u8
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        // SAFETY: as in alloc.
        let st = unsafe { &mut *self.state.get() };
        let raw = if layout.align() <= UNIT {
            p
        } else {
            // SAFETY: alloc stored the block's address there.
            unsafe { ptr::read((p as usize - 8) as *const *mut u8) }
        };
        // SAFETY: raw came from malloc.
        unsafe { free(st, raw) }
    }
}

#[global_allocator]
static HEAP: Heap = Heap::new();
