//! The client's side of typed leases: lending a value of any zerocopy type (`[u8]`,
//! `[u32]`, `[T; N]`, a sized `T`) as the bytes of a [`Lend`], and checking `max_len` before
//! the call is sent.

use zerocopy::{FromBytes, Immutable, IntoBytes};

use super::Failure;
use ostium::Lend;

/// Lends `value` for the server to read.
pub fn lend_read<T: IntoBytes + Immutable + ?Sized>(value: &T) -> Lend<'_> {
    Lend::Read(value.as_bytes())
}

/// Lends `value` for the server to write; what it writes is in `value` after the call.
///
/// `FromBytes` because whatever bytes the server writes must make a valid `T`.
pub fn lend_write<T: IntoBytes + FromBytes + ?Sized>(value: &mut T) -> Lend<'_> {
    Lend::Write(value.as_mut_bytes())
}

/// Lends `value` for the server to read and write.
pub fn lend_read_write<T: IntoBytes + FromBytes + ?Sized>(value: &mut T) -> Lend<'_> {
    Lend::ReadWrite(value.as_mut_bytes())
}

/// Checks a `[T]` lease of `len` elements against the interface's `max_len`: exactly
/// `max` elements are allowed, one more is refused, with an error naming the operation and
/// the lease.
pub fn check_max_len(
    op: &'static str,
    lease: &'static str,
    len: usize,
    max: u32,
) -> Result<(), Failure> {
    if len > max as usize {
        return Err(Failure::LeaseTooLong { op, lease, len, max });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_values_lend_their_bytes() {
        let words = [1_u32, 2];
        match lend_read(&words[..]) {
            Lend::Read(bytes) => assert_eq!(bytes.len(), 8),
            other => panic!("{other:?}"),
        }
        let mut one = 0_u16;
        assert!(matches!(lend_write(&mut one), Lend::Write(b) if b.len() == 2));
        let mut array = [0_u8; 3];
        assert!(matches!(lend_read_write(&mut array), Lend::ReadWrite(b) if b.len() == 3));
    }

    #[test]
    fn max_len_allows_exactly_max() {
        assert!(check_max_len("op", "buf", 8, 8).is_ok());
        assert!(matches!(
            check_max_len("op", "buf", 9, 8),
            Err(Failure::LeaseTooLong { op: "op", lease: "buf", len: 9, max: 8 })
        ));
    }
}
