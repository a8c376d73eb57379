//! Per-hart state, found through `tp` (which holds the hart id).
use crate::proc::Context;
use core::arch::asm;

pub const MAX_HARTS: usize = 8;

pub struct Cpu {
    /// Index into the process table of the process running here.
    pub proc: Option<usize>,
    /// The scheduler's saved registers; `swtch` here enters the scheduler.
    pub context: Context,
    /// Depth of `push_off` nesting.
    pub noff: i32,
    /// Were interrupts on before the outermost `push_off`?
    pub intena: bool,
}

static mut CPUS: [Cpu; MAX_HARTS] = [const {
    Cpu {
        proc: None,
        context: Context::zero(),
        noff: 0,
        intena: false,
    }
}; MAX_HARTS];

/// This hart's id. Must be called with interrupts off if the caller uses it
/// for more than a hint (a process may move between harts otherwise).
#[inline(always)]
pub fn id() -> usize {
    let v: usize;
    // SAFETY: tp holds the hart id, set at boot and kept by the trap path.
    unsafe { asm!("mv {}, tp", out(reg) v) };
    v
}

/// This hart's state. Interrupts must be off.
#[allow(clippy::mut_from_ref)]
pub fn this() -> &'static mut Cpu {
    // SAFETY: each hart touches only its own slot, and with interrupts off
    // nothing else on this hart runs concurrently.
    unsafe { &mut *core::ptr::addr_of_mut!(CPUS[id()]) }
}
