//! A minimal host harness: A/D bits in arrays, and a fault counter that
//! replays a reference string the way the policy lab and the kernel do.
#![allow(dead_code)]

use vmpolicy::{AccessBits, Policy, PolicyKind};

#[derive(Default)]
pub struct Bits {
    pub a: Vec<bool>,
    pub d: Vec<bool>,
    pub batches: u64,
}

impl Bits {
    pub fn new(n: usize) -> Self {
        Bits {
            a: vec![false; n],
            d: vec![false; n],
            batches: 0,
        }
    }
}

impl AccessBits for Bits {
    fn test_and_clear_accessed(&mut self, f: usize) -> bool {
        std::mem::replace(&mut self.a[f], false)
    }
    fn accessed(&self, f: usize) -> bool {
        self.a[f]
    }
    fn dirty(&self, f: usize) -> bool {
        self.d[f]
    }
    fn end_batch(&mut self) {
        self.batches += 1;
    }
}

/// Page faults of `kind` with `frames` frames on `refs` (page numbers; a
/// negative number is a write to page -n), scanning after every
/// `scan_every` references. Pages are their own frame indices.
pub fn faults(kind: PolicyKind, frames: usize, refs: &[i64], scan_every: usize) -> u64 {
    let n = refs
        .iter()
        .map(|r| r.unsigned_abs() as usize)
        .max()
        .unwrap_or(0)
        + 1;
    let mut p = Policy::new(kind, n);
    let mut hw = Bits::new(n);
    let mut faults = 0;
    for (i, &r) in refs.iter().enumerate() {
        let page = r.unsigned_abs() as usize;
        if !p.contains(page) {
            faults += 1;
            if p.len() == frames {
                let v = p.victim(&mut hw).expect("a resident frame");
                hw.a[v] = false;
                hw.d[v] = false;
            }
            assert!(p.insert(page));
        }
        hw.a[page] = true;
        if r < 0 {
            hw.d[page] = true;
        }
        if (i + 1) % scan_every == 0 {
            p.scan(&mut hw);
        }
    }
    faults
}

pub const BELADY: [i64; 12] = [1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5];
pub const TEXTBOOK: [i64; 20] = [7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1];
