//! Free frames and used swap slots, measured so that a test that pushed
//! the harness's own pages out (reclaim may evict any process but init)
//! still compares equal: before measuring, the harness reads every page it
//! has ever had mapped, which brings swapped pages back (freeing their
//! slots) and re-reads dropped file pages, and it asks the kernel to drop
//! swap-cache frames nobody maps. It measures until two readings agree (the
//! reclaim thread may still be running).
use abi::vmstat::{PTDUMP_SWAPPED, VMCTL_RECLAIM};
use ulib::prelude::*;
use ulib::{sys, vm};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Reading {
    pub free_frames: u64,
    pub used_slots: u64,
}

pub struct Baseline {
    /// Every page address the harness has had mapped.
    known: Vec<usize>,
}

impl Baseline {
    /// Makes every page of the stack present first, so a test run that
    /// goes deeper than a measurement does not count as a lost frame.
    pub fn new() -> Baseline {
        use abi::layout::{PAGE_SIZE, STACK_BOTTOM, STACK_TOP};
        for va in (STACK_BOTTOM..STACK_TOP).step_by(PAGE_SIZE) {
            // SAFETY: the stack area is ours; reading a page makes it.
            unsafe { core::ptr::read_volatile(va as *const u8) };
        }
        Baseline { known: Vec::new() }
    }

    fn touch_all(&mut self) -> Result<(), String> {
        let rows = vm::ptdump(0).map_err(|e| format!("ptdump: {}", e))?;
        for r in rows.iter() {
            let va = r.va as usize;
            if r.flags == PTDUMP_SWAPPED || r.flags & abi::vmstat::PTE_R != 0 {
                if let Err(i) = self.known.binary_search(&va) {
                    self.known.insert(i, va);
                }
            }
        }
        for &va in self.known.iter() {
            // SAFETY: a page of this process that was readable when
            // ptdump listed it; the harness never unmaps its own memory.
            unsafe { core::ptr::read_volatile(va as *const u8) };
        }
        Ok(())
    }

    fn read_once(&mut self) -> Result<Reading, String> {
        self.touch_all()?;
        self.touch_all()?;
        sys::vmctl(VMCTL_RECLAIM, 0);
        let v = vm::vmstat().map_err(|e| format!("vmstat: {}", e))?;
        Ok(Reading {
            free_frames: v.free_frames,
            used_slots: v.swap_slots_used,
        })
    }

    pub fn measure(&mut self) -> Result<Reading, String> {
        let mut last = self.read_once()?;
        for _ in 0..50 {
            let now = self.read_once()?;
            if now == last {
                return Ok(now);
            }
            last = now;
            let _ = ulib::process::pause(1);
        }
        Err(format!("no stable reading (last {:?})", last))
    }
}
