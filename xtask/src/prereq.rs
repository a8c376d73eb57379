//! Making sure the tools the build and the test runs need are installed:
//! the Rust RISC-V target, QEMU and the cross C compiler, and (for
//! `run --gdb` and the test that attaches a debugger) gdb-multiarch.

use std::path::{Path, PathBuf};
use std::process::Command;

pub const TARGET: &str = "riscv64gc-unknown-none-elf";
pub const CC: &str = "riscv64-unknown-elf-gcc";
/// Debian's gdb for every architecture (the host's plain gdb knows no RISC-V).
pub const GDB: &str = "gdb-multiarch";

/// Finds `prog` on PATH.
pub fn which(prog: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(prog))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// The apt packages missing for QEMU and the C compiler.
pub fn missing_packages() -> Vec<&'static str> {
    let mut pk = Vec::new();
    if which(crate::qemu::QEMU).is_none() {
        pk.push("qemu-system-misc");
    }
    if which(CC).is_none() {
        pk.push("gcc-riscv64-unknown-elf");
    }
    pk
}

fn run(cmd: &mut Command) -> Result<(), String> {
    eprintln!("xtask: running {cmd:?}");
    let st = cmd
        .status()
        .map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))?;
    if st.success() {
        Ok(())
    } else {
        Err(format!("{:?} failed with {st}", cmd.get_program()))
    }
}

/// Installs what is missing, or (when not root and apt would be needed)
/// says exactly what to run and fails.
pub fn ensure_prereqs() -> Result<(), String> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|e| format!("cannot run rustup: {e}"))?;
    if !String::from_utf8_lossy(&installed.stdout)
        .lines()
        .any(|l| l.trim() == TARGET)
    {
        run(Command::new("rustup").args(["target", "add", TARGET]))?;
    }

    apt_install(missing_packages)
}

/// Installs gdb-multiarch if it is missing, as `ensure_prereqs` does QEMU.
pub fn ensure_gdb() -> Result<(), String> {
    apt_install(|| {
        if which(GDB).is_none() {
            vec![GDB]
        } else {
            vec![]
        }
    })
}

/// apt-get installs the packages `missing` names (nothing if none) when we
/// are root, or says the command to run and fails.
fn apt_install(missing: fn() -> Vec<&'static str>) -> Result<(), String> {
    let pk = missing();
    if pk.is_empty() {
        return Ok(());
    }
    let install = format!("apt-get install -y {}", pk.join(" "));
    if !is_root() {
        return Err(format!(
            "missing {}; install with:\n    sudo apt-get update && sudo {install}",
            pk.join(", ")
        ));
    }
    run(Command::new("apt-get").arg("update"))?;
    run(Command::new("apt-get")
        .args(["install", "-y"])
        .args(&pk)
        .env("DEBIAN_FRONTEND", "noninteractive"))?;
    let still = missing();
    if still.is_empty() {
        Ok(())
    } else {
        Err(format!("still missing after apt-get: {}", still.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_finds_sh_and_not_nonsense() {
        assert!(which("sh").is_some());
        assert!(which("no-such-program-xtask-test").is_none());
    }
}
