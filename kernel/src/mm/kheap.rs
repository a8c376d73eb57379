//! The kernel heap: a buddy allocator (buddy_system_allocator) over a
//! static region, behind our spinlock so it is safe to use with interrupts
//! (the crate's own lock does not disable them).
use crate::sync::SpinLock;
use buddy_system_allocator::Heap;
use core::alloc::{GlobalAlloc, Layout};
use core::ptr::NonNull;

const HEAP_SIZE: usize = 8 << 20;

/// Heap bytes kept for allocations that cannot fail (open files, pipes, the
/// page cache's index, disk buffers): the growth user programs drive
/// (areas, fork's copy of them, exec's arguments) stops short of it. Those
/// allocations are bounded by fixed tables (NPROC, NOFILE, frames), and
/// this is room for them with a margin.
const RESERVE: usize = 2 << 20;

/// The heap's memory; only its address is used (the allocator writes it
/// through raw pointers), hence the allow.
#[repr(align(4096))]
#[allow(dead_code)]
struct Arena([u8; HEAP_SIZE]);
static mut ARENA: Arena = Arena([0; HEAP_SIZE]);

struct KernelHeap(SpinLock<Heap<32>>);

#[global_allocator]
static HEAP: KernelHeap = KernelHeap(SpinLock::new("heap", Heap::new()));

pub fn init() {
    // SAFETY: called once at boot before any allocation; the arena is ours.
    unsafe {
        let start = core::ptr::addr_of_mut!(ARENA) as usize;
        HEAP.0.lock().init(start, HEAP_SIZE);
    }
}

/// Add RAM [start, end) to the heap (at boot, before the frames are
/// handed out: `frame::init` gives the frame table's policy its room).
pub fn grow(start: usize, end: usize) {
    // SAFETY: [start, end) is RAM that frame::init keeps out of the frame
    // allocator; nobody else uses it.
    unsafe { HEAP.0.lock().add_to_heap(start, end) };
}

// SAFETY: the buddy heap hands out disjoint, suitably aligned blocks.
unsafe impl GlobalAlloc for KernelHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.0
            .lock()
            .alloc(layout)
            .map_or(core::ptr::null_mut(), |p| p.as_ptr())
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: ptr came from alloc with this layout (GlobalAlloc
        // contract), so it is non-null and this heap's to take back.
        unsafe { self.0.lock().dealloc(NonNull::new_unchecked(ptr), layout) }
    }
}

/// Whether `bytes` more can be allocated for a user-driven purpose while
/// leaving [`RESERVE`] free. Callers check before growing, and return -1
/// (or fail the fork) if not: the kernel never panics for lack of heap on
/// a path a user program drives.
pub fn has_room(bytes: usize) -> bool {
    let h = HEAP.0.lock();
    let free = h.stats_total_bytes() - h.stats_alloc_actual();
    free >= RESERVE.saturating_add(bytes)
}
