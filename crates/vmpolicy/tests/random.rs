//! Random operation sequences against a plain model of the resident set:
//! every policy must return only resident frames, keep exactly the frames
//! inserted and not removed, and keep its order across kind switches.

mod common;
use common::Bits;
use std::collections::BTreeSet;
use vmpolicy::{Policy, PolicyKind};

#[test]
fn resident_set_matches_a_model() {
    const N: usize = 40;
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for start in PolicyKind::ALL {
        let mut p = Policy::new(start, N);
        let mut hw = Bits::new(N);
        let mut model = BTreeSet::new();
        for step in 0..20_000 {
            let r = rnd();
            let f = (r >> 32) as usize % (N + 2); // sometimes out of range
            match r % 7 {
                0..=2 => {
                    assert_eq!(p.insert(f), f < N && model.insert(f), "step {step}");
                    if f < N {
                        hw.a[f] = true;
                    }
                }
                3 => assert_eq!(p.remove(f), model.remove(&f), "step {step}"),
                4 => match p.victim(&mut hw) {
                    Some(v) => assert!(model.remove(&v), "step {step}: {v} not resident"),
                    None => assert!(model.is_empty()),
                },
                5 => p.scan(&mut hw),
                _ => {
                    if f < N {
                        hw.a[f] = r & 1 == 0;
                        hw.d[f] = r & 2 == 0;
                    }
                    if r % 64 == 6 {
                        let before: Vec<usize> = p.iter().collect();
                        p.set_kind(PolicyKind::ALL[(r >> 8) as usize % 4]);
                        assert_eq!(p.iter().collect::<Vec<_>>(), before);
                    }
                }
            }
            assert_eq!(p.len(), model.len());
            assert_eq!(p.iter().collect::<BTreeSet<_>>(), model);
        }
        assert!(p.stats().evictions > 1000);
    }
}

/// LRU's indexed victim search against its definition, computed by brute
/// force: the first frame in load order with the smallest (A now, age).
/// A bits are only set between scans here, as by an MMU.
#[test]
fn lru_victim_is_the_smallest_a_and_age_oldest_load_first() {
    const N: usize = 48;
    let mut x: u64 = 0x0123_4567_89ab_cdef;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut p = Policy::new(PolicyKind::Lru, N);
    let mut hw = Bits::new(N);
    let mut checked = 0;
    for step in 0..50_000 {
        let r = rnd();
        let f = (r >> 32) as usize % N;
        match r % 8 {
            0 | 1 => {
                if p.insert(f) {
                    hw.a[f] = r & 256 == 0;
                }
            }
            2 | 3 => hw.a[f] = true,
            4 => {
                p.remove(f);
            }
            5 if r % 64 < 8 => p.scan(&mut hw),
            5 if r % 512 == 13 => {
                // Round trip through another kind: the index is rebuilt.
                p.set_kind(PolicyKind::Fifo);
                p.set_kind(PolicyKind::Lru);
            }
            _ => {
                let want = p
                    .iter()
                    .map(|g| ((hw.a[g], p.age(g).unwrap()), g))
                    .min_by_key(|&(k, _)| k)
                    .map(|(_, g)| g);
                assert_eq!(p.victim(&mut hw), want, "step {step}");
                checked += u64::from(want.is_some());
            }
        }
    }
    assert!(checked > 5000, "{checked}");
}

/// Enhanced Clock's indexed pass 1 against the textbook algorithm, run by
/// brute force on a circle of its own: the same victims and the same A
/// bits cleared, step by step. Bits only rise between calls, as in an MMU
/// (a victim's are reset, as when its page goes).
#[test]
fn eclock_matches_the_textbook_passes() {
    use std::collections::VecDeque;
    const N: usize = 40;
    let mut x: u64 = 0x5851_f42d_4c95_7f2d;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    /// The textbook: pass 1 a turn for (0,0); pass 2 a turn for A clear,
    /// clearing A; twice; else the hand's frame.
    fn textbook(c: &mut VecDeque<usize>, a: &mut [bool], d: &[bool]) -> Option<usize> {
        for _ in 0..2 {
            if let Some(i) = c.iter().position(|&f| !a[f] && !d[f]) {
                c.rotate_left(i);
                return c.pop_front();
            }
            for i in 0..c.len() {
                if !std::mem::replace(&mut a[c[i]], false) {
                    c.rotate_left(i);
                    return c.pop_front();
                }
            }
        }
        c.pop_front()
    }
    let mut p = Policy::new(PolicyKind::EClock, N);
    let mut hw = Bits::new(N);
    let mut model = Bits::new(N);
    let mut circle = VecDeque::new();
    let mut checked = 0;
    for step in 0..100_000 {
        let r = rnd();
        let f = (r >> 32) as usize % N;
        match r % 10 {
            0..=2 => {
                if p.insert(f) {
                    circle.push_back(f);
                }
            }
            3 => {
                if p.remove(f) {
                    circle.retain(|&g| g != f);
                }
            }
            4..=5 => {
                hw.a[f] = true;
                model.a[f] = true;
            }
            6 => {
                hw.d[f] = true;
                model.d[f] = true;
            }
            7 if r % 256 < 8 => {
                // A round trip through FIFO keeps the circle; the candidates
                // are rebuilt.
                p.set_kind(PolicyKind::Fifo);
                p.set_kind(PolicyKind::EClock);
            }
            _ => {
                let want = textbook(&mut circle, &mut model.a, &model.d);
                assert_eq!(p.victim(&mut hw), want, "step {step}");
                if let Some(v) = want {
                    (hw.a[v], hw.d[v], model.a[v], model.d[v]) = (false, false, false, false);
                    checked += 1;
                }
                assert_eq!(hw.a, model.a, "step {step}: A bits");
                assert_eq!(p.iter().collect::<Vec<_>>(), Vec::from(circle.clone()));
            }
        }
    }
    assert!(checked > 10_000, "{checked}");
}

/// Enhanced Clock's cost: with every page dirty (anonymous memory), no
/// frame is ever (0,0), and the search for one must not read every frame's
/// bits for every victim (the kernel reads them through its reverse map,
/// hundreds of instructions a frame). Counted reads, not time: a victim
/// costs a few reads, amortised.
#[test]
fn eclock_reads_a_few_bits_per_victim_when_all_pages_are_dirty() {
    use std::cell::Cell;
    struct Counting {
        bits: Bits,
        reads: Cell<u64>,
    }
    impl vmpolicy::AccessBits for Counting {
        fn test_and_clear_accessed(&mut self, f: usize) -> bool {
            self.reads.set(self.reads.get() + 1);
            self.bits.test_and_clear_accessed(f)
        }
        fn accessed(&self, f: usize) -> bool {
            self.reads.set(self.reads.get() + 1);
            self.bits.accessed(f)
        }
        fn dirty(&self, f: usize) -> bool {
            self.reads.set(self.reads.get() + 1);
            self.bits.dirty(f)
        }
    }
    const N: usize = 10_000;
    let mut p = Policy::new(PolicyKind::EClock, N + 1);
    let mut hw = Counting {
        bits: Bits::new(N + 1),
        reads: Cell::new(0),
    };
    for f in 0..N {
        p.insert(f);
        hw.bits.a[f] = true;
        hw.bits.d[f] = true;
    }
    // A stream of faults: each evicts one page and maps a new one, used
    // and written; the victim's frame takes the new page.
    let victims = 5 * N as u64;
    for _ in 0..victims {
        let v = p.victim(&mut hw).expect("resident");
        p.insert(v);
        hw.bits.a[v] = true;
        hw.bits.d[v] = true;
    }
    let per = hw.reads.get() as f64 / victims as f64;
    assert!(per < 8.0, "{per:.1} bit reads per victim");
}
