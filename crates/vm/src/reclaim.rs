//! Page replacement, as pure decisions the kernel's reclaim carries out.
//!
//! The kernel's scanner visits each present user page of an address space
//! in turn (a clock hand per address space) and asks [`Policy::visit`] what
//! to do with it. [`Clock`] is the second-chance algorithm on the Accessed
//! bit: a page used since the last visit loses its A bit and stays; one
//! that was not is evicted. Other policies (FIFO, aging LRU, enhanced
//! clock) implement the same trait. How a page is evicted depends on what
//! it is, not on the policy: [`evict_how`].

use crate::pte::{A, D, U};

/// What backs a page, as eviction sees it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PageKind {
    /// Private anonymous memory (heap, stack, MAP_PRIVATE|MAP_ANONYMOUS).
    Anon,
    /// MAP_SHARED|MAP_ANONYMOUS: never evicted (no file, no single owner
    /// whose PTE could name a slot for everyone).
    SharedAnon,
    /// A private page of a file area (exec text and data, MAP_PRIVATE).
    PrivateFile,
    /// A page-cache page of a MAP_SHARED file mapping.
    SharedFile,
}

/// What reclaim may do in this pass.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Allowed {
    /// Write anonymous (and dirty private) pages to swap.
    pub swap: bool,
    /// Write dirty shared-file pages back to their file (needs file-system
    /// locks: only the reclaim thread does it).
    pub write_file: bool,
}

/// How to evict one page.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Evict {
    /// Keep it: not evictable now.
    Keep,
    /// Write it to a swap slot; the PTE becomes the slot.
    Swap,
    /// Its bytes are in the file: unmap and forget it.
    Drop,
    /// Write it back to the file, then unmap it.
    WriteBack,
}

/// How a page of `kind` whose PTE is `pte` can be evicted (policy aside).
/// `zero` says it maps the shared zero frame.
pub fn evict_how(kind: PageKind, pte: u64, zero: bool, allowed: Allowed) -> Evict {
    if pte & U == 0 || zero {
        return Evict::Keep;
    }
    let dirty = pte & D != 0;
    let e = match kind {
        PageKind::SharedAnon => Evict::Keep,
        PageKind::Anon => Evict::Swap,
        // A private file page that was written differs from the file.
        PageKind::PrivateFile if dirty => Evict::Swap,
        PageKind::PrivateFile => Evict::Drop,
        PageKind::SharedFile if dirty => Evict::WriteBack,
        PageKind::SharedFile => Evict::Drop,
    };
    match e {
        Evict::Swap if !allowed.swap => Evict::Keep,
        Evict::WriteBack if !allowed.write_file => Evict::Keep,
        e => e,
    }
}

/// What the policy says about one visited page.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Visit {
    /// Leave the page (and its bits) as they are.
    Keep,
    /// Clear the Accessed bit and keep the page: its second chance.
    ClearAccessed,
    /// Evict it.
    Evict,
}

/// A replacement policy over the pages the kernel's clock hand visits.
pub trait Policy {
    fn name(&self) -> &'static str;
    /// `pte` is the page's PTE now.
    fn visit(&mut self, pte: u64) -> Visit;
}

/// Second chance on the Accessed bit.
#[derive(Default)]
pub struct Clock;

impl Policy for Clock {
    fn name(&self) -> &'static str {
        "clock"
    }
    fn visit(&mut self, pte: u64) -> Visit {
        if pte & A != 0 {
            Visit::ClearAccessed
        } else {
            Visit::Evict
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pte::{R, V, W};

    const ALL: Allowed = Allowed {
        swap: true,
        write_file: true,
    };
    const USER: u64 = V | R | W | U;

    #[test]
    fn clock_gives_a_used_page_a_second_chance() {
        let mut c = Clock;
        assert_eq!(c.visit(USER | A), Visit::ClearAccessed);
        assert_eq!(c.visit(USER), Visit::Evict);
        assert_eq!(c.visit(USER | D), Visit::Evict);
    }

    #[test]
    fn anon_goes_to_swap_only_if_allowed() {
        assert_eq!(evict_how(PageKind::Anon, USER, false, ALL), Evict::Swap);
        let clean_only = Allowed {
            swap: false,
            write_file: false,
        };
        assert_eq!(
            evict_how(PageKind::Anon, USER, false, clean_only),
            Evict::Keep
        );
    }

    #[test]
    fn clean_file_pages_are_dropped_dirty_ones_are_not() {
        assert_eq!(
            evict_how(PageKind::PrivateFile, USER, false, ALL),
            Evict::Drop
        );
        assert_eq!(
            evict_how(PageKind::PrivateFile, USER | D, false, ALL),
            Evict::Swap
        );
        assert_eq!(
            evict_how(PageKind::SharedFile, USER, false, ALL),
            Evict::Drop
        );
        assert_eq!(
            evict_how(PageKind::SharedFile, USER | D, false, ALL),
            Evict::WriteBack
        );
        let no_fs = Allowed {
            swap: true,
            write_file: false,
        };
        assert_eq!(
            evict_how(PageKind::SharedFile, USER | D, false, no_fs),
            Evict::Keep
        );
        assert_eq!(
            evict_how(PageKind::SharedFile, USER, false, no_fs),
            Evict::Drop
        );
    }

    #[test]
    fn never_evicted_zero_frame_kernel_pages_shared_anon() {
        assert_eq!(evict_how(PageKind::Anon, USER, true, ALL), Evict::Keep);
        assert_eq!(
            evict_how(PageKind::Anon, V | R | W, false, ALL),
            Evict::Keep
        );
        assert_eq!(
            evict_how(PageKind::SharedAnon, USER, false, ALL),
            Evict::Keep
        );
    }
}
