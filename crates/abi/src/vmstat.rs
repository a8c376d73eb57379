//! What the kernel reports about virtual memory: `SYS_VMSTAT` counters and
//! `SYS_PTDUMP` rows.

/// Fault outcomes, indexes into [`VmStat::faults`].
pub mod fault {
    /// Read of a never-written anonymous page: mapped the shared zero frame.
    pub const ZERO_MAPPED: usize = 0;
    /// First write: a private zeroed frame.
    pub const ZERO_FILLED: usize = 1;
    /// Page read from a file (exec or mmap).
    pub const FILE_READ: usize = 2;
    /// Copy-on-write fault that copied the frame.
    pub const COW_COPY: usize = 3;
    /// Copy-on-write fault that took over a frame it was last owner of.
    pub const COW_TAKEOVER: usize = 4;
    /// Stack page mapped on fault.
    pub const STACK_GROWTH: usize = 5;
    /// Accessed/Dirty bit set by software.
    pub const AD_SET: usize = 6;
    /// Refused: the access was outside the process's memory or not allowed.
    pub const REFUSED: usize = 7;
    /// Page brought back from swap.
    pub const SWAP_IN: usize = 8;
    pub const COUNT: usize = 16;
    /// Names, for printing.
    pub const NAMES: [&str; 9] = [
        "zero-mapped",
        "zero-filled",
        "file-read",
        "cow-copy",
        "cow-takeover",
        "stack-growth",
        "ad-set",
        "refused",
        "swap-in",
    ];
}

/// `SYS_VMSTAT` result. All counts since boot.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct VmStat {
    pub total_frames: u64,
    pub free_frames: u64,
    /// Page faults by outcome; see [`fault`].
    pub faults: [u64; fault::COUNT],
    /// Pages read from files for page faults.
    pub file_pages_read: u64,
    /// Pages written back to files (shared mappings).
    pub file_pages_written: u64,
    pub swap_ins: u64,
    pub swap_outs: u64,
    /// Copy-on-write fork enabled (1) or eager copy (0).
    pub cow_enabled: u64,
    /// Swap-ins served by a frame already in the swap cache (no disk read).
    pub swap_cache_hits: u64,
    /// Pages reclaim looked at (its clock hand passed them).
    pub pages_scanned: u64,
    /// Frames reclaim freed.
    pub pages_reclaimed: u64,
    /// Clean file pages reclaim unmapped (to be read again on use).
    pub file_pages_dropped: u64,
    /// Dirty shared-file pages reclaim wrote back before dropping them.
    pub dirty_written_back: u64,
    /// Allocations that reclaimed themselves (free frames below min).
    pub direct_reclaims: u64,
    /// Times the reclaim thread woke (free frames below low).
    pub reclaim_wakeups: u64,
    /// Processes killed for lack of memory.
    pub oom_kills: u64,
    /// Swap slots in all / in use (0 / 0 without a swap disk).
    pub swap_slots_total: u64,
    pub swap_slots_used: u64,
    /// The watermarks, in frames: min < low < high.
    pub wmark_min: u64,
    pub wmark_low: u64,
    pub wmark_high: u64,
    /// The replacement policy global reclaim runs and new resident-limited
    /// regions follow: [`POLICY_NAMES`]`[policy - 1]`.
    pub policy: u64,
    /// Victims the replacement policies chose: global reclaim's and the
    /// resident-limited regions'.
    pub policy_evictions: u64,
    /// LRU aging scans done (of the frame table and of regions).
    pub policy_scans: u64,
    /// A bits found set and cleared by scans and clock hands.
    pub policy_a_clears: u64,
    /// Milliseconds between two timer-driven aging scans (0: off).
    pub scan_ms: u64,
    /// PTEs global reclaim unmapped through the reverse map.
    pub rmap_unmaps: u64,
    /// Frames global reclaim evicted from several PTEs at once (copy-on-write
    /// after fork, shared file pages): each of their PTEs went in one step.
    pub rmap_shared: u64,
    pub _reserved: [u64; 2],
}

/// vmstat's lines for the reclaim and swap counters, in order: name and
/// field. (The older counters print as before.)
pub fn reclaim_rows(v: &VmStat) -> [(&'static str, u64); 15] {
    [
        ("swap-cache-hits", v.swap_cache_hits),
        ("pages-scanned", v.pages_scanned),
        ("pages-reclaimed", v.pages_reclaimed),
        ("file-pages-dropped", v.file_pages_dropped),
        ("dirty-written-back", v.dirty_written_back),
        ("direct-reclaims", v.direct_reclaims),
        ("reclaim-wakeups", v.reclaim_wakeups),
        ("oom-kills", v.oom_kills),
        ("rmap-unmaps", v.rmap_unmaps),
        ("rmap-shared", v.rmap_shared),
        ("swap-slots-total", v.swap_slots_total),
        ("swap-slots-used", v.swap_slots_used),
        ("wmark-min", v.wmark_min),
        ("wmark-low", v.wmark_low),
        ("wmark-high", v.wmark_high),
    ]
}

/// One mapping, as `SYS_PTDUMP` reports it.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct PtEntry {
    pub va: u64,
    pub pa: u64,
    /// The leaf PTE's low 10 bits; see the `PTE_*` constants.
    pub flags: u64,
}

pub const PTE_V: u64 = 1 << 0;
pub const PTE_R: u64 = 1 << 1;
pub const PTE_W: u64 = 1 << 2;
pub const PTE_X: u64 = 1 << 3;
pub const PTE_U: u64 = 1 << 4;
pub const PTE_G: u64 = 1 << 5;
pub const PTE_A: u64 = 1 << 6;
pub const PTE_D: u64 = 1 << 7;
/// Software bit (RSW 0): the page is copy-on-write.
pub const PTE_COW: u64 = 1 << 8;
/// Software bit (RSW 1): the page is shared-writable from a file mapping.
pub const PTE_SHARED: u64 = 1 << 9;

/// A `PtEntry` for a page out on swap has only this flag (not a PTE bit:
/// a swapped PTE is not valid) and its swap slot in `pa`.
pub const PTDUMP_SWAPPED: u64 = 1 << 10;

/// `SYS_VMCTL` operations.
/// Choose fork's strategy: arg 1 = copy-on-write, 0 = eager copy.
pub const VMCTL_COW: usize = 1;
/// Test hook: take free frames away until only `arg` remain free (or none
/// are left), so tests can run a call with exactly N free frames. Returns
/// how many frames are now held. The frames stay held until
/// [`VMCTL_UNHOLD`], by whichever process calls it.
pub const VMCTL_HOLD: usize = 2;
/// Test hook: give back every frame [`VMCTL_HOLD`] took; returns how many.
pub const VMCTL_UNHOLD: usize = 3;
/// Set the global replacement policy: arg = policy number (1-based index
/// into [`POLICY_NAMES`]), or 0 to only ask. Returns the previous number.
/// Regions that follow the global policy switch at their next fault or scan.
pub const VMCTL_POLICY: usize = 4;
/// Set the aging-scan interval in ms (0 = no timer scans); `usize::MAX`
/// only asks. Returns the previous interval.
pub const VMCTL_SCAN_MS: usize = 5;
/// Give the region [a1, a1 + a2) a resident limit of a3 frames. a4: the
/// policy number in the low 4 bits (0 = follow the global policy) and the
/// `LIMIT_*` flags. The range must lie in one file-backed area. See
/// docs/replacement.md.
pub const VMCTL_LIMIT: usize = 6;
/// Drop the resident limit of the region that starts at a1.
pub const VMCTL_UNLIMIT: usize = 7;
/// Copy the [`RegionStat`] of the region that starts at a1 to a2.
pub const VMCTL_REGION_STAT: usize = 8;
/// Run one aging scan over the region that starts at a1 now.
pub const VMCTL_SCAN: usize = 9;
/// Move up to a3 recorded events of the region at a1 into the u64 array at
/// a2 (see [`event`]); returns how many.
pub const VMCTL_EVENTS: usize = 10;

/// The policy names, numbered from 1 in vmctl and vmstat.
pub const POLICY_NAMES: [&str; 4] = ["fifo", "lru", "clock", "eclock"];

/// `VMCTL_LIMIT` flag: no timer scans for this region; only `VMCTL_SCAN`.
pub const LIMIT_MANUAL_SCAN: usize = 1 << 4;
/// `VMCTL_LIMIT` flag: record faults and evictions for `VMCTL_EVENTS`.
pub const LIMIT_TRACE: usize = 1 << 5;

/// Recorded region events: `vpn << 1 | kind`.
pub mod event {
    pub const FAULT: u64 = 0;
    pub const EVICT: u64 = 1;
    /// Events a region keeps until they are read; later ones are counted
    /// in `RegionStat::events_lost`.
    pub const CAPACITY: usize = 1024;
}

/// What `VMCTL_REGION_STAT` reports about one resident-limited region.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct RegionStat {
    pub start: u64,
    pub end: u64,
    pub limit: u64,
    pub resident: u64,
    /// Page-ins: faults that made a page of the region present.
    pub faults: u64,
    pub evictions: u64,
    /// Dirty shared pages written to the file on eviction.
    pub writebacks: u64,
    pub scans: u64,
    pub a_clears: u64,
    /// Faults that found no evictable page and went over the limit.
    pub over_limit: u64,
    pub events_lost: u64,
    /// Policy number (see [`POLICY_NAMES`]).
    pub policy: u64,
}
/// Set the watermarks: `vmctl(VMCTL_WMARK, min, low, high)` (frames).
/// 0, or -1 (nothing changed) unless 0 < min < low < high <= 3/4 of RAM.
pub const VMCTL_WMARK: usize = 11;
/// Reclaim now: `vmctl(VMCTL_RECLAIM, n)` evicts the caller's own idle
/// pages until `n` frames were freed (or nothing more of its can go) and
/// returns how many were; 0 only drops idle swap-cache frames.
pub const VMCTL_RECLAIM: usize = 12;
/// Read the swap disk raw: `vmctl(VMCTL_DISKREAD, n)` reads `n` pages from
/// its start, one 4 KiB request at a time (as swap-in does), and returns
/// `n`, or -1 without a swap disk. For `bench`'s disk/read row.
pub const VMCTL_DISKREAD: usize = 13;
/// Instructions retired while harts waited in the idle loop's `wfi`,
/// summed over harts, since boot. Under QEMU's `-icount` the instruction
/// counter runs on while a hart waits (it is virtual time), so `bench`
/// subtracts this to count work only (docs/performance.md).
pub const VMCTL_IDLE: usize = 14;
/// Test hook: `vmctl(VMCTL_FAIL_UNSHARE, n)` makes the next `n` copies of a
/// page table shared by fork fail as if no frame were free (other
/// allocations go on succeeding); returns the count it replaces.
pub const VMCTL_FAIL_UNSHARE: usize = 15;
/// Test hook: `vmctl(VMCTL_TABLE_SHARED, va)` is 1 if the caller's level-0
/// page table covering `va` is shared with another process (copy-on-write
/// fork shares them until one side changes a leaf: docs/vm.md section 9),
/// 0 if it is the caller's own, -1 if there is none. Lets tests see that
/// only a change to a leaf copies a shared table (reclaim looking at one
/// must not, nor may it write one: docs/vm.md section 13, invariant 6).
pub const VMCTL_TABLE_SHARED: usize = 16;
