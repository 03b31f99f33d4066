//! Dropping root: becoming another user and group for good, in every thread.
//!
//! A daemon binds its ports as root, then gives root up. The kernel keeps credentials per
//! thread; glibc's `setgroups`, `setresgid` and `setresuid` change them in every thread of
//! the process at once (it signals each thread to make the same change), which rustix's
//! per-thread calls do not: so these go through libc.

use std::io;

/// `setgroups([gid])`, `setresgid(gid, gid, gid)`, `setresuid(uid, uid, uid)`: the process,
/// every thread of it, becomes `uid`:`gid` with no supplementary groups, for good (the
/// saved ids too, so root cannot be taken back). Group first: once the user is not root,
/// the groups could no longer be changed.
pub fn drop_privileges(uid: u32, gid: u32) -> io::Result<()> {
    let groups = [gid];
    // SAFETY: `groups` is a live array of one gid for the duration of the call, and its
    // length is the one passed.
    if unsafe { libc::setgroups(1, groups.as_ptr()) } != 0 {
        return Err(named("setgroups"));
    }
    // SAFETY: plain integer arguments; glibc applies the change to every thread.
    if unsafe { libc::setresgid(gid, gid, gid) } != 0 {
        return Err(named("setresgid"));
    }
    // SAFETY: as above.
    if unsafe { libc::setresuid(uid, uid, uid) } != 0 {
        return Err(named("setresuid"));
    }
    Ok(())
}

/// The effective user id of the calling thread (the one permission checks use).
pub fn effective_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

fn named(call: &str) -> io::Error {
    let err = io::Error::last_os_error();
    io::Error::new(err.kind(), format!("{call}: {err}"))
}
