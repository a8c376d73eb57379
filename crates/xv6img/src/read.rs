//! A small read-only reader for xv6-format images: superblock, inodes,
//! directory lookup, file contents, bitmap. Written independently of
//! mkfs.rs (decoding straight from the bytes) so that tests reading an image
//! back actually check the encoding, and so `cargo xtask fsck` and the test
//! runner can look inside images the kernel has written.

use abi::fs::{DInode, SuperBlock, BPB, BSIZE, DIRSIZ, FSMAGIC, IPB, MAXFILE, NDIRECT, ROOTINO};
use abi::T_DIR;

pub struct FsImage<'a> {
    data: &'a [u8],
    pub sb: SuperBlock,
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

fn i16_at(b: &[u8], at: usize) -> i16 {
    i16::from_le_bytes(b[at..at + 2].try_into().unwrap())
}

impl<'a> FsImage<'a> {
    /// Reads and sanity-checks the superblock.
    pub fn new(data: &'a [u8]) -> Result<FsImage<'a>, String> {
        if data.len() < 2 * BSIZE || !data.len().is_multiple_of(BSIZE) {
            return Err(format!(
                "image is {} bytes: not a whole number of {BSIZE}-byte blocks >= 2",
                data.len()
            ));
        }
        let w = |i: usize| u32_at(data, BSIZE + 4 * i);
        let sb = SuperBlock {
            magic: w(0),
            size: w(1),
            nblocks: w(2),
            ninodes: w(3),
            nlog: w(4),
            logstart: w(5),
            inodestart: w(6),
            bmapstart: w(7),
        };
        if sb.magic != FSMAGIC {
            return Err(format!("bad superblock magic {:#x}", sb.magic));
        }
        let nblocks_img = (data.len() / BSIZE) as u64;
        if sb.size as u64 > nblocks_img {
            return Err(format!(
                "superblock says {} blocks, image has {nblocks_img}",
                sb.size
            ));
        }
        let ninodeblocks = (sb.ninodes as u64).div_ceil(IPB as u64);
        let nbitmap = (sb.size as u64).div_ceil(BPB as u64);
        let ordered = sb.logstart >= 2
            && sb.logstart as u64 + sb.nlog as u64 <= sb.inodestart as u64
            && sb.inodestart as u64 + ninodeblocks <= sb.bmapstart as u64
            && sb.bmapstart as u64 + nbitmap <= (sb.size - sb.nblocks.min(sb.size)) as u64
            && sb.nblocks <= sb.size;
        if !ordered {
            return Err(format!("inconsistent superblock {sb:?}"));
        }
        Ok(FsImage { data, sb })
    }

    /// First data block.
    pub fn data_start(&self) -> u32 {
        self.sb.size - self.sb.nblocks
    }

    pub fn block(&self, b: u32) -> Result<&'a [u8], String> {
        if b >= self.sb.size {
            return Err(format!("block {b} is outside the file system"));
        }
        let at = b as usize * BSIZE;
        Ok(&self.data[at..at + BSIZE])
    }

    /// The `n` field of the log header (0 = nothing to recover).
    pub fn log_header_count(&self) -> i32 {
        u32_at(self.data, self.sb.logstart as usize * BSIZE) as i32
    }

    pub fn inode(&self, inum: u32) -> Result<DInode, String> {
        if inum == 0 || inum >= self.sb.ninodes {
            return Err(format!("inode {inum} out of range"));
        }
        let blk = self.block(self.sb.iblock(inum))?;
        let b = &blk[(inum as usize % IPB) * 64..][..64];
        let mut addrs = [0u32; NDIRECT + 1];
        for (i, a) in addrs.iter_mut().enumerate() {
            *a = u32_at(b, 12 + 4 * i);
        }
        Ok(DInode {
            typ: i16_at(b, 0),
            major: i16_at(b, 2),
            minor: i16_at(b, 4),
            nlink: i16_at(b, 6),
            size: u32_at(b, 8),
            addrs,
        })
    }

    /// Whether the bitmap marks block `b` as in use.
    pub fn block_in_use(&self, b: u32) -> bool {
        let blk = &self.data[self.sb.bblock(b) as usize * BSIZE..][..BSIZE];
        let bit = b as usize % BPB;
        blk[bit / 8] & (1 << (bit % 8)) != 0
    }

    /// Data blocks of `inum` in file order, followed by its indirect block
    /// if it has one. Only blocks covered by the size are listed.
    pub fn file_blocks(&self, inum: u32) -> Result<Vec<u32>, String> {
        let d = self.inode(inum)?;
        let nblk = (d.size as usize).div_ceil(BSIZE);
        if nblk > MAXFILE {
            return Err(format!("inode {inum}: size {} exceeds MAXFILE", d.size));
        }
        let mut out = Vec::with_capacity(nblk + 1);
        for fbn in 0..nblk {
            out.push(self.bmap(&d, fbn, inum)?);
        }
        if nblk > NDIRECT {
            out.push(d.addrs[NDIRECT]);
        }
        Ok(out)
    }

    fn bmap(&self, d: &DInode, fbn: usize, inum: u32) -> Result<u32, String> {
        let b = if fbn < NDIRECT {
            d.addrs[fbn]
        } else {
            let ind = d.addrs[NDIRECT];
            if ind == 0 {
                return Err(format!("inode {inum}: missing indirect block"));
            }
            u32_at(self.block(ind)?, 4 * (fbn - NDIRECT))
        };
        if b == 0 {
            return Err(format!("inode {inum}: hole at file block {fbn}"));
        }
        Ok(b)
    }

    pub fn read_file(&self, inum: u32) -> Result<Vec<u8>, String> {
        let d = self.inode(inum)?;
        let size = d.size as usize;
        if size > MAXFILE * BSIZE {
            return Err(format!("inode {inum}: size {size} exceeds MAXFILE"));
        }
        let mut out = Vec::with_capacity(size);
        let mut fbn = 0;
        while out.len() < size {
            let blk = self.block(self.bmap(&d, fbn, inum)?)?;
            let n = (size - out.len()).min(BSIZE);
            out.extend_from_slice(&blk[..n]);
            fbn += 1;
        }
        Ok(out)
    }

    /// Used entries of directory `inum` as (name, inode), in disk order.
    /// Names are shown lossily if they are not UTF-8.
    pub fn read_dir(&self, inum: u32) -> Result<Vec<(String, u32)>, String> {
        let d = self.inode(inum)?;
        if d.typ != T_DIR {
            return Err(format!("inode {inum} is not a directory"));
        }
        let bytes = self.read_file(inum)?;
        let mut out = Vec::new();
        for de in bytes.chunks_exact(2 + DIRSIZ) {
            let ino = u16::from_le_bytes([de[0], de[1]]) as u32;
            if ino == 0 {
                continue;
            }
            let raw = &de[2..];
            let n = raw.iter().position(|&c| c == 0).unwrap_or(DIRSIZ);
            out.push((String::from_utf8_lossy(&raw[..n]).into_owned(), ino));
        }
        Ok(out)
    }

    /// Looks up a path from the root ("a/b" and "/a/b" are the same; "." and
    /// ".." are followed through the directory entries like the kernel does).
    pub fn lookup(&self, path: &str) -> Result<Option<u32>, String> {
        let mut cur = ROOTINO;
        for part in path.split('/').filter(|p| !p.is_empty()) {
            if self.inode(cur)?.typ != T_DIR {
                return Ok(None);
            }
            // The kernel compares at most DIRSIZ bytes (xv6's namecmp).
            let want = &part.as_bytes()[..part.len().min(DIRSIZ)];
            match self
                .read_dir(cur)?
                .into_iter()
                .find(|(n, _)| n.as_bytes() == want)
            {
                Some((_, ino)) => cur = ino,
                None => return Ok(None),
            }
        }
        Ok(Some(cur))
    }
}
