//! Fault counts worked out by hand, and properties every run must have.

use policylab::format::parse_refs;
use policylab::{simulate, PolicyName, SimOptions, Trace};
use vmpolicy::PolicyKind;

const BELADY: &str = "1,2,3,4,1,2,5,1,2,3,4,5";
const TEXTBOOK: &str = "7,0,1,2,0,3,0,4,2,3,0,3,2,1,2,0,1,7,0,1";

fn faults(p: &str, frames: usize, refs: &str) -> u64 {
    let t = parse_refs(refs).unwrap();
    let p = PolicyName::from_name(p).unwrap();
    simulate(p, frames, &t, SimOptions::default()).faults
}

#[test]
fn beladys_string() {
    assert_eq!(
        (faults("fifo", 3, BELADY), faults("fifo", 4, BELADY)),
        (9, 10)
    );
    assert_eq!(
        (
            faults("lru-exact", 3, BELADY),
            faults("lru-exact", 4, BELADY)
        ),
        (10, 8)
    );
    assert_eq!((faults("opt", 3, BELADY), faults("opt", 4, BELADY)), (7, 6));
    // Aging with a scan after every reference equals exact LRU here.
    assert_eq!(
        (faults("lru", 3, BELADY), faults("lru", 4, BELADY)),
        (10, 8)
    );
}

#[test]
fn textbook_string_with_three_frames() {
    assert_eq!(faults("fifo", 3, TEXTBOOK), 15);
    assert_eq!(faults("lru-exact", 3, TEXTBOOK), 12);
    assert_eq!(faults("lru", 3, TEXTBOOK), 12);
    assert_eq!(faults("opt", 3, TEXTBOOK), 9);
}

/// SIEVE by hand on Belady's string, 3 frames (list oldest first, hand
/// starts at the oldest): 1 2 3 miss. 4: evict 1, hand 2. 1: evict 2. 2:
/// evict 3. 5: evict 4, hand 1 (7 faults). 1, 2 hit (visited). 3: hand
/// clears 1 and 2, evicts 5, hand wraps. 4: evicts 1. 5: evicts 2. 10.
/// With 4 frames it is 8 (hits keep 1 and 2 twice).
#[test]
fn sieve_by_hand() {
    assert_eq!(faults("sieve", 3, BELADY), 10);
    assert_eq!(faults("sieve", 4, BELADY), 8);
}

/// ARC with c = 2 on 1,2,1,3,1,2,1: 1,2 miss (T1). 1 hit -> T2. 3 miss:
/// REPLACE moves 2 to B1. 1 hit. 2 is a B1 ghost hit: p = 1, REPLACE takes
/// T2's 1 into B2 (|T1| = 1 is not > p). 1 is a B2 ghost hit: p = 0, T1's 3
/// goes to B1. Faults 5, where exact LRU has 4.
#[test]
fn arc_by_hand() {
    let refs = "1,2,1,3,1,2,1";
    assert_eq!(faults("arc", 2, refs), 5);
    assert_eq!(faults("lru-exact", 2, refs), 4);
}

/// S3-FIFO with 2 frames (S holds 1, G 1) on 1,2,1,3,2,3,1: 1,2 miss into S.
/// 1 hit. 3: 1 was hit in S so moves to M, 2 goes to the ghost, 3 into S.
/// 2: ghost hit; 3 is pushed to G; 2 enters M. 3: ghost hit; M's 1 (count 0)
/// is evicted. 1: miss, M's 2 evicted. One hit, 6 faults.
#[test]
fn s3fifo_by_hand() {
    assert_eq!(faults("s3fifo", 2, "1,2,1,3,2,3,1"), 6);
}

#[test]
fn scan_interval_changes_aging_lru() {
    let t = parse_refs(BELADY).unwrap();
    let lru = PolicyName::Kernel(PolicyKind::Lru);
    let rare = SimOptions {
        scan_every: Some(1000),
    };
    // No scan within the trace: aging orders nothing and is FIFO.
    assert_eq!(simulate(lru, 3, &t, rare).faults, 9);
    assert_eq!(simulate(lru, 4, &t, rare).faults, 10);
}

/// Writes matter only to Enhanced Clock: it prefers clean pages. After
/// 1w 2 3 the (A,D) classes are (1,1) (1,0) (1,0). 4 faults: pass 1 finds
/// no (0,0); pass 2 clears every A and finds no A clear; pass 1 again finds
/// 2 at (0,0). Clock takes 1 instead, which the final reference refaults.
#[test]
fn eclock_spares_dirty_pages() {
    let t = parse_refs("1w,2,3,4,1").unwrap();
    let run = |k| simulate(PolicyName::Kernel(k), 3, &t, SimOptions::default()).faults;
    assert_eq!(run(PolicyKind::Clock), 5, "clock evicted 1, refaults it");
    assert_eq!(run(PolicyKind::EClock), 4, "eclock kept dirty 1");
}

/// A small deterministic generator of traces with some locality.
fn random_trace(seed: u64, len: usize, pages: u64) -> Trace {
    let mut x = seed | 1;
    let mut refs = Vec::new();
    let mut cur = 0u64;
    for _ in 0..len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        cur = if x.is_multiple_of(4) {
            x % pages
        } else {
            (cur + x % 3) % pages
        };
        refs.push(format!(
            "{cur}{}",
            if x.is_multiple_of(5) { "w" } else { "" }
        ));
    }
    parse_refs(&refs.join(",")).unwrap()
}

#[test]
fn stack_algorithms_never_fault_more_with_more_frames() {
    for seed in 1..40 {
        let t = random_trace(seed, 400, 24);
        for p in ["lru-exact", "opt"] {
            let p = PolicyName::from_name(p).unwrap();
            let mut last = u64::MAX;
            for frames in 1..=26 {
                let f = simulate(p, frames, &t, SimOptions::default()).faults;
                assert!(f <= last, "{} seed {seed} frames {frames}", p.name());
                last = f;
            }
            assert_eq!(last, t.distinct as u64, "enough frames: cold misses only");
        }
    }
}

#[test]
fn opt_is_never_beaten() {
    for seed in 1..40 {
        let t = random_trace(seed * 7919, 300, 16);
        for frames in 1..=17 {
            let opt = simulate(PolicyName::Opt, frames, &t, SimOptions::default()).faults;
            for p in PolicyName::ALL {
                let f = simulate(p, frames, &t, SimOptions::default()).faults;
                assert!(
                    opt <= f,
                    "{} beat opt: seed {seed} frames {frames}",
                    p.name()
                );
                assert!(f >= t.distinct.min(t.len()) as u64, "cold misses");
                assert!(f <= t.len() as u64);
            }
        }
    }
}

/// OPT by its definition, slowly: on a fault with every frame taken, look
/// at every resident page for the one whose next use is farthest.
fn naive_opt(t: &Trace, frames: usize) -> u64 {
    let next_use = |from: usize, p: u32| {
        t.pages[from..]
            .iter()
            .position(|&q| q == p)
            .map_or(usize::MAX, |d| from + d)
    };
    let mut resident: Vec<u32> = Vec::new();
    let mut faults = 0;
    for (i, &p) in t.pages.iter().enumerate() {
        if resident.contains(&p) {
            continue;
        }
        faults += 1;
        if resident.len() == frames {
            let far = (0..resident.len())
                .max_by_key(|&k| next_use(i + 1, resident[k]))
                .unwrap();
            resident.swap_remove(far);
        }
        resident.push(p);
    }
    faults
}

#[test]
fn opt_equals_its_definition() {
    for seed in 1..16 {
        let t = random_trace(seed * 31, 300, 3 + seed % 30);
        for frames in [1, 2, 3, 5, 8, 13, 21] {
            let got = simulate(PolicyName::Opt, frames, &t, SimOptions::default()).faults;
            assert_eq!(got, naive_opt(&t, frames), "seed {seed}, {frames} frames");
        }
    }
}

#[test]
fn one_frame_faults_whenever_the_page_changes() {
    let t = parse_refs("1,1,2,2,1,3,3,3,1").unwrap();
    for p in PolicyName::ALL {
        assert_eq!(
            simulate(p, 1, &t, SimOptions::default()).faults,
            5,
            "{}",
            p.name()
        );
    }
}

#[test]
fn next_uses_by_hand() {
    let t = parse_refs("5,6,5,7,6").unwrap();
    let n = policylab::policies::next_uses(&t.pages, t.distinct);
    assert_eq!(n, [2, 4, u32::MAX, u32::MAX, u32::MAX]);
}

/// A hot set of 30 pages mixed with a loop over 100 others, 64 frames.
fn hot_and_loop() -> Trace {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut cur = 0;
    let mut refs = Vec::new();
    for _ in 0..20_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if x.is_multiple_of(2) {
            refs.push(x / 2 % 30);
        } else {
            cur = (cur + 1) % 100;
            refs.push(1000 + cur);
        }
    }
    let s: Vec<String> = refs.iter().map(u64::to_string).collect();
    parse_refs(&s.join(",")).unwrap()
}

/// Why the default scan interval grows with the frame count: scanning after
/// every reference keeps 8 references of history, so with 64 frames all
/// eviction candidates have age 0 and aging is FIFO; with the default
/// (64 / 4 = 16 references) it lands near exact LRU.
#[test]
fn default_scan_interval_makes_aging_approximate_lru() {
    let t = hot_and_loop();
    let run = |p: PolicyName, scan_every| simulate(p, 64, &t, SimOptions { scan_every }).faults;
    let lru = PolicyName::Kernel(PolicyKind::Lru);
    let fifo = run(PolicyName::Kernel(PolicyKind::Fifo), None);
    let exact = run(PolicyName::LruExact, None);
    let every_ref = run(lru, Some(1));
    let default = run(lru, None);
    assert_eq!(policylab::policies::default_scan_every(64), 16);
    assert!(exact < fifo, "the workload rewards recency: {exact} {fifo}");
    assert!(every_ref * 100 >= fifo * 98, "{every_ref} vs fifo {fifo}");
    assert!(
        default * 100 <= exact * 105,
        "{default} vs lru-exact {exact}"
    );
}

/// The lab gives vmpolicy frame slots (as the kernel does) rather than page
/// numbers, to keep the policy's arrays small. A policy indexed directly by
/// page must decide the same, fault for fault.
#[test]
fn frame_slots_decide_as_page_indices() {
    use vmpolicy::{AccessBits, Policy};
    struct Bits(Vec<u8>);
    impl AccessBits for Bits {
        fn test_and_clear_accessed(&mut self, f: usize) -> bool {
            let a = self.0[f] & 1 != 0;
            self.0[f] &= !1;
            a
        }
        fn accessed(&self, f: usize) -> bool {
            self.0[f] & 1 != 0
        }
        fn dirty(&self, f: usize) -> bool {
            self.0[f] & 2 != 0
        }
    }
    for seed in 1..12 {
        let t = random_trace(seed * 101, 2000, 50);
        for kind in PolicyKind::ALL {
            for frames in [1, 3, 8, 20, 49] {
                let scan_every = SimOptions::default().scan_every(frames);
                let mut p = Policy::new(kind, t.distinct);
                let mut bits = Bits(vec![0; t.distinct]);
                let mut faults = 0;
                for (i, (&pg, &w)) in t.pages.iter().zip(&t.writes).enumerate() {
                    let pg = pg as usize;
                    if !p.contains(pg) {
                        faults += 1;
                        if p.len() >= frames {
                            let v = p.victim(&mut bits).unwrap();
                            bits.0[v] = 0;
                        }
                        p.insert(pg);
                    }
                    bits.0[pg] |= if w { 3 } else { 1 };
                    if (i as u64 + 1).is_multiple_of(scan_every) {
                        p.scan(&mut bits);
                    }
                }
                let lab = simulate(PolicyName::Kernel(kind), frames, &t, SimOptions::default());
                assert_eq!(lab.faults, faults, "{kind:?} seed {seed} frames {frames}");
            }
        }
    }
}
