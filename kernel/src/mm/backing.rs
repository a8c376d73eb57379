//! What backs a user area: nothing (anonymous, zero-filled on demand) or a
//! file. A file backing holds a reference to the inode, so a mapped file
//! stays alive after close and unlink.
use crate::fs::Inode;

#[derive(Clone)]
pub enum Backing {
    Anon,
    File {
        inode: Inode,
        /// File offset of the area's first byte.
        offset: usize,
        /// Bytes of the file, from `offset`, that the area shows; past them
        /// the area reads as zeros (an ELF segment's bss, or the tail of a
        /// file's last page). `usize::MAX` = up to the file's end.
        file_bytes: usize,
        /// The file was opened for writing: a shared mapping may be made
        /// writable (by mmap or later by mprotect).
        may_write: bool,
    },
}

impl vm::Backing for Backing {
    fn offset_by(&self, bytes: usize) -> Self {
        match self {
            Backing::Anon => Backing::Anon,
            Backing::File {
                inode,
                offset,
                file_bytes,
                may_write,
            } => Backing::File {
                may_write: *may_write,
                inode: inode.clone(),
                offset: offset + bytes,
                file_bytes: if *file_bytes == usize::MAX {
                    usize::MAX
                } else {
                    file_bytes.saturating_sub(bytes)
                },
            },
        }
    }

    fn mergeable(&self, len: usize, next: &Self) -> bool {
        match (self, next) {
            (Backing::Anon, Backing::Anon) => true,
            (
                Backing::File {
                    inode: a,
                    offset: oa,
                    file_bytes: fa,
                    may_write: wa,
                },
                Backing::File {
                    inode: b,
                    offset: ob,
                    file_bytes: fb,
                    may_write: wb,
                },
            ) => {
                a.inum() == b.inum()
                    && wa == wb
                    && oa + len == *ob
                    && (*fa == usize::MAX && *fb == usize::MAX || fa.checked_sub(len) == Some(*fb))
            }
            _ => false,
        }
    }
}

pub type Vma = vm::Vma<Backing>;
pub type VmaSet = vm::VmaSet<Backing>;
