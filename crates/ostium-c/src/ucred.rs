//! Who called: `door_ucred` and `door_cred` for a door's procedure, `ucred_get` and
//! `getpeerucred` for any process, and the `ucred_get*` accessors of `<ucred.h>`.
//!
//! The effective user and group and the process id are the kernel's (`SO_PEERCRED`, taken
//! when the caller connected: they cannot be forged). The real and saved ids and the
//! supplementary groups are read from `/proc/PID/status` when asked, and only believed if
//! that process still has the effective ids the kernel reported (else they are the
//! effective ones, and no groups). Linux has no zones, projects, privilege sets or labels:
//! their accessors fail with `EINVAL`, as illumos's do for missing information.

use std::ffi::c_int;
use std::os::fd::BorrowedFd;

use ostium::Caller;

use crate::errno;
use crate::serve::current_caller;

/// `ucred_t`: a process's credentials.
#[derive(Debug, Clone, Default)]
pub struct Ucred {
    euid: u32,
    ruid: u32,
    suid: u32,
    egid: u32,
    rgid: u32,
    sgid: u32,
    pid: i32,
    groups: Vec<libc::gid_t>,
}

/// `door_cred_t`.
#[repr(C)]
#[derive(Debug)]
pub struct DoorCred {
    /// `dc_euid`.
    pub euid: libc::uid_t,
    /// `dc_egid`.
    pub egid: libc::gid_t,
    /// `dc_ruid`.
    pub ruid: libc::uid_t,
    /// `dc_rgid`.
    pub rgid: libc::gid_t,
    /// `dc_pid`.
    pub pid: libc::pid_t,
    /// `dc_resv`.
    pub reserved: [c_int; 4],
}

impl Ucred {
    /// The credentials of `caller`, completed from `/proc` (see the module doc).
    fn of(caller: Caller) -> Ucred {
        let pid = caller.pid.and_then(|pid| i32::try_from(pid).ok()).unwrap_or(-1);
        let kernel = Ucred {
            euid: caller.uid,
            ruid: caller.uid,
            suid: caller.uid,
            egid: caller.gid,
            rgid: caller.gid,
            sgid: caller.gid,
            pid,
            groups: Vec::new(),
        };
        match caller.pid.and_then(from_proc) {
            Some(full) if full.euid == kernel.euid && full.egid == kernel.egid => full,
            _ => kernel,
        }
    }
}

/// A process's credentials from `/proc/PID/status`.
fn from_proc(pid: u32) -> Option<Ucred> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let ids = |key: &str| -> Option<Vec<u32>> {
        let line = status.lines().find_map(|line| line.strip_prefix(key))?;
        line.split_whitespace().map(|n| n.parse().ok()).collect()
    };
    let (uids, gids) = (ids("Uid:")?, ids("Gid:")?);
    let groups = ids("Groups:").unwrap_or_default();
    Some(Ucred {
        ruid: *uids.first()?,
        euid: *uids.get(1)?,
        suid: *uids.get(2)?,
        rgid: *gids.first()?,
        egid: *gids.get(1)?,
        sgid: *gids.get(2)?,
        pid: i32::try_from(pid).ok()?,
        groups,
    })
}

/// `door_ucred(info)`: the credentials of the caller of the call this thread's procedure
/// answers, into `*info` (allocated if it is NULL; free with `ucred_free`).
///
/// # Safety
/// `info` is null (`EFAULT`) or valid for reading and writing a `ucred_t *`, which is null
/// or a `ucred_t` libdoor made.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn door_ucred(info: *mut *mut Ucred) -> c_int {
    let Some(caller) = current_caller() else { return errno::fail(libc::EINVAL) };
    if info.is_null() {
        return errno::fail(libc::EFAULT);
    }
    // SAFETY: the caller's guarantee is `store`'s.
    unsafe { store(info, Ucred::of(caller)) };
    0
}

/// Stores `found` in `*slot`: in the `ucred_t` it points to, or a new one if it is null.
///
/// # Safety
/// `slot` is valid for reading and writing a `ucred_t *`, which is null or a `ucred_t`
/// libdoor made.
unsafe fn store(slot: *mut *mut Ucred, found: Ucred) {
    // SAFETY: the caller's guarantee.
    let slot = unsafe { &mut *slot };
    match slot.is_null() {
        true => *slot = Box::into_raw(Box::new(found)),
        // SAFETY: `*slot` is a `ucred_t` libdoor made (the caller's guarantee).
        false => unsafe { **slot = found },
    }
}

/// `door_cred(info)`: the obsolete form of `door_ucred`.
///
/// # Safety
/// `info` is null (`EFAULT`) or valid for writing a `door_cred_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn door_cred(info: *mut DoorCred) -> c_int {
    let Some(caller) = current_caller() else { return errno::fail(libc::EINVAL) };
    if info.is_null() {
        return errno::fail(libc::EFAULT);
    }
    let found = Ucred::of(caller);
    let cred = DoorCred {
        euid: found.euid,
        egid: found.egid,
        ruid: found.ruid,
        rgid: found.rgid,
        pid: found.pid,
        reserved: [0; 4],
    };
    // SAFETY: the caller's guarantee.
    unsafe { info.write(cred) };
    0
}

/// `ucred_get(pid)`: the credentials of process `pid` (`P_MYID`, -1, for this one); NULL
/// with errno `ESRCH` if there is none.
#[unsafe(no_mangle)]
pub extern "C" fn ucred_get(pid: libc::pid_t) -> *mut Ucred {
    let pid = if pid == -1 { std::process::id() } else { pid as u32 };
    match from_proc(pid) {
        Some(found) => Box::into_raw(Box::new(found)),
        None => {
            errno::fail(libc::ESRCH);
            std::ptr::null_mut()
        }
    }
}

/// `getpeerucred(fd, ucred)`: the credentials of the process at the other end of the
/// connected socket `fd`.
///
/// # Safety
/// As [`door_ucred`]'s `info`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn getpeerucred(fd: c_int, ucred: *mut *mut Ucred) -> c_int {
    if ucred.is_null() {
        return errno::fail(libc::EFAULT);
    }
    // SAFETY: F_GETFD reads a flag of a number, open or not.
    if unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 {
        return errno::fail(libc::EBADF);
    }
    // SAFETY: `fd` is open (checked) for the duration of this call.
    let socket = unsafe { BorrowedFd::borrow_raw(fd) };
    let cred = match rustix::net::sockopt::socket_peercred(socket) {
        Ok(cred) => cred,
        Err(err) => return errno::fail(err.raw_os_error()),
    };
    let caller = Caller {
        pid: u32::try_from(cred.pid.as_raw_nonzero().get()).ok(),
        uid: cred.uid.as_raw(),
        gid: cred.gid.as_raw(),
    };
    // SAFETY: the caller's guarantee is `store`'s.
    unsafe { store(ucred, Ucred::of(caller)) };
    0
}

/// `ucred_free(uc)`.
///
/// # Safety
/// `uc` is null or a `ucred_t` libdoor made, not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ucred_free(uc: *mut Ucred) {
    if !uc.is_null() {
        // SAFETY: the caller's guarantee: libdoor made it with `Box::into_raw`.
        drop(unsafe { Box::from_raw(uc) });
    }
}

/// `ucred_size()`: the size of a `ucred_t`.
#[unsafe(no_mangle)]
pub extern "C" fn ucred_size() -> usize {
    size_of::<Ucred>()
}

/// Reads a field of `uc`, or fails with `EINVAL` (as illumos does for missing information)
/// and returns `missing`.
///
/// # Safety
/// `uc` is null or a `ucred_t` libdoor made.
unsafe fn field<T>(uc: *const Ucred, read: impl FnOnce(&Ucred) -> T, missing: T) -> T {
    // SAFETY: the caller's guarantee.
    match unsafe { uc.as_ref() } {
        Some(uc) => read(uc),
        None => {
            errno::fail(libc::EINVAL);
            missing
        }
    }
}

macro_rules! accessor {
    ($($doc:literal $name:ident -> $ty:ty = $field:ident;)*) => {$(
        #[doc = $doc]
        ///
        /// # Safety
        /// `uc` is null (`EINVAL`) or a `ucred_t` libdoor made.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $name(uc: *const Ucred) -> $ty {
            // SAFETY: the caller's guarantee.
            unsafe { field(uc, |uc| uc.$field as $ty, !0) }
        }
    )*};
}

accessor! {
    "`ucred_geteuid(uc)`: the effective user id." ucred_geteuid -> libc::uid_t = euid;
    "`ucred_getruid(uc)`: the real user id." ucred_getruid -> libc::uid_t = ruid;
    "`ucred_getsuid(uc)`: the saved user id." ucred_getsuid -> libc::uid_t = suid;
    "`ucred_getegid(uc)`: the effective group id." ucred_getegid -> libc::gid_t = egid;
    "`ucred_getrgid(uc)`: the real group id." ucred_getrgid -> libc::gid_t = rgid;
    "`ucred_getsgid(uc)`: the saved group id." ucred_getsgid -> libc::gid_t = sgid;
    "`ucred_getpid(uc)`: the process id (-1 if unknown)." ucred_getpid -> libc::pid_t = pid;
}

/// `ucred_getgroups(uc, groups)`: the supplementary groups: their number, with `*groups`
/// pointing at them (valid until `ucred_free`).
///
/// # Safety
/// `uc` is null (`EINVAL`) or a `ucred_t` libdoor made; `groups` is null or valid for
/// writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ucred_getgroups(
    uc: *const Ucred,
    groups: *mut *const libc::gid_t,
) -> c_int {
    // SAFETY: the caller's guarantee.
    let Some(uc) = (unsafe { uc.as_ref() }) else { return errno::fail(libc::EINVAL) };
    if !groups.is_null() {
        // SAFETY: the caller's guarantee.
        unsafe { groups.write(uc.groups.as_ptr()) };
    }
    c_int::try_from(uc.groups.len()).unwrap_or(c_int::MAX)
}

/// `ucred_getzoneid(uc)`: Linux has no zones: -1, `EINVAL`.
#[unsafe(no_mangle)]
pub extern "C" fn ucred_getzoneid(_uc: *const Ucred) -> c_int {
    errno::fail(libc::EINVAL)
}

/// `ucred_getprojid(uc)`: Linux has no projects: -1, `EINVAL`.
#[unsafe(no_mangle)]
pub extern "C" fn ucred_getprojid(_uc: *const Ucred) -> c_int {
    errno::fail(libc::EINVAL)
}
