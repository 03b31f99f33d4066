//! `open` of a door: the libc functions that open a path are interposed, so that a program
//! opens a door as it does on illumos, with the `open` it already calls.
//!
//! Every call goes to the kernel first (`openat(2)`, unchanged). Opening a Unix socket fails
//! there with `ENXIO`; only then is the path tried as a door: connected as a
//! `SOCK_SEQPACKET` client, and the protocol's `HELLO` exchanged. A door gives a descriptor
//! connected to it, registered in [`handles`](crate::handles); anything else keeps the
//! kernel's `ENXIO`. A program that never opens a door sees no difference.
//!
//! `close`, `dup2`, `dup3` and `close_range` are interposed so that a door descriptor is
//! forgotten before its number can be reused.

use std::ffi::{CStr, OsStr, c_char, c_int, c_uint};
use std::os::fd::{AsRawFd, IntoRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use ostium::Client;
use ostium_sys::unix::SeqpacketConn;

use crate::{errno, handles};

/// Defines interposed functions that open through [`open_at`]: `path` relative to the
/// working directory or to a `dirfd`, with a `mode` or (the `_FORTIFY_SOURCE` forms)
/// without one.
macro_rules! interpose {
    ($($doc:literal $name:ident (path, flags, mode);)*) => {$(
        #[doc = $doc]
        ///
        /// # Safety
        /// As `open(2)`: `path` is a NUL-terminated string; `mode` is read only with
        /// `O_CREAT` or `O_TMPFILE` (it is the variadic argument, passed where a third
        /// argument goes).
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $name(
            path: *const c_char,
            flags: c_int,
            mode: libc::mode_t,
        ) -> c_int {
            // SAFETY: the caller's guarantees are `open_at`'s.
            unsafe { open_at(libc::AT_FDCWD, path, flags, mode) }
        }
    )*};
    ($($doc:literal $name:ident (dirfd, path, flags, mode);)*) => {$(
        #[doc = $doc]
        ///
        /// # Safety
        /// As `openat(2)`: `dirfd` is a directory descriptor or `AT_FDCWD`, `path` a
        /// NUL-terminated string; `mode` is read only with `O_CREAT` or `O_TMPFILE`.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $name(
            dirfd: c_int,
            path: *const c_char,
            flags: c_int,
            mode: libc::mode_t,
        ) -> c_int {
            // SAFETY: the caller's guarantees are `open_at`'s.
            unsafe { open_at(dirfd, path, flags, mode) }
        }
    )*};
    ($($doc:literal $name:ident (path, flags);)*) => {$(
        #[doc = $doc]
        ///
        /// # Safety
        /// As `open(2)` without a mode: `path` is a NUL-terminated string.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $name(path: *const c_char, flags: c_int) -> c_int {
            // SAFETY: the caller's guarantees are `open_at`'s; no mode, as none is needed.
            unsafe { open_at(libc::AT_FDCWD, path, flags, 0) }
        }
    )*};
    ($($doc:literal $name:ident (dirfd, path, flags);)*) => {$(
        #[doc = $doc]
        ///
        /// # Safety
        /// As `openat(2)` without a mode.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $name(dirfd: c_int, path: *const c_char, flags: c_int) -> c_int {
            // SAFETY: the caller's guarantees are `open_at`'s; no mode, as none is needed.
            unsafe { open_at(dirfd, path, flags, 0) }
        }
    )*};
}

interpose! {
    "`open(2)`, a door included." open(path, flags, mode);
    "`open64`: `open` (offsets are 64-bit on every Linux this builds for)." open64(path, flags, mode);
}
interpose! {
    "`openat(2)`, a door included." openat(dirfd, path, flags, mode);
    "`openat64`: `openat`." openat64(dirfd, path, flags, mode);
}
interpose! {
    "`__open_2`: `open` under `_FORTIFY_SOURCE` when no mode is passed." __open_2(path, flags);
    "`__open64_2`: `__open_2`." __open64_2(path, flags);
}
interpose! {
    "`__openat_2`: `openat` under `_FORTIFY_SOURCE` with no mode." __openat_2(dirfd, path, flags);
    "`__openat64_2`: `__openat_2`." __openat64_2(dirfd, path, flags);
}

/// `close(2)`, which forgets a door descriptor first.
///
/// # Safety
/// As `close(2)`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn close(fd: c_int) -> c_int {
    handles::forget(fd);
    // SAFETY: the raw system call, as libc's `close` makes it; `syscall` sets errno.
    unsafe { libc::syscall(libc::SYS_close, fd) as c_int }
}

/// `dup2(2)`, which forgets a door descriptor it closes (`newfd`).
///
/// # Safety
/// As `dup2(2)`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dup2(oldfd: c_int, newfd: c_int) -> c_int {
    if oldfd == newfd {
        // dup2 of a number onto itself closes nothing: it checks the number.
        // SAFETY: F_GETFD reads a flag of a number, open or not; it sets errno.
        return match unsafe { libc::fcntl(oldfd, libc::F_GETFD) } {
            -1 => -1,
            _ => newfd,
        };
    }
    handles::forget(newfd);
    // SAFETY: the raw system call (dup3 without flags is dup2 for distinct numbers, and
    // is the one every Linux architecture has); `syscall` sets errno.
    unsafe { libc::syscall(libc::SYS_dup3, oldfd, newfd, 0) as c_int }
}

/// `dup3(2)`, which forgets a door descriptor it closes (`newfd`).
///
/// # Safety
/// As `dup3(2)`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dup3(oldfd: c_int, newfd: c_int, flags: c_int) -> c_int {
    if oldfd != newfd {
        handles::forget(newfd);
    }
    // SAFETY: the raw system call; `syscall` sets errno.
    unsafe { libc::syscall(libc::SYS_dup3, oldfd, newfd, flags) as c_int }
}

/// `close_range(2)`, which forgets the door descriptors it closes.
///
/// # Safety
/// As `close_range(2)`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn close_range(first: c_uint, last: c_uint, flags: c_int) -> c_int {
    // CLOSE_RANGE_CLOEXEC marks them close-on-exec rather than closing them.
    if flags & libc::CLOSE_RANGE_CLOEXEC as c_int == 0 {
        let clamp = |n: c_uint| c_int::try_from(n).unwrap_or(c_int::MAX);
        handles::forget_range(clamp(first), clamp(last));
    }
    // SAFETY: the raw system call; `syscall` sets errno.
    unsafe { libc::syscall(libc::SYS_close_range, first, last, flags) as c_int }
}

/// The kernel's `openat`, then the door if the kernel says `ENXIO`.
///
/// # Safety
/// `path` is a NUL-terminated string (or null, which the kernel refuses with `EFAULT`).
unsafe fn open_at(dirfd: c_int, path: *const c_char, flags: c_int, mode: libc::mode_t) -> c_int {
    // SAFETY: the raw system call with the caller's arguments, as libc's `openat` makes
    // it (the kernel checks the pointer); `syscall` sets errno on failure.
    let fd = unsafe { libc::syscall(libc::SYS_openat, dirfd, path, flags, mode) } as c_int;
    if fd >= 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ENXIO) {
        return fd;
    }
    // SAFETY: the kernel has just read `path` as a NUL-terminated string.
    let path = Path::new(OsStr::from_bytes(unsafe { CStr::from_ptr(path) }.to_bytes()));
    match open_door(dirfd, path, flags) {
        Some(fd) => fd,
        // Not a door: the kernel's answer stands.
        None => errno::fail(libc::ENXIO),
    }
}

/// Connects to the door at `path` (relative to `dirfd`) and registers the descriptor;
/// `None` if it is not a door that answers.
fn open_door(dirfd: c_int, path: &Path, flags: c_int) -> Option<c_int> {
    let path = resolve(dirfd, path)?;
    let socket = SeqpacketConn::connect(&path).ok()?;
    let server_pid = socket.peer_cred().ok().and_then(|cred| cred.pid);
    let socket = OwnedFd::from(socket);
    let client = Client::adopt(&path, socket.try_clone().ok()?).ok()?;
    if flags & libc::O_CLOEXEC == 0 {
        rustix::io::fcntl_setfd(&socket, rustix::io::FdFlags::empty()).ok()?;
    }
    handles::register(socket.as_raw_fd(), handles::Door::Opened { client, server_pid }).ok()?;
    Some(socket.into_raw_fd())
}

/// `path` as one that stays valid whatever the working directory becomes: relative to
/// `dirfd` (through `/proc/self/fd`) or to the current directory.
fn resolve(dirfd: c_int, path: &Path) -> Option<PathBuf> {
    if path.is_absolute() {
        return Some(path.to_path_buf());
    }
    if dirfd == libc::AT_FDCWD {
        return std::path::absolute(path).ok();
    }
    std::fs::read_link(format!("/proc/self/fd/{dirfd}")).ok().map(|dir| dir.join(path))
}
