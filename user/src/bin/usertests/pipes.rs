//! Pipes: data integrity, end of file, closed readers, descriptor reuse.

use crate::util::*;
use ulib::test::Test;
use ulib::{ensure, ensure_eq, fs, process, sys};

pub const TESTS: &[Test] = &[
    Test::forked("pipe1", pipe1),
    Test::forked("pipebig", pipebig),
    Test::forked("pipeeof", pipeeof),
    Test::forked("pipeeofdup", pipeeofdup),
    Test::forked("pipenoreader", pipenoreader),
    Test::forked("pipereaderexits", pipereaderexits),
    Test::forked("pipefds", pipefds),
];

/// xv6 pipe1: a numbered byte stream from a child, read in growing chunks.
fn pipe1() -> TestResult {
    const N: usize = 5;
    const SZ: usize = 1033;
    let [r, w] = ok(fs::pipe(), "pipe")?;
    let pid = spawn(|| {
        let _ = fs::close(r);
        let mut seq = 0usize;
        let mut buf = [0u8; SZ];
        for _ in 0..N {
            for b in buf.iter_mut() {
                *b = seq as u8;
                seq += 1;
            }
            if fs::write(w, &buf) != Ok(SZ) {
                return 1;
            }
        }
        0
    })?;
    let _ = fs::close(w);
    let mut buf = [0u8; 8192];
    let (mut total, mut cc, mut seq) = (0usize, 1usize, 0usize);
    loop {
        let n = ok(fs::read(r, &mut buf[..cc]), "read")?;
        if n == 0 {
            break;
        }
        for &b in &buf[..n] {
            ensure_eq!(b, seq as u8, "byte {}", seq);
            seq += 1;
        }
        total += n;
        cc = (cc * 2).min(buf.len());
    }
    ensure_eq!(total, N * SZ, "bytes through the pipe");
    let _ = fs::close(r);
    ensure_eq!(status_of(pid)?, 0, "writer status");
    Ok(())
}

/// Much more than a pipe buffer holds, in odd-sized writes, checked by
/// content.
fn pipebig() -> TestResult {
    const TOTAL: usize = 200 * 1024;
    let [r, w] = ok(fs::pipe(), "pipe")?;
    let pid = spawn(|| {
        let _ = fs::close(r);
        let mut buf = [0u8; 3001];
        let mut off = 0;
        let mut size = 1;
        while off < TOTAL {
            let n = size.min(TOTAL - off).min(buf.len());
            for (i, b) in buf[..n].iter_mut().enumerate() {
                *b = pattern(1, off + i);
            }
            if fs::write_all(w, &buf[..n]).is_err() {
                return 1;
            }
            off += n;
            size = (size * 7 + 13) % 3001 + 1;
        }
        0
    })?;
    let _ = fs::close(w);
    let mut buf = [0u8; 777];
    let mut off = 0;
    loop {
        let n = ok(fs::read(r, &mut buf), "read")?;
        if n == 0 {
            break;
        }
        for (i, &b) in buf[..n].iter().enumerate() {
            ensure_eq!(b, pattern(1, off + i), "byte {}", off + i);
        }
        off += n;
    }
    ensure_eq!(off, TOTAL, "bytes received");
    let _ = fs::close(r);
    ensure_eq!(status_of(pid)?, 0, "writer status");
    Ok(())
}

/// read returns what is buffered, then 0 once every writer has closed.
fn pipeeof() -> TestResult {
    let [r, w] = ok(fs::pipe(), "pipe")?;
    let pid = spawn(|| {
        let _ = fs::close(r);
        if fs::write(w, &[9u8; 100]) != Ok(100) {
            return 1;
        }
        0 // exiting closes the write end
    })?;
    let _ = fs::close(w);
    let mut buf = [0u8; 200];
    ensure_eq!(
        ok(fs::read_full(r, &mut buf), "read")?,
        100,
        "bytes before EOF"
    );
    ensure_eq!(fs::read(r, &mut buf), Ok(0), "read after writer exited");
    ensure_eq!(fs::read(r, &mut buf), Ok(0), "read again");
    ensure_eq!(status_of(pid)?, 0, "writer status");
    // Our own write end closed, with no other writer: immediate EOF.
    let [r2, w2] = ok(fs::pipe(), "pipe")?;
    ok(fs::close(w2), "close")?;
    ensure_eq!(fs::read(r2, &mut buf), Ok(0), "read with no writers");
    let _ = fs::close(r2);
    let _ = fs::close(r);
    Ok(())
}

/// EOF waits for the last writer: a dup held by a slow child keeps the
/// pipe open after we close ours.
fn pipeeofdup() -> TestResult {
    let [r, w] = ok(fs::pipe(), "pipe")?;
    let w2 = ok(fs::dup(w), "dup")?;
    let pid = spawn(|| {
        let _ = fs::close(r);
        let _ = fs::close(w);
        let _ = process::pause(5);
        if fs::write(w2, b"late") != Ok(4) {
            return 1;
        }
        0
    })?;
    let _ = fs::close(w);
    let _ = fs::close(w2);
    let mut buf = [0u8; 16];
    ensure_eq!(
        ok(fs::read_full(r, &mut buf), "read")?,
        4,
        "bytes from the late writer"
    );
    ensure_eq!(&buf[..4], b"late", "contents");
    ensure_eq!(status_of(pid)?, 0, "writer status");
    let _ = fs::close(r);
    Ok(())
}

/// write to a pipe with no reader fails with -1.
fn pipenoreader() -> TestResult {
    let [r, w] = ok(fs::pipe(), "pipe")?;
    ok(fs::close(r), "close read end")?;
    // SAFETY: valid buffer.
    let n = unsafe { sys::write(w, b"hello".as_ptr(), 5) };
    ensure_eq!(n, -1, "write with the reader closed");
    let _ = fs::close(w);
    Ok(())
}

/// A writer blocked on a full pipe gets -1 when the reader goes away.
fn pipereaderexits() -> TestResult {
    let [r, w] = ok(fs::pipe(), "pipe")?;
    let [sr, sw] = ok(fs::pipe(), "status pipe")?;
    let pid = spawn(|| {
        let _ = fs::close(r);
        let _ = fs::close(sr);
        let buf = [1u8; 1024];
        // Far more than any pipe buffer: blocks until the reader leaves.
        let mut last = 0isize;
        for _ in 0..1000 {
            // SAFETY: valid buffer.
            last = unsafe { sys::write(w, buf.as_ptr(), buf.len()) };
            if last < 0 {
                break;
            }
        }
        let _ = fs::write(sw, &(last as i64).to_le_bytes());
        0
    })?;
    let _ = fs::close(w);
    let _ = fs::close(sw);
    let mut buf = [0u8; 100];
    ensure_eq!(ok(fs::read_full(r, &mut buf), "read")?, 100, "first bytes");
    ok(fs::close(r), "close read end")?;
    let mut res = [0u8; 8];
    ensure_eq!(
        ok(fs::read_full(sr, &mut res), "read status")?,
        8,
        "writer's report"
    );
    ensure_eq!(
        i64::from_le_bytes(res),
        -1,
        "blocked write after the reader closed"
    );
    ensure_eq!(status_of(pid)?, 0, "writer status");
    let _ = fs::close(sr);
    Ok(())
}

/// Pipes give the lowest free descriptors and give them back on close.
fn pipefds() -> TestResult {
    let low = lowest_free_fd()?;
    for i in 0..100 {
        let [r, w] = ok(fs::pipe(), "pipe")?;
        ensure!(
            r == low && w == low + 1,
            "pipe {} got fds {} {}, expected {} {}",
            i,
            r,
            w,
            low,
            low + 1
        );
        ok(fs::close(r), "close")?;
        ok(fs::close(w), "close")?;
    }
    Ok(())
}
