//! xv6's on-disk file-system format. Shared by the kernel and `mkfs`.
//!
//! Layout: [ boot | super | log | inodes | bitmap | data ]. Every size is
//! read from the superblock; nothing here assumes xv6's 2000-block image.

pub const BSIZE: usize = 1024;
pub const FSMAGIC: u32 = 0x1020_3040;
pub const ROOTINO: u32 = 1;
pub const NDIRECT: usize = 12;
pub const NINDIRECT: usize = BSIZE / 4;
pub const MAXFILE: usize = NDIRECT + NINDIRECT;
pub const DIRSIZ: usize = 14;
/// Inodes per block.
pub const IPB: usize = BSIZE / core::mem::size_of::<DInode>();
/// Bitmap bits per block.
pub const BPB: usize = BSIZE * 8;
/// Most blocks one file-system operation may write (xv6's MAXOPBLOCKS).
pub const MAXOPBLOCKS: usize = 10;
/// Log blocks the kernel uses at most (xv6's LOGBLOCKS = MAXOPBLOCKS*3);
/// the on-disk log may be bigger.
pub const LOGBLOCKS: usize = MAXOPBLOCKS * 3;

/// Block 1.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SuperBlock {
    pub magic: u32,
    /// Size of the image in blocks.
    pub size: u32,
    pub nblocks: u32,
    pub ninodes: u32,
    /// Log blocks, header included.
    pub nlog: u32,
    pub logstart: u32,
    pub inodestart: u32,
    pub bmapstart: u32,
}

impl SuperBlock {
    /// Block holding inode `inum`.
    pub fn iblock(&self, inum: u32) -> u32 {
        inum / IPB as u32 + self.inodestart
    }
    /// Bitmap block holding the bit for block `b`.
    pub fn bblock(&self, b: u32) -> u32 {
        b / BPB as u32 + self.bmapstart
    }
}

/// On-disk inode, 64 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DInode {
    pub typ: i16,
    pub major: i16,
    pub minor: i16,
    pub nlink: i16,
    pub size: u32,
    pub addrs: [u32; NDIRECT + 1],
}
const _: () = assert!(core::mem::size_of::<DInode>() == 64);

/// Directory entry, 16 bytes. `inum` 0 is a free slot.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Dirent {
    pub inum: u16,
    pub name: [u8; DIRSIZ],
}
const _: () = assert!(core::mem::size_of::<Dirent>() == 16);

impl Dirent {
    /// The name up to its first NUL (names may fill all 14 bytes).
    pub fn name(&self) -> &[u8] {
        let n = self.name.iter().position(|&c| c == 0).unwrap_or(DIRSIZ);
        &self.name[..n]
    }
}
