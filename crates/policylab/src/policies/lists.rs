//! `K` doubly linked lists sharing one set of nodes `0..n`: a node is in at
//! most one list, and the caller remembers which (ARC's T1/T2/B1/B2,
//! S3-FIFO's S/M/G). Front = oldest, back = newest. All O(1).

const NONE: u32 = u32::MAX;

pub struct Lists<const K: usize> {
    next: Vec<u32>,
    prev: Vec<u32>,
    len: [usize; K],
    n: usize,
}

impl<const K: usize> Lists<K> {
    pub fn new(n: usize) -> Self {
        let mut l = Lists {
            next: vec![NONE; n + K],
            prev: vec![NONE; n + K],
            len: [0; K],
            n,
        };
        for k in 0..K {
            let s = n + k;
            l.next[s] = s as u32;
            l.prev[s] = s as u32;
        }
        l
    }

    pub fn len(&self, k: usize) -> usize {
        self.len[k]
    }

    pub fn front(&self, k: usize) -> Option<usize> {
        let f = self.next[self.n + k] as usize;
        (f < self.n).then_some(f)
    }

    /// Appends `x` (in no list) to list `k`.
    pub fn push_back(&mut self, k: usize, x: usize) {
        let s = self.n + k;
        let p = self.prev[s] as usize;
        self.next[p] = x as u32;
        self.prev[x] = p as u32;
        self.next[x] = s as u32;
        self.prev[s] = x as u32;
        self.len[k] += 1;
    }

    /// Unlinks `x`, which the caller knows is in list `k`.
    pub fn remove(&mut self, k: usize, x: usize) {
        let (p, n) = (self.prev[x] as usize, self.next[x] as usize);
        self.next[p] = n as u32;
        self.prev[n] = p as u32;
        self.next[x] = NONE;
        self.prev[x] = NONE;
        self.len[k] -= 1;
    }

    /// Moves `x` from the list `at[x]` names to list `to` (`K`, as either:
    /// no list), and records where it is now in `at` (the caller's map of
    /// node to list, kept beside the lists).
    pub fn move_to(&mut self, at: &mut [u8], x: usize, to: u8) {
        let nowhere = K as u8;
        if at[x] != nowhere {
            self.remove(at[x] as usize, x);
        }
        if to != nowhere {
            self.push_back(to as usize, x);
        }
        at[x] = to;
    }

    pub fn move_to_back(&mut self, k: usize, x: usize) {
        self.remove(k, x);
        self.push_back(k, x);
    }
}
