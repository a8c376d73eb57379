//! The platform-level interrupt controller: routes device interrupts to
//! harts' supervisor mode.
use crate::arch::riscv::cpu;
use core::sync::atomic::{AtomicUsize, Ordering};

static BASE: AtomicUsize = AtomicUsize::new(0x0c00_0000);

fn reg(off: usize) -> *mut u32 {
    (BASE.load(Ordering::Relaxed) + off) as *mut u32
}

fn senable(hart: usize) -> *mut u32 {
    reg(0x2080 + hart * 0x100)
}
fn spriority(hart: usize) -> *mut u32 {
    reg(0x20_1000 + hart * 0x2000)
}
fn sclaim(hart: usize) -> *mut u32 {
    reg(0x20_1004 + hart * 0x2000)
}

/// Give each device interrupt a nonzero priority.
pub fn init(base: usize, irqs: &[u32]) {
    BASE.store(base, Ordering::Relaxed);
    for &irq in irqs {
        // SAFETY: the PLIC's priority registers, mapped by the kernel.
        unsafe { reg(irq as usize * 4).write_volatile(1) };
    }
}

/// Enable the given interrupts for this hart's supervisor mode.
pub fn init_hart(irqs: &[u32]) {
    let h = cpu::id();
    let mut mask = 0u32;
    for &irq in irqs {
        mask |= 1 << irq;
    }
    // SAFETY: this hart's PLIC context registers.
    unsafe {
        senable(h).write_volatile(mask);
        spriority(h).write_volatile(0);
    }
}

pub fn claim() -> u32 {
    // SAFETY: this hart's claim register.
    unsafe { sclaim(cpu::id()).read_volatile() }
}

pub fn complete(irq: u32) {
    // SAFETY: this hart's claim register.
    unsafe { sclaim(cpu::id()).write_volatile(irq) }
}
