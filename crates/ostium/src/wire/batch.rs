//! `CALL_BATCH` and `REPLY_BATCH` (§4.6): several `CALL`s, or several `REPLY`s, in one
//! message, on a connection where both sides set `PIPELINING`.
//!
//! Why one message and not several sent together: the kernel lets the woken peer run
//! between two messages of one `sendmmsg` (it reschedules after each), so a batch of
//! messages still costs a wakeup and two context switches per call. One message is one
//! wakeup.
//!
//! Layout: an 8-byte header (`kind`, `flags` = 0, 2 reserved bytes, `count` as a `u32`),
//! then `count` entries, each a `u32` length and that many bytes: a whole `CALL` (in a
//! `CALL_BATCH`) or `REPLY` (in a `REPLY_BATCH`) message. Entries carry no descriptors and
//! no memfd payloads: a call or reply that needs one travels alone.

use super::error::{DecodeError, DecodeErrorKind as K, EncodeError};
use super::{Kind, check_fds, open, peek_kind};

/// The size of a batch's header.
pub const BATCH_HEADER: usize = 8;
/// The size of an entry's length field.
pub const ENTRY_HEADER: usize = 4;
/// The most messages one batch may hold.
pub const MAX_BATCH: usize = 64;

/// The length of a batch holding messages of these lengths.
pub fn batch_len(lens: impl IntoIterator<Item = usize>) -> usize {
    lens.into_iter().fold(BATCH_HEADER, |total, len| total.saturating_add(ENTRY_HEADER + len))
}

/// Appends a batch of `kind` ([`Kind::CallBatch`] or [`Kind::ReplyBatch`]) holding
/// `messages`, in order, to `out`. Fails (writing nothing) for another kind, no message,
/// more than [`MAX_BATCH`], or a message longer than a `u32`.
pub fn encode_batch(kind: Kind, messages: &[&[u8]], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    if !matches!(kind, Kind::CallBatch | Kind::ReplyBatch) {
        return Err(EncodeError::NotABatch);
    }
    if messages.is_empty() || messages.len() > MAX_BATCH {
        return Err(EncodeError::BatchCount(messages.len()));
    }
    let mut lens = Vec::with_capacity(messages.len());
    for message in messages {
        lens.push(
            u32::try_from(message.len()).map_err(|_| EncodeError::TooLong {
                what: "a batched message",
                len: message.len(),
            })?,
        );
    }
    out.reserve(batch_len(messages.iter().map(|m| m.len())));
    out.extend_from_slice(&[kind as u8, 0, 0, 0]);
    out.extend_from_slice(&(messages.len() as u32).to_le_bytes());
    for (message, len) in messages.iter().zip(lens) {
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(message);
    }
    Ok(())
}

/// Checks a batch of `kind` received with `fds_received` descriptors (there must be none)
/// and returns its messages, each of the kind the batch holds (`CALL` or `REPLY`); their
/// own contents are for the receiver to decode. Every length is checked against what is
/// there before it is used.
pub fn decode_batch(
    msg: &[u8],
    fds_received: usize,
    kind: Kind,
) -> Result<Vec<&[u8]>, DecodeError> {
    let inner = match kind {
        Kind::CallBatch => Kind::Call,
        Kind::ReplyBatch => Kind::Reply,
        other => {
            return Err(DecodeError::new(
                0,
                K::UnexpectedKind { expected: Kind::CallBatch, found: other },
            ));
        }
    };
    let what = if kind == Kind::CallBatch { "CALL_BATCH header" } else { "REPLY_BATCH header" };
    let mut r = open(msg, kind, what, BATCH_HEADER)?;
    r.reserved::<1>("flags")?;
    r.reserved::<2>("bytes 2..4")?;
    let count = r.u32("count")?;
    if count == 0 || count as usize > MAX_BATCH {
        return Err(DecodeError::new(4, K::BatchCount(count)));
    }
    check_fds(0, 0, fds_received)?;
    let mut messages = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let len = r.u32("entry length")? as usize;
        let at = r.pos();
        let message = r.take("entry", len)?;
        match peek_kind(message) {
            Ok(found) if found == inner => {}
            Ok(found) => {
                return Err(DecodeError::new(at, K::UnexpectedKind { expected: inner, found }));
            }
            Err(err) => return Err(DecodeError::new(at + err.offset(), err.kind())),
        }
        messages.push(message);
    }
    r.finish()?;
    Ok(messages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_layout() {
        let calls: [&[u8]; 2] = [&[2, 0, 0, 0, 9], &[2, 1]];
        let mut out = Vec::new();
        encode_batch(Kind::CallBatch, &calls, &mut out).unwrap();
        assert_eq!(out, [4, 0, 0, 0, 2, 0, 0, 0, 5, 0, 0, 0, 2, 0, 0, 0, 9, 2, 0, 0, 0, 2, 1]);
        assert_eq!(out.len(), batch_len([5, 2]));
        assert_eq!(decode_batch(&out, 0, Kind::CallBatch).unwrap(), calls);
    }

    #[test]
    fn malformed_batches_are_located() {
        let mut ok = Vec::new();
        encode_batch(Kind::ReplyBatch, &[&[3, 0]], &mut ok).unwrap();
        let err = |msg: &[u8], fds| decode_batch(msg, fds, Kind::ReplyBatch).unwrap_err();
        assert_eq!(err(&ok, 1).kind(), K::DescriptorCount { expected: 0, received: 1 });
        let mut zero = ok.clone();
        zero[4] = 0;
        assert_eq!((err(&zero, 0).offset(), err(&zero, 0).kind()), (4, K::BatchCount(0)));
        let mut long = ok.clone();
        long[8] = 200; // an entry longer than the message
        assert_eq!(err(&long, 0).offset(), 12);
        let mut wrong = ok.clone();
        wrong[12] = 2; // a CALL inside a REPLY_BATCH
        assert_eq!(
            err(&wrong, 0).kind(),
            K::UnexpectedKind { expected: Kind::Reply, found: Kind::Call }
        );
        let mut trailing = ok.clone();
        trailing.push(0);
        assert!(matches!(err(&trailing, 0).kind(), K::TrailingBytes { .. }));
        assert!(decode_batch(&ok, 0, Kind::CallBatch).is_err(), "the wrong batch kind");
        assert!(encode_batch(Kind::Call, &[&[2]], &mut Vec::new()).is_err());
        assert!(encode_batch(Kind::CallBatch, &[], &mut Vec::new()).is_err());
    }
}
