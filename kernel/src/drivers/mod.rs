//! Devices: the UART and the console on it, the PLIC, virtio block disks.
pub mod console;
pub mod plic;
pub mod uart;
pub mod virtio_blk;
