//! sbrk (eager and lazy), and faults outside the process's memory.
//!
//! These tests move the break themselves, so between growing and shrinking
//! it they must not allocate from the heap (the allocator may grow the
//! break too, and a shrink would then free its memory). Failure messages
//! are only built on the way out.

use crate::util::*;
use abi::fcntl::*;
use abi::layout::*;
use abi::vmstat::fault;
use core::ptr::{read_volatile, write_volatile};
use ulib::prelude::*;
use ulib::test::{expect_killed, Test};
use ulib::{ensure, ensure_eq, fs, process, sys, vm};

pub const TESTS: &[Test] = &[
    Test::forked("sbrkbasic", sbrkbasic),
    Test::forked("sbrkmuch", sbrkmuch),
    Test::forked("sbrkhuge", sbrkhuge),
    Test::forked("sbrkshrink", sbrkshrink),
    Test::forked("sbrkfork", sbrkfork),
    Test::forked("sbrkarg", sbrkarg),
    Test::forked("lazytouch", lazytouch),
    Test::forked("lazycopy", lazycopy),
    Test::forked("lazyunmap", lazyunmap),
    Test::forked("lazyfork", lazyfork),
    Test::forked("bss", bss),
    Test::forked("stackgrow", stackgrow),
    Test::forked("stackguard", stackguard),
    Test::forked("textwrite", textwrite),
    Test::forked("nowrite", nowrite),
    Test::forked("kernmem", kernmem),
    Test::forked("maxvaplus", maxvaplus),
    Test::forked("unmapped", unmapped),
];

fn grow(n: usize) -> Result<usize, String> {
    // SAFETY: growing frees nothing.
    unsafe { process::sbrk(n as isize) }.map_err(|_| format!("sbrk({}) failed", n))
}

fn grow_lazy(n: usize) -> Result<usize, String> {
    // SAFETY: growing frees nothing.
    unsafe { process::sbrk_lazy(n as isize) }.map_err(|_| format!("sbrklazy({}) failed", n))
}

/// Gives back the top `n` bytes of the heap.
///
/// # Safety
/// Nothing may use them: the caller grew them and allocated nothing since.
unsafe fn shrink(n: usize) -> Result<usize, String> {
    // SAFETY: per the caller.
    unsafe { process::sbrk(-(n as isize)) }.map_err(|_| format!("sbrk(-{}) failed", n))
}

/// Moves the break up to a page boundary; returns it.
fn align_break() -> Result<usize, String> {
    let cur = process::brk();
    let up = (cur + PAGE_SIZE - 1) & !(PAGE_SIZE - 1);
    if up > cur {
        grow(up - cur)?;
    }
    Ok(up)
}

fn peek(a: usize) -> u8 {
    // SAFETY: callers pass addresses of memory they own, or addresses that
    // must fault (in a child that expects to be killed).
    unsafe { read_volatile(a as *const u8) }
}

fn poke(a: usize, v: u8) {
    // SAFETY: as for peek.
    unsafe { write_volatile(a as *mut u8, v) }
}

/// xv6 sbrkbasic: byte-at-a-time growth, and a forked child's own growth.
fn sbrkbasic() -> TestResult {
    let a = process::brk();
    for i in 0..5000 {
        let b = grow(1)?;
        ensure_eq!(b, a + i, "sbrk(1) number {}", i);
        poke(b, 1);
    }
    let pid = spawn(|| {
        let c = grow(1).unwrap_or(0);
        let d = grow(1).unwrap_or(0);
        if c != a + 5000 || d != c + 1 {
            return 1;
        }
        if (0..5000).any(|i| peek(a + i) != 1) {
            return 2;
        }
        0
    })?;
    ensure_eq!(status_of(pid)?, 0, "child (1: sbrk, 2: contents)");
    ensure!((0..5000).all(|i| peek(a + i) == 1), "contents changed");
    // SAFETY: we made these 5000 bytes and allocated nothing since.
    unsafe { shrink(5000)? };
    ensure_eq!(process::brk(), a, "break after shrinking back");
    Ok(())
}

/// xv6 sbrkmuch: a big eager allocation, touched; shrink and regrow a page
/// (which must come back zeroed).
fn sbrkmuch() -> TestResult {
    let free = free_frames()? as usize;
    let amt = ((free * PAGE_SIZE / 4).min(100 << 20)) & !(PAGE_SIZE - 1);
    ensure!(amt >= 1 << 20, "only {} free frames", free);
    let a = align_break()?;
    let p = grow(amt)?;
    ensure_eq!(p, a, "sbrk's return");
    for off in (0..amt).step_by(PAGE_SIZE) {
        poke(a + off, (off / PAGE_SIZE) as u8);
    }
    poke(a + amt - 1, 99);
    for off in (0..amt).step_by(PAGE_SIZE) {
        ensure_eq!(
            peek(a + off),
            (off / PAGE_SIZE) as u8,
            "byte at offset {}",
            off
        );
    }
    let last = a + amt - PAGE_SIZE;
    // SAFETY: the top page is ours and unused.
    unsafe { shrink(PAGE_SIZE)? };
    ensure_eq!(process::brk(), last, "break after shrinking a page");
    expect_killed("read of a page just given back", || {
        peek(last);
    })?;
    ensure_eq!(grow(PAGE_SIZE)?, last, "regrow");
    ensure_eq!(peek(a + amt - 1), 0, "regrown page not zeroed");
    // SAFETY: all ours, nothing allocated since.
    unsafe { shrink(amt)? };
    ensure_eq!(process::brk(), a, "break after shrinking all");
    Ok(())
}

/// More memory than the machine has, or than the address space allows,
/// is refused and leaves the break alone.
fn sbrkhuge() -> TestResult {
    let total = total_frames()? as usize * PAGE_SIZE;
    let before = process::brk();
    let too_much = (total + (16 << 20)).min(i32::MAX as usize) & !(PAGE_SIZE - 1);
    if too_much > total {
        // SAFETY: growing.
        let r = unsafe { process::sbrk(too_much as isize) };
        ensure!(
            r.is_err(),
            "eager sbrk of {} bytes with {} of RAM succeeded",
            too_much,
            total
        );
        ensure_eq!(process::brk(), before, "break after a refused sbrk");
    }
    // Lazy growth costs no memory, but the heap may not reach the mmap
    // area (or beyond MAXVA).
    const STEP: usize = 1 << 30;
    let mut steps = 0;
    loop {
        let at = process::brk();
        // SAFETY: growing.
        match unsafe { process::sbrk_lazy(STEP as isize) } {
            Ok(_) => steps += 1,
            Err(_) => {
                ensure_eq!(process::brk(), at, "break after a refused lazy sbrk");
                break;
            }
        }
        ensure!(steps <= MAXVA / STEP, "lazy sbrk went past MAXVA");
    }
    let top = process::brk();
    ensure!(
        top <= MMAP_BASE,
        "heap grew to {:#x}, past MMAP_BASE {:#x}",
        top,
        MMAP_BASE
    );
    for _ in 0..steps {
        // SAFETY: untouched lazy memory we just added.
        unsafe { shrink(STEP)? };
    }
    ensure_eq!(process::brk(), before, "break after shrinking back");
    Ok(())
}

/// Shrunk memory is gone: the kernel refuses it as a buffer (xv6 rwsbrk)
/// and touching it kills.
fn sbrkshrink() -> TestResult {
    let a = align_break()?;
    grow(2 * PAGE_SIZE)?;
    poke(a, 1);
    poke(a + PAGE_SIZE, 2);
    // SAFETY: ours, unused.
    unsafe { shrink(2 * PAGE_SIZE)? };
    ensure_eq!(process::brk(), a, "break");
    let fd = create("rwsbrk")?;
    // SAFETY: the buffer is gone; the kernel must refuse it.
    let n = unsafe { sys::write(fd.raw(), (a + PAGE_SIZE) as *const u8, 1024) };
    ensure_eq!(n, -1, "write from freed memory");
    drop(fd);
    ok(fs::unlink("rwsbrk"), "unlink")?;
    let fd = ok(Fd::open("/echo", O_RDONLY), "open")?;
    // SAFETY: as above.
    let n = unsafe { sys::read(fd.raw(), (a + PAGE_SIZE) as *mut u8, 10) };
    ensure_eq!(n, -1, "read into freed memory");
    expect_killed("read of freed heap", || {
        peek(a);
    })?;
    expect_killed("write of freed heap", || poke(a + PAGE_SIZE, 3))?;
    Ok(())
}

/// Heap contents are inherited by a child, and each side's writes stay
/// its own afterwards (whether fork copies or shares copy-on-write).
fn sbrkfork() -> TestResult {
    const PAGES: usize = 20;
    let a = align_break()?;
    grow(PAGES * PAGE_SIZE)?;
    let fill = |seed: usize| {
        for i in (0..PAGES * PAGE_SIZE).step_by(61) {
            poke(a + i, pattern(seed, i));
        }
    };
    let check = |seed: usize| {
        (0..PAGES * PAGE_SIZE)
            .step_by(61)
            .all(|i| peek(a + i) == pattern(seed, i))
    };
    fill(0);
    // Child writes; parent must not see it.
    let pid = spawn(|| {
        if !check(0) {
            return 1;
        }
        fill(1);
        if !check(1) {
            return 2;
        }
        if grow(PAGE_SIZE).is_err() {
            return 3;
        }
        0
    })?;
    ensure_eq!(
        status_of(pid)?,
        0,
        "child (1: inherited contents, 2: own writes, 3: sbrk)"
    );
    ensure!(check(0), "parent saw the child's writes");
    // Parent writes while a child is alive; the child must not see it.
    let [r, w] = ok(fs::pipe(), "pipe")?;
    let pid = spawn(|| {
        let _ = fs::close(w);
        let mut c = [0u8; 1];
        let _ = fs::read(r, &mut c);
        if check(0) {
            0
        } else {
            1
        }
    })?;
    let _ = fs::close(r);
    fill(2);
    let _ = fs::write(w, b"x");
    let _ = fs::close(w);
    ensure_eq!(status_of(pid)?, 0, "child saw the parent's later writes");
    ensure!(check(2), "parent lost its own writes");
    // SAFETY: ours, unused.
    unsafe { shrink(PAGES * PAGE_SIZE)? };
    Ok(())
}

/// xv6 sbrkarg: fresh heap memory as a system-call buffer.
fn sbrkarg() -> TestResult {
    let a = grow(PAGE_SIZE)?;
    poke(a, b'x');
    let fd = create("sbrkarg")?;
    // SAFETY: a..a+PAGE_SIZE is ours.
    let n = unsafe { sys::write(fd.raw(), a as *const u8, PAGE_SIZE) };
    ensure_eq!(n, PAGE_SIZE as isize, "write from sbrk memory");
    drop(fd);
    ok(fs::unlink("sbrkarg"), "unlink")?;
    // SAFETY: as above; room for two ints.
    let r = unsafe { sys::pipe(a as *mut i32) };
    ensure_eq!(r, 0, "pipe into sbrk memory");
    Ok(())
}

/// Lazy sbrk takes no frames until pages are touched, one per page then,
/// zero-filled; shrinking gives them back.
fn lazytouch() -> TestResult {
    let v0 = ok(vm::vmstat(), "vmstat")?;
    let free0 = v0.free_frames as usize;
    let amt = 64usize << 20;
    let stride = 16 * PAGE_SIZE;
    let touched = amt / stride;
    ensure!(touched * 4 < free0, "only {} free frames", free0);
    let a = align_break()?;
    ensure_eq!(grow_lazy(amt)?, a, "sbrklazy's return");
    let free1 = free_frames()? as usize;
    ensure!(
        free1 + 16 >= free0,
        "lazy sbrk of {} MiB took {} frames",
        amt >> 20,
        free0 - free1
    );
    for (k, off) in (0..amt).step_by(stride).enumerate() {
        poke(a + off + 8, k as u8 | 1);
    }
    let v2 = ok(vm::vmstat(), "vmstat")?;
    let free2 = v2.free_frames as usize;
    let used = free1.saturating_sub(free2);
    // Page-table pages for 64 MiB: a few dozen.
    ensure!(
        used >= touched && used <= touched + 64,
        "touching {} pages took {} frames",
        touched,
        used
    );
    let zf = v2.faults[fault::ZERO_FILLED] - v0.faults[fault::ZERO_FILLED];
    ensure!(
        zf >= touched as u64,
        "{} zero-filled faults for {} first writes",
        zf,
        touched
    );
    for (k, off) in (0..amt).step_by(stride).enumerate() {
        ensure_eq!(peek(a + off + 8), k as u8 | 1, "touched page {}", k);
        ensure_eq!(peek(a + off), 0, "rest of touched page {}", k);
        ensure_eq!(peek(a + off + stride / 2), 0, "untouched page near {}", k);
    }
    // SAFETY: ours, unused.
    unsafe { shrink(amt)? };
    // Page-table pages may stay until exit (xv6 frees them only then).
    let free3 = free_frames()? as usize;
    ensure!(
        free3 + 64 >= free1,
        "shrinking kept {} frames",
        free1.saturating_sub(free3)
    );
    Ok(())
}

/// xv6 lazy_copy: untouched lazy pages work as system-call buffers in
/// both directions.
fn lazycopy() -> TestResult {
    const PAGES: usize = 8;
    let a = align_break()?;
    grow_lazy(PAGES * PAGE_SIZE)?;
    // copyout: read a file straight into untouched lazy memory.
    let fd = ok(Fd::open("/echo", O_RDONLY), "open /echo")?;
    // SAFETY: a.. is ours (lazily).
    let n = unsafe { sys::read(fd.raw(), a as *mut u8, 2 * PAGE_SIZE) };
    ensure_eq!(n, (2 * PAGE_SIZE) as isize, "read into lazy memory");
    drop(fd);
    let fd = ok(Fd::open("/echo", O_RDONLY), "open /echo")?;
    let mut check = [0u8; 512];
    for off in (0..2 * PAGE_SIZE).step_by(512) {
        ensure_eq!(fd.read_full(&mut check), Ok(512), "reread");
        ensure!(
            (0..512).all(|i| peek(a + off + i) == check[i]),
            "lazy buffer differs at offset {}",
            off
        );
    }
    drop(fd);
    // copyin: write untouched (zero) lazy memory to a file.
    let fd = create("lazycopy")?;
    // SAFETY: as above.
    let n = unsafe { sys::write(fd.raw(), (a + 4 * PAGE_SIZE) as *const u8, PAGE_SIZE) };
    ensure_eq!(n, PAGE_SIZE as isize, "write from lazy memory");
    drop(fd);
    let data = ok(fs::read_file("lazycopy"), "read back")?;
    ensure!(
        data.len() == PAGE_SIZE && data.iter().all(|&b| b == 0),
        "lazy memory not zero"
    );
    ok(fs::unlink("lazycopy"), "unlink")?;
    // pipe and fstat results into lazy memory; a path read from it.
    // SAFETY: as above.
    ensure_eq!(
        unsafe { sys::pipe((a + 5 * PAGE_SIZE) as *mut i32) },
        0,
        "pipe into lazy memory"
    );
    // SAFETY: as above.
    let r = unsafe { sys::fstat(0, (a + 6 * PAGE_SIZE + 8) as *mut abi::Stat) };
    ensure_eq!(r, 0, "fstat into lazy memory");
    // An empty string in zeroed lazy memory: "" names the current
    // directory in xv6, so this opens it.
    // SAFETY: a NUL at the start of a zeroed page of ours.
    let r = unsafe { sys::open((a + 7 * PAGE_SIZE) as *const u8, O_RDONLY) };
    ensure!(
        r >= 0,
        "open of an empty path read from lazy memory returned {}",
        r
    );
    let st = ok(fs::fstat(r as i32), "fstat")?;
    ensure_eq!(st.typ, abi::T_DIR, "type of \"\" (the cwd)");
    let _ = fs::close(r as i32);
    Ok(())
}

/// xv6 lazy_unmap: lazily grown memory given back is gone, touched or not.
fn lazyunmap() -> TestResult {
    let amt = 1 << 20;
    let a = align_break()?;
    grow_lazy(amt)?;
    for off in (0..amt).step_by(4 * PAGE_SIZE) {
        poke(a + off, 7);
    }
    // SAFETY: ours, unused.
    unsafe { shrink(amt)? };
    expect_killed("read of unmapped touched page", || {
        peek(a + 4 * PAGE_SIZE);
    })?;
    expect_killed("read of unmapped untouched page", || {
        peek(a + PAGE_SIZE);
    })?;
    expect_killed("write of unmapped page", || poke(a + amt - 1, 1))?;
    Ok(())
}

/// Lazy memory is inherited by fork: touched pages keep their contents,
/// untouched ones read as zero on both sides.
fn lazyfork() -> TestResult {
    const PAGES: usize = 64;
    let a = align_break()?;
    grow_lazy(PAGES * PAGE_SIZE)?;
    for i in (0..PAGES).step_by(2) {
        poke(a + i * PAGE_SIZE, i as u8 + 1);
    }
    let pid = spawn(|| {
        for i in 0..PAGES {
            let want = if i % 2 == 0 { i as u8 + 1 } else { 0 };
            if peek(a + i * PAGE_SIZE) != want {
                return 1;
            }
            poke(a + i * PAGE_SIZE, 0xee);
        }
        0
    })?;
    ensure_eq!(status_of(pid)?, 0, "child saw wrong lazy contents");
    for i in 0..PAGES {
        let want = if i % 2 == 0 { i as u8 + 1 } else { 0 };
        ensure_eq!(
            peek(a + i * PAGE_SIZE),
            want,
            "parent's page {} after child wrote",
            i
        );
    }
    Ok(())
}

static mut BSS: [u8; 20000] = [0; 20000];

/// xv6 bsstest: uninitialized data starts zeroed and is writable.
fn bss() -> TestResult {
    let base = core::ptr::addr_of_mut!(BSS) as usize;
    for i in 0..20000 {
        ensure_eq!(peek(base + i), 0, "bss byte {}", i);
    }
    poke(base + 19999, 5);
    ensure_eq!(peek(base + 19999), 5, "bss write");
    Ok(())
}

/// Recurses `depth` times with about 1 KiB of stack per call; returns the
/// lowest stack address it reached.
#[inline(never)]
fn recurse(depth: usize) -> usize {
    let mut buf = [0u8; 1024];
    buf[depth % 1024] = depth as u8;
    core::hint::black_box(&mut buf);
    let here = buf.as_ptr() as usize;
    if depth == 0 {
        return here;
    }
    let low = recurse(depth - 1);
    core::hint::black_box(&buf);
    low.min(here)
}

/// The stack grows on demand well past the pages present at exec.
fn stackgrow() -> TestResult {
    let status = ulib::test::child_status(|| {
        // 20 KiB or so: 5 of the 8 stack pages (2 are present at exec).
        let low = recurse(20);
        if (STACK_BOTTOM..STACK_TOP - 4 * PAGE_SIZE).contains(&low) {
            0
        } else {
            1
        }
    })?;
    ensure_eq!(
        status,
        0,
        "deep recursion in a child (1: stack use off, -1: killed)"
    );
    Ok(())
}

/// Below the stack is a guard page; touching it (or anything under the
/// stack) kills.
fn stackguard() -> TestResult {
    expect_killed("read of the stack guard page", || {
        peek(STACK_GUARD + 100);
    })?;
    expect_killed("write just under the stack", || poke(STACK_BOTTOM - 1, 1))?;
    expect_killed("read above the stack", || {
        peek(STACK_TOP + 16);
    })?;
    Ok(())
}

/// xv6 textwrite: program text is read-only.
fn textwrite() -> TestResult {
    let text = textwrite as *const () as usize;
    ensure!(text < PAGE_SIZE * 1024, "function at {:#x}?", text);
    expect_killed("write to own text", || poke(text, 0))?;
    expect_killed("write to address 0", || poke(0, 0))?;
    static RO: [u8; 16] = [1; 16];
    let ro = RO.as_ptr() as usize;
    expect_killed("write to read-only data", || poke(ro, 0))?;
    // Reading text is fine.
    ensure!(
        peek(text) != 0 || peek(text + 1) != 0,
        "text reads as zeros"
    );
    Ok(())
}

/// xv6 nowrite: addresses that must never be writable.
fn nowrite() -> TestResult {
    for a in [
        0x8000_0000,
        TRAMPOLINE,
        TRAPFRAME,
        MAXVA - 1,
        MAXVA,
        usize::MAX,
    ] {
        expect_killed(&format!("write to {:#x}", a), || poke(a, 10))?;
    }
    Ok(())
}

/// xv6 kernmem: kernel memory is not readable.
fn kernmem() -> TestResult {
    for a in (0x8000_0000usize..0x8000_0000 + 2_000_000).step_by(50_000) {
        expect_killed(&format!("read of kernel address {:#x}", a), || {
            peek(a);
        })?;
    }
    for a in [TRAMPOLINE, TRAPFRAME, TRAPFRAME + 8] {
        expect_killed(&format!("read of {:#x}", a), || {
            peek(a);
        })?;
    }
    Ok(())
}

/// xv6 MAXVAplus: nothing at or above MAXVA.
fn maxvaplus() -> TestResult {
    let mut a = MAXVA;
    while a != 0 {
        expect_killed(&format!("write to {:#x}", a), || poke(a, 99))?;
        a <<= 1;
    }
    Ok(())
}

/// Addresses between the break and the mmap area, or just past the break,
/// belong to nothing.
fn unmapped() -> TestResult {
    let top = align_break()?;
    expect_killed("read just past the break", || {
        peek(top + 16);
    })?;
    expect_killed("write a page past the break", || poke(top + PAGE_SIZE, 1))?;
    expect_killed("read at 64 GiB", || {
        peek(0x10_0000_0000);
    })?;
    expect_killed("read at MMAP_BASE", || {
        peek(MMAP_BASE);
    })?;
    expect_killed("read at MMAP_TOP", || {
        peek(MMAP_TOP);
    })?;
    Ok(())
}
