//! Consistency check of an xv6 image, read raw (not through the kernel):
//! every allocated block is metadata or used by exactly one inode, and the
//! bitmap says so; link counts match directory entries; no entry names a
//! free inode; the log is empty. Returns what it found.

use crate::mkfs::{dinode, superblock, u32_at};
use abi::fs::*;
use abi::{T_DEVICE, T_DIR, T_FILE};
use std::collections::{BTreeMap, BTreeSet};

pub struct Report {
    pub errors: Vec<String>,
    /// Allocated inodes no directory reaches (legal after a crash with
    /// open unlinked files).
    pub orphans: usize,
    /// Path ("/d/f") to contents of every regular file.
    pub files: BTreeMap<String, Vec<u8>>,
}

fn blocks_of(d: &[u8], di: &DInode) -> Vec<u32> {
    let mut v: Vec<u32> = di.addrs[..NDIRECT]
        .iter()
        .copied()
        .filter(|&a| a != 0)
        .collect();
    if di.addrs[NDIRECT] != 0 {
        v.push(di.addrs[NDIRECT]);
        for i in 0..NINDIRECT {
            let a = u32_at(d, di.addrs[NDIRECT], i);
            if a != 0 {
                v.push(a);
            }
        }
    }
    v
}

/// Block number of file block `bn` (0 = none).
fn bmap(d: &[u8], di: &DInode, bn: usize) -> u32 {
    if bn < NDIRECT {
        di.addrs[bn]
    } else if di.addrs[NDIRECT] == 0 {
        0
    } else {
        u32_at(d, di.addrs[NDIRECT], bn - NDIRECT)
    }
}

pub fn content(d: &[u8], di: &DInode) -> Vec<u8> {
    let mut out = Vec::new();
    let n = di.size as usize;
    let mut off = 0;
    while off < n {
        let b = bmap(d, di, off / BSIZE);
        let m = (n - off).min(BSIZE);
        if b == 0 {
            out.extend(std::iter::repeat_n(0, m));
        } else {
            out.extend_from_slice(&d[b as usize * BSIZE..b as usize * BSIZE + m]);
        }
        off += m;
    }
    out
}

pub fn fsck(d: &[u8]) -> Report {
    let sb = superblock(d);
    let mut errors = Vec::new();
    let mut owner: BTreeMap<u32, u32> = BTreeMap::new();
    let nmeta = sb.bmapstart + (sb.size / BPB as u32 + 1);
    // inum -> directory entries naming it (not counting . and ..)
    let mut refs: BTreeMap<u32, i32> = BTreeMap::new();
    // directory inum -> subdirectories (each one's .. is a link to it)
    let mut subdirs: BTreeMap<u32, i32> = BTreeMap::new();
    let mut files = BTreeMap::new();
    let mut seen = BTreeSet::new();
    let mut stack = vec![(ROOTINO, String::new(), ROOTINO)];
    while let Some((inum, path, parent)) = stack.pop() {
        if !seen.insert(inum) {
            errors.push(format!("{path}: directory reached twice"));
            continue;
        }
        let di = dinode(d, &sb, inum);
        let data = content(d, &di);
        let mut dot = false;
        let mut dotdot = false;
        for e in data.chunks(16) {
            if e.len() < 16 {
                errors.push(format!("{path}: partial dirent"));
                break;
            }
            let ei = u16::from_le_bytes([e[0], e[1]]) as u32;
            if ei == 0 {
                continue;
            }
            let name = &e[2..];
            let name = &name[..name.iter().position(|&c| c == 0).unwrap_or(DIRSIZ)];
            let name = String::from_utf8_lossy(name).to_string();
            if ei >= sb.ninodes {
                errors.push(format!("{path}/{name}: inum {ei} out of range"));
                continue;
            }
            let ci = dinode(d, &sb, ei);
            if ci.typ == 0 {
                errors.push(format!("{path}/{name}: entry names free inode {ei}"));
                continue;
            }
            if name == "." {
                dot = true;
                if ei != inum {
                    errors.push(format!("{path}/.: {ei} != {inum}"));
                }
                continue;
            }
            if name == ".." {
                dotdot = true;
                if ei != parent {
                    errors.push(format!("{path}/..: {ei} != {parent}"));
                }
                continue;
            }
            *refs.entry(ei).or_default() += 1;
            let cp = format!("{path}/{name}");
            match ci.typ {
                T_DIR => {
                    *subdirs.entry(inum).or_default() += 1;
                    stack.push((ei, cp, inum));
                }
                T_FILE => {
                    files.insert(cp, content(d, &ci));
                }
                T_DEVICE => {}
                t => errors.push(format!("{cp}: bad type {t}")),
            }
        }
        if !dot || !dotdot {
            errors.push(format!("{path}: missing . or .."));
        }
    }
    let mut orphans = 0;
    for inum in 1..sb.ninodes {
        let di = dinode(d, &sb, inum);
        if di.typ == 0 {
            continue;
        }
        let r = refs.get(&inum).copied().unwrap_or(0) + if inum == ROOTINO { 1 } else { 0 };
        let expect = r + if di.typ == T_DIR {
            subdirs.get(&inum).copied().unwrap_or(0)
        } else {
            0
        };
        if r == 0 {
            orphans += 1;
        } else if di.nlink as i32 != expect {
            errors.push(format!(
                "inode {inum}: nlink {} expected {expect}",
                di.nlink
            ));
        }
        if di.size as usize > MAXFILE * BSIZE {
            errors.push(format!("inode {inum}: size {}", di.size));
        }
        for b in blocks_of(d, &di) {
            if b < nmeta || b >= sb.size {
                errors.push(format!("inode {inum}: block {b} out of range"));
                continue;
            }
            if let Some(o) = owner.insert(b, inum) {
                errors.push(format!("block {b} in inodes {o} and {inum}"));
            }
        }
        // Every block below the size exists: the kernel makes no holes.
        for bn in 0..(di.size as usize).div_ceil(BSIZE) {
            if bmap(d, &di, bn) == 0 {
                errors.push(format!("inode {inum}: hole at block {bn}"));
            }
        }
    }
    for b in 0..sb.size {
        let byte =
            sb.bmapstart as usize * BSIZE + (b as usize / BPB) * BSIZE + (b as usize % BPB) / 8;
        let bit = d[byte] >> (b % 8) & 1;
        let used = b < nmeta || owner.contains_key(&b);
        if (bit == 1) != used {
            errors.push(format!("block {b}: bitmap {bit} but used {used}"));
        }
    }
    // After recovery the log header is empty.
    let n = u32_at(d, sb.logstart, 0);
    if n != 0 {
        errors.push(format!("log header n = {n}"));
    }
    Report {
        errors,
        orphans,
        files,
    }
}
