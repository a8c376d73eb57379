//! Control and status registers.
use core::arch::asm;

macro_rules! csr_rw {
    ($read:ident, $write:ident, $name:literal) => {
        #[inline(always)]
        #[allow(dead_code)]
        pub fn $read() -> usize {
            let v: usize;
            // SAFETY: reading a CSR has no side effects on memory.
            unsafe { asm!(concat!("csrr {}, ", $name), out(reg) v) };
            v
        }
        #[inline(always)]
        #[allow(dead_code)]
        pub fn $write(v: usize) {
            // SAFETY: the kernel owns supervisor CSRs; callers pass values
            // that keep the hart in a consistent state.
            unsafe { asm!(concat!("csrw ", $name, ", {}"), in(reg) v) };
        }
    };
}

csr_rw!(sstatus, w_sstatus, "sstatus");
csr_rw!(sie, w_sie, "sie");
csr_rw!(sip, w_sip, "sip");
csr_rw!(sepc, w_sepc, "sepc");
csr_rw!(scause, w_scause, "scause");
csr_rw!(stval, w_stval, "stval");
csr_rw!(stvec, w_stvec, "stvec");
csr_rw!(satp, w_satp, "satp");
csr_rw!(scounteren, w_scounteren, "scounteren");

pub const SSTATUS_SPP: usize = 1 << 8;
pub const SSTATUS_SPIE: usize = 1 << 5;
pub const SSTATUS_SIE: usize = 1 << 1;

pub const SIE_SEIE: usize = 1 << 9;
pub const SIE_STIE: usize = 1 << 5;
pub const SIE_SSIE: usize = 1 << 1;

#[inline(always)]
pub fn intr_on() {
    w_sstatus(sstatus() | SSTATUS_SIE);
}

#[inline(always)]
pub fn intr_off() {
    w_sstatus(sstatus() & !SSTATUS_SIE);
}

#[inline(always)]
pub fn intr_get() -> bool {
    sstatus() & SSTATUS_SIE != 0
}

#[inline(always)]
pub fn time() -> u64 {
    let v: u64;
    // SAFETY: reads the time counter.
    unsafe { asm!("rdtime {}", out(reg) v) };
    v
}

/// Flush this hart's whole TLB.
#[inline(always)]
pub fn sfence_vma_all() {
    // SAFETY: a TLB flush only affects translation caching.
    unsafe { asm!("sfence.vma zero, zero") };
}

/// Flush this hart's TLB entries for one virtual address.
#[inline(always)]
pub fn sfence_vma(va: usize) {
    // SAFETY: a TLB flush only affects translation caching.
    unsafe { asm!("sfence.vma {}, zero", in(reg) va) };
}

/// Instructions retired by this hart (under `-icount`, virtual time).
#[inline(always)]
pub fn instret() -> u64 {
    let v: u64;
    // SAFETY: reads a counter; no memory effects.
    unsafe { asm!("rdinstret {}", out(reg) v) };
    v
}

#[inline(always)]
pub fn wfi() {
    // SAFETY: waits for an interrupt; no memory effects.
    unsafe { asm!("wfi") };
}

/// Sv39 mode bits for satp.
pub const SATP_SV39: usize = 8 << 60;

pub fn make_satp(root_pa: usize) -> usize {
    SATP_SV39 | (root_pa >> 12)
}
