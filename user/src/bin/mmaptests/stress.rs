//! A seeded random mix of mmap, munmap (of whole mappings and of pieces),
//! loads and stores, and forks, checked against a model of the first word
//! of every mapped page; then a leak check: a second identical run leaves
//! exactly as many free frames as it found.

use crate::util::*;
use abi::layout::PAGE_SIZE as PG;
use ulib::prelude::*;
use ulib::{ensure, ensure_eq, fs, process};

const OPS: usize = 200;
const FILE_PAGES: usize = 16;
const MAX_MAPS: usize = 24;
const SEED: u64 = 0x2545_f491_4f6c_dd1d;
const FILE_SEED: u8 = 19;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    AnonPrivate,
    AnonShared,
    FilePrivate,
    /// Mapped PROT_READ, so the file never changes.
    FileShared,
}

impl Kind {
    fn writable(self) -> bool {
        self != Kind::FileShared
    }
}

struct Map {
    addr: usize,
    kind: Kind,
    /// The first word of each page, as it must read.
    vals: Vec<u64>,
}

/// xorshift64*.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The first word of page `p` of the stress file.
fn file_word(p: usize) -> u64 {
    let mut b = [0u8; 8];
    for (i, x) in b.iter_mut().enumerate() {
        *x = pat(FILE_SEED, p * PG + i);
    }
    u64::from_le_bytes(b)
}

fn verify(maps: &[Map], when: usize) -> Result<(), String> {
    for m in maps {
        for (i, &v) in m.vals.iter().enumerate() {
            let got = rd64(m.addr + i * PG);
            ensure!(
                got == v,
                "op {}: {:?} mapping at {:#x}, page {}: word {:#x}, want {:#x}",
                when,
                m.kind,
                m.addr,
                i,
                got,
                v
            );
        }
    }
    Ok(())
}

/// One run of OPS operations from `seed`; unmaps everything at the end.
fn run(seed: u64, fd: i32) -> Result<(), String> {
    let mut rng = Rng(seed);
    let mut maps: Vec<Map> = Vec::with_capacity(2 * MAX_MAPS);
    for op in 0..OPS {
        let r = rng.below(100);
        if maps.is_empty() || (r < 30 && maps.len() < MAX_MAPS) {
            let kind = match rng.below(4) {
                0 => Kind::AnonPrivate,
                1 => Kind::AnonShared,
                2 => Kind::FilePrivate,
                _ => Kind::FileShared,
            };
            let pages = 1 + rng.below(8);
            let off = rng.below(FILE_PAGES - pages + 1);
            let rw = PROT_READ | PROT_WRITE;
            let addr = match kind {
                Kind::AnonPrivate => anon(pages, rw, MAP_PRIVATE)?,
                Kind::AnonShared => anon(pages, rw, MAP_SHARED)?,
                Kind::FilePrivate => map(pages * PG, rw, MAP_PRIVATE, fd, (off * PG) as isize)?,
                Kind::FileShared => {
                    map(pages * PG, PROT_READ, MAP_SHARED, fd, (off * PG) as isize)?
                }
            };
            let vals = (0..pages)
                .map(|i| match kind {
                    Kind::AnonPrivate | Kind::AnonShared => 0,
                    _ => file_word(off + i),
                })
                .collect();
            maps.push(Map { addr, kind, vals });
        } else if r < 60 {
            let m = rng.below(maps.len());
            let map = &mut maps[m];
            let i = rng.below(map.vals.len());
            let a = map.addr + i * PG;
            let got = rd64(a);
            ensure!(
                got == map.vals[i],
                "op {}: load from {:?} page {:#x}: {:#x}, want {:#x}",
                op,
                map.kind,
                a,
                got,
                map.vals[i]
            );
            if map.kind.writable() && rng.below(2) == 0 {
                let v = rng.next();
                wr64(a, v);
                map.vals[i] = v;
            }
        } else if r < 75 {
            let m = maps.swap_remove(rng.below(maps.len()));
            let n = m.vals.len();
            let a = rng.below(n);
            let b = a + 1 + rng.below(n - a);
            ensure_eq!(
                munmap(m.addr + a * PG, (b - a) * PG),
                0,
                "op {}: munmap of pages {}..{} of {}",
                op,
                a,
                b,
                n
            );
            if a > 0 {
                maps.push(Map {
                    addr: m.addr,
                    kind: m.kind,
                    vals: m.vals[..a].to_vec(),
                });
            }
            if b < n {
                maps.push(Map {
                    addr: m.addr + b * PG,
                    kind: m.kind,
                    vals: m.vals[b..].to_vec(),
                });
            }
        } else if r < 85 {
            let salt = rng.next();
            let st = ulib::test::child_status(|| {
                if verify(&maps, op).is_err() {
                    return 1;
                }
                // Private pages only: the parent must not see these.
                for m in maps
                    .iter_mut()
                    .filter(|m| matches!(m.kind, Kind::AnonPrivate | Kind::FilePrivate))
                {
                    for (i, v) in m.vals.iter_mut().enumerate() {
                        *v ^= salt;
                        wr64(m.addr + i * PG, *v);
                    }
                }
                if verify(&maps, op).is_err() {
                    return 2;
                }
                0
            })?;
            ensure_eq!(
                st,
                0,
                "op {}: forked child (1: saw wrong data, 2: lost its writes)",
                op
            );
            verify(&maps, op)?;
        } else {
            verify(&maps, op)?;
        }
    }
    verify(&maps, OPS)?;
    for m in &maps {
        ensure_eq!(
            munmap(m.addr, m.vals.len() * PG),
            0,
            "final munmap of {:#x}",
            m.addr
        );
    }
    Ok(())
}

pub fn stress() -> Result<(), String> {
    let f = name("stress");
    make_file(&f, FILE_PAGES * PG, FILE_SEED)?;
    let r = (|| {
        let fd = open(&f, fs::O_RDONLY)?;
        warm_up()?;
        run(SEED, fd.raw())?;
        let _ = stat()?;
        let f0 = stat()?.free_frames;
        run(SEED, fd.raw())?;
        let f1 = stat()?.free_frames;
        ensure_eq!(
            f1,
            f0,
            "free frames after a second identical run vs before it"
        );
        let other = SEED ^ process::getpid() as u64;
        run(other, fd.raw())
    })();
    let _ = fs::unlink(&f);
    r
}
