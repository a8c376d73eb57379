//! An intrusive, circular, doubly linked list over dense frame indices.
//!
//! Every policy keeps its resident frames in one of these. All storage is
//! allocated by [`FrameList::new`]; every other operation is O(1) and never
//! allocates, so the kernel can use it in its reclaim path.

use crate::links::Links;

/// A list of distinct frames `0..capacity` in a chosen order. Node
/// `capacity` is the sentinel that closes the circle, so the front is
/// `next` of the sentinel and the back its `prev`.
#[derive(Clone, Debug)]
pub struct FrameList {
    links: Links,
    len: usize,
}

impl FrameList {
    /// An empty list for frames `0..capacity`. The only allocation.
    ///
    /// # Panics
    /// If `capacity >= u32::MAX` (links are 32-bit to halve the memory).
    pub fn new(capacity: usize) -> Self {
        assert!(
            capacity < crate::links::NONE as usize,
            "FrameList: capacity too large"
        );
        let mut links = Links::new(capacity + 1);
        links.self_loop(capacity);
        FrameList { links, len: 0 }
    }

    /// The node that closes the circle.
    #[inline]
    pub(crate) fn sentinel(&self) -> usize {
        self.links.len() - 1
    }

    /// The node after `node` (a frame or the sentinel; the sentinel after
    /// the back), for the policies' own walks.
    #[inline]
    pub(crate) fn raw_next(&self, node: usize) -> usize {
        self.links.next(node)
    }

    /// The node before `node` (the sentinel before the front).
    #[inline]
    pub(crate) fn raw_prev(&self, node: usize) -> usize {
        self.links.prev(node)
    }

    /// The `next` and `prev` links of frames `0..capacity` (the sentinel's
    /// are left out), for the aging scan's walk.
    #[inline]
    pub(crate) fn frame_links(&self) -> (&[u32], &[u32]) {
        let cap = self.capacity();
        let (n, p) = self.links.arrays();
        (&n[..cap], &p[..cap])
    }

    /// Frames this list can hold (`0..capacity`).
    pub fn capacity(&self) -> usize {
        self.sentinel()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether `frame` is in the list (false for out-of-range frames).
    #[inline]
    pub fn contains(&self, frame: usize) -> bool {
        frame < self.capacity() && self.links.linked(frame)
    }

    /// The first frame, if any.
    #[inline]
    pub fn front(&self) -> Option<usize> {
        self.real(self.links.next(self.sentinel()))
    }

    /// The last frame, if any.
    pub fn back(&self) -> Option<usize> {
        self.real(self.links.prev(self.sentinel()))
    }

    /// The frame after `frame`, or None at the back (or if `frame` is not in
    /// the list).
    pub fn next_of(&self, frame: usize) -> Option<usize> {
        if !self.contains(frame) {
            return None;
        }
        self.real(self.links.next(frame))
    }

    /// The frame before `frame`, or None at the front.
    pub fn prev_of(&self, frame: usize) -> Option<usize> {
        if !self.contains(frame) {
            return None;
        }
        self.real(self.links.prev(frame))
    }

    #[inline]
    fn real(&self, node: usize) -> Option<usize> {
        (node != self.sentinel()).then_some(node)
    }

    /// Appends `frame`. False (and nothing changes) if it is out of range or
    /// already in the list.
    #[inline]
    pub fn push_back(&mut self, frame: usize) -> bool {
        if frame >= self.capacity() || self.contains(frame) {
            return false;
        }
        self.links.link_before(frame, self.sentinel());
        self.len += 1;
        true
    }

    /// Prepends `frame`. False if it is out of range or already in the list.
    pub fn push_front(&mut self, frame: usize) -> bool {
        if frame >= self.capacity() || self.contains(frame) {
            return false;
        }
        self.links.link_after(frame, self.sentinel());
        self.len += 1;
        true
    }

    /// Removes `frame`. False if it was not in the list.
    #[inline]
    pub fn remove(&mut self, frame: usize) -> bool {
        if !self.contains(frame) {
            return false;
        }
        self.take(frame);
        true
    }

    /// Unlinks `frame`, which is in the list.
    #[inline]
    fn take(&mut self, frame: usize) {
        self.links.unlink(frame);
        self.links.clear(frame);
        self.len -= 1;
    }

    /// Removes and returns the first frame.
    #[inline]
    pub fn pop_front(&mut self) -> Option<usize> {
        let f = self.front()?;
        self.take(f);
        Some(f)
    }

    /// Moves `frame` to the back (it must be in the list; else false).
    pub fn move_to_back(&mut self, frame: usize) -> bool {
        if !self.contains(frame) {
            return false;
        }
        self.links.unlink(frame);
        self.links.link_before(frame, self.sentinel());
        true
    }

    /// Turns the circle so that `frame` is the front, keeping the cyclic
    /// order: the frames before it move, in order, to the back. O(1): only
    /// the sentinel moves. This is how a clock hand "advances".
    pub fn rotate_to_front(&mut self, frame: usize) -> bool {
        if !self.contains(frame) {
            return false;
        }
        let s = self.sentinel();
        self.links.unlink(s);
        self.links.link_before(s, frame);
        true
    }

    /// The frames from front to back.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            list: self,
            node: self.links.next(self.sentinel()),
        }
    }
}

/// Iterator over a [`FrameList`], front to back.
pub struct Iter<'a> {
    list: &'a FrameList,
    node: usize,
}

impl Iterator for Iter<'_> {
    type Item = usize;
    #[inline]
    fn next(&mut self) -> Option<usize> {
        let f = self.list.real(self.node)?;
        self.node = self.list.links.next(f);
        Some(f)
    }
}
