//! The three encodings of Idol, one type each: [`Zerocopy`], [`Hubpack`], [`Ssmarshal`].
//!
//! Each has `encode(&value) -> Vec<u8>` and `decode(&bytes) -> Option<value>` with the
//! bounds its codec needs, so that a generator decides an operation's encoding once (by
//! naming the type) and emits the same calls for all three. Decoding is strict: bytes of
//! the wrong length, trailing bytes or an invalid value give `None`, which the server answers
//! with [`Fault::BadMessage`](ostium::wire::Fault::BadMessage) and the client reports as
//! [`Failure::BadReply`](super::Failure::BadReply). Nothing here panics on what a peer sent.

use hubpack::SerializedSize;
use serde::Serialize;
use serde::de::DeserializeOwned;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// Memory images of fixed-layout types (zerocopy 0.8), Idol's default. Generated argument
/// structs are `#[repr(C, packed)]`, so values are read unaligned from any buffer.
#[derive(Debug, Clone, Copy)]
pub struct Zerocopy;

impl Zerocopy {
    /// The value's bytes.
    pub fn encode<T: IntoBytes + Immutable>(value: &T) -> Vec<u8> {
        value.as_bytes().to_vec()
    }

    /// The value whose image `bytes` is exactly; `None` if the length differs.
    pub fn decode<T: FromBytes>(bytes: &[u8]) -> Option<T> {
        T::read_from_bytes(bytes).ok()
    }

    /// The size of `T`'s image: what a message of it takes.
    pub const fn max_size<T: KnownLayout>() -> usize {
        core::mem::size_of::<T>()
    }
}

/// `hubpack`: serde with a bounded size ([`SerializedSize`]), the encoding of `Complex`
/// errors.
#[derive(Debug, Clone, Copy)]
pub struct Hubpack;

impl Hubpack {
    /// The value, serialized. A value whose `Serialize` disagrees with its
    /// `SerializedSize` (a hand-written impl's mistake) encodes as nothing, which the peer
    /// rejects, rather than panicking.
    pub fn encode<T: Serialize + SerializedSize>(value: &T) -> Vec<u8> {
        let mut buf = vec![0; T::MAX_SIZE];
        let len = hubpack::serialize(&mut buf, value).unwrap_or(0);
        buf.truncate(len);
        buf
    }

    /// The value `bytes` hold, all of them.
    pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Option<T> {
        match hubpack::deserialize(bytes) {
            Ok((value, [])) => Some(value),
            _ => None,
        }
    }

    /// The largest encoding of a `T`.
    pub const fn max_size<T: SerializedSize>() -> usize {
        T::MAX_SIZE
    }
}

/// `ssmarshal`, the older serde codec some Hubris operations still use.
#[derive(Debug, Clone, Copy)]
pub struct Ssmarshal;

impl Ssmarshal {
    /// The value, serialized. Fixed-size types only; the buffer grows until the value fits.
    pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
        let mut buf = vec![0; 64];
        loop {
            match ssmarshal::serialize(&mut buf, value) {
                Ok(len) => {
                    buf.truncate(len);
                    return buf;
                }
                Err(ssmarshal::Error::EndOfStream) if buf.len() < MAX_SSMARSHAL => {
                    buf.resize(buf.len() * 4, 0);
                }
                Err(_) => return Vec::new(),
            }
        }
    }

    /// The value `bytes` hold, all of them.
    pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Option<T> {
        match ssmarshal::deserialize(bytes) {
            Ok((value, len)) if len == bytes.len() => Some(value),
            _ => None,
        }
    }
}

/// The largest of `sizes` (0 for none): a generated `INCOMING_SIZE`, the largest message
/// of any operation.
pub const fn max_size(sizes: &[usize]) -> usize {
    let (mut max, mut i) = (0, 0);
    while i < sizes.len() {
        if sizes[i] > max {
            max = sizes[i];
        }
        i += 1;
    }
    max
}

/// The largest value [`Ssmarshal::encode`] tries (a message's inline limit is 64 KiB).
const MAX_SSMARSHAL: usize = 1 << 20;

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Pair {
        a: u16,
        b: Option<bool>,
    }

    impl SerializedSize for Pair {
        const MAX_SIZE: usize = u16::MAX_SIZE + <Option<bool>>::MAX_SIZE;
    }

    #[test]
    fn zerocopy_is_exact() {
        let bytes = Zerocopy::encode(&0x0102_u16);
        assert_eq!(Zerocopy::decode::<u16>(&bytes), Some(0x0102));
        assert_eq!(Zerocopy::decode::<u16>(&[1]), None);
        assert_eq!(Zerocopy::decode::<u16>(&[1, 2, 3]), None);
    }

    #[test]
    fn hubpack_rejects_trailing_and_bad_bytes() {
        let pair = Pair { a: 7, b: Some(true) };
        let bytes = Hubpack::encode(&pair);
        assert_eq!(Hubpack::decode::<Pair>(&bytes), Some(Pair { a: 7, b: Some(true) }));
        let mut long = bytes.clone();
        long.push(0);
        assert_eq!(Hubpack::decode::<Pair>(&long), None);
        assert_eq!(Hubpack::decode::<Pair>(&[7, 0, 2]), None, "an Option tag of 2");
        assert_eq!(Hubpack::decode::<Pair>(&[7]), None);
    }

    #[test]
    fn ssmarshal_round_trips() {
        let value = (3_u32, [1_u8; 32]);
        let bytes = Ssmarshal::encode(&value);
        assert_eq!(bytes.len(), 36);
        assert_eq!(Ssmarshal::decode::<(u32, [u8; 32])>(&bytes), Some(value));
        assert_eq!(Ssmarshal::decode::<u32>(&bytes), None);
    }
}
