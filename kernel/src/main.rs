//! faultline: a RISC-V (Sv39) teaching kernel whose user memory is made on
//! page faults. Boot: OpenSBI starts one hart at `_entry` (arch/riscv/asm.rs)
//! which calls `kmain`; that hart sets everything up and starts the others.
#![no_std]
#![no_main]
#![deny(unsafe_op_in_unsafe_fn)]

extern crate alloc;

mod arch;
mod bootargs;
mod drivers;
mod fs;
mod mm;
mod platform;
mod pod;
mod proc;
mod sync;
mod syscall;
mod trap;

use arch::riscv::{asm, cpu, csr, power, sbi};
use core::sync::atomic::{AtomicBool, Ordering};

static STARTED: AtomicBool = AtomicBool::new(false);
static BOOTED: AtomicBool = AtomicBool::new(false);

/// What the boot hart passes (as `opaque`, arriving in a1) to the harts it
/// starts, so a started hart never mistakes itself for the boot hart.
const SECONDARY: usize = 0x5ec0_4da7;

#[no_mangle]
extern "C" fn kmain(hartid: usize, dtb: usize) -> ! {
    if dtb != SECONDARY && !BOOTED.swap(true, Ordering::AcqRel) {
        boot_hart(hartid, dtb)
    } else {
        while !STARTED.load(Ordering::Acquire) {
            core::hint::spin_loop();
        }
        mm::kvm::init_hart();
        trap::init_hart(false);
        platform::with(|p| drivers::plic::init_hart(&device_irqs(p)));
        proc::scheduler()
    }
}

fn device_irqs(p: &platform::Platform) -> alloc::vec::Vec<u32> {
    let mut v: alloc::vec::Vec<u32> = p.virtio.iter().map(|&(_, irq)| irq).collect();
    v.push(p.uart_irq);
    v
}

fn boot_hart(hartid: usize, dtb: usize) -> ! {
    mm::kheap::init();
    platform::init(dtb);
    let (uart, uart_irq, plic, mem_start, mem_end, harts, irqs) = platform::with(|p| {
        (
            p.uart,
            p.uart_irq,
            p.plic,
            p.mem_start,
            p.mem_end,
            p.harts.clone(),
            device_irqs(p),
        )
    });
    drivers::uart::init(uart, uart_irq);
    println!();
    println!("faultline: booting on hart {hartid} of {}", harts.len());
    // The linker's end-of-kernel symbol; only its address is used.
    let kend = core::ptr::addr_of!(asm::end) as usize;
    mm::frame::init(kend, mem_end);
    println!(
        "memory: {} MiB at {:#x}, {} frames free",
        (mem_end - mem_start) >> 20,
        mem_start,
        mm::frame::free_count()
    );
    mm::reclaim::init(mm::frame::total());
    bootargs::apply_options();
    mm::kvm::init();
    mm::kvm::init_hart();
    trap::init_hart(true);
    drivers::plic::init(plic, &irqs);
    drivers::plic::init_hart(&irqs);
    drivers::virtio_blk::init();
    mm::swap::init();
    proc::userinit();
    proc::spawn_kernel_thread(b"kswapd", mm::reclaim::kswapd);
    STARTED.store(true, Ordering::Release);
    for &h in harts.iter().filter(|&&h| h != hartid) {
        if !sbi::hart_start(h, asm::_entry_secondary as *const () as usize, SECONDARY) {
            println!("hart {h} did not start");
        }
    }
    proc::scheduler()
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    csr::intr_off();
    drivers::console::print_unlocked(format_args!(
        "panic: hart {} sepc {:#x} scause {:#x} stval {:#x}: {}\n",
        cpu::id(),
        csr::sepc(),
        csr::scause(),
        csr::stval(),
        info
    ));
    power::poweroff(1)
}
