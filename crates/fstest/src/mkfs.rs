//! A small xv6 mkfs (same layout rules as xv6's mkfs.c), and raw readers
//! of an image that fsck shares.

use abi::fs::*;
use abi::{T_DIR, T_FILE};

pub struct Img {
    pub d: Vec<u8>,
    pub sb: SuperBlock,
    freeinode: u32,
    freeblock: u32,
}

/// The on-disk structs are repr(C) integers; any bytes are a valid value.
fn rd<T: Copy>(d: &[u8], off: usize) -> T {
    assert!(off + std::mem::size_of::<T>() <= d.len());
    // SAFETY: the bytes are in bounds (checked above); T is one of the
    // abi's plain-integer on-disk types, valid for any bit pattern; read
    // unaligned because `d` is a byte array.
    unsafe { std::ptr::read_unaligned(d.as_ptr().add(off) as *const T) }
}

fn wr<T: Copy>(d: &mut [u8], off: usize, v: T) {
    assert!(off + std::mem::size_of::<T>() <= d.len());
    // SAFETY: in bounds (checked above); unaligned store into a byte array.
    unsafe { std::ptr::write_unaligned(d.as_mut_ptr().add(off) as *mut T, v) }
}

pub fn dinode(d: &[u8], sb: &SuperBlock, inum: u32) -> DInode {
    rd(
        d,
        sb.iblock(inum) as usize * BSIZE + (inum as usize % IPB) * 64,
    )
}

/// The `i`th u32 of block `block`.
pub fn u32_at(d: &[u8], block: u32, i: usize) -> u32 {
    rd(d, block as usize * BSIZE + 4 * i)
}

pub fn superblock(d: &[u8]) -> SuperBlock {
    rd(d, BSIZE)
}

/// Free data blocks according to the on-disk bitmap.
pub fn free_blocks(d: &[u8]) -> usize {
    let sb = superblock(d);
    (0..sb.size)
        .filter(|&b| {
            let byte =
                sb.bmapstart as usize * BSIZE + (b as usize / BPB) * BSIZE + (b as usize % BPB) / 8;
            d[byte] >> (b % 8) & 1 == 0
        })
        .count()
}

impl Img {
    /// An empty file system: root directory only.
    pub fn new(size: u32, ninodes: u32, nlog: u32) -> Img {
        let nbitmap = size / BPB as u32 + 1;
        let ninodeblocks = ninodes / IPB as u32 + 1;
        let nmeta = 2 + nlog + ninodeblocks + nbitmap;
        let sb = SuperBlock {
            magic: FSMAGIC,
            size,
            nblocks: size - nmeta,
            ninodes,
            nlog,
            logstart: 2,
            inodestart: 2 + nlog,
            bmapstart: 2 + nlog + ninodeblocks,
        };
        let mut d = vec![0u8; size as usize * BSIZE];
        wr(&mut d, BSIZE, sb);
        let mut img = Img {
            d,
            sb,
            freeinode: 1,
            freeblock: nmeta,
        };
        let root = img.ialloc(T_DIR);
        assert_eq!(root, ROOTINO);
        img.add_dirent(root, b".", root);
        img.add_dirent(root, b"..", root);
        img
    }

    fn ialloc(&mut self, typ: i16) -> u32 {
        let inum = self.freeinode;
        self.freeinode += 1;
        let di = DInode {
            typ,
            nlink: 1,
            ..Default::default()
        };
        self.put_dinode(inum, di);
        inum
    }

    fn put_dinode(&mut self, inum: u32, di: DInode) {
        let off = self.sb.iblock(inum) as usize * BSIZE + (inum as usize % IPB) * 64;
        wr(&mut self.d, off, di);
    }

    fn append(&mut self, inum: u32, data: &[u8]) {
        let mut di = dinode(&self.d, &self.sb, inum);
        let mut off = di.size as usize;
        let mut p = 0;
        while p < data.len() {
            let fbn = off / BSIZE;
            assert!(fbn < MAXFILE);
            let b = if fbn < NDIRECT {
                if di.addrs[fbn] == 0 {
                    di.addrs[fbn] = self.freeblock;
                    self.freeblock += 1;
                }
                di.addrs[fbn]
            } else {
                if di.addrs[NDIRECT] == 0 {
                    di.addrs[NDIRECT] = self.freeblock;
                    self.freeblock += 1;
                }
                let ind = di.addrs[NDIRECT];
                let mut x = u32_at(&self.d, ind, fbn - NDIRECT);
                if x == 0 {
                    x = self.freeblock;
                    self.freeblock += 1;
                    wr(&mut self.d, ind as usize * BSIZE + 4 * (fbn - NDIRECT), x);
                }
                x
            };
            let n1 = (data.len() - p).min((fbn + 1) * BSIZE - off);
            let o = b as usize * BSIZE + off % BSIZE;
            self.d[o..o + n1].copy_from_slice(&data[p..p + n1]);
            p += n1;
            off += n1;
        }
        di.size = off as u32;
        self.put_dinode(inum, di);
    }

    fn add_dirent(&mut self, dir: u32, name: &[u8], inum: u32) {
        let mut de = [0u8; 16];
        de[..2].copy_from_slice(&(inum as u16).to_le_bytes());
        de[2..2 + name.len()].copy_from_slice(name);
        self.append(dir, &de);
    }

    /// A file in the root directory.
    pub fn add_file(&mut self, name: &str, data: &[u8]) {
        let inum = self.ialloc(T_FILE);
        self.add_dirent(ROOTINO, name.as_bytes(), inum);
        self.append(inum, data);
    }

    /// The image bytes, with the root rounded up and the bitmap written.
    pub fn finish(mut self) -> Vec<u8> {
        // xv6 rounds the root directory's size up to a whole block (the
        // tail of its block is zero: free entries).
        let mut di = dinode(&self.d, &self.sb, ROOTINO);
        di.size = ((di.size as usize / BSIZE + 1) * BSIZE) as u32;
        self.put_dinode(ROOTINO, di);
        let used = self.freeblock;
        assert!(used < BPB as u32);
        for b in 0..used {
            let o = self.sb.bmapstart as usize * BSIZE + b as usize / 8;
            self.d[o] |= 1 << (b % 8);
        }
        self.d
    }
}
