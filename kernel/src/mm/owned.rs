//! A frame only its holder can reach: just allocated, not yet mapped, not
//! in the page cache or swap cache. Because nobody else can see it, safe
//! code may borrow its bytes mutably (filling it from a file, say). Giving
//! it up with `publish` turns it into a plain `PhysAddr` to map or cache;
//! from then on its bytes are touched only through the raw-pointer helpers
//! of `PhysAddr`, whose contracts say who may share them. Dropping an
//! unpublished frame frees it, so an error path cannot leak it.
use super::addr::{PhysAddr, PAGE_SIZE};
use super::frame;

pub struct OwnedFrame(PhysAddr);

impl OwnedFrame {
    /// A new frame, zeroed.
    pub fn alloc_zeroed() -> Option<OwnedFrame> {
        frame::alloc_zeroed().map(OwnedFrame)
    }

    /// A new frame holding a copy of the frame at `src`.
    ///
    /// # Safety
    /// Nobody writes `src` while it is copied (other harts may read it: a
    /// cached file page mapped read-only).
    pub unsafe fn copy_of(src: PhysAddr) -> Option<OwnedFrame> {
        let pa = frame::alloc()?;
        // SAFETY: `pa` is ours alone; `src` is unchanged (the caller's
        // promise).
        unsafe { pa.copy_page_from(src) };
        Some(OwnedFrame(pa))
    }

    pub fn bytes_mut(&mut self) -> &mut [u8; PAGE_SIZE] {
        // SAFETY: an unpublished frame is reachable only through `self`,
        // borrowed mutably here.
        unsafe { &mut *self.0.as_ptr::<[u8; PAGE_SIZE]>() }
    }

    /// Hand the frame (and its one reference) over, to be mapped or cached.
    pub fn publish(self) -> PhysAddr {
        let pa = self.0;
        core::mem::forget(self);
        pa
    }
}

impl Drop for OwnedFrame {
    fn drop(&mut self) {
        frame::put(self.0);
    }
}
