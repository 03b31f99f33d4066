//! The C convention for errors: a function fails by setting `errno` and returning `-1`.

use std::ffi::c_int;

/// Sets `errno` to `code` and returns `-1`, for a function to return.
pub(crate) fn fail(code: c_int) -> c_int {
    // SAFETY: `__errno_location` has no precondition; it returns the calling thread's
    // errno.
    let errno = unsafe { libc::__errno_location() };
    // SAFETY: the thread's errno, valid for writing for as long as the thread lives.
    unsafe { *errno = code };
    -1
}

/// The `errno` value of an I/O error (`EIO` if it has none).
pub(crate) fn of(err: &std::io::Error) -> c_int {
    err.raw_os_error().unwrap_or(libc::EIO)
}
