//! virtio-blk disks on QEMU's virtio-mmio slots, driven through the
//! virtio-drivers crate (=0.13.0), completed by interrupt.
//!
//! Disks are numbered in slot (bus) order: disk 0 is the first virtio-blk
//! device found (QEMU's `bus=virtio-mmio-bus.0`, the file system), disk 1
//! the next (`bus=virtio-mmio-bus.1`, the swap disk).
//!
//! A request is submitted under the disk's spinlock; the requester then
//! sleeps (releasing the lock) until the PLIC interrupt handler, `intr`,
//! finds the request in the device's used ring, completes it and wakes the
//! requesters. Up to `NSLOT` requests per disk may be in flight at once
//! (each takes 3 of the queue's 16 descriptors), from one requester
//! (`rw_many`: reclaim writes a batch of pages) or several; a requester
//! that finds every slot busy sleeps until one is free.
//!
//! The device reads and writes memory by physical address, and it DMAs
//! straight into the caller's buffer: no bounce copy. So every buffer must
//! be identity-mapped kernel memory: a buffer-cache block (static), a frame,
//! or the heap. Kernel stacks are not identity-mapped and must not be used.
//! The request header and status byte live in a per-disk heap block.

use crate::mm::PhysAddr as FrameAddr;
use crate::sync::{SpinLock, SpinLockGuard};
use abi::fs::BSIZE;
use alloc::alloc::{alloc_zeroed, dealloc, Layout};
use alloc::boxed::Box;
use core::marker::PhantomData;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicUsize, Ordering};
use virtio_drivers::device::blk::{BlkReq, BlkResp, VirtIOBlk, SECTOR_SIZE};
use virtio_drivers::transport::mmio::{MmioTransport, VirtIOHeader};
use virtio_drivers::transport::{DeviceType, Transport};
use virtio_drivers::{BufferDirection, Hal, PhysAddr, PAGE_SIZE};

/// Most disks we drive (QEMU virt has 8 virtio-mmio slots).
pub const MAX_DISKS: usize = 8;
/// Size of one virtio-mmio slot's register window.
const SLOT_SIZE: usize = 0x1000;
/// Sectors per file-system block.
const SECTORS_PER_BLOCK: usize = BSIZE / SECTOR_SIZE;
/// Requests in flight per disk: the queue has 16 descriptors, a request
/// uses 3 (header, data, status).
const NSLOT: usize = 5;
/// Descriptors in the queue, so the largest token + 1.
const QSIZE: usize = 16;

/// A disk request failed (the device reported an error).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IoError;

#[derive(Clone, Copy, PartialEq, Eq)]
enum SlotState {
    Free,
    InFlight,
    Done(bool),
}

/// One request's DMA-visible header and status, plus what `intr` needs to
/// complete it: the data buffer it was submitted with.
struct Slot {
    req: BlkReq,
    resp: BlkResp,
    buf: *mut u8,
    len: usize,
    write: bool,
    state: SlotState,
}

struct Disk {
    blk: VirtIOBlk<KernelHal, MmioTransport<'static>>,
    /// In the identity-mapped heap, so the device can reach req/resp.
    slots: Box<[Slot; NSLOT]>,
    /// Which slot each queue token (head descriptor) belongs to.
    token_slot: [u8; QSIZE],
    /// Capacity in 512-byte sectors.
    sectors: u64,
    /// Its PLIC interrupt line.
    irq: u32,
    /// Requesters asleep on the disk (for completion or a free slot):
    /// completions and finished batches call wakeup, a scan of the
    /// process table, only if there are any. Counted under the lock.
    sleepers: u32,
}

// SAFETY: a Disk is only touched under its SpinLock; the MMIO window and
// the DMA memory it points to are not tied to any hart. The raw buffer
// pointers are owned by requesters sleeping until their slot is Done.
unsafe impl Send for Disk {}

static DISKS: [SpinLock<Option<Disk>>; MAX_DISKS] =
    [const { SpinLock::new("virtio_blk", None) }; MAX_DISKS];
static NDISKS: AtomicUsize = AtomicUsize::new(0);

/// Probe the virtio-mmio slots the device tree lists and set up every
/// block device found. Call once, at boot, before the file system.
pub fn init() {
    let slots: alloc::vec::Vec<(usize, u32)> = crate::platform::with(|p| p.virtio.clone());
    let mut n = 0;
    for (base, irq) in slots {
        if n == MAX_DISKS {
            break;
        }
        let header = NonNull::new(base as *mut VirtIOHeader).expect("virtio slot at 0");
        // SAFETY: `base` is a virtio-mmio register window from the device
        // tree, mapped by the kernel page table for the kernel's lifetime,
        // and only this driver touches it.
        let transport = match unsafe { MmioTransport::new(header, SLOT_SIZE) } {
            Ok(t) => t,
            Err(_) => continue, // empty slot (device id 0) or bad magic
        };
        if transport.device_type() != DeviceType::Block {
            continue;
        }
        let mut blk = VirtIOBlk::<KernelHal, _>::new(transport)
            .unwrap_or_else(|e| panic!("virtio_blk: cannot set up disk at {base:#x}: {e:?}"));
        blk.enable_interrupts();
        let sectors = blk.capacity();
        let slots = Box::new(core::array::from_fn(|_| Slot {
            req: BlkReq::default(),
            resp: BlkResp::default(),
            buf: core::ptr::null_mut(),
            len: 0,
            write: false,
            state: SlotState::Free,
        }));
        *DISKS[n].lock() = Some(Disk {
            blk,
            slots,
            token_slot: [0; QSIZE],
            sectors,
            irq,
            sleepers: 0,
        });
        n += 1;
    }
    NDISKS.store(n, Ordering::Release);
}

/// How many disks `init` found.
pub fn count() -> usize {
    NDISKS.load(Ordering::Acquire)
}

/// Capacity of disk `dev` in 512-byte sectors (0 if there is no such disk).
pub fn sectors(dev: usize) -> u64 {
    match DISKS.get(dev).map(|d| d.lock()) {
        Some(g) => g.as_ref().map_or(0, |d| d.sectors),
        None => 0,
    }
}

/// Capacity of disk `dev` in BSIZE blocks (0 if there is no such disk).
#[allow(dead_code)]
pub fn blocks(dev: usize) -> u64 {
    sectors(dev) / SECTORS_PER_BLOCK as u64
}

/// Read file-system block `blockno` of disk `dev` into `buf`, which must
/// be identity-mapped (a buffer-cache block). A device error on the file
/// system's disk is a hardware failure: it panics.
pub fn read_block(dev: usize, blockno: u32, buf: &mut [u8; BSIZE]) {
    let sector = blockno as u64 * SECTORS_PER_BLOCK as u64;
    if rw(dev, sector, buf, false).is_err() {
        panic!("virtio_blk{dev}: read of block {blockno} failed");
    }
}

/// Write `buf` (identity-mapped) to file-system block `blockno` of disk
/// `dev`. A device error panics, as for reads.
pub fn write_block(dev: usize, blockno: u32, buf: &[u8; BSIZE]) {
    let sector = blockno as u64 * SECTORS_PER_BLOCK as u64;
    if one(dev, Req::write_from(sector, buf)).is_err() {
        panic!("virtio_blk{dev}: write of block {blockno} failed");
    }
}

/// Move `buf` (a whole number of sectors, identity-mapped) to or from disk
/// `dev` starting at `sector`, in one request. Sleeps until it completes.
pub fn rw(dev: usize, sector: u64, buf: &mut [u8], write: bool) -> Result<(), IoError> {
    let req = if write {
        Req::write_from(sector, buf)
    } else {
        Req::read_into(sector, buf)
    };
    one(dev, req)
}

/// Move the frame at `pa` to or from disk `dev` at `sector`, in one request.
///
/// # Safety
/// The frame stays allocated until this returns. For a read, nobody else
/// reads or writes it meanwhile (a new frame of the caller's); for a write,
/// nobody writes it meanwhile (other harts may read it: a frame being
/// swapped out is mapped read-only or not at all).
pub unsafe fn rw_frame(dev: usize, sector: u64, pa: FrameAddr, write: bool) -> Result<(), IoError> {
    // SAFETY: the caller's promise, passed on.
    let req = unsafe { Req::frame(sector, pa, write) };
    one(dev, req)
}

fn one(dev: usize, req: Req<'_>) -> Result<(), IoError> {
    let mut reqs = [req];
    rw_many(dev, &mut reqs)?;
    if reqs[0].ok {
        Ok(())
    } else {
        Err(IoError)
    }
}

/// One request of a batch: `len` bytes (whole sectors) of identity-mapped
/// memory at `buf`, read from or written to the disk at `sector`; `ok`
/// says how it went. The buffer is kept as a raw pointer: the device, not
/// Rust code, touches it while the request is in flight, and a frame being
/// written out may be read by other harts meanwhile.
pub struct Req<'a> {
    sector: u64,
    buf: *mut u8,
    len: usize,
    write: bool,
    pub ok: bool,
    _borrow: PhantomData<&'a mut [u8]>,
}

impl<'a> Req<'a> {
    /// Read from the disk into `buf`.
    pub fn read_into(sector: u64, buf: &'a mut [u8]) -> Req<'a> {
        Req {
            sector,
            buf: buf.as_mut_ptr(),
            len: buf.len(),
            write: false,
            ok: false,
            _borrow: PhantomData,
        }
    }

    /// Write `buf` to the disk (the device only reads it).
    pub fn write_from(sector: u64, buf: &'a [u8]) -> Req<'a> {
        Req {
            sector,
            buf: buf.as_ptr() as *mut u8,
            len: buf.len(),
            write: true,
            ok: false,
            _borrow: PhantomData,
        }
    }

    /// Read into (or write from) the frame at `pa`.
    ///
    /// # Safety
    /// As for [`rw_frame`], until the request has completed.
    pub unsafe fn frame(sector: u64, pa: FrameAddr, write: bool) -> Req<'a> {
        Req {
            sector,
            buf: pa.as_ptr(),
            len: crate::mm::PAGE_SIZE,
            write,
            ok: false,
            _borrow: PhantomData,
        }
    }
}

/// Move every request of `reqs` to or from disk `dev`, keeping as many in
/// flight at once as the queue allows, and sleep until all are done. Err
/// only if there is no such disk or a request lies outside it (nothing is
/// then submitted); a device error marks just that request not `ok`.
pub fn rw_many(dev: usize, reqs: &mut [Req<'_>]) -> Result<(), IoError> {
    let lock = DISKS.get(dev).ok_or(IoError)?;
    let mut g = lock.lock();
    {
        let d = g.as_ref().ok_or(IoError)?;
        for r in reqs.iter() {
            let n = (r.len / SECTOR_SIZE) as u64;
            if r.len == 0
                || !r.len.is_multiple_of(SECTOR_SIZE)
                || r.sector.checked_add(n).is_none_or(|end| end > d.sectors)
            {
                return Err(IoError);
            }
        }
    }
    // Which of our requests each disk slot is carrying.
    let mut mine: [Option<usize>; NSLOT] = [None; NSLOT];
    let (mut next, mut done) = (0, 0);
    while done < reqs.len() {
        let d = g.as_mut().expect("disk vanished");
        // Collect what has finished.
        for (i, m) in mine.iter_mut().enumerate() {
            if let (Some(k), SlotState::Done(ok)) = (*m, d.slots[i].state) {
                reqs[k].ok = ok;
                d.slots[i].state = SlotState::Free;
                *m = None;
                done += 1;
            }
        }
        // Submit while there are free slots.
        while next < reqs.len() {
            let Some(i) = d.slots.iter().position(|s| s.state == SlotState::Free) else {
                break;
            };
            if submit(d, i, &mut reqs[next]) {
                mine[i] = Some(next);
            } else {
                done += 1; // refused by the queue: reported not ok
            }
            next += 1;
        }
        if done < reqs.len() {
            g = wait(lock, g, chan_disk(lock));
        }
    }
    // Others may be waiting for a free slot.
    let wake = g.as_ref().is_some_and(|d| d.sleepers > 0);
    drop(g);
    if wake {
        crate::proc::wakeup(chan_disk(lock));
    }
    Ok(())
}

/// Put request `r` on the queue in slot `i`; false if the queue refused.
fn submit(d: &mut Disk, i: usize, r: &mut Req<'_>) -> bool {
    let s = &mut d.slots[i];
    s.buf = r.buf;
    s.len = r.len;
    s.write = r.write;
    let write = r.write;
    // SAFETY: req/resp live in the heap (identity-mapped) slot we own until
    // it is Free again; the buffer is identity-mapped and stays valid (a
    // borrow, or a frame under `Req::frame`'s contract) until the request
    // completes, which rw_many waits for. A write only reads the buffer
    // (the driver takes `&[u8]`); a read's buffer is the requester's alone.
    let token = unsafe {
        if write {
            let b = core::slice::from_raw_parts(s.buf, s.len);
            d.blk
                .write_blocks_nb(r.sector as usize, &mut s.req, b, &mut s.resp)
        } else {
            let b = core::slice::from_raw_parts_mut(s.buf, s.len);
            d.blk
                .read_blocks_nb(r.sector as usize, &mut s.req, b, &mut s.resp)
        }
    };
    match token {
        Ok(t) => {
            s.state = SlotState::InFlight;
            d.token_slot[t as usize] = i as u8;
            true
        }
        Err(_) => {
            r.ok = false;
            false
        }
    }
}

fn chan_disk(lock: &SpinLock<Option<Disk>>) -> usize {
    lock as *const _ as usize
}

/// Sleep on `chan`, or, with no process to put to sleep (early boot),
/// complete requests by polling.
fn wait<'a>(
    lock: &'a SpinLock<Option<Disk>>,
    mut g: SpinLockGuard<'a, Option<Disk>>,
    chan: usize,
) -> SpinLockGuard<'a, Option<Disk>> {
    if crate::proc::current().is_some() {
        if let Some(d) = g.as_mut() {
            d.sleepers += 1;
        }
        let mut g = crate::proc::sleep(chan, g);
        if let Some(d) = g.as_mut() {
            d.sleepers -= 1;
        }
        return g;
    }
    if let Some(d) = g.as_mut() {
        complete_used(d, lock);
    }
    g
}

/// Complete every request the device has finished, in used-ring order, and
/// wake their requesters.
fn complete_used(d: &mut Disk, lock: &SpinLock<Option<Disk>>) {
    while let Some(token) = d.blk.peek_used() {
        let i = d.token_slot[token as usize] as usize;
        let s = &mut d.slots[i];
        // SAFETY: the same req/buf/resp as submitted with this token; the
        // requester is asleep until we mark the slot Done.
        let r = unsafe {
            let b = core::slice::from_raw_parts_mut(s.buf, s.len);
            if s.write {
                d.blk.complete_write_blocks(token, &s.req, b, &mut s.resp)
            } else {
                d.blk.complete_read_blocks(token, &s.req, b, &mut s.resp)
            }
        };
        s.state = SlotState::Done(r.is_ok());
    }
    // Every requester sleeps on the disk and looks at its own slots.
    if d.sleepers > 0 {
        crate::proc::wakeup(chan_disk(lock));
    }
}

/// The disk's interrupt on PLIC line `irq`: acknowledge it and complete
/// what the device has finished. Ignores lines that are not a disk's.
pub fn intr(irq: usize) {
    for lock in DISKS.iter() {
        let mut g = lock.lock();
        if let Some(d) = g.as_mut().filter(|d| d.irq as usize == irq) {
            d.blk.ack_interrupt();
            complete_used(d, lock);
            return;
        }
    }
}

/// How virtio-drivers gets DMA memory and device addresses: the kernel heap
/// is identity-mapped, so a buffer's virtual address is its physical one.
struct KernelHal;

fn dma_layout(pages: usize) -> Layout {
    Layout::from_size_align(pages * PAGE_SIZE, PAGE_SIZE).expect("virtio_blk: DMA layout")
}

// SAFETY: dma_alloc returns zeroed, page-aligned, exclusively owned heap
// memory whose virtual and physical addresses are equal; share returns the
// physical (= virtual) address of identity-mapped buffers.
unsafe impl Hal for KernelHal {
    fn dma_alloc(pages: usize, _dir: BufferDirection) -> (PhysAddr, NonNull<u8>) {
        // SAFETY: the layout has non-zero size (pages >= 1).
        let p = unsafe { alloc_zeroed(dma_layout(pages)) };
        match NonNull::new(p) {
            Some(nn) => (p as usize as PhysAddr, nn),
            None => (0, NonNull::dangling()),
        }
    }

    unsafe fn dma_dealloc(_paddr: PhysAddr, vaddr: NonNull<u8>, pages: usize) -> i32 {
        // SAFETY: allocated by dma_alloc with the same layout.
        unsafe { dealloc(vaddr.as_ptr(), dma_layout(pages)) };
        0
    }

    unsafe fn mmio_phys_to_virt(paddr: PhysAddr, _size: usize) -> NonNull<u8> {
        NonNull::new(paddr as usize as *mut u8).expect("virtio_blk: MMIO at 0")
    }

    unsafe fn share(buffer: NonNull<[u8]>, _dir: BufferDirection) -> PhysAddr {
        // Only identity-mapped buffers are ever shared (see `rw`).
        buffer.as_ptr() as *mut u8 as usize as PhysAddr
    }

    unsafe fn unshare(_paddr: PhysAddr, _buffer: NonNull<[u8]>, _dir: BufferDirection) {}
}
