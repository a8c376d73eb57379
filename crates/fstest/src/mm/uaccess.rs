//! "User memory" standing in for mm::uaccess: a 1 MiB array at user
//! address 0; any byte past it is a bad address, so copies fail as they do
//! for an unmapped user page.

use std::sync::Mutex;

pub static MEM: Mutex<Vec<u8>> = Mutex::new(Vec::new());

/// Bytes of user memory; addresses from here on are bad.
pub const SIZE: usize = 1 << 20;

fn mem() -> std::sync::MutexGuard<'static, Vec<u8>> {
    let mut m = MEM.lock().unwrap_or_else(|e| e.into_inner());
    if m.is_empty() {
        m.resize(SIZE, 0);
    }
    m
}

pub fn copy_out(va: usize, src: &[u8]) -> Result<(), ()> {
    let end = va.checked_add(src.len()).ok_or(())?;
    mem().get_mut(va..end).ok_or(())?.copy_from_slice(src);
    Ok(())
}

pub fn copy_in(dst: &mut [u8], va: usize) -> Result<(), ()> {
    let end = va.checked_add(dst.len()).ok_or(())?;
    dst.copy_from_slice(mem().get(va..end).ok_or(())?);
    Ok(())
}
