//! The kernel's assembly: boot entry, the user/kernel trampoline, the
//! kernel-mode trap vector and the context switch. Adapted from xv6-riscv.
use core::arch::global_asm;

// Boot entry. OpenSBI jumps here with a0 = hart id, a1 = device tree.
// Each hart gets a 16 KiB boot stack (hence `slli 14`). The first hart clears .bss (boot stacks included, before using them);
// harts started later through SBI HSM enter at _entry_secondary.
//
// OpenSBI 1.1 on QEMU sometimes sends a second hart here too (seen about
// one boot in ten with 48M of RAM). It must neither clear .bss again
// (that wiped the boot hart's state) nor boot a second time: the first
// hart to swap `entry_taken` (in .data, so the clearing cannot reset it)
// boots; a later one waits until .bss is clear and continues as a
// secondary hart (a1 = 0x5ec04da7, kmain's SECONDARY).
global_asm!(
    r#"
    .section .data
    .align 2
entry_taken: .word 0
bss_clear: .word 0

    .section .text.entry
    .globl _entry
_entry:
    la t0, entry_taken
    li t1, 1
    amoswap.w.aq t1, t1, (t0)
    beqz t1, 4f
    la t0, bss_clear
5:  lw t1, 0(t0)
    fence r, rw
    beqz t1, 5b
    li a1, 0x5ec04da7
    j _entry_secondary
4:
    la t0, sbss
    la t1, ebss
1:  bgeu t0, t1, 2f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 1b
2:
    fence rw, w
    la t0, bss_clear
    li t1, 1
    sw t1, 0(t0)
    .globl _entry_secondary
_entry_secondary:
    mv tp, a0
    la sp, boot_stacks
    addi t0, a0, 1
    slli t0, t0, 14
    add sp, sp, t0
    call kmain
3:  wfi
    j 3b

    .section .bss.stack
    .align 12
    .globl boot_stacks
boot_stacks:
    .space 16384 * 8
"#
);

// Kernel-mode traps: save the caller-saved registers on the current kernel
// stack, call kerneltrap(), restore, return to whatever was interrupted.
global_asm!(
    r#"
    .section .text
    .globl kernelvec
    .align 4
kernelvec:
    addi sp, sp, -256
    sd ra, 0(sp)
    sd gp, 16(sp)
    sd t0, 32(sp)
    sd t1, 40(sp)
    sd t2, 48(sp)
    sd a0, 72(sp)
    sd a1, 80(sp)
    sd a2, 88(sp)
    sd a3, 96(sp)
    sd a4, 104(sp)
    sd a5, 112(sp)
    sd a6, 120(sp)
    sd a7, 128(sp)
    sd t3, 216(sp)
    sd t4, 224(sp)
    sd t5, 232(sp)
    sd t6, 240(sp)
    call kerneltrap
    ld ra, 0(sp)
    ld gp, 16(sp)
    ld t0, 32(sp)
    ld t1, 40(sp)
    ld t2, 48(sp)
    ld a0, 72(sp)
    ld a1, 80(sp)
    ld a2, 88(sp)
    ld a3, 96(sp)
    ld a4, 104(sp)
    ld a5, 112(sp)
    ld a6, 120(sp)
    ld a7, 128(sp)
    ld t3, 216(sp)
    ld t4, 224(sp)
    ld t5, 232(sp)
    ld t6, 240(sp)
    addi sp, sp, 256
    sret
"#
);

// swtch(old: *mut Context, new: *const Context): save callee-saved
// registers in old, load them from new.
global_asm!(
    r#"
    .section .text
    .globl swtch
swtch:
    sd ra, 0(a0)
    sd sp, 8(a0)
    sd s0, 16(a0)
    sd s1, 24(a0)
    sd s2, 32(a0)
    sd s3, 40(a0)
    sd s4, 48(a0)
    sd s5, 56(a0)
    sd s6, 64(a0)
    sd s7, 72(a0)
    sd s8, 80(a0)
    sd s9, 88(a0)
    sd s10, 96(a0)
    sd s11, 104(a0)
    ld ra, 0(a1)
    ld sp, 8(a1)
    ld s0, 16(a1)
    ld s1, 24(a1)
    ld s2, 32(a1)
    ld s3, 40(a1)
    ld s4, 48(a1)
    ld s5, 56(a1)
    ld s6, 64(a1)
    ld s7, 72(a1)
    ld s8, 80(a1)
    ld s9, 88(a1)
    ld s10, 96(a1)
    ld s11, 104(a1)
    ret
"#
);

// The trampoline page, mapped at the same virtual address (TRAMPOLINE) in
// the kernel and every user page table, so it keeps running across the
// satp switch. uservec saves user registers in the TRAPFRAME page and jumps
// to usertrap(); userret(satp) switches to the user page table, restores
// registers and srets. Offsets match `proc::TrapFrame`.
global_asm!(
    r#"
    .section trampsec, "ax"
    .globl trampoline
    .globl uservec
    .align 4
uservec:
    csrw sscratch, a0
    li a0, 0x3fffffe000
    sd ra, 40(a0)
    sd sp, 48(a0)
    sd gp, 56(a0)
    sd tp, 64(a0)
    sd t0, 72(a0)
    sd t1, 80(a0)
    sd t2, 88(a0)
    sd s0, 96(a0)
    sd s1, 104(a0)
    sd a1, 120(a0)
    sd a2, 128(a0)
    sd a3, 136(a0)
    sd a4, 144(a0)
    sd a5, 152(a0)
    sd a6, 160(a0)
    sd a7, 168(a0)
    sd s2, 176(a0)
    sd s3, 184(a0)
    sd s4, 192(a0)
    sd s5, 200(a0)
    sd s6, 208(a0)
    sd s7, 216(a0)
    sd s8, 224(a0)
    sd s9, 232(a0)
    sd s10, 240(a0)
    sd s11, 248(a0)
    sd t3, 256(a0)
    sd t4, 264(a0)
    sd t5, 272(a0)
    sd t6, 280(a0)
    csrr t0, sscratch
    sd t0, 112(a0)
    ld sp, 8(a0)
    ld tp, 32(a0)
    ld t0, 16(a0)
    ld t1, 0(a0)
    sfence.vma zero, zero
    csrw satp, t1
    sfence.vma zero, zero
    jr t0

    .globl userret
userret:
    sfence.vma zero, zero
    csrw satp, a0
    sfence.vma zero, zero
    li a0, 0x3fffffe000
    ld ra, 40(a0)
    ld sp, 48(a0)
    ld gp, 56(a0)
    ld tp, 64(a0)
    ld t0, 72(a0)
    ld t1, 80(a0)
    ld t2, 88(a0)
    ld s0, 96(a0)
    ld s1, 104(a0)
    ld a1, 120(a0)
    ld a2, 128(a0)
    ld a3, 136(a0)
    ld a4, 144(a0)
    ld a5, 152(a0)
    ld a6, 160(a0)
    ld a7, 168(a0)
    ld s2, 176(a0)
    ld s3, 184(a0)
    ld s4, 192(a0)
    ld s5, 200(a0)
    ld s6, 208(a0)
    ld s7, 216(a0)
    ld s8, 224(a0)
    ld s9, 232(a0)
    ld s10, 240(a0)
    ld s11, 248(a0)
    ld t3, 256(a0)
    ld t4, 264(a0)
    ld t5, 272(a0)
    ld t6, 280(a0)
    ld a0, 112(a0)
    sret
"#
);

extern "C" {
    pub fn kernelvec();
    pub fn swtch(old: *mut crate::proc::Context, new: *const crate::proc::Context);
    pub fn _entry_secondary();
    pub static trampoline: u8;
    pub static uservec: u8;
    pub static userret: u8;
    pub static etext: u8;
    pub static erodata: u8;
    pub static end: u8;
}
