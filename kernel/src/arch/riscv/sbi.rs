//! Calls into OpenSBI (machine mode).
use core::arch::asm;

fn ecall(ext: usize, fid: usize, a0: usize, a1: usize, a2: usize) -> (isize, usize) {
    ecall4(ext, fid, a0, a1, a2, 0)
}

fn ecall4(ext: usize, fid: usize, a0: usize, a1: usize, a2: usize, a3: usize) -> (isize, usize) {
    let (err, val): (isize, usize);
    // SAFETY: an SBI call; OpenSBI only touches the registers listed.
    unsafe {
        asm!("ecall", inlateout("a0") a0 => err, inlateout("a1") a1 => val,
             in("a2") a2, in("a3") a3, in("a6") fid, in("a7") ext);
    }
    (err, val)
}

const EXT_TIME: usize = 0x5449_4D45;
const EXT_HSM: usize = 0x0048_534D;
const EXT_RFENCE: usize = 0x5246_4E43;

/// Flush [start, start+size) from every hart's TLB (SBI RFENCE
/// `remote_sfence_vma`, hart_mask_base = -1: all harts, this one included).
/// Returns once every hart has done it. size = usize::MAX flushes all.
pub fn remote_sfence_vma_all(start: usize, size: usize) {
    ecall4(EXT_RFENCE, 1, 0, usize::MAX, start, size);
}

/// Ask for a timer interrupt at absolute time `t` (clears the pending one).
pub fn set_timer(t: u64) {
    ecall(EXT_TIME, 0, t as usize, 0, 0);
}

/// Start hart `hartid` at physical address `start` with a1 = `opaque`.
/// True if it starts now or is already running (OpenSBI may have sent it
/// to `_entry` itself; see asm.rs).
pub fn hart_start(hartid: usize, start: usize, opaque: usize) -> bool {
    const ERR_ALREADY_AVAILABLE: isize = -6;
    matches!(
        ecall(EXT_HSM, 0, hartid, start, opaque).0,
        0 | ERR_ALREADY_AVAILABLE
    )
}
