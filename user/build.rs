//! Links every user program with `user.ld` (static, at address 0, like xv6).
//!
//! Only the riscv64 bare-metal build gets the script: `-arg-bins` keeps it
//! off the library, and a host build (e.g. `cargo check --workspace`) gets
//! nothing so it cannot break host tooling.

use std::env;
use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let script = dir.join("user.ld");
    println!("cargo:rerun-if-changed={}", script.display());
    println!("cargo:rerun-if-changed=build.rs");

    let target = env::var("TARGET").unwrap_or_default();
    if target.starts_with("riscv64") && target.ends_with("-none-elf") {
        println!("cargo:rustc-link-arg-bins=-T{}", script.display());
        // Files on xv6's file system hold at most MAXFILE (268) blocks, so
        // installed programs keep their function symbols but no DWARF and
        // no assembler-local labels.
        println!("cargo:rustc-link-arg-bins=--strip-debug");
        println!("cargo:rustc-link-arg-bins=--discard-locals");
    }
}
