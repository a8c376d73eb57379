//! The page-fault decision, as a pure function: the area, the page's state
//! and the access go in, one action comes out. The kernel (`mm/fault.rs`)
//! gathers the inputs and carries the action out; every row of the table
//! below is a unit test here.
//!
//! | area            | page                         | access | action                     |
//! |-----------------|------------------------------|--------|----------------------------|
//! | none            | -                            | any    | refuse: not mapped / stack overflow (guard page) |
//! | lacks the perm  | -                            | any    | refuse: write to read-only, ... |
//! | any             | corrupt entry                | any    | refuse: corrupt            |
//! | any             | swapped(slot)                | any    | swap in                    |
//! | any             | present, COW, sole owner     | write  | take the frame over        |
//! | any             | present, COW, shared         | write  | copy                       |
//! | any             | present, zero frame          | write  | private zeroed frame       |
//! | any             | present, W clear (not COW)   | write  | set W                      |
//! | any             | present, A or D clear        | any    | set A (and D on write)     |
//! | any             | present, allows it           | any    | nothing (flush a stale TLB)|
//! | stack           | absent                       | any    | zeroed frame (stack growth)|
//! | anonymous       | absent                       | read   | map the shared zero frame  |
//! | anonymous       | absent                       | write  | private zeroed frame       |
//! | file            | absent                       | any    | read the page from the file|

use crate::pte::{A, COW, D, W};
use crate::swap::PteState;
use crate::{Perm, VmaFlags};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Access {
    Read,
    Write,
    Execute,
}

impl Access {
    pub fn name(self) -> &'static str {
        match self {
            Access::Read => "load",
            Access::Write => "store",
            Access::Execute => "fetch",
        }
    }

    fn perm(self) -> Perm {
        match self {
            Access::Read => Perm::R,
            Access::Write => Perm::W,
            Access::Execute => Perm::X,
        }
    }
}

/// Why a fault was refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Refusal {
    NotMapped,
    ReadOnly,
    NotExecutable,
    NotReadable,
    StackOverflow,
    OutOfMemory,
    IoError,
    /// A page-table entry the kernel never writes (a bug, or memory
    /// corruption): the process is killed rather than the entry trusted.
    Corrupt,
}

impl Refusal {
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::NotMapped => "not mapped",
            Refusal::ReadOnly => "write to read-only",
            Refusal::NotExecutable => "not executable",
            Refusal::NotReadable => "not readable",
            Refusal::StackOverflow => "stack overflow",
            Refusal::OutOfMemory => "out of memory",
            Refusal::IoError => "I/O error",
            Refusal::Corrupt => "corrupt page-table entry",
        }
    }
}

/// What the fault handler needs to know about the area covering the
/// address (None: no area).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Area {
    pub perm: Perm,
    pub flags: VmaFlags,
    /// File-backed (else anonymous).
    pub file: bool,
}

/// A present page, as the decision needs it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Present {
    pub pte: u64,
    /// It maps the shared zero frame.
    pub zero: bool,
    /// This PTE holds the frame's only reference (COW takeover).
    pub sole: bool,
}

/// The page's state: `PteState` with what a present page needs added.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Page {
    Absent,
    Present(Present),
    Swapped(u32),
    Corrupt,
}

impl Page {
    /// From a PTE state and, for a present page, the two facts about its
    /// frame the kernel looks up.
    pub fn from_state(s: PteState, zero: bool, sole: bool) -> Page {
        match s {
            PteState::Absent => Page::Absent,
            PteState::Present(pte) => Page::Present(Present { pte, zero, sole }),
            PteState::Swapped(slot) => Page::Swapped(slot),
            PteState::Corrupt(_) => Page::Corrupt,
        }
    }
}

/// What to do. Counters named in brackets are the kernel's vmstat rows.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Action {
    Refuse(Refusal),
    /// Read the page back from this swap slot (or the swap cache). [swap-in]
    SwapIn(u32),
    /// COW store, last owner: clear COW, set W|A|D. [cow-takeover]
    CowTakeover,
    /// COW store, shared: copy to a new frame mapped W. [cow-copy]
    CowCopy,
    /// Store to the zero frame: replace it by a zeroed frame. [zero-filled]
    ReplaceZero,
    /// Store to a present page with W clear in a writable area. [ad-set]
    SetWrite,
    /// Set these A/D bits. [ad-set]
    SetBits(u64),
    /// The PTE already allows it: flush this hart's stale TLB entry.
    Flush,
    /// Stack page, absent: zeroed frame. [stack-growth]
    StackGrow,
    /// Anonymous read: map the zero frame read-only. [zero-mapped]
    MapZero,
    /// Anonymous write: zeroed frame. [zero-filled]
    ZeroFill,
    /// File-backed page: read it (or share the cached frame). [file-read]
    FileRead,
}

/// Writable implies readable: Sv39 has no write-only pages.
pub fn allows(perm: Perm, access: Access) -> bool {
    perm.contains(access.perm()) || (access == Access::Read && perm.contains(Perm::W))
}

/// The decision. `in_guard` says the address is in the stack guard page
/// (only used when there is no area).
pub fn decide(area: Option<Area>, in_guard: bool, page: Page, access: Access) -> Action {
    let Some(area) = area else {
        return Action::Refuse(if in_guard {
            Refusal::StackOverflow
        } else {
            Refusal::NotMapped
        });
    };
    if !allows(area.perm, access) {
        return Action::Refuse(match access {
            Access::Write => Refusal::ReadOnly,
            Access::Execute => Refusal::NotExecutable,
            Access::Read => Refusal::NotReadable,
        });
    }
    let write = access == Access::Write;
    match page {
        Page::Corrupt => Action::Refuse(Refusal::Corrupt),
        Page::Swapped(slot) => Action::SwapIn(slot),
        Page::Present(p) => {
            if write && p.pte & COW != 0 {
                return if p.sole {
                    Action::CowTakeover
                } else {
                    Action::CowCopy
                };
            }
            if write && p.zero {
                return Action::ReplaceZero;
            }
            if write && p.pte & W == 0 {
                return Action::SetWrite;
            }
            let want = if write { A | D } else { A };
            if p.pte & want != want {
                Action::SetBits(want)
            } else {
                Action::Flush
            }
        }
        Page::Absent => {
            if area.flags.contains(VmaFlags::STACK) {
                Action::StackGrow
            } else if area.file {
                Action::FileRead
            } else if write {
                Action::ZeroFill
            } else {
                Action::MapZero
            }
        }
    }
}

#[cfg(test)]
mod tests;
