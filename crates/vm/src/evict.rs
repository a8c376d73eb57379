//! What evicting a page from a resident-limited region means, decided from
//! the page's state alone (the kernel's `mm/reslimit.rs` carries it out).
//! A page may leave memory only if its contents exist somewhere else: in
//! its file, nowhere because it is clean, or (with room on a swap disk) in
//! a swap slot. Shared anonymous pages never go (no file, and a swapped
//! copy would go stale as soon as one sharer writes the frame back in).

/// The state of a present page that replacement picked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageState {
    /// The area is backed by a file (else anonymous).
    pub file: bool,
    /// The area is MAP_SHARED: its pages are the file's.
    pub shared: bool,
    /// The PTE's D bit.
    pub dirty: bool,
    /// The page maps the shared zero frame (never dirty in fact).
    pub zero_frame: bool,
    /// A swap disk with a free slot.
    pub swap: bool,
}

/// What to do with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Eviction {
    /// Unmap it and drop the frame; the next fault reads it again.
    Drop,
    /// Write it to its file first, then drop it.
    WriteBackThenDrop,
    /// Write it to a swap slot; the PTE becomes the slot.
    Swap,
    /// It cannot go: its bytes exist only in this frame (anonymous, or a
    /// private page written to) and there is no swap, or it is shared
    /// anonymous memory.
    Keep,
}

/// The eviction for a page in `s`.
pub fn eviction(s: PageState) -> Eviction {
    let dirty = s.dirty && !s.zero_frame;
    let swap = if s.swap {
        Eviction::Swap
    } else {
        Eviction::Keep
    };
    match (s.file, s.shared, dirty) {
        (false, _, _) if s.zero_frame => Eviction::Drop,
        (false, true, _) => Eviction::Keep,
        (false, false, _) => swap,
        (true, _, false) => Eviction::Drop,
        (true, true, true) => Eviction::WriteBackThenDrop,
        (true, false, true) => swap,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(file: bool, shared: bool, dirty: bool, zero_frame: bool) -> PageState {
        PageState {
            file,
            shared,
            dirty,
            zero_frame,
            swap: false,
        }
    }

    fn with_swap(s: PageState) -> PageState {
        PageState { swap: true, ..s }
    }

    #[test]
    fn shared_file_pages() {
        assert_eq!(eviction(st(true, true, false, false)), Eviction::Drop);
        assert_eq!(
            eviction(st(true, true, true, false)),
            Eviction::WriteBackThenDrop
        );
    }

    #[test]
    fn private_file_pages() {
        assert_eq!(eviction(st(true, false, false, false)), Eviction::Drop);
        // A written private page exists nowhere else.
        assert_eq!(eviction(st(true, false, true, false)), Eviction::Keep);
        // Past the end of the file: the zero frame, clean whatever D says.
        assert_eq!(eviction(st(true, false, true, true)), Eviction::Drop);
    }

    #[test]
    fn anonymous_pages_need_swap() {
        assert_eq!(eviction(st(false, false, false, false)), Eviction::Keep);
        assert_eq!(eviction(st(false, true, true, false)), Eviction::Keep);
        assert_eq!(eviction(st(false, false, false, true)), Eviction::Drop);
    }

    #[test]
    fn with_swap_private_pages_go_to_swap_shared_anon_never() {
        assert_eq!(
            eviction(with_swap(st(false, false, true, false))),
            Eviction::Swap
        );
        assert_eq!(
            eviction(with_swap(st(false, false, false, false))),
            Eviction::Swap
        );
        assert_eq!(
            eviction(with_swap(st(true, false, true, false))),
            Eviction::Swap
        );
        // Shared anonymous: never, swap or not.
        assert_eq!(
            eviction(with_swap(st(false, true, true, false))),
            Eviction::Keep
        );
        // Clean and file pages do not need swap.
        assert_eq!(
            eviction(with_swap(st(true, false, false, false))),
            Eviction::Drop
        );
        assert_eq!(
            eviction(with_swap(st(true, true, true, false))),
            Eviction::WriteBackThenDrop
        );
        assert_eq!(
            eviction(with_swap(st(false, false, false, true))),
            Eviction::Drop
        );
    }
}
