//! Several processes at once (on several harts): shared files, parallel
//! creation and deletion, pipes, exec.

use crate::util::*;
use abi::fcntl::*;
use ulib::prelude::*;
use ulib::test::Test;
use ulib::{ensure, ensure_eq, fs, process};

pub const TESTS: &[Test] = &[
    Test::forked("sharedfd", sharedfd),
    Test::forked("fourfiles", fourfiles),
    Test::forked("createdelete", createdelete),
    Test::forked("concreate", concreate),
    Test::forked("linkunlink", linkunlink),
    Test::forked("truncate3", truncate3),
    Test::forked("parallelpipes", parallelpipes),
    Test::forked("parallelexec", parallelexec),
    Test::forked("parallelsbrk", parallelsbrk),
];

/// xv6 sharedfd: parent and child write through one file descriptor.
fn sharedfd() -> TestResult {
    const N: usize = 1000;
    let fd = create("sharedfd")?;
    let raw = fd.raw();
    let pid = spawn(|| {
        for _ in 0..N {
            if fs::write(raw, &[b'c'; 10]) != Ok(10) {
                return 1;
            }
        }
        0
    })?;
    for _ in 0..N {
        ensure_eq!(fd.write(&[b'p'; 10]), Ok(10), "parent write");
    }
    ensure_eq!(status_of(pid)?, 0, "child status");
    drop(fd);
    let data = ok(fs::read_file("sharedfd"), "read back")?;
    let nc = data.iter().filter(|&&b| b == b'c').count();
    let np = data.iter().filter(|&&b| b == b'p').count();
    ensure!(
        nc == N * 10 && np == N * 10,
        "got {} c and {} p, want {} each",
        nc,
        np,
        N * 10
    );
    ensure_eq!(data.len(), 2 * N * 10, "file size");
    ok(fs::unlink("sharedfd"), "unlink")
}

/// xv6 fourfiles: four children each write their own file at once.
fn fourfiles() -> TestResult {
    const N: usize = 12;
    const SZ: usize = 500;
    let names = ["f0", "f1", "f2", "f3"];
    for (pi, name) in names.iter().enumerate() {
        remove(name);
        spawn(|| {
            let Ok(fd) = Fd::open(name, O_CREATE | O_RDWR) else {
                return 1;
            };
            let buf = [b'0' + pi as u8; SZ];
            for _ in 0..N {
                if fd.write(&buf) != Ok(SZ) {
                    return 2;
                }
            }
            0
        })?;
    }
    wait_n_ok(names.len(), "fourfiles writers")?;
    for (i, name) in names.iter().enumerate() {
        let data = ok(fs::read_file(name), "read back")?;
        ensure_eq!(data.len(), N * SZ, "size of {}", name);
        ensure!(
            data.iter().all(|&b| b == b'0' + i as u8),
            "{} has foreign bytes",
            name
        );
        ok(fs::unlink(name), "unlink")?;
    }
    Ok(())
}

/// xv6 createdelete: four children create files and delete some, at once.
fn createdelete() -> TestResult {
    const N: usize = 20;
    const NCHILD: usize = 4;
    let name = |pi: usize, i: usize| {
        let b = [b'p', b'a' + pi as u8, b'0' + i as u8];
        String::from_utf8_lossy(&b).into_owned()
    };
    for pi in 0..NCHILD {
        spawn(|| {
            for i in 0..N {
                match fs::open(&name(pi, i), O_CREATE | O_RDWR) {
                    Ok(fd) => {
                        let _ = fs::close(fd);
                    }
                    Err(_) => return 1,
                }
                if i > 0 && i % 2 == 0 && fs::unlink(&name(pi, i / 2)).is_err() {
                    return 2;
                }
            }
            0
        })?;
    }
    wait_n_ok(NCHILD, "createdelete children")?;
    for i in 0..N {
        for pi in 0..NCHILD {
            let exists = fs::stat(&name(pi, i)).is_ok();
            let want = i == 0 || i >= N / 2;
            ensure_eq!(exists, want, "existence of {}", name(pi, i));
        }
    }
    for i in 0..N {
        for pi in 0..NCHILD {
            remove(&name(pi, i));
        }
    }
    Ok(())
}

/// xv6 concreate: parent and child race to create or link the same names;
/// every name ends up once in the directory.
fn concreate() -> TestResult {
    const N: usize = 40;
    ok(fs::mkdir("concreate"), "mkdir")?;
    ok(fs::chdir("concreate"), "chdir")?;
    ok(fs::write_file("C0", b""), "create C0")?;
    let name = |i: usize| {
        let b = [b'C', b'0' + i as u8];
        String::from_utf8_lossy(&b).into_owned()
    };
    for i in 1..N {
        let file = name(i);
        let pid = ok(process::fork(), "fork")?;
        let child = pid == 0;
        if (!child && i % 3 == 1) || (child && i % 5 == 1) {
            let _ = fs::link("C0", &file);
        } else if let Ok(fd) = fs::open(&file, O_CREATE | O_RDWR) {
            let _ = fs::close(fd);
        }
        if child {
            process::exit(0);
        }
        ensure_eq!(status_of(pid)?, 0, "child {}", i);
    }
    let entries = ok(fs::read_dir("."), "read dir")?;
    let mut seen = [0usize; N];
    for de in &entries {
        let n = de.name();
        if n.len() == 2 && n[0] == b'C' {
            let i = (n[1] - b'0') as usize;
            ensure!(i < N, "strange entry C{}", n[1] as char);
            seen[i] += 1;
        }
    }
    for (i, &count) in seen.iter().enumerate() {
        ensure_eq!(count, 1, "entries named {}", name(i));
    }
    // Both processes unlink every name; each goes exactly once.
    for i in 0..N {
        let pid = ok(process::fork(), "fork")?;
        let _ = fs::unlink(&name(i));
        if pid == 0 {
            process::exit(0);
        }
        ensure_eq!(status_of(pid)?, 0, "unlinking child {}", i);
    }
    for i in 0..N {
        ensure!(fs::stat(&name(i)).is_err(), "{} survived", name(i));
    }
    ok(fs::chdir("/"), "chdir /")?;
    ok(fs::unlink("concreate"), "unlink concreate")
}

/// xv6 linkunlink: two processes create, link and unlink one name in a
/// pseudo-random race; nothing may break.
fn linkunlink() -> TestResult {
    ok(fs::mkdir("linkunlink"), "mkdir")?;
    ok(fs::chdir("linkunlink"), "chdir")?;
    let pid = ok(process::fork(), "fork")?;
    let mut x: u32 = if pid != 0 { 1 } else { 97 };
    for _ in 0..100 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        match x % 3 {
            0 => {
                if let Ok(fd) = fs::open("x", O_RDWR | O_CREATE) {
                    let _ = fs::close(fd);
                }
            }
            1 => {
                let _ = fs::link("/cat", "x");
            }
            _ => {
                let _ = fs::unlink("x");
            }
        }
    }
    if pid == 0 {
        process::exit(0);
    }
    ensure_eq!(status_of(pid)?, 0, "child");
    remove("x");
    ok(fs::chdir("/"), "chdir /")?;
    ok(fs::unlink("linkunlink"), "unlink dir")?;
    // /cat's link count went back to 1.
    ensure_eq!(ok(fs::stat("/cat"), "stat /cat")?.nlink, 1, "nlink of /cat");
    Ok(())
}

/// xv6 truncate3: truncation racing with writes.
fn truncate3() -> TestResult {
    ok(fs::write_file("truncfile3", b""), "create")?;
    let pid = spawn(|| {
        for _ in 0..100 {
            let Ok(fd) = Fd::open("truncfile3", O_WRONLY) else {
                return 1;
            };
            if fd.write(b"1234567890") != Ok(10) {
                return 2;
            }
            drop(fd);
            let Ok(fd) = Fd::open("truncfile3", O_RDONLY) else {
                return 3;
            };
            let mut buf = [0u8; 32];
            let _ = fd.read(&mut buf);
        }
        0
    })?;
    for i in 0..150 {
        let fd = ok(
            Fd::open("truncfile3", O_CREATE | O_WRONLY | O_TRUNC),
            "open",
        )
        .map_err(|e| format!("{} at {}", e, i))?;
        ensure_eq!(fd.write(b"xxx"), Ok(3), "write {}", i);
    }
    ensure_eq!(status_of(pid)?, 0, "child (1: open, 2: write, 3: reopen)");
    ok(fs::unlink("truncfile3"), "unlink")
}

/// Four children each push data through their own pipe at once.
fn parallelpipes() -> TestResult {
    const NCHILD: usize = 4;
    const TOTAL: usize = 64 * 1024;
    for c in 0..NCHILD {
        spawn(|| {
            let Ok([r, w]) = fs::pipe() else {
                return 1;
            };
            let writer = process::spawn(|| {
                let _ = fs::close(r);
                let mut buf = [0u8; 1000];
                let mut off = 0;
                while off < TOTAL {
                    let n = buf.len().min(TOTAL - off);
                    for (i, b) in buf[..n].iter_mut().enumerate() {
                        *b = pattern(c, off + i);
                    }
                    if fs::write_all(w, &buf[..n]).is_err() {
                        return 1;
                    }
                    off += n;
                }
                0
            });
            let _ = fs::close(w);
            let Ok(writer) = writer else {
                return 2;
            };
            let mut buf = [0u8; 613];
            let mut off = 0;
            loop {
                match fs::read(r, &mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        if (0..n).any(|i| buf[i] != pattern(c, off + i)) {
                            return 3;
                        }
                        off += n;
                    }
                    Err(_) => return 4,
                }
            }
            if off != TOTAL {
                return 5;
            }
            if process::wait_for(writer) != Ok(0) {
                return 6;
            }
            0
        })?;
    }
    wait_n_ok(
        NCHILD,
        "pipe pairs (1 pipe, 2 fork, 3 data, 4 read, 5 length, 6 writer)",
    )
}

/// Four children exec at once, each into its own output file.
fn parallelexec() -> TestResult {
    const NCHILD: usize = 4;
    let out = |c: usize| format!("pexec{}", c);
    for c in 0..NCHILD {
        remove(&out(c));
        spawn(|| {
            for round in 0..5 {
                let word = format!("child{}round{}", c, round);
                let r = process::spawn(|| {
                    let _ = fs::close(1);
                    if fs::open(&out(c), O_CREATE | O_WRONLY | O_TRUNC) != Ok(1) {
                        return 1;
                    }
                    let _ = process::exec("/echo", &["echo", &word]);
                    2
                });
                let Ok(pid) = r else {
                    return 3;
                };
                if process::wait_for(pid) != Ok(0) {
                    return 4;
                }
                match fs::read_file(&out(c)) {
                    Ok(d) if d == format!("{}\n", word).as_bytes() => {}
                    _ => return 5,
                }
            }
            0
        })?;
    }
    let r = wait_n_ok(NCHILD, "exec children (4: echo failed, 5: wrong output)");
    for c in 0..NCHILD {
        remove(&out(c));
    }
    r
}

/// Four children grow, fill and check their heaps, forking as they go.
fn parallelsbrk() -> TestResult {
    const NCHILD: usize = 4;
    const PAGES: usize = 64;
    let page = abi::layout::PAGE_SIZE;
    for c in 0..NCHILD {
        spawn(|| {
            for round in 0..4 {
                // SAFETY: growing frees nothing.
                let Ok(a) = (unsafe { process::sbrk((PAGES * page) as isize) }) else {
                    return 1;
                };
                let seed = c * 10 + round;
                for i in 0..PAGES {
                    // SAFETY: the pages just grown.
                    unsafe {
                        core::ptr::write_volatile((a + i * page) as *mut u8, pattern(seed, i))
                    };
                }
                let check = || {
                    // SAFETY: as above.
                    (0..PAGES).all(|i| unsafe {
                        core::ptr::read_volatile((a + i * page) as *const u8) == pattern(seed, i)
                    })
                };
                let kid = process::spawn(|| if check() { 0 } else { 1 });
                match kid {
                    Ok(pid) if process::wait_for(pid) == Ok(0) => {}
                    _ => return 2,
                }
                if !check() {
                    return 3;
                }
            }
            0
        })?;
    }
    wait_n_ok(
        NCHILD,
        "sbrk children (1 sbrk, 2 forked check, 3 own check)",
    )
}
