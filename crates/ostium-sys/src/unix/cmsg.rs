//! The kernel's control-message layout, and parsing the control data `recvmsg` returns.
//!
//! Control messages are read from a byte slice with bounds checks, never through
//! pointers; the sizes here are checked against libc's `CMSG_LEN` and `CMSG_SPACE` by a test.
//!
//! # Safety
//!
//! The one `unsafe` block takes ownership of a descriptor received with `SCM_RIGHTS`: the
//! kernel has just installed it for us, and each number is taken exactly once.

use std::mem::size_of;
use std::os::fd::{FromRawFd, OwnedFd};

use super::{Credentials, MAX_FDS};

// The kernel's control message layout (`struct cmsghdr` in include/linux/socket.h):
// `size_t cmsg_len` (header included), `int cmsg_level`, `int cmsg_type`, then the data;
// each header starts at a multiple of `sizeof(long)` from the start of the buffer.
const WORD: usize = size_of::<usize>();
const CMSG_HEADER: usize = cmsg_align(WORD + 8);
pub(super) const FD_SIZE: usize = size_of::<libc::c_int>();
pub(super) const UCRED_SIZE: usize = size_of::<libc::ucred>();
pub(super) const RECV_CONTROL_SPACE: usize = cmsg_space(MAX_FDS * FD_SIZE) + cmsg_space(UCRED_SIZE);
pub(super) const SEND_CONTROL_SPACE: usize =
    rustix::cmsg_space!(ScmRights(MAX_FDS), ScmCredentials(1));

const fn cmsg_align(len: usize) -> usize {
    len.next_multiple_of(WORD)
}

/// Room for one control message with `len` bytes of data (`CMSG_SPACE`).
pub(super) const fn cmsg_space(len: usize) -> usize {
    CMSG_HEADER + cmsg_align(len)
}

/// Takes ownership of every descriptor in `control` (appending them to `fds`) and returns
/// the credentials, if any. Other control messages are ignored; a malformed one ends the walk.
pub(super) fn take_control_messages(
    mut control: &[u8],
    fds: &mut Vec<OwnedFd>,
) -> Option<Credentials> {
    let mut credentials = None;
    while let Some(header) = control.get(..CMSG_HEADER) {
        let len = usize::from_ne_bytes(word(header, 0));
        let level = i32::from_ne_bytes(word(header, WORD));
        let kind = i32::from_ne_bytes(word(header, WORD + 4));
        // A control message cut short (MSG_CTRUNC) claims at most what the buffer holds.
        let Some(data) = control.get(CMSG_HEADER..len.min(control.len())) else { break };
        match (level, kind) {
            (libc::SOL_SOCKET, libc::SCM_RIGHTS) => {
                for raw in
                    data.chunks_exact(FD_SIZE).map(|bytes| i32::from_ne_bytes(word(bytes, 0)))
                {
                    if raw >= 0 {
                        // SAFETY: with SCM_RIGHTS the kernel has just installed this
                        // descriptor in our table for this message; no one else knows its
                        // number, and each number appears once, so it gets exactly one owner.
                        fds.push(unsafe { OwnedFd::from_raw_fd(raw) });
                    }
                }
            }
            (libc::SOL_SOCKET, libc::SCM_CREDENTIALS) if data.len() >= UCRED_SIZE => {
                let pid = i32::from_ne_bytes(word(data, 0));
                let uid = u32::from_ne_bytes(word(data, 4));
                let gid = u32::from_ne_bytes(word(data, 8));
                credentials = Some(Credentials::from_raw(pid, uid, gid));
            }
            _ => {}
        }
        control = control.get(cmsg_align(len)..).unwrap_or_default();
    }
    credentials
}

/// The `N` bytes of `bytes` at `at`; the callers have checked the length.
fn word<const N: usize>(bytes: &[u8], at: usize) -> [u8; N] {
    let mut out = [0; N];
    out.copy_from_slice(&bytes[at..at + N]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_layout_matches_libc() {
        // SAFETY: CMSG_LEN only computes a size.
        let header = unsafe { libc::CMSG_LEN(0) };
        // SAFETY: CMSG_SPACE only computes a size.
        let space = unsafe { libc::CMSG_SPACE(5) };
        assert_eq!(CMSG_HEADER, header as usize);
        assert_eq!(cmsg_space(5), space as usize);
    }
}
