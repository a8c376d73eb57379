//! What evicting a page from a resident-limited region means, decided from
//! the page's state alone (the kernel's `mm/reslimit.rs` carries it out).
//! Without swap a page may leave memory only if its contents exist
//! somewhere else: in its file, or nowhere because it is clean.

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
}

/// What to do with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Eviction {
    /// Unmap it and drop the frame; the next fault reads it again.
    Drop,
    /// Write it to its file first, then drop it.
    WriteBackThenDrop,
    /// It cannot go: its bytes exist only in this frame (anonymous, or a
    /// private page written to). Swap would take it.
    Keep,
}

/// The eviction for a page in `s`.
pub fn eviction(s: PageState) -> Eviction {
    let dirty = s.dirty && !s.zero_frame;
    match (s.file, s.shared, dirty) {
        (false, _, _) if !s.zero_frame => Eviction::Keep,
        (false, _, _) => Eviction::Drop,
        (true, _, false) => Eviction::Drop,
        (true, true, true) => Eviction::WriteBackThenDrop,
        (true, false, true) => Eviction::Keep,
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
        }
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
}
