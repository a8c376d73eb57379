//! Unit tests for the area set. `Mock` stands in for the kernel's backing:
//! anonymous memory, or a file identified by a number plus an offset.

extern crate std;

use super::*;
use crate::PAGE_SIZE;
use alloc::vec;
use alloc::vec::Vec;

const P: usize = PAGE_SIZE;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mock {
    Anon,
    File { ino: u32, off: usize },
}

impl Backing for Mock {
    fn offset_by(&self, bytes: usize) -> Self {
        match *self {
            Mock::Anon => Mock::Anon,
            Mock::File { ino, off } => Mock::File {
                ino,
                off: off + bytes,
            },
        }
    }
    fn mergeable(&self, len: usize, next: &Self) -> bool {
        match (*self, *next) {
            (Mock::Anon, Mock::Anon) => true,
            (Mock::File { ino: a, off: x }, Mock::File { ino: b, off: y }) => {
                a == b && x + len == y
            }
            _ => false,
        }
    }
}

fn file(ino: u32, off: usize) -> Mock {
    Mock::File { ino, off }
}

fn area(start: usize, end: usize, perm: Perm, backing: Mock) -> Vma<Mock> {
    Vma::new(start * P, end * P, perm, VmaFlags::NONE, backing)
}

fn anon(start: usize, end: usize, perm: Perm) -> Vma<Mock> {
    area(start, end, perm, Mock::Anon)
}

/// The set as (start page, end page, perm, backing) tuples, for comparisons.
fn dump(s: &VmaSet<Mock>) -> Vec<(usize, usize, Perm, Mock)> {
    s.iter()
        .map(|v| (v.start / P, v.end / P, v.perm, v.backing))
        .collect()
}

fn rw() -> Perm {
    Perm::R | Perm::W
}

// ---- Perm and flags ----

#[test]
fn perm_bits_follow_prot() {
    use abi::mman::*;
    assert_eq!(Perm::from_prot(PROT_READ), Perm::R);
    assert_eq!(Perm::from_prot(PROT_WRITE), Perm::W);
    assert_eq!(Perm::from_prot(PROT_EXEC), Perm::X);
    assert_eq!(Perm::from_prot(PROT_NONE), Perm::NONE);
    assert_eq!(Perm::from_prot(PROT_READ | PROT_EXEC), Perm::R | Perm::X);
    assert_eq!(Perm::from_prot(0xf8 | PROT_WRITE), Perm::W);
    let mut p = Perm::R;
    p |= Perm::W;
    assert!(p.contains(Perm::R) && p.contains(Perm::W) && !p.contains(Perm::X));
    assert!(p.contains(Perm::NONE));
    assert_eq!(p.bits(), 3);
    assert_eq!(p & Perm::W, Perm::W);
    assert!(Perm::default().is_empty());
}

#[test]
fn perm_pte_bits() {
    use abi::vmstat::*;
    assert_eq!(Perm::R.pte_bits(), PTE_R);
    assert_eq!(Perm::W.pte_bits(), PTE_W);
    assert_eq!(Perm::X.pte_bits(), PTE_X);
    assert_eq!((Perm::R | Perm::X).pte_bits(), PTE_R | PTE_X);
}

#[test]
fn vma_flags() {
    let f = VmaFlags::SHARED | VmaFlags::STACK;
    assert!(f.contains(VmaFlags::SHARED) && f.contains(VmaFlags::STACK));
    assert!(!f.contains(VmaFlags::HEAP));
    assert_eq!(VmaFlags::default(), VmaFlags::NONE);
    let mut g = VmaFlags::NONE;
    g |= VmaFlags::HEAP;
    assert_eq!(g.bits(), VmaFlags::HEAP.bits());
}

#[test]
fn vma_len_contains() {
    let v = anon(1, 3, Perm::R);
    assert_eq!(v.len(), 2 * P);
    assert!(!v.is_empty());
    assert!(v.contains(P) && v.contains(3 * P - 1));
    assert!(!v.contains(P - 1) && !v.contains(3 * P));
}

// ---- insert / find / overlaps ----

#[test]
fn insert_rejects_bad_areas() {
    let mut s = VmaSet::<Mock>::new();
    let bad = Vma::new(P + 1, 2 * P, Perm::R, VmaFlags::NONE, Mock::Anon);
    assert_eq!(s.insert(bad), Err(VmaError::Unaligned));
    let bad = Vma::new(P, 2 * P + 8, Perm::R, VmaFlags::NONE, Mock::Anon);
    assert_eq!(s.insert(bad), Err(VmaError::Unaligned));
    assert_eq!(s.insert(anon(2, 2, Perm::R)), Err(VmaError::Empty));
    assert_eq!(s.insert(anon(3, 2, Perm::R)), Err(VmaError::Empty));
    assert!(s.is_empty());
}

#[test]
fn insert_rejects_overlap() {
    let mut s = VmaSet::new();
    s.insert(anon(4, 8, Perm::R)).unwrap();
    for (a, b) in [(4, 8), (2, 5), (7, 9), (5, 6), (0, 20)] {
        assert_eq!(
            s.insert(anon(a, b, rw())),
            Err(VmaError::Overlap),
            "{a}..{b}"
        );
    }
    assert_eq!(dump(&s), vec![(4, 8, Perm::R, Mock::Anon)]);
}

#[test]
fn find_and_overlaps() {
    let mut s = VmaSet::new();
    s.insert(anon(2, 4, Perm::R)).unwrap();
    s.insert(anon(6, 7, rw())).unwrap();
    assert!(s.find(2 * P - 1).is_none());
    assert_eq!(s.find(2 * P).unwrap().start, 2 * P);
    assert_eq!(s.find(4 * P - 1).unwrap().start, 2 * P);
    assert!(s.find(4 * P).is_none());
    assert_eq!(s.find(6 * P + 5).unwrap().perm, rw());
    assert!(s.find(usize::MAX).is_none());
    s.find_mut(6 * P).unwrap().perm = Perm::X;
    assert_eq!(s.find(6 * P).unwrap().perm, Perm::X);
    assert!(s.find_mut(5 * P).is_none());

    assert!(!s.overlaps(0, 2 * P));
    assert!(s.overlaps(0, 2 * P + 1));
    assert!(!s.overlaps(4 * P, 6 * P));
    assert!(s.overlaps(3 * P, 3 * P + 1));
    assert!(s.overlaps(0, 100 * P));
    assert!(!s.overlaps(7 * P, 100 * P));
    assert!(!s.overlaps(3 * P, 3 * P), "empty range overlaps nothing");
}

/// `find` remembers the last area it found; the hint must never outlive
/// the area: after the area shrinks, goes, or another takes its start,
/// `find` answers from the set as it is.
#[test]
fn find_hint_follows_changes() {
    let mut s = VmaSet::new();
    s.insert(anon(2, 8, rw())).unwrap();
    assert_eq!(s.find(7 * P).unwrap().end, 8 * P);
    // Shrink the area under the hint: the old top is no longer in it.
    s.remove_range(5 * P, 8 * P).unwrap();
    assert!(s.find(6 * P).is_none());
    assert_eq!(s.find(4 * P).unwrap().end, 5 * P);
    // Replace it by an area with the same start and other bounds.
    s.remove_range(2 * P, 5 * P).unwrap();
    assert!(s.find(3 * P).is_none());
    s.insert(anon(2, 3, Perm::R)).unwrap();
    assert_eq!(s.find(2 * P).unwrap().perm, Perm::R);
    assert!(s.find(4 * P).is_none());
    s.insert(anon(9, 10, rw())).unwrap();
    assert_eq!(s.find(9 * P).unwrap().start, 9 * P);
    assert_eq!(s.find(2 * P).unwrap().start, 2 * P);
}

#[test]
fn insert_merges_with_both_neighbours() {
    let mut s = VmaSet::new();
    s.insert(anon(0, 2, rw())).unwrap();
    s.insert(anon(4, 6, rw())).unwrap();
    assert_eq!(s.len(), 2);
    s.insert(anon(2, 4, rw())).unwrap();
    assert_eq!(dump(&s), vec![(0, 6, rw(), Mock::Anon)]);
}

#[test]
fn insert_merges_prev_or_next_only() {
    let mut s = VmaSet::new();
    s.insert(anon(0, 2, rw())).unwrap();
    s.insert(anon(2, 3, rw())).unwrap();
    assert_eq!(dump(&s), vec![(0, 3, rw(), Mock::Anon)]);
    s.insert(anon(5, 6, Perm::R)).unwrap();
    s.insert(anon(4, 5, Perm::R)).unwrap();
    assert_eq!(
        dump(&s),
        vec![(0, 3, rw(), Mock::Anon), (4, 6, Perm::R, Mock::Anon)]
    );
}

#[test]
fn insert_does_not_merge_unlike_areas() {
    let mut s = VmaSet::new();
    s.insert(anon(0, 1, rw())).unwrap();
    s.insert(anon(1, 2, Perm::R)).unwrap(); // other perm
    s.insert(Vma::new(
        2 * P,
        3 * P,
        Perm::R,
        VmaFlags::SHARED,
        Mock::Anon,
    ))
    .unwrap(); // other flags
    s.insert(area(3, 4, Perm::R, file(1, 0))).unwrap(); // anon vs file
    s.insert(area(4, 5, Perm::R, file(1, 2 * P))).unwrap(); // gap in offsets
    s.insert(area(5, 6, Perm::R, file(2, 3 * P))).unwrap(); // other file
    assert_eq!(s.len(), 6);
}

#[test]
fn insert_merges_contiguous_file_pieces() {
    let mut s = VmaSet::new();
    s.insert(area(10, 12, Perm::R, file(7, 0x1000))).unwrap();
    s.insert(area(12, 13, Perm::R, file(7, 0x3000))).unwrap();
    s.insert(area(9, 10, Perm::R, file(7, 0x0))).unwrap();
    assert_eq!(dump(&s), vec![(9, 13, Perm::R, file(7, 0x0))]);
    s.insert(area(7, 9, Perm::R, file(7, 0x10000))).unwrap(); // offsets not contiguous
    assert_eq!(s.len(), 2);
}

// ---- remove_range ----

fn three_pages_file() -> VmaSet<Mock> {
    let mut s = VmaSet::new();
    s.insert(area(10, 14, Perm::R, file(3, 0x10000))).unwrap();
    s
}

#[test]
fn remove_head() {
    let mut s = three_pages_file();
    let r = s.remove_range(10 * P, 11 * P).unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(
        (r[0].start, r[0].end, r[0].backing),
        (10 * P, 11 * P, file(3, 0x10000))
    );
    assert_eq!(dump(&s), vec![(11, 14, Perm::R, file(3, 0x11000))]);
}

#[test]
fn remove_tail() {
    let mut s = three_pages_file();
    let r = s.remove_range(12 * P, 20 * P).unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(
        (r[0].start, r[0].end, r[0].backing),
        (12 * P, 14 * P, file(3, 0x12000))
    );
    assert_eq!(dump(&s), vec![(10, 12, Perm::R, file(3, 0x10000))]);
}

#[test]
fn remove_middle_splits_in_two() {
    let mut s = three_pages_file();
    let r = s.remove_range(11 * P, 12 * P).unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(
        (r[0].start, r[0].end, r[0].backing),
        (11 * P, 12 * P, file(3, 0x11000))
    );
    assert_eq!(
        dump(&s),
        vec![
            (10, 11, Perm::R, file(3, 0x10000)),
            (12, 14, Perm::R, file(3, 0x12000))
        ]
    );
}

#[test]
fn remove_all_and_across_holes() {
    let mut s = three_pages_file();
    s.insert(anon(1, 2, rw())).unwrap();
    s.insert(anon(20, 30, rw())).unwrap();
    let r = s.remove_range(0, 25 * P).unwrap();
    let got: Vec<_> = r
        .iter()
        .map(|v| (v.start / P, v.end / P, v.backing))
        .collect();
    assert_eq!(
        got,
        vec![
            (1, 2, Mock::Anon),
            (10, 14, file(3, 0x10000)),
            (20, 25, Mock::Anon)
        ]
    );
    assert_eq!(dump(&s), vec![(25, 30, rw(), Mock::Anon)]);
    let r = s.remove_range(25 * P, 30 * P).unwrap();
    assert_eq!(r.len(), 1);
    assert!(s.is_empty());
}

#[test]
fn remove_nothing_mapped() {
    let mut s = three_pages_file();
    assert!(s.remove_range(0, 10 * P).unwrap().is_empty());
    assert!(s.remove_range(14 * P, 100 * P).unwrap().is_empty());
    assert!(
        s.remove_range(12 * P, 12 * P).unwrap().is_empty(),
        "empty range"
    );
    assert!(
        s.remove_range(13 * P, 11 * P).unwrap().is_empty(),
        "reversed range"
    );
    assert_eq!(dump(&s), vec![(10, 14, Perm::R, file(3, 0x10000))]);
}

#[test]
fn remove_rounds_outwards_to_pages() {
    let mut s = three_pages_file();
    let r = s.remove_range(11 * P + 5, 12 * P + 1).unwrap();
    assert_eq!((r[0].start, r[0].end), (11 * P, 13 * P));
    assert_eq!(s.len(), 2);
    let r = s.remove_range(0, usize::MAX).unwrap();
    assert_eq!(r.len(), 2);
    assert!(s.is_empty());
}

// ---- protect ----

#[test]
fn protect_middle_then_back_merges() {
    let mut s = three_pages_file();
    s.protect(11 * P, 13 * P, rw()).unwrap();
    assert_eq!(
        dump(&s),
        vec![
            (10, 11, Perm::R, file(3, 0x10000)),
            (11, 13, rw(), file(3, 0x11000)),
            (13, 14, Perm::R, file(3, 0x13000))
        ]
    );
    s.protect(11 * P, 13 * P, Perm::R).unwrap();
    assert_eq!(dump(&s), vec![(10, 14, Perm::R, file(3, 0x10000))]);
}

#[test]
fn protect_head_tail_whole() {
    let mut s = VmaSet::new();
    s.insert(anon(0, 4, Perm::R)).unwrap();
    s.protect(0, P, Perm::NONE).unwrap();
    s.protect(3 * P, 4 * P, Perm::X).unwrap();
    assert_eq!(
        dump(&s),
        vec![
            (0, 1, Perm::NONE, Mock::Anon),
            (1, 3, Perm::R, Mock::Anon),
            (3, 4, Perm::X, Mock::Anon)
        ]
    );
    s.protect(0, 4 * P, rw()).unwrap();
    assert_eq!(dump(&s), vec![(0, 4, rw(), Mock::Anon)]);
}

#[test]
fn protect_merges_with_untouched_neighbour() {
    let mut s = VmaSet::new();
    s.insert(anon(0, 2, Perm::R)).unwrap();
    s.insert(anon(2, 4, rw())).unwrap();
    s.insert(anon(4, 6, Perm::R)).unwrap();
    assert_eq!(s.len(), 3);
    s.protect(2 * P, 4 * P, Perm::R).unwrap();
    assert_eq!(dump(&s), vec![(0, 6, Perm::R, Mock::Anon)]);
}

#[test]
fn protect_over_hole_fails_unchanged() {
    let mut s = VmaSet::new();
    s.insert(anon(0, 2, Perm::R)).unwrap();
    s.insert(anon(3, 5, Perm::R)).unwrap();
    let before = dump(&s);
    assert_eq!(s.protect(P, 4 * P, rw()), Err(VmaError::NotMapped));
    assert_eq!(s.protect(4 * P, 6 * P, rw()), Err(VmaError::NotMapped));
    assert_eq!(s.protect(10 * P, 11 * P, rw()), Err(VmaError::NotMapped));
    assert_eq!(dump(&s), before);
}

#[test]
fn protect_argument_errors() {
    let mut s = VmaSet::new();
    s.insert(anon(0, 2, Perm::R)).unwrap();
    assert_eq!(s.protect(1, P, rw()), Err(VmaError::Unaligned));
    assert_eq!(s.protect(0, P + 1, rw()), Err(VmaError::Unaligned));
    assert_eq!(s.protect(P, 0, rw()), Err(VmaError::Empty));
    assert_eq!(s.protect(P, P, rw()), Ok(()));
    assert_eq!(
        s.protect(9 * P, 9 * P, rw()),
        Ok(()),
        "empty range need not be mapped"
    );
    assert_eq!(dump(&s), vec![(0, 2, Perm::R, Mock::Anon)]);
}

#[test]
fn protect_spanning_adjacent_areas() {
    let mut s = VmaSet::new();
    s.insert(area(0, 2, Perm::R, file(1, 0))).unwrap();
    s.insert(anon(2, 4, rw())).unwrap();
    s.protect(P, 3 * P, Perm::X).unwrap();
    assert_eq!(
        dump(&s),
        vec![
            (0, 1, Perm::R, file(1, 0)),
            (1, 2, Perm::X, file(1, P)),
            (2, 3, Perm::X, Mock::Anon),
            (3, 4, rw(), Mock::Anon)
        ]
    );
}

// ---- find_free ----

#[test]
fn find_free_top_down() {
    let mut s = VmaSet::new();
    assert_eq!(s.find_free(2 * P, None, 0, 100 * P), Some(98 * P));
    s.insert(anon(96, 100, Perm::R)).unwrap();
    s.insert(anon(90, 95, Perm::R)).unwrap();
    // the 1-page gap at 95 is too small for 2 pages; next gap ends at 90
    assert_eq!(s.find_free(2 * P, None, 0, 100 * P), Some(88 * P));
    assert_eq!(s.find_free(P, None, 0, 100 * P), Some(95 * P));
    assert_eq!(
        s.find_free(P + 1, None, 0, 100 * P),
        Some(88 * P),
        "len rounds up"
    );
}

#[test]
fn find_free_hint() {
    let mut s = VmaSet::new();
    s.insert(anon(50, 60, Perm::R)).unwrap();
    assert_eq!(s.find_free(2 * P, Some(10 * P), 0, 100 * P), Some(10 * P));
    assert_eq!(s.find_free(2 * P, Some(48 * P), 0, 100 * P), Some(48 * P));
    // overlapping, unaligned or out-of-bounds hints fall back to top-down
    assert_eq!(s.find_free(2 * P, Some(49 * P), 0, 100 * P), Some(98 * P));
    assert_eq!(
        s.find_free(2 * P, Some(10 * P + 1), 0, 100 * P),
        Some(98 * P)
    );
    assert_eq!(s.find_free(2 * P, Some(99 * P), 0, 100 * P), Some(98 * P));
    assert_eq!(s.find_free(2 * P, Some(P), 5 * P, 100 * P), Some(98 * P));
    assert_eq!(
        s.find_free(2 * P, Some(usize::MAX & !(P - 1)), 0, 100 * P),
        Some(98 * P)
    );
}

#[test]
fn find_free_bounds() {
    let mut s = VmaSet::new();
    s.insert(anon(40, 60, Perm::R)).unwrap(); // straddles hi = 50
    s.insert(anon(0, 10, Perm::R)).unwrap(); // straddles lo = 5
    assert_eq!(s.find_free(P, None, 5 * P, 50 * P), Some(39 * P));
    assert_eq!(s.find_free(30 * P, None, 5 * P, 50 * P), Some(10 * P));
    assert_eq!(s.find_free(31 * P, None, 5 * P, 50 * P), None);
    // lo rounds up, hi rounds down
    assert_eq!(s.find_free(P, None, 12 * P + 1, 15 * P - 1), Some(13 * P));
    assert_eq!(s.find_free(P, None, 12 * P + 1, 13 * P + 5), None);
    assert_eq!(s.find_free(0, None, 0, 100 * P), None, "zero length");
    assert_eq!(s.find_free(P, None, 50 * P, 50 * P), None);
    assert_eq!(s.find_free(P, None, 45 * P, 55 * P), None, "all taken");
    assert_eq!(s.find_free(usize::MAX, None, 0, usize::MAX), None);
    assert_eq!(
        s.find_free(P, None, 70 * P, usize::MAX),
        Some(usize::MAX / P * P - P)
    );
}

#[test]
fn find_free_gap_exactly_fits_at_lo() {
    let mut s = VmaSet::new();
    s.insert(anon(12, 20, Perm::R)).unwrap();
    assert_eq!(s.find_free(2 * P, None, 10 * P, 20 * P), Some(10 * P));
    assert_eq!(s.find_free(3 * P, None, 10 * P, 20 * P), None);
}

// ---- iteration and drain ----

#[test]
fn iter_in_order_and_drain() {
    let mut s: VmaSet<Mock> = VmaSet::default();
    s.insert(anon(30, 31, Perm::R)).unwrap();
    s.insert(anon(10, 11, Perm::X)).unwrap();
    s.insert(anon(20, 21, rw())).unwrap();
    let starts: Vec<_> = s.iter().map(|v| v.start / P).collect();
    assert_eq!(starts, vec![10, 20, 30]);
    for v in s.iter_mut() {
        v.perm = Perm::R;
    }
    assert_eq!(s.len(), 3);
    let all: Vec<_> = s.drain().collect();
    assert_eq!(
        all.iter().map(|v| v.start / P).collect::<Vec<_>>(),
        vec![10, 20, 30]
    );
    assert!(all.iter().all(|v| v.perm == Perm::R));
    assert!(s.is_empty());
    s.insert(anon(1, 2, Perm::R)).unwrap();
    assert_eq!(s.len(), 1);
}

#[test]
fn unit_backing_is_anonymous() {
    static EMPTY: VmaSet<()> = VmaSet::new(); // const constructor
    assert!(EMPTY.is_empty());
    let mut s = VmaSet::<()>::new();
    s.insert(Vma::new(0, P, Perm::R, VmaFlags::NONE, ()))
        .unwrap();
    s.insert(Vma::new(P, 2 * P, Perm::R, VmaFlags::NONE, ()))
        .unwrap();
    assert_eq!(s.len(), 1);
}

// ---- randomized check against a page-by-page model ----

/// One page of the model: perm and the page's own backing, or unmapped.
type Page = Option<(Perm, Mock)>;
const PAGES: usize = 48;

fn model_of(s: &VmaSet<Mock>) -> Vec<Page> {
    let mut m = vec![None; PAGES];
    for v in s.iter() {
        let pages = &mut m[v.start / P..v.end / P];
        for (i, page) in pages.iter_mut().enumerate() {
            *page = Some((v.perm, v.backing.offset_by(i * P)));
        }
    }
    m
}

/// Sorted, disjoint, aligned, non-empty, and no two neighbours that should
/// have been merged.
fn check_invariants(s: &VmaSet<Mock>) {
    let v: Vec<_> = s.iter().collect();
    for a in &v {
        assert!(a.start < a.end && a.start % P == 0 && a.end % P == 0);
    }
    for w in v.windows(2) {
        assert!(w[0].end <= w[1].start);
        if w[0].end == w[1].start {
            let same = w[0].perm == w[1].perm
                && w[0].flags == w[1].flags
                && w[0].backing.mergeable(w[0].len(), &w[1].backing);
            assert!(!same, "unmerged neighbours {:?} {:?}", w[0], w[1]);
        }
    }
}

#[test]
fn random_ops_match_page_model() {
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut rnd = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let perms = [Perm::R, rw(), Perm::X, Perm::NONE];
    for _round in 0..200 {
        let mut s = VmaSet::new();
        let mut m: Vec<Page> = vec![None; PAGES];
        for _op in 0..40 {
            let a = rnd(PAGES);
            let b = a + 1 + rnd(PAGES - a);
            let perm = perms[rnd(perms.len())];
            match rnd(3) {
                0 => {
                    let backing = if rnd(2) == 0 {
                        Mock::Anon
                    } else {
                        // page-granular offsets from a couple of files so merges happen
                        file(rnd(2) as u32, (a + rnd(2)) * P)
                    };
                    let free = m[a..b].iter().all(|p| p.is_none());
                    let r = s.insert(area(a, b, perm, backing));
                    assert_eq!(r.is_ok(), free);
                    if free {
                        for (i, page) in m[a..b].iter_mut().enumerate() {
                            *page = Some((perm, backing.offset_by(i * P)));
                        }
                    }
                }
                1 => {
                    let removed = s.remove_range(a * P, b * P).unwrap();
                    let mut pages = 0;
                    for v in &removed {
                        assert!(v.start >= a * P && v.end <= b * P);
                        pages += v.len() / P;
                    }
                    assert_eq!(pages, m[a..b].iter().filter(|p| p.is_some()).count());
                    m[a..b].iter_mut().for_each(|p| *p = None);
                }
                _ => {
                    let mapped = m[a..b].iter().all(|p| p.is_some());
                    let r = s.protect(a * P, b * P, perm);
                    assert_eq!(r.is_ok(), mapped);
                    if mapped {
                        m[a..b]
                            .iter_mut()
                            .for_each(|p| p.as_mut().unwrap().0 = perm);
                    }
                }
            }
            check_invariants(&s);
            assert_eq!(model_of(&s), m);
        }
    }
}

/// The same random operations on a set limited to a few areas: it never
/// holds more, a refused operation changes nothing, and everything else
/// matches the page model.
#[test]
fn random_ops_respect_the_area_limit() {
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut rnd = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let perms = [Perm::R, rw(), Perm::NONE];
    let mut refused = 0;
    for round in 0..300 {
        let limit = 1 + round % 6;
        let mut s = VmaSet::with_limit(limit);
        let mut m: Vec<Page> = vec![None; PAGES];
        for _op in 0..40 {
            let a = rnd(PAGES);
            let b = a + 1 + rnd(PAGES - a);
            let perm = perms[rnd(perms.len())];
            let before = model_of(&s);
            let r = match rnd(3) {
                0 => {
                    let r = s.insert(area(a, b, perm, Mock::Anon));
                    if r.is_ok() {
                        for page in &mut m[a..b] {
                            *page = Some((perm, Mock::Anon));
                        }
                    }
                    r
                }
                1 => {
                    let predicted = s.len_after_remove(a * P, b * P);
                    let r = s.remove_range(a * P, b * P).map(|_| ());
                    if r.is_ok() {
                        assert_eq!(s.len(), predicted, "len_after_remove");
                        m[a..b].iter_mut().for_each(|p| *p = None);
                    }
                    r
                }
                _ => {
                    let r = s.protect(a * P, b * P, perm);
                    if r.is_ok() {
                        m[a..b]
                            .iter_mut()
                            .for_each(|p| p.as_mut().unwrap().0 = perm);
                    }
                    r
                }
            };
            if r == Err(VmaError::TooMany) {
                refused += 1;
                assert_eq!(model_of(&s), before, "a refused operation changed the set");
            }
            assert!(s.len() <= limit, "{} areas, limit {}", s.len(), limit);
            check_invariants(&s);
            assert_eq!(model_of(&s), m);
        }
    }
    assert!(refused > 100, "the limit was hit only {} times", refused);
}

#[test]
fn area_limit_refuses_only_growth() {
    let mut s = VmaSet::with_limit(3);
    s.insert(anon(10, 11, Perm::R)).unwrap();
    s.insert(anon(11, 12, rw())).unwrap();
    s.insert(anon(12, 13, Perm::R)).unwrap();
    // A fourth area does not fit; one that merges with a neighbour does.
    assert_eq!(s.insert(anon(20, 21, Perm::R)), Err(VmaError::TooMany));
    s.insert(anon(13, 14, Perm::R)).unwrap();
    assert_eq!(s.len(), 3);
    // Splitting [12, 14) for good would make four.
    assert_eq!(s.protect(13 * P, 14 * P, Perm::X), Err(VmaError::TooMany));
    assert_eq!(
        s.remove_range(13 * P, 14 * P - P / 2).map(|r| r.len()),
        Ok(1)
    );
    assert_eq!(s.len(), 3);
    s.insert(anon(13, 14, Perm::R)).unwrap();
    assert_eq!(
        s.remove_range(12 * P + P / 2, 12 * P + P).map(|r| r.len()),
        Ok(1),
        "a whole page removed from the end of an area"
    );
    // Removing the middle page of [10, 13) R-RW-R after re-protecting it.
    s.insert(anon(12, 13, Perm::R)).unwrap();
    assert_eq!(s.protect(11 * P, 12 * P, Perm::R), Ok(()));
    assert_eq!(s.len(), 1, "all R again: one area");
    assert_eq!(s.len_after_remove(11 * P, 12 * P), 2);
    assert_eq!(s.remove_range(11 * P, 12 * P).map(|r| r.len()), Ok(1));
    assert_eq!(s.len(), 2);
}
