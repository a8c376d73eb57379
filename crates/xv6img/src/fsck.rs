//! Consistency check of an xv6-format image (`cargo xtask fsck IMAGE`):
//! walks the tree from the root and compares what it finds with the inode
//! table and the bitmap. Useful on the images a test run leaves behind
//! (target/test/SUITE.img), after the kernel has written to them.

use crate::read::FsImage;
use abi::fs::ROOTINO;
use abi::{T_DEVICE, T_DIR, T_FILE};
use std::collections::{BTreeMap, HashMap};

/// One line per reachable inode: (path, inode, type, nlink, size).
pub type Listing = Vec<(String, u32, i16, i16, u32)>;

/// What a check found.
pub struct Report {
    /// Every reachable inode, sorted by path.
    pub listing: Listing,
    /// Inconsistencies; unreachable inodes are in `orphans` instead.
    pub problems: Vec<String>,
    /// Allocated inodes no directory reaches, (inode, type): legal after a
    /// crash while unlinked files were open, a leak anywhere else.
    pub orphans: Vec<(u32, i16)>,
    /// Blocks the log header holds: committed but not yet installed (0
    /// after recovery, and whenever no transaction was in flight).
    pub log_pending: i32,
}

impl Report {
    /// Path ("/d/f") to contents of every regular file.
    pub fn files(&self, fs: &FsImage) -> BTreeMap<String, Vec<u8>> {
        self.listing
            .iter()
            .filter(|l| l.2 == T_FILE)
            .map(|l| (l.0.clone(), fs.read_file(l.1).unwrap_or_default()))
            .collect()
    }
}

/// Problems found, orphans included (empty = consistent).
pub fn check(fs: &FsImage) -> Vec<String> {
    walk(fs).1
}

/// The tree listing and the problems found, orphans included.
pub fn walk(fs: &FsImage) -> (Listing, Vec<String>) {
    let mut r = report(fs);
    for (inum, typ) in &r.orphans {
        r.problems.push(format!(
            "inode {inum} (type {typ}) is allocated but unreachable"
        ));
    }
    (r.listing, r.problems)
}

/// Check the image: the tree from the root against the inode table and the
/// bitmap.
pub fn report(fs: &FsImage) -> Report {
    let mut problems = Vec::new();
    let mut orphans = Vec::new();
    let mut listing = Vec::new();
    let sb = fs.sb;
    let data_start = fs.data_start();
    // Directory entries naming each inode, "." and ".." excluded.
    let mut refs: HashMap<u32, u32> = HashMap::new();
    // Sub-directories of each directory (each adds a link for its "..").
    let mut subdirs: HashMap<u32, u32> = HashMap::new();
    let mut owner: HashMap<u32, u32> = HashMap::new();
    let mut seen = vec![false; sb.ninodes as usize];

    let mut claim = |b: u32, inum: u32, problems: &mut Vec<String>| {
        if b < data_start || b >= sb.size {
            problems.push(format!(
                "inode {inum}: block {b} outside the data area [{data_start}, {})",
                sb.size
            ));
        } else if let Some(o) = owner.insert(b, inum) {
            problems.push(format!("block {b} used by inodes {o} and {inum}"));
        } else if !fs.block_in_use(b) {
            problems.push(format!("inode {inum}: block {b} is free in the bitmap"));
        }
    };

    // (inode, parent, path)
    let mut stack = vec![(ROOTINO, ROOTINO, "/".to_string())];
    seen[ROOTINO as usize] = true;
    while let Some((inum, parent, path)) = stack.pop() {
        let d = match fs.inode(inum) {
            Ok(d) => d,
            Err(e) => {
                problems.push(format!("{path}: {e}"));
                continue;
            }
        };
        listing.push((path.clone(), inum, d.typ, d.nlink, d.size));
        if ![T_DIR, T_FILE, T_DEVICE].contains(&d.typ) {
            problems.push(format!(
                "{path}: entry names inode {inum} of type {}",
                d.typ
            ));
            continue;
        }
        match fs.file_blocks(inum) {
            Ok(bs) => bs.into_iter().for_each(|b| claim(b, inum, &mut problems)),
            Err(e) => problems.push(format!("{path}: {e}")),
        }
        if d.typ != T_DIR {
            continue;
        }
        if d.size % 16 != 0 {
            problems.push(format!(
                "{path}: directory size {} not a multiple of 16",
                d.size
            ));
        }
        let ents = match fs.read_dir(inum) {
            Ok(e) => e,
            Err(e) => {
                problems.push(format!("{path}: {e}"));
                continue;
            }
        };
        let find = |n: &str| ents.iter().find(|(m, _)| m == n).map(|e| e.1);
        if find(".") != Some(inum) {
            problems.push(format!("{path}: \".\" is {:?}, want {inum}", find(".")));
        }
        if find("..") != Some(parent) {
            problems.push(format!("{path}: \"..\" is {:?}, want {parent}", find("..")));
        }
        for (name, child) in ents {
            if name == "." || name == ".." {
                continue;
            }
            let cpath = if path == "/" {
                format!("/{name}")
            } else {
                format!("{path}/{name}")
            };
            if child >= sb.ninodes {
                problems.push(format!("{cpath}: inode {child} out of range"));
                continue;
            }
            *refs.entry(child).or_default() += 1;
            let ctyp = fs.inode(child).map(|c| c.typ).unwrap_or(0);
            if ctyp == T_DIR {
                *subdirs.entry(inum).or_default() += 1;
            }
            if seen[child as usize] {
                if ctyp == T_DIR {
                    problems.push(format!("{cpath}: directory {child} has two names"));
                }
                continue;
            }
            seen[child as usize] = true;
            stack.push((child, inum, cpath));
        }
    }

    for (path, inum, typ, nlink, _) in &listing {
        let want = if *typ == T_DIR {
            1 + subdirs.get(inum).copied().unwrap_or(0)
        } else {
            refs.get(inum).copied().unwrap_or(0)
        };
        if *nlink as i64 != want as i64 {
            problems.push(format!("{path}: nlink {nlink}, expected {want}"));
        }
    }
    for inum in 1..sb.ninodes {
        if !seen[inum as usize] {
            if let Ok(d) = fs.inode(inum) {
                if d.typ != 0 {
                    orphans.push((inum, d.typ));
                }
            }
        }
    }
    for b in 0..sb.size {
        let used = fs.block_in_use(b);
        if b < data_start && !used {
            problems.push(format!("metadata block {b} is free in the bitmap"));
        } else if b >= data_start && used && !owner.contains_key(&b) {
            problems.push(format!("block {b} is marked in use but no inode owns it"));
        }
    }
    listing.sort();
    Report {
        listing,
        problems,
        orphans,
        log_pending: fs.log_header_count(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mkfs::{Mkfs, Params};

    fn image() -> Vec<u8> {
        let mut m = Mkfs::new(Params {
            size: 2000,
            ninodes: 64,
            nlog: 31,
        })
        .unwrap();
        let d = m.mkdir(ROOTINO, "d").unwrap();
        m.add_file(d, "f", &vec![7u8; 14 * 1024]).unwrap();
        m.finish()
    }

    #[test]
    fn fresh_image_is_clean() {
        let img = image();
        let fs = FsImage::new(&img).unwrap();
        let (list, problems) = walk(&fs);
        assert!(problems.is_empty(), "{problems:?}");
        let paths: Vec<_> = list.iter().map(|l| l.0.as_str()).collect();
        assert_eq!(paths, ["/", "/d", "/d/f"]);
    }

    #[test]
    fn finds_bitmap_and_link_damage() {
        let mut img = image();
        let sb = FsImage::new(&img).unwrap().sb;
        // Free the last used data block in the bitmap.
        let f = FsImage::new(&img).unwrap().lookup("/d/f").unwrap().unwrap();
        let last = *FsImage::new(&img)
            .unwrap()
            .file_blocks(f)
            .unwrap()
            .last()
            .unwrap();
        let at = sb.bblock(last) as usize * 1024 + (last as usize % 8192) / 8;
        img[at] &= !(1 << (last % 8));
        // Bump the file's nlink (offset 6 of its dinode).
        let io = sb.iblock(f) as usize * 1024 + (f as usize % 16) * 64 + 6;
        img[io] = 2;
        let fs = FsImage::new(&img).unwrap();
        let p = check(&fs);
        assert!(p.iter().any(|s| s.contains("free in the bitmap")), "{p:?}");
        assert!(p.iter().any(|s| s.contains("nlink 2, expected 1")), "{p:?}");
    }
}
