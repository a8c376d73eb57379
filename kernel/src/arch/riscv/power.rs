//! Power off through QEMU's test device (SBI shutdown can't report failure).

const TEST_DEVICE: usize = 0x10_0000;

/// Stop the machine; QEMU exits with `code` (0 = success).
pub fn poweroff(code: u32) -> ! {
    let v = if code == 0 {
        0x5555
    } else {
        (code << 16) | 0x3333
    };
    // SAFETY: the test device is mapped in the kernel page table (and is
    // also reachable before paging, identity-mapped), writing it stops QEMU.
    unsafe { core::ptr::write_volatile(TEST_DEVICE as *mut u32, v) };
    loop {
        super::csr::wfi();
    }
}
