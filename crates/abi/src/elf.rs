//! The executable format exec loads: ELF64, little-endian, RISC-V, with
//! loadable segments (xv6's user.ld lays them out). Only the fields exec
//! and the tools use are decoded. The kernel reads programs with this, the
//! build checks the layout of the programs it links with it, and tests
//! write small executables with it (odd ones included), so all three agree
//! on where each field is.

/// `e_type` of an executable.
pub const ET_EXEC: u16 = 2;
/// `e_machine` of RISC-V.
pub const EM_RISCV: u16 = 243;
/// `p_type` of a loadable segment.
pub const PT_LOAD: u32 = 1;
/// `p_flags` bits.
pub const PF_X: u32 = 1;
pub const PF_W: u32 = 2;
pub const PF_R: u32 = 4;
/// Bytes of the file header, and of one program header.
pub const EHDR_SIZE: usize = 64;
pub const PHDR_SIZE: usize = 56;

/// `e_ident`'s first bytes: the magic, 64-bit class, little-endian.
const IDENT: [u8; 6] = [0x7f, b'E', b'L', b'F', 2, 1];

fn u16_at(b: &[u8], o: usize) -> u16 {
    u16::from_le_bytes([b[o], b[o + 1]])
}

fn u32_at(b: &[u8], o: usize) -> u32 {
    u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]])
}

fn u64_at(b: &[u8], o: usize) -> u64 {
    let mut v = [0u8; 8];
    v.copy_from_slice(&b[o..o + 8]);
    u64::from_le_bytes(v)
}

/// The file header's fields that matter here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub typ: u16,
    pub machine: u16,
    pub entry: u64,
    /// File offset of the program headers, their size and count.
    pub phoff: u64,
    pub phentsize: u16,
    pub phnum: u16,
}

impl Header {
    /// Whether `b` starts as a little-endian ELF64 file does.
    pub fn is_elf64(b: &[u8]) -> bool {
        b.get(..IDENT.len()) == Some(&IDENT[..])
    }

    /// Decodes the first [`EHDR_SIZE`] bytes of `b`; None if `b` is
    /// shorter or not a little-endian ELF64 file.
    pub fn parse(b: &[u8]) -> Option<Header> {
        if !Self::is_elf64(b) || b.len() < EHDR_SIZE {
            return None;
        }
        Some(Header {
            typ: u16_at(b, 16),
            machine: u16_at(b, 18),
            entry: u64_at(b, 24),
            phoff: u64_at(b, 32),
            phentsize: u16_at(b, 54),
            phnum: u16_at(b, 56),
        })
    }

    /// An executable's header for RISC-V with these fields (no section
    /// headers).
    pub fn exec(entry: u64, phoff: u64, phnum: u16) -> Header {
        Header {
            typ: ET_EXEC,
            machine: EM_RISCV,
            entry,
            phoff,
            phentsize: PHDR_SIZE as u16,
            phnum,
        }
    }

    pub fn to_bytes(&self) -> [u8; EHDR_SIZE] {
        let mut b = [0u8; EHDR_SIZE];
        b[..IDENT.len()].copy_from_slice(&IDENT);
        b[6] = 1; // EI_VERSION
        b[16..18].copy_from_slice(&self.typ.to_le_bytes());
        b[18..20].copy_from_slice(&self.machine.to_le_bytes());
        b[20..24].copy_from_slice(&1u32.to_le_bytes()); // e_version
        b[24..32].copy_from_slice(&self.entry.to_le_bytes());
        b[32..40].copy_from_slice(&self.phoff.to_le_bytes());
        b[52..54].copy_from_slice(&(EHDR_SIZE as u16).to_le_bytes());
        b[54..56].copy_from_slice(&self.phentsize.to_le_bytes());
        b[56..58].copy_from_slice(&self.phnum.to_le_bytes());
        b
    }
}

/// A program header's fields that matter here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub typ: u32,
    pub flags: u32,
    /// Where the segment's bytes are in the file.
    pub offset: u64,
    pub vaddr: u64,
    pub filesz: u64,
    pub memsz: u64,
}

impl Segment {
    /// A loadable segment.
    pub fn load(flags: u32, offset: u64, vaddr: u64, filesz: u64, memsz: u64) -> Segment {
        Segment {
            typ: PT_LOAD,
            flags,
            offset,
            vaddr,
            filesz,
            memsz,
        }
    }

    /// Decodes the first [`PHDR_SIZE`] bytes of `b`; None if it is shorter.
    pub fn parse(b: &[u8]) -> Option<Segment> {
        if b.len() < PHDR_SIZE {
            return None;
        }
        Some(Segment {
            typ: u32_at(b, 0),
            flags: u32_at(b, 4),
            offset: u64_at(b, 8),
            vaddr: u64_at(b, 16),
            filesz: u64_at(b, 32),
            memsz: u64_at(b, 40),
        })
    }

    /// As a program header, with the physical address = `vaddr` and
    /// page alignment.
    pub fn to_bytes(&self) -> [u8; PHDR_SIZE] {
        let mut b = [0u8; PHDR_SIZE];
        b[0..4].copy_from_slice(&self.typ.to_le_bytes());
        b[4..8].copy_from_slice(&self.flags.to_le_bytes());
        b[8..16].copy_from_slice(&self.offset.to_le_bytes());
        b[16..24].copy_from_slice(&self.vaddr.to_le_bytes());
        b[24..32].copy_from_slice(&self.vaddr.to_le_bytes());
        b[32..40].copy_from_slice(&self.filesz.to_le_bytes());
        b[40..48].copy_from_slice(&self.memsz.to_le_bytes());
        b[48..56].copy_from_slice(&(crate::layout::PAGE_SIZE as u64).to_le_bytes());
        b
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    #[test]
    fn headers_round_trip() {
        let h = Header::exec(0x1234, 64, 3);
        assert_eq!(Header::parse(&h.to_bytes()), Some(h));
        let s = Segment::load(PF_R | PF_W, 0x1000, 0x2000, 0x30, 0x4000);
        assert_eq!(Segment::parse(&s.to_bytes()), Some(s));
    }

    /// The bytes laid out field by field from the ELF64 specification.
    #[test]
    fn bytes_are_where_the_spec_puts_them() {
        let (entry, phoff, vaddr, filesz, memsz) = (0x40u64, 64u64, 0x2000u64, 0x30u64, 0x4000u64);
        let mut e = std::vec::Vec::new();
        e.extend_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0]);
        e.extend_from_slice(&[0; 8]);
        e.extend_from_slice(&2u16.to_le_bytes()); // e_type
        e.extend_from_slice(&243u16.to_le_bytes()); // e_machine
        e.extend_from_slice(&1u32.to_le_bytes()); // e_version
        e.extend_from_slice(&entry.to_le_bytes());
        e.extend_from_slice(&phoff.to_le_bytes());
        e.extend_from_slice(&0u64.to_le_bytes()); // e_shoff
        e.extend_from_slice(&0u32.to_le_bytes()); // e_flags
        e.extend_from_slice(&64u16.to_le_bytes()); // e_ehsize
        e.extend_from_slice(&56u16.to_le_bytes()); // e_phentsize
        e.extend_from_slice(&1u16.to_le_bytes()); // e_phnum
        e.extend_from_slice(&[0; 6]); // e_shentsize, e_shnum, e_shstrndx
        e.extend_from_slice(&1u32.to_le_bytes()); // p_type
        e.extend_from_slice(&5u32.to_le_bytes()); // p_flags
        e.extend_from_slice(&0u64.to_le_bytes()); // p_offset
        e.extend_from_slice(&vaddr.to_le_bytes()); // p_vaddr
        e.extend_from_slice(&vaddr.to_le_bytes()); // p_paddr
        e.extend_from_slice(&filesz.to_le_bytes());
        e.extend_from_slice(&memsz.to_le_bytes());
        e.extend_from_slice(&4096u64.to_le_bytes()); // p_align
        let seg = Segment::load(PF_R | PF_X, 0, vaddr, filesz, memsz);
        assert_eq!(
            &e[..EHDR_SIZE],
            &Header::exec(entry, phoff, 1).to_bytes()[..]
        );
        assert_eq!(&e[EHDR_SIZE..], &seg.to_bytes()[..]);
    }

    #[test]
    fn short_or_foreign_files_are_refused() {
        let h = Header::exec(0, 64, 1).to_bytes();
        assert_eq!(Header::parse(&h[..EHDR_SIZE - 1]), None);
        let mut be = h;
        be[5] = 2; // big-endian
        assert_eq!(Header::parse(&be), None);
        assert!(Header::is_elf64(&h[..6]));
        assert!(!Header::is_elf64(b"\x7fELF\x01\x01"));
        assert_eq!(Segment::parse(&[0; PHDR_SIZE - 1]), None);
    }
}
