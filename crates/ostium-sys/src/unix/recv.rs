//! Receiving on a [`SeqpacketConn`]: [`recv`](SeqpacketConn::recv) and
//! [`recv_vectored`](SeqpacketConn::recv_vectored), what they report ([`Received`]), and how
//! a message that does not fit is refused ([`Truncated`]).
//!
//! # Safety
//!
//! `recvmsg` is called directly (the `unix` module doc says why not through rustix), with a
//! `msghdr` pointing at the caller's buffers and at a control buffer on our stack, both
//! borrowed for the duration of the call. The control data it fills is parsed as bytes by
//! `cmsg`, which also takes ownership of the descriptors.

use std::io::{self, IoSliceMut};
use std::os::fd::{AsRawFd, OwnedFd};

use rustix::io::Errno;

use super::cmsg::{FD_SIZE, RECV_CONTROL_SPACE, UCRED_SIZE, cmsg_space, take_control_messages};
use super::{Credentials, MAX_FDS, SeqpacketConn};

/// What one [`SeqpacketConn::recv`] received besides the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    /// The length of the message. Zero means the peer closed the connection: an empty
    /// message cannot be sent with this module, so it is never one.
    pub len: usize,
    /// How many descriptors were appended to the caller's list.
    pub fds: usize,
    /// The sender's credentials, present when this socket has
    /// [`set_passcred(true)`](SeqpacketConn::set_passcred).
    pub credentials: Option<Credentials>,
}

/// A message that did not fit where the receiver put it. The whole message is discarded
/// and the descriptors it carried are closed.
///
/// Carried inside an `io::Error` of kind `InvalidData`; get it back with
/// `err.get_ref().and_then(|e| e.downcast_ref::<Truncated>())`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Truncated {
    /// The message was `len` bytes long and the buffers held `capacity` (`MSG_TRUNC`).
    Data {
        /// The length of the message as sent.
        len: usize,
        /// The total length of the receive buffers.
        capacity: usize,
    },
    /// The control data did not fit (`MSG_CTRUNC`): more than `max_fds` descriptors, or
    /// control messages this module does not ask for.
    Control {
        /// How many descriptors the receiver made room for.
        max_fds: usize,
    },
}

impl std::fmt::Display for Truncated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Truncated::Data { len, capacity } => write!(
                f,
                "recvmsg: message truncated: {len} bytes did not fit in {capacity}; \
                 its descriptors were closed"
            ),
            Truncated::Control { max_fds } => write!(
                f,
                "recvmsg: control data truncated (room for {max_fds} descriptors): \
                 message discarded, the descriptors that arrived were closed"
            ),
        }
    }
}

impl std::error::Error for Truncated {}

impl SeqpacketConn {
    /// `recvmsg(MSG_CMSG_CLOEXEC | MSG_TRUNC)`: receives one message into `buf`, appending
    /// its descriptors (up to [`MAX_FDS`]) to `fds`.
    ///
    /// See [`recv_vectored`](Self::recv_vectored).
    pub fn recv(&self, buf: &mut [u8], fds: &mut Vec<OwnedFd>) -> io::Result<Received> {
        self.recv_vectored(&mut [IoSliceMut::new(buf)], fds, MAX_FDS)
    }

    /// `recvmsg(MSG_CMSG_CLOEXEC | MSG_TRUNC)`: receives one message, scattered over `bufs`
    /// in order, appending the descriptors it carried to `fds` (close-on-exec).
    ///
    /// A message longer than `bufs`, or carrying more than `max_fds` descriptors (at most
    /// [`MAX_FDS`]), is an `InvalidData` error holding a [`Truncated`]: the message is gone,
    /// the descriptors that arrived with it are closed and `fds` is left as it was. Other
    /// errors are the plain errno (`WouldBlock` on an empty non-blocking socket or after the
    /// read timeout). Nothing is allocated unless `fds` must grow.
    pub fn recv_vectored(
        &self,
        bufs: &mut [IoSliceMut<'_>],
        fds: &mut Vec<OwnedFd>,
        max_fds: usize,
    ) -> io::Result<Received> {
        let max_fds = max_fds.min(MAX_FDS);
        let capacity: usize = bufs.iter().map(|buf| buf.len()).sum();
        // Zeroed, not uninitialized: the kernel leaves the alignment padding between control
        // messages unwritten, and the parser reads this as a byte slice.
        let mut control = [0u8; RECV_CONTROL_SPACE];
        let control = &mut control[..cmsg_space(max_fds * FD_SIZE) + cmsg_space(UCRED_SIZE)];

        // SAFETY: all-zero is a valid `msghdr`: null pointers with zero lengths, no flags.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = bufs.as_mut_ptr().cast::<libc::iovec>();
        msg.msg_iovlen = bufs.len() as _;
        msg.msg_control = control.as_mut_ptr().cast::<libc::c_void>();
        msg.msg_controllen = control.len() as _;
        // CMSG_CLOEXEC: descriptors arrive close-on-exec, with no window before an fcntl.
        // TRUNC: report the real length of a message longer than `bufs`.
        let flags = libc::MSG_CMSG_CLOEXEC | libc::MSG_TRUNC;
        let len = loop {
            // SAFETY: `msg` points at `bufs`, whose `IoSliceMut`s have the ABI of `iovec`
            // (std guarantees it on Unix) and describe memory writable for this call, and at
            // `control`, writable for `msg_controllen` bytes. The kernel writes only there.
            let n = unsafe { libc::recvmsg(self.fd.as_raw_fd(), &mut msg, flags) };
            match usize::try_from(n) {
                Ok(n) => break n,
                Err(_) => match Errno::from_io_error(&io::Error::last_os_error()) {
                    Some(Errno::INTR) => continue,
                    Some(errno) => return Err(errno.into()),
                    None => return Err(io::Error::last_os_error()),
                },
            }
        };

        let start = fds.len();
        let used = (msg.msg_controllen as usize).min(control.len());
        let credentials = take_control_messages(&control[..used], fds);
        // The room left for credentials can hold a few descriptors more than `max_fds`
        // when no credentials come: the limit is enforced here, exactly.
        let truncated = if msg.msg_flags & libc::MSG_CTRUNC != 0 || fds.len() - start > max_fds {
            Some(Truncated::Control { max_fds })
        } else if msg.msg_flags & libc::MSG_TRUNC != 0 || len > capacity {
            Some(Truncated::Data { len, capacity })
        } else {
            None
        };
        if let Some(truncated) = truncated {
            // Closes every descriptor that came with the discarded message.
            fds.truncate(start);
            return Err(io::Error::new(io::ErrorKind::InvalidData, truncated));
        }
        Ok(Received { len, fds: fds.len() - start, credentials })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unix::testing::is_cloexec;
    use rustix::pipe::{PipeFlags, pipe_with};
    use std::io::IoSlice;
    use std::os::fd::AsFd;

    fn truncation(err: &io::Error) -> Option<Truncated> {
        err.get_ref().and_then(|inner| inner.downcast_ref::<Truncated>()).copied()
    }

    /// Whether every write end of the pipe whose read end is `read` is closed (read says
    /// end of file rather than "would block").
    fn all_writers_closed(read: &OwnedFd) -> bool {
        match rustix::io::read(read, &mut [0u8; 1]) {
            Ok(0) => true,
            Err(Errno::AGAIN) => false,
            other => panic!("unexpected read result {other:?}"),
        }
    }

    #[test]
    fn a_passed_descriptor_reaches_the_same_pipe_and_is_cloexec() {
        let (a, b) = SeqpacketConn::pair().unwrap();
        let (read, write) = pipe_with(PipeFlags::CLOEXEC).unwrap();
        assert_eq!(a.send(b"pipe", &[write.as_fd()]).unwrap(), 4);
        drop(write);

        let mut buf = [0u8; 16];
        let mut fds = Vec::new();
        let got = b.recv(&mut buf, &mut fds).unwrap();
        assert_eq!((got.len, got.fds, got.credentials), (4, 1, None));
        assert_eq!(&buf[..4], b"pipe");
        assert!(is_cloexec(&fds[0]));

        rustix::io::write(&fds[0], b"through").unwrap();
        let mut out = [0u8; 7];
        rustix::io::read(&read, &mut out).unwrap();
        assert_eq!(&out, b"through");
    }

    #[test]
    fn header_and_body_arrive_as_one_message() {
        let (a, b) = SeqpacketConn::pair().unwrap();
        a.send_vectored(&[IoSlice::new(b"head:"), IoSlice::new(b"body")], &[]).unwrap();
        a.send(b"next", &[]).unwrap();
        let (mut head, mut body) = ([0u8; 5], [0u8; 16]);
        let got = b
            .recv_vectored(
                &mut [IoSliceMut::new(&mut head), IoSliceMut::new(&mut body)],
                &mut Vec::new(),
                0,
            )
            .unwrap();
        assert_eq!(got.len, 9);
        assert_eq!((&head, &body[..4]), (b"head:", &b"body"[..]));
        let got = b.recv(&mut body, &mut Vec::new()).unwrap();
        assert_eq!(&body[..got.len], b"next");
    }

    #[test]
    fn too_many_descriptors_is_an_error_and_closes_those_that_arrived() {
        // Three just over the limit (caught by counting), 253 far over it (the kernel cuts
        // the control data: MSG_CTRUNC).
        for count in [3, MAX_FDS] {
            let (a, b) = SeqpacketConn::pair().unwrap();
            let (read, write) = pipe_with(PipeFlags::CLOEXEC | PipeFlags::NONBLOCK).unwrap();
            a.send(b"many", &vec![write.as_fd(); count]).unwrap();
            a.send(b"after", &[]).unwrap();
            drop(write);
            // The copies in flight keep the pipe open.
            assert!(!all_writers_closed(&read));

            let mut fds = Vec::new();
            let err =
                b.recv_vectored(&mut [IoSliceMut::new(&mut [0u8; 8])], &mut fds, 2).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData);
            assert_eq!(truncation(&err), Some(Truncated::Control { max_fds: 2 }));
            assert!(err.to_string().contains("control data truncated"), "{err}");
            assert!(fds.is_empty());
            // Those that arrived were closed by us, the others by the kernel.
            assert!(all_writers_closed(&read), "{count} descriptors sent");

            // The connection goes on with the next message.
            let mut buf = [0u8; 8];
            let got = b.recv(&mut buf, &mut fds).unwrap();
            assert_eq!(&buf[..got.len], b"after");
        }
    }

    #[test]
    fn a_message_longer_than_the_buffer_is_an_error_that_says_so() {
        let (a, b) = SeqpacketConn::pair().unwrap();
        let (read, write) = pipe_with(PipeFlags::CLOEXEC | PipeFlags::NONBLOCK).unwrap();
        a.send(&[7u8; 100], &[write.as_fd()]).unwrap();
        drop(write);
        let mut fds = Vec::new();
        let err = b.recv(&mut [0u8; 10], &mut fds).unwrap_err();
        assert_eq!(truncation(&err), Some(Truncated::Data { len: 100, capacity: 10 }));
        assert!(err.to_string().contains("100 bytes did not fit in 10"), "{err}");
        assert!(fds.is_empty());
        assert!(all_writers_closed(&read));
    }
}
