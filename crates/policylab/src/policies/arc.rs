//! ARC, Adaptive Replacement Cache (Megiddo and Modha, FAST 2003),
//! simulator-only. Resident pages are in T1 (seen once recently) or T2
//! (seen at least twice); B1 and B2 remember pages recently evicted from
//! them (ghosts, no frame). A ghost hit in B1 grows the target size `p` of
//! T1, one in B2 shrinks it; REPLACE evicts from T1 or T2 to steer towards
//! `p`. This follows the paper's pseudocode with integer `p` and
//! `max(1, |B2| / |B1|)` steps.

use super::lists::Lists;
use super::Cache;

const T1: u8 = 0;
const T2: u8 = 1;
const B1: u8 = 2;
const B2: u8 = 3;
const NOWHERE: u8 = 4;

pub struct Arc {
    l: Lists<4>,
    c: usize,
    p: usize,
}

impl Arc {
    pub fn new(frames: usize, distinct: usize) -> Self {
        Arc {
            l: Lists::new(distinct),
            c: frames,
            p: 0,
        }
    }

    /// Evicts T1's or T2's LRU page into its ghost list.
    fn replace(&mut self, x_in_b2: bool) {
        let t1 = self.l.len(T1);
        if self.l.len(T1) + self.l.len(T2) < self.c {
            return;
        }
        let from_t1 = t1 >= 1 && ((x_in_b2 && t1 == self.p) || t1 > self.p);
        let (from, to) = if from_t1 || self.l.len(T2) == 0 {
            (T1, B1)
        } else {
            (T2, B2)
        };
        self.l.move_front(from, to);
    }
}

impl Cache for Arc {
    fn access(&mut self, _i: usize, page: u32, _w: bool) -> bool {
        let x = page as usize;
        match self.l.at(x) {
            T1 | T2 => {
                self.l.move_to(x, T2);
                return true;
            }
            B1 => {
                let d = (self.l.len(B2) / self.l.len(B1)).max(1);
                self.p = (self.p + d).min(self.c);
                self.replace(false);
                self.l.move_to(x, T2);
            }
            B2 => {
                let d = (self.l.len(B1) / self.l.len(B2)).max(1);
                self.p = self.p.saturating_sub(d);
                self.replace(true);
                self.l.move_to(x, T2);
            }
            _ => {
                let l1 = self.l.len(T1) + self.l.len(B1);
                let total = l1 + self.l.len(T2) + self.l.len(B2);
                if l1 >= self.c {
                    if self.l.len(T1) < self.c {
                        self.l.move_front(B1, NOWHERE);
                        self.replace(false);
                    } else {
                        self.l.move_front(T1, NOWHERE);
                    }
                } else if total >= self.c {
                    if total >= 2 * self.c {
                        self.l.move_front(B2, NOWHERE);
                    }
                    self.replace(false);
                }
                self.l.move_to(x, T1);
            }
        }
        false
    }
}
