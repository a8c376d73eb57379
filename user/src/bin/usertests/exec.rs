//! exec: arguments, failures (missing file, not ELF, bad ELF, too many
//! arguments), descriptors kept across exec.

use crate::util::*;
use abi::elf::{Header, Segment, PF_R, PF_X};
use abi::fcntl::*;
use abi::layout::{MAXVA, PAGE_SIZE, TRAPFRAME};
use abi::limits::MAXARG;
use core::ptr::null;
use ulib::prelude::*;
use ulib::test::Test;
use ulib::{ensure, ensure_eq, fs, process, sys};

pub const TESTS: &[Test] = &[
    Test::forked("exectest", exectest),
    Test::forked("execargs", execargs),
    Test::forked("execbigargs", execbigargs),
    Test::forked("execmissing", execmissing),
    Test::forked("execnonelf", execnonelf),
    Test::forked("execbadelf", execbadelf),
    Test::forked("exectoomanyargs", exectoomanyargs),
    Test::forked("execbadargv", execbadargv),
];

/// Runs `/echo` with `args` (argv[0] included) in a child whose stdout is
/// the file `out`; returns the child's status and the file's contents.
fn echo_to_file(out: &str, args: &[&str]) -> Result<(i32, Vec<u8>), String> {
    remove(out);
    let pid = spawn(|| {
        let _ = fs::close(1);
        match fs::open(out, O_CREATE | O_WRONLY | O_TRUNC) {
            Ok(1) => {}
            _ => return 2,
        }
        let _ = process::exec("/echo", args);
        3
    })?;
    let status = status_of(pid)?;
    let data = fs::read_file(out).unwrap_or_default();
    remove(out);
    Ok((status, data))
}

/// xv6 exectest: exec with arguments and a redirected stdout.
fn exectest() -> TestResult {
    let (status, data) = echo_to_file("echo-ok", &["echo", "OK"])?;
    ensure_eq!(
        status,
        0,
        "echo's status (2: fd 1 not reused, 3: exec failed)"
    );
    ensure_eq!(String::from_utf8_lossy(&data), "OK\n", "echo's output");
    Ok(())
}

/// The most arguments exec must take (MAXARG - 1 plus the NULL), in order.
fn execargs() -> TestResult {
    let owned: Vec<String> = (0..MAXARG - 1).map(|i| format!("a{}", i)).collect();
    let mut args: Vec<&str> = vec!["echo"];
    args.extend(owned.iter().skip(1).map(|s| s.as_str()));
    ensure_eq!(args.len(), MAXARG - 1, "test setup");
    let (status, data) = echo_to_file("execargs-out", &args)?;
    ensure_eq!(status, 0, "echo's status");
    let want = args[1..].join(" ") + "\n";
    ensure_eq!(String::from_utf8_lossy(&data), want, "echo's output");
    // Empty strings are arguments too.
    let (status, data) = echo_to_file("execargs-out", &["echo", "", "x", ""])?;
    ensure_eq!(status, 0, "echo's status");
    ensure_eq!(
        String::from_utf8_lossy(&data),
        " x \n",
        "echo's output with empty args"
    );
    Ok(())
}

/// Long arguments (several KiB in all) reach the program intact.
fn execbigargs() -> TestResult {
    let owned: Vec<String> = (0..MAXARG - 2)
        .map(|i| {
            let c = (b'a' + (i % 26) as u8) as char;
            core::iter::repeat_n(c, 100).collect()
        })
        .collect();
    let mut args: Vec<&str> = vec!["echo"];
    args.extend(owned.iter().map(|s| s.as_str()));
    let (status, data) = echo_to_file("bigargs-out", &args)?;
    ensure_eq!(status, 0, "echo's status");
    let want = args[1..].join(" ") + "\n";
    ensure!(
        data == want.as_bytes(),
        "echo printed {} bytes, want {}",
        data.len(),
        want.len()
    );
    Ok(())
}

/// exec of something that isn't there fails and the caller carries on.
fn execmissing() -> TestResult {
    static MARKER: [u8; 4] = *b"live";
    let e = process::exec("/no-such-program", &["no-such-program"]);
    ensure_eq!(e, ulib::Error::Sys("exec"), "exec of a missing file");
    let e = process::exec("no/such/dir/prog", &["prog"]);
    ensure_eq!(e, ulib::Error::Sys("exec"), "exec under a missing dir");
    let p = cstr("/no-such-program");
    let argv = [p.as_ptr(), null()];
    // SAFETY: valid strings and array.
    ensure_eq!(
        unsafe { sys::exec(p.as_ptr(), argv.as_ptr()) },
        -1,
        "raw exec"
    );
    ensure_eq!(&MARKER, b"live", "memory after failed exec");
    Ok(())
}

/// Runs exec of `path` in a child; exec must fail (the child then exits
/// 0). If exec "succeeds" the child becomes a broken program.
fn exec_must_fail(path: &str, what: &str) -> TestResult {
    let pid = spawn(|| {
        let before = process::brk();
        let e = process::exec(path, &[path]);
        // The old image must be intact after a failed exec.
        if e != ulib::Error::Sys("exec") || process::brk() != before {
            return 1;
        }
        0
    })?;
    match status_of(pid)? {
        0 => Ok(()),
        s => Err(format!(
            "exec of {}: child status {} (exec did not fail cleanly)",
            what, s
        )),
    }
}

fn execnonelf() -> TestResult {
    ok(
        fs::write_file("nonelf-script", b"#!/sh\necho hi\n"),
        "create",
    )?;
    exec_must_fail("nonelf-script", "a text file")?;
    ok(fs::write_file("nonelf-empty", b""), "create")?;
    exec_must_fail("nonelf-empty", "an empty file")?;
    ok(fs::write_file("nonelf-short", b"\x7fEL"), "create")?;
    exec_must_fail("nonelf-short", "a 3-byte file")?;
    ok(
        fs::write_file("nonelf-magic", &[0x7f, b'E', b'L', b'F', 2, 1, 1]),
        "create",
    )?;
    exec_must_fail("nonelf-magic", "a truncated ELF header")?;
    exec_must_fail("/", "a directory")?;
    exec_must_fail("console", "a device")?;
    for f in [
        "nonelf-script",
        "nonelf-empty",
        "nonelf-short",
        "nonelf-magic",
    ] {
        ok(fs::unlink(f), "unlink")?;
    }
    Ok(())
}

/// An ELF64 RISC-V executable with one PT_LOAD segment described by the
/// arguments and a few bytes of content.
fn elf(vaddr: u64, filesz: u64, memsz: u64, phoff: u64) -> Vec<u8> {
    let mut e = Header::exec(vaddr, phoff, 1).to_bytes().to_vec();
    e.extend_from_slice(&Segment::load(PF_R | PF_X, 0, vaddr, filesz, memsz).to_bytes());
    e.resize(256, 0);
    e
}

/// ELF files whose segments make no sense are refused, not loaded.
fn execbadelf() -> TestResult {
    let max = MAXVA as u64;
    let cases: [(&str, Vec<u8>); 6] = [
        ("memsz < filesz", elf(0, 256, 16, 64)),
        (
            "vaddr + memsz overflows",
            elf(0x1000, 0, u64::MAX - 0x800, 64),
        ),
        ("unaligned vaddr", elf(0x1234, 0, 0x1000, 64)),
        ("segment at MAXVA", elf(max, 0, 0x1000, 64)),
        ("program header past the end", elf(0, 0, 0x1000, 4096)),
        (
            "segment over the trapframe",
            elf(
                TRAPFRAME as u64 - PAGE_SIZE as u64,
                0,
                3 * PAGE_SIZE as u64,
                64,
            ),
        ),
    ];
    for (what, bytes) in cases.iter() {
        ok(fs::write_file("badelf", bytes), "create badelf")?;
        exec_must_fail("badelf", what)?;
    }
    ok(fs::unlink("badelf"), "unlink")
}

/// More than MAXARG arguments: exec fails and the process goes on.
fn exectoomanyargs() -> TestResult {
    let a = cstr("echo");
    let p = cstr("/echo");
    for n in [MAXARG + 1, MAXARG + 8, 200] {
        let mut argv: Vec<*const u8> = vec![a.as_ptr(); n];
        argv.push(null());
        // SAFETY: valid strings; the kernel must refuse the count.
        let r = unsafe { sys::exec(p.as_ptr(), argv.as_ptr()) };
        ensure_eq!(r, -1, "exec with {} arguments", n);
    }
    // An array with no NULL within reach.
    let argv: Vec<*const u8> = vec![a.as_ptr(); 512];
    // SAFETY: as above.
    let r = unsafe { sys::exec(p.as_ptr(), argv.as_ptr()) };
    ensure_eq!(r, -1, "exec with an unterminated argv");
    ensure_eq!(
        process::exec("/echo", &vec!["x"; MAXARG + 1]),
        ulib::Error::TooManyArgs,
        "library exec"
    );
    Ok(())
}

/// xv6 badarg: bad pointers in or for argv.
fn execbadargv() -> TestResult {
    let p = cstr("/echo");
    let a = cstr("echo");
    for bad in [
        0x8000_0000usize,
        MAXVA - 1,
        MAXVA,
        TRAPFRAME,
        usize::MAX,
        0x10_0000_0000,
    ] {
        let argv = [a.as_ptr(), bad as *const u8, null()];
        // SAFETY: deliberately bad pointer; the kernel must refuse it.
        let r = unsafe { sys::exec(p.as_ptr(), argv.as_ptr()) };
        ensure_eq!(r, -1, "exec with argv[1] = {:#x}", bad);
        // SAFETY: as above, the array itself is bad.
        let r = unsafe { sys::exec(p.as_ptr(), bad as *const *const u8) };
        ensure_eq!(r, -1, "exec with argv = {:#x}", bad);
        // SAFETY: as above, the path is bad.
        let r = unsafe { sys::exec(bad as *const u8, [a.as_ptr(), null()].as_ptr()) };
        ensure_eq!(r, -1, "exec with path = {:#x}", bad);
    }
    Ok(())
}
