//! Host-side mkfs: builds an xv6-format file-system image in memory.
//!
//! The layout and the allocation order follow xv6's mkfs/mkfs.c, so an image
//! made here is what xv6's own tool would make from the same files:
//! [ boot | super | log | inodes | bitmap | data ], inodes handed out from 1
//! (the root directory) upwards, data blocks from the first block after the
//! bitmap upwards, and a file's indirect block allocated just before its 13th
//! data block. Two deliberate differences: the bitmap may span several blocks
//! (xv6's tool allows one; our default image has 4000 blocks), and directory
//! sizes are exact multiples of the entry size (xv6 rounds the root's size up
//! to a whole block).
//!
//! Sub-directories follow the kernel's `mkdir` link counts: a new directory
//! has nlink 1 and its parent gains one link for the child's "..".

use abi::fs::{
    DInode, SuperBlock, BPB, BSIZE, DIRSIZ, FSMAGIC, IPB, LOGBLOCKS, MAXFILE, NDIRECT, NINDIRECT,
    ROOTINO,
};
use abi::{T_DIR, T_FILE};
use std::fmt;
use std::path::Path;

/// Default image size in blocks (4 MiB; xv6 uses 2000). Kept moderate so
/// the disk-full tests fill it in seconds; `--size` makes bigger ones.
pub const DEFAULT_SIZE: u32 = 4_000;
/// Default number of inodes (xv6's 200).
pub const DEFAULT_NINODES: u32 = 200;
/// Default log size: a header block plus LOGBLOCKS logged blocks, like xv6.
pub const DEFAULT_NLOG: u32 = LOGBLOCKS as u32 + 1;

const DINODE_SIZE: usize = 64;
const DIRENT_SIZE: usize = 16;

/// Sizes of the image to make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params {
    /// Total blocks.
    pub size: u32,
    /// Inodes (inode 0 is never used, so ninodes - 1 are available).
    pub ninodes: u32,
    /// Log blocks, header included.
    pub nlog: u32,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            size: DEFAULT_SIZE,
            ninodes: DEFAULT_NINODES,
            nlog: DEFAULT_NLOG,
        }
    }
}

impl Params {
    /// The superblock these sizes give, computed as xv6's mkfs does.
    pub fn superblock(&self) -> Result<SuperBlock, MkfsError> {
        if self.nlog < 2 {
            return Err(MkfsError::BadParams(format!(
                "log of {} blocks: need a header and at least one block",
                self.nlog
            )));
        }
        if self.ninodes < 2 {
            return Err(MkfsError::BadParams(format!(
                "{} inodes: need at least 2 (inode 0 is unused, 1 is the root)",
                self.ninodes
            )));
        }
        // Directory entries hold a u16 inode number.
        if self.ninodes > u16::MAX as u32 + 1 {
            return Err(MkfsError::BadParams(format!(
                "{} inodes: directory entries can name at most {}",
                self.ninodes,
                u16::MAX as u32 + 1
            )));
        }
        let ninodeblocks = self.ninodes / IPB as u32 + 1;
        let nbitmap = self.size / BPB as u32 + 1;
        let nmeta = 2u64 + self.nlog as u64 + ninodeblocks as u64 + nbitmap as u64;
        // The root directory needs one data block.
        if nmeta + 1 > self.size as u64 {
            return Err(MkfsError::BadParams(format!(
                "{} blocks is too small: the metadata alone takes {} blocks",
                self.size, nmeta
            )));
        }
        let nmeta = nmeta as u32;
        Ok(SuperBlock {
            magic: FSMAGIC,
            size: self.size,
            nblocks: self.size - nmeta,
            ninodes: self.ninodes,
            nlog: self.nlog,
            logstart: 2,
            inodestart: 2 + self.nlog,
            bmapstart: 2 + self.nlog + ninodeblocks,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MkfsError {
    BadParams(String),
    /// A name that cannot be a directory entry.
    BadName(String),
    /// Two entries of one directory with the same name.
    Duplicate(String),
    /// A file longer than MAXFILE blocks.
    FileTooBig {
        name: String,
        bytes: u64,
    },
    OutOfBlocks,
    OutOfInodes,
    NotADirectory(u32),
    Io(String),
}

impl fmt::Display for MkfsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MkfsError::BadParams(s) => write!(f, "bad mkfs parameters: {s}"),
            MkfsError::BadName(s) => write!(f, "bad file name {s:?}"),
            MkfsError::Duplicate(s) => write!(f, "duplicate name {s:?} in one directory"),
            MkfsError::FileTooBig { name, bytes } => write!(
                f,
                "{name:?} is {bytes} bytes; an xv6 file holds at most {} bytes (MAXFILE {} blocks)",
                MAXFILE * BSIZE,
                MAXFILE
            ),
            MkfsError::OutOfBlocks => write!(f, "image is full: no free data blocks (use --size)"),
            MkfsError::OutOfInodes => write!(f, "image has no free inodes (use --inodes)"),
            MkfsError::NotADirectory(i) => write!(f, "inode {i} is not a directory"),
            MkfsError::Io(s) => write!(f, "{s}"),
        }
    }
}

impl std::error::Error for MkfsError {}

/// Checks that `name` can be a directory entry: 1..=DIRSIZ bytes, no '/' or
/// NUL, not "." or "..".
pub fn check_name(name: &str) -> Result<(), MkfsError> {
    let ok = !name.is_empty()
        && name.len() <= DIRSIZ
        && !name.contains('/')
        && !name.contains('\0')
        && name != "."
        && name != "..";
    if ok {
        Ok(())
    } else {
        Err(MkfsError::BadName(name.to_string()))
    }
}

/// An image under construction.
pub struct Mkfs {
    img: Vec<u8>,
    sb: SuperBlock,
    /// Next data block to hand out.
    freeblock: u32,
    /// Next inode to hand out.
    freeinode: u32,
}

impl Mkfs {
    /// A new image holding only the root directory (with "." and "..").
    pub fn new(p: Params) -> Result<Mkfs, MkfsError> {
        let sb = p.superblock()?;
        let mut fs = Mkfs {
            img: vec![0u8; p.size as usize * BSIZE],
            sb,
            freeblock: sb.size - sb.nblocks,
            freeinode: 1,
        };
        fs.write_superblock();
        // The log header (block logstart) stays zero: n = 0, nothing to recover.
        let root = fs.ialloc(T_DIR)?;
        assert_eq!(root, ROOTINO);
        fs.dirent_append(root, ".", root)?;
        fs.dirent_append(root, "..", root)?;
        Ok(fs)
    }

    pub fn superblock(&self) -> SuperBlock {
        self.sb
    }

    /// Adds a regular file `name` with `data` to directory `dir`.
    pub fn add_file(&mut self, dir: u32, name: &str, data: &[u8]) -> Result<u32, MkfsError> {
        self.check_new_entry(dir, name)?;
        if data.len() > MAXFILE * BSIZE {
            return Err(MkfsError::FileTooBig {
                name: name.to_string(),
                bytes: data.len() as u64,
            });
        }
        let inum = self.ialloc(T_FILE)?;
        self.dirent_append(dir, name, inum)?;
        self.iappend(inum, data, name)?;
        Ok(inum)
    }

    /// Makes directory `name` in `parent`, as the kernel's mkdir does.
    pub fn mkdir(&mut self, parent: u32, name: &str) -> Result<u32, MkfsError> {
        self.check_new_entry(parent, name)?;
        let inum = self.ialloc(T_DIR)?;
        self.dirent_append(inum, ".", inum)?;
        self.dirent_append(inum, "..", parent)?;
        self.dirent_append(parent, name, inum)?;
        let mut p = self.rinode(parent);
        p.nlink += 1; // the child's ".."
        self.winode(parent, &p);
        Ok(inum)
    }

    /// Adds the host file or directory `path` (recursively) to `dir` under
    /// its own file name.
    pub fn add_host_path(&mut self, dir: u32, path: &Path) -> Result<u32, MkfsError> {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| MkfsError::BadName(path.display().to_string()))?;
        self.add_host_path_as(dir, name, path)
    }

    /// Adds the host file or directory `path` (recursively) to `dir` as `name`.
    pub fn add_host_path_as(
        &mut self,
        dir: u32,
        name: &str,
        path: &Path,
    ) -> Result<u32, MkfsError> {
        let io = |e: std::io::Error| MkfsError::Io(format!("{}: {e}", path.display()));
        let meta = std::fs::metadata(path).map_err(io)?;
        if meta.is_dir() {
            let inum = self.mkdir(dir, name)?;
            let mut entries: Vec<_> = std::fs::read_dir(path)
                .map_err(io)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(io)?;
            // Sorted, so the same tree always makes the same image.
            entries.sort_by_key(|e| e.file_name());
            for e in entries {
                self.add_host_path(inum, &e.path())?;
            }
            Ok(inum)
        } else {
            let data = std::fs::read(path).map_err(io)?;
            // Name the host file in the error, not just the entry.
            self.add_file(dir, name, &data).map_err(|e| match e {
                MkfsError::FileTooBig { bytes, .. } => MkfsError::FileTooBig {
                    name: path.display().to_string(),
                    bytes,
                },
                e => e,
            })
        }
    }

    /// Writes the bitmap and returns the finished image.
    pub fn finish(mut self) -> Vec<u8> {
        // Every block below freeblock is in use: boot, super, log, inodes,
        // bitmap, then the data blocks allocated in order.
        for b in 0..self.freeblock {
            let blk = self.sb.bblock(b) as usize;
            let bit = b as usize % BPB;
            self.img[blk * BSIZE + bit / 8] |= 1 << (bit % 8);
        }
        self.img
    }

    /// Blocks handed out so far (metadata included).
    pub fn used_blocks(&self) -> u32 {
        self.freeblock
    }

    fn write_superblock(&mut self) {
        let s = self.sb;
        let words = [
            s.magic,
            s.size,
            s.nblocks,
            s.ninodes,
            s.nlog,
            s.logstart,
            s.inodestart,
            s.bmapstart,
        ];
        for (i, w) in words.iter().enumerate() {
            put_u32(&mut self.img, BSIZE + 4 * i, *w);
        }
    }

    fn check_new_entry(&self, dir: u32, name: &str) -> Result<(), MkfsError> {
        check_name(name)?;
        let d = self.rinode(dir);
        if d.typ != T_DIR {
            return Err(MkfsError::NotADirectory(dir));
        }
        // Linear scan like the kernel's dirlookup; directories here are small.
        let mut off = 0;
        while off < d.size as usize {
            let b = self.bmap_existing(&d, off / BSIZE) as usize;
            let at = b * BSIZE + off % BSIZE;
            let inum = u16::from_le_bytes([self.img[at], self.img[at + 1]]);
            let raw = &self.img[at + 2..at + DIRENT_SIZE];
            let n = raw.iter().position(|&c| c == 0).unwrap_or(DIRSIZ);
            if inum != 0 && &raw[..n] == name.as_bytes() {
                return Err(MkfsError::Duplicate(name.to_string()));
            }
            off += DIRENT_SIZE;
        }
        Ok(())
    }

    fn ialloc(&mut self, typ: i16) -> Result<u32, MkfsError> {
        if self.freeinode >= self.sb.ninodes {
            return Err(MkfsError::OutOfInodes);
        }
        let inum = self.freeinode;
        self.freeinode += 1;
        let din = DInode {
            typ,
            nlink: 1,
            ..DInode::default()
        };
        self.winode(inum, &din);
        Ok(inum)
    }

    fn balloc(&mut self) -> Result<u32, MkfsError> {
        if self.freeblock >= self.sb.size {
            return Err(MkfsError::OutOfBlocks);
        }
        let b = self.freeblock;
        self.freeblock += 1;
        Ok(b)
    }

    fn inode_offset(&self, inum: u32) -> usize {
        self.sb.iblock(inum) as usize * BSIZE + (inum as usize % IPB) * DINODE_SIZE
    }

    fn rinode(&self, inum: u32) -> DInode {
        let o = self.inode_offset(inum);
        let b = &self.img[o..o + DINODE_SIZE];
        let i16_at = |k: usize| i16::from_le_bytes([b[k], b[k + 1]]);
        let u32_at = |k: usize| u32::from_le_bytes([b[k], b[k + 1], b[k + 2], b[k + 3]]);
        let mut addrs = [0u32; NDIRECT + 1];
        for (i, a) in addrs.iter_mut().enumerate() {
            *a = u32_at(12 + 4 * i);
        }
        DInode {
            typ: i16_at(0),
            major: i16_at(2),
            minor: i16_at(4),
            nlink: i16_at(6),
            size: u32_at(8),
            addrs,
        }
    }

    fn winode(&mut self, inum: u32, d: &DInode) {
        let o = self.inode_offset(inum);
        let img = &mut self.img;
        img[o..o + 2].copy_from_slice(&d.typ.to_le_bytes());
        img[o + 2..o + 4].copy_from_slice(&d.major.to_le_bytes());
        img[o + 4..o + 6].copy_from_slice(&d.minor.to_le_bytes());
        img[o + 6..o + 8].copy_from_slice(&d.nlink.to_le_bytes());
        put_u32(img, o + 8, d.size);
        for (i, a) in d.addrs.iter().enumerate() {
            put_u32(img, o + 12 + 4 * i, *a);
        }
    }

    /// Block number of file block `fbn`, which must already be allocated.
    fn bmap_existing(&self, d: &DInode, fbn: usize) -> u32 {
        if fbn < NDIRECT {
            d.addrs[fbn]
        } else {
            let ind = d.addrs[NDIRECT] as usize;
            get_u32(&self.img, ind * BSIZE + 4 * (fbn - NDIRECT))
        }
    }

    fn dirent_append(&mut self, dir: u32, name: &str, inum: u32) -> Result<(), MkfsError> {
        let mut de = [0u8; DIRENT_SIZE];
        de[..2].copy_from_slice(&(inum as u16).to_le_bytes());
        de[2..2 + name.len()].copy_from_slice(name.as_bytes());
        self.iappend(dir, &de, name)
    }

    /// Appends `data` to inode `inum`, allocating blocks as xv6's iappend does.
    fn iappend(&mut self, inum: u32, data: &[u8], name: &str) -> Result<(), MkfsError> {
        let mut din = self.rinode(inum);
        let mut off = din.size as usize;
        if off + data.len() > MAXFILE * BSIZE {
            return Err(MkfsError::FileTooBig {
                name: name.to_string(),
                bytes: (off + data.len()) as u64,
            });
        }
        let mut rest = data;
        while !rest.is_empty() {
            let fbn = off / BSIZE;
            let x = if fbn < NDIRECT {
                if din.addrs[fbn] == 0 {
                    din.addrs[fbn] = self.balloc()?;
                }
                din.addrs[fbn]
            } else {
                if din.addrs[NDIRECT] == 0 {
                    din.addrs[NDIRECT] = self.balloc()?;
                }
                let slot = din.addrs[NDIRECT] as usize * BSIZE + 4 * (fbn - NDIRECT);
                if get_u32(&self.img, slot) == 0 {
                    let b = self.balloc()?;
                    put_u32(&mut self.img, slot, b);
                }
                get_u32(&self.img, slot)
            };
            let within = off % BSIZE;
            let n = rest.len().min(BSIZE - within);
            let at = x as usize * BSIZE + within;
            self.img[at..at + n].copy_from_slice(&rest[..n]);
            off += n;
            rest = &rest[n..];
        }
        din.size = off as u32;
        self.winode(inum, &din);
        Ok(())
    }
}

fn put_u32(img: &mut [u8], at: usize, v: u32) {
    img[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

fn get_u32(img: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([img[at], img[at + 1], img[at + 2], img[at + 3]])
}

// Keep NINDIRECT in use for readers of this file: MAXFILE = NDIRECT + NINDIRECT.
const _: () = assert!(MAXFILE == NDIRECT + NINDIRECT);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::FsImage;

    fn small() -> Params {
        Params {
            size: 2000,
            ninodes: 200,
            nlog: DEFAULT_NLOG,
        }
    }

    /// Deterministic non-repeating bytes, so a misplaced block shows.
    fn pattern(n: usize, seed: u32) -> Vec<u8> {
        let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect()
    }

    #[test]
    fn superblock_matches_xv6_for_xv6_sizes() {
        // xv6's mkfs: FSSIZE 2000, NINODES 200, nlog 31 -> nmeta 2+31+13+1 = 47.
        let sb = small().superblock().unwrap();
        assert_eq!(sb.magic, FSMAGIC);
        assert_eq!(sb.size, 2000);
        assert_eq!(sb.nlog, 31);
        assert_eq!(sb.logstart, 2);
        assert_eq!(sb.inodestart, 33);
        assert_eq!(sb.bmapstart, 46);
        assert_eq!(sb.nblocks, 2000 - 47);
    }

    #[test]
    fn default_image_layout() {
        let sb = Params::default().superblock().unwrap();
        // 4000 blocks -> 4000/8192 + 1 = 1 bitmap block; 200/16 + 1 = 13 inode blocks.
        assert_eq!(sb.inodestart, 2 + 31);
        assert_eq!(sb.bmapstart, 2 + 31 + 13);
        assert_eq!(sb.size - sb.nblocks, 2 + 31 + 13 + 1);
    }

    #[test]
    fn root_has_dot_and_dotdot() {
        let img = Mkfs::new(small()).unwrap().finish();
        let fs = FsImage::new(&img).unwrap();
        let ents = fs.read_dir(ROOTINO).unwrap();
        assert_eq!(
            ents,
            vec![(".".to_string(), ROOTINO), ("..".to_string(), ROOTINO)]
        );
        let root = fs.inode(ROOTINO).unwrap();
        assert_eq!(root.typ, T_DIR);
        assert_eq!(root.nlink, 1);
        assert_eq!(root.size as usize, 2 * DIRENT_SIZE);
        // Log header says nothing to recover.
        assert_eq!(fs.log_header_count(), 0);
    }

    #[test]
    fn files_read_back_including_indirect_and_maxfile() {
        let mut m = Mkfs::new(small()).unwrap();
        let empty = Vec::new();
        let one = b"hello, xv6\n".to_vec();
        let exact12 = pattern(NDIRECT * BSIZE, 1); // all direct, no indirect block
        let into_ind = pattern(NDIRECT * BSIZE + 1, 2); // first byte past the direct blocks
        let big = pattern(100 * BSIZE + 123, 3);
        let max = pattern(MAXFILE * BSIZE, 4);
        let files: Vec<(&str, &Vec<u8>)> = vec![
            ("empty", &empty),
            ("one", &one),
            ("exact12", &exact12),
            ("intoind", &into_ind),
            ("big", &big),
            ("max", &max),
        ];
        let mut inums = Vec::new();
        for (n, d) in &files {
            inums.push(m.add_file(ROOTINO, n, d).unwrap());
        }
        let img = m.finish();
        let fs = FsImage::new(&img).unwrap();
        for ((n, d), inum) in files.iter().zip(&inums) {
            assert_eq!(fs.lookup(&format!("/{n}")).unwrap(), Some(*inum), "{n}");
            let di = fs.inode(*inum).unwrap();
            assert_eq!(di.typ, T_FILE);
            assert_eq!(di.nlink, 1);
            assert_eq!(di.size as usize, d.len(), "{n}");
            assert_eq!(&fs.read_file(*inum).unwrap(), *d, "{n}");
        }
        let di = |i: usize| fs.inode(inums[i]).unwrap();
        assert_eq!(di(0).addrs, [0; NDIRECT + 1], "empty file owns no blocks");
        assert_eq!(di(2).addrs[NDIRECT], 0, "12 blocks need no indirect block");
        assert_ne!(
            di(3).addrs[NDIRECT],
            0,
            "13th block goes through the indirect block"
        );
        // Indirect block allocated just before the 13th data block, like xv6.
        assert_eq!(di(3).addrs[NDIRECT], di(3).addrs[NDIRECT - 1] + 1);
        assert_eq!(fs.file_blocks(inums[5]).unwrap().len(), MAXFILE + 1);
    }

    #[test]
    fn too_big_file_is_an_error() {
        let mut m = Mkfs::new(small()).unwrap();
        let e = m
            .add_file(ROOTINO, "huge", &vec![0u8; MAXFILE * BSIZE + 1])
            .unwrap_err();
        assert!(matches!(e, MkfsError::FileTooBig { .. }), "{e}");
        assert!(e.to_string().contains("MAXFILE"));
    }

    #[test]
    fn bitmap_marks_exactly_the_used_blocks() {
        let mut m = Mkfs::new(small()).unwrap();
        m.add_file(ROOTINO, "a", &pattern(5000, 5)).unwrap();
        m.add_file(ROOTINO, "b", &pattern(20 * BSIZE, 6)).unwrap();
        let used = m.used_blocks();
        let img = m.finish();
        let fs = FsImage::new(&img).unwrap();
        // Referenced blocks: metadata + root dir block + 5 + (20 + indirect).
        let nmeta = fs.sb.size - fs.sb.nblocks;
        assert_eq!(used, nmeta + 1 + 5 + 21);
        for b in 0..fs.sb.size {
            assert_eq!(fs.block_in_use(b), b < used, "block {b}");
        }
        assert!(crate::fsck::check(&fs).is_empty());
    }

    #[test]
    fn bitmap_spanning_blocks_and_full_image() {
        // 9000 blocks -> 2 bitmap blocks; fill past block 8192.
        let p = Params {
            size: 9000,
            ninodes: 200,
            nlog: DEFAULT_NLOG,
        };
        let mut m = Mkfs::new(p).unwrap();
        let mut i = 0;
        let err = loop {
            match m.add_file(ROOTINO, &format!("f{i}"), &pattern(MAXFILE * BSIZE, i)) {
                Ok(_) => i += 1,
                Err(e) => break e,
            }
        };
        assert_eq!(err, MkfsError::OutOfBlocks);
        let used = m.used_blocks();
        assert_eq!(used, 9000);
        let img = m.finish();
        let fs = FsImage::new(&img).unwrap();
        assert!(fs.block_in_use(8191) && fs.block_in_use(8192) && fs.block_in_use(8999));
    }

    #[test]
    fn directories_nest_with_links() {
        let mut m = Mkfs::new(small()).unwrap();
        let d = m.mkdir(ROOTINO, "dir").unwrap();
        let e = m.mkdir(d, "sub").unwrap();
        let f = m.add_file(e, "leaf", b"leaf data").unwrap();
        let img = m.finish();
        let fs = FsImage::new(&img).unwrap();
        assert_eq!(fs.lookup("/dir/sub/leaf").unwrap(), Some(f));
        assert_eq!(fs.lookup("dir/sub/../sub/leaf").unwrap(), Some(f));
        assert_eq!(fs.lookup("/dir/nope").unwrap(), None);
        assert_eq!(fs.read_file(f).unwrap(), b"leaf data");
        let ents = fs.read_dir(e).unwrap();
        assert_eq!(ents[0], (".".to_string(), e));
        assert_eq!(ents[1], ("..".to_string(), d));
        assert_eq!(fs.inode(ROOTINO).unwrap().nlink, 2);
        assert_eq!(fs.inode(d).unwrap().nlink, 2);
        assert_eq!(fs.inode(e).unwrap().nlink, 1);
        assert!(
            crate::fsck::check(&fs).is_empty(),
            "{:?}",
            crate::fsck::check(&fs)
        );
    }

    #[test]
    fn names_are_checked() {
        let mut m = Mkfs::new(small()).unwrap();
        let full = "abcdefghijklmn"; // exactly DIRSIZ: stored without a NUL
        let f = m.add_file(ROOTINO, full, b"x").unwrap();
        for bad in ["", "a/b", ".", "..", "abcdefghijklmno"] {
            assert!(matches!(
                m.add_file(ROOTINO, bad, b"x"),
                Err(MkfsError::BadName(_))
            ));
        }
        assert_eq!(
            m.add_file(ROOTINO, full, b"y"),
            Err(MkfsError::Duplicate(full.to_string()))
        );
        let img = m.finish();
        let fs = FsImage::new(&img).unwrap();
        assert_eq!(fs.lookup(full).unwrap(), Some(f));
    }

    #[test]
    fn inodes_run_out() {
        let p = Params {
            size: 2000,
            ninodes: 4, // 1 root + 2 files
            nlog: DEFAULT_NLOG,
        };
        let mut m = Mkfs::new(p).unwrap();
        m.add_file(ROOTINO, "a", b"").unwrap();
        m.add_file(ROOTINO, "b", b"").unwrap();
        assert_eq!(m.add_file(ROOTINO, "c", b""), Err(MkfsError::OutOfInodes));
    }

    #[test]
    fn bad_params() {
        let p = Params {
            size: 40,
            ..small()
        };
        assert!(matches!(Mkfs::new(p), Err(MkfsError::BadParams(_))));
        let p = Params {
            ninodes: 70_000,
            ..small()
        };
        assert!(matches!(Mkfs::new(p), Err(MkfsError::BadParams(_))));
    }

    #[test]
    fn host_tree_is_added_recursively() {
        let dir = std::env::temp_dir().join(format!("xv6img-mkfs-tree-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let top = dir.join("tree");
        std::fs::create_dir_all(top.join("inner")).unwrap();
        std::fs::write(top.join("a.txt"), b"A").unwrap();
        std::fs::write(top.join("inner/b"), pattern(3000, 9)).unwrap();
        let mut m = Mkfs::new(small()).unwrap();
        m.add_host_path(ROOTINO, &top).unwrap();
        let img = m.finish();
        let fs = FsImage::new(&img).unwrap();
        let a = fs.lookup("/tree/a.txt").unwrap().unwrap();
        assert_eq!(fs.read_file(a).unwrap(), b"A");
        let b = fs.lookup("/tree/inner/b").unwrap().unwrap();
        assert_eq!(fs.read_file(b).unwrap(), pattern(3000, 9));
        assert!(crate::fsck::check(&fs).is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn same_input_same_image() {
        let make = || {
            let mut m = Mkfs::new(small()).unwrap();
            m.add_file(ROOTINO, "x", &pattern(30000, 1)).unwrap();
            m.finish()
        };
        assert!(make() == make());
    }
}
