//! The links of a circular doubly linked list over dense node numbers, the
//! storage under [`FrameList`](crate::FrameList) and LRU's age index.
//!
//! `next` and `prev` are separate arrays: the hot walks (the aging scan,
//! the clock hand) follow one direction only, so a walk touches half the
//! memory it would with the two links side by side. (The kernel's heap
//! reservation for the global policy also counts on arrays of u32.)

use alloc::vec;
use alloc::vec::Vec;

/// "Not in the list" in a link.
pub(crate) const NONE: u32 = u32::MAX;

#[derive(Clone, Debug)]
pub(crate) struct Links {
    next: Vec<u32>,
    prev: Vec<u32>,
}

impl Links {
    /// `n` nodes, all unlinked (NONE).
    pub(crate) fn new(n: usize) -> Self {
        Links {
            next: vec![NONE; n],
            prev: vec![NONE; n],
        }
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.next.len()
    }

    #[inline]
    pub(crate) fn next(&self, node: usize) -> usize {
        self.next[node] as usize
    }

    #[inline]
    pub(crate) fn prev(&self, node: usize) -> usize {
        self.prev[node] as usize
    }

    /// Whether `node` is linked (its `next` is not NONE).
    #[inline]
    pub(crate) fn linked(&self, node: usize) -> bool {
        self.next[node] != NONE
    }

    #[inline]
    pub(crate) fn set_next(&mut self, node: usize, to: usize) {
        self.next[node] = to as u32;
    }

    #[inline]
    pub(crate) fn set_prev(&mut self, node: usize, to: usize) {
        self.prev[node] = to as u32;
    }

    /// Both links of `node`.
    #[inline]
    pub(crate) fn set(&mut self, node: usize, next: usize, prev: usize) {
        self.next[node] = next as u32;
        self.prev[node] = prev as u32;
    }

    /// Both arrays, for loops that index them directly.
    #[inline]
    pub(crate) fn arrays(&self) -> (&[u32], &[u32]) {
        (&self.next, &self.prev)
    }

    /// Both arrays, mutable.
    #[inline]
    pub(crate) fn arrays_mut(&mut self) -> (&mut [u32], &mut [u32]) {
        (&mut self.next, &mut self.prev)
    }

    /// Marks `node` unlinked.
    #[inline]
    pub(crate) fn clear(&mut self, node: usize) {
        self.next[node] = NONE;
        self.prev[node] = NONE;
    }

    /// Makes `node` a list of its own (an empty list's sentinel).
    #[inline]
    pub(crate) fn self_loop(&mut self, node: usize) {
        self.set(node, node, node);
    }

    /// Links `node` just before `at`.
    #[inline]
    pub(crate) fn link_before(&mut self, node: usize, at: usize) {
        let p = self.prev(at);
        self.set_next(p, node);
        self.set(node, at, p);
        self.set_prev(at, node);
    }

    /// Links `node` just after `at`.
    #[inline]
    pub(crate) fn link_after(&mut self, node: usize, at: usize) {
        let n = self.next(at);
        self.set_prev(n, node);
        self.set(node, n, at);
        self.set_next(at, node);
    }

    /// Unlinks `node` from its neighbours (its own links are left as they
    /// were) and returns them, (prev, next).
    #[inline]
    pub(crate) fn unlink(&mut self, node: usize) -> (usize, usize) {
        let (p, n) = (self.prev(node), self.next(node));
        self.set_next(p, n);
        self.set_prev(n, p);
        (p, n)
    }
}
