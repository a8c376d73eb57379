//! The user address space (Sv39; user addresses below 2^38 as in xv6).
//!
//! ```text
//! MAXVA        0x40_0000_0000  -- nothing at or above
//! TRAMPOLINE   MAXVA - 1 page  -- kernel trap entry (not user accessible)
//! TRAPFRAME    MAXVA - 2 pages -- saved registers (not user accessible)
//! STACK_TOP    0x3f_ffff_0000  -- initial sp; the stack grows down
//!   STACK_PAGES pages of stack, STACK_INITIAL present at exec
//!   one guard page (touching it kills with "stack overflow")
//! MMAP_TOP     below the guard, mmap picks ranges growing down
//! MMAP_BASE    0x20_0000_0000  -- the heap's reach ends here
//! heap         from the end of the program's data, grows up with sbrk
//! text, data, bss  linked at 0 (xv6's user.ld)
//! ```

pub const PAGE_SIZE: usize = 4096;
pub const MAXVA: usize = 1 << 38;
pub const TRAMPOLINE: usize = MAXVA - PAGE_SIZE;
pub const TRAPFRAME: usize = TRAMPOLINE - PAGE_SIZE;
/// Initial stack pointer: the top of the stack area.
pub const STACK_TOP: usize = 0x3f_ffff_0000;
/// Pages reserved for the stack.
pub const STACK_PAGES: usize = 8;
/// Pages of stack present right after exec.
pub const STACK_INITIAL: usize = 2;
/// Lowest stack address.
pub const STACK_BOTTOM: usize = STACK_TOP - STACK_PAGES * PAGE_SIZE;
/// The guard page sits just below the stack.
pub const STACK_GUARD: usize = STACK_BOTTOM - PAGE_SIZE;
/// mmap allocates downwards from here.
pub const MMAP_TOP: usize = STACK_GUARD - 16 * PAGE_SIZE;
/// The heap may not grow past this; mmap allocates above it.
pub const MMAP_BASE: usize = 0x20_0000_0000;
