//! Crash recovery at every block write of a workload.
//!
//! The workload (mkdir, files written in several transactions, link,
//! unlinks, a rewrite) runs once with the RAM disk recording its writes.
//! A crash after `n` writes leaves the disk as it was before the workload
//! plus the first `n` writes, so every crash image, n = 0 ..= all, is
//! rebuilt from the record (no need to rerun the workload per point). Each
//! is put in the disk and mounted, which runs the kernel's log recovery,
//! and then must be consistent (fsck) and show whole transactions only.

use super::{insert_disk, pat, setup, write_file};
use crate::drivers::virtio_blk::{self, lock, take_reads, DISK};
use crate::fs::{self, ops};
use abi::fs::*;
use std::collections::BTreeMap;

/// Bytes one write transaction adds to a file: xv6's filewrite chunk, which
/// the kernel uses (fs/rw.rs, MAX_OP_BYTES). A file written from offset 0
/// is, after any crash, a whole number of chunks or complete.
const CHUNK: usize = ((MAXOPBLOCKS - 1 - 1 - 2) / 2) * BSIZE;

/// Every file the workload writes, as it finally writes it.
fn written(name: &str) -> Option<Vec<u8>> {
    Some(match name {
        "/keep" => pat(4, 5000),
        "/d/a" | "/alink" => pat(2, 2000),
        "/big" => pat(3, 40000),
        s => {
            let i: u8 = s.strip_prefix("/s")?.parse().ok()?;
            pat(10 + i, 100 * i as usize)
        }
    })
}

/// "/keep" before the workload.
fn keep0() -> Vec<u8> {
    pat(1, 3000)
}

fn workload() {
    let root = fs::root();
    ops::mkdir(&root, b"d").unwrap();
    assert_eq!(write_file(&root, "d/a", &pat(2, 2000)), 2000);
    assert_eq!(write_file(&root, "big", &pat(3, 40000)), 40000);
    ops::link(&root, b"d/a", b"alink").unwrap();
    ops::unlink(&root, b"d/a").unwrap();
    for i in 0..10 {
        let n = 100 * i as usize;
        assert_eq!(
            write_file(&root, &format!("s{i}"), &pat(10 + i, n)),
            n as isize
        );
    }
    for i in (0..10).step_by(2) {
        ops::unlink(&root, format!("s{i}").as_bytes()).unwrap();
    }
    ops::unlink(&root, b"big").unwrap();
    ops::mkdir(&root, b"d/e").unwrap();
    ops::unlink(&root, b"d/e").unwrap();
    assert_eq!(write_file(&root, "keep", &pat(4, 5000)), 5000);
}

pub fn run() {
    setup(1200, 100, 31, &[("keep", &keep0())]);
    let before = lock(&DISK).clone();
    virtio_blk::start_journal();
    workload();
    let writes = virtio_blk::take_journal();
    let after = lock(&DISK).clone();
    assert!(
        writes.len() > 100,
        "workload wrote only {} blocks",
        writes.len()
    );

    let mut img = before;
    for n in 0..=writes.len() {
        if n > 0 {
            let w = &writes[n - 1];
            let o = w.blockno as usize * BSIZE;
            img[o..o + BSIZE].copy_from_slice(&w.data[..]);
        }
        let r = recover(img.clone(), n);
        check_contents(&r.files, n);
        if n == writes.len() {
            check_final(&r.files);
        }
    }
    // The record was all of it: replaying every write gives the real disk.
    assert!(img == after, "journal replay differs from the disk");
    println!(
        "crash recovery: ok at all {} write points",
        writes.len() + 1
    );
}

/// Mount crash image `n` (which recovers the log) and fsck it.
fn recover(img: Vec<u8>, n: usize) -> super::Report {
    let (sb, logged) = {
        let fs = xv6img::FsImage::new(&img).expect("superblock");
        (fs.sb, fs.log_header_count() as u32)
    };
    insert_disk(img);
    take_reads();
    fs::init();
    // Recovery must have read this image's superblock, log header and
    // logged blocks, not copies cached from another image.
    let reads = take_reads();
    for b in [1, sb.logstart]
        .into_iter()
        .chain(sb.logstart + 1..=sb.logstart + logged)
    {
        assert!(
            reads.contains(&b),
            "crash at write {n}: mounting did not read block {b} from disk \
             (log not replayed, or a stale buffer cache)"
        );
    }
    let d = lock(&DISK).clone();
    let r = super::fsck(&d);
    for e in &r.errors {
        println!("fsck: {e}");
    }
    assert!(
        r.errors.is_empty(),
        "crash at write {n}: fsck found {} errors",
        r.errors.len()
    );
    // Nothing was open when a file was unlinked, so nothing is orphaned.
    assert_eq!(r.orphans, 0, "crash at write {n}: orphaned inodes");
    r
}

/// Each file holds a whole number of its write transactions.
fn check_contents(files: &BTreeMap<String, Vec<u8>>, n: usize) {
    for (name, data) in files {
        let full =
            written(name).unwrap_or_else(|| panic!("crash at write {n}: unexpected file {name}"));
        let whole = full.starts_with(data) && (data.len() % CHUNK == 0 || data.len() == full.len());
        let ok = whole || (name == "/keep" && *data == keep0());
        assert!(
            ok,
            "crash at write {n}: {name} has {} bytes, not whole transactions",
            data.len()
        );
    }
    assert!(
        files.contains_key("/keep"),
        "crash at write {n}: /keep is gone"
    );
}

/// After the last write: exactly what the workload left.
fn check_final(files: &BTreeMap<String, Vec<u8>>) {
    let mut expect: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for name in ["/keep", "/alink", "/s1", "/s3", "/s5", "/s7", "/s9"] {
        expect.insert(name.to_string(), written(name).unwrap());
    }
    let got: Vec<&String> = files.keys().collect();
    assert!(*files == expect, "after the workload: files {got:?}");
}
