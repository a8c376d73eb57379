//! Sv39 page tables, walked through an abstract physical memory so the
//! logic can be tested on the host with a mock and used by the kernel with
//! real frames. Three levels of 512 eight-byte entries; a virtual address
//! is VPN[2] | VPN[1] | VPN[0] | 12-bit offset. Like xv6 we only use 4 KiB
//! leaves and addresses below [`MAXVA`] (2^38, avoiding sign extension).

/// Flag bits of a PTE. The values equal `abi::vmstat::PTE_*` (checked by a
/// test) because SYS_PTDUMP reports them to user space verbatim.
pub const V: u64 = 1 << 0;
pub const R: u64 = 1 << 1;
pub const W: u64 = 1 << 2;
pub const X: u64 = 1 << 3;
pub const U: u64 = 1 << 4;
pub const G: u64 = 1 << 5;
pub const A: u64 = 1 << 6;
pub const D: u64 = 1 << 7;
/// Software bit (RSW 0): write faults copy the frame (copy-on-write).
pub const COW: u64 = 1 << 8;
/// Software bit (RSW 1): a shared, file-backed frame.
pub const SHARED: u64 = 1 << 9;
/// The low 10 bits: every flag above.
pub const FLAGS_MASK: u64 = 0x3ff;

/// One above the highest address we map (xv6's MAXVA).
pub const MAXVA: usize = 1 << 38;
/// Entries per table page.
pub const ENTRIES: usize = 512;

/// The kernel's view of physical memory, reduced to what walking needs.
pub trait PhysMem {
    fn read_pte(&self, table_pa: usize, index: usize) -> u64;
    fn write_pte(&mut self, table_pa: usize, index: usize, pte: u64);
    /// A zeroed page for a new table; its physical address, or None if
    /// memory is exhausted.
    fn alloc_table(&mut self) -> Option<usize>;
}

/// The 9-bit index into the level-`level` table (2 = root) for `va`.
pub fn va_index(va: usize, level: usize) -> usize {
    (va >> (12 + 9 * level)) & 0x1ff
}

/// The physical address a PTE points to (PPN in bits 10..54).
pub fn pte_pa(pte: u64) -> usize {
    (((pte >> 10) & ((1 << 44) - 1)) << 12) as usize
}

/// A PTE pointing at page-aligned `pa` with `flags`.
pub fn pa_to_pte(pa: usize, flags: u64) -> u64 {
    (((pa >> 12) as u64) << 10) | flags
}

/// A valid PTE with any of R/W/X is a leaf; otherwise it points to the next
/// table (the Sv39 rule).
pub fn is_leaf(pte: u64) -> bool {
    pte & V != 0 && pte & (R | W | X) != 0
}

/// The slot of the level-0 (4 KiB leaf) entry for `va`: its table's
/// physical address and index. With `alloc`, missing intermediate tables
/// are allocated; without, or if allocation fails, the walk returns None.
/// Also None for `va >= MAXVA` and for a superpage leaf on the way, which
/// we never create.
pub fn walk<M: PhysMem>(
    mem: &mut M,
    root_pa: usize,
    va: usize,
    alloc: bool,
) -> Option<(usize, usize)> {
    if va >= MAXVA {
        return None;
    }
    let mut table = root_pa;
    for level in [2, 1] {
        let idx = va_index(va, level);
        let pte = mem.read_pte(table, idx);
        if pte & V != 0 {
            if is_leaf(pte) {
                return None;
            }
            table = pte_pa(pte);
        } else {
            if !alloc {
                return None;
            }
            let new = mem.alloc_table()?;
            mem.write_pte(table, idx, pa_to_pte(new, V));
            table = new;
        }
    }
    Some((table, va_index(va, 0)))
}

/// The valid level-0 leaf PTE for `va`, if any, without allocating.
pub fn lookup<M: PhysMem>(mem: &M, root_pa: usize, va: usize) -> Option<u64> {
    if va >= MAXVA {
        return None;
    }
    let mut table = root_pa;
    for level in [2, 1] {
        let pte = mem.read_pte(table, va_index(va, level));
        if pte & V == 0 || is_leaf(pte) {
            return None;
        }
        table = pte_pa(pte);
    }
    let pte = mem.read_pte(table, va_index(va, 0));
    is_leaf(pte).then_some(pte)
}

/// Call `f(va, pte)` for every valid leaf, in ascending va order (ptdump,
/// fork's copy, exit's teardown). A superpage leaf is reported once at its
/// base address. Valid entries with no R/W/X are followed as tables.
pub fn for_each_leaf<M: PhysMem>(mem: &M, root_pa: usize, mut f: impl FnMut(usize, u64)) {
    for_each_entry(mem, root_pa, |va, s| {
        if let crate::swap::PteState::Present(pte) = s {
            f(va, pte)
        }
    });
}

/// Like [`for_each_leaf`], but only leaves at or above `start` (an address
/// below 2^38), and only while `f` returns true: a caller can walk a big
/// table in bounded pieces, resuming after the last address it saw.
/// Returns false if `f` stopped the walk. (The present entries of
/// [`for_each_entry_from`].)
pub fn for_each_leaf_from<M: PhysMem>(
    mem: &M,
    root_pa: usize,
    start: usize,
    mut f: impl FnMut(usize, u64) -> bool,
) -> bool {
    for_each_entry_from(mem, root_pa, start, |va, s| match s {
        crate::swap::PteState::Present(pte) => f(va, pte),
        _ => true,
    })
}

/// Call `f(va, state)` for every level-0 entry that is not absent: present
/// leaves and swapped (or corrupt) entries, ascending. ptdump uses it to
/// show swapped pages with their slot.
pub fn for_each_entry<M: PhysMem>(
    mem: &M,
    root_pa: usize,
    mut f: impl FnMut(usize, crate::swap::PteState),
) {
    entries(mem, root_pa, 2, 0, &mut f);
}

fn entries<M: PhysMem>(
    mem: &M,
    table: usize,
    level: usize,
    base: usize,
    f: &mut impl FnMut(usize, crate::swap::PteState),
) {
    use crate::swap::PteState;
    for i in 0..ENTRIES {
        let pte = mem.read_pte(table, i);
        // Most entries are empty: teardown walks whole tables.
        if pte == 0 {
            continue;
        }
        let va = base | (i << (12 + 9 * level));
        if level == 0 || is_leaf(pte) {
            match PteState::of(pte) {
                PteState::Absent => {}
                s => f(sign_extend(va), s),
            }
        } else if pte & V != 0 {
            entries(mem, pte_pa(pte), level - 1, va, f);
        }
    }
}

/// Like [`for_each_entry`], but only entries at or above `start` (an
/// address below 2^38), and only while `f` returns true: ptdump walks a big
/// table in bounded pieces with it, swapped pages included. Returns false
/// if `f` stopped the walk.
pub fn for_each_entry_from<M: PhysMem>(
    mem: &M,
    root_pa: usize,
    start: usize,
    mut f: impl FnMut(usize, crate::swap::PteState) -> bool,
) -> bool {
    entries_from(mem, root_pa, 2, 0, start, &mut f)
}

fn entries_from<M: PhysMem>(
    mem: &M,
    table: usize,
    level: usize,
    base: usize,
    start: usize,
    f: &mut impl FnMut(usize, crate::swap::PteState) -> bool,
) -> bool {
    use crate::swap::PteState;
    let span = 1usize << (12 + 9 * level);
    for i in 0..ENTRIES {
        let va = base | (i << (12 + 9 * level));
        if va + span <= start {
            continue;
        }
        let pte = mem.read_pte(table, i);
        let go_on = if level == 0 || is_leaf(pte) {
            match PteState::of(pte) {
                PteState::Absent => true,
                s => va < start || f(sign_extend(va), s),
            }
        } else if pte & V != 0 {
            entries_from(mem, pte_pa(pte), level - 1, va, start, f)
        } else {
            true
        };
        if !go_on {
            return false;
        }
    }
    true
}

/// Sv39 addresses are sign-extended from bit 38; only the kernel's root
/// could have entries there, but report them as the hardware sees them.
fn sign_extend(va: usize) -> usize {
    if va & (1 << 38) != 0 {
        va | !((1 << 39) - 1)
    } else {
        va
    }
}

/// Call `f(table_pa)` for every table page below the root, children before
/// their parent, so the caller can free them (after freeing leaf frames
/// with [`for_each_leaf`]). The root itself is not reported.
pub fn for_each_table<M: PhysMem>(mem: &M, root_pa: usize, mut f: impl FnMut(usize)) {
    tables(mem, root_pa, 2, &mut f);
}

fn tables<M: PhysMem>(mem: &M, table: usize, level: usize, f: &mut impl FnMut(usize)) {
    if level == 0 {
        return;
    }
    for i in 0..ENTRIES {
        let pte = mem.read_pte(table, i);
        if pte & V != 0 && !is_leaf(pte) {
            let child = pte_pa(pte);
            tables(mem, child, level - 1, f);
            f(child);
        }
    }
}

#[cfg(test)]
mod tests;
