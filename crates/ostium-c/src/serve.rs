//! A created door's calls, each run through its C procedure: the bridge between an
//! [`ostium::Door`]'s handler and illumos's `door_return`.
//!
//! The handler copies the arguments (the procedure may write them, as on illumos where they
//! are on its stack), hands it the received descriptors (it owns them), and runs it through
//! `ostium_c_run_procedure` (`src/jump.c`). The procedure ends with `door_return`, which
//! stashes the results for this thread and jumps back, never returning; the handler
//! answers with them. A procedure that returns by itself has failed its caller: illumos
//! ends that thread and the caller's `door_call` fails with `EINTR`; here the caller gets the
//! same `EINTR` (the `HANDLER_PANICKED` fault) and the thread goes on serving.
//!
//! `door_return` outside a procedure (the main thread's `door_return(NULL, 0, NULL, 0)`,
//! or a thread the server creation function started) makes the thread a server thread of
//! its pool for good ([`threads`](crate::threads)). Unreferenced
//! notifications ([`deliver_unref`]) run the procedure the same way, on the thread that
//! saw the last connection close.

use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_uint, c_void};
use std::os::fd::{FromRawFd, IntoRawFd, OwnedFd};
use std::sync::Arc;

use ostium::wire::Fault;
use ostium::{Answer, Caller, Request};

use crate::abi::{DOOR_DESCRIPTOR, DOOR_RELEASE, DoorDesc};
use crate::errno;
use crate::local::{LocalDoor, Procedure};

unsafe extern "C" {
    /// Runs `procedure` at a spot `ostium_c_jump_back` returns to: 1 if it did, 0 if the
    /// procedure returned by itself (`src/jump.c`).
    fn ostium_c_run_procedure(
        procedure: Procedure,
        cookie: *mut c_void,
        argp: *mut c_char,
        arg_size: usize,
        dp: *mut c_void,
        n_desc: c_uint,
    ) -> c_int;
    /// Whether this thread runs a procedure now.
    fn ostium_c_in_procedure() -> c_int;
    /// Jumps back to the spot of the procedure this thread runs.
    fn ostium_c_jump_back() -> !;
}

/// The call a thread's procedure is answering.
struct Call {
    caller: Caller,
    /// What `door_return` stashed.
    results: Option<(Vec<u8>, Vec<OwnedFd>)>,
    /// A fault to answer with instead of results.
    fault: Option<Fault>,
}

thread_local! {
    static CALL: RefCell<Option<Call>> = const { RefCell::new(None) };
    /// The copy of a call's arguments the procedure gets, kept from one call to the next
    /// so that a call costs no allocation for it.
    static ARGS: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// The caller of the call this thread answers, if it answers one.
pub fn current_caller() -> Option<Caller> {
    CALL.with_borrow(|call| call.as_ref().map(|call| call.caller))
}

/// The handler of `door`'s calls.
pub fn handler(door: Arc<LocalDoor>) -> impl Fn(Request<'_>) -> Answer + Send + Sync + 'static {
    move |request| answer(&door, request)
}

fn answer(door: &LocalDoor, request: Request<'_>) -> Answer {
    if door.attributes & crate::abi::DOOR_REFUSE_DESC != 0 && !request.fds.is_empty() {
        return Answer::fault(Fault::DescriptorsRefused);
    }
    if let Err(fault) = door.params.admit(request.args.len(), request.fds.len()) {
        return Answer::fault(fault);
    }
    let mut args = ARGS.take();
    args.clear();
    args.extend_from_slice(request.args);
    let mut descs: Vec<DoorDesc> = request
        .fds
        .into_iter()
        .map(|fd| DoorDesc {
            attributes: DOOR_DESCRIPTOR,
            descriptor: fd.into_raw_fd(),
            id: 0,
            reserved: [0; 2],
        })
        .collect();
    CALL.set(Some(Call { caller: request.caller, results: None, fault: None }));
    let argp = if args.is_empty() { std::ptr::null_mut() } else { args.as_mut_ptr().cast() };
    let dp = if descs.is_empty() { std::ptr::null_mut() } else { descs.as_mut_ptr().cast() };
    // SAFETY: the procedure is the one `door_create` was given, called as its type says:
    // the arguments and descriptor table live in this frame, below the spot it jumps
    // back to, for as long as it runs.
    let ended_with_return = unsafe {
        ostium_c_run_procedure(
            door.procedure,
            door.cookie as *mut c_void,
            argp,
            args.len(),
            dp,
            descs.len() as c_uint,
        )
    } == 1;
    ARGS.set(args);
    let call = CALL.take();
    match call.map(|call| (call.fault, call.results)) {
        Some((Some(fault), _)) if ended_with_return => Answer::fault(fault),
        Some((None, Some((data, fds)))) if ended_with_return => Answer::ok(data).with_fds(fds),
        _ => Answer::fault(Fault::HandlerPanicked),
    }
}

/// Calls `door`'s procedure with `DOOR_UNREF_DATA` and nothing else, as an unreferenced
/// notification; whatever it returns is dropped.
pub fn deliver_unref(door: &LocalDoor) {
    let myself = Caller {
        pid: Some(std::process::id()),
        uid: rustix::process::geteuid().as_raw(),
        gid: rustix::process::getegid().as_raw(),
    };
    CALL.set(Some(Call { caller: myself, results: None, fault: None }));
    // SAFETY: the procedure `door_create` was given, called as illumos calls it for an
    // unreferenced notification: DOOR_UNREF_DATA ((void *)1), no data, no descriptors.
    unsafe {
        ostium_c_run_procedure(
            door.procedure,
            door.cookie as *mut c_void,
            UNREF_DATA as *mut c_char,
            0,
            std::ptr::null_mut(),
            0,
        )
    };
    CALL.take();
}

/// `DOOR_UNREF_DATA`: the argument pointer of an unreferenced notification.
const UNREF_DATA: usize = 1;

/// `door_return(data_ptr, data_size, desc_ptr, num_desc)`: sends the results to the
/// caller and goes back to serving; never returns unless the results are malformed. See
/// door_return(3C) and `docs/c.md`.
///
/// # Safety
/// `data_ptr` is valid for `data_size` bytes and `desc_ptr` for `num_desc` entries (each
/// may be null when its count is 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn door_return(
    data_ptr: *mut c_char,
    data_size: usize,
    desc_ptr: *mut DoorDesc,
    num_desc: c_uint,
) -> c_int {
    // SAFETY: no precondition.
    if unsafe { ostium_c_in_procedure() } == 0 {
        crate::threads::serve_forever();
    }
    // SAFETY: the caller's guarantees are `stash`'s.
    if let Err(code) = unsafe { stash(data_ptr, data_size, desc_ptr, num_desc) } {
        return errno::fail(code);
    }
    // SAFETY: this thread runs a procedure (checked above), so there is a spot to jump to;
    // nothing in this frame needs dropping (`stash` has returned and took all it made).
    unsafe { ostium_c_jump_back() }
}

/// Answers the call this thread's procedure serves with `data` and `fds`, and jumps back
/// as `door_return` does; -1 with errno `EINVAL` if the thread serves no call.
pub fn return_results(data: Vec<u8>, fds: Vec<OwnedFd>) -> c_int {
    let stashed = CALL.with_borrow_mut(|call| match call {
        Some(call) => {
            call.results = Some((data, fds));
            true
        }
        None => false,
    });
    jump_back_if(stashed)
}

/// Answers the call this thread's procedure serves with `fault`, and jumps back; -1 with
/// errno `EINVAL` if the thread serves no call.
pub fn return_fault(fault: Fault) -> c_int {
    let stashed = CALL.with_borrow_mut(|call| match call {
        Some(call) => {
            call.fault = Some(fault);
            true
        }
        None => false,
    });
    jump_back_if(stashed)
}

/// Jumps back to the procedure's spot if `stashed`; nothing of the caller's may need
/// dropping (its results were moved into the thread's call).
fn jump_back_if(stashed: bool) -> c_int {
    // SAFETY: no precondition.
    if !stashed || unsafe { ostium_c_in_procedure() } == 0 {
        return errno::fail(libc::EINVAL);
    }
    // SAFETY: this thread runs a procedure (checked), so there is a spot to jump to; this
    // frame holds nothing to drop.
    unsafe { ostium_c_jump_back() }
}

/// Copies the results for the handler to send: the data, and the descriptors (duplicated,
/// or taken if marked `DOOR_RELEASE`).
///
/// # Safety
/// As [`door_return`].
unsafe fn stash(
    data_ptr: *const c_char,
    data_size: usize,
    desc_ptr: *const DoorDesc,
    num_desc: c_uint,
) -> Result<(), c_int> {
    let data = match data_size {
        0 => Vec::new(),
        _ if data_ptr.is_null() => return Err(libc::EFAULT),
        // SAFETY: the caller's guarantee.
        len => unsafe { std::slice::from_raw_parts(data_ptr.cast::<u8>(), len) }.to_vec(),
    };
    let descs: &[DoorDesc] = match num_desc {
        0 => &[],
        _ if desc_ptr.is_null() => return Err(libc::EFAULT),
        // SAFETY: the caller's guarantee.
        n => unsafe { std::slice::from_raw_parts(desc_ptr, n as usize) },
    };
    if descs.len() > ostium::wire::MAX_FDS {
        return Err(libc::E2BIG);
    }
    let fds = descs.iter().map(passed_fd).collect::<Result<Vec<OwnedFd>, c_int>>()?;
    CALL.with_borrow_mut(|call| match call {
        Some(call) => {
            call.results = Some((data, fds));
            Ok(())
        }
        None => Err(libc::EINVAL),
    })
}

/// The descriptor an entry passes, as one the handler owns: a new connection if it is a
/// door ([`passing`](crate::passing)), else the caller's own if it released it, or a
/// duplicate.
fn passed_fd(desc: &DoorDesc) -> Result<OwnedFd, c_int> {
    let fd = desc.descriptor;
    if desc.attributes & DOOR_DESCRIPTOR == 0 {
        return Err(libc::EINVAL);
    }
    if let Some(connection) = crate::passing::outgoing(fd)? {
        // A door travels as a new connection to it; released, the procedure's is closed.
        if desc.attributes & DOOR_RELEASE != 0 {
            // SAFETY: the procedure gave this descriptor away with DOOR_RELEASE; closed
            // through libdoor's `close`, which forgets the door first.
            unsafe { crate::open::close(fd) };
        }
        return Ok(connection);
    }
    if desc.attributes & DOOR_RELEASE != 0 {
        // SAFETY: F_GETFD reads a flag of a number, open or not.
        if unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 {
            return Err(libc::EINVAL);
        }
        // SAFETY: the procedure gave this open descriptor away with DOOR_RELEASE: it is
        // ours to close once sent.
        return Ok(unsafe { OwnedFd::from_raw_fd(fd) });
    }
    // SAFETY: F_DUPFD_CLOEXEC makes a new number of an open descriptor, or fails (EBADF).
    let copy = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) };
    if copy < 0 {
        return Err(libc::EINVAL);
    }
    // SAFETY: `copy` is a new descriptor, owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(copy) })
}
