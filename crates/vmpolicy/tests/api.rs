//! The policy interface step by step: which frame each call picks, which A
//! bits it clears, and what it refuses.

mod common;
use common::Bits;
use vmpolicy::{FrameList, Policy, PolicyKind, Stats};

fn resident(p: &Policy) -> Vec<usize> {
    p.iter().collect()
}

#[test]
fn names_round_trip() {
    let names: Vec<&str> = PolicyKind::ALL.iter().map(|k| k.name()).collect();
    assert_eq!(names, ["fifo", "lru", "clock", "eclock"]);
    for k in PolicyKind::ALL {
        assert_eq!(PolicyKind::from_name(k.name()), Some(k));
    }
    assert_eq!(PolicyKind::from_name("LRU"), None);
    assert_eq!(PolicyKind::from_name("opt"), None);
}

#[test]
fn insert_and_remove_refuse_bad_frames() {
    let mut p = Policy::new(PolicyKind::Fifo, 4);
    assert!(p.insert(2));
    assert!(!p.insert(2), "already resident");
    assert!(!p.insert(4), "out of range");
    assert!(!p.insert(usize::MAX));
    assert!(!p.remove(3), "not resident");
    assert!(!p.remove(99));
    assert!(p.remove(2));
    assert!(p.is_empty());
    let mut hw = Bits::new(4);
    assert_eq!(p.victim(&mut hw), None);
    assert_eq!(p.stats(), Stats::default());
}

#[test]
fn fifo_takes_load_order_and_ignores_bits() {
    let mut p = Policy::new(PolicyKind::Fifo, 8);
    let mut hw = Bits::new(8);
    for f in [5, 1, 7, 3] {
        p.insert(f);
    }
    hw.a[5] = true;
    p.remove(1);
    assert_eq!(p.victim(&mut hw), Some(5));
    assert_eq!(p.victim(&mut hw), Some(7));
    assert_eq!(resident(&p), [3]);
    assert!(hw.a[5], "FIFO leaves A alone");
    assert_eq!(p.stats().evictions, 2);
    assert_eq!(p.stats().a_clears, 0);
}

#[test]
fn lru_scan_shifts_a_into_age_and_clears_it() {
    let mut p = Policy::new(PolicyKind::Lru, 4);
    let mut hw = Bits::new(4);
    for f in 0..3 {
        p.insert(f);
    }
    hw.a = vec![true, false, true, false];
    p.scan(&mut hw);
    assert_eq!(hw.a, [false; 4]);
    assert_eq!(
        (p.age(0), p.age(1), p.age(2)),
        (Some(0x80), Some(0), Some(0x80))
    );
    hw.a[2] = true;
    p.scan(&mut hw);
    assert_eq!(
        (p.age(0), p.age(1), p.age(2)),
        (Some(0x40), Some(0), Some(0xc0))
    );
    assert_eq!(p.age(3), None);
    assert_eq!(p.stats().scans, 2);
    assert_eq!(p.stats().a_clears, 3);
    assert_eq!(hw.batches, 2, "one TLB batch per scan that cleared");
    assert_eq!(p.victim(&mut hw), Some(1));
    assert_eq!(p.victim(&mut hw), Some(0));
}

#[test]
fn lru_counts_a_set_since_the_last_scan_as_newest_and_ties_go_to_fifo() {
    let mut p = Policy::new(PolicyKind::Lru, 4);
    let mut hw = Bits::new(4);
    for f in [3, 0, 1] {
        p.insert(f);
    }
    // All age 0. 3 was used since the last scan, so 0 (older than 1) goes.
    hw.a[3] = true;
    assert_eq!(p.victim(&mut hw), Some(0));
    assert!(hw.a[3], "victim selection reads A without clearing it");
    assert_eq!(p.victim(&mut hw), Some(1));
    assert_eq!(p.victim(&mut hw), Some(3));
}

/// Aging forgets after 8 scans: a page used 9 references ago ties with one
/// used 10 ago, and the tie goes to load order, where exact LRU would take
/// the one used longer ago.
#[test]
fn lru_aging_window_is_eight_scans() {
    let mut p = Policy::new(PolicyKind::Lru, 3);
    let mut hw = Bits::new(3);
    p.insert(0);
    p.insert(1);
    for f in [1, 0] {
        hw.a[f] = true;
        p.scan(&mut hw);
    }
    p.insert(2);
    for _ in 0..6 {
        hw.a[2] = true;
        p.scan(&mut hw);
    }
    // 1 is least recently used and 0 is newer; both ages still non-zero.
    assert_eq!((p.age(1), p.age(0)), (Some(1), Some(2)));
    assert!(p.age(1).unwrap() < p.age(0).unwrap());
    hw.a[2] = true;
    p.scan(&mut hw);
    // Now 1's bit has shifted out; 0's is the last one left.
    assert_eq!((p.age(1), p.age(0)), (Some(0), Some(1)));
    hw.a[2] = true;
    p.scan(&mut hw);
    assert_eq!((p.age(1), p.age(0)), (Some(0), Some(0)));
    assert_eq!(p.victim(&mut hw), Some(0), "tie: loaded first");
}

#[test]
fn clock_gives_a_second_chance() {
    let mut p = Policy::new(PolicyKind::Clock, 4);
    let mut hw = Bits::new(4);
    for f in 0..3 {
        p.insert(f);
    }
    hw.a = vec![true, false, true, false];
    assert_eq!(p.victim(&mut hw), Some(1));
    assert_eq!(p.stats().a_clears, 1);
    assert!(!hw.a[0] && hw.a[2]);
    // The hand rests past 1, at 2: clear 2, then 0 has A clear.
    assert_eq!(resident(&p), [2, 0]);
    p.insert(3); // behind the hand
    assert_eq!(resident(&p), [2, 0, 3]);
    assert_eq!(p.victim(&mut hw), Some(0));
    assert_eq!(p.stats().a_clears, 2);
    assert_eq!(resident(&p), [3, 2]);
}

#[test]
fn clock_with_every_a_set_takes_the_frame_at_the_hand() {
    let mut p = Policy::new(PolicyKind::Clock, 3);
    let mut hw = Bits::new(3);
    for f in 0..3 {
        p.insert(f);
        hw.a[f] = true;
    }
    assert_eq!(p.victim(&mut hw), Some(0));
    assert_eq!(p.stats().a_clears, 3);
    assert_eq!(hw.batches, 1);
    assert_eq!(resident(&p), [1, 2]);
}

/// A hart that sets A again behind the hand cannot make the search loop:
/// after two turns the frame at the hand is taken.
#[test]
fn clock_terminates_even_if_a_is_always_set() {
    struct Sticky;
    impl vmpolicy::AccessBits for Sticky {
        fn test_and_clear_accessed(&mut self, _: usize) -> bool {
            true
        }
        fn accessed(&self, _: usize) -> bool {
            true
        }
        fn dirty(&self, _: usize) -> bool {
            true
        }
    }
    for kind in [PolicyKind::Clock, PolicyKind::EClock] {
        let mut p = Policy::new(kind, 3);
        for f in 0..3 {
            p.insert(f);
        }
        assert!(p.victim(&mut Sticky).is_some(), "{kind}");
        assert_eq!(p.len(), 2);
    }
}

#[test]
fn eclock_prefers_clean_unused_then_dirty_unused() {
    let mut p = Policy::new(PolicyKind::EClock, 4);
    let mut hw = Bits::new(4);
    for f in 0..4 {
        p.insert(f);
    }
    // (A,D): 0 (1,1), 1 (1,0), 2 (0,1), 3 (0,0)
    hw.a = vec![true, true, false, false];
    hw.d = vec![true, false, true, false];
    assert_eq!(p.victim(&mut hw), Some(3), "(0,0) in pass 1");
    assert_eq!(p.stats().a_clears, 0, "pass 1 changes nothing");
    // Hand past 3, at 0. Pass 1 finds no (0,0); pass 2 clears 0 and 1 and
    // takes 2, the (0,1).
    assert_eq!(p.victim(&mut hw), Some(2));
    assert_eq!(p.stats().a_clears, 2);
    assert_eq!(hw.a, [false; 4]);
    // Now 1 is (0,0) and 0 is (0,1): 1 goes first although 0 is at the hand.
    assert_eq!(resident(&p), [0, 1]);
    assert_eq!(p.victim(&mut hw), Some(1));
    assert!(hw.d[0], "the policy never clears D");
}

#[test]
fn eclock_all_used_and_dirty_takes_the_hand_after_clearing() {
    let mut p = Policy::new(PolicyKind::EClock, 3);
    let mut hw = Bits::new(3);
    for f in 0..3 {
        p.insert(f);
    }
    hw.a = vec![true; 3];
    hw.d = vec![true; 3];
    assert_eq!(p.victim(&mut hw), Some(0));
    assert_eq!(p.stats().a_clears, 3);
}

#[test]
fn scan_is_a_no_op_except_for_lru() {
    for kind in [PolicyKind::Fifo, PolicyKind::Clock, PolicyKind::EClock] {
        let mut p = Policy::new(kind, 2);
        let mut hw = Bits::new(2);
        p.insert(0);
        hw.a[0] = true;
        p.scan(&mut hw);
        assert!(hw.a[0], "{kind}");
        assert_eq!(p.stats().scans, 0);
    }
}

#[test]
fn switching_kind_keeps_the_resident_set_and_order() {
    let mut p = Policy::new(PolicyKind::Lru, 6);
    let mut hw = Bits::new(6);
    for f in [4, 2, 5, 0] {
        p.insert(f);
    }
    hw.a[4] = true;
    p.scan(&mut hw);
    assert_eq!(p.age(4), Some(0x80));
    p.set_kind(PolicyKind::Clock);
    assert_eq!(p.name(), "clock");
    assert_eq!(resident(&p), [4, 2, 5, 0]);
    assert_eq!(p.age(4), Some(0), "ages restart");
    assert_eq!(p.stats().scans, 1, "counters carry over");
    hw.a[4] = true;
    assert_eq!(p.victim(&mut hw), Some(2));
    p.set_kind(PolicyKind::Fifo);
    assert_eq!(resident(&p), [5, 0, 4]);
    assert_eq!(p.victim(&mut hw), Some(5));
}

#[test]
fn a_victim_that_cannot_be_evicted_goes_back_at_the_end() {
    let mut p = Policy::new(PolicyKind::Fifo, 3);
    let mut hw = Bits::new(3);
    for f in 0..3 {
        p.insert(f);
    }
    let v = p.victim(&mut hw).unwrap();
    assert!(p.insert(v));
    assert_eq!(resident(&p), [1, 2, 0]);
}

#[test]
fn frame_list_operations() {
    let mut l = FrameList::new(5);
    assert_eq!(l.capacity(), 5);
    assert_eq!((l.front(), l.back()), (None, None));
    for f in [3, 1, 4] {
        assert!(l.push_back(f));
    }
    assert!(l.push_front(0));
    assert!(!l.push_front(0));
    assert!(!l.push_back(5));
    assert_eq!(l.iter().collect::<Vec<_>>(), [0, 3, 1, 4]);
    assert_eq!((l.front(), l.back()), (Some(0), Some(4)));
    assert_eq!((l.next_of(3), l.prev_of(3)), (Some(1), Some(0)));
    assert_eq!((l.next_of(4), l.prev_of(0)), (None, None));
    assert_eq!(l.next_of(2), None);
    assert!(l.rotate_to_front(1));
    assert_eq!(l.iter().collect::<Vec<_>>(), [1, 4, 0, 3]);
    assert!(l.move_to_back(4));
    assert_eq!(l.iter().collect::<Vec<_>>(), [1, 0, 3, 4]);
    assert_eq!(l.pop_front(), Some(1));
    assert!(l.remove(3));
    assert!(!l.remove(3));
    assert!(!l.rotate_to_front(3));
    assert_eq!(l.iter().collect::<Vec<_>>(), [0, 4]);
    assert_eq!(l.len(), 2);
}
