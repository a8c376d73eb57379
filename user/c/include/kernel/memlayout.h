// Addresses from xv6's kernel/memlayout.h that user programs use
// (usertests probes that the kernel's memory and the top pages are
// off limits). Needs kernel/riscv.h for MAXVA and PGSIZE.

// the kernel's memory starts here; user programs can never touch it.
#define KERNBASE 0x80000000L
// xv6's end of RAM (128 MB), kept for programs that mention it.
#define PHYSTOP (KERNBASE + 128*1024*1024)

// the trap entry code, mapped at the top of every address space.
#define TRAMPOLINE (MAXVA - PGSIZE)

// the saved-registers page, just below the trampoline.
#define TRAPFRAME (TRAMPOLINE - PGSIZE)
