//! The 16550a UART. Input arrives by interrupt (through the PLIC) and goes
//! to the console's line editor; output is written synchronously.
use core::sync::atomic::{AtomicUsize, Ordering};

static BASE: AtomicUsize = AtomicUsize::new(0x1000_0000);
static IRQ: AtomicUsize = AtomicUsize::new(10);

const RHR: usize = 0; // receive holding
const THR: usize = 0; // transmit holding
const IER: usize = 1; // interrupt enable
const FCR: usize = 2; // FIFO control
const LCR: usize = 3; // line control
const LSR: usize = 5; // line status
const LSR_RX_READY: u8 = 1;
const LSR_TX_IDLE: u8 = 1 << 5;

fn reg(r: usize) -> *mut u8 {
    (BASE.load(Ordering::Relaxed) + r) as *mut u8
}

fn read(r: usize) -> u8 {
    // SAFETY: a UART register, mapped in the kernel page table (and
    // identity-mapped before paging).
    unsafe { reg(r).read_volatile() }
}

fn write(r: usize, v: u8) {
    // SAFETY: as above.
    unsafe { reg(r).write_volatile(v) }
}

pub fn init(base: usize, irq: u32) {
    BASE.store(base, Ordering::Relaxed);
    IRQ.store(irq as usize, Ordering::Relaxed);
    write(IER, 0);
    write(LCR, 0x80); // baud latch
    write(0, 3); // 38.4K
    write(1, 0);
    write(LCR, 3); // 8 bits, no parity
    write(FCR, 0x7); // reset and enable FIFOs
    write(IER, 1); // receive interrupts
}

pub fn irq() -> u32 {
    IRQ.load(Ordering::Relaxed) as u32
}

/// Write one byte, waiting for the transmitter.
pub fn putc_sync(c: u8) {
    while read(LSR) & LSR_TX_IDLE == 0 {
        core::hint::spin_loop();
    }
    write(THR, c);
}

fn getc() -> Option<u8> {
    (read(LSR) & LSR_RX_READY != 0).then(|| read(RHR))
}

/// Receive interrupt: hand every waiting byte to the console.
pub fn intr() {
    while let Some(c) = getc() {
        super::console::intr(c);
    }
}
