//! Six threads fighting over the same four names with random creates,
//! unlinks, mkdirs, links, reads and chdirs. Must not deadlock or panic;
//! fsck after, and nothing orphaned.

use super::{check_disk, setup};
use crate::fs::{self, ops, IoDst, IoSrc};
use abi::fcntl::*;

/// Operations per thread: 400 in a normal run (about 0.2 s); more when
/// `FSTEST_RACE_ROUNDS` says so (`cargo xtask test --stress` sets 20000).
fn rounds() -> u32 {
    std::env::var("FSTEST_RACE_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(400)
}

pub fn run() {
    setup(3000, 200, 31, &[]);
    let rounds = rounds();
    let root = fs::root();
    ops::mkdir(&root, b"s").unwrap();
    drop(root);
    let hs: Vec<_> = (0..6u32)
        .map(|t| {
            std::thread::spawn(move || {
                let root = fs::root();
                let mut seed = t * 7919 + 1;
                for _ in 0..rounds {
                    seed = seed.wrapping_mul(1103515245).wrapping_add(12345);
                    let k = (seed >> 8) % 4;
                    let name = format!("s/n{k}");
                    match (seed >> 16) % 7 {
                        0 => {
                            let _ = ops::open(&root, name.as_bytes(), O_CREATE | O_RDWR)
                                .map(|f| f.write(IoSrc::Kernel(&[t as u8; 3000]), 3000));
                        }
                        1 => {
                            let _ = ops::unlink(&root, name.as_bytes());
                        }
                        2 => {
                            let _ = ops::mkdir(&root, name.as_bytes());
                        }
                        3 => {
                            let _ = ops::link(&root, name.as_bytes(), format!("s/l{k}").as_bytes());
                        }
                        4 => {
                            let _ = ops::unlink(&root, format!("s/l{k}").as_bytes());
                        }
                        5 => {
                            if let Ok(f) = ops::open(&root, name.as_bytes(), O_RDONLY) {
                                let mut b = vec![0u8; 4000];
                                let n = f.read(IoDst::Kernel(&mut b), 4000);
                                assert!(n >= 0);
                            }
                        }
                        _ => {
                            if let Ok(d) = ops::chdir(&root, name.as_bytes()) {
                                let _ = ops::open(&d, b"inner", O_CREATE | O_RDWR);
                                let _ = ops::unlink(&d, b"inner");
                                let _ = fs::namei(&d, b"..");
                            }
                        }
                    }
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    let r = check_disk();
    println!("race: ok ({} files, {} orphans)", r.files.len(), r.orphans);
    assert_eq!(r.orphans, 0);
}
