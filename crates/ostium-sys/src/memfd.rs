//! `Memfd`: anonymous memory as a descriptor, sealed so that a peer can trust it.
//!
//! Doors pass payloads too large for one message, and large leases, as memfds. The sender
//! creates one, fills it and [`seal`](Memfd::seal)s it; the receiver checks the seals and
//! maps it. Two kinds of mapping, each unmapped on drop:
//!
//! - [`SealedMap`]: read-only, and a plain `&[u8]`. Offered only for a memfd sealed with
//!   `F_SEAL_WRITE | F_SEAL_SHRINK`, whose bytes therefore can no longer change nor go away.
//! - [`SharedMap`]: read-write, shared with every other holder of the descriptor. Offered
//!   only for a memfd sealed with `F_SEAL_SHRINK`; accessed by bounds-checked copies.
//!
//! # Safety
//!
//! A mapping of memory that another process can reach must not be trusted like our own.
//! The invariants this module keeps, and why they make its `unsafe` blocks sound:
//!
//! - **A mapping lives exactly as long as its owner.** `mmap` returns a region of the length
//!   asked, which only `Drop` unmaps; every pointer made from it stays inside that length.
//! - **No `SIGBUS`.** Touching a page of a mapping beyond the file's end raises `SIGBUS`.
//!   Both kinds of mapping require `F_SEAL_SHRINK`, checked before the length is read, so the
//!   file can never become shorter than the mapping. Seals cannot be removed.
//! - **References only to memory that cannot change.** A `&[u8]` promises the compiler that
//!   the bytes do not change while it lives. [`SealedMap`] hands one out only after seeing
//!   `F_SEAL_WRITE`, which the kernel grants only when no writable shared mapping exists,
//!   and after which `write`, writable shared mappings and hole punching are refused to
//!   everyone. (`F_SEAL_FUTURE_WRITE` is not enough: mappings made before it keep writing.)
//! - **Copies, never references, for memory a peer may write.** [`SharedMap`] reads and
//!   writes with `ptr::copy_nonoverlapping` between the mapping and our own buffers. A peer
//!   writing at the same time can leave torn bytes, but bytes have no invalid values, and the
//!   compiler cannot assume anything about memory it only reaches through raw pointers (Rust
//!   has no atomic memcpy yet; this is the usual footing of shared-memory IPC). The one
//!   exception is the `unsafe` [`SharedMap::as_mut_slice`], whose caller promises exclusivity.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::ptr::NonNull;
use std::sync::atomic::AtomicU32;

use rustix::fs::{MemfdFlags, SealFlags};
use rustix::io::Errno;
use rustix::mm::{MapFlags, ProtFlags};

use crate::error::{Named, retry_on_intr};

/// File seals (`F_SEAL_*`), as [`Memfd::seal`] adds them and [`Memfd::seals`] reports them.
pub use rustix::fs::SealFlags as Seals;

/// Which file a descriptor refers to: its device and inode.
///
/// While any descriptor or mapping of the file is held, no other file can have the same
/// pair, so a mapping kept with its `FileId` is known to be of the same file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FileId {
    dev: u64,
    ino: u64,
}

/// A memory file (`memfd_create`): an anonymous, growable file living in memory, which can
/// be passed to another process and sealed against change.
#[derive(Debug)]
pub struct Memfd {
    fd: OwnedFd,
}

impl Memfd {
    /// `memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL)`,
    /// `ftruncate(len)`: a new memfd of `len` zero bytes.
    ///
    /// `name` only labels it in `/proc/PID/fd` (as `/memfd:name`). `MFD_NOEXEC_SEAL` (Linux
    /// 6.3) keeps the memory from ever being executed, and is required when the system sets
    /// `vm.memfd_noexec = 2`; older kernels get the memfd without it.
    pub fn create(name: &str, len: u64) -> io::Result<Memfd> {
        let flags = MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING;
        let fd = match rustix::fs::memfd_create(name, flags | MemfdFlags::NOEXEC_SEAL) {
            Err(Errno::INVAL) => rustix::fs::memfd_create(name, flags),
            other => other,
        }
        .named(|| format!("memfd_create {name:?}"))?;
        let memfd = Memfd { fd };
        memfd.set_len(len)?;
        Ok(memfd)
    }

    /// `fcntl(F_GET_SEALS)`: adopts a descriptor received from a peer, after checking that
    /// it is a memfd (other files have no seals and fail with `InvalidInput`).
    ///
    /// Nothing else about it is trusted: see [`map_sealed`](Self::map_sealed).
    pub fn from_fd(fd: OwnedFd) -> io::Result<Memfd> {
        rustix::fs::fcntl_get_seals(&fd).named(|| "fcntl(F_GET_SEALS): not a memfd")?;
        Ok(Memfd { fd })
    }

    /// `fstat`: the current length in bytes.
    pub fn len(&self) -> io::Result<u64> {
        let stat = rustix::fs::fstat(&self.fd).named(|| "fstat(memfd)")?;
        // A file length is never negative.
        Ok(u64::try_from(stat.st_size).unwrap_or(0))
    }

    /// `fstat`: which file this is (its device and inode, the same for every descriptor of
    /// it, in any process) and its current length. A peer that sends the same memfd again
    /// sends the same file: a mapping of it made earlier can be used again.
    pub fn identity(&self) -> io::Result<(FileId, u64)> {
        let stat = rustix::fs::fstat(&self.fd).named(|| "fstat(memfd)")?;
        let id = FileId { dev: stat.st_dev, ino: stat.st_ino };
        Ok((id, u64::try_from(stat.st_size).unwrap_or(0)))
    }

    /// `fstat`: whether the length is zero.
    pub fn is_empty(&self) -> io::Result<bool> {
        Ok(self.len()? == 0)
    }

    /// `ftruncate(len)`: grows (with zeros) or shrinks to `len` bytes, unless sealed
    /// against it (`PermissionDenied`).
    pub fn set_len(&self, len: u64) -> io::Result<()> {
        retry_on_intr(|| rustix::fs::ftruncate(&self.fd, len))
            .named(|| format!("ftruncate(memfd, {len})"))
    }

    /// `fcntl(F_ADD_SEALS)`: adds `seals`, for good: no one holding this memfd can remove
    /// them.
    ///
    /// Fails with `PermissionDenied` once [`Seals::SEAL`] is set (or if the memfd was made
    /// without `MFD_ALLOW_SEALING`), and, for [`Seals::WRITE`], with `ResourceBusy` while a
    /// writable shared mapping exists: drop every [`SharedMap`] first.
    pub fn seal(&self, seals: Seals) -> io::Result<()> {
        rustix::fs::fcntl_add_seals(&self.fd, seals)
            .named(|| format!("fcntl(F_ADD_SEALS, {seals:?})"))
    }

    /// `fcntl(F_GET_SEALS)`: the seals set so far.
    pub fn seals(&self) -> io::Result<Seals> {
        rustix::fs::fcntl_get_seals(&self.fd).named(|| "fcntl(F_GET_SEALS)")
    }

    /// `pwrite`: writes all of `data` at `offset`, growing the memfd if needed (unless it
    /// is sealed against that, or against writing: `PermissionDenied`).
    pub fn write_all_at(&self, mut data: &[u8], mut offset: u64) -> io::Result<()> {
        while !data.is_empty() {
            let n = retry_on_intr(|| rustix::io::pwrite(&self.fd, data, offset))
                .named(|| "pwrite(memfd)")?;
            data = &data[n..];
            offset += n as u64;
        }
        Ok(())
    }

    /// `pread`: fills `buf` from `offset`; `UnexpectedEof` if the memfd ends first.
    pub fn read_exact_at(&self, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
        while !buf.is_empty() {
            match retry_on_intr(|| rustix::io::pread(&self.fd, &mut *buf, offset))
                .named(|| "pread(memfd)")?
            {
                0 => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "pread(memfd): end of file",
                    ));
                }
                n => {
                    buf = &mut buf[n..];
                    offset += n as u64;
                }
            }
        }
        Ok(())
    }

    /// `mmap(PROT_READ, MAP_SHARED)` of the whole memfd, as an immutable byte slice.
    ///
    /// Only for a memfd sealed with `F_SEAL_WRITE | F_SEAL_SHRINK`; any other fails with
    /// `InvalidInput`, since whoever else holds it could change the bytes under our
    /// references or truncate it and make reading them raise `SIGBUS`.
    pub fn map_sealed(&self) -> io::Result<SealedMap> {
        self.require_seals(Seals::WRITE | Seals::SHRINK, "map_sealed", "change or truncate")?;
        let len = self.mappable_len()?;
        let map = Mapping::new(self.fd.as_fd(), len, ProtFlags::READ)
            .named(|| "mmap(PROT_READ, MAP_SHARED)")?;
        Ok(SealedMap { map })
    }

    /// `mmap(PROT_READ | PROT_WRITE, MAP_SHARED)` of the whole memfd: memory shared with
    /// every holder of this memfd, read and written by copying.
    ///
    /// Only for a memfd sealed with `F_SEAL_SHRINK` (else `InvalidInput`: whoever else holds
    /// it could truncate it and make access raise `SIGBUS`); a memfd sealed with
    /// `F_SEAL_WRITE` fails with `PermissionDenied`. The mapping covers the length at this
    /// call; later growth is not mapped.
    pub fn map_shared(&self) -> io::Result<SharedMap> {
        self.require_seals(Seals::SHRINK, "map_shared", "truncate")?;
        let len = self.mappable_len()?;
        let map = Mapping::new(self.fd.as_fd(), len, ProtFlags::READ | ProtFlags::WRITE)
            .named(|| "mmap(PROT_READ | PROT_WRITE, MAP_SHARED)")?;
        Ok(SharedMap { map })
    }

    fn require_seals(&self, needed: SealFlags, call: &str, threat: &str) -> io::Result<()> {
        let seals = self.seals()?;
        if seals.contains(needed) {
            return Ok(());
        }
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{call}: memfd lacks seals {:?} (has {seals:?}): \
                 whoever else holds it could {threat} it while mapped",
                needed - seals
            ),
        ))
    }

    fn mappable_len(&self) -> io::Result<usize> {
        let len = self.len()?;
        usize::try_from(len)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "memfd larger than memory"))
    }
}

impl AsFd for Memfd {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl From<Memfd> for OwnedFd {
    fn from(memfd: Memfd) -> OwnedFd {
        memfd.fd
    }
}

/// A read-only mapping of a memfd sealed against writing and shrinking: its bytes, which
/// cannot change. Dereferences to `[u8]`.
pub struct SealedMap {
    map: Mapping,
}

// SAFETY: the mapped bytes are immutable (F_SEAL_WRITE) and the region is owned by the
// value, so sending it to or sharing it with another thread is like doing so with a `Box<[u8]>`.
unsafe impl Send for SealedMap {}
// SAFETY: as above; `&SealedMap` gives only shared, read-only access.
unsafe impl Sync for SealedMap {}

impl SealedMap {
    /// The mapped bytes.
    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: the region is mapped readable for `len` bytes until `self` drops; the
        // file is sealed against shrinking, so every byte stays backed (no SIGBUS), and
        // against writing, so nothing changes the bytes while the slice lives.
        unsafe { std::slice::from_raw_parts(self.map.ptr.as_ptr(), self.map.len) }
    }
}

impl std::ops::Deref for SealedMap {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl AsRef<[u8]> for SealedMap {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl std::fmt::Debug for SealedMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedMap").field("len", &self.map.len).finish()
    }
}

/// A read-write shared mapping of a memfd sealed against shrinking.
///
/// Other processes holding the memfd may read and write the same memory at any time, so
/// it is accessed by copying, with bounds checks: [`read_at`](Self::read_at) and
/// [`write_at`](Self::write_at). What a racing peer leaves is unspecified bytes, never
/// undefined behaviour here.
pub struct SharedMap {
    map: Mapping,
}

// SAFETY: the region is owned by the value and accessed only through raw-pointer copies;
// which thread does that does not matter.
unsafe impl Send for SharedMap {}
// SAFETY: through `&SharedMap` only `read_at` is possible, a copy out of the region;
// writing takes `&mut SharedMap`, so our own threads never write while another reads.
unsafe impl Sync for SharedMap {}

impl SharedMap {
    /// The mapped length in bytes.
    pub fn len(&self) -> usize {
        self.map.len
    }

    /// Whether the mapping is empty (the memfd had length zero).
    pub fn is_empty(&self) -> bool {
        self.map.len == 0
    }

    /// Copies `buf.len()` bytes at `offset` into `buf`; `InvalidInput` if they are not all
    /// inside the mapping.
    pub fn read_at(&self, offset: usize, buf: &mut [u8]) -> io::Result<()> {
        self.check("read_at", offset, buf.len())?;
        // SAFETY: `check` put `offset` within the mapping (or at its end).
        let src = unsafe { self.map.ptr.as_ptr().add(offset) };
        // SAFETY: `check` put `src..src + buf.len()` inside the mapping, which is readable
        // and backed (F_SEAL_SHRINK) until `self` drops; `buf` is our own memory, so the two
        // do not overlap.
        unsafe { std::ptr::copy_nonoverlapping(src, buf.as_mut_ptr(), buf.len()) };
        Ok(())
    }

    /// Copies `data` into the mapping at `offset`; `InvalidInput` if it does not all fit.
    pub fn write_at(&mut self, offset: usize, data: &[u8]) -> io::Result<()> {
        self.check("write_at", offset, data.len())?;
        // SAFETY: `check` put `offset` within the mapping (or at its end).
        let dst = unsafe { self.map.ptr.as_ptr().add(offset) };
        // SAFETY: `check` put `dst..dst + data.len()` inside the mapping, which is writable
        // and backed (F_SEAL_SHRINK) until `self` drops; `data` is our own memory, so the two
        // do not overlap.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), dst, data.len()) };
        Ok(())
    }

    /// The whole mapping as a mutable slice, to fill it in place without a copy.
    ///
    /// # Safety
    ///
    /// While the slice lives, nothing else may read or write this memory: no other process
    /// holding the memfd (not yet sent, or every holder known to be waiting), and no other
    /// mapping of it in this process. A `&mut [u8]` tells the compiler it is the only way to
    /// the bytes; a concurrent write breaks that, which is undefined behaviour.
    pub unsafe fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: the region is mapped read-write for `len` bytes until `self` drops, and
        // backed (F_SEAL_SHRINK); `&mut self` excludes other uses of this mapping, and the
        // caller promises that no other mapping or process touches it meanwhile.
        unsafe { std::slice::from_raw_parts_mut(self.map.ptr.as_ptr(), self.map.len) }
    }

    /// The 32-bit word at `offset` (a multiple of 4 inside the mapping, else
    /// `InvalidInput`), as an atomic both processes may use at once: for sequence numbers,
    /// flags and futexes in memory shared with a peer.
    ///
    /// Keep such words apart from the bytes read and written by copying: the peer is
    /// trusted for nothing, but this process must not copy over a word it also reaches
    /// atomically (`write_at` takes `&mut self`, so the borrow checker sees to that here).
    pub fn word(&self, offset: usize) -> io::Result<&AtomicU32> {
        self.check("word", offset, 4)?;
        if !offset.is_multiple_of(4) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("word: offset {offset} is not a multiple of 4"),
            ));
        }
        // SAFETY: `check` put `offset` within the mapping.
        let word = unsafe { self.map.ptr.as_ptr().add(offset) }.cast::<AtomicU32>();
        // SAFETY: `check` put `offset..offset + 4` inside the mapping, which is readable,
        // writable and backed (F_SEAL_SHRINK) until `self` drops, and the reference borrows
        // `self`; the mapping starts on a page boundary and `offset` is a multiple of 4, so
        // `word` is aligned for `AtomicU32`, which has the size and layout of `u32`. Every
        // value of the four bytes is a valid `u32`, and the peer's writes to them are atomic
        // accesses of the same memory from another process, which is what atomics in shared
        // memory are for.
        Ok(unsafe { &*word })
    }

    fn check(&self, call: &str, offset: usize, len: usize) -> io::Result<()> {
        match offset.checked_add(len) {
            Some(end) if end <= self.map.len => Ok(()),
            _ => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{call}: {len} bytes at offset {offset} are outside a mapping of {} bytes",
                    self.map.len
                ),
            )),
        }
    }
}

impl std::fmt::Debug for SharedMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedMap").field("len", &self.map.len).finish()
    }
}

/// A `MAP_SHARED` region of `len` bytes, unmapped on drop. An empty one maps nothing
/// (`mmap` refuses length zero) and points nowhere.
struct Mapping {
    ptr: NonNull<u8>,
    len: usize,
}

impl Mapping {
    fn new(fd: BorrowedFd<'_>, len: usize, prot: ProtFlags) -> Result<Mapping, Errno> {
        if len == 0 {
            return Ok(Mapping { ptr: NonNull::dangling(), len });
        }
        // SAFETY: a null address lets the kernel choose where, so no existing memory is
        // replaced; the new region is owned by the returned `Mapping` alone.
        let ptr =
            unsafe { rustix::mm::mmap(std::ptr::null_mut(), len, prot, MapFlags::SHARED, fd, 0) }?;
        // A successful mmap never returns address zero when the kernel chooses it.
        let ptr = NonNull::new(ptr.cast::<u8>()).ok_or(Errno::NOMEM)?;
        Ok(Mapping { ptr, len })
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        if self.len == 0 {
            return;
        }
        // SAFETY: `ptr..ptr + len` is the region our `mmap` returned, mapped once and
        // unmapped only here; no reference into it outlives `self` (slices borrow `self`).
        let result = unsafe { rustix::mm::munmap(self.ptr.as_ptr().cast(), self.len) };
        debug_assert!(result.is_ok(), "munmap: {result:?}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unix::SeqpacketConn;

    fn all_seals() -> Seals {
        Seals::WRITE | Seals::SHRINK | Seals::GROW | Seals::SEAL
    }

    #[test]
    fn written_then_sealed_bytes_are_seen_by_a_sealed_map() {
        let memfd = Memfd::create("sealed", 4096).unwrap();
        assert_eq!(memfd.len().unwrap(), 4096);
        memfd.write_all_at(b"hello, door", 100).unwrap();
        memfd.seal(all_seals()).unwrap();
        assert!(memfd.seals().unwrap().contains(all_seals()));

        let map = memfd.map_sealed().unwrap();
        assert_eq!(map.len(), 4096);
        assert_eq!(&map[100..111], b"hello, door");
        assert!(map[..100].iter().all(|&b| b == 0));
    }

    #[test]
    fn an_unsealed_memfd_refuses_a_sealed_map() {
        let memfd = Memfd::create("open", 64).unwrap();
        let err = memfd.map_sealed().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("WRITE"), "{err}");
        // Shrink sealed alone is not enough: the bytes could still change.
        memfd.seal(Seals::SHRINK).unwrap();
        assert_eq!(memfd.map_sealed().unwrap_err().kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn a_sealed_memfd_refuses_to_grow_shrink_or_change() {
        let memfd = Memfd::create("fixed", 64).unwrap();
        memfd.seal(all_seals()).unwrap();
        assert_eq!(memfd.set_len(128).unwrap_err().kind(), io::ErrorKind::PermissionDenied);
        assert_eq!(memfd.set_len(8).unwrap_err().kind(), io::ErrorKind::PermissionDenied);
        assert_eq!(
            memfd.write_all_at(b"x", 0).unwrap_err().kind(),
            io::ErrorKind::PermissionDenied
        );
        assert_eq!(memfd.map_shared().unwrap_err().kind(), io::ErrorKind::PermissionDenied);
        assert_eq!(memfd.seal(Seals::EXEC).unwrap_err().kind(), io::ErrorKind::PermissionDenied);
        assert_eq!(memfd.len().unwrap(), 64);
    }

    #[test]
    fn a_shared_map_writes_and_reads_by_copy_with_bounds_checks() {
        let memfd = Memfd::create("shared", 32).unwrap();
        assert_eq!(memfd.map_shared().unwrap_err().kind(), io::ErrorKind::InvalidInput);
        memfd.seal(Seals::SHRINK).unwrap();

        let mut map = memfd.map_shared().unwrap();
        assert_eq!(map.len(), 32);
        map.write_at(28, b"tail").unwrap();
        assert_eq!(map.write_at(29, b"tail").unwrap_err().kind(), io::ErrorKind::InvalidInput);
        assert_eq!(map.write_at(usize::MAX, b"x").unwrap_err().kind(), io::ErrorKind::InvalidInput);
        let mut out = [0u8; 4];
        map.read_at(28, &mut out).unwrap();
        assert_eq!(&out, b"tail");
        assert!(map.read_at(30, &mut out).is_err());

        // The mapping and the file are the same memory.
        let mut file = [0u8; 4];
        memfd.read_exact_at(&mut file, 28).unwrap();
        assert_eq!(&file, b"tail");

        // SAFETY: this memfd never left the test and has no other mapping.
        let whole = unsafe { map.as_mut_slice() };
        whole[..4].copy_from_slice(b"head");

        // No write seal while a writable mapping exists; once it is gone, seal and share.
        assert_eq!(memfd.seal(Seals::WRITE).unwrap_err().kind(), io::ErrorKind::ResourceBusy);
        drop(map);
        memfd.seal(Seals::WRITE).unwrap();
        let sealed = memfd.map_sealed().unwrap();
        assert_eq!((&sealed[..4], &sealed[28..]), (&b"head"[..], &b"tail"[..]));
    }

    #[test]
    fn a_memfd_from_a_peer_is_checked_and_mapped() {
        let memfd = Memfd::create("passed", 10).unwrap();
        memfd.write_all_at(b"0123456789", 0).unwrap();
        memfd.seal(all_seals()).unwrap();

        let (a, b) = SeqpacketConn::pair().unwrap();
        a.send(b"lease", &[memfd.as_fd()]).unwrap();
        let mut fds = Vec::new();
        b.recv(&mut [0u8; 8], &mut fds).unwrap();
        let received = Memfd::from_fd(fds.pop().unwrap()).unwrap();
        assert_eq!(&*received.map_sealed().unwrap(), b"0123456789");

        let (read, _write) = rustix::pipe::pipe().unwrap();
        assert_eq!(Memfd::from_fd(read).unwrap_err().kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn an_empty_memfd_maps_to_an_empty_slice() {
        let memfd = Memfd::create("empty", 0).unwrap();
        memfd.seal(all_seals()).unwrap();
        assert!(memfd.map_sealed().unwrap().is_empty());
        let mut buf = [0u8; 1];
        assert_eq!(
            memfd.read_exact_at(&mut buf, 0).unwrap_err().kind(),
            io::ErrorKind::UnexpectedEof
        );
    }
}
