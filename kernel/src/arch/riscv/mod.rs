//! Everything that knows it runs on RISC-V: assembly, CSRs, SBI calls, the
//! PTE format, per-hart state. Almost all of the kernel's `unsafe` is here.
pub mod asm;
pub mod cpu;
pub mod csr;
pub mod power;
pub mod pte;
pub mod sbi;
