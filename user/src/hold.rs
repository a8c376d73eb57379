//! The kernel's frame-hold test hook (`vmctl` VMCTL_HOLD/VMCTL_UNHOLD),
//! for tests that make one system call with exactly N frames free: a
//! failure must give back every frame it took, and nobody may be killed
//! for a shortage a test made on purpose.
//!
//! While frames are held the caller must not touch memory it does not own
//! yet: a store to a copy-on-write page or a first touch of a page needs a
//! frame that is not there. So taking the hold, the call and releasing it
//! are one block of assembly, registers only.

use abi::syscall::{SYS_EXIT, SYS_FORK, SYS_VMCTL};
use abi::vmstat::{VMCTL_FAIL_UNSHARE, VMCTL_HOLD, VMCTL_UNHOLD};
use core::arch::asm;

/// Makes system call `nr` with arguments `a0`, `a1` while every free frame
/// but `keep` is held, then releases the hold; returns the call's answer,
/// or None if the kernel refused the hold. The child of a fork exits 0 at
/// once, touching nothing, so only the parent returns. A call that does
/// not return (an exec that works) leaves the frames held: whoever waits
/// for it releases them ([`release`]).
pub fn call_holding(keep: usize, nr: usize, a0: usize, a1: usize) -> Option<isize> {
    let r: isize;
    let refused: usize;
    // SAFETY: system calls on registers only; no memory is touched between
    // the hold and its release. Memory `nr` reads through `a0`/`a1` is the
    // caller's, touched before (exec's path and argv).
    unsafe {
        asm!(
            "li a0, {hold}",
            "mv a1, {keep}",
            "li a7, {vmctl}",
            "ecall",
            "li t1, 1",
            "bltz a0, 3f",
            "mv a0, {x0}",
            "mv a1, {x1}",
            "mv a7, {nr}",
            "ecall",
            // The child of a fork: exit(0) before anything else.
            "bnez a0, 2f",
            "li t0, {fork}",
            "bne {nr}, t0, 2f",
            "li a7, {exit}",
            "ecall",
            "2:",
            "mv t0, a0",
            "li a0, {unhold}",
            "li a1, 0",
            "li a7, {vmctl}",
            "ecall",
            "mv a0, t0",
            "li t1, 0",
            "3:",
            hold = const VMCTL_HOLD,
            unhold = const VMCTL_UNHOLD,
            vmctl = const SYS_VMCTL,
            fork = const SYS_FORK,
            exit = const SYS_EXIT,
            keep = in(reg) keep,
            nr = in(reg) nr,
            x0 = in(reg) a0,
            x1 = in(reg) a1,
            out("a0") r, out("a1") _, out("a7") _, out("t0") _, out("t1") refused,
            options(nostack),
        );
    }
    (refused == 0).then_some(r)
}

/// For a fork child: makes the next copy of a page table shared by fork
/// fail (`VMCTL_FAIL_UNSHARE`), holds every free frame but `keep`, stores
/// `byte` at `addr` (a copy-on-write page of a shared table: the store
/// needs the table copy), then releases the hold and exits 0. If the kernel
/// refuses the store it kills the process, and the frames stay held for
/// the parent to [`release`].
pub fn store_failing_unshare(keep: usize, addr: usize, byte: u8) -> ! {
    // SAFETY: system calls and one store on registers only, so nothing
    // between the hook and the store needs a table copy; `addr` is a
    // writable page of the caller's. Ends in exit.
    unsafe {
        asm!(
            "li a0, {fail}",
            "li a1, 1",
            "li a7, {vmctl}",
            "ecall",
            "li a0, {hold}",
            "mv a1, t0",
            "ecall",
            "sb t2, 0(t1)",
            "li a0, {unhold}",
            "li a1, 0",
            "ecall",
            "li a0, 0",
            "li a7, {exit}",
            "ecall",
            fail = const VMCTL_FAIL_UNSHARE,
            hold = const VMCTL_HOLD,
            unhold = const VMCTL_UNHOLD,
            vmctl = const SYS_VMCTL,
            exit = const SYS_EXIT,
            // Not in a0, a1 or a7, which the calls overwrite.
            in("t0") keep,
            in("t1") addr,
            in("t2") byte,
            options(nostack, noreturn),
        );
    }
}

/// Makes system call `nr` with arguments `a0`, `a1` while the next copy of
/// a page table shared by fork fails (`VMCTL_FAIL_UNSHARE`), then clears
/// the hook (in both processes, for a fork); returns the call's answer.
pub fn call_failing_unshare(nr: usize, a0: usize, a1: usize) -> isize {
    let r: isize;
    // SAFETY: system calls on registers only, so that no fault of ours
    // between the hook and the call takes the failure meant for the call.
    unsafe {
        asm!(
            "li a0, {fail}",
            "li a1, 1",
            "li a7, {vmctl}",
            "ecall",
            "mv a0, {x0}",
            "mv a1, {x1}",
            "mv a7, {nr}",
            "ecall",
            "mv t0, a0",
            "li a0, {fail}",
            "li a1, 0",
            "li a7, {vmctl}",
            "ecall",
            "mv a0, t0",
            fail = const VMCTL_FAIL_UNSHARE,
            vmctl = const SYS_VMCTL,
            nr = in(reg) nr,
            x0 = in(reg) a0,
            x1 = in(reg) a1,
            out("a0") r, out("a1") _, out("a7") _, out("t0") _,
            options(nostack),
        );
    }
    r
}

/// Gives back every frame a hold took (after an exec that worked).
pub fn release() {
    let _ = crate::vm::vmctl(VMCTL_UNHOLD, 0);
}
