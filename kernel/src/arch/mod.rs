//! Architecture support. faultline runs on RISC-V only; the module keeps the
//! machine-specific code (and nearly all `unsafe`) in one place.
pub mod riscv;
