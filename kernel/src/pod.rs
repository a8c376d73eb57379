//! Plain bytes: types the kernel copies as raw bytes, to user memory
//! (`struct stat`, vmstat, ptdump entries...) and in and out of disk blocks
//! (superblock, inodes, directory entries; `fs/bio.rs`). Viewing a value as bytes is
//! sound only if every byte is initialized, so a type with padding must
//! never be passed: `Pod` is an unsafe marker, implemented only through
//! `plain_bytes!`, which checks at compile time that the type's size is the
//! sum of its fields' sizes (no padding anywhere).
use abi::fs::{DInode, Dirent, SuperBlock, DIRSIZ, NDIRECT};
use abi::vmstat::{fault, PtEntry, RegionStat, VmStat};
use abi::{ProcInfo, Stat};
use core::mem::size_of;

/// A `repr(C)` type of integers and integer arrays with no padding: all of
/// its bytes are initialized, whatever the value.
///
/// # Safety
/// Implement only through `plain_bytes!` (or with the same check).
pub unsafe trait Pod: Copy + 'static {}

/// The bytes of `v`.
pub fn bytes_of<T: Pod>(v: &[T]) -> &[u8] {
    // SAFETY: T: Pod has no padding, so all size_of_val(v) bytes are
    // initialized; u8 has no alignment requirement; the borrow is `v`'s.
    unsafe { core::slice::from_raw_parts(v.as_ptr() as *const u8, core::mem::size_of_val(v)) }
}

/// The bytes of one value.
pub fn bytes_of_one<T: Pod>(v: &T) -> &[u8] {
    bytes_of(core::slice::from_ref(v))
}

/// `plain_bytes!(Type = field types...;)`: Type is Pod if its size is the
/// sum of the listed field sizes. A field added, removed or padded makes
/// the sum disagree and the build fail here.
macro_rules! plain_bytes {
    ($($t:ty = $($f:ty),+ ;)*) => {$(
        const _: () = assert!(size_of::<$t>() == 0 $(+ size_of::<$f>())+, "padding or a changed field");
        // SAFETY: checked just above: no padding; every field is an
        // integer (or an array of them), for which every bit pattern is valid.
        unsafe impl Pod for $t {}
    )*};
}

plain_bytes! {
    u64 = u64;
    u32 = u32;
    i32 = i32;
    SuperBlock = [u32; 8];
    DInode = i16, i16, i16, i16, u32, [u32; NDIRECT + 1];
    Dirent = u16, [u8; DIRSIZ];
    Stat = i32, u32, i16, i16, u32, u64;
    ProcInfo = i32, i32, i32, i32, u64, u64, [u8; 16];
    PtEntry = u64, u64, u64;
    RegionStat = [u64; 12];
    VmStat = u64, u64, [u64; fault::COUNT], [u64; 23], [u64; 4];
}
