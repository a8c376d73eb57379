//! `cargo xtask build`: the kernel, the Rust and C user programs, and the
//! disk image target/fs.img holding every program in "/".
//!
//! (Named builder.rs because build.rs would be taken for a cargo build script.)

use crate::cbuild;
use crate::mkfs::{Mkfs, Params};
use crate::prereq::TARGET;
use abi::fs::{DIRSIZ, ROOTINO};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Longest program name: one less than DIRSIZ, so every name sits NUL
/// terminated in its directory entry (C code copying names with strcpy or
/// printing them with %s expects that).
pub const MAX_PROG_NAME: usize = DIRSIZ - 1;

const README: &str = "\
faultline: a RISC-V teaching kernel in the spirit of xv6, whose user memory
is made on page faults (lazy sbrk, zero-fill, demand stack, demand-paged exec,
copy-on-write fork, mmap). It runs xv6's user programs unchanged.

Every program is in / . Try: ls, cat README, echo hello > f.
";

pub struct Built {
    pub kernel: PathBuf,
    /// The freshly made image (no files from earlier runs); tests copy it.
    pub image: Vec<u8>,
    /// target/fs.img, the image interactive runs use.
    pub fs_img: PathBuf,
    /// Names installed in "/".
    pub programs: Vec<String>,
}

/// Environment variable naming a kernel ELF to use instead of building one.
pub const KERNEL_ENV: &str = "FAULTLINE_KERNEL";

pub fn target_dir(root: &Path) -> PathBuf {
    root.join("target")
}

pub fn kernel_path(root: &Path) -> PathBuf {
    target_dir(root).join(TARGET).join("release").join("kernel")
}

pub fn fs_img_path(root: &Path) -> PathBuf {
    target_dir(root).join("fs.img")
}

/// A nested cargo command working on the workspace's target/ (whatever
/// CARGO_TARGET_DIR the xtask binary itself was built with).
pub fn cargo(root: &Path) -> Command {
    let mut c = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    c.current_dir(root).env_remove("CARGO_TARGET_DIR");
    c
}

fn run_cargo(root: &Path, args: &[&str]) -> Result<(), String> {
    let mut c = cargo(root);
    c.args(args).arg("--target-dir").arg(target_dir(root));
    eprintln!("xtask: cargo {}", args.join(" "));
    let st = c.status().map_err(|e| format!("cannot run cargo: {e}"))?;
    if st.success() {
        Ok(())
    } else {
        Err(format!("cargo {} failed ({st})", args.join(" ")))
    }
}

/// Names of the Rust user programs: user/src/bin/NAME.rs and
/// user/src/bin/NAME/main.rs, as cargo finds them.
pub fn rust_bins(root: &Path) -> Result<Vec<String>, String> {
    let dir = root.join("user/src/bin");
    let mut names = Vec::new();
    let rd = match std::fs::read_dir(&dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(names),
        Err(e) => return Err(format!("{}: {e}", dir.display())),
    };
    for e in rd {
        let p = e.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        let name = if p.is_dir() {
            if !p.join("main.rs").is_file() {
                continue;
            }
            p.file_name()
        } else if p.extension().is_some_and(|x| x == "rs") {
            p.file_stem()
        } else {
            continue;
        };
        if let Some(n) = name.and_then(|n| n.to_str()) {
            names.push(n.to_string());
        }
    }
    names.sort();
    Ok(names)
}

/// Pairs each program file with its name in "/" (the file stem), refusing
/// names that are too long or used twice.
pub fn program_names(files: &[PathBuf]) -> Result<Vec<(String, PathBuf)>, String> {
    let mut out: Vec<(String, PathBuf)> = Vec::new();
    for f in files {
        let name = f
            .file_stem()
            .and_then(|n| n.to_str())
            .ok_or_else(|| format!("{}: no usable file name", f.display()))?;
        if name.len() > MAX_PROG_NAME {
            return Err(format!(
                "program name {name:?} ({}) is {} characters; names in / hold at most {MAX_PROG_NAME}",
                f.display(),
                name.len()
            ));
        }
        crate::mkfs::check_name(name).map_err(|e| format!("{}: {e}", f.display()))?;
        if let Some((_, other)) = out.iter().find(|(n, _)| n == name) {
            return Err(format!(
                "two programs named {name:?}: {} and {}",
                other.display(),
                f.display()
            ));
        }
        out.push((name.to_string(), f.clone()));
    }
    out.sort();
    Ok(out)
}

/// The image: README plus every program in "/".
pub fn make_image(programs: &[(String, PathBuf)]) -> Result<Vec<u8>, String> {
    let mut m = Mkfs::new(Params::default()).map_err(|e| e.to_string())?;
    m.add_file(ROOTINO, "README", README.as_bytes())
        .map_err(|e| e.to_string())?;
    for (name, path) in programs {
        m.add_host_path_as(ROOTINO, name, path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(m.finish())
}

fn image_hash(img: &[u8]) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    img.hash(&mut h);
    format!("{:016x}", h.finish())
}

/// Writes target/fs.img only if the programs changed (or `fresh`), so files
/// made in the shell survive from one `cargo xtask run` to the next.
fn install_image(fs_img: &Path, image: &[u8], fresh: bool) -> Result<(), String> {
    let stamp = fs_img.with_extension("img.stamp");
    let hash = image_hash(image);
    let same = fs_img.is_file() && std::fs::read_to_string(&stamp).is_ok_and(|s| s.trim() == hash);
    if same && !fresh {
        eprintln!(
            "xtask: {} unchanged (keeps files from earlier runs; --fresh resets it)",
            fs_img.display()
        );
        return Ok(());
    }
    let tmp = fs_img.with_extension("img.tmp");
    std::fs::write(&tmp, image).map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, fs_img).map_err(|e| format!("{}: {e}", fs_img.display()))?;
    std::fs::write(&stamp, hash).map_err(|e| format!("{}: {e}", stamp.display()))?;
    eprintln!("xtask: wrote {}", fs_img.display());
    Ok(())
}

/// Builds everything. `fresh` rewrites target/fs.img even if the programs
/// did not change.
pub fn build(root: &Path, fresh: bool) -> Result<Built, String> {
    let release = ["--release", "--target", TARGET];
    // FAULTLINE_KERNEL=ELF boots that kernel instead of building one (an
    // older kernel to bisect with, or a stand-in while the kernel is broken).
    let kernel = match std::env::var_os(KERNEL_ENV) {
        Some(k) => {
            let k = PathBuf::from(k);
            if !k.is_file() {
                return Err(format!("{KERNEL_ENV}={}: no such file", k.display()));
            }
            eprintln!("xtask: using {KERNEL_ENV}={}", k.display());
            k
        }
        None => {
            run_cargo(root, &[&["build", "-p", "kernel"], &release[..]].concat())?;
            kernel_path(root)
        }
    };

    let bins = rust_bins(root)?;
    let mut files = Vec::new();
    if !bins.is_empty() {
        run_cargo(
            root,
            &[&["build", "-p", "user"], &release[..], &["--bins"]].concat(),
        )?;
        let dir = target_dir(root).join(TARGET).join("release");
        for b in &bins {
            let f = dir.join(b);
            if !f.is_file() {
                return Err(format!("cargo built no {}", f.display()));
            }
            files.push(f);
        }
    }

    let cdir = target_dir(root).join("c");
    std::fs::create_dir_all(&cdir).map_err(|e| format!("{}: {e}", cdir.display()))?;
    files.extend(cbuild::build_c_programs(root, &cdir)?);

    let programs = program_names(&files)?;
    let image = make_image(&programs)?;
    let fs_img = fs_img_path(root);
    install_image(&fs_img, &image, fresh)?;
    Ok(Built {
        kernel,
        image,
        fs_img,
        programs: programs.into_iter().map(|p| p.0).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fsread::FsImage;
    use crate::testutil::TempDir;

    #[test]
    fn names_from_stems_and_checked() {
        let ok =
            program_names(&["a/c/ls".into(), "t/release/sh".into(), "x/cat.elf".into()]).unwrap();
        let names: Vec<_> = ok.iter().map(|p| p.0.as_str()).collect();
        assert_eq!(names, ["cat", "ls", "sh"]);
        assert!(program_names(&["a/abcdefghijklmn".into()]).is_err()); // 14 chars
        assert!(program_names(&["a/abcdefghijklm".into()]).is_ok()); // 13 chars
        let dup = program_names(&["c/sh".into(), "rust/sh".into()]).unwrap_err();
        assert!(dup.contains("two programs named \"sh\""), "{dup}");
    }

    #[test]
    fn rust_bins_found_like_cargo() {
        let t = TempDir::new("bins");
        let bin = t.path().join("user/src/bin");
        std::fs::create_dir_all(bin.join("big")).unwrap();
        std::fs::create_dir_all(bin.join("empty")).unwrap();
        std::fs::write(bin.join("big/main.rs"), "").unwrap();
        std::fs::write(bin.join("sh.rs"), "").unwrap();
        std::fs::write(bin.join("notes.txt"), "").unwrap();
        assert_eq!(rust_bins(t.path()).unwrap(), ["big", "sh"]);
        assert!(rust_bins(&t.path().join("nothing")).unwrap().is_empty());
    }

    #[test]
    fn image_holds_readme_and_programs() {
        let t = TempDir::new("img");
        let p = t.path().join("hello");
        std::fs::write(&p, b"\x7fELF fake").unwrap();
        let img = make_image(&program_names(&[p]).unwrap()).unwrap();
        let fs = FsImage::new(&img).unwrap();
        let r = fs.lookup("/README").unwrap().unwrap();
        assert_eq!(fs.read_file(r).unwrap(), README.as_bytes());
        let h = fs.lookup("/hello").unwrap().unwrap();
        assert_eq!(fs.read_file(h).unwrap(), b"\x7fELF fake");
        assert_eq!(fs.sb.size, crate::mkfs::DEFAULT_SIZE);
    }

    #[test]
    fn fs_img_kept_unless_programs_change() {
        let t = TempDir::new("install");
        let f = t.path().join("fs.img");
        install_image(&f, b"one", false).unwrap();
        assert_eq!(std::fs::read(&f).unwrap(), b"one");
        // The user writes to the image; same programs -> kept.
        std::fs::write(&f, b"one+user file").unwrap();
        install_image(&f, b"one", false).unwrap();
        assert_eq!(std::fs::read(&f).unwrap(), b"one+user file");
        // --fresh, or new programs -> replaced.
        install_image(&f, b"one", true).unwrap();
        assert_eq!(std::fs::read(&f).unwrap(), b"one");
        install_image(&f, b"two", false).unwrap();
        assert_eq!(std::fs::read(&f).unwrap(), b"two");
    }
}
