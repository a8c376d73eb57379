//! exec: replace the current program. Nothing of the new program is read
//! here beyond its headers: each loadable segment becomes a file-backed
//! area and its pages are read on first touch by the fault handler.
use super::me;
use crate::fs::{self, Inode, IoDst};
use crate::mm::addr::{page_round_down, page_round_up, PAGE_SIZE};
use crate::mm::aspace::AddressSpace;
use crate::mm::backing::{Backing, Vma};
use crate::mm::fault::{self, Access};
use crate::mm::uaccess;
use abi::elf::{Header, Segment, EHDR_SIZE, EM_RISCV, PF_R, PF_W, PF_X, PHDR_SIZE, PT_LOAD};
use abi::layout::{MMAP_BASE, STACK_BOTTOM, STACK_INITIAL, STACK_TOP};
use abi::limits::MAXARG;
use vm::{Perm, VmaFlags};

/// Most bytes of argument strings and pointers exec copies.
const MAX_ARG_BYTES: usize = (STACK_INITIAL * PAGE_SIZE) / 2;

fn read_exact(ip: &Inode, off: usize, buf: &mut [u8]) -> Result<(), ()> {
    let n = buf.len();
    match ip.read_at(off, IoDst::Kernel(buf), n) {
        Ok(got) if got == n => Ok(()),
        _ => Err(()),
    }
}

/// Map the program's loadable segments; returns (entry, end of data).
fn load(ip: &Inode, asp: &mut AddressSpace) -> Result<(usize, usize), ()> {
    let mut eh = [0u8; EHDR_SIZE];
    read_exact(ip, 0, &mut eh)?;
    let h = Header::parse(&eh).ok_or(())?;
    if h.machine != EM_RISCV {
        return Err(());
    }
    let entry = h.entry as usize;
    let (phoff, phentsize, phnum) = (h.phoff as usize, h.phentsize as usize, h.phnum);
    if phentsize < PHDR_SIZE || phnum > 64 {
        return Err(());
    }
    let size = ip.size();
    let mut top = 0;
    for i in 0..phnum as usize {
        let mut ph = [0u8; PHDR_SIZE];
        read_exact(ip, phoff.checked_add(i * phentsize).ok_or(())?, &mut ph)?;
        let seg = Segment::parse(&ph).ok_or(())?;
        if seg.typ != PT_LOAD {
            continue;
        }
        let flags = seg.flags;
        let (off, vaddr, filesz, memsz) = (
            seg.offset as usize,
            seg.vaddr as usize,
            seg.filesz as usize,
            seg.memsz as usize,
        );
        let vend = vaddr.checked_add(memsz).ok_or(())?;
        // xv6 asks only that a segment's address be page aligned: `ld -N`
        // (xv6's forktest) puts one at file offset 0xb0, address 0. The
        // fault handler reads a page's bytes from wherever they are in the
        // file. An unaligned address is fine too if it sits at the same
        // place in its page as the bytes in the file (the usual layout).
        if memsz < filesz
            || vend > MMAP_BASE
            || off.checked_add(filesz).is_none_or(|e| e > size)
            || (vaddr % PAGE_SIZE != 0 && vaddr % PAGE_SIZE != off % PAGE_SIZE)
        {
            return Err(());
        }
        if memsz == 0 {
            continue;
        }
        let start = page_round_down(vaddr);
        let lead = vaddr - start;
        let mut perm = Perm::NONE;
        if flags & PF_R != 0 {
            perm |= Perm::R;
        }
        if flags & PF_W != 0 {
            perm |= Perm::W;
        }
        if flags & PF_X != 0 {
            perm |= Perm::X;
        }
        let backing = Backing::File {
            inode: ip.clone(),
            offset: off - lead,
            file_bytes: filesz + lead,
            may_write: false,
        };
        asp.vmas
            .insert(Vma::new(
                start,
                page_round_up(vend),
                perm,
                VmaFlags::NONE,
                backing,
            ))
            .map_err(|_| ())?;
        top = top.max(page_round_up(vend));
    }
    if entry >= top {
        return Err(());
    }
    Ok((entry, top))
}

/// Push argument strings and the argv array on the new stack, xv6-style
/// (16-byte aligned). Returns (sp, argv).
fn push_args(asp: &mut AddressSpace, argv: &[&[u8]]) -> Result<(usize, usize), ()> {
    let mut sp = STACK_TOP;
    let mut ptrs = [0u64; MAXARG + 1];
    for (i, a) in argv.iter().enumerate() {
        sp -= a.len() + 1;
        sp -= sp % 16;
        if STACK_TOP - sp > MAX_ARG_BYTES {
            return Err(());
        }
        uaccess::copy_to(asp, sp, a)?;
        uaccess::copy_to(asp, sp + a.len(), &[0])?;
        ptrs[i] = sp as u64;
    }
    let table = (argv.len() + 1) * 8;
    sp -= table;
    sp -= sp % 16;
    let mut bytes = [0u8; (MAXARG + 1) * 8];
    for (i, p) in ptrs[..=argv.len()].iter().enumerate() {
        bytes[i * 8..i * 8 + 8].copy_from_slice(&p.to_le_bytes());
    }
    uaccess::copy_to(asp, sp, &bytes[..table])?;
    Ok((sp, sp))
}

/// Replace the current process's program with the file at `path`.
/// Returns argc (which becomes a0) or Err with the old program intact.
pub fn exec(path: &[u8], argv: &[&[u8]]) -> Result<usize, ()> {
    if argv.len() > MAXARG {
        return Err(());
    }
    let p = me();
    // SAFETY: we are p.
    let d = unsafe { p.data() };
    let cwd = d.cwd.clone().ok_or(())?;
    let ip = fs::namei(&cwd, path).map_err(|_| ())?;
    if ip.typ() != abi::T_FILE {
        return Err(());
    }
    let mut asp = AddressSpace::new(d.trapframe).map_err(|_| ())?;
    let (entry, top) = load(&ip, &mut asp)?;
    drop(ip);
    asp.init_heap(top);
    asp.vmas
        .insert(Vma::new(
            STACK_BOTTOM,
            STACK_TOP,
            Perm::R | Perm::W,
            VmaFlags::STACK,
            Backing::Anon,
        ))
        .map_err(|_| ())?;
    for i in 1..=STACK_INITIAL {
        fault::handle(&mut asp, STACK_TOP - i * PAGE_SIZE, Access::Write).map_err(|_| ())?;
    }
    let (sp, argv_ptr) = push_args(&mut asp, argv)?;

    // Commit: nothing below can fail.
    d.satp = crate::arch::riscv::csr::make_satp(asp.pt.root().0);
    let old = p.aspace.lock().replace(asp);
    drop(old);
    let name = path.rsplit(|&c| c == b'/').next().unwrap_or(path);
    p.set_name(name);
    // SAFETY: exec runs in the process's own kernel thread.
    let tf = unsafe { p.trapframe() };
    tf.epc = entry;
    tf.sp = sp;
    tf.a1 = argv_ptr;
    Ok(argv.len())
}
