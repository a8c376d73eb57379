//! Pipes: 100 KB through a pipe in odd-sized pieces, EOF when the writer
//! closes, writes with no reader fail, a writer blocked on a full pipe is
//! woken with -1 when the reader closes.

use super::pat;
use crate::fs::{ops, FsError, IoDst, IoSrc};

pub fn run() {
    let (r, w) = ops::pipe().unwrap();
    let total = 100_000usize;
    let h = std::thread::spawn(move || {
        let d = pat(7, total);
        let mut off = 0;
        while off < total {
            let n = (total - off).min(1500);
            assert_eq!(w.write(IoSrc::Kernel(&d[off..off + n]), n), n as isize);
            off += n;
        }
        // w dropped: reader sees EOF
    });
    let mut got = Vec::new();
    let mut buf = [0u8; 700];
    loop {
        let n = r.read(IoDst::Kernel(&mut buf), 700);
        assert!(n >= 0);
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n as usize]);
    }
    h.join().unwrap();
    assert_eq!(got, pat(7, total));
    assert_eq!(r.stat().err(), Some(FsError::Invalid));
    assert_eq!(r.write(IoSrc::Kernel(b"x"), 1), -1);
    // no reader -> write fails
    let (r, w) = ops::pipe().unwrap();
    drop(r);
    assert_eq!(w.write(IoSrc::Kernel(b"x"), 1), -1);
    // writer blocked on a full pipe wakes with -1 when the reader closes
    let (r, w) = ops::pipe().unwrap();
    let h = std::thread::spawn(move || w.write(IoSrc::Kernel(&[0u8; 2000]), 2000));
    std::thread::sleep(std::time::Duration::from_millis(100));
    drop(r);
    assert_eq!(h.join().unwrap(), -1);
    println!("pipe: ok");
}
