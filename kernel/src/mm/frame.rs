//! Physical frames. Every frame of RAM the kernel hands out has a metadata
//! slot holding an atomic reference count: a frame shared by copy-on-write
//! or by a shared mapping is freed when its last mapping goes. One frame,
//! the zero frame, is never freed: every never-written anonymous page maps it.
//!
//! The metadata also says what the frame is (`vm::rmap::FrameKind`) and,
//! for a user page, where the reverse map finds its PTEs (`mm::rmap`). User
//! pages mapped since reclaim last looked wait on a lock-free list threaded
//! through the metadata (`pending`), so the fault path records a page with
//! a few stores and one compare-and-swap; reclaim moves them into the
//! global replacement policy (`mm::reclaim`).
use super::addr::{PhysAddr, PAGE_SIZE};
use crate::sync::SpinLock;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU8, AtomicUsize, Ordering};
use vm::rmap::{FrameKind, Owner};

/// Per-frame metadata: 24 bytes a frame (0.6% of RAM). The replacement
/// policy's links for the frame live in the global `vmpolicy::Policy`
/// (indexed by frame number), see docs/swap.md.
pub struct FrameMeta {
    pub refs: AtomicU32,
    /// The swap slot this frame's contents are also in, while the frame is
    /// in the swap cache (`mm::swap`); `NO_SLOT` otherwise. Written only
    /// under the swap lock.
    pub slot: AtomicU32,
    /// Anon: the virtual page it is mapped at; File: its page index.
    index: AtomicU32,
    /// File: the inode number; Anon: the reverse map's hint (the process
    /// slot last found mapping it, `NO_HINT` if none).
    object: AtomicU32,
    /// Next frame on the pending list (`NONE` at its end).
    next: AtomicU32,
    /// A `FrameKind`.
    kind: AtomicU8,
    /// On the pending list.
    queued: AtomicBool,
    /// In the global replacement policy, in this life of the frame (a
    /// freed frame may still be there, forgotten when picked).
    listed: AtomicBool,
}

/// `FrameMeta::object` of an anonymous frame with no hint.
pub const NO_HINT: u32 = u32::MAX;
/// End of the pending list.
const NONE: u32 = u32::MAX;

/// `FrameMeta::slot` of a frame that is not in the swap cache.
pub const NO_SLOT: u32 = u32::MAX;

struct Table {
    base: usize,
    nframes: usize,
    meta: *const FrameMeta,
}

// SAFETY: the metadata is atomics only; the pointer is set once at boot.
unsafe impl Send for Table {}

static TABLE: SpinLock<Table> = SpinLock::new(
    "frametable",
    Table {
        base: 0,
        nframes: 0,
        meta: core::ptr::null(),
    },
);
/// Copy of the table's geometry for lock-free lookups once booted.
static BASE: AtomicUsize = AtomicUsize::new(0);
static NFRAMES: AtomicUsize = AtomicUsize::new(0);
static META: AtomicUsize = AtomicUsize::new(0);
static ZERO: AtomicUsize = AtomicUsize::new(0);

/// Free frames form a list threaded through the frames themselves.
static FREE: SpinLock<usize> = SpinLock::new("kmem", 0);
static NFREE: AtomicUsize = AtomicUsize::new(0);

/// Take over RAM in [start, end): the metadata table goes first, the rest
/// become free frames, and one becomes the zero frame.
pub fn init(start: usize, end: usize) {
    let start = super::addr::page_round_up(start);
    let n = (end - start) / PAGE_SIZE;
    let meta_bytes = super::addr::page_round_up(n * core::mem::size_of::<FrameMeta>());
    // The global replacement policy's links (`mm::replace`) live in the
    // kernel heap; RAM for them is added to the heap here, with room for
    // the buddy allocator to line up blocks of its biggest array's size.
    let heap_start = start + meta_bytes;
    let heap_end = super::addr::page_round_up(heap_start + super::replace::heap_need(n));
    super::kheap::grow(heap_start, heap_end);
    let first = heap_end;
    let nframes = (end - first) / PAGE_SIZE;
    let meta = start as *mut FrameMeta;
    for i in 0..nframes {
        // SAFETY: [start, first) is RAM nobody else uses, big enough for
        // nframes slots.
        unsafe {
            meta.add(i).write(FrameMeta {
                refs: AtomicU32::new(0),
                slot: AtomicU32::new(NO_SLOT),
                index: AtomicU32::new(0),
                object: AtomicU32::new(NO_HINT),
                next: AtomicU32::new(NONE),
                kind: AtomicU8::new(FrameKind::Free as u8),
                queued: AtomicBool::new(false),
                listed: AtomicBool::new(false),
            })
        };
    }
    {
        let mut t = TABLE.lock();
        t.base = first;
        t.nframes = nframes;
        t.meta = meta;
    }
    BASE.store(first, Ordering::Release);
    NFRAMES.store(nframes, Ordering::Release);
    META.store(meta as usize, Ordering::Release);
    for i in (0..nframes).rev() {
        let pa = PhysAddr(first + i * PAGE_SIZE);
        release(pa, self::meta(pa));
    }
    let z = alloc_zeroed().expect("no memory for the zero frame");
    ZERO.store(z.0, Ordering::Release);
}

pub fn meta(pa: PhysAddr) -> &'static FrameMeta {
    meta_number(pa).0
}

/// The frame's metadata and its number.
fn meta_number(pa: PhysAddr) -> (&'static FrameMeta, usize) {
    let base = BASE.load(Ordering::Relaxed);
    let i = (pa.0 - base) / PAGE_SIZE;
    assert!(
        pa.0 >= base && i < NFRAMES.load(Ordering::Relaxed),
        "frame {:#x} not managed",
        pa.0
    );
    // SAFETY: i is in bounds of the table initialised in `init`.
    (
        unsafe { &*(META.load(Ordering::Relaxed) as *const FrameMeta).add(i) },
        i,
    )
}

/// The shared, read-only, all-zero frame.
pub fn zero_frame() -> PhysAddr {
    PhysAddr(ZERO.load(Ordering::Relaxed))
}

pub fn is_managed(pa: PhysAddr) -> bool {
    let base = BASE.load(Ordering::Relaxed);
    pa.0 >= base && (pa.0 - base) / PAGE_SIZE < NFRAMES.load(Ordering::Relaxed)
}

fn release(pa: PhysAddr, m: &FrameMeta) {
    // A frame still in the replacement policy or on the pending list stays
    // there: reclaim finds it Free and forgets it.
    m.kind.store(FrameKind::Free as u8, Ordering::Relaxed);
    m.listed.store(false, Ordering::Relaxed);
    let mut head = FREE.lock();
    // SAFETY: the frame is free: we own its first word for the list link.
    unsafe { *(pa.0 as *mut usize) = *head };
    *head = pa.0;
    NFREE.fetch_add(1, Ordering::Relaxed);
}

/// A frame with reference count 1 and unspecified contents.
pub fn alloc() -> Option<PhysAddr> {
    alloc_meta(FrameKind::Kernel).map(|(pa, _, _)| pa)
}

/// `alloc` as a frame of `kind`, also giving the frame's metadata and
/// number (one lookup).
#[inline(always)]
fn alloc_meta(kind: FrameKind) -> Option<(PhysAddr, &'static FrameMeta, usize)> {
    let pa = {
        let mut head = FREE.lock();
        if *head == 0 {
            return None;
        }
        let pa = *head;
        // SAFETY: pa is on the free list, its first word is the link.
        *head = unsafe { *(pa as *const usize) };
        pa
    };
    NFREE.fetch_sub(1, Ordering::Relaxed);
    let (m, n) = meta_number(PhysAddr(pa));
    let old = m.refs.swap(1, Ordering::AcqRel);
    assert!(old == 0, "allocated frame {pa:#x} had {old} references");
    m.kind.store(kind as u8, Ordering::Relaxed);
    Some((PhysAddr(pa), m, n))
}

/// A frame for a private user page at `va` (a COW copy): `alloc` and
/// `note_user` in one, with one metadata lookup (the fault fast path).
#[inline(always)]
pub fn alloc_user(va: usize) -> Option<PhysAddr> {
    let (pa, m, n) = alloc_meta(FrameKind::Anon)?;
    m.index.store((va / PAGE_SIZE) as u32, Ordering::Relaxed);
    m.object.store(NO_HINT, Ordering::Relaxed);
    queue_fresh(m, n);
    Some(pa)
}

/// `alloc_user`, zeroed (a first write to an anonymous page).
#[inline(always)]
pub fn alloc_zeroed_user(va: usize) -> Option<PhysAddr> {
    let pa = alloc_user(va)?;
    // SAFETY: we just allocated it; the pending list holds only its number.
    unsafe { pa.zero_page() };
    Some(pa)
}

/// A zero-filled frame with reference count 1.
pub fn alloc_zeroed() -> Option<PhysAddr> {
    let pa = alloc()?;
    // SAFETY: we just allocated it: nobody else has it.
    unsafe { pa.zero_page() };
    Some(pa)
}

/// One more owner. The zero frame is not counted.
pub fn get(pa: PhysAddr) {
    if pa == zero_frame() {
        return;
    }
    let old = meta(pa).refs.fetch_add(1, Ordering::AcqRel);
    assert!(old > 0, "get of free frame {:#x}", pa.0);
}

/// One owner fewer; the last one frees the frame.
pub fn put(pa: PhysAddr) {
    put_last(pa);
}

/// `put`, saying whether that freed the frame (reclaim counts them).
pub fn put_last(pa: PhysAddr) -> bool {
    if pa == zero_frame() {
        return false;
    }
    let m = meta(pa);
    let old = m.refs.fetch_sub(1, Ordering::AcqRel);
    assert!(old > 0, "put of free frame {:#x}", pa.0);
    if old == 1 {
        release(pa, m);
    }
    old == 1
}

/// Current number of owners.
pub fn refs(pa: PhysAddr) -> u32 {
    if pa == zero_frame() {
        return u32::MAX;
    }
    meta(pa).refs.load(Ordering::Acquire)
}

pub fn free_count() -> usize {
    NFREE.load(Ordering::Relaxed)
}

pub fn total() -> usize {
    NFRAMES.load(Ordering::Relaxed)
}

/// The frame table's geometry, read once, for loops that change the
/// reference counts of many frames (fork, teardown): `get`/`put_last`
/// without reloading it and without the zero-frame and bounds checks'
/// repeated loads. A copy is only valid after `init` (it is never changed
/// afterwards).
#[derive(Clone, Copy)]
pub struct Counts {
    base: usize,
    nframes: usize,
    meta: *const FrameMeta,
    zero: usize,
}

/// The geometry for [`Counts`].
pub fn counts() -> Counts {
    Counts {
        base: BASE.load(Ordering::Relaxed),
        nframes: NFRAMES.load(Ordering::Relaxed),
        meta: META.load(Ordering::Relaxed) as *const FrameMeta,
        zero: ZERO.load(Ordering::Relaxed),
    }
}

impl Counts {
    #[inline(always)]
    fn meta(&self, pa: usize) -> &FrameMeta {
        let i = pa.wrapping_sub(self.base) / PAGE_SIZE;
        assert!(i < self.nframes, "frame {pa:#x} not managed");
        // SAFETY: i is in bounds of the table initialised in `init`.
        unsafe { &*self.meta.add(i) }
    }

    #[inline(always)]
    fn refs(&self, pa: usize) -> &AtomicU32 {
        &self.meta(pa).refs
    }

    /// `get`: one more owner of the frame at `pa` (not counted for the
    /// zero frame). Relaxed, as for any new reference made from an
    /// existing one: the caller's own reference keeps the frame alive.
    #[inline(always)]
    pub fn get(&self, pa: usize) {
        if pa != self.zero {
            self.refs(pa).fetch_add(1, Ordering::Relaxed);
        }
    }

    /// `put_last`: one owner fewer; the last one frees the frame.
    #[inline(always)]
    pub fn put_last(&self, pa: usize) -> bool {
        if pa == self.zero {
            return false;
        }
        let m = self.meta(pa);
        let old = m.refs.fetch_sub(1, Ordering::AcqRel);
        assert!(old > 0, "put of free frame {pa:#x}");
        if old == 1 {
            release(PhysAddr(pa), m);
        }
        old == 1
    }
}

/// Whether the frame at `pa` (a page-table page) has more than one owner:
/// a level-0 table shared by fork (`mm::pagetable`).
#[inline]
pub fn is_shared(pa: PhysAddr) -> bool {
    meta(pa).refs.load(Ordering::Acquire) > 1
}

/// Drop one owner of a shared page-table page unless it is the last: true
/// if it lost us (others still own it), false if we are its only owner (it
/// stays ours). A compare-exchange, so of owners letting go at once on
/// several harts exactly one finds itself the last and tears it down.
pub fn drop_shared(pa: PhysAddr) -> bool {
    let refs = &meta(pa).refs;
    let mut n = refs.load(Ordering::Acquire);
    loop {
        assert!(n > 0, "drop_shared of free frame {:#x}", pa.0);
        if n == 1 {
            return false;
        }
        match refs.compare_exchange_weak(n, n - 1, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => return true,
            Err(now) => n = now,
        }
    }
}

/// The frame number of `pa` (its index in the table).
pub fn number(pa: PhysAddr) -> usize {
    (pa.0 - BASE.load(Ordering::Relaxed)) / PAGE_SIZE
}

/// The frame numbered `n`.
pub fn from_number(n: usize) -> PhysAddr {
    PhysAddr(BASE.load(Ordering::Relaxed) + n * PAGE_SIZE)
}

pub fn kind(pa: PhysAddr) -> FrameKind {
    FrameKind::from_u8(meta(pa).kind.load(Ordering::Relaxed))
}

/// Say what a frame is (a page-table page).
pub fn set_kind(pa: PhysAddr, k: FrameKind) {
    meta(pa).kind.store(k as u8, Ordering::Relaxed);
}

/// Map-time hook: `pa` is now mapped at user page `va`. A frame not yet a
/// user page becomes anonymous at `va`; a page-cache frame stays what it
/// is. Either way it goes on the pending list for the replacement policy.
/// A few stores and one compare-and-swap: this is on the fault path. `pa`
/// must be a managed frame (`meta` checks).
pub fn note_user(pa: PhysAddr, va: usize) {
    if pa == zero_frame() {
        return;
    }
    let m = meta(pa);
    let kind = m.kind.load(Ordering::Relaxed);
    if kind != FrameKind::File as u8 {
        m.index.store((va / PAGE_SIZE) as u32, Ordering::Relaxed);
        if kind != FrameKind::Anon as u8 {
            // A new life: no hint from the last one.
            m.object.store(NO_HINT, Ordering::Relaxed);
            m.kind.store(FrameKind::Anon as u8, Ordering::Relaxed);
        }
    }
    queue(pa);
}

/// A frame became page `index` of inode `inum` in the page cache.
pub fn note_file(pa: PhysAddr, inum: u32, index: usize) {
    let m = meta(pa);
    m.index.store(index as u32, Ordering::Relaxed);
    m.object.store(inum, Ordering::Relaxed);
    m.kind.store(FrameKind::File as u8, Ordering::Relaxed);
    queue(pa);
}

/// Where the reverse map looks for a user frame's PTEs; None if it is not
/// a user frame.
pub fn owner(pa: PhysAddr) -> Option<Owner> {
    let m = meta(pa);
    let index = m.index.load(Ordering::Relaxed);
    match FrameKind::from_u8(m.kind.load(Ordering::Relaxed)) {
        FrameKind::Anon => Some(Owner::Anon { vpn: index }),
        FrameKind::File => Some(Owner::File {
            inum: m.object.load(Ordering::Relaxed),
            index,
        }),
        _ => None,
    }
}

/// An anonymous frame's hint (the process slot last found mapping it).
pub fn hint(pa: PhysAddr) -> Option<usize> {
    let m = meta(pa);
    let h = m.object.load(Ordering::Relaxed);
    (m.kind.load(Ordering::Relaxed) == FrameKind::Anon as u8 && h != NO_HINT).then_some(h as usize)
}

pub fn set_hint(pa: PhysAddr, slot: usize) {
    let m = meta(pa);
    if m.kind.load(Ordering::Relaxed) == FrameKind::Anon as u8 {
        m.object.store(slot as u32, Ordering::Relaxed);
    }
}

/// Whether the frame is in the global replacement policy (`mm::replace`,
/// which alone changes it, under its lock; freeing clears it).
pub fn listed(pa: PhysAddr) -> bool {
    meta(pa).listed.load(Ordering::Relaxed)
}

pub fn set_listed(pa: PhysAddr, on: bool) {
    meta(pa).listed.store(on, Ordering::Relaxed);
}

/// Head of the pending list: frames mapped since reclaim last took them.
static PENDING: AtomicU32 = AtomicU32::new(NONE);

/// Push `pa` on the pending list unless it is there already. Lock-free:
/// the list is only ever pushed to and taken whole, so there is no ABA.
fn queue(pa: PhysAddr) {
    let (m, n) = meta_number(pa);
    queue_at(m, n);
}

/// `queue` for frame number `n` whose metadata is `m`.
fn queue_at(m: &FrameMeta, n: usize) {
    if m.queued.swap(true, Ordering::AcqRel) {
        return;
    }
    push(m, n);
}

/// `queue_at` for a frame just allocated: nobody else can queue it (it is
/// mapped nowhere yet), so the flag needs no atomic swap. If it is still on
/// the list from its last life, it stays there once (reclaim sees it
/// anonymous now).
#[inline(always)]
fn queue_fresh(m: &FrameMeta, n: usize) {
    if m.queued.load(Ordering::Acquire) {
        return;
    }
    m.queued.store(true, Ordering::Relaxed);
    push(m, n);
}

/// Push frame `n` on the pending list (its `queued` flag is ours to set).
#[inline(always)]
fn push(m: &FrameMeta, n: usize) {
    let n = n as u32;
    let mut head = PENDING.load(Ordering::Acquire);
    loop {
        m.next.store(head, Ordering::Relaxed);
        match PENDING.compare_exchange_weak(head, n, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => return,
            Err(h) => head = h,
        }
    }
}

/// Take the whole pending list and call `f` with each frame number, in the
/// order they were queued. A frame may have been freed (or reused) since:
/// `f` looks at its kind now.
pub fn take_pending(mut f: impl FnMut(usize)) {
    let mut n = PENDING.swap(NONE, Ordering::AcqRel);
    // The list is newest first: reverse it (it is ours now).
    let mut prev = NONE;
    while n != NONE {
        let m = meta(from_number(n as usize));
        let next = m.next.load(Ordering::Relaxed);
        m.next.store(prev, Ordering::Relaxed);
        prev = n;
        n = next;
    }
    let mut n = prev;
    while n != NONE {
        let m = meta(from_number(n as usize));
        let next = m.next.load(Ordering::Relaxed);
        // From here the frame may be queued again (its `next` rewritten):
        // we read ours already.
        m.queued.store(false, Ordering::Release);
        f(n as usize);
        n = next;
    }
}
