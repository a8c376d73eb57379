//! The 16550a UART. Input arrives by interrupt (through the PLIC) and goes
//! to the console's line editor.
//!
//! Output from user programs (the console device's `write`) goes into a
//! transmit ring, `TX`, and is sent by `start`: from the writer itself
//! while the transmitter takes bytes, then from the transmit-empty
//! interrupt; a writer that finds the ring full sleeps until the interrupt
//! makes room (xv6's uartputc/uartstart). Nobody spins per character.
//!
//! The kernel's own messages (`println!`, kill messages, the echo of typed
//! keys) are written synchronously, as in xv6, but under the ring's lock
//! after sending what the ring holds, so they come out after the user
//! output written before them, never inside it. Panics write raw bytes
//! without any lock.
use crate::proc;
use crate::sync::{SpinLock, SpinLockGuard};
use core::sync::atomic::{AtomicUsize, Ordering};

static BASE: AtomicUsize = AtomicUsize::new(0x1000_0000);
static IRQ: AtomicUsize = AtomicUsize::new(10);

const RHR: usize = 0; // receive holding
const THR: usize = 0; // transmit holding
const IER: usize = 1; // interrupt enable
const IER_RX: u8 = 1;
const IER_TX: u8 = 1 << 1;
const FCR: usize = 2; // FIFO control (write)
const ISR: usize = 2; // interrupt status (read)
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
    write(IER, IER_RX | IER_TX);
}

/// Bytes of user output waiting for the transmitter.
const TX_BUF: usize = 1024;

pub struct Tx {
    buf: [u8; TX_BUF],
    /// Next byte to send; `w` next free slot (both count up forever).
    r: usize,
    w: usize,
    /// Some writer sleeps on a full ring: wake it when bytes go out.
    waiting: bool,
}

static TX: SpinLock<Tx> = SpinLock::new(
    "uart tx",
    Tx {
        buf: [0; TX_BUF],
        r: 0,
        w: 0,
        waiting: false,
    },
);

fn tx_chan() -> usize {
    &TX as *const _ as usize
}

/// Send ring bytes while the transmitter takes them; the rest go when the
/// transmit-empty interrupt calls us again.
fn start(t: &mut Tx) {
    let sent_from = t.r;
    while t.r != t.w && read(LSR) & LSR_TX_IDLE != 0 {
        write(THR, t.buf[t.r % TX_BUF]);
        t.r += 1;
    }
    if t.r != sent_from && t.waiting {
        t.waiting = false;
        proc::wakeup(tx_chan());
    }
}

/// Queue `bytes` for sending, sleeping while the ring is full. Err (with
/// the count queued) if the process is killed while it waits.
pub fn write_buffered(bytes: &[u8]) -> Result<(), usize> {
    let mut t = TX.lock();
    for (i, &c) in bytes.iter().enumerate() {
        while t.w - t.r == TX_BUF {
            if proc::killed() {
                return Err(i);
            }
            t.waiting = true;
            start(&mut t);
            if t.w - t.r == TX_BUF {
                t = proc::sleep(tx_chan(), t);
            }
        }
        let w = t.w;
        t.buf[w % TX_BUF] = c;
        t.w += 1;
    }
    start(&mut t);
    Ok(())
}

/// Exclusive synchronous output: sends what the ring holds, then lets the
/// caller write with `putc_sync` until the guard is dropped.
pub fn sync_output() -> SpinLockGuard<'static, Tx> {
    let mut t = TX.lock();
    while t.r != t.w {
        let c = t.buf[t.r % TX_BUF];
        putc_sync(c);
        t.r += 1;
    }
    if t.waiting {
        t.waiting = false;
        proc::wakeup(tx_chan());
    }
    t
}

pub fn irq() -> u32 {
    IRQ.load(Ordering::Relaxed) as u32
}

/// Write one byte, waiting for the transmitter. Callers hold
/// `sync_output`'s guard, or are panicking.
pub fn putc_sync(c: u8) {
    while read(LSR) & LSR_TX_IDLE == 0 {
        core::hint::spin_loop();
    }
    write(THR, c);
}

fn getc() -> Option<u8> {
    (read(LSR) & LSR_RX_READY != 0).then(|| read(RHR))
}

/// UART interrupt: hand every received byte to the console, and send more
/// output if the transmitter has room.
pub fn intr() {
    // Reading the status register acknowledges a transmit-empty interrupt
    // (otherwise it would stay pending and fire forever).
    let _ = read(ISR);
    while let Some(c) = getc() {
        super::console::intr(c);
    }
    start(&mut TX.lock());
}
