//! Walker tests over a mock memory: a vector of table pages whose physical
//! addresses start at `BASE`, with an optional cap on allocations.

extern crate std;

use super::*;
use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;

const BASE: usize = 0x8000_0000;
const P: usize = crate::PAGE_SIZE;

struct Mem {
    pages: Vec<Box<[u64; ENTRIES]>>,
    /// How many more tables may be allocated.
    budget: usize,
}

impl Mem {
    /// A memory holding only a zeroed root table at BASE.
    fn new(budget: usize) -> Self {
        Mem {
            pages: vec![Box::new([0; ENTRIES])],
            budget,
        }
    }
    fn page(&self, pa: usize) -> usize {
        assert!(pa >= BASE && pa.is_multiple_of(P), "bad table pa {pa:#x}");
        (pa - BASE) / P
    }
}

impl PhysMem for Mem {
    fn read_pte(&self, table_pa: usize, index: usize) -> u64 {
        self.pages[self.page(table_pa)][index]
    }
    fn write_pte(&mut self, table_pa: usize, index: usize, pte: u64) {
        let p = self.page(table_pa);
        self.pages[p][index] = pte;
    }
    fn alloc_table(&mut self) -> Option<usize> {
        if self.budget == 0 {
            return None;
        }
        self.budget -= 1;
        self.pages.push(Box::new([0; ENTRIES]));
        Some(BASE + (self.pages.len() - 1) * P)
    }
}

/// Map `va` to `pa` with `flags | V` through `walk`, as the kernel would.
fn map(m: &mut Mem, va: usize, pa: usize, flags: u64) -> bool {
    match walk(m, BASE, va, true) {
        Some((t, i)) => {
            m.write_pte(t, i, pa_to_pte(pa, flags | V));
            true
        }
        None => false,
    }
}

#[test]
fn flags_match_abi() {
    use abi::vmstat::*;
    let ours = [V, R, W, X, U, G, A, D, COW, SHARED];
    let theirs = [
        PTE_V, PTE_R, PTE_W, PTE_X, PTE_U, PTE_G, PTE_A, PTE_D, PTE_COW, PTE_SHARED,
    ];
    assert_eq!(ours, theirs);
    assert_eq!(ours.iter().fold(0, |a, b| a | b), FLAGS_MASK);
    assert_eq!(MAXVA, abi::layout::MAXVA);
}

#[test]
fn indices_and_pte_encoding() {
    let va = (3 << 30) | (5 << 21) | (7 << 12) | 0x123;
    assert_eq!(
        (va_index(va, 2), va_index(va, 1), va_index(va, 0)),
        (3, 5, 7)
    );
    assert_eq!(va_index(MAXVA - 1, 2), 255);
    let pte = pa_to_pte(0x8765_4000, R | W | V);
    assert_eq!(pte, (0x87654 << 10) | R | W | V);
    assert_eq!(pte_pa(pte), 0x8765_4000);
    assert_eq!(pte & FLAGS_MASK, R | W | V);
    // reserved/PBMT/N bits above the PPN are not part of the address
    assert_eq!(pte_pa(pte | (0x3ff << 54)), 0x8765_4000);
    assert!(is_leaf(pte) && !is_leaf(pa_to_pte(BASE, V)) && !is_leaf(R | W));
}

#[test]
fn walk_without_alloc_finds_nothing() {
    let mut m = Mem::new(10);
    assert_eq!(walk(&mut m, BASE, 0x1000, false), None);
    assert_eq!(m.pages.len(), 1, "no tables allocated");
    assert_eq!(lookup(&m, BASE, 0x1000), None);
}

#[test]
fn walk_allocates_two_tables_then_reuses_them() {
    let mut m = Mem::new(10);
    let (t, i) = walk(&mut m, BASE, 0x5000, true).unwrap();
    assert_eq!(m.pages.len(), 3, "root + level-1 + level-0");
    assert_eq!(i, 5);
    assert_eq!(t, BASE + 2 * P);
    // root and level-1 entries are pointers: V only
    assert_eq!(m.read_pte(BASE, 0), pa_to_pte(BASE + P, V));
    assert_eq!(m.read_pte(BASE + P, 0), pa_to_pte(BASE + 2 * P, V));
    // a neighbour in the same 2 MiB shares the leaf table
    assert_eq!(walk(&mut m, BASE, 0x1f_f000, true), Some((t, 511)));
    assert_eq!(walk(&mut m, BASE, 0x5fff, false), Some((t, 5)));
    assert_eq!(m.pages.len(), 3);
    // next 2 MiB needs one more table, next 1 GiB two more
    walk(&mut m, BASE, 0x20_0000, true).unwrap();
    assert_eq!(m.pages.len(), 4);
    walk(&mut m, BASE, 0x4000_0000, true).unwrap();
    assert_eq!(m.pages.len(), 6);
}

#[test]
fn walk_fails_cleanly_when_out_of_memory() {
    let mut m = Mem::new(1);
    assert_eq!(walk(&mut m, BASE, 0x1000, true), None);
    let mut m = Mem::new(0);
    assert_eq!(walk(&mut m, BASE, 0x1000, true), None);
    assert_eq!(m.read_pte(BASE, 0), 0, "root untouched");
}

#[test]
fn walk_refuses_high_addresses_and_superpages() {
    let mut m = Mem::new(10);
    assert_eq!(walk(&mut m, BASE, MAXVA, true), None);
    assert_eq!(walk(&mut m, BASE, usize::MAX, true), None);
    assert!(walk(&mut m, BASE, MAXVA - P, true).is_some());
    // a 1 GiB leaf in root slot 1
    m.write_pte(BASE, 1, pa_to_pte(0x4000_0000, R | V));
    assert_eq!(walk(&mut m, BASE, 0x4000_1000, true), None);
    assert_eq!(lookup(&m, BASE, 0x4000_1000), None);
}

#[test]
fn lookup_returns_mapped_leaf() {
    let mut m = Mem::new(10);
    assert!(map(&mut m, 0x3000, 0x9000_0000, R | U));
    assert_eq!(
        lookup(&m, BASE, 0x3abc),
        Some(pa_to_pte(0x9000_0000, R | U | V))
    );
    assert_eq!(lookup(&m, BASE, 0x4000), None);
    // a valid but permissionless entry at level 0 is not a leaf
    let (t, i) = walk(&mut m, BASE, 0x4000, false).unwrap();
    m.write_pte(t, i, pa_to_pte(0x9000_1000, V));
    assert_eq!(lookup(&m, BASE, 0x4000), None);
}

#[test]
fn for_each_leaf_in_ascending_order() {
    let mut m = Mem::new(20);
    let vas = [
        MAXVA - P,
        0x4000_0000,
        0x0,
        0x20_1000,
        0x1000,
        0x3f_ffff_0000,
    ];
    for (n, &va) in vas.iter().enumerate() {
        assert!(map(&mut m, va, 0x9000_0000 + n * P, R | W | U | COW));
    }
    // an invalid leaf slot next to valid ones is skipped
    let (t, i) = walk(&mut m, BASE, 0x2000, true).unwrap();
    m.write_pte(t, i, pa_to_pte(0x9999_0000, R)); // no V
    let mut seen = Vec::new();
    for_each_leaf(&m, BASE, |va, pte| {
        seen.push((va, pte_pa(pte), pte & FLAGS_MASK))
    });
    let mut want: Vec<_> = vas
        .iter()
        .enumerate()
        .map(|(n, &va)| (va, 0x9000_0000 + n * P, R | W | U | COW | V))
        .collect();
    want.sort();
    assert_eq!(seen, want);
}

#[test]
fn for_each_leaf_reports_superpage_and_sign_extends() {
    let mut m = Mem::new(10);
    m.write_pte(BASE, 2, pa_to_pte(0x8000_0000, R | X | V)); // 1 GiB leaf
    m.write_pte(BASE, 256, pa_to_pte(0x8000_0000, R | V)); // upper half
    let mut seen = Vec::new();
    for_each_leaf(&m, BASE, |va, _| seen.push(va));
    assert_eq!(seen, vec![0x8000_0000, 0xffff_ffc0_0000_0000]);
}

#[test]
fn for_each_table_children_first() {
    let mut m = Mem::new(20);
    assert!(map(&mut m, 0x1000, 0x9000_0000, R | V));
    assert!(map(&mut m, 0x20_0000, 0x9000_1000, R | V));
    assert!(map(&mut m, 0x4000_0000, 0x9000_2000, R | V));
    let mut seen = Vec::new();
    for_each_table(&m, BASE, |pa| seen.push(pa));
    // tables were allocated as: L1a=1, L0a=2, L0b=3, L1b=4, L0c=5
    let t = |n: usize| BASE + n * P;
    assert_eq!(seen, vec![t(2), t(3), t(1), t(5), t(4)]);
    let empty = Mem::new(0);
    let mut n = 0;
    for_each_table(&empty, BASE, |_| n += 1);
    assert_eq!(n, 0);
}

#[test]
fn for_each_leaf_from_resumes_in_bounded_pieces() {
    let mut m = Mem::new(40);
    let mut vas: Vec<usize> = (0..50).map(|k| k * P).collect();
    vas.extend([0x20_0000, 0x20_1000, 0x4000_0000, MAXVA - 2 * P]);
    for (n, &va) in vas.iter().enumerate() {
        assert!(map(&mut m, va, 0x9000_0000 + n * P, R | U));
    }
    // Pieces of at most 7, each resuming one page past the last address.
    let mut seen: Vec<usize> = Vec::new();
    let mut from = 0;
    loop {
        let mut piece = Vec::new();
        let done = for_each_leaf_from(&m, BASE, from, |va, _| {
            piece.push(va);
            piece.len() < 7
        });
        assert!(piece.len() <= 7);
        seen.extend(&piece);
        match piece.last() {
            Some(&last) if !done => from = last + P,
            _ => break,
        }
    }
    let mut want = vas.clone();
    want.sort();
    assert_eq!(seen, want);
    // A start inside the range skips what lies below it.
    let mut above = Vec::new();
    for_each_leaf_from(&m, BASE, 0x20_1000, |va, _| {
        above.push(va);
        true
    });
    assert_eq!(above, vec![0x20_1000, 0x4000_0000, MAXVA - 2 * P]);
}
