//! What the device tree tells us: RAM, device addresses, harts, boot args.
use crate::sync::SpinLock;
use alloc::string::String;
use alloc::vec::Vec;

pub struct Platform {
    pub mem_start: usize,
    pub mem_end: usize,
    pub uart: usize,
    pub uart_irq: u32,
    pub plic: usize,
    pub plic_size: usize,
    /// virtio-mmio slots (base, irq), in bus order.
    pub virtio: Vec<(usize, u32)>,
    pub harts: Vec<usize>,
    pub bootargs: String,
}

static PLATFORM: SpinLock<Option<Platform>> = SpinLock::new("platform", None);

/// RAM bounds, read before the heap exists (no allocation).
pub fn memory(dtb: usize) -> (usize, usize) {
    // SAFETY: OpenSBI passes a valid device tree in a1.
    let fdt = unsafe { fdt::Fdt::from_ptr(dtb as *const u8) }.expect("bad device tree");
    let r = fdt
        .memory()
        .regions()
        .next()
        .expect("no memory in device tree");
    let start = r.starting_address as usize;
    (start, start + r.size.unwrap_or(128 << 20))
}

fn reg_of(fdt: &fdt::Fdt, compat: &[&str]) -> Option<(usize, usize, u32)> {
    let node = fdt.find_compatible(compat)?;
    let reg = node.reg()?.next()?;
    let irq = node.interrupts().and_then(|mut i| i.next()).unwrap_or(0) as u32;
    Some((
        reg.starting_address as usize,
        reg.size.unwrap_or(0x1000),
        irq,
    ))
}

/// Parse everything else (needs the heap).
pub fn init(dtb: usize) {
    // SAFETY: as in `memory`.
    let fdt = unsafe { fdt::Fdt::from_ptr(dtb as *const u8) }.expect("bad device tree");
    let (mem_start, mem_end) = memory(dtb);
    let (uart, _, uart_irq) = reg_of(&fdt, &["ns16550a"]).unwrap_or((0x1000_0000, 0x100, 10));
    let (plic, plic_size, _) =
        reg_of(&fdt, &["riscv,plic0", "sifive,plic-1.0.0"]).unwrap_or((0x0c00_0000, 0x400_0000, 0));
    let mut virtio: Vec<(usize, u32)> = fdt
        .all_nodes()
        .filter(|n| {
            n.compatible()
                .is_some_and(|c| c.all().any(|s| s == "virtio,mmio"))
        })
        .filter_map(|n| {
            let reg = n.reg()?.next()?;
            let irq = n.interrupts().and_then(|mut i| i.next()).unwrap_or(0) as u32;
            Some((reg.starting_address as usize, irq))
        })
        .collect();
    virtio.sort();
    let harts = fdt.cpus().map(|c| c.ids().first()).collect();
    let bootargs = String::from(fdt.chosen().bootargs().unwrap_or(""));
    *PLATFORM.lock() = Some(Platform {
        mem_start,
        mem_end,
        uart,
        uart_irq,
        plic,
        plic_size,
        virtio,
        harts,
        bootargs,
    });
}

/// Run `f` on the parsed platform description.
pub fn with<R>(f: impl FnOnce(&Platform) -> R) -> R {
    f(PLATFORM.lock().as_ref().expect("platform not parsed"))
}
