//! Fault counts on the textbook reference strings, hand-checked.

mod common;
use common::{faults, BELADY, TEXTBOOK};
use vmpolicy::PolicyKind::*;

#[test]
fn fifo_shows_beladys_anomaly() {
    assert_eq!(faults(Fifo, 3, &BELADY, 1), 9);
    assert_eq!(faults(Fifo, 4, &BELADY, 1), 10);
}

#[test]
fn fifo_textbook_string() {
    // Silberschatz's string with 3 frames: FIFO 15.
    assert_eq!(faults(Fifo, 3, &TEXTBOOK, 1), 15);
}

/// With a scan after every reference, aging keeps the last 8 references of
/// history. On these strings the LRU page was always used within that
/// window, so aging equals exact LRU: 10 and 8 on Belady's string, 12 on the
/// textbook string.
#[test]
fn aging_lru_is_exact_lru_on_short_strings_with_a_scan_per_reference() {
    assert_eq!(faults(Lru, 3, &BELADY, 1), 10);
    assert_eq!(faults(Lru, 4, &BELADY, 1), 8);
    assert_eq!(faults(Lru, 3, &TEXTBOOK, 1), 12);
}

/// With scans rarer than references, aging cannot order pages used within
/// one interval and falls back to the A bit and then FIFO order: with no
/// scan at all, every resident page has A set and age 0, so it is FIFO.
#[test]
fn aging_without_scans_degrades_to_fifo() {
    assert_eq!(faults(Lru, 3, &BELADY, usize::MAX), 9);
    assert_eq!(faults(Lru, 4, &BELADY, usize::MAX), 10);
}

/// Clock on Belady's string with 3 frames, by hand (hand at the front, new
/// pages just behind it, every reference sets A; circle listed from the hand):
/// 1 2 3: faults 1-3, [1 2 3] all A. 4: a full turn clears all, evict 1,
/// [2 3 4] (4). 1: 2 has A clear, evict 2, [3 4 1] (5). 2: evict 3,
/// [4 1 2] (6). 5: full turn, evict 4, [1 2 5] (7). 1, 2: hits. 3: full
/// turn, evict 1, [2 5 3] (8). 4: evict 2, [5 3 4] (9). 5: hit. Total 9.
#[test]
fn clock_on_beladys_string() {
    assert_eq!(faults(Clock, 3, &BELADY, 1), 9);
    assert_eq!(faults(Clock, 4, &BELADY, 1), 10);
}

#[test]
fn eclock_without_writes_is_clock() {
    for frames in 1..6 {
        assert_eq!(
            faults(EClock, frames, &TEXTBOOK, 1),
            faults(Clock, frames, &TEXTBOOK, 1),
            "frames {frames}"
        );
    }
}

#[test]
fn one_frame_faults_on_every_change_of_page() {
    for k in vmpolicy::PolicyKind::ALL {
        assert_eq!(faults(k, 1, &[1, 1, 2, 2, 1, 3, 3], 1), 4, "{k}");
    }
}
