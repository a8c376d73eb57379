//! The kernel calls the policy in its reclaim path, where it must not
//! allocate: after `Policy::new`, no call may touch the heap.

mod common;
use common::Bits;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use vmpolicy::{Policy, PolicyKind};

struct Counting;
static ALLOCS: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards every call unchanged to the system allocator; the counter
// has no effect on the memory handed out.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: p came from System.alloc with layout l.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        // SAFETY: same contract as our caller's.
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static A: Counting = Counting;

fn main() {
    const N: usize = 64;
    let mut hw = Bits::new(N);
    let mut p = Policy::new(PolicyKind::Lru, N);
    let before = ALLOCS.load(Relaxed);
    let mut x: u32 = 12345;
    for kind in PolicyKind::ALL.into_iter().cycle().take(12) {
        p.set_kind(kind);
        for _ in 0..2000 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let f = (x >> 16) as usize % N;
            match (x >> 8) % 5 {
                0 | 1 => {
                    p.insert(f);
                    hw.a[f] = true;
                    hw.d[f] = x & 1 == 1;
                }
                2 => {
                    p.remove(f);
                }
                3 => {
                    p.victim(&mut hw);
                }
                _ => p.scan(&mut hw),
            }
        }
    }
    let after = ALLOCS.load(Relaxed);
    let stats = p.stats();
    assert!(stats.evictions > 0 && stats.scans > 0 && stats.a_clears > 0);
    assert_eq!(after, before, "a policy call allocated");
    println!("no_alloc: ok, 24000 policy calls and no allocation");
}
