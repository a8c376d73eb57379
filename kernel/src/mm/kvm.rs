//! The kernel's page table: RAM identity-mapped (text read+execute, rodata
//! read-only, the rest read+write: never writable and executable at once),
//! the devices, the trampoline at the top, and a stack per process below it
//! with an unmapped guard page under each.
use super::addr::{PhysAddr, PAGE_SIZE};
use super::frame;
use super::pagetable::PageTable;
use crate::arch::riscv::asm;
use crate::arch::riscv::csr;
use crate::arch::riscv::pte::{R, W, X};
use crate::platform;
use abi::layout::TRAMPOLINE;
use core::sync::atomic::{AtomicUsize, Ordering};

/// Pages of kernel stack per process.
pub const KSTACK_PAGES: usize = 4;

/// Top of the kernel stack of process slot `i`.
pub fn kstack_top(i: usize) -> usize {
    TRAMPOLINE - i * (KSTACK_PAGES + 1) * PAGE_SIZE
}

static KERNEL_SATP: AtomicUsize = AtomicUsize::new(0);

pub fn init() {
    let mut pt = PageTable::new().expect("kvm: out of memory");
    let (mem_end, uart, plic, plic_size, virtio) =
        platform::with(|p| (p.mem_end, p.uart, p.plic, p.plic_size, p.virtio.clone()));
    let text = 0x8020_0000usize;
    // Linker-provided symbols; only their addresses are used.
    let (etext, erodata) = (
        core::ptr::addr_of!(asm::etext) as usize,
        core::ptr::addr_of!(asm::erodata) as usize,
    );
    let ok = (|| {
        pt.map_range(0x10_0000, 0x10_0000, PAGE_SIZE, R | W)?; // test device (power)
        pt.map_range(uart, uart, PAGE_SIZE, R | W)?;
        for &(base, _) in &virtio {
            pt.map_range(base, base, PAGE_SIZE, R | W)?;
        }
        pt.map_range(plic, plic, plic_size, R | W)?;
        pt.map_range(text, text, etext - text, R | X)?;
        pt.map_range(etext, etext, erodata - etext, R)?;
        pt.map_range(erodata, erodata, mem_end - erodata, R | W)?;
        let tramp = core::ptr::addr_of!(asm::trampoline) as usize;
        pt.map_range(TRAMPOLINE, tramp, PAGE_SIZE, R | X)?;
        for i in 0..abi::limits::NPROC {
            for p in 0..KSTACK_PAGES {
                let f = frame::alloc_zeroed().ok_or(super::pagetable::NoMemory)?;
                pt.map(
                    super::VirtAddr(kstack_top(i) - (p + 1) * PAGE_SIZE),
                    PhysAddr(f.0),
                    R | W,
                )?;
            }
        }
        Ok::<(), super::pagetable::NoMemory>(())
    })();
    ok.expect("kvm: out of memory");
    KERNEL_SATP.store(csr::make_satp(pt.root().0), Ordering::Release);
    core::mem::forget(pt);
}

pub fn satp() -> usize {
    KERNEL_SATP.load(Ordering::Acquire)
}

/// Turn on paging on this hart.
pub fn init_hart() {
    csr::sfence_vma_all();
    csr::w_satp(satp());
    csr::sfence_vma_all();
}
