//! A call as a message, for both clients: where its arguments and leases travel (inline,
//! in the connection's arenas, in memfds of their own), the `CALL` itself, the descriptors
//! it passes, and afterwards the check of its `REPLY` and what the server wrote back into
//! the caller's leases. No
//! socket here: the caller sends what this makes and hands back the reply it receives.

use std::io;
use std::num::NonZeroU32;
use std::os::fd::{AsFd, BorrowedFd};

use ostium_sys::Memfd;
use ostium_sys::memfd::Seals;

use super::arena::{ARENA_MAX, Arenas};
use crate::sealed::sealed_memfd;
use crate::transport;
use crate::wire::{self, Access, Lease, Op, Payload, WritableLeases};
use crate::{CallError, InvalidCall, Lend, ProtocolError};

/// The name of the memfds that carry arguments too large for a message.
pub(crate) const ARGS_MEMFD: &str = "ostium-args";

/// One call to encode.
pub(crate) struct CallParts<'a, 'l> {
    pub(crate) id: u32,
    pub(crate) op: u32,
    pub(crate) args: &'a [u8],
    pub(crate) leases: &'a [Lend<'l>],
    /// Descriptors passed to the handler.
    pub(crate) fd_count: usize,
    pub(crate) deadline_ms: Option<NonZeroU32>,
    /// Leases up to this many bytes travel inline.
    pub(crate) inline_lease_max: usize,
}

/// What the connection's `HELLO` settled that encoding depends on.
#[derive(Clone, Copy)]
pub(crate) struct Limits {
    /// The longest message to send the server inline.
    pub(crate) server_max_message: u32,
    /// The longest message this client accepts (writable inline leases come back in it).
    pub(crate) reply_max_message: u32,
    /// Whether the server takes memfds.
    pub(crate) memfd: bool,
}

/// Where one lease of a call travels.
pub(crate) enum LeaseHome {
    /// In the call message.
    Inline,
    /// In the connection's arena of this position.
    Arena(usize),
    /// In a memfd made for this call (a lease larger than any arena).
    Own(Memfd),
}

/// An encoded call: its message is in the buffer given to [`encode`].
pub(crate) struct Encoded {
    pub(crate) homes: Vec<LeaseHome>,
    pub(crate) args_memfd: Option<Memfd>,
    /// What the reply must return.
    pub(crate) returned: WritableLeases,
}

/// Encodes `call` into `out` (cleared first), putting what does not fit a message in the
/// connection's `arenas` (if they are free for this call) or in memfds of its own.
pub(crate) fn encode(
    call: &CallParts<'_, '_>,
    limits: Limits,
    arenas: Option<&mut Arenas>,
    out: &mut Vec<u8>,
) -> Result<Encoded, CallError> {
    let (homes, inline_len) = place_leases(call, limits, arenas)?;
    let args_memfd = if transport::travels_inline(inline_len, 0, limits.server_max_message) {
        None
    } else {
        require_memfd(limits)?;
        Some(sealed_memfd(ARGS_MEMFD, call.args).map_err(CallError::io)?)
    };
    let wire_len = |len: usize| u32::try_from(len).unwrap_or(u32::MAX);
    let args = match args_memfd {
        Some(_) => Payload::InMemfd { len: wire_len(call.args.len()) },
        None => Payload::Inline(call.args),
    };
    let fd_count = u16::try_from(call.fd_count)
        .map_err(|_| CallError::Invalid(InvalidCall::TooManyDescriptors(call.fd_count)))?;
    let leases: Vec<Lease<'_>> = call
        .leases
        .iter()
        .zip(&homes)
        .map(|(lend, home)| Lease {
            access: lend.access(),
            contents: match home {
                LeaseHome::Inline => Payload::Inline(lend.bytes()),
                LeaseHome::Arena(_) | LeaseHome::Own(_) => {
                    Payload::InMemfd { len: wire_len(lend.bytes().len()) }
                }
            },
        })
        .collect();
    let message = wire::Call {
        id: call.id,
        op: Op(call.op),
        deadline_ms: call.deadline_ms,
        args,
        leases: &leases,
        fd_count,
    };
    out.clear();
    message.encode(out)?;
    Ok(Encoded { returned: WritableLeases::of(&leases), homes, args_memfd })
}

/// Where each lease travels: inline while the message stays within what the server
/// accepts and the lease is small, else in an arena or a memfd made for it. A writable
/// inline lease comes back in the reply, so those must also fit what this client accepts
/// (§4.2). Returns the homes and the inline length of the message with them.
fn place_leases(
    call: &CallParts<'_, '_>,
    limits: Limits,
    mut arenas: Option<&mut Arenas>,
) -> Result<(Vec<LeaseHome>, usize), CallError> {
    let mut inline_len =
        wire::CallHeader::SIZE + call.args.len() + wire::LeaseDesc::SIZE * call.leases.len();
    let mut returned_len = wire::ReplyHeader::SIZE;
    let mut homes: Vec<LeaseHome> = Vec::with_capacity(call.leases.len());
    let mut arenas_used = 0;
    for lend in call.leases {
        let bytes = lend.bytes();
        let writable = lend.access().can_write();
        let fits = transport::travels_inline(inline_len, bytes.len(), limits.server_max_message)
            && (!writable
                || transport::travels_inline(returned_len, bytes.len(), limits.reply_max_message));
        if bytes.len() <= call.inline_lease_max && fits {
            inline_len += bytes.len();
            if writable {
                returned_len += bytes.len();
            }
            homes.push(LeaseHome::Inline);
        } else if let Some(arenas) = arenas.as_deref_mut().filter(|_| bytes.len() <= ARENA_MAX) {
            require_memfd(limits)?;
            arenas.fill(arenas_used, bytes).map_err(CallError::io)?;
            homes.push(LeaseHome::Arena(arenas_used));
            arenas_used += 1;
        } else {
            require_memfd(limits)?;
            homes.push(LeaseHome::Own(lease_memfd(bytes, lend.access()).map_err(CallError::io)?));
        }
    }
    Ok((homes, inline_len))
}

fn require_memfd(limits: Limits) -> Result<(), CallError> {
    match limits.memfd {
        true => Ok(()),
        false => Err(CallError::Invalid(InvalidCall::NeedsMemfd)),
    }
}

/// The descriptors a call passes, in the protocol's order (§4.3): the argument memfd,
/// the lease memfds, the handler's descriptors.
pub(crate) fn descriptors<'c>(
    homes: &'c [LeaseHome],
    args_memfd: Option<&'c Memfd>,
    arenas: &'c Arenas,
    handler_fds: &[BorrowedFd<'c>],
) -> Result<Vec<BorrowedFd<'c>>, CallError> {
    let mut passed = Vec::with_capacity(handler_fds.len() + 1 + homes.len());
    passed.extend(args_memfd.map(|m| m.as_fd()));
    for home in homes {
        match home {
            LeaseHome::Inline => {}
            LeaseHome::Arena(index) => passed.extend(arenas.get(*index).map(|a| a.as_fd())),
            LeaseHome::Own(memfd) => passed.push(memfd.as_fd()),
        }
    }
    passed.extend_from_slice(handler_fds);
    if passed.len() > wire::MAX_FDS {
        return Err(CallError::Invalid(InvalidCall::TooManyDescriptors(passed.len())));
    }
    Ok(passed)
}

/// Checks a `REPLY` (`msg`, with `fds` descriptors) as the answer to call `id`, which lent
/// leases that `returned` describes: a malformed reply or one to another call is the
/// server breaking the protocol, a fault is the call's error.
pub(crate) fn check_reply(
    msg: &[u8],
    fds: usize,
    id: u32,
    returned: WritableLeases,
) -> Result<wire::ReplyView<'_>, CallError> {
    let view = wire::decode_reply(msg, fds, Some(returned))?;
    if view.id() != id {
        return Err(CallError::Protocol(ProtocolError::WrongReply(view.id(), id)));
    }
    match view.status() {
        wire::Status::Fault(fault) => Err(CallError::Fault(fault)),
        _ => Ok(view),
    }
}

/// Copies what the server wrote into the caller's writable leases: inline ones came back
/// in the reply, memfd ones were written in place.
pub(crate) fn write_back(
    leases: &mut [Lend<'_>],
    homes: &[LeaseHome],
    arenas: &Arenas,
    view: &wire::ReplyView<'_>,
) -> Result<(), CallError> {
    let inline_lens = leases
        .iter()
        .zip(homes)
        .filter(|(lend, home)| matches!(home, LeaseHome::Inline) && lend.access().can_write())
        .map(|(lend, _)| u32::try_from(lend.bytes().len()).unwrap_or(u32::MAX));
    let mut chunks = view.lease_chunks(inline_lens.collect::<Vec<_>>());
    for (lend, home) in leases.iter_mut().zip(homes) {
        let Some(buffer) = lend.writable() else { continue };
        match home {
            LeaseHome::Own(memfd) => memfd.read_exact_at(buffer, 0).map_err(CallError::io)?,
            LeaseHome::Arena(index) => {
                let arena = arenas
                    .get(*index)
                    .ok_or_else(|| CallError::io(io::Error::other("a lease arena went missing")))?;
                arena.read_back(buffer).map_err(CallError::io)?;
            }
            LeaseHome::Inline => {
                let chunk = chunks
                    .next()
                    .ok_or(CallError::Protocol(ProtocolError::MissingLeaseContents))?;
                buffer.copy_from_slice(chunk);
            }
        }
    }
    Ok(())
}

/// A memfd holding a lease's bytes: sealed against any change if the server may only read
/// it, against changes of size if it may write it (§4.3).
fn lease_memfd(bytes: &[u8], access: Access) -> io::Result<Memfd> {
    if !access.can_write() {
        return sealed_memfd(ARGS_MEMFD, bytes);
    }
    let memfd = Memfd::create("ostium-lease", bytes.len() as u64)?;
    memfd.write_all_at(bytes, 0)?;
    memfd.seal(Seals::SHRINK | Seals::GROW | Seals::SEAL)?;
    Ok(memfd)
}
