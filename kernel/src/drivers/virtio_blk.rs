//! virtio-blk disks on QEMU's virtio-mmio slots, driven through the
//! virtio-drivers crate (=0.13.0) with polled I/O.
//!
//! Disks are numbered in slot (bus) order: disk 0 is the first virtio-blk
//! device found (QEMU's `bus=virtio-mmio-bus.0`, the file system), disk 1
//! the next (a swap disk, later). Each disk has its own spinlock; a request
//! is submitted and polled to completion while it is held, so there is only
//! ever one request in flight per disk and interrupts are not needed.
//!
//! The device reads and writes memory by physical address. Kernel stacks are
//! not identity-mapped, so every buffer the device sees (request header,
//! data, status byte) lives in a per-disk heap block (the heap is identity
//! mapped) and data is copied to and from the caller's buffer.

use crate::sync::SpinLock;
use abi::fs::BSIZE;
use alloc::alloc::{alloc_zeroed, dealloc, Layout};
use alloc::boxed::Box;
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

/// DMA memory for one request, in the identity-mapped heap.
struct IoBuf {
    req: BlkReq,
    resp: BlkResp,
    data: [u8; BSIZE],
}

struct Disk {
    blk: VirtIOBlk<KernelHal, MmioTransport<'static>>,
    io: Box<IoBuf>,
    /// Capacity in 512-byte sectors.
    sectors: u64,
    /// Its PLIC interrupt line.
    irq: u32,
}

// SAFETY: a Disk is only touched under its SpinLock; the MMIO window and
// the DMA memory it points to are not tied to any hart.
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
        // We poll; ask the device not to interrupt.
        blk.disable_interrupts();
        let sectors = blk.capacity();
        let io = Box::new(IoBuf {
            req: BlkReq::default(),
            resp: BlkResp::default(),
            data: [0; BSIZE],
        });
        *DISKS[n].lock() = Some(Disk {
            blk,
            io,
            sectors,
            irq,
        });
        n += 1;
    }
    NDISKS.store(n, Ordering::Release);
}

/// How many disks `init` found.
#[allow(dead_code)] // for the swap disk
pub fn count() -> usize {
    NDISKS.load(Ordering::Acquire)
}

/// Capacity of disk `dev` in BSIZE blocks (0 if there is no such disk).
#[allow(dead_code)] // for the swap disk
pub fn blocks(dev: usize) -> u64 {
    match DISKS.get(dev).map(|d| d.lock()) {
        Some(g) => g
            .as_ref()
            .map_or(0, |d| d.sectors / SECTORS_PER_BLOCK as u64),
        None => 0,
    }
}

/// Read file-system block `blockno` of disk `dev` into `buf`.
/// An I/O error is a hardware failure: it panics.
pub fn read_block(dev: usize, blockno: u32, buf: &mut [u8; BSIZE]) {
    with_disk(dev, blockno, |d, sector| {
        let io = &mut *d.io;
        // SAFETY: io's buffers are in the identity-mapped heap, nothing else
        // uses them while we hold the disk lock, and we wait for the request
        // to complete before touching them again.
        let token = unsafe {
            d.blk
                .read_blocks_nb(sector, &mut io.req, &mut io.data, &mut io.resp)
        }
        .unwrap_or_else(|e| panic!("virtio_blk{dev}: submit read of block {blockno}: {e:?}"));
        wait(&mut d.blk, token);
        // SAFETY: the same buffers as submitted; the request has completed.
        unsafe {
            d.blk
                .complete_read_blocks(token, &io.req, &mut io.data, &mut io.resp)
        }
        .unwrap_or_else(|e| panic!("virtio_blk{dev}: read of block {blockno} failed: {e:?}"));
        buf.copy_from_slice(&io.data);
    })
}

/// Write `buf` to file-system block `blockno` of disk `dev`.
/// An I/O error is a hardware failure: it panics.
pub fn write_block(dev: usize, blockno: u32, buf: &[u8; BSIZE]) {
    with_disk(dev, blockno, |d, sector| {
        let io = &mut *d.io;
        io.data.copy_from_slice(buf);
        // SAFETY: as in read_block.
        let token = unsafe {
            d.blk
                .write_blocks_nb(sector, &mut io.req, &io.data, &mut io.resp)
        }
        .unwrap_or_else(|e| panic!("virtio_blk{dev}: submit write of block {blockno}: {e:?}"));
        wait(&mut d.blk, token);
        // SAFETY: the same buffers as submitted; the request has completed.
        unsafe {
            d.blk
                .complete_write_blocks(token, &io.req, &io.data, &mut io.resp)
        }
        .unwrap_or_else(|e| panic!("virtio_blk{dev}: write of block {blockno} failed: {e:?}"));
    })
}

/// Acknowledge an interrupt from the disk on PLIC line `irq` (the driver
/// polls, so there is nothing else to do; the status is also cleared after
/// every request). Ignores lines that are not a disk's.
pub fn intr(irq: usize) {
    for lock in DISKS.iter() {
        let mut g = lock.lock();
        if let Some(d) = g.as_mut().filter(|d| d.irq as usize == irq) {
            d.blk.ack_interrupt();
            return;
        }
    }
}

/// Run `f` on disk `dev` with its lock held, after checking the block is
/// on the disk (asking past the end would be a device error).
fn with_disk(dev: usize, blockno: u32, f: impl FnOnce(&mut Disk, usize)) {
    let mut g = DISKS
        .get(dev)
        .unwrap_or_else(|| panic!("virtio_blk: no disk {dev}"))
        .lock();
    let d = g
        .as_mut()
        .unwrap_or_else(|| panic!("virtio_blk: no disk {dev}"));
    let sector = blockno as usize * SECTORS_PER_BLOCK;
    if (sector + SECTORS_PER_BLOCK) as u64 > d.sectors {
        panic!("virtio_blk{dev}: block {blockno} is past the end of the disk");
    }
    f(d, sector);
    // Clear the interrupt status the completion raised, so a PLIC line that
    // someone enabled does not stay asserted.
    d.blk.ack_interrupt();
}

/// Spin until the device has used request `token`.
fn wait(blk: &mut VirtIOBlk<KernelHal, MmioTransport<'static>>, token: u16) {
    while blk.peek_used() != Some(token) {
        core::hint::spin_loop();
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
// physical (= virtual) address of heap buffers.
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
        // Only heap buffers are ever shared (see IoBuf), and the heap is
        // identity-mapped.
        buffer.as_ptr() as *mut u8 as usize as PhysAddr
    }

    unsafe fn unshare(_paddr: PhysAddr, _buffer: NonNull<[u8]>, _dir: BufferDirection) {}
}
