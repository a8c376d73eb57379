// What faultline's kernel reports about virtual memory: vmstat() counters,
// ptdump() rows and the vmctl() operations. Layouts match
// crates/abi/src/vmstat.rs (checked at every C build).

// Page-fault outcomes: indexes into struct vmstat's faults[].
#define VMF_ZERO_MAPPED   0  // read of a never-written page: shared zero frame
#define VMF_ZERO_FILLED   1  // first write: a private zeroed frame
#define VMF_FILE_READ     2  // page read from a file (exec or mmap)
#define VMF_COW_COPY      3  // copy-on-write fault that copied the frame
#define VMF_COW_TAKEOVER  4  // copy-on-write fault by the frame's last owner
#define VMF_STACK_GROWTH  5  // stack page mapped on fault
#define VMF_AD_SET        6  // Accessed/Dirty bit set by software
#define VMF_REFUSED       7  // bad access: the process is killed
#define VMF_SWAP_IN       8  // page brought back from swap
#define VMF_COUNT        16  // size of faults[]

// vmstat(): all counts since boot.
struct vmstat {
  uint64 total_frames;
  uint64 free_frames;
  uint64 faults[VMF_COUNT];   // by outcome, VMF_*
  uint64 file_pages_read;     // pages read from files for page faults
  uint64 file_pages_written;  // pages written back to files (shared maps)
  uint64 swap_ins;
  uint64 swap_outs;
  uint64 cow_enabled;         // 1 copy-on-write fork, 0 eager copy
  uint64 swap_cache_hits;     // swap-ins served from the swap cache
  uint64 pages_scanned;       // pages reclaim's clock hand looked at
  uint64 pages_reclaimed;     // frames reclaim freed
  uint64 file_pages_dropped;  // clean file pages unmapped by reclaim
  uint64 dirty_written_back;  // dirty shared-file pages reclaim wrote
  uint64 direct_reclaims;     // allocations that reclaimed themselves
  uint64 reclaim_wakeups;     // reclaim thread wake-ups
  uint64 oom_kills;           // processes killed for lack of memory
  uint64 swap_slots_total;
  uint64 swap_slots_used;
  uint64 wmark_min;           // watermarks, in frames
  uint64 wmark_low;
  uint64 wmark_high;
  uint64 policy;              // replacement policy, 1 fifo 2 lru 3 clock 4 eclock
  uint64 policy_evictions;    // evictions from resident-limited regions
  uint64 policy_scans;        // LRU aging scans of those regions
  uint64 policy_a_clears;     // A bits cleared by scans and clock hands
  uint64 scan_ms;             // ms between timer-driven aging scans (0 off)
  uint64 rmap_unmaps;
  uint64 rmap_shared;
  uint64 _reserved[2];
};

// ptdump(): one mapping.
struct ptentry {
  uint64 va;
  uint64 pa;
  uint64 flags;   // the leaf PTE's low 10 bits, PTE_*
};

// PTE bits. The first five are written exactly as in kernel/riscv.h, so
// including both headers is fine.
#define PTE_V (1L << 0) // valid
#define PTE_R (1L << 1)
#define PTE_W (1L << 2)
#define PTE_X (1L << 3)
#define PTE_U (1L << 4) // user can access
#define PTE_G (1L << 5)
#define PTE_A (1L << 6)
#define PTE_D (1L << 7)
#define PTE_COW    (1L << 8)  // software bit: copy-on-write page
#define PTE_SHARED (1L << 9)  // software bit: shared-writable file page
#define PTDUMP_SWAPPED (1L << 10) // a ptentry for a swapped page: pa = slot

// vmctl() operations.
#define VMCTL_COW 1   // arg 1 = copy-on-write fork, 0 = eager copy
#define VMCTL_WMARK 11   // vmctl(VMCTL_WMARK, min, low, high), frames
#define VMCTL_RECLAIM 12 // vmctl(VMCTL_RECLAIM, n): evict own pages until n freed
#define VMCTL_DISKREAD 13 // vmctl(VMCTL_DISKREAD, n): read n swap-disk pages
