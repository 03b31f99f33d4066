//! `door_call`: a call's arguments and descriptors in, its results where door_call(3C)
//! puts them.
//!
//! A C call is operation 1 of the protocol (the operation every ostiumd mode calls, and the
//! one a C door's procedure serves). The results go in the caller's `rbuf` when they fit
//! (data, then the descriptors at the next multiple of `sizeof(door_desc_t)`); otherwise in
//! a new anonymous mapping the caller releases with `munmap(rbuf, rsize)`. `data_ptr` and
//! `desc_ptr` are pointed at the results only when there are some.

use std::ffi::{c_int, c_uint};
use std::os::fd::{AsFd, BorrowedFd, IntoRawFd, OwnedFd};
use std::ptr;

use ostium::wire::Fault;
use ostium::{CallError, CallOptions, Reply};

use crate::abi::{DESC_SIZE, DOOR_DESCRIPTOR, DOOR_RELEASE, DoorArg, DoorDesc};
use crate::{errno, handles, passing};

/// The operation a C `door_call` calls.
pub const C_CALL: u32 = 1;

/// `door_call(d, params)`: see door_call(3C) and `docs/c.md`.
///
/// # Safety
/// `params` is null or points to a `door_arg_t` whose pointers are valid for their sizes
/// (`data_ptr` for `data_size` bytes, `desc_ptr` for `desc_num` entries, `rbuf` for
/// `rsize` bytes, writable), as door_call(3C) requires.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn door_call(d: c_int, params: *mut DoorArg) -> c_int {
    // SAFETY: the caller's guarantee about `params`.
    let params = unsafe { params.as_mut() };
    // SAFETY: the caller's guarantee about the pointers in `params`.
    match unsafe { call(d, params) } {
        Ok(()) => 0,
        Err(code) => errno::fail(code),
    }
}

/// The call, as `door_call` without errno.
///
/// # Safety
/// As [`door_call`].
unsafe fn call(d: c_int, params: Option<&mut DoorArg>) -> Result<(), c_int> {
    let handle = handles::lookup(d).or_else(|| passing::adopt(d)).ok_or(libc::EBADF)?;
    let client = handle.client()?;
    let Some(params) = params else {
        return client.call(C_CALL, &[]).map(drop).map_err(|err| errno_of(&err));
    };
    // SAFETY: the caller's guarantee about the argument pointers.
    let (data, descs) = unsafe { arguments(params)? };
    let passed = passed_fds(descs)?;
    let fds: Vec<BorrowedFd<'_>> = passed.iter().map(Passed::as_fd).collect();
    let outcome = client.call_with(C_CALL, data, CallOptions { fds: &fds, ..Default::default() });
    drop(fds);
    drop(passed);
    if !matches!(outcome, Err(CallError::NoDoor { .. })) {
        release(descs);
    }
    let reply = outcome.map_err(|err| errno_of(&err))?;
    if reply.status != ostium::wire::Status::Ok {
        return Err(libc::EPROTO);
    }
    // SAFETY: the caller's guarantee about `rbuf`.
    unsafe { place_results(params, reply) }
}

/// The call's data and descriptor entries, as the caller's pointers give them.
///
/// # Safety
/// As [`door_call`].
unsafe fn arguments(params: &DoorArg) -> Result<(&[u8], &[DoorDesc]), c_int> {
    let data: &[u8] = match params.data_size {
        0 => &[],
        _ if params.data_ptr.is_null() => return Err(libc::EFAULT),
        // SAFETY: the caller's guarantee: `data_size` readable bytes at `data_ptr`.
        len => unsafe { std::slice::from_raw_parts(params.data_ptr.cast::<u8>(), len) },
    };
    let descs: &[DoorDesc] = match params.desc_num {
        0 => &[],
        _ if params.desc_ptr.is_null() => return Err(libc::EFAULT),
        // SAFETY: the caller's guarantee: `desc_num` entries at `desc_ptr`.
        n => unsafe { std::slice::from_raw_parts(params.desc_ptr, n as usize) },
    };
    Ok((data, descs))
}

/// A descriptor a call passes: the caller's own, or a new connection to the door it is.
enum Passed<'a> {
    Own(BorrowedFd<'a>),
    Door(OwnedFd),
}

impl Passed<'_> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        match self {
            Passed::Own(fd) => *fd,
            Passed::Door(fd) => fd.as_fd(),
        }
    }
}

/// The descriptors the entries pass, each checked to be marked and open.
fn passed_fds(descs: &[DoorDesc]) -> Result<Vec<Passed<'_>>, c_int> {
    if descs.len() > ostium::wire::MAX_FDS {
        return Err(libc::E2BIG);
    }
    descs
        .iter()
        .map(|desc| {
            let fd = desc.descriptor;
            // SAFETY: F_GETFD reads a flag of a number, open or not.
            let open = unsafe { libc::fcntl(fd, libc::F_GETFD) } >= 0;
            if desc.attributes & DOOR_DESCRIPTOR == 0 || !open {
                return Err(libc::EINVAL);
            }
            if let Some(connection) = passing::outgoing(fd)? {
                return Ok(Passed::Door(connection));
            }
            // SAFETY: `fd` is open (checked just above) and stays so for the call, which
            // the caller makes synchronously with it.
            Ok(Passed::Own(unsafe { BorrowedFd::borrow_raw(fd) }))
        })
        .collect()
}

/// Closes the caller's descriptors marked `DOOR_RELEASE`, once they were passed (or the
/// call failed after they were taken).
fn release(descs: &[DoorDesc]) {
    for desc in descs.iter().filter(|desc| desc.attributes & DOOR_RELEASE != 0) {
        // SAFETY: the caller gave this descriptor away with DOOR_RELEASE: closing it is
        // what it asked for.
        unsafe { crate::open::close(desc.descriptor) };
    }
}

/// Puts the reply's data and descriptors where door_call(3C) says, in `rbuf` or a new
/// mapping, and updates `params` to describe them.
///
/// # Safety
/// `params.rbuf` is null or valid for writing `params.rsize` bytes.
unsafe fn place_results(params: &mut DoorArg, reply: Reply) -> Result<(), c_int> {
    let Reply { data, fds, .. } = reply;
    let descs_at = if fds.is_empty() { data.len() } else { data.len().next_multiple_of(DESC_SIZE) };
    let needed = descs_at + fds.len() * DESC_SIZE;
    if needed > 0 && (params.rbuf.is_null() || needed > params.rsize) {
        let (area, len) = map_results(needed)?;
        params.rbuf = area;
        params.rsize = len;
    }
    let rbuf = params.rbuf.cast::<u8>();
    // SAFETY: `rbuf` holds at least `needed` writable bytes (the caller's, checked against
    // `rsize`, or the mapping just made); the data go first, copied from the reply.
    unsafe { ptr::copy_nonoverlapping(data.as_ptr(), rbuf, data.len()) };
    if !data.is_empty() {
        params.data_ptr = params.rbuf;
    }
    params.data_size = data.len();
    params.desc_num = fds.len() as c_uint;
    if !fds.is_empty() {
        // SAFETY: `descs_at` is within the `needed` bytes of `rbuf`.
        let table = unsafe { rbuf.add(descs_at) }.cast::<DoorDesc>();
        write_descriptors(table, fds);
        params.desc_ptr = table;
    }
    Ok(())
}

/// Writes one `door_desc_t` per received descriptor at `table` (unaligned: the caller's
/// buffer need not be), handing each descriptor to the caller.
fn write_descriptors(table: *mut DoorDesc, fds: Vec<OwnedFd>) {
    for (index, fd) in fds.into_iter().enumerate() {
        let desc = DoorDesc {
            attributes: DOOR_DESCRIPTOR,
            descriptor: fd.into_raw_fd(),
            id: 0,
            reserved: [0; 2],
        };
        // SAFETY: the table has room for one entry per descriptor (`place_results` counted
        // them), so entry `index` is within it.
        let entry = unsafe { table.add(index) };
        // SAFETY: `entry` is within the caller's buffer, writable; `write_unaligned` needs
        // no alignment.
        unsafe { entry.write_unaligned(desc) };
    }
}

/// A new private anonymous mapping of at least `len` bytes, page-rounded, for results that
/// do not fit the caller's buffer.
fn map_results(len: usize) -> Result<(*mut std::ffi::c_char, usize), c_int> {
    let page = rustix::param::page_size();
    let len = len.next_multiple_of(page);
    // SAFETY: a new anonymous mapping, placed by the kernel; nothing else refers to it.
    let area = unsafe {
        rustix::mm::mmap_anonymous(
            ptr::null_mut(),
            len,
            rustix::mm::ProtFlags::READ | rustix::mm::ProtFlags::WRITE,
            rustix::mm::MapFlags::PRIVATE,
        )
    }
    .map_err(|_| libc::EOVERFLOW)?;
    Ok((area.cast(), len))
}

/// The errno a failed call reports, as close as illumos comes (docs/c.md lists them).
fn errno_of(err: &CallError) -> c_int {
    match err {
        CallError::NoDoor { .. } | CallError::Fault(Fault::Revoked) => libc::EBADF,
        CallError::ServerDeath { .. } | CallError::Fault(Fault::HandlerPanicked) => libc::EINTR,
        CallError::Fault(Fault::RequestTooLarge) => libc::ENOBUFS,
        CallError::Fault(Fault::DescriptorsRefused) => libc::ENOTSUP,
        CallError::Fault(Fault::TooManyDescriptors) => libc::ENFILE,
        CallError::Fault(Fault::AccessViolation) => libc::EACCES,
        CallError::Fault(Fault::ReplyTooLarge) => libc::EOVERFLOW,
        CallError::Fault(_) => libc::EINVAL,
        CallError::Invalid(_) => libc::EINVAL,
        CallError::Io(err) => errno::of(err),
        _ => libc::EIO,
    }
}
