//! `K` doubly linked lists sharing one set of nodes `0..n`, and the map of
//! which list each node is in (ARC's T1/T2/B1/B2, S3-FIFO's S/M/G): a node
//! is in at most one list. Lists are named `0..K`; `K` names none. Front =
//! oldest, back = newest. All O(1).

const NONE: u32 = u32::MAX;

pub struct Lists<const K: usize> {
    next: Vec<u32>,
    prev: Vec<u32>,
    len: [usize; K],
    /// Per node: the list it is in, or `K`.
    at: Vec<u8>,
    n: usize,
}

impl<const K: usize> Lists<K> {
    /// The name of no list.
    const NOWHERE: u8 = K as u8;

    /// `n` nodes, in no list.
    pub fn new(n: usize) -> Self {
        let mut l = Lists {
            next: vec![NONE; n + K],
            prev: vec![NONE; n + K],
            len: [0; K],
            at: vec![Self::NOWHERE; n],
            n,
        };
        for k in 0..K {
            let s = n + k;
            l.next[s] = s as u32;
            l.prev[s] = s as u32;
        }
        l
    }

    pub fn len(&self, k: u8) -> usize {
        self.len[k as usize]
    }

    /// The list `x` is in (`K`: none).
    pub fn at(&self, x: usize) -> u8 {
        self.at[x]
    }

    pub fn front(&self, k: u8) -> Option<usize> {
        let f = self.next[self.n + k as usize] as usize;
        (f < self.n).then_some(f)
    }

    /// Moves `x` from whatever list it is in to the back of list `to`
    /// (`K`: out of every list).
    pub fn move_to(&mut self, x: usize, to: u8) {
        if self.at[x] != Self::NOWHERE {
            self.unlink(x);
        }
        if to != Self::NOWHERE {
            self.push_back(to as usize, x);
        }
        self.at[x] = to;
    }

    /// Moves the front of list `from` (if it has one) to list `to`.
    pub fn move_front(&mut self, from: u8, to: u8) {
        if let Some(x) = self.front(from) {
            self.move_to(x, to);
        }
    }

    /// Appends `x` (in no list) to list `k`.
    fn push_back(&mut self, k: usize, x: usize) {
        let s = self.n + k;
        let p = self.prev[s] as usize;
        self.next[p] = x as u32;
        self.prev[x] = p as u32;
        self.next[x] = s as u32;
        self.prev[s] = x as u32;
        self.len[k] += 1;
    }

    /// Unlinks `x` from the list `at[x]` names (the caller updates `at`).
    fn unlink(&mut self, x: usize) {
        let (p, n) = (self.prev[x] as usize, self.next[x] as usize);
        self.next[p] = n as u32;
        self.prev[n] = p as u32;
        self.next[x] = NONE;
        self.prev[x] = NONE;
        self.len[self.at[x] as usize] -= 1;
    }
}
