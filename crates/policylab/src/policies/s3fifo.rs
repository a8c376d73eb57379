//! S3-FIFO (Yang et al., SOSP 2023), simulator-only. Three FIFO queues: a
//! small one S (10% of the frames, at least 1), a main one M (the rest) and
//! a ghost queue G of ids only (as many entries as M has frames). Each page
//! has a 2-bit use counter, raised by hits (at most 3).
//!
//! A miss inserts into M if the page is in G, else into S. To make room:
//! while S holds at least its share (or M is empty), S's oldest page moves
//! to M if it was hit while in S (its counter restarts at 0), else it is
//! evicted into G; otherwise M's oldest page is reinserted into M with its
//! counter lowered by 1 if it is non-zero, else evicted.

use super::lists::Lists;
use super::Cache;

const S: u8 = 0;
const M: u8 = 1;
const G: u8 = 2;
const NOWHERE: u8 = 3;

pub struct S3Fifo {
    l: Lists<3>,
    freq: Vec<u8>,
    frames: usize,
    s_share: usize,
    g_cap: usize,
}

impl S3Fifo {
    pub fn new(frames: usize, distinct: usize) -> Self {
        let s_share = (frames / 10).max(1);
        S3Fifo {
            l: Lists::new(distinct),
            freq: vec![0; distinct],
            frames,
            s_share,
            g_cap: frames - s_share.min(frames),
        }
    }

    fn evict_to_ghost(&mut self, x: usize) {
        if self.g_cap == 0 {
            self.l.move_to(x, NOWHERE);
            return;
        }
        if self.l.len(G) >= self.g_cap {
            self.l.move_front(G, NOWHERE);
        }
        self.l.move_to(x, G);
    }

    fn make_room(&mut self) {
        while self.l.len(S) + self.l.len(M) >= self.frames {
            let s = self.l.len(S);
            if s > 0 && (s >= self.s_share || self.l.len(M) == 0) {
                let t = self.l.front(S).expect("S not empty");
                if self.freq[t] > 0 {
                    self.freq[t] = 0;
                    self.l.move_to(t, M);
                } else {
                    self.evict_to_ghost(t);
                }
            } else {
                let t = self.l.front(M).expect("M not empty");
                if self.freq[t] > 0 {
                    self.freq[t] -= 1;
                    self.l.move_to(t, M);
                } else {
                    self.l.move_to(t, NOWHERE);
                }
            }
        }
    }
}

impl Cache for S3Fifo {
    fn access(&mut self, _i: usize, page: u32, _w: bool) -> bool {
        let x = page as usize;
        match self.l.at(x) {
            S | M => {
                self.freq[x] = (self.freq[x] + 1).min(3);
                true
            }
            at => {
                let ghost = at == G;
                if ghost {
                    self.l.move_to(x, NOWHERE);
                }
                self.make_room();
                self.freq[x] = 0;
                self.l.move_to(x, if ghost { M } else { S });
                false
            }
        }
    }
}
