//! An intrusive, circular, doubly linked list over dense frame indices.
//!
//! Every policy keeps its resident frames in one of these. All storage is
//! allocated by [`FrameList::new`]; every other operation is O(1) and never
//! allocates, so the kernel can use it in its reclaim path.

use alloc::vec;
use alloc::vec::Vec;

/// "Not in the list" in `next`/`prev`.
const NONE: u32 = u32::MAX;

/// A list of distinct frames `0..capacity` in a chosen order. Node
/// `capacity` is the sentinel that closes the circle, so the front is
/// `next[sentinel]` and the back is `prev[sentinel]`.
#[derive(Clone, Debug)]
pub struct FrameList {
    next: Vec<u32>,
    prev: Vec<u32>,
    len: usize,
}

impl FrameList {
    /// An empty list for frames `0..capacity`. The only allocation.
    ///
    /// # Panics
    /// If `capacity >= u32::MAX` (links are 32-bit to halve the memory).
    pub fn new(capacity: usize) -> Self {
        assert!(capacity < NONE as usize, "FrameList: capacity too large");
        let mut l = FrameList {
            next: vec![NONE; capacity + 1],
            prev: vec![NONE; capacity + 1],
            len: 0,
        };
        let s = l.sentinel();
        l.next[s] = s as u32;
        l.prev[s] = s as u32;
        l
    }

    fn sentinel(&self) -> usize {
        self.next.len() - 1
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
    pub fn contains(&self, frame: usize) -> bool {
        frame < self.capacity() && self.next[frame] != NONE
    }

    /// The first frame, if any.
    pub fn front(&self) -> Option<usize> {
        self.real(self.next[self.sentinel()] as usize)
    }

    /// The last frame, if any.
    pub fn back(&self) -> Option<usize> {
        self.real(self.prev[self.sentinel()] as usize)
    }

    /// The frame after `frame`, or None at the back (or if `frame` is not in
    /// the list).
    pub fn next_of(&self, frame: usize) -> Option<usize> {
        if !self.contains(frame) {
            return None;
        }
        self.real(self.next[frame] as usize)
    }

    /// The frame before `frame`, or None at the front.
    pub fn prev_of(&self, frame: usize) -> Option<usize> {
        if !self.contains(frame) {
            return None;
        }
        self.real(self.prev[frame] as usize)
    }

    fn real(&self, node: usize) -> Option<usize> {
        (node != self.sentinel()).then_some(node)
    }

    /// Links `frame` just before node `at` (a frame or the sentinel).
    fn link_before(&mut self, frame: usize, at: usize) {
        let p = self.prev[at] as usize;
        self.next[p] = frame as u32;
        self.prev[frame] = p as u32;
        self.next[frame] = at as u32;
        self.prev[at] = frame as u32;
    }

    fn unlink(&mut self, node: usize) {
        let (p, n) = (self.prev[node] as usize, self.next[node] as usize);
        self.next[p] = n as u32;
        self.prev[n] = p as u32;
    }

    /// Appends `frame`. False (and nothing changes) if it is out of range or
    /// already in the list.
    pub fn push_back(&mut self, frame: usize) -> bool {
        if frame >= self.capacity() || self.contains(frame) {
            return false;
        }
        self.link_before(frame, self.sentinel());
        self.len += 1;
        true
    }

    /// Prepends `frame`. False if it is out of range or already in the list.
    pub fn push_front(&mut self, frame: usize) -> bool {
        if frame >= self.capacity() || self.contains(frame) {
            return false;
        }
        let first = self.next[self.sentinel()] as usize;
        self.link_before(frame, first);
        self.len += 1;
        true
    }

    /// Removes `frame`. False if it was not in the list.
    pub fn remove(&mut self, frame: usize) -> bool {
        if !self.contains(frame) {
            return false;
        }
        self.unlink(frame);
        self.next[frame] = NONE;
        self.prev[frame] = NONE;
        self.len -= 1;
        true
    }

    /// Removes and returns the first frame.
    pub fn pop_front(&mut self) -> Option<usize> {
        let f = self.front()?;
        self.remove(f);
        Some(f)
    }

    /// Moves `frame` to the back (it must be in the list; else false).
    pub fn move_to_back(&mut self, frame: usize) -> bool {
        if !self.contains(frame) {
            return false;
        }
        self.unlink(frame);
        self.link_before(frame, self.sentinel());
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
        self.unlink(s);
        self.link_before(s, frame);
        true
    }

    /// The frames from front to back.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            list: self,
            node: self.next[self.sentinel()] as usize,
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
    fn next(&mut self) -> Option<usize> {
        let f = self.list.real(self.node)?;
        self.node = self.list.next[f] as usize;
        Some(f)
    }
}
