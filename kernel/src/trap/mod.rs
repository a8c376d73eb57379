//! Traps: system calls, interrupts and exceptions, from user or kernel
//! mode. Page faults are turned into (address, access) here, in one place,
//! and handed to `mm::fault`.
use crate::arch::riscv::asm::{kernelvec, trampoline, userret, uservec};
use crate::arch::riscv::{cpu, csr, sbi};
use crate::drivers::{plic, uart};
use crate::mm::fault::{self, Access};
use crate::mm::kvm;
use crate::proc::{self, me};
use crate::sync::SpinLock;
use abi::layout::TRAMPOLINE;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Timer interrupts per second: how often a running process is preempted.
pub const HZ: u64 = 100;
/// Ticks per second as user programs see them (`uptime`, `pause`): xv6's
/// timer fires every 100 ms, and xv6 programs count in those ticks, so a
/// user tick is `HZ / USER_HZ` timer interrupts.
pub const USER_HZ: u64 = 10;
const TIMEBASE: u64 = 10_000_000;

/// User-visible ticks since boot (xv6's `ticks`).
pub static TICKS: SpinLock<u64> = SpinLock::new("time", 0);
/// Timer interrupts on the tick hart since boot.
static INTERRUPTS: AtomicU64 = AtomicU64::new(0);
/// The hart that counts ticks (the boot hart; any one hart would do).
static TICK_HART: AtomicUsize = AtomicUsize::new(0);

const INTERRUPT: usize = 1 << 63;
const IRQ_S_SOFT: usize = 1;
const IRQ_S_TIMER: usize = 5;
const IRQ_S_EXT: usize = 9;
const EXC_ECALL_U: usize = 8;
const EXC_INST_PAGE: usize = 12;
const EXC_LOAD_PAGE: usize = 13;
const EXC_STORE_PAGE: usize = 15;

/// Set this hart's trap vector and start its timer.
pub fn init_hart(tick_hart: bool) {
    if tick_hart {
        TICK_HART.store(cpu::id(), Ordering::Relaxed);
    }
    csr::w_stvec(kernelvec as *const () as usize);
    csr::w_sie(csr::sie() | csr::SIE_SEIE | csr::SIE_STIE | csr::SIE_SSIE);
    // Let user programs read cycle, time and instret (benchmarks).
    csr::w_scounteren(0x7);
    sbi::set_timer(csr::time() + TIMEBASE / HZ);
}

/// What kind of access a page-fault cause means.
pub fn fault_access(scause: usize) -> Option<Access> {
    match scause {
        EXC_INST_PAGE => Some(Access::Execute),
        EXC_LOAD_PAGE => Some(Access::Read),
        EXC_STORE_PAGE => Some(Access::Write),
        _ => None,
    }
}

#[derive(PartialEq)]
enum Dev {
    None,
    Timer,
    Other,
}

/// Handle an interrupt, if `scause` is one.
fn devintr(scause: usize) -> Dev {
    if scause & INTERRUPT == 0 {
        return Dev::None;
    }
    match scause & !INTERRUPT {
        IRQ_S_EXT => {
            let irq = plic::claim();
            if irq == uart::irq() {
                uart::intr();
            } else if irq != 0 {
                crate::drivers::virtio_blk::intr(irq as usize);
            }
            if irq != 0 {
                plic::complete(irq);
            }
            Dev::Other
        }
        IRQ_S_TIMER => {
            if cpu::id() == TICK_HART.load(Ordering::Relaxed) {
                let now = INTERRUPTS.fetch_add(1, Ordering::Relaxed) + 1;
                if now.is_multiple_of(HZ / USER_HZ) {
                    let mut t = TICKS.lock();
                    *t += 1;
                    drop(t);
                    proc::wakeup(&TICKS as *const _ as usize);
                }
                crate::mm::reclaim::on_tick(now);
            }
            sbi::set_timer(csr::time() + TIMEBASE / HZ);
            Dev::Timer
        }
        IRQ_S_SOFT => {
            csr::w_sip(csr::sip() & !2);
            Dev::Other
        }
        _ => Dev::None,
    }
}

/// Entry from user space (via the trampoline's uservec).
#[no_mangle]
pub extern "C" fn usertrap() -> ! {
    assert!(
        csr::sstatus() & csr::SSTATUS_SPP == 0,
        "usertrap: not from user mode"
    );
    // We're in the kernel now: traps go to kerneltrap.
    csr::w_stvec(kernelvec as *const () as usize);
    let p = me();
    // SAFETY: usertrap runs in the trapping process's own kernel thread;
    // each use below is a short borrow.
    unsafe { p.trapframe() }.epc = csr::sepc();
    let (scause, stval) = (csr::scause(), csr::stval());
    let mut dev = Dev::None;
    if scause == EXC_ECALL_U {
        if proc::is_killed(p) {
            proc::exit(-1);
        }
        // SAFETY: as above.
        unsafe { p.trapframe() }.epc += 4;
        csr::intr_on();
        crate::syscall::dispatch();
    } else if let Some(access) = fault_access(scause) {
        csr::intr_on();
        // `p` is us: its address space directly, not through `me()` again.
        let r = match p.aspace.lock().as_mut() {
            Some(a) => fault::handle(a, stval, access),
            None => panic!("usertrap: process without an address space"),
        };
        if let Err(why) = r {
            fault_killed(p, access, stval, why);
        }
    } else {
        dev = devintr(scause);
        if dev == Dev::None {
            unexpected_killed(p, scause, stval);
        }
    }
    if proc::is_killed(p) {
        proc::exit(-1);
    }
    if dev == Dev::Timer {
        // reslimit hook: periodic aging scans of this process's limited regions.
        proc::with_aspace(crate::mm::reslimit::on_timer);
        proc::yield_cpu();
    }
    usertrapret()
}

/// A user page fault the kernel refused: say why and kill the process.
/// Out of line (and cold) so the fault path's frame stays small.
#[cold]
#[inline(never)]
fn fault_killed(p: &proc::Proc, access: Access, stval: usize, why: fault::Refusal) {
    crate::println!(
        "pid {} ({}): {} page fault at {:#x}, pc {:#x}: {}; killed",
        p.pid(),
        p.name(),
        access.name(),
        stval,
        // SAFETY: usertrap runs in the trapping process's own kernel thread.
        unsafe { p.trapframe() }.epc,
        why.reason()
    );
    proc::set_killed(p);
}

/// A trap that is neither a system call, a page fault nor an interrupt.
#[cold]
#[inline(never)]
fn unexpected_killed(p: &proc::Proc, scause: usize, stval: usize) {
    crate::println!(
        "pid {} ({}): unexpected trap scause {:#x} at pc {:#x}, stval {:#x}; killed",
        p.pid(),
        p.name(),
        scause,
        csr::sepc(),
        stval
    );
    proc::set_killed(p);
}

/// Return to user space through the trampoline's userret.
pub fn usertrapret() -> ! {
    let p = me();
    // SAFETY: only this process's own kernel thread reads its satp here.
    let satp = unsafe { p.data() }.satp;
    csr::intr_off();
    // Addresses of the linker-placed trampoline symbols.
    let (tramp, uvec, uret) = (
        core::ptr::addr_of!(trampoline) as usize,
        core::ptr::addr_of!(uservec) as usize,
        core::ptr::addr_of!(userret) as usize,
    );
    csr::w_stvec(TRAMPOLINE + (uvec - tramp));
    // SAFETY: the process's own kernel thread, returning to user space.
    let tf = unsafe { p.trapframe() };
    tf.kernel_satp = csr::satp();
    tf.kernel_sp = kvm::kstack_top(proc::index_of(p));
    tf.kernel_trap = usertrap as *const () as usize;
    tf.kernel_hartid = cpu::id();
    let mut s = csr::sstatus();
    s &= !csr::SSTATUS_SPP;
    s |= csr::SSTATUS_SPIE;
    csr::w_sstatus(s);
    csr::w_sepc(tf.epc);
    let f: extern "C" fn(usize) -> ! =
        // SAFETY: userret is at this address in every page table.
        unsafe { core::mem::transmute(TRAMPOLINE + (uret - tramp)) };
    f(satp)
}

/// Traps taken in supervisor mode: interrupts, or a kernel bug.
#[no_mangle]
pub extern "C" fn kerneltrap() {
    let (sepc, sstatus, scause) = (csr::sepc(), csr::sstatus(), csr::scause());
    assert!(
        sstatus & csr::SSTATUS_SPP != 0,
        "kerneltrap: not from supervisor mode"
    );
    assert!(!csr::intr_get(), "kerneltrap: interrupts enabled");
    match devintr(scause) {
        Dev::None => panic!(
            "kernel trap: scause {:#x} sepc {:#x} stval {:#x}",
            scause,
            sepc,
            csr::stval()
        ),
        Dev::Timer => {
            if proc::current().is_some() {
                proc::yield_cpu();
            }
        }
        Dev::Other => {}
    }
    // yield may have trapped in between; restore what sret needs.
    csr::w_sepc(sepc);
    csr::w_sstatus(sstatus);
}

/// Sleep for `n` ticks; Err if killed meanwhile.
pub fn pause(n: u64) -> Result<(), ()> {
    let mut t = TICKS.lock();
    let start = *t;
    while *t - start < n {
        if proc::killed() {
            return Err(());
        }
        t = proc::sleep(&TICKS as *const _ as usize, t);
    }
    Ok(())
}

/// User-visible ticks (xv6's 100 ms): `uptime`, `pause`.
pub fn ticks() -> u64 {
    *TICKS.lock()
}

/// Timer interrupts on the tick hart since boot, at `HZ` (10 ms each): the
/// kernel's own clock for intervals shorter than a user tick.
pub fn interrupts() -> u64 {
    INTERRUPTS.load(Ordering::Relaxed)
}
